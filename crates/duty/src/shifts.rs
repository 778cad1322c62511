//! Shifts (值班班次) and the people on them. A cadre or grid leader creates a shift on a
//! grid or community with its people; each person is checked ([`crate::checks`]) and a
//! failed check needs a recorded reason. A person on two overlapping shifts, or twice on
//! one, is refused.

use std::collections::HashMap;

use kernel::audit::{self, Entry};
use kernel::calendar::{Calendar, WorkHours};
use kernel::error::{Problems, optional_text, required_text};
use kernel::time::{
    date_of_ms, datetime_cn, month_bounds, now_ms, parse_date, parse_datetime, weekday_and_minute,
};
use kernel::{Db, Error, Result};
use org::Access;
use org::inbox::NewNotice;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::checks::{self, Facts, Warning};
use crate::{community_path, keeps, kept_unit};

/// How far back a shift may be entered (a record of who served).
const PAST_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

/// A person to put on a shift.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PersonPick {
    /// The person.
    pub person_id: Option<i64>,
    /// Why, when a check fails (outside availability, over the cap, in working hours).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A shift to create.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ShiftInput {
    /// The grid or community.
    pub unit_id: Option<i64>,
    /// The date, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// Start, `HH:MM`.
    #[serde(default)]
    pub start: String,
    /// End, `HH:MM`, after the start, the same day.
    #[serde(default)]
    pub end: String,
    /// Where (up to 100 characters).
    #[serde(default)]
    pub place: String,
    /// What the duty is (up to 200 characters).
    #[serde(default)]
    pub task: String,
    /// The people on it.
    #[serde(default)]
    pub people: Vec<PersonPick>,
}

/// One person on a shift.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    /// Id.
    pub id: i64,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// `on`, or `swapped` (handed over in an approved swap).
    pub state: String,
    /// The reason recorded for the failed checks.
    pub reason: Option<String>,
    /// The checks that failed when the person was put on.
    pub warnings: Vec<Warning>,
    /// The state of their latest leave for this shift (`pending`, `approved`, `refused`).
    pub leave: Option<String>,
    /// Their absence record for this shift, if any: its id.
    pub absence_id: Option<i64>,
    /// Its state (`recorded`, `contested`, `upheld`, `withdrawn`).
    pub absence: Option<String>,
}

/// A shift with its people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Shift {
    /// Id.
    pub id: i64,
    /// The grid or community.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its path.
    pub unit_path: String,
    /// Start (ms since the epoch).
    pub starts_at: i64,
    /// End (ms since the epoch).
    pub ends_at: i64,
    /// 2026年12月5日 09:00–12:00.
    pub when: String,
    /// Where.
    pub place: String,
    /// What the duty is.
    pub task: String,
    /// Who created it.
    pub created_by_person_id: Option<i64>,
    /// The people on it.
    pub people: Vec<Assignment>,
}

impl Shift {
    /// Whether the person is on the shift (not swapped away).
    pub fn has_on(&self, person_id: i64) -> bool {
        self.people
            .iter()
            .any(|a| a.person_id == person_id && a.state == "on")
    }
}

/// `HH:MM` as minutes of the day.
pub fn parse_hm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

fn hm(ms: i64) -> String {
    let (_, m) = weekday_and_minute(ms);
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// 2026年12月5日 09:00–12:00.
pub fn when_label(starts_at: i64, ends_at: i64) -> String {
    format!("{}–{}", datetime_cn(starts_at), hm(ends_at))
}

pub(crate) struct ShiftRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub task: String,
    pub created_by_person_id: Option<i64>,
}

const COLS: &str = "id, unit_id, unit_path, starts_at, ends_at, place, task, created_by_person_id";

fn shift_row(r: &sqlx::any::AnyRow) -> Result<ShiftRow> {
    Ok(ShiftRow {
        id: r.try_get(0)?,
        unit_id: r.try_get(1)?,
        unit_path: r.try_get(2)?,
        starts_at: r.try_get(3)?,
        ends_at: r.try_get(4)?,
        place: r.try_get(5)?,
        task: r.try_get(6)?,
        created_by_person_id: r.try_get(7)?,
    })
}

