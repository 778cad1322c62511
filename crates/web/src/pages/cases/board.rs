//! The dispatcher's board (overdue first, then what waits to be registered or dispatched,
//! then what waits to be verified), the filtered list with the figures' drill-down, and
//! my cases.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use cases::CaseQuery;
use cases::model::{Source, State as CaseState};
use kernel::Error;
use serde::Deserialize;

use super::super::words::is_dispatcher;
use super::super::{Frame, PageResult, render};
use super::{AREA, Choice, Clock, Row, push_query, reads_as_staff, unit_choices};
use crate::AppState;
use crate::extract::PageUser;

/// A count that links to the cases it counts.
pub struct Count {
    n: i64,
    label: String,
    tone: &'static str,
    href: String,
}

fn opt_id(v: &Option<String>) -> Option<i64> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

/// The board's filter.
#[derive(Debug, Deserialize, Default)]
pub struct BoardQuery {
    unit_id: Option<String>,
    pub(super) toast: Option<String>,
}

#[derive(Template)]
#[template(path = "case_board.html")]
struct BoardPage {
    frame: Frame,
    counts: Vec<Count>,
    overdue: Vec<Row>,
    waiting: Vec<Row>,
    to_verify: Vec<Row>,
    mine: Vec<Row>,
    assigned: Vec<Row>,
    units: Vec<Choice>,
    unit_qs: String,
    map_unit: Option<i64>,
    dispatcher: bool,
}

/// The node a staff member's map and figures start at: the one chosen, else the top of
/// their scope.
pub fn top_unit_id(a: &org::Access) -> Option<i64> {
    cases::access::prefixes(a)
        .first()
        .and_then(|p| p.trim_end_matches('/').rsplit('/').next())
        .and_then(|x| x.parse().ok())
}

/// GET /cases: the board (staff); others go to their own cases.
pub async fn board(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let a = &u.access;
    if !reads_as_staff(a) {
        return Ok(Redirect::to("/cases/mine").into_response());
    }
    let unit_id = opt_id(&q.unit_id);
    let b = cases::view::board(&s.db, a, unit_id).await?;
    let clock = Clock::of(&s, a).await?;
    let mut unit_qs = String::new();
    if let Some(u) = unit_id {
        push_query(&mut unit_qs, "unit_id", &u.to_string());
    }
    let list = |extra: &str| {
        let mut h = format!("/cases/list{unit_qs}");
        h.push(if unit_qs.is_empty() { '?' } else { '&' });
        h.push_str(extra);
        h
    };
    let mut counts: Vec<Count> = b
        .counts
        .iter()
        .map(|(code, label, n)| Count {
            n: *n,
            label: label.clone(),
            tone: CaseState::parse(code).map_or("pending", CaseState::tone),
            href: list(&format!("state={code}")),
        })
        .collect();
    counts.insert(
        0,
        Count {
            n: b.overdue,
            label: "已超期".into(),
            tone: "overdue",
            href: list("overdue=true"),
        },
    );
    counts.push(Count {
        n: b.pending_requests,
        label: "待审批申请".into(),
        tone: "pending",
        href: "/cases/requests?state=pending".into(),
    });
    let dispatcher = is_dispatcher(a);
    let rows = |v: &[cases::view::CaseRow]| v.iter().map(|r| clock.row(r)).collect::<Vec<_>>();
    let some = |view: &str, state: Option<&str>| CaseQuery {
        view: Some(view.into()),
        state: state.map(str::to_owned),
        limit: Some(10),
        ..Default::default()
    };
    let mine = if dispatcher {
        vec![]
    } else {
        let p = cases::view::list(&s.db, a, &some("mine", None)).await?;
        rows(&p.items)
    };
    let assigned = {
        let p = cases::view::list(&s.db, a, &some("assigned", Some("dispatched"))).await?;
        rows(&p.items)
    };
    Ok(render(&BoardPage {
        frame: Frame::new(a, "案件", AREA).with_toast(q.toast),
        counts,
        overdue: rows(&b.overdue_cases),
        waiting: rows(&b.waiting),
        to_verify: rows(&b.to_verify),
        mine,
        assigned,
        units: unit_choices(&s, a, unit_id).await?,
        unit_qs,
        map_unit: unit_id.or_else(|| top_unit_id(a)),
        dispatcher,
    }))
}

/// The list's filters, as given in the address.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ListQuery {
    view: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    source: Option<String>,
    category_id: Option<String>,
    unit_id: Option<String>,
    q: Option<String>,
    figure: Option<String>,
    from: Option<String>,
    to: Option<String>,
    reporter_person_id: Option<String>,
    handler_person_id: Option<String>,
    missed: Option<String>,
    before: Option<i64>,
}

impl ListQuery {
    fn get(v: &Option<String>) -> &str {
        v.as_deref().map(str::trim).unwrap_or_default()
    }
    /// The address of this filter (without the keyset).
    fn href(&self) -> String {
        let mut h = "/cases/list".to_owned();
        for (k, v) in [
            ("view", &self.view),
            ("state", &self.state),
            ("overdue", &self.overdue),
            ("source", &self.source),
            ("category_id", &self.category_id),
            ("unit_id", &self.unit_id),
            ("q", &self.q),
            ("figure", &self.figure),
            ("from", &self.from),
            ("to", &self.to),
            ("reporter_person_id", &self.reporter_person_id),
            ("handler_person_id", &self.handler_person_id),
            ("missed", &self.missed),
        ] {
            push_query(&mut h, k, Self::get(v));
        }
        h
    }
}

