//! The pure rules of an order: its states, which step may follow which and by whom, and
//! the categories residents choose from.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待派单: in the community's pool.
    Placed,
    /// 待接单: dispatched to a person who has not yet accepted.
    Dispatched,
    /// 服务中: accepted by the person.
    Accepted,
    /// 待确认: the person marked it done; the resident confirms and rates.
    Done,
    /// 已完成: confirmed by the resident (or the responsible cadre).
    Confirmed,
    /// 已撤销.
    Cancelled,
    /// 已过期: the wanted time passed before anyone took it.
    Expired,
}

impl State {
    /// Every state.
    pub const ALL: [State; 7] = [
        State::Placed,
        State::Dispatched,
        State::Accepted,
        State::Done,
        State::Confirmed,
        State::Cancelled,
        State::Expired,
    ];

    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Placed => "placed",
            State::Dispatched => "dispatched",
            State::Accepted => "accepted",
            State::Done => "done",
            State::Confirmed => "confirmed",
            State::Cancelled => "cancelled",
            State::Expired => "expired",
        }
    }

    /// From the stable code.
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            State::Placed => "待派单",
            State::Dispatched => "待接单",
            State::Accepted => "服务中",
            State::Done => "待确认",
            State::Confirmed => "已完成",
            State::Cancelled => "已撤销",
            State::Expired => "已过期",
        }
    }

    /// The colour class of the state (one colour per state everywhere): pending amber,
    /// in progress blue, finished green, overdue red, withdrawn grey.
    pub fn tone(self) -> &'static str {
        match self {
            State::Placed | State::Dispatched | State::Done => "pending",
            State::Accepted => "active",
            State::Confirmed => "done",
            State::Expired => "overdue",
            State::Cancelled => "void",
        }
    }

    /// Whether nothing more can happen to the order (except the person's rating back).
    pub fn is_final(self) -> bool {
        matches!(self, State::Confirmed | State::Cancelled | State::Expired)
    }
}

/// A step in an order's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// 派单 (or re-dispatch to someone else before acceptance).
    Dispatch,
    /// 接单.
    Accept,
    /// 拒单: back to the pool, with a reason.
    Decline,
    /// 完成服务.
    Finish,
    /// 确认完成 with a rating.
    Confirm,
    /// 撤销.
    Cancel,
    /// The acceptance deadline passed: back to the pool.
    TimeOut,
    /// The wanted time passed with nobody serving.
    Expire,
}

impl Step {
    /// Every step.
    pub const ALL: [Step; 8] = [
        Step::Dispatch,
        Step::Accept,
        Step::Decline,
        Step::Finish,
        Step::Confirm,
        Step::Cancel,
        Step::TimeOut,
        Step::Expire,
    ];

    /// Stable code (recorded on the order's events).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Dispatch => "dispatch",
            Step::Accept => "accept",
            Step::Decline => "decline",
            Step::Finish => "finish",
            Step::Confirm => "confirm",
            Step::Cancel => "cancel",
            Step::TimeOut => "time_out",
            Step::Expire => "expire",
        }
    }

    /// What the step is called.
    pub fn label(self) -> &'static str {
        match self {
            Step::Dispatch => "派单",
            Step::Accept => "接单",
            Step::Decline => "拒单",
            Step::Finish => "完成服务",
            Step::Confirm => "确认完成",
            Step::Cancel => "撤销",
            Step::TimeOut => "超时未接单，退回待派单",
            Step::Expire => "超过期望时间，已过期",
        }
    }
}

