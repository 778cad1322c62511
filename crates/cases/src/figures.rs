//! The figures of the national method, live, per grid, community, street and person,
//! each with a drill-down to the cases behind it (the same filter counts them and lists
//! them, so a number and its list always agree). For a period (dates, Beijing time):
//!
//! - 上报数: reports made from inside the grid (patrol, watch) in the period;
//!   有效上报数: those registered (立案); **有效上报率** = 有效上报数 / 上报数.
//! - 立案数: cases registered in the period.
//! - 应结案数: of those, the ones due by the end of the period — closed, or with their
//!   deadline passed by then, or not yet dispatched — and not suspended (缓办);
//!   结案数: of those, closed; 按期结案数: closed and handled by the deadline.
//!   **结案率** = 结案数 / 应结案数; **按期结案率** = 按期结案数 / 应结案数.
//! - 返工数: dispatched cases of the period sent back at least once;
//!   **返工率** = 返工数 / 派遣数.
//! - 漏报数: cases of the period found by inspection, media or hotline that the grid had
//!   not reported; **漏报率** = 漏报数 / (有效上报数 + 漏报数).
//! - **群众满意率** = (满意 + 基本满意) / 评价数, of the period's cases the reporters rated.
//!
//! Rates are kept in hundredths of a percent (integers); a rate with nothing to divide
//! by is "—", not 0 %.

use jiff::ToSpan;
use kernel::time::{parse_date, shanghai, today};
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use utoipa::{IntoParams, ToSchema};

use crate::view::Filter;

/// A rate in hundredths of a percent (9350 = 93.50 %), rounded half up; `None` without a
/// denominator.
pub fn rate(num: i64, den: i64) -> Option<i64> {
    if den <= 0 {
        return None;
    }
    let num = num.clamp(0, den);
    Some((num * 10_000 * 2 + den) / (den * 2))
}

/// A rate as people read it: `93.5%`, `100%`, `—`.
pub fn rate_text(r: Option<i64>) -> String {
    match r {
        None => "—".into(),
        Some(r) => {
            let (whole, frac) = (r / 100, r % 100);
            match frac {
                0 => format!("{whole}%"),
                f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
                f => format!("{whole}.{f:02}%"),
            }
        }
    }
}

/// The counts behind the figures and the rates made of them.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Figures {
    /// 上报数.
    pub reports: i64,
    /// 有效上报数.
    pub valid_reports: i64,
    /// 立案数.
    pub filed: i64,
    /// 应结案数.
    pub should_close: i64,
    /// 结案数.
    pub closed: i64,
    /// 按期结案数.
    pub closed_on_time: i64,
    /// 派遣数.
    pub dispatched: i64,
    /// 返工数.
    pub reworked: i64,
    /// 漏报数.
    pub missed: i64,
    /// 评价数.
    pub rated: i64,
    /// 满意 + 基本满意.
    pub satisfied: i64,
    /// 结案率 (hundredths of a percent).
    pub close_rate: Option<i64>,
    /// 按期结案率.
    pub on_time_rate: Option<i64>,
    /// 返工率.
    pub rework_rate: Option<i64>,
    /// 有效上报率.
    pub valid_report_rate: Option<i64>,
    /// 漏报率.
    pub missed_rate: Option<i64>,
    /// 群众满意率.
    pub satisfaction_rate: Option<i64>,
}

impl Figures {
    fn with_rates(mut self) -> Figures {
        self.close_rate = rate(self.closed, self.should_close);
        self.on_time_rate = rate(self.closed_on_time, self.should_close);
        self.rework_rate = rate(self.reworked, self.dispatched);
        self.valid_report_rate = rate(self.valid_reports, self.reports);
        self.missed_rate = rate(self.missed, self.valid_reports + self.missed);
        self.satisfaction_rate = rate(self.satisfied, self.rated);
        self
    }
}

/// A period: the first and last day, and their bounds in ms.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// First instant.
    pub from_ms: i64,
    /// First instant after the last day.
    pub to_ms: i64,
}

