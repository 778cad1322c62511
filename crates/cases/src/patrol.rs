//! 网格巡查: a person patrols a grid — starts a patrol of a grid they are rostered on or
//! work in, reports what they find as cases while it is open (they link themselves to it,
//! see `report::open_patrol`), and ends it with what was found; or records a past patrol
//! afterwards (补录). A grid leader or cadre over the grid, never the patroller, confirms a
//! recorded patrol — which credits its minutes to the ledger once — or sends it back with
//! a reason. The record is when, which grid and what was found: no track, no mileage, no
//! ranking of patrols or people (DOMAIN.md §0); confirmed patrols feed the assessment's
//! 巡查记录 component through [`records`].

pub mod roster;
pub mod view;

use kernel::audit::{self, Entry};
use kernel::error::{Problems, required_text};
use kernel::time::{date_of_ms, datetime_cn, now_ms, parse_datetime};
use kernel::{Db, Error, Result};
use ledger::timebank::{self, ServiceCredit};
use org::inbox::{self, NewNotice};
use org::units::{Unit, UnitKind};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

pub use view::{PatrolPage, PatrolQuery, PatrolView};

/// The longest patrol recorded in one go.
pub const MAX_PATROL_MS: i64 = 12 * 3_600_000;
/// How far back a past patrol may be recorded.
pub const MAX_PAST_DAYS: i64 = 30;
/// The most characters of what was found.
pub const FOUND_MAX: usize = 500;

/// Where a patrol stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PatrolState {
    /// 巡查中: started, not yet ended.
    Open,
    /// 待确认: ended (or recorded afterwards), waiting for the grid leader or cadre.
    Recorded,
    /// 已退回: sent back with a reason; the patroller corrects it and records it again.
    Returned,
    /// 已确认: confirmed; its minutes are credited.
    Confirmed,
}

impl PatrolState {
    /// Every state, in the order filters list them.
    pub const ALL: [PatrolState; 4] = [
        PatrolState::Open,
        PatrolState::Recorded,
        PatrolState::Returned,
        PatrolState::Confirmed,
    ];

    /// Stable code (stored).
    pub fn as_str(self) -> &'static str {
        match self {
            PatrolState::Open => "open",
            PatrolState::Recorded => "recorded",
            PatrolState::Returned => "returned",
            PatrolState::Confirmed => "confirmed",
        }
    }

    /// Parse a stable code.
    pub fn parse(s: &str) -> Option<PatrolState> {
        PatrolState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            PatrolState::Open => "巡查中",
            PatrolState::Recorded => "待确认",
            PatrolState::Returned => "已退回",
            PatrolState::Confirmed => "已确认",
        }
    }

    /// The UX colour class of the state.
    pub fn tone(self) -> &'static str {
        match self {
            PatrolState::Open => "active",
            PatrolState::Recorded => "pending",
            PatrolState::Returned => "overdue",
            PatrolState::Confirmed => "done",
        }
    }
}

/// A patrol as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Patrol {
    /// Id.
    pub id: i64,
    /// The grid patrolled.
    pub grid_id: i64,
    /// The grid's path (its scope).
    #[serde(skip)]
    pub unit_path: String,
    /// Who patrolled.
    pub person_id: i64,
    /// Started (ms).
    pub started_at: i64,
    /// Ended (ms); none while under way.
    pub ended_at: Option<i64>,
    /// What was found.
    pub found: String,
    /// State.
    pub state: PatrolState,
    /// Who confirmed it.
    pub confirmed_by_person_id: Option<i64>,
    /// When.
    pub confirmed_at: Option<i64>,
    /// The ledger transaction that credited it.
    pub credit_txn_id: Option<i64>,
    /// Why it was sent back (while it is returned).
    pub return_reason: Option<String>,
    /// Recorded after the fact (补录) rather than started and ended on the spot.
    pub recorded_after: bool,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

impl Patrol {
    /// Whole minutes patrolled (at least 1 once ended).
    pub fn minutes(&self) -> Option<i64> {
        self.ended_at
            .map(|e| ((e - self.started_at) / 60_000).max(1))
    }

    fn audit_json(&self) -> serde_json::Value {
        json!({"grid_id": self.grid_id, "person_id": self.person_id,
               "started_at": self.started_at, "ended_at": self.ended_at,
               "state": self.state.as_str(), "found": self.found,
               "recorded_after": self.recorded_after, "return_reason": self.return_reason})
    }
}

