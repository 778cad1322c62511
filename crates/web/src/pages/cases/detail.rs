//! One case: what, where, who and by when, its photos, its history, requests and
//! watches, and a form for each step open to the viewer (`CaseView.can`), the main next
//! step as the page's one primary action (the steps themselves: `steps.rs`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cases::CaseView;
use cases::model::{State as CaseState, extension_left};
use cases::responsible::Link;
use kernel::time::datetime_cn;
use org::{Access, Role};
use serde::Deserialize;

use super::super::{FormErrors, Frame, PageResult, render};
use super::history::{EventRow, RequestRow, WatchRow, event_row, request_row, watch_row};
use super::{AREA, Choice, Clock};
use crate::AppState;
use crate::extract::PageUser;

/// The case as the page shows it.
pub struct Detail {
    id: i64,
    state_label: String,
    tone: &'static str,
    overdue: bool,
    category: String,
    category_kind: String,
    category_code: String,
    source: String,
    urgent: bool,
    description: String,
    address: String,
    place: String,
    map_unit: i64,
    level_name: String,
    escalated: bool,
    deadline: Option<String>,
    deadline_title: String,
    limit_label: String,
    handler: Option<String>,
    department: String,
    reporter: Option<String>,
    reported: String,
    reported_title: String,
    rework_count: i64,
    voided_reason: Option<String>,
    duplicate_of: Option<i64>,
    rebound_of: Option<i64>,
    satisfaction: Option<String>,
    missed: bool,
    state: CaseState,
}

/// A photo.
pub struct PhotoRow {
    href: String,
    stage: &'static str,
    when: String,
}

/// A possible duplicate to merge into.
pub struct DupRow {
    id: i64,
    text: String,
}

/// Handlers of one role.
pub struct HandlerGroup {
    label: &'static str,
    people: Vec<Choice>,
}

/// What a step's form sent.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct StepForm {
    #[serde(default)]
    pub(super) reason: String,
    #[serde(default)]
    pub(super) note: String,
    #[serde(default)]
    pub(super) into_case_id: String,
    #[serde(default)]
    pub(super) into_case_other: String,
    #[serde(default)]
    pub(super) handler_person_id: String,
    #[serde(default)]
    pub(super) department: String,
    #[serde(default)]
    pub(super) result: String,
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) days: String,
    #[serde(default)]
    pub(super) request_id: String,
    #[serde(default)]
    pub(super) decision: String,
    #[serde(default)]
    pub(super) watcher_person_id: String,
    #[serde(default)]
    pub(super) satisfaction: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    frame: Frame,
    c: Detail,
    hint: String,
    events: Vec<EventRow>,
    photos: Vec<PhotoRow>,
    requests: Vec<RequestRow>,
    watches: Vec<WatchRow>,
    chain: Vec<Link>,
    staff: bool,
    can: Vec<String>,
    primary: &'static str,
    handlers: Vec<HandlerGroup>,
    watchers: Vec<Choice>,
    dups: Vec<DupRow>,
    dup_notes: Vec<(i64, bool)>,
    pending: Option<RequestRow>,
    ext_left: u32,
    satisfactions: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    step: String,
    form: StepForm,
    errors: FormErrors,
    alert: Option<String>,
}

