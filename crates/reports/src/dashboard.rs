//! Dashboards per level (community, street, district, city): for a node and a month, the
//! orders (placed, done, overdue), activities and service hours, the cases with their
//! rates (按期结案率, 返工率, found outside the grid), the assessment grade distribution and
//! the load (people over the city's monthly cap); each figure also for every node one level
//! down, and a six-month trend for the charts.
//!
//! Speed: every figure comes from a grouped query per area over the node's unit paths
//! (each path sought with the period, as the case figures do), rolled up the tree here —
//! a fixed number of queries per page whatever the number of people or nodes below; never
//! a loop over people. Nodes are listed in code order and compared by their own figures;
//! people are never ranked (DOMAIN.md §0).

use std::collections::HashMap;

use cases::figures::Figures;
use kernel::time::{month_bounds, now_ms, parse_datetime};
use kernel::{Db, Error, Result};
use org::units::Unit;
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::assessed::{self, GradeCount};
use crate::chart::{self, Bar, Series};

/// Up to this many nodes below, figures seek each node's path; beyond, they scan ranges.
const MAX_PATHS: usize = 2_000;
/// Months in the trend.
const TREND_MONTHS: usize = 6;

/// A calendar month in Beijing time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Month {
    /// `2026-11`.
    pub code: String,
    /// 2026年11月.
    pub label: String,
    /// 11月 (for chart axes).
    pub short: String,
    /// First day, `YYYY-MM-DD`.
    pub first_day: String,
    /// Last day, `YYYY-MM-DD`.
    pub last_day: String,
    /// First instant (ms).
    pub start_ms: i64,
    /// First instant of the next month (ms).
    pub end_ms: i64,
}

impl Month {
    /// The month holding the instant `ms`.
    pub fn of_ms(ms: i64) -> Month {
        let (start, end) = month_bounds(ms);
        let first = kernel::time::date_of_ms(start);
        let last = kernel::time::date_of_ms(end - 1);
        Month {
            code: format!("{:04}-{:02}", first.year(), first.month()),
            label: format!("{}年{}月", first.year(), first.month()),
            short: format!("{}月", first.month()),
            first_day: first.to_string(),
            last_day: last.to_string(),
            start_ms: start,
            end_ms: end,
        }
    }

    /// Read `YYYY-MM`; this month when missing or empty; a field error on `period` when
    /// malformed.
    pub fn parse(s: Option<&str>) -> Result<Month> {
        let s = s.map(str::trim).filter(|s| !s.is_empty());
        let Some(s) = s else {
            return Ok(Month::of_ms(now_ms()));
        };
        let bad = || Error::field("period", "统计月份格式应为 YYYY-MM，如 2026-11");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let ms = parse_datetime(&format!("{y}-{m}-01T00:00")).ok_or_else(bad)?;
        Ok(Month::of_ms(ms))
    }

    /// The month before.
    pub fn previous(&self) -> Month {
        Month::of_ms(self.start_ms - 1)
    }

    /// The month after.
    pub fn next(&self) -> Month {
        Month::of_ms(self.end_ms)
    }

    /// The `n` months ending with this one, oldest first.
    pub fn last_n(&self, n: usize) -> Vec<Month> {
        let mut out = vec![self.clone()];
        while out.len() < n {
            let p = out
                .last()
                .map(Month::previous)
                .unwrap_or_else(|| self.clone());
            out.push(p);
        }
        out.reverse();
        out
    }
}

/// Which dashboard.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct DashboardQuery {
    /// The node (city, district, street, community…); the caller's own top node when
    /// missing.
    pub unit: Option<i64>,
    /// The month, `YYYY-MM`; this month when missing.
    pub period: Option<String>,
}

/// The figures of one node in the month.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct UnitFigures {
    /// The node.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Its kind (`community`, `street`…).
    pub kind: String,
    /// Orders placed in the month.
    pub orders_placed: i64,
    /// Of those, done (marked done or confirmed).
    pub orders_done: i64,
    /// Of those, open and past their time now.
    pub orders_overdue: i64,
    /// Activities held in the month (not cancelled).
    pub activities: i64,
    /// Approved attendances at them (person-times).
    pub attendances: i64,
    /// Service minutes: approved attendance plus confirmed orders.
    pub service_minutes: i64,
    /// The case figures of the national method (counts and rates; 漏报 = found outside
    /// the grid).
    pub cases: Figures,
    /// People with at least one task here in the month (orders, duties, activity seats).
    pub people_with_tasks: i64,
    /// Of those, people whose tasks here exceed the city's monthly cap.
    pub over_cap: i64,
}

