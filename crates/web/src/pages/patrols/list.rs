//! A grid's (or community's) patrols for its staff: newest first, filtered by node,
//! person, days and state, keyset paginated. Never ordered by activity: no ranking.

use askama::Template;
use axum::extract::{Query, State};
use cases::patrol::{PatrolQuery, PatrolState};
use kernel::time::now_ms;
use org::units::UnitKind;
use serde::Deserialize;

use super::{Row, row};
use crate::AppState;
use crate::extract::{PageUser, urlencode};
use crate::pages::{Frame, PageResult, render};

/// The filters, as given in the address.
#[derive(Debug, Deserialize, Default)]
pub struct ScopeQuery {
    unit_id: Option<String>,
    person_id: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    state: Option<String>,
    before: Option<String>,
    toast: Option<String>,
}

/// A state filter link.
pub struct Chip {
    href: String,
    label: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "patrol_list.html")]
struct ListPage {
    frame: Frame,
    units: Vec<(i64, String)>,
    unit: String,
    from: String,
    to: String,
    person: Option<(i64, String)>,
    chips: Vec<Chip>,
    rows: Vec<Row>,
    next_href: Option<String>,
    filtered: bool,
}

/// GET /patrols/scope: the patrols of the grids under the viewer's roles.
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ScopeQuery>,
) -> PageResult {
    let (db, a) = (&s.db, &u.access);
    let unit_id = q
        .unit_id
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok());
    let state = q
        .state
        .as_deref()
        .and_then(PatrolState::parse)
        .map(|s| s.as_str().to_owned());
    let from = q.from.clone().filter(|s| !s.trim().is_empty());
    let to = q.to.clone().filter(|s| !s.trim().is_empty());
    let page = cases::patrol::view::list(
        db,
        a,
        &PatrolQuery {
            view: Some("scope".into()),
            unit_id,
            person_id: q.person_id,
            from: from.clone(),
            to: to.clone(),
            state: state.clone(),
            before: q.before.clone(),
            limit: Some(30),
        },
    )
    .await?;
    let units: Vec<(i64, String)> = org::units::list_in_scope(db, a, &[])
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
        .collect();
    let person = match q.person_id {
        Some(id) => org::pool::names(db, a.city_id(), &[id])
            .await?
            .remove(&id)
            .map(|n| (id, n)),
        None => None,
    };
    // The address of this list with every filter but the state (and the keyset).
    let mut base = String::from("/patrols/scope?");
    if let Some(id) = unit_id {
        base.push_str(&format!("unit_id={id}&"));
    }
    if let Some(id) = q.person_id {
        base.push_str(&format!("person_id={id}&"));
    }
    for (k, v) in [("from", &from), ("to", &to)] {
        if let Some(v) = v {
            base.push_str(&format!("{k}={}&", urlencode(v.trim())));
        }
    }
    let mut chips = vec![Chip {
        href: base.trim_end_matches(['?', '&']).to_owned(),
        label: "全部",
        active: state.is_none(),
    }];
    for st in [
        PatrolState::Recorded,
        PatrolState::Open,
        PatrolState::Returned,
        PatrolState::Confirmed,
    ] {
        chips.push(Chip {
            href: format!("{base}state={}", st.as_str()),
            label: st.label(),
            active: state.as_deref() == Some(st.as_str()),
        });
    }
    let mut qs = base.clone();
    if let Some(st) = &state {
        qs.push_str(&format!("state={st}&"));
    }
    let now = now_ms();
    Ok(render(&ListPage {
        frame: Frame::new(a, "巡查记录", "patrols")
            .with_toast(q.toast)
            .with_back("/patrols"),
        units,
        unit: unit_id.map(|i| i.to_string()).unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        filtered: state.is_some() || q.person_id.is_some() || unit_id.is_some(),
        person,
        chips,
        rows: page.items.iter().map(|r| row(r, now)).collect(),
        next_href: page.next.map(|n| format!("{qs}before={n}")),
    }))
}
