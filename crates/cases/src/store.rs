//! Reading and writing case rows and their events (the one place that knows the columns).

use kernel::Result;
use kernel::time::now_ms;
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use utoipa::ToSchema;

use crate::model::{Satisfaction, Source, State, Urgency};

/// A case (案卷) as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseFile {
    /// Id (also its Open311 `service_request_id`).
    pub id: i64,
    /// The tenant.
    #[serde(skip)]
    pub city_id: i64,
    /// Where it came from.
    pub source: Source,
    /// How it arrived: `web`, `api`, `open311`.
    pub channel: String,
    /// The 小类.
    pub category_id: i64,
    /// 一般 or 紧急.
    pub urgency: Urgency,
    /// What is wrong.
    pub description: String,
    /// Where, in words.
    pub address: String,
    /// WGS-84 longitude × 1e7.
    pub lon_e7: Option<i64>,
    /// WGS-84 latitude × 1e7.
    pub lat_e7: Option<i64>,
    /// The system the position came in (`wgs84`, `gcj02`).
    pub crs: Option<String>,
    /// The grid, found from the position when the grid has a boundary.
    pub grid_id: Option<i64>,
    /// The community.
    pub community_id: i64,
    /// The path of the grid (or community) the case belongs to: its scope.
    #[serde(skip)]
    pub unit_path: String,
    /// The node that answers for it now (it climbs when overdue or escalated).
    pub level_unit_id: i64,
    /// Escalations so far.
    pub level: i64,
    /// State.
    pub state: State,
    /// Who reported (none for an anonymous hotline call or Open311 request).
    pub reporter_person_id: Option<i64>,
    /// Reporter's name as given.
    pub reporter_name: String,
    /// Reporter's phone or e-mail as given (never shown unmasked to others).
    #[serde(skip)]
    pub reporter_contact: Option<String>,
    /// The patrol it was found on.
    pub patrol_id: Option<i64>,
    /// The registry entry (stall, enterprise, road, building) it concerns.
    pub registry_id: Option<i64>,
    /// The handling department.
    pub department: String,
    /// The person handling it.
    pub handler_person_id: Option<i64>,
    /// The person who dispatched it.
    pub dispatcher_person_id: Option<i64>,
    /// The person who verified it last.
    pub verifier_person_id: Option<i64>,
    /// Reported (ms).
    pub reported_at: i64,
    /// Registered (立案).
    pub registered_at: Option<i64>,
    /// Dispatched (last time).
    pub dispatched_at: Option<i64>,
    /// Handling deadline, on the working-day calendar.
    pub deadline_at: Option<i64>,
    /// Handling fed back (last time).
    pub handled_at: Option<i64>,
    /// Closed.
    pub closed_at: Option<i64>,
    /// Why it was voided.
    pub voided_reason: Option<String>,
    /// Times sent back for rework (返工).
    pub rework_count: i64,
    /// Working days of approved extensions.
    pub extended_days: i64,
    /// Since when it is suspended (缓办).
    pub suspended_at: Option<i64>,
    /// When it first went past its deadline.
    pub overdue_at: Option<i64>,
    /// When the scheduled job next looks at it.
    #[serde(skip)]
    pub escalate_at: Option<i64>,
    /// Found by inspection, media or hotline without the grid having reported it.
    pub missed_by_grid: bool,
    /// The grid's responsible chain at that moment (for assessment).
    pub missed_chain: Option<Value>,
    /// For an inspection: the inspecting body's level (`province`, `city`, `district`,
    /// `street`), when stated.
    pub inspection_level: Option<String>,
    /// Merged into this case as a duplicate.
    pub duplicate_of_id: Option<i64>,
    /// A rebound of this closed case.
    pub rebound_of_id: Option<i64>,
    /// The reporter's verdict.
    pub satisfaction: Option<Satisfaction>,
    /// Their words.
    pub satisfaction_note: Option<String>,
    /// The token an Open311 client was given.
    #[serde(skip)]
    pub token: Option<String>,
    /// The ledger transaction that credited the reporter.
    pub credit_txn_id: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

