//! The candidates for an order: sent-down personnel registered in the street around the
//! order's community, with their load this month (orders here, activity seats from the
//! activities area) — scored by [`crate::recommend`].

use std::collections::HashMap;

use kernel::geo::Point;
use kernel::time::{date_of_ms, month_bounds};
use kernel::{Db, Result};
use sqlx::Row;

use crate::recommend::{self, Candidate, Recommendation, Wanted};
use crate::service::wanted_of;
use crate::store::Order;

/// The street (parent) path around a community's path: `/1/2/3/4/` → `/1/2/3/`.
pub fn street_of(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) if i > 0 => format!("{}/", &trimmed[..i]),
        _ => path.to_owned(),
    }
}

/// Orders each person holds (dispatched, accepted, done, confirmed) wanted in `[from, to)`.
async fn order_load(
    db: &Db,
    city_id: i64,
    from: i64,
    to: i64,
    except_order: i64,
) -> Result<HashMap<i64, i64>> {
    let rows = sqlx::query(
        "SELECT assignee_person_id, COUNT(*) FROM service_order WHERE city_id = $1 \
         AND assignee_person_id IS NOT NULL AND state IN ('dispatched', 'accepted', 'done', 'confirmed') \
         AND wanted_from >= $2 AND wanted_from < $3 AND id <> $4 GROUP BY assignee_person_id",
    )
    .bind(city_id)
    .bind(from)
    .bind(to)
    .bind(except_order)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// The candidates of the order's street with their load; `only` narrows to one person.
pub async fn candidates(
    db: &Db,
    city_id: i64,
    order: &Order,
    only: Option<i64>,
) -> Result<Vec<Candidate>> {
    let members = org::pool::members(db, city_id, &street_of(&order.unit_path), only).await?;
    let (from, to) = month_bounds(order.wanted_from);
    let ids: Vec<i64> = members.iter().map(|m| m.person_id).collect();
    let orders = order_load(db, city_id, from, to, order.id).await?;
    let seats = activities::load::seats_between(db, city_id, &ids, from, to).await?;
    Ok(members
        .into_iter()
        .map(|m| Candidate {
            load: orders.get(&m.person_id).copied().unwrap_or(0)
                + seats.get(&m.person_id).copied().unwrap_or(0),
            person_id: m.person_id,
            name: m.name,
            skill_ids: m.skill_ids,
            slots: m.availability.iter().filter_map(|s| s.range()).collect(),
            home: m.home,
            home_name: m.home_name,
        })
        .collect())
}

/// What the order wants, with the city's cap in force in the month it is wanted and the
/// community's centre standing in for a place given without coordinates.
pub async fn wanted(
    db: &Db,
    city_id: i64,
    order: &Order,
    community_center: Option<Point>,
) -> Result<Wanted> {
    let on = date_of_ms(order.wanted_from).to_string();
    let cap = ledger::rules::setting(db, city_id, "monthly_task_cap", &on).await?;
    let skill = match order.skill_id {
        Some(id) => org::pool::skill_name(db, city_id, id)
            .await?
            .map(|name| (id, name)),
        None => None,
    };
    let mut w = wanted_of(order, skill, cap);
    if w.place.is_none() {
        w.place = community_center;
    }
    Ok(w)
}

/// The best `k` for an order, among those whose name contains `name` when given.
pub async fn recommend(
    db: &Db,
    city_id: i64,
    order: &Order,
    community_center: Option<Point>,
    k: usize,
    name: Option<&str>,
) -> Result<Vec<Recommendation>> {
    let w = wanted(db, city_id, order, community_center).await?;
    let mut cs = candidates(db, city_id, order, None).await?;
    if let Some(n) = name {
        cs.retain(|c| c.name.contains(n));
    }
    Ok(recommend::rank(&cs, &w, k))
}

/// One person assessed for an order; `None` when they are not in the order's pool.
pub async fn assess_one(
    db: &Db,
    city_id: i64,
    order: &Order,
    person_id: i64,
) -> Result<Option<Recommendation>> {
    let w = wanted(db, city_id, order, None).await?;
    let cs = candidates(db, city_id, order, Some(person_id)).await?;
    Ok(cs.first().map(|c| recommend::assess(c, &w)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn street_is_the_parent() {
        assert_eq!(super::street_of("/1/2/3/4/"), "/1/2/3/");
        assert_eq!(super::street_of("/1/"), "/1/");
    }
}
