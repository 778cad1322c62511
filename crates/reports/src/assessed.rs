//! The assessment results the reports show, read through the `assessment` crate's public
//! API (grade distribution, results per person, deductions with their causes, awards
//! and fines). Kept behind this one module so the reports depend on that API in one
//! place.
//!
//! Results of quarters and years start on the first day of their first month too, so
//! month reports keep only the results whose period is exactly the month asked for.

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
pub const CONNECTED: bool = true;

fn result_of(r: &assessment::results::PersonResult) -> Result_ {
    Result_ {
        id: r.id,
        period: r.period.clone(),
        person_id: r.person_id,
        person_name: r.person_name.clone(),
        total_e2: r.total_e2,
        grade_label: r.grade_label.clone(),
    }
}

fn deduction_of(d: assessment::results::Deduction) -> Deduction {
    Deduction {
        result_id: d.result_id,
        person_id: d.person_id,
        person_name: d.person_name,
        label: d.label,
        points_e2: d.points_e2,
        cause_kind: d.cause_kind,
        cause_id: d.cause_id,
        cause_label: d.cause_label,
    }
}

/// Grade distribution of a subtree for a period (all four grades).
pub async fn distribution(
    db: &Db,
    city_id: i64,
    unit_path: &str,
    period: &str,
) -> Result<Vec<GradeCount>> {
    Ok(
        assessment::results::distribution(db, city_id, unit_path, period)
            .await?
            .into_iter()
            .map(|g| GradeCount {
                grade: g.grade,
                label: g.label,
                count: g.count,
            })
            .collect(),
    )
}

/// Deductions in a subtree of the results of exactly `period` (whose days are
/// `[from, to]`).
pub async fn deductions_under(
    db: &Db,
    access: &Access,
    unit_path: &str,
    period: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Deduction>> {
    let filter = assessment::results::Filter {
        unit_path: Some(unit_path.to_owned()),
        ..Default::default()
    };
    let ids: std::collections::HashSet<i64> =
        assessment::results::query(db, access, &filter, from, to)
            .await?
            .into_iter()
            .filter(|r| r.period == period)
            .map(|r| r.id)
            .collect();
    Ok(
        assessment::results::deductions(db, access, &filter, from, to)
            .await?
            .into_iter()
            .filter(|d| ids.contains(&d.result_id))
            .map(deduction_of)
            .collect(),
    )
}

fn award_of(a: assessment::honours::Award) -> Award {
    Award {
        label: a.label,
        person_id: a.person_id,
        person_name: a.person_name,
        unit_name: a.unit_name,
        basis: a.basis,
    }
}

/// Awards of a subtree for a period.
pub async fn awards(db: &Db, access: &Access, unit_path: &str, period: &str) -> Result<Vec<Award>> {
    Ok(assessment::honours::awards(db, access, unit_path, period)
        .await?
        .into_iter()
        .map(award_of)
        .collect())
}

/// Awards of a period anywhere the caller reads (their top units), for the people in
/// `ids`.
pub async fn awards_of_people(
    db: &Db,
    access: &Access,
    ids: &[i64],
    period: &str,
) -> Result<Vec<Award>> {
    let mut out = Vec::new();
    for (_, path) in access.top_units() {
        for a in assessment::honours::awards(db, access, &path, period).await? {
            if ids.contains(&a.person_id) {
                out.push(award_of(a));
            }
        }
    }
    Ok(out)
}

/// Fines of a subtree for a period.
pub async fn fines(db: &Db, access: &Access, unit_path: &str, period: &str) -> Result<Vec<Fine>> {
    Ok(assessment::honours::fines(db, access, unit_path, period)
        .await?
        .into_iter()
        .map(|f| Fine {
            person_id: f.person_id,
            person_name: f.person_name,
            amount_fen: f.amount_fen,
            case_id: f.case_id,
            case_label: f.case_label,
            found_on: f.found_on,
        })
        .collect())
}

/// Results of an employer's people whose period starts inside `[from, to]`.
pub async fn results_of_employer(
    db: &Db,
    access: &Access,
    employer_id: i64,
    from: &str,
    to: &str,
) -> Result<Vec<Result_>> {
    let filter = assessment::results::Filter {
        employer_id: Some(employer_id),
        ..Default::default()
    };
    Ok(assessment::results::query(db, access, &filter, from, to)
        .await?
        .iter()
        .map(result_of)
        .collect())
}

/// The grade distribution of `period` in the subtree, and whether any results exist for
/// it (when none do, the dashboard says so instead of showing zero grades as results).
pub async fn distribution_ready(
    db: &Db,
    city_id: i64,
    unit_path: &str,
    period: &str,
) -> Result<(Vec<GradeCount>, bool)> {
    let counts = distribution(db, city_id, unit_path, period).await?;
    let ready = counts.iter().any(|g| g.count > 0);
    Ok((counts, ready))
}
