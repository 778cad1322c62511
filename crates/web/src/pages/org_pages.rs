//! Pages for the organisation tree, employers and the skills catalogue.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kernel::FieldError;
use org::employers::{Employer, EmployerInput};
use org::people::PersonRow;
use org::skills::{Skill, SkillInput};
use org::units::{Dependents, NewUnit, Unit, UnitChanges, UnitKind};
use serde::Deserialize;

use super::{FormErrors, Frame, PageError, PageResult, ToastQuery, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// A tree row for display.
pub struct TreeRow {
    id: i64,
    indent: i64,
    name: String,
    kind: &'static str,
    code: String,
}

#[derive(Template)]
#[template(path = "units.html")]
struct TreePage {
    frame: Frame,
    rows: Vec<TreeRow>,
}

/// GET /units: the caller's part of the tree, three levels deep.
pub async fn tree(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    let mut rows = Vec::new();
    for (id, _) in u.access.top_units() {
        let units = org::units::subtree(&s.db, &u.access, id, 3).await?;
        let base = units.first().map(|u| u.depth).unwrap_or(0);
        rows.extend(units.into_iter().map(|x| TreeRow {
            id: x.id,
            indent: (x.depth - base).clamp(0, 6),
            name: x.name,
            kind: x.kind.label(),
            code: x.code,
        }));
    }
    Ok(render(&TreePage {
        frame: Frame::new(&u.access, "组织与网格", "units").with_toast(t.toast),
        rows,
    }))
}

/// Values of the unit edit form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    center_lon: String,
    #[serde(default)]
    center_lat: String,
    #[serde(default)]
    boundary: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    parent_code: String,
}

impl UnitForm {
    fn of(u: &Unit) -> UnitForm {
        UnitForm {
            name: u.name.clone(),
            code: u.code.clone(),
            kind: u.kind.as_str().into(),
            center_lon: u.center_lon.map(|v| v.to_string()).unwrap_or_default(),
            center_lat: u.center_lat.map(|v| v.to_string()).unwrap_or_default(),
            boundary: u.boundary.clone().unwrap_or_default(),
            parent_id: String::new(),
            parent_code: String::new(),
        }
    }

    /// Parse the coordinates, reporting typos as field errors.
    fn coords(&self) -> Result<(Option<f64>, Option<f64>), kernel::Error> {
        let parse = |field: &str, v: &str| -> Result<Option<f64>, kernel::Error> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<f64>()
                .map(Some)
                .map_err(|_| kernel::Error::field(field, "请填写数字，例如 114.305539"))
        };
        Ok((
            parse("center_lon", &self.center_lon)?,
            parse("center_lat", &self.center_lat)?,
        ))
    }
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    frame: Frame,
    unit: Unit,
    kind: &'static str,
    children: Vec<(i64, String, &'static str, String)>,
    people: Vec<PersonRow>,
    dependents: Dependents,
    can_create: bool,
    can_manage: bool,
    form: UnitForm,
    errors: FormErrors,
    move_errors: FormErrors,
}

async fn unit_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    form: Option<UnitForm>,
    errors: FormErrors,
    move_errors: FormErrors,
    toast: Option<String>,
) -> PageResult {
    let a = &u.access;
    let unit = org::units::get(&s.db, a, id).await?;
    let ancestors = org::units::ancestors(&s.db, a, &unit).await?;
    let children = org::units::children(&s.db, a, id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name, c.kind.label(), c.code))
        .collect();
    let people = if unit.kind.is_community_level() && a.is_staff() {
        org::people::registered_with_community(&s.db, a, id).await?
    } else {
        vec![]
    };
    let dependents = org::units::dependents(&s.db, a, id).await?;
    let mut frame = Frame::new(a, unit.name.clone(), "units").with_toast(toast);
    frame.crumbs = ancestors
        .iter()
        .map(|x| (format!("/units/{}", x.id), x.name.clone()))
        .collect();
    frame.back = Some(
        unit.parent_id
            .filter(|p| ancestors.iter().any(|x| x.id == *p))
            .map(|p| format!("/units/{p}"))
            .unwrap_or_else(|| "/units".into()),
    );
    let can_create = unit
        .kind
        .child_kinds()
        .iter()
        .any(|k| a.creates_unit_under(&unit.path, *k == UnitKind::Grid));
    let can_manage = a.manages_unit(&unit.path, unit.kind == UnitKind::Grid);
    let errored = !errors.0.is_empty() || !move_errors.0.is_empty();
    let mut res = render(&UnitPage {
        frame,
        kind: unit.kind.label(),
        form: form.unwrap_or_else(|| UnitForm::of(&unit)),
        unit,
        children,
        people,
        dependents,
        can_create,
        can_manage,
        errors,
        move_errors,
    });
    if errored {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /units/{id}
pub async fn unit_page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    unit_view(
        &s,
        &u,
        id,
        None,
        FormErrors::default(),
        FormErrors::default(),
        t.toast,
    )
    .await
}