pub(crate) async fn fetch_row(db: &Db, city_id: i64, id: i64) -> Result<Option<ShiftRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM duty_shift WHERE city_id = $1 AND id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first().map(shift_row).transpose()
}

async fn complete(db: &Db, city_id: i64, rows: Vec<ShiftRow>) -> Result<Vec<Shift>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    let list = ids.join(",");
    let people = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, shift_id, person_id, state, reason, warnings FROM duty_assignment \
         WHERE city_id = $1 AND shift_id IN ({list}) ORDER BY id"
    )))
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    let leaves = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT shift_id, person_id, state FROM duty_leave WHERE city_id = $1 \
         AND shift_id IN ({list}) ORDER BY id"
    )))
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    let absences = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT shift_id, person_id, id, state FROM duty_absence WHERE city_id = $1 \
         AND shift_id IN ({list})"
    )))
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    let mut leave_of: HashMap<(i64, i64), String> = HashMap::new();
    for r in &leaves {
        let state: String = r.try_get(2)?;
        // The latest leave that is not refused wins over a refused one.
        let key = (r.try_get(0)?, r.try_get(1)?);
        if state != "refused" || !leave_of.contains_key(&key) {
            leave_of.insert(key, state);
        }
    }
    let mut absence_of: HashMap<(i64, i64), (i64, String)> = HashMap::new();
    for r in &absences {
        absence_of.insert(
            (r.try_get(0)?, r.try_get(1)?),
            (r.try_get(2)?, r.try_get(3)?),
        );
    }
    let pids: Vec<i64> = people
        .iter()
        .map(|r| r.try_get::<i64, _>(2))
        .collect::<Result<_, _>>()?;
    let names = org::pool::names(db, city_id, &pids).await?;
    let mut by_shift: HashMap<i64, Vec<Assignment>> = HashMap::new();
    for r in &people {
        let shift_id: i64 = r.try_get(1)?;
        let person_id: i64 = r.try_get(2)?;
        let warnings: String = r.try_get(5)?;
        let absence = absence_of.get(&(shift_id, person_id));
        by_shift.entry(shift_id).or_default().push(Assignment {
            id: r.try_get(0)?,
            person_id,
            person_name: names.get(&person_id).cloned().unwrap_or_default(),
            state: r.try_get(3)?,
            reason: r.try_get(4)?,
            warnings: serde_json::from_str::<Vec<(String, String)>>(&warnings)
                .unwrap_or_default()
                .into_iter()
                .map(|(code, message)| Warning { code, message })
                .collect(),
            leave: leave_of.get(&(shift_id, person_id)).cloned(),
            absence_id: absence.map(|a| a.0),
            absence: absence.map(|a| a.1.clone()),
        });
    }
    let mut unit_names = HashMap::new();
    for r in &rows {
        if let std::collections::hash_map::Entry::Vacant(e) = unit_names.entry(r.unit_id)
            && let Some(u) = org::units::fetch_any(db, city_id, r.unit_id).await?
        {
            e.insert(u.name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| Shift {
            id: r.id,
            unit_id: r.unit_id,
            unit_name: unit_names.get(&r.unit_id).cloned().unwrap_or_default(),
            when: when_label(r.starts_at, r.ends_at),
            people: by_shift.remove(&r.id).unwrap_or_default(),
            unit_path: r.unit_path,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            place: r.place,
            task: r.task,
            created_by_person_id: r.created_by_person_id,
        })
        .collect())
}

