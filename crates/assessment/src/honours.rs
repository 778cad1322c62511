//! Honours and fines, chosen from the record and published as awards — never a public
//! leaderboard (DOMAIN.md §0 rule 1): the monthly best worker of a community (one per
//! community, from the results), the commendation list (通报表扬) of everyone whose points
//! in the period reach the city's threshold (100 by default), and among them the
//! candidates for 社区服务之星 (with resident-confirmed service) and 最美下沉干部 (sent-down
//! personnel never graded 不合格 in the year). A serious failure (a disqualifying
//! deduction) in the year keeps a person off every list. Fines follow the Gulou rule and
//! have their own statement.

use std::collections::{HashMap, HashSet};

use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::period::{Period, PeriodKind};
use crate::run::Scored;
use crate::scheme::Rules;
use crate::schemes::Scheme;

/// An award.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Award {
    /// Period.
    pub period: String,
    /// `best_worker`, `commendation`, `service_star`, `model_cadre`.
    pub kind: String,
    /// Its name.
    pub label: String,
    /// The person.
    pub person_id: i64,
    /// Name.
    pub person_name: String,
    /// The community (or unit) it is given in.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Why, from the record.
    pub basis: String,
}

/// A fine.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fine {
    /// Period.
    pub period: String,
    /// The person.
    pub person_id: i64,
    /// Name.
    pub person_name: String,
    /// Amount (fen).
    pub amount_fen: i64,
    /// The case that caused it.
    pub case_id: i64,
    /// The case in words.
    pub case_label: String,
    /// When it was found (`YYYY-MM-DD`).
    pub found_on: String,
}

