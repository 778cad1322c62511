//! 考评: my results with their evidence and the contest; a unit's results (by community
//! and name, never ranked), grade distribution, deductions down to their cases, awards
//! and fines; contests waiting for an answer.

use askama::Template;
use assessment::period::Period;
use assessment::results::{Filter, PersonResult};
use assessment::score::show;
use axum::extract::{Path, Query, State};
use kernel::{Db, Error, Result};
use org::Access;
use serde::Deserialize;

use super::{Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// Results of a period for the API and pages: a unit's (its subtree), an employer's, or
/// the caller's own when neither is given.
pub async fn results_for(
    db: &Db,
    access: &Access,
    unit_id: Option<i64>,
    employer_id: Option<i64>,
    period: &str,
) -> Result<Vec<PersonResult>> {
    let p = Period::parse(period)?;
    let mut f = Filter::default();
    match (unit_id, employer_id) {
        (Some(u), _) => {
            let unit = org::units::get(db, access, u).await?;
            if unit.kind == org::units::UnitKind::Grid {
                f.grid_id = Some(unit.id);
            } else {
                f.unit_path = Some(unit.path);
            }
        }
        (None, Some(e)) => {
            if !access.reads_employer(e) {
                return Err(Error::NotFound);
            }
            f.employer_id = Some(e);
        }
        (None, None) => f.person_id = Some(access.person_id()),
    }
    let day = p.first_day().to_string();
    Ok(assessment::results::query(db, access, &f, &day, &day)
        .await?
        .into_iter()
        .filter(|r| r.period == p.to_string())
        .collect())
}

/// A result line.
pub struct Line {
    id: i64,
    who: String,
    scheme: String,
    period: String,
    total: String,
    grade: String,
    grade_code: String,
    note: String,
}

fn line(r: &PersonResult) -> Line {
    let mut note = Vec::new();
    if r.deductions_e2 > 0 {
        note.push(format!("扣 {} 分", show(r.deductions_e2)));
    }
    if r.disqualified {
        note.push("本年度取消评先评优资格".into());
    }
    match r.contest_state.as_deref() {
        Some("open") => note.push("申诉中".into()),
        Some("upheld") => note.push("申诉已答复：维持".into()),
        Some("changed") => note.push("申诉已答复：改判".into()),
        _ => {}
    }
    Line {
        id: r.id,
        who: format!("{}（{}）", r.person_name, r.community_name),
        scheme: r.scheme_name.clone(),
        period: Period::parse(&r.period)
            .map(|p| p.label())
            .unwrap_or_else(|_| r.period.clone()),
        total: show(r.total_e2),
        grade: r.grade_label.clone(),
        grade_code: r.grade.clone(),
        note: note.join("，"),
    }
}

#[derive(Template)]
#[template(path = "assess_home.html")]
struct Home {
    frame: Frame,
    mine: Vec<Line>,
    queue: Vec<Line>,
    units: Vec<(i64, String)>,
    employers: Vec<i64>,
    last_month: String,
}

/// The toast.
#[derive(Debug, Deserialize, Default)]
pub struct Toast {
    toast: Option<String>,
}

/// GET /assess: my results this year and last, the contests I answer, my units' results.
pub async fn home(State(s): State<AppState>, u: PageUser, Query(q): Query<Toast>) -> PageResult {
    let a = &u.access;
    let today = kernel::time::today();
    let from = format!("{}-01-01", today.year() - 1);
    let mine: Vec<Line> = assessment::results::query(
        &s.db,
        a,
        &Filter {
            person_id: Some(a.person_id()),
            ..Default::default()
        },
        &from,
        &today.to_string(),
    )
    .await?
    .iter()
    .rev()
    .map(line)
    .collect();
    let queue = assessment::contest::queue(&s.db, a)
        .await?
        .iter()
        .map(|(c, r)| {
            let mut l = line(r);
            l.note = format!("申诉理由：{}", c.reason);
            l
        })
        .collect();
    let units = if a.is_staff() {
        org::units::list_in_scope(
            &s.db,
            a,
            &[
                org::units::UnitKind::City,
                org::units::UnitKind::District,
                org::units::UnitKind::Street,
                org::units::UnitKind::Community,
                org::units::UnitKind::JointCommunity,
                org::units::UnitKind::Village,
            ],
        )
        .await?
        .into_iter()
        .take(50)
        .map(|x| (x.id, x.name))
        .collect()
    } else {
        vec![]
    };
    let mut frame = Frame::new(a, "考评", "assess");
    frame.toast = q.toast;
    Ok(render(&Home {
        frame,
        mine,
        queue,
        units,
        employers: a.employer_ids(),
        last_month: Period::month_of(today).previous().to_string(),
    }))
}

#[derive(Template)]
#[template(path = "assess_results.html")]
struct UnitResults {
    frame: Frame,
    unit_id: i64,
    unit_name: String,
    period: String,
    period_label: String,
    lines: Vec<Line>,
    assessed: usize,
    more: usize,
    grade: String,
    grades: Vec<(String, String, i64, String)>,
    deductions: Vec<(i64, String, String, String, i64, String)>,
    awards: Vec<(String, String, String)>,
    fines: Vec<(String, String, i64, String)>,
    fines_total: String,
}

/// Which unit and period.
#[derive(Debug, Deserialize)]
pub struct UnitQuery {
    unit: Option<i64>,
    period: Option<String>,
    grade: Option<String>,
}

/// How many people the unit page lists before it asks to choose a grade.
const LIST_AT_MOST: usize = 60;

fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        format!("{} 元", fen / 100)
    } else {
        format!("{}.{:02} 元", fen / 100, fen % 100)
    }
}