/// One shift, without a scope check (for the services of this crate).
pub(crate) async fn load(db: &Db, city_id: i64, id: i64) -> Result<Shift> {
    let r = fetch_row(db, city_id, id).await?.ok_or(Error::NotFound)?;
    complete(db, city_id, vec![r])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Whether the caller may read the shift: its keepers, inspectors over it, its people.
pub fn reads(access: &Access, s: &Shift) -> bool {
    keeps(access, &s.unit_path)
        || access.holds_over(org::Role::Inspector, &s.unit_path)
        || (access.person_id() != 0 && s.people.iter().any(|a| a.person_id == access.person_id()))
}

/// One shift the caller may read (404 otherwise).
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Shift> {
    let s = load(db, access.city_id(), id).await?;
    if reads(access, &s) {
        Ok(s)
    } else {
        Err(Error::NotFound)
    }
}

/// Which shifts to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct ShiftQuery {
    /// The grid or community (its sub-units included).
    pub unit_id: Option<i64>,
    /// From this date on, `YYYY-MM-DD` (default: 7 days ago).
    pub from: Option<String>,
}

/// The roster of a unit and its sub-units, by time, from a date on (at most 200 shifts).
pub async fn roster(db: &Db, access: &Access, q: &ShiftQuery) -> Result<Vec<Shift>> {
    let unit = match q.unit_id {
        Some(id) => org::units::fetch_any(db, access.city_id(), id).await?,
        None => None,
    }
    .filter(|u| keeps(access, &u.path) || access.holds_over(org::Role::Inspector, &u.path))
    .ok_or(Error::NotFound)?;
    let from = match q.from.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => {
            let d = parse_date(s).ok_or_else(|| Error::field("from", "日期格式应为 YYYY-MM-DD"))?;
            parse_datetime(&format!("{d}T00:00")).unwrap_or(0)
        }
        None => now_ms() - 7 * DAY_MS,
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM duty_shift WHERE city_id = $1 AND unit_path LIKE $2 \
         AND ends_at >= $3 ORDER BY starts_at, id LIMIT 200"
    )))
    .bind(access.city_id())
    .bind(format!("{}%", unit.path))
    .bind(from)
    .fetch_all(db.reader())
    .await?;
    let rows = rows.iter().map(shift_row).collect::<Result<Vec<_>>>()?;
    complete(db, access.city_id(), rows).await
}

/// The caller's own shifts: upcoming first (soonest first), then the past (latest first);
/// at most 100.
pub async fn mine(db: &Db, access: &Access) -> Result<Vec<Shift>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM duty_shift s WHERE s.city_id = $1 AND s.id IN \
         (SELECT shift_id FROM duty_assignment WHERE city_id = $1 AND person_id = $2) \
         ORDER BY s.starts_at DESC LIMIT 100",
        COLS.split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
    .bind(access.city_id())
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    let rows = rows.iter().map(shift_row).collect::<Result<Vec<_>>>()?;
    let mut all = complete(db, access.city_id(), rows).await?;
    let now = now_ms();
    let (mut upcoming, past): (Vec<Shift>, Vec<Shift>) =
        all.drain(..).partition(|s| s.ends_at >= now);
    upcoming.reverse();
    upcoming.extend(past);
    Ok(upcoming)
}

/// The shift's time: (start ms, end ms, weekday, start minute, end minute, date).
pub(crate) struct Span {
    pub starts_at: i64,
    pub ends_at: i64,
    pub weekday: u8,
    pub from_min: u32,
    pub to_min: u32,
    pub date: jiff::civil::Date,
}

impl Span {
    pub(crate) fn of(starts_at: i64, ends_at: i64) -> Span {
        let (weekday, from_min) = weekday_and_minute(starts_at);
        let to_min = from_min + ((ends_at - starts_at) / 60_000) as u32;
        Span {
            starts_at,
            ends_at,
            weekday,
            from_min,
            to_min,
            date: date_of_ms(starts_at),
        }
    }
}

