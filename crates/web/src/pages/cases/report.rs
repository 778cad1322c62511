//! 信息收集: report a problem in three taps from a phone — a category tile, 获取位置
//! (once, when tapped), 提交上报 — with a description, an address, one photo and the
//! urgency if the reporter wants; cadres and inspectors also enter hotline, media,
//! inspection and petition cases with the caller's name.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use cases::NewCase;
use cases::category::Category;
use cases::model::Source;
use cases::photo::{MAX_BYTES, sniff};
use kernel::{Error, FieldError};
use org::{Access, Role};
use serde::Deserialize;

use super::super::{FormErrors, Frame, PageResult, done, render};
use super::{AREA, Choice};
use crate::AppState;
use crate::extract::{MultipartForm, PageUser, Upload};

/// The problems a patrol meets most (街面秩序, 市容环境 and a few 部件), first as tiles.
const COMMON: [&str; 8] = [
    "E0401", "E0402", "E0403", "E0101", "E0102", "E0201", "C0102", "C0106",
];

/// The report form as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ReportForm {
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    category_other: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    crs: String,
    #[serde(default)]
    accuracy: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    reporter_name: String,
    #[serde(default)]
    reporter_contact: String,
    #[serde(default)]
    inspection_level: String,
    #[serde(default)]
    patrol: String,
    #[serde(default)]
    toast: Option<String>,
}

/// A 大类 with its 小类, for the select.
pub struct Group {
    label: String,
    items: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct ReportPage {
    frame: Frame,
    form: ReportForm,
    tiles: Vec<Choice>,
    groups: Vec<Group>,
    units: Vec<Choice>,
    sources: Vec<Choice>,
    levels: Vec<Choice>,
    resident: bool,
    home: String,
    errors: FormErrors,
    photo_again: bool,
}

impl ReportPage {
    /// Something optional was typed or is wrong: show those fields open.
    fn extras_open(&self) -> bool {
        let f = &self.form;
        !f.description.is_empty()
            || !f.address.is_empty()
            || f.urgency == "urgent"
            || self.photo_again
            || ["description", "address", "photo", "urgency"]
                .iter()
                .any(|k| self.errors.has(k))
    }
    /// The place was given by hand or is wrong: keep those fields open.
    fn place_open(&self) -> bool {
        !self.form.unit_id.is_empty()
            || ["grid_id", "community_id", "unit_id", "crs"]
                .iter()
                .any(|k| self.errors.has(k))
    }
    fn place_error(&self) -> Option<&str> {
        self.errors
            .get("unit_id")
            .or(self.errors.get("grid_id"))
            .or(self.errors.get("community_id"))
    }
    fn source_open(&self) -> bool {
        !self.form.source.is_empty()
            || !self.form.reporter_name.is_empty()
            || ["source", "reporter_name", "reporter_contact"]
                .iter()
                .any(|k| self.errors.has(k))
    }
    fn has_position(&self) -> bool {
        !self.form.lon.trim().is_empty() && !self.form.lat.trim().is_empty()
    }
}

/// The sources the account may enter besides its own finding.
fn sources_for(a: &Access, chosen: &str) -> Vec<Choice> {
    let mut out = Vec::new();
    let admin = a.is_administrator();
    let inspector = a.has(Role::Inspector) || admin;
    for s in Source::ALL {
        let ok = match s {
            Source::Inspection => inspector,
            Source::Hotline | Source::Media | Source::Petition => admin,
            _ => false,
        };
        if ok {
            out.push(Choice {
                value: s.as_str().into(),
                label: s.label().into(),
                selected: chosen == s.as_str(),
            });
        }
    }
    if !out.is_empty() {
        out.insert(
            0,
            Choice {
                value: String::new(),
                label: if a.is_staff() || a.has(Role::Personnel) {
                    "本人巡查发现".into()
                } else {
                    "本人发现".into()
                },
                selected: chosen.is_empty(),
            },
        );
    }
    out
}

fn category_choices(all: &[Category], form: &ReportForm) -> (Vec<Choice>, Vec<Group>) {
    let leaves: Vec<&Category> = all.iter().filter(|c| c.is_leaf() && c.active).collect();
    let tiles = COMMON
        .iter()
        .filter_map(|code| leaves.iter().find(|c| c.code == *code))
        .map(|c| Choice {
            value: c.id.to_string(),
            label: c.name.clone(),
            selected: form.category_id == c.id.to_string(),
        })
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    for g in all.iter().filter(|c| !c.is_leaf()) {
        let items: Vec<Choice> = leaves
            .iter()
            .filter(|c| c.parent_id == Some(g.id))
            .map(|c| Choice {
                value: c.id.to_string(),
                label: c.name.clone(),
                selected: form.category_other == c.id.to_string(),
            })
            .collect();
        if !items.is_empty() {
            groups.push(Group {
                label: format!("{}（{}）", g.name, g.kind_label()),
                items,
            });
        }
    }
    (tiles, groups)
}

async fn form_view(
    s: &AppState,
    u: &PageUser,
    mut form: ReportForm,
    errors: FormErrors,
    photo_again: bool,
    status: StatusCode,
) -> PageResult {
    let a = &u.access;
    let all = cases::category::list(&s.db, a.city_id()).await?;
    let (tiles, groups) = category_choices(&all, &form);
    let selected = form.unit_id.trim().parse().ok();
    let units = super::unit_choices(s, a, selected).await?;
    let resident = !a.is_staff() && !a.has(Role::Personnel);
    let home = match org::people::get(&s.db, a, a.person_id()).await {
        Ok(p) => p.home_community_name.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let sources = sources_for(a, &form.source);
    let levels = std::iter::once(("", "未注明"))
        .chain(cases::report::INSPECTION_LEVELS)
        .map(|(v, l)| Choice {
            value: v.into(),
            label: l.into(),
            selected: form.inspection_level == v,
        })
        .collect();
    let back = if super::reads_as_staff(a) {
        "/cases"
    } else {
        "/cases/mine"
    };
    let mut res = render(&ReportPage {
        frame: Frame::new(a, "上报问题", AREA)
            .with_toast(form.toast.take())
            .with_back(back),
        form,
        tiles,
        groups,
        units,
        sources,
        levels,
        resident,
        home,
        errors,
        photo_again,
    });
    *res.status_mut() = status;
    Ok(res)
}

/// GET /cases/new (`?patrol=<id>` ties the report to a patrol).
pub async fn new_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(form): Query<ReportForm>,
) -> PageResult {
    form_view(&s, &u, form, FormErrors::default(), false, StatusCode::OK).await
}

fn number(p: &mut Vec<FieldError>, field: &str, v: &str, what: &str) -> Option<f64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            p.push(FieldError {
                field: field.into(),
                message: format!("{what}要写成数字，例如 114.305"),
            });
            None
        }
    }
}

