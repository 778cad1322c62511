//! Duty (值班): rosters with their checks, leave, swaps, absences, meetings and trainings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use duty::absence::{Absence, AbsenceInput, Contest, ContestAnswer};
use duty::leave::{Decision, Leave, LeaveInput};
use duty::meetings::{Meeting, MeetingInput, RollCall};
use duty::shifts::{Candidate, CandidateQuery, PersonPick, Shift, ShiftInput, ShiftQuery};
use duty::swap::{Swap, SwapAnswer, SwapInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// The roster of a grid or community (its sub-units included), by time.
#[utoipa::path(get, path = "/duty/shifts", tag = "duty", params(ShiftQuery),
    responses((status = 200, body = Vec<Shift>), (status = 404, body = Problem)))]
pub async fn roster(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<ShiftQuery>,
) -> ApiResult<Json<Vec<Shift>>> {
    Ok(Json(duty::shifts::roster(&s.db, &u.access, &q).await?))
}

/// Create a shift with its people; a person failing a check (availability, monthly cap,
/// working hours) needs a `reason`; overlaps and duplicates are refused.
#[utoipa::path(post, path = "/duty/shifts", tag = "duty", request_body = ShiftInput,
    responses((status = 201, body = Shift), (status = 422, body = Problem)))]
pub async fn create_shift(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<ShiftInput>,
) -> ApiResult<(StatusCode, Json<Shift>)> {
    Ok((
        StatusCode::CREATED,
        Json(duty::shifts::create(&s.db, &u.access, i).await?),
    ))
}

/// The people picker: personnel of the unit's community with the checks that fail.
#[utoipa::path(get, path = "/duty/candidates", tag = "duty", params(CandidateQuery),
    responses((status = 200, body = Vec<Candidate>), (status = 422, body = Problem)))]
pub async fn candidates(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<CandidateQuery>,
) -> ApiResult<Json<Vec<Candidate>>> {
    Ok(Json(duty::shifts::candidates(&s.db, &u.access, &q).await?))
}

/// My duties: upcoming first, then the past.
#[utoipa::path(get, path = "/duty/mine", tag = "duty", responses((status = 200, body = Vec<Shift>)))]
pub async fn mine(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Shift>>> {
    Ok(Json(duty::shifts::mine(&s.db, &u.access).await?))
}

/// One shift.
#[utoipa::path(get, path = "/duty/shifts/{id}", tag = "duty", params(("id" = i64, Path)),
    responses((status = 200, body = Shift), (status = 404, body = Problem)))]
