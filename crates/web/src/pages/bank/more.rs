//! The remaining time-bank operations: gifts to registered close relatives (and the cadres'
//! registration of them), service exchanges confirmed by both sides, a community's catalogue
//! of goods for coins, the guarantee fund's top-up of a community fund, and the honour list
//! (who reached the threshold, by name — not a ranking).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::FieldError;
use ledger::Currency;
use ledger::exchange::{
    ExchangeInput, FamilyLink, FamilyLinkInput, Gift, GuaranteeTopUp, ItemInput,
};
use org::Access;
use serde::Deserialize;

use super::{form_errors, person_options, plain, typed_minutes, unprocessable};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::{FormErrors, Frame, PageResult, ToastQuery, done, render};

fn field(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

fn fresh_key(key: String) -> String {
    if key.is_empty() {
        org::auth::random_token()
    } else {
        key
    }
}

/// A person's name as the caller may read it, else their number.
async fn name_of(s: &AppState, a: &Access, person_id: i64) -> String {
    match org::people::get(&s.db, a, person_id).await {
        Ok(p) => p.name,
        Err(_) => format!("人员编号 {person_id}"),
    }
}

/// The caller's time-coin balance in minutes.
async fn my_minutes(s: &AppState, a: &Access) -> kernel::Result<i64> {
    Ok(ledger::timebank::summary(&s.db, a, a.person_id())
        .await?
        .minutes)
}

// ---------------------------------------------------------------- gifts

/// The gift form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct GiftForm {
    #[serde(default)]
    to_person_id: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    key: String,
}

#[derive(Template)]
#[template(path = "bank_more_gift.html")]
struct GiftPage {
    frame: Frame,
    relatives: Vec<FamilyLink>,
    time: String,
    has_time: bool,
    form: GiftForm,
    errors: FormErrors,
}

async fn gift_view(
    s: &AppState,
    u: &PageUser,
    toast: Option<String>,
    form: GiftForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    let relatives = ledger::exchange::relatives(&s.db, a, a.person_id()).await?;
    let minutes = my_minutes(s, a).await?;
    let failed = !errors.0.is_empty();
    let res = render(&GiftPage {
        frame: Frame::new(a, "赠与直系亲属", "bank")
            .with_toast(toast)
            .with_back("/bank"),
        relatives,
        time: plain(Currency::Minutes, minutes),
        has_time: minutes > 0,
        form: GiftForm {
            key: fresh_key(form.key.clone()),
            ..form
        },
        errors,
    });
    unprocessable(res, failed)
}

/// GET /bank/gift: give some of my time coins to a registered close relative.
pub async fn gift_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    gift_view(&s, &u, t.toast, GiftForm::default(), FormErrors::default()).await
}

/// POST /bank/gift
pub async fn give(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(form): CsrfForm<GiftForm>,
) -> PageResult {
    let a = &u.access;
    let mut bad = Vec::new();
    let to = form.to_person_id.trim().parse::<i64>().ok();
    if to.is_none() {
        bad.push(field("to_person_id", "请选择接受赠与的亲属"));
    }
    let minutes = typed_minutes(&form.hours, &form.minutes).unwrap_or_else(|e| {
        bad.push(e);
        0
    });
    let result = if bad.is_empty() {
        ledger::exchange::give(
            &s.db,
            a,
            Gift {
                to_person_id: to.unwrap_or_default(),
                minutes,
                key: form.key.clone(),
            },
        )
        .await
    } else {
        Err(kernel::Error::Invalid(bad))
    };
    match result {
        Ok(t) if t.replayed => Ok(done("/bank/gift", "这笔赠与已经记录过了，没有重复扣除")),
        Ok(_) => {
            let to = to.unwrap_or_default();
            let name = match ledger::exchange::relatives(&s.db, a, a.person_id()).await {
                Ok(rs) => rs
                    .into_iter()
                    .find(|r| r.relative_id == to)
                    .map(|r| r.relative_name),
                Err(_) => None,
            };
            let name = match name {
                Some(n) => n,
                None => name_of(&s, a, to).await,
            };
            Ok(done(
                "/bank/gift",
                &format!("已赠与 {name} {}", plain(Currency::Minutes, minutes)),
            ))
        }
        Err(e) => {
            let errors = form_errors(e, "minutes")?;
            gift_view(&s, &u, None, form, errors).await
        }
    }
}