impl CaseFile {
    /// Past its deadline (by the clock, or as the scheduled job found it) and still owed
    /// (only while the clock runs).
    pub fn overdue(&self, now: i64) -> bool {
        self.state.clock_runs()
            && (self.overdue_at.is_some() || self.deadline_at.is_some_and(|d| d < now))
    }

    /// Handled (last time) by the deadline.
    pub fn on_time(&self) -> bool {
        matches!((self.handled_at, self.deadline_at), (Some(h), Some(d)) if h <= d)
    }

    /// The position in degrees (lon, lat), when known.
    pub fn position(&self) -> Option<(f64, f64)> {
        Some((
            self.lon_e7? as f64 / kernel::geo::E7,
            self.lat_e7? as f64 / kernel::geo::E7,
        ))
    }
}

/// The columns, in [`from_row`]'s terms.
pub const COLS: &str = "id, city_id, source, channel, category_id, urgency, description, address, lon_e7, \
    lat_e7, crs, grid_id, community_id, unit_path, level_unit_id, level, state, \
    reporter_person_id, reporter_name, reporter_contact, patrol_id, registry_id, department, \
    handler_person_id, dispatcher_person_id, verifier_person_id, reported_at, registered_at, \
    dispatched_at, deadline_at, handled_at, closed_at, voided_reason, rework_count, \
    extended_days, suspended_at, overdue_at, escalate_at, missed_by_grid, missed_chain, \
    duplicate_of_id, rebound_of_id, satisfaction, satisfaction_note, token, credit_txn_id, \
    created_at, updated_at, inspection_level";

