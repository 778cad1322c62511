//! Schemes (考评办法): who they apply to, the components with their weights and formulas
//! over measures of recorded work, deductions, fines, grade bands and honours. A scheme
//! keeps dated versions: a change applies from its date and never rewrites a closed period.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a measure counts: only recorded work and its outcomes (DOMAIN.md §0 rules 1 and
/// 4) — there is no measure of logins, online time, check-ins, likes, forwards, reads or
/// study time, and such names are refused with the reason.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Trainings attended (roll call).
    TrainingsAttended,
    /// Trainings invited to.
    TrainingsInvited,
    /// Meetings and trainings attended.
    MeetingsAttended,
    /// Meetings and trainings invited to.
    MeetingsInvited,
    /// Patrol records confirmed.
    Patrols,
    /// Minutes of confirmed patrols.
    PatrolMinutes,
    /// Cases the person reported that were registered (有效上报).
    ReportsValid,
    /// Cases the person handled that were due to close (应结案).
    CasesDue,
    /// Of those, closed on time (按期结案).
    CasesOnTime,
    /// Cases dispatched to the person.
    CasesDispatched,
    /// Of those, sent back for rework (返工).
    CasesReworked,
    /// Orders done and confirmed by the resident.
    OrdersDone,
    /// Orders rated by the resident.
    OrdersRated,
    /// Sum of those ratings (1–5 each).
    RatingSum,
    /// Minutes of confirmed service (activities and orders).
    ServiceMinutes,
}

impl Measure {
    /// Every measure.
    pub const ALL: [Measure; 15] = [
        Measure::TrainingsAttended,
        Measure::TrainingsInvited,
        Measure::MeetingsAttended,
        Measure::MeetingsInvited,
        Measure::Patrols,
        Measure::PatrolMinutes,
        Measure::ReportsValid,
        Measure::CasesDue,
        Measure::CasesOnTime,
        Measure::CasesDispatched,
        Measure::CasesReworked,
        Measure::OrdersDone,
        Measure::OrdersRated,
        Measure::RatingSum,
        Measure::ServiceMinutes,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Measure::TrainingsAttended => "trainings_attended",
            Measure::TrainingsInvited => "trainings_invited",
            Measure::MeetingsAttended => "meetings_attended",
            Measure::MeetingsInvited => "meetings_invited",
            Measure::Patrols => "patrols",
            Measure::PatrolMinutes => "patrol_minutes",
            Measure::ReportsValid => "reports_valid",
            Measure::CasesDue => "cases_due",
            Measure::CasesOnTime => "cases_on_time",
            Measure::CasesDispatched => "cases_dispatched",
            Measure::CasesReworked => "cases_reworked",
            Measure::OrdersDone => "orders_done",
            Measure::OrdersRated => "orders_rated",
            Measure::RatingSum => "rating_sum",
            Measure::ServiceMinutes => "service_minutes",
        }
    }

    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Measure::TrainingsAttended => "培训出勤",
            Measure::TrainingsInvited => "应参加培训",
            Measure::MeetingsAttended => "会议培训出勤",
            Measure::MeetingsInvited => "应参加会议培训",
            Measure::Patrols => "巡查记录",
            Measure::PatrolMinutes => "巡查时长（分钟）",
            Measure::ReportsValid => "有效上报",
            Measure::CasesDue => "应结案",
            Measure::CasesOnTime => "按期结案",
            Measure::CasesDispatched => "派遣案件",
            Measure::CasesReworked => "返工",
            Measure::OrdersDone => "完成点单",
            Measure::OrdersRated => "居民评价",
            Measure::RatingSum => "评价星数",
            Measure::ServiceMinutes => "服务时长（分钟）",
        }
    }

    /// From a code; the refusal says why for the banned kinds of measure.
    pub fn parse(code: &str) -> Result<Measure, String> {
        if let Some(m) = Measure::ALL.into_iter().find(|m| m.code() == code) {
            return Ok(m);
        }
        const BANNED: [&str; 10] = [
            "login", "online", "checkin", "check_in", "like", "forward", "share", "read", "study",
            "vote",
        ];
        if BANNED.iter().any(|b| code.contains(b)) {
            return Err(format!(
                "「{code}」不能作为考核指标：按《整治形式主义为基层减负若干规定》，不以登录、在线时长、打卡次数、点赞、转发、阅读、投票或学习时长考核，只用记录在案的工作和结果"
            ));
        }
        Err(format!("没有「{code}」这个考核指标"))
    }
}

