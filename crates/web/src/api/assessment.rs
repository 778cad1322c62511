//! Assessment (考评): schemes, period runs, results with their evidence, contests, honours
//! and fines.

use assessment::contest::{Answer, Contest};
use assessment::honours::{Award, Fine};
use assessment::results::{Detail, GradeCount, PersonResult};
use assessment::schemes::{NewScheme, NewVersion, Scheme, Version};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// The schemes the caller may read.
#[utoipa::path(get, path = "/assessment/schemes", tag = "assessment",
    responses((status = 200, body = Vec<Scheme>)))]
pub async fn schemes(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Scheme>>> {
    Ok(Json(assessment::schemes::list(&s.db, &u.access).await?))
}

/// Create a scheme (from a preset — `zhengzhou`, `guancheng`, `gulou` — or with its own
/// rules). Measures of logins, online time, check-ins, likes, forwards, reads or study time
/// are refused.
#[utoipa::path(post, path = "/assessment/schemes", tag = "assessment", request_body = NewScheme,
    responses((status = 201, body = Scheme), (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn create_scheme(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<NewScheme>,
) -> ApiResult<(StatusCode, Json<Scheme>)> {
    Ok((
        StatusCode::CREATED,
        Json(assessment::schemes::create(&s.db, &u.access, i).await?),
    ))
}

/// A scheme's versions, oldest first.
#[utoipa::path(get, path = "/assessment/schemes/{id}/versions", tag = "assessment",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Version>), (status = 404, body = Problem)))]
pub async fn versions(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Version>>> {
    Ok(Json(
        assessment::schemes::versions(&s.db, &u.access, id).await?,
    ))
}

/// A new version of the rules, from a date after every closed period.
#[utoipa::path(post, path = "/assessment/schemes/{id}/versions", tag = "assessment",
    params(("id" = i64, Path)), request_body = NewVersion,
    responses((status = 201, body = Version), (status = 422, body = Problem)))]
pub async fn add_version(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(v): ApiJson<NewVersion>,
) -> ApiResult<(StatusCode, Json<Version>)> {
    Ok((
        StatusCode::CREATED,
        Json(assessment::schemes::add_version(&s.db, &u.access, id, v).await?),
    ))
}

/// What to run.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RunInput {
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY`.
    pub period: String,
}

/// What a run did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunOutput {
    /// Scheme runs.
    pub runs: i64,
    /// People assessed.
    pub people: i64,
    /// Results written or changed.
    pub changed: i64,
}

/// Run a period now for the caller's city (city or district administrators); the same
/// as the scheduled job and `civicgrid assess PERIOD`, idempotent.
#[utoipa::path(post, path = "/assessment/runs", tag = "assessment", request_body = RunInput,
    responses((status = 200, body = RunOutput), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn run(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<RunInput>,
) -> ApiResult<Json<RunOutput>> {
    if !u.access.is_administrator() {
        return Err(kernel::Error::Forbidden("考评由管理员运行（也会按月自动运行）").into());
    }
    let r = assessment::run::run_period(&s.db, u.access.city_id(), &i.period).await?;
    Ok(Json(RunOutput {
        runs: r.runs,
        people: r.people,
        changed: r.changed,
    }))
}

/// Which results.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
pub struct ResultQuery {
    /// A unit (its subtree); the caller's own results when neither unit nor employer is given.
    pub unit_id: Option<i64>,
    /// An employer.
    pub employer_id: Option<i64>,
    /// The period.
    pub period: String,
}

/// Results of a period: the caller's own, a unit's (cadres) or an employer's (employer
/// admins) — ordered by community and name, never by score.
#[utoipa::path(get, path = "/assessment/results", tag = "assessment", params(ResultQuery),
    responses((status = 200, body = Vec<PersonResult>), (status = 404, body = Problem)))]
pub async fn results(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<ResultQuery>,
) -> ApiResult<Json<Vec<PersonResult>>> {
    Ok(Json(
        crate::pages::assess::results_for(&s.db, &u.access, q.unit_id, q.employer_id, &q.period)
            .await?,
    ))
}

/// The grade distribution of a unit's results.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
pub struct DistributionQuery {
    /// The unit.
    pub unit_id: i64,
    /// The period.
    pub period: String,
}

/// How many results of each grade in a unit's subtree.
#[utoipa::path(get, path = "/assessment/distribution", tag = "assessment", params(DistributionQuery),
    responses((status = 200, body = Vec<GradeCount>), (status = 404, body = Problem)))]
pub async fn distribution(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<DistributionQuery>,
) -> ApiResult<Json<Vec<GradeCount>>> {
    let unit = org::units::get(&s.db, &u.access, q.unit_id).await?;
    Ok(Json(
        assessment::results::distribution(&s.db, u.access.city_id(), &unit.path, &q.period).await?,
    ))
}

/// One result with its components, deductions (each linked to its case), recorded
/// changes, evidence links and contest.
#[utoipa::path(get, path = "/assessment/results/{id}", tag = "assessment", params(("id" = i64, Path)),
    responses((status = 200, body = Detail), (status = 404, body = Problem)))]
pub async fn result(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        assessment::results::detail(&s.db, &u.access, id).await?,
    ))
}

/// A contest.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContestInput {
    /// Why (4–500 characters).
    pub reason: String,
}

/// Contest one's own result, once.
#[utoipa::path(post, path = "/assessment/results/{id}/contest", tag = "assessment",
    params(("id" = i64, Path)), request_body = ContestInput,
    responses((status = 201, body = Contest), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn contest(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<ContestInput>,
) -> ApiResult<(StatusCode, Json<Contest>)> {
    Ok((
        StatusCode::CREATED,
        Json(assessment::contest::contest(&s.db, &u.access, id, &i.reason).await?),
    ))
}

/// Answer a contest: `uphold`, or `change` with the corrected total.
#[utoipa::path(post, path = "/assessment/results/{id}/answer", tag = "assessment",
    params(("id" = i64, Path)), request_body = Answer,
    responses((status = 200, body = Contest), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<Answer>,
) -> ApiResult<Json<Contest>> {
    Ok(Json(
        assessment::contest::answer(&s.db, &u.access, id, a).await?,
    ))
}

/// Which unit and period.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
pub struct UnitPeriod {
    /// The unit.
    pub unit_id: i64,
    /// The period.
    pub period: String,
}

/// The awards of a period in a unit: best workers, the commendation list and candidates.
#[utoipa::path(get, path = "/assessment/awards", tag = "assessment", params(UnitPeriod),
    responses((status = 200, body = Vec<Award>), (status = 404, body = Problem)))]
pub async fn awards(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<UnitPeriod>,
) -> ApiResult<Json<Vec<Award>>> {
    let unit = org::units::get(&s.db, &u.access, q.unit_id).await?;
    Ok(Json(
        assessment::honours::awards(&s.db, &u.access, &unit.path, &q.period).await?,
    ))
}

/// The fines statement of a period in a unit (the Gulou rule).
#[utoipa::path(get, path = "/assessment/fines", tag = "assessment", params(UnitPeriod),
    responses((status = 200, body = Vec<Fine>), (status = 404, body = Problem)))]
pub async fn fines(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<UnitPeriod>,
) -> ApiResult<Json<Vec<Fine>>> {
    let unit = org::units::get(&s.db, &u.access, q.unit_id).await?;
    Ok(Json(
        assessment::honours::fines(&s.db, &u.access, &unit.path, &q.period).await?,
    ))
}

/// Which run to close.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseInput {
    /// The scheme.
    pub scheme_id: i64,
    /// The period.
    pub period: String,
}

/// Close a run (administrators of the scheme's subtree): it is never recomputed after,
/// and no new version of the rules may apply to it. The scheduled job closes a period
/// one period after it ran.
#[utoipa::path(post, path = "/assessment/runs/close", tag = "assessment", request_body = CloseInput,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn close(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<CloseInput>,
) -> ApiResult<StatusCode> {
    let scheme = assessment::schemes::get(&s.db, &u.access, i.scheme_id).await?;
    if !u.access.holds_over(org::Role::Admin, &scheme.unit_path) {
        return Err(kernel::Error::Forbidden("考评期由这一级的管理员结束").into());
    }
    assessment::period::Period::parse(&i.period)?;
    if assessment::run::close(
        &s.db,
        u.access.actor(),
        u.access.city_id(),
        scheme.id,
        &i.period,
    )
    .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(kernel::Error::conflict("run_not_open", "这个考评期没有运行过或已经结束").into())
    }
}