/// The name of an award kind.
pub fn label(kind: &str) -> &'static str {
    match kind {
        "best_worker" => "月度先进工作者",
        "commendation" => "积分达标通报表扬",
        "service_star" => "社区服务之星候选",
        _ => "最美下沉干部候选",
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn derive(
    tx: &mut sqlx::AnyConnection,
    city_id: i64,
    run_id: i64,
    s: &Scheme,
    rules: &Rules,
    p: &Period,
    inputs: &crate::run::Inputs,
    scored: &[Scored],
) -> Result<()> {
    let missed = &inputs.missed;
    for t in ["assess_award", "assess_fine"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {t} WHERE city_id = $1 AND run_id = $2"
        )))
        .bind(city_id)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    }
    let now = now_ms();
    let in_scheme: HashMap<i64, &Scored> = scored.iter().map(|x| (x.person_id, x)).collect();
    // Fines.
    for f in &rules.fines {
        for c in missed {
            let persons: HashSet<i64> = crate::run::caught(&f.matches, c).collect();
            for person in persons {
                let Some(x) = in_scheme.get(&person) else {
                    continue;
                };
                sqlx::query(
                    "INSERT INTO assess_fine (city_id, run_id, period, person_id, unit_path, amount_fen, \
                     case_id, case_label, found_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                     $8, $9, $10)",
                )
                .bind(city_id)
                .bind(run_id)
                .bind(p.to_string())
                .bind(person)
                .bind(&x.scope_path)
                .bind(f.amount_fen)
                .bind(c.id)
                .bind(&c.label)
                .bind(kernel::time::date_of_ms(c.registered_at).to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    // Who is out of honours this year: a disqualifying deduction in any run of the year.
    let year = p.year();
    let rows = sqlx::query(
        "SELECT DISTINCT d.person_id FROM assess_deduction d JOIN assess_run r \
         ON r.city_id = d.city_id AND r.id = d.run_id WHERE d.city_id = $1 AND d.disqualifies = 1 \
         AND r.period_from >= $2 AND r.period_from <= $3",
    )
    .bind(city_id)
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-31"))
    .fetch_all(&mut *tx)
    .await?;
    let mut out: HashSet<i64> = HashSet::new();
    for r in &rows {
        out.insert(r.try_get(0)?);
    }
    out.extend(
        scored
            .iter()
            .filter(|x| x.disqualified)
            .map(|x| x.person_id),
    );
    let mut awards: Vec<(String, i64, i64, String)> = Vec::new();
    // The best worker of each community this month.
    if rules.best_per_community && p.kind() == PeriodKind::Month {
        let mut best: HashMap<i64, &Scored> = HashMap::new();
        for x in scored.iter().filter(|x| !out.contains(&x.person_id)) {
            let Some(c) = x.community_id else { continue };
            let e = best.entry(c).or_insert(x);
            if (x.total_e2, -x.person_id) > (e.total_e2, -e.person_id) {
                *e = x;
            }
        }
        for (c, x) in best {
            if x.total_e2 > 0 {
                awards.push((
                    "best_worker".into(),
                    x.person_id,
                    c,
                    format!(
                        "{}本月考评得分 {}，本社区最高",
                        s.name,
                        crate::score::show(x.total_e2)
                    ),
                ));
            }
        }
    }
    // The points lists of the period.
    let db_less = &inputs.points;
    let threshold = threshold(tx, city_id, &p.last_day().to_string()).await?;
    let failed = failed_this_year(tx, city_id, year).await?;
    for x in scored {
        let Some(&(points, confirmed_service)) = db_less.get(&x.person_id) else {
            continue;
        };
        if points < threshold || out.contains(&x.person_id) {
            continue;
        }
        let unit = x.community_id.unwrap_or(s.unit_id);
        let basis = format!(
            "{}积分 {}，达到表扬标准 {} 分",
            p.label(),
            crate::score::show(points),
            crate::score::show(threshold)
        );
        awards.push(("commendation".into(), x.person_id, unit, basis.clone()));
        if confirmed_service > 0 {
            awards.push((
                "service_star".into(),
                x.person_id,
                unit,
                format!("{basis}；居民确认的服务 {confirmed_service} 次"),
            ));
        }
        if x.kind == "personnel" && !failed.contains(&x.person_id) {
            awards.push((
                "model_cadre".into(),
                x.person_id,
                unit,
                format!("{basis}；本年度考评无不合格"),
            ));
        }
    }
    for (kind, person, unit, basis) in awards {
        let path = in_scheme
            .get(&person)
            .map(|x| x.scope_path.clone())
            .unwrap_or_default();
        sqlx::query(
            "INSERT INTO assess_award (city_id, run_id, period, kind, person_id, unit_id, unit_path, \
             basis, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(city_id)
        .bind(run_id)
        .bind(p.to_string())
        .bind(&kind)
        .bind(person)
        .bind(unit)
        .bind(&path)
        .bind(&basis)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn threshold(tx: &mut sqlx::AnyConnection, city_id: i64, on: &str) -> Result<i64> {
    let rows = sqlx::query(
        "SELECT value FROM ledger_setting WHERE city_id = $1 AND key = 'honour_points_e2' \
         AND effective_from <= $2 ORDER BY effective_from DESC, id DESC LIMIT 1",
    )
    .bind(city_id)
    .bind(on)
    .fetch_all(&mut *tx)
    .await?;
    match rows.first() {
        Some(r) => Ok(r.try_get(0)?),
        None => Ok(10_000),
    }
}

async fn failed_this_year(
    tx: &mut sqlx::AnyConnection,
    city_id: i64,
    year: i16,
) -> Result<HashSet<i64>> {
    let rows = sqlx::query(
        "SELECT DISTINCT person_id FROM assess_result WHERE city_id = $1 AND grade = 'fail' \
         AND period_from >= $2 AND period_from <= $3",
    )
    .bind(city_id)
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-31"))
    .fetch_all(&mut *tx)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// The awards of a period in the subtree (by kind, then name).
pub async fn awards(db: &Db, access: &Access, unit_path: &str, period: &str) -> Result<Vec<Award>> {
    Period::parse(period)?;
    if !access.reads_unit(unit_path) {
        return Err(Error::NotFound);
    }
    let rows = sqlx::query(
        "SELECT a.period, a.kind, a.person_id, p.name, a.unit_id, u.name, a.basis FROM assess_award a \
         JOIN person p ON p.city_id = a.city_id AND p.id = a.person_id \
         JOIN org_unit u ON u.city_id = a.city_id AND u.id = a.unit_id \
         WHERE a.city_id = $1 AND a.period = $2 AND a.unit_path LIKE $3 \
         ORDER BY a.kind, p.name, a.person_id LIMIT 2000",
    )
    .bind(access.city_id())
    .bind(period)
    .bind(format!("{unit_path}%"))
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for r in &rows {
        let kind: String = r.try_get(1)?;
        let person: i64 = r.try_get(2)?;
        // The same honour from two schemes is one honour.
        if !seen.insert((kind.clone(), person)) {
            continue;
        }
        out.push(Award {
            period: r.try_get(0)?,
            label: label(&kind).into(),
            kind,
            person_id: person,
            person_name: r.try_get(3)?,
            unit_id: r.try_get(4)?,
            unit_name: r.try_get(5)?,
            basis: r.try_get(6)?,
        });
    }
    Ok(out)
}

/// The fines statement of a period in the subtree.
pub async fn fines(db: &Db, access: &Access, unit_path: &str, period: &str) -> Result<Vec<Fine>> {
    Period::parse(period)?;
    if !access.reads_unit(unit_path) {
        return Err(Error::NotFound);
    }
    let rows = sqlx::query(
        "SELECT f.period, f.person_id, p.name, f.amount_fen, f.case_id, f.case_label, f.found_on \
         FROM assess_fine f JOIN person p ON p.city_id = f.city_id AND p.id = f.person_id \
         WHERE f.city_id = $1 AND f.period = $2 AND f.unit_path LIKE $3 \
         ORDER BY p.name, f.person_id, f.case_id LIMIT 5000",
    )
    .bind(access.city_id())
    .bind(period)
    .bind(format!("{unit_path}%"))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Fine {
                period: r.try_get(0)?,
                person_id: r.try_get(1)?,
                person_name: r.try_get(2)?,
                amount_fen: r.try_get(3)?,
                case_id: r.try_get(4)?,
                case_label: r.try_get(5)?,
                found_on: r.try_get(6)?,
            })
        })
        .collect()
}
