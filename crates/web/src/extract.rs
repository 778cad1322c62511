//! Extractors: who is calling (session cookie or bearer token), typed JSON, path and query
//! with our rejections, and forms that carry a CSRF token.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use org::Access;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "cg_session";
/// Name of the pre-login CSRF cookie.
pub const PRELOGIN_COOKIE: &str = "cg_pre";

/// The value of a cookie in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
}

fn request_id(parts: &Parts) -> String {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The client's address as the login rate limit counts it: the peer address, or for a
/// server behind a local reverse proxy, the `X-Real-IP` it sets.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let proxied = parts.headers.get("x-real-ip").and_then(|v| v.to_str().ok());
        Ok(ClientIp(match (peer, proxied) {
            (Some(ip), Some(real)) if ip.is_loopback() => real.chars().take(64).collect(),
            (Some(ip), _) => ip.to_string(),
            (None, _) => "unknown".to_owned(),
        }))
    }
}

/// An API caller: bearer token, or a browser session that also sends `X-CSRF-Token` on
/// anything but GET/HEAD.
pub struct ApiUser {
    /// What the caller may do.
    pub access: Access,
    /// The secret that authenticated the call.
    pub token: String,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (token, via_cookie) = match bearer(&parts.headers) {
            Some(t) => (t, false),
            None => match cookie(&parts.headers, SESSION_COOKIE) {
                Some(t) => (t, true),
                None => return Err(kernel::Error::Unauthenticated.into()),
            },
        };
        let mut access = org::auth::authenticate(&state.db, &token)
            .await?
            .ok_or(kernel::Error::Unauthenticated)?;
        if via_cookie && !matches!(parts.method, Method::GET | Method::HEAD) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if sent != access.csrf() {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_failed",
                    "缺少或错误的 X-CSRF-Token",
                    "用浏览器会话调用接口时，修改类请求须带 X-CSRF-Token 头",
                ));
            }
        }
        if access.must_change_password() && !parts.uri.path().ends_with("/me/password") {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "must_change_password",
                "请先修改初始密码",
                "账号使用的是初始密码：请先调用 POST /api/v1/me/password 修改",
            ));
        }
        access.set_request_id(request_id(parts));
        Ok(ApiUser { access, token })
    }
}

/// A signed-in browser user; anyone else is sent to the login page (and back afterwards).
pub struct PageUser {
    /// What the user may do.
    pub access: Access,
    /// The session secret.
    pub token: String,
}

/// Where an unauthenticated page request goes.
pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&self.0).into_response()
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ToLogin> {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let to_login = ToLogin(format!("/login?next={}", urlencode(next)));
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login);
        };
        let Ok(Some(mut access)) = org::auth::authenticate(&state.db, &token).await else {
            return Err(to_login);
        };
        if !access.via_session() {
            return Err(to_login);
        }
        let path = parts.uri.path();
        if access.must_change_password() && path != "/account/password" && path != "/logout" {
            return Err(ToLogin("/account/password".into()));
        }
        access.set_request_id(request_id(parts));
        Ok(PageUser { access, token })
    }
}

/// Percent-encode a string for a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// JSON body with problem-document rejections.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(v) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// Path parameters with problem-document rejections.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query parameters with problem-document rejections.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// A urlencoded form whose `_csrf` field must match the session's CSRF secret. Repeated
/// keys (checkbox lists) become vectors.
pub struct CsrfForm<T>(pub T);

/// Why a form was not accepted.
pub enum FormRejection {
    /// The CSRF token is missing or wrong: the page is stale or forged.
    Csrf,
    /// The body is not a readable form.
    Bad(String),
    /// The body is too large.
    TooLarge,
}

impl IntoResponse for FormRejection {
    fn into_response(self) -> Response {
        let (status, msg) = match self {
            FormRejection::Csrf => (
                StatusCode::FORBIDDEN,
                "页面已过期或来源不明（安全校验未通过）。请返回上一页，刷新后重新提交。".to_owned(),
            ),
            FormRejection::Bad(m) => (StatusCode::BAD_REQUEST, format!("表单内容无法读取：{m}")),
            FormRejection::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "提交的内容太大".to_owned()),
        };
        crate::pages::message_page(status, "无法提交", &msg)
    }
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Parse a urlencoded body into `T` (repeated keys into vectors).
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_html_form::from_bytes::<T>(bytes).map_err(|e| e.to_string())
}

