//! 报表: the dashboard of a node for a month (figure tiles that link to their records, the
//! nodes one level down as a table on a PC and cards on a phone, SVG charts drawn on the
//! server) and the load and fairness report (每人任务负担, 超出空闲时间或上限的安排及理由,
//! 专长不符). Nodes are compared by their own figures in code order; people are never ranked.

use askama::Template;
use axum::extract::{Query, State};
use cases::figures::rate_text;
use reports::dashboard::{DashboardQuery, Month, UnitFigures, hours_text};
use reports::fairness::{Fairness, FairnessQuery};
use serde::Deserialize;

use super::cases::{Chip, push_query};
use super::{Frame, PageResult, render};
use crate::AppState;
use crate::extract::PageUser;

/// The area both pages mark in the menu.
const AREA: &str = "reports";

/// `?unit=&employer=&period=` as typed (empty fields allowed).
#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    unit: Option<String>,
    employer: Option<String>,
    period: Option<String>,
}

fn id(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|x| x.trim().parse().ok())
}

fn text(s: &Option<String>) -> Option<String> {
    s.clone().filter(|x| !x.trim().is_empty())
}

/// A figure tile.
pub struct Tile {
    label: &'static str,
    text: String,
    href: String,
    tone: &'static str,
}

/// A node's line in the table.
pub struct Row {
    unit_id: i64,
    name: String,
    kind: String,
    cells: Vec<(String, String)>,
}

/// The table's columns.
const COLUMNS: [&str; 11] = [
    "订单",
    "已完成",
    "超期",
    "活动",
    "服务时长",
    "立案",
    "按期结案率",
    "返工率",
    "网格外发现",
    "承担任务人数",
    "超上限人数",
];

fn kind_label(kind: &str) -> String {
    org::units::UnitKind::parse(kind)
        .map(|k| k.label().to_owned())
        .unwrap_or_default()
}

fn case_link(unit_id: i64, figure: &str, m: &Month) -> String {
    let mut h = "/cases/list".to_owned();
    push_query(&mut h, "unit_id", &unit_id.to_string());
    push_query(&mut h, "figure", figure);
    push_query(&mut h, "from", &m.first_day);
    push_query(&mut h, "to", &m.last_day);
    h
}

fn fairness_link(unit_id: i64, m: &Month) -> String {
    format!("/reports/fairness?unit={unit_id}&period={}", m.code)
}

fn cells(f: &UnitFigures, m: &Month) -> Vec<(String, String)> {
    let c = &f.cases;
    vec![
        (f.orders_placed.to_string(), "/orders?view=scope".into()),
        (
            f.orders_done.to_string(),
            "/orders?view=scope&state=confirmed".into(),
        ),
        (
            f.orders_overdue.to_string(),
            "/orders?view=scope&overdue=true".into(),
        ),
        (f.activities.to_string(), "/activities".into()),
        (hours_text(f.service_minutes), String::new()),
        (c.filed.to_string(), case_link(f.unit_id, "filed", m)),
        (
            rate_text(c.on_time_rate),
            case_link(f.unit_id, "closed_on_time", m),
        ),
        (
            rate_text(c.rework_rate),
            case_link(f.unit_id, "reworked", m),
        ),
        (c.missed.to_string(), case_link(f.unit_id, "missed", m)),
        (f.people_with_tasks.to_string(), fairness_link(f.unit_id, m)),
        (f.over_cap.to_string(), fairness_link(f.unit_id, m)),
    ]
}

