//! A grid's case map, drawn on the server as inline SVG (no script, no tiles): the
//! boundary, the grids inside it outlined, each case a dot in its state's colour linked to
//! the case; a legend whose counts link to the lists; and the grid's responsibility chain
//! with a small form for those who manage the grid.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use cases::model::State as CaseState;
use cases::responsible::{Appoint, LEVELS, Link};
use kernel::Error;
use kernel::geo::Boundary;
use org::Role;
use org::units::Unit;
use serde::Deserialize;

use super::super::{FormErrors, Frame, PageResult, done, render};
use super::svg::{Projection, Svg};
use super::{AREA, Choice, push_query, reads_as_staff};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// The map's node.
#[derive(Debug, Deserialize, Default)]
pub struct MapQuery {
    unit_id: Option<String>,
    toast: Option<String>,
}

/// A legend entry: colour, words, count, the list it counts.
pub struct Legend {
    tone: &'static str,
    label: &'static str,
    n: usize,
    href: String,
}

/// A case on the map, as a line under it.
pub struct Point {
    id: i64,
    label: String,
    state_label: &'static str,
    tone: &'static str,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "case_map.html")]
struct MapPage {
    frame: Frame,
    unit: Unit,
    svg: Option<String>,
    legend: Vec<Legend>,
    points: Vec<Point>,
    more_points: bool,
    children: Vec<(i64, String)>,
    parent: Option<(i64, String)>,
    chain: Vec<Link>,
    manages: bool,
    levels: Vec<(&'static str, &'static str)>,
    people: Vec<Choice>,
    no_boundary: bool,
    errors: FormErrors,
    form: AppointForm,
}

impl MapPage {
    /// Whether a link of the chain is named above this node, not at it.
    fn inherited(&self, l: &Link) -> bool {
        l.unit_id != Some(self.unit.id)
    }
}

/// Outer rings of a boundary, as (lon, lat) degrees.
type Rings = Vec<Vec<(f64, f64)>>;

fn rings_of(u: &Unit) -> Rings {
    u.boundary
        .as_deref()
        .and_then(|b| Boundary::parse(b).ok())
        .map(|b| b.outer_rings())
        .unwrap_or_default()
}

fn centre_of(u: &Unit) -> Option<(f64, f64)> {
    let b = Boundary::parse(u.boundary.as_deref()?).ok()?;
    b.centroid().map(|p| (p.lon(), p.lat()))
}

/// The dot's colour: red when overdue, else its state's.
fn tone_of(state: CaseState, overdue: bool) -> &'static str {
    if overdue { "overdue" } else { state.tone() }
}

