//! What people see of cases: one case with its history, requests, photos, watches and the
//! steps open to the viewer; lists for the reporter, the handler and the staff (keyset
//! paginated, overdue first on the board); the board's counts by state; the points of a
//! grid's case map.

use std::collections::HashMap;

use kernel::mask::mask_phone;
use kernel::paging::{Page, limit};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use utoipa::{IntoParams, ToSchema};

use crate::access::{dispatches, handles, prefixes, reads, reported, verifies};
use crate::category::{self, Category};
use crate::model::{State, level_label};
use crate::photo::{self, Photo};
use crate::report::{Duplicate, duplicates};
use crate::requests::{self, Request};
use crate::store::{self, COLS, CaseFile, Event, prefix_range};
use crate::watch::{self, Watch};

/// A case with names, history and the steps open to the viewer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    /// The case.
    #[serde(flatten)]
    pub case: CaseFile,
    /// State in words.
    pub state_label: String,
    /// Source in words.
    pub source_label: String,
    /// Urgency in words.
    pub urgency_label: String,
    /// The category (大类 / 小类).
    pub category_name: String,
    /// Its code.
    pub category_code: String,
    /// 部件 or 事件.
    pub category_kind: String,
    /// The time limit in words.
    pub limit_label: String,
    /// The grid's name.
    pub grid_name: Option<String>,
    /// The community's name.
    pub community_name: String,
    /// Where it is answered for now, in words (社区：某社区).
    pub level_name: String,
    /// The reporter's contact, masked unless the viewer dispatches here.
    pub reporter_contact: Option<String>,
    /// The handler's name.
    pub handler_name: Option<String>,
    /// Past its deadline (and still owed).
    pub overdue: bool,
    /// History, oldest first.
    pub events: Vec<Event>,
    /// Returns, extensions, suspensions asked for.
    pub requests: Vec<Request>,
    /// Photos.
    pub photos: Vec<Photo>,
    /// Follow-up watches.
    pub watches: Vec<Watch>,
    /// Open cases of the same category within 50 m (while this one is not yet registered).
    pub possible_duplicates: Vec<Duplicate>,
    /// Steps the viewer may take now: `register`, `void`, `merge`, `dispatch`, `handle`,
    /// `verify`, `ask`, `decide`, `resume`, `escalate`, `watch`, `rate`, `photo`.
    pub can: Vec<String>,
}

fn steps_open(access: &Access, c: &CaseFile, pending: bool, watching: bool) -> Vec<String> {
    let d = dispatches(access, &c.unit_path);
    let h = handles(access, c);
    let v = verifies(access, &c.unit_path) && !h;
    let mut can = Vec::new();
    let mut add = |ok: bool, s: &str| {
        if ok {
            can.push(s.to_owned());
        }
    };
    use State as S;
    add(d && c.state == S::Reported, "register");
    add(d && matches!(c.state, S::Reported | S::Registered), "void");
    add(d && matches!(c.state, S::Reported | S::Registered), "merge");
    add(d && c.state == S::Registered, "dispatch");
    add(h && c.state == S::Dispatched, "handle");
    add(v && c.state == S::Handled, "verify");
    add(h && c.state == S::Dispatched && !pending, "ask");
    add(d && pending, "decide");
    add((d || h) && c.state == S::Suspended, "resume");
    add(
        (h || verifies(access, &c.unit_path))
            && matches!(c.state, S::Registered | S::Dispatched | S::Suspended),
        "escalate",
    );
    add(d && c.state == S::Closed && !watching, "watch");
    add(
        reported(access, c) && c.state == S::Closed && c.satisfaction.is_none(),
        "rate",
    );
    let photo_ok = (h && c.state == S::Dispatched)
        || (v && c.state == S::Handled)
        || ((reported(access, c) || d) && matches!(c.state, S::Reported | S::Registered));
    add(photo_ok, "photo");
    can
}

async fn unit_names(db: &Db, city: i64, ids: &[i64]) -> Result<HashMap<i64, (String, String)>> {
    Ok(org::units::fetch_many(db, city, ids)
        .await?
        .into_iter()
        .map(|u| (u.id, (u.name, u.kind.as_str().to_owned())))
        .collect())
}