/// When a ratio has nothing to divide by (no training held, no case due).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WhenNone {
    /// Full marks: nothing was asked of the person.
    Full,
    /// No marks.
    Zero,
}

/// How a component's score is made from measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Formula {
    /// weight × num / den (num capped at den).
    Ratio {
        /// Numerator.
        num: String,
        /// Denominator.
        den: String,
        /// When den is 0.
        when_none: WhenNone,
    },
    /// weight × (den − num) / den: the share without a failure (e.g. 1 − 返工率).
    InverseRatio {
        /// The failures.
        num: String,
        /// Out of.
        den: String,
        /// When den is 0.
        when_none: WhenNone,
    },
    /// weight × min(value, target × months) / (target × months).
    Target {
        /// The measure.
        measure: String,
        /// Target per month.
        per_month: i64,
    },
    /// min(weight, value × points_e2).
    PerUnit {
        /// The measure.
        measure: String,
        /// Points per unit (hundredths).
        points_e2: i64,
    },
}

/// A component of the score (e.g. 教育培训 20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Component {
    /// Stable code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Full marks (hundredths).
    pub weight_e2: i64,
    /// How it is scored.
    pub formula: Formula,
}

/// What a deduction or fine rule catches: a case found outside the grid that the grid
/// had not reported, counted against the people of its responsible chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseMatch {
    /// `media`, `inspection` or `hotline`.
    pub source: String,
    /// For inspections: `province`, `city`, `district`, `street`; none for any level.
    #[serde(default)]
    pub level: Option<String>,
    /// Which links of the chain answer for it (`direct`, `principal`, `lead`).
    #[serde(default = "direct")]
    pub chain_levels: Vec<String>,
}

fn direct() -> Vec<String> {
    vec!["direct".into()]
}

/// A deduction rule (惩罚扣分).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeductionRule {
    /// Stable code.
    pub code: String,
    /// Name (e.g. 省级检查发现问题).
    pub label: String,
    /// Points per case (hundredths).
    pub points_e2: i64,
    /// What it catches.
    #[serde(flatten)]
    pub matches: CaseMatch,
    /// A serious failure: no honours for the rest of the year (取消评先评优资格).
    #[serde(default)]
    pub disqualifies: bool,
}

/// A fine rule (the Gulou rule: 50 yuan per violation the inspection team finds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FineRule {
    /// Name.
    pub label: String,
    /// Fen per case.
    pub amount_fen: i64,
    /// What it catches.
    #[serde(flatten)]
    pub matches: CaseMatch,
}

/// A grade band: totals at or above `min_e2` get it (the highest band that fits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GradeBand {
    /// `excellent`, `good`, `pass` or `fail`.
    pub grade: String,
    /// 优秀, 良好, 合格, 不合格.
    pub label: String,
    /// Lowest total (hundredths).
    pub min_e2: i64,
}

/// The rules of one version of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rules {
    /// Components; their weights add up to 100 points.
    pub components: Vec<Component>,
    /// Deductions.
    #[serde(default)]
    pub deductions: Vec<DeductionRule>,
    /// Fines.
    #[serde(default)]
    pub fines: Vec<FineRule>,
    /// Grade bands.
    pub grades: Vec<GradeBand>,
    /// Name one best worker per community each month (每月评选先进一名).
    #[serde(default)]
    pub best_per_community: bool,
    /// Show a person their own standing within their community (never anyone else's).
    #[serde(default)]
    pub show_own_standing: bool,
}

/// The grade bands of the seeds (管城): 优秀 ≥ 95, 良好 85–94, 合格 60–84, 不合格 < 60.
pub fn standard_grades() -> Vec<GradeBand> {
    [
        ("excellent", "优秀", 9500),
        ("good", "良好", 8500),
        ("pass", "合格", 6000),
        ("fail", "不合格", 0),
    ]
    .into_iter()
    .map(|(g, l, m)| GradeBand {
        grade: g.into(),
        label: l.into(),
        min_e2: m,
    })
    .collect()
}

