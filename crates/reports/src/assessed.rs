//! The assessment results the reports show, read through the `assessment` crate's public
//! API (grade distribution, results per person, deductions with their causes, awards
//! and fines). Kept behind this one module so the reports depend on that API in one
//! place.
//!
//! ADAPTER: until the assessment crate's read API lands on main, these functions return
//! no results (all grades zero); the report pages say "尚无考核结果".

use kernel::{Db, Result};
use org::Access;
use serde::Serialize;
use utoipa::ToSchema;

/// How many results got a grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeCount {
    /// excellent | good | pass | fail.
    pub grade: String,
    /// 优秀 | 良好 | 合格 | 不合格.
    pub label: String,
    /// How many.
    pub count: i64,
}

/// A person's result for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Result_ {
    /// The result's id (its page is `/assess/results/{id}`).
    pub id: i64,
    /// `YYYY-MM`…
    pub period: String,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Total, hundredths of a point.
    pub total_e2: i64,
    /// Grade label.
    pub grade_label: String,
}

/// A deduction with its cause.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deduction {
    /// The result it belongs to.
    pub result_id: i64,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// What for (省级检查发现问题…).
    pub label: String,
    /// Points taken, hundredths.
    pub points_e2: i64,
    /// `case`…
    pub cause_kind: String,
    /// The cause's id.
    pub cause_id: i64,
    /// The cause in words.
    pub cause_label: String,
}

/// An award.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Award {
    /// 月度最佳网格员…
    pub label: String,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Their unit.
    pub unit_name: String,
    /// Why, in words.
    pub basis: String,
}

/// A fine.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fine {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// The case behind it.
    pub case_id: i64,
    /// The case in words.
    pub case_label: String,
    /// When found (YYYY-MM-DD).
    pub found_on: String,
}

/// Whether real assessment results are read (false while the adapter stands in).
pub const CONNECTED: bool = false;

fn all_grades(counts: &[(String, i64)]) -> Vec<GradeCount> {
    [
        ("excellent", "优秀"),
        ("good", "良好"),
        ("pass", "合格"),
        ("fail", "不合格"),
    ]
    .iter()
    .map(|(g, l)| GradeCount {
        grade: (*g).into(),
        label: (*l).into(),
        count: counts
            .iter()
            .find(|(c, _)| c == g)
            .map(|(_, n)| *n)
            .unwrap_or(0),
    })
    .collect()
}

/// Grade distribution of a subtree for a period (all four grades).
pub async fn distribution(
    _db: &Db,
    _city_id: i64,
    _unit_path: &str,
    _period: &str,
) -> Result<Vec<GradeCount>> {
    Ok(all_grades(&[]))
}

/// Deductions in a subtree for results whose period lies in `[from, to]` (dates).
pub async fn deductions_under(
    _db: &Db,
    _access: &Access,
    _unit_path: &str,
    _from: &str,
    _to: &str,
) -> Result<Vec<Deduction>> {
    Ok(Vec::new())
}

/// Awards of a subtree for a period.
pub async fn awards(
    _db: &Db,
    _access: &Access,
    _unit_path: &str,
    _period: &str,
) -> Result<Vec<Award>> {
    Ok(Vec::new())
}

/// Fines of a subtree for a period.
pub async fn fines(
    _db: &Db,
    _access: &Access,
    _unit_path: &str,
    _period: &str,
) -> Result<Vec<Fine>> {
    Ok(Vec::new())
}

/// Results of an employer's people whose period lies in `[from, to]`.
pub async fn results_of_employer(
    _db: &Db,
    _access: &Access,
    _employer_id: i64,
    _from: &str,
    _to: &str,
) -> Result<Vec<Result_>> {
    Ok(Vec::new())
}

/// A person's results whose period lies in `[from, to]`.
pub async fn results_of_person(
    _db: &Db,
    _access: &Access,
    _person_id: i64,
    _from: &str,
    _to: &str,
) -> Result<Vec<Result_>> {
    Ok(Vec::new())
}

/// Deductions of one person whose period lies in `[from, to]`.
pub async fn deductions_of_person(
    _db: &Db,
    _access: &Access,
    _person_id: i64,
    _from: &str,
    _to: &str,
) -> Result<Vec<Deduction>> {
    Ok(Vec::new())
}
