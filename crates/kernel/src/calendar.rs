//! Working days and working hours in Asia/Shanghai, for the handling deadlines (处置时限)
//! of cases, which are counted in working days or in working hours.
//!
//! The national calendar of public holidays and adjusted working days (调休) is kept here
//! as data, one list per year the State Council has published; outside those years plain
//! Monday–Friday rules apply. A city can lay its own entries over the national ones with
//! [`Calendar::with_overrides`].
//!
//! Every function is pure: instants are milliseconds since the epoch (UTC), read on the
//! fixed UTC+8 clock of [`crate::time::shanghai`]. Instants so far out that the result
//! cannot be represented saturate at `i64::MIN` / `i64::MAX` instead of panicking.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use jiff::civil::Date;

/// Whether a date listed in a [`Calendar`] is a day off or a working day, whatever
/// weekday it falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A public holiday or a day of a holiday break: no work, even on a weekday.
    Holiday,
    /// An adjusted working day (调休上班): work, even on a Saturday or Sunday.
    Workday,
}

use DayKind::{Holiday, Workday};

/// One run of listed days of the national calendar: name, kind, first and last date.
type Rule = (&'static str, DayKind, Date, Date);

const fn d(year: i16, month: i8, day: i8) -> Date {
    Date::constant(year, month, day)
}

/// The years the national calendar below covers.
const NATIONAL_YEARS: [i16; 2] = [2025, 2026];

/// 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号).
const NATIONAL_2025: &[Rule] = &[
    ("元旦", Holiday, d(2025, 1, 1), d(2025, 1, 1)),
    ("春节", Holiday, d(2025, 1, 28), d(2025, 2, 4)),
    ("春节调休上班", Workday, d(2025, 1, 26), d(2025, 1, 26)),
    ("春节调休上班", Workday, d(2025, 2, 8), d(2025, 2, 8)),
    ("清明节", Holiday, d(2025, 4, 4), d(2025, 4, 6)),
    ("劳动节", Holiday, d(2025, 5, 1), d(2025, 5, 5)),
    ("劳动节调休上班", Workday, d(2025, 4, 27), d(2025, 4, 27)),
    ("端午节", Holiday, d(2025, 5, 31), d(2025, 6, 2)),
    ("国庆节、中秋节", Holiday, d(2025, 10, 1), d(2025, 10, 8)),
    (
        "国庆节、中秋节调休上班",
        Workday,
        d(2025, 9, 28),
        d(2025, 9, 28),
    ),
    (
        "国庆节、中秋节调休上班",
        Workday,
        d(2025, 10, 11),
        d(2025, 10, 11),
    ),
];

/// 国务院办公厅关于2026年部分节假日安排的通知 (2025年11月4日).
const NATIONAL_2026: &[Rule] = &[
    ("元旦", Holiday, d(2026, 1, 1), d(2026, 1, 3)),
    ("元旦调休上班", Workday, d(2026, 1, 4), d(2026, 1, 4)),
    ("春节", Holiday, d(2026, 2, 15), d(2026, 2, 23)),
    ("春节调休上班", Workday, d(2026, 2, 14), d(2026, 2, 14)),
    ("春节调休上班", Workday, d(2026, 2, 28), d(2026, 2, 28)),
    ("清明节", Holiday, d(2026, 4, 4), d(2026, 4, 6)),
    ("劳动节", Holiday, d(2026, 5, 1), d(2026, 5, 5)),
    ("劳动节调休上班", Workday, d(2026, 5, 9), d(2026, 5, 9)),
    ("端午节", Holiday, d(2026, 6, 19), d(2026, 6, 21)),
    ("中秋节", Holiday, d(2026, 9, 25), d(2026, 9, 27)),
    ("国庆节", Holiday, d(2026, 10, 1), d(2026, 10, 7)),
    ("国庆节调休上班", Workday, d(2026, 9, 20), d(2026, 9, 20)),
    ("国庆节调休上班", Workday, d(2026, 10, 10), d(2026, 10, 10)),
];

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const DAY_MINUTES: u16 = 1_440;
/// Shanghai is UTC+8 all year round.
const OFFSET_MS: i64 = 8 * 3_600_000;
/// Day 0 of the day numbering used inside this module (a Thursday).
const EPOCH: Date = d(1970, 1, 1);

/// The number of a date, in days since 1970-01-01.
fn day_number(date: Date) -> i64 {
    date.duration_since(EPOCH).as_secs().div_euclid(86_400)
}

/// The date of a day number, saturating at [`Date::MIN`] / [`Date::MAX`].
fn date_of_number(day: i64) -> Date {
    day.checked_mul(86_400)
        .and_then(|secs| EPOCH.checked_add(SignedDuration::from_secs(secs)).ok())
        .unwrap_or(if day < 0 { Date::MIN } else { Date::MAX })
}

/// Shanghai day number and milliseconds into that day of an instant.
fn split(ms: i64) -> (i64, i64) {
    let local = i128::from(ms) + i128::from(OFFSET_MS);
    let day = local.div_euclid(i128::from(DAY_MS));
    let t = local.rem_euclid(i128::from(DAY_MS));
    // |day| < 2^64 / 86_400_000 and 0 <= t < DAY_MS: both fit.
    (day as i64, t as i64)
}

/// The instant at `t` milliseconds into Shanghai day `day`, saturating.
fn join(day: i64, t: i64) -> i64 {
    let ms = i128::from(day) * i128::from(DAY_MS) + i128::from(t) - i128::from(OFFSET_MS);
    i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX })
}

