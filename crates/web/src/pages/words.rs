//! Words and times as people say them, shared by the pages: 今天 14:30, 11月28日 (周六)
//! 09:00–11:00, 还剩 5 小时, 1 小时 30 分钟; and who organises work in a community.

use kernel::calendar::{Calendar, WorkHours, working_minutes_between};
use kernel::time::{date_of_ms, local_datetime};
use org::{Access, Role};

/// A day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;
const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

/// Whether the account dispatches orders, publishes activities and reviews attendance
/// somewhere (community cadres and the admins above them).
pub fn is_dispatcher(a: &Access) -> bool {
    a.grants().iter().any(|g| {
        matches!(
            g.role,
            Role::PlatformAdmin | Role::Admin | Role::CommunityCadre
        )
    })
}

/// The day of an instant as people say it: 今天, 明天, 昨天, 11月28日 (周六) — with the
/// year when it is not this year.
pub fn day_cn(ms: i64, now: i64) -> String {
    let d = date_of_ms(ms);
    let today = date_of_ms(now);
    if d == today {
        return "今天".into();
    }
    if d == date_of_ms(now + DAY_MS) {
        return "明天".into();
    }
    if d == date_of_ms(now - DAY_MS) {
        return "昨天".into();
    }
    let wd = WEEKDAYS[(d.weekday().to_monday_one_offset().clamp(1, 7) - 1) as usize];
    if d.year() == today.year() {
        format!("{}月{}日 (周{wd})", d.month(), d.day())
    } else {
        format!("{}年{}月{}日 (周{wd})", d.year(), d.month(), d.day())
    }
}

/// `HH:MM` of an instant, Beijing time.
pub fn hm(ms: i64) -> String {
    local_datetime(ms)[11..16].to_owned()
}

/// An instant as people say it: 今天 14:30, 11月28日 (周六) 09:00.
pub fn moment_cn(ms: i64, now: i64) -> String {
    format!("{} {}", day_cn(ms, now), hm(ms))
}

/// A span as people say it: 11月28日 (周六) 09:00–11:00 (both days when it runs over
/// midnight).
pub fn span_cn(from: i64, to: i64, now: i64) -> String {
    let (a, b) = span_parts(from, to, now);
    format!("{a} {b}")
}

/// [`span_cn`] in the two parts a line may break between.
pub fn span_parts(from: i64, to: i64, now: i64) -> (String, String) {
    if date_of_ms(from) == date_of_ms(to) {
        (day_cn(from, now), format!("{}–{}", hm(from), hm(to)))
    } else {
        (format!("{} 至", moment_cn(from, now)), moment_cn(to, now))
    }
}

/// What is left before a deadline: 还剩 5 小时, 还剩 2 天; or 已超时 3 小时.
pub fn left_cn(deadline: i64, now: i64) -> String {
    let d = (deadline - now).abs();
    let hours = (d + 3_599_999) / 3_600_000;
    let amount = if hours >= 48 {
        format!("{} 天", (d + DAY_MS - 1) / DAY_MS)
    } else if hours >= 1 && d >= 3_600_000 {
        format!("{hours} 小时")
    } else {
        format!("{} 分钟", ((d + 59_999) / 60_000).max(1))
    };
    if deadline >= now {
        format!("还剩 {amount}")
    } else {
        format!("已超时 {amount}")
    }
}

/// What is left before a case's deadline, counted in working time as its limits are:
/// 还剩 2 个工作日, 还剩 3 个工作小时, 还剩 20 分钟; once passed, how long ago in plain
/// time: 已超期 1 天, 已超期 3 小时.
pub fn deadline_cn(cal: &Calendar, wh: &WorkHours, deadline: i64, now: i64) -> String {
    if deadline < now {
        let d = now - deadline;
        return if d >= DAY_MS {
            format!("已超期 {} 天", d / DAY_MS)
        } else if d >= 3_600_000 {
            format!("已超期 {} 小时", d / 3_600_000)
        } else {
            format!("已超期 {} 分钟", (d / 60_000).max(1))
        };
    }
    let m = working_minutes_between(cal, wh, now, deadline);
    let per_day = i64::from(wh.minutes_per_day()).max(1);
    if m >= per_day {
        format!("还剩 {} 个工作日", m / per_day)
    } else if m >= 60 {
        format!("还剩 {} 个工作小时", (m + 59) / 60)
    } else if m > 0 {
        format!("还剩 {m} 分钟")
    } else {
        "即将到期".into()
    }
}

/// Minutes as people read them: 45 分钟, 2 小时, 1 小时 30 分钟.
pub fn minutes_cn(m: i64) -> String {
    ledger::engine::show(ledger::Currency::Minutes, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::time::parse_datetime;

    #[test]
    fn times_as_people_say_them() {
        let now = parse_datetime("2026-11-25T14:30").unwrap();
        let from = parse_datetime("2026-11-28T09:00").unwrap();
        let to = parse_datetime("2026-11-28T11:00").unwrap();
        assert_eq!(span_cn(from, to, now), "11月28日 (周六) 09:00–11:00");
        let next_day = parse_datetime("2026-11-29T01:00").unwrap();
        assert_eq!(
            span_cn(to, next_day, now),
            "11月28日 (周六) 11:00 至 11月29日 (周日) 01:00"
        );
        let tomorrow = parse_datetime("2026-11-26T09:00").unwrap();
        assert_eq!(day_cn(tomorrow, now), "明天");
        assert_eq!(moment_cn(now, now), "今天 14:30");
        assert_eq!(
            day_cn(parse_datetime("2027-01-02T09:00").unwrap(), now),
            "2027年1月2日 (周六)"
        );
        assert_eq!(left_cn(now + 5 * 3_600_000, now), "还剩 5 小时");
        assert_eq!(left_cn(now + 3 * DAY_MS, now), "还剩 3 天");
        assert_eq!(left_cn(now - 30 * 60_000, now), "已超时 30 分钟");
        assert_eq!(minutes_cn(90), "1 小时 30 分钟");
    }

    #[test]
    fn deadlines_in_working_time() {
        let (cal, wh) = (Calendar::national(), WorkHours::default());
        let at = |s: &str| parse_datetime(s).unwrap();
        // Wednesday 2026-11-25 10:00; the deadline Friday 17:30 is two days and a bit away.
        let now = at("2026-11-25T10:00");
        assert_eq!(
            deadline_cn(&cal, &wh, at("2026-11-27T17:30"), now),
            "还剩 2 个工作日"
        );
        assert_eq!(
            deadline_cn(&cal, &wh, at("2026-11-25T17:30"), now),
            "还剩 6 个工作小时"
        );
        assert_eq!(
            deadline_cn(&cal, &wh, at("2026-11-25T10:20"), now),
            "还剩 20 分钟"
        );
        // Over the weekend only Monday counts.
        let fri = at("2026-11-27T17:30");
        assert_eq!(
            deadline_cn(&cal, &wh, at("2026-11-30T17:30"), fri),
            "还剩 1 个工作日"
        );
        assert_eq!(
            deadline_cn(&cal, &wh, at("2026-11-24T09:00"), now),
            "已超期 1 天"
        );
        assert_eq!(
            deadline_cn(&cal, &wh, at("2026-11-25T07:00"), now),
            "已超期 3 小时"
        );
        assert_eq!(
            deadline_cn(&cal, &wh, at("2026-11-25T09:50"), now),
            "已超期 10 分钟"
        );
    }
}
