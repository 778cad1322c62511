//! 值班与会议: my duties (upcoming first, with leave, swap and absence states), swaps
//! offered to me, my meetings; for cadres, what waits for their approval.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::{Frame, PageResult, render};
use crate::AppState;
use crate::extract::PageUser;

/// One duty line.
pub struct DutyRow {
    when: String,
    place: String,
    task: String,
    unit: String,
    badges: Vec<(&'static str, &'static str)>,
}

/// One simple line (a swap, a leave, a meeting).
pub struct Line {
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
    let duties = duty::shifts::mine(&s.db, a)
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
                when: sh.when,
                place: sh.place,
                task: sh.task,
                unit: sh.unit_name,
                badges,
            }
        })
        .collect();
    let swap_line = |w: duty::swap::Swap| Line {
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
            title: format!("{}申请请假", l.person_name),
            sub: format!("值班 {}：{}", l.shift_when, l.reason),
        })
        .collect();
    let absences = duty::absence::contested(&s.db, a)
        .await?
        .into_iter()
        .map(|x| Line {
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