/// A listed date: its kind and name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    kind: DayKind,
    name: String,
}

/// Which days are working days: Monday to Friday, except the listed dates (public
/// holidays, and adjusted working days that fall on a weekend).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Listed dates by day number.
    entries: BTreeMap<i64, Entry>,
}

impl Default for Calendar {
    /// The national calendar, as [`Calendar::national`].
    fn default() -> Self {
        Self::national()
    }
}

impl Calendar {
    /// The national calendar of China: the public holidays and adjusted working days the
    /// State Council published for the years of [`Calendar::years_covered`].
    pub fn national() -> Self {
        let mut entries = BTreeMap::new();
        for &(name, kind, first, last) in NATIONAL_2025.iter().chain(NATIONAL_2026) {
            for day in day_number(first)..=day_number(last) {
                entries.insert(
                    day,
                    Entry {
                        kind,
                        name: name.to_owned(),
                    },
                );
            }
        }
        Self { entries }
    }

    /// This calendar with more listed dates laid over it, e.g. a city's own holidays or
    /// working days. An entry replaces whatever was listed for its date; of two entries for
    /// the same date the later one wins.
    pub fn with_overrides<I, S>(mut self, overrides: I) -> Self
    where
        I: IntoIterator<Item = (Date, DayKind, S)>,
        S: Into<String>,
    {
        for (date, kind, name) in overrides {
            self.entries.insert(
                day_number(date),
                Entry {
                    kind,
                    name: name.into(),
                },
            );
        }
        self
    }

    /// The years for which the national holiday arrangement is in the data (2025 and
    /// 2026); for other years only weekends and a city's own entries count.
    pub fn years_covered(&self) -> &'static [i16] {
        &NATIONAL_YEARS
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.is_working(day_number(date))
    }

    /// The name of the holiday (春节) or adjusted working day (春节调休上班) listed for
    /// `date`, if any.
    pub fn day_name(&self, date: Date) -> Option<&str> {
        self.entries
            .get(&day_number(date))
            .map(|entry| entry.name.as_str())
    }

    /// The kind of the entry listed for `date`, if any (an unlisted date follows the
    /// weekday).
    pub fn listed_kind(&self, date: Date) -> Option<DayKind> {
        self.entries.get(&day_number(date)).map(|entry| entry.kind)
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: Date) -> Date {
        date_of_number(self.next_working(day_number(date)))
    }

    fn is_working(&self, day: i64) -> bool {
        match self.entries.get(&day) {
            Some(entry) => entry.kind == Workday,
            // Day 0 is a Thursday; 0 = Monday … 6 = Sunday.
            None => (day + 3).rem_euclid(7) < 5,
        }
    }

    fn next_working(&self, day: i64) -> i64 {
        // The list is finite, so a plain weekday comes within a week of its end.
        let mut day = day + 1;
        while !self.is_working(day) {
            day += 1;
        }
        day
    }

    /// How many whole weeks from `day` on (`day` included) have no listed date: each of
    /// them holds exactly five working days.
    fn free_weeks_from(&self, day: i64) -> i64 {
        match self.entries.range(day..).next() {
            Some((&listed, _)) => (listed - day) / 7,
            None => i64::MAX,
        }
    }

    /// The `n`-th working day strictly after `day`.
    fn nth_working_after(&self, day: i64, n: u32) -> i64 {
        let mut day = day;
        let mut n = i64::from(n);
        while n > 0 {
            let weeks = ((n - 1) / 5).min(self.free_weeks_from(day + 1));
            if weeks > 0 {
                day += 7 * weeks;
                n -= 5 * weeks;
            } else {
                day = self.next_working(day);
                n -= 1;
            }
        }
        day
    }
}

/// The working hours of a working day, Beijing time, in minutes after midnight: a morning
/// and an afternoon period. The default is 08:30–12:00 and 13:30–17:30, 7.5 hours.
///
/// Boundaries out of order are read clamped: each is raised to the one before it and
/// capped at 24:00 (1440), so an empty period simply has no working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkHours {
    /// Start of the morning period (510 = 08:30).
    pub morning_start: u16,
    /// End of the morning period (720 = 12:00).
    pub morning_end: u16,
    /// Start of the afternoon period (810 = 13:30).
    pub afternoon_start: u16,
    /// End of the afternoon period and of the working day (1050 = 17:30).
    pub afternoon_end: u16,
}

impl Default for WorkHours {
    /// 08:30–12:00 and 13:30–17:30.
    fn default() -> Self {
        Self {
            morning_start: 8 * 60 + 30,
            morning_end: 12 * 60,
            afternoon_start: 13 * 60 + 30,
            afternoon_end: 17 * 60 + 30,
        }
    }
}

