//! Totals of recorded orders for reports (the monthly bulletin, employer feedback, the
//! 述职 draft): per subtree and per person, in bulk, over a period `[from_ms, to_ms)`.

use std::collections::HashMap;

use kernel::{Db, Result};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

/// Orders of a subtree in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitTotals {
    /// Placed in the period.
    pub placed: i64,
    /// Finished (done or confirmed) in the period.
    pub done: i64,
    /// Of those placed in the period: expired, or still open past the wanted end by the
    /// period's end.
    pub overdue: i64,
    /// Ratings given by residents to orders finished in the period.
    pub rated: i64,
    /// Sum of those ratings (1–5 each).
    pub rating_sum: i64,
}

/// The orders under `unit_path` (a path prefix) in the period.
pub async fn under(
    db: &Db,
    city_id: i64,
    unit_path: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<UnitTotals> {
    let like = format!("{unit_path}%");
    let rows = sqlx::query(
        "SELECT \
         CAST(COALESCE(SUM(CASE WHEN created_at >= $3 AND created_at < $4 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN state IN ('done', 'confirmed') AND done_at >= $3 AND done_at < $4 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN created_at >= $3 AND created_at < $4 AND (state = 'expired' OR \
           (state IN ('placed', 'dispatched', 'accepted') AND wanted_to < $4)) THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN state IN ('done', 'confirmed') AND done_at >= $3 AND done_at < $4 \
           AND rating IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN state IN ('done', 'confirmed') AND done_at >= $3 AND done_at < $4 \
           AND rating IS NOT NULL THEN rating ELSE 0 END), 0) AS BIGINT) \
         FROM service_order WHERE city_id = $1 AND unit_path LIKE $2 \
         AND (created_at >= $3 OR done_at >= $3) AND created_at < $4",
    )
    .bind(city_id)
    .bind(like)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(kernel::Error::NotFound)?;
    Ok(UnitTotals {
        placed: r.try_get(0)?,
        done: r.try_get(1)?,
        overdue: r.try_get(2)?,
        rated: r.try_get(3)?,
        rating_sum: r.try_get(4)?,
    })
}

/// One person's finished orders in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonTotals {
    /// Orders they finished (done or confirmed) in the period.
    pub done: i64,
    /// Minutes of service recorded on them.
    pub minutes: i64,
    /// Of those, rated by the resident.
    pub rated: i64,
    /// Sum of the ratings.
    pub rating_sum: i64,
}

/// Finished orders of each of `person_ids` (as assignee) in the period; people without
/// any are absent from the map.
pub async fn of_people(
    db: &Db,
    city_id: i64,
    person_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<HashMap<i64, PersonTotals>> {
    let mut out = HashMap::new();
    for chunk in person_ids.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT assignee_person_id, COUNT(*), CAST(COALESCE(SUM(done_minutes), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN rating IS NOT NULL THEN rating ELSE 0 END), 0) AS BIGINT) \
             FROM service_order WHERE city_id = $1 AND state IN ('done', 'confirmed') \
             AND done_at >= $2 AND done_at < $3 AND assignee_person_id IN ({}) \
             GROUP BY assignee_person_id",
            marks.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(city_id)
            .bind(from_ms)
            .bind(to_ms);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.reader()).await? {
            out.insert(
                r.try_get::<i64, _>(0)?,
                PersonTotals {
                    done: r.try_get(1)?,
                    minutes: r.try_get(2)?,
                    rated: r.try_get(3)?,
                    rating_sum: r.try_get(4)?,
                },
            );
        }
    }
    Ok(out)
}
