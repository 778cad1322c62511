//! The load and fairness report (the anti-加码 view), per community (or any node) and per
//! employer, for a month: each person's tasks — orders dispatched to them, duty shifts,
//! activity seats — against the city's monthly cap; the duties and dispatches made
//! although a check failed (outside the person's stated availability, over the cap, in
//! working hours) with the reason recorded; and skill mismatches (orders dispatched to, and
//! activity seats held by, people without the wanted skill).
//!
//! Here people are listed, because the report protects them — sorted by community and
//! name, never by load. An employer admin sees only their employer's people.

use std::collections::HashMap;

use kernel::{Db, Error, Result};
use org::Access;
use org::pool::Member;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dashboard::Month;

/// At most this many people on one report.
const MAX_PEOPLE: usize = 3_000;

/// Which report.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct FairnessQuery {
    /// A community (or any node): the personnel registered there.
    pub unit: Option<i64>,
    /// An employer: its personnel, wherever they serve.
    pub employer: Option<i64>,
    /// The month, `YYYY-MM`; this month when missing.
    pub period: Option<String>,
}

/// One person's load in the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonLoad {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// The community they are registered with.
    pub community: String,
    /// Orders dispatched to them (wanted in the month).
    pub orders: i64,
    /// Duty shifts they are on.
    pub duties: i64,
    /// Activity seats they hold.
    pub seats: i64,
    /// All of those.
    pub total: i64,
    /// Whether the total is over the city's cap.
    pub over_cap: bool,
}

/// A task given although a check failed, or to someone without the wanted skill.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Flag {
    /// `duty`, `order` or `activity`.
    pub kind: String,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Their community.
    pub community: String,
    /// What the task is, in words.
    pub what: String,
    /// When, in words.
    pub when: String,
    /// The checks it went against, in words (不在本人填报的空闲时间内…).
    pub checks: Vec<String>,
    /// The reason recorded (empty when none was).
    pub reason: String,
    /// Where the task is.
    pub href: String,
}

/// The report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fairness {
    /// `unit` or `employer`.
    pub scope: String,
    /// The node's or employer's id.
    pub scope_id: i64,
    /// Its name.
    pub scope_name: String,
    /// The month.
    pub month: Month,
    /// The city's monthly task cap in force.
    pub cap: i64,
    /// Everyone, by community and name (at most 3 000: open a community for more).
    pub people: Vec<PersonLoad>,
    /// Whether there were more people than listed.
    pub truncated: bool,
    /// How many are over the cap.
    pub over_cap: i64,
    /// Duties and dispatches made outside stated availability, over the cap or in
    /// working hours, with their reasons; by time.
    pub flagged: Vec<Flag>,
    /// Orders and activity seats given to people without the wanted skill; by time.
    pub skill_mismatches: Vec<Flag>,
}

/// Whose people: (scope, id, name, members). Out of the caller's reach: 404.
async fn people_of(
    db: &Db,
    access: &Access,
    q: &FairnessQuery,
) -> Result<(&'static str, i64, String, Vec<Member>)> {
    let city = access.city_id();
    let prefixes = access.people_prefixes();
    let own_employers = access.employer_ids();
    let in_scope = |path: &str| prefixes.iter().any(|p| path.starts_with(p.as_str()));
    let (employer, unit) = match (q.employer, q.unit) {
        (Some(e), _) => (Some(e), None),
        (None, Some(u)) => (None, Some(u)),
        (None, None) => match prefixes.first() {
            Some(p) => (
                None,
                p.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .and_then(|x| x.parse().ok()),
            ),
            None => (own_employers.first().copied(), None),
        },
    };
    if let Some(e) = employer {
        let mine = own_employers.contains(&e);
        if !mine && prefixes.is_empty() {
            return Err(Error::NotFound);
        }
        let emp = org::employers::get(db, access, e).await?;
        let mut members = org::pool::employer_members(db, city, e).await?;
        if !mine {
            // Staff see the employer's people within their own scope.
            members.retain(|m| in_scope(&m.scope_path));
        }
        return Ok(("employer", e, emp.name, members));
    }
    let id = unit.ok_or(Error::NotFound)?;
    let u = org::units::fetch_any(db, city, id)
        .await?
        .filter(|u| in_scope(&u.path))
        .ok_or(Error::NotFound)?;
    let members = org::pool::members(db, city, &u.path, None).await?;
    Ok(("unit", u.id, u.name, members))
}

fn check_label(code: &str) -> &'static str {
    match code {
        "availability" => "不在本人填报的空闲时间内",
        "load_cap" | "load" => "超过每月任务上限",
        "working_hours" => "占用工作日上班时间",
        "skill" => "不具备所需专长",
        _ => "其他",
    }
}

