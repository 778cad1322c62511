//! Weekly availability: the days and hours a person can serve (the seeds' policy: tasks
//! belong on weekends unless the person says otherwise).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One weekly slot: a day (1 = Monday … 7 = Sunday) and a time range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Slot {
    /// 1 = Monday … 7 = Sunday.
    pub day: u8,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`, after the start.
    pub end: String,
}

const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

fn minutes(hm: &str) -> Option<u32> {
    let (h, m) = hm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

impl Slot {
    /// Check the slot; the message says how to fix it.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=7).contains(&self.day) {
            return Err("星期应为 1（周一）到 7（周日）".into());
        }
        match (minutes(&self.start), minutes(&self.end)) {
            (Some(s), Some(e)) if s < e => Ok(()),
            (Some(_), Some(_)) => Err(format!(
                "{}的结束时间要晚于开始时间",
                DAYS[self.day as usize - 1]
            )),
            _ => Err("时间格式应为 HH:MM，例如 09:00".into()),
        }
    }

    /// 周六 09:00-17:00
    pub fn label(&self) -> String {
        let d = DAYS
            .get(self.day.saturating_sub(1) as usize)
            .unwrap_or(&"?");
        format!("{d} {}-{}", self.start, self.end)
    }

    /// The slot as (day, start minute, end minute) of the day; `None` when malformed.
    pub fn range(&self) -> Option<(u8, u32, u32)> {
        Some((self.day, minutes(&self.start)?, minutes(&self.end)?))
    }

    /// Whether the slot covers the minute-of-day range on `day`.
    pub fn covers(&self, day: u8, from_min: u32, to_min: u32) -> bool {
        self.day == day
            && minutes(&self.start).is_some_and(|s| s <= from_min)
            && minutes(&self.end).is_some_and(|e| to_min <= e)
    }
}

/// Check a whole week: each slot valid, at most 21 slots, none overlapping on a day.
pub fn check_week(slots: &[Slot]) -> Result<(), String> {
    if slots.len() > 21 {
        return Err("每周最多填写 21 个时段".into());
    }
    for s in slots {
        s.check()?;
    }
    for (i, a) in slots.iter().enumerate() {
        for b in &slots[i + 1..] {
            if a.day == b.day
                && minutes(&a.start) < minutes(&b.end)
                && minutes(&b.start) < minutes(&a.end)
            {
                return Err(format!("{} 与 {} 时段重叠", a.label(), b.label()));
            }
        }
    }
    Ok(())
}

/// Parse the text form used in spreadsheets: `周六 09:00-17:00；周日 09:00-12:00`.
pub fn parse_text(text: &str) -> Result<Vec<Slot>, String> {
    let mut out = Vec::new();
    for part in text
        .split(['；', ';', '，', ',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (day, range) = part
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("“{part}”应写成 周六 09:00-17:00"))?;
        let day = DAYS
            .iter()
            .position(|d| *d == day.trim() || d.replace('周', "星期") == day.trim())
            .ok_or_else(|| format!("“{day}”不是星期几（周一…周日）"))?;
        let (start, end) = range
            .trim()
            .split_once(['-', '－', '~', '～'])
            .ok_or_else(|| format!("“{part}”缺少时间段，如 09:00-17:00"))?;
        let slot = Slot {
            day: day as u8 + 1,
            start: start.trim().to_owned(),
            end: end.trim().to_owned(),
        };
        slot.check()?;
        out.push(slot);
    }
    check_week(&out)?;
    Ok(out)
}

/// The text form of a week.
pub fn to_text(slots: &[Slot]) -> String {
    slots.iter().map(Slot::label).collect::<Vec<_>>().join("；")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_spreadsheet_form() {
        let w = parse_text("周六 09:00-17:00；周日 09:00-12:00").unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].day, 6);
        assert!(w[0].covers(6, 600, 720));
        assert!(!w[0].covers(7, 600, 720));
        assert_eq!(to_text(&w), "周六 09:00-17:00；周日 09:00-12:00");
        assert!(parse_text("周八 09:00-10:00").is_err());
        assert!(parse_text("周六 10:00-09:00").is_err());
        assert!(parse_text("周六 09:00-12:00；周六 11:00-13:00").is_err());
        assert_eq!(parse_text("").unwrap(), vec![]);
    }

    proptest! {
        #[test]
        fn text_round_trips(day in 1u8..=7, s in 0u32..1400, len in 1u32..40) {
            let e = (s + len).min(1440);
            let slot = Slot { day, start: format!("{:02}:{:02}", s / 60, s % 60), end: format!("{:02}:{:02}", e / 60, e % 60) };
            let text = to_text(std::slice::from_ref(&slot));
            prop_assert_eq!(parse_text(&text).unwrap(), vec![slot]);
        }
    }
}