/// The tasks the person holds in the month of `at`: their duties (except `except_shift`)
/// and their activity seats.
async fn load_of(db: &Db, city_id: i64, person_id: i64, at: i64, except_shift: i64) -> Result<i64> {
    let (from, to) = month_bounds(at);
    let rows = sqlx::query(
        "SELECT COUNT(*) FROM duty_assignment a JOIN duty_shift s \
         ON s.city_id = a.city_id AND s.id = a.shift_id \
         WHERE a.city_id = $1 AND a.person_id = $2 AND a.state = 'on' \
         AND s.starts_at >= $3 AND s.starts_at < $4 AND s.id <> $5",
    )
    .bind(city_id)
    .bind(person_id)
    .bind(from)
    .bind(to)
    .bind(except_shift)
    .fetch_all(db.reader())
    .await?;
    let duties: i64 = rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0);
    let seats = activities::load::seats_between(db, city_id, &[person_id], from, to).await?;
    Ok(duties + seats.get(&person_id).copied().unwrap_or(0))
}

/// The person's other shift overlapping the span, if any (its label).
async fn overlapping(
    db: &Db,
    city_id: i64,
    person_id: i64,
    span: &Span,
    except_shift: i64,
) -> Result<Option<String>> {
    let rows = sqlx::query(
        "SELECT s.starts_at, s.ends_at FROM duty_assignment a JOIN duty_shift s \
         ON s.city_id = a.city_id AND s.id = a.shift_id \
         WHERE a.city_id = $1 AND a.person_id = $2 AND a.state = 'on' \
         AND s.starts_at < $3 AND s.ends_at > $4 AND s.id <> $5 LIMIT 1",
    )
    .bind(city_id)
    .bind(person_id)
    .bind(span.ends_at)
    .bind(span.starts_at)
    .bind(except_shift)
    .fetch_all(db.reader())
    .await?;
    rows.first()
        .map(|r| Ok(when_label(r.try_get(0)?, r.try_get(1)?)))
        .transpose()
}

/// A person checked for a shift.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// The checks that fail (a reason is needed to put them on).
    pub warnings: Vec<Warning>,
    /// Another shift of theirs at the same time (they cannot be put on), its time.
    pub busy: Option<String>,
}

/// Check people (or, with `only` empty, every personnel of the unit's community) for a span.
pub(crate) async fn check_people(
    db: &Db,
    city_id: i64,
    community: &str,
    span: &Span,
    only: Option<i64>,
    except_shift: i64,
) -> Result<Vec<Candidate>> {
    let members = org::pool::members(db, city_id, community, only).await?;
    let cap =
        ledger::rules::setting(db, city_id, "monthly_task_cap", &span.date.to_string()).await?;
    let cal = Calendar::national();
    let working_day = cal.is_working_day(span.date);
    let mut out = Vec::with_capacity(members.len());
    for m in members.into_iter().take(300) {
        let load = load_of(db, city_id, m.person_id, span.starts_at, except_shift).await?;
        let warnings = checks::warnings(&Facts {
            slots: &m.availability,
            weekday: span.weekday,
            from_min: span.from_min,
            to_min: span.to_min,
            working_day,
            hours: WorkHours::default(),
            load,
            cap,
        });
        let busy = overlapping(db, city_id, m.person_id, span, except_shift).await?;
        out.push(Candidate {
            person_id: m.person_id,
            name: m.name,
            warnings,
            busy,
        });
    }
    Ok(out)
}

/// Query of the people picker.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct CandidateQuery {
    /// The grid or community.
    pub unit_id: Option<i64>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `HH:MM`.
    pub start: Option<String>,
    /// `HH:MM`.
    pub end: Option<String>,
}

/// Parse date, start, end into a span, collecting problems.
fn parse_span(p: &mut Problems, date: &str, start: &str, end: &str) -> Option<Span> {
    let d = parse_date(date);
    if d.is_none() {
        p.add("date", "请填写日期，如 2026-12-05");
    }
    let (s, e) = (parse_hm(start), parse_hm(end));
    match (s, e) {
        (None, _) => p.add("start", "请填写开始时间，如 09:00"),
        (_, None) => p.add("end", "请填写结束时间，如 12:00"),
        (Some(s), Some(e)) if e <= s => p.add("end", "结束时间要晚于开始时间"),
        _ => {}
    }
    let (d, s, e) = (d?, s?, e?);
    if e <= s {
        return None;
    }
    let midnight = parse_datetime(&format!("{d}T00:00"))?;
    Some(Span::of(
        midnight + i64::from(s) * 60_000,
        midnight + i64::from(e) * 60_000,
    ))
}

