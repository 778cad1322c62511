//! What people see of patrols: one patrol with the cases reported on it and the steps open
//! to the viewer; the lists — my patrols, and a grid's or community's patrols for its
//! staff — newest first, keyset paginated, filtered by person, date and state.

use std::collections::HashMap;

use kernel::paging::limit;
use kernel::time::{parse_date, shanghai};
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use utoipa::{IntoParams, ToSchema};

use super::{COLS, Patrol, PatrolState, from_row, keeps, load, reads};
use crate::access::prefixes;
use crate::view::{CaseQuery, CaseRow, Filter};

/// A patrol with names, the cases found on it and the steps open to the viewer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PatrolView {
    /// The patrol.
    #[serde(flatten)]
    pub patrol: Patrol,
    /// The grid's name.
    pub grid_name: String,
    /// The patroller's name.
    pub person_name: String,
    /// State in words.
    pub state_label: String,
    /// Whole minutes, once ended.
    pub minutes: Option<i64>,
    /// Who confirmed it.
    pub confirmed_by_name: Option<String>,
    /// Cases reported on this patrol (newest first, at most 50).
    pub cases: Vec<CaseRow>,
    /// Steps open to the viewer: `end`, `report`, `resubmit`, `confirm`, `return`, `credit`
    /// (retry a credit the ledger refused).
    pub can: Vec<String>,
}

/// One patrol in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PatrolRow {
    /// The patrol.
    #[serde(flatten)]
    pub patrol: Patrol,
    /// The grid's name.
    pub grid_name: String,
    /// The patroller's name.
    pub person_name: String,
    /// State in words.
    pub state_label: String,
    /// Whole minutes, once ended.
    pub minutes: Option<i64>,
    /// Cases reported on it.
    pub cases: i64,
}

/// A page of patrols.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PatrolPage {
    /// Newest first.
    pub items: Vec<PatrolRow>,
    /// Pass as `before` for the next page.
    pub next: Option<String>,
}

/// Which patrols to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct PatrolQuery {
    /// `mine` (the default for people without a staff role over grids) or `scope` (the
    /// grids under my roles).
    pub view: Option<String>,
    /// Under this node (a grid or a community), for `scope`.
    pub unit_id: Option<i64>,
    /// Only this patroller.
    pub person_id: Option<i64>,
    /// Started on or after this day (`YYYY-MM-DD`, Beijing).
    pub from: Option<String>,
    /// Started on or before this day.
    pub to: Option<String>,
    /// One state: `open`, `recorded`, `returned`, `confirmed`.
    pub state: Option<String>,
    /// Keyset: the `next` of the previous page.
    pub before: Option<String>,
    /// Page size (default 50, at most 200).
    pub limit: Option<i64>,
}

fn can(access: &Access, p: &Patrol) -> Vec<String> {
    let me = access.person_id() != 0 && access.person_id() == p.person_id;
    let keeper = !me && keeps(access, &p.unit_path);
    let mut out = Vec::new();
    let mut add = |s: &str, ok: bool| {
        if ok {
            out.push(s.to_owned());
        }
    };
    add("end", me && p.state == PatrolState::Open);
    add("report", me && p.state == PatrolState::Open);
    add("resubmit", me && p.state == PatrolState::Returned);
    add("confirm", keeper && p.state == PatrolState::Recorded);
    add("return", keeper && p.state == PatrolState::Recorded);
    add(
        "credit",
        keeper && p.state == PatrolState::Confirmed && p.credit_txn_id.is_none(),
    );
    out
}

/// Names of grids by id.
async fn grid_names(db: &Db, city_id: i64, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    for id in ids {
        if let Some(u) = org::units::fetch_any(db, city_id, id).await? {
            out.insert(id, u.name);
        }
    }
    Ok(out)
}

/// One patrol: 404 unless the caller patrolled it or is staff over its grid.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<PatrolView> {
    let p = load(db, access.city_id(), id)
        .await?
        .filter(|p| reads(access, p))
        .ok_or(Error::NotFound)?;
    let city = access.city_id();
    let mut ids = vec![p.person_id];
    ids.extend(p.confirmed_by_person_id);
    let names = org::pool::names(db, city, &ids).await?;
    let grid_name = grid_names(db, city, &[p.grid_id])
        .await?
        .remove(&p.grid_id)
        .unwrap_or_default();
    let mine = access.person_id() == p.person_id;
    let cases = crate::view::list(
        db,
        access,
        &CaseQuery {
            view: Some(if mine { "mine" } else { "scope" }.into()),
            patrol_id: Some(p.id),
            limit: Some(50),
            ..Default::default()
        },
    )
    .await?
    .items;
    Ok(PatrolView {
        grid_name,
        person_name: names.get(&p.person_id).cloned().unwrap_or_default(),
        state_label: p.state.label().into(),
        minutes: p.minutes(),
        confirmed_by_name: p
            .confirmed_by_person_id
            .and_then(|c| names.get(&c).cloned()),
        cases,
        can: can(access, &p),
        patrol: p,
    })
}

