//! Reading results: per person with components, deductions (each linked to its cause),
//! total, grade and the evidence behind each number; per grid, community or employer as
//! grade distributions. No leaderboard: lists are ordered by unit and name, and a person
//! sees only their own standing, when the scheme shows it.

use std::collections::HashMap;

use kernel::{Db, Error, Result};
use org::Access;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::scheme::grade_label;
pub use crate::score::ComponentScore;

/// A person's result of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonResult {
    /// Id.
    pub id: i64,
    /// Scheme.
    pub scheme_id: i64,
    /// Its name.
    pub scheme_name: String,
    /// Period (`2026-11`, `2026-Q4`, `2026`).
    pub period: String,
    /// The person.
    pub person_id: i64,
    /// Name.
    pub person_name: String,
    /// Employer.
    pub employer_id: Option<i64>,
    /// Its name.
    pub employer_name: String,
    /// Community.
    pub community_id: Option<i64>,
    /// Its name.
    pub community_name: String,
    /// The grid the person answers for.
    pub grid_id: Option<i64>,
    /// Component scores.
    pub components: Vec<ComponentScore>,
    /// Sum of the components (hundredths).
    pub gross_e2: i64,
    /// Deductions (hundredths).
    pub deductions_e2: i64,
    /// Total (hundredths).
    pub total_e2: i64,
    /// `excellent`, `good`, `pass`, `fail`.
    pub grade: String,
    /// 优秀, 良好, 合格, 不合格.
    pub grade_label: String,
    /// No honours this year (a serious failure).
    pub disqualified: bool,
    /// 1, or more after a recorded change.
    pub revision: i64,
    /// `open`, `upheld`, `changed` when contested.
    pub contest_state: Option<String>,
    #[serde(skip)]
    pub(crate) unit_path: String,
}

impl PersonResult {
    /// The path of the community the result is filed under (for permission checks).
    pub fn unit_path_for_pages(&self) -> String {
        self.unit_path.clone()
    }
}

/// Which results.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A unit subtree.
    pub unit_path: Option<String>,
    /// An employer.
    pub employer_id: Option<i64>,
    /// A person.
    pub person_id: Option<i64>,
    /// A grid: the results of the people who answer for it.
    pub grid_id: Option<i64>,
}

const COLS: &str = "r.id, r.scheme_id, s.name AS scheme_name, r.period, r.person_id, p.name AS person_name, \
    r.employer_id, e.name AS employer_name, r.community_id, c.name AS community_name, r.grid_id, \
    r.components, r.gross_e2, r.deductions_e2, r.total_e2, r.grade, r.disqualified, r.revision, \
    r.contest_state, r.unit_path";

const FROM: &str = "FROM assess_result r \
    JOIN assess_scheme s ON s.city_id = r.city_id AND s.id = r.scheme_id \
    JOIN person p ON p.city_id = r.city_id AND p.id = r.person_id \
    LEFT JOIN employer e ON e.city_id = r.city_id AND e.id = r.employer_id \
    LEFT JOIN org_unit c ON c.city_id = r.city_id AND c.id = r.community_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<PersonResult> {
    let components: String = r.try_get("components")?;
    let grade: String = r.try_get("grade")?;
    Ok(PersonResult {
        id: r.try_get("id")?,
        scheme_id: r.try_get("scheme_id")?,
        scheme_name: r.try_get("scheme_name")?,
        period: r.try_get("period")?,
        person_id: r.try_get("person_id")?,
        person_name: r.try_get("person_name")?,
        employer_id: r.try_get("employer_id")?,
        employer_name: r
            .try_get::<Option<String>, _>("employer_name")?
            .unwrap_or_default(),
        community_id: r.try_get("community_id")?,
        community_name: r
            .try_get::<Option<String>, _>("community_name")?
            .unwrap_or_default(),
        grid_id: r.try_get("grid_id")?,
        components: serde_json::from_str(&components).unwrap_or_default(),
        gross_e2: r.try_get("gross_e2")?,
        deductions_e2: r.try_get("deductions_e2")?,
        total_e2: r.try_get("total_e2")?,
        grade_label: grade_label(&grade).into(),
        grade,
        disqualified: r.try_get::<i64, _>("disqualified")? != 0,
        revision: r.try_get("revision")?,
        contest_state: r.try_get("contest_state")?,
        unit_path: r.try_get("unit_path")?,
    })
}

