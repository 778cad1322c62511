//! Assessment periods: a month (月通报), a quarter (季考核) or a year (年总评).

use jiff::ToSpan;
use jiff::civil::Date;
use kernel::{Error, Result};

/// Which kind of period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodKind {
    /// 月.
    Month,
    /// 季度.
    Quarter,
    /// 年.
    Year,
}

impl PeriodKind {
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }

    /// From the stable code.
    pub fn parse(s: &str) -> Option<PeriodKind> {
        [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Chinese name of the assessment of such a period.
    pub fn label(self) -> &'static str {
        match self {
            PeriodKind::Month => "月通报",
            PeriodKind::Quarter => "季考核",
            PeriodKind::Year => "年总评",
        }
    }
}

/// `YYYY-MM` (month), `YYYY-Qn` (quarter), `YYYY` (year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i16,
    kind: PeriodKind,
    /// Month 1–12, quarter 1–4, or 1 for a year.
    index: i8,
}

impl Period {
    /// Read a period; a field error on `period` when malformed.
    pub fn parse(s: &str) -> Result<Period> {
        let bad = || {
            Error::field(
                "period",
                "期间应为 YYYY-MM（月）、YYYY-Qn（季度）或 YYYY（年）",
            )
        };
        let s = s.trim();
        let year: i16 = s.get(..4).and_then(|y| y.parse().ok()).ok_or_else(bad)?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let rest = &s[4..];
        let (kind, index) = if rest.is_empty() {
            (PeriodKind::Year, 1)
        } else if let Some(q) = rest.strip_prefix("-Q") {
            let q: i8 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) || rest.len() != 3 {
                return Err(bad());
            }
            (PeriodKind::Quarter, q)
        } else if let Some(m) = rest.strip_prefix('-') {
            let m: i8 = m.parse().map_err(|_| bad())?;
            if !(1..=12).contains(&m) || rest.len() != 3 {
                return Err(bad());
            }
            (PeriodKind::Month, m)
        } else {
            return Err(bad());
        };
        Ok(Period { year, kind, index })
    }

    /// The month holding `day`.
    pub fn month_of(day: Date) -> Period {
        Period {
            year: day.year(),
            kind: PeriodKind::Month,
            index: day.month(),
        }
    }

    /// The period of `kind` holding `day`.
    pub fn of_kind(kind: PeriodKind, day: Date) -> Period {
        let index = match kind {
            PeriodKind::Month => day.month(),
            PeriodKind::Quarter => (day.month() - 1) / 3 + 1,
            PeriodKind::Year => 1,
        };
        Period {
            year: day.year(),
            kind,
            index,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// Its year.
    pub fn year(&self) -> i16 {
        self.year
    }

    /// First day.
    pub fn first_day(&self) -> Date {
        let month = match self.kind {
            PeriodKind::Month => self.index,
            PeriodKind::Quarter => (self.index - 1) * 3 + 1,
            PeriodKind::Year => 1,
        };
        Date::new(self.year, month, 1).unwrap_or_default()
    }

    /// Last day.
    pub fn last_day(&self) -> Date {
        let months = self.month_count();
        self.first_day()
            .checked_add(i64::from(months).months())
            .and_then(|d| d.checked_sub(1.day()))
            .unwrap_or_default()
    }

    /// How many months it spans.
    pub fn month_count(&self) -> i8 {
        match self.kind {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        }
    }

    /// Beijing midnight of the first day (ms).
    pub fn start_ms(&self) -> i64 {
        midnight(self.first_day())
    }

    /// Beijing midnight after the last day (ms; exclusive).
    pub fn end_ms(&self) -> i64 {
        midnight(self.last_day().checked_add(1.day()).unwrap_or_default())
    }

    /// "2026年11月", "2026年第4季度", "2026年度".
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{}年{}月", self.year, self.index),
            PeriodKind::Quarter => format!("{}年第{}季度", self.year, self.index),
            PeriodKind::Year => format!("{}年度", self.year),
        }
    }

    /// The months inside it.
    pub fn months(&self) -> Vec<Period> {
        let first = self.first_day();
        (0..self.month_count())
            .filter_map(|i| first.checked_add(i64::from(i).months()).ok())
            .map(Period::month_of)
            .collect()
    }

    /// The period of the same kind before this one.
    pub fn previous(&self) -> Period {
        let day = self.first_day().checked_sub(1.day()).unwrap_or_default();
        Period::of_kind(self.kind, day)
    }
}

fn midnight(d: Date) -> i64 {
    d.to_datetime(jiff::civil::Time::midnight())
        .to_zoned_datetime(kernel::time::shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or_default()
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            PeriodKind::Month => write!(f, "{}-{:02}", self.year, self.index),
            PeriodKind::Quarter => write!(f, "{}-Q{}", self.year, self.index),
            PeriodKind::Year => write!(f, "{}", self.year),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_write_and_bound() {
        let m = Period::parse("2026-11").unwrap();
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.first_day().to_string(), "2026-11-01");
        assert_eq!(m.last_day().to_string(), "2026-11-30");
        assert_eq!(m.label(), "2026年11月");
        assert_eq!(m.end_ms() - m.start_ms(), 30 * 86_400_000);
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!(q.first_day().to_string(), "2026-10-01");
        assert_eq!(q.last_day().to_string(), "2026-12-31");
        assert_eq!(q.months().len(), 3);
        assert_eq!(q.label(), "2026年第4季度");
        let y = Period::parse("2024").unwrap();
        assert_eq!(y.last_day().to_string(), "2024-12-31");
        assert_eq!(y.months()[1].last_day().to_string(), "2024-02-29");
        assert_eq!(
            Period::parse("2026-01").unwrap().previous().to_string(),
            "2025-12"
        );
        for bad in [
            "", "26-11", "2026-13", "2026-Q5", "2026-1", "2026/11", "2026-Q",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