/// POST /units/{id}/edit
pub async fn edit_unit(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<UnitForm>,
) -> PageResult {
    let result = match f.coords() {
        Ok((lon, lat)) => {
            org::units::update(
                &s.db,
                &u.access,
                id,
                UnitChanges {
                    name: Some(f.name.clone()),
                    code: Some(f.code.clone()),
                    boundary: Some(f.boundary.clone()),
                    center_lon: lon,
                    center_lat: lat,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(&format!("/units/{id}"), "已保存")),
        Err(kernel::Error::Invalid(errs)) => {
            unit_view(
                &s,
                &u,
                id,
                Some(f),
                FormErrors(errs),
                FormErrors::default(),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /units/{id}/move
pub async fn move_unit(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<UnitForm>,
) -> PageResult {
    let code = f.parent_code.trim();
    let target = if code.is_empty() {
        Err(kernel::Error::field("parent_id", "请填写新上级节点的编码"))
    } else {
        org::units::get_by_code(&s.db, &u.access, code)
            .await
            .map_err(|_| {
                kernel::Error::field(
                    "parent_id",
                    format!("找不到编码为 {code} 的节点（或不在您的管辖范围内）"),
                )
            })
    };
    let result = match target {
        Ok(p) => org::units::move_to(&s.db, &u.access, id, p.id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(&format!("/units/{id}"), "已移动")),
        Err(kernel::Error::Invalid(errs)) => {
            unit_view(
                &s,
                &u,
                id,
                Some(f),
                FormErrors::default(),
                FormErrors(errs),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /units/{id}/delete
pub async fn delete_unit(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> PageResult {
    let unit = org::units::get(&s.db, &u.access, id).await?;
    match org::units::delete(&s.db, &u.access, id).await {
        Ok(()) => Ok(done(
            &unit
                .parent_id
                .map(|p| format!("/units/{p}"))
                .unwrap_or_else(|| "/units".into()),
            &format!("已删除“{}”", unit.name),
        )),
        Err(kernel::Error::Conflict { message, .. }) => {
            let errs = vec![FieldError {
                field: "delete".into(),
                message,
            }];
            unit_view(
                &s,
                &u,
                id,
                None,
                FormErrors::default(),
                FormErrors(errs),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "unit_new.html")]
struct NewUnitPage {
    frame: Frame,
    parent: Unit,
    kinds: Vec<(&'static str, &'static str)>,
    form: UnitForm,
    errors: FormErrors,
}

/// Query of the new-node page.
#[derive(Debug, Deserialize)]
pub struct ParentQuery {
    parent: Option<i64>,
}

async fn new_unit_view(
    s: &AppState,
    u: &PageUser,
    parent_id: i64,
    form: UnitForm,
    errors: FormErrors,
) -> PageResult {
    let parent = org::units::get(&s.db, &u.access, parent_id).await?;
    let kinds: Vec<_> = parent
        .kind
        .child_kinds()
        .into_iter()
        .filter(|k| {
            u.access
                .creates_unit_under(&parent.path, *k == UnitKind::Grid)
        })
        .map(|k| (k.as_str(), k.label()))
        .collect();
    if kinds.is_empty() {
        return Err(PageError(kernel::Error::Forbidden(
            "您不能在这个节点下新建下级",
        )));
    }
    let failed = !errors.0.is_empty();
    let mut res = render(&NewUnitPage {
        frame: Frame::new(&u.access, format!("在“{}”下新建", parent.name), "units")
            .with_back(format!("/units/{}", parent.id)),
        parent,
        kinds,
        form,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /units/new?parent=ID
pub async fn new_unit_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ParentQuery>,
) -> PageResult {
    let parent = match q.parent {
        Some(p) => p,
        None => u
            .access
            .top_units()
            .first()
            .map(|x| x.0)
            .ok_or(kernel::Error::NotFound)?,
    };
    new_unit_view(&s, &u, parent, UnitForm::default(), FormErrors::default()).await
}

/// POST /units/new
pub async fn create_unit(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<UnitForm>,
) -> PageResult {
    let parent_id: i64 = f
        .parent_id
        .trim()
        .parse()
        .map_err(|_| kernel::Error::NotFound)?;
    let result = match f.coords() {
        Ok((lon, lat)) => {
            org::units::create(
                &s.db,
                &u.access,
                NewUnit {
                    parent_id,
                    kind: f.kind.clone(),
                    name: f.name.clone(),
                    code: f.code.clone(),
                    boundary: Some(f.boundary.clone()),
                    center_lon: lon,
                    center_lat: lat,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(unit) => Ok(done(
            &format!("/units/{}", unit.id),
            &format!("已新建{}“{}”", unit.kind.label(), unit.name),
        )),
        Err(kernel::Error::Invalid(errs)) => {
            new_unit_view(&s, &u, parent_id, f, FormErrors(errs)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "employers.html")]
struct EmployersPage {
    frame: Frame,
    employers: Vec<Employer>,
    can_create: bool,
}

/// GET /employers
pub async fn employers(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    let employers = org::employers::list(&s.db, &u.access).await?;
    let can_create = u
        .access
        .top_units()
        .iter()
        .any(|(_, p)| u.access.manages_employer(p));
    Ok(render(&EmployersPage {
        frame: Frame::new(&u.access, "派出单位", "employers").with_toast(t.toast),
        employers,
        can_create,
    }))
}

#[derive(Template)]
#[template(path = "employer.html")]
struct EmployerPage {
    frame: Frame,
    e: Employer,
    people: Vec<PersonRow>,
    can_edit: bool,
}

/// GET /employers/{id}: the employer and its registered people (双报到, employer side).
pub async fn employer_page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    let e = org::employers::get(&s.db, &u.access, id).await?;
    let people = org::people::registered_with_employer(&s.db, &u.access, id).await?;
    let unit = org::units::get(&s.db, &u.access, e.unit_id).await.ok();
    let can_edit = unit.is_some_and(|x| u.access.manages_employer(&x.path));
    Ok(render(&EmployerPage {
        frame: Frame::new(&u.access, e.name.clone(), "employers")
            .with_toast(t.toast)
            .with_back("/employers"),
        e,
        people,
        can_edit,
    }))
}

/// Values of the employer form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EmployerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    party_org: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    unit_id: String,
}

impl EmployerForm {
    fn input(&self) -> EmployerInput {
        EmployerInput {
            unit_id: super::opt_id(&Some(self.unit_id.clone())),
            name: self.name.clone(),
            kind: self.kind.clone(),
            credit_code: Some(self.credit_code.clone()),
            party_org: self.party_org.clone(),
            contact_name: Some(self.contact_name.clone()),
            contact_phone: Some(self.contact_phone.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "employer_form.html")]
struct EmployerFormPage {
    frame: Frame,
    action: String,
    form: EmployerForm,
    kinds: Vec<&'static str>,
    units: Vec<(i64, String)>,
    errors: FormErrors,
}

async fn employer_form(
    s: &AppState,
    u: &PageUser,
    id: Option<i64>,
    form: EmployerForm,
    errors: FormErrors,
) -> PageResult {
    let units = org::units::list_in_scope(
        &s.db,
        &u.access,
        &[
            UnitKind::City,
            UnitKind::District,
            UnitKind::Street,
            UnitKind::Town,
        ],
    )
    .await?
    .into_iter()
    .filter(|x| u.access.manages_employer(&x.path))
    .map(|x| (x.id, format!("{}{}", "　".repeat(x.depth as usize), x.name)))
    .collect();
    let failed = !errors.0.is_empty();
    let mut res = render(&EmployerFormPage {
        frame: Frame::new(
            &u.access,
            if id.is_some() {
                "修改派出单位"
            } else {
                "登记派出单位"
            },
            "employers",
        )
        .with_back("/employers"),
        action: id
            .map(|i| format!("/employers/{i}/edit"))
            .unwrap_or_else(|| "/employers/new".into()),
        form,
        kinds: org::employers::KINDS.to_vec(),
        units,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /employers/new
pub async fn new_employer_page(State(s): State<AppState>, u: PageUser) -> PageResult {
    employer_form(
        &s,
        &u,
        None,
        EmployerForm {
            kind: "机关".into(),
            ..Default::default()
        },
        FormErrors::default(),
    )
    .await
}

/// POST /employers/new
pub async fn create_employer(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<EmployerForm>,
) -> PageResult {
    match org::employers::create(&s.db, &u.access, f.input()).await {
        Ok(e) => Ok(done(&format!("/employers/{}", e.id), "已登记派出单位")),
        Err(kernel::Error::Invalid(errs)) => employer_form(&s, &u, None, f, FormErrors(errs)).await,
        Err(e) => Err(e.into()),
    }
}

/// GET /employers/{id}/edit
pub async fn edit_employer_page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let e = org::employers::get(&s.db, &u.access, id).await?;
    let form = EmployerForm {
        name: e.name,
        kind: e.kind,
        credit_code: e.credit_code.unwrap_or_default(),
        party_org: e.party_org,
        contact_name: e.contact_name.unwrap_or_default(),
        contact_phone: e.contact_phone.unwrap_or_default(),
        unit_id: e.unit_id.to_string(),
    };
    employer_form(&s, &u, Some(id), form, FormErrors::default()).await
}

/// POST /employers/{id}/edit
pub async fn edit_employer(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EmployerForm>,
) -> PageResult {
    match org::employers::update(&s.db, &u.access, id, f.input()).await {
        Ok(_) => Ok(done(&format!("/employers/{id}"), "已保存")),
        Err(kernel::Error::Invalid(errs)) => {
            employer_form(&s, &u, Some(id), f, FormErrors(errs)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "skills.html")]
struct SkillsPage {
    frame: Frame,
    skills: Vec<Skill>,
    can_edit: bool,
    form: (String, String),
    errors: FormErrors,
}

async fn skills_view(
    s: &AppState,
    u: &PageUser,
    form: (String, String),
    errors: FormErrors,
    toast: Option<String>,
) -> Result<Response, PageError> {
    let failed = !errors.0.is_empty();
    let mut res = render(&SkillsPage {
        frame: Frame::new(&u.access, "专长目录", "skills").with_toast(toast),
        skills: org::skills::list(&s.db, &u.access).await?,
        can_edit: u.access.manages_city(),
        form,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /skills
pub async fn skills(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    skills_view(&s, &u, Default::default(), FormErrors::default(), t.toast).await
}

/// The new-skill form.
#[derive(Debug, Deserialize)]
pub struct SkillForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    category: String,
}

/// POST /skills
pub async fn create_skill(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<SkillForm>,
) -> PageResult {
    match org::skills::create(
        &s.db,
        &u.access,
        SkillInput {
            name: f.name.clone(),
            category: f.category.clone(),
        },
    )
    .await
    {
        Ok(sk) => Ok(done("/skills", &format!("已添加专长“{}”", sk.name))),
        Err(kernel::Error::Invalid(errs)) => {
            skills_view(&s, &u, (f.name, f.category), FormErrors(errs), None).await
        }
        Err(e) => Err(e.into()),
    }
}
