//! The assessment figures the dashboards show, behind one small adapter: the grade
//! distribution of a subtree in a period. Until the `assessment` crate's results land it
//! answers four zero counts with `ready = false`, so the page says that no results are
//! published yet instead of showing made-up grades.

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

/// The grade distribution of `period` (`YYYY-MM`) in the subtree at `unit_path`, and
/// whether assessment results exist for it yet.
pub async fn distribution(
    _db: &Db,
    _city_id: i64,
    _unit_path: &str,
    _period: &str,
) -> Result<(Vec<GradeCount>, bool)> {
    // Adapter: `assessment::results::distribution(db, city_id, unit_path, period)` once
    // the assessment crate publishes results.
    Ok((
        GRADES
            .iter()
            .map(|(g, l)| GradeCount {
                grade: (*g).into(),
                label: (*l).into(),
                count: 0,
            })
            .collect(),
        false,
    ))
}
