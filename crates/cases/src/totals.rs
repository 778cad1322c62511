//! Totals for reports (bulletin, employer feedback, 述职 draft) that the figures of the
//! national method do not give: patrols per subtree, and patrols and reports per person,
//! in bulk, over a period `[from_ms, to_ms)`.

use std::collections::HashMap;

use kernel::{Db, Result};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

/// Patrols of a subtree in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PatrolTotals {
    /// Patrols started in the period (any state).
    pub started: i64,
    /// Of those, confirmed.
    pub confirmed: i64,
}

/// Patrols under `unit_path` (a path prefix) started in the period.
pub async fn patrols_under(
    db: &Db,
    city_id: i64,
    unit_path: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<PatrolTotals> {
    let rows = sqlx::query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN state = 'confirmed' THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM patrol WHERE city_id = $1 AND unit_path LIKE $2 AND started_at >= $3 AND started_at < $4",
    )
    .bind(city_id)
    .bind(format!("{unit_path}%"))
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(kernel::Error::NotFound)?;
    Ok(PatrolTotals {
        started: r.try_get(0)?,
        confirmed: r.try_get(1)?,
    })
}

/// One person's patrols and reports in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonTotals {
    /// Confirmed patrols started in the period.
    pub patrols: i64,
    /// Cases they reported in the period (any source, any state).
    pub reported: i64,
}

async fn grouped(
    db: &Db,
    sql_head: &str,
    city_id: i64,
    ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(i64, i64)>> {
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = sql_head.replace("{ids}", &marks.join(", "));
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(city_id)
        .bind(from_ms)
        .bind(to_ms);
    for id in ids {
        q = q.bind(*id);
    }
    let mut out = Vec::new();
    for r in q.fetch_all(db.reader()).await? {
        out.push((r.try_get(0)?, r.try_get(1)?));
    }
    Ok(out)
}

/// Confirmed patrols and reported cases of each of `person_ids` in the period; people
/// with neither are absent from the map.
pub async fn of_people(
    db: &Db,
    city_id: i64,
    person_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<HashMap<i64, PersonTotals>> {
    let mut out: HashMap<i64, PersonTotals> = HashMap::new();
    for chunk in person_ids.chunks(500) {
        for (id, n) in grouped(
            db,
            "SELECT person_id, COUNT(*) FROM patrol WHERE city_id = $1 AND state = 'confirmed' \
             AND started_at >= $2 AND started_at < $3 AND person_id IN ({ids}) GROUP BY person_id",
            city_id,
            chunk,
            from_ms,
            to_ms,
        )
        .await?
        {
            out.entry(id).or_default().patrols = n;
        }
        for (id, n) in grouped(
            db,
            "SELECT reporter_person_id, COUNT(*) FROM case_file WHERE city_id = $1 \
             AND reported_at >= $2 AND reported_at < $3 AND reporter_person_id IN ({ids}) \
             GROUP BY reporter_person_id",
            city_id,
            chunk,
            from_ms,
            to_ms,
        )
        .await?
        {
            out.entry(id).or_default().reported = n;
        }
    }
    Ok(out)
}