#[derive(Template)]
#[template(path = "reports_dashboard.html")]
struct DashboardPage {
    frame: Frame,
    unit_id: i64,
    name: String,
    kind: String,
    month: Month,
    months: Vec<Chip>,
    tiles: Vec<Tile>,
    columns: [&'static str; 11],
    rows: Vec<Row>,
    trend_svg: String,
    grades_svg: String,
    on_time_svg: String,
    orders_svg: String,
    grades_ready: bool,
    cap: i64,
    total_cells: Vec<(String, String)>,
    fairness_href: String,
    results_href: String,
}

fn month_chips(base: &str, key: &str, id: i64, m: &Month) -> Vec<Chip> {
    let this = Month::of_ms(kernel::time::now_ms());
    let mut list = vec![("上一月", m.previous())];
    if m.code != this.code {
        list.push(("下一月", m.next()));
        list.push(("本月", this.clone()));
    }
    list.into_iter()
        .map(|(label, mm)| Chip {
            href: format!("{base}?{key}={id}&period={}", mm.code),
            label: format!("{label}（{}）", mm.label),
            active: false,
        })
        .collect()
}

/// GET /reports/dashboard?unit=&period=
pub async fn dashboard(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let a = &u.access;
    let d = reports::dashboard::dashboard(
        &s.db,
        a,
        &DashboardQuery {
            unit: id(&q.unit),
            period: text(&q.period),
        },
    )
    .await?;
    let charts = reports::dashboard::charts(&d);
    let t = &d.total;
    let m = &d.month;
    let tiles = vec![
        Tile {
            label: "本月订单",
            text: t.orders_placed.to_string(),
            href: "/orders?view=scope".into(),
            tone: "",
        },
        Tile {
            label: "已完成",
            text: t.orders_done.to_string(),
            href: "/orders?view=scope&state=confirmed".into(),
            tone: "done",
        },
        Tile {
            label: "超期",
            text: t.orders_overdue.to_string(),
            href: "/orders?view=scope&overdue=true".into(),
            tone: if t.orders_overdue > 0 { "overdue" } else { "" },
        },
        Tile {
            label: "活动",
            text: t.activities.to_string(),
            href: "/activities".into(),
            tone: "",
        },
        Tile {
            label: "服务时长",
            text: hours_text(t.service_minutes),
            href: "/activities".into(),
            tone: "",
        },
        Tile {
            label: "立案",
            text: t.cases.filed.to_string(),
            href: case_link(t.unit_id, "filed", m),
            tone: "",
        },
        Tile {
            label: "按期结案率",
            text: rate_text(t.cases.on_time_rate),
            href: case_link(t.unit_id, "closed_on_time", m),
            tone: "",
        },
        Tile {
            label: "返工率",
            text: rate_text(t.cases.rework_rate),
            href: case_link(t.unit_id, "reworked", m),
            tone: "",
        },
        Tile {
            label: "网格外发现",
            text: t.cases.missed.to_string(),
            href: case_link(t.unit_id, "missed", m),
            tone: "",
        },
        Tile {
            label: "超上限人数",
            text: t.over_cap.to_string(),
            href: fairness_link(t.unit_id, m),
            tone: if t.over_cap > 0 { "overdue" } else { "" },
        },
    ];
    let rows = d
        .children
        .iter()
        .map(|c| Row {
            unit_id: c.unit_id,
            name: c.name.clone(),
            kind: kind_label(&c.kind),
            cells: cells(c, m),
        })
        .collect();
    // The breadcrumb: the ancestors the caller may open, then the node.
    let mut crumbs = Vec::new();
    let ids: Vec<i64> = d
        .unit_path
        .split('/')
        .filter_map(|x| x.parse().ok())
        .collect();
    for unit in org::units::fetch_many(&s.db, a.city_id(), &ids).await? {
        if reports::dashboard::reads(a, &unit.path) {
            crumbs.push((
                unit.path.len(),
                format!("/reports/dashboard?unit={}&period={}", unit.id, m.code),
                unit.name,
            ));
        }
    }
    crumbs.sort_by_key(|c| c.0);
    let mut frame = Frame::new(a, format!("{} 工作看板", t.name), AREA);
    frame.crumbs = crumbs.into_iter().map(|c| (c.1, c.2)).collect();
    if let Some(p) = d.parent_id {
        frame = frame.with_back(format!("/reports/dashboard?unit={p}&period={}", m.code));
    }
    Ok(render(&DashboardPage {
        unit_id: t.unit_id,
        name: t.name.clone(),
        kind: kind_label(&t.kind),
        months: month_chips("/reports/dashboard", "unit", t.unit_id, m),
        tiles,
        columns: COLUMNS,
        rows,
        trend_svg: charts.trend,
        grades_svg: charts.grades,
        on_time_svg: charts.on_time,
        orders_svg: charts.orders,
        grades_ready: d.grades_ready,
        cap: d.cap,
        total_cells: cells(t, m),
        fairness_href: fairness_link(t.unit_id, m),
        results_href: format!("/assess/results?unit={}&period={}", t.unit_id, m.code),
        month: d.month.clone(),
        frame,
    }))
}

#[derive(Template)]
#[template(path = "reports_fairness.html")]
struct FairnessPage {
    frame: Frame,
    r: Fairness,
    months: Vec<Chip>,
    employers: Vec<Chip>,
}

/// GET /reports/fairness?unit=&employer=&period=
pub async fn fairness(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let a = &u.access;
    let r = reports::fairness::report(
        &s.db,
        a,
        &FairnessQuery {
            unit: id(&q.unit),
            employer: id(&q.employer),
            period: text(&q.period),
        },
    )
    .await?;
    let key = if r.scope == "employer" {
        "employer"
    } else {
        "unit"
    };
    let months = month_chips("/reports/fairness", key, r.scope_id, &r.month);
    // An employer admin's employers, to switch between them.
    let mut employers = Vec::new();
    for e in a.employer_ids() {
        if let Ok(emp) = org::employers::get(&s.db, a, e).await {
            employers.push(Chip {
                href: format!("/reports/fairness?employer={e}&period={}", r.month.code),
                label: emp.name,
                active: r.scope == "employer" && r.scope_id == e,
            });
        }
    }
    let mut frame = Frame::new(a, format!("{} 任务负担与公平性", r.scope_name), AREA);
    if r.scope == "unit" && reports::dashboard::home_unit(a).is_some() {
        frame = frame.with_back(format!(
            "/reports/dashboard?unit={}&period={}",
            r.scope_id, r.month.code
        ));
    }
    Ok(render(&FairnessPage {
        frame,
        r,
        months,
        employers,
    }))
}
