//! 议事提案 pages: the list, and one proposal with its whole public history, the stage
//! moves and decision for its cadres, the consent form for the funding villages' cadres,
//! and comments/feedback for everyone in the community. A refused decision shows which
//! consents are missing.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use civic::proposal::{ConsentInput, DecisionInput, NewComment, ProposalView, Stage, StageMove};
use kernel::Error;
use kernel::time::now_ms;
use serde::Deserialize;

use super::ToastOnly;
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::words::moment_cn;
use crate::pages::{Frame, PageResult, done, render};

/// A proposal as a line of the list.
pub struct Item {
    id: i64,
    title: String,
    stage_label: String,
    funding_label: String,
    when: String,
}

#[derive(Template)]
#[template(path = "civic_proposals.html")]
struct ListPage {
    frame: Frame,
    items: Vec<Item>,
    cadre: bool,
}

/// The proposals of my communities.
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    let now = now_ms();
    let items = civic::proposal::list(&s.db, &u.access, None)
        .await?
        .into_iter()
        .map(|p| Item {
            id: p.id,
            title: p.title,
            stage_label: p.stage_label,
            funding_label: p.funding_label,
            when: moment_cn(p.updated_at, now),
        })
        .collect();
    Ok(render(&ListPage {
        frame: Frame::new(&u.access, "议事提案", "civic")
            .with_toast(t.toast)
            .with_back("/civic"),
        items,
        cadre: u.access.has(org::Role::CommunityCadre) || u.access.is_administrator(),
    }))
}

/// A history line.
pub struct Step {
    what: String,
    body: String,
    who: String,
    when: String,
}

#[derive(Template)]
#[template(path = "civic_proposal.html")]
struct ShowPage {
    frame: Frame,
    v: ProposalView,
    steps: Vec<Step>,
    next: Option<(&'static str, &'static str)>,
    deliberating: bool,
    talk: bool,
    feedback: bool,
    consent_parties: Vec<(String, String)>,
    alert: Option<String>,
    keep: Keep,
}

/// What was typed into a form the page refused, shown again.
#[derive(Debug, Default, Clone)]
pub struct Keep {
    decision_note: String,
    consent_note: String,
    comment: String,
}

