//! The city's points standard (积分标准) and time-bank settings: everyone reads them;
//! platform admins add a new version of a rule or change a setting from a date.

use askama::Template;
use axum::extract::{Query, State};
use kernel::FieldError;
use kernel::time::today;
use ledger::Currency;
use ledger::rules::{PointsRule, SettingChange};
use org::Role;
use serde::Deserialize;

use super::{date_text, form_errors, plain, unprocessable};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::{FormErrors, Frame, PageResult, ToastQuery, done, render};

/// One kind's rule as shown.
pub struct RuleRow {
    /// Kind, in Chinese.
    pub label: String,
    /// Points per hour or per time.
    pub points: String,
    /// Monthly cap.
    pub monthly_cap: String,
    /// Yearly cap.
    pub yearly_cap: String,
    /// Who confirms it.
    pub approver: &'static str,
    /// From when.
    pub effective_from: String,
    /// The caps in one phrase (phones).
    pub caps: String,
}

/// One setting as shown.
pub struct SettingRow {
    /// Key (for the form).
    pub key: String,
    /// What it means.
    pub label: String,
    /// Value in force today, as people read it.
    pub value: String,
}

/// A setting's label without the storage unit it names (the page shows and takes values
/// in hours, points and years).
fn setting_label(label: &str) -> String {
    label
        .replace("分钟；", "")
        .replace("分钟，", "")
        .replace("（百分之一分）", "")
}

/// A setting's value typed in the unit the page shows: hours, points (both with up to two
/// decimals) or years; the stored value.
fn typed_setting(key: &str, value: &str) -> Result<i64, FieldError> {
    let bad = || FieldError {
        field: "value".into(),
        message: "请填写数字：时长按小时、积分按分填写（可有两位小数），年龄填整数".into(),
    };
    if key.ends_with("_minutes") {
        let hundredths = parse_points("value", value)
            .map_err(|_| bad())?
            .ok_or_else(bad)?;
        Ok((hundredths * 60 + 50) / 100)
    } else if key.ends_with("_e2") {
        parse_points("value", value)
            .map_err(|_| bad())?
            .ok_or_else(bad)
    } else {
        value.trim().parse::<i64>().map_err(|_| bad())
    }
}

/// The new-rule form, as typed (points in points, e.g. `1.5`).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct RuleForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    points_e2: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    monthly_cap_e2: String,
    #[serde(default)]
    yearly_cap_e2: String,
    #[serde(default)]
    approver_role: String,
    #[serde(default)]
    effective_from: String,
}

/// The setting form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct SettingForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    effective_from: String,
}

#[derive(Template)]
#[template(path = "bank_standard.html")]
struct StandardPage {
    frame: Frame,
    rules: Vec<RuleRow>,
    settings: Vec<SettingRow>,
    can_edit: bool,
    kinds: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    rule: RuleForm,
    rule_errors: FormErrors,
    setting: SettingForm,
    setting_errors: FormErrors,
}

