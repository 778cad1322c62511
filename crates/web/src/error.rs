//! One error type for the HTTP surface. The API answers RFC 9457 problem documents; pages
//! answer a friendly page with a way back (forms re-render themselves, see `pages`).
//! Each domain error has one row in the table below: stable code → status → zh-CN title.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{Error, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank` or ours).
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary, in Chinese.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What exactly is wrong.
    pub detail: String,
    /// Stable machine-readable code (snake_case).
    pub code: String,
    /// Per-field problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorDoc>,
}

/// A field problem in a problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorDoc {
    /// Field name.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The stable code, status and title of a domain error.
pub fn classify(e: &Error) -> (&'static str, StatusCode, String) {
    match e {
        Error::NotFound => (
            "not_found",
            StatusCode::NOT_FOUND,
            "找不到该对象，或它不在您的管辖范围内".into(),
        ),
        Error::Forbidden(m) => ("forbidden", StatusCode::FORBIDDEN, (*m).into()),
        Error::Unauthenticated => (
            "unauthenticated",
            StatusCode::UNAUTHORIZED,
            "请先登录".into(),
        ),
        Error::Invalid(_) => (
            "invalid_input",
            StatusCode::UNPROCESSABLE_ENTITY,
            "提交的内容有误，请按提示修改".into(),
        ),
        Error::Conflict { code, message } => (code, StatusCode::CONFLICT, message.clone()),
        Error::RateLimited => (
            "rate_limited",
            StatusCode::TOO_MANY_REQUESTS,
            "尝试次数过多，请 15 分钟后再试".into(),
        ),
        Error::Db(_) | Error::Internal(_) => (
            "internal",
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器出了问题，请稍后再试".into(),
        ),
    }
}

/// An error answered by the JSON API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    title: String,
    detail: String,
    errors: Vec<FieldError>,
}

impl ApiError {
    /// An error with its own status and code (for transport-level problems).
    pub fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            title: title.into(),
            detail: detail.into(),
            errors: vec![],
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let (code, status, title) = classify(&e);
        if status.is_server_error() {
            tracing::error!(error = %e, "internal error");
        }
        let errors = match e {
            Error::Invalid(v) => v,
            _ => vec![],
        };
        let detail = errors
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("；");
        ApiError {
            status,
            code: code.into(),
            detail: if detail.is_empty() {
                title.clone()
            } else {
                detail
            },
            title,
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_: format!("https://civicgrid.cn/problems/{}", self.code),
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            errors: self
                .errors
                .into_iter()
                .map(|f| FieldErrorDoc {
                    field: f.field,
                    message: f.message,
                })
                .collect(),
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "请求内容的字段或类型不对",
                e.body_text(),
            ),
            JsonRejection::JsonSyntaxError(e) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "请求内容不是有效的 JSON",
                e.body_text(),
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请用 Content-Type: application/json 提交",
                "缺少 Content-Type: application/json",
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            other => ApiError::new(
                other.status(),
                "bad_request",
                "请求无法读取",
                other.body_text(),
            ),
        }
    }
}

/// 413 with our words.
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "提交的内容太大",
        format!("请求体最多 {} MB", crate::BODY_LIMIT / 1024 / 1024),
    )
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            "网址中的编号无效",
            r.body_text(),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "查询参数无效",
            r.body_text(),
        )
    }
}

impl From<axum::extract::multipart::MultipartError> for ApiError {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_upload",
                "上传的文件无法读取",
                e.body_text(),
            )
        }
    }
}

impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(e: axum::extract::multipart::MultipartRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_upload",
            "请用 multipart/form-data 上传文件（字段名 file）",
            e.body_text(),
        )
    }
}