/// The Chinese name of a grade code.
pub fn grade_label(grade: &str) -> &'static str {
    match grade {
        "excellent" => "优秀",
        "good" => "良好",
        "pass" => "合格",
        _ => "不合格",
    }
}

impl Rules {
    /// Check the rules; each problem as (field, message).
    pub fn check(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.components.is_empty() {
            out.push(("components".into(), "至少要有一个考核项目".into()));
        }
        let total: i64 = self.components.iter().map(|c| c.weight_e2).sum();
        if !self.components.is_empty() && total != 10_000 {
            out.push((
                "components".into(),
                format!(
                    "各项分值之和应为 100 分，现在是 {}",
                    crate::score::show(total)
                ),
            ));
        }
        let mut codes = std::collections::HashSet::new();
        for (i, c) in self.components.iter().enumerate() {
            let f = format!("components[{i}]");
            if c.name.trim().is_empty() || c.code.trim().is_empty() {
                out.push((f.clone(), "项目要有代码和名称".into()));
            }
            if !codes.insert(c.code.clone()) {
                out.push((f.clone(), format!("项目代码「{}」重复", c.code)));
            }
            if c.weight_e2 <= 0 {
                out.push((f.clone(), "分值要大于 0".into()));
            }
            let measures: Vec<&String> = match &c.formula {
                Formula::Ratio { num, den, .. } | Formula::InverseRatio { num, den, .. } => {
                    vec![num, den]
                }
                Formula::Target {
                    measure, per_month, ..
                } => {
                    if *per_month <= 0 {
                        out.push((f.clone(), "每月目标要大于 0".into()));
                    }
                    vec![measure]
                }
                Formula::PerUnit {
                    measure, points_e2, ..
                } => {
                    if *points_e2 <= 0 {
                        out.push((f.clone(), "每项分值要大于 0".into()));
                    }
                    vec![measure]
                }
            };
            for m in measures {
                if let Err(e) = Measure::parse(m) {
                    out.push((f.clone(), e));
                }
            }
        }
        let matches = self
            .deductions
            .iter()
            .map(|d| ("deductions", &d.matches, d.points_e2))
            .chain(
                self.fines
                    .iter()
                    .map(|f| ("fines", &f.matches, f.amount_fen)),
            );
        for (field, m, amount) in matches {
            if !["media", "inspection", "hotline"].contains(&m.source.as_str()) {
                out.push((
                    field.into(),
                    "只能对媒体曝光、督查暗访或热线发现而网格未上报的问题扣分或罚款".into(),
                ));
            }
            if amount <= 0 {
                out.push((field.into(), "扣分或罚款要大于 0".into()));
            }
            if let Some(l) = &m.level
                && !["province", "city", "district", "street"].contains(&l.as_str())
            {
                out.push((field.into(), format!("没有「{l}」这个检查级别")));
            }
            if m.chain_levels.is_empty()
                || m.chain_levels
                    .iter()
                    .any(|l| !["direct", "principal", "lead"].contains(&l.as_str()))
            {
                out.push((field.into(), "责任链只能是 direct、principal、lead".into()));
            }
        }
        let mut bands: Vec<i64> = self.grades.iter().map(|g| g.min_e2).collect();
        bands.sort_unstable();
        bands.dedup();
        if self.grades.is_empty()
            || bands.len() != self.grades.len()
            || bands[0] != 0
            || self
                .grades
                .iter()
                .any(|g| !["excellent", "good", "pass", "fail"].contains(&g.grade.as_str()))
        {
            out.push((
                "grades".into(),
                "等次要从 0 分起、分数线各不相同，等次只能是 excellent、good、pass、fail".into(),
            ));
        }
        out
    }
}

/// The presets: the seeds' real schemes.
pub mod presets {
    use super::*;

    fn ratio(num: Measure, den: Measure) -> Formula {
        Formula::Ratio {
            num: num.code().into(),
            den: den.code().into(),
            when_none: WhenNone::Full,
        }
    }

    fn component(code: &str, name: &str, points: i64, formula: Formula) -> Component {
        Component {
            code: code.into(),
            name: name.into(),
            weight_e2: points * 100,
            formula,
        }
    }

    fn missed(source: &str, level: Option<&str>) -> CaseMatch {
        CaseMatch {
            source: source.into(),
            level: level.map(Into::into),
            chain_levels: vec!["direct".into()],
        }
    }

