//! Registering and editing an entry: the form's fields follow the kind (its attributes
//! from `cases::registry::kinds`), a refused form is shown again with each message beside
//! its field and everything typed kept.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cases::registry::EntryInput;
use cases::registry::kinds::{AttrType, Kind};
use kernel::Error;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::{FormErrors, Frame, PageResult, done, render};

/// A kind's attribute as a form field.
pub struct AttrField {
    name: String,
    id: String,
    label: &'static str,
    input: &'static str,
    options: Vec<&'static str>,
    value: String,
    required: bool,
    hint: &'static str,
    min: String,
    max: String,
}

/// The form as typed: every field by name.
#[derive(Debug, Clone, Default)]
pub struct Typed(Vec<(String, String)>);

impl Typed {
    fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
    fn opt(&self, key: &str) -> Option<String> {
        Some(self.get(key).trim().to_owned()).filter(|s| !s.is_empty())
    }
    fn of_entry(e: &cases::registry::RegistryEntry) -> Typed {
        let mut v = vec![
            ("name".into(), e.name.clone()),
            ("grid_id".into(), e.grid_id.to_string()),
            ("address".into(), e.address.clone()),
            (
                "lon".into(),
                e.lon.map(|x| format!("{x:.7}")).unwrap_or_default(),
            ),
            (
                "lat".into(),
                e.lat.map(|x| format!("{x:.7}")).unwrap_or_default(),
            ),
            ("code".into(), e.code.clone().unwrap_or_default()),
            (
                "contact_name".into(),
                e.contact_name.clone().unwrap_or_default(),
            ),
            (
                "contact_phone".into(),
                e.contact_phone.clone().unwrap_or_default(),
            ),
            ("note".into(), e.note.clone()),
        ];
        if e.hardship {
            v.push(("hardship".into(), "1".into()));
        }
        for a in e.kind.attrs() {
            v.push((
                format!("attrs.{}", a.key),
                cases::registry::kinds::shown(a, &e.attrs),
            ));
        }
        Typed(v)
    }
    /// The input the service checks; a number that does not parse is a field error.
    fn input(&self, kind: Kind) -> Result<EntryInput, Error> {
        let mut bad = Vec::new();
        let mut degrees = |k: &str| match self.opt(k) {
            None => None,
            Some(t) => {
                let v = t.parse::<f64>().ok();
                if v.is_none() {
                    bad.push(kernel::FieldError {
                        field: "lon".into(),
                        message: "经纬度应为数字（度），如 114.3054".into(),
                    });
                }
                v
            }
        };
        let (lon, lat) = (degrees("lon"), degrees("lat"));
        if !bad.is_empty() {
            bad.truncate(1);
            return Err(Error::Invalid(bad));
        }
        let mut attrs = Map::new();
        for a in kind.attrs() {
            let v = self.get(&format!("attrs.{}", a.key)).trim().to_owned();
            if !v.is_empty() {
                attrs.insert(a.key.into(), Value::String(v));
            }
        }
        Ok(EntryInput {
            kind: Some(kind.as_str().into()),
            name: self.get("name").into(),
            grid_id: self.get("grid_id").trim().parse().ok(),
            address: self.get("address").into(),
            lon,
            lat,
            crs: None,
            code: self.opt("code"),
            contact_name: self.opt("contact_name"),
            contact_phone: self.opt("contact_phone"),
            hardship: !self.get("hardship").is_empty(),
            attrs,
            note: self.get("note").into(),
        })
    }
}

#[derive(Template)]
#[template(path = "registry_form.html")]
struct FormPage {
    frame: Frame,
    kind: Kind,
    kinds: Vec<(&'static str, &'static str, bool)>,
    /// The entry edited; none for a new one.
    id: Option<i64>,
    action: String,
    grids: Vec<(i64, String)>,
    typed: Typed,
    attrs: Vec<AttrField>,
    errors: FormErrors,
}

impl FormPage {
    fn val(&self, key: &str) -> &str {
        self.typed.get(key)
    }
}

fn attr_fields(kind: Kind, typed: &Typed) -> Vec<AttrField> {
    kind.attrs()
        .iter()
        .map(|a| {
            let name = format!("attrs.{}", a.key);
            let (input, options, min, max) = match a.ty {
                AttrType::Text(m) => ("text", vec![], String::new(), m.to_string()),
                AttrType::Int(lo, hi) => ("number", vec![], lo.to_string(), hi.to_string()),
                AttrType::Bool => ("select", vec!["否", "是"], String::new(), String::new()),
                AttrType::Choice(c) => ("select", c.to_vec(), String::new(), String::new()),
            };
            AttrField {
                value: typed.get(&name).to_owned(),
                id: format!("attr-{}", a.key),
                name,
                label: a.label,
                input,
                options,
                required: a.required,
                hint: a.hint,
                min,
                max,
            }
        })
        .collect()
}