pub(crate) const COLS: &str = "id, grid_id, unit_path, person_id, started_at, ended_at, found, \
    state, confirmed_by_person_id, confirmed_at, credit_txn_id, return_reason, recorded_after, \
    created_at, updated_at";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Patrol> {
    let state: String = r.try_get("state")?;
    Ok(Patrol {
        id: r.try_get("id")?,
        grid_id: r.try_get("grid_id")?,
        unit_path: r.try_get("unit_path")?,
        person_id: r.try_get("person_id")?,
        started_at: r.try_get("started_at")?,
        ended_at: r.try_get("ended_at")?,
        found: r.try_get("found")?,
        state: PatrolState::parse(&state)
            .ok_or_else(|| Error::Internal(format!("patrol state {state}")))?,
        confirmed_by_person_id: r.try_get("confirmed_by_person_id")?,
        confirmed_at: r.try_get("confirmed_at")?,
        credit_txn_id: r.try_get("credit_txn_id")?,
        return_reason: r.try_get("return_reason")?,
        recorded_after: r.try_get::<i64, _>("recorded_after")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// One patrol by id, whatever the caller's scope (callers check it).
pub(crate) async fn load(db: &Db, city_id: i64, id: i64) -> Result<Option<Patrol>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM patrol WHERE city_id = $1 AND id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first().map(from_row).transpose()
}

// ---------------------------------------------------------------------------------------
// Who may do what
// ---------------------------------------------------------------------------------------

/// Whether the account keeps the grid's roster and confirms its patrols: its grid leader,
/// the community's cadres and the admins above.
pub fn keeps(access: &Access, path: &str) -> bool {
    access.holds_over(Role::GridLeader, path) || access.holds_over(Role::CommunityCadre, path)
}

/// Whether the account may read the patrol: the patroller, and the staff over the grid.
pub fn reads(access: &Access, p: &Patrol) -> bool {
    (access.person_id() != 0 && access.person_id() == p.person_id)
        || [Role::CommunityCadre, Role::GridLeader, Role::Inspector]
            .iter()
            .any(|r| access.holds_over(*r, &p.unit_path))
}

/// Whether the account works in the grid by its roles (as a sent-down person, grid leader
/// or cadre there, or an admin above); being on its roster counts as well (see
/// [`may_patrol`]).
fn works_in(access: &Access, path: &str) -> bool {
    keeps(access, path) || access.holds_over(Role::Personnel, path)
}

/// Whether the account may patrol the grid: it is on the grid's roster or works there.
pub async fn may_patrol(db: &Db, access: &Access, grid: &Unit) -> Result<bool> {
    if access.person_id() == 0 {
        return Ok(false);
    }
    if works_in(access, &grid.path) {
        return Ok(true);
    }
    roster::is_rostered(db, access.city_id(), grid.id, access.person_id()).await
}

/// The grids the caller may patrol (those they work in and those they are rostered on),
/// in tree order; at most 500.
pub async fn grids_for(db: &Db, access: &Access) -> Result<Vec<Unit>> {
    let mut out: Vec<Unit> = org::units::list_in_scope(db, access, &[UnitKind::Grid])
        .await?
        .into_iter()
        .filter(|g| works_in(access, &g.path))
        .take(500)
        .collect();
    for id in roster::grids_of(db, access.city_id(), access.person_id()).await? {
        if !out.iter().any(|g| g.id == id)
            && let Some(g) = org::units::fetch_any(db, access.city_id(), id).await?
        {
            out.push(g);
        }
    }
    Ok(out)
}

/// The grids whose roster the caller keeps, in tree order; at most 500.
pub async fn kept_grids(db: &Db, access: &Access) -> Result<Vec<Unit>> {
    Ok(org::units::list_in_scope(db, access, &[UnitKind::Grid])
        .await?
        .into_iter()
        .filter(|g| keeps(access, &g.path))
        .take(500)
        .collect())
}

/// The grid named by a form or body: unknown ids and nodes that are not grids are a field
/// error (nothing is said about nodes outside the caller's reach either way).
pub(crate) async fn grid_named(db: &Db, city_id: i64, id: Option<i64>) -> Result<Unit> {
    let Some(id) = id else {
        return Err(Error::field("grid_id", "请选择巡查的网格"));
    };
    match org::units::fetch_any(db, city_id, id).await? {
        Some(u) if u.kind == UnitKind::Grid => Ok(u),
        _ => Err(Error::field("grid_id", "没有这个网格，请重新选择")),
    }
}

// ---------------------------------------------------------------------------------------
// Starting, ending, recording
// ---------------------------------------------------------------------------------------

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

async fn write_audit(
    conn: &mut sqlx::AnyConnection,
    access: &Access,
    action: &str,
    before: Option<&Patrol>,
    after: &Patrol,
) -> Result<()> {
    audit::record(
        conn,
        access.actor(),
        Entry {
            action,
            object_kind: "patrol",
            object_id: after.id,
            scope_path: &after.unit_path,
            before: before.map(Patrol::audit_json),
            after: Some(after.audit_json()),
        },
    )
    .await?;
    Ok(())
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

/// Change a patrol from the state it was read in (a concurrent change makes it a conflict).
async fn update(
    db: &Db,
    access: &Access,
    before: &Patrol,
    after: Patrol,
    action: &str,
    notice: Option<NewNotice<'_>>,
) -> Result<Patrol> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE patrol SET started_at = $1, ended_at = $2, found = $3, state = $4, \
         return_reason = $5, confirmed_by_person_id = $6, confirmed_at = $7, updated_at = $8 \
         WHERE city_id = $9 AND id = $10 AND state = $11",
    )
    .bind(after.started_at)
    .bind(after.ended_at)
    .bind(&after.found)
    .bind(after.state.as_str())
    .bind(after.return_reason.as_deref())
    .bind(after.confirmed_by_person_id)
    .bind(after.confirmed_at)
    .bind(after.updated_at)
    .bind(access.city_id())
    .bind(after.id)
    .bind(before.state.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict(
            "patrol_changed",
            "这次巡查刚被其他人处理过：请刷新后再看",
        ));
    }
    write_audit(&mut tx, access, action, Some(before), &after).await?;
    if let Some(n) = notice {
        inbox::notify(&mut tx, access.city_id(), n).await?;
    }
    tx.commit().await?;
    Ok(after)
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

// ---------------------------------------------------------------------------------------
// Confirming and sending back
// ---------------------------------------------------------------------------------------

/// Why a patrol is sent back.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SendBack {
    /// What to correct (up to 200 characters).
    #[serde(default)]
    pub reason: String,
}

