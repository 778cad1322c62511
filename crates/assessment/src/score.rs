//! The pure scoring rules: components from measures, deductions, the total, the grade.
//! Exact: hundredths of a point in integers, halves rounded up, no floats.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::scheme::{Formula, Measure, Rules, WhenNone};

/// A person's measures for a period.
pub type Measures = HashMap<Measure, i64>;

/// A component's score with what fed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ComponentScore {
    /// Component code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Full marks (hundredths).
    pub weight_e2: i64,
    /// Score (hundredths).
    pub score_e2: i64,
    /// What fed it, in words ("会议培训出勤 3/4").
    pub basis: String,
}

/// A deduction that applies to the person, with its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Rule code.
    pub rule: String,
    /// Rule name.
    pub label: String,
    /// Points (hundredths).
    pub points_e2: i64,
    /// The case.
    pub case_id: i64,
    /// The case in words.
    pub case_label: String,
    /// Whether it disqualifies from honours.
    pub disqualifies: bool,
}

/// The outcome of scoring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Components.
    pub components: Vec<ComponentScore>,
    /// Sum of the components.
    pub gross_e2: i64,
    /// Sum of the deductions.
    pub deductions_e2: i64,
    /// gross − deductions, never below 0.
    pub total_e2: i64,
    /// Grade code.
    pub grade: String,
    /// A deduction disqualified the person from honours.
    pub disqualified: bool,
}

/// `a × b / c` rounded half up, for non-negative values (c > 0).
pub fn mul_div(a: i64, b: i64, c: i64) -> i64 {
    let n = i128::from(a) * i128::from(b);
    let c = i128::from(c);
    i64::try_from((2 * n + c) / (2 * c)).unwrap_or(i64::MAX)
}

