//! Cases (案件): report, the loop (立案, 派遣, 处置, 核查, 结案), returns, extensions and
//! suspensions with approval, escalation, the follow-up watch, photos, the board, the
//! case map, the figures of the national method; categories and the working-day calendar.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cases::category::{Category, CategoryChanges};
use cases::figures::{FigureQuery, FigureReport, PersonFigures};
use cases::flow::{Dispatch, Handling, Merge, Rating, Reason, Verdict};
use cases::photo::Photo;
use cases::report::Duplicate;
use cases::requests::{Decision, NewRequest, Request, RequestQuery};
use cases::responsible::{Appoint, Link};
use cases::view::{Board, CaseRow, MapPoint};
use cases::watch::{NewWatch, Watch, WatchReport};
use cases::workdays::{CalendarDay, NewCalendarDay};
use cases::{CaseQuery, CaseView, NewCase};
use kernel::paging::Page;
use org::accounts::Holder;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// A new case and the open cases nearby that may be the same problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reported {
    /// The case.
    pub case: CaseView,
    /// Open cases of the same category within 50 m: offer to merge.
    pub possible_duplicates: Vec<Duplicate>,
}

/// A page of cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    /// Newest first.
    pub items: Vec<CaseRow>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

/// A page of the request ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestPage {
    /// Newest first.
    pub items: Vec<Request>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

/// Report a problem (群众上报, 网格巡查, or a cadre entering a hotline, media, inspection or
/// petition case).
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = Reported), (status = 422, body = crate::error::Problem)))]
pub async fn report(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(c): ApiJson<NewCase>,
) -> ApiResult<(StatusCode, Json<Reported>)> {
    let (c, dups) = cases::report::report(&s.db, &u.access, c, "api").await?;
    Ok((
        StatusCode::CREATED,
        Json(Reported {
            case: cases::view::get(&s.db, &u.access, c.id).await?,
            possible_duplicates: dups,
        }),
    ))
}

/// Cases: `view=mine` (reported by me), `assigned` (to handle) or `scope` (staff), with
/// filters; `figure` with `from`/`to` lists the cases behind a figure.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CasePage), (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<Json<CasePage>> {
    let Page { items, next } = cases::view::list(&s.db, &u.access, &q).await?;
    Ok(Json(CasePage { items, next }))
}

/// Where to look.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
pub struct UnitParam {
    /// The node (grid, community, street…); the caller's scope when missing.
    pub unit_id: Option<i64>,
}

/// The dispatcher's board: counts per state, overdue cases first, reports waiting,
/// cases to verify.
#[utoipa::path(get, path = "/cases/board", tag = "cases", params(UnitParam),
    responses((status = 200, body = Board)))]
pub async fn board(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<UnitParam>,
) -> ApiResult<Json<Board>> {
    Ok(Json(cases::view::board(&s.db, &u.access, q.unit_id).await?))
}

/// A node (for the map).
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
pub struct MapParam {
    /// The grid or community.
    pub unit_id: i64,
}

/// The cases with a position under a node: open ones and those closed in the last 30
/// days.
#[utoipa::path(get, path = "/cases/map", tag = "cases", params(MapParam),
    responses((status = 200, body = Vec<MapPoint>), (status = 404, body = crate::error::Problem)))]
pub async fn map(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<MapParam>,
) -> ApiResult<Json<Vec<MapPoint>>> {
    Ok(Json(
        cases::view::map_points(&s.db, &u.access, q.unit_id).await?,
    ))
}

/// One case with its history, requests, photos, watches and the steps open to the caller.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(cases::view::get(&s.db, &u.access, id).await?))
}

/// Who a case can be dispatched to.
#[utoipa::path(get, path = "/cases/{id}/handlers", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Holder>), (status = 404, body = crate::error::Problem)))]
pub async fn handlers(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Holder>>> {
    Ok(Json(cases::flow::handlers(&s.db, &u.access, id).await?))
}

/// One step: the case afterwards.
macro_rules! step {
    ($name:ident, $path:literal, $body:ty, $call:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "cases", params(("id" = i64, Path)), request_body = $body,
            responses((status = 200, body = CaseView), (status = 403, body = crate::error::Problem),
                      (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
                      (status = 422, body = crate::error::Problem)))]
        pub async fn $name(
            State(s): State<AppState>,
            u: ApiUser,
            ApiPath(id): ApiPath<i64>,
            ApiJson(b): ApiJson<$body>,
        ) -> ApiResult<Json<CaseView>> {
            let c = $call(&s.db, &u.access, id, b).await?;
            Ok(Json(cases::view::get(&s.db, &u.access, c.id).await?))
        }
    };
}

/// No body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Empty {}

async fn register_(
    db: &kernel::Db,
    a: &org::Access,
    id: i64,
    _: Empty,
) -> kernel::Result<cases::CaseFile> {
    cases::flow::register(db, a, id).await
}
async fn resume_(
    db: &kernel::Db,
    a: &org::Access,
    id: i64,
    _: Empty,
) -> kernel::Result<cases::CaseFile> {
    cases::requests::resume(db, a, id).await
}

