//! Registry pages (登记造册): the list by kind with a search, one entry with its case
//! history (and, for a hardship vendor, the note that they are to be guided and relocated,
//! not only fined), the register/edit form whose fields follow the kind, deactivating, and
//! the xlsx import and export ([`sheets`]).

pub mod form;
pub mod sheets;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cases::registry::kinds::Kind;
use cases::registry::{RegistryQuery, RegistryRow};
use kernel::Error;
use kernel::time::{now_ms, relative_cn};
use serde::Deserialize;

use super::{Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser, urlencode};

pub use form::{create, edit, edit_page, new_page};

/// A registry entry as a line of a list.
pub struct Row {
    id: i64,
    name: String,
    kind_label: &'static str,
    grid: String,
    summary: String,
    address: String,
    hardship: bool,
    contact: String,
}

/// The attributes that say most about an entry, in one line.
fn summary(r: &RegistryRow) -> String {
    let e = &r.entry;
    let a = |k: &str| {
        e.kind
            .attrs()
            .iter()
            .find(|x| x.key == k)
            .map(|x| cases::registry::kinds::shown(x, &e.attrs))
            .unwrap_or_default()
    };
    match e.kind {
        Kind::Enterprise => {
            let mut s = a("industry");
            if a("env_key") == "是" {
                s.push_str(" · 环保重点");
            }
            s
        }
        Kind::Stall => [a("goods"), a("form")]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        Kind::Road => {
            let mut s = format!("{} 至 {}", a("from"), a("to"));
            if !a("length_m").is_empty() {
                s.push_str(&format!(" · {} 米", a("length_m")));
            }
            s
        }
        Kind::Building => {
            let mut s = format!("{} 层", a("floors"));
            if !a("households").is_empty() {
                s.push_str(&format!(" · {} 户", a("households")));
            }
            s
        }
    }
}

fn row(r: &RegistryRow) -> Row {
    let e = &r.entry;
    Row {
        id: e.id,
        name: e.name.clone(),
        kind_label: e.kind.label(),
        grid: r.grid_name.clone(),
        summary: summary(r),
        address: e.address.clone(),
        hardship: e.hardship,
        contact: [e.contact_name.clone(), e.contact_phone.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A filter link.
pub struct Chip {
    href: String,
    label: &'static str,
    active: bool,
}

/// The list's filters, as given in the address.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    kind: Option<String>,
    unit_id: Option<String>,
    q: Option<String>,
    hardship: Option<String>,
    inactive: Option<String>,
    before: Option<i64>,
    toast: Option<String>,
}

#[derive(Template)]
#[template(path = "registries.html")]
struct ListPage {
    frame: Frame,
    chips: Vec<Chip>,
    kind: String,
    kind_label: String,
    units: Vec<(i64, String)>,
    unit: String,
    q: String,
    hardship: bool,
    inactive: bool,
    rows: Vec<Row>,
    next_href: Option<String>,
    keeper: bool,
    export_href: Option<String>,
    filtered: bool,
}

/// The grids and communities the viewer reads, for the pickers (grids indented).
pub async fn unit_options(s: &AppState, a: &org::Access) -> kernel::Result<Vec<(i64, String)>> {
    use org::units::UnitKind;
    Ok(org::units::list_in_scope(&s.db, a, &[])
        .await?
        .into_iter()
        .filter(|x| {
            (x.kind == UnitKind::Grid || x.kind.is_community_level())
                && cases::registry::reads(a, &x.path)
        })
        .take(300)
        .map(|x| {
            let label = if x.kind == UnitKind::Grid {
                format!("　{}", x.name)
            } else {
                x.name
            };
            (x.id, label)
        })
        .collect())
}

/// GET /registries: entries by kind, grid or community, search.
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let a = &u.access;
    let kind = q.kind.as_deref().and_then(Kind::parse);
    let unit_id = q
        .unit_id
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok());
    let text = q.q.clone().unwrap_or_default().trim().to_owned();
    let hardship = matches!(q.hardship.as_deref(), Some("true" | "1"));
    let inactive = matches!(q.inactive.as_deref(), Some("true" | "1"));
    let page = cases::registry::list(
        &s.db,
        a,
        &RegistryQuery {
            kind: kind.map(|k| k.as_str().to_owned()),
            unit_id,
            q: Some(text.clone()).filter(|t| !t.is_empty()),
            hardship: hardship.then_some(true),
            inactive: inactive.then_some(true),
            before: q.before,
            limit: Some(30),
        },
    )
    .await?;
    let mut rest = String::new();
    if let Some(id) = unit_id {
        rest.push_str(&format!("unit_id={id}&"));
    }
    if !text.is_empty() {
        rest.push_str(&format!("q={}&", urlencode(&text)));
    }
    if inactive {
        rest.push_str("inactive=true&");
    }
    let mut chips = vec![Chip {
        href: format!("/registries?{rest}")
            .trim_end_matches(['?', '&'])
            .to_owned(),
        label: "全部",
        active: kind.is_none() && !hardship,
    }];
    for k in Kind::ALL {
        chips.push(Chip {
            href: format!("/registries?{rest}kind={}", k.as_str()),
            label: k.label(),
            active: kind == Some(k) && !hardship,
        });
    }
    chips.push(Chip {
        href: format!("/registries?{rest}kind=stall&hardship=true"),
        label: "困难摊贩",
        active: hardship,
    });
    let mut qs = format!("/registries?{rest}");
    if let Some(k) = kind {
        qs.push_str(&format!("kind={}&", k.as_str()));
    }
    if hardship {
        qs.push_str("hardship=true&");
    }
    let keeper = !cases::patrol::kept_grids(&s.db, a).await?.is_empty();
    let export_href = kind.map(|k| {
        let mut h = format!("/registries/export/{}", k.as_str());
        if let Some(id) = unit_id {
            h.push_str(&format!("?unit_id={id}"));
        }
        h
    });
    Ok(render(&ListPage {
        frame: Frame::new(a, "登记造册", "registries").with_toast(q.toast),
        chips,
        kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        kind_label: kind.map(|k| k.label()).unwrap_or("登记对象").to_owned(),
        units: unit_options(&s, a).await?,
        unit: unit_id.map(|i| i.to_string()).unwrap_or_default(),
        filtered: kind.is_some() || unit_id.is_some() || !text.is_empty() || hardship || inactive,
        q: text,
        hardship,
        inactive,
        rows: page.items.iter().map(row).collect(),
        next_href: page.next.map(|n| format!("{qs}before={n}")),
        keeper,
        export_href,
    }))
}

