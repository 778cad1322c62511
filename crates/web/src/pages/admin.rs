//! Import and export, the audit log and the retention settings.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use org::audit_log::{AuditEntry, AuditQuery};
use org::people::PeopleQuery;
use org::retention::{Rule, RuleInput};
use org::xlsx::ImportReport;
use serde::Deserialize;

use super::{FormErrors, Frame, PageError, PageResult, ToastQuery, done, message_page, render};
use crate::AppState;
use crate::api::admin::xlsx;
use crate::extract::{CsrfForm, PageUser, constant_time_eq};

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    frame: Frame,
    report: Option<ImportReport>,
    error: Option<String>,
}

/// GET /import
pub async fn import_page(u: PageUser, Query(t): Query<ToastQuery>) -> PageResult {
    if !u.access.is_administrator() {
        return Err(kernel::Error::Forbidden("只有管理员和社区干部可以导入导出").into());
    }
    Ok(render(&ImportPage {
        frame: Frame::new(&u.access, "导入导出", "import").with_toast(t.toast),
        report: None,
        error: None,
    }))
}

fn kind_of(kind: &str) -> Result<&'static str, PageError> {
    match kind {
        "units" => Ok("units"),
        "people" => Ok("people"),
        _ => Err(kernel::Error::NotFound.into()),
    }
}

/// POST /import/{kind} (multipart: `_csrf`, `file`)
pub async fn import(
    State(s): State<AppState>,
    u: PageUser,
    Path(kind): Path<String>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let kind = kind_of(&kind)?;
    let frame = Frame::new(&u.access, "导入导出", "import");
    let fail = |frame: Frame, status: StatusCode, msg: String| {
        let mut res = render(&ImportPage {
            frame,
            report: None,
            error: Some(msg),
        });
        *res.status_mut() = status;
        Ok(res)
    };
    let Ok(mut mp) = mp else {
        return fail(
            frame,
            StatusCode::BAD_REQUEST,
            "请选择要上传的 .xlsx 文件".into(),
        );
    };
    let (mut csrf, mut bytes) = (String::new(), None);
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => match field.bytes().await {
                    Ok(b) => bytes = Some(b),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return fail(
                            frame,
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "文件太大：最多 10 MB".into(),
                        );
                    }
                    Err(_) => {
                        return fail(
                            frame,
                            StatusCode::BAD_REQUEST,
                            "文件没有传完整，请重新上传".into(),
                        );
                    }
                },
                _ => {}
            },
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return fail(
                    frame,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "文件太大：最多 10 MB".into(),
                );
            }
            Err(_) => {
                return fail(
                    frame,
                    StatusCode::BAD_REQUEST,
                    "上传的内容无法读取，请重新上传".into(),
                );
            }
        }
    }
    if !constant_time_eq(&csrf, u.access.csrf()) {
        return Ok(message_page(
            StatusCode::FORBIDDEN,
            "无法提交",
            "页面已过期（安全校验未通过）。请刷新后重新上传。",
        ));
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return fail(
            frame,
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择要上传的 .xlsx 文件".into(),
        );
    };
    let result = match kind {
        "units" => org::xlsx::import_units(&s.db, &u.access, &bytes).await,
        _ => org::xlsx::import_people(&s.db, &u.access, &bytes).await,
    };
    match result {
        Ok(report) => {
            let ok = report.ok();
            let mut res = render(&ImportPage {
                frame: frame.with_toast(ok.then(|| format!("已导入 {} 行", report.imported))),
                report: Some(report),
                error: None,
            });
            if !ok {
                *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Ok(res)
        }
        Err(kernel::Error::Invalid(errs)) => fail(
            frame,
            StatusCode::UNPROCESSABLE_ENTITY,
            errs.into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("；"),
        ),
        Err(e) => Err(e.into()),
    }
}

/// GET /templates/{kind}
pub async fn template(u: PageUser, Path(kind): Path<String>) -> PageResult {
    let _ = u;
    Ok(match kind_of(&kind)? {
        "units" => xlsx(org::xlsx::units_template()?, "组织树导入模板"),
        _ => xlsx(org::xlsx::people_template()?, "人员导入模板"),
    })
}

/// GET /export/{kind}
pub async fn export(
    State(s): State<AppState>,
    u: PageUser,
    Path(kind): Path<String>,
    Query(q): Query<super::people::ListQueryPublic>,
) -> PageResult {
    if !u.access.is_staff() {
        return Err(kernel::Error::Forbidden("您没有导出权限").into());
    }
    Ok(match kind_of(&kind)? {
        "units" => xlsx(org::xlsx::export_units(&s.db, &u.access).await?, "组织树"),
        _ => xlsx(
            org::xlsx::export_people(&s.db, &u.access, &q.into_query()).await?,
            "人员名单",
        ),
    }
    .into_response())
}

/// One audit entry for display.
pub struct AuditRow {
    when: String,
    who: String,
    action: &'static str,
    object: String,
    href: Option<String>,
    before: String,
    after: String,
}

