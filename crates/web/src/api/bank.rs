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