/// The first instant (ms) of a Beijing civil day.
pub(crate) fn day_start(d: jiff::civil::Date) -> i64 {
    d.to_zoned_datetime(shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

/// The scope a staff list covers: the caller's prefixes, narrowed to a node when asked.
async fn scope(db: &Db, access: &Access, unit_id: Option<i64>) -> Result<Vec<String>> {
    let mine = prefixes(access);
    let Some(id) = unit_id else {
        return Ok(mine);
    };
    let u = org::units::get(db, access, id).await?;
    if mine.iter().any(|p| u.path.starts_with(p.as_str())) {
        Ok(vec![u.path])
    } else {
        Ok(mine
            .into_iter()
            .filter(|p| p.starts_with(u.path.as_str()))
            .collect())
    }
}

fn cursor(s: &str) -> Option<(i64, i64)> {
    let (a, b) = s.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Patrols for the caller, newest first.
pub async fn list(db: &Db, access: &Access, q: &PatrolQuery) -> Result<PatrolPage> {
    let n = limit(q.limit);
    let view = q.view.as_deref().unwrap_or(if prefixes(access).is_empty() {
        "mine"
    } else {
        "scope"
    });
    let mut f = Filter::new(access.city_id());
    match view {
        "mine" => f.int("person_id = ?", access.person_id()),
        "scope" => f.under(&scope(db, access, q.unit_id).await?),
        _ => return Err(Error::field("view", "view 只能是 mine 或 scope")),
    }
    if let Some(pid) = q.person_id {
        f.int("person_id = ?", pid);
    }
    if let Some(s) = q.state.as_deref().filter(|s| !s.is_empty()) {
        let st = PatrolState::parse(s).ok_or_else(|| {
            Error::field("state", "状态只能是 open、recorded、returned 或 confirmed")
        })?;
        f.text("state = ?", st.as_str().into());
    }
    for (field, v, upper) in [("from", &q.from, false), ("to", &q.to, true)] {
        if let Some(t) = v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let d = parse_date(t).ok_or_else(|| Error::field(field, "日期格式应为 2026-11-25"))?;
            if upper {
                let next = d.tomorrow().unwrap_or(d);
                f.int("started_at < ?", day_start(next));
            } else {
                f.int("started_at >= ?", day_start(d));
            }
        }
    }
    if let Some(c) = q.before.as_deref().filter(|s| !s.is_empty()) {
        let (at, id) =
            cursor(c).ok_or_else(|| Error::field("before", "翻页参数无效，请从第一页重新查看"))?;
        let a = f.int_mark(at);
        let b = f.int_mark(id);
        f.raw(&format!(
            "(started_at < {a} OR (started_at = {a} AND id < {b}))"
        ));
    }
    let lim = f.next_mark();
    let sql = format!(
        "SELECT {COLS} FROM patrol WHERE {} ORDER BY started_at DESC, id DESC LIMIT {lim}",
        f.sql
    );
    let rows = f
        .bind(sqlx::query(AssertSqlSafe(sql)), &[n + 1])
        .fetch_all(db.reader())
        .await?;
    let mut patrols: Vec<Patrol> = rows.iter().map(from_row).collect::<Result<_>>()?;
    let more = patrols.len() as i64 > n;
    patrols.truncate(n as usize);
    let next = more
        .then(|| patrols.last().map(|p| format!("{}.{}", p.started_at, p.id)))
        .flatten();
    Ok(PatrolPage {
        items: rows_of(db, access.city_id(), patrols).await?,
        next,
    })
}

/// Names and case counts for list rows: one read per kind of name, one for the counts.
async fn rows_of(db: &Db, city: i64, patrols: Vec<Patrol>) -> Result<Vec<PatrolRow>> {
    let people: Vec<i64> = patrols.iter().map(|p| p.person_id).collect();
    let names = org::pool::names(db, city, &people).await?;
    let grids: Vec<i64> = patrols.iter().map(|p| p.grid_id).collect();
    let grids = grid_names(db, city, &grids).await?;
    let mut counts: HashMap<i64, i64> = HashMap::new();
    if !patrols.is_empty() {
        // The list is made of integers only, so it is safe to inline.
        let list = patrols
            .iter()
            .map(|p| p.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT patrol_id, CAST(COUNT(*) AS BIGINT) FROM case_file WHERE city_id = $1 \
             AND patrol_id IN ({list}) GROUP BY patrol_id"
        )))
        .bind(city)
        .fetch_all(db.reader())
        .await?;
        for r in rows {
            counts.insert(r.try_get(0)?, r.try_get(1)?);
        }
    }
    Ok(patrols
        .into_iter()
        .map(|p| PatrolRow {
            grid_name: grids.get(&p.grid_id).cloned().unwrap_or_default(),
            person_name: names.get(&p.person_id).cloned().unwrap_or_default(),
            state_label: p.state.label().into(),
            minutes: p.minutes(),
            cases: counts.get(&p.id).copied().unwrap_or(0),
            patrol: p,
        })
        .collect())
}

/// How many recorded patrols wait for the caller's confirmation (not their own).
pub async fn waiting(db: &Db, access: &Access) -> Result<i64> {
    let mut f = Filter::new(access.city_id());
    f.under(&prefixes(access));
    f.raw("state = 'recorded'");
    f.int("person_id <> ?", access.person_id());
    let sql = format!(
        "SELECT unit_path FROM patrol WHERE {} ORDER BY id DESC LIMIT 500",
        f.sql
    );
    let rows = f
        .bind(sqlx::query(AssertSqlSafe(sql)), &[])
        .fetch_all(db.reader())
        .await?;
    let mut n = 0;
    for r in rows {
        let path: String = r.try_get(0)?;
        if keeps(access, &path) {
            n += 1;
        }
    }
    Ok(n)
}