/// Why a photo cannot be taken, before anything is written.
pub fn photo_problem(f: &Upload) -> Option<FieldError> {
    let message = if f.bytes.is_empty() {
        "照片是空的，请重新选择"
    } else if f.bytes.len() > MAX_BYTES {
        "照片不能超过 5 MB，请压缩后再传（或不传照片直接提交）"
    } else if sniff(&f.bytes).is_none() {
        "只能上传 JPEG、PNG 或 WebP 格式的照片"
    } else {
        return None;
    };
    Some(FieldError {
        field: "photo".into(),
        message: message.into(),
    })
}

/// POST /cases/new (multipart: the form, and `photo` when one was chosen).
pub async fn submit(
    State(s): State<AppState>,
    u: PageUser,
    mp: MultipartForm<ReportForm>,
) -> PageResult {
    let a = &u.access;
    let photo = mp.file("photo").cloned();
    let form = mp.form;
    let mut problems = Vec::new();
    if let Some(e) = photo.as_ref().and_then(photo_problem) {
        problems.push(e);
    }
    let lon = number(&mut problems, "lon", &form.lon, "经度");
    let lat = number(&mut problems, "lat", &form.lat, "纬度");
    let (mut grid_id, mut community_id) = (None, None);
    if let Ok(id) = form.unit_id.trim().parse::<i64>() {
        match org::units::get(&s.db, a, id).await {
            Ok(unit) if unit.kind.as_str() == "grid" => grid_id = Some(unit.id),
            Ok(unit) if unit.kind.is_community_level() => community_id = Some(unit.id),
            Ok(_) => problems.push(FieldError {
                field: "unit_id".into(),
                message: "请选择一个网格或社区（不是街道）".into(),
            }),
            Err(_) => problems.push(FieldError {
                field: "unit_id".into(),
                message: "没有这个网格或社区".into(),
            }),
        }
    }
    let category = [&form.category_other, &form.category_id]
        .into_iter()
        .find_map(|v| v.trim().parse::<i64>().ok());
    let result = if problems.is_empty() {
        let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        cases::report::report(
            &s.db,
            a,
            NewCase {
                category_id: category,
                urgency: some(&form.urgency),
                source: some(&form.source),
                description: form.description.clone(),
                address: form.address.clone(),
                lon,
                lat,
                crs: some(&form.crs),
                grid_id,
                community_id,
                registry_id: None,
                patrol_id: form.patrol.trim().parse().ok(),
                reporter_name: some(&form.reporter_name),
                reporter_contact: some(&form.reporter_contact),
                inspection_level: some(&form.inspection_level),
            },
            "web",
        )
        .await
    } else {
        Err(Error::Invalid(problems))
    };
    let photo_again = photo.is_some();
    let errors = match result {
        Ok((case, dups)) => {
            let mut toast = format!("已上报，案卷编号 {}", case.id);
            if let Some(p) = photo
                && let Err(e) =
                    cases::photo::add(&s.db, a, &s.config.media, case.id, &p.bytes).await
            {
                toast.push_str(&format!("；照片没有保存（{}）", message_of(&e)));
            }
            let mut to = format!("/cases/{}", case.id);
            if !dups.is_empty() {
                let ids: Vec<String> = dups.iter().take(3).map(|d| d.case_id.to_string()).collect();
                to.push_str(&format!("?dups={}", ids.join(",")));
            }
            return Ok(done(&to, &toast));
        }
        Err(Error::Invalid(v)) => v,
        Err(Error::Forbidden(m)) => vec![FieldError {
            field: "_".into(),
            message: m.into(),
        }],
        Err(Error::Conflict { message, .. }) => vec![FieldError {
            field: "_".into(),
            message,
        }],
        Err(e) => return Err(e.into()),
    };
    form_view(
        &s,
        &u,
        form,
        FormErrors(errors),
        photo_again,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// What an error says to people.
pub fn message_of(e: &Error) -> String {
    match e {
        Error::Invalid(v) => v
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("；"),
        Error::Forbidden(m) => (*m).into(),
        Error::Conflict { message, .. } => message.clone(),
        Error::NotFound => "找不到".into(),
        _ => "系统繁忙，请稍后再试".into(),
    }
}