/// One case as the viewer may see it (its watcher sees it too).
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<CaseView> {
    let mut conn = db.reader().acquire().await?;
    let c = store::load(&mut conn, access.city_id(), id, "")
        .await?
        .ok_or(Error::NotFound)?;
    drop(conn);
    let watches = watch::of_case(db, c.city_id, c.id).await?;
    let watcher = access.person_id() != 0
        && watches
            .iter()
            .any(|w| w.watcher_person_id == access.person_id());
    if !reads(access, &c) && !watcher {
        return Err(Error::NotFound);
    }
    let cat = category::get(db, c.city_id, c.category_id).await?;
    let units = unit_names(
        db,
        c.city_id,
        &[
            c.community_id,
            c.level_unit_id,
            c.grid_id.unwrap_or(c.community_id),
        ],
    )
    .await?;
    let handler: Vec<i64> = c.handler_person_id.into_iter().collect();
    let names = org::pool::names(db, c.city_id, &handler).await?;
    let requests = requests::of_case(db, c.city_id, c.id).await?;
    let pending = requests.iter().any(|r| r.state == "pending");
    let photos = photo::list(db, c.city_id, c.id).await?;
    let events = store::events(db, c.city_id, c.id).await?;
    let dups = if matches!(c.state, State::Reported | State::Registered)
        && dispatches(access, &c.unit_path)
    {
        duplicates(db, &c).await?
    } else {
        vec![]
    };
    Ok(build(
        access,
        c,
        &cat,
        Parts {
            units: &units,
            names: &names,
            events,
            requests,
            photos,
            watches,
            dups,
            pending,
        },
    ))
}

/// What a view is built from besides the case.
struct Parts<'a> {
    units: &'a HashMap<i64, (String, String)>,
    names: &'a HashMap<i64, String>,
    events: Vec<Event>,
    requests: Vec<Request>,
    photos: Vec<Photo>,
    watches: Vec<Watch>,
    dups: Vec<Duplicate>,
    pending: bool,
}

fn build(access: &Access, c: CaseFile, cat: &Category, p: Parts<'_>) -> CaseView {
    let units = p.units;
    let now = now_ms();
    let watching = p.watches.iter().any(|w| w.state == "active");
    let level = units
        .get(&c.level_unit_id)
        .map(|(n, k)| format!("{}：{n}", level_label(k)))
        .unwrap_or_default();
    let contact = c.reporter_contact.as_deref().map(|p| {
        if dispatches(access, &c.unit_path) {
            p.to_owned()
        } else {
            mask_phone(p)
        }
    });
    CaseView {
        state_label: c.state.label().into(),
        source_label: c.source.label().into(),
        urgency_label: c.urgency.label().into(),
        category_name: cat.full_name(),
        category_code: cat.code.clone(),
        category_kind: cat.kind_label().into(),
        limit_label: cat.limit(c.urgency).label(),
        grid_name: c.grid_id.and_then(|g| units.get(&g)).map(|u| u.0.clone()),
        community_name: units
            .get(&c.community_id)
            .map(|u| u.0.clone())
            .unwrap_or_default(),
        level_name: level,
        reporter_contact: contact,
        handler_name: c.handler_person_id.and_then(|h| p.names.get(&h).cloned()),
        overdue: c.overdue(now),
        events: p.events,
        requests: p.requests,
        photos: p.photos,
        watches: p.watches,
        possible_duplicates: p.dups,
        can: steps_open(access, &c, p.pending, watching),
        case: c,
    }
}

/// A line of a case list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseRow {
    /// The case.
    #[serde(flatten)]
    pub case: CaseFile,
    /// State in words.
    pub state_label: String,
    /// Source in words.
    pub source_label: String,
    /// The category (大类 / 小类).
    pub category_name: String,
    /// The grid's or community's name.
    pub place_name: String,
    /// Past its deadline.
    pub overdue: bool,
}

