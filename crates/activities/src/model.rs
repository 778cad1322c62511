//! The pure rules of activities: the six duty kinds, the limits a published activity keeps,
//! the check-in and check-out windows, the minutes a check-out claims, and how well an
//! activity fits a person ("fits me first"). No database here, so every rule is tested on
//! its own.

use serde::Serialize;
use utoipa::ToSchema;

/// One minute in milliseconds.
pub const MINUTE_MS: i64 = 60_000;
/// Capacity of an activity: at least one seat, at most this many.
pub const MAX_CAPACITY: i64 = 10_000;
/// The longest window an activity may have (24 hours), in minutes.
pub const MAX_WINDOW_MIN: i64 = 24 * 60;
/// Smallest and largest radius of a circular fence, metres.
pub const RADIUS_M: (i64, i64) = (10, 5000);
/// How far in the past an activity may start: seven days, so that one that has begun (or
/// is recorded after the fact) can still be entered, rolled and reviewed.
pub const MAX_PAST_MS: i64 = 7 * 24 * 60 * MINUTE_MS;
/// How far ahead an activity may be published: one year.
pub const MAX_AHEAD_MS: i64 = 366 * 24 * 60 * MINUTE_MS;
/// Check-in opens this long before the start.
pub const CHECKIN_EARLY_MS: i64 = 30 * MINUTE_MS;
/// Check-out stays open this long after the end.
pub const CHECKOUT_LATE_MS: i64 = 60 * MINUTE_MS;
/// The most a reported accuracy may be (metres); anything larger is not a position.
pub const MAX_ACCURACY_M: f64 = 100_000.0;

/// The six duties of sent-down personnel (下沉人员六项职责); each is a kind of contribution in
/// the points standard (`ledger::rules::KINDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub enum DutyKind {
    /// 宣传党的政策
    #[serde(rename = "duty.policy")]
    Policy,
    /// 联系服务群众
    #[serde(rename = "duty.service")]
    Service,
    /// 参与民主议事
    #[serde(rename = "duty.deliberation")]
    Deliberation,
    /// 参加志愿服务
    #[serde(rename = "duty.volunteer")]
    Volunteer,
    /// 维护和谐稳定
    #[serde(rename = "duty.stability")]
    Stability,
    /// 处理突发事件
    #[serde(rename = "duty.emergency")]
    Emergency,
}

impl DutyKind {
    /// Every duty, in the order the policy lists them.
    pub const ALL: [DutyKind; 6] = [
        DutyKind::Policy,
        DutyKind::Service,
        DutyKind::Deliberation,
        DutyKind::Volunteer,
        DutyKind::Stability,
        DutyKind::Emergency,
    ];

