//! Points and the time bank: credits, donations, grants, reversals, statements, the trial
//! balance, the points standard and the time-bank settings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kernel::paging::Page;
use ledger::engine::{Line, StatementQuery, TrialBalance, Txn};
use ledger::rules::{PointsRule, SettingChange, SettingView};
use ledger::timebank::{Donation, Grant, Reversal, ServiceCredit, Summary};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiResult;
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

fn created(t: Txn) -> (StatusCode, Json<Txn>) {
    // A replay answers the first result with 200, a new transaction 201.
    (
        if t.replayed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        Json(t),
    )
}

/// Credit confirmed service (points and time coins) to a person.
#[utoipa::path(post, path = "/ledger/credits", tag = "ledger", request_body = ServiceCredit,
    responses((status = 201, body = Txn), (status = 200, body = Txn, description = "replay of the same key"),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn credit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(c): ApiJson<ServiceCredit>,
) -> ApiResult<(StatusCode, Json<Txn>)> {
    Ok(created(
        ledger::timebank::credit_service(&s.db, &u.access, c).await?,
    ))
}

/// Donate one's own time coins to one's community fund.
#[utoipa::path(post, path = "/ledger/donations", tag = "ledger", request_body = Donation,
    responses((status = 201, body = Txn), (status = 409, body = crate::error::Problem)))]
pub async fn donate(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(d): ApiJson<Donation>,
) -> ApiResult<(StatusCode, Json<Txn>)> {
    Ok(created(
        ledger::timebank::donate(&s.db, &u.access, d).await?,
    ))
}

/// Grant time coins from a community fund to a resident in need (with a reason).
#[utoipa::path(post, path = "/ledger/grants", tag = "ledger", request_body = Grant,
    responses((status = 201, body = Txn), (status = 409, body = crate::error::Problem)))]
pub async fn grant(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(g): ApiJson<Grant>,
) -> ApiResult<(StatusCode, Json<Txn>)> {
    Ok(created(ledger::timebank::grant(&s.db, &u.access, g).await?))
}

/// One transaction.
#[utoipa::path(get, path = "/ledger/transactions/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Txn), (status = 404, body = crate::error::Problem)))]
pub async fn transaction(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Txn>> {
    Ok(Json(
        ledger::timebank::transaction(&s.db, &u.access, id).await?,
    ))
}

/// Reverse a transaction with a new one pointing at it.
#[utoipa::path(post, path = "/ledger/transactions/{id}/reversal", tag = "ledger", params(("id" = i64, Path)),
    request_body = Reversal, responses((status = 201, body = Txn), (status = 409, body = crate::error::Problem)))]
pub async fn reverse(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<Reversal>,
) -> ApiResult<(StatusCode, Json<Txn>)> {
    Ok(created(
        ledger::timebank::reverse(&s.db, &u.access, id, r).await?,
    ))
}

/// The caller's balances and yearly progress.
#[utoipa::path(get, path = "/ledger/me", tag = "ledger", responses((status = 200, body = Summary)))]
pub async fn me(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Summary>> {
    Ok(Json(
        ledger::timebank::summary(&s.db, &u.access, u.access.person_id()).await?,
    ))
}

/// A person's balances and yearly progress.
#[utoipa::path(get, path = "/ledger/people/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Summary), (status = 404, body = crate::error::Problem)))]
pub async fn person(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Summary>> {
    Ok(Json(ledger::timebank::summary(&s.db, &u.access, id).await?))
}

/// A page of statement lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct Statement {
    /// Balance in minutes (funds) — for people see `/ledger/people/{id}`.
    pub balance_minutes: Option<i64>,
    /// Lines, newest first.
    pub items: Vec<Line>,
    /// Pass as `after` for older lines.
    pub next: Option<i64>,
}

/// A person's statement, filtered by period.
#[utoipa::path(get, path = "/ledger/people/{id}/statement", tag = "ledger", params(("id" = i64, Path), StatementQuery),
    responses((status = 200, body = Statement)))]
pub async fn person_statement(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> ApiResult<Json<Statement>> {
    let Page { items, next } = ledger::timebank::person_statement(&s.db, &u.access, id, &q).await?;
    Ok(Json(Statement {
        balance_minutes: None,
        items,
        next,
    }))
}

/// A community fund's balance and statement.
#[utoipa::path(get, path = "/ledger/funds/{unit_id}", tag = "ledger", params(("unit_id" = i64, Path), StatementQuery),
    responses((status = 200, body = Statement)))]