/// Read a period (`YYYY-MM-DD` to `YYYY-MM-DD`, inclusive); the current month when both
/// are missing.
pub fn period(from: Option<&str>, to: Option<&str>) -> Result<(String, String, Period)> {
    let from = from.map(str::trim).filter(|s| !s.is_empty());
    let to = to.map(str::trim).filter(|s| !s.is_empty());
    let (f, t) = match (from, to) {
        (None, None) => {
            let d = today();
            let first = d.first_of_month();
            (first, d.last_of_month())
        }
        (Some(f), Some(t)) => {
            let f =
                parse_date(f).ok_or_else(|| Error::field("from", "开始日期格式应为 YYYY-MM-DD"))?;
            let t =
                parse_date(t).ok_or_else(|| Error::field("to", "结束日期格式应为 YYYY-MM-DD"))?;
            (f, t)
        }
        _ => return Err(Error::field("to", "开始和结束日期要一起填写")),
    };
    if t < f {
        return Err(Error::field("to", "结束日期不能早于开始日期"));
    }
    if f.until(t).map(|s| s.get_days()).unwrap_or(0) > 366 * 3 {
        return Err(Error::field("to", "统计期最长三年"));
    }
    let ms = |d: jiff::civil::Date| -> Result<i64> {
        Ok(d.to_datetime(jiff::civil::Time::midnight())
            .to_zoned_datetime(shanghai())
            .map_err(|e| Error::Internal(e.to_string()))?
            .timestamp()
            .as_millisecond())
    };
    let next = t
        .checked_add(1.day())
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok((
        f.to_string(),
        t.to_string(),
        Period {
            from_ms: ms(f)?,
            to_ms: ms(next)?,
        },
    ))
}

/// The condition of each figure, for a period; numbers only, so they are written in.
fn condition(fig: &str, p: Period) -> Option<String> {
    let (a, b) = (p.from_ms, p.to_ms);
    let filed = format!("registered_at >= {a} AND registered_at < {b}");
    let should = format!(
        "{filed} AND state <> 'suspended' AND (state = 'closed' OR deadline_at IS NULL OR deadline_at < {b})"
    );
    let reports =
        format!("source IN ('patrol', 'watch') AND reported_at >= {a} AND reported_at < {b}");
    Some(match fig {
        "reports" => reports,
        "valid_reports" => format!("{reports} AND registered_at IS NOT NULL"),
        "filed" => filed,
        "should_close" => should,
        "closed" => format!("{should} AND state = 'closed'"),
        "closed_on_time" => {
            format!("{should} AND state = 'closed' AND handled_at <= deadline_at")
        }
        "dispatched" => format!("{filed} AND dispatched_at IS NOT NULL"),
        "reworked" => format!("{filed} AND dispatched_at IS NOT NULL AND rework_count > 0"),
        "missed" => format!("{filed} AND missed_by_grid = 1"),
        "rated" => format!("{filed} AND satisfaction IS NOT NULL"),
        "satisfied" => format!("{filed} AND satisfaction IN ('satisfied', 'basic')"),
        _ => return None,
    })
}

/// Every figure's code and name, in the order tables show them.
pub const FIGURES: [(&str, &str); 11] = [
    ("reports", "上报数"),
    ("valid_reports", "有效上报数"),
    ("filed", "立案数"),
    ("should_close", "应结案数"),
    ("closed", "结案数"),
    ("closed_on_time", "按期结案数"),
    ("dispatched", "派遣数"),
    ("reworked", "返工数"),
    ("missed", "漏报数"),
    ("rated", "评价数"),
    ("satisfied", "满意数"),
];