impl CasePage {
    fn can(&self, step: &str) -> bool {
        self.can.iter().any(|s| s == step)
    }
    /// The error of `field` when the form of `step` was sent.
    fn err(&self, step: &str, field: &str) -> Option<&str> {
        if self.step == step {
            self.errors.get(field)
        } else {
            None
        }
    }
    /// Errors of the form of `step` that have no field of their own on it.
    fn other_errs<S: AsRef<[&'static str]> + ?Sized>(&self, step: &str, shown: &S) -> Vec<String> {
        if self.step == step {
            self.errors.others(shown)
        } else {
            vec![]
        }
    }
    /// The typed value of `field` when the form of `step` was sent.
    fn val(&self, step: &str, field: &str) -> &str {
        if self.step != step {
            return "";
        }
        let f = &self.form;
        match field {
            "reason" => &f.reason,
            "note" => &f.note,
            "into_case_id" => &f.into_case_id,
            "into_case_other" => &f.into_case_other,
            "handler_person_id" => &f.handler_person_id,
            "department" => &f.department,
            "result" => &f.result,
            "kind" => &f.kind,
            "days" => &f.days,
            "decision" => &f.decision,
            "watcher_person_id" => &f.watcher_person_id,
            "satisfaction" => &f.satisfaction,
            _ => "",
        }
    }
    /// Whether `value` was the choice of `field` in the form of `step`.
    fn chose(&self, step: &str, field: &str, value: &str) -> bool {
        self.val(step, field) == value
    }
    fn btn(&self, step: &str) -> &'static str {
        if self.primary == step {
            "btn primary block"
        } else {
            "btn"
        }
    }
    /// Whether the form of `step` comes back open (it was sent, or it is the main one).
    fn open(&self, step: &str) -> bool {
        self.step == step || self.primary == step
    }
    /// The department to show in the dispatch form.
    fn department(&self) -> &str {
        if self.step == "dispatch" {
            &self.form.department
        } else {
            &self.c.department
        }
    }
    fn days_or(&self, default: &'static str) -> &str {
        if self.step == "watch" || self.step == "ask" {
            &self.form.days
        } else {
            default
        }
    }
}

fn stage_label(stage: &str) -> &'static str {
    match stage {
        "handle" => "处置后",
        "verify" => "核查时",
        _ => "上报时",
    }
}

fn hint(v: &CaseView, a: &Access, deadline: Option<&str>) -> String {
    let can = |s: &str| v.can.iter().any(|c| c == s);
    let c = &v.case;
    let handler = v.handler_name.clone().unwrap_or_default();
    match c.state {
        CaseState::Reported if can("register") => {
            "请核实后立案；不属于案件的写明原因作废，已有人报过的合并到原案卷。".into()
        }
        CaseState::Reported => "已收到，社区核实后立案，立案时会在“消息”里通知上报人。".into(),
        CaseState::Registered if can("dispatch") => format!(
            "请派遣给处置人：处置时限（{}）从派遣时开始计算。",
            v.limit_label
        ),
        CaseState::Registered => "已立案，等待社区派遣处置人。".into(),
        CaseState::Dispatched if can("handle") => format!(
            "请在时限内处置（{}），完成后写明处置情况并提交；处理不了可以申请回退、延期或缓办，超出权限的上报上级。",
            deadline.unwrap_or("")
        ),
        CaseState::Dispatched => format!("已派遣给 {handler} 处置（{}）。", deadline.unwrap_or("")),
        CaseState::Suspended => "缓办中：处置时限暂停计算，原因消除后恢复处置。".into(),
        CaseState::Handled if can("verify") => {
            "处置人已提交处置结果，请到现场核查：通过即结案，不通过退回返工。".into()
        }
        CaseState::Handled if cases::access::handles(a, c) => {
            "您已提交处置结果，等待网格长或社区干部核查（不能核查自己处置的案件）。".into()
        }
        CaseState::Handled => "已处置，等待网格长或社区干部到现场核查。".into(),
        CaseState::Closed if can("rate") => "问题已处理完毕，请您评价处理结果。".into(),
        CaseState::Closed if can("watch") => {
            "已结案。容易反弹的问题，可以安排物业或居委会盯守复查一段时间。".into()
        }
        CaseState::Closed => "已结案。".into(),
        CaseState::Voided => "这个案卷已作废，不再处理。".into(),
    }
}

/// A step's form that came back: which step, what was typed, and what was wrong.
#[derive(Default)]
pub(super) struct Sent {
    pub(super) step: String,
    pub(super) form: StepForm,
    pub(super) errors: FormErrors,
    pub(super) alert: Option<String>,
    pub(super) status: Option<StatusCode>,
}