/// GET /assess/results?unit=&period=: a unit's results of a period.
pub async fn unit_results(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<UnitQuery>,
) -> PageResult {
    let a = &u.access;
    let unit_id = match q.unit {
        Some(id) => id,
        None => a
            .grants()
            .first()
            .map(|g| g.unit_id)
            .ok_or(Error::NotFound)?,
    };
    let unit = org::units::get(&s.db, a, unit_id).await?;
    if !a.is_staff() {
        return Err(Error::NotFound.into());
    }
    let period = q
        .period
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| {
            Period::month_of(kernel::time::today())
                .previous()
                .to_string()
        });
    let p = Period::parse(&period)?;
    let results = results_for(&s.db, a, Some(unit.id), None, &period).await?;
    let total = results.len().max(1) as i64;
    let grades = assessment::results::distribution(&s.db, a.city_id(), &unit.path, &period)
        .await?
        .into_iter()
        .map(|g| {
            let share = g.count * 100 / total;
            (g.grade, g.label, g.count, format!("{share}%"))
        })
        .collect();
    let day = p.first_day().to_string();
    let deductions = assessment::results::deductions(
        &s.db,
        a,
        &Filter {
            unit_path: Some(unit.path.clone()),
            ..Default::default()
        },
        &day,
        &day,
    )
    .await?
    .into_iter()
    .map(|d| {
        (
            d.result_id,
            d.person_name,
            d.label,
            show(d.points_e2),
            d.cause_id,
            d.cause_label,
        )
    })
    .collect();
    let awards = assessment::honours::awards(&s.db, a, &unit.path, &period)
        .await?
        .into_iter()
        .map(|x| {
            (
                x.label,
                format!("{}（{}）", x.person_name, x.unit_name),
                x.basis,
            )
        })
        .collect();
    let grade = q.grade.unwrap_or_default();
    let chosen: Vec<&PersonResult> = results
        .iter()
        .filter(|r| grade.is_empty() || r.grade == grade)
        .collect();
    let shown = chosen.len();
    let fine_rows = assessment::honours::fines(&s.db, a, &unit.path, &period).await?;
    let fines_total = yuan(fine_rows.iter().map(|f| f.amount_fen).sum());
    let fines = fine_rows
        .into_iter()
        .map(|f| (f.person_name, yuan(f.amount_fen), f.case_id, f.case_label))
        .collect();
    Ok(render(&UnitResults {
        frame: Frame::new(a, format!("{} 考评结果", unit.name), "assess"),
        unit_id: unit.id,
        unit_name: unit.name,
        period_label: p.label(),
        period,
        assessed: results.len(),
        more: shown.saturating_sub(LIST_AT_MOST),
        lines: chosen.into_iter().take(LIST_AT_MOST).map(line).collect(),
        grade,
        grades,
        deductions,
        awards,
        fines,
        fines_total,
    }))
}

