//! Reports: dashboards per level with their SVG charts, and the load and fairness view.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kernel::Error;
use reports::dashboard::{Dashboard, DashboardQuery};
use reports::fairness::{Fairness, FairnessQuery};

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiPath, ApiQuery, ApiUser};

/// A node's dashboard for a month: orders, activities and service hours, cases with their
/// rates, the grade distribution, load against the cap; per child node; a 6-month trend.
#[utoipa::path(get, path = "/reports/dashboard", tag = "reports", params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn dashboard(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> ApiResult<Json<Dashboard>> {
    Ok(Json(
        reports::dashboard::dashboard(&s.db, &u.access, &q).await?,
    ))
}

/// One of the dashboard's charts as SVG: `trend` (6 months), `grades`, `on_time`
/// (按期结案率 per child node), `orders` (orders per child node).
#[utoipa::path(get, path = "/reports/dashboard/charts/{name}", tag = "reports",
    params(("name" = String, Path), DashboardQuery),
    responses((status = 200, content_type = "image/svg+xml"), (status = 404, body = Problem)))]
pub async fn chart(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> ApiResult<Response> {
    let d = reports::dashboard::dashboard(&s.db, &u.access, &q).await?;
    let c = reports::dashboard::charts(&d);
    let svg = match name.trim_end_matches(".svg") {
        "trend" => c.trend,
        "grades" => c.grades,
        "on_time" => c.on_time,
        "orders" => c.orders,
        _ => return Err(Error::NotFound.into()),
    };
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}

/// The load and fairness report of a community (`unit`) or an employer (`employer`) for a
/// month: each person's load against the cap (by community and name), duties and
/// dispatches made against the checks with their reasons, skill mismatches.
#[utoipa::path(get, path = "/reports/fairness", tag = "reports", params(FairnessQuery),
    responses((status = 200, body = Fairness), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn fairness(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<FairnessQuery>,
) -> ApiResult<Json<Fairness>> {
    Ok(Json(reports::fairness::report(&s.db, &u.access, &q).await?))
}