step!(
    register,
    "/cases/{id}/register",
    Empty,
    register_,
    "立案: accept a report as a case (dispatchers). A hotline, media or inspection case the grid had not reported is marked as missed by the grid."
);
step!(
    void,
    "/cases/{id}/void",
    Reason,
    cases::flow::void,
    "作废: not a case, with the reason (dispatchers)."
);
step!(
    merge,
    "/cases/{id}/merge",
    Merge,
    cases::flow::merge,
    "合并: a duplicate of an open case (dispatchers)."
);
step!(
    dispatch,
    "/cases/{id}/dispatch",
    Dispatch,
    cases::flow::dispatch,
    "派遣 to a handler; the deadline counts from now on the working-day calendar."
);
step!(
    handle,
    "/cases/{id}/handle",
    Handling,
    cases::flow::handle,
    "处置反馈 by the handler (a photo is welcome, never required)."
);
step!(
    verify,
    "/cases/{id}/verify",
    Verdict,
    cases::flow::verify,
    "核查: `pass` closes the case, `fail` sends it back (返工). Nobody verifies their own handling."
);
step!(
    rate,
    "/cases/{id}/rate",
    Rating,
    cases::flow::rate,
    "综合评价 by the reporter of a closed case, once."
);
step!(
    escalate,
    "/cases/{id}/escalate",
    Reason,
    cases::flow::escalate,
    "Escalate one level up the tree by hand, with a reason."
);
step!(
    resume,
    "/cases/{id}/resume",
    Empty,
    resume_,
    "恢复处置 after 缓办: the working time left counts again from now."
);

/// 回退, 延期 or 缓办: the handler asks; a dispatcher decides.
#[utoipa::path(post, path = "/cases/{id}/requests", tag = "cases", params(("id" = i64, Path)), request_body = NewRequest,
    responses((status = 201, body = Request), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn ask(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<NewRequest>,
) -> ApiResult<(StatusCode, Json<Request>)> {
    Ok((
        StatusCode::CREATED,
        Json(cases::requests::ask(&s.db, &u.access, id, r).await?),
    ))
}

/// A decided request and the case after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Decided {
    /// The request.
    pub request: Request,
    /// The case.
    pub case: CaseView,
}

/// Approve or refuse a return, extension or suspension (a dispatcher other than the one
/// asking); an approval takes effect at once.
#[utoipa::path(post, path = "/case-requests/{id}/decide", tag = "cases", params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Decided), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn decide(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<Decision>,
) -> ApiResult<Json<Decided>> {
    let (request, c) = cases::requests::decide(&s.db, &u.access, id, d).await?;
    Ok(Json(Decided {
        request,
        case: cases::view::get(&s.db, &u.access, c.id).await?,
    }))
}

/// The ledger of returns, extensions and suspensions in the caller's scope.
#[utoipa::path(get, path = "/case-requests", tag = "cases", params(RequestQuery),
    responses((status = 200, body = RequestPage)))]
pub async fn requests(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> ApiResult<Json<RequestPage>> {
    let Page { items, next } = cases::requests::ledger(&s.db, &u.access, &q).await?;
    Ok(Json(RequestPage { items, next }))
}

/// Give a closed case a follow-up watch (盯守/复查) for N days.
#[utoipa::path(post, path = "/cases/{id}/watch", tag = "cases", params(("id" = i64, Path)), request_body = NewWatch,
    responses((status = 201, body = Watch), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn watch(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(w): ApiJson<NewWatch>,
) -> ApiResult<(StatusCode, Json<Watch>)> {
    Ok((
        StatusCode::CREATED,
        Json(cases::watch::assign(&s.db, &u.access, id, w).await?),
    ))
}

/// The caller's follow-up watches.
#[utoipa::path(get, path = "/case-watches", tag = "cases", responses((status = 200, body = Vec<Watch>)))]
pub async fn my_watches(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Watch>>> {
    Ok(Json(cases::watch::mine(&s.db, &u.access).await?))
}

/// A watch's outcome and the case a rebound opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchOutcome {
    /// The watch.
    pub watch: Watch,
    /// The new, linked case (for a rebound).
    pub rebound_case_id: Option<i64>,
}

/// The watcher reports a rebound (a linked case is opened, registered) or ends the watch.
#[utoipa::path(post, path = "/case-watches/{id}/report", tag = "cases", params(("id" = i64, Path)), request_body = WatchReport,
    responses((status = 200, body = WatchOutcome), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn watch_report(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<WatchReport>,
) -> ApiResult<Json<WatchOutcome>> {
    let (watch, c) = cases::watch::report(&s.db, &u.access, id, r).await?;
    Ok(Json(WatchOutcome {
        watch,
        rebound_case_id: c.map(|c| c.id),
    }))
}

/// Attach a photo (optional evidence): multipart field `photo`, JPEG, PNG or WebP up to
/// 5 MB.
#[utoipa::path(post, path = "/cases/{id}/photos", tag = "cases", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "字段 photo：JPEG、PNG 或 WebP，最大 5 MB"),
    responses((status = 201, body = Photo), (status = 403, body = crate::error::Problem),
              (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn add_photo(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    mut mp: Multipart,
) -> ApiResult<(StatusCode, Json<Photo>)> {
    while let Some(field) = mp.next_field().await? {
        if field.name() == Some("photo") {
            let bytes = field.bytes().await?;
            let p = cases::photo::add(&s.db, &u.access, &s.config.media, id, &bytes).await?;
            return Ok((StatusCode::CREATED, Json(p)));
        }
    }
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_file",
        "没有收到照片",
        "请在 multipart/form-data 的 photo 字段上传照片",
    ))
}

/// A photo's bytes.
#[utoipa::path(get, path = "/cases/{id}/photos/{photo}", tag = "cases",
    params(("id" = i64, Path), ("photo" = i64, Path)),
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = crate::error::Problem)))]
pub async fn photo(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath((id, photo)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let (mime, bytes) = cases::photo::bytes(&s.db, &u.access, &s.config.media, id, photo).await?;
    Ok(image(mime, bytes))
}

/// An image response that is never sniffed into something else and stays private.
pub fn image(mime: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"photo\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The figures of a node and its children (结案率, 按期结案率, 返工率, 有效上报率, 漏报率,
/// 群众满意率), live; each count lists its cases with `GET /cases?figure=…`.
#[utoipa::path(get, path = "/case-figures", tag = "cases", params(FigureQuery),
    responses((status = 200, body = FigureReport), (status = 422, body = crate::error::Problem)))]