// ---------------------------------------------------------------- relatives (cadres)

/// Whose relatives, and the person search.
#[derive(Debug, Deserialize, Default)]
pub struct RelativesQuery {
    person_id: Option<String>,
    q: Option<String>,
    toast: Option<String>,
}

/// The registration form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct RelativeForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    relative_id: String,
    #[serde(default)]
    relation: String,
}

#[derive(Template)]
#[template(path = "bank_more_relatives.html")]
struct RelativesPage {
    frame: Frame,
    q: String,
    people: Vec<(i64, String)>,
    more_people: bool,
    person: Option<(i64, String)>,
    relatives: Vec<FamilyLink>,
    can_register: bool,
    relations: Vec<&'static str>,
    form: RelativeForm,
    errors: FormErrors,
}

async fn relatives_view(
    s: &AppState,
    u: &PageUser,
    q: String,
    toast: Option<String>,
    form: RelativeForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    if !a.is_staff() {
        return Err(kernel::Error::Forbidden("亲属关系由社区干部登记").into());
    }
    let selected = form.person_id.trim().parse::<i64>().ok();
    let (people, more_people) = person_options(s, a, &q, None, selected).await?;
    let (person, relatives, can_register) = match selected {
        Some(id) => {
            let p = org::people::get(&s.db, a, id).await?;
            let scope = org::people::scope_of(&s.db, a.city_id(), id).await?;
            let relatives = ledger::exchange::relatives(&s.db, a, id).await?;
            (Some((p.id, p.name)), relatives, a.manages_person(&scope))
        }
        None => (None, vec![], false),
    };
    let failed = !errors.0.is_empty();
    let res = render(&RelativesPage {
        frame: Frame::new(a, "登记直系亲属", "bank")
            .with_toast(toast)
            .with_back("/bank"),
        q,
        people,
        more_people,
        person,
        relatives,
        can_register,
        relations: ledger::exchange::RELATIONS.to_vec(),
        form,
        errors,
    });
    unprocessable(res, failed)
}

/// GET /bank/relatives?person_id=: a person's registered close relatives (cadres).
pub async fn relatives_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<RelativesQuery>,
) -> PageResult {
    let form = RelativeForm {
        person_id: q.person_id.unwrap_or_default(),
        ..Default::default()
    };
    relatives_view(
        &s,
        &u,
        q.q.unwrap_or_default(),
        q.toast,
        form,
        FormErrors::default(),
    )
    .await
}

/// POST /bank/relatives: register a close relative.
pub async fn link_relative(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(form): CsrfForm<RelativeForm>,
) -> PageResult {
    let a = &u.access;
    let person_id = form.person_id.trim().parse::<i64>().ok();
    let Some(person_id) = person_id else {
        return Err(kernel::Error::Invalid(vec![field("person_id", "请先选择人员")]).into());
    };
    let result = match form.relative_id.trim().parse::<i64>() {
        Ok(relative_id) => ledger::exchange::link_relative(
            &s.db,
            a,
            FamilyLinkInput {
                person_id,
                relative_id,
                relation: form.relation.clone(),
            },
        )
        .await
        .map(|_| relative_id),
        Err(_) => Err(kernel::Error::Invalid(vec![field(
            "relative_id",
            "请填写亲属的人员编号（数字）",
        )])),
    };
    match result {
        Ok(relative_id) => {
            let name = name_of(&s, a, relative_id).await;
            Ok(done(
                &format!("/bank/relatives?person_id={person_id}"),
                &format!("已登记{}：{name}", form.relation.trim()),
            ))
        }
        Err(e) => {
            let errors = form_errors(e, "relative_id")?;
            relatives_view(&s, &u, String::new(), None, form, errors).await
        }
    }
}

