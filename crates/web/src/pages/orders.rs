//! Order pages (群众点单 → 社区派单 → 下沉人员接单): a resident's request form (a cadre's
//! on a resident's behalf), the lists, one order with the steps open to the viewer, the
//! dispatch page with the recommended people, the cadre's board and the record of
//! assignments made against the recommendation (反“加码”).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::time::{datetime_cn, local_datetime, now_ms, relative_cn};
use kernel::{Error, FieldError};
use orders::recommend::Recommendation;
use orders::view::OrderView;
use orders::{
    Dispatch, Finish, NewOrder, OrderQuery, Rating, Reason, RecommendQuery, State as OrderState,
};
use org::Access;
use org::people::PeopleQuery;
use serde::Deserialize;

use super::words::{day_cn, hm, is_dispatcher, left_cn, span_cn, span_parts};
use super::{FormErrors, Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

fn area(a: &Access) -> &'static str {
    if is_dispatcher(a) {
        "dispatch"
    } else {
        "orders"
    }
}

/// The words for what an assignment goes against (`skill`, `availability`, `load`).
pub fn override_words(codes: &[String]) -> String {
    codes
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| match c.as_str() {
            "skill" => "不具备所需专长",
            "availability" => "期望时间不在其空闲时段内",
            "load" => "本月承接已达上限",
            _ => "不符合推荐条件",
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The UX colour class of a state.
fn tone_class(s: OrderState) -> &'static str {
    s.tone()
}

fn stars(n: i64) -> String {
    let n = n.clamp(0, 5) as usize;
    format!("{}{} {} 星", "★".repeat(n), "☆".repeat(5 - n), n)
}

/// One order as a line of a list.
pub struct Row {
    id: i64,
    title: String,
    description: String,
    place: String,
    when: String,
    when_title: String,
    state_label: String,
    tone: &'static str,
    overdue: bool,
    resident: String,
    assignee: Option<String>,
    community: String,
}

fn row(v: &OrderView, now: i64) -> Row {
    let o = &v.order;
    let mut description: String = o.description.chars().take(40).collect();
    if o.description.chars().count() > 40 {
        description.push('…');
    }
    Row {
        id: o.id,
        title: v.category_label.clone(),
        description,
        place: o.place.clone(),
        when: span_cn(o.wanted_from, o.wanted_to, now),
        when_title: format!(
            "{} 至 {}",
            datetime_cn(o.wanted_from),
            datetime_cn(o.wanted_to)
        ),
        state_label: v.state_label.clone(),
        tone: tone_class(o.state),
        overdue: v.overdue,
        resident: v.resident_name.clone(),
        assignee: v.assignee_name.clone(),
        community: v.community_name.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// 点单
// ---------------------------------------------------------------------------------------

/// The request form, as typed (and the resident search of a cadre).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct NewOrderForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    resident_person_id: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    wanted_from: String,
    #[serde(default)]
    wanted_to: String,
    #[serde(default)]
    toast: Option<String>,
}

#[derive(Template)]
#[template(path = "order_new.html")]
struct NewOrderPage {
    frame: Frame,
    form: NewOrderForm,
    categories: Vec<(&'static str, &'static str)>,
    on_behalf: bool,
    residents: Vec<(i64, String)>,
    more_residents: bool,
    min: String,
    errors: FormErrors,
}

async fn resident_options(
    s: &AppState,
    a: &Access,
    q: &str,
    selected: Option<i64>,
) -> kernel::Result<(Vec<(i64, String)>, bool)> {
    let page = org::people::list(
        &s.db,
        a,
        &PeopleQuery {
            q: Some(q.trim().to_owned()).filter(|q| !q.is_empty()),
            unit_id: None,
            employer_id: None,
            kind: Some("resident".into()),
            unregistered: None,
            after: None,
            limit: Some(100),
        },
    )
    .await?;
    let more = page.next.is_some();
    let mut out: Vec<(i64, String)> = page
        .items
        .into_iter()
        .map(|p| {
            let mut extra = Vec::new();
            if let Some(c) = p.community_name {
                extra.push(c);
            }
            if let Some(ph) = p.phone {
                extra.push(ph);
            }
            let label = if extra.is_empty() {
                p.name
            } else {
                format!("{}（{}）", p.name, extra.join(" · "))
            };
            (p.id, label)
        })
        .collect();
    if let Some(id) = selected
        && !out.iter().any(|(i, _)| *i == id)
        && let Ok(p) = org::people::get(&s.db, a, id).await
    {
        out.insert(0, (p.id, p.name));
    }
    Ok((out, more))
}

async fn new_order_view(
    s: &AppState,
    u: &PageUser,
    mut form: NewOrderForm,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let a = &u.access;
    let on_behalf = is_dispatcher(a);
    let (residents, more_residents) = if on_behalf {
        let selected = form.resident_person_id.trim().parse().ok();
        resident_options(s, a, &form.q, selected).await?
    } else {
        (Vec::new(), false)
    };
    let title = if on_behalf {
        "代居民下单"
    } else {
        "我要办"
    };
    let area = if on_behalf { "dispatch" } else { "order_new" };
    let mut res = render(&NewOrderPage {
        frame: Frame::new(a, title, area)
            .with_toast(form.toast.take())
            .with_back(if on_behalf { "/dispatch" } else { "/orders" }),
        form,
        categories: orders::CATEGORIES
            .iter()
            .map(|c| (c.code, c.label))
            .collect(),
        on_behalf,
        residents,
        more_residents,
        min: local_datetime(now_ms())[..11].to_owned() + "00:00",
        errors,
    });
    *res.status_mut() = status;
    Ok(res)
}

/// GET /orders/new: what do you need (`?category=` preselects; `?q=` searches residents).
pub async fn new_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(form): Query<NewOrderForm>,
) -> PageResult {
    new_order_view(&s, &u, form, FormErrors::default(), StatusCode::OK).await
}

/// POST /orders/new
pub async fn place(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(form): CsrfForm<NewOrderForm>,
) -> PageResult {
    let a = &u.access;
    let on_behalf = is_dispatcher(a);
    let resident = form.resident_person_id.trim();
    let result = if on_behalf && resident.parse::<i64>().is_err() {
        Err(Error::field(
            "resident_person_id",
            "请选择要代为下单的居民（可先按姓名或手机号后 4 位查找）",
        ))
    } else {
        orders::service::place(
            &s.db,
            a,
            NewOrder {
                resident_person_id: if on_behalf {
                    resident.parse().ok()
                } else {
                    None
                },
                community_id: None,
                category: form.category.clone(),
                skill_id: None,
                description: form.description.clone(),
                place: form.place.clone(),
                lon: None,
                lat: None,
                wanted_from: form.wanted_from.clone(),
                wanted_to: form.wanted_to.clone(),
            },
        )
        .await
    };
    let (errors, status) = match result {
        Ok(o) => return Ok(done(&format!("/orders/{}", o.id), "已提交，社区会尽快安排")),
        Err(Error::Invalid(v)) => (v, StatusCode::UNPROCESSABLE_ENTITY),
        Err(Error::Forbidden(m)) => (
            vec![FieldError {
                field: "resident_person_id".into(),
                message: m.into(),
            }],
            StatusCode::FORBIDDEN,
        ),
        Err(Error::NotFound) if on_behalf => (
            vec![FieldError {
                field: "resident_person_id".into(),
                message: "找不到这名居民，或不在您负责的社区".into(),
            }],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(Error::Conflict { message, .. }) => (
            vec![FieldError {
                field: "_".into(),
                message,
            }],
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(e.into()),
    };
    new_order_view(&s, &u, form, FormErrors(errors), status).await
}

// ---------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------

/// The list's filters, as given in the address.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    view: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    before: Option<i64>,
    toast: Option<String>,
}

/// A filter link.
pub struct Chip {
    href: String,
    label: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct ListPage {
    frame: Frame,
    view: String,
    rows: Vec<Row>,
    chips: Vec<Chip>,
    filtered: bool,
    filter_label: String,
    next_href: Option<String>,
    dispatcher: bool,
    resident: bool,
}

/// GET /orders: the viewer's orders by their default view (residents theirs, personnel
/// what is assigned to them, cadres their communities'), by state, newest first.
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<ListQuery>,
) -> PageResult {
    let a = &u.access;
    let default = orders::view::default_view(a);
    let view = match f.view.as_deref() {
        Some(v @ ("mine" | "assigned" | "scope")) => v,
        _ => default,
    };
    let state = f
        .state
        .as_deref()
        .and_then(OrderState::parse)
        .map(|s| s.as_str());
    let overdue = matches!(f.overdue.as_deref(), Some("true" | "1"));
    let page = orders::view::list(
        &s.db,
        a,
        &OrderQuery {
            view: Some(view.to_owned()),
            state: state.map(str::to_owned),
            overdue,
            before: f.before,
            limit: Some(30),
        },
    )
    .await?;
    let now = now_ms();
    let base = if view == default {
        "/orders?".to_owned()
    } else {
        format!("/orders?view={view}&")
    };
    let mut chips = vec![Chip {
        href: base.trim_end_matches(['?', '&']).to_owned(),
        label: "全部",
        active: state.is_none() && !overdue,
    }];
    for st in OrderState::ALL {
        chips.push(Chip {
            href: format!("{base}state={}", st.as_str()),
            label: st.label(),
            active: state == Some(st.as_str()) && !overdue,
        });
    }
    if view == "scope" {
        chips.push(Chip {
            href: format!("{base}overdue=true"),
            label: "已超期",
            active: overdue,
        });
    }
    let filter_label = if overdue {
        "已超期".to_owned()
    } else {
        state
            .and_then(OrderState::parse)
            .map(|s| s.label().to_owned())
            .unwrap_or_default()
    };
    let mut qs = base.clone();
    if let Some(st) = state {
        qs.push_str(&format!("state={st}&"));
    }
    if overdue {
        qs.push_str("overdue=true&");
    }
    let title = match view {
        "mine" => "我的需求",
        "assigned" => "我的任务",
        _ => "社区订单",
    };
    let dispatcher = is_dispatcher(a);
    Ok(render(&ListPage {
        frame: Frame::new(a, title, area(a)).with_toast(f.toast),
        view: view.to_owned(),
        rows: page.items.iter().map(|v| row(v, now)).collect(),
        chips,
        filtered: state.is_some() || overdue,
        filter_label,
        next_href: page.next.map(|n| format!("{qs}before={n}")),
        dispatcher,
        resident: view == "mine" && !a.is_staff(),
    }))
}

// ---------------------------------------------------------------------------------------
// One order and its steps
// ---------------------------------------------------------------------------------------

/// An order as the detail and dispatch pages show it.
pub struct Detail {
    id: i64,
    category: String,
    state_label: String,
    tone: &'static str,
    overdue: bool,
    description: String,
    place: String,
    when: (String, String),
    when_title: String,
    community: String,
    resident: String,
    assignee: Option<String>,
    dispatcher: Option<String>,
    skill: Option<String>,
    accept_by: Option<String>,
    accept_by_title: String,
    minutes: Option<String>,
    done_note: Option<String>,
    rating: Option<String>,
    comment: Option<String>,
    person_rating: Option<String>,
    person_comment: Option<String>,
    closed_reason: Option<String>,
    credited: bool,
    default_minutes: String,
}

fn detail(v: &OrderView, now: i64) -> Detail {
    let o = &v.order;
    let span = (o.wanted_to - o.wanted_from) / 60_000;
    Detail {
        id: o.id,
        category: v.category_label.clone(),
        state_label: v.state_label.clone(),
        tone: tone_class(o.state),
        overdue: v.overdue,
        description: o.description.clone(),
        place: o.place.clone(),
        when: span_parts(o.wanted_from, o.wanted_to, now),
        when_title: format!(
            "{} 至 {}",
            datetime_cn(o.wanted_from),
            datetime_cn(o.wanted_to)
        ),
        community: v.community_name.clone(),
        resident: v.resident_name.clone(),
        assignee: v.assignee_name.clone(),
        dispatcher: v.dispatcher_name.clone(),
        skill: v.skill_name.clone(),
        accept_by: o
            .accept_by
            .filter(|_| o.state == OrderState::Dispatched)
            .map(|t| format!("{} {}前（{}）", day_cn(t, now), hm(t), left_cn(t, now))),
        accept_by_title: o.accept_by.map(datetime_cn).unwrap_or_default(),
        minutes: o
            .done_minutes
            .map(|m| ledger::engine::show(ledger::Currency::Minutes, m)),
        done_note: o.done_note.clone().filter(|n| !n.is_empty()),
        rating: o.rating.map(stars),
        comment: o.comment.clone().filter(|n| !n.is_empty()),
        person_rating: o.person_rating.map(stars),
        person_comment: o.person_comment.clone().filter(|n| !n.is_empty()),
        closed_reason: o.closed_reason.clone(),
        credited: o.credit_txn_id.is_some(),
        default_minutes: if (1..=1440).contains(&span) {
            span.to_string()
        } else {
            String::new()
        },
    }
}

/// One line of an order's history.
pub struct EventRow {
    who: String,
    what: String,
    reason: Option<String>,
    against: String,
    when: String,
    when_title: String,
}

/// What a step's form sent.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct StepForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    frame: Frame,
    o: Detail,
    events: Vec<EventRow>,
    can: Vec<String>,
    primary: &'static str,
    reason_optional: bool,
    hint: String,
    scale: [i64; 5],
    step: String,
    form: StepForm,
    errors: FormErrors,
    alert: Option<String>,
}

impl OrderPage {
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
    /// The typed value of `field` when the form of `step` was sent.
    fn val(&self, step: &str, field: &str) -> &str {
        if self.step != step {
            return "";
        }
        match field {
            "reason" => &self.form.reason,
            "minutes" => &self.form.minutes,
            "note" => &self.form.note,
            "rating" => &self.form.rating,
            "comment" => &self.form.comment,
            _ => "",
        }
    }
    /// Whether star `n` was chosen in the form of `step`.
    fn star(&self, step: &str, n: &i64) -> bool {
        self.val(step, "rating") == n.to_string()
    }
    fn btn(&self, step: &str) -> &'static str {
        if self.primary == step {
            "btn primary block"
        } else {
            "btn"
        }
    }
}