/// The CSRF secret a form of this request must carry: the session's, or before login the
/// double-submit cookie's.
async fn expected_csrf(parts: &Parts, state: &AppState) -> Option<String> {
    let expected = match cookie(&parts.headers, SESSION_COOKIE) {
        Some(t) => org::auth::authenticate(&state.db, &t)
            .await
            .ok()
            .flatten()
            .map(|a| a.csrf().to_owned()),
        None => None,
    };
    expected.or_else(|| cookie(&parts.headers, PRELOGIN_COOKIE))
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = FormRejection;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, FormRejection> {
        let (mut parts, body) = req.into_parts();
        let expected = expected_csrf(&parts, state).await;
        let req = Request::from_parts(parts.clone(), body);
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    FormRejection::TooLarge
                } else {
                    FormRejection::Bad(e.body_text())
                }
            })?;
        let _ = &mut parts;
        let sent: CsrfField = parse_form(&bytes).unwrap_or(CsrfField {
            csrf: String::new(),
        });
        match expected {
            Some(e) if !e.is_empty() && constant_time_eq(&e, &sent.csrf) => {}
            _ => return Err(FormRejection::Csrf),
        }
        parse_form(&bytes).map(CsrfForm).map_err(FormRejection::Bad)
    }
}

/// Compare secrets without leaking where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A file that came with a form.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// The name the browser gave (not trusted for anything but display).
    pub filename: String,
    /// The bytes.
    pub bytes: axum::body::Bytes,
}

/// A form that may carry files (`multipart/form-data`; a plain urlencoded form is taken
/// too, without files). Its `_csrf` field must match the session's CSRF secret, as with
/// [`CsrfForm`]; the text fields are parsed into `T` (repeated keys into vectors) and the
/// chosen files are kept apart. A file input left empty sends nothing.
pub struct MultipartForm<T> {
    /// The text fields.
    pub form: T,
    /// The files chosen.
    pub files: Vec<Upload>,
}

impl<T> MultipartForm<T> {
    /// The file sent in `field`, if one was chosen.
    pub fn file(&self, field: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.field == field)
    }
}

fn multipart_failed(e: axum::extract::multipart::MultipartError) -> FormRejection {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        FormRejection::TooLarge
    } else {
        FormRejection::Bad(e.body_text())
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for MultipartForm<T> {
    type Rejection = FormRejection;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, FormRejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let CsrfForm(form) = CsrfForm::<T>::from_request(req, state).await?;
            return Ok(MultipartForm {
                form,
                files: vec![],
            });
        }
        let (parts, body) = req.into_parts();
        let expected = expected_csrf(&parts, state).await;
        let req = Request::from_parts(parts, body);
        let mut mp = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| FormRejection::Bad(e.body_text()))?;
        let mut pairs: Vec<String> = Vec::new();
        let mut sent_csrf = String::new();
        let mut files = Vec::new();
        while let Some(field) = mp.next_field().await.map_err(multipart_failed)? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(filename) => {
                    let bytes = field.bytes().await.map_err(multipart_failed)?;
                    if !bytes.is_empty() || !filename.is_empty() {
                        files.push(Upload {
                            field: name,
                            filename,
                            bytes,
                        });
                    }
                }
                None => {
                    let text = field.text().await.map_err(multipart_failed)?;
                    if name == "_csrf" {
                        sent_csrf = text.clone();
                    }
                    pairs.push(format!("{}={}", urlencode(&name), urlencode(&text)));
                }
            }
        }
        match expected {
            Some(e) if !e.is_empty() && constant_time_eq(&e, &sent_csrf) => {}
            _ => return Err(FormRejection::Csrf),
        }
        let form = parse_form(pairs.join("&").as_bytes()).map_err(FormRejection::Bad)?;
        Ok(MultipartForm { form, files })
    }
}