#[derive(Template)]
#[template(path = "assess_result.html")]
struct ResultPage {
    frame: Frame,
    d: assessment::results::Detail,
    line: Line,
    gross: String,
    components: Vec<(String, String, String, String)>,
    deductions: Vec<(String, String, i64, String)>,
    changes: Vec<(String, String, String)>,
    may_contest: bool,
    may_answer: bool,
    contest_state: String,
}

/// GET /assess/results/{id}: one result with everything behind it.
pub async fn result(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<Toast>,
) -> PageResult {
    let a = &u.access;
    let d = assessment::results::detail(&s.db, a, id).await?;
    let r = &d.result;
    let may_contest = r.person_id == a.person_id() && d.contest.is_none();
    let may_answer = d.contest.as_ref().is_some_and(|c| c.state == "open")
        && assessment::contest::reviews(a, &r.unit_path_for_pages())
        && r.person_id != a.person_id();
    let components = r
        .components
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                show(c.score_e2),
                show(c.weight_e2),
                c.basis.clone(),
            )
        })
        .collect();
    let deductions = d
        .deductions
        .iter()
        .map(|x| {
            (
                x.label.clone(),
                show(x.points_e2),
                x.cause_id,
                x.cause_label.clone(),
            )
        })
        .collect();
    let changes = d
        .changes
        .iter()
        .map(|c| {
            (
                kernel::time::datetime_cn(c.at),
                format!(
                    "{} → {}",
                    c.total_before_e2.map(show).unwrap_or_default(),
                    c.total_after_e2.map(show).unwrap_or_default()
                ),
                format!("{}（{}）", c.reason, c.actor_name),
            )
        })
        .collect();
    let contest_state = match d.contest.as_ref().map(|c| c.state.as_str()) {
        Some("open") => "申诉中，等待答复",
        Some("upheld") => "已答复：维持原结果",
        Some("changed") => "已答复：改判",
        _ => "",
    }
    .to_owned();
    let mut frame = Frame::new(a, format!("{} 的考评结果", r.person_name), "assess");
    frame.toast = q.toast;
    Ok(render(&ResultPage {
        frame,
        line: line(r),
        gross: show(r.gross_e2),
        components,
        deductions,
        changes,
        may_contest,
        may_answer,
        contest_state,
        d,
    }))
}

/// The contest or answer form.
#[derive(Debug, Deserialize, Default)]
pub struct ContestForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    new_total: String,
}

fn back<T>(id: i64, r: Result<T>, ok: &str) -> PageResult {
    let to = format!("/assess/results/{id}");
    match r {
        Ok(_) => Ok(done(&to, ok)),
        Err(Error::Invalid(fs)) => {
            let m: Vec<String> = fs.into_iter().map(|f| f.message).collect();
            Ok(done(&to, &m.join("；")))
        }
        Err(Error::Conflict { message, .. }) => Ok(done(&to, &message)),
        Err(e) => Err(e.into()),
    }
}

/// POST /assess/results/{id}/contest: contest my result, once.
pub async fn contest(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ContestForm>,
) -> PageResult {
    back(
        id,
        assessment::contest::contest(&s.db, &u.access, id, &f.reason).await,
        "申诉已提交，社区答复后会通知您",
    )
}

/// Points as typed ("87.5") into hundredths.
fn points(s: &str) -> Option<i64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 2 || whole.is_empty() {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    Some(w * 100 + f)
}

/// POST /assess/results/{id}/answer: uphold or change.
pub async fn answer(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ContestForm>,
) -> PageResult {
    let new_total = if f.decision == "change" {
        match points(&f.new_total) {
            Some(t) => Some(t),
            None => {
                return Ok(done(
                    &format!("/assess/results/{id}"),
                    "请填写改判后的总分，例如 87.5",
                ));
            }
        }
    } else {
        None
    };
    back(
        id,
        assessment::contest::answer(
            &s.db,
            &u.access,
            id,
            assessment::contest::Answer {
                decision: f.decision,
                answer: f.answer,
                new_total_e2: new_total,
            },
        )
        .await,
        "已答复申诉",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn typed_points() {
        assert_eq!(super::points("87.5"), Some(8750));
        assert_eq!(super::points("90"), Some(9000));
        assert_eq!(super::points("83.33"), Some(8333));
        assert_eq!(super::points("83.333"), None);
        assert_eq!(super::points("abc"), None);
    }
}
