//! 民意测验 pages: the list, one poll with the ballot (radio or checkboxes) and, after
//! closing or when live, the SVG chart drawn on the server — with the reminder that results
//! are never an assessment measure.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use civic::poll::{Ballot, Poll};
use kernel::Error;
use kernel::time::now_ms;

use super::ToastOnly;
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::words::moment_cn;
use crate::pages::{Frame, PageResult, done, render};

#[derive(Template)]
#[template(path = "civic_polls.html")]
struct ListPage {
    frame: Frame,
    polls: Vec<(Poll, String)>,
    cadre: bool,
}

/// Polls of my communities.
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    let now = now_ms();
    let polls = civic::poll::list(&s.db, &u.access)
        .await?
        .into_iter()
        .map(|p| {
            let w = moment_cn(p.closes_at, now);
            (p, w)
        })
        .collect();
    Ok(render(&ListPage {
        frame: Frame::new(&u.access, "民意测验", "civic")
            .with_toast(t.toast)
            .with_back("/civic"),
        polls,
        cadre: u.access.has(org::Role::CommunityCadre) || u.access.is_administrator(),
    }))
}

#[derive(Template)]
#[template(path = "civic_poll.html")]
struct ShowPage {
    frame: Frame,
    p: Poll,
    closes: String,
    chart: Option<String>,
    alert: Option<String>,
}

async fn show_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    toast: Option<String>,
    alert: Option<String>,
) -> PageResult {
    let p = civic::poll::get(&s.db, &u.access, id).await?;
    let chart = p
        .results_visible
        .then(|| civic::poll::bar_chart(&p.question, &p.options));
    let bad = alert.is_some();
    let mut res = render(&ShowPage {
        frame: Frame::new(&u.access, "民意测验", "civic")
            .with_toast(toast)
            .with_back("/civic/polls"),
        closes: moment_cn(p.closes_at, now_ms()),
        p,
        chart,
        alert,
    });
    if bad {
        *res.status_mut() = StatusCode::CONFLICT;
    }
    Ok(res)
}

/// One poll.
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    show_view(&s, &u, id, t.toast, None).await
}

/// Vote from the page (`option` once per ticked box).
pub async fn vote(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let options = f
        .iter()
        .filter(|(k, _)| k == "option")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    match civic::poll::vote(&s.db, &u.access, id, Ballot { options }).await {
        Ok(_) => Ok(done(&format!("/civic/polls/{id}"), "已投票，谢谢参与")),
        Err(Error::Invalid(v)) => {
            let m = v
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("；");
            let mut r = show_view(&s, &u, id, None, Some(m)).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(Error::Conflict { message, .. }) => show_view(&s, &u, id, None, Some(message)).await,
        Err(e) => Err(e.into()),
    }
}

/// The poll form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PollForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    options: String,
    multiple: Option<String>,
    #[serde(default)]
    max_choices: String,
    #[serde(default)]
    closes_at: String,
    live: Option<String>,
}

#[derive(Template)]
#[template(path = "civic_poll_new.html")]
struct NewPage {
    frame: Frame,
    units: Vec<(i64, String)>,
    f: PollForm,
    errors: crate::pages::FormErrors,
}

async fn new_view(
    s: &AppState,
    u: &PageUser,
    f: PollForm,
    errors: crate::pages::FormErrors,
) -> PageResult {
    use org::units::UnitKind;
    let a = &u.access;
    let units = org::units::list_in_scope(
        &s.db,
        a,
        &[
            UnitKind::Community,
            UnitKind::JointCommunity,
            UnitKind::Village,
        ],
    )
    .await?
    .into_iter()
    .filter(|x| a.holds_over(org::Role::CommunityCadre, &x.path))
    .take(200)
    .map(|x| (x.id, x.name))
    .collect();
    let bad = !errors.0.is_empty();
    let mut res = render(&NewPage {
        frame: Frame::new(a, "发起民意测验", "civic").with_back("/civic/polls"),
        units,
        f,
        errors,
    });
    if bad {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// 发起民意测验 (the community's cadres).
pub async fn new_page(State(s): State<AppState>, u: PageUser) -> PageResult {
    let f = PollForm {
        closes_at: kernel::time::local_datetime(now_ms() + 7 * 86_400_000),
        ..PollForm::default()
    };
    new_view(&s, &u, f, crate::pages::FormErrors::default()).await
}

/// Create it.
pub async fn create(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<PollForm>,
) -> PageResult {
    let input = civic::poll::NewPoll {
        unit_id: f.unit_id.trim().parse().ok(),
        question: f.question.clone(),
        options: f.options.lines().map(str::to_owned).collect(),
        multiple: f.multiple.is_some(),
        max_choices: f.max_choices.trim().parse().ok(),
        closes_at: f.closes_at.clone(),
        live: f.live.is_some(),
    };
    match civic::poll::create(&s.db, &u.access, input).await {
        Ok(p) => Ok(done(&format!("/civic/polls/{}", p.id), "已发起民意测验")),
        Err(Error::Invalid(v)) => new_view(&s, &u, f, crate::pages::FormErrors(v)).await,
        Err(Error::Forbidden(m)) => {
            let v = vec![kernel::FieldError {
                field: "unit_id".into(),
                message: m.into(),
            }];
            new_view(&s, &u, f, crate::pages::FormErrors(v)).await
        }
        Err(e) => Err(e.into()),
    }
}
