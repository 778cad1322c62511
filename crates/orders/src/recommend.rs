//! Who to dispatch an order to (推荐人选): every person in the pool is scored on four
//! facts — the skill the order wants, availability at the wanted time, distance from their
//! home community, and how much they already carry this month — and the best few are
//! shown with the reasons. The score only orders the list; it is never stored or shown as
//! a ranking of people.

use kernel::geo::Point;
use serde::Serialize;
use utoipa::ToSchema;

/// One candidate, as the ranking needs them (built once per request from the pool).
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Person id.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// Skill ids, few per person.
    pub skill_ids: Vec<i64>,
    /// Weekly slots as (day 1–7, start minute, end minute).
    pub slots: Vec<(u8, u32, u32)>,
    /// Home community centre.
    pub home: Option<Point>,
    /// Home community name.
    pub home_name: Option<String>,
    /// Tasks already taken on this month (orders and activity seats).
    pub load: i64,
}

/// What the order wants.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The skill, if one is wanted, with its name.
    pub skill: Option<(i64, String)>,
    /// Day of the wanted time, 1 = Monday.
    pub day: u8,
    /// Wanted from, minute of the day.
    pub from_min: u32,
    /// Wanted until, minute of the day (clipped to the end of the day).
    pub to_min: u32,
    /// Where the service is.
    pub place: Option<Point>,
    /// Whether `place` is the service's own position; `false` when it stands in for it
    /// with the centre of the order's community.
    pub place_exact: bool,
    /// The city's monthly cap on tasks per person.
    pub cap: i64,
}

/// How a candidate fits: each fact, and the ones that would need a written reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recommendation {
    /// Person id.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// 0–100: only orders the list.
    pub score: i64,
    /// Has the wanted skill (`null` when the order wants none).
    pub skill_match: Option<bool>,
    /// Stated availability covers the wanted time.
    pub available: bool,
    /// Metres from the home community's centre to the place, when both are known.
    pub distance_m: Option<i64>,
    /// Tasks already taken on this month.
    pub load: i64,
    /// The city's monthly cap.
    pub cap: i64,
    /// Why (one phrase per fact, in Chinese).
    pub reasons: Vec<String>,
    /// What a dispatcher must justify in writing to choose this person: `skill`,
    /// `availability`, `load`.
    pub needs_reason: Vec<String>,
}

/// Approximate metres between two nearby points (equirectangular; within a city the error
/// is far below what matters for "who lives nearer").
fn near_distance_m(a: Point, b: Point) -> f64 {
    const M_PER_DEG: f64 = 111_195.0;
    let lat = (a.lat() + b.lat()) / 2.0;
    let dx = (a.lon() - b.lon()) * M_PER_DEG * lat.to_radians().cos();
    let dy = (a.lat() - b.lat()) * M_PER_DEG;
    dx.hypot(dy)
}

/// Distance at which the distance part of the score reaches zero.
const FAR_M: f64 = 10_000.0;

struct Facts {
    skill: Option<bool>,
    available: bool,
    distance_m: Option<f64>,
    score: i64,
}

fn facts(c: &Candidate, w: &Wanted) -> Facts {
    let skill = w.skill.as_ref().map(|(id, _)| c.skill_ids.contains(id));
    let available = c
        .slots
        .iter()
        .any(|&(d, s, e)| d == w.day && s <= w.from_min && w.to_min <= e);
    let distance_m = c.home.zip(w.place).map(|(h, p)| near_distance_m(h, p));
    let mut score = match skill {
        Some(true) => 40,
        Some(false) => 0,
        None => 20,
    };
    if available {
        score += 30;
    }
    score += match distance_m {
        Some(d) => (20.0 * (1.0 - d / FAR_M).max(0.0)).round() as i64,
        None => 10,
    };
    if w.cap > 0 && c.load < w.cap {
        score += 10 * (w.cap - c.load) / w.cap;
    }
    Facts {
        skill,
        available,
        distance_m,
        score,
    }
}

/// Assess one candidate, with the reasons.
pub fn assess(c: &Candidate, w: &Wanted) -> Recommendation {
    let f = facts(c, w);
    let mut reasons = Vec::new();
    let mut needs_reason = Vec::new();
    match (&w.skill, f.skill) {
        (Some((_, name)), Some(true)) => reasons.push(format!("具备所需专长：{name}")),
        (Some((_, name)), _) => {
            reasons.push(format!("不具备所需专长：{name}"));
            needs_reason.push("skill".to_owned());
        }
        (None, _) => reasons.push("此单不限专长".to_owned()),
    }
    if f.available {
        reasons.push("期望时间在本人填报的空闲时段内".to_owned());
    } else {
        reasons.push("期望时间不在本人填报的空闲时段内".to_owned());
        needs_reason.push("availability".to_owned());
    }
    let to = if w.place_exact {
        "服务地点"
    } else {
        "服务所在社区"
    };
    match (f.distance_m, &c.home_name) {
        (Some(d), Some(n)) if !w.place_exact && d < 100.0 => {
            reasons.push(format!("住在本社区（{n}）"))
        }
        (Some(d), Some(n)) if d < 1000.0 => reasons.push(format!("住在{n}，距{to}约 {d:.0} 米")),
        (Some(d), Some(n)) => reasons.push(format!("住在{n}，距{to}约 {:.1} 公里", d / 1000.0)),
        (_, Some(n)) => reasons.push(format!("住在{n}")),
        _ => reasons.push("未登记居住社区位置".to_owned()),
    }
    if c.load >= w.cap {
        reasons.push(format!("本月已承接 {} 项，已达上限 {} 项", c.load, w.cap));
        needs_reason.push("load".to_owned());
    } else {
        reasons.push(format!("本月已承接 {} 项（上限 {} 项）", c.load, w.cap));
    }
    Recommendation {
        person_id: c.person_id,
        name: c.name.clone(),
        score: f.score,
        skill_match: f.skill,
        available: f.available,
        distance_m: f.distance_m.map(|d| d.round() as i64),
        load: c.load,
        cap: w.cap,
        reasons,
        needs_reason,
    }
}

