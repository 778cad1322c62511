//! Open311 GeoReport v2 at `/open311/v2/`: `services`, `services/{code}`, `requests`
//! (GET with its filters; POST form-encoded with an `api_key`), `requests/{id}`,
//! `tokens/{token}` and mySociety's `servicerequestupdates`, each as `.json` (also with no
//! suffix) or `.xml`, with errors as GeoReport error documents in the same format. The
//! jurisdiction is the city's code. What a caller without a key (or with a key that does
//! not read the case) sees of a request is its public subset; see `cases::georeport`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::get;
use cases::georeport::{self, RequestFilter};
use kernel::time::now_ms;
use org::Access;
use org::units::City;
use serde::Serialize;

use crate::AppState;

mod wire;

pub use wire::{Failure, Format};
use wire::{Params, Reply, date_param, format_of, list, split};

/// The routes, to be merged into the application router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/open311/v2/{file}",
            get(get_top).post(post_top).fallback(wrong_method),
        )
        .route(
            "/open311/v2/services/{file}",
            get(get_service).fallback(wrong_method),
        )
        .route(
            "/open311/v2/requests/{file}",
            get(get_request).fallback(wrong_method),
        )
        .route(
            "/open311/v2/tokens/{file}",
            get(get_token).fallback(wrong_method),
        )
}

/// Any method but GET (and POST for `requests`): an error document, not an empty 405.
async fn wrong_method(uri: Uri) -> Response {
    Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "GeoReport v2 只用 GET 读取，用 POST requests 提交服务请求",
    )
    .render(format_of(uri.path()))
}

/// The city named by `jurisdiction_id`, or the only one.
async fn jurisdiction(s: &AppState, p: &Params) -> Result<City, Failure> {
    match p.get("jurisdiction_id") {
        Some(code) => org::units::city_by_code(&s.db, Some(code))
            .await?
            .ok_or_else(|| {
                Failure::new(
                    StatusCode::NOT_FOUND,
                    format!("jurisdiction_id “{code}” 不存在：请用城市编码"),
                )
            }),
        None => match org::units::city_by_code(&s.db, None).await? {
            Some(c) => Ok(c),
            None if org::units::city_count(&s.db).await? == 0 => {
                Err(Failure::new(StatusCode::NOT_FOUND, "本平台还没有建立城市"))
            }
            None => Err(Failure::bad(
                "缺少 jurisdiction_id：本平台服务多个城市，请用城市编码指明",
            )),
        },
    }
}

/// The account behind the `api_key` (or an `Authorization: Bearer` header); a key that is
/// given must be valid, and of this city.
async fn caller(
    s: &AppState,
    p: &Params,
    headers: &HeaderMap,
    city: &City,
) -> Result<Option<Access>, Failure> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(key) = p.get("api_key").or(bearer) else {
        return Ok(None);
    };
    let Some(mut access) = org::auth::authenticate(&s.db, key).await? else {
        return Err(Failure::key("api_key 无效或已过期"));
    };
    if access.city_id() != city.id {
        return Err(Failure::key("这个 api_key 不属于该城市（jurisdiction_id）"));
    }
    if access.must_change_password() {
        return Err(Failure::key(
            "这个账号仍在使用初始密码：请先登录平台修改密码，再使用 api_key",
        ));
    }
    if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        access.set_request_id(id.to_owned());
    }
    Ok(Some(access))
}

/// The last path segment (`services.xml`) and the format its error documents take.
fn target(path: Result<Path<String>, PathRejection>) -> (Result<String, Failure>, Format) {
    match path {
        Ok(Path(file)) => {
            let format = format_of(&file);
            (Ok(file), format)
        }
        Err(_) => (Err(Failure::bad("网址无法读取")), Format::Json),
    }
}

/// GET `services`, `requests` and `servicerequestupdates`.
async fn get_top(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (file, format) = target(path);
    let reply = async {
        let file = file?;
        let (name, format) = split(&file)?;
        let p = Params::of_query(q.as_deref())?;
        match name {
            "services" => {
                let city = jurisdiction(&s, &p).await?;
                list(
                    format,
                    "services",
                    "service",
                    &georeport::services(&s.db, city.id).await?,
                )
            }
            "requests" => list_requests(&s, &p, &headers, format).await,
            "servicerequestupdates" => list_updates(&s, &p, &headers, format).await,
            _ => Err(unknown(&file)),
        }
    };
    reply.await.unwrap_or_else(|f| f.render(format))
}

fn unknown(path: &str) -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        format!(
            "没有这个资源：{path}。可用：services、services/{{service_code}}、requests、\
             requests/{{id}}、tokens/{{token}}、servicerequestupdates（.json 或 .xml）"
        ),
    )
}