// ---------------------------------------------------------------- exchanges

/// The proposal form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ExchangeForm {
    #[serde(default)]
    provider_person_id: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    description: String,
}

/// One exchange as shown to one side.
pub struct ExchangeRow {
    /// Id.
    pub id: i64,
    /// Whether I pay.
    pub i_pay: bool,
    /// The other side's name.
    pub other: String,
    /// The time.
    pub time: String,
    /// What the service is.
    pub description: String,
    /// The state in words.
    pub state: &'static str,
    /// The state's colour.
    pub badge: &'static str,
    /// Who confirmed, in words.
    pub confirmed: String,
    /// Whether I may confirm now.
    pub can_confirm: bool,
    /// Whether I may cancel now.
    pub can_cancel: bool,
}

#[derive(Template)]
#[template(path = "bank_more_exchanges.html")]
struct ExchangesPage {
    frame: Frame,
    rows: Vec<ExchangeRow>,
    time: String,
    notice: Option<String>,
    form: ExchangeForm,
    errors: FormErrors,
}

async fn exchanges_view(
    s: &AppState,
    u: &PageUser,
    toast: Option<String>,
    notice: Option<String>,
    form: ExchangeForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    let me = a.person_id();
    let list = ledger::exchange::my_exchanges(&s.db, a).await?;
    let mut rows = Vec::with_capacity(list.len());
    for e in list {
        let i_pay = e.payer_person_id == me;
        let (state, badge) = match e.state.as_str() {
            "done" => ("已完成", "green"),
            "cancelled" => ("已取消", "grey"),
            _ => ("待确认", "amber"),
        };
        let confirmed = match (e.payer_confirmed, e.provider_confirmed) {
            (true, true) => "双方都已确认".to_owned(),
            (true, false) => format!(
                "{}已确认，等待服务方确认",
                if i_pay { "我" } else { "对方" }
            ),
            (false, true) => format!(
                "{}已确认，等待付出方确认",
                if i_pay { "对方" } else { "我" }
            ),
            (false, false) => "双方都还没有确认".to_owned(),
        };
        let mine_confirmed = if i_pay {
            e.payer_confirmed
        } else {
            e.provider_confirmed
        };
        let open = e.state == "proposed";
        rows.push(ExchangeRow {
            id: e.id,
            i_pay,
            // The two sides of an exchange see each other's names.
            other: if i_pay {
                e.provider_name.clone()
            } else {
                e.payer_name.clone()
            },
            time: plain(Currency::Minutes, e.minutes),
            description: e.description,
            state,
            badge,
            confirmed,
            can_confirm: open && !mine_confirmed,
            can_cancel: open,
        });
    }
    let minutes = my_minutes(s, a).await?;
    let failed = !errors.0.is_empty();
    let res = render(&ExchangesPage {
        frame: Frame::new(a, "兑换服务", "bank")
            .with_toast(toast)
            .with_back("/bank"),
        rows,
        time: plain(Currency::Minutes, minutes),
        notice,
        form,
        errors,
    });
    unprocessable(res, failed)
}

/// GET /bank/exchanges: my service exchanges and the form to propose one.
pub async fn exchanges_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    exchanges_view(
        &s,
        &u,
        t.toast,
        None,
        ExchangeForm::default(),
        FormErrors::default(),
    )
    .await
}