/// The state after `step` from `from`, or the reason it may not happen (shown to people).
pub fn next(from: State, step: Step) -> Result<State, String> {
    use State as S;
    use Step as T;
    let to = match (step, from) {
        (T::Dispatch, S::Placed | S::Dispatched) => S::Dispatched,
        (T::Accept, S::Dispatched) => S::Accepted,
        (T::Decline, S::Dispatched | S::Accepted) => S::Placed,
        (T::Finish, S::Accepted) => S::Done,
        (T::Confirm, S::Done) => S::Confirmed,
        (T::Cancel, S::Placed | S::Dispatched | S::Accepted) => S::Cancelled,
        (T::TimeOut, S::Dispatched) => S::Placed,
        (T::Expire, S::Placed | S::Dispatched) => S::Expired,
        _ => {
            return Err(format!(
                "订单当前为“{}”，不能{}",
                from.label(),
                step.label()
            ));
        }
    };
    Ok(to)
}

/// A category residents choose from, with the skill (by name in the city's catalogue)
/// that usually fits it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Category {
    /// Stable code.
    pub code: &'static str,
    /// Name.
    pub label: &'static str,
    /// The skill that usually fits, if any.
    pub skill: Option<&'static str>,
}

/// The categories of service a resident can order.
pub const CATEGORIES: [Category; 9] = [
    Category {
        code: "elderly",
        label: "助老帮扶",
        skill: None,
    },
    Category {
        code: "health",
        label: "健康义诊",
        skill: Some("医疗"),
    },
    Category {
        code: "legal",
        label: "法律咨询",
        skill: Some("法律咨询"),
    },
    Category {
        code: "repair",
        label: "水电维修",
        skill: Some("电工"),
    },
    Category {
        code: "tutoring",
        label: "课业辅导",
        skill: Some("教育"),
    },
    Category {
        code: "digital",
        label: "手机电脑使用",
        skill: Some("信息技术"),
    },
    Category {
        code: "psychology",
        label: "心理疏导",
        skill: Some("心理咨询"),
    },
    Category {
        code: "policy",
        label: "政策咨询",
        skill: None,
    },
    Category {
        code: "other",
        label: "其他",
        skill: None,
    },
];

/// The category of a code.
pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path() {
        let mut s = State::Placed;
        for step in [Step::Dispatch, Step::Accept, Step::Finish, Step::Confirm] {
            s = next(s, step).unwrap();
        }
        assert_eq!(s, State::Confirmed);
    }

    #[test]
    fn declines_and_time_outs_return_to_the_pool() {
        assert_eq!(next(State::Dispatched, Step::Decline), Ok(State::Placed));
        assert_eq!(next(State::Accepted, Step::Decline), Ok(State::Placed));
        assert_eq!(next(State::Dispatched, Step::TimeOut), Ok(State::Placed));
        assert_eq!(
            next(State::Dispatched, Step::Dispatch),
            Ok(State::Dispatched)
        );
    }

    #[test]
    fn illegal_steps_say_why() {
        let e = next(State::Placed, Step::Confirm).unwrap_err();
        assert!(e.contains("待派单") && e.contains("确认完成"), "{e}");
        assert!(next(State::Done, Step::Cancel).is_err());
        assert!(next(State::Accepted, Step::Expire).is_err());
    }

    #[test]
    fn codes_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert!(category("health").is_some());
        assert!(category("nope").is_none());
    }

    proptest! {
        /// Whatever steps are tried, a final state never changes and only the steps the
        /// table allows change anything.
        #[test]
        fn final_states_stay_final(steps in proptest::collection::vec(0usize..8, 0..30)) {
            let mut s = State::Placed;
            for i in steps {
                let step = Step::ALL[i];
                if let Ok(t) = next(s, step) {
                    prop_assert!(!s.is_final());
                    s = t;
                }
            }
        }

        #[test]
        fn confirmed_only_after_done(steps in proptest::collection::vec(0usize..8, 0..30)) {
            let mut s = State::Placed;
            for i in steps {
                let step = Step::ALL[i];
                if let Ok(t) = next(s, step) {
                    if t == State::Confirmed {
                        prop_assert_eq!(s, State::Done);
                    }
                    s = t;
                }
            }
        }
    }
}