/// Narrow a case list to a figure's cases (the drill-down).
pub(crate) fn filter_for(
    f: &mut Filter,
    fig: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<()> {
    let (_, _, p) = period(from, to)?;
    let c = condition(fig, p).ok_or_else(|| Error::field("figure", "没有这项指标"))?;
    f.raw(&format!("({c})"));
    Ok(())
}

/// Count every figure for cases matching `f` (one pass over the period's cases).
async fn count(db: &Db, mut f: Filter, p: Period) -> Result<Figures> {
    // Cases that can count are reported in the period or registered in it (at most 30
    // days after being reported): the index on (unit_path, reported_at) bounds the scan.
    let lo = f.int_mark(p.from_ms - 30 * 86_400_000);
    let hi = f.int_mark(p.to_ms);
    f.raw(&format!("reported_at >= {lo} AND reported_at < {hi}"));
    let sums: Vec<String> = FIGURES
        .iter()
        .map(|(code, _)| {
            format!(
                "CAST(COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS BIGINT)",
                condition(code, p).unwrap_or_else(|| "1 = 0".into())
            )
        })
        .collect();
    let sql = format!("SELECT {} FROM case_file WHERE {}", sums.join(", "), f.sql);
    let rows = f
        .bind(sqlx::query(AssertSqlSafe(sql)), &[])
        .fetch_all(db.reader())
        .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let v = |i: usize| -> Result<i64> { Ok(r.try_get::<i64, _>(i)?) };
    Ok(Figures {
        reports: v(0)?,
        valid_reports: v(1)?,
        filed: v(2)?,
        should_close: v(3)?,
        closed: v(4)?,
        closed_on_time: v(5)?,
        dispatched: v(6)?,
        reworked: v(7)?,
        missed: v(8)?,
        rated: v(9)?,
        satisfied: v(10)?,
        ..Default::default()
    }
    .with_rates())
}

/// Which figures.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct FigureQuery {
    /// The node (grid, community, street…); the caller's top node when missing.
    pub unit_id: Option<i64>,
    /// First day (`YYYY-MM-DD`); with `to`; the current month when both are missing.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
}

/// The figures of a node.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitFigures {
    /// The node.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Its kind (`grid`, `community`, `street`, …).
    pub kind: String,
    /// The counts and rates.
    pub figures: Figures,
}

/// The figures of a node and of each node below it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FigureReport {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The node itself.
    pub total: UnitFigures,
    /// The nodes directly below it (communities of a street, grids of a community…).
    pub children: Vec<UnitFigures>,
}

/// Up to this many nodes below, figures seek each node's path; beyond, they scan the range.
const MAX_PATHS: usize = 2_000;

/// The node a staff member's figures start at when none is named.
async fn top_unit(db: &Db, access: &Access, unit_id: Option<i64>) -> Result<org::units::Unit> {
    match unit_id {
        Some(id) => org::units::get(db, access, id).await,
        None => {
            let top = crate::access::prefixes(access)
                .into_iter()
                .next()
                .ok_or(Error::Forbidden("只有网格、社区和上级干部可以查看案件指标"))?;
            let id: i64 = top
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .and_then(|x| x.parse().ok())
                .ok_or(Error::NotFound)?;
            org::units::get(db, access, id).await
        }
    }
}

/// Figures per node: the node and its children, live.
pub async fn by_unit(db: &Db, access: &Access, q: &FigureQuery) -> Result<FigureReport> {
    let (from, to, p) = period(q.from.as_deref(), q.to.as_deref())?;
    let unit = top_unit(db, access, q.unit_id).await?;
    let mine = crate::access::prefixes(access);
    if !mine.iter().any(|m| unit.path.starts_with(m.as_str())) {
        return Err(Error::NotFound);
    }
    // Each node's paths, sought one by one with the period (a prefix scan would read the
    // node's whole history); a node with very many below it is scanned as a range.
    let paths = org::units::paths_under(db, access.city_id(), &unit.path, MAX_PATHS).await?;
    let of = |u: &org::units::Unit| {
        let mut f = Filter::new(access.city_id());
        match &paths {
            Some(all) => {
                let mine: Vec<String> = all
                    .iter()
                    .filter(|p| p.starts_with(u.path.as_str()))
                    .cloned()
                    .collect();
                f.at_paths(&mine);
            }
            None => f.under(std::slice::from_ref(&u.path)),
        }
        f
    };
    let total = UnitFigures {
        unit_id: unit.id,
        name: unit.name.clone(),
        kind: unit.kind.as_str().into(),
        figures: count(db, of(&unit), p).await?,
    };
    let mut children = Vec::new();
    for c in org::units::children(db, access, unit.id).await? {
        children.push(UnitFigures {
            unit_id: c.id,
            name: c.name.clone(),
            kind: c.kind.as_str().into(),
            figures: count(db, of(&c), p).await?,
        });
    }
    Ok(FigureReport {
        from,
        to,
        total,
        children,
    })
}

