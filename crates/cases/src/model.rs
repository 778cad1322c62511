//! The pure rules of a case: where it comes from, its urgency, its states and which step
//! may follow which (the national loop 信息收集 → 案卷建立 → 任务派遣 → 任务处理 → 处理反馈
//! → 核查结案 → 综合评价, none skipped), the handling time limits and how they turn into a
//! deadline on the working-day calendar, and the escalation levels.

use kernel::calendar::{self, Calendar, WorkHours};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a case came from (信息来源).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 网格巡查: found by a grid worker or a sent-down person on patrol.
    Patrol,
    /// 群众上报: reported by a resident (pages, API, Open311).
    Resident,
    /// 12345 热线.
    Hotline,
    /// 媒体曝光.
    Media,
    /// 督查暗访: a superior's inspection.
    Inspection,
    /// 信访.
    Petition,
    /// 盯守复查: a rebound reported during the follow-up watch of a closed case.
    Watch,
}

impl Source {
    /// Every source, in the order forms list them.
    pub const ALL: [Source; 7] = [
        Source::Patrol,
        Source::Resident,
        Source::Hotline,
        Source::Media,
        Source::Inspection,
        Source::Petition,
        Source::Watch,
    ];

    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Patrol => "patrol",
            Source::Resident => "resident",
            Source::Hotline => "hotline",
            Source::Media => "media",
            Source::Inspection => "inspection",
            Source::Petition => "petition",
            Source::Watch => "watch",
        }
    }

    /// From the stable code.
    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Source::Patrol => "网格巡查",
            Source::Resident => "群众上报",
            Source::Hotline => "12345热线",
            Source::Media => "媒体曝光",
            Source::Inspection => "督查暗访",
            Source::Petition => "信访",
            Source::Watch => "盯守复查",
        }
    }

    /// Found by someone outside the grid: when the grid had not reported the same
    /// problem, the case counts as missed by the grid (the Zhengzhou rule).
    pub fn found_outside_the_grid(self) -> bool {
        matches!(self, Source::Hotline | Source::Media | Source::Inspection)
    }

    /// Reported from inside the grid: a report that counts for the grid's 有效上报率.
    pub fn grid_report(self) -> bool {
        matches!(self, Source::Patrol | Source::Watch)
    }
}

/// How urgent a case is; each category has a time limit per level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 一般.
    Normal,
    /// 紧急.
    Urgent,
}

impl Urgency {
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
        }
    }

    /// From the stable code.
    pub fn parse(s: &str) -> Option<Urgency> {
        match s {
            "normal" => Some(Urgency::Normal),
            "urgent" => Some(Urgency::Urgent),
            _ => None,
        }
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Normal => "一般",
            Urgency::Urgent => "紧急",
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待受理: reported, not yet registered.
    Reported,
    /// 已立案: registered, waiting to be dispatched.
    Registered,
    /// 已作废: not a case (with the reason), or merged into another.
    Voided,
    /// 处置中: dispatched to a handler (also after a failed verification: 返工).
    Dispatched,
    /// 缓办: suspended with approval; the clock stops.
    Suspended,
    /// 待核查: the handler fed back; a verifier checks on site.
    Handled,
    /// 已结案.
    Closed,
}

impl State {
    /// Every state.
    pub const ALL: [State; 7] = [
        State::Reported,
        State::Registered,
        State::Voided,
        State::Dispatched,
        State::Suspended,
        State::Handled,
        State::Closed,
    ];

    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Reported => "reported",
            State::Registered => "registered",
            State::Voided => "voided",
            State::Dispatched => "dispatched",
            State::Suspended => "suspended",
            State::Handled => "handled",
            State::Closed => "closed",
        }
    }

    /// From the stable code.
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            State::Reported => "待受理",
            State::Registered => "待派遣",
            State::Voided => "已作废",
            State::Dispatched => "处置中",
            State::Suspended => "缓办",
            State::Handled => "待核查",
            State::Closed => "已结案",
        }
    }

    /// The colour class (one per state everywhere): pending amber, in progress blue,
    /// finished green, withdrawn grey. Overdue (red) is shown on top of the state.
    pub fn tone(self) -> &'static str {
        match self {
            State::Reported | State::Registered | State::Handled => "pending",
            State::Dispatched | State::Suspended => "active",
            State::Closed => "done",
            State::Voided => "void",
        }
    }

    /// Still open: something is owed on it.
    pub fn is_open(self) -> bool {
        !matches!(self, State::Voided | State::Closed)
    }

    /// Whether the handling clock runs (a deadline can pass).
    pub fn clock_runs(self) -> bool {
        matches!(self, State::Dispatched)
    }
}