    /// Stable code, the same as the ledger's kind of contribution.
    pub fn as_str(self) -> &'static str {
        match self {
            DutyKind::Policy => "duty.policy",
            DutyKind::Service => "duty.service",
            DutyKind::Deliberation => "duty.deliberation",
            DutyKind::Volunteer => "duty.volunteer",
            DutyKind::Stability => "duty.stability",
            DutyKind::Emergency => "duty.emergency",
        }
    }

    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            DutyKind::Policy => "宣传党的政策",
            DutyKind::Service => "联系服务群众",
            DutyKind::Deliberation => "参与民主议事",
            DutyKind::Volunteer => "参加志愿服务",
            DutyKind::Stability => "维护和谐稳定",
            DutyKind::Emergency => "处理突发事件",
        }
    }

    /// Parse a code (`duty.volunteer`, or just `volunteer`) or the Chinese name.
    pub fn parse(s: &str) -> Option<DutyKind> {
        let s = s.trim();
        DutyKind::ALL.into_iter().find(|k| {
            k.as_str() == s || k.as_str().strip_prefix("duty.") == Some(s) || k.label() == s
        })
    }

    /// The list of choices, for error messages.
    pub fn choices() -> String {
        DutyKind::ALL
            .iter()
            .map(|k| format!("{}（{}）", k.as_str(), k.label()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// Check an activity's window against the rules; `Err((field, message))` says what to fix.
pub fn check_window(starts_at: i64, ends_at: i64, now: i64) -> Result<(), (&'static str, String)> {
    if ends_at <= starts_at {
        return Err(("ends_at", "结束时间必须晚于开始时间".into()));
    }
    if ends_at - starts_at > MAX_WINDOW_MIN * MINUTE_MS {
        return Err((
            "ends_at",
            "一次活动最长 24 小时：更长的活动请按天分别发布".into(),
        ));
    }
    if starts_at < now - MAX_PAST_MS {
        return Err((
            "starts_at",
            "开始时间最早只能是 7 天前（用于补录已开展的活动）".into(),
        ));
    }
    if starts_at > now + MAX_AHEAD_MS {
        return Err(("starts_at", "开始时间不能晚于一年以后".into()));
    }
    Ok(())
}

/// Which way a check-in goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 签到
    In,
    /// 签退
    Out,
}

impl Direction {
    /// Parse `in` or `out`.
    pub fn parse(s: &str) -> Option<Direction> {
        match s.trim() {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }

    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Direction::In => "签到",
            Direction::Out => "签退",
        }
    }
}

/// The instants `[from, to]` within which a check-in of `dir` counts as on time: check-in
/// from 30 minutes before the start to the end, check-out from the start to 60 minutes
/// after the end.
pub fn time_window(dir: Direction, starts_at: i64, ends_at: i64) -> (i64, i64) {
    match dir {
        Direction::In => (starts_at - CHECKIN_EARLY_MS, ends_at),
        Direction::Out => (starts_at, ends_at + CHECKOUT_LATE_MS),
    }
}

/// Whether a check-in of `dir` at `at` falls inside its window.
pub fn in_time_window(dir: Direction, at: i64, starts_at: i64, ends_at: i64) -> bool {
    let (from, to) = time_window(dir, starts_at, ends_at);
    (from..=to).contains(&at)
}

/// Whole minutes between `from` and `to` once both are clipped to the activity's window
/// (0 when they do not overlap it).
pub fn clipped_minutes(from: i64, to: i64, starts_at: i64, ends_at: i64) -> i64 {
    let (a, b) = (from.max(starts_at), to.min(ends_at));
    ((b - a).max(0)) / MINUTE_MS
}

/// The most minutes a review may credit at `now`: once the activity has ended, anything up
/// to a day; while it runs, only the time already served since the later of its start and
/// the person's check-in (0 before either). Approving early can never credit planned time.
pub fn creditable_minutes(
    now: i64,
    starts_at: i64,
    ends_at: i64,
    checked_in_at: Option<i64>,
) -> i64 {
    if now >= ends_at {
        return MAX_WINDOW_MIN;
    }
    let from = checked_in_at.map_or(starts_at, |c| c.max(starts_at));
    clipped_minutes(from, now, starts_at, ends_at)
}

/// The window's length in minutes, at most a day (the default minutes of a roll call).
pub fn window_minutes(starts_at: i64, ends_at: i64) -> i64 {
    ((ends_at - starts_at).max(0) / MINUTE_MS).min(MAX_WINDOW_MIN)
}

/// The path of the street around a community: the path without its last node
/// (`/1/2/3/4/` → `/1/2/3/`). A path of one node stays as it is.
pub fn parent_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) if i > 0 => trimmed[..=i].to_owned(),
        _ => path.to_owned(),
    }
}

/// What an activity asks for, as far as fit is concerned.
#[derive(Debug, Clone, Default)]
pub struct Wants<'a> {
    /// Organisation path of the activity.
    pub unit_path: &'a str,
    /// Wanted skills.
    pub skill_ids: &'a [i64],
    /// Employers it is aimed at.
    pub employer_ids: &'a [i64],
    /// Only for party members.
    pub party_only: bool,
}

/// What a person brings, as far as fit is concerned.
#[derive(Debug, Clone, Default)]
pub struct Brings<'a> {
    /// Path of the community they are registered with.
    pub scope_path: &'a str,
    /// Their skills, with names.
    pub skills: &'a [(i64, String)],
    /// Their employer.
    pub employer_id: Option<i64>,
    /// Whether they are a party member.
    pub party_member: bool,
}

/// How well an activity fits a person: a score to sort by and the reasons, in words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fit {
    /// Higher fits better; 0 means nothing in particular.
    pub score: i64,
    /// Why it fits (shown to the person).
    pub reasons: Vec<String>,
}

/// Whether a person may see (and sign up for) an activity at all: activities for party
/// members only are shown to party members only.
pub fn visible_to(w: &Wants<'_>, b: &Brings<'_>) -> bool {
    !w.party_only || b.party_member
}

