//! Time as the platform keeps it (milliseconds since the epoch, UTC) and as people read it
//! (civil dates and times in Asia/Shanghai, written the Chinese way).

use jiff::civil::Date;
use jiff::tz::{TimeZone, offset};
use jiff::{Timestamp, ToSpan};

/// China has kept UTC+8 without daylight saving since 1991, so Asia/Shanghai is a fixed
/// offset for every date the platform handles; no tz database is needed on the machine.
pub fn shanghai() -> TimeZone {
    TimeZone::fixed(offset(8))
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// Today's date in Shanghai.
pub fn today() -> Date {
    Timestamp::now().to_zoned_datetime(shanghai()).date()
}

/// The Shanghai civil date of an instant.
pub fn date_of_ms(ms: i64) -> Date {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(shanghai())
        .date()
}

/// Parse a `YYYY-MM-DD` date; `None` when it is not a real date.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>().ok()
}

/// Parse an instant given as Shanghai local time `YYYY-MM-DDTHH:MM` (what a
/// `datetime-local` field sends; a space instead of `T` and seconds are accepted) or as
/// RFC 3339 with an offset; milliseconds since the epoch, `None` when not a real time.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let dt = s
        .replacen(' ', "T", 1)
        .parse::<jiff::civil::DateTime>()
        .ok()?;
    Some(
        dt.to_zoned_datetime(shanghai())
            .ok()?
            .timestamp()
            .as_millisecond(),
    )
}

/// The `YYYY-MM-DDTHH:MM` Shanghai local time of an instant (for form fields).
pub fn local_datetime(ms: i64) -> String {
    let z = Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(shanghai());
    format!("{}T{:02}:{:02}", z.date(), z.hour(), z.minute())
}

/// Weekday (1 = Monday … 7 = Sunday) and minute of the day of an instant in Shanghai.
pub fn weekday_and_minute(ms: i64) -> (u8, u32) {
    let z = Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(shanghai());
    (
        z.weekday().to_monday_one_offset() as u8,
        z.hour() as u32 * 60 + z.minute() as u32,
    )
}

/// The first instant of the Shanghai calendar month holding `ms`, and of the next month.
pub fn month_bounds(ms: i64) -> (i64, i64) {
    let d = date_of_ms(ms).first_of_month();
    let start = |d: Date| {
        d.to_zoned_datetime(shanghai())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    };
    let next = d.checked_add(1.month()).unwrap_or(d);
    (start(d), start(next))
}

/// `date` minus `days` days.
pub fn days_before(date: Date, days: i64) -> Date {
    date.checked_sub(days.days()).unwrap_or(date)
}

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

/// The Chinese name of a weekday, 1 = Monday … 7 = Sunday: 星期三.
pub fn weekday_cn(day: i8) -> String {
    let i = (day.clamp(1, 7) - 1) as usize;
    format!("星期{}", WEEKDAYS[i])
}

/// 2026年11月25日
pub fn date_cn(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// 2026年11月25日 星期三
pub fn date_cn_weekday(d: Date) -> String {
    format!(
        "{} {}",
        date_cn(d),
        weekday_cn(d.weekday().to_monday_one_offset())
    )
}

/// 2026年11月25日 14:30 for an instant.
pub fn datetime_cn(ms: i64) -> String {
    let z = Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(shanghai());
    format!("{} {:02}:{:02}", date_cn(z.date()), z.hour(), z.minute())
}

/// How people say an instant relative to now: 今天 14:30, 昨天 09:05, 11月25日 (周三), or
/// with the year when it is not this year.
pub fn relative_cn(ms: i64, now: i64) -> String {
    let z = Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(shanghai());
    let today = date_of_ms(now);
    let d = z.date();
    let hm = format!("{:02}:{:02}", z.hour(), z.minute());
    if d == today {
        format!("今天 {hm}")
    } else if Some(d) == today.yesterday().ok() {
        format!("昨天 {hm}")
    } else if d.year() == today.year() {
        format!(
            "{}月{}日 (周{})",
            d.month(),
            d.day(),
            WEEKDAYS[(d.weekday().to_monday_one_offset() - 1) as usize]
        )
    } else {
        date_cn(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_dates() {
        let d = parse_date("2026-11-25").unwrap();
        assert_eq!(date_cn_weekday(d), "2026年11月25日 星期三");
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-1-5").is_none());
    }

    #[test]
    fn relative_times() {
        // 2026-11-25 14:30 Shanghai = 06:30 UTC
        let now = "2026-11-25T06:30:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_millisecond();
        assert_eq!(relative_cn(now, now), "今天 14:30");
        assert_eq!(relative_cn(now - 86_400_000, now), "昨天 14:30");
        assert_eq!(relative_cn(now - 7 * 86_400_000, now), "11月18日 (周三)");
        // Shanghai midnight boundary: 16:30 UTC on the 24th is 00:30 on the 25th.
        let just_after_midnight = now - 14 * 3_600_000;
        assert_eq!(relative_cn(just_after_midnight, now), "今天 00:30");
    }

    #[test]
    fn local_datetimes() {
        let ms = parse_datetime("2026-11-25T14:30").unwrap();
        assert_eq!(ms, parse_datetime("2026-11-25T06:30:00Z").unwrap());
        assert_eq!(parse_datetime("2026-11-25 14:30:00"), Some(ms));
        assert_eq!(local_datetime(ms), "2026-11-25T14:30");
        assert_eq!(weekday_and_minute(ms), (3, 14 * 60 + 30));
        assert!(parse_datetime("2026-02-30T10:00").is_none());
        assert!(parse_datetime("明天").is_none());
        let (a, b) = month_bounds(ms);
        assert_eq!(local_datetime(a), "2026-11-01T00:00");
        assert_eq!(local_datetime(b), "2026-12-01T00:00");
    }
}