/// A step's form that came back: which step, what was typed, and what was wrong (field
/// errors, or a conflict with the order's state said at the top).
#[derive(Default)]
struct Sent {
    step: String,
    form: StepForm,
    errors: FormErrors,
    alert: Option<String>,
}

async fn order_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    toast: Option<String>,
    sent: Sent,
) -> PageResult {
    let Sent {
        step,
        form,
        errors,
        alert,
    } = sent;
    let a = &u.access;
    let v = orders::view::get(&s.db, a, id).await?;
    let now = now_ms();
    let ids: Vec<i64> = v.events.iter().filter_map(|e| e.person_id).collect();
    let names = org::pool::names(&s.db, a.city_id(), &ids).await?;
    let events = v
        .events
        .iter()
        .rev()
        .map(|e| {
            let person = e.person_id.and_then(|p| names.get(&p).cloned());
            let what = match (e.action.as_str(), person) {
                ("dispatch", Some(p)) => format!("派单给 {p}"),
                ("confirm", _) => "确认完成并评价".to_owned(),
                _ => e.action_label.clone(),
            };
            let label = match e.action.as_str() {
                "decline" | "cancel" => "原因",
                "dispatch" => "理由",
                "rate_back" => "评价",
                _ => "说明",
            };
            let against: Vec<String> = e.overrides.split(',').map(str::to_owned).collect();
            // The ledger's own note on a credit is for staff only.
            let shown = match e.action.as_str() {
                "credit" => false,
                "credit_failed" => a.is_staff(),
                _ => true,
            };
            EventRow {
                who: e.actor_name.clone(),
                what,
                reason: e
                    .reason
                    .clone()
                    .filter(|r| shown && !r.is_empty())
                    .map(|r| format!("{label}：{r}")),
                against: override_words(&against),
                when: relative_cn(e.at, now),
                when_title: datetime_cn(e.at),
            }
        })
        .collect();
    let me = a.person_id();
    let reason_optional =
        me != 0 && (me == v.order.resident_person_id || me == v.order.placed_by_person_id);
    let hint = next_hint(&v, a);
    let primary = ["accept", "finish", "confirm", "dispatch", "rate_back"]
        .into_iter()
        .find(|p| v.can.iter().any(|c| c == p))
        .unwrap_or("");
    let conflict = alert.is_some();
    let failed = !errors.0.is_empty() || conflict;
    let back = if is_dispatcher(a) {
        "/dispatch"
    } else {
        "/orders"
    };
    let mut res = render(&OrderPage {
        frame: Frame::new(a, v.category_label.clone(), area(a))
            .with_toast(toast)
            .with_back(back),
        o: detail(&v, now),
        events,
        can: v.can.clone(),
        primary,
        reason_optional,
        hint,
        scale: [5, 4, 3, 2, 1],
        step,
        form,
        errors,
        alert,
    });
    if failed {
        *res.status_mut() = if conflict {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
    }
    Ok(res)
}

/// What happens next, said to the viewer.
fn next_hint(v: &OrderView, a: &Access) -> String {
    let can = |s: &str| v.can.iter().any(|c| c == s);
    let me = a.person_id();
    let assignee = v.assignee_name.clone().unwrap_or_default();
    let mine = me != 0 && v.order.assignee_person_id == Some(me);
    match v.order.state {
        OrderState::Placed if can("dispatch") => {
            "居民在等待：请从推荐名单中选一位合适的人员派单。".into()
        }
        OrderState::Placed => "社区正在安排服务人员，派单后会在“消息”里通知您。".into(),
        OrderState::Dispatched if mine => {
            "请在接单期限内接单；不能去的话，说明原因退回社区重新派单。".into()
        }
        OrderState::Dispatched => format!("已派给 {assignee}，等待对方接单。"),
        OrderState::Accepted if mine => {
            "请按期望时间上门。服务完成后，在下面填写用时并提交，由居民确认。".into()
        }
        OrderState::Accepted => format!("{assignee} 已接单，将按期望时间上门服务。"),
        OrderState::Done if can("confirm") => {
            "服务人员已完成服务，请确认并评价；确认后服务时长记入其时间银行。".into()
        }
        OrderState::Done => "已完成服务，等待居民确认。".into(),
        OrderState::Confirmed => "服务已完成并确认。".into(),
        OrderState::Cancelled => "这个需求已撤销。".into(),
        OrderState::Expired => {
            "期望时间已过，没有人员接单，订单已过期。如仍需要，请重新提交。".into()
        }
    }
}

/// A toast in the address.
#[derive(Debug, Deserialize, Default)]
pub struct ToastOnly {
    toast: Option<String>,
}

/// GET /orders/{id}
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    order_view(&s, &u, id, t.toast, Sent::default()).await
}

