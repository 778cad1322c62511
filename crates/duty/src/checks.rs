//! The checks on putting a person on a shift, as a pure function: each failed check is a
//! warning the cadre must answer with a recorded reason.

use kernel::calendar::WorkHours;
use org::availability::Slot;
use serde::Serialize;
use utoipa::ToSchema;

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Warning {
    /// `availability`, `load_cap` or `working_hours`.
    pub code: String,
    /// What it means, in Chinese.
    pub message: String,
}

/// The facts about one person and one shift the checks weigh.
pub struct Facts<'a> {
    /// The person's stated weekly availability.
    pub slots: &'a [Slot],
    /// The shift's weekday, 1 = Monday.
    pub weekday: u8,
    /// Start and end minute of the day.
    pub from_min: u32,
    /// End minute of the day.
    pub to_min: u32,
    /// Whether the shift's date is a working day.
    pub working_day: bool,
    /// The working hours.
    pub hours: WorkHours,
    /// The person's tasks in that month without this shift.
    pub load: i64,
    /// The city's monthly task cap.
    pub cap: i64,
}

fn overlaps(a: (u32, u32), b: (u16, u16)) -> bool {
    let (b0, b1) = (u32::from(b.0), u32::from(b.1));
    b0 < b1 && a.0 < b1 && b0 < a.1
}

fn hm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The failed checks, in a fixed order: availability, load cap, working hours.
pub fn warnings(f: &Facts<'_>) -> Vec<Warning> {
    let mut out = Vec::new();
    if !f
        .slots
        .iter()
        .any(|s| s.covers(f.weekday, f.from_min, f.to_min))
    {
        let stated = if f.slots.is_empty() {
            "本人未填报空闲时间".to_owned()
        } else {
            let l: Vec<String> = f.slots.iter().map(Slot::label).collect();
            format!("本人填报的空闲时间为 {}", l.join("、"))
        };
        out.push(Warning {
            code: "availability".into(),
            message: format!("不在本人填报的空闲时间内（{stated}）"),
        });
    }
    if f.load + 1 > f.cap {
        out.push(Warning {
            code: "load_cap".into(),
            message: format!(
                "本月已承担 {} 项任务，再排会超过每月上限 {} 项",
                f.load, f.cap
            ),
        });
    }
    let h = f.hours;
    let span = (f.from_min, f.to_min);
    if f.working_day
        && (overlaps(span, (h.morning_start, h.morning_end))
            || overlaps(span, (h.afternoon_start, h.afternoon_end)))
    {
        out.push(Warning {
            code: "working_hours".into(),
            message: format!(
                "在工作日上班时间内（{}–{}、{}–{}），会占用本职工作",
                hm(h.morning_start),
                hm(h.morning_end),
                hm(h.afternoon_start),
                hm(h.afternoon_end)
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sat() -> Vec<Slot> {
        vec![Slot {
            day: 6,
            start: "09:00".into(),
            end: "17:00".into(),
        }]
    }

    fn facts(
        slots: &[Slot],
        weekday: u8,
        from: u32,
        to: u32,
        working: bool,
        load: i64,
    ) -> Facts<'_> {
        Facts {
            slots,
            weekday,
            from_min: from,
            to_min: to,
            working_day: working,
            hours: WorkHours::default(),
            load,
            cap: 8,
        }
    }

    fn codes(w: &[Warning]) -> Vec<&str> {
        w.iter().map(|w| w.code.as_str()).collect()
    }

    #[test]
    fn a_saturday_inside_availability_passes() {
        let s = sat();
        assert!(warnings(&facts(&s, 6, 9 * 60, 12 * 60, false, 0)).is_empty());
    }

    #[test]
    fn each_check_fails_on_its_own() {
        let s = sat();
        assert_eq!(
            codes(&warnings(&facts(&s, 6, 8 * 60, 12 * 60, false, 0))),
            ["availability"]
        );
        assert_eq!(
            codes(&warnings(&facts(&s, 6, 9 * 60, 12 * 60, false, 8))),
            ["load_cap"]
        );
        // A Saturday that is an adjusted working day (调休上班) counts as a working day.
        assert_eq!(
            codes(&warnings(&facts(&s, 6, 9 * 60, 12 * 60, true, 7))),
            ["working_hours"]
        );
        assert_eq!(
            codes(&warnings(&facts(&s, 3, 10 * 60, 11 * 60, true, 9))),
            ["availability", "load_cap", "working_hours"]
        );
    }

    #[test]
    fn evenings_and_lunch_are_outside_working_hours() {
        let all: Vec<Slot> = (1..=7)
            .map(|d| Slot {
                day: d,
                start: "00:00".into(),
                end: "24:00".into(),
            })
            .collect();
        assert!(warnings(&facts(&all, 2, 18 * 60, 20 * 60, true, 0)).is_empty());
        assert!(warnings(&facts(&all, 2, 12 * 60, 13 * 60 + 30, true, 0)).is_empty());
        assert!(warnings(&facts(&all, 2, 17 * 60, 18 * 60, false, 0)).is_empty());
        assert_eq!(
            codes(&warnings(&facts(&all, 2, 17 * 60, 18 * 60, true, 0))),
            ["working_hours"]
        );
    }
}
