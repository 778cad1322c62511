//! The pool of sent-down personnel a task can go to: who is registered under a part of
//! the tree, with the facts dispatch weighs (skills, weekly availability, where they
//! live). One query for the people and one for their skills, whatever the pool's size.

use std::collections::HashMap;

use kernel::geo::Point;
use kernel::{Db, Result};
use sqlx::Row;

use crate::availability::Slot;

/// A person in the pool.
#[derive(Debug, Clone)]
pub struct Member {
    /// Person id.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// Skill ids.
    pub skill_ids: Vec<i64>,
    /// Weekly availability.
    pub availability: Vec<Slot>,
    /// Centre of the home community, when it has one.
    pub home: Option<Point>,
    /// Name of the home community.
    pub home_name: Option<String>,
    /// Path of the community the person is registered with (their scope).
    pub scope_path: String,
}

/// Personnel registered under `prefix` (a unit path) who have not left; with `only`, just
/// those people (still only if they are under `prefix`).
pub async fn members(
    db: &Db,
    city_id: i64,
    prefix: &str,
    only: Option<i64>,
) -> Result<Vec<Member>> {
    fetch_members(
        db,
        city_id,
        "p.scope_path LIKE $2".into(),
        format!("{prefix}%"),
        only,
    )
    .await
}

/// Personnel of the employer who have not left (wherever they are registered), with the
/// same facts as [`members`]: for the employer's own view of its people's load.
pub async fn employer_members(db: &Db, city_id: i64, employer_id: i64) -> Result<Vec<Member>> {
    fetch_members(
        db,
        city_id,
        // An integer: safe in the text; $2 is then a constant.
        format!("p.employer_id = {employer_id} AND $2 = 'employer'"),
        "employer".into(),
        None,
    )
    .await
}

async fn fetch_members(
    db: &Db,
    city_id: i64,
    cond: String,
    arg: String,
    only: Option<i64>,
) -> Result<Vec<Member>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.name, p.availability, u.center_lon, u.center_lat, u.name, p.scope_path \
         FROM person p LEFT JOIN org_unit u ON u.city_id = p.city_id AND u.id = p.home_community_id \
         WHERE p.city_id = $1 AND p.kind = 'personnel' AND p.left_on IS NULL \
         AND p.anonymised_at IS NULL AND {cond} AND ($3 = 0 OR p.id = $3) \
         ORDER BY p.id"
    )))
    .bind(city_id)
    .bind(arg.clone())
    .bind(only.unwrap_or(0))
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut index = HashMap::with_capacity(rows.len());
    for r in &rows {
        let availability: String = r.try_get(2)?;
        let (lon, lat): (Option<i64>, Option<i64>) = (r.try_get(3)?, r.try_get(4)?);
        let id: i64 = r.try_get(0)?;
        index.insert(id, out.len());
        out.push(Member {
            person_id: id,
            name: r.try_get(1)?,
            skill_ids: Vec::new(),
            availability: serde_json::from_str(&availability).unwrap_or_default(),
            home: lon
                .zip(lat)
                .map(|(lon_e7, lat_e7)| Point { lon_e7, lat_e7 }),
            home_name: r.try_get(5)?,
            scope_path: r.try_get(6)?,
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let skills = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT ps.person_id, ps.skill_id FROM person_skill ps \
         JOIN person p ON p.city_id = ps.city_id AND p.id = ps.person_id \
         WHERE ps.city_id = $1 AND p.kind = 'personnel' AND {cond} \
         AND ($3 = 0 OR p.id = $3)"
    )))
    .bind(city_id)
    .bind(arg)
    .bind(only.unwrap_or(0))
    .fetch_all(db.reader())
    .await?;
    for r in skills {
        let (pid, sid): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if let Some(&i) = index.get(&pid) {
            out[i].skill_ids.push(sid);
        }
    }
    Ok(out)
}

/// The names of people by id (for showing who did what); unknown ids are left out.
pub async fn names(db: &Db, city_id: i64, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let mut ids: Vec<i64> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(200) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // The list is made of integers only, so it is safe to inline.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, name FROM person WHERE city_id = $1 AND id IN ({list})"
        )))
        .bind(city_id)
        .fetch_all(db.reader())
        .await?;
        for r in rows {
            out.insert(r.try_get(0)?, r.try_get(1)?);
        }
    }
    Ok(out)
}

/// The name of a skill of the city's catalogue.
pub async fn skill_name(db: &Db, city_id: i64, id: i64) -> Result<Option<String>> {
    let rows = sqlx::query("SELECT name FROM skill WHERE city_id = $1 AND id = $2")
        .bind(city_id)
        .bind(id)
        .fetch_all(db.reader())
        .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?)
}
