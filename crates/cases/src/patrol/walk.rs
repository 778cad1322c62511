//! The patroller's steps: start a patrol (one at a time), end it with what was found,
//! record a past one (补录: same day, at most 12 hours, not in the future, within 30
//! days), correct a returned one.

use kernel::error::Problems;
use kernel::time::{date_of_ms, now_ms, parse_datetime};
use kernel::{Db, Error, Result};
use org::Access;
use org::units::Unit;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    COLS, FOUND_MAX, MAX_PAST_DAYS, MAX_PATROL_MS, Patrol, PatrolState, from_row, grid_named, load,
    may_patrol, update, write_audit,
};

/// Start a patrol now.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct StartPatrol {
    /// The grid.
    pub grid_id: Option<i64>,
}

/// End a patrol under way.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EndPatrol {
    /// What was found (up to 500 characters; “未发现问题” when nothing was).
    #[serde(default)]
    pub found: String,
    /// When it ended (`YYYY-MM-DDTHH:MM` Beijing time or RFC 3339); now when left out —
    /// give it when the patrol was ended later than it really finished.
    pub ended_at: Option<String>,
}

/// A past patrol, recorded afterwards (补录); also the correction of a returned one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PastPatrol {
    /// The grid (left out when correcting a returned patrol: it keeps its grid).
    pub grid_id: Option<i64>,
    /// Started: `YYYY-MM-DDTHH:MM` Beijing time, or RFC 3339.
    #[serde(default)]
    pub started_at: String,
    /// Ended, the same day, at most 12 hours later, not in the future.
    #[serde(default)]
    pub ended_at: String,
    /// What was found (up to 500 characters).
    #[serde(default)]
    pub found: String,
}

fn check_found(p: &mut Problems, found: &str) -> String {
    let f = found.trim();
    if f.is_empty() {
        p.add(
            "found",
            "请写下巡查中发现的情况；没有发现问题，请写“未发现问题”",
        );
    } else if f.chars().count() > FOUND_MAX {
        p.add("found", format!("发现情况最多 {FOUND_MAX} 个字"));
    }
    f.to_owned()
}

/// Check an end time against the start and now.
fn check_end(p: &mut Problems, started: i64, ended: i64, now: i64) {
    if ended <= started {
        p.add("ended_at", "结束时间要晚于开始时间");
    } else if ended > now + 60_000 {
        p.add("ended_at", "结束时间不能晚于现在");
    } else if ended - started > MAX_PATROL_MS {
        p.add(
            "ended_at",
            "一次巡查最长 12 小时：请分成几次记录，或改正结束时间",
        );
    }
}

/// Check the times of a past patrol: both real, same day, at most 12 hours, not in the
/// future, within the last 30 days.
fn check_past(p: &mut Problems, started_at: &str, ended_at: &str, now: i64) -> (i64, i64) {
    let s = parse_datetime(started_at);
    let e = parse_datetime(ended_at);
    if s.is_none() {
        p.add("started_at", "请填写开始时间，如 2026-11-25T09:00");
    }
    if e.is_none() {
        p.add("ended_at", "请填写结束时间，如 2026-11-25T11:00");
    }
    let (Some(s), Some(e)) = (s, e) else {
        return (0, 0);
    };
    if s > now {
        p.add(
            "started_at",
            "开始时间不能晚于现在：还没开始的巡查请到时“开始巡查”",
        );
        return (s, e);
    }
    if date_of_ms(now)
        .since(date_of_ms(s))
        .map(|d| d.get_days() as i64)
        .unwrap_or(0)
        > MAX_PAST_DAYS
    {
        p.add(
            "started_at",
            format!("只能补录 {MAX_PAST_DAYS} 天以内的巡查"),
        );
        return (s, e);
    }
    if e > s && date_of_ms(s) != date_of_ms(e) {
        p.add(
            "ended_at",
            "开始和结束要在同一天：跨过半夜的巡查请分成两次记录",
        );
        return (s, e);
    }
    check_end(p, s, e, now);
    (s, e)
}

async fn must_patrol(db: &Db, access: &Access, grid: &Unit) -> Result<()> {
    if may_patrol(db, access, grid).await? {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "只能巡查您排了班或所在的网格：请联系网格长或社区干部安排",
        ))
    }
}

async fn insert(
    db: &Db,
    access: &Access,
    grid: &Unit,
    times: (i64, Option<i64>),
    found: &str,
    state: PatrolState,
) -> Result<Patrol> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO patrol (city_id, grid_id, unit_path, person_id, started_at, ended_at, \
             found, state, recorded_after, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(access.city_id())
        .bind(grid.id)
        .bind(&grid.path)
        .bind(access.person_id())
        .bind(times.0)
        .bind(times.1)
        .bind(found)
        .bind(state.as_str())
        .bind(i64::from(state != PatrolState::Open))
        .bind(now),
    )
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => open_already(),
        _ => Error::Db(e),
    })?;
    let p = Patrol {
        id,
        grid_id: grid.id,
        unit_path: grid.path.clone(),
        person_id: access.person_id(),
        started_at: times.0,
        ended_at: times.1,
        found: found.to_owned(),
        state,
        confirmed_by_person_id: None,
        confirmed_at: None,
        credit_txn_id: None,
        return_reason: None,
        recorded_after: state != PatrolState::Open,
        created_at: now,
        updated_at: now,
    };
    let action = if state == PatrolState::Open {
        "patrol_start"
    } else {
        "patrol_record"
    };
    write_audit(&mut tx, access, action, None, &p).await?;
    tx.commit().await?;
    Ok(p)
}