/// A step in a case's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// 立案.
    Register,
    /// 作废 (not a case), with a reason.
    Void,
    /// 合并: a duplicate merged into an open case of the same problem.
    Merge,
    /// 派遣 to a handler.
    Dispatch,
    /// 处置反馈: the handler reports what was done.
    Handle,
    /// 核查通过: closes the case.
    Pass,
    /// 核查不通过: back to the handler (返工).
    Fail,
    /// 回退 (approved): back to the dispatcher, to dispatch again.
    Return,
    /// 缓办 (approved): the clock stops.
    Suspend,
    /// 恢复处置 after 缓办.
    Resume,
}

impl Step {
    /// Stable code (recorded on the case's events).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Register => "register",
            Step::Void => "void",
            Step::Merge => "merge",
            Step::Dispatch => "dispatch",
            Step::Handle => "handle",
            Step::Pass => "pass",
            Step::Fail => "fail",
            Step::Return => "return",
            Step::Suspend => "suspend",
            Step::Resume => "resume",
        }
    }

    /// What the step is called.
    pub fn label(self) -> &'static str {
        match self {
            Step::Register => "立案",
            Step::Void => "作废",
            Step::Merge => "合并",
            Step::Dispatch => "派遣",
            Step::Handle => "提交处置结果",
            Step::Pass => "核查通过",
            Step::Fail => "核查不通过",
            Step::Return => "回退",
            Step::Suspend => "缓办",
            Step::Resume => "恢复处置",
        }
    }
}

/// The state after `step` from `from`, or why it may not happen (shown to people). No
/// step of the loop can be skipped: a case is registered before it is dispatched,
/// handled before it is verified, and only a passed verification closes it.
pub fn next(from: State, step: Step) -> Result<State, String> {
    use State as S;
    use Step as T;
    let to = match (step, from) {
        (T::Register, S::Reported) => S::Registered,
        (T::Void | T::Merge, S::Reported | S::Registered) => S::Voided,
        (T::Dispatch, S::Registered) => S::Dispatched,
        (T::Handle, S::Dispatched) => S::Handled,
        (T::Pass, S::Handled) => S::Closed,
        (T::Fail, S::Handled) => S::Dispatched,
        (T::Return, S::Dispatched) => S::Registered,
        (T::Suspend, S::Dispatched) => S::Suspended,
        (T::Resume, S::Suspended) => S::Dispatched,
        _ => {
            return Err(format!(
                "案卷当前为“{}”，不能{}",
                from.label(),
                step.label()
            ));
        }
    };
    Ok(to)
}

/// A handling time limit (处置时限): the same working day (当日办结), a number of working
/// days, or a number of working hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeLimit {
    /// 当日办结: by the end of the working day (the next one when reported after hours).
    SameDay,
    /// N working days (1–15).
    WorkingDays(u32),
    /// N working hours (1–24).
    WorkingHours(u32),
}

/// The most working days a case may take, extensions included (15, with approval).
pub const MAX_WORKING_DAYS: u32 = 15;
/// The most working hours a limit in hours may give.
pub const MAX_WORKING_HOURS: u32 = 24;

impl TimeLimit {
    /// Parse `0d` (same day), `3d` (working days) or `4h` (working hours).
    pub fn parse(s: &str) -> Option<TimeLimit> {
        let s = s.trim();
        let digits = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
        if let Some(n) = s.strip_suffix('d').filter(|n| digits(n)) {
            match n.parse::<u32>().ok()? {
                0 => Some(TimeLimit::SameDay),
                n if n <= MAX_WORKING_DAYS => Some(TimeLimit::WorkingDays(n)),
                _ => None,
            }
        } else {
            let n: u32 = s.strip_suffix('h').filter(|n| digits(n))?.parse().ok()?;
            (1..=MAX_WORKING_HOURS)
                .contains(&n)
                .then_some(TimeLimit::WorkingHours(n))
        }
    }

    /// The stored form.
    pub fn code(self) -> String {
        match self {
            TimeLimit::SameDay => "0d".into(),
            TimeLimit::WorkingDays(n) => format!("{n}d"),
            TimeLimit::WorkingHours(n) => format!("{n}h"),
        }
    }

    /// In words.
    pub fn label(self) -> String {
        match self {
            TimeLimit::SameDay => "当日办结".into(),
            TimeLimit::WorkingDays(n) => format!("{n} 个工作日"),
            TimeLimit::WorkingHours(n) => format!("{n} 个工作小时"),
        }
    }