// ---------------------------------------------------------------------------------------
// One entry
// ---------------------------------------------------------------------------------------

/// A case in an entry's history.
pub struct CaseLine {
    id: i64,
    category: String,
    description: String,
    state_label: String,
    tone: &'static str,
    when: String,
}

#[derive(Template)]
#[template(path = "registry.html")]
struct EntryPage {
    frame: Frame,
    v: cases::registry::RegistryView,
    code_label: &'static str,
    cases: Vec<CaseLine>,
    alert: Option<String>,
}

/// A toast in the address.
#[derive(Debug, Deserialize, Default)]
pub struct ToastOnly {
    toast: Option<String>,
}

async fn entry_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    toast: Option<String>,
    alert: Option<String>,
) -> PageResult {
    let a = &u.access;
    let v = cases::registry::view(&s.db, a, id).await?;
    let now = now_ms();
    let cases = v
        .cases
        .iter()
        .map(|c| {
            let mut d: String = c.case.description.chars().take(40).collect();
            if c.case.description.chars().count() > 40 {
                d.push('…');
            }
            CaseLine {
                id: c.case.id,
                category: c.category_name.clone(),
                description: d,
                state_label: c.state_label.clone(),
                tone: c.case.state.tone(),
                when: relative_cn(c.case.reported_at, now),
            }
        })
        .collect();
    let conflict = alert.is_some();
    let mut res = render(&EntryPage {
        frame: Frame::new(a, v.entry.name.clone(), "registries")
            .with_toast(toast)
            .with_back(format!("/registries?kind={}", v.entry.kind.as_str())),
        code_label: v.entry.kind.code_label(),
        v,
        cases,
        alert,
    });
    if conflict {
        *res.status_mut() = StatusCode::CONFLICT;
    }
    Ok(res)
}

/// GET /registries/{id}
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    entry_view(&s, &u, id, t.toast, None).await
}

async fn set_active(s: &AppState, u: &PageUser, id: i64, active: bool) -> PageResult {
    match cases::registry::set_active(&s.db, &u.access, id, active).await {
        Ok(_) => Ok(done(
            &format!("/registries/{id}"),
            if active {
                "已恢复这条登记"
            } else {
                "已停用这条登记，案件记录仍保留"
            },
        )),
        Err(Error::Conflict { message, .. }) => entry_view(s, u, id, None, Some(message)).await,
        Err(e) => Err(e.into()),
    }
}

/// POST /registries/{id}/deactivate
pub async fn deactivate(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    set_active(&s, &u, id, false).await
}

/// POST /registries/{id}/reactivate
pub async fn reactivate(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    set_active(&s, &u, id, true).await
}