/// Which cases to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct CaseQuery {
    /// `mine` (reported by me), `assigned` (to me), or `scope` (my grids and communities;
    /// the default for staff).
    pub view: Option<String>,
    /// One state.
    pub state: Option<String>,
    /// Only overdue cases (`true`).
    pub overdue: Option<bool>,
    /// Under this node (a grid, community, street…).
    pub unit_id: Option<i64>,
    /// One 小类.
    pub category_id: Option<i64>,
    /// One source.
    pub source: Option<String>,
    /// Marked missed by the grid (`true`).
    pub missed: Option<bool>,
    /// Reported by this person.
    pub reporter_person_id: Option<i64>,
    /// Handled by this person.
    pub handler_person_id: Option<i64>,
    /// Concerning this registry entry.
    pub registry_id: Option<i64>,
    /// Found on this patrol.
    pub patrol_id: Option<i64>,
    /// A figure's cases (see the figures): `filed`, `should_close`, `closed`,
    /// `closed_on_time`, `reworked`, `reports`, `valid_reports`, `missed`, `rated`,
    /// `satisfied`. Needs `from` and `to`.
    pub figure: Option<String>,
    /// From (`YYYY-MM-DD`, Beijing), for `figure`.
    pub from: Option<String>,
    /// To, inclusive.
    pub to: Option<String>,
    /// Text in the description or address, or the case number.
    pub q: Option<String>,
    /// Keyset: cases with a smaller id.
    pub before: Option<i64>,
    /// Page size (default 50, at most 200).
    pub limit: Option<i64>,
}

/// Builds a WHERE clause with `$n` placeholders in order.
pub(crate) struct Filter {
    pub sql: String,
    pub ints: Vec<(usize, i64)>,
    pub texts: Vec<(usize, String)>,
    n: usize,
}

impl Filter {
    pub(crate) fn new(city_id: i64) -> Filter {
        Filter {
            sql: "city_id = $1".into(),
            ints: vec![(1, city_id)],
            texts: vec![],
            n: 1,
        }
    }
    fn mark(&mut self) -> String {
        self.n += 1;
        format!("${}", self.n)
    }
    pub(crate) fn int(&mut self, clause: &str, v: i64) {
        let m = self.mark();
        self.ints.push((self.n, v));
        self.sql
            .push_str(&format!(" AND {}", clause.replace('?', &m)));
    }
    pub(crate) fn text(&mut self, clause: &str, v: String) {
        let m = self.mark();
        self.texts.push((self.n, v));
        self.sql
            .push_str(&format!(" AND {}", clause.replace('?', &m)));
    }
    pub(crate) fn raw(&mut self, clause: &str) {
        self.sql.push_str(&format!(" AND {clause}"));
    }
    /// At exactly one of these paths (each an index seek, so a following range on the
    /// index — the period — is used too).
    pub(crate) fn at_paths(&mut self, paths: &[String]) {
        let marks: Vec<String> = paths.iter().map(|p| self.text_mark(p.clone())).collect();
        if marks.is_empty() {
            self.sql.push_str(" AND 1 = 0");
        } else {
            self.sql
                .push_str(&format!(" AND unit_path IN ({})", marks.join(", ")));
        }
    }
    /// Under any of the prefixes (path ranges, index-friendly).
    pub(crate) fn under(&mut self, prefixes: &[String]) {
        let mut ors = Vec::new();
        for p in prefixes {
            let (lo, hi) = prefix_range(p);
            let a = self.mark();
            self.texts.push((self.n, lo));
            let b = self.mark();
            self.texts.push((self.n, hi));
            ors.push(format!("(unit_path >= {a} AND unit_path < {b})"));
        }
        if ors.is_empty() {
            self.sql.push_str(" AND 1 = 0");
        } else {
            self.sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
        }
    }
    /// A placeholder for a value used inside a clause written by hand.
    pub(crate) fn int_mark(&mut self, v: i64) -> String {
        let m = self.mark();
        self.ints.push((self.n, v));
        m
    }
    /// The same for text.
    pub(crate) fn text_mark(&mut self, v: String) -> String {
        let m = self.mark();
        self.texts.push((self.n, v));
        m
    }
    /// A placeholder for a value bound after all others (see [`Filter::bind`]'s `extra`).
    pub(crate) fn next_mark(&mut self) -> String {
        self.mark()
    }
    /// Bind everything in placeholder order.
    pub(crate) fn bind<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        extra: &[i64],
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        let mut all: Vec<(usize, Result<i64, &str>)> = self
            .ints
            .iter()
            .map(|(i, v)| (*i, Ok(*v)))
            .chain(self.texts.iter().map(|(i, v)| (*i, Err(v.as_str()))))
            .collect();
        all.sort_by_key(|x| x.0);
        for (_, v) in all {
            q = match v {
                Ok(i) => q.bind(i),
                Err(t) => q.bind(t),
            };
        }
        for e in extra {
            q = q.bind(*e);
        }
        q
    }
}

