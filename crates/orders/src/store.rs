//! Reading and writing order rows and their events (the one place that knows the columns).

use kernel::Result;
use kernel::time::now_ms;
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::model::{State, Step};

/// An order as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Order {
    /// Id.
    pub id: i64,
    /// The community it is in.
    pub community_id: i64,
    /// That community's path (its scope).
    #[serde(skip)]
    pub unit_path: String,
    /// The resident served.
    pub resident_person_id: i64,
    /// Who placed it (the resident, or a cadre on their behalf).
    pub placed_by_person_id: i64,
    /// Category code.
    pub category: String,
    /// The wanted skill.
    pub skill_id: Option<i64>,
    /// What is needed.
    pub description: String,
    /// Where.
    pub place: String,
    /// Longitude × 1e7 of the place, when given.
    pub lon_e7: Option<i64>,
    /// Latitude × 1e7.
    pub lat_e7: Option<i64>,
    /// Wanted from (ms).
    pub wanted_from: i64,
    /// Wanted until (ms).
    pub wanted_to: i64,
    /// State.
    pub state: State,
    /// The person it is dispatched to.
    pub assignee_person_id: Option<i64>,
    /// The cadre who dispatched it.
    pub dispatcher_person_id: Option<i64>,
    /// When it was dispatched.
    pub dispatched_at: Option<i64>,
    /// Acceptance deadline.
    pub accept_by: Option<i64>,
    /// When accepted.
    pub accepted_at: Option<i64>,
    /// When marked done.
    pub done_at: Option<i64>,
    /// Minutes of service the person reported.
    pub done_minutes: Option<i64>,
    /// The person's note on completion.
    pub done_note: Option<String>,
    /// When the resident confirmed.
    pub confirmed_at: Option<i64>,
    /// The resident's rating, 1–5.
    pub rating: Option<i64>,
    /// The resident's comment.
    pub comment: Option<String>,
    /// The person's rating of the order (两方评价), 1–5.
    pub person_rating: Option<i64>,
    /// The person's comment.
    pub person_comment: Option<String>,
    /// Why it was cancelled or expired.
    pub closed_reason: Option<String>,
    /// The ledger transaction that credited it.
    pub credit_txn_id: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

pub(crate) const COLS: &str = "id, community_id, unit_path, resident_person_id, placed_by_person_id, \
    category, skill_id, description, place, lon_e7, lat_e7, wanted_from, wanted_to, state, \
    assignee_person_id, dispatcher_person_id, dispatched_at, accept_by, accepted_at, done_at, \
    done_minutes, done_note, confirmed_at, rating, comment, person_rating, person_comment, \
    closed_reason, credit_txn_id, created_at, updated_at";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Order> {
    let state: String = r.try_get("state")?;
    Ok(Order {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        unit_path: r.try_get("unit_path")?,
        resident_person_id: r.try_get("resident_person_id")?,
        placed_by_person_id: r.try_get("placed_by_person_id")?,
        category: r.try_get("category")?,
        skill_id: r.try_get("skill_id")?,
        description: r.try_get("description")?,
        place: r.try_get("place")?,
        lon_e7: r.try_get("lon_e7")?,
        lat_e7: r.try_get("lat_e7")?,
        wanted_from: r.try_get("wanted_from")?,
        wanted_to: r.try_get("wanted_to")?,
        state: State::parse(&state).unwrap_or(State::Placed),
        assignee_person_id: r.try_get("assignee_person_id")?,
        dispatcher_person_id: r.try_get("dispatcher_person_id")?,
        dispatched_at: r.try_get("dispatched_at")?,
        accept_by: r.try_get("accept_by")?,
        accepted_at: r.try_get("accepted_at")?,
        done_at: r.try_get("done_at")?,
        done_minutes: r.try_get("done_minutes")?,
        done_note: r.try_get("done_note")?,
        confirmed_at: r.try_get("confirmed_at")?,
        rating: r.try_get("rating")?,
        comment: r.try_get("comment")?,
        person_rating: r.try_get("person_rating")?,
        person_comment: r.try_get("person_comment")?,
        closed_reason: r.try_get("closed_reason")?,
        credit_txn_id: r.try_get("credit_txn_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Load an order without any scope check (callers check).
pub(crate) async fn load(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    id: i64,
    lock: &str,
) -> Result<Option<Order>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM service_order WHERE city_id = $1 AND id = $2{lock}"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.first().map(from_row).transpose()
}

/// One step in an order's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    /// Id.
    pub id: i64,
    /// The step's code (`place`, `dispatch`, `accept`, …).
    pub action: String,
    /// The step's name in Chinese.
    pub action_label: String,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// Who did it (name; `系统` for deadlines).
    pub actor_name: String,
    /// The person it concerned (assignee of a dispatch, decliner, …).
    pub person_id: Option<i64>,
    /// The written reason (decline, cancel, an assignment that needed one).
    pub reason: Option<String>,
    /// What the assignment went against (`skill`, `availability`, `load`), comma-separated.
    pub overrides: String,
    /// When (ms).
    pub at: i64,
}

/// What an event records.
pub(crate) struct NewEvent<'a> {
    pub action: &'a str,
    pub from: State,
    pub to: State,
    pub actor_person_id: Option<i64>,
    pub actor_name: &'a str,
    pub person_id: Option<i64>,
    pub reason: Option<&'a str>,
    pub overrides: &'a str,
}

pub(crate) async fn add_event(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    order_id: i64,
    e: NewEvent<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO order_event (city_id, order_id, action, from_state, to_state, actor_person_id, \
         actor_name, person_id, reason, overrides, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(city_id)
    .bind(order_id)
    .bind(e.action)
    .bind(e.from.as_str())
    .bind(e.to.as_str())
    .bind(e.actor_person_id)
    .bind(e.actor_name)
    .bind(e.person_id)
    .bind(e.reason)
    .bind(e.overrides)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// The label of an event's action code.
pub fn action_label(action: &str) -> String {
    if action == "place" {
        return "下单".into();
    }
    if action == "rate_back" {
        return "服务人员评价".into();
    }
    if action == "credit" {
        return "记入积分与时间币".into();
    }
    if action == "credit_failed" {
        return "记入积分未成功".into();
    }
    Step::ALL
        .into_iter()
        .find(|s| s.as_str() == action)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|| action.to_owned())
}

pub(crate) async fn events(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    order_id: i64,
) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT id, action, from_state, to_state, actor_name, person_id, reason, overrides, at \
         FROM order_event WHERE city_id = $1 AND order_id = $2 ORDER BY id",
    )
    .bind(city_id)
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let action: String = r.try_get(1)?;
            Ok(Event {
                id: r.try_get(0)?,
                action_label: action_label(&action),
                action,
                from_state: r.try_get(2)?,
                to_state: r.try_get(3)?,
                actor_name: r.try_get(4)?,
                person_id: r.try_get(5)?,
                reason: r.try_get(6)?,
                overrides: r.try_get(7)?,
                at: r.try_get(8)?,
            })
        })
        .collect()
}