    /// The deadline for a case dispatched at `from_ms`.
    pub fn deadline(self, cal: &Calendar, wh: &WorkHours, from_ms: i64) -> i64 {
        match self {
            TimeLimit::SameDay => calendar::end_of_working_day(cal, wh, from_ms),
            TimeLimit::WorkingDays(n) => calendar::add_working_days(cal, wh, from_ms, n),
            TimeLimit::WorkingHours(n) => calendar::add_working_hours(cal, wh, from_ms, n * 60),
        }
    }

    /// Working days the limit stands for, for the 15-day ceiling with extensions: a
    /// same-day or hours limit counts as one.
    pub fn days(self) -> u32 {
        match self {
            TimeLimit::WorkingDays(n) => n,
            TimeLimit::SameDay | TimeLimit::WorkingHours(_) => 1,
        }
    }
}

/// The usual local classes offered in forms (the rest can be typed as `Nd` / `Nh`).
pub const LIMIT_CHOICES: [(&str, &str); 6] = [
    ("2h", "2 个工作小时"),
    ("4h", "4 个工作小时"),
    ("0d", "当日办结"),
    ("3d", "3 个工作日"),
    ("7d", "7 个工作日"),
    ("15d", "15 个工作日"),
];

/// The longest extension one may still ask for: what is left of the 15 working days once
/// the limit and earlier extensions are counted.
pub fn extension_left(limit: TimeLimit, extended_days: u32) -> u32 {
    MAX_WORKING_DAYS.saturating_sub(limit.days() + extended_days)
}

/// The level a case is answered for at after `escalations` steps up the tree from where
/// it was filed: 网格 → 社区 → 街道 → 区 (the district's departments).
pub fn level_label(kind: &str) -> &'static str {
    match kind {
        "grid" => "网格",
        "community" | "village" | "joint_community" => "社区",
        "street" => "街道",
        "district" => "区",
        _ => "市",
    }
}

/// The kinds of node a case climbs through, lowest first; it stops at the district.
pub fn escalates_to(kind: &str) -> bool {
    matches!(
        kind,
        "community" | "village" | "joint_community" | "street" | "district"
    )
}

/// What the resident who reported thinks of the outcome (综合评价).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// 满意.
    Satisfied,
    /// 基本满意.
    Basic,
    /// 不满意.
    Unsatisfied,
}

impl Satisfaction {
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::Basic => "basic",
            Satisfaction::Unsatisfied => "unsatisfied",
        }
    }

    /// From the stable code.
    pub fn parse(s: &str) -> Option<Satisfaction> {
        match s {
            "satisfied" => Some(Satisfaction::Satisfied),
            "basic" => Some(Satisfaction::Basic),
            "unsatisfied" => Some(Satisfaction::Unsatisfied),
            _ => None,
        }
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::Basic => "基本满意",
            Satisfaction::Unsatisfied => "不满意",
        }
    }
}

/// How far apart two reports may be and still be offered as the same problem (metres).
pub const DUPLICATE_RADIUS_M: f64 = 50.0;