pub async fn get_shift(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Shift>> {
    Ok(Json(duty::shifts::get(&s.db, &u.access, id).await?))
}

/// Put one more person on a shift (same checks).
#[utoipa::path(post, path = "/duty/shifts/{id}/people", tag = "duty", params(("id" = i64, Path)),
    request_body = PersonPick,
    responses((status = 200, body = Shift), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_person(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PersonPick>,
) -> ApiResult<Json<Shift>> {
    Ok(Json(
        duty::shifts::add_person(&s.db, &u.access, id, i).await?,
    ))
}

/// 请假: ask for leave from one of my shifts, before it starts.
#[utoipa::path(post, path = "/duty/leaves", tag = "duty", request_body = LeaveInput,
    responses((status = 201, body = Leave), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request_leave(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<LeaveInput>,
) -> ApiResult<(StatusCode, Json<Leave>)> {
    Ok((
        StatusCode::CREATED,
        Json(duty::leave::request(&s.db, &u.access, i).await?),
    ))
}

/// Approve or refuse (with a reason) a leave.
#[utoipa::path(post, path = "/duty/leaves/{id}/decide", tag = "duty", params(("id" = i64, Path)),
    request_body = Decision,
    responses((status = 200, body = Leave), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn decide_leave(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<Decision>,
) -> ApiResult<Json<Leave>> {
    Ok(Json(duty::leave::decide(&s.db, &u.access, id, d).await?))
}

/// 调班: propose to another personnel to take my shift.
#[utoipa::path(post, path = "/duty/swaps", tag = "duty", request_body = SwapInput,
    responses((status = 201, body = Swap), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn propose_swap(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<SwapInput>,
) -> ApiResult<(StatusCode, Json<Swap>)> {
    Ok((
        StatusCode::CREATED,
        Json(duty::swap::propose(&s.db, &u.access, i).await?),
    ))
}

/// One swap (its two people and the cadres over the shift).
#[utoipa::path(get, path = "/duty/swaps/{id}", tag = "duty", params(("id" = i64, Path)),
    responses((status = 200, body = Swap), (status = 404, body = Problem)))]
pub async fn get_swap(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Swap>> {
    Ok(Json(duty::swap::get(&s.db, &u.access, id).await?))
}

/// The offered person accepts or declines.
#[utoipa::path(post, path = "/duty/swaps/{id}/answer", tag = "duty", params(("id" = i64, Path)),
    request_body = SwapAnswer,
    responses((status = 200, body = Swap), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
pub async fn answer_swap(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<SwapAnswer>,
) -> ApiResult<Json<Swap>> {
    Ok(Json(duty::swap::answer(&s.db, &u.access, id, a).await?))
}

/// The cadre approves (the roster changes) or refuses (with a reason) an accepted swap.
#[utoipa::path(post, path = "/duty/swaps/{id}/decide", tag = "duty", params(("id" = i64, Path)),
    request_body = Decision,
    responses((status = 200, body = Swap), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn decide_swap(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<Decision>,
) -> ApiResult<Json<Swap>> {
    Ok(Json(duty::swap::decide(&s.db, &u.access, id, d).await?))
}

/// Record a person absent from a shift that is over (not when they had approved leave).
#[utoipa::path(post, path = "/duty/absences", tag = "duty", request_body = AbsenceInput,
    responses((status = 201, body = Absence), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn record_absence(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<AbsenceInput>,
) -> ApiResult<(StatusCode, Json<Absence>)> {
    Ok((
        StatusCode::CREATED,
        Json(duty::absence::record(&s.db, &u.access, i).await?),
    ))
}

/// One absence record.
#[utoipa::path(get, path = "/duty/absences/{id}", tag = "duty", params(("id" = i64, Path)),
    responses((status = 200, body = Absence), (status = 404, body = Problem)))]
pub async fn get_absence(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Absence>> {
    Ok(Json(duty::absence::get(&s.db, &u.access, id).await?))
}

/// Contest my absence record, once, with an explanation.
#[utoipa::path(post, path = "/duty/absences/{id}/contest", tag = "duty", params(("id" = i64, Path)),
    request_body = Contest,
    responses((status = 200, body = Absence), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn contest_absence(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<Contest>,
) -> ApiResult<Json<Absence>> {
    Ok(Json(duty::absence::contest(&s.db, &u.access, id, c).await?))
}

/// The cadre upholds or withdraws a contested record, with a note.
#[utoipa::path(post, path = "/duty/absences/{id}/answer", tag = "duty", params(("id" = i64, Path)),
    request_body = ContestAnswer,
    responses((status = 200, body = Absence), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn answer_absence(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<ContestAnswer>,
) -> ApiResult<Json<Absence>> {
    Ok(Json(duty::absence::answer(&s.db, &u.access, id, a).await?))
}

/// What waits for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    /// Leaves waiting for my approval.
    pub leaves: Vec<Leave>,
    /// Accepted swaps waiting for my approval.
    pub swaps: Vec<Swap>,
    /// Contested absences waiting for my answer.
    pub absences: Vec<Absence>,
    /// Swaps offered to me.
    pub offered_to_me: Vec<Swap>,
    /// Swaps I proposed.
    pub proposed_by_me: Vec<Swap>,
}

/// My to-dos: approvals for cadres, swaps offered to me, my proposals.
#[utoipa::path(get, path = "/duty/queue", tag = "duty", responses((status = 200, body = Queue)))]
pub async fn queue(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Queue>> {
    let a = &u.access;
    Ok(Json(Queue {
        leaves: duty::leave::pending(&s.db, a).await?,
        swaps: duty::swap::pending(&s.db, a).await?,
        absences: duty::absence::contested(&s.db, a).await?,
        offered_to_me: duty::swap::offered_to_me(&s.db, a).await?,
        proposed_by_me: duty::swap::proposed_by_me(&s.db, a).await?,
    }))
}

/// Which meetings.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct MeetingQuery {
    /// A unit I keep; without it, the meetings I am invited to.
    pub unit_id: Option<i64>,
}

/// Meetings and trainings.
#[utoipa::path(get, path = "/duty/meetings", tag = "duty", params(MeetingQuery),
    responses((status = 200, body = Vec<Meeting>), (status = 404, body = Problem)))]
pub async fn meetings(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<MeetingQuery>,
) -> ApiResult<Json<Vec<Meeting>>> {
    Ok(Json(
        duty::meetings::list(&s.db, &u.access, q.unit_id).await?,
    ))
}

/// Schedule a meeting or training (周例会, 联合巡查, 联合执法, 培训).
#[utoipa::path(post, path = "/duty/meetings", tag = "duty", request_body = MeetingInput,
    responses((status = 201, body = Meeting), (status = 422, body = Problem)))]
pub async fn create_meeting(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<MeetingInput>,
) -> ApiResult<(StatusCode, Json<Meeting>)> {
    Ok((
        StatusCode::CREATED,
        Json(duty::meetings::create(&s.db, &u.access, i).await?),
    ))
}

/// One meeting.
#[utoipa::path(get, path = "/duty/meetings/{id}", tag = "duty", params(("id" = i64, Path)),
    responses((status = 200, body = Meeting), (status = 404, body = Problem)))]
pub async fn get_meeting(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Meeting>> {
    Ok(Json(duty::meetings::get(&s.db, &u.access, id).await?))
}

/// Sign in to a meeting while it runs (a button; no location).
#[utoipa::path(post, path = "/duty/meetings/{id}/sign-in", tag = "duty", params(("id" = i64, Path)),
    responses((status = 200, body = Meeting), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
pub async fn sign_in(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Meeting>> {
    Ok(Json(duty::meetings::sign_in(&s.db, &u.access, id).await?))
}

/// The roll call: confirms attendance, closes the meeting, credits each person present once.
#[utoipa::path(post, path = "/duty/meetings/{id}/roll-call", tag = "duty", params(("id" = i64, Path)),
    request_body = RollCall,
    responses((status = 200, body = Meeting), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn roll_call(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<RollCall>,
) -> ApiResult<Json<Meeting>> {
    Ok(Json(
        duty::meetings::roll_call(&s.db, &u.access, id, r).await?,
    ))
}
