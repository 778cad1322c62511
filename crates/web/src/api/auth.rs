//! Tokens, the caller's own record, password and profile.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use org::auth::{NewToken, TokenInfo};
use org::people::{Person, ProfileInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiResult;
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiUser, ClientIp};

/// Login for a client token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginInput {
    /// Login name (usually the phone).
    pub login: String,
    /// Password.
    pub password: String,
}

/// A new token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    /// The bearer token (shown once).
    pub token: String,
    /// Whether the password must be changed before anything else.
    pub must_change_password: bool,
}

/// Log in and get a bearer token for a client.
#[utoipa::path(post, path = "/auth/token", tag = "auth", security(()),
    request_body = LoginInput,
    responses((status = 201, body = TokenOut), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn create_token(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<(StatusCode, Json<TokenOut>)> {
    let session = org::auth::login(&s.db, &input.login, &input.password, &ip, "api")
        .await
        .map_err(|e| match e {
            kernel::Error::Unauthenticated => crate::error::ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "账号或密码不正确",
                "账号或密码不正确；连续 5 次错误将锁定 15 分钟",
            ),
            other => other.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(TokenOut {
            token: session.token,
            must_change_password: session.must_change_password,
        }),
    ))
}

/// Revoke the token used for this call (log out).
#[utoipa::path(delete, path = "/auth/token", tag = "auth", responses((status = 204)))]
pub async fn delete_token(State(s): State<AppState>, u: ApiUser) -> ApiResult<StatusCode> {
    org::auth::logout(&s.db, &u.access, &u.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the caller is: their record and roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Account id.
    pub account_id: i64,
    /// Their person record.
    pub person: Person,
    /// Roles held.
    pub grants: Vec<org::access::Grant>,
}

/// The caller's own record and roles.
#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, body = Me)))]
pub async fn me(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Me>> {
    let person = org::people::get(&s.db, &u.access, u.access.person_id()).await?;
    Ok(Json(Me {
        account_id: u.access.account_id(),
        person,
        grants: u.access.grants().to_vec(),
    }))
}

/// Change one's own skills, physical limits and weekly availability.
#[utoipa::path(put, path = "/me/profile", tag = "auth", request_body = ProfileInput,
    responses((status = 200, body = Person), (status = 422, body = crate::error::Problem)))]
pub async fn update_profile(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<ProfileInput>,
) -> ApiResult<Json<Person>> {
    Ok(Json(
        org::people::update_own_profile(&s.db, &u.access, input).await?,
    ))
}

/// Everything the platform holds about the caller (PIPL: a person can see and export it).
#[utoipa::path(get, path = "/me/record", tag = "auth", responses((status = 200, body = Object)))]
pub async fn my_record(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(crate::pages::me::own_record(&s, &u.access).await?))
}

/// Password change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordInput {
    /// Current password.
    pub old_password: String,
    /// New password: 8+ characters with letters and digits.
    pub new_password: String,
}

/// Change one's own password; other sessions and tokens end.
#[utoipa::path(post, path = "/me/password", tag = "auth", request_body = PasswordInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
pub async fn change_password(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<PasswordInput>,
) -> ApiResult<StatusCode> {
    org::auth::change_password(
        &s.db,
        &u.access,
        &u.token,
        &input.old_password,
        &input.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's live sessions and API tokens.
#[utoipa::path(get, path = "/tokens", tag = "auth", responses((status = 200, body = Vec<TokenInfo>)))]
pub async fn list_tokens(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(org::auth::list_tokens(&s.db, &u.access).await?))
}

/// A created API token with its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenOut {
    /// The token as listed.
    pub info: TokenInfo,
    /// The secret (shown once).
    pub token: String,
}

/// Create a named API token for a client.
#[utoipa::path(post, path = "/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = NewTokenOut), (status = 422, body = crate::error::Problem)))]
pub async fn new_token(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<NewTokenOut>)> {
    let (info, token) = org::auth::create_api_token(&s.db, &u.access, input).await?;
    Ok((StatusCode::CREATED, Json(NewTokenOut { info, token })))
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_token(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    org::auth::revoke_token(&s.db, &u.access, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