/// POST /bank/exchanges: propose to spend my coins on a service from another person.
pub async fn propose(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(form): CsrfForm<ExchangeForm>,
) -> PageResult {
    let a = &u.access;
    let mut bad = Vec::new();
    let provider = form.provider_person_id.trim().parse::<i64>().ok();
    if provider.is_none() {
        bad.push(field(
            "provider_person_id",
            "请填写服务人员的人员编号（数字，可向社区询问）",
        ));
    }
    let minutes = typed_minutes(&form.hours, &form.minutes).unwrap_or_else(|e| {
        bad.push(e);
        0
    });
    let result = if bad.is_empty() {
        ledger::exchange::propose(
            &s.db,
            a,
            ExchangeInput {
                provider_person_id: provider.unwrap_or_default(),
                minutes,
                description: form.description.clone(),
            },
        )
        .await
    } else {
        Err(kernel::Error::Invalid(bad))
    };
    match result {
        Ok(e) => Ok(done(
            "/bank/exchanges",
            &format!("已发起兑换“{}”，双方确认后时间币才会转出", e.description),
        )),
        Err(kernel::Error::Conflict {
            code: "too_young_to_spend",
            message,
        }) => {
            let errors = FormErrors(vec![field("spend", message)]);
            exchanges_view(&s, &u, None, None, form, errors).await
        }
        Err(e) => {
            let errors = form_errors(e, "minutes")?;
            exchanges_view(&s, &u, None, None, form, errors).await
        }
    }
}

/// What happened to one exchange, as a page: the list with the toast, or with the reason.
async fn after_exchange(
    s: &AppState,
    u: &PageUser,
    result: kernel::Result<ledger::exchange::Exchange>,
    ok: impl FnOnce(&ledger::exchange::Exchange) -> String,
) -> PageResult {
    match result {
        Ok(e) => Ok(done("/bank/exchanges", &ok(&e))),
        Err(kernel::Error::Conflict { message, .. }) => {
            let mut res = exchanges_view(
                s,
                u,
                None,
                Some(message),
                ExchangeForm::default(),
                FormErrors::default(),
            )
            .await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /bank/exchanges/{id}/confirm
pub async fn confirm(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<ToastQuery>,
) -> PageResult {
    let result = ledger::exchange::confirm(&s.db, &u.access, id).await;
    after_exchange(&s, &u, result, |e| {
        if e.state == "done" {
            format!(
                "双方都已确认，已转给服务方 {}",
                plain(Currency::Minutes, e.minutes)
            )
        } else {
            "已确认，等待对方确认".to_owned()
        }
    })
    .await
}

/// POST /bank/exchanges/{id}/cancel
pub async fn cancel(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<ToastQuery>,
) -> PageResult {
    let result = ledger::exchange::cancel(&s.db, &u.access, id).await;
    after_exchange(&s, &u, result, |_| {
        "已取消这笔兑换，时间币没有转出".to_owned()
    })
    .await
}

// ---------------------------------------------------------------- catalogue

/// Which community's catalogue.
#[derive(Debug, Deserialize, Default)]
pub struct ItemsQuery {
    unit_id: Option<i64>,
    toast: Option<String>,
}

/// The new item form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ItemForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    stock: String,
}

/// One item as shown.
pub struct ItemRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Price.
    pub price: String,
    /// Stock left.
    pub stock: i64,
    /// Whether it can be redeemed now.
    pub available: bool,
    /// Whether the caller has enough coins.
    pub affordable: bool,
    /// The idempotency key of its redemption form.
    pub key: String,
}

#[derive(Template)]
#[template(path = "bank_more_items.html")]
struct ItemsPage {
    frame: Frame,
    unit_id: Option<i64>,
    unit_name: String,
    choices: Vec<(i64, String)>,
    items: Vec<ItemRow>,
    time: String,
    can_add: bool,
    notice: Option<String>,
    form: ItemForm,
    errors: FormErrors,
}

/// The community whose catalogue a person sees first: where they are registered, else
/// where they live.
async fn my_community(s: &AppState, a: &Access) -> Option<i64> {
    let me = org::people::get(&s.db, a, a.person_id()).await.ok()?;
    me.registrations
        .iter()
        .find(|r| r.side == "community")
        .and_then(|r| r.community_id)
        .or(me.home_community_id)
}

async fn items_view(
    s: &AppState,
    u: &PageUser,
    q: ItemsQuery,
    notice: Option<String>,
    form: ItemForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    let choices: Vec<(i64, String)> = if a.is_staff() {
        org::people::community_choices(&s.db, a)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        vec![]
    };
    let unit_id = match q.unit_id {
        Some(id) => Some(id),
        None => match my_community(s, a).await {
            Some(id) => Some(id),
            None => choices.first().map(|c| c.0),
        },
    };
    let minutes = my_minutes(s, a).await?;
    let (unit_name, items, can_add) = match unit_id {
        Some(id) => {
            let unit = org::units::get(&s.db, a, id).await?;
            let items = ledger::exchange::items(&s.db, a, id).await?;
            let can_add = unit.kind.is_community_level()
                && a.admin_prefixes()
                    .iter()
                    .any(|p| unit.path.starts_with(p.as_str()));
            (unit.name, items, can_add)
        }
        None => (String::new(), vec![], false),
    };
    let items = items
        .into_iter()
        .filter(|i| i.active)
        .map(|i| ItemRow {
            id: i.id,
            name: i.name,
            price: plain(Currency::Minutes, i.price_minutes),
            stock: i.stock,
            available: i.stock > 0,
            affordable: minutes >= i.price_minutes,
            key: org::auth::random_token(),
        })
        .collect();
    let failed = !errors.0.is_empty();
    let title = if unit_name.is_empty() {
        "兑换物品".to_owned()
    } else {
        format!("兑换物品 · {unit_name}")
    };
    let res = render(&ItemsPage {
        frame: Frame::new(a, title, "bank")
            .with_toast(q.toast)
            .with_back("/bank"),
        unit_id,
        unit_name,
        choices,
        items,
        time: plain(Currency::Minutes, minutes),
        can_add,
        notice,
        form,
        errors,
    });
    unprocessable(res, failed)
}

/// GET /bank/items?unit_id=: a community's catalogue of goods for coins.
pub async fn items_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ItemsQuery>,
) -> PageResult {
    items_view(&s, &u, q, None, ItemForm::default(), FormErrors::default()).await
}

