//! The figures of the national method for a node and the nodes below it (a table on a
//! PC, cells on a phone), and for one person. Every count links to the cases it counts
//! (`/cases/list?figure=…`); nodes are listed by code, never ranked by a score.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cases::figures::{FigureQuery, Figures, rate_text};
use kernel::Error;
use kernel::time::{parse_date, today};
use serde::Deserialize;

use super::super::{Frame, PageResult, render};
use super::{AREA, Chip, push_query};
use crate::AppState;
use crate::extract::PageUser;

/// The period and node asked for.
#[derive(Debug, Deserialize, Default)]
pub struct FigQuery {
    unit_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// A figure as shown: the number, the cases behind it, and for a rate its parts.
pub struct Cell {
    figure: &'static str,
    text: String,
    href: Option<String>,
    parts: Vec<(String, String)>,
}

/// A node's line.
pub struct UnitRow {
    unit_id: i64,
    name: String,
    kind: String,
    total: bool,
    empty: bool,
    cells: Vec<Cell>,
}

/// The columns: (heading, what it is).
pub const COLUMNS: [&str; 10] = [
    "上报数",
    "有效上报率",
    "立案数",
    "应结案数",
    "结案数",
    "结案率",
    "按期结案率",
    "返工率",
    "漏报率",
    "群众满意率",
];

fn cells(f: &Figures, link: &dyn Fn(&str) -> String) -> Vec<Cell> {
    let count = |figure: &'static str, n: i64| Cell {
        figure,
        text: n.to_string(),
        href: Some(link(figure)),
        parts: vec![],
    };
    let rate = |r: Option<i64>, parts: Vec<(&str, &'static str, i64)>| Cell {
        figure: "",
        text: rate_text(r),
        href: None,
        parts: parts
            .into_iter()
            .map(|(label, code, n)| (format!("{label} {n}"), link(code)))
            .collect(),
    };
    vec![
        count("reports", f.reports),
        rate(
            f.valid_report_rate,
            vec![("有效", "valid_reports", f.valid_reports)],
        ),
        count("filed", f.filed),
        count("should_close", f.should_close),
        count("closed", f.closed),
        rate(f.close_rate, vec![]),
        rate(
            f.on_time_rate,
            vec![("按期", "closed_on_time", f.closed_on_time)],
        ),
        rate(
            f.rework_rate,
            vec![
                ("返工", "reworked", f.reworked),
                ("派遣", "dispatched", f.dispatched),
            ],
        ),
        rate(f.missed_rate, vec![("漏报", "missed", f.missed)]),
        rate(
            f.satisfaction_rate,
            vec![
                ("满意", "satisfied", f.satisfied),
                ("评价", "rated", f.rated),
            ],
        ),
    ]
}

fn kind_label(kind: &str) -> String {
    org::units::UnitKind::parse(kind)
        .map(|k| k.label().to_owned())
        .unwrap_or_default()
}

/// The quick periods: 本月, 上月, 本季度, 本年.
fn quick_periods(from: &str, to: &str, unit: &str) -> Vec<Chip> {
    let d = today();
    let (y, m) = (d.year(), d.month());
    let date = |y: i16, m: i8, day: i8| parse_date(&format!("{y:04}-{m:02}-{day:02}"));
    let month = |y: i16, m: i8| -> Option<(String, String)> {
        let first = date(y, m, 1)?;
        Some((first.to_string(), first.last_of_month().to_string()))
    };
    let last = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    let q = (m - 1) / 3 * 3 + 1;
    let quarter = date(y, q, 1).and_then(|f| {
        let end = date(y, q + 2, 1)?.last_of_month();
        Some((f.to_string(), end.to_string()))
    });
    let year = Some((format!("{y:04}-01-01"), format!("{y:04}-12-31")));
    [
        ("本月", month(y, m)),
        ("上月", month(last.0, last.1)),
        ("本季度", quarter),
        ("本年", year),
    ]
    .into_iter()
    .filter_map(|(label, p)| {
        let (f, t) = p?;
        let mut href = "/cases/figures".to_owned();
        push_query(&mut href, "unit_id", unit);
        push_query(&mut href, "from", &f);
        push_query(&mut href, "to", &t);
        Some(Chip {
            active: f == from && t == to,
            href,
            label: label.into(),
        })
    })
    .collect()
}