fn rating_of(f: &StepForm) -> Result<Rating, Error> {
    let rating = f
        .rating
        .trim()
        .parse::<i64>()
        .map_err(|_| Error::field("rating", "请选择 1 到 5 星"))?;
    Ok(Rating {
        rating,
        comment: f.comment.clone(),
    })
}

async fn act(s: &AppState, u: &PageUser, id: i64, step: &str, f: StepForm) -> PageResult {
    use orders::service as svc;
    let (db, a) = (&s.db, &u.access);
    let reason = || Reason {
        reason: f.reason.clone(),
    };
    let result = match step {
        "accept" => svc::accept(db, a, id)
            .await
            .map(|_| "已接单，请按约定时间上门服务"),
        "decline" => svc::decline(db, a, id, reason())
            .await
            .map(|_| "已拒单，订单已退回社区重新派单"),
        "finish" => match f.minutes.trim().parse::<i64>() {
            Ok(minutes) => svc::finish(
                db,
                a,
                id,
                Finish {
                    minutes,
                    note: f.note.clone(),
                },
            )
            .await
            .map(|_| "已提交，等待居民确认"),
            Err(_) => Err(Error::field(
                "minutes",
                "请填写服务用了多少分钟（整数），例如 90",
            )),
        },
        "confirm" => match rating_of(&f) {
            Ok(r) => svc::confirm(db, a, id, r)
                .await
                .map(|_| "已确认完成，谢谢您的评价"),
            Err(e) => Err(e),
        },
        "rate_back" => match rating_of(&f) {
            Ok(r) => svc::rate_back(db, a, id, r).await.map(|_| "已提交评价"),
            Err(e) => Err(e),
        },
        "cancel" => svc::cancel(db, a, id, reason()).await.map(|_| "已撤销"),
        _ => Err(Error::NotFound),
    };
    match result {
        // After declining, the order is no longer the person's to see.
        Ok(toast) if step == "decline" => Ok(done("/orders", toast)),
        Ok(toast) => Ok(done(&format!("/orders/{id}"), toast)),
        Err(Error::Invalid(v)) => {
            let sent = Sent {
                step: step.to_owned(),
                form: f,
                errors: FormErrors(v),
                alert: None,
            };
            order_view(s, u, id, None, sent).await
        }
        Err(Error::Conflict { message, .. }) => {
            let sent = Sent {
                step: step.to_owned(),
                form: f,
                errors: FormErrors::default(),
                alert: Some(message),
            };
            order_view(s, u, id, None, sent).await
        }
        Err(e) => Err(e.into()),
    }
}