/// Hundredths as text: 9500 → "95", 8750 → "87.5", 8333 → "83.33", −1500 → "-15".
pub fn show(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let (whole, frac) = (a / 100, a % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

fn get(m: &Measures, code: &str) -> (Measure, i64) {
    let measure = Measure::parse(code).unwrap_or(Measure::Patrols);
    (measure, m.get(&measure).copied().unwrap_or(0).max(0))
}

/// Score one component over a period of `months` months.
pub fn component(c: &crate::scheme::Component, m: &Measures, months: i64) -> ComponentScore {
    let w = c.weight_e2;
    let (score, basis) = match &c.formula {
        Formula::Ratio {
            num,
            den,
            when_none,
        }
        | Formula::InverseRatio {
            num,
            den,
            when_none,
        } => {
            let inverse = matches!(c.formula, Formula::InverseRatio { .. });
            let (nm, n) = get(m, num);
            let (dm, d) = get(m, den);
            let n = n.min(d);
            let score = if d == 0 {
                match when_none {
                    WhenNone::Full => w,
                    WhenNone::Zero => 0,
                }
            } else if inverse {
                mul_div(w, d - n, d)
            } else {
                mul_div(w, n, d)
            };
            let basis = if d == 0 {
                format!(
                    "本期没有{}，按{}计",
                    dm.label(),
                    if score == w { "满分" } else { "0 分" }
                )
            } else {
                format!("{} {n} / {} {d}", nm.label(), dm.label())
            };
            (score, basis)
        }
        Formula::Target { measure, per_month } => {
            let (mm, v) = get(m, measure);
            let target = per_month * months.max(1);
            (
                mul_div(w, v.min(target), target),
                format!("{} {v} 次，目标 {target} 次", mm.label()),
            )
        }
        Formula::PerUnit { measure, points_e2 } => {
            let (mm, v) = get(m, measure);
            (
                v.saturating_mul(*points_e2).min(w),
                format!(
                    "{} {v} × {} 分，最多 {} 分",
                    mm.label(),
                    show(*points_e2),
                    show(w)
                ),
            )
        }
    };
    ComponentScore {
        code: c.code.clone(),
        name: c.name.clone(),
        weight_e2: w,
        score_e2: score,
        basis,
    }
}

/// The grade of a total under the bands (the highest band whose minimum it reaches).
pub fn grade(rules: &Rules, total_e2: i64) -> String {
    rules
        .grades
        .iter()
        .filter(|g| total_e2 >= g.min_e2)
        .max_by_key(|g| g.min_e2)
        .map(|g| g.grade.clone())
        .unwrap_or_else(|| "fail".into())
}

/// Score a person: every component, minus the deductions, graded.
pub fn assess(rules: &Rules, m: &Measures, months: i64, hits: &[Hit]) -> Outcome {
    let components: Vec<ComponentScore> = rules
        .components
        .iter()
        .map(|c| component(c, m, months))
        .collect();
    let gross: i64 = components.iter().map(|c| c.score_e2).sum();
    let deductions: i64 = hits.iter().map(|h| h.points_e2).sum();
    let total = (gross - deductions).max(0);
    Outcome {
        components,
        gross_e2: gross,
        deductions_e2: deductions,
        total_e2: total,
        grade: grade(rules, total),
        disqualified: hits.iter().any(|h| h.disqualifies),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::presets;
    use proptest::prelude::*;

    fn measures(pairs: &[(Measure, i64)]) -> Measures {
        pairs.iter().copied().collect()
    }

    fn hit(points: i64, disq: bool) -> Hit {
        Hit {
            rule: "r".into(),
            label: "r".into(),
            points_e2: points * 100,
            case_id: 1,
            case_label: String::new(),
            disqualifies: disq,
        }
    }

    #[test]
    fn zhengzhou_is_20_30_50_of_100() {
        let r = presets::zhengzhou();
        assert!(r.check().is_empty(), "{:?}", r.check());
        let w: Vec<(String, i64)> = r
            .components
            .iter()
            .map(|c| (c.name.clone(), c.weight_e2))
            .collect();
        assert_eq!(
            w,
            vec![
                ("教育培训".to_string(), 2000),
                ("巡查记录".to_string(), 3000),
                ("工作落实".to_string(), 5000)
            ]
        );
        // Everything done: 100.
        let full = measures(&[
            (Measure::MeetingsInvited, 4),
            (Measure::MeetingsAttended, 4),
            (Measure::Patrols, 8),
            (Measure::CasesDue, 10),
            (Measure::CasesOnTime, 10),
        ]);
        let o = assess(&r, &full, 1, &[]);
        assert_eq!(o.total_e2, 10_000);
        assert_eq!(o.grade, "excellent");
        // 3 of 4 trainings (15), 6 of 8 patrols (22.5), 9 of 10 on time (45): 82.5, 合格.
        let part = measures(&[
            (Measure::MeetingsInvited, 4),
            (Measure::MeetingsAttended, 3),
            (Measure::Patrols, 6),
            (Measure::CasesDue, 10),
            (Measure::CasesOnTime, 9),
        ]);
        let o = assess(&r, &part, 1, &[]);
        let scores: Vec<i64> = o.components.iter().map(|c| c.score_e2).collect();
        assert_eq!(scores, vec![1500, 2250, 4500]);
        assert_eq!(o.total_e2, 8250);
        assert_eq!(o.grade, "pass");
        assert_eq!(show(o.total_e2), "82.5");
        // A quarter wants 24 patrols: 12 give half of 30.
        let q = measures(&[(Measure::Patrols, 12)]);
        assert_eq!(component(&r.components[1], &q, 3).score_e2, 1500);
    }

    #[test]
    fn guancheng_grades_and_deductions() {
        let r = presets::guancheng();
        assert!(r.check().is_empty(), "{:?}", r.check());
        for (total, g) in [
            (10_000, "excellent"),
            (9500, "excellent"),
            (9499, "good"),
            (9400, "good"),
            (8500, "good"),
            (8499, "pass"),
            (8400, "pass"),
            (6000, "pass"),
            (5999, "fail"),
            (0, "fail"),
        ] {
            assert_eq!(grade(&r, total), g, "{total}");
        }
        let points: Vec<(String, i64, bool)> = r
            .deductions
            .iter()
            .map(|d| (d.label.clone(), d.points_e2, d.disqualifies))
            .collect();
        assert_eq!(
            points,
            vec![
                ("媒体曝光造成不良影响".to_string(), 2000, true),
                ("省级检查发现问题".to_string(), 1500, false),
                ("市级检查发现问题".to_string(), 1000, false),
                ("区级检查发现问题".to_string(), 500, false),
            ]
        );
        let full = measures(&[(Measure::Patrols, 8)]);
        // One provincial problem and one district problem: 100 − 15 − 5 = 80, 合格.
        let o = assess(&r, &full, 1, &[hit(15, false), hit(5, false)]);
        assert_eq!(
            (o.gross_e2, o.deductions_e2, o.total_e2),
            (10_000, 2000, 8000)
        );
        assert_eq!(o.grade, "pass");
        assert!(!o.disqualified);
        // Media exposure: 80, and no honours this year.
        let o = assess(&r, &full, 1, &[hit(20, true)]);
        assert_eq!(o.total_e2, 8000);
        assert!(o.disqualified);
        // Deductions never take the total below zero.
        let o = assess(&r, &full, 1, &vec![hit(20, true); 6]);
        assert_eq!((o.deductions_e2, o.total_e2), (12_000, 0));
    }

    #[test]
    fn gulou_fines_fifty_yuan_and_names_a_best_manager() {
        let r = presets::gulou();
        assert!(r.check().is_empty(), "{:?}", r.check());
        assert_eq!(r.fines.len(), 1);
        assert_eq!(r.fines[0].amount_fen, 5000);
        assert_eq!(r.fines[0].matches.source, "inspection");
        assert!(r.best_per_community);
    }

    #[test]
    fn banned_measures_are_refused_with_the_reason() {
        for m in [
            "logins",
            "online_minutes",
            "checkins",
            "likes",
            "forwards",
            "reads",
            "study_minutes",
        ] {
            let e = Measure::parse(m).unwrap_err();
            assert!(e.contains("不能作为考核指标"), "{m}: {e}");
        }
        assert!(Measure::parse("nonsense").unwrap_err().contains("没有"));
        let mut r = presets::zhengzhou();
        r.components[0].formula = Formula::Target {
            measure: "online_minutes".into(),
            per_month: 10,
        };
        r.components[1].weight_e2 = 2000;
        let problems = r.check();
        assert!(problems.iter().any(|(_, m)| m.contains("不能作为考核指标")));
        assert!(problems.iter().any(|(_, m)| m.contains("之和应为 100 分")));
    }

    #[test]
    fn numbers_show_in_hundredths() {
        assert_eq!(show(9500), "95");
        assert_eq!(show(8750), "87.5");
        assert_eq!(show(8333), "83.33");
        assert_eq!(show(5), "0.05");
        assert_eq!(show(-1500), "-15");
        assert_eq!(mul_div(2000, 2, 3), 1333);
        assert_eq!(mul_div(5000, 1, 3), 1667);
    }

    proptest! {
        #[test]
        fn a_total_is_within_bounds_and_sums_its_parts(
            att in 0i64..20, inv in 0i64..20, patrols in 0i64..40,
            due in 0i64..30, on_time in 0i64..30, ded in proptest::collection::vec(1i64..30, 0..5)
        ) {
            let r = presets::zhengzhou();
            let m = measures(&[
                (Measure::MeetingsAttended, att), (Measure::MeetingsInvited, inv),
                (Measure::Patrols, patrols), (Measure::CasesDue, due), (Measure::CasesOnTime, on_time),
            ]);
            let hits: Vec<Hit> = ded.iter().map(|d| hit(*d, false)).collect();
            let o = assess(&r, &m, 1, &hits);
            for (c, comp) in o.components.iter().zip(&r.components) {
                prop_assert!(c.score_e2 >= 0 && c.score_e2 <= comp.weight_e2);
            }
            prop_assert_eq!(o.gross_e2, o.components.iter().map(|c| c.score_e2).sum::<i64>());
            prop_assert_eq!(o.total_e2, (o.gross_e2 - o.deductions_e2).max(0));
            prop_assert!(o.total_e2 <= 10_000);
            // More of the work never lowers a score.
            let more = measures(&[
                (Measure::MeetingsAttended, att + 1), (Measure::MeetingsInvited, inv + 1),
                (Measure::Patrols, patrols + 1), (Measure::CasesDue, due), (Measure::CasesOnTime, on_time + 1),
            ]);
            let o2 = assess(&r, &more, 1, &[]);
            prop_assert!(o2.components[1].score_e2 >= o.components[1].score_e2);
            prop_assert!(o2.components[2].score_e2 >= o.components[2].score_e2);
        }
    }
}