/// Points typed as `1.5` into hundredths; empty is `None`.
fn parse_points(field: &str, s: &str) -> Result<Option<i64>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError {
        field: field.into(),
        message: "请填写分值，例如 1 或 0.5（最多两位小数）".into(),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 9 {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    if whole < 0 {
        return Err(bad());
    }
    Ok(Some(whole * 100 + frac))
}

fn setting_text(key: &str, value: i64) -> String {
    if key.ends_with("_minutes") {
        plain(Currency::Minutes, value)
    } else if key.ends_with("_e2") {
        plain(Currency::Points, value)
    } else if key.ends_with("_age") {
        format!("{value} 周岁")
    } else {
        value.to_string()
    }
}

fn cap_text(cap: Option<i64>) -> String {
    cap.map(|c| plain(Currency::Points, c))
        .unwrap_or_else(|| "不限".into())
}

fn caps_text(monthly: Option<i64>, yearly: Option<i64>) -> String {
    let mut parts = Vec::new();
    if let Some(m) = monthly {
        parts.push(format!("每月最多 {}", plain(Currency::Points, m)));
    }
    if let Some(y) = yearly {
        parts.push(format!("每年最多 {}", plain(Currency::Points, y)));
    }
    if parts.is_empty() {
        "不设上限".into()
    } else {
        parts.join("，")
    }
}

async fn standard_view(
    s: &AppState,
    u: &PageUser,
    toast: Option<String>,
    rule: RuleForm,
    rule_errors: FormErrors,
    setting: SettingForm,
    setting_errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    let on = today().to_string();
    let city = a.city_id();
    let rules = ledger::rules::standard(&s.db, city, &on)
        .await?
        .into_iter()
        .map(|(label, r)| RuleRow {
            label,
            points: format!(
                "{} / {}",
                plain(Currency::Points, r.points_e2),
                if r.unit == "each" { "次" } else { "小时" }
            ),
            caps: caps_text(r.monthly_cap_e2, r.yearly_cap_e2),
            monthly_cap: cap_text(r.monthly_cap_e2),
            yearly_cap: cap_text(r.yearly_cap_e2),
            approver: Role::parse(&r.approver_role)
                .map(Role::label)
                .unwrap_or("社区干部"),
            effective_from: if r.effective_from.as_str() <= "2000-01-01" {
                "全市默认".into()
            } else {
                date_text(&r.effective_from)
            },
        })
        .collect();
    let settings = ledger::rules::settings(&s.db, city, &on)
        .await?
        .into_iter()
        .map(|v| SettingRow {
            value: setting_text(&v.key, v.value),
            label: setting_label(&v.label),
            key: v.key,
        })
        .collect();
    let failed = !rule_errors.0.is_empty() || !setting_errors.0.is_empty();
    let with_today = |d: String| if d.is_empty() { on.clone() } else { d };
    let res = render(&StandardPage {
        frame: Frame::new(a, "积分标准", "bank")
            .with_toast(toast)
            .with_back("/bank"),
        rules,
        settings,
        can_edit: a.manages_city(),
        kinds: ledger::rules::KINDS.iter().map(|k| (k.0, k.1)).collect(),
        roles: Role::ALL
            .iter()
            .filter(|r| !matches!(r, Role::Personnel | Role::Resident))
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        rule: RuleForm {
            effective_from: with_today(rule.effective_from.clone()),
            ..rule
        },
        rule_errors,
        setting: SettingForm {
            effective_from: with_today(setting.effective_from.clone()),
            ..setting
        },
        setting_errors,
    });
    unprocessable(res, failed)
}

/// GET /bank/standard
pub async fn page(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    standard_view(
        &s,
        &u,
        t.toast,
        RuleForm::default(),
        FormErrors::default(),
        SettingForm::default(),
        FormErrors::default(),
    )
    .await
}

fn forbidden_to(field: &str, e: kernel::Error) -> Result<FormErrors, kernel::Error> {
    match e {
        kernel::Error::Forbidden(m) => Ok(FormErrors(vec![FieldError {
            field: field.into(),
            message: m.into(),
        }])),
        e => form_errors(e, field),
    }
}

/// POST /bank/standard: add a version of a kind's rule from a date (platform admins).
pub async fn set_rule(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<RuleForm>,
) -> PageResult {
    let a = &u.access;
    if !a.manages_city() {
        return Err(kernel::Error::Forbidden("积分标准由平台管理员设置").into());
    }
    let mut bad = Vec::new();
    let mut points = |field: &str, v: &str| {
        parse_points(field, v).unwrap_or_else(|e| {
            bad.push(e);
            None
        })
    };
    let points_e2 = points("points_e2", &f.points_e2);
    let monthly = points("monthly_cap_e2", &f.monthly_cap_e2);
    let yearly = points("yearly_cap_e2", &f.yearly_cap_e2);
    if points_e2.is_none() && !bad.iter().any(|e| e.field == "points_e2") {
        bad.push(FieldError {
            field: "points_e2".into(),
            message: "请填写分值，例如 1 或 0.5".into(),
        });
    }
    let result = if bad.is_empty() {
        ledger::rules::set_rule(
            &s.db,
            a,
            PointsRule {
                kind: f.kind.clone(),
                points_e2: points_e2.unwrap_or_default(),
                unit: f.unit.clone(),
                monthly_cap_e2: monthly,
                yearly_cap_e2: yearly,
                approver_role: f.approver_role.clone(),
                effective_from: f.effective_from.trim().to_owned(),
            },
        )
        .await
    } else {
        Err(kernel::Error::Invalid(bad))
    };
    match result {
        Ok(()) => {
            let label = ledger::rules::KINDS
                .iter()
                .find(|k| k.0 == f.kind)
                .map(|k| k.1)
                .unwrap_or("");
            Ok(done(
                "/bank/standard",
                &format!(
                    "已添加「{label}」的新标准，自 {} 起执行",
                    date_text(f.effective_from.trim())
                ),
            ))
        }
        Err(e) => {
            let errors = forbidden_to("kind", e)?;
            standard_view(
                &s,
                &u,
                None,
                f,
                errors,
                SettingForm::default(),
                FormErrors::default(),
            )
            .await
        }
    }
}

/// POST /bank/settings: change a time-bank setting from a date (platform admins).
pub async fn set_setting(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<SettingForm>,
) -> PageResult {
    let a = &u.access;
    if !a.manages_city() {
        return Err(kernel::Error::Forbidden("时间银行规则由平台管理员设置").into());
    }
    let result = match typed_setting(&f.key, &f.value) {
        Ok(value) => {
            ledger::rules::set_setting(
                &s.db,
                a,
                SettingChange {
                    key: f.key.clone(),
                    value,
                    effective_from: f.effective_from.trim().to_owned(),
                },
            )
            .await
        }
        Err(e) => Err(kernel::Error::Invalid(vec![e])),
    };
    match result {
        Ok(()) => Ok(done(
            "/bank/standard",
            &format!(
                "已修改设置，自 {} 起执行",
                date_text(f.effective_from.trim())
            ),
        )),
        Err(e) => {
            let errors = forbidden_to("key", e)?;
            standard_view(
                &s,
                &u,
                None,
                RuleForm::default(),
                FormErrors::default(),
                f,
                errors,
            )
            .await
        }
    }
}
