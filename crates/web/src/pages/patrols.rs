//! Patrol pages (网格巡查): my patrol page (the patrol under way with 上报问题 and 结束巡查,
//! or 开始巡查; my roster slots; my patrols), recording a past patrol (补录), one patrol with
//! the cases reported on it and the steps open to the viewer (confirm, send back, correct),
//! the grid's list for its staff ([`list`]) and the roster ([`roster`]). No track, no
//! mileage, no ranking: a patrol is when, which grid and what was found.

pub mod list;
pub mod roster;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cases::patrol::roster::RosterSlot;
use cases::patrol::view::PatrolRow;
use cases::patrol::{EndPatrol, PastPatrol, PatrolQuery, PatrolState, SendBack, StartPatrol};
use kernel::time::{date_of_ms, datetime_cn, now_ms, relative_cn, today};
use kernel::{Error, FieldError};
use serde::Deserialize;

use super::words::{hm, minutes_cn, span_parts};
use super::{FormErrors, Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// A patrol as a line of a list.
pub struct Row {
    id: i64,
    grid: String,
    person: String,
    person_id: i64,
    when: (String, String),
    when_title: String,
    minutes: String,
    state_label: &'static str,
    tone: &'static str,
    cases: i64,
    recorded_after: bool,
}

/// The list line of a patrol.
pub fn row(r: &PatrolRow, now: i64) -> Row {
    let p = &r.patrol;
    let end = p.ended_at.unwrap_or(now);
    Row {
        id: p.id,
        grid: r.grid_name.clone(),
        person: r.person_name.clone(),
        person_id: p.person_id,
        when: if p.ended_at.is_some() {
            span_parts(p.started_at, end, now)
        } else {
            (relative_cn(p.started_at, now), "开始，巡查中".into())
        },
        when_title: datetime_cn(p.started_at),
        minutes: r.minutes.map(minutes_cn).unwrap_or_default(),
        state_label: p.state.label(),
        tone: p.state.tone(),
        cases: r.cases,
        recorded_after: p.recorded_after,
    }
}

/// What the patrol forms send (start, end, 补录, correction, send back).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct PatrolForm {
    #[serde(default)]
    grid_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    found: String,
    #[serde(default)]
    reason: String,
}

impl PatrolForm {
    fn grid(&self) -> Option<i64> {
        self.grid_id.trim().parse().ok()
    }
    /// The times as the service reads them (`YYYY-MM-DDTHH:MM`), empty when a part is.
    fn times(&self) -> (String, String) {
        let at = |t: &str| {
            if self.date.trim().is_empty() || t.trim().is_empty() {
                String::new()
            } else {
                format!("{}T{}", self.date.trim(), t.trim())
            }
        };
        (at(&self.start), at(&self.end))
    }
    fn past(&self) -> PastPatrol {
        let (started_at, ended_at) = self.times();
        PastPatrol {
            grid_id: self.grid(),
            started_at,
            ended_at,
            found: self.found.clone(),
        }
    }
}

/// The date part of a form is checked here (the service sees whole times).
fn date_problem(f: &PatrolForm) -> Option<FieldError> {
    if kernel::time::parse_date(&f.date).is_none() {
        return Some(FieldError {
            field: "date".into(),
            message: "请选择巡查的日期".into(),
        });
    }
    None
}

/// Service errors of the time fields beside the inputs the page has.
fn on_page_fields(v: Vec<FieldError>) -> Vec<FieldError> {
    v.into_iter()
        .map(|mut e| {
            e.field = match e.field.as_str() {
                "started_at" => "start".into(),
                "ended_at" => "end".into(),
                _ => e.field,
            };
            e
        })
        .collect()
}

/// What a form sent back shows: which form, what was wrong, or a conflict said on top.
#[derive(Default)]
struct Sent {
    step: String,
    form: PatrolForm,
    errors: FormErrors,
    alert: Option<String>,
    status: Option<StatusCode>,
}

fn sent_of(step: &str, form: PatrolForm, e: Error) -> Result<Sent, Error> {
    let (errors, alert, status) = match e {
        Error::Invalid(v) => (on_page_fields(v), None, StatusCode::UNPROCESSABLE_ENTITY),
        Error::Forbidden(m) => (vec![], Some(m.to_owned()), StatusCode::FORBIDDEN),
        Error::Conflict { message, .. } => (vec![], Some(message), StatusCode::CONFLICT),
        e => return Err(e),
    };
    Ok(Sent {
        step: step.into(),
        form,
        errors: FormErrors(errors),
        alert,
        status: Some(status),
    })
}

// ---------------------------------------------------------------------------------------
// 我的巡查
// ---------------------------------------------------------------------------------------

/// The patrol under way, as the page shows it.
pub struct Open {
    id: i64,
    grid: String,
    since: String,
    since_title: String,
    elapsed: String,
    cases: i64,
}

