//! 值班与会议: my duties (upcoming first, with leave, swap and absence states), swaps
//! offered to me, my meetings; for cadres, what waits for their approval.

use askama::Template;
use axum::extract::{Path, Query, State};
use kernel::Error;
use serde::Deserialize;

use super::{Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// One duty line.
pub struct DutyRow {
    id: i64,
    can_leave: bool,
    colleagues: Vec<(i64, String)>,
    when: String,
    place: String,
    task: String,
    unit: String,
    badges: Vec<(&'static str, &'static str)>,
}

/// One simple line (a swap, a leave, a meeting).
pub struct Line {
    id: i64,
    title: String,
    sub: String,
}

#[derive(Template)]
#[template(path = "duty_home.html")]
struct DutyHome {
    frame: Frame,
    duties: Vec<DutyRow>,
    offered: Vec<Line>,
    leaves: Vec<Line>,
    swaps: Vec<Line>,
    absences: Vec<Line>,
    meetings: Vec<Line>,
}

/// The toast.
#[derive(Debug, Deserialize, Default)]
pub struct HomeQuery {
    toast: Option<String>,
}

fn leave_badge(s: &str) -> (&'static str, &'static str) {
    match s {
        "approved" => ("green", "请假已批准"),
        "refused" => ("red", "请假未批准"),
        _ => ("amber", "请假待审批"),
    }
}

fn absence_badge(s: &str) -> (&'static str, &'static str) {
    match s {
        "contested" => ("amber", "缺勤·申诉中"),
        "upheld" => ("red", "缺勤·维持"),
        "withdrawn" => ("green", "缺勤已撤销"),
        _ => ("red", "缺勤"),
    }
}

/// GET /duty: 我的值班, and the approvals waiting for a cadre.
pub async fn home(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<HomeQuery>,
) -> PageResult {
    let a = &u.access;
    let me = a.person_id();
    let mut duties: Vec<DutyRow> = duty::shifts::mine(&s.db, a)
        .await?
        .into_iter()
        .map(|sh| {
            let mine = sh.people.iter().find(|p| p.person_id == me);
            let mut badges = Vec::new();
            if let Some(m) = mine {
                if m.state == "swapped" {
                    badges.push(("", "已调班"));
                }
                if let Some(l) = &m.leave {
                    badges.push(leave_badge(l));
                }
                if let Some(x) = &m.absence {
                    badges.push(absence_badge(x));
                }
            }
            DutyRow {
                colleagues: Vec::new(),
                id: sh.id,
                can_leave: mine.is_some_and(|m| {
                    m.state == "on" && m.leave.as_deref().is_none_or(|l| l == "refused")
                }) && sh.starts_at > kernel::time::now_ms(),
                when: sh.when,
                place: sh.place,
                task: sh.task,
                unit: sh.unit_name,
                badges,
            }
        })
        .collect();
    for d in duties.iter_mut().filter(|d| d.can_leave) {
        d.colleagues = duty::swap::colleagues(&s.db, a, d.id).await?;
    }
    let swap_line = |w: duty::swap::Swap| Line {
        id: w.id,
        title: format!("{} → {}", w.from_name, w.to_name),
        sub: format!("值班 {}", w.shift_when),
    };
    let offered = duty::swap::offered_to_me(&s.db, a)
        .await?
        .into_iter()
        .map(swap_line)
        .collect();
    let swaps = duty::swap::pending(&s.db, a)
        .await?
        .into_iter()
        .map(swap_line)
        .collect();
    let leaves = duty::leave::pending(&s.db, a)
        .await?
        .into_iter()
        .map(|l| Line {
            id: l.id,
            title: format!("{}申请请假", l.person_name),
            sub: format!("值班 {}：{}", l.shift_when, l.reason),
        })
        .collect();
    let absences = duty::absence::contested(&s.db, a)
        .await?
        .into_iter()
        .map(|x| Line {
            id: x.id,
            title: format!("{}对缺勤提出申诉", x.person_name),
            sub: format!(
                "值班 {}：{}",
                x.shift_when,
                x.explanation.unwrap_or_default()
            ),
        })
        .collect();
    let meetings = duty::meetings::list(&s.db, a, None)
        .await?
        .into_iter()
        .map(|m| Line {
            id: m.id,
            title: format!("{}：{}", m.kind_label, m.title),
            sub: format!("{}，{}", m.when, m.place),
        })
        .collect();
    Ok(render(&DutyHome {
        frame: Frame::new(a, "值班与会议", "duty").with_toast(q.toast),
        duties,
        offered,
        leaves,
        swaps,
        absences,
        meetings,
    }))
}

/// What a small action form sends.
#[derive(Debug, Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    approve: String,
}

/// Back to /duty with the result, or with what to fix.
fn back<T>(r: Result<T, Error>, ok: &str) -> PageResult {
    match r {
        Ok(_) => Ok(done("/duty", ok)),
        Err(Error::Invalid(fs)) => {
            let m: Vec<String> = fs.into_iter().map(|f| f.message).collect();
            Ok(done("/duty", &m.join("；")))
        }
        Err(Error::Conflict { message, .. }) => Ok(done("/duty", &message)),
        Err(e) => Err(e.into()),
    }
}

/// POST /duty/shifts/{id}/leave: ask for leave from my shift.
pub async fn request_leave(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> PageResult {
    let input = duty::leave::LeaveInput {
        shift_id: Some(id),
        reason: f.reason,
        ..Default::default()
    };
    back(
        duty::leave::request(&s.db, &u.access, input).await,
        "请假已提交，等待社区审批",
    )
}

/// POST /duty/leaves/{id}/decide: approve (approve=1) or refuse with a reason.
pub async fn decide_leave(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> PageResult {
    let d = duty::leave::Decision {
        approve: f.approve == "1",
        reason: Some(f.reason).filter(|r| !r.trim().is_empty()),
    };
    back(
        duty::leave::decide(&s.db, &u.access, id, d).await,
        "已审批请假",
    )
}

/// POST /duty/swaps/{id}/answer: accept (approve=1) or decline a swap offered to me.
pub async fn answer_swap(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> PageResult {
    let a = duty::swap::SwapAnswer {
        accept: f.approve == "1",
    };
    back(
        duty::swap::answer(&s.db, &u.access, id, a).await,
        "已答复调班",
    )
}

/// POST /duty/swaps/{id}/decide: approve (approve=1) or refuse with a reason.
pub async fn decide_swap(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> PageResult {
    let d = duty::leave::Decision {
        approve: f.approve == "1",
        reason: Some(f.reason).filter(|r| !r.trim().is_empty()),
    };
    back(
        duty::swap::decide(&s.db, &u.access, id, d).await,
        "已审批调班",
    )
}

/// What the swap form sends.
#[derive(Debug, Deserialize, Default)]
pub struct SwapForm {
    #[serde(default)]
    to_person_id: String,
    #[serde(default)]
    note: String,
}

/// POST /duty/shifts/{id}/swap: propose to a colleague to take my shift.
pub async fn propose_swap(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SwapForm>,
) -> PageResult {
    let input = duty::swap::SwapInput {
        shift_id: Some(id),
        to_person_id: f.to_person_id.trim().parse().ok(),
        note: Some(f.note).filter(|n| !n.trim().is_empty()),
    };
    back(
        duty::swap::propose(&s.db, &u.access, input).await,
        "调班请求已发给对方，对方接受后由社区审批",
    )
}
