//! 巡查排班: a grid's weekly roster — which person patrols on which weekday in which time
//! slot. The grid's leader and the community's cadres keep it; each person sees their own
//! slots. A slot is a plan, not a clock-in: nobody is marked absent by it.

use kernel::audit::{self, Entry};
use kernel::error::Problems;
use kernel::time::{now_ms, weekday_cn};
use kernel::{Db, Error, Result};
use org::Access;
use org::units::Unit;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use super::{grid_named, keeps};

/// The longest roster slot.
const MAX_SLOT_MIN: i64 = 12 * 60;

/// One slot of a grid's roster.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterSlot {
    /// Id.
    pub id: i64,
    /// The grid.
    pub grid_id: i64,
    /// Its name.
    pub grid_name: String,
    /// Who patrols.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i64,
    /// 星期三.
    pub weekday_label: String,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`.
    pub end: String,
}

/// A slot to add or change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SlotInput {
    /// The grid (ignored when a slot is changed: it stays in its grid).
    pub grid_id: Option<i64>,
    /// Who patrols.
    pub person_id: Option<i64>,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: Option<i64>,
    /// Start, `HH:MM`.
    #[serde(default)]
    pub start: String,
    /// End, `HH:MM`, after the start, at most 12 hours later.
    #[serde(default)]
    pub end: String,
}

/// `HH:MM` (or `H:MM`) as minutes of the day.
pub fn parse_hm(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// Minutes of the day as `HH:MM`.
pub fn hm(min: i64) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

struct Row0 {
    id: i64,
    grid_id: i64,
    person_id: i64,
    weekday: i64,
    start_min: i64,
    end_min: i64,
}

const COLS: &str = "id, grid_id, person_id, weekday, start_min, end_min";

fn row0(r: &sqlx::any::AnyRow) -> Result<Row0> {
    Ok(Row0 {
        id: r.try_get(0)?,
        grid_id: r.try_get(1)?,
        person_id: r.try_get(2)?,
        weekday: r.try_get(3)?,
        start_min: r.try_get(4)?,
        end_min: r.try_get(5)?,
    })
}

async fn named(db: &Db, city_id: i64, rows: Vec<Row0>) -> Result<Vec<RosterSlot>> {
    let people: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    let names = org::pool::names(db, city_id, &people).await?;
    let mut grids: Vec<i64> = rows.iter().map(|r| r.grid_id).collect();
    grids.sort_unstable();
    grids.dedup();
    let mut grid_names = std::collections::HashMap::new();
    for g in grids {
        if let Some(u) = org::units::fetch_any(db, city_id, g).await? {
            grid_names.insert(g, u.name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| RosterSlot {
            id: r.id,
            grid_id: r.grid_id,
            grid_name: grid_names.get(&r.grid_id).cloned().unwrap_or_default(),
            person_id: r.person_id,
            person_name: names.get(&r.person_id).cloned().unwrap_or_default(),
            weekday: r.weekday,
            weekday_label: weekday_cn(r.weekday as i8),
            start: hm(r.start_min),
            end: hm(r.end_min),
        })
        .collect())
}

/// Whether the person has any slot on the grid's roster.
pub async fn is_rostered(db: &Db, city_id: i64, grid_id: i64, person_id: i64) -> Result<bool> {
    let rows = sqlx::query(
        "SELECT id FROM patrol_roster WHERE city_id = $1 AND grid_id = $2 AND person_id = $3 LIMIT 1",
    )
    .bind(city_id)
    .bind(grid_id)
    .bind(person_id)
    .fetch_all(db.reader())
    .await?;
    Ok(!rows.is_empty())
}

/// The grids the person is rostered on (ids).
pub async fn grids_of(db: &Db, city_id: i64, person_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT DISTINCT grid_id FROM patrol_roster WHERE city_id = $1 AND person_id = $2",
    )
    .bind(city_id)
    .bind(person_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
}

/// A grid whose roster the caller may read: its keepers and the inspectors over it.
async fn readable_grid(db: &Db, access: &Access, grid_id: i64) -> Result<Unit> {
    let g = org::units::fetch_any(db, access.city_id(), grid_id)
        .await?
        .filter(|g| g.kind == org::units::UnitKind::Grid)
        .ok_or(Error::NotFound)?;
    if keeps(access, &g.path) || access.holds_over(org::Role::Inspector, &g.path) {
        Ok(g)
    } else {
        Err(Error::NotFound)
    }
}

/// The grid's roster, by weekday and time.
pub async fn of_grid(db: &Db, access: &Access, grid_id: i64) -> Result<Vec<RosterSlot>> {
    let g = readable_grid(db, access, grid_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM patrol_roster WHERE city_id = $1 AND grid_id = $2 \
         ORDER BY weekday, start_min, id LIMIT 500"
    )))
    .bind(access.city_id())
    .bind(g.id)
    .fetch_all(db.reader())
    .await?;
    let rows = rows.iter().map(row0).collect::<Result<Vec<_>>>()?;
    named(db, access.city_id(), rows).await
}

/// The caller's own slots, on every grid, by weekday and time.
pub async fn mine(db: &Db, access: &Access) -> Result<Vec<RosterSlot>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM patrol_roster WHERE city_id = $1 AND person_id = $2 \
         ORDER BY weekday, start_min, id LIMIT 200"
    )))
    .bind(access.city_id())
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    let rows = rows.iter().map(row0).collect::<Result<Vec<_>>>()?;
    named(db, access.city_id(), rows).await
}

/// The path of the community-level node a grid belongs to.
pub async fn community_path(db: &Db, city_id: i64, grid: &Unit) -> Result<String> {
    let ids: Vec<i64> = grid
        .path
        .split('/')
        .filter_map(|s| s.parse().ok())
        .collect();
    for id in ids.iter().rev() {
        if let Some(u) = org::units::fetch_any(db, city_id, *id).await?
            && u.kind.is_community_level()
        {
            return Ok(u.path);
        }
    }
    Ok(grid.path.clone())
}

/// Who a keeper may put on the grid's roster, for a picker: the sent-down personnel of
/// the grid's community and the keeper themself, by name (at most 500).
pub async fn candidates(db: &Db, access: &Access, grid_id: i64) -> Result<Vec<(i64, String)>> {
    let g = readable_grid(db, access, grid_id).await?;
    let community = community_path(db, access.city_id(), &g).await?;
    let mut out: Vec<(i64, String)> = org::pool::members(db, access.city_id(), &community, None)
        .await?
        .into_iter()
        .take(500)
        .map(|m| (m.person_id, m.name))
        .collect();
    if access.person_id() != 0 && !out.iter().any(|(id, _)| *id == access.person_id()) {
        out.insert(
            0,
            (access.person_id(), format!("{}（本人）", access.name())),
        );
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Check a slot's fields; the person must belong to the grid's community or be someone
/// the keeper may read.
async fn check(
    db: &Db,
    access: &Access,
    grid: &Unit,
    input: &SlotInput,
) -> Result<(i64, i64, i64, i64)> {
    let mut p = Problems::default();
    let weekday = match input.weekday {
        Some(d @ 1..=7) => d,
        _ => {
            p.add("weekday", "请选择星期几（1 为周一，7 为周日）");
            0
        }
    };
    let start = parse_hm(&input.start);
    let end = parse_hm(&input.end);
    match (start, end) {
        (None, _) => p.add("start", "请填写开始时间，如 09:00"),
        (_, None) => p.add("end", "请填写结束时间，如 11:00"),
        (Some(s), Some(e)) if e <= s => p.add("end", "结束时间要晚于开始时间"),
        (Some(s), Some(e)) if e - s > MAX_SLOT_MIN => {
            p.add("end", "一个班次最长 12 小时，请分成两个班次")
        }
        _ => {}
    }
    let community = community_path(db, access.city_id(), grid).await?;
    let person = match input.person_id {
        None => {
            p.add("person_id", "请选择巡查人员");
            0
        }
        Some(id) => match org::people::scope_of(db, access.city_id(), id).await {
            Ok(scope)
                if scope.scope_path.starts_with(&community) || access.reads_person(&scope) =>
            {
                id
            }
            Ok(_) | Err(Error::NotFound) => {
                p.add("person_id", "没有这个人员，或不在本网格所在的社区");
                0
            }
            Err(e) => return Err(e),
        },
    };
    p.finish()?;
    let (s, e) = (start.unwrap_or(0), end.unwrap_or(0));
    Ok((person, weekday, s, e))
}

/// Refuse a slot overlapping another of the same person on the same grid and day.
async fn no_overlap(
    db: &Db,
    city_id: i64,
    grid_id: i64,
    slot: (i64, i64, i64, i64),
    except: i64,
) -> Result<()> {
    let (person, weekday, s, e) = slot;
    let rows = sqlx::query(
        "SELECT start_min, end_min FROM patrol_roster WHERE city_id = $1 AND grid_id = $2 \
         AND person_id = $3 AND weekday = $4 AND start_min < $5 AND end_min > $6 AND id <> $7 \
         LIMIT 1",
    )
    .bind(city_id)
    .bind(grid_id)
    .bind(person)
    .bind(weekday)
    .bind(e)
    .bind(s)
    .bind(except)
    .fetch_all(db.reader())
    .await?;
    match rows.first() {
        Some(r) => Err(Error::field(
            "start",
            format!(
                "与这个人员已有的班次（{}–{}）重叠：请调整时间",
                hm(r.try_get(0)?),
                hm(r.try_get(1)?)
            ),
        )),
        None => Ok(()),
    }
}

fn must_keep(access: &Access, grid: &Unit) -> Result<()> {
    if keeps(access, &grid.path) {
        Ok(())
    } else {
        Err(Error::Forbidden("只有本网格的网格长或社区干部可以排班"))
    }
}

async fn fetch(db: &Db, city_id: i64, id: i64) -> Result<Option<Row0>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM patrol_roster WHERE city_id = $1 AND id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first().map(row0).transpose()
}

fn slot_json(s: (i64, i64, i64, i64), grid_id: i64) -> serde_json::Value {
    json!({"grid_id": grid_id, "person_id": s.0, "weekday": s.1, "start_min": s.2, "end_min": s.3})
}

fn duplicate() -> &'static str {
    "这个人员在这一天的这个时间已经排了班"
}

/// Add a slot to a grid's roster.
pub async fn add(db: &Db, access: &Access, input: SlotInput) -> Result<RosterSlot> {
    let grid = grid_named(db, access.city_id(), input.grid_id).await?;
    must_keep(access, &grid)?;
    let slot = check(db, access, &grid, &input).await?;
    no_overlap(db, access.city_id(), grid.id, slot, 0).await?;
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO patrol_roster (city_id, grid_id, person_id, weekday, start_min, end_min, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(access.city_id())
        .bind(grid.id)
        .bind(slot.0)
        .bind(slot.1)
        .bind(slot.2)
        .bind(slot.3)
        .bind(now_ms()),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "start", duplicate()))?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "roster_add",
            object_kind: "patrol_roster",
            object_id: id,
            scope_path: &grid.path,
            before: None,
            after: Some(slot_json(slot, grid.id)),
        },
    )
    .await?;
    tx.commit().await?;
    one(db, access.city_id(), id).await
}

async fn one(db: &Db, city_id: i64, id: i64) -> Result<RosterSlot> {
    let r = fetch(db, city_id, id).await?.ok_or(Error::NotFound)?;
    named(db, city_id, vec![r])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// A slot the caller changes: 404 when its grid is out of their sight, 403 when they may
/// read but not keep it.
async fn to_change(db: &Db, access: &Access, id: i64) -> Result<(Row0, Unit)> {
    let r = fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let grid = org::units::fetch_any(db, access.city_id(), r.grid_id)
        .await?
        .ok_or(Error::NotFound)?;
    must_keep(access, &grid)?;
    Ok((r, grid))
}

/// Change a slot (person, weekday, times).
pub async fn change(db: &Db, access: &Access, id: i64, input: SlotInput) -> Result<RosterSlot> {
    let (old, grid) = to_change(db, access, id).await?;
    let slot = check(db, access, &grid, &input).await?;
    no_overlap(db, access.city_id(), grid.id, slot, id).await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE patrol_roster SET person_id = $1, weekday = $2, start_min = $3, end_min = $4 \
         WHERE city_id = $5 AND id = $6",
    )
    .bind(slot.0)
    .bind(slot.1)
    .bind(slot.2)
    .bind(slot.3)
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| Error::unique_as_field(e, "start", duplicate()))?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "roster_change",
            object_kind: "patrol_roster",
            object_id: id,
            scope_path: &grid.path,
            before: Some(slot_json(
                (old.person_id, old.weekday, old.start_min, old.end_min),
                grid.id,
            )),
            after: Some(slot_json(slot, grid.id)),
        },
    )
    .await?;
    tx.commit().await?;
    one(db, access.city_id(), id).await
}

/// Take a slot off the roster.
pub async fn remove(db: &Db, access: &Access, id: i64) -> Result<()> {
    let (old, grid) = to_change(db, access, id).await?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM patrol_roster WHERE city_id = $1 AND id = $2")
        .bind(access.city_id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "roster_remove",
            object_kind: "patrol_roster",
            object_id: id,
            scope_path: &grid.path,
            before: Some(slot_json(
                (old.person_id, old.weekday, old.start_min, old.end_min),
                grid.id,
            )),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day() {
        assert_eq!(parse_hm("09:00"), Some(540));
        assert_eq!(parse_hm("9:30"), Some(570));
        assert_eq!(parse_hm("24:00"), Some(1440));
        assert_eq!(parse_hm("24:01"), None);
        assert_eq!(parse_hm("0900"), None);
        assert_eq!(hm(570), "09:30");
    }
}