/// POST /bank/items?unit_id=: add an item to the catalogue (the community's cadres).
pub async fn add_item(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ItemsQuery>,
    CsrfForm(form): CsrfForm<ItemForm>,
) -> PageResult {
    let a = &u.access;
    let Some(unit_id) = q.unit_id else {
        return Err(kernel::Error::Invalid(vec![field("unit_id", "请先选择社区")]).into());
    };
    let mut bad = Vec::new();
    let price = match typed_minutes(&form.hours, &form.minutes) {
        Ok(m) => m,
        Err(_) => {
            bad.push(field(
                "price_minutes",
                "所需时间币请填写整数的小时和分钟，例如 2 小时",
            ));
            0
        }
    };
    let stock = form.stock.trim().parse::<i64>().unwrap_or_else(|_| {
        bad.push(field("stock", "库存请填写整数，例如 10"));
        0
    });
    let result = if bad.is_empty() {
        ledger::exchange::add_item(
            &s.db,
            a,
            unit_id,
            ItemInput {
                name: form.name.clone(),
                price_minutes: price,
                stock,
            },
        )
        .await
    } else {
        Err(kernel::Error::Invalid(bad))
    };
    match result {
        Ok(i) => Ok(done(
            &format!("/bank/items?unit_id={unit_id}"),
            &format!("已添加“{}”，库存 {}", i.name, i.stock),
        )),
        Err(e) => {
            let errors = form_errors(e, "name")?;
            let q = ItemsQuery {
                unit_id: Some(unit_id),
                toast: None,
            };
            items_view(&s, &u, q, None, form, errors).await
        }
    }
}

/// The redemption form.
#[derive(Debug, Deserialize, Default)]
pub struct RedeemForm {
    #[serde(default)]
    key: String,
    unit_id: Option<i64>,
}