/// Whether the caller may read a result: their own, in their unit subtree (cadres and
/// administrators), or of their employer (employer admins).
pub fn readable(access: &Access, r: &PersonResult) -> bool {
    access.reads_person(&org::access::PersonScope {
        person_id: r.person_id,
        scope_path: r.unit_path.clone(),
        employer_id: r.employer_id,
    })
}

/// Results whose period lies inside `[from, to]` that the caller may read; ordered by
/// period, community and name (never by score).
pub async fn query(
    db: &Db,
    access: &Access,
    filter: &Filter,
    from: &str,
    to: &str,
) -> Result<Vec<PersonResult>> {
    let mut sql = format!(
        "SELECT {COLS} {FROM} WHERE r.city_id = $1 AND r.period_from >= $2 AND r.period_from <= $3"
    );
    let mut texts = vec![from.to_owned(), to.to_owned()];
    let mut ints = Vec::new();
    if let Some(path) = &filter.unit_path {
        texts.push(format!("{path}%"));
        sql.push_str(&format!(" AND r.unit_path LIKE ${}", texts.len() + 1));
    }
    let base = texts.len() + 1;
    if let Some(e) = filter.employer_id {
        ints.push(e);
        sql.push_str(&format!(" AND r.employer_id = ${}", base + ints.len()));
    }
    if let Some(p) = filter.person_id {
        ints.push(p);
        sql.push_str(&format!(" AND r.person_id = ${}", base + ints.len()));
    }
    if let Some(g) = filter.grid_id {
        ints.push(g);
        sql.push_str(&format!(" AND r.grid_id = ${}", base + ints.len()));
    }
    sql.push_str(" ORDER BY r.period_from, c.name, p.name, r.person_id, r.scheme_id LIMIT 20000");
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(access.city_id());
    for t in texts {
        q = q.bind(t);
    }
    for i in ints {
        q = q.bind(i);
    }
    let rows = q.fetch_all(db.reader()).await?;
    let mut out = Vec::new();
    for r in &rows {
        let x = from_row(r)?;
        if readable(access, &x) {
            out.push(x);
        }
    }
    Ok(out)
}

/// One result the caller may read.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<PersonResult> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} {FROM} WHERE r.city_id = $1 AND r.id = $2"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let x = from_row(rows.first().ok_or(Error::NotFound)?)?;
    if !readable(access, &x) {
        return Err(Error::NotFound);
    }
    Ok(x)
}

/// How many results of a grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeCount {
    /// Grade code.
    pub grade: String,
    /// Its name.
    pub label: String,
    /// How many.
    pub count: i64,
}

/// How many results of `period` in the subtree got each grade (all four, zeros included).
pub async fn distribution(
    db: &Db,
    city_id: i64,
    unit_path: &str,
    period: &str,
) -> Result<Vec<GradeCount>> {
    let p = crate::period::Period::parse(period)?;
    let rows = sqlx::query(
        "SELECT grade, COUNT(*) FROM assess_result WHERE city_id = $1 AND unit_path LIKE $2 \
         AND period_from = $3 AND period = $4 GROUP BY grade",
    )
    .bind(city_id)
    .bind(format!("{unit_path}%"))
    .bind(p.first_day().to_string())
    .bind(p.to_string())
    .fetch_all(db.reader())
    .await?;
    let mut counts: HashMap<String, i64> = HashMap::new();
    for r in &rows {
        counts.insert(r.try_get(0)?, r.try_get(1)?);
    }
    Ok(["excellent", "good", "pass", "fail"]
        .into_iter()
        .map(|g| GradeCount {
            grade: g.into(),
            label: grade_label(g).into(),
            count: counts.get(g).copied().unwrap_or(0),
        })
        .collect())
}

