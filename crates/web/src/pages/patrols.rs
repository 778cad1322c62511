//! Patrol pages (网格巡查): my patrol page (the patrol under way with 上报问题 and 结束巡查,
//! or 开始巡查; my roster slots; my patrols), recording a past patrol (补录), one patrol with
//! the cases reported on it and the steps open to the viewer (confirm, send back, correct),
//! the grid's list for its staff ([`list`]) and the roster ([`roster`]). No track, no
//! mileage, no ranking: a patrol is when, which grid and what was found.

pub mod detail;
pub mod list;
pub mod roster;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use cases::patrol::roster::RosterSlot;
use cases::patrol::view::PatrolRow;
use cases::patrol::{PastPatrol, PatrolQuery, StartPatrol};
use kernel::time::{datetime_cn, now_ms, relative_cn, today};
use kernel::{Error, FieldError};
use serde::Deserialize;

use super::words::{minutes_cn, span_parts};
use super::{FormErrors, Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

pub use detail::{confirm, end, resubmit, send_back, show};

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

/// How long a patrol under way has run: 不到 1 分钟, 35 分钟, 1 小时 5 分钟.
fn elapsed_cn(ms: i64) -> String {
    match ms / 60_000 {
        m if m < 1 => "不到 1 分钟".into(),
        m => minutes_cn(m),
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
    /// The grid the start form offers first: today's roster slot's, else any slot's.
    default_grid: Option<i64>,
}

impl HomePage {
    /// Whether grid `id` is the one selected in the start form.
    fn picked(&self, id: &i64) -> bool {
        if self.sent.step == "start" {
            self.sent.form.grid_id == id.to_string()
        } else {
            self.default_grid == Some(*id)
        }
    }
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
                elapsed: elapsed_cn(now - p.started_at),
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
    let slots = cases::patrol::roster::mine(db, a).await?;
    let (weekday, _) = kernel::time::weekday_and_minute(now);
    let default_grid = slots
        .iter()
        .find(|s| s.weekday == i64::from(weekday))
        .or(slots.first())
        .map(|s| s.grid_id);
    let status = sent.status;
    let mut res = render(&HomePage {
        frame: Frame::new(a, "巡查", "patrols").with_toast(q.toast),
        open,
        grids,
        sent,
        slots,
        default_grid,
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