macro_rules! step_handler {
    ($name:ident, $step:literal, $doc:literal) => {
        #[doc = $doc]
        pub async fn $name(
            State(s): State<AppState>,
            u: PageUser,
            Path(id): Path<i64>,
            CsrfForm(f): CsrfForm<StepForm>,
        ) -> PageResult {
            act(&s, &u, id, $step, f).await
        }
    };
}

step_handler!(accept, "accept", "POST /orders/{id}/accept: 接单.");
step_handler!(
    decline,
    "decline",
    "POST /orders/{id}/decline: 拒单 with a reason."
);
step_handler!(
    finish,
    "finish",
    "POST /orders/{id}/finish: minutes and a note."
);
step_handler!(
    confirm,
    "confirm",
    "POST /orders/{id}/confirm: 确认完成 with stars."
);
step_handler!(
    rate_back,
    "rate_back",
    "POST /orders/{id}/rate-back: the person's rating."
);
step_handler!(cancel, "cancel", "POST /orders/{id}/cancel: 撤销.");

// ---------------------------------------------------------------------------------------
// 派单
// ---------------------------------------------------------------------------------------

/// A recommended person on the dispatch page.
pub struct Card {
    person_id: i64,
    name: String,
    reasons: Vec<String>,
    warning: String,
    needs_reason: bool,
    primary: bool,
    current: bool,
}