/// The report for a community (or node) or an employer, for a month.
pub async fn report(db: &Db, access: &Access, q: &FairnessQuery) -> Result<Fairness> {
    let month = Month::parse(q.period.as_deref())?;
    let (scope, scope_id, scope_name, mut members) = people_of(db, access, q).await?;
    let truncated = members.len() > MAX_PEOPLE;
    members.truncate(MAX_PEOPLE);
    let city = access.city_id();
    let (a, b) = (month.start_ms, month.end_ms);
    let ids: Vec<i64> = members.iter().map(|m| m.person_id).collect();
    let cap = ledger::rules::setting(db, city, "monthly_task_cap", &month.first_day).await?;
    let orders = orders::figures::load_of_people(db, city, &ids, a, b).await?;
    let duties = duty::figures::duties_of_people(db, city, &ids, a, b).await?;
    let seats = activities::load::seats_between(db, city, &ids, a, b).await?;
    // Community names, one query.
    let community_ids: Vec<i64> = members
        .iter()
        .filter_map(|m| {
            m.scope_path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .and_then(|x| x.parse().ok())
        })
        .collect();
    let unit_names: HashMap<String, String> = org::units::fetch_many(db, city, &community_ids)
        .await?
        .into_iter()
        .map(|u| (u.path, u.name))
        .collect();
    let community_of = |m: &Member| unit_names.get(&m.scope_path).cloned().unwrap_or_default();
    let mut people: Vec<PersonLoad> = members
        .iter()
        .map(|m| {
            let o = orders.get(&m.person_id).copied().unwrap_or(0);
            let d = duties.get(&m.person_id).copied().unwrap_or(0);
            let s = seats.get(&m.person_id).copied().unwrap_or(0);
            PersonLoad {
                person_id: m.person_id,
                name: m.name.clone(),
                community: community_of(m),
                orders: o,
                duties: d,
                seats: s,
                total: o + d + s,
                over_cap: o + d + s > cap,
            }
        })
        .collect();
    people.sort_by(|x, y| {
        (x.community.as_str(), x.name.as_str(), x.person_id).cmp(&(
            y.community.as_str(),
            y.name.as_str(),
            y.person_id,
        ))
    });
    let over_cap = people.iter().filter(|p| p.over_cap).count() as i64;

    let by_id: HashMap<i64, &Member> = members.iter().map(|m| (m.person_id, m)).collect();
    let who = |pid: i64| {
        by_id
            .get(&pid)
            .map(|m| (m.name.clone(), community_of(m)))
            .unwrap_or_default()
    };
    let sys = org::access::system_access(city, 0, "负担报表");
    let skill_names: HashMap<i64, String> = org::skills::list(db, &sys)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let skill_list = |ids: &[i64]| {
        ids.iter()
            .filter_map(|i| skill_names.get(i).cloned())
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut flagged = Vec::new();
    let mut skill_mismatches = Vec::new();
    for d in duty::figures::flagged(db, city, &ids, a, b).await? {
        let (person_name, community) = who(d.person_id);
        flagged.push(Flag {
            kind: "duty".into(),
            person_id: d.person_id,
            person_name,
            community,
            what: format!("值班：{}", d.task),
            when: d.when.clone(),
            checks: d
                .warnings
                .iter()
                .map(|w| check_label(&w.code).to_owned())
                .collect(),
            reason: d.reason.unwrap_or_default(),
            href: format!("/duty/roster?unit_id={}", d.unit_id),
        });
    }
    for o in orders::figures::flagged_dispatches(db, city, &ids, a, b).await? {
        let (person_name, community) = who(o.person_id);
        let category = orders::model::category(&o.category)
            .map(|c| c.label)
            .unwrap_or("服务");
        let base = Flag {
            kind: "order".into(),
            person_id: o.person_id,
            person_name,
            community,
            what: format!("派单：{category}（订单 {}）", o.order_id),
            when: kernel::time::datetime_cn(o.at),
            checks: Vec::new(),
            reason: o.reason.clone(),
            href: format!("/orders/{}", o.order_id),
        };
        let others: Vec<String> = o
            .overrides
            .iter()
            .filter(|c| c.as_str() != "skill")
            .map(|c| check_label(c).to_owned())
            .collect();
        if o.overrides.iter().any(|c| c == "skill") {
            let wanted = o.skill_id.map(|s| skill_list(&[s])).unwrap_or_default();
            let mut f = base.clone();
            f.checks = vec![if wanted.is_empty() {
                "不具备所需专长".to_owned()
            } else {
                format!("不具备所需专长（{wanted}）")
            }];
            skill_mismatches.push(f);
        }
        if !others.is_empty() {
            let mut f = base;
            f.checks = others;
            flagged.push(f);
        }
    }
    for s in activities::figures::skill_seats(db, city, &ids, a, b).await? {
        let Some(m) = by_id.get(&s.person_id) else {
            continue;
        };
        if s.wanted_skill_ids.iter().any(|w| m.skill_ids.contains(w)) {
            continue;
        }
        skill_mismatches.push(Flag {
            kind: "activity".into(),
            person_id: s.person_id,
            person_name: m.name.clone(),
            community: community_of(m),
            what: format!("活动：{}", s.title),
            when: kernel::time::datetime_cn(s.starts_at),
            checks: vec![format!(
                "不具备所需专长（{}）",
                skill_list(&s.wanted_skill_ids)
            )],
            reason: String::new(),
            href: format!("/activities/{}", s.activity_id),
        });
    }
    Ok(Fairness {
        scope: scope.into(),
        scope_id,
        scope_name,
        month,
        cap,
        people,
        truncated,
        over_cap,
        flagged,
        skill_mismatches,
    })
}