pub async fn fund(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> ApiResult<Json<Statement>> {
    let (balance, Page { items, next }) =
        ledger::timebank::fund_statement(&s.db, &u.access, id, &q).await?;
    Ok(Json(Statement {
        balance_minutes: Some(balance),
        items,
        next,
    }))
}

/// The city's trial balance: every currency sums to zero.
#[utoipa::path(get, path = "/ledger/trial-balance", tag = "ledger", responses((status = 200, body = TrialBalance)))]
pub async fn trial_balance(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<TrialBalance>> {
    Ok(Json(
        ledger::timebank::trial_balance(&s.db, &u.access).await?,
    ))
}

/// The points standard and the time-bank settings in force today.
#[derive(Debug, Serialize, ToSchema)]
pub struct Standard {
    /// Each kind of contribution with its rule.
    pub rules: Vec<PointsRule>,
    /// Each time-bank setting.
    pub settings: Vec<SettingView>,
}

/// The city's points standard and time-bank settings in force today.
#[utoipa::path(get, path = "/ledger/standard", tag = "ledger", responses((status = 200, body = Standard)))]
pub async fn standard(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Standard>> {
    let on = kernel::time::today().to_string();
    let city = u.access.city_id();
    Ok(Json(Standard {
        rules: ledger::rules::standard(&s.db, city, &on)
            .await?
            .into_iter()
            .map(|(_, r)| r)
            .collect(),
        settings: ledger::rules::settings(&s.db, city, &on).await?,
    }))
}

/// Add a version of a kind's points rule, from a date.
#[utoipa::path(post, path = "/ledger/standard", tag = "ledger", request_body = PointsRule,
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_rule(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(r): ApiJson<PointsRule>,
) -> ApiResult<StatusCode> {
    ledger::rules::set_rule(&s.db, &u.access, r).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change a time-bank setting, from a date.
#[utoipa::path(post, path = "/ledger/settings", tag = "ledger", request_body = SettingChange,
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_setting(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(c): ApiJson<SettingChange>,
) -> ApiResult<StatusCode> {
    ledger::rules::set_setting(&s.db, &u.access, c).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Register a close relative (直系亲属) who may receive gifts of time.
#[utoipa::path(post, path = "/ledger/family-links", tag = "ledger", request_body = ledger::exchange::FamilyLinkInput,
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn link_relative(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(f): ApiJson<ledger::exchange::FamilyLinkInput>,
) -> ApiResult<StatusCode> {
    ledger::exchange::link_relative(&s.db, &u.access, f).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A person's registered close relatives.
#[utoipa::path(get, path = "/ledger/people/{id}/relatives", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ledger::exchange::FamilyLink>)))]
pub async fn relatives(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ledger::exchange::FamilyLink>>> {
    Ok(Json(
        ledger::exchange::relatives(&s.db, &u.access, id).await?,
    ))
}

/// Give one's own time coins to a registered close relative.
#[utoipa::path(post, path = "/ledger/gifts", tag = "ledger", request_body = ledger::exchange::Gift,
    responses((status = 201, body = Txn), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn give(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(g): ApiJson<ledger::exchange::Gift>,
) -> ApiResult<(StatusCode, Json<Txn>)> {
    Ok(created(ledger::exchange::give(&s.db, &u.access, g).await?))
}

/// Propose to spend one's time coins on a service from another person.
#[utoipa::path(post, path = "/ledger/exchanges", tag = "ledger", request_body = ledger::exchange::ExchangeInput,
    responses((status = 201, body = ledger::exchange::Exchange), (status = 409, body = crate::error::Problem)))]
pub async fn propose(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(e): ApiJson<ledger::exchange::ExchangeInput>,
) -> ApiResult<(StatusCode, Json<ledger::exchange::Exchange>)> {
    Ok((
        StatusCode::CREATED,
        Json(ledger::exchange::propose(&s.db, &u.access, e).await?),
    ))
}

/// Confirm an exchange (payer or provider); the coins move when both have.
#[utoipa::path(post, path = "/ledger/exchanges/{id}/confirm", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = ledger::exchange::Exchange)))]
pub async fn confirm(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ledger::exchange::Exchange>> {
    Ok(Json(ledger::exchange::confirm(&s.db, &u.access, id).await?))
}

/// Cancel an exchange before the coins moved.
#[utoipa::path(post, path = "/ledger/exchanges/{id}/cancel", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = ledger::exchange::Exchange)))]
pub async fn cancel(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ledger::exchange::Exchange>> {
    Ok(Json(ledger::exchange::cancel(&s.db, &u.access, id).await?))
}

/// A community's catalogue of goods for coins.
#[utoipa::path(get, path = "/ledger/funds/{unit_id}/items", tag = "ledger", params(("unit_id" = i64, Path)),
    responses((status = 200, body = Vec<ledger::exchange::Item>)))]
pub async fn items(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ledger::exchange::Item>>> {
    Ok(Json(ledger::exchange::items(&s.db, &u.access, id).await?))
}

/// Add an item to a community's catalogue.
#[utoipa::path(post, path = "/ledger/funds/{unit_id}/items", tag = "ledger", params(("unit_id" = i64, Path)),
    request_body = ledger::exchange::ItemInput, responses((status = 201, body = ledger::exchange::Item)))]
pub async fn add_item(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<ledger::exchange::ItemInput>,
) -> ApiResult<(StatusCode, Json<ledger::exchange::Item>)> {
    Ok((
        StatusCode::CREATED,
        Json(ledger::exchange::add_item(&s.db, &u.access, id, i).await?),
    ))
}

/// A redemption request.
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct Redeem {
    /// Idempotency key.
    pub key: String,
}

/// Redeem one item for one's own coins (stock decreases; out of stock is 409).
#[utoipa::path(post, path = "/ledger/items/{id}/redeem", tag = "ledger", params(("id" = i64, Path)), request_body = Redeem,
    responses((status = 201, body = Txn), (status = 409, body = crate::error::Problem)))]
pub async fn redeem(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<Redeem>,
) -> ApiResult<(StatusCode, Json<Txn>)> {
    Ok(created(
        ledger::exchange::redeem(&s.db, &u.access, id, &r.key).await?,
    ))
}

/// The guarantee fund tops up a community fund (platform admins).
#[utoipa::path(post, path = "/ledger/guarantee", tag = "ledger", request_body = ledger::exchange::GuaranteeTopUp,
    responses((status = 201, body = Txn), (status = 403, body = crate::error::Problem)))]
pub async fn guarantee(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(g): ApiJson<ledger::exchange::GuaranteeTopUp>,
) -> ApiResult<(StatusCode, Json<Txn>)> {
    Ok(created(
        ledger::exchange::guarantee(&s.db, &u.access, g).await?,
    ))
}

/// The honour list query.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// `YYYY` or `YYYY-MM`.
    pub period: String,
}