/// A patrol the caller decides on: 404 when there is none, 403 when they do not keep the
/// grid or patrolled it themselves.
async fn to_decide(db: &Db, access: &Access, id: i64) -> Result<Patrol> {
    let p = load(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if p.person_id == access.person_id() {
        return Err(Error::Forbidden(
            "不能确认自己的巡查：请由网格长或社区干部确认",
        ));
    }
    if !keeps(access, &p.unit_path) {
        return Err(Error::Forbidden("只有本网格的网格长或社区干部可以确认巡查"));
    }
    Ok(p)
}

/// 确认: a recorded patrol is confirmed and its minutes credited (kind `patrol`, once: the
/// ledger key is the patrol's). Confirming a confirmed patrol whose credit did not go
/// through tries the credit again.
pub async fn confirm(db: &Db, access: &Access, id: i64) -> Result<Patrol> {
    let before = to_decide(db, access, id).await?;
    let p = match before.state {
        PatrolState::Recorded => {
            let now = now_ms();
            let after = Patrol {
                state: PatrolState::Confirmed,
                confirmed_by_person_id: Some(access.person_id()),
                confirmed_at: Some(now),
                updated_at: now,
                ..before.clone()
            };
            update(db, access, &before, after, "patrol_confirm", None).await?
        }
        PatrolState::Confirmed if before.credit_txn_id.is_none() => before,
        PatrolState::Confirmed => {
            return Err(Error::conflict("patrol_confirmed", "这次巡查已经确认过了"));
        }
        _ => {
            return Err(Error::conflict(
                "patrol_not_recorded",
                "巡查结束并提交记录后才能确认",
            ));
        }
    };
    credit(db, access.city_id(), &p).await?;
    load(db, access.city_id(), id).await?.ok_or(Error::NotFound)
}

/// 退回: send a recorded patrol back to the patroller with what to correct.
pub async fn send_back(db: &Db, access: &Access, id: i64, input: SendBack) -> Result<Patrol> {
    let before = to_decide(db, access, id).await?;
    if before.state != PatrolState::Recorded {
        return Err(Error::conflict(
            "patrol_not_recorded",
            "只有待确认的巡查记录可以退回",
        ));
    }
    let mut p = Problems::default();
    let reason = required_text(&mut p, "reason", "退回原因", &input.reason, 200);
    p.finish()?;
    let after = Patrol {
        state: PatrolState::Returned,
        return_reason: Some(reason.clone()),
        updated_at: now_ms(),
        ..before.clone()
    };
    let notice = NewNotice {
        person_id: before.person_id,
        kind: "patrol_returned",
        title: "巡查记录被退回".into(),
        body: format!("退回原因：{reason}。请修改后重新提交。"),
        link: format!("/patrols/{id}"),
    };
    update(db, access, &before, after, "patrol_return", Some(notice)).await
}

fn root_of(path: &str) -> i64 {
    path.split('/')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0)
}

