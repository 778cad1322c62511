//! The working-day calendar a city's time limits count by: the national holidays and
//! adjusted working days (kernel::calendar, 2025 and 2026 from the State Council notices)
//! with the city's own entries laid over them — its own holidays, and the next years'
//! arrangement once it is published, entered by a platform admin without a new release.

use kernel::audit::{self, Entry};
use kernel::calendar::{Calendar, DayKind, WorkHours};
use kernel::time::{now_ms, parse_date};
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

/// A day the city listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarDay {
    /// Id.
    pub id: i64,
    /// The date, `YYYY-MM-DD`.
    pub day: String,
    /// `holiday` (放假) or `workday` (调休上班).
    pub kind: String,
    /// Its name (国庆节, 春节调休上班, …).
    pub name: String,
}

/// The city's calendar and working hours.
pub async fn calendar(db: &Db, city_id: i64) -> Result<(Calendar, WorkHours)> {
    let days = list(db, city_id).await?;
    let cal = Calendar::national().with_overrides(days.into_iter().filter_map(|d| {
        let date = parse_date(&d.day)?;
        let kind = if d.kind == "workday" {
            DayKind::Workday
        } else {
            DayKind::Holiday
        };
        Some((date, kind, d.name))
    }));
    Ok((cal, WorkHours::default()))
}

/// The days the city listed, by date.
pub async fn list(db: &Db, city_id: i64) -> Result<Vec<CalendarDay>> {
    let rows = sqlx::query(
        "SELECT id, day, kind, name FROM work_calendar_day WHERE city_id = $1 ORDER BY day",
    )
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CalendarDay {
                id: r.try_get(0)?,
                day: r.try_get(1)?,
                kind: r.try_get(2)?,
                name: r.try_get(3)?,
            })
        })
        .collect()
}

/// A day to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewCalendarDay {
    /// The date, `YYYY-MM-DD`.
    pub day: String,
    /// `holiday` or `workday`.
    pub kind: String,
    /// Its name (1–20 characters).
    pub name: String,
}

/// List a day (replacing what the city had listed for that date).
pub async fn add(db: &Db, access: &Access, d: NewCalendarDay) -> Result<CalendarDay> {
    if !access.manages_city() {
        return Err(Error::Forbidden("只有平台管理员可以维护工作日历"));
    }
    let mut p = kernel::error::Problems::default();
    let date = parse_date(&d.day);
    if date.is_none() {
        p.add("day", "日期格式应为 YYYY-MM-DD，如 2027-01-01");
    }
    if !matches!(d.kind.as_str(), "holiday" | "workday") {
        p.add("kind", "请选择“放假”或“调休上班”");
    }
    let name = kernel::error::required_text(&mut p, "name", "名称", &d.name, 20);
    p.finish()?;
    let day = date.map(|x| x.to_string()).unwrap_or_default();
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM work_calendar_day WHERE city_id = $1 AND day = $2")
        .bind(access.city_id())
        .bind(&day)
        .execute(&mut *tx)
        .await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO work_calendar_day (city_id, day, kind, name, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(access.city_id())
        .bind(&day)
        .bind(&d.kind)
        .bind(&name)
        .bind(now_ms()),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "work_calendar_day",
            object_id: id,
            scope_path: "/",
            before: None,
            after: Some(json!({"day": day, "kind": d.kind, "name": name})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(CalendarDay {
        id,
        day,
        kind: d.kind,
        name,
    })
}

/// Remove a listed day (the national calendar applies to that date again).
pub async fn remove(db: &Db, access: &Access, id: i64) -> Result<()> {
    if !access.manages_city() {
        return Err(Error::Forbidden("只有平台管理员可以维护工作日历"));
    }
    let mut tx = db.begin().await?;
    let rows =
        sqlx::query("SELECT day, kind, name FROM work_calendar_day WHERE city_id = $1 AND id = $2")
            .bind(access.city_id())
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let before = json!({"day": r.try_get::<String, _>(0)?, "kind": r.try_get::<String, _>(1)?,
                        "name": r.try_get::<String, _>(2)?});
    sqlx::query("DELETE FROM work_calendar_day WHERE city_id = $1 AND id = $2")
        .bind(access.city_id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "delete",
            object_kind: "work_calendar_day",
            object_id: id,
            scope_path: "/",
            before: Some(before),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
