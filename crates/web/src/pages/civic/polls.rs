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