pub async fn figures(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<FigureQuery>,
) -> ApiResult<Json<FigureReport>> {
    Ok(Json(cases::figures::by_unit(&s.db, &u.access, &q).await?))
}

/// A person's figures as reporter and as handler.
#[utoipa::path(get, path = "/case-figures/people/{id}", tag = "cases", params(("id" = i64, Path), FigureQuery),
    responses((status = 200, body = PersonFigures), (status = 404, body = crate::error::Problem)))]
pub async fn person_figures(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<FigureQuery>,
) -> ApiResult<Json<PersonFigures>> {
    Ok(Json(
        cases::figures::of_person(&s.db, &u.access, id, &q).await?,
    ))
}

/// The city's case categories (大类 and 小类 with time limits and departments).
#[utoipa::path(get, path = "/case-categories", tag = "cases", responses((status = 200, body = Vec<Category>)))]
pub async fn categories(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Category>>> {
    Ok(Json(
        cases::category::list(&s.db, u.access.city_id()).await?,
    ))
}

/// Change a category's limits, department, name or whether it is offered (platform admins).
#[utoipa::path(patch, path = "/case-categories/{id}", tag = "cases", params(("id" = i64, Path)), request_body = CategoryChanges,
    responses((status = 200, body = Category), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn update_category(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(ch): ApiJson<CategoryChanges>,
) -> ApiResult<Json<Category>> {
    Ok(Json(
        cases::category::update(&s.db, &u.access, id, ch).await?,
    ))
}

/// The city's own entries over the national holiday calendar.
#[utoipa::path(get, path = "/work-calendar", tag = "cases", responses((status = 200, body = Vec<CalendarDay>)))]
pub async fn calendar(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<CalendarDay>>> {
    Ok(Json(
        cases::workdays::list(&s.db, u.access.city_id()).await?,
    ))
}

/// List a holiday or an adjusted working day (platform admins).
#[utoipa::path(post, path = "/work-calendar", tag = "cases", request_body = NewCalendarDay,
    responses((status = 201, body = CalendarDay), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn add_calendar_day(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(d): ApiJson<NewCalendarDay>,
) -> ApiResult<(StatusCode, Json<CalendarDay>)> {
    Ok((
        StatusCode::CREATED,
        Json(cases::workdays::add(&s.db, &u.access, d).await?),
    ))
}

/// Remove a listed day.
#[utoipa::path(delete, path = "/work-calendar/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn remove_calendar_day(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    cases::workdays::remove(&s.db, &u.access, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A grid's responsibility chain (直接、主要、领导责任人).
#[utoipa::path(get, path = "/units/{id}/responsible", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Link>), (status = 404, body = crate::error::Problem)))]
pub async fn responsible(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Link>>> {
    let unit = org::units::get(&s.db, &u.access, id).await?;
    Ok(Json(
        cases::responsible::chain(&s.db, u.access.city_id(), unit.id).await?,
    ))
}

/// Name (or clear) the person at one level of a node's chain.
#[utoipa::path(put, path = "/units/{id}/responsible", tag = "cases", params(("id" = i64, Path)), request_body = Appoint,
    responses((status = 200, body = Vec<Link>), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn appoint(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<Appoint>,
) -> ApiResult<Json<Vec<Link>>> {
    Ok(Json(
        cases::responsible::appoint(&s.db, &u.access, id, a).await?,
    ))
}
