//! The city's case categories (every staff member reads them; platform admins change
//! limits, departments and whether a category is offered) and its working-day calendar
//! over the national one (platform admins).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use cases::category::{Category, CategoryChanges};
use cases::model::{LIMIT_CHOICES, TimeLimit};
use cases::workdays::NewCalendarDay;
use kernel::Error;
use kernel::calendar::Calendar;
use kernel::time::{date_cn_weekday, parse_date};
use serde::Deserialize;

use super::super::{FormErrors, Frame, PageResult, ToastQuery, done, render};
use super::AREA;
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// A 小类 as the catalogue shows it.
pub struct Leaf {
    id: i64,
    code: String,
    name: String,
    normal: String,
    urgent: String,
    normal_label: String,
    urgent_label: String,
    department: String,
    active: bool,
}

/// A 大类 with its 小类.
pub struct Group {
    code: String,
    name: String,
    kind: &'static str,
    leaves: Vec<Leaf>,
}

/// A category's changes as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct CategoryForm {
    #[serde(default)]
    limit_normal: String,
    #[serde(default)]
    limit_urgent: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    active: Option<String>,
}

#[derive(Template)]
#[template(path = "case_categories.html")]
struct CategoriesPage {
    frame: Frame,
    groups: Vec<Group>,
    edits: bool,
    choices: Vec<(&'static str, &'static str)>,
    sent: Option<i64>,
    form: CategoryForm,
    errors: FormErrors,
}

impl CategoriesPage {
    fn is_sent(&self, id: &i64) -> bool {
        self.sent == Some(*id)
    }
    fn err(&self, id: &i64, field: &str) -> Option<&str> {
        if self.sent == Some(*id) {
            self.errors.get(field)
        } else {
            None
        }
    }
    /// The value to show in a field: what was typed when this form came back.
    fn val<'a>(&'a self, leaf: &'a Leaf, field: &str) -> &'a str {
        if self.sent == Some(leaf.id) {
            match field {
                "limit_normal" => &self.form.limit_normal,
                "limit_urgent" => &self.form.limit_urgent,
                _ => &self.form.department,
            }
        } else {
            match field {
                "limit_normal" => &leaf.normal,
                "limit_urgent" => &leaf.urgent,
                _ => &leaf.department,
            }
        }
    }
    fn active(&self, leaf: &Leaf) -> bool {
        if self.sent == Some(leaf.id) {
            self.form.active.is_some()
        } else {
            leaf.active
        }
    }
}

fn limit_label(code: &str) -> String {
    TimeLimit::parse(code)
        .map(TimeLimit::label)
        .unwrap_or_default()
}

fn groups(all: Vec<Category>) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let parents: Vec<&Category> = all.iter().filter(|c| !c.is_leaf()).collect();
    for g in parents {
        out.push(Group {
            code: g.code.clone(),
            name: g.name.clone(),
            kind: g.kind_label(),
            leaves: all
                .iter()
                .filter(|c| c.parent_id == Some(g.id))
                .map(|c| Leaf {
                    id: c.id,
                    code: c.code.clone(),
                    name: c.name.clone(),
                    normal_label: limit_label(&c.limit_normal),
                    urgent_label: limit_label(&c.limit_urgent),
                    normal: c.limit_normal.clone(),
                    urgent: c.limit_urgent.clone(),
                    department: c.department.clone(),
                    active: c.active,
                })
                .collect(),
        });
    }
    out
}

async fn categories_view(
    s: &AppState,
    u: &PageUser,
    toast: Option<String>,
    sent: Option<i64>,
    form: CategoryForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    if !a.is_staff() {
        return Err(Error::Forbidden("问题类别目录供工作人员查看").into());
    }
    let all = cases::category::list(&s.db, a.city_id()).await?;
    let failed = !errors.0.is_empty();
    let mut res = render(&CategoriesPage {
        frame: Frame::new(a, "问题类别与处置时限", AREA).with_toast(toast),
        groups: groups(all),
        edits: a.manages_city(),
        choices: LIMIT_CHOICES.to_vec(),
        sent,
        form,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /cases/categories
pub async fn categories(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    categories_view(
        &s,
        &u,
        t.toast,
        None,
        CategoryForm::default(),
        FormErrors::default(),
    )
    .await
}

/// POST /cases/categories/{id}: a platform admin changes a 小类.
pub async fn update_category(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CategoryForm>,
) -> PageResult {
    let r = cases::category::update(
        &s.db,
        &u.access,
        id,
        CategoryChanges {
            name: None,
            limit_normal: Some(f.limit_normal.trim().to_owned()),
            limit_urgent: Some(f.limit_urgent.trim().to_owned()),
            department: Some(f.department.clone()),
            active: Some(f.active.is_some()),
        },
    )
    .await;
    match r {
        Ok(c) => {
            let toast = crate::extract::urlencode(&format!("已保存“{}”", c.name));
            Ok(Redirect::to(&format!("/cases/categories?toast={toast}#cat-{id}")).into_response())
        }
        Err(Error::Invalid(v)) => categories_view(&s, &u, None, Some(id), f, FormErrors(v)).await,
        Err(e) => Err(e.into()),
    }
}

/// A listed day as shown.
pub struct DayRow {
    id: i64,
    day: String,
    when: String,
    holiday: bool,
    name: String,
}

/// A day to list, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct DayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

#[derive(Template)]
#[template(path = "case_calendar.html")]
struct CalendarPage {
    frame: Frame,
    days: Vec<DayRow>,
    years: String,
    form: DayForm,
    errors: FormErrors,
}

async fn calendar_view(
    s: &AppState,
    u: &PageUser,
    toast: Option<String>,
    form: DayForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    if !a.manages_city() {
        return Err(Error::Forbidden("只有平台管理员可以维护工作日历").into());
    }
    let days = cases::workdays::list(&s.db, a.city_id())
        .await?
        .into_iter()
        .map(|d| DayRow {
            when: parse_date(&d.day).map(date_cn_weekday).unwrap_or_default(),
            holiday: d.kind != "workday",
            id: d.id,
            day: d.day,
            name: d.name,
        })
        .collect();
    let years = Calendar::national()
        .years_covered()
        .iter()
        .map(|y| format!("{y} 年"))
        .collect::<Vec<_>>()
        .join("、");
    let failed = !errors.0.is_empty();
    let mut res = render(&CalendarPage {
        frame: Frame::new(a, "工作日历", AREA).with_toast(toast),
        days,
        years,
        form,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /cases/calendar
pub async fn calendar(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    calendar_view(&s, &u, t.toast, DayForm::default(), FormErrors::default()).await
}

/// POST /cases/calendar: list a holiday or an adjusted working day.
pub async fn add_day(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<DayForm>,
) -> PageResult {
    let r = cases::workdays::add(
        &s.db,
        &u.access,
        NewCalendarDay {
            day: f.day.trim().to_owned(),
            kind: f.kind.clone(),
            name: f.name.clone(),
        },
    )
    .await;
    match r {
        Ok(d) => Ok(done(
            "/cases/calendar",
            &format!("已添加 {} {}", d.day, d.name),
        )),
        Err(Error::Invalid(v)) => calendar_view(&s, &u, None, f, FormErrors(v)).await,
        Err(e) => Err(e.into()),
    }
}

/// POST /cases/calendar/{id}/remove
pub async fn remove_day(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<ToastQuery>,
) -> PageResult {
    cases::workdays::remove(&s.db, &u.access, id).await?;
    Ok(done("/cases/calendar", "已删除，这一天按全国日历计"))
}