#[derive(Template)]
#[template(path = "order_dispatch.html")]
struct DispatchPage {
    frame: Frame,
    o: Detail,
    state: String,
    can_dispatch: bool,
    cards: Vec<Card>,
    /// The name searched for (empty: the recommendation).
    q: String,
    person: i64,
    reason: String,
    errors: FormErrors,
    alert: Option<String>,
}

impl DispatchPage {
    fn err(&self, person: &i64, field: &str) -> Option<&str> {
        if self.person == *person {
            self.errors.get(field)
        } else {
            None
        }
    }
    /// The reason form of a flagged card stays folded unless it was the one sent.
    fn open(&self, person: &i64) -> bool {
        self.person == *person
    }
    fn typed(&self, person: &i64) -> &str {
        if self.person == *person {
            &self.reason
        } else {
            ""
        }
    }
}

fn card(r: Recommendation, first: bool, current: Option<i64>) -> Card {
    Card {
        person_id: r.person_id,
        warning: override_words(&r.needs_reason),
        needs_reason: !r.needs_reason.is_empty(),
        primary: first && r.needs_reason.is_empty(),
        current: current == Some(r.person_id),
        name: r.name,
        reasons: r.reasons,
    }
}

#[allow(clippy::too_many_arguments)]
async fn dispatch_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    q: &str,
    toast: Option<String>,
    sent: Option<(i64, String)>,
    errors: FormErrors,
    alert: Option<String>,
) -> PageResult {
    let a = &u.access;
    let v = orders::view::get(&s.db, a, id).await?;
    let q = q.trim();
    let (recs, q_error) = if q.is_empty() {
        (
            orders::view::recommendations(&s.db, a, id, &RecommendQuery::default()).await?,
            None,
        )
    } else {
        let query = RecommendQuery {
            q: Some(q.to_owned()),
            limit: Some(20),
        };
        match orders::view::recommendations(&s.db, a, id, &query).await {
            Ok(r) => (r, None),
            Err(Error::Invalid(v)) => (vec![], v.into_iter().next().map(|e| e.message)),
            Err(e) => return Err(e.into()),
        }
    };
    let now = now_ms();
    let can_dispatch = v.can.iter().any(|c| c == "dispatch");
    let cards: Vec<Card> = recs
        .into_iter()
        .enumerate()
        .map(|(i, r)| card(r, i == 0, v.order.assignee_person_id))
        .collect();
    let (person, reason) = sent.unwrap_or_default();
    let status = if alert.is_some() {
        StatusCode::CONFLICT
    } else if !errors.0.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // An error about someone not among the cards is said at the top.
    let (errors, alert) =
        if !errors.0.is_empty() && !cards.iter().any(|c: &Card| c.person_id == person) {
            let said: Vec<String> = errors.0.into_iter().map(|e| e.message).collect();
            (FormErrors::default(), Some(said.join("；")))
        } else {
            (errors, alert)
        };
    let alert = alert.or(q_error);
    let mut res = render(&DispatchPage {
        frame: Frame::new(a, format!("派单：{}", v.category_label), "dispatch")
            .with_toast(toast)
            .with_back(format!("/orders/{id}")),
        o: detail(&v, now),
        state: v.state_label.clone(),
        can_dispatch,
        cards,
        q: q.to_owned(),
        person,
        reason,
        errors,
        alert,
    });
    *res.status_mut() = status;
    Ok(res)
}

