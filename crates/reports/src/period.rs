//! Report periods: `YYYY-MM` (month), `YYYY-Qn` (quarter), `YYYY` (year), with their
//! Beijing-time bounds. The same notation as the assessment's periods.

use jiff::civil::{Date, Time};
use kernel::time::shanghai;
use kernel::{Error, Result};

/// A month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// A month (1–12).
    Month(i16, i8),
    /// A quarter (1–4).
    Quarter(i16, i8),
    /// A year.
    Year(i16),
}

fn year(s: &str) -> Option<i16> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|y| (2000..=2100).contains(y))
}

impl Period {
    /// Read `2026-11`, `2026-Q4` or `2026`.
    pub fn parse(s: &str) -> Result<Period> {
        let bad = || Error::field("period", "统计期格式应为 2026-11、2026-Q4 或 2026");
        let s = s.trim();
        if let Some((y, rest)) = s.split_once('-') {
            let y = year(y).ok_or_else(bad)?;
            if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                let q: i8 = q.parse().map_err(|_| bad())?;
                return (1..=4)
                    .contains(&q)
                    .then_some(Period::Quarter(y, q))
                    .ok_or_else(bad);
            }
            if rest.len() != 2 {
                return Err(bad());
            }
            let m: i8 = rest.parse().map_err(|_| bad())?;
            return (1..=12)
                .contains(&m)
                .then_some(Period::Month(y, m))
                .ok_or_else(bad);
        }
        year(s).map(Period::Year).ok_or_else(bad)
    }

    /// The month before the one `today` is in.
    pub fn last_month(today: Date) -> Period {
        let (y, m) = (today.year(), today.month());
        if m == 1 {
            Period::Month(y - 1, 12)
        } else {
            Period::Month(y, m - 1)
        }
    }

    /// The quarter before the one `today` is in.
    pub fn last_quarter(today: Date) -> Period {
        let q = (today.month() - 1) / 3 + 1;
        if q == 1 {
            Period::Quarter(today.year() - 1, 4)
        } else {
            Period::Quarter(today.year(), q - 1)
        }
    }

    /// The first day.
    pub fn first_day(&self) -> Date {
        match *self {
            Period::Month(y, m) => Date::constant(y, m, 1),
            Period::Quarter(y, q) => Date::constant(y, (q - 1) * 3 + 1, 1),
            Period::Year(y) => Date::constant(y, 1, 1),
        }
    }

    /// The last day.
    pub fn last_day(&self) -> Date {
        match *self {
            Period::Month(..) => self.first_day().last_of_month(),
            Period::Quarter(y, q) => Date::constant(y, q * 3, 1).last_of_month(),
            Period::Year(y) => Date::constant(y, 12, 31),
        }
    }

    /// Beijing midnight of the first day (ms).
    pub fn start_ms(&self) -> i64 {
        midnight(self.first_day())
    }

    /// Beijing midnight after the last day (ms, exclusive).
    pub fn end_ms(&self) -> i64 {
        midnight(self.last_day().tomorrow().unwrap_or(self.last_day()))
    }

    /// In words: 2026年11月, 2026年第4季度, 2026年度.
    pub fn label(&self) -> String {
        match *self {
            Period::Month(y, m) => format!("{y}年{m}月"),
            Period::Quarter(y, q) => format!("{y}年第{q}季度"),
            Period::Year(y) => format!("{y}年度"),
        }
    }

    /// The months inside it.
    pub fn months(&self) -> Vec<Period> {
        match *self {
            Period::Month(..) => vec![*self],
            Period::Quarter(y, q) => ((q - 1) * 3 + 1..=q * 3)
                .map(|m| Period::Month(y, m))
                .collect(),
            Period::Year(y) => (1..=12).map(|m| Period::Month(y, m)).collect(),
        }
    }
}

fn midnight(d: Date) -> i64 {
    d.to_datetime(Time::midnight())
        .to_zoned_datetime(shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Year(y) => write!(f, "{y}"),
        }
    }
}

/// Minutes as hours with one decimal, truncated: 90 → `1.5`.
pub fn hours(minutes: i64) -> String {
    let m = minutes.max(0);
    format!("{}.{}", m / 60, (m % 60) * 10 / 60)
}

/// An average of ratings to two decimals (`4.50`), `—` without any.
pub fn average(sum: i64, n: i64) -> String {
    if n <= 0 {
        return "—".into();
    }
    let e2 = (sum * 100 * 2 + n) / (n * 2);
    format!("{}.{:02}", e2 / 100, e2 % 100)
}

/// Hundredths of a point as text: 9550 → `95.5`, 10000 → `100`.
pub fn points(e2: i64) -> String {
    let sign = if e2 < 0 { "-" } else { "" };
    let a = e2.abs();
    match a % 100 {
        0 => format!("{sign}{}", a / 100),
        f if f % 10 == 0 => format!("{sign}{}.{}", a / 100, f / 10),
        f => format!("{sign}{}.{f:02}", a / 100),
    }
}

/// Fen as yuan: 5000 → `50`, 1250 → `12.50`.
pub fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        format!("{}", fen / 100)
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_bounds() {
        let m = Period::parse("2026-11").unwrap();
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.label(), "2026年11月");
        assert_eq!(m.last_day(), Date::constant(2026, 11, 30));
        assert_eq!(m.end_ms() - m.start_ms(), 30 * 86_400_000);
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!(q.first_day(), Date::constant(2026, 10, 1));
        assert_eq!(q.last_day(), Date::constant(2026, 12, 31));
        assert_eq!(q.months().len(), 3);
        assert_eq!(q.label(), "2026年第4季度");
        assert_eq!(Period::parse("2026").unwrap().label(), "2026年度");
        for bad in ["2026-13", "2026-1", "2026-Q5", "26", "x", "2026-11-01"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Period::last_month(Date::constant(2026, 1, 15)).to_string(),
            "2025-12"
        );
        assert_eq!(
            Period::last_quarter(Date::constant(2026, 5, 1)).to_string(),
            "2026-Q1"
        );
    }

    #[test]
    fn formats() {
        assert_eq!(hours(90), "1.5");
        assert_eq!(hours(0), "0.0");
        assert_eq!(average(9, 2), "4.50");
        assert_eq!(average(0, 0), "—");
        assert_eq!(average(14, 3), "4.67");
        assert_eq!(points(9550), "95.5");
        assert_eq!(points(-1500), "-15");
        assert_eq!(yuan(5000), "50");
    }
}