/// The scope a staff list covers: the caller's prefixes, narrowed to a node when asked.
async fn scope(db: &Db, access: &Access, unit_id: Option<i64>) -> Result<Vec<String>> {
    let mine = prefixes(access);
    match unit_id {
        None => Ok(mine),
        Some(id) => {
            let u = org::units::get(db, access, id).await?;
            if mine.iter().any(|p| u.path.starts_with(p.as_str())) {
                Ok(vec![u.path])
            } else {
                // A node above the caller's scope: only their part of it.
                Ok(mine
                    .into_iter()
                    .filter(|p| p.starts_with(u.path.as_str()))
                    .collect())
            }
        }
    }
}

/// Cases for the caller, newest first (or overdue first on the staff view's first page).
pub async fn list(db: &Db, access: &Access, q: &CaseQuery) -> Result<Page<CaseRow>> {
    let n = limit(q.limit).min(200);
    let view = q.view.as_deref().unwrap_or(if prefixes(access).is_empty() {
        "mine"
    } else {
        "scope"
    });
    let mut f = Filter::new(access.city_id());
    match view {
        "mine" => f.int("reporter_person_id = ?", access.person_id()),
        "assigned" => f.int("handler_person_id = ?", access.person_id()),
        "scope" => f.under(&scope(db, access, q.unit_id).await?),
        _ => {
            return Err(Error::field("view", "view 只能是 mine、assigned 或 scope"));
        }
    }
    if let Some(s) = q.state.as_deref().filter(|s| !s.is_empty()) {
        let Some(st) = State::parse(s) else {
            return Err(Error::field("state", "没有这个案件状态"));
        };
        f.text("state = ?", st.as_str().into());
    }
    if q.overdue == Some(true) {
        let m = f.int_mark(now_ms());
        f.raw(&format!(
            "state = 'dispatched' AND (deadline_at < {m} OR overdue_at IS NOT NULL)"
        ));
    }
    for (col, v) in [
        ("category_id", q.category_id),
        ("reporter_person_id", q.reporter_person_id),
        ("handler_person_id", q.handler_person_id),
        ("registry_id", q.registry_id),
        ("patrol_id", q.patrol_id),
    ] {
        if let Some(v) = v {
            f.int(&format!("{col} = ?"), v);
        }
    }
    if let Some(s) = q.source.as_deref().filter(|s| !s.is_empty()) {
        f.text("source = ?", s.to_owned());
    }
    if q.missed == Some(true) {
        f.raw("missed_by_grid = 1");
    }
    if let Some(fig) = q.figure.as_deref().filter(|s| !s.is_empty()) {
        crate::figures::filter_for(&mut f, fig, q.from.as_deref(), q.to.as_deref())?;
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if let Ok(id) = text.trim_start_matches('#').parse::<i64>() {
            f.int("id = ?", id);
        } else {
            let m = f.text_mark(format!("%{text}%"));
            f.raw(&format!("(description LIKE {m} OR address LIKE {m})"));
        }
    }
    let before = f.next_mark();
    let lim = f.next_mark();
    // The ids first, from an index where the filter allows (no table reads for the rows
    // skipped), then the page's rows.
    let sql = format!(
        "SELECT id FROM case_file WHERE {} AND id < {before} ORDER BY id DESC LIMIT {lim}",
        f.sql
    );
    let ids: Vec<i64> = f
        .bind(
            sqlx::query(AssertSqlSafe(sql)),
            &[q.before.unwrap_or(i64::MAX), n + 1],
        )
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
    let cases = by_ids(db, access.city_id(), &ids).await?;
    let cases: Vec<CaseFile> = cases
        .into_iter()
        .filter(|c| view != "scope" || reads(access, c))
        .collect();
    let page = Page::from_rows(cases, n, |c| c.id);
    Ok(Page {
        items: rows_of(db, access.city_id(), page.items).await?,
        next: page.next,
    })
}

