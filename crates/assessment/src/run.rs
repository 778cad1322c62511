//! Running a period: every scheme of that period kind, over everyone it applies to,
//! from the records of the period — idempotently. A second run over the same records
//! changes nothing; a run over late records changes a result only with a recorded change
//! (`assess_result_change`); a closed period is never recomputed.

use std::collections::HashMap;

use kernel::audit::{self, Actor, Entry};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::period::Period;
use crate::scheme::{CaseMatch, Measure, Rules};
use crate::schemes::{self, Scheme};
use crate::score::{self, Hit, Measures, Outcome};

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    /// Scheme runs done.
    pub runs: i64,
    /// People assessed.
    pub people: i64,
    /// Results written or changed.
    pub changed: i64,
}

/// The records of a period, read once for every scheme.
pub(crate) struct Inputs {
    measures: HashMap<i64, Measures>,
    /// Points earned in the period and resident-confirmed orders, per person (honours).
    pub(crate) points: HashMap<i64, (i64, i64)>,
    pub(crate) missed: Vec<cases::figures::MissedCase>,
    grids: HashMap<i64, i64>,
}

async fn inputs(db: &Db, city_id: i64, p: &Period) -> Result<Inputs> {
    let (from, to) = (p.first_day().to_string(), p.last_day().to_string());
    let mut measures: HashMap<i64, Measures> = HashMap::new();
    let mut points: HashMap<i64, (i64, i64)> = HashMap::new();
    let contributions = ledger::contributions::by_person(db, city_id, &from, &to).await?;
    for c in &contributions {
        let e = points.entry(c.person_id).or_default();
        e.0 += c.points_e2;
        if c.kind == "service.order.done" {
            e.1 += c.count;
        }
    }
    let mut add = |person: i64, m: Measure, v: i64| {
        *measures.entry(person).or_default().entry(m).or_default() += v;
    };
    for c in contributions {
        // Service credits are kinds `service.<kind>` (ledger::timebank::credit_service).
        match c.kind.strip_prefix("service.").unwrap_or(&c.kind) {
            "patrol" => {
                add(c.person_id, Measure::Patrols, c.count);
                add(c.person_id, Measure::PatrolMinutes, c.minutes);
            }
            k if k.starts_with("duty.") || k == "order.done" => {
                add(c.person_id, Measure::ServiceMinutes, c.minutes)
            }
            _ => {}
        }
    }
    let (a, b) = (p.start_ms(), p.end_ms());
    for (person, s) in duty::attendance::summaries(db, city_id, a, b).await? {
        add(
            person,
            Measure::TrainingsInvited,
            s.trainings_invited - s.trainings_excused,
        );
        add(person, Measure::TrainingsAttended, s.trainings_attended);
        add(
            person,
            Measure::MeetingsInvited,
            s.trainings_invited + s.meetings_invited - s.trainings_excused - s.meetings_excused,
        );
        add(
            person,
            Measure::MeetingsAttended,
            s.trainings_attended + s.meetings_attended,
        );
    }
    let cp = cases::figures::Period {
        from_ms: a,
        to_ms: b,
    };
    for (person, f) in cases::figures::per_person(db, city_id, cp, false).await? {
        add(person, Measure::CasesDue, f.should_close);
        add(person, Measure::CasesOnTime, f.closed_on_time);
        add(person, Measure::CasesDispatched, f.dispatched);
        add(person, Measure::CasesReworked, f.reworked);
    }
    for (person, f) in cases::figures::per_person(db, city_id, cp, true).await? {
        add(person, Measure::ReportsValid, f.valid_reports);
    }
    for (person, o) in orders::view::done_by_person(db, city_id, a, b).await? {
        add(person, Measure::OrdersDone, o.done);
        add(person, Measure::OrdersRated, o.rated);
        add(person, Measure::RatingSum, o.rating_sum);
    }
    Ok(Inputs {
        measures,
        points,
        missed: cases::figures::missed_in(db, city_id, cp).await?,
        grids: cases::responsible::direct_grids(db, city_id).await?,
    })
}

/// Whether a missed case is caught by a rule, and for whom (deductions and fines alike).
pub(crate) fn caught<'a>(
    m: &CaseMatch,
    c: &'a cases::figures::MissedCase,
) -> impl Iterator<Item = i64> + 'a {
    let level_ok = match (&m.level, c.source) {
        (None, _) => true,
        // An inspection whose level was not stated counts as the lowest, district level.
        (Some(l), cases::model::Source::Inspection) => {
            l == c.inspection_level.as_deref().unwrap_or("district")
        }
        _ => false,
    };
    let ok = c.source.as_str() == m.source && level_ok;
    let levels = m.chain_levels.clone();
    c.chain
        .iter()
        .filter(move |(l, _)| ok && levels.contains(l))
        .map(|(_, p)| *p)
}