impl WorkHours {
    /// Whether the boundaries are in order, within the day, and leave some working time.
    pub fn is_valid(&self) -> bool {
        self.morning_start <= self.morning_end
            && self.morning_end <= self.afternoon_start
            && self.afternoon_start <= self.afternoon_end
            && self.afternoon_end <= DAY_MINUTES
            && self.minutes_per_day() > 0
    }

    /// Working minutes in a working day (450 by default).
    pub fn minutes_per_day(&self) -> u32 {
        let p = self.periods();
        ((p[0].1 - p[0].0 + p[1].1 - p[1].0) / MINUTE_MS) as u32
    }

    /// The two periods in milliseconds into the day, clamped into order.
    fn periods(&self) -> [(i64, i64); 2] {
        let ms = |m: u16| i64::from(m) * MINUTE_MS;
        let a0 = self.morning_start.min(DAY_MINUTES);
        let a1 = self.morning_end.clamp(a0, DAY_MINUTES);
        let p0 = self.afternoon_start.clamp(a1, DAY_MINUTES);
        let p1 = self.afternoon_end.clamp(p0, DAY_MINUTES);
        [(ms(a0), ms(a1)), (ms(p0), ms(p1))]
    }

    /// The end of working time, in milliseconds into the day: the end of the last
    /// non-empty period.
    fn day_end(&self) -> i64 {
        let [am, pm] = self.periods();
        if pm.1 > pm.0 || am.1 == am.0 {
            pm.1
        } else {
            am.1
        }
    }

    /// Working milliseconds in a working day.
    fn day_ms(&self) -> i64 {
        let [am, pm] = self.periods();
        am.1 - am.0 + pm.1 - pm.0
    }
}

/// The deadline for "当日办结": the end of working time of the day of `at_ms` if that is a
/// working day and its working time has not ended yet, otherwise the end of working time
/// of the next working day.
pub fn end_of_working_day(cal: &Calendar, wh: &WorkHours, at_ms: i64) -> i64 {
    let (day, t) = split(at_ms);
    let end = wh.day_end();
    let day = if cal.is_working(day) && t < end {
        day
    } else {
        cal.next_working(day)
    };
    join(day, end)
}

/// The deadline `n` working days after `at_ms`: the end of working time of the `n`-th
/// working day after the day of `at_ms`, whatever the time of day of `at_ms` and whether
/// or not its day is a working day. `n = 0` is [`end_of_working_day`].
///
/// Reported on Friday 2026-09-18 at 10:00 with 3 working days: Saturday the 19th is off,
/// Sunday the 20th is an adjusted working day (1), then Monday (2) and Tuesday (3), so the
/// deadline is 2026-09-22 17:30.
pub fn add_working_days(cal: &Calendar, wh: &WorkHours, at_ms: i64, n: u32) -> i64 {
    if n == 0 {
        return end_of_working_day(cal, wh, at_ms);
    }
    let (day, _) = split(at_ms);
    join(cal.nth_working_after(day, n), wh.day_end())
}

/// The deadline `minutes` working minutes after `at_ms`, counting only working time
/// (not lunch breaks, nights, weekends or holidays; adjusted working days count). From
/// outside working time the count starts at the next working period. A deadline that
/// uses up a period exactly is that period's end (12:00, not 13:30).
///
/// `minutes = 0`, or working hours with no working time, give `at_ms` back.
pub fn add_working_hours(cal: &Calendar, wh: &WorkHours, at_ms: i64, minutes: u32) -> i64 {
    let per_day = wh.day_ms();
    let mut remaining = i64::from(minutes) * MINUTE_MS;
    if remaining == 0 || per_day == 0 {
        return at_ms;
    }
    let periods = wh.periods();
    let (mut day, mut t) = split(at_ms);
    loop {
        if t == 0 {
            // Whole weeks without listed dates hold five working days each; skip them
            // while more than what they hold is left.
            let weeks = ((remaining - 1) / (5 * per_day)).min(cal.free_weeks_from(day));
            if weeks > 0 {
                day += 7 * weeks;
                remaining -= 5 * weeks * per_day;
                continue;
            }
        }
        if cal.is_working(day) {
            for &(start, end) in &periods {
                if end <= t {
                    continue;
                }
                let from = start.max(t);
                let available = end - from;
                if remaining <= available {
                    return join(day, from + remaining);
                }
                remaining -= available;
            }
        }
        day += 1;
        t = 0;
    }
}

