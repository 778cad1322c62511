//! 网格巡查: a person patrols a grid — starts a patrol of a grid they are rostered on or
//! work in, reports what they find as cases while it is open (they link themselves to it,
//! see `report::open_patrol`), and ends it with what was found; or records a past patrol
//! afterwards (补录). A grid leader or cadre over the grid, never the patroller, confirms a
//! recorded patrol — which credits its minutes to the ledger once — or sends it back with
//! a reason. The record is when, which grid and what was found: no track, no mileage, no
//! ranking of patrols or people (DOMAIN.md §0); confirmed patrols feed the assessment's
//! 巡查记录 component through [`records`].

pub mod decide;
pub mod records;
pub mod roster;
pub mod view;
pub mod walk;

use kernel::audit::{self, Entry};
use kernel::{Db, Error, Result};
use org::inbox::{self, NewNotice};
use org::units::{Unit, UnitKind};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

pub use decide::{SendBack, confirm, send_back};
pub use records::{PatrolRecord, records, records_under};
pub use view::{PatrolPage, PatrolQuery, PatrolView};
pub use walk::{EndPatrol, PastPatrol, StartPatrol, end, open_of, record, resubmit, start};

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
// Writing, shared by the patroller's steps and the decisions
// ---------------------------------------------------------------------------------------

pub(crate) async fn write_audit(
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

/// Change a patrol from the state it was read in (a concurrent change makes it a conflict).
pub(crate) async fn update(
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