/// A person's figures: as reporter (上报, 有效上报) and as handler (应结案, 结案, 按期,
/// 返工), in the caller's scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonFigures {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Their reports.
    pub as_reporter: Figures,
    /// The cases they handled.
    pub as_handler: Figures,
}

/// The figures of one person, over the cases the caller may see.
pub async fn of_person(
    db: &Db,
    access: &Access,
    person_id: i64,
    q: &FigureQuery,
) -> Result<PersonFigures> {
    let (from, to, p) = period(q.from.as_deref(), q.to.as_deref())?;
    let scope = org::people::scope_of(db, access.city_id(), person_id).await?;
    let mine = crate::access::prefixes(access);
    let own = person_id == access.person_id();
    if !own && !access.reads_person(&scope) {
        return Err(Error::NotFound);
    }
    let name = org::pool::names(db, access.city_id(), &[person_id])
        .await?
        .remove(&person_id)
        .unwrap_or_default();
    let build = |col: &str| {
        let mut f = Filter::new(access.city_id());
        if !own {
            f.under(&mine);
        }
        f.int(&format!("{col} = ?"), person_id);
        f
    };
    Ok(PersonFigures {
        person_id,
        name,
        from,
        to,
        as_reporter: count(db, build("reporter_person_id"), p).await?,
        as_handler: count(db, build("handler_person_id"), p).await?,
    })
}