/// The best `k` candidates, best first (ties: lighter load, then lower id). Scores are
/// computed for everyone; reasons only for the `k` shown.
pub fn rank(candidates: &[Candidate], w: &Wanted, k: usize) -> Vec<Recommendation> {
    let mut scored: Vec<(i64, i64, i64, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (-facts(c, w).score, c.load, c.person_id, i))
        .collect();
    let k = k.min(scored.len());
    if k == 0 {
        return Vec::new();
    }
    if k < scored.len() {
        scored.select_nth_unstable(k - 1);
        scored.truncate(k);
    }
    scored.sort_unstable();
    scored
        .into_iter()
        .map(|(.., i)| assess(&candidates[i], w))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn wanted() -> Wanted {
        Wanted {
            skill: Some((1, "医疗".into())),
            day: 6,
            from_min: 9 * 60,
            to_min: 11 * 60,
            place: Point::from_degrees(114.30, 30.60),
            place_exact: true,
            cap: 8,
        }
    }

    fn cand(id: i64, skill: bool, free: bool, km: f64, load: i64) -> Candidate {
        Candidate {
            person_id: id,
            name: format!("人员{id}"),
            skill_ids: if skill { vec![1] } else { vec![2] },
            slots: if free {
                vec![(6, 8 * 60, 17 * 60)]
            } else {
                vec![(1, 8 * 60, 17 * 60)]
            },
            home: Point::from_degrees(114.30, 30.60 + km / 111.195),
            home_name: Some("甲社区".into()),
            load,
        }
    }

    #[test]
    fn skill_then_availability_then_distance_then_load() {
        let cs = vec![
            cand(1, false, true, 0.0, 0),
            cand(2, true, false, 0.0, 0),
            cand(3, true, true, 5.0, 0),
            cand(4, true, true, 0.5, 0),
            cand(5, true, true, 0.5, 8),
        ];
        let r = rank(&cs, &wanted(), 5);
        let ids: Vec<i64> = r.iter().map(|x| x.person_id).collect();
        // Someone at the monthly cap falls below a farther person with room.
        assert_eq!(ids, vec![4, 3, 5, 2, 1]);
        assert!(r[0].needs_reason.is_empty());
        assert_eq!(r[2].needs_reason, vec!["load"]);
        assert_eq!(r[3].needs_reason, vec!["availability"]);
        assert_eq!(r[4].needs_reason, vec!["skill"]);
        assert!(r[0].reasons[0].contains("医疗"));
        assert!(r[0].reasons[2].contains("500 米"), "{:?}", r[0].reasons);
        assert!(r[1].reasons[2].contains("5.0 公里"), "{:?}", r[1].reasons);
    }

    #[test]
    fn without_a_position_distance_is_to_the_community() {
        let mut w = wanted();
        w.place_exact = false;
        let near = assess(&cand(1, true, true, 0.0, 0), &w);
        assert_eq!(near.reasons[2], "住在本社区（甲社区）");
        let far = assess(&cand(2, true, true, 3.0, 0), &w);
        assert!(
            far.reasons[2].contains("距服务所在社区约 3.0 公里"),
            "{:?}",
            far.reasons
        );
    }

    #[test]
    fn empty_pool_and_small_k() {
        assert!(rank(&[], &wanted(), 5).is_empty());
        let cs = vec![cand(1, true, true, 0.0, 0), cand(2, true, true, 0.0, 1)];
        assert_eq!(rank(&cs, &wanted(), 1)[0].person_id, 1);
        assert!(rank(&cs, &wanted(), 0).is_empty());
    }

    proptest! {
        /// The top k equals the first k of a full sort, and is ordered by score.
        #[test]
        fn top_k_is_the_head_of_the_full_order(
            people in proptest::collection::vec((any::<bool>(), any::<bool>(), 0.0f64..20.0, 0i64..12), 0..60),
            k in 0usize..10,
        ) {
            let cs: Vec<Candidate> = people.iter().enumerate()
                .map(|(i, &(s, f, km, l))| cand(i as i64 + 1, s, f, km, l)).collect();
            let top = rank(&cs, &wanted(), k);
            let all = rank(&cs, &wanted(), cs.len());
            prop_assert_eq!(top.len(), k.min(cs.len()));
            for (a, b) in top.iter().zip(all.iter()) {
                prop_assert_eq!(a.person_id, b.person_id);
            }
            for w in all.windows(2) {
                prop_assert!(w[0].score >= w[1].score);
            }
            for r in &all {
                prop_assert!((0..=100).contains(&r.score));
            }
        }
    }
}
