//! Patrols (网格巡查): the grids' rosters, starting and ending a patrol (or recording a
//! past one), confirming it — which credits its minutes once — or sending it back, the
//! lists, and the per-person record for the assessment (ordered by name, never ranked).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cases::patrol::roster::{RosterSlot, SlotInput};
use cases::patrol::{
    EndPatrol, PastPatrol, PatrolPage, PatrolQuery, PatrolRecord, PatrolView, SendBack, StartPatrol,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiResult;
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

async fn view(s: &AppState, u: &ApiUser, id: i64) -> ApiResult<Json<PatrolView>> {
    Ok(Json(cases::patrol::view::get(&s.db, &u.access, id).await?))
}

/// Patrols: `view=mine` (my patrols) or `scope` (the grids under my roles), filtered by
/// grid or community, person, days and state; newest first.
#[utoipa::path(get, path = "/patrols", tag = "patrols", params(PatrolQuery),
    responses((status = 200, body = PatrolPage), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<PatrolQuery>,
) -> ApiResult<Json<PatrolPage>> {
    Ok(Json(cases::patrol::view::list(&s.db, &u.access, &q).await?))
}

/// 开始巡查: start a patrol of a grid I am rostered on or work in (one at a time). The
/// problems I report while it is open link to it.
#[utoipa::path(post, path = "/patrols", tag = "patrols", request_body = StartPatrol,
    responses((status = 201, body = PatrolView), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn start(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<StartPatrol>,
) -> ApiResult<(StatusCode, Json<PatrolView>)> {
    let p = cases::patrol::start(&s.db, &u.access, input).await?;
    Ok((StatusCode::CREATED, view(&s, &u, p.id).await?))
}

/// 补录: record a past patrol (same day, at most 12 hours, not in the future, within 30
/// days), waiting for confirmation.
#[utoipa::path(post, path = "/patrols/past", tag = "patrols", request_body = PastPatrol,
    responses((status = 201, body = PatrolView), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn record(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<PastPatrol>,
) -> ApiResult<(StatusCode, Json<PatrolView>)> {
    let p = cases::patrol::record(&s.db, &u.access, input).await?;
    Ok((StatusCode::CREATED, view(&s, &u, p.id).await?))
}

/// My patrol under way, or `null`.
#[utoipa::path(get, path = "/patrols/current", tag = "patrols",
    responses((status = 200, body = Option<PatrolView>)))]
pub async fn current(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Option<PatrolView>>> {
    Ok(Json(
        match cases::patrol::open_of(&s.db, &u.access).await? {
            Some(p) => Some(cases::patrol::view::get(&s.db, &u.access, p.id).await?),
            None => None,
        },
    ))
}

/// One patrol with the cases reported on it and the steps open to me.
#[utoipa::path(get, path = "/patrols/{id}", tag = "patrols", params(("id" = i64, Path)),
    responses((status = 200, body = PatrolView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PatrolView>> {
    view(&s, &u, id).await
}

/// 结束巡查: end my patrol under way with what was found.
#[utoipa::path(post, path = "/patrols/{id}/end", tag = "patrols", params(("id" = i64, Path)),
    request_body = EndPatrol,
    responses((status = 200, body = PatrolView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn end(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<EndPatrol>,
) -> ApiResult<Json<PatrolView>> {
    cases::patrol::end(&s.db, &u.access, id, input).await?;
    view(&s, &u, id).await
}

/// Correct my returned patrol and record it again.
#[utoipa::path(post, path = "/patrols/{id}/resubmit", tag = "patrols", params(("id" = i64, Path)),
    request_body = PastPatrol,
    responses((status = 200, body = PatrolView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn resubmit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PastPatrol>,
) -> ApiResult<Json<PatrolView>> {
    cases::patrol::resubmit(&s.db, &u.access, id, input).await?;
    view(&s, &u, id).await
}

/// 确认: confirm a recorded patrol (grid leader or cadre over the grid, not the
/// patroller); its minutes are credited to the patroller once.
#[utoipa::path(post, path = "/patrols/{id}/confirm", tag = "patrols", params(("id" = i64, Path)),
    responses((status = 200, body = PatrolView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn confirm(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PatrolView>> {
    cases::patrol::confirm(&s.db, &u.access, id).await?;
    view(&s, &u, id).await
}

/// 退回: send a recorded patrol back to the patroller with what to correct.
#[utoipa::path(post, path = "/patrols/{id}/return", tag = "patrols", params(("id" = i64, Path)),
    request_body = SendBack,
    responses((status = 200, body = PatrolView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn send_back(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<SendBack>,
) -> ApiResult<Json<PatrolView>> {
    cases::patrol::send_back(&s.db, &u.access, id, input).await?;
    view(&s, &u, id).await
}

/// Which grid's roster.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RosterQuery {
    /// The grid.
    pub grid_id: i64,
}

/// A grid's roster (its keepers and the inspectors over it), by weekday and time.
#[utoipa::path(get, path = "/patrols/roster", tag = "patrols", params(RosterQuery),
    responses((status = 200, body = Vec<RosterSlot>), (status = 404, body = crate::error::Problem)))]
pub async fn roster(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<RosterQuery>,
) -> ApiResult<Json<Vec<RosterSlot>>> {
    Ok(Json(
        cases::patrol::roster::of_grid(&s.db, &u.access, q.grid_id).await?,
    ))
}

/// Add a slot to a grid's roster (its grid leader or the community's cadres).
#[utoipa::path(post, path = "/patrols/roster", tag = "patrols", request_body = SlotInput,
    responses((status = 201, body = RosterSlot), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn add_slot(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<SlotInput>,
) -> ApiResult<(StatusCode, Json<RosterSlot>)> {
    Ok((
        StatusCode::CREATED,
        Json(cases::patrol::roster::add(&s.db, &u.access, input).await?),
    ))
}

/// My own roster slots, on every grid.
#[utoipa::path(get, path = "/patrols/roster/mine", tag = "patrols",
    responses((status = 200, body = Vec<RosterSlot>)))]
pub async fn my_slots(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<RosterSlot>>> {
    Ok(Json(cases::patrol::roster::mine(&s.db, &u.access).await?))
}

/// Change a roster slot (person, weekday, times).
#[utoipa::path(put, path = "/patrols/roster/{id}", tag = "patrols", params(("id" = i64, Path)),
    request_body = SlotInput,
    responses((status = 200, body = RosterSlot), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn change_slot(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<SlotInput>,
) -> ApiResult<Json<RosterSlot>> {
    Ok(Json(
        cases::patrol::roster::change(&s.db, &u.access, id, input).await?,
    ))
}

/// Take a slot off the roster.
#[utoipa::path(delete, path = "/patrols/roster/{id}", tag = "patrols", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
pub async fn remove_slot(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    cases::patrol::roster::remove(&s.db, &u.access, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which node and days the record covers.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RecordsQuery {
    /// A grid, community, street…
    pub unit_id: i64,
    /// First day (`YYYY-MM-DD`).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
}

/// 巡查记录: per person, the confirmed patrols and their minutes under a node — ordered by
/// name, never ranked (the assessment's evidence).
#[utoipa::path(get, path = "/patrols/records", tag = "patrols", params(RecordsQuery),
    responses((status = 200, body = Vec<PatrolRecord>), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn records(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> ApiResult<Json<Vec<PatrolRecord>>> {
    Ok(Json(
        cases::patrol::records_under(&s.db, &u.access, q.unit_id, &q.from, &q.to).await?,
    ))
}