/// GET /orders/{id}/dispatch: the order and the recommended people, each with the reasons.
pub async fn dispatch_page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<DispatchQuery>,
) -> PageResult {
    dispatch_view(&s, &u, id, &t.q, t.toast, None, FormErrors::default(), None).await
}

/// The dispatch page's query: a name to search the pool for, and the toast.
#[derive(Debug, Deserialize, Default)]
pub struct DispatchQuery {
    #[serde(default)]
    q: String,
    toast: Option<String>,
}

/// The dispatch form of one card.
#[derive(Debug, Deserialize, Default)]
pub struct DispatchForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    reason: String,
    /// The search the card came from, to show the same cards again after an error.
    #[serde(default)]
    q: String,
}

/// POST /orders/{id}/dispatch
pub async fn dispatch(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DispatchForm>,
) -> PageResult {
    let a = &u.access;
    let Ok(person_id) = f.person_id.trim().parse::<i64>() else {
        let errors = FormErrors(vec![FieldError {
            field: "person_id".into(),
            message: "请从推荐名单中选择一名人员".into(),
        }]);
        return dispatch_view(&s, &u, id, &f.q, None, None, errors, None).await;
    };
    let reason = f.reason.trim();
    let result = orders::service::dispatch(
        &s.db,
        a,
        id,
        Dispatch {
            person_id,
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
        },
    )
    .await;
    match result {
        Ok(_) => {
            let name = orders::view::get(&s.db, a, id)
                .await
                .ok()
                .and_then(|v| v.assignee_name)
                .unwrap_or_default();
            Ok(done("/dispatch", &format!("已派单给 {name}")))
        }
        Err(Error::Invalid(v)) => {
            dispatch_view(
                &s,
                &u,
                id,
                &f.q,
                None,
                Some((person_id, f.reason)),
                FormErrors(v),
                None,
            )
            .await
        }
        Err(Error::Conflict { message, .. }) => {
            dispatch_view(
                &s,
                &u,
                id,
                &f.q,
                None,
                None,
                FormErrors::default(),
                Some(message),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A count on the board, linking to what it counts.
pub struct Count {
    label: &'static str,
    n: i64,
    href: &'static str,
    tone: &'static str,
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct BoardPage {
    frame: Frame,
    counts: Vec<Count>,
    rows: Vec<Row>,
    more: bool,
}

/// GET /dispatch: the cadre's board: counts that link to their orders, then the orders
/// waiting to be dispatched, the soonest wanted first.
pub async fn board(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    let a = &u.access;
    if !is_dispatcher(a) {
        return Err(Error::Forbidden("只有社区干部可以派单").into());
    }
    let b = orders::view::board(&s.db, a).await?;
    let page = orders::view::list(
        &s.db,
        a,
        &OrderQuery {
            view: Some("scope".into()),
            state: Some("placed".into()),
            overdue: false,
            before: None,
            limit: Some(100),
        },
    )
    .await?;
    let now = now_ms();
    let mut items = page.items;
    items.sort_by_key(|v| (v.order.wanted_from, v.order.id));
    let counts = vec![
        Count {
            label: "待派单",
            n: b.placed,
            href: "/orders?state=placed",
            tone: "pending",
        },
        Count {
            label: "待接单",
            n: b.dispatched,
            href: "/orders?state=dispatched",
            tone: "pending",
        },
        Count {
            label: "服务中",
            n: b.accepted,
            href: "/orders?state=accepted",
            tone: "active",
        },
        Count {
            label: "待确认",
            n: b.done,
            href: "/orders?state=done",
            tone: "pending",
        },
        Count {
            label: "已超期",
            n: b.overdue,
            href: "/orders?overdue=true",
            tone: "overdue",
        },
    ];
    Ok(render(&BoardPage {
        frame: Frame::new(a, "派单", "dispatch").with_toast(t.toast),
        counts,
        rows: items.iter().map(|v| row(v, now)).collect(),
        more: page.next.is_some(),
    }))
}

/// One assignment made against the recommendation.
pub struct OverrideRow {
    order_id: i64,
    person: String,
    dispatcher: String,
    against: String,
    reason: String,
    when: String,
    when_title: String,
}

#[derive(Template)]
#[template(path = "order_overrides.html")]
struct OverridesPage {
    frame: Frame,
    rows: Vec<OverrideRow>,
    next_href: Option<String>,
}

/// Keyset paging.
#[derive(Debug, Deserialize, Default)]
pub struct Before {
    before: Option<i64>,
}

/// GET /orders/overrides: assignments made against skills, availability or the monthly
/// cap, with the reasons written (the anti-加码 record).
pub async fn overrides(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<Before>,
) -> PageResult {
    let a = &u.access;
    let page = orders::view::overrides(&s.db, a, q.before).await?;
    let now = now_ms();
    Ok(render(&OverridesPage {
        frame: Frame::new(a, "派单记录", area(a)).with_back("/dispatch"),
        rows: page
            .items
            .into_iter()
            .map(|o| OverrideRow {
                order_id: o.order_id,
                person: o.person_name,
                dispatcher: o.dispatcher,
                against: override_words(&o.overrides),
                reason: o.reason,
                when: relative_cn(o.at, now),
                when_title: datetime_cn(o.at),
            })
            .collect(),
        next_href: page.next.map(|n| format!("/orders/overrides?before={n}")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_override_words() {
        assert_eq!(stars(4), "★★★★☆ 4 星");
        assert_eq!(
            override_words(&["skill".into(), "load".into()]),
            "不具备所需专长、本月承接已达上限"
        );
    }
}