fn action_label(a: &str) -> &'static str {
    match a {
        "create" => "新建",
        "update" => "修改",
        "update_profile" => "本人修改资料",
        "delete" => "删除",
        "move" => "移动",
        "login" => "登录",
        "logout" => "退出登录",
        "export" => "导出",
        "change_password" => "修改密码",
        "grant_role" => "授予角色",
        "revoke_role" => "撤销角色",
        "disable" => "停用账号",
        "enable" => "启用账号",
        "create_token" => "生成令牌",
        "revoke_token" => "注销令牌",
        "set_retention" => "设置保存期限",
        "anonymise" => "匿名化",
        "import" => "导入",
        _ => "其他",
    }
}

fn object_label(kind: &str, id: i64) -> (String, Option<String>) {
    match kind {
        "person" => (format!("人员 #{id}"), Some(format!("/people/{id}"))),
        "org_unit" => (format!("组织节点 #{id}"), Some(format!("/units/{id}"))),
        "employer" => (format!("派出单位 #{id}"), Some(format!("/employers/{id}"))),
        "account" => (format!("账号 #{id}"), None),
        "role_grant" => (format!("角色授权 #{id}"), None),
        "skill" => (format!("专长 #{id}"), None),
        other => (format!("{other} #{id}"), None),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    frame: Frame,
    rows: Vec<AuditRow>,
    next_href: Option<String>,
    object_kind: String,
    object_id: String,
    actor: String,
}

/// Filters of the audit page, as typed.
#[derive(Debug, Deserialize, Default)]
pub struct AuditFilter {
    object_kind: Option<String>,
    object_id: Option<String>,
    actor_account_id: Option<String>,
    after: Option<i64>,
}

/// GET /admin/audit
pub async fn audit(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<AuditFilter>,
) -> PageResult {
    let q = AuditQuery {
        object_kind: f.object_kind.clone().filter(|v| !v.is_empty()),
        object_id: super::opt_id(&f.object_id),
        actor_account_id: super::opt_id(&f.actor_account_id),
        after: f.after,
        limit: Some(50),
    };
    let page = org::audit_log::browse(&s.db, &u.access, &q).await?;
    let now = kernel::time::now_ms();
    let rows = page
        .items
        .into_iter()
        .map(|e: AuditEntry| {
            let (object, href) = object_label(&e.object_kind, e.object_id);
            AuditRow {
                when: kernel::time::relative_cn(e.at, now),
                who: e.actor_name,
                action: action_label(&e.action),
                object,
                href,
                before: e.before.unwrap_or_default(),
                after: e.after.unwrap_or_default(),
            }
        })
        .collect();
    let qs = format!(
        "object_kind={}&object_id={}&actor_account_id={}",
        crate::extract::urlencode(f.object_kind.as_deref().unwrap_or("")),
        f.object_id.as_deref().unwrap_or(""),
        f.actor_account_id.as_deref().unwrap_or("")
    );
    Ok(render(&AuditPage {
        frame: Frame::new(&u.access, "操作日志", "audit"),
        rows,
        next_href: page.next.map(|n| format!("/admin/audit?{qs}&after={n}")),
        object_kind: f.object_kind.unwrap_or_default(),
        object_id: f.object_id.unwrap_or_default(),
        actor: f.actor_account_id.unwrap_or_default(),
    }))
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    frame: Frame,
    rules: Vec<Rule>,
    can_edit: bool,
    errors: FormErrors,
}

async fn retention_view(
    s: &AppState,
    u: &PageUser,
    errors: FormErrors,
    toast: Option<String>,
) -> PageResult {
    if !u.access.is_administrator() {
        return Err(kernel::Error::Forbidden("只有管理员可以查看设置").into());
    }
    let failed = !errors.0.is_empty();
    let mut res = render(&RetentionPage {
        frame: Frame::new(&u.access, "数据保存期限", "settings").with_toast(toast),
        rules: org::retention::rules(&s.db, u.access.city_id()).await?,
        can_edit: u.access.manages_city(),
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /admin/retention
pub async fn retention(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    retention_view(&s, &u, FormErrors::default(), t.toast).await
}

/// The retention form.
#[derive(Debug, Deserialize)]
pub struct RetentionForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    days: String,
}

/// POST /admin/retention
pub async fn set_retention(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<RetentionForm>,
) -> PageResult {
    let Ok(days) = f.days.trim().parse::<i64>() else {
        let errs = vec![kernel::FieldError {
            field: f.code.clone(),
            message: "请填写天数（整数）".into(),
        }];
        return retention_view(&s, &u, FormErrors(errs), None).await;
    };
    match org::retention::set_rule(
        &s.db,
        &u.access,
        RuleInput {
            code: f.code.clone(),
            days,
        },
    )
    .await
    {
        Ok(_) => Ok(done("/admin/retention", "已保存")),
        Err(kernel::Error::Invalid(errs)) => {
            let errs = errs
                .into_iter()
                .map(|e| kernel::FieldError {
                    field: f.code.clone(),
                    message: e.message,
                })
                .collect();
            retention_view(&s, &u, FormErrors(errs), None).await
        }
        Err(e) => Err(e.into()),
    }
}

impl super::people::ListQueryPublic {
    fn into_query(self) -> PeopleQuery {
        PeopleQuery {
            q: self.q,
            unit_id: super::opt_id(&self.unit_id),
            employer_id: super::opt_id(&self.employer_id),
            kind: self.kind.filter(|k| !k.is_empty()),
            unregistered: self
                .unregistered
                .as_deref()
                .map(|v| v == "true" || v == "1"),
            after: None,
            limit: None,
        }
    }
}
