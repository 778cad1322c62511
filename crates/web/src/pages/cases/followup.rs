//! The ledger of 回退、延期、缓办 in the scope, and the follow-up watches of the person
//! keeping them, with the two reports a watch ends with (问题反弹 opens a linked case).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cases::requests::RequestQuery;
use cases::watch::WatchReport;
use kernel::Error;
use kernel::time::datetime_cn;
use serde::Deserialize;

use super::super::{FormErrors, Frame, PageResult, done, render};
use super::board::BoardQuery;
use super::report::message_of;
use super::{AREA, Chip, Clock, push_query, reads_as_staff};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// The ledger's filters.
#[derive(Debug, Deserialize, Default)]
pub struct LedgerQuery {
    kind: Option<String>,
    state: Option<String>,
    before: Option<i64>,
}

/// A line of the ledger.
pub struct LedgerRow {
    case_id: i64,
    kind: String,
    days: Option<i64>,
    state_label: &'static str,
    tone: &'static str,
    reason: String,
    asked: String,
    asked_title: String,
    decided: Option<String>,
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "case_requests.html")]
struct LedgerPage {
    frame: Frame,
    kinds: Vec<Chip>,
    states: Vec<Chip>,
    rows: Vec<LedgerRow>,
    next_href: Option<String>,
    filtered: bool,
}

/// GET /cases/requests: the ledger of 回退、延期、缓办 in the scope.
pub async fn requests(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<LedgerQuery>,
) -> PageResult {
    let a = &u.access;
    if !reads_as_staff(a) {
        return Err(Error::NotFound.into());
    }
    let kind = q.kind.clone().filter(|k| !k.is_empty());
    let state = q.state.clone().filter(|k| !k.is_empty());
    let page = cases::requests::ledger(
        &s.db,
        a,
        &RequestQuery {
            kind: kind.clone(),
            state: state.clone(),
            before: q.before,
            limit: Some(50),
        },
    )
    .await?;
    let clock = Clock::of(&s, a).await?;
    let href = |k: Option<&str>, st: Option<&str>| {
        let mut h = "/cases/requests".to_owned();
        push_query(&mut h, "kind", k.unwrap_or_default());
        push_query(&mut h, "state", st.unwrap_or_default());
        h
    };
    let mut kinds = vec![Chip {
        href: href(None, state.as_deref()),
        label: "全部".into(),
        active: kind.is_none(),
    }];
    for (code, label) in cases::requests::KINDS {
        kinds.push(Chip {
            href: href(Some(code), state.as_deref()),
            label: label.into(),
            active: kind.as_deref() == Some(code),
        });
    }
    let mut states = vec![Chip {
        href: href(kind.as_deref(), None),
        label: "全部".into(),
        active: state.is_none(),
    }];
    for (code, label) in [
        ("pending", "待审批"),
        ("approved", "已批准"),
        ("refused", "未批准"),
        ("withdrawn", "已撤回"),
    ] {
        states.push(Chip {
            href: href(kind.as_deref(), Some(code)),
            label: label.into(),
            active: state.as_deref() == Some(code),
        });
    }
    let rows = page
        .items
        .iter()
        .map(|r| {
            let (state_label, tone) = match r.state.as_str() {
                "pending" => ("待审批", "pending"),
                "approved" => ("已批准", "done"),
                "refused" => ("未批准", "void"),
                _ => ("已撤回", "void"),
            };
            LedgerRow {
                case_id: r.case_id,
                kind: r.kind_label.clone(),
                days: r.days,
                state_label,
                tone,
                reason: r.reason.clone(),
                asked: format!("{} · {}", r.requested_by_name, clock.when(r.requested_at)),
                asked_title: datetime_cn(r.requested_at),
                decided: r.decided_at.map(|at| {
                    format!(
                        "{} · {}",
                        r.decided_by_name.clone().unwrap_or_default(),
                        clock.when(at)
                    )
                }),
                note: r.decision_note.clone().filter(|n| !n.is_empty()),
            }
        })
        .collect();
    let next_href = page.next.map(|n| {
        let mut h = href(kind.as_deref(), state.as_deref());
        push_query(&mut h, "before", &n.to_string());
        h
    });
    Ok(render(&LedgerPage {
        frame: Frame::new(a, "申请台账", AREA).with_back("/cases"),
        kinds,
        states,
        rows,
        next_href,
        filtered: kind.is_some() || state.is_some(),
    }))
}

