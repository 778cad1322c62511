//! Activities of the six duties: publish, list ("fits me first"), sign up with a waitlist,
//! withdraw, the roster, check-in and check-out, roll call, and attendance review.

use activities::{
    Activity, ActivityQuery, Attendance, Cancellation, CheckInInput, CheckInResult, Decision,
    MineQuery, MyActivity, NewActivity, QueueQuery, RollCall, Roster, SignupResult,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kernel::paging::Page;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// A page of activities.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPage {
    /// Rows.
    pub items: Vec<Activity>,
    /// Pass as `after` for the next page (staff lists).
    pub next: Option<i64>,
}

/// A page of the caller's own activities.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyActivityPage {
    /// Rows, newest sign-up first.
    pub items: Vec<MyActivity>,
    /// Pass as `after` for the next page.
    pub next: Option<i64>,
}

/// A page of the review queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendancePage {
    /// Rows, oldest first.
    pub items: Vec<Attendance>,
    /// Pass as `after` for the next page.
    pub next: Option<i64>,
}

/// Publish an activity at a community or grid the caller organises. Times are Beijing
/// time `YYYY-MM-DDTHH:MM` or RFC 3339 with an offset.
#[utoipa::path(post, path = "/activities", tag = "activities", request_body = NewActivity,
    responses((status = 201, body = Activity), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<NewActivity>,
) -> ApiResult<(StatusCode, Json<Activity>)> {
    Ok((
        StatusCode::CREATED,
        Json(activities::publish(&s.db, &u.access, input).await?),
    ))
}

/// Activities for the caller: personnel get the open activities of their street, those
/// that fit them first (with `fit_reasons`); staff get those in their scope, newest first.
#[utoipa::path(get, path = "/activities", tag = "activities", params(ActivityQuery),
    responses((status = 200, body = ActivityPage)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<ActivityQuery>,
) -> ApiResult<Json<ActivityPage>> {
    let Page { items, next } = activities::list(&s.db, &u.access, &q).await?;
    Ok(Json(ActivityPage { items, next }))
}

/// One activity, with the caller's sign-up, seats left and the waitlist's length.
#[utoipa::path(get, path = "/activities/{id}", tag = "activities", params(("id" = i64, Path)),
    responses((status = 200, body = Activity), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Activity>> {
    Ok(Json(activities::get(&s.db, &u.access, id).await?))
}

/// Cancel an activity that has not ended; everyone signed up or waiting is told.
#[utoipa::path(post, path = "/activities/{id}/cancel", tag = "activities", params(("id" = i64, Path)),
    request_body = Cancellation,
    responses((status = 200, body = Activity), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<Cancellation>,
) -> ApiResult<Json<Activity>> {
    Ok(Json(activities::cancel(&s.db, &u.access, id, c).await?))
}

/// Sign up: a seat while there are seats, the waitlist after. Twice is a 409.
#[utoipa::path(post, path = "/activities/{id}/signup", tag = "activities", params(("id" = i64, Path)),
    responses((status = 201, body = SignupResult), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn signup(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<SignupResult>)> {
    Ok((
        StatusCode::CREATED,
        Json(activities::signup(&s.db, &u.access, id).await?),
    ))
}

/// Withdraw one's sign-up before the start; the first on the waitlist gets the seat and
/// is told.
#[utoipa::path(post, path = "/activities/{id}/withdraw", tag = "activities", params(("id" = i64, Path)),
    responses((status = 200, body = Activity), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Activity>> {
    Ok(Json(activities::withdraw(&s.db, &u.access, id).await?))
}

/// Who is coming: seats, the waitlist in order, check-ins with their distance and result,
/// and attendance (staff in scope).
#[utoipa::path(get, path = "/activities/{id}/roster", tag = "activities", params(("id" = i64, Path)),
    responses((status = 200, body = Roster), (status = 404, body = Problem)))]
pub async fn roster(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Roster>> {
    Ok(Json(activities::roster(&s.db, &u.access, id).await?))
}

/// Check in or out with a position taken once, now (WGS-84 or GCJ-02). Outside the fence
/// or the window it is recorded as `outside` and reviewed, never refused. A repeat answers
/// the first record with 200 and writes nothing.
#[utoipa::path(post, path = "/activities/{id}/checkin", tag = "activities", params(("id" = i64, Path)),
    request_body = CheckInInput,
    responses((status = 201, body = CheckInResult), (status = 200, body = CheckInResult, description = "a repeat"),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn checkin(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CheckInInput>,
) -> ApiResult<(StatusCode, Json<CheckInResult>)> {
    let r = activities::checkin::checkin_via(&s.db, Some(&s.checkin_writer), &u.access, id, input)
        .await?;
    let status = if r.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(r)))
}

/// Roll call: the organiser records a seated person's attendance without a check-in
/// (minutes default to the window's length).
#[utoipa::path(post, path = "/activities/{id}/roll-call", tag = "activities", params(("id" = i64, Path)),
    request_body = RollCall,
    responses((status = 201, body = Attendance), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn roll_call(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(rc): ApiJson<RollCall>,
) -> ApiResult<(StatusCode, Json<Attendance>)> {
    Ok((
        StatusCode::CREATED,
        Json(activities::roll_call(&s.db, &u.access, id, rc).await?),
    ))
}

/// Pending attendance of the activities the caller organises, oldest first; outside
/// check-ins flagged with their distance.
#[utoipa::path(get, path = "/attendance/review", tag = "activities", params(QueueQuery),
    responses((status = 200, body = AttendancePage)))]
pub async fn review_queue(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<AttendancePage>> {
    let Page { items, next } = activities::queue(&s.db, &u.access, &q).await?;
    Ok(Json(AttendancePage { items, next }))
}

/// Approve (crediting points and minutes once) or reject an attendance record.
#[utoipa::path(post, path = "/attendance/{id}/review", tag = "activities", params(("id" = i64, Path)),
    request_body = Decision,
    responses((status = 200, body = Attendance), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn review(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<Decision>,
) -> ApiResult<Json<Attendance>> {
    Ok(Json(activities::review(&s.db, &u.access, id, d).await?))
}

/// The caller's sign-ups, newest first, with state, window, check-ins and attendance.
#[utoipa::path(get, path = "/me/activities", tag = "activities", params(MineQuery),
    responses((status = 200, body = MyActivityPage)))]
pub async fn mine(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<MineQuery>,
) -> ApiResult<Json<MyActivityPage>> {
    let Page { items, next } = activities::mine(&s.db, &u.access, &q).await?;
    Ok(Json(MyActivityPage { items, next }))
}