/// One month of the trend (the node's totals).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    /// `YYYY-MM`.
    pub period: String,
    /// 2026年11月.
    pub label: String,
    /// Orders placed.
    pub orders_placed: i64,
    /// Of those, done.
    pub orders_done: i64,
    /// Activities held.
    pub activities: i64,
    /// Service minutes.
    pub service_minutes: i64,
    /// Cases registered (立案).
    pub cases_filed: i64,
    /// 按期结案率 (hundredths of a percent).
    pub on_time_rate: Option<i64>,
}

/// A node's dashboard for a month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// The month.
    pub month: Month,
    /// The city's monthly task cap in force in the month.
    pub cap: i64,
    /// The node's own figures.
    pub total: UnitFigures,
    /// The nodes one level down, in code order.
    pub children: Vec<UnitFigures>,
    /// The last six months, oldest first.
    pub trend: Vec<TrendPoint>,
    /// The assessment grade distribution of the month in the subtree.
    pub grades: Vec<GradeCount>,
    /// Whether assessment results exist for the month.
    pub grades_ready: bool,
    /// The path of the node.
    pub unit_path: String,
    /// The node's parent, when the caller may open its dashboard.
    pub parent_id: Option<i64>,
}

/// Roles that see dashboards of the nodes they hold (and below).
fn dashboard_role(r: Role) -> bool {
    matches!(
        r,
        Role::PlatformAdmin
            | Role::Admin
            | Role::CommunityCadre
            | Role::GridLeader
            | Role::Inspector
    )
}

/// Whether the caller may open the dashboard of the node at `path`.
pub fn reads(access: &Access, path: &str) -> bool {
    access
        .grants()
        .iter()
        .any(|g| dashboard_role(g.role) && path.starts_with(g.unit_path.as_str()))
}

/// The caller's own top node for dashboards, if they have one.
pub fn home_unit(access: &Access) -> Option<i64> {
    access
        .grants()
        .iter()
        .filter(|g| dashboard_role(g.role))
        .min_by_key(|g| (g.unit_path.len(), g.unit_id))
        .map(|g| g.unit_id)
}

/// The node asked for (or the caller's own), 404 outside what the caller may open.
pub(crate) async fn unit_for(db: &Db, access: &Access, unit: Option<i64>) -> Result<Unit> {
    let id = unit.or_else(|| home_unit(access)).ok_or(Error::NotFound)?;
    let u = org::units::fetch_any(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if reads(access, &u.path) {
        Ok(u)
    } else {
        Err(Error::NotFound)
    }
}

/// Which child (index) a path lies under: the segment after the node's own path.
fn child_of(path: &str, node_path: &str, index: &HashMap<i64, usize>) -> Option<usize> {
    let rest = path.strip_prefix(node_path)?;
    let id: i64 = rest.split('/').next()?.parse().ok()?;
    index.get(&id).copied()
}

/// Counts summed into the total (slot 0) and the child of the path (slot 1 + i).
struct Rollup<'a> {
    node_path: &'a str,
    index: HashMap<i64, usize>,
    n: usize,
}

impl Rollup<'_> {
    fn slots(&self, path: &str) -> impl Iterator<Item = usize> {
        let child = child_of(path, self.node_path, &self.index).map(|i| i + 1);
        std::iter::once(0).chain(child)
    }
}