/// A watch as its watcher sees it.
pub struct WatchCard {
    id: i64,
    case_id: i64,
    title: String,
    place: String,
    days: i64,
    until: String,
    until_title: String,
    active: bool,
    state_label: &'static str,
    tone: &'static str,
    note: String,
    rebound_case_id: Option<i64>,
}

/// What a watcher reports.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct WatchForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "case_watches.html")]
struct WatchesPage {
    frame: Frame,
    watches: Vec<WatchCard>,
    sent: Option<i64>,
    form: WatchForm,
    errors: FormErrors,
    alert: Option<String>,
}

impl WatchesPage {
    fn err(&self, id: &i64, field: &str) -> Option<&str> {
        if self.sent == Some(*id) {
            self.errors.get(field)
        } else {
            None
        }
    }
    fn val(&self, id: &i64, outcome: &str) -> &str {
        if self.sent == Some(*id) && self.form.outcome == outcome {
            &self.form.note
        } else {
            ""
        }
    }
}

async fn watches_view(
    s: &AppState,
    u: &PageUser,
    toast: Option<String>,
    sent: Option<i64>,
    form: WatchForm,
    errors: FormErrors,
    alert: Option<String>,
) -> PageResult {
    let a = &u.access;
    let clock = Clock::of(s, a).await?;
    let mut watches = Vec::new();
    for w in cases::watch::mine(&s.db, a).await? {
        let (title, place) = match cases::view::get(&s.db, a, w.case_id).await {
            Ok(v) => (
                v.category_name.clone(),
                [
                    v.case.address.clone(),
                    v.grid_name.clone().unwrap_or(v.community_name),
                ]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            ),
            Err(_) => (String::new(), String::new()),
        };
        let (state_label, tone) = match w.state.as_str() {
            "active" => ("盯守中", "active"),
            "rebound" => ("发现反弹", "overdue"),
            _ => ("已结束，未见反弹", "done"),
        };
        let left = (w.ends_at - clock.now).max(0);
        watches.push(WatchCard {
            id: w.id,
            case_id: w.case_id,
            title,
            place,
            days: w.days,
            until: if w.state == "active" {
                format!("还剩 {} 天", (left + 86_399_999) / 86_400_000)
            } else {
                clock.when(w.ends_at)
            },
            until_title: datetime_cn(w.ends_at),
            active: w.state == "active",
            state_label,
            tone,
            note: w.note.clone(),
            rebound_case_id: w.rebound_case_id,
        });
    }
    let failed = !errors.0.is_empty() || alert.is_some();
    let mut res = render(&WatchesPage {
        frame: Frame::new(a, "盯守复查", AREA)
            .with_toast(toast)
            .with_back("/cases/mine"),
        watches,
        sent,
        form,
        errors,
        alert,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /cases/watches: my follow-up watches.
pub async fn watches(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    watches_view(
        &s,
        &u,
        q.toast,
        None,
        WatchForm::default(),
        FormErrors::default(),
        None,
    )
    .await
}

/// POST /cases/watches/{id}/report: 问题反弹 (a new linked case) or 未见反弹.
pub async fn watch_report(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<WatchForm>,
) -> PageResult {
    let r = cases::watch::report(
        &s.db,
        &u.access,
        id,
        WatchReport {
            outcome: f.outcome.clone(),
            note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
        },
    )
    .await;
    match r {
        Ok((_, Some(c))) => Ok(done(
            &format!("/cases/{}", c.id),
            &format!("已报告问题反弹，新案卷 {} 已立案", c.id),
        )),
        Ok((_, None)) => Ok(done("/cases/watches", "已结束盯守：未见反弹")),
        Err(Error::Invalid(v)) => {
            watches_view(&s, &u, None, Some(id), f, FormErrors(v), None).await
        }
        Err(e @ (Error::Forbidden(_) | Error::Conflict { .. })) => {
            let m = message_of(&e);
            watches_view(&s, &u, None, Some(id), f, FormErrors::default(), Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}