/// Cases by id, in the order given.
async fn by_ids(db: &Db, city: i64, ids: &[i64]) -> Result<Vec<CaseFile>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT {COLS} FROM case_file WHERE city_id = $1 AND id IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(city);
    for id in ids {
        query = query.bind(*id);
    }
    let mut by: HashMap<i64, CaseFile> = HashMap::new();
    for r in query.fetch_all(db.reader()).await? {
        let c = store::from_row(&r)?;
        by.insert(c.id, c);
    }
    Ok(ids.iter().filter_map(|id| by.remove(id)).collect())
}

/// Names for list rows: one read of the categories and one of the places.
pub async fn rows_of(db: &Db, city: i64, cases: Vec<CaseFile>) -> Result<Vec<CaseRow>> {
    let cats: HashMap<i64, Category> = category::list(db, city)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let ids: Vec<i64> = cases
        .iter()
        .map(|c| c.grid_id.unwrap_or(c.community_id))
        .collect();
    let units = unit_names(db, city, &ids).await?;
    let now = now_ms();
    Ok(cases
        .into_iter()
        .map(|c| CaseRow {
            state_label: c.state.label().into(),
            source_label: c.source.label().into(),
            category_name: cats
                .get(&c.category_id)
                .map(Category::full_name)
                .unwrap_or_default(),
            place_name: units
                .get(&c.grid_id.unwrap_or(c.community_id))
                .map(|u| u.0.clone())
                .unwrap_or_default(),
            overdue: c.overdue(now),
            case: c,
        })
        .collect())
}

/// The dispatcher's board: counts per state (and overdue) in the scope, and the overdue
/// cases first, then the newest open ones.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    /// Open cases per state code.
    pub counts: Vec<(String, String, i64)>,
    /// Overdue cases.
    pub overdue: i64,
    /// Requests waiting for a decision.
    pub pending_requests: i64,
    /// The overdue ones, most overdue first (up to 50).
    pub overdue_cases: Vec<CaseRow>,
    /// Open cases waiting for the dispatcher (reported, registered), newest first (up to 50).
    pub waiting: Vec<CaseRow>,
    /// Handled cases waiting for verification, oldest first (up to 50).
    pub to_verify: Vec<CaseRow>,
}