#[derive(Template)]
#[template(path = "case_list.html")]
struct ListPage {
    frame: Frame,
    f: ListQuery,
    view: String,
    rows: Vec<Row>,
    next_href: Option<String>,
    staff: bool,
    states: Vec<Choice>,
    sources: Vec<Choice>,
    categories: Vec<Choice>,
    units: Vec<Choice>,
    figure_label: Option<String>,
    overdue: bool,
    filtered: bool,
    error: Option<String>,
}

fn truthy(v: &Option<String>) -> bool {
    matches!(ListQuery::get(v), "true" | "1" | "on")
}

/// GET /cases/list: the cases of a filter, 50 a page, newest first, "更多" by keyset.
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<ListQuery>,
) -> PageResult {
    let a = &u.access;
    let staff = reads_as_staff(a);
    let view = match ListQuery::get(&f.view) {
        v @ ("mine" | "assigned") => v.to_owned(),
        "scope" if staff => "scope".to_owned(),
        _ if staff => "scope".to_owned(),
        _ => "mine".to_owned(),
    };
    let g = ListQuery::get;
    let q = CaseQuery {
        view: Some(view.clone()),
        state: Some(g(&f.state).to_owned()).filter(|s| !s.is_empty()),
        overdue: truthy(&f.overdue).then_some(true),
        unit_id: opt_id(&f.unit_id),
        category_id: opt_id(&f.category_id),
        source: Some(g(&f.source).to_owned()).filter(|s| !s.is_empty()),
        missed: truthy(&f.missed).then_some(true),
        reporter_person_id: opt_id(&f.reporter_person_id),
        handler_person_id: opt_id(&f.handler_person_id),
        figure: Some(g(&f.figure).to_owned()).filter(|s| !s.is_empty()),
        from: Some(g(&f.from).to_owned()).filter(|s| !s.is_empty()),
        to: Some(g(&f.to).to_owned()).filter(|s| !s.is_empty()),
        q: Some(g(&f.q).to_owned()).filter(|s| !s.is_empty()),
        before: f.before,
        limit: Some(50),
        ..Default::default()
    };
    let clock = Clock::of(&s, a).await?;
    let (rows, next, error) = match cases::view::list(&s.db, a, &q).await {
        Ok(p) => (p.items.iter().map(|r| clock.row(r)).collect(), p.next, None),
        Err(Error::Invalid(v)) => (
            vec![],
            None,
            Some(
                v.into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
        ),
        Err(e) => return Err(e.into()),
    };
    let state = g(&f.state);
    let states = [
        CaseState::Reported,
        CaseState::Registered,
        CaseState::Dispatched,
        CaseState::Suspended,
        CaseState::Handled,
        CaseState::Closed,
        CaseState::Voided,
    ]
    .iter()
    .map(|st| Choice {
        value: st.as_str().into(),
        label: st.label().into(),
        selected: state == st.as_str(),
    })
    .collect();
    let source = g(&f.source);
    let sources = Source::ALL
        .iter()
        .map(|x| Choice {
            value: x.as_str().into(),
            label: x.label().into(),
            selected: source == x.as_str(),
        })
        .collect();
    let category = g(&f.category_id);
    let categories = cases::category::list(&s.db, a.city_id())
        .await?
        .into_iter()
        .filter(|c| c.is_leaf())
        .map(|c| Choice {
            selected: category == c.id.to_string(),
            value: c.id.to_string(),
            label: c.full_name(),
        })
        .collect();
    let units = if staff {
        unit_choices(&s, a, opt_id(&f.unit_id)).await?
    } else {
        vec![]
    };
    let figure_label = cases::figures::FIGURES
        .iter()
        .find(|(code, _)| *code == g(&f.figure))
        .map(|(_, label)| format!("{label}（{} 至 {}）", g(&f.from), g(&f.to)));
    let title = match view.as_str() {
        "mine" => "我上报的问题",
        "assigned" => "派给我处置的案件",
        _ => "案件列表",
    };
    let base = f.href();
    let next_href = next.map(|n| {
        let mut h = base.clone();
        push_query(&mut h, "before", &n.to_string());
        h
    });
    let filtered = base != "/cases/list" && base != format!("/cases/list?view={view}");
    Ok(render(&ListPage {
        frame: Frame::new(a, title, AREA).with_back(if staff { "/cases" } else { "/cases/mine" }),
        overdue: truthy(&f.overdue),
        f,
        view,
        rows,
        next_href,
        staff,
        states,
        sources,
        categories,
        units,
        figure_label,
        filtered,
        error,
    }))
}

#[derive(Template)]
#[template(path = "case_mine.html")]
struct MinePage {
    frame: Frame,
    reported: Vec<Row>,
    more_reported: bool,
    assigned: Vec<Row>,
    more_assigned: bool,
    watches: usize,
    staff: bool,
    me: i64,
}

/// GET /cases/mine: what I reported and what is assigned to me.
pub async fn mine(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let a = &u.access;
    let clock = Clock::of(&s, a).await?;
    let page = |view: &str| CaseQuery {
        view: Some(view.into()),
        limit: Some(20),
        ..Default::default()
    };
    let r = cases::view::list(&s.db, a, &page("mine")).await?;
    let h = cases::view::list(&s.db, a, &page("assigned")).await?;
    let watches = cases::watch::mine(&s.db, a)
        .await?
        .iter()
        .filter(|w| w.state == "active")
        .count();
    let staff = reads_as_staff(a);
    Ok(render(&MinePage {
        frame: Frame::new(a, "我的案件", AREA)
            .with_toast(q.toast)
            .with_back(if staff { "/cases" } else { "/" }),
        reported: r.items.iter().map(|x| clock.row(x)).collect(),
        more_reported: r.next.is_some(),
        assigned: h.items.iter().map(|x| clock.row(x)).collect(),
        more_assigned: h.next.is_some(),
        watches,
        staff,
        me: a.person_id(),
    }))
}