/// A row of [`COLS`].
pub fn from_row(r: &sqlx::any::AnyRow) -> Result<CaseFile> {
    let source: String = r.try_get("source")?;
    let urgency: String = r.try_get("urgency")?;
    let state: String = r.try_get("state")?;
    let chain: Option<String> = r.try_get("missed_chain")?;
    let satisfaction: Option<String> = r.try_get("satisfaction")?;
    Ok(CaseFile {
        id: r.try_get("id")?,
        city_id: r.try_get("city_id")?,
        source: Source::parse(&source).unwrap_or(Source::Resident),
        channel: r.try_get("channel")?,
        category_id: r.try_get("category_id")?,
        urgency: Urgency::parse(&urgency).unwrap_or(Urgency::Normal),
        description: r.try_get("description")?,
        address: r.try_get("address")?,
        lon_e7: r.try_get("lon_e7")?,
        lat_e7: r.try_get("lat_e7")?,
        crs: r.try_get("crs")?,
        grid_id: r.try_get("grid_id")?,
        community_id: r.try_get("community_id")?,
        unit_path: r.try_get("unit_path")?,
        level_unit_id: r.try_get("level_unit_id")?,
        level: r.try_get("level")?,
        state: State::parse(&state).unwrap_or(State::Reported),
        reporter_person_id: r.try_get("reporter_person_id")?,
        reporter_name: r.try_get("reporter_name")?,
        reporter_contact: r.try_get("reporter_contact")?,
        patrol_id: r.try_get("patrol_id")?,
        registry_id: r.try_get("registry_id")?,
        department: r.try_get("department")?,
        handler_person_id: r.try_get("handler_person_id")?,
        dispatcher_person_id: r.try_get("dispatcher_person_id")?,
        verifier_person_id: r.try_get("verifier_person_id")?,
        reported_at: r.try_get("reported_at")?,
        registered_at: r.try_get("registered_at")?,
        dispatched_at: r.try_get("dispatched_at")?,
        deadline_at: r.try_get("deadline_at")?,
        handled_at: r.try_get("handled_at")?,
        closed_at: r.try_get("closed_at")?,
        voided_reason: r.try_get("voided_reason")?,
        rework_count: r.try_get("rework_count")?,
        extended_days: r.try_get("extended_days")?,
        suspended_at: r.try_get("suspended_at")?,
        overdue_at: r.try_get("overdue_at")?,
        escalate_at: r.try_get("escalate_at")?,
        missed_by_grid: r.try_get::<i64, _>("missed_by_grid")? != 0,
        missed_chain: chain.and_then(|c| serde_json::from_str(&c).ok()),
        inspection_level: r.try_get("inspection_level")?,
        duplicate_of_id: r.try_get("duplicate_of_id")?,
        rebound_of_id: r.try_get("rebound_of_id")?,
        satisfaction: satisfaction.as_deref().and_then(Satisfaction::parse),
        satisfaction_note: r.try_get("satisfaction_note")?,
        token: r.try_get("token")?,
        credit_txn_id: r.try_get("credit_txn_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Load a case (with `lock` = `db.for_update()` inside a write transaction).
pub async fn load(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    id: i64,
    lock: &str,
) -> Result<Option<CaseFile>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM case_file WHERE city_id = $1 AND id = $2{lock}"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.first().map(from_row).transpose()
}

/// A step recorded on a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    /// Id.
    pub id: i64,
    /// What was done (`report`, `register`, `dispatch`, …).
    pub action: String,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// Who did it (none for the system).
    pub actor_person_id: Option<i64>,
    /// Their name.
    pub actor_name: String,
    /// Why, or what they wrote.
    pub reason: Option<String>,
    /// Details (the handler dispatched to, the new deadline, the level escalated to, …).
    pub data: Value,
    /// When (ms).
    pub at: i64,
}

/// An event to record.
pub struct NewEvent<'a> {
    /// Action code.
    pub action: &'a str,
    /// State before.
    pub from: State,
    /// State after.
    pub to: State,
    /// Who (none for the system).
    pub actor_person_id: Option<i64>,
    /// Their name.
    pub actor_name: &'a str,
    /// Why.
    pub reason: Option<&'a str>,
    /// Details.
    pub data: Value,
}

/// Record an event inside the caller's transaction.
pub async fn add_event(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    case_id: i64,
    e: NewEvent<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_event (city_id, case_id, action, from_state, to_state, actor_person_id, \
         actor_name, reason, data, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(city_id)
    .bind(case_id)
    .bind(e.action)
    .bind(e.from.as_str())
    .bind(e.to.as_str())
    .bind(e.actor_person_id.filter(|&p| p != 0))
    .bind(e.actor_name)
    .bind(e.reason)
    .bind(e.data.to_string())
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// The events of a case, oldest first.
pub async fn events(db: &kernel::Db, city_id: i64, case_id: i64) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT id, action, from_state, to_state, actor_person_id, actor_name, reason, data, at \
         FROM case_event WHERE city_id = $1 AND case_id = $2 ORDER BY id",
    )
    .bind(city_id)
    .bind(case_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get(7)?;
            Ok(Event {
                id: r.try_get(0)?,
                action: r.try_get(1)?,
                from_state: r.try_get(2)?,
                to_state: r.try_get(3)?,
                actor_person_id: r.try_get(4)?,
                actor_name: r.try_get(5)?,
                reason: r.try_get(6)?,
                data: serde_json::from_str(&data).unwrap_or(Value::Null),
                at: r.try_get(8)?,
            })
        })
        .collect()
}

/// The bounds of a path prefix as a range (`unit_path >= $a AND unit_path < $b`), which an
/// index serves on both backends (a `LIKE` is not used by SQLite's index for a prefix).
pub fn prefix_range(prefix: &str) -> (String, String) {
    // Paths are digits and '/', and '0' follows '/': every path under `/1/2/` sorts
    // before `/1/20`.
    let mut upper = prefix.trim_end_matches('/').to_owned();
    upper.push('0');
    (prefix.to_owned(), upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_hold_exactly_the_subtree() {
        let (lo, hi) = prefix_range("/1/2/");
        let inside = |p: &str| p >= lo.as_str() && p < hi.as_str();
        assert!(inside("/1/2/"));
        assert!(inside("/1/2/3/"));
        assert!(inside("/1/2/99/100/"));
        assert!(!inside("/1/20/"));
        assert!(!inside("/1/21/3/"));
        assert!(!inside("/1/3/"));
        assert!(!inside("/1/"));
        assert!(!inside("/1/19/"));
    }
}