fn open_already() -> Error {
    Error::conflict(
        "patrol_open",
        "您有一次巡查还没有结束：请先结束它，再开始新的巡查",
    )
}

/// The caller's patrol under way, if any.
pub async fn open_of(db: &Db, access: &Access) -> Result<Option<Patrol>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM patrol WHERE city_id = $1 AND person_id = $2 AND state = 'open' \
         ORDER BY id DESC LIMIT 1"
    )))
    .bind(access.city_id())
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    rows.first().map(from_row).transpose()
}

/// 开始巡查: a patrol of the grid, under way from now. One at a time per person.
pub async fn start(db: &Db, access: &Access, input: StartPatrol) -> Result<Patrol> {
    let grid = grid_named(db, access.city_id(), input.grid_id).await?;
    must_patrol(db, access, &grid).await?;
    if open_of(db, access).await?.is_some() {
        return Err(open_already());
    }
    insert(db, access, &grid, (now_ms(), None), "", PatrolState::Open).await
}

/// 补录: a past patrol with its start and end (same day, at most 12 hours, not in the
/// future), waiting for confirmation.
pub async fn record(db: &Db, access: &Access, input: PastPatrol) -> Result<Patrol> {
    let mut p = Problems::default();
    let grid = match grid_named(db, access.city_id(), input.grid_id).await {
        Ok(g) => Some(g),
        Err(Error::Invalid(v)) => {
            v.into_iter().for_each(|f| p.add(&f.field, f.message));
            None
        }
        Err(e) => return Err(e),
    };
    let (s, e) = check_past(&mut p, &input.started_at, &input.ended_at, now_ms());
    let found = check_found(&mut p, &input.found);
    p.finish()?;
    let grid = grid.ok_or_else(|| Error::Internal("checked above".into()))?;
    must_patrol(db, access, &grid).await?;
    insert(
        db,
        access,
        &grid,
        (s, Some(e)),
        &found,
        PatrolState::Recorded,
    )
    .await
}

/// A patrol the caller acts on as its patroller: 404 when there is none, 403 when it is
/// someone else's (a write outside the caller's reach is refused, not hidden).
async fn own(db: &Db, access: &Access, id: i64) -> Result<Patrol> {
    let p = load(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if p.person_id != access.person_id() {
        return Err(Error::Forbidden("只有巡查人本人可以填写巡查记录"));
    }
    Ok(p)
}

/// 结束巡查: end the caller's patrol under way with what was found.
pub async fn end(db: &Db, access: &Access, id: i64, input: EndPatrol) -> Result<Patrol> {
    let before = own(db, access, id).await?;
    if before.state != PatrolState::Open {
        return Err(Error::conflict("patrol_not_open", "这次巡查已经结束了"));
    }
    let now = now_ms();
    let mut p = Problems::default();
    let ended = match input
        .ended_at
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => now,
        Some(t) => parse_datetime(t).unwrap_or_else(|| {
            p.add("ended_at", "结束时间格式应为 2026-11-25T11:00");
            now
        }),
    };
    if p.is_empty() {
        check_end(
            &mut p,
            before.started_at,
            ended.max(before.started_at + 1),
            now,
        );
    }
    let found = check_found(&mut p, &input.found);
    p.finish()?;
    let after = Patrol {
        ended_at: Some(ended.max(before.started_at + 1)),
        found,
        state: PatrolState::Recorded,
        updated_at: now,
        ..before.clone()
    };
    update(db, access, &before, after, "patrol_end", None).await
}

/// Correct a returned patrol (times and what was found) and record it again.
pub async fn resubmit(db: &Db, access: &Access, id: i64, input: PastPatrol) -> Result<Patrol> {
    let before = own(db, access, id).await?;
    if before.state != PatrolState::Returned {
        return Err(Error::conflict(
            "patrol_not_returned",
            "只有被退回的巡查记录可以修改后重新提交",
        ));
    }
    let mut p = Problems::default();
    let (s, e) = check_past(&mut p, &input.started_at, &input.ended_at, now_ms());
    let found = check_found(&mut p, &input.found);
    p.finish()?;
    let after = Patrol {
        started_at: s,
        ended_at: Some(e),
        found,
        state: PatrolState::Recorded,
        return_reason: None,
        updated_at: now_ms(),
        ..before.clone()
    };
    update(db, access, &before, after, "patrol_resubmit", None).await
}