async fn handler_groups(
    s: &AppState,
    a: &Access,
    id: i64,
    chosen: &str,
) -> kernel::Result<Vec<HandlerGroup>> {
    let hs = cases::flow::handlers(&s.db, a, id).await?;
    let order = [
        Role::GridLeader,
        Role::CommunityCadre,
        Role::PropertyUnit,
        Role::Personnel,
        Role::Admin,
    ];
    Ok(order
        .iter()
        .map(|role| HandlerGroup {
            label: role.label(),
            people: hs
                .iter()
                .filter(|h| h.role == *role)
                .map(|h| Choice {
                    value: h.person_id.to_string(),
                    label: format!("{}（{}）", h.name, h.unit_name),
                    selected: chosen == h.person_id.to_string(),
                })
                .collect(),
        })
        .filter(|g| !g.people.is_empty())
        .collect())
}

async fn watcher_choices(
    s: &AppState,
    community_id: i64,
    city: i64,
    chosen: &str,
) -> kernel::Result<Vec<Choice>> {
    let Some(community) = org::units::fetch_any(&s.db, city, community_id).await? else {
        return Ok(vec![]);
    };
    let mut hs = org::accounts::holders(
        &s.db,
        city,
        &[Role::PropertyUnit, Role::CommunityCadre, Role::GridLeader],
        Some(&community.path),
        &[],
    )
    .await?;
    let mut seen = std::collections::HashSet::new();
    hs.retain(|h| seen.insert(h.person_id));
    // The property company first: the seeds' advice is that it keeps watch.
    hs.sort_by_key(|h| (h.role != Role::PropertyUnit, h.name.clone()));
    Ok(hs
        .into_iter()
        .map(|h| Choice {
            value: h.person_id.to_string(),
            label: format!("{}（{} · {}）", h.name, h.role.label(), h.unit_name),
            selected: chosen == h.person_id.to_string(),
        })
        .collect())
}