/// The dashboard of a node for a month.
pub async fn dashboard(db: &Db, access: &Access, q: &DashboardQuery) -> Result<Dashboard> {
    let month = Month::parse(q.period.as_deref())?;
    let unit = unit_for(db, access, q.unit).await?;
    let city = access.city_id();
    let sys = org::access::system_access(city, root_of(&unit.path), "查看工作看板");
    let children = org::units::children(db, &sys, unit.id).await?;
    let paths = org::units::paths_under(db, city, &unit.path, MAX_PATHS).await?;
    let paths = paths.as_deref();
    let months = month.last_n(TREND_MONTHS);
    let mut bounds: Vec<i64> = months.iter().map(|m| m.start_ms).collect();
    bounds.push(month.end_ms);
    let cur = TREND_MONTHS - 1;
    let roll = Rollup {
        node_path: &unit.path,
        index: children
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect(),
        n: children.len() + 1,
    };
    let blank = |u: &Unit| UnitFigures {
        unit_id: u.id,
        name: u.name.clone(),
        kind: u.kind.as_str().into(),
        ..Default::default()
    };
    let mut figs: Vec<UnitFigures> = std::iter::once(blank(&unit))
        .chain(children.iter().map(blank))
        .collect();
    let mut trend: Vec<TrendPoint> = months
        .iter()
        .map(|m| TrendPoint {
            period: m.code.clone(),
            label: m.label.clone(),
            orders_placed: 0,
            orders_done: 0,
            activities: 0,
            service_minutes: 0,
            cases_filed: 0,
            on_time_rate: None,
        })
        .collect();

    // Orders: one grouped query over the six months.
    for c in orders::figures::by_path(db, city, &unit.path, paths, &bounds).await? {
        let t = &mut trend[c.period];
        t.orders_placed += c.placed;
        t.orders_done += c.done;
        t.service_minutes += c.minutes;
        if c.period == cur {
            for s in roll.slots(&c.unit_path) {
                let f = &mut figs[s];
                f.orders_placed += c.placed;
                f.orders_done += c.done;
                f.orders_overdue += c.overdue;
                f.service_minutes += c.minutes;
            }
        }
    }
    // Activities: one grouped query over the six months.
    for c in activities::figures::by_path(db, city, &unit.path, paths, &bounds).await? {
        let t = &mut trend[c.period];
        t.activities += c.activities;
        t.service_minutes += c.minutes;
        if c.period == cur {
            for s in roll.slots(&c.unit_path) {
                let f = &mut figs[s];
                f.activities += c.activities;
                f.attendances += c.attendances;
                f.service_minutes += c.minutes;
            }
        }
    }
    // Cases: one grouped query per month (the figures' conditions depend on the period).
    for (i, m) in months.iter().enumerate() {
        let rows =
            cases::figures::per_path(db, city, &unit.path, paths, m.start_ms, m.end_ms).await?;
        let mut sums = vec![Figures::default(); if i == cur { roll.n } else { 1 }];
        for (path, f) in &rows {
            if i == cur {
                for s in roll.slots(path) {
                    sums[s].add(f);
                }
            } else {
                sums[0].add(f);
            }
        }
        let total = sums[0].clone().with_rates();
        trend[i].cases_filed = total.filed;
        trend[i].on_time_rate = total.on_time_rate;
        if i == cur {
            for (s, f) in sums.into_iter().enumerate() {
                figs[s].cases = f.with_rates();
            }
        }
    }
    // Load: each person's tasks here in the month, from three grouped queries.
    let cap = ledger::rules::setting(db, city, "monthly_task_cap", &month.first_day).await?;
    let (a, b) = (month.start_ms, month.end_ms);
    let mut load: Vec<HashMap<i64, i64>> = vec![HashMap::new(); roll.n];
    let sources = [
        orders::figures::load_by_path(db, city, &unit.path, paths, a, b).await?,
        duty::figures::load_by_path(db, city, &unit.path, paths, a, b).await?,
        activities::figures::load_by_path(db, city, &unit.path, paths, a, b).await?,
    ];
    for rows in &sources {
        for (path, person, n) in rows {
            for s in roll.slots(path) {
                *load[s].entry(*person).or_default() += n;
            }
        }
    }
    for (s, people) in load.iter().enumerate() {
        figs[s].people_with_tasks = people.len() as i64;
        figs[s].over_cap = people.values().filter(|&&n| n > cap).count() as i64;
    }
    let (grades, grades_ready) =
        assessed::distribution_ready(db, city, &unit.path, &month.code).await?;
    let parent_id = match unit.parent_id {
        Some(p) => org::units::fetch_any(db, city, p)
            .await?
            .filter(|u| reads(access, &u.path))
            .map(|u| u.id),
        None => None,
    };
    let total = figs.remove(0);
    Ok(Dashboard {
        month,
        cap,
        total,
        children: figs,
        trend,
        grades,
        grades_ready,
        unit_path: unit.path,
        parent_id,
    })
}

/// The root id of a path (`/1/4/` → 1).
pub(crate) fn root_of(path: &str) -> i64 {
    path.split('/')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0)
}