/// The people picker: the personnel of the unit's community with the checks that fail
/// for this date and time.
pub async fn candidates(db: &Db, access: &Access, q: &CandidateQuery) -> Result<Vec<Candidate>> {
    let unit = kept_unit(db, access, q.unit_id).await?;
    let mut p = Problems::default();
    let span = parse_span(
        &mut p,
        q.date.as_deref().unwrap_or(""),
        q.start.as_deref().unwrap_or(""),
        q.end.as_deref().unwrap_or(""),
    );
    p.finish()?;
    let span = span.ok_or_else(|| Error::field("date", "请填写日期和时间"))?;
    let community = community_path(db, access.city_id(), &unit).await?;
    check_people(db, access.city_id(), &community, &span, None, 0).await
}

fn warnings_json(w: &[Warning]) -> String {
    serde_json::to_string(&w.iter().map(|w| (&w.code, &w.message)).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

/// Check one pick against the span; on success the warnings and the reason to store.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn check_pick(
    db: &Db,
    city_id: i64,
    community: &str,
    span: &Span,
    person_id: i64,
    reason: Option<&str>,
    except_shift: i64,
    p: &mut Problems,
    field: &str,
) -> Result<Option<(Vec<Warning>, Option<String>)>> {
    let c = check_people(db, city_id, community, span, Some(person_id), except_shift).await?;
    let Some(c) = c.into_iter().next() else {
        p.add(field, "没有这个下沉人员，或不在本社区报到");
        return Ok(None);
    };
    if let Some(b) = c.busy {
        p.add(field, format!("{}与已有的值班（{b}）时间重叠", c.name));
        return Ok(None);
    }
    let reason = optional_text(p, "reason", "理由", reason, 200);
    if !c.warnings.is_empty() && reason.is_none() {
        let w: Vec<&str> = c.warnings.iter().map(|w| w.message.as_str()).collect();
        p.add(
            "reason",
            format!("{}：{}。如确需安排，请写明理由", c.name, w.join("；")),
        );
        return Ok(None);
    }
    Ok(Some((c.warnings, reason)))
}

pub(crate) async fn insert_assignment(
    conn: &mut sqlx::AnyConnection,
    access: &Access,
    shift: (i64, &str, i64, i64),
    person_id: i64,
    warnings: &[Warning],
    reason: Option<&str>,
) -> Result<i64> {
    let (shift_id, path, starts_at, ends_at) = shift;
    let id = kernel::db::insert_returning_id(
        conn,
        sqlx::query(
            "INSERT INTO duty_assignment (city_id, shift_id, person_id, state, reason, warnings, \
             created_at) VALUES ($1, $2, $3, 'on', $4, $5, $6) RETURNING id",
        )
        .bind(access.city_id())
        .bind(shift_id)
        .bind(person_id)
        .bind(reason)
        .bind(warnings_json(warnings))
        .bind(now_ms()),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "person_id", "这个人员已在这个班次上"))?;
    audit::record(
        conn,
        access.actor(),
        Entry {
            action: "duty_assign",
            object_kind: "duty_assignment",
            object_id: id,
            scope_path: path,
            before: None,
            after: Some(json!({"shift_id": shift_id, "person_id": person_id,
                               "reason": reason, "warnings": warnings_json(warnings)})),
        },
    )
    .await?;
    org::inbox::notify(
        conn,
        access.city_id(),
        NewNotice {
            person_id,
            kind: "duty_assigned",
            title: "您有新的值班".into(),
            body: format!("值班时间：{}", when_label(starts_at, ends_at)),
            link: format!("/duty/shifts/{shift_id}"),
        },
    )
    .await?;
    Ok(id)
}