async fn list_requests(s: &AppState, p: &Params, headers: &HeaderMap, format: Format) -> Reply {
    let city = jurisdiction(s, p).await?;
    let access = caller(s, p, headers, &city).await?;
    let ids = p.list("service_request_id");
    let filter = if ids.is_empty() {
        let statuses = p.list("status");
        let open = match (
            statuses.iter().any(|s| s == "open"),
            statuses.iter().any(|s| s == "closed"),
        ) {
            _ if statuses.iter().any(|s| s != "open" && s != "closed") => {
                return Err(Failure::bad("status 只能是 open 或 closed（可用逗号分隔）"));
            }
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        };
        RequestFilter {
            ids: None,
            service_codes: p.list("service_code"),
            start: date_param(p, "start_date", false)?,
            end: date_param(p, "end_date", true)?,
            open,
        }
    } else {
        let ids = ids
            .iter()
            .map(|i| i.parse::<i64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Failure::bad("service_request_id 应为编号，多个用逗号分隔"))?;
        RequestFilter {
            ids: Some(ids),
            ..Default::default()
        }
    };
    let items = georeport::requests(&s.db, city.id, access.as_ref(), &filter, now_ms()).await?;
    list(format, "service_requests", "request", &items)
}

async fn list_updates(s: &AppState, p: &Params, headers: &HeaderMap, format: Format) -> Reply {
    let city = jurisdiction(s, p).await?;
    let access = caller(s, p, headers, &city).await?;
    let start = date_param(p, "start_date", false)?;
    let end = date_param(p, "end_date", true)?;
    let items = georeport::updates(&s.db, city.id, access.as_ref(), start, end, now_ms()).await?;
    list(format, "service_request_updates", "request_update", &items)
}

/// GET `services/{code}`: the service definition.
async fn get_service(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    let (file, format) = target(path);
    let reply = async {
        let file = file?;
        let (code, format) = split(&file)?;
        let p = Params::of_query(q.as_deref())?;
        let city = jurisdiction(&s, &p).await?;
        let d = match georeport::service_definition(&s.db, city.id, code).await {
            Err(kernel::Error::NotFound) => {
                return Err(Failure::new(
                    StatusCode::NOT_FOUND,
                    format!("service_code “{code}” 不存在（见 services.json）"),
                ));
            }
            other => other?,
        };
        wire::definition(format, &d)
    };
    reply.await.unwrap_or_else(|f| f.render(format))
}

/// GET `requests/{id}`.
async fn get_request(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (file, format) = target(path);
    let reply = async {
        let file = file?;
        let (id, format) = split(&file)?;
        let p = Params::of_query(q.as_deref())?;
        let city = jurisdiction(&s, &p).await?;
        let access = caller(&s, &p, &headers, &city).await?;
        let not_found = || Failure::new(StatusCode::NOT_FOUND, format!("没有这个服务请求：{id}"));
        let id: i64 = id.parse().map_err(|_| not_found())?;
        let r = match georeport::request(&s.db, city.id, access.as_ref(), id).await {
            Err(kernel::Error::NotFound) => return Err(not_found()),
            other => other?,
        };
        list(format, "service_requests", "request", &[r])
    };
    reply.await.unwrap_or_else(|f| f.render(format))
}

/// The answer to `tokens/{token}`.
#[derive(Serialize)]
struct TokenDoc {
    service_request_id: String,
    token: String,
}

/// GET `tokens/{token}`: the request a token was given to.
async fn get_token(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    let (file, format) = target(path);
    let reply = async {
        let file = file?;
        let (token, format) = split(&file)?;
        let p = Params::of_query(q.as_deref())?;
        let city = jurisdiction(&s, &p).await?;
        let Some(id) = georeport::by_token(&s.db, city.id, token).await? else {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                format!("没有这个 token：{token}"),
            ));
        };
        list(
            format,
            "service_requests",
            "request",
            &[TokenDoc {
                service_request_id: id.to_string(),
                token: token.to_owned(),
            }],
        )
    };
    reply.await.unwrap_or_else(|f| f.render(format))
}

/// The answer to a posted request.
#[derive(Serialize)]
struct CreatedDoc {
    service_request_id: String,
    service_notice: String,
    account_id: Option<String>,
    token: String,
}

