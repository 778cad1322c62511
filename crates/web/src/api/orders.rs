//! Orders (群众点单 → 社区派单 → 下沉人员接单): place, dispatch with recommendations,
//! accept, decline, finish, confirm with a rating, rate back, cancel; the dispatch board
//! and the record of assignments made against the recommendation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kernel::paging::Page;
use orders::recommend::Recommendation;
use orders::{
    Board, Dispatch, Finish, NewOrder, OrderQuery, OrderView, Override, Rating, Reason,
    RecommendQuery,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    /// Orders, newest first.
    pub items: Vec<OrderView>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

/// A page of assignments made against the recommendation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverridePage {
    /// Newest first.
    pub items: Vec<Override>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

/// A category residents choose from.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryInfo {
    /// Code.
    pub code: String,
    /// Name.
    pub label: String,
}

/// The categories of service.
#[utoipa::path(get, path = "/orders/categories", tag = "orders",
    responses((status = 200, body = Vec<CategoryInfo>)))]
pub async fn categories(_u: ApiUser) -> Json<Vec<CategoryInfo>> {
    Json(
        orders::CATEGORIES
            .iter()
            .map(|c| CategoryInfo {
                code: c.code.into(),
                label: c.label.into(),
            })
            .collect(),
    )
}

/// Place an order (a resident for themselves, a cadre on a resident's behalf).
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = NewOrder,
    responses((status = 201, body = OrderView), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn place(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(o): ApiJson<NewOrder>,
) -> ApiResult<(StatusCode, Json<OrderView>)> {
    let o = orders::service::place(&s.db, &u.access, o).await?;
    Ok((
        StatusCode::CREATED,
        Json(orders::view::get(&s.db, &u.access, o.id).await?),
    ))
}

/// Orders: `view=mine` (placed by or for me), `assigned` (dispatched to me) or `scope`
/// (my communities); filter by `state` or `overdue`.
#[utoipa::path(get, path = "/orders", tag = "orders", params(OrderQuery),
    responses((status = 200, body = OrderPage)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> ApiResult<Json<OrderPage>> {
    let Page { items, next } = orders::view::list(&s.db, &u.access, &q).await?;
    Ok(Json(OrderPage { items, next }))
}

/// One order with its history and the steps open to the caller.
#[utoipa::path(get, path = "/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(orders::view::get(&s.db, &u.access, id).await?))
}

/// The recommended people for an order, best first, each with the reasons; with `q`, the
/// pool members whose name contains it, each assessed the same way.
#[utoipa::path(get, path = "/orders/{id}/recommendations", tag = "orders",
    params(("id" = i64, Path), RecommendQuery),
    responses((status = 200, body = Vec<Recommendation>), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn recommendations(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<RecommendQuery>,
) -> ApiResult<Json<Vec<Recommendation>>> {
    Ok(Json(
        orders::view::recommendations(&s.db, &u.access, id, &q).await?,
    ))
}

async fn done(s: &AppState, u: &ApiUser, id: i64) -> ApiResult<Json<OrderView>> {
    Ok(Json(orders::view::get(&s.db, &u.access, id).await?))
}

/// 派单: dispatch to a person; a choice against their skills, availability or the monthly
/// cap needs a written reason.
#[utoipa::path(post, path = "/orders/{id}/dispatch", tag = "orders", params(("id" = i64, Path)),
    request_body = Dispatch,
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn dispatch(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<Dispatch>,
) -> ApiResult<Json<OrderView>> {
    orders::service::dispatch(&s.db, &u.access, id, d).await?;
    done(&s, &u, id).await
}

/// 接单.
#[utoipa::path(post, path = "/orders/{id}/accept", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub async fn accept(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OrderView>> {
    orders::service::accept(&s.db, &u.access, id).await?;
    done(&s, &u, id).await
}

/// 拒单: back to the pool, with a reason.
#[utoipa::path(post, path = "/orders/{id}/decline", tag = "orders", params(("id" = i64, Path)),
    request_body = Reason,
    responses((status = 200, body = OrderView), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn decline(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<Reason>,
) -> ApiResult<Json<OrderView>> {
    orders::service::decline(&s.db, &u.access, id, r).await?;
    done(&s, &u, id).await
}

/// 完成服务: minutes served and a note.
#[utoipa::path(post, path = "/orders/{id}/finish", tag = "orders", params(("id" = i64, Path)),
    request_body = Finish,
    responses((status = 200, body = OrderView), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn finish(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<Finish>,
) -> ApiResult<Json<OrderView>> {
    orders::service::finish(&s.db, &u.access, id, f).await?;
    done(&s, &u, id).await
}

/// 确认完成 with a rating; credits points and time coins once.
#[utoipa::path(post, path = "/orders/{id}/confirm", tag = "orders", params(("id" = i64, Path)),
    request_body = Rating,
    responses((status = 200, body = OrderView), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn confirm(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<Rating>,
) -> ApiResult<Json<OrderView>> {
    orders::service::confirm(&s.db, &u.access, id, r).await?;
    done(&s, &u, id).await
}

/// 两方评价: the person rates the order back, once.
#[utoipa::path(post, path = "/orders/{id}/rate-back", tag = "orders", params(("id" = i64, Path)),
    request_body = Rating,
    responses((status = 200, body = OrderView), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn rate_back(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<Rating>,
) -> ApiResult<Json<OrderView>> {
    orders::service::rate_back(&s.db, &u.access, id, r).await?;
    done(&s, &u, id).await
}

/// 撤销.
#[utoipa::path(post, path = "/orders/{id}/cancel", tag = "orders", params(("id" = i64, Path)),
    request_body = Reason,
    responses((status = 200, body = OrderView), (status = 409, body = crate::error::Problem)))]
pub async fn cancel(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<Reason>,
) -> ApiResult<Json<OrderView>> {
    orders::service::cancel(&s.db, &u.access, id, r).await?;
    done(&s, &u, id).await
}

/// The dispatch board's counts in the caller's scope.
#[utoipa::path(get, path = "/orders/board", tag = "orders",
    responses((status = 200, body = Board)))]
pub async fn board(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Board>> {
    Ok(Json(orders::view::board(&s.db, &u.access).await?))
}

/// Keyset paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Before {
    /// The `next` of the previous page.
    pub before: Option<i64>,
}

/// Assignments made against skills, availability or the monthly cap, with their reasons.
#[utoipa::path(get, path = "/orders/overrides", tag = "orders", params(Before),
    responses((status = 200, body = OverridePage), (status = 403, body = crate::error::Problem)))]
pub async fn overrides(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<Before>,
) -> ApiResult<Json<OverridePage>> {
    let Page { items, next } = orders::view::overrides(&s.db, &u.access, q.before).await?;
    Ok(Json(OverridePage { items, next }))
}