#[derive(Template)]
#[template(path = "patrols.html")]
struct HomePage {
    frame: Frame,
    open: Option<Open>,
    grids: Vec<(i64, String)>,
    sent: Sent,
    slots: Vec<RosterSlot>,
    rows: Vec<Row>,
    next_href: Option<String>,
    keeper: bool,
    waiting: i64,
}

impl HomePage {
    fn err(&self, step: &str, field: &str) -> Option<&str> {
        (self.sent.step == step)
            .then(|| self.sent.errors.get(field))
            .flatten()
    }
    fn val(&self, step: &str, field: &str) -> &str {
        if self.sent.step != step {
            return "";
        }
        match field {
            "found" => &self.sent.form.found,
            "end" => &self.sent.form.end,
            "grid_id" => &self.sent.form.grid_id,
            _ => "",
        }
    }
}

/// Keyset and toast of the page.
#[derive(Debug, Deserialize, Default)]
pub struct HomeQuery {
    before: Option<String>,
    toast: Option<String>,
}

async fn home_view(s: &AppState, u: &PageUser, q: HomeQuery, sent: Sent) -> PageResult {
    let (db, a) = (&s.db, &u.access);
    let now = now_ms();
    let open = match cases::patrol::open_of(db, a).await? {
        Some(p) => {
            let v = cases::patrol::view::get(db, a, p.id).await?;
            Some(Open {
                id: p.id,
                grid: v.grid_name,
                since: relative_cn(p.started_at, now),
                since_title: datetime_cn(p.started_at),
                elapsed: minutes_cn(((now - p.started_at) / 60_000).max(0)),
                cases: v.cases.len() as i64,
            })
        }
        None => None,
    };
    let grids = cases::patrol::grids_for(db, a)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let page = cases::patrol::view::list(
        db,
        a,
        &PatrolQuery {
            view: Some("mine".into()),
            before: q.before.clone(),
            limit: Some(20),
            ..Default::default()
        },
    )
    .await?;
    let keeper = !cases::patrol::kept_grids(db, a).await?.is_empty();
    let waiting = if keeper {
        cases::patrol::view::waiting(db, a).await?
    } else {
        0
    };
    let status = sent.status;
    let mut res = render(&HomePage {
        frame: Frame::new(a, "巡查", "patrols").with_toast(q.toast),
        open,
        grids,
        sent,
        slots: cases::patrol::roster::mine(db, a).await?,
        rows: page.items.iter().map(|r| row(r, now)).collect(),
        next_href: page.next.map(|n| format!("/patrols?before={n}")),
        keeper,
        waiting,
    });
    if let Some(st) = status {
        *res.status_mut() = st;
    }
    Ok(res)
}

/// GET /patrols: my patrol under way (or the start form), my roster slots, my patrols.
pub async fn home(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<HomeQuery>,
) -> PageResult {
    home_view(&s, &u, q, Sent::default()).await
}