/// Who reached the honour threshold in a period (by name, not a ranking).
#[derive(Debug, Serialize, ToSchema)]
pub struct Honours {
    /// The threshold in force (hundredths of a point).
    pub threshold_e2: i64,
    /// The people who reached it.
    pub people: Vec<ledger::exchange::Honour>,
}

/// The honour list (通报表扬; candidates for 社区服务之星 / 最美下沉干部) of a period.
#[utoipa::path(get, path = "/ledger/honours", tag = "ledger", params(PeriodQuery), responses((status = 200, body = Honours)))]
pub async fn honours(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<Honours>> {
    let (threshold_e2, people) = ledger::exchange::honours(&s.db, &u.access, &q.period).await?;
    Ok(Json(Honours {
        threshold_e2,
        people,
    }))
}

/// The city's whole ledger as a beancount file (platform admins; checked by `bean-check`).
#[utoipa::path(get, path = "/ledger/export.beancount", tag = "ledger",
    responses((status = 200, content_type = "text/plain"), (status = 403, body = crate::error::Problem)))]
pub async fn export_beancount(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    if !u.access.manages_city() {
        return Err(kernel::Error::Forbidden("账本导出由平台管理员操作").into());
    }
    let text = ledger::beancount::export(&s.db, u.access.city_id()).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"ledger.beancount\"",
            ),
        ],
        text,
    )
        .into_response())
}
