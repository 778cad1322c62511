//! The HTTP surface: server-rendered pages (askama), the JSON API under `/api/v1` with its
//! OpenAPI document, Open311 GeoReport v2 under `/open311/v2`, problem documents for
//! errors, and the cross-cutting layers (security headers, request ids, body limit,
//! tracing, panic catching).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::Db;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;

pub mod api;
pub mod error;
pub mod extract;
pub mod open311;
pub mod pages;

/// The largest request body accepted (uploads included).
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;

/// Settings the web layer needs.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Serve `POST /api/v1/bench/insert`, the bare-insert baseline of `bench/checkin.sh`
    /// (off unless `CIVICGRID_BENCH_ENDPOINTS=1`).
    pub bench_endpoints: bool,
    /// Where case photos are kept: in the database, or in a folder.
    pub media: cases::photo::Media,
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Settings.
    pub config: Arc<WebConfig>,
    /// The task that writes check-ins together (group commit).
    pub checkin_writer: activities::writer::CheckinWriter,
}

#[derive(Clone, Default)]
struct MakeId(Arc<AtomicU64>);

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        let salt: u32 = rand::random();
        HeaderValue::from_str(&format!("{salt:08x}-{n}"))
            .ok()
            .map(RequestId::new)
    }
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    let x_request_id = HeaderName::from_static("x-request-id");
    let api_router = if state.config.bench_endpoints {
        api_router.route(
            "/api/v1/bench/insert",
            axum::routing::post(api::bench::insert),
        )
    } else {
        api_router
    };
    Router::new()
        .merge(pages::router())
        .merge(api_router)
        .merge(open311::router())
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(static_file))
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(on_panic))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeId::default()))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("geolocation=(self), camera=(), microphone=()"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    error::ApiError::from(kernel::Error::Internal("panic".into())).into_response()
}

async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

const APP_CSS: &str = include_str!("../static/app.css");
const APP_JS: &str = include_str!("../static/app.js");

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/open311/") {
        open311::not_found(&uri)
    } else if uri.path().starts_with("/api/") {
        error::ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_endpoint",
            "没有这个接口",
            format!("{} 不存在；接口文档见 /api/v1/openapi.json", uri.path()),
        )
        .into_response()
    } else {
        pages::message_page(
            StatusCode::NOT_FOUND,
            "找不到页面",
            "您要找的页面不存在，或已被移走。",
        )
    }
}