/// POST /patrols/start
pub async fn start(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<PatrolForm>,
) -> PageResult {
    let input = StartPatrol { grid_id: f.grid() };
    match cases::patrol::start(&s.db, &u.access, input).await {
        Ok(p) => Ok(done(
            &format!("/patrols/{}", p.id),
            "已开始巡查：发现问题随时上报，结束时填写发现情况",
        )),
        Err(Error::Forbidden(m)) => {
            let sent = Sent {
                step: "start".into(),
                errors: FormErrors(vec![FieldError {
                    field: "grid_id".into(),
                    message: m.into(),
                }]),
                form: f,
                alert: None,
                status: Some(StatusCode::FORBIDDEN),
            };
            home_view(&s, &u, HomeQuery::default(), sent).await
        }
        Err(e) => {
            let sent = sent_of("start", f, e)?;
            home_view(&s, &u, HomeQuery::default(), sent).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// 补录
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "patrol_past.html")]
struct PastPage {
    frame: Frame,
    grids: Vec<(i64, String)>,
    form: PatrolForm,
    errors: FormErrors,
    alert: Option<String>,
    today: String,
}

async fn past_view(s: &AppState, u: &PageUser, mut sent: Sent) -> PageResult {
    let a = &u.access;
    let grids: Vec<(i64, String)> = cases::patrol::grids_for(&s.db, a)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    if sent.form.grid_id.is_empty() && grids.len() == 1 {
        sent.form.grid_id = grids[0].0.to_string();
    }
    let mut res = render(&PastPage {
        frame: Frame::new(a, "补录巡查", "patrols").with_back("/patrols"),
        grids,
        form: sent.form,
        errors: sent.errors,
        alert: sent.alert,
        today: today().to_string(),
    });
    if let Some(st) = sent.status {
        *res.status_mut() = st;
    }
    Ok(res)
}

/// GET /patrols/past: record a patrol afterwards.
pub async fn past_page(State(s): State<AppState>, u: PageUser) -> PageResult {
    let form = PatrolForm {
        date: today().to_string(),
        ..Default::default()
    };
    past_view(
        &s,
        &u,
        Sent {
            form,
            ..Default::default()
        },
    )
    .await
}

/// POST /patrols/past
pub async fn record(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<PatrolForm>,
) -> PageResult {
    let result = match date_problem(&f) {
        Some(e) => Err(Error::Invalid(vec![e])),
        None => cases::patrol::record(&s.db, &u.access, f.past()).await,
    };
    match result {
        Ok(p) => Ok(done(
            &format!("/patrols/{}", p.id),
            "已补录，等待网格长或社区干部确认",
        )),
        Err(Error::Forbidden(m)) => {
            let sent = Sent {
                errors: FormErrors(vec![FieldError {
                    field: "grid_id".into(),
                    message: m.into(),
                }]),
                form: f,
                status: Some(StatusCode::FORBIDDEN),
                ..Default::default()
            };
            past_view(&s, &u, sent).await
        }
        Err(e) => {
            let sent = sent_of("past", f, e)?;
            past_view(&s, &u, sent).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// One patrol
// ---------------------------------------------------------------------------------------

/// A patrol as its page shows it.
pub struct Detail {
    id: i64,
    grid: String,
    person: String,
    state_label: &'static str,
    tone: &'static str,
    when: (String, String),
    when_title: String,
    minutes: String,
    recorded_after: bool,
    found: String,
    return_reason: Option<String>,
    confirmed: Option<String>,
    credited: bool,
    credit_missing: bool,
    date: String,
    start: String,
    end: String,
}

/// A case reported on the patrol.
pub struct CaseLine {
    id: i64,
    category: String,
    description: String,
    state_label: String,
    tone: &'static str,
    when: String,
}

#[derive(Template)]
#[template(path = "patrol.html")]
struct DetailPage {
    frame: Frame,
    p: Detail,
    cases: Vec<CaseLine>,
    can: Vec<String>,
    sent: Sent,
    hint: String,
}

impl DetailPage {
    fn can(&self, step: &str) -> bool {
        self.can.iter().any(|c| c == step)
    }
    fn err(&self, step: &str, field: &str) -> Option<&str> {
        (self.sent.step == step)
            .then(|| self.sent.errors.get(field))
            .flatten()
    }
    /// What was typed into `field` of `step`, else the patrol's own value.
    fn val<'a>(&'a self, step: &str, field: &str) -> &'a str {
        let typed = self.sent.step == step;
        let f = &self.sent.form;
        match field {
            "found" if typed => &f.found,
            "found" if step == "resubmit" => &self.p.found,
            "reason" if typed => &f.reason,
            "date" if typed => &f.date,
            "date" => &self.p.date,
            "start" if typed => &f.start,
            "start" => &self.p.start,
            "end" if typed => &f.end,
            "end" if step == "resubmit" => &self.p.end,
            _ => "",
        }
    }
}

fn hint(v: &cases::patrol::PatrolView, mine: bool) -> String {
    let can = |s: &str| v.can.iter().any(|c| c == s);
    match v.patrol.state {
        PatrolState::Open if mine => {
            "巡查中：发现问题点“上报问题”，会自动记在这次巡查下；巡查完填写发现情况并结束。".into()
        }
        PatrolState::Open => format!("{} 正在巡查。", v.person_name),
        PatrolState::Recorded if can("confirm") => {
            "请核对巡查时间和发现情况：属实就确认（时长记入其时间银行和积分），有误请写明原因退回。"
                .into()
        }
        PatrolState::Recorded => "已提交，等待网格长或社区干部确认。".into(),
        PatrolState::Returned if mine => "巡查记录被退回：请按退回原因修改后重新提交。".into(),
        PatrolState::Returned => "已退回巡查人修改。".into(),
        PatrolState::Confirmed => "巡查记录已确认。".into(),
    }
}

async fn detail_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    toast: Option<String>,
    sent: Sent,
) -> PageResult {
    let a = &u.access;
    let v = cases::patrol::view::get(&s.db, a, id).await?;
    let now = now_ms();
    let p = &v.patrol;
    let mine = a.person_id() == p.person_id;
    let end = p.ended_at.unwrap_or(now);
    let detail = Detail {
        id: p.id,
        grid: v.grid_name.clone(),
        person: v.person_name.clone(),
        state_label: p.state.label(),
        tone: p.state.tone(),
        when: if p.ended_at.is_some() {
            span_parts(p.started_at, end, now)
        } else {
            (relative_cn(p.started_at, now), "开始".into())
        },
        when_title: datetime_cn(p.started_at),
        minutes: v
            .minutes
            .or_else(|| (p.ended_at.is_none()).then(|| ((now - p.started_at) / 60_000).max(0)))
            .map(minutes_cn)
            .unwrap_or_default(),
        recorded_after: p.recorded_after,
        found: p.found.clone(),
        return_reason: p.return_reason.clone().filter(|r| !r.is_empty()),
        confirmed: v.confirmed_by_name.clone().map(|n| {
            let at = p
                .confirmed_at
                .map(|t| relative_cn(t, now))
                .unwrap_or_default();
            format!("{n}（{at}）")
        }),
        credited: p.credit_txn_id.is_some(),
        credit_missing: p.state == PatrolState::Confirmed && p.credit_txn_id.is_none(),
        date: date_of_ms(p.started_at).to_string(),
        start: hm(p.started_at),
        end: p.ended_at.map(hm).unwrap_or_default(),
    };
    let cases = v
        .cases
        .iter()
        .map(|c| {
            let mut d: String = c.case.description.chars().take(40).collect();
            if c.case.description.chars().count() > 40 {
                d.push('…');
            }
            CaseLine {
                id: c.case.id,
                category: c.category_name.clone(),
                description: d,
                state_label: c.state_label.clone(),
                tone: c.case.state.tone(),
                when: relative_cn(c.case.reported_at, now),
            }
        })
        .collect();
    let status = sent.status;
    let title = format!("巡查 · {}", v.grid_name);
    let back = if mine { "/patrols" } else { "/patrols/scope" };
    let mut res = render(&DetailPage {
        frame: Frame::new(a, title, "patrols")
            .with_toast(toast)
            .with_back(back),
        p: detail,
        cases,
        can: v.can.clone(),
        sent,
        hint: hint(&v, mine),
    });
    if let Some(st) = status {
        *res.status_mut() = st;
    }
    Ok(res)
}

/// A toast in the address.
#[derive(Debug, Deserialize, Default)]
pub struct ToastOnly {
    toast: Option<String>,
}

/// GET /patrols/{id}
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    detail_view(&s, &u, id, t.toast, Sent::default()).await
}

