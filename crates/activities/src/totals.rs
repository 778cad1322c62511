//! Totals of held activities for reports (bulletin, employer feedback, 述职 draft): per
//! subtree and per person, in bulk, over activities starting in `[from_ms, to_ms)`. Only
//! approved attendance counts (a check-in alone is not work done).

use std::collections::HashMap;

use kernel::{Db, Result};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

/// Activities of a subtree in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitTotals {
    /// Activities held (not cancelled, started in the period).
    pub held: i64,
    /// People with approved attendance (each person once per activity).
    pub attended: i64,
    /// Approved minutes.
    pub minutes: i64,
}

/// The activities under `unit_path` (a path prefix) that started in the period.
pub async fn under(
    db: &Db,
    city_id: i64,
    unit_path: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<UnitTotals> {
    let like = format!("{unit_path}%");
    let held: i64 = sqlx::query(
        "SELECT COUNT(*) FROM activity WHERE city_id = $1 AND unit_path LIKE $2 \
         AND starts_at >= $3 AND starts_at < $4 AND state <> 'cancelled'",
    )
    .bind(city_id)
    .bind(&like)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?
    .first()
    .ok_or(kernel::Error::NotFound)?
    .try_get(0)?;
    let rows = sqlx::query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(t.minutes), 0) AS BIGINT) FROM attendance t \
         JOIN activity a ON a.city_id = t.city_id AND a.id = t.activity_id \
         WHERE a.city_id = $1 AND a.unit_path LIKE $2 AND a.starts_at >= $3 AND a.starts_at < $4 \
         AND a.state <> 'cancelled' AND t.state = 'approved'",
    )
    .bind(city_id)
    .bind(&like)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(kernel::Error::NotFound)?;
    Ok(UnitTotals {
        held,
        attended: r.try_get(0)?,
        minutes: r.try_get(1)?,
    })
}

/// One person's approved activity attendance in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonTotals {
    /// Activities attended (approved).
    pub activities: i64,
    /// Approved minutes.
    pub minutes: i64,
}

/// Approved attendance of each of `person_ids` at activities started in the period;
/// people without any are absent from the map.
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
            "SELECT t.person_id, COUNT(*), CAST(COALESCE(SUM(t.minutes), 0) AS BIGINT) \
             FROM attendance t JOIN activity a ON a.city_id = t.city_id AND a.id = t.activity_id \
             WHERE t.city_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 \
             AND a.state <> 'cancelled' AND t.state = 'approved' AND t.person_id IN ({}) \
             GROUP BY t.person_id",
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
                    activities: r.try_get(1)?,
                    minutes: r.try_get(2)?,
                },
            );
        }
    }
    Ok(out)
}
