//! Registries (登记造册、建立档案): enterprises, stalls and vendors (with the 困难摊贩
//! flag), roads and buildings, each in a grid with its case history; xlsx template,
//! all-or-nothing import per kind, and export of a grid's registry.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cases::registry::kinds::{AttrType, Kind};
use cases::registry::{EntryInput, RegistryQuery, RegistryRow, RegistryView};
use kernel::paging::Page;
use org::xlsx::ImportReport;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use super::admin::{upload_bytes, xlsx};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// A page of registry entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryPage {
    /// Newest first.
    pub items: Vec<RegistryRow>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

/// One attribute of a kind, as a client shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttrInfo {
    /// Key in `attrs`.
    pub key: String,
    /// Label.
    pub label: String,
    /// `text`, `int`, `bool` or `choice`.
    pub r#type: String,
    /// Choices, for `choice`.
    pub choices: Vec<String>,
    /// Range, for `int`.
    pub range: Option<(i64, i64)>,
    /// Longest text, for `text`.
    pub max_chars: Option<usize>,
    /// Whether it must be given.
    pub required: bool,
    /// What to fill in.
    pub hint: String,
}

/// A kind of registry with its attributes.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindInfo {
    /// Code.
    pub kind: Kind,
    /// Name.
    pub label: String,
    /// What the code field is (统一社会信用代码 for enterprises).
    pub code_label: String,
    /// Whether the code is required.
    pub code_required: bool,
    /// The attributes.
    pub attrs: Vec<AttrInfo>,
}

/// The four registries and their attributes.
#[utoipa::path(get, path = "/registries/kinds", tag = "registries",
    responses((status = 200, body = Vec<KindInfo>)))]
pub async fn kinds(_u: ApiUser) -> Json<Vec<KindInfo>> {
    Json(
        Kind::ALL
            .into_iter()
            .map(|k| KindInfo {
                kind: k,
                label: k.label().into(),
                code_label: k.code_label().into(),
                code_required: k.code_required(),
                attrs: k
                    .attrs()
                    .iter()
                    .map(|a| {
                        let (t, choices, range, max) = match a.ty {
                            AttrType::Text(m) => ("text", vec![], None, Some(m)),
                            AttrType::Int(lo, hi) => ("int", vec![], Some((lo, hi)), None),
                            AttrType::Bool => ("bool", vec![], None, None),
                            AttrType::Choice(c) => (
                                "choice",
                                c.iter().map(|s| s.to_string()).collect(),
                                None,
                                None,
                            ),
                        };
                        AttrInfo {
                            key: a.key.into(),
                            label: a.label.into(),
                            r#type: t.into(),
                            choices,
                            range,
                            max_chars: max,
                            required: a.required,
                            hint: a.hint.into(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// Entries in my scope (or under `unit_id`), by kind, name search, newest first.
#[utoipa::path(get, path = "/registries", tag = "registries", params(RegistryQuery),
    responses((status = 200, body = RegistryPage), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<RegistryQuery>,
) -> ApiResult<Json<RegistryPage>> {
    let Page { items, next } = cases::registry::list(&s.db, &u.access, &q).await?;
    Ok(Json(RegistryPage { items, next }))
}

/// Register an entry (the grid's leader or the community's cadres).
#[utoipa::path(post, path = "/registries", tag = "registries", request_body = EntryInput,
    responses((status = 201, body = RegistryView), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<EntryInput>,
) -> ApiResult<(StatusCode, Json<RegistryView>)> {
    let e = cases::registry::create(&s.db, &u.access, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(cases::registry::view(&s.db, &u.access, e.id).await?),
    ))
}

/// One entry with its case history (and, for a hardship vendor, the 疏导安置 note).
#[utoipa::path(get, path = "/registries/{id}", tag = "registries", params(("id" = i64, Path)),
    responses((status = 200, body = RegistryView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RegistryView>> {
    Ok(Json(cases::registry::view(&s.db, &u.access, id).await?))
}

/// Change an entry (every field; the kind stays).
#[utoipa::path(put, path = "/registries/{id}", tag = "registries", params(("id" = i64, Path)),
    request_body = EntryInput,
    responses((status = 200, body = RegistryView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<EntryInput>,
) -> ApiResult<Json<RegistryView>> {
    cases::registry::update(&s.db, &u.access, id, input).await?;
    Ok(Json(cases::registry::view(&s.db, &u.access, id).await?))
}

/// Deactivate an entry (closed, demolished); its case history stays.
#[utoipa::path(post, path = "/registries/{id}/deactivate", tag = "registries", params(("id" = i64, Path)),
    responses((status = 200, body = RegistryView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn deactivate(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RegistryView>> {
    cases::registry::set_active(&s.db, &u.access, id, false).await?;
    Ok(Json(cases::registry::view(&s.db, &u.access, id).await?))
}

/// Put a deactivated entry back in the registry.
#[utoipa::path(post, path = "/registries/{id}/reactivate", tag = "registries", params(("id" = i64, Path)),
    responses((status = 200, body = RegistryView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn reactivate(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RegistryView>> {
    cases::registry::set_active(&s.db, &u.access, id, true).await?;
    Ok(Json(cases::registry::view(&s.db, &u.access, id).await?))
}

fn kind_of(kind: &str) -> Result<Kind, ApiError> {
    Kind::parse(kind).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_registry",
            "没有这类登记",
            "可用的类别：enterprise（企业）、stall（摊点摊贩）、road（道路）、building（楼栋）",
        )
    })
}

/// The empty template of a kind.
#[utoipa::path(get, path = "/registries/templates/{kind}", tag = "registries",
    params(("kind" = String, Path, description = "enterprise、stall、road 或 building")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 404, body = crate::error::Problem)))]
pub async fn template(_u: ApiUser, ApiPath(kind): ApiPath<String>) -> ApiResult<Response> {
    let kind = kind_of(&kind)?;
    Ok(xlsx(
        cases::registry::sheet::template(kind)?,
        &format!("{}导入模板", cases::registry::sheet::title(kind)),
    ))
}

/// Import entries of a kind from xlsx: every row is checked; either all are imported or
/// none, and the answer reports each bad row and why (422).
#[utoipa::path(post, path = "/registries/import/{kind}", tag = "registries",
    params(("kind" = String, Path, description = "enterprise、stall、road 或 building")),
    request_body(content_type = "multipart/form-data", description = "字段 file：.xlsx 文件"),
    responses((status = 200, body = ImportReport), (status = 422, body = ImportReport),
              (status = 403, body = crate::error::Problem)))]
pub async fn import(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(kind): ApiPath<String>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let kind = kind_of(&kind)?;
    let bytes = upload_bytes(mp?).await?;
    let report = cases::registry::sheet::import(&s.db, &u.access, kind, &bytes).await?;
    let status = if report.ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)).into_response())
}

/// Which node to export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// A grid or community; my whole scope when left out.
    pub unit_id: Option<i64>,
}

/// Export the active entries of a kind under a grid or community (phones masked unless I
/// keep them), with the template's columns.
#[utoipa::path(get, path = "/registries/export/{kind}", tag = "registries",
    params(("kind" = String, Path, description = "enterprise、stall、road 或 building"), ExportQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn export(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let kind = kind_of(&kind)?;
    Ok(xlsx(
        cases::registry::sheet::export(&s.db, &u.access, kind, q.unit_id).await?,
        &cases::registry::sheet::title(kind),
    ))
}