fn step(v: &ProposalView, e: &civic::proposal::Event, now: i64) -> Step {
    let party = |id: Option<i64>| {
        v.parties
            .iter()
            .find(|p| Some(p.id) == id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let what = match e.kind.as_str() {
        "stage" => format!("进入“{}”阶段", e.stage.label()),
        "comment" => "商议意见".into(),
        "amendment" => format!("修改提案（第 {} 稿）", e.version.unwrap_or(0)),
        "consent" => format!(
            "{}{}（{}开会）",
            party(e.party_id),
            if e.verdict.as_deref() == Some("agree") {
                "同意"
            } else {
                "不同意"
            },
            e.assembly_date.clone().unwrap_or_default()
        ),
        "decision" => format!(
            "决策：{}",
            if e.verdict.as_deref() == Some("adopted") {
                "通过"
            } else {
                "不通过"
            }
        ),
        "link" => format!(
            "关联执行：{} #{}",
            match e.link_kind.as_deref() {
                Some("order") => "工单",
                Some("activity") => "活动",
                _ => "案件",
            },
            e.link_id.unwrap_or(0)
        ),
        "feedback" => format!(
            "群众反馈{}",
            e.rating.map(|r| format!("（{r} 分）")).unwrap_or_default()
        ),
        k => k.to_owned(),
    };
    Step {
        what,
        body: e.body.clone(),
        who: e.actor_name.clone(),
        when: moment_cn(e.at, now),
    }
}

async fn show_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    toast: Option<String>,
    alert: Option<String>,
) -> PageResult {
    show_keep(s, u, id, toast, alert, Keep::default()).await
}

async fn show_keep(
    s: &AppState,
    u: &PageUser,
    id: i64,
    toast: Option<String>,
    alert: Option<String>,
    keep: Keep,
) -> PageResult {
    let a = &u.access;
    let v = civic::proposal::view(&s.db, a, id).await?;
    let now = now_ms();
    let steps = v.events.iter().map(|e| step(&v, e, now)).collect();
    let p = &v.proposal;
    let next = match (p.stage, p.outcome) {
        (Stage::Drafted, _) => Some(("deliberation", "提交共建理事会商议")),
        (Stage::Decided, Some(civic::Outcome::Adopted)) => Some(("executed", "进入执行")),
        (Stage::Decided, _) => Some(("closed", "结束")),
        (Stage::Executed, _) => Some(("feedback", "征求群众反馈")),
        (Stage::Feedback, _) => Some(("closed", "结束")),
        _ => None,
    }
    .filter(|_| v.can_manage);
    let deliberating = p.stage == Stage::Deliberation;
    let consent_parties = if deliberating {
        v.parties
            .iter()
            .filter(|x| match x.village_id {
                Some(vid) => a
                    .grants()
                    .iter()
                    .any(|g| g.unit_id == vid && g.role == org::Role::CommunityCadre),
                None => v.can_manage,
            })
            .map(|x| {
                (
                    x.village_id.map(|i| i.to_string()).unwrap_or_default(),
                    x.name.clone(),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let conflict = alert.is_some();
    let mut res = render(&ShowPage {
        frame: Frame::new(a, p.title.clone(), "civic")
            .with_toast(toast)
            .with_back("/civic/proposals"),
        talk: deliberating || p.stage == Stage::Feedback,
        feedback: p.stage == Stage::Feedback,
        deliberating,
        next,
        consent_parties,
        steps,
        v,
        alert,
        keep,
    });
    if conflict {
        *res.status_mut() = StatusCode::CONFLICT;
    }
    Ok(res)
}

/// One proposal with its whole history.
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    show_view(&s, &u, id, t.toast, None).await
}

async fn after<T>(
    s: &AppState,
    u: &PageUser,
    id: i64,
    r: kernel::Result<T>,
    ok: &str,
    keep: Keep,
) -> PageResult {
    match r {
        Ok(_) => Ok(done(&format!("/civic/proposals/{id}"), ok)),
        Err(Error::Invalid(v)) => {
            let m = v
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("；");
            let mut res = show_keep(s, u, id, None, Some(m), keep).await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(Error::Conflict { message, .. }) => {
            show_keep(s, u, id, None, Some(message), keep).await
        }
        Err(Error::Forbidden(m)) => {
            let mut res = show_keep(s, u, id, None, Some(m.into()), keep).await?;
            *res.status_mut() = StatusCode::FORBIDDEN;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// A stage move from the page.
#[derive(Debug, Deserialize, Default)]
pub struct MoveForm {
    #[serde(default)]
    to: String,
}

/// Move on.
pub async fn move_stage(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MoveForm>,
) -> PageResult {
    let r = civic::proposal::advance(
        &s.db,
        &u.access,
        id,
        StageMove {
            to: f.to,
            note: String::new(),
        },
    )
    .await;
    after(&s, &u, id, r, "已推进到下一阶段", Keep::default()).await
}

/// A decision from the page.
#[derive(Debug, Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

/// Record the decision.
pub async fn decide(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DecideForm>,
) -> PageResult {
    let r = civic::proposal::decide(
        &s.db,
        &u.access,
        id,
        DecisionInput {
            outcome: f.outcome,
            note: f.note.clone(),
        },
    )
    .await;
    let keep = Keep {
        decision_note: f.note,
        ..Keep::default()
    };
    after(&s, &u, id, r, "已记录决策", keep).await
}

/// A consent from the page.
#[derive(Debug, Deserialize, Default)]
pub struct ConsentForm {
    #[serde(default)]
    village_id: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    assembly_date: String,
    #[serde(default)]
    note: String,
}

/// Record a funding party's consent or refusal.
pub async fn consent(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ConsentForm>,
) -> PageResult {
    let c = ConsentInput {
        village_id: f.village_id.trim().parse().ok(),
        verdict: f.verdict,
        assembly_date: Some(f.assembly_date),
        note: f.note.clone(),
    };
    let r = civic::proposal::record_consent(&s.db, &u.access, id, c).await;
    let keep = Keep {
        consent_note: f.note,
        ..Keep::default()
    };
    after(&s, &u, id, r, "已记录表决结果", keep).await
}

/// A comment from the page.
#[derive(Debug, Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
    rating: Option<String>,
}

/// Comment or give feedback.
pub async fn comment(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CommentForm>,
) -> PageResult {
    let c = NewComment {
        body: f.body.clone(),
        rating: f.rating.and_then(|r| r.trim().parse().ok()),
    };
    let r = civic::proposal::comment(&s.db, &u.access, id, c).await;
    let keep = Keep {
        comment: f.body,
        ..Keep::default()
    };
    after(&s, &u, id, r, "已发表", keep).await
}

// ---------------------------------------------------------------------------------------
// Drafting from the page
// ---------------------------------------------------------------------------------------

/// The drafting form as typed (`villages` once per ticked box).
#[derive(Debug, Default, Clone)]
pub struct DraftForm {
    unit_id: String,
    title: String,
    body: String,
    funding: String,
    villages: Vec<String>,
}

impl DraftForm {
    fn from_pairs(f: &[(String, String)]) -> DraftForm {
        let one = |k: &str| {
            f.iter()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        DraftForm {
            unit_id: one("unit_id"),
            title: one("title"),
            body: one("body"),
            funding: one("funding"),
            villages: f
                .iter()
                .filter(|(k, _)| k == "villages")
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "civic_proposal_new.html")]
struct NewPage {
    frame: Frame,
    units: Vec<(i64, String)>,
    villages: Vec<(i64, String)>,
    f: DraftForm,
    errors: crate::pages::FormErrors,
}

impl NewPage {
    fn ticked(&self, id: &i64) -> bool {
        self.f.villages.contains(&id.to_string())
    }
}

async fn new_view(
    s: &AppState,
    u: &PageUser,
    f: DraftForm,
    errors: crate::pages::FormErrors,
) -> PageResult {
    use org::units::UnitKind;
    let a = &u.access;
    let all = org::units::list_in_scope(
        &s.db,
        a,
        &[
            UnitKind::Community,
            UnitKind::JointCommunity,
            UnitKind::Village,
        ],
    )
    .await?;
    let runs = |p: &str| a.holds_over(org::Role::CommunityCadre, p);
    let units = all
        .iter()
        .filter(|x| x.kind != UnitKind::Village && runs(&x.path))
        .take(200)
        .map(|x| (x.id, x.name.clone()))
        .collect();
    let villages = all
        .iter()
        .filter(|x| {
            x.kind == UnitKind::Village
                && all.iter().any(|j| {
                    j.kind == UnitKind::JointCommunity
                        && runs(&j.path)
                        && x.path.starts_with(&j.path)
                })
        })
        .take(200)
        .map(|x| (x.id, x.name.clone()))
        .collect();
    let bad = !errors.0.is_empty();
    let mut res = render(&NewPage {
        frame: Frame::new(a, "起草议事提案", "civic").with_back("/civic/proposals"),
        units,
        villages,
        f,
        errors,
    });
    if bad {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// 起草议事提案 (the community's cadres).
pub async fn new_page(State(s): State<AppState>, u: PageUser) -> PageResult {
    let f = DraftForm {
        funding: "government".into(),
        ..DraftForm::default()
    };
    new_view(&s, &u, f, crate::pages::FormErrors::default()).await
}

/// Draft it.
pub async fn create(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let f = DraftForm::from_pairs(&pairs);
    let input = civic::proposal::NewProposal {
        unit_id: f.unit_id.trim().parse().ok(),
        title: f.title.clone(),
        body: f.body.clone(),
        funding: Some(f.funding.clone()),
        villages: f
            .villages
            .iter()
            .filter_map(|v| v.trim().parse().ok())
            .collect(),
    };
    match civic::proposal::create(&s.db, &u.access, input).await {
        Ok(p) => Ok(done(&format!("/civic/proposals/{}", p.id), "已起草提案")),
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
