//! Figures of orders for reports: counts per unit path and month (dashboards roll them up
//! the tree), each person's load in a period, and the dispatches made against the
//! recommendation — all as a few grouped queries, never one per person.

use std::collections::HashMap;

use kernel::time::now_ms;
use kernel::{Db, Result};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

/// States in which an order counts against the person it is dispatched to.
const HELD: &str = "('dispatched', 'accepted', 'done', 'confirmed')";

/// The orders of one unit path placed in one period.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PathCounts {
    /// The community's path.
    pub unit_path: String,
    /// Which period (index into the bounds).
    pub period: usize,
    /// Placed in the period.
    pub placed: i64,
    /// Of those, marked done or confirmed.
    pub done: i64,
    /// Of those, still open and past their time now (not accepted in time, not dispatched
    /// before the wanted time, or not done by the end of the wanted time).
    pub overdue: i64,
    /// Service minutes of those confirmed.
    pub minutes: i64,
}

/// Counts of the orders placed in each period, per unit path, under `prefix` (at exactly
/// `paths` when given). One grouped query.
pub async fn by_path(
    db: &Db,
    city_id: i64,
    prefix: &str,
    paths: Option<&[String]>,
    bounds: &[i64],
) -> Result<Vec<PathCounts>> {
    let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else {
        return Ok(vec![]);
    };
    let now = now_ms();
    let sql = format!(
        "SELECT unit_path, CAST({b} AS BIGINT), COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN state IN ('done', 'confirmed') THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN (state = 'dispatched' AND accept_by < {now}) \
           OR (state = 'placed' AND wanted_from < {now}) OR (state = 'accepted' AND wanted_to < {now}) \
           THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN state = 'confirmed' THEN COALESCE(done_minutes, 0) ELSE 0 END), 0) AS BIGINT) \
         FROM service_order WHERE city_id = $1 AND {scope} AND created_at >= $2 AND created_at < $3 \
         GROUP BY 1, 2",
        b = kernel::paths::bucket("created_at", bounds),
        scope = kernel::paths::condition("unit_path", prefix, paths),
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(city_id)
        .bind(*first)
        .bind(*last)
        .fetch_all(db.reader())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let period: i64 = r.try_get(1)?;
        if period < 0 {
            continue;
        }
        out.push(PathCounts {
            unit_path: r.try_get(0)?,
            period: period as usize,
            placed: r.try_get(2)?,
            done: r.try_get(3)?,
            overdue: r.try_get(4)?,
            minutes: r.try_get(5)?,
        });
    }
    Ok(out)
}

/// For the orders under `prefix` (at exactly `paths` when given) wanted in
/// `[from_ms, to_ms)` and held by someone: how many each person holds, per unit path —
/// `(unit_path, person_id, count)`.
pub async fn load_by_path(
    db: &Db,
    city_id: i64,
    prefix: &str,
    paths: Option<&[String]>,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(String, i64, i64)>> {
    let sql = format!(
        "SELECT unit_path, assignee_person_id, COUNT(*) FROM service_order WHERE city_id = $1 \
         AND {scope} AND assignee_person_id IS NOT NULL AND state IN {HELD} \
         AND wanted_from >= $2 AND wanted_from < $3 GROUP BY unit_path, assignee_person_id",
        scope = kernel::paths::condition("unit_path", prefix, paths),
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(city_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// How many orders each of `person_ids` holds (dispatched, accepted, done, confirmed)
/// wanted in `[from_ms, to_ms)`, wherever they are: the load dispatch weighs.
pub async fn load_of_people(
    db: &Db,
    city_id: i64,
    person_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    for chunk in person_ids.chunks(500) {
        // Integers only: safe to write into the text.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT assignee_person_id, COUNT(*) FROM service_order WHERE city_id = $1 \
             AND assignee_person_id IN ({}) AND state IN {HELD} \
             AND wanted_from >= $2 AND wanted_from < $3 GROUP BY assignee_person_id",
            id_list(chunk)
        )))
        .bind(city_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(db.reader())
        .await?;
        for r in rows {
            out.insert(r.try_get(0)?, r.try_get(1)?);
        }
    }
    Ok(out)
}

/// A dispatch made against the recommendation (the person lacked the wanted skill, the
/// wanted time was outside their stated availability, or they were at the monthly cap),
/// with the reason the dispatcher wrote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Flagged {
    /// The order.
    pub order_id: i64,
    /// Who it was dispatched to.
    pub person_id: i64,
    /// What it went against: `skill`, `availability`, `load`.
    pub overrides: Vec<String>,
    /// The reason written.
    pub reason: String,
    /// Who dispatched.
    pub dispatcher: String,
    /// When (ms).
    pub at: i64,
    /// The order's category code.
    pub category: String,
    /// The wanted skill, when the order names one.
    pub skill_id: Option<i64>,
    /// When the service was wanted (ms).
    pub wanted_from: i64,
}

/// The dispatches to `person_ids` made in `[from_ms, to_ms)` against the recommendation,
/// oldest first.
pub async fn flagged_dispatches(
    db: &Db,
    city_id: i64,
    person_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Flagged>> {
    let mut out = Vec::new();
    for chunk in person_ids.chunks(500) {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT e.order_id, e.person_id, e.overrides, e.reason, e.actor_name, e.at, \
             o.category, o.skill_id, o.wanted_from \
             FROM order_event e JOIN service_order o ON o.city_id = e.city_id AND o.id = e.order_id \
             WHERE e.city_id = $1 AND e.action = 'dispatch' AND e.overrides <> '' \
             AND e.person_id IN ({}) AND e.at >= $2 AND e.at < $3 ORDER BY e.id",
            id_list(chunk)
        )))
        .bind(city_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(db.reader())
        .await?;
        for r in &rows {
            let ov: String = r.try_get(2)?;
            out.push(Flagged {
                order_id: r.try_get(0)?,
                person_id: r.try_get(1)?,
                overrides: ov
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                reason: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                dispatcher: r.try_get(4)?,
                at: r.try_get(5)?,
                category: r.try_get(6)?,
                skill_id: r.try_get(7)?,
                wanted_from: r.try_get(8)?,
            });
        }
    }
    out.sort_by_key(|f| (f.at, f.order_id));
    Ok(out)
}