    /// 郑州 (environmental inspection, 下沉行政执法人员): 100 = 教育培训 20 + 巡查记录 30 +
    /// 工作落实 50; 月通报, 季考核, 年总评. 教育培训 is the share of meetings and trainings
    /// attended; 巡查记录 the confirmed patrol records against 8 a month (two a week);
    /// 工作落实 the share of due cases closed on time.
    pub fn zhengzhou() -> Rules {
        Rules {
            components: vec![
                component(
                    "training",
                    "教育培训",
                    20,
                    ratio(Measure::MeetingsAttended, Measure::MeetingsInvited),
                ),
                component(
                    "patrol",
                    "巡查记录",
                    30,
                    Formula::Target {
                        measure: Measure::Patrols.code().into(),
                        per_month: 8,
                    },
                ),
                component(
                    "work",
                    "工作落实",
                    50,
                    ratio(Measure::CasesOnTime, Measure::CasesDue),
                ),
            ],
            deductions: vec![],
            fines: vec![],
            grades: standard_grades(),
            best_per_community: false,
            show_own_standing: false,
        }
    }

    /// 管城区 (网格化管理督查考核办法): monthly; 优秀 ≥ 95, 良好 85–94, 合格 60–84,
    /// 不合格 < 60; −20 for bad media exposure (a serious failure: no honours this year),
    /// −15 per problem found by a provincial inspection, −10 municipal, −5 district.
    pub fn guancheng() -> Rules {
        let d = |code: &str, label: &str, points: i64, m: CaseMatch, disq: bool| DeductionRule {
            code: code.into(),
            label: label.into(),
            points_e2: points * 100,
            matches: m,
            disqualifies: disq,
        };
        Rules {
            components: vec![
                component(
                    "tasks",
                    "工作任务完成情况",
                    60,
                    ratio(Measure::CasesOnTime, Measure::CasesDue),
                ),
                component(
                    "patrol",
                    "巡查发现",
                    40,
                    Formula::Target {
                        measure: Measure::Patrols.code().into(),
                        per_month: 8,
                    },
                ),
            ],
            deductions: vec![
                d(
                    "media",
                    "媒体曝光造成不良影响",
                    20,
                    missed("media", None),
                    true,
                ),
                d(
                    "province",
                    "省级检查发现问题",
                    15,
                    missed("inspection", Some("province")),
                    false,
                ),
                d(
                    "city",
                    "市级检查发现问题",
                    10,
                    missed("inspection", Some("city")),
                    false,
                ),
                d(
                    "district",
                    "区级检查发现问题",
                    5,
                    missed("inspection", Some("district")),
                    false,
                ),
            ],
            fines: vec![],
            grades: standard_grades(),
            best_per_community: false,
            show_own_standing: true,
        }
    }

    /// 鼓楼社区 (城管人员管理制度): 50 yuan for each violation the inspection team finds in
    /// a manager's street; one best manager each month.
    pub fn gulou() -> Rules {
        Rules {
            components: vec![
                component(
                    "patrol",
                    "巡查管理",
                    50,
                    Formula::Target {
                        measure: Measure::Patrols.code().into(),
                        per_month: 8,
                    },
                ),
                component(
                    "work",
                    "问题处置",
                    50,
                    ratio(Measure::CasesOnTime, Measure::CasesDue),
                ),
            ],
            deductions: vec![],
            fines: vec![FineRule {
                label: "督察组发现街面问题".into(),
                amount_fen: 5000,
                matches: CaseMatch {
                    source: "inspection".into(),
                    level: None,
                    chain_levels: vec!["direct".into()],
                },
            }],
            grades: standard_grades(),
            best_per_community: true,
            show_own_standing: false,
        }
    }

    /// A preset by its code, with its name and the periods it runs for.
    pub fn by_code(code: &str) -> Option<(&'static str, &'static str, Rules)> {
        match code {
            "zhengzhou" => Some((
                "郑州环保下沉执法人员考评",
                "month,quarter,year",
                zhengzhou(),
            )),
            "guancheng" => Some(("管城区网格化管理督查考核", "month", guancheng())),
            "gulou" => Some(("鼓楼社区城管人员考评", "month", gulou())),
            _ => None,
        }
    }
}