async fn map_view(
    s: &AppState,
    u: &PageUser,
    unit_id: Option<i64>,
    toast: Option<String>,
    errors: FormErrors,
    form: AppointForm,
) -> PageResult {
    let a = &u.access;
    if !reads_as_staff(a) {
        return Err(Error::NotFound.into());
    }
    let id = unit_id
        .or_else(|| super::board::top_unit_id(a))
        .ok_or(Error::NotFound)?;
    let unit = org::units::get(&s.db, a, id).await?;
    let points = cases::view::map_points(&s.db, a, unit.id).await?;
    let children = org::units::children(&s.db, a, unit.id).await?;
    let own = rings_of(&unit);
    let kids: Vec<(&Unit, Rings)> = children.iter().map(|c| (c, rings_of(c))).collect();
    let all = own
        .iter()
        .chain(kids.iter().flat_map(|k| k.1.iter()))
        .flatten()
        .copied()
        .chain(points.iter().map(|p| (p.lon, p.lat)))
        .collect::<Vec<_>>();
    let svg = Projection::fit(all, 1000.0).map(|proj| {
        let mut svg = Svg::new(proj);
        svg.rings(&own, "boundary");
        for (_, rings) in &kids {
            svg.rings(rings, "child");
        }
        for (c, _) in &kids {
            if let Some((lon, lat)) = centre_of(c) {
                svg.label(lon, lat, "child-name", &c.name);
            }
        }
        // Overdue last, so that it is drawn on top.
        let mut order: Vec<&cases::view::MapPoint> = points.iter().collect();
        order.sort_by_key(|p| (p.overdue, p.state != "closed"));
        let r = (proj.width.max(proj.height) * 0.014).max(8.0);
        for p in order {
            let st = CaseState::parse(&p.state).unwrap_or(CaseState::Reported);
            let state_word = if p.overdue { "已超期" } else { st.label() };
            svg.dot(
                p.lon,
                p.lat,
                r,
                &format!("dot {}", tone_of(st, p.overdue)),
                &format!("/cases/{}", p.id),
                &format!("案卷 {} · {} · {state_word}", p.id, p.label),
            );
        }
        svg.finish(&format!("{}的案件地图，共 {} 件", unit.name, points.len()))
    });
    let mut by: HashMap<&str, usize> = HashMap::new();
    let mut overdue = 0;
    for p in &points {
        if p.overdue {
            overdue += 1;
        } else {
            *by.entry(p.state.as_str()).or_default() += 1;
        }
    }
    let list = |extra: &str| {
        let mut h = "/cases/list".to_owned();
        push_query(&mut h, "unit_id", &unit.id.to_string());
        h.push('&');
        h.push_str(extra);
        h
    };
    let mut legend = vec![Legend {
        tone: "overdue",
        label: "已超期",
        n: overdue,
        href: list("overdue=true"),
    }];
    for st in [
        CaseState::Reported,
        CaseState::Registered,
        CaseState::Dispatched,
        CaseState::Suspended,
        CaseState::Handled,
        CaseState::Closed,
    ] {
        legend.push(Legend {
            tone: st.tone(),
            label: if st == CaseState::Closed {
                "30 天内结案"
            } else {
                st.label()
            },
            n: by.get(st.as_str()).copied().unwrap_or(0),
            href: list(&format!("state={}", st.as_str())),
        });
    }
    let mut shown: Vec<&cases::view::MapPoint> = points.iter().collect();
    shown.sort_by_key(|p| (!p.overdue, p.state == "closed", -p.id));
    let more_points = shown.len() > 50;
    let point_rows = shown
        .into_iter()
        .take(50)
        .map(|p| {
            let st = CaseState::parse(&p.state).unwrap_or(CaseState::Reported);
            Point {
                id: p.id,
                label: p.label.clone(),
                state_label: st.label(),
                tone: st.tone(),
                overdue: p.overdue,
            }
        })
        .collect();
    let chain = cases::responsible::chain(&s.db, a.city_id(), unit.id).await?;
    let manages = a.manages_unit(&unit.path, unit.kind.as_str() == "grid");
    let people = if manages {
        appointable(s, a, &unit, &form.person_id).await?
    } else {
        vec![]
    };
    let parent = match unit.parent_id {
        Some(p) => match org::units::get(&s.db, a, p).await {
            Ok(p) => Some((p.id, p.name)),
            Err(_) => None,
        },
        None => None,
    };
    let failed = !errors.0.is_empty();
    let mut res = render(&MapPage {
        frame: Frame::new(a, format!("{} · 案件地图", unit.name), AREA)
            .with_toast(toast)
            .with_back("/cases"),
        no_boundary: own.is_empty(),
        svg,
        legend,
        points: point_rows,
        more_points,
        children: children.iter().map(|c| (c.id, c.name.clone())).collect(),
        parent,
        chain,
        manages,
        levels: LEVELS.to_vec(),
        people,
        errors,
        form,
        unit,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Who may be named in a node's chain: the grid and community staff of its community and
/// the admins of the nodes above it.
async fn appointable(
    s: &AppState,
    a: &org::Access,
    unit: &Unit,
    chosen: &str,
) -> kernel::Result<Vec<Choice>> {
    let parent_path = unit
        .path
        .trim_end_matches('/')
        .rsplit_once('/')
        .map(|(p, _)| format!("{p}/"))
        .unwrap_or_else(|| unit.path.clone());
    let prefix = if unit.kind.as_str() == "grid" {
        parent_path
    } else {
        unit.path.clone()
    };
    let above: Vec<i64> = unit
        .path
        .split('/')
        .filter_map(|x| x.parse().ok())
        .collect();
    let mut hs = org::accounts::holders(
        &s.db,
        a.city_id(),
        &[Role::GridLeader, Role::CommunityCadre],
        Some(&prefix),
        &[],
    )
    .await?;
    hs.extend(org::accounts::holders(&s.db, a.city_id(), &[Role::Admin], None, &above).await?);
    let mut seen = std::collections::HashSet::new();
    hs.retain(|h| seen.insert(h.person_id));
    Ok(hs
        .into_iter()
        .map(|h| Choice {
            value: h.person_id.to_string(),
            label: format!("{}（{} · {}）", h.name, h.role.label(), h.unit_name),
            selected: chosen == h.person_id.to_string(),
        })
        .collect())
}

/// GET /cases/map?unit_id=
pub async fn page(State(s): State<AppState>, u: PageUser, Query(q): Query<MapQuery>) -> PageResult {
    let id = q.unit_id.as_deref().and_then(|x| x.trim().parse().ok());
    map_view(
        &s,
        &u,
        id,
        q.toast,
        FormErrors::default(),
        AppointForm::default(),
    )
    .await
}

/// Who is named at which level.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AppointForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    person_id: String,
}

/// POST /cases/map/responsible: name (or clear) one level of the chain.
pub async fn appoint(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<AppointForm>,
) -> PageResult {
    let unit_id: i64 = f.unit_id.trim().parse().map_err(|_| Error::NotFound)?;
    let person_id = f.person_id.trim().parse().ok();
    let r = cases::responsible::appoint(
        &s.db,
        &u.access,
        unit_id,
        Appoint {
            level: f.level.clone(),
            person_id,
        },
    )
    .await;
    match r {
        Ok(chain) => {
            let link = chain.iter().find(|l| l.level == f.level);
            let toast = match link.and_then(|l| l.name.clone()) {
                Some(n) if person_id.is_some() => {
                    format!(
                        "已指定 {n} 为{}",
                        link.map(|l| l.level_label.as_str()).unwrap_or("")
                    )
                }
                _ => "已清除这一级的责任人".into(),
            };
            Ok(done(&format!("/cases/map?unit_id={unit_id}"), &toast))
        }
        Err(Error::Invalid(v)) => map_view(&s, &u, Some(unit_id), None, FormErrors(v), f).await,
        Err(e) => Err(e.into()),
    }
}