/// A deduction with its cause.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deduction {
    /// Id.
    pub id: i64,
    /// The result it belongs to.
    pub result_id: i64,
    /// The person.
    pub person_id: i64,
    /// Name.
    pub person_name: String,
    /// Rule code.
    pub rule: String,
    /// Rule name (省级检查发现问题).
    pub label: String,
    /// Points (hundredths).
    pub points_e2: i64,
    /// `case`.
    pub cause_kind: String,
    /// The case.
    pub cause_id: i64,
    /// The case in words.
    pub cause_label: String,
}

/// The deductions of the results `query` would give.
pub async fn deductions(
    db: &Db,
    access: &Access,
    filter: &Filter,
    from: &str,
    to: &str,
) -> Result<Vec<Deduction>> {
    let results = query(db, access, filter, from, to).await?;
    let ids: Vec<i64> = results
        .iter()
        .filter(|r| r.deductions_e2 > 0)
        .map(|r| r.id)
        .collect();
    of_results(db, access.city_id(), &ids, &results).await
}

async fn of_results(
    db: &Db,
    city_id: i64,
    ids: &[i64],
    results: &[PersonResult],
) -> Result<Vec<Deduction>> {
    let names: HashMap<i64, &str> = results
        .iter()
        .map(|r| (r.id, r.person_name.as_str()))
        .collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, result_id, person_id, rule, label, points_e2, cause_kind, cause_id, cause_label \
             FROM assess_deduction WHERE city_id = $1 AND result_id IN ({}) ORDER BY result_id, id",
            list.join(", ")
        )))
        .bind(city_id)
        .fetch_all(db.reader())
        .await?;
        for r in &rows {
            let result_id: i64 = r.try_get(1)?;
            out.push(Deduction {
                id: r.try_get(0)?,
                result_id,
                person_id: r.try_get(2)?,
                person_name: names.get(&result_id).copied().unwrap_or_default().into(),
                rule: r.try_get(3)?,
                label: r.try_get(4)?,
                points_e2: r.try_get(5)?,
                cause_kind: r.try_get(6)?,
                cause_id: r.try_get(7)?,
                cause_label: r.try_get(8)?,
            });
        }
    }
    Ok(out)
}

/// A recorded change of a result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Change {
    /// The revision it made.
    pub revision: i64,
    /// Why.
    pub reason: String,
    /// Who.
    pub actor_name: String,
    /// When (ms).
    pub at: i64,
    /// Total before (hundredths).
    pub total_before_e2: Option<i64>,
    /// Total after.
    pub total_after_e2: Option<i64>,
}

/// A link to the records behind a component.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    /// What it shows.
    pub label: String,
    /// Where (a page of the platform).
    pub href: String,
}

/// One result with everything behind it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Detail {
    /// The result.
    pub result: PersonResult,
    /// Its deductions.
    pub deductions: Vec<Deduction>,
    /// Its recorded changes.
    pub changes: Vec<Change>,
    /// The records behind the components.
    pub evidence: Vec<Evidence>,
    /// The contest, when there is one.
    pub contest: Option<crate::contest::Contest>,
    /// The period's bounds (`YYYY-MM-DD`).
    pub from: String,
    /// Last day.
    pub to: String,
    /// The person's own standing within their community, when the scheme shows it and the
    /// caller is that person ("高于本社区 60% 的人").
    pub standing: Option<String>,
}