/// Create a shift with its people, all checked first: any problem refuses the whole shift
/// and writes nothing.
pub async fn create(db: &Db, access: &Access, input: ShiftInput) -> Result<Shift> {
    let unit = kept_unit(db, access, input.unit_id).await?;
    let mut p = Problems::default();
    let span = parse_span(&mut p, &input.date, &input.start, &input.end);
    let place = required_text(&mut p, "place", "值班地点", &input.place, 100);
    let task = required_text(&mut p, "task", "值班内容", &input.task, 200);
    if let Some(s) = &span
        && s.starts_at < now_ms() - PAST_DAYS * DAY_MS
    {
        p.add("date", "只能补录 30 天以内的值班");
    }
    if input.people.len() > 50 {
        p.add("people", "一个班次最多 50 人");
    }
    let community = community_path(db, access.city_id(), &unit).await?;
    let mut picks = Vec::new();
    if let Some(span) = &span {
        let mut seen = Vec::new();
        for pick in &input.people {
            let Some(pid) = pick.person_id else {
                p.add("person_id", "请选择值班人员");
                continue;
            };
            if seen.contains(&pid) {
                p.add("person_id", "同一个人不能在一个班次上排两次");
                continue;
            }
            seen.push(pid);
            if let Some((w, r)) = check_pick(
                db,
                access.city_id(),
                &community,
                span,
                pid,
                pick.reason.as_deref(),
                0,
                &mut p,
                "person_id",
            )
            .await?
            {
                picks.push((pid, w, r));
            }
        }
    }
    p.finish()?;
    let span = span.ok_or_else(|| Error::field("date", "请填写日期和时间"))?;
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO duty_shift (city_id, unit_id, unit_path, starts_at, ends_at, place, task, \
             created_by_person_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(access.city_id())
        .bind(unit.id)
        .bind(&unit.path)
        .bind(span.starts_at)
        .bind(span.ends_at)
        .bind(&place)
        .bind(&task)
        .bind((access.person_id() != 0).then_some(access.person_id()))
        .bind(now_ms()),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "duty_shift_create",
            object_kind: "duty_shift",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(json!({"unit_id": unit.id, "starts_at": span.starts_at,
                               "ends_at": span.ends_at, "place": place, "task": task})),
        },
    )
    .await?;
    for (pid, w, r) in &picks {
        insert_assignment(
            &mut tx,
            access,
            (id, &unit.path, span.starts_at, span.ends_at),
            *pid,
            w,
            r.as_deref(),
        )
        .await?;
    }
    tx.commit().await?;
    load(db, access.city_id(), id).await
}

/// Put one more person on a shift (the same checks).
pub async fn add_person(
    db: &Db,
    access: &Access,
    shift_id: i64,
    pick: PersonPick,
) -> Result<Shift> {
    let s = get(db, access, shift_id).await?;
    if !keeps(access, &s.unit_path) {
        return Err(Error::NotFound);
    }
    let unit = org::units::fetch_any(db, access.city_id(), s.unit_id)
        .await?
        .ok_or(Error::NotFound)?;
    let community = community_path(db, access.city_id(), &unit).await?;
    let span = Span::of(s.starts_at, s.ends_at);
    let mut p = Problems::default();
    let pid = match pick.person_id {
        None => {
            p.add("person_id", "请选择值班人员");
            0
        }
        Some(pid) if s.people.iter().any(|a| a.person_id == pid) => {
            p.add("person_id", "这个人员已在这个班次上");
            0
        }
        Some(pid) => pid,
    };
    let mut ok = None;
    if pid != 0 {
        ok = check_pick(
            db,
            access.city_id(),
            &community,
            &span,
            pid,
            pick.reason.as_deref(),
            s.id,
            &mut p,
            "person_id",
        )
        .await?;
    }
    p.finish()?;
    let (w, r) = ok.ok_or_else(|| Error::field("person_id", "请选择值班人员"))?;
    let mut tx = db.begin().await?;
    insert_assignment(
        &mut tx,
        access,
        (s.id, &s.unit_path, s.starts_at, s.ends_at),
        pid,
        &w,
        r.as_deref(),
    )
    .await?;
    tx.commit().await?;
    load(db, access.city_id(), s.id).await
}
