//! The assessment figures the dashboards show, behind one small adapter over
//! `assessment::results`: the grade distribution of a subtree in a period, and whether any
//! results exist for it (when none do, the page says so instead of showing zero grades as
//! if they were results).

use kernel::{Db, Result};
use serde::Serialize;
use utoipa::ToSchema;

/// How many results got one grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeCount {
    /// `excellent`, `good`, `pass`, `fail`.
    pub grade: String,
    /// 优秀, 良好, 合格, 不合格.
    pub label: String,
    /// How many.
    pub count: i64,
}

/// The four grades, best first.
pub const GRADES: [(&str, &str); 4] = [
    ("excellent", "优秀"),
    ("good", "良好"),
    ("pass", "合格"),
    ("fail", "不合格"),
];

/// The grade distribution of `period` (`YYYY-MM`) in the subtree at `unit_path` (all four
/// grades, zeros included), and whether assessment results exist for it.
pub async fn distribution(
    db: &Db,
    city_id: i64,
    unit_path: &str,
    period: &str,
) -> Result<(Vec<GradeCount>, bool)> {
    let counts = assessment::results::distribution(db, city_id, unit_path, period).await?;
    let ready = counts.iter().any(|g| g.count > 0);
    let out = GRADES
        .iter()
        .map(|(g, l)| GradeCount {
            grade: (*g).into(),
            label: (*l).into(),
            count: counts
                .iter()
                .find(|c| c.grade == *g)
                .map(|c| c.count)
                .unwrap_or(0),
        })
        .collect();
    Ok((out, ready))
}