#[derive(Template)]
#[template(path = "case_figures.html")]
struct FiguresPage {
    frame: Frame,
    rows: Vec<UnitRow>,
    columns: [&'static str; 10],
    periods: Vec<Chip>,
    from: String,
    to: String,
    unit_id: String,
    error: Option<String>,
}

fn drill(figure: &str, from: &str, to: &str, extra: &[(&str, String)]) -> String {
    let mut h = "/cases/list".to_owned();
    for (k, v) in extra {
        push_query(&mut h, k, v);
    }
    push_query(&mut h, "figure", figure);
    push_query(&mut h, "from", from);
    push_query(&mut h, "to", to);
    h
}

/// GET /cases/figures?unit_id=&from=&to=
pub async fn page(State(s): State<AppState>, u: PageUser, Query(q): Query<FigQuery>) -> PageResult {
    let a = &u.access;
    if !super::reads_as_staff(a) {
        return Err(Error::NotFound.into());
    }
    let unit_id = q
        .unit_id
        .as_deref()
        .and_then(|x| x.trim().parse::<i64>().ok());
    let fq = FigureQuery {
        unit_id,
        from: q.from.clone().filter(|x| !x.trim().is_empty()),
        to: q.to.clone().filter(|x| !x.trim().is_empty()),
    };
    let (rows, from, to, error) = match cases::figures::by_unit(&s.db, a, &fq).await {
        Ok(r) => {
            let row = |uf: &cases::figures::UnitFigures, total: bool| {
                let link =
                    |fig: &str| drill(fig, &r.from, &r.to, &[("unit_id", uf.unit_id.to_string())]);
                UnitRow {
                    unit_id: uf.unit_id,
                    name: uf.name.clone(),
                    kind: kind_label(&uf.kind),
                    total,
                    empty: uf.figures.reports == 0 && uf.figures.filed == 0,
                    cells: cells(&uf.figures, &link),
                }
            };
            let mut rows = vec![row(&r.total, true)];
            rows.extend(r.children.iter().map(|c| row(c, false)));
            (rows, r.from.clone(), r.to.clone(), None)
        }
        Err(Error::Invalid(v)) => (
            vec![],
            q.from.clone().unwrap_or_default(),
            q.to.clone().unwrap_or_default(),
            Some(
                v.into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
        ),
        Err(e) => return Err(e.into()),
    };
    let unit = unit_id.map(|i| i.to_string()).unwrap_or_default();
    let failed = error.is_some();
    let mut res = render(&FiguresPage {
        frame: Frame::new(a, "案件考核指标", AREA).with_back("/cases"),
        periods: quick_periods(&from, &to, &unit),
        rows,
        columns: COLUMNS,
        from,
        to,
        unit_id: unit,
        error,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// A labelled figure of a person.
pub struct PersonCell {
    label: &'static str,
    cell: Cell,
}

#[derive(Template)]
#[template(path = "case_person_figures.html")]
struct PersonPage {
    frame: Frame,
    name: String,
    from: String,
    to: String,
    reporter: Vec<PersonCell>,
    handler: Vec<PersonCell>,
    periods: Vec<Chip>,
}

/// GET /cases/figures/people/{id}: one person's reports and handling.
pub async fn person(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<FigQuery>,
) -> PageResult {
    let a = &u.access;
    let fq = FigureQuery {
        unit_id: None,
        from: q.from.clone().filter(|x| !x.trim().is_empty()),
        to: q.to.clone().filter(|x| !x.trim().is_empty()),
    };
    let p = cases::figures::of_person(&s.db, a, id, &fq).await?;
    let own = id == a.person_id();
    let link = |col: &'static str, view: &'static str| {
        let (from, to) = (p.from.clone(), p.to.clone());
        move |fig: &str| {
            if own {
                drill(fig, &from, &to, &[("view", view.to_owned())])
            } else {
                drill(
                    fig,
                    &from,
                    &to,
                    &[("view", "scope".into()), (col, id.to_string())],
                )
            }
        }
    };
    let rl = link("reporter_person_id", "mine");
    let hl = link("handler_person_id", "assigned");
    let r = cells(&p.as_reporter, &rl);
    let h = cells(&p.as_handler, &hl);
    let pick = |cs: Vec<Cell>, which: &[usize]| {
        let mut cs: Vec<Option<Cell>> = cs.into_iter().map(Some).collect();
        which
            .iter()
            .filter_map(|i| {
                cs.get_mut(*i)
                    .and_then(Option::take)
                    .map(|cell| PersonCell {
                        label: COLUMNS[*i],
                        cell,
                    })
            })
            .collect::<Vec<_>>()
    };
    let mut periods = quick_periods(&p.from, &p.to, "");
    for c in &mut periods {
        c.href = c
            .href
            .replacen("/cases/figures", &format!("/cases/figures/people/{id}"), 1);
    }
    Ok(render(&PersonPage {
        frame: Frame::new(a, format!("{} 的上报与处置", p.name), AREA),
        reporter: pick(r, &[0, 1]),
        handler: pick(h, &[3, 4, 5, 6, 7]),
        name: p.name,
        from: p.from,
        to: p.to,
        periods,
    }))
}
