//! Registries and spreadsheets: the import page (a template and an upload per kind, the
//! row-error report when a file is refused), the template download and the export.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cases::registry::kinds::Kind;
use org::xlsx::ImportReport;
use serde::Deserialize;

use crate::AppState;
use crate::api::admin::xlsx;
use crate::extract::{PageUser, constant_time_eq};
use crate::pages::{Frame, PageResult, ToastQuery, message_page, render};

#[derive(Template)]
#[template(path = "registry_import.html")]
struct ImportPage {
    frame: Frame,
    kinds: Vec<(&'static str, &'static str)>,
    /// The kind the report is about.
    kind: String,
    report: Option<ImportReport>,
    error: Option<String>,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect()
}

fn kind_of(kind: &str) -> Result<Kind, crate::pages::PageError> {
    Kind::parse(kind).ok_or_else(|| kernel::Error::NotFound.into())
}

fn must_keep(s: &[org::units::Unit]) -> Result<(), crate::pages::PageError> {
    if s.is_empty() {
        return Err(kernel::Error::Forbidden("只有网格长和社区干部可以导入登记造册").into());
    }
    Ok(())
}

/// GET /registries/import
pub async fn page(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    must_keep(&cases::patrol::kept_grids(&s.db, &u.access).await?)?;
    Ok(render(&ImportPage {
        frame: Frame::new(&u.access, "登记造册导入导出", "registries")
            .with_toast(t.toast)
            .with_back("/registries"),
        kinds: kinds(),
        kind: String::new(),
        report: None,
        error: None,
    }))
}

/// Read `_csrf` and `file` from a multipart upload; `Err` is what to tell the user.
async fn read_upload(
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(String, Vec<u8>), (StatusCode, String)> {
    let too_big = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "文件太大：最多 10 MB".to_owned(),
        )
    };
    let mut mp = mp.map_err(|_| (StatusCode::BAD_REQUEST, "请选择要上传的 .xlsx 文件".into()))?;
    let (mut csrf, mut bytes) = (String::new(), Vec::new());
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => match field.bytes().await {
                    Ok(b) => bytes = b.to_vec(),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
                    Err(_) => {
                        return Err((StatusCode::BAD_REQUEST, "文件没有传完整，请重新上传".into()));
                    }
                },
                _ => {}
            },
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(_) => {
                return Err((
                    StatusCode::BAD_REQUEST,
                    "上传的内容无法读取，请重新上传".into(),
                ));
            }
        }
    }
    Ok((csrf, bytes))
}

/// POST /registries/import/{kind} (multipart: `_csrf`, `file`)
pub async fn upload(
    State(s): State<AppState>,
    u: PageUser,
    Path(kind): Path<String>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let kind = kind_of(&kind)?;
    let frame = Frame::new(&u.access, "登记造册导入导出", "registries").with_back("/registries");
    let show =
        |frame: Frame, status: StatusCode, report: Option<ImportReport>, error: Option<String>| {
            let mut res = render(&ImportPage {
                frame,
                kinds: kinds(),
                kind: kind.as_str().into(),
                report,
                error,
            });
            *res.status_mut() = status;
            Ok(res)
        };
    let (csrf, bytes) = match read_upload(mp).await {
        Ok(x) => x,
        Err((status, msg)) => return show(frame, status, None, Some(msg)),
    };
    if !constant_time_eq(&csrf, u.access.csrf()) {
        return Ok(message_page(
            StatusCode::FORBIDDEN,
            "无法提交",
            "页面已过期（安全校验未通过）。请刷新后重新上传。",
        ));
    }
    if bytes.is_empty() {
        return show(
            frame,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some("请选择要上传的 .xlsx 文件".into()),
        );
    }
    match cases::registry::sheet::import(&s.db, &u.access, kind, &bytes).await {
        Ok(report) => {
            let ok = report.ok();
            let toast = ok.then(|| format!("已导入 {} 条{}登记", report.imported, kind.label()));
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            show(frame.with_toast(toast), status, Some(report), None)
        }
        Err(kernel::Error::Invalid(errs)) => show(
            frame,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(
                errs.into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
        ),
        Err(e) => Err(e.into()),
    }
}

/// GET /registries/templates/{kind}
pub async fn template(_u: PageUser, Path(kind): Path<String>) -> PageResult {
    let kind = kind_of(&kind)?;
    Ok(xlsx(
        cases::registry::sheet::template(kind)?,
        &format!("{}导入模板", cases::registry::sheet::title(kind)),
    ))
}

/// Which node to export.
#[derive(Debug, Deserialize, Default)]
pub struct ExportQuery {
    unit_id: Option<String>,
}

/// GET /registries/export/{kind}?unit_id=
pub async fn export(
    State(s): State<AppState>,
    u: PageUser,
    Path(kind): Path<String>,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    let kind = kind_of(&kind)?;
    let unit = q.unit_id.as_deref().and_then(|x| x.trim().parse().ok());
    let bytes = cases::registry::sheet::export(&s.db, &u.access, kind, unit).await?;
    Ok(xlsx(bytes, &cases::registry::sheet::title(kind)).into_response())
}
