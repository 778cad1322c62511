//! 议事与民意 pages: the hub, the opinion box (with the anonymous checkbox and the receipt
//! shown once), following an item by receipt code, my items, the 民情台账 for cadres
//! (filters, answer, turn into a case), and the platform feedback channel with its ledger
//! for platform administrators. Proposals and polls are in [`proposals`] and [`polls`].

pub mod forums;
pub mod polls;
pub mod proposals;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use civic::opinion::{AnswerInput, Conversion, LedgerQuery, NewOpinion, OpinionBox, OpinionLine};
use kernel::Error;
use kernel::time::now_ms;
use serde::Deserialize;

use super::words::moment_cn;
use super::{FormErrors, Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// A ledger line as a page shows it.
pub struct Line {
    id: i64,
    kind_label: String,
    body: String,
    anonymous: bool,
    author: String,
    status: String,
    status_label: String,
    tone: &'static str,
    received: String,
    time_taken: String,
    assignee: String,
    answer: String,
    case_id: Option<i64>,
    proposal_id: Option<i64>,
    convertible: bool,
}

fn line(l: &OpinionLine, now: i64) -> Line {
    Line {
        id: l.id,
        kind_label: l.kind_label.clone(),
        body: l.body.clone(),
        anonymous: l.anonymous,
        author: l.author_name.clone().unwrap_or_default(),
        status: l.status.clone(),
        status_label: l.status_label.clone(),
        tone: match l.status.as_str() {
            "pending" => "pending",
            "handling" => "amber",
            _ => "green",
        },
        received: moment_cn(l.created_at, now),
        time_taken: l.time_taken.clone(),
        assignee: l.assignee.clone().unwrap_or_default(),
        answer: l.answer.clone().unwrap_or_default(),
        case_id: l.case_id,
        proposal_id: l.proposal_id,
        convertible: l.r#box == OpinionBox::Community
            && l.kind != "praise"
            && l.case_id.is_none()
            && l.proposal_id.is_none(),
    }
}

/// A toast from a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct ToastOnly {
    toast: Option<String>,
}

#[derive(Template)]
#[template(path = "civic_home.html")]
struct HomePage {
    frame: Frame,
    cadre: bool,
    platform_admin: bool,
    mine: Vec<Line>,
}

/// 议事与民意: where to go.
pub async fn home(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    let a = &u.access;
    let now = now_ms();
    let cadre = a.grants().iter().any(|g| {
        matches!(
            g.role,
            org::Role::CommunityCadre | org::Role::Admin | org::Role::PlatformAdmin
        )
    });
    let mine = civic::opinion::mine(&s.db, a).await?;
    Ok(render(&HomePage {
        frame: Frame::new(a, "议事与民意", "civic").with_toast(t.toast),
        cadre,
        platform_admin: a.is_platform_admin(),
        mine: mine.iter().take(10).map(|l| line(l, now)).collect(),
    }))
}

/// The opinion form as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct OpinionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    anonymous: Option<String>,
}

#[derive(Template)]
#[template(path = "civic_opinion_new.html")]
struct OpinionPage {
    frame: Frame,
    platform: bool,
    action: &'static str,
    f: OpinionForm,
    errors: FormErrors,
    kinds: [(&'static str, &'static str); 3],
}

#[derive(Template)]
#[template(path = "civic_receipt.html")]
struct ReceiptPage {
    frame: Frame,
    code: String,
    anonymous: bool,
    platform: bool,
}

const KINDS: [(&str, &str); 3] = [
    ("suggestion", "建议"),
    ("complaint", "投诉"),
    ("praise", "表扬"),
];

fn opinion_page(u: &PageUser, platform: bool, f: OpinionForm, errors: FormErrors) -> OpinionPage {
    OpinionPage {
        frame: Frame::new(
            &u.access,
            if platform {
                "对平台提意见"
            } else {
                "民意箱"
            },
            "civic",
        )
        .with_back("/civic"),
        platform,
        action: if platform {
            "/civic/platform/new"
        } else {
            "/civic/opinions/new"
        },
        f,
        errors,
        kinds: KINDS,
    }
}