/// The deductions each person incurs under the rules.
fn hits(rules: &Rules, missed: &[cases::figures::MissedCase]) -> HashMap<i64, Vec<Hit>> {
    let mut out: HashMap<i64, Vec<Hit>> = HashMap::new();
    for c in missed {
        for d in &rules.deductions {
            let mut seen = std::collections::HashSet::new();
            for person in caught(&d.matches, c) {
                if seen.insert(person) {
                    out.entry(person).or_default().push(Hit {
                        rule: d.code.clone(),
                        label: d.label.clone(),
                        points_e2: d.points_e2,
                        case_id: c.id,
                        case_label: c.label.clone(),
                        disqualifies: d.disqualifies,
                    });
                }
            }
        }
    }
    out
}

/// Assess `period` for every scheme of that period kind in the city.
pub async fn run_period(db: &Db, city_id: i64, period: &str) -> Result<RunSummary> {
    let p = Period::parse(period)?;
    let schemes: Vec<Scheme> = schemes::all(db, city_id)
        .await?
        .into_iter()
        .filter(|s| s.periods.iter().any(|k| k == p.kind().as_str()))
        .collect();
    let mut sum = RunSummary::default();
    if schemes.is_empty() {
        return Ok(sum);
    }
    let inputs = inputs(db, city_id, &p).await?;
    for s in &schemes {
        let one = run_scheme(db, city_id, s, &p, &inputs).await?;
        sum.runs += one.runs;
        sum.people += one.people;
        sum.changed += one.changed;
    }
    Ok(sum)
}

/// The same for every city (the CLI and the scheduled job).
pub async fn run_all(db: &Db, period: &str) -> Result<RunSummary> {
    Period::parse(period)?;
    let rows = sqlx::query("SELECT id FROM city ORDER BY id")
        .fetch_all(db.reader())
        .await?;
    let mut sum = RunSummary::default();
    for r in &rows {
        let one = run_period(db, r.try_get(0)?, period).await?;
        sum.runs += one.runs;
        sum.people += one.people;
        sum.changed += one.changed;
    }
    Ok(sum)
}