pub(super) async fn case_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    toast: Option<String>,
    dup_ids: &[i64],
    sent: Sent,
) -> PageResult {
    let a = &u.access;
    let v = cases::view::get(&s.db, a, id).await?;
    let clock = Clock::of(s, a).await?;
    let c = &v.case;
    let can = |st: &str| v.can.iter().any(|x| x == st);
    let deadline = clock.deadline_of(c);
    let staff = super::reads_as_staff(a);
    let reporter = if cases::access::reported(a, c) {
        Some("您本人".to_owned())
    } else if staff {
        let mut r = c.reporter_name.clone();
        if let Some(p) = &v.reporter_contact {
            r.push_str(&format!("（{p}）"));
        }
        Some(r).filter(|r| !r.is_empty())
    } else {
        None
    };
    let detail = Detail {
        id: c.id,
        state_label: v.state_label.clone(),
        tone: c.state.tone(),
        overdue: v.overdue,
        category: v.category_name.clone(),
        category_kind: v.category_kind.clone(),
        category_code: v.category_code.clone(),
        source: v.source_label.clone(),
        urgent: c.urgency == cases::Urgency::Urgent,
        description: c.description.clone(),
        address: c.address.clone(),
        place: match &v.grid_name {
            Some(g) => format!("{} · {g}", v.community_name),
            None => v.community_name.clone(),
        },
        map_unit: c.grid_id.unwrap_or(c.community_id),
        level_name: v.level_name.clone(),
        escalated: c.level > 0,
        deadline: deadline.clone(),
        deadline_title: c
            .deadline_at
            .map(|d| format!("{} 前", datetime_cn(d)))
            .unwrap_or_default(),
        limit_label: v.limit_label.clone(),
        handler: v.handler_name.clone(),
        department: c.department.clone(),
        reporter,
        reported: clock.when(c.reported_at),
        reported_title: datetime_cn(c.reported_at),
        rework_count: c.rework_count,
        voided_reason: c
            .voided_reason
            .clone()
            .filter(|_| c.duplicate_of_id.is_none()),
        duplicate_of: c.duplicate_of_id,
        rebound_of: c.rebound_of_id,
        satisfaction: c.satisfaction.map(|s| {
            let mut t = s.label().to_owned();
            if let Some(n) = c.satisfaction_note.as_deref().filter(|n| !n.is_empty()) {
                t.push_str(&format!("：{n}"));
            }
            t
        }),
        missed: c.missed_by_grid,
        state: c.state,
    };
    let chain: Vec<Link> = c
        .missed_chain
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let primary = [
        "handle", "verify", "register", "dispatch", "decide", "resume", "rate",
    ]
    .into_iter()
    .find(|p| can(p))
    .unwrap_or("");
    let Sent {
        step,
        form,
        errors,
        alert,
        status,
    } = sent;
    let handlers = if can("dispatch") {
        handler_groups(s, a, id, &form.handler_person_id).await?
    } else {
        vec![]
    };
    let watchers = if can("watch") {
        watcher_choices(s, c.community_id, c.city_id, &form.watcher_person_id).await?
    } else {
        vec![]
    };
    let ext_left = if can("ask") {
        let cat = cases::category::get(&s.db, c.city_id, c.category_id).await?;
        extension_left(cat.limit(c.urgency), c.extended_days.max(0) as u32)
    } else {
        0
    };
    let mut dup_notes = Vec::new();
    for d in dup_ids.iter().take(3) {
        dup_notes.push((*d, cases::view::get(&s.db, a, *d).await.is_ok()));
    }
    let title = format!("案卷 {}", c.id);
    let back = if staff { "/cases" } else { "/cases/mine" };
    let mut res = render(&CasePage {
        hint: hint(&v, a, deadline.as_deref()),
        events: v
            .events
            .iter()
            .rev()
            .filter_map(|e| event_row(e, a, &clock))
            .collect(),
        photos: v
            .photos
            .iter()
            .map(|p| PhotoRow {
                href: format!("/api/v1/cases/{}/photos/{}", c.id, p.id),
                stage: stage_label(&p.stage),
                when: clock.when(p.created_at),
            })
            .collect(),
        requests: v.requests.iter().map(|r| request_row(r, &clock)).collect(),
        pending: v
            .requests
            .iter()
            .find(|r| r.state == "pending")
            .map(|r| request_row(r, &clock)),
        watches: v.watches.iter().map(|w| watch_row(w, &clock)).collect(),
        dups: v
            .possible_duplicates
            .iter()
            .map(|d| DupRow {
                id: d.case_id,
                text: format!(
                    "案卷 {}（{}，相距 {} 米）{}",
                    d.case_id,
                    d.state_label,
                    d.distance_m,
                    d.description.chars().take(30).collect::<String>()
                ),
            })
            .collect(),
        frame: Frame::new(a, title, AREA).with_toast(toast).with_back(back),
        c: detail,
        chain,
        staff,
        can: v.can.clone(),
        primary,
        handlers,
        watchers,
        dup_notes,
        ext_left,
        satisfactions: vec![
            ("satisfied", "满意"),
            ("basic", "基本满意"),
            ("unsatisfied", "不满意"),
        ],
        kinds: cases::requests::KINDS.to_vec(),
        step,
        form,
        errors,
        alert,
    });
    if let Some(st) = status {
        *res.status_mut() = st;
    }
    Ok(res)
}

/// The query of a case page.
#[derive(Debug, Deserialize, Default)]
pub struct CaseQuery {
    toast: Option<String>,
    dups: Option<String>,
}

/// GET /cases/{id}
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<CaseQuery>,
) -> PageResult {
    let dups: Vec<i64> = q
        .dups
        .unwrap_or_default()
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    case_view(&s, &u, id, q.toast, &dups, Sent::default()).await
}