/// Score an activity for a person: wanted skills they have weigh most, then their employer
/// being invited, then a party-members activity for a member, then one in their own
/// community.
pub fn fit(w: &Wants<'_>, b: &Brings<'_>) -> Fit {
    let mut f = Fit::default();
    let matched: Vec<&str> = b
        .skills
        .iter()
        .filter(|(id, _)| w.skill_ids.contains(id))
        .map(|(_, n)| n.as_str())
        .collect();
    if !matched.is_empty() {
        f.score += 8;
        f.reasons
            .push(format!("需要您的专长：{}", matched.join("、")));
    }
    if b.employer_id.is_some_and(|e| w.employer_ids.contains(&e)) {
        f.score += 4;
        f.reasons.push("邀请了您所在的派出单位".into());
    }
    if w.party_only && b.party_member {
        f.score += 2;
        f.reasons.push("面向党员".into());
    }
    if !b.scope_path.is_empty() && w.unit_path.starts_with(b.scope_path) {
        f.score += 1;
        f.reasons.push("在您报到的社区".into());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 60 * MINUTE_MS;

    #[test]
    fn early_review_credits_only_time_served() {
        let (s, e) = (10 * H, 12 * H);
        assert_eq!(creditable_minutes(9 * H, s, e, None), 0, "not started");
        assert_eq!(creditable_minutes(s + 30 * MINUTE_MS, s, e, None), 30);
        assert_eq!(
            creditable_minutes(s + 30 * MINUTE_MS, s, e, Some(s - H)),
            30,
            "an early check-in counts from the start"
        );
        assert_eq!(
            creditable_minutes(s + 30 * MINUTE_MS, s, e, Some(s + 20 * MINUTE_MS)),
            10,
            "a late arrival counts from the check-in"
        );
        assert_eq!(creditable_minutes(e, s, e, None), MAX_WINDOW_MIN);
    }

    proptest! {
        #[test]
        fn creditable_never_exceeds_elapsed(now in 0i64..48 * H, start in 0i64..24 * H, len in 1i64..24 * H, checkin in proptest::option::of(0i64..48 * H)) {
            let end = start + len;
            let c = creditable_minutes(now, start, end, checkin);
            prop_assert!(c >= 0);
            if now < end {
                prop_assert!(c <= ((now - start).max(0)) / MINUTE_MS);
            }
        }
    }

    #[test]
    fn duty_kinds_parse_by_code_short_code_and_name() {
        for k in DutyKind::ALL {
            assert_eq!(DutyKind::parse(k.as_str()), Some(k));
            assert_eq!(DutyKind::parse(k.label()), Some(k));
        }
        assert_eq!(DutyKind::parse("volunteer"), Some(DutyKind::Volunteer));
        assert_eq!(DutyKind::parse("order.done"), None);
        assert!(DutyKind::choices().contains("duty.emergency（处理突发事件）"));
        assert_eq!(
            serde_json::to_value(DutyKind::Policy).unwrap(),
            "duty.policy"
        );
    }

    #[test]
    fn duty_kinds_are_kinds_of_the_points_standard() {
        for k in DutyKind::ALL {
            assert!(
                ledger::rules::KINDS
                    .iter()
                    .any(|(code, label, ..)| *code == k.as_str() && *label == k.label()),
                "{k:?}"
            );
        }
    }

    #[test]
    fn windows_must_be_ordered_short_and_recent() {
        let now = 1_800_000_000_000;
        assert!(check_window(now + H, now + 2 * H, now).is_ok());
        assert_eq!(check_window(now, now, now).unwrap_err().0, "ends_at");
        assert_eq!(check_window(now + H, now, now).unwrap_err().0, "ends_at");
        assert_eq!(
            check_window(now, now + 25 * H, now).unwrap_err().0,
            "ends_at"
        );
        assert!(check_window(now, now + 24 * H, now).is_ok());
        assert!(check_window(now - 6 * 24 * H, now - 6 * 24 * H + H, now).is_ok());
        assert_eq!(
            check_window(now - 8 * 24 * H, now - 8 * 24 * H + H, now)
                .unwrap_err()
                .0,
            "starts_at"
        );
        assert_eq!(
            check_window(now + 400 * 24 * H, now + 400 * 24 * H + H, now)
                .unwrap_err()
                .0,
            "starts_at"
        );
    }

    #[test]
    fn check_in_and_out_windows() {
        let (s, e) = (10 * H, 12 * H);
        assert!(in_time_window(Direction::In, s - 30 * MINUTE_MS, s, e));
        assert!(!in_time_window(Direction::In, s - 31 * MINUTE_MS, s, e));
        assert!(in_time_window(Direction::In, e, s, e));
        assert!(!in_time_window(Direction::In, e + 1, s, e));
        assert!(!in_time_window(Direction::Out, s - 1, s, e));
        assert!(in_time_window(Direction::Out, e + H, s, e));
        assert!(!in_time_window(Direction::Out, e + H + 1, s, e));
        assert_eq!(Direction::parse("out"), Some(Direction::Out));
        assert_eq!(Direction::parse("OUT "), None);
    }

    #[test]
    fn claimed_minutes_are_clipped_to_the_window() {
        let (s, e) = (10 * H, 12 * H);
        assert_eq!(clipped_minutes(s - H, e + H, s, e), 120);
        assert_eq!(
            clipped_minutes(s + 15 * MINUTE_MS, s + 75 * MINUTE_MS, s, e),
            60
        );
        assert_eq!(clipped_minutes(e + H, e + 2 * H, s, e), 0);
        assert_eq!(clipped_minutes(s + H, s, s, e), 0);
        assert_eq!(window_minutes(s, e), 120);
        assert_eq!(window_minutes(0, 30 * H), MAX_WINDOW_MIN);
    }

    #[test]
    fn the_street_is_the_parent_of_the_community() {
        assert_eq!(parent_path("/1/2/3/4/"), "/1/2/3/");
        assert_eq!(parent_path("/1/2/"), "/1/");
        assert_eq!(parent_path("/1/"), "/1/");
    }

    #[test]
    fn fit_orders_skills_then_employer_then_party_then_home() {
        let skills = vec![(1, "医疗".to_owned()), (2, "电工".to_owned())];
        let me = Brings {
            scope_path: "/1/2/3/4/",
            skills: &skills,
            employer_id: Some(7),
            party_member: true,
        };
        let f = fit(
            &Wants {
                unit_path: "/1/2/3/4/",
                skill_ids: &[2, 9],
                employer_ids: &[7],
                party_only: true,
            },
            &me,
        );
        assert_eq!(f.score, 15);
        assert_eq!(
            f.reasons,
            vec![
                "需要您的专长：电工",
                "邀请了您所在的派出单位",
                "面向党员",
                "在您报到的社区"
            ]
        );
        let elsewhere = Wants {
            unit_path: "/1/2/3/5/",
            ..Default::default()
        };
        assert_eq!(fit(&elsewhere, &me), Fit::default());
        let not_member = Brings {
            party_member: false,
            ..me.clone()
        };
        assert!(!visible_to(
            &Wants {
                party_only: true,
                ..Default::default()
            },
            &not_member
        ));
        assert!(visible_to(&elsewhere, &not_member));
    }

    proptest! {
        #[test]
        fn claimed_minutes_never_exceed_the_window(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000, s in -100_000_000i64..100_000_000, len in 1i64..86_400_000) {
            let m = clipped_minutes(a, b, s, s + len);
            prop_assert!(m >= 0);
            prop_assert!(m <= len / MINUTE_MS);
            prop_assert!(m <= window_minutes(s, s + len));
        }

        #[test]
        fn a_skill_match_always_outranks_everything_else(skill in any::<bool>(), emp in any::<bool>(), party in any::<bool>(), home in any::<bool>()) {
            let skills = vec![(1, "医疗".to_owned())];
            let me = Brings { scope_path: "/1/2/", skills: &skills, employer_id: Some(3), party_member: true };
            let w = Wants {
                unit_path: if home { "/1/2/9/" } else { "/1/5/" },
                skill_ids: if skill { &[1] } else { &[] },
                employer_ids: if emp { &[3] } else { &[] },
                party_only: party,
            };
            let f = fit(&w, &me);
            prop_assert_eq!(f.score >= 8, skill);
            prop_assert_eq!(f.reasons.len() as i64, i64::from(skill) + i64::from(emp) + i64::from(party) + i64::from(home));
        }

        #[test]
        fn an_on_time_check_in_is_within_the_window_shifted(s in 0i64..1_000_000_000, len in 1i64..86_400_000, off in 0i64..86_400_000) {
            let e = s + len;
            let at = s + off;
            prop_assert_eq!(in_time_window(Direction::In, at, s, e), at <= e);
            prop_assert_eq!(in_time_window(Direction::Out, at, s, e), at <= e + CHECKOUT_LATE_MS);
        }
    }
}
