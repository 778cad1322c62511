//! Figures of activities for reports: counts per unit path and month (dashboards roll them
//! up the tree), seats per person, and seats given to people without the wanted skill —
//! each a grouped query, never one per person.

use kernel::{Db, Result};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

/// The activities of one unit path held in one period.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PathCounts {
    /// The publishing node's path.
    pub unit_path: String,
    /// Which period (index into the bounds).
    pub period: usize,
    /// Activities starting in the period (not cancelled).
    pub activities: i64,
    /// Approved attendances at them (person-times).
    pub attendances: i64,
    /// Approved service minutes at them.
    pub minutes: i64,
}

/// Counts of the activities starting in each period, per unit path, under `prefix` (at
/// exactly `paths` when given). One grouped query.
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
    let sql = format!(
        "SELECT a.unit_path, CAST({b} AS BIGINT), COUNT(DISTINCT a.id), COUNT(t.id), \
         CAST(COALESCE(SUM(t.minutes), 0) AS BIGINT) \
         FROM activity a LEFT JOIN attendance t ON t.city_id = a.city_id AND t.activity_id = a.id \
         AND t.state = 'approved' \
         WHERE a.city_id = $1 AND {scope} AND a.state <> 'cancelled' \
         AND a.starts_at >= $2 AND a.starts_at < $3 GROUP BY 1, 2",
        b = kernel::paths::bucket("a.starts_at", bounds),
        scope = kernel::paths::condition("a.unit_path", prefix, paths),
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
            activities: r.try_get(2)?,
            attendances: r.try_get(3)?,
            minutes: r.try_get(4)?,
        });
    }
    Ok(out)
}

/// For the activities under `prefix` (at exactly `paths` when given) starting in
/// `[from_ms, to_ms)`: the seats each person holds, per unit path —
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
        "SELECT a.unit_path, s.person_id, COUNT(*) FROM activity a \
         JOIN activity_signup s ON s.city_id = a.city_id AND s.activity_id = a.id \
         WHERE a.city_id = $1 AND {scope} AND a.state <> 'cancelled' AND s.state = 'signed' \
         AND a.starts_at >= $2 AND a.starts_at < $3 GROUP BY a.unit_path, s.person_id",
        scope = kernel::paths::condition("a.unit_path", prefix, paths),
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

/// A seat on an activity that wants skills.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkillSeat {
    /// The activity.
    pub activity_id: i64,
    /// Its title.
    pub title: String,
    /// When it starts (ms).
    pub starts_at: i64,
    /// Who holds the seat.
    pub person_id: i64,
    /// The skills the activity wants.
    pub wanted_skill_ids: Vec<i64>,
}

/// The seats `person_ids` hold on activities starting in `[from_ms, to_ms)` that want
/// particular skills (the caller compares them with the people's skills), by time.
pub async fn skill_seats(
    db: &Db,
    city_id: i64,
    person_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<SkillSeat>> {
    let mut out = Vec::new();
    for chunk in person_ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // Integers only: safe to write into the text.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id, a.title, a.starts_at, s.person_id, a.wanted_skill_ids FROM activity_signup s \
             JOIN activity a ON a.city_id = s.city_id AND a.id = s.activity_id \
             WHERE s.city_id = $1 AND s.person_id IN ({list}) AND s.state = 'signed' \
             AND a.state <> 'cancelled' AND a.wanted_skill_ids <> '[]' \
             AND a.starts_at >= $2 AND a.starts_at < $3"
        )))
        .bind(city_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(db.reader())
        .await?;
        for r in &rows {
            let wanted: String = r.try_get(4)?;
            out.push(SkillSeat {
                activity_id: r.try_get(0)?,
                title: r.try_get(1)?,
                starts_at: r.try_get(2)?,
                person_id: r.try_get(3)?,
                wanted_skill_ids: serde_json::from_str(&wanted).unwrap_or_default(),
            });
        }
    }
    out.sort_by_key(|s| (s.starts_at, s.activity_id, s.person_id));
    Ok(out)
}