/// The figures of every person in one pass, counted as handler (`handler_person_id`) or as
/// reporter (`reporter_person_id`) of the city's cases in the period: the assessment's
/// bulk input (按期结案率, 返工率, 有效上报).
pub async fn per_person(
    db: &Db,
    city_id: i64,
    p: Period,
    as_reporter: bool,
) -> Result<std::collections::HashMap<i64, Figures>> {
    let col = if as_reporter {
        "reporter_person_id"
    } else {
        "handler_person_id"
    };
    let sums: Vec<String> = FIGURES
        .iter()
        .map(|(code, _)| {
            format!(
                "CAST(COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS BIGINT)",
                condition(code, p).unwrap_or_else(|| "1 = 0".into())
            )
        })
        .collect();
    let sql = format!(
        "SELECT {col}, {} FROM case_file WHERE city_id = $1 AND {col} IS NOT NULL \
         AND reported_at >= $2 AND reported_at < $3 GROUP BY {col}",
        sums.join(", ")
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(city_id)
        .bind(p.from_ms - 30 * 86_400_000)
        .bind(p.to_ms)
        .fetch_all(db.reader())
        .await?;
    let mut out = std::collections::HashMap::new();
    for r in &rows {
        let v = |i: usize| -> Result<i64> { Ok(r.try_get::<i64, _>(i)?) };
        out.insert(
            v(0)?,
            Figures {
                reports: v(1)?,
                valid_reports: v(2)?,
                filed: v(3)?,
                should_close: v(4)?,
                closed: v(5)?,
                closed_on_time: v(6)?,
                dispatched: v(7)?,
                reworked: v(8)?,
                missed: v(9)?,
                rated: v(10)?,
                satisfied: v(11)?,
                ..Default::default()
            }
            .with_rates(),
        );
    }
    Ok(out)
}

/// A case found outside the grid (media, inspection, hotline) that the grid had not
/// reported, with the responsible chain recorded when it was registered.
#[derive(Debug, Clone)]
pub struct MissedCase {
    /// The case.
    pub id: i64,
    /// Its source.
    pub source: crate::model::Source,
    /// The inspecting body's level, when an inspection and stated.
    pub inspection_level: Option<String>,
    /// The grid.
    pub grid_id: Option<i64>,
    /// When it was registered (立案).
    pub registered_at: i64,
    /// What it is, in words (the category and the address).
    pub label: String,
    /// The chain: (level, person) for each named link.
    pub chain: Vec<(String, i64)>,
}

/// Every case registered in the period that counts against a grid's chain.
pub async fn missed_in(db: &Db, city_id: i64, p: Period) -> Result<Vec<MissedCase>> {
    let rows = sqlx::query(
        "SELECT c.id, c.source, c.inspection_level, c.grid_id, c.registered_at, c.missed_chain, \
         g.name, c.address FROM case_file c \
         JOIN case_category g ON g.city_id = c.city_id AND g.id = c.category_id \
         WHERE c.city_id = $1 AND c.missed_by_grid = 1 AND c.registered_at >= $2 \
         AND c.registered_at < $3 AND c.state <> 'voided' ORDER BY c.id",
    )
    .bind(city_id)
    .bind(p.from_ms)
    .bind(p.to_ms)
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let source: String = r.try_get(1)?;
        let chain: Option<String> = r.try_get(5)?;
        let links: Vec<crate::responsible::Link> = chain
            .and_then(|c| serde_json::from_str(&c).ok())
            .unwrap_or_default();
        let category: String = r.try_get(6)?;
        let address: String = r.try_get(7)?;
        out.push(MissedCase {
            id: r.try_get(0)?,
            source: crate::model::Source::parse(&source).unwrap_or(crate::model::Source::Media),
            inspection_level: r.try_get(2)?,
            grid_id: r.try_get(3)?,
            registered_at: r.try_get(4)?,
            label: if address.is_empty() {
                category
            } else {
                format!("{category}（{address}）")
            },
            chain: links
                .into_iter()
                .filter_map(|l| l.person_id.map(|p| (l.level, p)))
                .collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rates_in_hundredths_of_a_percent() {
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(3, 4), Some(7500));
        assert_eq!(rate(2, 3), Some(6667));
        assert_eq!(rate(1, 3), Some(3333));
        assert_eq!(rate(1, 8), Some(1250));
        assert_eq!(rate(187, 200), Some(9350));
        assert_eq!(rate_text(Some(9350)), "93.5%");
        assert_eq!(rate_text(Some(10_000)), "100%");
        assert_eq!(rate_text(Some(6667)), "66.67%");
        assert_eq!(rate_text(Some(5)), "0.05%");
        assert_eq!(rate_text(None), "—");
    }

    proptest! {
        #[test]
        fn a_rate_lies_between_nought_and_a_hundred(num in 0i64..1_000_000, den in 1i64..1_000_000) {
            let r = rate(num.min(den), den).unwrap();
            prop_assert!((0..=10_000).contains(&r));
            // Within half a hundredth of a percent of the exact value.
            let exact = num.min(den) as f64 / den as f64 * 10_000.0;
            prop_assert!((r as f64 - exact).abs() <= 0.5 + 1e-9);
        }
    }

    #[test]
    fn periods() {
        let (f, t, p) = period(Some("2026-11-01"), Some("2026-11-30")).unwrap();
        assert_eq!((f.as_str(), t.as_str()), ("2026-11-01", "2026-11-30"));
        assert_eq!(p.to_ms - p.from_ms, 30 * 86_400_000);
        assert!(period(Some("2026-11-30"), Some("2026-11-01")).is_err());
        assert!(period(Some("2026-11-01"), None).is_err());
        assert!(period(Some("11/01"), Some("2026-11-30")).is_err());
        assert!(period(None, None).is_ok());
        for (code, _) in FIGURES {
            assert!(condition(code, p).is_some(), "{code}");
        }
    }
}