/// POST `requests`: a new case from a form-encoded GeoReport request.
async fn post_top(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (file, format) = target(path);
    let reply = async {
        let file = file?;
        let (name, format) = split(&file)?;
        if name != "requests" {
            return Err(if matches!(name, "services" | "servicerequestupdates") {
                Failure::bad(format!("{name} 只能用 GET 读取"))
            } else {
                unknown(&file)
            });
        }
        let body = body.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Failure::new(StatusCode::PAYLOAD_TOO_LARGE, "提交的内容太大")
            } else {
                Failure::bad("请求内容无法读取")
            }
        })?;
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/x-www-form-urlencoded");
        if !content_type
            .trim_start()
            .starts_with("application/x-www-form-urlencoded")
        {
            return Err(Failure::bad(
                "请用 Content-Type: application/x-www-form-urlencoded 提交（GeoReport v2 的格式）",
            ));
        }
        let mut p = Params::parse(&body)?;
        p.0.extend(Params::of_query(q.as_deref())?.0);
        create(&s, &p, &headers, format).await
    };
    reply.await.unwrap_or_else(|f| f.render(format))
}

/// A number parameter, or 400.
fn number(p: &Params, name: &str) -> Result<Option<f64>, Failure> {
    p.get(name)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| Failure::bad(format!("{name} 应为数字（度），现在是：{v}")))
        })
        .transpose()
}

/// The reporter's name from `first_name` and `last_name`: family name first, as Chinese
/// names are written, unless both are in Latin letters.
fn reporter_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    match (first, last) {
        (Some(f), Some(l)) if f.is_ascii() && l.is_ascii() => Some(format!("{f} {l}")),
        (Some(f), Some(l)) => Some(format!("{l}{f}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

async fn create(s: &AppState, p: &Params, headers: &HeaderMap, format: Format) -> Reply {
    let city = jurisdiction(s, p).await?;
    let Some(access) = caller(s, p, headers, &city).await? else {
        return Err(Failure::key(
            "缺少 api_key：提交服务请求须带平台的接口令牌（在“登录设备与接口令牌”页 /account/tokens 生成）",
        ));
    };
    let Some(code) = p.get("service_code") else {
        return Err(Failure::bad("缺少 service_code（见 services.json）"));
    };
    let category_id = georeport::category_for(&s.db, city.id, code).await?;
    let (lat, long) = (number(p, "lat")?, number(p, "long")?);
    let address = p.get("address_string");
    match (lat, long, address) {
        (Some(_), None, _) | (None, Some(_), _) => {
            return Err(Failure::bad("lat 和 long 要一起提供"));
        }
        (None, None, None) if p.get("address_id").is_some() => {
            return Err(Failure::bad(
                "本平台不使用 address_id：请提供 lat 和 long，或 address_string",
            ));
        }
        (None, None, None) => {
            return Err(Failure::bad(
                "缺少位置：请提供 lat 和 long，或 address_string",
            ));
        }
        _ => {}
    }
    let contact = match (p.get("phone"), p.get("email")) {
        (Some(ph), Some(em)) => Some(format!("{ph} / {em}")),
        (one, other) => one.or(other).map(str::to_owned),
    };
    let input = cases::NewCase {
        category_id: Some(category_id),
        urgency: p.get("attribute[urgency]").map(str::to_owned),
        description: p.get("description").unwrap_or_default().to_owned(),
        address: address.unwrap_or_default().to_owned(),
        lon: long,
        lat,
        crs: p.get("coordinate_system").map(str::to_owned),
        reporter_name: reporter_name(p.get("first_name"), p.get("last_name")),
        reporter_contact: contact,
        ..Default::default()
    };
    let (case, duplicates) = cases::report::report(&s.db, &access, input, "open311").await?;
    let token = georeport::issue_token(&s.db, &access, &case).await?;
    let mut notice = format!("已收到，案卷编号 {}：社区受理立案后派遣处置。", case.id);
    if !duplicates.is_empty() {
        notice.push_str(&format!(
            "附近 50 米内已有 {} 件同类问题正在处理，可能是同一问题。",
            duplicates.len()
        ));
    }
    if p.get("media_url").is_some() {
        notice.push_str("media_url 不保存：照片不是必需的，如需补充请在平台上上传。");
    }
    list(
        format,
        "service_requests",
        "request",
        &[CreatedDoc {
            service_request_id: case.id.to_string(),
            service_notice: notice,
            account_id: Some(access.account_id().to_string()),
            token,
        }],
    )
}

/// The error document for a path under `/open311/` that has no resource.
pub fn not_found(uri: &Uri) -> Response {
    let path = uri.path();
    unknown(path.strip_prefix("/open311/v2/").unwrap_or(path)).render(format_of(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_written_family_first() {
        assert_eq!(
            reporter_name(Some("三"), Some("张")).as_deref(),
            Some("张三")
        );
        assert_eq!(
            reporter_name(Some("John"), Some("Smith")).as_deref(),
            Some("John Smith")
        );
        assert_eq!(reporter_name(None, Some("张")).as_deref(), Some("张"));
        assert_eq!(reporter_name(None, None), None);
    }
}
