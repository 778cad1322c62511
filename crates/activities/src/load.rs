//! How much a person has taken on in a period, as other areas (dispatch) need to know it.

use std::collections::HashMap;

use kernel::{Db, Result};
use sqlx::Row;

/// For each of `person_ids`: the activities they hold a seat on (not waitlisted, not
/// cancelled) that start within `[from_ms, to_ms)`.
pub async fn seats_between(
    db: &Db,
    city_id: i64,
    person_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    if person_ids.is_empty() {
        return Ok(out);
    }
    // Each person's seats are sought by their index (integers only: safe in the text).
    for chunk in person_ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT s.person_id, COUNT(*) FROM activity_signup s \
             JOIN activity a ON a.city_id = s.city_id AND a.id = s.activity_id \
             WHERE s.city_id = $1 AND s.person_id IN ({list}) AND s.state = 'signed' \
             AND a.state <> 'cancelled' AND a.starts_at >= $2 AND a.starts_at < $3 \
             GROUP BY s.person_id"
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