/// 民意箱: the form.
pub async fn opinion_new(u: PageUser) -> PageResult {
    Ok(render(&opinion_page(
        &u,
        false,
        OpinionForm {
            kind: "suggestion".into(),
            ..OpinionForm::default()
        },
        FormErrors::default(),
    )))
}

/// 对平台提意见: the form.
pub async fn platform_new(u: PageUser) -> PageResult {
    Ok(render(&opinion_page(
        &u,
        true,
        OpinionForm {
            kind: "suggestion".into(),
            ..OpinionForm::default()
        },
        FormErrors::default(),
    )))
}

async fn send(s: &AppState, u: &PageUser, platform: bool, f: OpinionForm) -> PageResult {
    let bx = if platform {
        OpinionBox::Platform
    } else {
        OpinionBox::Community
    };
    let input = NewOpinion {
        unit_id: None,
        kind: f.kind.clone(),
        body: f.body.clone(),
        anonymous: f.anonymous.is_some(),
    };
    match civic::opinion::submit(&s.db, &u.access, bx, input).await {
        Ok(r) => Ok(render(&ReceiptPage {
            frame: Frame::new(&u.access, "已收到", "civic").with_back("/civic"),
            code: r.receipt_code,
            anonymous: r.anonymous,
            platform,
        })),
        Err(Error::Invalid(v)) => {
            let mut res = render(&opinion_page(u, platform, f, FormErrors(v)));
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// Send to the 民意箱.
pub async fn opinion_send(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<OpinionForm>,
) -> PageResult {
    send(&s, &u, false, f).await
}

/// Send to the platform.
pub async fn platform_send(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<OpinionForm>,
) -> PageResult {
    send(&s, &u, true, f).await
}

/// A receipt code to look up.
#[derive(Debug, Deserialize, Default)]
pub struct CodeQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "civic_follow.html")]
struct FollowPage {
    frame: Frame,
    code: String,
    found: Option<Line>,
    missing: bool,
}

/// 凭回执码查询.
pub async fn follow(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<CodeQuery>,
) -> PageResult {
    let code = q.code.unwrap_or_default().trim().to_uppercase();
    let (found, missing) = if code.is_empty() {
        (None, false)
    } else {
        match civic::opinion::follow(&s.db, &u.access, &code).await {
            Ok(l) => (Some(line(&l, now_ms())), false),
            Err(Error::NotFound) => (None, true),
            Err(e) => return Err(e.into()),
        }
    };
    let mut res = render(&FollowPage {
        frame: Frame::new(&u.access, "查询办理情况", "civic").with_back("/civic"),
        code,
        found,
        missing,
    });
    if missing {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    Ok(res)
}

/// The ledger's filters.
#[derive(Debug, Deserialize, Default)]
pub struct LedgerFilter {
    status: Option<String>,
    kind: Option<String>,
    toast: Option<String>,
}

#[derive(Template)]
#[template(path = "civic_ledger.html")]
struct LedgerPage {
    frame: Frame,
    platform: bool,
    base: &'static str,
    status: String,
    kind: String,
    lines: Vec<Line>,
    categories: Vec<(i64, String)>,
    alert: Option<String>,
}

async fn ledger_view(
    s: &AppState,
    u: &PageUser,
    platform: bool,
    q: LedgerFilter,
    alert: Option<String>,
) -> PageResult {
    let a = &u.access;
    let bx = if platform {
        OpinionBox::Platform
    } else {
        OpinionBox::Community
    };
    let status = q.status.clone().filter(|x| !x.is_empty());
    let kind = q.kind.clone().filter(|x| !x.is_empty());
    let lines = civic::opinion::ledger(
        &s.db,
        a,
        bx,
        &LedgerQuery {
            status: status.clone(),
            kind: kind.clone(),
            before: None,
        },
    )
    .await?;
    let now = now_ms();
    let categories = if platform {
        vec![]
    } else {
        cases::category::list(&s.db, a.city_id())
            .await?
            .into_iter()
            .filter(|c| c.parent_id.is_some())
            .map(|c| (c.id, format!("{} {}", c.code, c.name)))
            .collect()
    };
    let conflict = alert.is_some();
    let mut res = render(&LedgerPage {
        frame: Frame::new(
            a,
            if platform {
                "平台意见台账"
            } else {
                "民情台账"
            },
            "civic",
        )
        .with_toast(q.toast)
        .with_back("/civic"),
        platform,
        base: if platform {
            "/civic/platform"
        } else {
            "/civic/ledger"
        },
        status: status.unwrap_or_default(),
        kind: kind.unwrap_or_default(),
        lines: lines.iter().map(|l| line(l, now)).collect(),
        categories,
        alert,
    });
    if conflict {
        *res.status_mut() = StatusCode::CONFLICT;
    }
    Ok(res)
}

/// 民情台账 (cadres).
pub async fn ledger(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<LedgerFilter>,
) -> PageResult {
    ledger_view(&s, &u, false, q, None).await
}

/// 平台意见台账 (platform administrators).
pub async fn platform_ledger(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<LedgerFilter>,
) -> PageResult {
    ledger_view(&s, &u, true, q, None).await
}

/// An answer typed on a ledger line.
#[derive(Debug, Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

async fn after(
    s: &AppState,
    u: &PageUser,
    platform: bool,
    r: kernel::Result<OpinionLine>,
    ok: &str,
) -> PageResult {
    let base = if platform {
        "/civic/platform"
    } else {
        "/civic/ledger"
    };
    match r {
        Ok(_) => Ok(done(base, ok)),
        Err(Error::Invalid(v)) => {
            let m = v
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("；");
            ledger_view(s, u, platform, LedgerFilter::default(), Some(m)).await
        }
        Err(Error::Conflict { message, .. }) => {
            ledger_view(s, u, platform, LedgerFilter::default(), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Answer a line (either ledger).
pub async fn answer(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AnswerForm>,
) -> PageResult {
    let r = civic::opinion::answer(&s.db, &u.access, id, AnswerInput { answer: f.answer }).await;
    let platform = matches!(&r, Ok(l) if l.r#box == OpinionBox::Platform);
    after(&s, &u, platform, r, "已答复").await
}

/// The category for a new case.
#[derive(Debug, Deserialize, Default)]
pub struct CaseForm {
    category_id: Option<String>,
}

/// Turn a line into a case in one step.
pub async fn to_case(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CaseForm>,
) -> PageResult {
    let c = Conversion {
        to: "case".into(),
        category_id: f.category_id.and_then(|x| x.trim().parse().ok()),
        ..Conversion::default()
    };
    let r = civic::opinion::convert(&s.db, &u.access, id, c).await;
    let msg = match &r {
        Ok(l) => format!("已转为案件 #{}", l.case_id.unwrap_or_default()),
        Err(_) => String::new(),
    };
    after(&s, &u, false, r, &msg).await
}

/// The title of a proposal made from a line.
#[derive(Debug, Deserialize, Default)]
pub struct ProposalForm {
    #[serde(default)]
    title: String,
}

/// Turn a suggestion into a government-funded proposal in one step (collective or mixed
/// funding, which name the paying villages, are drafted on the proposal form or the API).
pub async fn to_proposal(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ProposalForm>,
) -> PageResult {
    let c = Conversion {
        to: "proposal".into(),
        title: f.title,
        funding: Some("government".into()),
        ..Conversion::default()
    };
    let r = civic::opinion::convert(&s.db, &u.access, id, c).await;
    let msg = match &r {
        Ok(l) => format!("已转为议事提案 #{}", l.proposal_id.unwrap_or_default()),
        Err(_) => String::new(),
    };
    after(&s, &u, false, r, &msg).await
}
