//! Figures of duty for reports: the shifts each person holds in a period (per unit path
//! for dashboards, or for a list of people) and the assignments made although a check
//! failed, with the reason recorded — grouped queries, never one per person.

use std::collections::HashMap;

use kernel::{Db, Result};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::checks::Warning;
use crate::shifts::when_label;

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// For the shifts under `prefix` (at exactly `paths` when given) starting in
/// `[from_ms, to_ms)`: how many each person is on, per unit path —
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
        "SELECT s.unit_path, a.person_id, COUNT(*) FROM duty_shift s \
         JOIN duty_assignment a ON a.city_id = s.city_id AND a.shift_id = s.id \
         WHERE s.city_id = $1 AND {scope} AND a.state = 'on' \
         AND s.starts_at >= $2 AND s.starts_at < $3 GROUP BY s.unit_path, a.person_id",
        scope = kernel::paths::condition("s.unit_path", prefix, paths),
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

/// How many shifts each of `person_ids` is on (not swapped away) starting in
/// `[from_ms, to_ms)`, wherever they are.
pub async fn duties_of_people(
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
            "SELECT a.person_id, COUNT(*) FROM duty_assignment a JOIN duty_shift s \
             ON s.city_id = a.city_id AND s.id = a.shift_id \
             WHERE a.city_id = $1 AND a.person_id IN ({}) AND a.state = 'on' \
             AND s.starts_at >= $2 AND s.starts_at < $3 GROUP BY a.person_id",
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

/// A person put on a shift although a check failed (outside their stated availability,
/// over the monthly cap, inside working hours), with the reason the cadre recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlaggedDuty {
    /// The shift.
    pub shift_id: i64,
    /// Its grid or community.
    pub unit_id: i64,
    /// Start (ms).
    pub starts_at: i64,
    /// 2026年12月5日 09:00–12:00.
    pub when: String,
    /// What the duty is.
    pub task: String,
    /// The person.
    pub person_id: i64,
    /// `on` or `swapped`.
    pub state: String,
    /// The reason recorded.
    pub reason: Option<String>,
    /// The checks that failed when they were put on.
    pub warnings: Vec<Warning>,
}

/// The assignments of `person_ids` to shifts starting in `[from_ms, to_ms)` made although
/// a check failed, by time.
pub async fn flagged(
    db: &Db,
    city_id: i64,
    person_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<FlaggedDuty>> {
    let mut out = Vec::new();
    for chunk in person_ids.chunks(500) {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT s.id, s.unit_id, s.starts_at, s.ends_at, s.task, a.person_id, a.state, \
             a.reason, a.warnings FROM duty_assignment a JOIN duty_shift s \
             ON s.city_id = a.city_id AND s.id = a.shift_id \
             WHERE a.city_id = $1 AND a.person_id IN ({}) AND a.warnings <> '[]' \
             AND s.starts_at >= $2 AND s.starts_at < $3",
            id_list(chunk)
        )))
        .bind(city_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(db.reader())
        .await?;
        for r in &rows {
            let warnings: String = r.try_get(8)?;
            let (starts_at, ends_at): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
            let warnings: Vec<Warning> = serde_json::from_str::<Vec<(String, String)>>(&warnings)
                .unwrap_or_default()
                .into_iter()
                .map(|(code, message)| Warning { code, message })
                .collect();
            if warnings.is_empty() {
                continue;
            }
            out.push(FlaggedDuty {
                shift_id: r.try_get(0)?,
                unit_id: r.try_get(1)?,
                starts_at,
                when: when_label(starts_at, ends_at),
                task: r.try_get(4)?,
                person_id: r.try_get(5)?,
                state: r.try_get(6)?,
                reason: r.try_get(7)?,
                warnings,
            });
        }
    }
    out.sort_by_key(|f| (f.starts_at, f.shift_id, f.person_id));
    Ok(out)
}
