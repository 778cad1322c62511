//! Reports generated from the records: the monthly bulletin (月通报), employer feedback
//! (双报到反馈) and the 述职 draft, each also as xlsx and PDF.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use reports::annual::{Annual, AnnualQuery, NarrativeInput, SubmitInput};
use reports::bulletin::{Bulletin, BulletinQuery};
use reports::feedback::{Feedback, FeedbackQuery};

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};

/// A PDF download.
pub fn pdf(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}.pdf\"; filename*=UTF-8''{}.pdf",
                    filename.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
                    crate::extract::urlencode(filename)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The monthly bulletin of a community or street (cadres and administrators of the unit
/// or above; others 404), generated from the records.
#[utoipa::path(get, path = "/reports/bulletin", tag = "reports", params(BulletinQuery),
    responses((status = 200, body = Bulletin), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn bulletin(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<BulletinQuery>,
) -> ApiResult<Json<Bulletin>> {
    Ok(Json(
        reports::bulletin::generate(&s.db, &u.access, &q).await?,
    ))
}

/// Employer feedback (双报到反馈) for a quarter: the issued snapshot when there is one,
/// else live figures (`issued_at` null: 未发布). For the employer's admin and
/// administrators above; others 404.
#[utoipa::path(get, path = "/reports/employer", tag = "reports", params(FeedbackQuery),
    responses((status = 200, body = Feedback), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn employer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<FeedbackQuery>,
) -> ApiResult<Json<Feedback>> {
    Ok(Json(reports::feedback::get(&s.db, &u.access, &q).await?))
}

/// A 述职报告 of a year: one's own draft (figures generated from the record), or a
/// submitted one for the person's community cadre or an administrator above.
#[utoipa::path(get, path = "/reports/annual", tag = "reports", params(AnnualQuery),
    responses((status = 200, body = Annual), (status = 404, body = Problem)))]
pub async fn annual(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<AnnualQuery>,
) -> ApiResult<Json<Annual>> {
    Ok(Json(reports::annual::get(&s.db, &u.access, &q).await?))
}

/// Save one's own 述职 narrative as a draft (409 once submitted).
#[utoipa::path(put, path = "/reports/annual", tag = "reports", request_body = NarrativeInput,
    responses((status = 200, body = Annual), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_annual(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<NarrativeInput>,
) -> ApiResult<Json<Annual>> {
    Ok(Json(reports::annual::save(&s.db, &u.access, i).await?))
}

/// Submit one's own saved 述职 draft; it becomes read-only.
#[utoipa::path(post, path = "/reports/annual/submit", tag = "reports", request_body = SubmitInput,
    responses((status = 200, body = Annual), (status = 409, body = Problem)))]
pub async fn submit_annual(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(i): ApiJson<SubmitInput>,
) -> ApiResult<Json<Annual>> {
    Ok(Json(reports::annual::submit(&s.db, &u.access, i).await?))
}