/// Working minutes in `[from_ms, to_ms)` (whole minutes, rounded down; 0 when `to_ms` is
/// not after `from_ms`): the inverse of [`add_working_hours`].
pub fn working_minutes_between(cal: &Calendar, wh: &WorkHours, from_ms: i64, to_ms: i64) -> i64 {
    if to_ms <= from_ms {
        return 0;
    }
    let per_day = i128::from(wh.day_ms());
    let periods = wh.periods();
    let (mut day, mut t) = split(from_ms);
    let (last_day, last_t) = split(to_ms);
    let mut total: i128 = 0;
    loop {
        if t == 0 && day < last_day {
            let weeks = ((last_day - day) / 7).min(cal.free_weeks_from(day));
            if weeks > 0 {
                total += i128::from(weeks) * 5 * per_day;
                day += 7 * weeks;
                continue;
            }
        }
        let limit = if day == last_day { last_t } else { DAY_MS };
        if cal.is_working(day) {
            for &(start, end) in &periods {
                let from = start.max(t);
                let to = end.min(limit);
                if to > from {
                    total += i128::from(to - from);
                }
            }
        }
        if day >= last_day {
            break;
        }
        day += 1;
        t = 0;
    }
    // At most 2^64 ms of working time: well within i64 once in minutes.
    (total / i128::from(MINUTE_MS)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{local_datetime, parse_datetime};
    use jiff::civil::Weekday;
    use proptest::prelude::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn at(s: &str) -> i64 {
        parse_datetime(s).unwrap()
    }

    fn show(ms: i64) -> String {
        local_datetime(ms)
    }

    fn cal() -> Calendar {
        Calendar::national()
    }

    fn wh() -> WorkHours {
        WorkHours::default()
    }

    fn days(s: &str, n: u32) -> String {
        show(add_working_days(&cal(), &wh(), at(s), n))
    }

    fn hours(s: &str, minutes: u32) -> String {
        show(add_working_hours(&cal(), &wh(), at(s), minutes))
    }

    fn eod(s: &str) -> String {
        show(end_of_working_day(&cal(), &wh(), at(s)))
    }

    fn between(from: &str, to: &str) -> i64 {
        working_minutes_between(&cal(), &wh(), at(from), at(to))
    }

    #[test]
    fn national_data_is_consistent() {
        let c = cal();
        assert_eq!(c.years_covered(), &[2025, 2026]);
        for &(name, kind, first, last) in NATIONAL_2025.iter().chain(NATIONAL_2026) {
            assert!(first <= last, "{name}");
            assert!(NATIONAL_YEARS.contains(&first.year()), "{name}");
            assert_eq!(first.year(), last.year(), "{name}");
            if kind == Workday {
                assert!(name.ends_with("调休上班"), "{name}");
                // Make-up days are always weekend days.
                assert!(
                    matches!(first.weekday(), Weekday::Saturday | Weekday::Sunday),
                    "{name} {first}"
                );
                assert_eq!(first, last);
            }
        }
        // 365 days − 104 weekend days − 13 statutory holidays, in both years.
        for year in [2025, 2026] {
            let working = Date::new(year, 1, 1)
                .unwrap()
                .series(jiff::Span::new().days(1))
                .take_while(|d| d.year() == year)
                .filter(|&d| c.is_working_day(d))
                .count();
            assert_eq!(working, 248, "{year}");
        }
    }

    #[test]
    fn adjusted_days_and_names() {
        let c = cal();
        // 2026-01-04 is a Sunday, worked for New Year.
        assert!(c.is_working_day(date("2026-01-04")));
        assert_eq!(c.day_name(date("2026-01-04")), Some("元旦调休上班"));
        assert!(!c.is_working_day(date("2026-01-02")));
        assert_eq!(c.day_name(date("2026-01-02")), Some("元旦"));
        // 2026-02-14 is a Saturday, worked for the Spring Festival.
        assert!(c.is_working_day(date("2026-02-14")));
        assert_eq!(c.day_name(date("2026-02-14")), Some("春节调休上班"));
        assert_eq!(c.listed_kind(date("2026-02-14")), Some(Workday));
        // 2026-02-16 is a Monday in the Spring Festival break.
        assert!(!c.is_working_day(date("2026-02-16")));
        assert_eq!(c.day_name(date("2026-02-16")), Some("春节"));
        assert_eq!(c.listed_kind(date("2026-02-16")), Some(Holiday));
        assert!(c.is_working_day(date("2026-02-28")));
        assert!(!c.is_working_day(date("2026-02-23")));
        assert!(c.is_working_day(date("2026-02-24")));
        assert!(c.is_working_day(date("2026-05-09")));
        assert!(c.is_working_day(date("2026-09-20")));
        assert!(!c.is_working_day(date("2026-09-25")));
        assert_eq!(c.day_name(date("2026-09-25")), Some("中秋节"));
        assert_eq!(c.day_name(date("2026-10-07")), Some("国庆节"));
        assert!(c.is_working_day(date("2026-10-10")));
        // 2025.
        assert!(c.is_working_day(date("2025-01-26")));
        assert!(!c.is_working_day(date("2025-01-28")));
        assert!(!c.is_working_day(date("2025-02-04")));
        assert!(c.is_working_day(date("2025-02-05")));
        assert!(c.is_working_day(date("2025-02-08")));
        assert!(c.is_working_day(date("2025-04-27")));
        assert!(!c.is_working_day(date("2025-05-05")));
        assert!(!c.is_working_day(date("2025-06-02")));
        assert!(c.is_working_day(date("2025-09-28")));
        assert_eq!(c.day_name(date("2025-10-06")), Some("国庆节、中秋节"));
        assert!(!c.is_working_day(date("2025-10-08")));
        assert!(c.is_working_day(date("2025-10-11")));
        // Plain days.
        assert!(c.is_working_day(date("2026-03-10")));
        assert_eq!(c.day_name(date("2026-03-10")), None);
        assert_eq!(c.listed_kind(date("2026-03-10")), None);
        assert!(!c.is_working_day(date("2026-03-14")));
    }

    #[test]
    fn outside_the_covered_years_weekdays_rule() {
        let c = cal();
        // No national data for 2024 or 2027: 2024-10-01 (Tuesday) and 2027-01-01 (Friday)
        // count as working days, 2027-01-02 (Saturday) does not.
        assert!(c.is_working_day(date("2024-10-01")));
        assert!(c.is_working_day(date("2027-01-01")));
        assert!(!c.is_working_day(date("2027-01-02")));
        assert_eq!(c.day_name(date("2027-01-01")), None);
        assert_eq!(c.next_working_day(date("2026-12-31")), date("2027-01-01"));
        assert_eq!(c.next_working_day(date("2027-01-01")), date("2027-01-04"));
    }

    #[test]
    fn next_working_day_is_strictly_after() {
        let c = cal();
        assert_eq!(c.next_working_day(date("2026-03-10")), date("2026-03-11"));
        assert_eq!(c.next_working_day(date("2026-03-13")), date("2026-03-16"));
        assert_eq!(c.next_working_day(date("2026-02-13")), date("2026-02-14"));
        assert_eq!(c.next_working_day(date("2026-02-14")), date("2026-02-24"));
        assert_eq!(c.next_working_day(date("2026-09-30")), date("2026-10-08"));
        assert_eq!(c.next_working_day(date("2025-01-27")), date("2025-02-05"));
        assert_eq!(c.next_working_day(date("2025-09-27")), date("2025-09-28"));
        assert_eq!(c.next_working_day(Date::MAX), Date::MAX);
    }

    #[test]
    fn city_overrides_replace_national_entries() {
        let c = cal().with_overrides([
            (date("2026-03-10"), Holiday, "城市纪念日"),
            (date("2026-10-07"), Workday, "国庆节值守上班"),
        ]);
        assert!(!c.is_working_day(date("2026-03-10")));
        assert_eq!(c.day_name(date("2026-03-10")), Some("城市纪念日"));
        assert!(c.is_working_day(date("2026-10-07")));
        assert_eq!(c.day_name(date("2026-10-07")), Some("国庆节值守上班"));
        assert_eq!(c.next_working_day(date("2026-09-30")), date("2026-10-07"));
        // The national calendar itself is untouched.
        assert!(cal().is_working_day(date("2026-03-10")));
        let deadline = add_working_days(&c, &wh(), at("2026-03-09T10:00"), 1);
        assert_eq!(show(deadline), "2026-03-11T17:30");
        // Overrides outside the covered years work too, and with owned names.
        let c = cal().with_overrides(vec![(date("2027-01-01"), Holiday, String::from("元旦"))]);
        assert!(!c.is_working_day(date("2027-01-01")));
        assert_eq!(c.years_covered(), &[2025, 2026]);
    }

    #[test]
    fn other_work_hours() {
        let w = wh();
        assert_eq!(w.minutes_per_day(), 450);
        assert!(w.is_valid());
        let shifted = WorkHours {
            morning_start: 9 * 60,
            morning_end: 12 * 60,
            afternoon_start: 14 * 60,
            afternoon_end: 18 * 60,
        };
        assert_eq!(shifted.minutes_per_day(), 420);
        assert_eq!(
            show(add_working_hours(
                &cal(),
                &shifted,
                at("2026-03-10T11:00"),
                120
            )),
            "2026-03-10T15:00"
        );
        assert_eq!(
            show(end_of_working_day(&cal(), &shifted, at("2026-03-10T17:45"))),
            "2026-03-10T18:00"
        );
        let reversed = WorkHours {
            morning_start: 12 * 60,
            morning_end: 8 * 60,
            afternoon_start: 0,
            afternoon_end: 2000,
        };
        assert!(!reversed.is_valid());
        // Read as 12:00–12:00 (empty) and 12:00–24:00.
        assert_eq!(reversed.minutes_per_day(), 720);
        let none = WorkHours {
            morning_start: 600,
            morning_end: 600,
            afternoon_start: 600,
            afternoon_end: 600,
        };
        assert!(!none.is_valid());
        let t = at("2026-03-10T11:00");
        assert_eq!(add_working_hours(&cal(), &none, t, 60), t);
        assert_eq!(working_minutes_between(&cal(), &none, t, t + DAY_MS), 0);
        // Morning only: the working day ends at noon.
        let morning = WorkHours {
            morning_start: 8 * 60,
            morning_end: 12 * 60,
            afternoon_start: 12 * 60,
            afternoon_end: 12 * 60,
        };
        assert_eq!(
            show(end_of_working_day(&cal(), &morning, t)),
            "2026-03-10T12:00"
        );
        // Around the clock: the day ends at midnight.
        let all_day = WorkHours {
            morning_start: 0,
            morning_end: 720,
            afternoon_start: 720,
            afternoon_end: 1440,
        };
        assert_eq!(
            show(end_of_working_day(&cal(), &all_day, t)),
            "2026-03-11T00:00"
        );
        assert_eq!(
            show(add_working_hours(
                &cal(),
                &all_day,
                at("2026-03-13T23:00"),
                120
            )),
            "2026-03-16T01:00"
        );
    }

    #[test]
    fn same_day_deadlines() {
        assert_eq!(eod("2026-03-10T10:00"), "2026-03-10T17:30");
        assert_eq!(eod("2026-03-10T07:00"), "2026-03-10T17:30");
        assert_eq!(eod("2026-03-10T17:29"), "2026-03-10T17:30");
        // Reported at or after 17:30: the next working day.
        assert_eq!(eod("2026-03-10T17:30"), "2026-03-11T17:30");
        assert_eq!(eod("2026-03-10T18:00"), "2026-03-11T17:30");
        assert_eq!(eod("2026-03-13T20:00"), "2026-03-16T17:30");
        // On a holiday.
        assert_eq!(eod("2026-10-03T11:00"), "2026-10-08T17:30");
        assert_eq!(eod("2025-01-30T09:00"), "2025-02-05T17:30");
        // On an adjusted Sunday.
        assert_eq!(eod("2025-01-26T09:00"), "2025-01-26T17:30");
        assert_eq!(days("2026-03-10T10:00", 0), "2026-03-10T17:30");
    }

    #[test]
    fn working_day_deadlines() {
        // The example of the brief: Friday, Sat off, Sun 20 worked, Mon, Tue.
        assert_eq!(days("2026-09-18T10:00", 3), "2026-09-22T17:30");
        assert_eq!(days("2026-09-18T10:00", 1), "2026-09-20T17:30");
        // Time of day does not matter.
        assert_eq!(days("2026-03-10T18:00", 1), "2026-03-11T17:30");
        assert_eq!(days("2026-03-10T00:00", 1), "2026-03-11T17:30");
        assert_eq!(days("2026-03-13T10:00", 1), "2026-03-16T17:30");
        assert_eq!(days("2026-03-09T10:00", 5), "2026-03-16T17:30");
        assert_eq!(days("2026-03-09T10:00", 15), "2026-03-30T17:30");
        // 2025 Spring Festival: 1-28 to 2-4 off; 1-26 (Sun) and 2-8 (Sat) worked.
        assert_eq!(days("2025-01-25T10:00", 1), "2025-01-26T17:30");
        assert_eq!(days("2025-01-27T10:00", 1), "2025-02-05T17:30");
        assert_eq!(days("2025-01-27T10:00", 3), "2025-02-07T17:30");
        assert_eq!(days("2025-01-27T10:00", 4), "2025-02-08T17:30");
        assert_eq!(days("2025-01-27T10:00", 5), "2025-02-10T17:30");
        // 2025 National Day and Mid-Autumn: 10-1 to 10-8 off; 9-28 and 10-11 worked.
        assert_eq!(days("2025-09-27T10:00", 1), "2025-09-28T17:30");
        assert_eq!(days("2025-09-30T16:00", 1), "2025-10-09T17:30");
        assert_eq!(days("2025-09-30T16:00", 2), "2025-10-10T17:30");
        assert_eq!(days("2025-09-30T16:00", 3), "2025-10-11T17:30");
        assert_eq!(days("2025-09-30T16:00", 4), "2025-10-13T17:30");
        // 2026 Spring Festival: 2-15 to 2-23 off; 2-14 and 2-28 (Saturdays) worked.
        assert_eq!(days("2026-02-13T15:00", 1), "2026-02-14T17:30");
        assert_eq!(days("2026-02-13T15:00", 2), "2026-02-24T17:30");
        assert_eq!(days("2026-02-13T15:00", 6), "2026-02-28T17:30");
        assert_eq!(days("2026-02-13T15:00", 7), "2026-03-02T17:30");
        // Reported during the holiday.
        assert_eq!(days("2026-02-16T09:00", 1), "2026-02-24T17:30");
        // 2026 Mid-Autumn and National Day: 9-25..27 and 10-1..7 off; 9-20, 10-10 worked.
        assert_eq!(days("2026-09-24T10:00", 1), "2026-09-28T17:30");
        assert_eq!(days("2026-09-30T10:00", 1), "2026-10-08T17:30");
        assert_eq!(days("2026-09-30T10:00", 3), "2026-10-10T17:30");
        assert_eq!(days("2026-09-30T10:00", 4), "2026-10-12T17:30");
        assert_eq!(days("2026-10-03T11:00", 1), "2026-10-08T17:30");
        // Across the end of the data: 2026-12-31 (Thursday), then plain weekdays.
        assert_eq!(days("2026-12-30T10:00", 3), "2027-01-04T17:30");
        // A long span: skipping whole weeks agrees with walking day by day.
        assert_eq!(days("2026-11-02T10:00", 60), "2027-01-25T17:30");
    }

    #[test]
    fn working_hour_deadlines() {
        assert_eq!(hours("2026-03-10T09:00", 60), "2026-03-10T10:00");
        assert_eq!(hours("2026-03-10T09:00", 0), "2026-03-10T09:00");
        // Before the day starts.
        assert_eq!(hours("2026-03-10T07:00", 30), "2026-03-10T09:00");
        // A period used up exactly ends at its end.
        assert_eq!(hours("2026-03-10T11:00", 60), "2026-03-10T12:00");
        assert_eq!(hours("2026-03-10T08:30", 450), "2026-03-10T17:30");
        assert_eq!(hours("2026-03-10T08:30", 451), "2026-03-11T08:31");
        // Across lunch, and starting in it.
        assert_eq!(hours("2026-03-10T11:30", 60), "2026-03-10T14:00");
        assert_eq!(hours("2026-03-10T12:15", 30), "2026-03-10T14:00");
        assert_eq!(hours("2026-03-10T12:00", 30), "2026-03-10T14:00");
        assert_eq!(hours("2026-03-10T13:30", 30), "2026-03-10T14:00");
        // After work, and over a weekend.
        assert_eq!(hours("2026-03-10T17:30", 60), "2026-03-11T09:30");
        assert_eq!(hours("2026-03-10T18:00", 60), "2026-03-11T09:30");
        assert_eq!(hours("2026-03-13T17:00", 60), "2026-03-16T09:00");
        // Over the 2026 Spring Festival, with its adjusted Saturday.
        assert_eq!(hours("2026-02-13T17:00", 60), "2026-02-14T09:00");
        assert_eq!(hours("2026-02-14T17:00", 60), "2026-02-24T09:00");
        assert_eq!(hours("2026-02-16T10:00", 30), "2026-02-24T09:00");
        // Over the 2025 Spring Festival.
        assert_eq!(hours("2025-01-27T17:00", 60), "2025-02-05T09:00");
        // Over the 2026 National Day, into the next week.
        assert_eq!(hours("2026-09-30T16:30", 8 * 60), "2026-10-08T17:00");
        assert_eq!(hours("2026-10-03T11:00", 30), "2026-10-08T09:00");
        // Three full working days from a Friday morning, via the adjusted Sunday.
        assert_eq!(hours("2026-09-18T08:30", 3 * 450), "2026-09-21T17:30");
        // 60 working days, crossing into 2027.
        // 2026-11-02 itself is the first of them.
        assert_eq!(hours("2026-11-02T08:30", 60 * 450), "2027-01-22T17:30");
    }

    #[test]
    fn working_minutes() {
        assert_eq!(between("2026-03-10T09:00", "2026-03-10T10:00"), 60);
        assert_eq!(between("2026-03-10T10:00", "2026-03-10T09:00"), 0);
        assert_eq!(between("2026-03-10T10:00", "2026-03-10T10:00"), 0);
        assert_eq!(between("2026-03-10T11:30", "2026-03-10T14:00"), 60);
        assert_eq!(between("2026-03-10T12:10", "2026-03-10T13:20"), 0);
        assert_eq!(between("2026-03-10T00:00", "2026-03-11T00:00"), 450);
        assert_eq!(between("2026-03-09T00:00", "2026-03-16T00:00"), 5 * 450);
        // The 2026 Spring Festival week: only the adjusted Saturday counts.
        assert_eq!(between("2026-02-14T00:00", "2026-02-24T00:00"), 450);
        // The 2025 National Day break, from the adjusted Sunday to the adjusted Saturday.
        assert_eq!(between("2025-09-28T00:00", "2025-10-12T00:00"), 6 * 450);
        // A whole year.
        assert_eq!(between("2026-01-01T00:00", "2027-01-01T00:00"), 248 * 450);
        // Partial minutes are rounded down.
        let from = at("2026-03-10T09:00") + 30_000;
        let to = at("2026-03-10T09:02");
        assert_eq!(working_minutes_between(&cal(), &wh(), from, to), 1);
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let (c, w) = (cal(), wh());
        for ms in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            for n in [0, 1, 7, u32::MAX] {
                assert!(add_working_days(&c, &w, ms, n) >= ms);
                assert!(add_working_hours(&c, &w, ms, n) >= ms);
            }
            assert!(end_of_working_day(&c, &w, ms) >= ms);
        }
        let all = working_minutes_between(&c, &w, i64::MIN, i64::MAX);
        assert!(all > 0);
        let t = at("2026-03-10T09:00");
        let far = add_working_hours(&c, &w, t, u32::MAX);
        assert_eq!(working_minutes_between(&c, &w, t, far), i64::from(u32::MAX));
        let far = add_working_days(&c, &w, t, u32::MAX);
        assert!(far > t);
    }

    /// Instants from December 2024 to January 2027, half of them on the half hour so that
    /// period boundaries (08:30, 12:00, 13:30, 17:30) come up often.
    fn instant() -> impl Strategy<Value = i64> {
        let lo = at("2024-12-01T00:00");
        let hi = at("2027-02-01T00:00");
        let half_hours = (hi - lo) / (30 * MINUTE_MS);
        prop_oneof![
            lo..hi,
            (0..half_hours).prop_map(move |k| lo + k * 30 * MINUTE_MS),
        ]
    }

    /// Working hours with boundaries in order, sometimes with empty periods.
    fn work_hours() -> impl Strategy<Value = WorkHours> {
        prop::collection::vec(0u16..=1440, 4).prop_map(|mut v| {
            v.sort_unstable();
            WorkHours {
                morning_start: v[0],
                morning_end: v[1],
                afternoon_start: v[2],
                afternoon_end: v[3],
            }
        })
    }

    /// Up to 60 working days of minutes.
    const MAX_MINUTES: u32 = 60 * 450;

    proptest! {
        #[test]
        fn deadlines_are_never_before_the_start(
            at_ms in instant(),
            n in 0u32..=60,
            m in 0u32..=MAX_MINUTES,
        ) {
            let (c, w) = (cal(), wh());
            prop_assert!(end_of_working_day(&c, &w, at_ms) > at_ms);
            prop_assert!(add_working_days(&c, &w, at_ms, n) > at_ms);
            prop_assert!(add_working_hours(&c, &w, at_ms, m) >= at_ms);
            if m > 0 {
                prop_assert!(add_working_hours(&c, &w, at_ms, m) > at_ms);
            }
        }

        #[test]
        fn working_days_are_monotone_and_land_at_the_end_of_a_working_day(
            at_ms in instant(),
            n in 0u32..=60,
        ) {
            let (c, w) = (cal(), wh());
            let this = add_working_days(&c, &w, at_ms, n);
            let next = add_working_days(&c, &w, at_ms, n + 1);
            prop_assert!(this <= next);
            if n > 0 {
                prop_assert!(this < next);
            }
            for deadline in [this, next] {
                let (day, t) = split(deadline);
                prop_assert!(c.is_working(day));
                prop_assert_eq!(t, w.day_end());
                prop_assert!(c.is_working_day(crate::time::date_of_ms(deadline)));
            }
            // n working days after the start hold exactly n working days' worth of
            // minutes counted from the end of the start's day.
            let (start_day, _) = split(at_ms);
            let day_end = join(start_day, w.day_end());
            if n > 0 {
                prop_assert_eq!(
                    working_minutes_between(&c, &w, day_end, this),
                    i64::from(n) * 450
                );
            }
        }

        #[test]
        fn hours_and_minutes_between_are_inverse(
            at_ms in instant(),
            m in 0u32..=MAX_MINUTES,
        ) {
            let (c, w) = (cal(), wh());
            let deadline = add_working_hours(&c, &w, at_ms, m);
            prop_assert_eq!(working_minutes_between(&c, &w, at_ms, deadline), i64::from(m));
        }

        #[test]
        fn adding_hours_in_two_steps_is_adding_them_at_once(
            at_ms in instant(),
            a in 0u32..=MAX_MINUTES / 2,
            b in 0u32..=MAX_MINUTES / 2,
        ) {
            let (c, w) = (cal(), wh());
            let once = add_working_hours(&c, &w, at_ms, a + b);
            let twice = add_working_hours(&c, &w, add_working_hours(&c, &w, at_ms, a), b);
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn any_work_hours_keep_the_laws(
            w in work_hours(),
            at_ms in instant(),
            a in 0u32..=3_000,
            b in 0u32..=3_000,
        ) {
            let c = cal();
            let once = add_working_hours(&c, &w, at_ms, a + b);
            prop_assert!(once >= at_ms);
            let twice = add_working_hours(&c, &w, add_working_hours(&c, &w, at_ms, a), b);
            prop_assert_eq!(once, twice);
            if w.minutes_per_day() > 0 {
                prop_assert_eq!(
                    working_minutes_between(&c, &w, at_ms, once),
                    i64::from(a + b)
                );
            }
            prop_assert!(end_of_working_day(&c, &w, at_ms) >= at_ms);
        }

        #[test]
        fn skipping_weeks_agrees_with_walking_days(
            at_ms in instant(),
            n in 0u32..=200,
        ) {
            // Overrides far away split the calendar into different entry-free stretches.
            let c = cal().with_overrides([(date("2027-06-01"), Holiday, "测试")]);
            let (start, _) = split(at_ms);
            let mut day = start;
            for _ in 0..n {
                day = c.next_working(day);
            }
            prop_assert_eq!(c.nth_working_after(start, n), day);
        }

        /// Day numbers up to 9999-12-31 ([`Date::MAX`]); later ones saturate.
        #[test]
        fn dates_round_trip(day in -3_000_000i64..=2_932_896) {
            prop_assert_eq!(day_number(date_of_number(day)), day);
        }
    }
}
