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
    /// The absence recorded for me that I may still contest.
    contest_id: Option<i64>,
    /// The cadre's answer to my contest.
    answer: String,
}

/// One of my meetings.
pub struct MeetingLine {
    id: i64,
    title: String,
    sub: String,
    can_sign: bool,
    signed: bool,
}

/// The grids and community-level nodes whose duty the caller keeps, for the pickers.
async fn kept_units(s: &AppState, a: &org::Access) -> Result<Vec<(i64, String)>, Error> {
    Ok(org::units::list_in_scope(
        &s.db,
        a,
        &[
            org::units::UnitKind::Community,
            org::units::UnitKind::Village,
            org::units::UnitKind::JointCommunity,
            org::units::UnitKind::Grid,
        ],
    )
    .await?
    .into_iter()
    .filter(|x| duty::keeps(a, &x.path))
    .map(|x| (x.id, x.name))
    .collect())
}

/// One simple line (a swap, a leave).
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
    meetings: Vec<MeetingLine>,
    can_roster: bool,
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
                contest_id: mine
                    .filter(|m| m.absence.as_deref() == Some("recorded"))
                    .and_then(|m| m.absence_id),
                answer: String::new(),
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
    let answered: Vec<(usize, i64)> = duty::shifts::mine(&s.db, a)
        .await?
        .iter()
        .enumerate()
        .filter_map(|(i, sh)| {
            sh.people
                .iter()
                .find(|p| p.person_id == me)
                .filter(|p| matches!(p.absence.as_deref(), Some("upheld" | "withdrawn")))
                .and_then(|p| p.absence_id)
                .map(|x| (i, x))
        })
        .collect();
    for (i, x) in answered {
        if let (Some(d), Ok(ab)) = (duties.get_mut(i), duty::absence::get(&s.db, a, x).await) {
            d.answer = ab.answer_note.unwrap_or_default();
        }
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
        .map(|m| {
            let now = kernel::time::now_ms();
            let mine = m.invitees.iter().find(|i| i.person_id == me);
            MeetingLine {
                can_sign: m.state == "scheduled"
                    && now >= m.starts_at - 30 * 60_000
                    && now <= m.ends_at
                    && mine.is_some_and(|i| i.signed_in_at.is_none()),
                signed: mine.is_some_and(|i| i.signed_in_at.is_some()),
                id: m.id,
                title: format!("{}：{}", m.kind_label, m.title),
                sub: format!("{}，{}", m.when, m.place),
            }
        })
        .collect();
    let can_roster = !kept_units(&s, a).await?.is_empty();
    Ok(render(&DutyHome {
        can_roster,
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

/// POST /duty/absences/{id}/contest: explain an absence recorded for me (once).
pub async fn contest_absence(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> PageResult {
    let c = duty::absence::Contest {
        explanation: f.reason,
    };
    back(
        duty::absence::contest(&s.db, &u.access, id, c).await,
        "申诉已提交，等待社区答复",
    )
}

/// POST /duty/absences/{id}/answer: uphold (approve=0) or withdraw (approve=1) a
/// contested absence, with a note.
pub async fn answer_absence(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> PageResult {
    let ans = duty::absence::ContestAnswer {
        withdraw: f.approve == "1",
        note: f.reason,
    };
    back(
        duty::absence::answer(&s.db, &u.access, id, ans).await,
        "已答复申诉",
    )
}

/// One person on a shift of the roster.
pub struct RosterPerson {
    person_id: i64,
    name: String,
    badges: Vec<(&'static str, &'static str)>,
    reason: String,
    can_absent: bool,
}

/// One shift of the roster.
pub struct RosterRow {
    id: i64,
    when: String,
    unit: String,
    place: String,
    task: String,
    people: Vec<RosterPerson>,
}

/// A person of the picker.
pub struct Pick {
    id: i64,
    name: String,
    note: String,
    checked: bool,
}

/// The roster form as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct RosterForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    person_id: Vec<String>,
    /// `1`: only show the picker's checks for the typed date and time, save nothing.
    #[serde(default)]
    check: String,
    #[serde(default)]
    toast: Option<String>,
}

#[derive(Template)]
#[template(path = "duty_roster.html")]
struct DutyRoster {
    frame: Frame,
    units: Vec<(i64, String)>,
    unit_id: i64,
    upcoming: Vec<RosterRow>,
    past: Vec<RosterRow>,
    picks: Vec<Pick>,
    f: RosterForm,
    errors: super::FormErrors,
    others: Vec<String>,
}

fn person_badges(p: &duty::shifts::Assignment) -> Vec<(&'static str, &'static str)> {
    let mut b = Vec::new();
    match p.state.as_str() {
        "on" => b.push(("green", "在岗")),
        "swapped" => b.push(("", "已调班")),
        _ => b.push(("", "已撤下")),
    }
    if let Some(l) = &p.leave {
        b.push(leave_badge(l));
    }
    if let Some(x) = &p.absence {
        b.push(absence_badge(x));
    }
    b
}

async fn roster_view(
    s: &AppState,
    u: &PageUser,
    mut f: RosterForm,
    errors: super::FormErrors,
    status: axum::http::StatusCode,
) -> PageResult {
    let a = &u.access;
    let units = kept_units(s, a).await?;
    if units.is_empty() {
        return Err(Error::NotFound.into());
    }
    let unit_id = f
        .unit_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| units.iter().any(|x| x.0 == *id))
        .unwrap_or(units[0].0);
    f.unit_id = unit_id.to_string();
    let tomorrow = kernel::time::date_of_ms(kernel::time::now_ms() + 86_400_000).to_string();
    if f.date.trim().is_empty() && errors.0.is_empty() {
        f.date = tomorrow.clone();
    }
    if f.start.trim().is_empty() && errors.0.is_empty() {
        f.start = "09:00".into();
    }
    if f.end.trim().is_empty() && errors.0.is_empty() {
        f.end = "12:00".into();
    }
    let from = Some(kernel::time::days_before(kernel::time::today(), 30).to_string());
    let q = duty::shifts::ShiftQuery {
        unit_id: Some(unit_id),
        from,
    };
    let now = kernel::time::now_ms();
    let shifts = duty::shifts::roster(&s.db, a, &q).await?;
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for sh in shifts {
        let is_past = sh.ends_at <= now;
        let row = RosterRow {
            id: sh.id,
            when: sh.when,
            unit: sh.unit_name,
            place: sh.place,
            task: sh.task,
            people: sh
                .people
                .iter()
                .map(|p| RosterPerson {
                    person_id: p.person_id,
                    name: p.person_name.clone(),
                    badges: person_badges(p),
                    reason: match (&p.reason, p.warnings.is_empty()) {
                        (Some(r), _) => {
                            let w: Vec<&str> =
                                p.warnings.iter().map(|w| w.message.as_str()).collect();
                            if w.is_empty() {
                                format!("理由：{r}")
                            } else {
                                format!("{}；理由：{r}", w.join("；"))
                            }
                        }
                        (None, false) => p
                            .warnings
                            .iter()
                            .map(|w| w.message.as_str())
                            .collect::<Vec<_>>()
                            .join("；"),
                        _ => String::new(),
                    },
                    can_absent: is_past
                        && p.state == "on"
                        && p.absence.is_none()
                        && p.leave.as_deref() != Some("approved"),
                })
                .collect(),
        };
        if is_past {
            past.push(row);
        } else {
            upcoming.push(row);
        }
    }
    past.reverse();
    let cq = |d: &str, st: &str, e: &str| duty::shifts::CandidateQuery {
        unit_id: Some(unit_id),
        date: Some(d.to_owned()),
        start: Some(st.to_owned()),
        end: Some(e.to_owned()),
    };
    let cands = match duty::shifts::candidates(&s.db, a, &cq(&f.date, &f.start, &f.end)).await {
        Ok(c) => c,
        Err(Error::Invalid(_)) => {
            duty::shifts::candidates(&s.db, a, &cq(&tomorrow, "09:00", "12:00")).await?
        }
        Err(e) => return Err(e.into()),
    };
    let mut cands = cands;
    // Who fits best first: no check failing, not busy.
    cands.sort_by_key(|c| (c.busy.is_some(), c.warnings.len()));
    let picks = cands
        .into_iter()
        .map(|c| {
            let mut note: Vec<String> = c.warnings.into_iter().map(|w| w.message).collect();
            if let Some(b) = c.busy {
                note.push(format!("已有值班 {b}"));
            }
            Pick {
                checked: f
                    .person_id
                    .iter()
                    .any(|p| p.trim() == c.person_id.to_string()),
                id: c.person_id,
                name: c.name,
                note: note.join("；"),
            }
        })
        .collect();
    let others = errors.others(&[
        "unit_id",
        "date",
        "start",
        "end",
        "place",
        "task",
        "reason",
        "person_id",
        "people",
    ]);
    let toast = f.toast.take();
    let mut r = render(&DutyRoster {
        frame: Frame::new(a, "排班", "duty").with_toast(toast),
        units,
        unit_id,
        upcoming,
        past,
        picks,
        f,
        errors,
        others,
    });
    *r.status_mut() = status;
    Ok(r)
}

/// GET /duty/roster: the shifts of a unit the caller keeps, and the form to add one.
pub async fn roster(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<RosterForm>,
) -> PageResult {
    roster_view(
        &s,
        &u,
        f,
        super::FormErrors::default(),
        axum::http::StatusCode::OK,
    )
    .await
}

/// POST /duty/roster: create a shift; refused, the form again with the messages.
pub async fn create_shift(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<RosterForm>,
) -> PageResult {
    if f.check == "1" {
        return roster_view(
            &s,
            &u,
            f,
            super::FormErrors::default(),
            axum::http::StatusCode::OK,
        )
        .await;
    }
    let reason = Some(f.reason.trim().to_owned()).filter(|r| !r.is_empty());
    let input = duty::shifts::ShiftInput {
        unit_id: f.unit_id.trim().parse().ok(),
        date: f.date.trim().to_owned(),
        start: f.start.trim().to_owned(),
        end: f.end.trim().to_owned(),
        place: f.place.clone(),
        task: f.task.clone(),
        people: f
            .person_id
            .iter()
            .map(|p| duty::shifts::PersonPick {
                person_id: p.trim().parse().ok(),
                reason: reason.clone(),
            })
            .collect(),
    };
    if input.people.is_empty() {
        let e = kernel::FieldError {
            field: "person_id".into(),
            message: "请至少选择一名值班人员".into(),
        };
        return roster_view(
            &s,
            &u,
            f,
            super::FormErrors(vec![e]),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match duty::shifts::create(&s.db, &u.access, input).await {
        Ok(sh) => Ok(done(
            &format!("/duty/roster?unit_id={}", f.unit_id.trim()),
            &format!("已排班：{}", sh.when),
        )),
        Err(Error::Invalid(v)) => {
            roster_view(
                &s,
                &u,
                f,
                super::FormErrors(v),
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::Conflict { message, .. }) => {
            let e = kernel::FieldError {
                field: "person_id".into(),
                message,
            };
            roster_view(
                &s,
                &u,
                f,
                super::FormErrors(vec![e]),
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// What the absence form sends.
#[derive(Debug, Deserialize, Default)]
pub struct AbsenceForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    unit_id: String,
}

/// POST /duty/shifts/{id}/absent/{person_id}: record an absence after the shift.
pub async fn record_absence(
    State(s): State<AppState>,
    u: PageUser,
    Path((id, person_id)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<AbsenceForm>,
) -> PageResult {
    let input = duty::absence::AbsenceInput {
        shift_id: Some(id),
        person_id: Some(person_id),
        note: Some(f.note).filter(|n| !n.trim().is_empty()),
    };
    let to = format!("/duty/roster?unit_id={}", f.unit_id.trim());
    match duty::absence::record(&s.db, &u.access, input).await {
        Ok(_) => Ok(done(&to, "已记为缺勤，本人可以申诉一次")),
        Err(Error::Invalid(fs)) => {
            let m: Vec<String> = fs.into_iter().map(|f| f.message).collect();
            Ok(done(&to, &m.join("；")))
        }
        Err(Error::Conflict { message, .. }) => Ok(done(&to, &message)),
        Err(e) => Err(e.into()),
    }
}

/// POST /duty/meetings/{id}/signin: sign in to my meeting while it runs.
pub async fn sign_in(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> PageResult {
    let r = duty::meetings::sign_in(&s.db, &u.access, id).await;
    if let Err(Error::Forbidden(m)) = &r {
        return Ok(done("/duty", m));
    }
    back(r, "已签到")
}

/// One invitee of a meeting on the cadre's page.
pub struct MeetingPerson {
    person_id: i64,
    name: String,
    state: &'static str,
    default: &'static str,
}

/// One meeting on the cadre's page.
pub struct MeetingRow {
    id: i64,
    title: String,
    sub: String,
    agenda: String,
    closed: bool,
    can_roll: bool,
    people: Vec<MeetingPerson>,
}

/// The meeting form as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct MeetingForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    person_id: Vec<String>,
    #[serde(default)]
    toast: Option<String>,
}

#[derive(Template)]
#[template(path = "duty_meetings.html")]
struct DutyMeetings {
    frame: Frame,
    units: Vec<(i64, String)>,
    unit_id: i64,
    kinds: Vec<(&'static str, &'static str)>,
    meetings: Vec<MeetingRow>,
    picks: Vec<Pick>,
    f: MeetingForm,
    errors: super::FormErrors,
    others: Vec<String>,
}

fn attendance_label(a: Option<&str>, signed: bool) -> &'static str {
    match a {
        Some("present") => "出席",
        Some("excused") => "请假",
        Some("absent") => "缺席",
        _ if signed => "已签到",
        _ => "未签到",
    }
}

async fn meetings_view(
    s: &AppState,
    u: &PageUser,
    mut f: MeetingForm,
    errors: super::FormErrors,
    status: axum::http::StatusCode,
) -> PageResult {
    let a = &u.access;
    let units = kept_units(s, a).await?;
    if units.is_empty() {
        return Err(Error::NotFound.into());
    }
    let unit_id = f
        .unit_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| units.iter().any(|x| x.0 == *id))
        .unwrap_or(units[0].0);
    f.unit_id = unit_id.to_string();
    let tomorrow = kernel::time::date_of_ms(kernel::time::now_ms() + 86_400_000).to_string();
    if errors.0.is_empty() {
        if f.date.trim().is_empty() {
            f.date = tomorrow.clone();
        }
        if f.start.trim().is_empty() {
            f.start = "09:00".into();
        }
        if f.end.trim().is_empty() {
            f.end = "10:00".into();
        }
    }
    let now = kernel::time::now_ms();
    let meetings = duty::meetings::list(&s.db, a, Some(unit_id))
        .await?
        .into_iter()
        .map(|m| MeetingRow {
            id: m.id,
            title: format!("{}：{}", m.kind_label, m.title),
            sub: format!("{}，{}", m.when, m.place),
            agenda: m.agenda,
            closed: m.state != "scheduled",
            can_roll: m.state == "scheduled" && now >= m.starts_at,
            people: m
                .invitees
                .iter()
                .map(|i| MeetingPerson {
                    person_id: i.person_id,
                    name: i.name.clone(),
                    state: attendance_label(i.attendance.as_deref(), i.signed_in_at.is_some()),
                    default: if i.signed_in_at.is_some() {
                        "present"
                    } else {
                        "absent"
                    },
                })
                .collect(),
        })
        .collect();
    let cq = duty::shifts::CandidateQuery {
        unit_id: Some(unit_id),
        date: Some(tomorrow),
        start: Some("09:00".into()),
        end: Some("10:00".into()),
    };
    let picks = duty::shifts::candidates(&s.db, a, &cq)
        .await?
        .into_iter()
        .map(|c| Pick {
            checked: f
                .person_id
                .iter()
                .any(|p| p.trim() == c.person_id.to_string()),
            id: c.person_id,
            name: c.name,
            note: String::new(),
        })
        .collect();
    let others = errors.others(&[
        "unit_id",
        "kind",
        "title",
        "starts_at",
        "ends_at",
        "place",
        "agenda",
        "invitee_ids",
    ]);
    let toast = f.toast.take();
    let mut r = render(&DutyMeetings {
        frame: Frame::new(a, "会议与培训", "duty").with_toast(toast),
        units,
        unit_id,
        kinds: duty::meetings::KINDS.to_vec(),
        meetings,
        picks,
        f,
        errors,
        others,
    });
    *r.status_mut() = status;
    Ok(r)
}

/// GET /duty/meetings: the meetings of a unit the caller keeps, and the form to add one.
pub async fn meetings(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<MeetingForm>,
) -> PageResult {
    meetings_view(
        &s,
        &u,
        f,
        super::FormErrors::default(),
        axum::http::StatusCode::OK,
    )
    .await
}

/// POST /duty/meetings: schedule a meeting; refused, the form again with the messages.
pub async fn create_meeting(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<MeetingForm>,
) -> PageResult {
    let at = |t: &str| {
        if f.date.trim().is_empty() || t.trim().is_empty() {
            String::new()
        } else {
            format!("{}T{}", f.date.trim(), t.trim())
        }
    };
    let input = duty::meetings::MeetingInput {
        unit_id: f.unit_id.trim().parse().ok(),
        kind: f.kind.trim().to_owned(),
        title: f.title.clone(),
        starts_at: at(&f.start),
        ends_at: at(&f.end),
        place: f.place.clone(),
        agenda: f.agenda.clone(),
        invitee_ids: f
            .person_id
            .iter()
            .filter_map(|p| p.trim().parse().ok())
            .collect(),
    };
    match duty::meetings::create(&s.db, &u.access, input).await {
        Ok(m) => Ok(done(
            &format!("/duty/meetings?unit_id={}", f.unit_id.trim()),
            &format!("已安排：{}，已通知参加人员", m.when),
        )),
        Err(Error::Invalid(v)) => {
            meetings_view(
                &s,
                &u,
                f,
                super::FormErrors(v),
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /duty/meetings/{id}/rollcall: `att_{person_id}` = present / excused / absent for
/// each invitee; confirms attendance and closes the meeting.
pub async fn roll_call(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let unit = pairs
        .iter()
        .find(|(k, _)| k == "unit_id")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let entries = pairs
        .iter()
        .filter_map(|(k, v)| {
            let pid = k.strip_prefix("att_")?.parse().ok()?;
            Some(duty::meetings::RollEntry {
                person_id: pid,
                attendance: v.trim().to_owned(),
            })
        })
        .collect();
    let to = format!("/duty/meetings?unit_id={unit}");
    match duty::meetings::roll_call(&s.db, &u.access, id, duty::meetings::RollCall { entries })
        .await
    {
        Ok(_) => Ok(done(&to, "已点名，出勤已确认，会议已结束")),
        Err(Error::Invalid(fs)) => {
            let m: Vec<String> = fs.into_iter().map(|f| f.message).collect();
            Ok(done(&to, &m.join("；")))
        }
        Err(Error::Conflict { message, .. }) => Ok(done(&to, &message)),
        Err(e) => Err(e.into()),
    }
}