async fn form_view(
    s: &AppState,
    u: &PageUser,
    kind: Kind,
    id: Option<i64>,
    typed: Typed,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let a = &u.access;
    let grids: Vec<(i64, String)> = cases::patrol::kept_grids(&s.db, a)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    if grids.is_empty() {
        return Err(Error::Forbidden("只有网格长和社区干部可以登记").into());
    }
    let mut typed = typed;
    if typed.get("grid_id").is_empty() && grids.len() == 1 {
        typed.0.push(("grid_id".into(), grids[0].0.to_string()));
    }
    let (title, action, back) = match id {
        Some(id) => (
            format!("修改{}登记", kind.label()),
            format!("/registries/{id}/edit"),
            format!("/registries/{id}"),
        ),
        None => (
            format!("登记{}", kind.label()),
            "/registries/new".to_owned(),
            format!("/registries?kind={}", kind.as_str()),
        ),
    };
    let mut res = render(&FormPage {
        frame: Frame::new(a, title, "registries").with_back(back),
        kind,
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label(), *k == kind))
            .collect(),
        id,
        action,
        grids,
        attrs: attr_fields(kind, &typed),
        typed,
        errors,
    });
    *res.status_mut() = status;
    Ok(res)
}

/// Which kind a new entry is.
#[derive(Debug, Deserialize, Default)]
pub struct NewQuery {
    kind: Option<String>,
    grid_id: Option<String>,
}

/// GET /registries/new?kind=
pub async fn new_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let kind = q
        .kind
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::Stall);
    let mut typed = Typed::default();
    if let Some(g) = q.grid_id {
        typed.0.push(("grid_id".into(), g));
    }
    form_view(
        &s,
        &u,
        kind,
        None,
        typed,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn saved(
    s: &AppState,
    u: &PageUser,
    kind: Kind,
    id: Option<i64>,
    typed: Typed,
    result: Result<cases::registry::RegistryEntry, Error>,
) -> PageResult {
    match result {
        Ok(e) => Ok(done(
            &format!("/registries/{}", e.id),
            if id.is_some() {
                "已保存"
            } else {
                "已登记"
            },
        )),
        Err(Error::Invalid(v)) => {
            form_view(
                s,
                u,
                kind,
                id,
                typed,
                FormErrors(v),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::Forbidden(m)) => {
            let v = vec![kernel::FieldError {
                field: "grid_id".into(),
                message: m.into(),
            }];
            form_view(s, u, kind, id, typed, FormErrors(v), StatusCode::FORBIDDEN).await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /registries/new
pub async fn create(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let typed = Typed(f);
    let Some(kind) = Kind::parse(typed.get("kind")) else {
        return Err(Error::field("kind", "请选择登记类别").into());
    };
    let result = match typed.input(kind) {
        Ok(input) => cases::registry::create(&s.db, &u.access, input).await,
        Err(e) => Err(e),
    };
    saved(&s, &u, kind, None, typed, result).await
}

/// GET /registries/{id}/edit
pub async fn edit_page(State(s): State<AppState>, u: PageUser, Path(id): Path<i64>) -> PageResult {
    let e = cases::registry::entry(&s.db, &u.access, id).await?;
    if !cases::patrol::keeps(&u.access, &e.unit_path) {
        return Err(Error::Forbidden("只有本网格的网格长或社区干部可以修改登记").into());
    }
    let typed = Typed::of_entry(&e);
    form_view(
        &s,
        &u,
        e.kind,
        Some(id),
        typed,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// POST /registries/{id}/edit
pub async fn edit(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    // A write outside the caller's scope is refused (403), whether or not the entry exists.
    let e = match cases::registry::entry(&s.db, &u.access, id).await {
        Err(Error::NotFound) => {
            return Err(Error::Forbidden("只有本网格的网格长或社区干部可以修改登记").into());
        }
        other => other?,
    };
    let typed = Typed(f);
    let result = match typed.input(e.kind) {
        Ok(input) => cases::registry::update(&s.db, &u.access, id, input).await,
        Err(err) => Err(err),
    };
    saved(&s, &u, e.kind, Some(id), typed, result).await
}