async fn act(s: &AppState, u: &PageUser, id: i64, step: &str, f: PatrolForm) -> PageResult {
    use cases::patrol as svc;
    let (db, a) = (&s.db, &u.access);
    let result = match step {
        "end" => {
            // A time typed is on the patrol's own day.
            let ended_at = match f.end.trim() {
                "" => Ok(None),
                t => match svc::view::get(db, a, id).await {
                    Ok(v) => Ok(Some(format!("{}T{t}", date_of_ms(v.patrol.started_at)))),
                    Err(e) => Err(e),
                },
            };
            match ended_at {
                Ok(ended_at) => svc::end(
                    db,
                    a,
                    id,
                    EndPatrol {
                        found: f.found.clone(),
                        ended_at,
                    },
                )
                .await
                .map(|_| "已结束巡查，等待网格长或社区干部确认"),
                Err(e) => Err(e),
            }
        }
        "resubmit" => match date_problem(&f) {
            Some(e) => Err(Error::Invalid(vec![e])),
            None => svc::resubmit(db, a, id, f.past())
                .await
                .map(|_| "已重新提交，等待确认"),
        },
        "confirm" => svc::confirm(db, a, id)
            .await
            .map(|_| "已确认，巡查时长已记入巡查人的时间银行和积分"),
        "return" => svc::send_back(
            db,
            a,
            id,
            SendBack {
                reason: f.reason.clone(),
            },
        )
        .await
        .map(|_| "已退回，巡查人会收到消息"),
        _ => Err(Error::NotFound),
    };
    match result {
        Ok(toast) => Ok(done(&format!("/patrols/{id}"), toast)),
        Err(e) => {
            let sent = sent_of(step, f, e)?;
            detail_view(s, u, id, None, sent).await
        }
    }
}

macro_rules! step_handler {
    ($name:ident, $step:literal, $doc:literal) => {
        #[doc = $doc]
        pub async fn $name(
            State(s): State<AppState>,
            u: PageUser,
            Path(id): Path<i64>,
            CsrfForm(f): CsrfForm<PatrolForm>,
        ) -> PageResult {
            act(&s, &u, id, $step, f).await
        }
    };
}

step_handler!(
    end,
    "end",
    "POST /patrols/{id}/end: 结束巡查 with what was found."
);
step_handler!(
    resubmit,
    "resubmit",
    "POST /patrols/{id}/resubmit: a returned patrol corrected."
);
step_handler!(confirm, "confirm", "POST /patrols/{id}/confirm: 确认.");
step_handler!(
    send_back,
    "return",
    "POST /patrols/{id}/return: 退回 with a reason."
);