/// Minutes as hours people read: `12.5 小时`, `3 小时`, `0 小时` (to the tenth, rounded down).
pub fn hours_text(minutes: i64) -> String {
    let tenths = minutes.max(0) * 10 / 60;
    if tenths % 10 == 0 {
        format!("{} 小时", tenths / 10)
    } else {
        format!("{}.{} 小时", tenths / 10, tenths % 10)
    }
}

/// The dashboard's charts, as SVG.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Charts {
    /// Orders, activities and cases month by month.
    pub trend: String,
    /// The grade distribution.
    pub grades: String,
    /// 按期结案率 of each node one level down.
    pub on_time: String,
    /// Orders placed in each node one level down.
    pub orders: String,
}

/// Draw the dashboard's charts.
pub fn charts(d: &Dashboard) -> Charts {
    let groups: Vec<String> = d
        .trend
        .iter()
        .map(|t| {
            t.period
                .split('-')
                .nth(1)
                .map(|m| format!("{}月", m.trim_start_matches('0')))
                .unwrap_or_default()
        })
        .collect();
    let trend = chart::grouped(
        "chart-trend",
        "近6个月：订单、活动、立案",
        &groups,
        &[
            Series {
                name: "订单".into(),
                values: d.trend.iter().map(|t| t.orders_placed).collect(),
            },
            Series {
                name: "活动".into(),
                values: d.trend.iter().map(|t| t.activities).collect(),
            },
            Series {
                name: "立案".into(),
                values: d.trend.iter().map(|t| t.cases_filed).collect(),
            },
        ],
    );
    let grades = chart::columns(
        "chart-grades",
        &format!("{} 考核等次分布（人）", d.month.label),
        &d.grades
            .iter()
            .map(|g| Bar {
                label: g.label.clone(),
                value: g.count,
                text: g.count.to_string(),
            })
            .collect::<Vec<_>>(),
        None,
    );
    let on_time = chart::rows(
        "chart-on-time",
        "下级单位按期结案率",
        &d.children
            .iter()
            .map(|c| Bar {
                label: c.name.clone(),
                value: c.cases.on_time_rate.unwrap_or(0),
                text: cases::figures::rate_text(c.cases.on_time_rate),
            })
            .collect::<Vec<_>>(),
        Some(10_000),
    );
    let orders = chart::rows(
        "chart-orders",
        "下级单位本月订单数",
        &d.children
            .iter()
            .map(|c| Bar {
                label: c.name.clone(),
                value: c.orders_placed,
                text: c.orders_placed.to_string(),
            })
            .collect::<Vec<_>>(),
        None,
    );
    Charts {
        trend,
        grades,
        on_time,
        orders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        let m = Month::parse(Some("2026-11")).unwrap();
        assert_eq!(
            (m.code.as_str(), m.label.as_str()),
            ("2026-11", "2026年11月")
        );
        assert_eq!(
            (m.first_day.as_str(), m.last_day.as_str()),
            ("2026-11-01", "2026-11-30")
        );
        assert_eq!(m.end_ms - m.start_ms, 30 * 86_400_000);
        assert_eq!(m.previous().code, "2026-10");
        assert_eq!(m.next().code, "2026-12");
        let six: Vec<String> = m.last_n(6).into_iter().map(|m| m.code).collect();
        assert_eq!(
            six,
            [
                "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"
            ]
        );
        assert_eq!(
            Month::parse(Some("2027-01")).unwrap().previous().code,
            "2026-12"
        );
        assert!(Month::parse(Some("2026-13")).is_err());
        assert!(Month::parse(Some("26-11")).is_err());
        assert!(Month::parse(Some("2026/11")).is_err());
        assert!(Month::parse(None).is_ok());
    }

    #[test]
    fn paths_roll_up_to_their_child() {
        let index: HashMap<i64, usize> = [(3, 0), (30, 1)].into_iter().collect();
        assert_eq!(child_of("/1/2/3/", "/1/2/", &index), Some(0));
        assert_eq!(child_of("/1/2/30/7/", "/1/2/", &index), Some(1));
        assert_eq!(child_of("/1/2/", "/1/2/", &index), None);
        assert_eq!(child_of("/1/5/3/", "/1/2/", &index), None);
    }

    #[test]
    fn hours() {
        assert_eq!(hours_text(0), "0 小时");
        assert_eq!(hours_text(180), "3 小时");
        assert_eq!(hours_text(90), "1.5 小时");
        assert_eq!(hours_text(100), "1.6 小时");
    }
}
