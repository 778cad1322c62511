//! The organisation tree, employers and the skills catalogue.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use org::employers::{Employer, EmployerInput};
use org::people::PersonRow;
use org::skills::{Skill, SkillInput};
use org::units::{NewUnit, Unit, UnitChanges};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// The nodes the caller's roles are held at (where their part of the tree starts).
#[utoipa::path(get, path = "/units", tag = "org", responses((status = 200, body = Vec<Unit>)))]
pub async fn list_units(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Unit>>> {
    let mut out = Vec::new();
    for (id, _) in u.access.top_units() {
        out.push(org::units::get(&s.db, &u.access, id).await?);
    }
    Ok(Json(out))
}

/// Create a node under a parent in the caller's scope.
#[utoipa::path(post, path = "/units", tag = "org", request_body = NewUnit,
    responses((status = 201, body = Unit), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_unit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<NewUnit>,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    Ok((
        StatusCode::CREATED,
        Json(org::units::create(&s.db, &u.access, input).await?),
    ))
}

/// One node.
#[utoipa::path(get, path = "/units/{id}", tag = "org", params(("id" = i64, Path)),
    responses((status = 200, body = Unit), (status = 404, body = crate::error::Problem)))]
pub async fn get_unit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Unit>> {
    Ok(Json(org::units::get(&s.db, &u.access, id).await?))
}

/// Rename a node, change its code, boundary or centre.
#[utoipa::path(patch, path = "/units/{id}", tag = "org", params(("id" = i64, Path)), request_body = UnitChanges,
    responses((status = 200, body = Unit), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_unit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<UnitChanges>,
) -> ApiResult<Json<Unit>> {
    Ok(Json(org::units::update(&s.db, &u.access, id, input).await?))
}

/// Delete an empty node (409 while it has children, people, employers or roles).
#[utoipa::path(delete, path = "/units/{id}", tag = "org", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
pub async fn delete_unit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    org::units::delete(&s.db, &u.access, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where to move a node.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveInput {
    /// The new parent.
    pub parent_id: i64,
}

/// Move a node with its subtree under another parent.
#[utoipa::path(post, path = "/units/{id}/move", tag = "org", params(("id" = i64, Path)), request_body = MoveInput,
    responses((status = 200, body = Unit), (status = 422, body = crate::error::Problem)))]
pub async fn move_unit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MoveInput>,
) -> ApiResult<Json<Unit>> {
    Ok(Json(
        org::units::move_to(&s.db, &u.access, id, input.parent_id).await?,
    ))
}

/// The children of a node.
#[utoipa::path(get, path = "/units/{id}/children", tag = "org", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Unit>)))]
pub async fn unit_children(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Unit>>> {
    Ok(Json(org::units::children(&s.db, &u.access, id).await?))
}

/// How deep a tree listing goes.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TreeQuery {
    /// Levels below the node (0–8, default 2).
    pub levels: Option<i64>,
}

/// A node and its descendants, depth first.
#[utoipa::path(get, path = "/units/{id}/tree", tag = "org", params(("id" = i64, Path), TreeQuery),
    responses((status = 200, body = Vec<Unit>)))]
pub async fn unit_tree(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<TreeQuery>,
) -> ApiResult<Json<Vec<Unit>>> {
    Ok(Json(
        org::units::subtree(&s.db, &u.access, id, q.levels.unwrap_or(2)).await?,
    ))
}

/// People registered with a community (双报到, community side).
#[utoipa::path(get, path = "/units/{id}/people", tag = "org", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PersonRow>)))]
pub async fn unit_people(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<PersonRow>>> {
    Ok(Json(
        org::people::registered_with_community(&s.db, &u.access, id).await?,
    ))
}

/// Employers the caller may see.
#[utoipa::path(get, path = "/employers", tag = "org", responses((status = 200, body = Vec<Employer>)))]
pub async fn list_employers(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<Employer>>> {
    Ok(Json(org::employers::list(&s.db, &u.access).await?))
}

/// Register an employer.
#[utoipa::path(post, path = "/employers", tag = "org", request_body = EmployerInput,
    responses((status = 201, body = Employer), (status = 422, body = crate::error::Problem)))]
pub async fn create_employer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<EmployerInput>,
) -> ApiResult<(StatusCode, Json<Employer>)> {
    Ok((
        StatusCode::CREATED,
        Json(org::employers::create(&s.db, &u.access, input).await?),
    ))
}

/// One employer.
#[utoipa::path(get, path = "/employers/{id}", tag = "org", params(("id" = i64, Path)),
    responses((status = 200, body = Employer), (status = 404, body = crate::error::Problem)))]
pub async fn get_employer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Employer>> {
    Ok(Json(org::employers::get(&s.db, &u.access, id).await?))
}

/// Change an employer.
#[utoipa::path(put, path = "/employers/{id}", tag = "org", params(("id" = i64, Path)), request_body = EmployerInput,
    responses((status = 200, body = Employer), (status = 422, body = crate::error::Problem)))]
pub async fn update_employer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<EmployerInput>,
) -> ApiResult<Json<Employer>> {
    Ok(Json(
        org::employers::update(&s.db, &u.access, id, input).await?,
    ))
}

/// People registered with an employer (双报到, employer side).
#[utoipa::path(get, path = "/employers/{id}/people", tag = "org", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PersonRow>)))]
pub async fn employer_people(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<PersonRow>>> {
    Ok(Json(
        org::people::registered_with_employer(&s.db, &u.access, id).await?,
    ))
}

/// The city's skills catalogue.
#[utoipa::path(get, path = "/skills", tag = "org", responses((status = 200, body = Vec<Skill>)))]
pub async fn list_skills(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Skill>>> {
    Ok(Json(org::skills::list(&s.db, &u.access).await?))
}

/// Add a skill to the catalogue (platform admins).
#[utoipa::path(post, path = "/skills", tag = "org", request_body = SkillInput,
    responses((status = 201, body = Skill), (status = 403, body = crate::error::Problem)))]
pub async fn create_skill(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<SkillInput>,
) -> ApiResult<(StatusCode, Json<Skill>)> {
    Ok((
        StatusCode::CREATED,
        Json(org::skills::create(&s.db, &u.access, input).await?),
    ))
}