/// The board of the caller's scope (or under `unit_id`).
pub async fn board(db: &Db, access: &Access, unit_id: Option<i64>) -> Result<Board> {
    let prefixes = scope(db, access, unit_id).await?;
    let city = access.city_id();
    let mut f = Filter::new(city);
    f.under(&prefixes);
    f.raw("state IN ('reported', 'registered', 'dispatched', 'suspended', 'handled')");
    let rows = f
        .bind(
            sqlx::query(AssertSqlSafe(format!(
                "SELECT state, COUNT(*) FROM case_file WHERE {} GROUP BY state",
                f.sql
            ))),
            &[],
        )
        .fetch_all(db.reader())
        .await?;
    let mut by: HashMap<String, i64> = HashMap::new();
    for r in rows {
        by.insert(r.try_get(0)?, r.try_get(1)?);
    }
    let counts = [
        State::Reported,
        State::Registered,
        State::Dispatched,
        State::Suspended,
        State::Handled,
    ]
    .iter()
    .map(|s| {
        (
            s.as_str().to_owned(),
            s.label().to_owned(),
            by.get(s.as_str()).copied().unwrap_or(0),
        )
    })
    .collect();
    let now = now_ms();
    let fetch = |extra: &'static str, order: &'static str| {
        let mut g = Filter::new(city);
        g.under(&prefixes);
        g.raw(extra);
        (g, order)
    };
    let mut lists = Vec::new();
    for (extra, order) in [
        (
            "state = 'dispatched' AND (deadline_at < {now} OR overdue_at IS NOT NULL)",
            "deadline_at, id",
        ),
        ("state IN ('reported', 'registered')", "id DESC"),
        ("state = 'handled'", "handled_at, id"),
    ] {
        let (g, order) = fetch(extra, order);
        let sql = format!(
            "SELECT {COLS} FROM case_file WHERE {} ORDER BY {order} LIMIT 50",
            g.sql.replace("{now}", &now.to_string())
        );
        let rows = g
            .bind(sqlx::query(AssertSqlSafe(sql)), &[])
            .fetch_all(db.reader())
            .await?;
        let cases: Vec<CaseFile> = rows.iter().map(store::from_row).collect::<Result<_>>()?;
        lists.push(rows_of(db, city, cases).await?);
    }
    let mut g = Filter::new(city);
    g.under(&prefixes);
    g.raw(&format!(
        "state = 'dispatched' AND (deadline_at < {now} OR overdue_at IS NOT NULL)"
    ));
    let overdue: i64 = g
        .bind(
            sqlx::query(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM case_file WHERE {}",
                g.sql
            ))),
            &[],
        )
        .fetch_all(db.reader())
        .await?
        .first()
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(0);
    let mut g = Filter::new(city);
    g.under(&prefixes);
    g.raw("state = 'pending'");
    let pending: i64 = g
        .bind(
            sqlx::query(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM case_request WHERE {}",
                g.sql
            ))),
            &[],
        )
        .fetch_all(db.reader())
        .await?
        .first()
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(0);
    let to_verify = lists.pop().unwrap_or_default();
    let waiting = lists.pop().unwrap_or_default();
    let overdue_cases = lists.pop().unwrap_or_default();
    Ok(Board {
        counts,
        overdue,
        pending_requests: pending,
        overdue_cases,
        waiting,
        to_verify,
    })
}

/// A point of a grid's case map.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MapPoint {
    /// The case.
    pub id: i64,
    /// WGS-84 longitude.
    pub lon: f64,
    /// WGS-84 latitude.
    pub lat: f64,
    /// State code.
    pub state: String,
    /// Overdue.
    pub overdue: bool,
    /// The category's name.
    pub label: String,
}

/// The cases with a position under a node the caller may read: open ones, and those
/// closed in the last 30 days (at most 500, newest first).
pub async fn map_points(db: &Db, access: &Access, unit_id: i64) -> Result<Vec<MapPoint>> {
    let prefixes = scope(db, access, Some(unit_id)).await?;
    let city = access.city_id();
    let mut f = Filter::new(city);
    f.under(&prefixes);
    f.raw("lon_e7 IS NOT NULL AND state <> 'voided'");
    let since = f.next_mark();
    let sql = format!(
        "SELECT {COLS} FROM case_file WHERE {} AND (state <> 'closed' OR closed_at > {since}) \
         ORDER BY id DESC LIMIT 500",
        f.sql
    );
    let rows = f
        .bind(
            sqlx::query(AssertSqlSafe(sql)),
            &[now_ms() - 30 * 86_400_000],
        )
        .fetch_all(db.reader())
        .await?;
    let cats: HashMap<i64, String> = category::list(db, city)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let now = now_ms();
    let mut out = Vec::new();
    for r in rows {
        let c = store::from_row(&r)?;
        if let Some((lon, lat)) = c.position() {
            out.push(MapPoint {
                id: c.id,
                lon,
                lat,
                state: c.state.as_str().into(),
                overdue: c.overdue(now),
                label: cats.get(&c.category_id).cloned().unwrap_or_default(),
            });
        }
    }
    Ok(out)
}
