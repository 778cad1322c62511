//! People, their accounts and roles.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kernel::paging::Page;
use org::accounts::{AccountInfo, NewAccount, NewGrant};
use org::people::{PeopleQuery, Person, PersonInput, PersonRow};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ApiResult;
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// A page of people as documented for the API.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PeoplePage {
    /// Rows.
    pub items: Vec<PersonRow>,
    /// Pass as `after` for the next page.
    pub next: Option<i64>,
}

/// People the caller may list (newest first; keyset paging with `after`).
#[utoipa::path(get, path = "/people", tag = "people", params(PeopleQuery),
    responses((status = 200, body = PeoplePage)))]
pub async fn list_people(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<PeoplePage>> {
    let Page { items, next } = org::people::list(&s.db, &u.access, &q).await?;
    Ok(Json(PeoplePage { items, next }))
}

/// Register a person in a community the caller administers.
#[utoipa::path(post, path = "/people", tag = "people", request_body = PersonInput,
    responses((status = 201, body = Person), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_person(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<PersonInput>,
) -> ApiResult<(StatusCode, Json<Person>)> {
    Ok((
        StatusCode::CREATED,
        Json(org::people::create(&s.db, &u.access, input).await?),
    ))
}

/// One person (phone and ID masked unless the caller administers them).
#[utoipa::path(get, path = "/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Person), (status = 404, body = crate::error::Problem)))]
pub async fn get_person(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Person>> {
    Ok(Json(org::people::get(&s.db, &u.access, id).await?))
}

/// Replace a person's record.
#[utoipa::path(put, path = "/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonInput,
    responses((status = 200, body = Person), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_person(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PersonInput>,
) -> ApiResult<Json<Person>> {
    Ok(Json(
        org::people::update(&s.db, &u.access, id, input).await?,
    ))
}

/// A person's account and roles (404 when they have none or the caller may not see it).
#[utoipa::path(get, path = "/people/{id}/account", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = AccountInfo), (status = 404, body = crate::error::Problem)))]
pub async fn get_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AccountInfo>> {
    Ok(Json(
        org::accounts::of_person(&s.db, &u.access, id)
            .await?
            .ok_or(kernel::Error::NotFound)?,
    ))
}

/// Open an account for a person (the first password must be changed at first login).
#[utoipa::path(post, path = "/people/{id}/account", tag = "people", params(("id" = i64, Path)), request_body = NewAccount,
    responses((status = 201, body = AccountInfo), (status = 409, body = crate::error::Problem)))]
pub async fn create_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewAccount>,
) -> ApiResult<(StatusCode, Json<AccountInfo>)> {
    Ok((
        StatusCode::CREATED,
        Json(org::accounts::create(&s.db, &u.access, id, input).await?),
    ))
}

/// Account state to set.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountState {
    /// Disable (true) or enable (false).
    pub disabled: bool,
}

/// Disable or enable a person's account.
#[utoipa::path(patch, path = "/people/{id}/account", tag = "people", params(("id" = i64, Path)), request_body = AccountState,
    responses((status = 200, body = AccountInfo)))]
pub async fn set_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AccountState>,
) -> ApiResult<Json<AccountInfo>> {
    Ok(Json(
        org::accounts::set_disabled(&s.db, &u.access, id, input.disabled).await?,
    ))
}

/// Grant a role at a node.
#[utoipa::path(post, path = "/people/{id}/roles", tag = "people", params(("id" = i64, Path)), request_body = NewGrant,
    responses((status = 201, body = AccountInfo), (status = 403, body = crate::error::Problem)))]
pub async fn grant_role(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewGrant>,
) -> ApiResult<(StatusCode, Json<AccountInfo>)> {
    Ok((
        StatusCode::CREATED,
        Json(org::accounts::grant(&s.db, &u.access, id, input).await?),
    ))
}

/// Revoke a role grant.
#[utoipa::path(delete, path = "/people/{id}/roles/{grant_id}", tag = "people",
    params(("id" = i64, Path), ("grant_id" = i64, Path)),
    responses((status = 200, body = AccountInfo)))]
pub async fn revoke_role(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath((id, grant_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<AccountInfo>> {
    Ok(Json(
        org::accounts::revoke(&s.db, &u.access, id, grant_id).await?,
    ))
}