/// Close a run: it is never recomputed after (contests still answer with recorded changes).
pub async fn close(
    db: &Db,
    actor: &Actor,
    city_id: i64,
    scheme_id: i64,
    period: &str,
) -> Result<bool> {
    let mut tx = db.begin().await?;
    let res = sqlx::query(
        "UPDATE assess_run SET state = 'closed', closed_at = $1 WHERE city_id = $2 \
         AND scheme_id = $3 AND period = $4 AND state = 'open'",
    )
    .bind(now_ms())
    .bind(city_id)
    .bind(scheme_id)
    .bind(period)
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() != 1 {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "close_period",
            object_kind: "assess_scheme",
            object_id: scheme_id,
            scope_path: "/",
            before: Some(json!({"period": period, "state": "open"})),
            after: Some(json!({"period": period, "state": "closed"})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The stored part of a result that a rerun compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Stored {
    components: String,
    gross_e2: i64,
    deductions_e2: i64,
    total_e2: i64,
    grade: String,
    disqualified: bool,
    deductions: Vec<(String, i64, i64)>,
}

fn stored(o: &Outcome, hits: &[Hit]) -> Stored {
    let mut deductions: Vec<(String, i64, i64)> = hits
        .iter()
        .map(|h| (h.rule.clone(), h.case_id, h.points_e2))
        .collect();
    deductions.sort();
    Stored {
        components: serde_json::to_string(&o.components).unwrap_or_default(),
        gross_e2: o.gross_e2,
        deductions_e2: o.deductions_e2,
        total_e2: o.total_e2,
        grade: o.grade.clone(),
        disqualified: o.disqualified,
        deductions,
    }
}

struct Row1 {
    person: org::people::Assessable,
    grid: Option<i64>,
    outcome: Outcome,
    hits: Vec<Hit>,
}

async fn run_scheme(
    db: &Db,
    city_id: i64,
    s: &Scheme,
    p: &Period,
    inputs: &Inputs,
) -> Result<RunSummary> {
    let first = p.first_day().to_string();
    let runs = sqlx::query(
        "SELECT id, state, version_id FROM assess_run WHERE city_id = $1 AND scheme_id = $2 \
         AND period = $3",
    )
    .bind(city_id)
    .bind(s.id)
    .bind(p.to_string())
    .fetch_all(db.reader())
    .await?;
    let existing: Option<(i64, String, i64)> = runs
        .first()
        .map(|r| Ok::<_, Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()?;
    if let Some((_, state, _)) = &existing
        && state == "closed"
    {
        return Ok(RunSummary::default());
    }
    // An open run keeps the version it started with; a new one takes the version in
    // force on the period's first day.
    let version = match &existing {
        Some((_, _, v)) => schemes::version(db, city_id, s.id, *v).await?,
        None => match schemes::version_for(db, city_id, s.id, &first).await? {
            Some(v) => v,
            None => return Ok(RunSummary::default()),
        },
    };
    let rules = &version.rules;
    let people = org::people::assessable(
        db,
        city_id,
        &s.unit_path,
        s.person_kind.as_deref(),
        s.role.as_deref(),
        &first,
    )
    .await?;
    let mut hits = hits(rules, &inputs.missed);
    let empty = Measures::new();
    let months = i64::from(p.month_count());
    let rows: Vec<Row1> = people
        .into_iter()
        .filter(|x| x.kind != "resident")
        .map(|person| {
            let m = inputs.measures.get(&person.id).unwrap_or(&empty);
            let h = hits.remove(&person.id).unwrap_or_default();
            Row1 {
                grid: inputs.grids.get(&person.id).copied(),
                outcome: score::assess(rules, m, months, &h),
                hits: h,
                person,
            }
        })
        .collect();
    let now = now_ms();
    let mut tx = db.begin().await?;
    let run_id = match existing {
        Some((id, _, _)) => id,
        None => {
            sqlx::query(
                "INSERT INTO assess_run (city_id, scheme_id, version_id, period, period_from, \
                 period_to, state, people, runs, started_at) VALUES ($1, $2, $3, $4, $5, $6, \
                 'open', 0, 0, $7)",
            )
            .bind(city_id)
            .bind(s.id)
            .bind(version.id)
            .bind(p.to_string())
            .bind(&first)
            .bind(p.last_day().to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let r = sqlx::query(
                "SELECT id FROM assess_run WHERE city_id = $1 AND scheme_id = $2 AND period = $3",
            )
            .bind(city_id)
            .bind(s.id)
            .bind(p.to_string())
            .fetch_all(&mut *tx)
            .await?;
            r.first().ok_or(Error::NotFound)?.try_get(0)?
        }
    };
    // What is stored now, to compare.
    let old_rows = sqlx::query(
        "SELECT r.id, r.person_id, r.components, r.gross_e2, r.deductions_e2, r.total_e2, \
         r.grade, r.disqualified, r.revision FROM assess_result r WHERE r.city_id = $1 \
         AND r.run_id = $2",
    )
    .bind(city_id)
    .bind(run_id)
    .fetch_all(&mut *tx)
    .await?;
    let old_ded = sqlx::query(
        "SELECT result_id, rule, cause_id, points_e2 FROM assess_deduction WHERE city_id = $1 \
         AND run_id = $2",
    )
    .bind(city_id)
    .bind(run_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut ded_by: HashMap<i64, Vec<(String, i64, i64)>> = HashMap::new();
    for r in &old_ded {
        ded_by.entry(r.try_get(0)?).or_default().push((
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
        ));
    }
    let mut old: HashMap<i64, (i64, i64, Stored)> = HashMap::new();
    for r in &old_rows {
        let id: i64 = r.try_get(0)?;
        let mut d = ded_by.remove(&id).unwrap_or_default();
        d.sort();
        old.insert(
            r.try_get(1)?,
            (
                id,
                r.try_get(8)?,
                Stored {
                    components: r.try_get(2)?,
                    gross_e2: r.try_get(3)?,
                    deductions_e2: r.try_get(4)?,
                    total_e2: r.try_get(5)?,
                    grade: r.try_get(6)?,
                    disqualified: r.try_get::<i64, _>(7)? != 0,
                    deductions: d,
                },
            ),
        );
    }
    let mut fresh: Vec<&Row1> = Vec::new();
    let mut changed_ids: Vec<(i64, &Row1)> = Vec::new();
    for row in &rows {
        let new = stored(&row.outcome, &row.hits);
        match old.get(&row.person.id) {
            None => fresh.push(row),
            Some((id, revision, before)) if *before != new => {
                sqlx::query(
                    "UPDATE assess_result SET components = $1, gross_e2 = $2, deductions_e2 = $3, \
                     total_e2 = $4, grade = $5, disqualified = $6, revision = $7, updated_at = $8 \
                     WHERE city_id = $9 AND id = $10",
                )
                .bind(&new.components)
                .bind(new.gross_e2)
                .bind(new.deductions_e2)
                .bind(new.total_e2)
                .bind(&new.grade)
                .bind(i64::from(new.disqualified))
                .bind(revision + 1)
                .bind(now)
                .bind(city_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO assess_result_change (city_id, result_id, revision, before, after, \
                     reason, actor_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(city_id)
                .bind(id)
                .bind(revision + 1)
                .bind(serde_json::to_string(before).unwrap_or_default())
                .bind(serde_json::to_string(&new).unwrap_or_default())
                .bind("重新计算：本期记录有变化")
                .bind("系统（考评）")
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM assess_deduction WHERE city_id = $1 AND result_id = $2")
                    .bind(city_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                changed_ids.push((*id, row));
            }
            Some(_) => {}
        }
    }
    // New results in batches.
    for chunk in fresh.chunks(400) {
        let mut sql = String::from(
            "INSERT INTO assess_result (city_id, run_id, scheme_id, period, period_from, person_id, \
             employer_id, community_id, grid_id, unit_path, components, gross_e2, deductions_e2, \
             total_e2, grade, disqualified, revision, created_at, updated_at) VALUES ",
        );
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let ph: Vec<String> = (1..=17).map(|k| format!("${}", n + k)).collect();
            sql.push_str(&format!(
                "({}, 1, {}, {})",
                ph[..16].join(", "),
                ph[16],
                ph[16]
            ));
            n += 17;
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            let o = &row.outcome;
            q = q
                .bind(city_id)
                .bind(run_id)
                .bind(s.id)
                .bind(p.to_string())
                .bind(first.clone())
                .bind(row.person.id)
                .bind(row.person.employer_id)
                .bind(row.person.community_id)
                .bind(row.grid)
                .bind(row.person.scope_path.clone())
                .bind(serde_json::to_string(&o.components).unwrap_or_default())
                .bind(o.gross_e2)
                .bind(o.deductions_e2)
                .bind(o.total_e2)
                .bind(o.grade.clone())
                .bind(i64::from(o.disqualified))
                .bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    // Deductions of new and changed results, each with its cause.
    let with_hits: Vec<&Row1> = fresh
        .iter()
        .copied()
        .chain(changed_ids.iter().map(|(_, r)| *r))
        .filter(|r| !r.hits.is_empty())
        .collect();
    if !with_hits.is_empty() {
        let ids = sqlx::query(
            "SELECT person_id, id FROM assess_result WHERE city_id = $1 AND run_id = $2",
        )
        .bind(city_id)
        .bind(run_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut id_of = HashMap::new();
        for r in &ids {
            id_of.insert(r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?);
        }
        for row in with_hits {
            let result_id = id_of.get(&row.person.id).copied().ok_or(Error::NotFound)?;
            for h in &row.hits {
                sqlx::query(
                    "INSERT INTO assess_deduction (city_id, result_id, run_id, person_id, rule, label, \
                     points_e2, cause_kind, cause_id, cause_label, disqualifies) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'case', $8, $9, $10)",
                )
                .bind(city_id)
                .bind(result_id)
                .bind(run_id)
                .bind(row.person.id)
                .bind(&h.rule)
                .bind(&h.label)
                .bind(h.points_e2)
                .bind(h.case_id)
                .bind(&h.case_label)
                .bind(i64::from(h.disqualifies))
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    let changed = (fresh.len() + changed_ids.len()) as i64;
    crate::honours::derive(
        &mut tx,
        city_id,
        run_id,
        s,
        rules,
        p,
        inputs,
        &rows_view(&rows),
    )
    .await?;
    sqlx::query(
        "UPDATE assess_run SET people = $1, runs = runs + 1, finished_at = $2 WHERE city_id = $3 \
         AND id = $4",
    )
    .bind(rows.len() as i64)
    .bind(now_ms())
    .bind(city_id)
    .bind(run_id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &Actor::system(city_id, "考评"),
        Entry {
            action: "assess",
            object_kind: "assess_run",
            object_id: run_id,
            scope_path: &s.unit_path,
            before: None,
            after: Some(json!({"scheme": s.code, "period": p.to_string(),
                               "people": rows.len(), "changed": changed})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RunSummary {
        runs: 1,
        people: rows.len() as i64,
        changed,
    })
}

/// What honours need of each result.
pub(crate) struct Scored {
    pub person_id: i64,
    pub kind: String,
    pub community_id: Option<i64>,
    pub scope_path: String,
    pub total_e2: i64,
    pub disqualified: bool,
}

fn rows_view(rows: &[Row1]) -> Vec<Scored> {
    rows.iter()
        .map(|r| Scored {
            person_id: r.person.id,
            kind: r.person.kind.clone(),
            community_id: r.person.community_id,
            scope_path: r.person.scope_path.clone(),
            total_e2: r.outcome.total_e2,
            disqualified: r.outcome.disqualified,
        })
        .collect()
}