/// A result with its deductions, changes, evidence links and contest.
pub async fn detail(db: &Db, access: &Access, id: i64) -> Result<Detail> {
    let result = get(db, access, id).await?;
    let p = crate::period::Period::parse(&result.period)?;
    let (from, to) = (p.first_day().to_string(), p.last_day().to_string());
    let deductions = of_results(db, access.city_id(), &[id], std::slice::from_ref(&result)).await?;
    let rows = sqlx::query(
        "SELECT revision, reason, actor_name, at, before, after FROM assess_result_change \
         WHERE city_id = $1 AND result_id = $2 ORDER BY id",
    )
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let total = |s: String| -> Option<i64> {
        serde_json::from_str::<serde_json::Value>(&s)
            .ok()?
            .get("total_e2")?
            .as_i64()
    };
    let mut changes = Vec::new();
    for r in &rows {
        changes.push(Change {
            revision: r.try_get(0)?,
            reason: r.try_get(1)?,
            actor_name: r.try_get(2)?,
            at: r.try_get(3)?,
            total_before_e2: total(r.try_get(4)?),
            total_after_e2: total(r.try_get(5)?),
        });
    }
    let pid = result.person_id;
    let evidence = vec![
        Evidence {
            label: "经办的应结案案件".into(),
            href: format!("/cases?handler_person_id={pid}&figure=should_close&from={from}&to={to}"),
        },
        Evidence {
            label: "其中按期结案".into(),
            href: format!(
                "/cases?handler_person_id={pid}&figure=closed_on_time&from={from}&to={to}"
            ),
        },
        Evidence {
            label: "上报的问题".into(),
            href: format!("/cases?reporter_person_id={pid}&from={from}&to={to}"),
        },
        Evidence {
            label: "积分和服务时长明细".into(),
            href: format!("/people/{pid}"),
        },
    ];
    let mut evidence = evidence;
    if pid == access.person_id() {
        evidence.push(Evidence {
            label: "我的会议培训和值班".into(),
            href: "/duty".into(),
        });
        evidence.push(Evidence {
            label: "我接的点单".into(),
            href: "/orders?view=assigned".into(),
        });
    } else {
        evidence.push(Evidence {
            label: "会议培训和点名记录".into(),
            href: "/duty/meetings".into(),
        });
    }
    let contest = crate::contest::of_result(db, access.city_id(), id).await?;
    let standing = if access.person_id() == pid {
        standing(db, access.city_id(), &result).await?
    } else {
        None
    };
    Ok(Detail {
        result,
        deductions,
        changes,
        evidence,
        contest,
        from,
        to,
        standing,
    })
}

async fn standing(db: &Db, city_id: i64, r: &PersonResult) -> Result<Option<String>> {
    let rows = sqlx::query(
        "SELECT v.body FROM assess_run n JOIN assess_scheme_version v ON v.city_id = n.city_id \
         AND v.id = n.version_id JOIN assess_result r ON r.city_id = n.city_id AND r.run_id = n.id \
         WHERE r.city_id = $1 AND r.id = $2",
    )
    .bind(city_id)
    .bind(r.id)
    .fetch_all(db.reader())
    .await?;
    let show = rows
        .first()
        .map(|x| x.try_get::<String, _>(0))
        .transpose()?
        .and_then(|b| serde_json::from_str::<crate::scheme::Rules>(&b).ok())
        .is_some_and(|rules| rules.show_own_standing);
    let Some(community) = r.community_id.filter(|_| show) else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT CAST(SUM(CASE WHEN total_e2 < $1 THEN 1 ELSE 0 END) AS BIGINT), COUNT(*) \
         FROM assess_result WHERE city_id = $2 AND scheme_id = $3 AND period = $4 \
         AND community_id = $5",
    )
    .bind(r.total_e2)
    .bind(city_id)
    .bind(r.scheme_id)
    .bind(&r.period)
    .bind(community)
    .fetch_all(db.reader())
    .await?;
    let Some(x) = rows.first() else {
        return Ok(None);
    };
    let (below, all): (i64, i64) = (x.try_get(0)?, x.try_get(1)?);
    if all < 2 {
        return Ok(None);
    }
    Ok(Some(format!(
        "您的得分高于本社区 {}% 的受考评人员（共 {all} 人；只有您本人看得到）",
        below * 100 / (all - 1)
    )))
}