/// Credit a confirmed patrol's minutes to the patroller, once (the key is the patrol's; a
/// replay answers the first transaction). A refusal by the ledger (a cap, a person who has
/// left) leaves the patrol confirmed without a credit and is logged.
async fn credit(db: &Db, city_id: i64, p: &Patrol) -> Result<()> {
    let Some(minutes) = p.minutes() else {
        return Ok(());
    };
    let sys = org::access::system_access(city_id, root_of(&p.unit_path), "巡查经确认");
    let res = timebank::credit_service(
        db,
        &sys,
        ServiceCredit {
            person_id: p.person_id,
            kind: "patrol".into(),
            minutes: minutes.min(24 * 60),
            occurred_on: date_of_ms(p.started_at).to_string(),
            memo: format!("网格巡查（{} 起）", datetime_cn(p.started_at)),
            ref_kind: Some("patrol".into()),
            ref_id: Some(p.id),
            group: false,
            guardian_person_id: None,
            key: format!("patrol-{}", p.id),
        },
    )
    .await;
    match res {
        Ok(txn) => {
            sqlx::query(
                "UPDATE patrol SET credit_txn_id = $1 WHERE city_id = $2 AND id = $3 \
                 AND credit_txn_id IS NULL",
            )
            .bind(txn.id)
            .bind(sys.city_id())
            .bind(p.id)
            .execute(db.writer())
            .await?;
        }
        Err(Error::Db(e)) => return Err(Error::Db(e)),
        Err(e) => tracing::warn!(patrol = p.id, error = %e, "patrol credit refused by the ledger"),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// For the assessment
// ---------------------------------------------------------------------------------------

/// One person's confirmed patrols in a period (the 巡查记录 component's evidence).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PatrolRecord {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// Confirmed patrols.
    pub patrols: i64,
    /// Their minutes.
    pub minutes: i64,
}

/// Per person, the confirmed patrols of grids under `prefix` that started in
/// `[from_ms, to_ms)`: counts and minutes, ordered by name — never by activity (no
/// ranking, DOMAIN.md §0).
pub async fn records(
    db: &Db,
    city_id: i64,
    prefix: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<PatrolRecord>> {
    let (lo, hi) = crate::store::prefix_range(prefix);
    let rows = sqlx::query(
        "SELECT person_id, CAST(COUNT(*) AS BIGINT), \
         CAST(SUM(CASE WHEN (ended_at - started_at) / 60000 < 1 THEN 1 \
         ELSE (ended_at - started_at) / 60000 END) AS BIGINT) \
         FROM patrol WHERE city_id = $1 AND state = 'confirmed' AND unit_path >= $2 \
         AND unit_path < $3 AND started_at >= $4 AND started_at < $5 GROUP BY person_id",
    )
    .bind(city_id)
    .bind(lo)
    .bind(hi)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?;
    let mut out: Vec<PatrolRecord> = rows
        .iter()
        .map(|r| {
            Ok(PatrolRecord {
                person_id: r.try_get(0)?,
                name: String::new(),
                patrols: r.try_get(1)?,
                minutes: r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
            })
        })
        .collect::<Result<_>>()?;
    let ids: Vec<i64> = out.iter().map(|r| r.person_id).collect();
    let names = org::pool::names(db, city_id, &ids).await?;
    for r in &mut out {
        r.name = names.get(&r.person_id).cloned().unwrap_or_default();
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.person_id.cmp(&b.person_id)));
    Ok(out)
}

/// [`records`] for a node the caller reads as staff (a grid, community, street…), over
/// the Beijing days `from ..= to` (`YYYY-MM-DD`).
pub async fn records_under(
    db: &Db,
    access: &Access,
    unit_id: i64,
    from: &str,
    to: &str,
) -> Result<Vec<PatrolRecord>> {
    let u = org::units::get(db, access, unit_id).await?;
    if ![Role::CommunityCadre, Role::GridLeader, Role::Inspector]
        .iter()
        .any(|r| access.holds_over(*r, &u.path))
    {
        return Err(Error::NotFound);
    }
    let mut p = Problems::default();
    let day = |p: &mut Problems, field: &str, s: &str| {
        let d = kernel::time::parse_date(s);
        if d.is_none() {
            p.add(field, "日期格式应为 2026-11-25");
        }
        d
    };
    let (a, b) = (day(&mut p, "from", from), day(&mut p, "to", to));
    if let (Some(a), Some(b)) = (a, b)
        && b < a
    {
        p.add("to", "结束日期不能早于开始日期");
    }
    p.finish()?;
    let (Some(a), Some(b)) = (a, b) else {
        return Err(Error::Internal("checked above".into()));
    };
    let next = b.tomorrow().unwrap_or(b);
    records(
        db,
        access.city_id(),
        &u.path,
        view::day_start(a),
        view::day_start(next),
    )
    .await
}
