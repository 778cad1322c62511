//! The 巡查记录 evidence for the assessment: per person, confirmed patrols and their
//! minutes — ordered by name, never ranked by activity (DOMAIN.md §0).

use kernel::error::Problems;
use kernel::{Db, Error, Result};
use org::{Access, Role};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::view;

/// One person's confirmed patrols in a period (the 巡查记录 component's evidence).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PatrolRecord {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// Confirmed patrols.
    pub patrols: i64,
    /// Their minutes.
    pub minutes: i64,
}

/// Per person, the confirmed patrols of grids under `prefix` that started in
/// `[from_ms, to_ms)`: counts and minutes, ordered by name — never by activity (no
/// ranking, DOMAIN.md §0).
pub async fn records(
    db: &Db,
    city_id: i64,
    prefix: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<PatrolRecord>> {
    let (lo, hi) = crate::store::prefix_range(prefix);
    let rows = sqlx::query(
        "SELECT person_id, CAST(COUNT(*) AS BIGINT), \
         CAST(SUM(CASE WHEN (ended_at - started_at) / 60000 < 1 THEN 1 \
         ELSE (ended_at - started_at) / 60000 END) AS BIGINT) \
         FROM patrol WHERE city_id = $1 AND state = 'confirmed' AND unit_path >= $2 \
         AND unit_path < $3 AND started_at >= $4 AND started_at < $5 GROUP BY person_id",
    )
    .bind(city_id)
    .bind(lo)
    .bind(hi)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?;
    let mut out: Vec<PatrolRecord> = rows
        .iter()
        .map(|r| {
            Ok(PatrolRecord {
                person_id: r.try_get(0)?,
                name: String::new(),
                patrols: r.try_get(1)?,
                minutes: r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
            })
        })
        .collect::<Result<_>>()?;
    let ids: Vec<i64> = out.iter().map(|r| r.person_id).collect();
    let names = org::pool::names(db, city_id, &ids).await?;
    for r in &mut out {
        r.name = names.get(&r.person_id).cloned().unwrap_or_default();
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.person_id.cmp(&b.person_id)));
    Ok(out)
}

/// [`records`] for a node the caller reads as staff (a grid, community, street…), over
/// the Beijing days `from ..= to` (`YYYY-MM-DD`).
pub async fn records_under(
    db: &Db,
    access: &Access,
    unit_id: i64,
    from: &str,
    to: &str,
) -> Result<Vec<PatrolRecord>> {
    let u = org::units::get(db, access, unit_id).await?;
    if ![Role::CommunityCadre, Role::GridLeader, Role::Inspector]
        .iter()
        .any(|r| access.holds_over(*r, &u.path))
    {
        return Err(Error::NotFound);
    }
    let mut p = Problems::default();
    let day = |p: &mut Problems, field: &str, s: &str| {
        let d = kernel::time::parse_date(s);
        if d.is_none() {
            p.add(field, "日期格式应为 2026-11-25");
        }
        d
    };
    let (a, b) = (day(&mut p, "from", from), day(&mut p, "to", to));
    if let (Some(a), Some(b)) = (a, b)
        && b < a
    {
        p.add("to", "结束日期不能早于开始日期");
    }
    p.finish()?;
    let (Some(a), Some(b)) = (a, b) else {
        return Err(Error::Internal("checked above".into()));
    };
    let next = b.tomorrow().unwrap_or(b);
    records(
        db,
        access.city_id(),
        &u.path,
        view::day_start(a),
        view::day_start(next),
    )
    .await
}
