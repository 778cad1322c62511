//! Audit log, retention settings, spreadsheet templates, import and export.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::paging::Page;
use org::audit_log::{AuditEntry, AuditQuery};
use org::people::PeopleQuery;
use org::retention::{Rule, RuleInput};
use org::xlsx::ImportReport;

use super::ApiResult;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

/// A page of audit entries.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Entries, newest first.
    pub items: Vec<AuditEntry>,
    /// Pass as `after` for older entries.
    pub next: Option<i64>,
}

/// Browse the audit log by object or by person (admins, within their scope).
#[utoipa::path(get, path = "/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::Problem)))]
pub async fn audit(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let Page { items, next } = org::audit_log::browse(&s.db, &u.access, &q).await?;
    Ok(Json(AuditPage { items, next }))
}

/// The city's retention periods for personal data.
#[utoipa::path(get, path = "/retention", tag = "admin", responses((status = 200, body = Vec<Rule>)))]
pub async fn retention(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Rule>>> {
    if !u.access.is_administrator() {
        return Err(kernel::Error::Forbidden("只有管理员可以查看数据保存期限").into());
    }
    Ok(Json(
        org::retention::rules(&s.db, u.access.city_id()).await?,
    ))
}

/// Change one retention period (platform admins).
#[utoipa::path(put, path = "/retention", tag = "admin", request_body = RuleInput,
    responses((status = 200, body = Vec<Rule>), (status = 422, body = crate::error::Problem)))]
pub async fn set_retention(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<RuleInput>,
) -> ApiResult<Json<Vec<Rule>>> {
    Ok(Json(
        org::retention::set_rule(&s.db, &u.access, input).await?,
    ))
}

/// An xlsx download.
pub fn xlsx(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}.xlsx\"; filename*=UTF-8''{}.xlsx",
                    filename.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
                    crate::extract::urlencode(filename)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn kind_of(kind: &str) -> Result<&'static str, ApiError> {
    match kind {
        "units" => Ok("units"),
        "people" => Ok("people"),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_list",
            "没有这种名单",
            "可用的名单：units（组织树）、people（人员）",
        )),
    }
}

/// The empty template for an import (`units` or `people`).
#[utoipa::path(get, path = "/templates/{kind}", tag = "admin", params(("kind" = String, Path, description = "units 或 people")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn template(u: ApiUser, ApiPath(kind): ApiPath<String>) -> ApiResult<Response> {
    let _ = u;
    Ok(match kind_of(&kind)? {
        "units" => xlsx(org::xlsx::units_template()?, "组织树导入模板"),
        _ => xlsx(org::xlsx::people_template()?, "人员导入模板"),
    })
}

/// Read the `file` field of a multipart upload.
pub async fn upload_bytes(mut mp: Multipart) -> Result<Vec<u8>, ApiError> {
    while let Some(field) = mp.next_field().await? {
        if field.name() == Some("file") {
            return Ok(field.bytes().await?.to_vec());
        }
    }
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_file",
        "没有收到文件",
        "请在 multipart/form-data 的 file 字段上传 .xlsx 文件",
    ))
}

/// Import a list from xlsx: every row is checked; either all rows are imported or none,
/// and the answer reports each bad row and why (422).
#[utoipa::path(post, path = "/import/{kind}", tag = "admin", params(("kind" = String, Path, description = "units 或 people")),
    request_body(content_type = "multipart/form-data", description = "字段 file：.xlsx 文件"),
    responses((status = 200, body = ImportReport), (status = 422, body = ImportReport)))]
pub async fn import(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(kind): ApiPath<String>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let kind = kind_of(&kind)?;
    let bytes = upload_bytes(mp?).await?;
    let report = match kind {
        "units" => org::xlsx::import_units(&s.db, &u.access, &bytes).await?,
        _ => org::xlsx::import_people(&s.db, &u.access, &bytes).await?,
    };
    let status = if report.ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)).into_response())
}

/// Export a list to xlsx (phones and ID numbers masked for roles that do not need them).
#[utoipa::path(get, path = "/export/{kind}", tag = "admin", params(("kind" = String, Path, description = "units 或 people")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn export(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<Response> {
    if !u.access.is_staff() {
        return Err(kernel::Error::Forbidden("您没有导出权限").into());
    }
    Ok(match kind_of(&kind)? {
        "units" => xlsx(org::xlsx::export_units(&s.db, &u.access).await?, "组织树"),
        _ => xlsx(
            org::xlsx::export_people(&s.db, &u.access, &q).await?,
            "人员名单",
        ),
    })
}