/// China's extent (WGS-84 degrees): longitude 73.4–135.1 E, latitude 3.8–53.6 N. A
/// position outside it is a mistake on a city's platform.
pub fn in_china(lon: f64, lat: f64) -> bool {
    (73.4..=135.1).contains(&lon) && (3.8..=53.6).contains(&lat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::time::{local_datetime, parse_datetime};
    use proptest::prelude::*;

    const STEPS: [Step; 10] = [
        Step::Register,
        Step::Void,
        Step::Merge,
        Step::Dispatch,
        Step::Handle,
        Step::Pass,
        Step::Fail,
        Step::Return,
        Step::Suspend,
        Step::Resume,
    ];

    #[test]
    fn the_loop_in_order() {
        let mut s = State::Reported;
        for step in [Step::Register, Step::Dispatch, Step::Handle] {
            s = next(s, step).unwrap();
        }
        assert_eq!(s, State::Handled);
        // A failed verification is rework: back to the handler.
        s = next(s, Step::Fail).unwrap();
        assert_eq!(s, State::Dispatched);
        s = next(next(s, Step::Handle).unwrap(), Step::Pass).unwrap();
        assert_eq!(s, State::Closed);
    }

    #[test]
    fn no_step_can_be_skipped() {
        assert!(next(State::Reported, Step::Dispatch).is_err());
        assert!(next(State::Reported, Step::Handle).is_err());
        assert!(next(State::Registered, Step::Handle).is_err());
        assert!(next(State::Dispatched, Step::Pass).is_err());
        assert!(next(State::Registered, Step::Pass).is_err());
        let e = next(State::Closed, Step::Void).unwrap_err();
        assert!(e.contains("已结案"), "{e}");
    }

    proptest! {
        /// Whatever the steps, a case reaches 结案 only through 核查通过, which only follows
        /// 处置反馈, which only follows 派遣, which only follows 立案.
        #[test]
        fn closing_needs_every_step(steps in prop::collection::vec(0usize..10, 0..30)) {
            let mut s = State::Reported;
            let mut seen = Vec::new();
            for i in steps {
                if let Ok(t) = next(s, STEPS[i]) {
                    seen.push(STEPS[i]);
                    s = t;
                }
            }
            if s == State::Closed {
                let pos = |x: Step| seen.iter().position(|y| *y == x);
                let (r, d, h, p) = (pos(Step::Register), pos(Step::Dispatch), pos(Step::Handle), pos(Step::Pass));
                prop_assert!(r.is_some() && d.is_some() && h.is_some() && p.is_some());
                prop_assert!(r < d && d < h && h < p);
                prop_assert_eq!(seen.last(), Some(&Step::Pass));
            }
            if !s.is_open() {
                // Nothing leaves a final state.
                for step in STEPS {
                    prop_assert!(next(s, step).is_err());
                }
            }
        }
    }

    #[test]
    fn limits_parse_and_show() {
        assert_eq!(TimeLimit::parse("0d"), Some(TimeLimit::SameDay));
        assert_eq!(TimeLimit::parse("3d"), Some(TimeLimit::WorkingDays(3)));
        assert_eq!(TimeLimit::parse("15d"), Some(TimeLimit::WorkingDays(15)));
        assert_eq!(TimeLimit::parse("16d"), None);
        assert_eq!(TimeLimit::parse("2h"), Some(TimeLimit::WorkingHours(2)));
        assert_eq!(TimeLimit::parse("0h"), None);
        assert_eq!(TimeLimit::parse("h"), None);
        assert_eq!(TimeLimit::parse(""), None);
        assert_eq!(TimeLimit::parse("3天"), None);
        assert_eq!(TimeLimit::parse("天"), None);
        assert_eq!(TimeLimit::parse("+3d"), None);
        assert_eq!(TimeLimit::parse("d"), None);
        for (code, label) in LIMIT_CHOICES {
            let l = TimeLimit::parse(code).unwrap();
            assert_eq!(l.code(), code);
            assert_eq!(l.label(), label);
        }
    }

    #[test]
    fn deadlines_count_working_time() {
        let (cal, wh) = (Calendar::national(), WorkHours::default());
        let at = |s: &str| parse_datetime(s).unwrap();
        // Dispatched on Friday 2026-09-18 10:00 (the Sunday after is worked for 国庆).
        let from = at("2026-09-18T10:00");
        let show = |l: TimeLimit| local_datetime(l.deadline(&cal, &wh, from));
        assert_eq!(show(TimeLimit::SameDay), "2026-09-18T17:30");
        assert_eq!(show(TimeLimit::WorkingDays(3)), "2026-09-22T17:30");
        assert_eq!(show(TimeLimit::WorkingHours(2)), "2026-09-18T12:00");
        assert_eq!(show(TimeLimit::WorkingHours(8)), "2026-09-20T10:30");
        // Dispatched in the 2026 National Day break: 10-08 is the first working day, the
        // adjusted Saturday 10-10 counts, so the seventh is Thursday 10-15.
        let from = at("2026-10-02T09:00");
        assert_eq!(
            local_datetime(TimeLimit::WorkingDays(7).deadline(&cal, &wh, from)),
            "2026-10-15T17:30"
        );
    }

    #[test]
    fn extensions_stop_at_fifteen_working_days() {
        assert_eq!(extension_left(TimeLimit::WorkingDays(7), 0), 8);
        assert_eq!(extension_left(TimeLimit::WorkingDays(7), 8), 0);
        assert_eq!(extension_left(TimeLimit::WorkingDays(15), 0), 0);
        assert_eq!(extension_left(TimeLimit::SameDay, 0), 14);
        assert_eq!(extension_left(TimeLimit::WorkingDays(3), 20), 0);
    }

    #[test]
    fn china_extent() {
        assert!(in_china(114.3, 30.6));
        assert!(in_china(87.6, 43.8), "Urumqi");
        assert!(in_china(126.6, 45.8), "Harbin");
        assert!(!in_china(-0.1, 51.5), "London");
        assert!(!in_china(114.3, -30.6));
        assert!(!in_china(140.0, 35.7), "Tokyo");
    }

    #[test]
    fn codes_round_trip() {
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        for u in [Urgency::Normal, Urgency::Urgent] {
            assert_eq!(Urgency::parse(u.as_str()), Some(u));
        }
        assert!(Source::Media.found_outside_the_grid());
        assert!(!Source::Patrol.found_outside_the_grid());
        assert!(!Source::Resident.found_outside_the_grid());
    }
}