/// POST /bank/items/{id}/redeem: redeem one item for my coins.
pub async fn redeem(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RedeemForm>,
) -> PageResult {
    let back = match form.unit_id {
        Some(unit) => format!("/bank/items?unit_id={unit}"),
        None => "/bank/items".to_owned(),
    };
    match ledger::exchange::redeem(&s.db, &u.access, id, &form.key).await {
        Ok(t) if t.replayed => Ok(done(&back, "这次兑换已经记录过了，没有重复扣除")),
        Ok(t) => Ok(done(
            &back,
            &format!(
                "已兑换：{}，请到社区领取",
                t.memo.trim_start_matches("兑换：")
            ),
        )),
        Err(kernel::Error::Conflict { message, .. }) => {
            let q = ItemsQuery {
                unit_id: form.unit_id,
                toast: None,
            };
            let mut res = items_view(
                &s,
                &u,
                q,
                Some(message),
                ItemForm::default(),
                FormErrors::default(),
            )
            .await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- guarantee

/// The guarantee top-up form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct GuaranteeForm {
    #[serde(default)]
    pub g_hours: String,
    #[serde(default)]
    pub g_minutes: String,
    #[serde(default)]
    pub g_reason: String,
    #[serde(default)]
    pub key: String,
}

/// POST /bank/funds/{unit_id}/guarantee: the guarantee fund tops up a community fund.
pub async fn guarantee(
    State(s): State<AppState>,
    u: PageUser,
    Path(unit_id): Path<i64>,
    CsrfForm(form): CsrfForm<GuaranteeForm>,
) -> PageResult {
    let result = match typed_minutes(&form.g_hours, &form.g_minutes) {
        Ok(minutes) => ledger::exchange::guarantee(
            &s.db,
            &u.access,
            GuaranteeTopUp {
                unit_id,
                minutes,
                reason: form.g_reason.clone(),
                key: form.key.clone(),
            },
        )
        .await
        .map(|t| (t, minutes)),
        Err(e) => Err(kernel::Error::Invalid(vec![e])),
    };
    let back = format!("/bank/funds/{unit_id}");
    match result {
        Ok((t, _)) if t.replayed => Ok(done(&back, "这笔兜底已经记录过了，没有重复记入")),
        Ok((_, minutes)) => Ok(done(
            &back,
            &format!("保障基金已兜底 {}", plain(Currency::Minutes, minutes)),
        )),
        Err(e) => {
            let FormErrors(errs) = form_errors(e, "g_minutes")?;
            let errors = FormErrors(
                errs.into_iter()
                    .map(|e| match e.field.as_str() {
                        "minutes" => field("g_minutes", e.message),
                        "reason" => field("g_reason", e.message),
                        _ => e,
                    })
                    .collect(),
            );
            super::funds::fund_view_guarantee(&s, &u, unit_id, form, errors).await
        }
    }
}

// ---------------------------------------------------------------- honours

/// The period asked for.
#[derive(Debug, Deserialize, Default)]
pub struct HonoursQuery {
    period: Option<String>,
}

/// One person on the honour list.
pub struct HonourRow {
    /// The person.
    pub person_id: i64,
    /// Name.
    pub name: String,
}

#[derive(Template)]
#[template(path = "bank_more_honours.html")]
struct HonoursPage {
    frame: Frame,
    period: String,
    threshold: String,
    people: Vec<HonourRow>,
    errors: FormErrors,
}

/// GET /bank/honours?period=: who reached the honour threshold (administrators).
pub async fn honours_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<HonoursQuery>,
) -> PageResult {
    let a = &u.access;
    let period = q
        .period
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| kernel::time::today().to_string()[..7].to_owned());
    let (threshold, people, errors) = match ledger::exchange::honours(&s.db, a, &period).await {
        Ok((t, mut people)) => {
            people.sort_by(|x, y| x.name.cmp(&y.name).then(x.person_id.cmp(&y.person_id)));
            (t, people, FormErrors::default())
        }
        Err(kernel::Error::Invalid(errs)) => (0, vec![], FormErrors(errs)),
        Err(e) => return Err(e.into()),
    };
    let failed = !errors.0.is_empty();
    let res = render(&HonoursPage {
        frame: Frame::new(a, "表扬名单", "bank").with_back("/bank"),
        period,
        threshold: plain(Currency::Points, threshold),
        people: people
            .into_iter()
            .map(|h| HonourRow {
                person_id: h.person_id,
                name: h.name,
            })
            .collect(),
        errors,
    });
    unprocessable(res, failed)
}
