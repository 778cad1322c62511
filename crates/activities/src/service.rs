//! Reading activities: one activity with the caller's own sign-up, seats left and the
//! waitlist; the list a person sees ("fits me first", with the reasons); the list staff see
//! in their scope. Who may see what is decided here for every other module too.

use kernel::paging::{self, Page};
use kernel::time::{datetime_cn, now_ms};
use kernel::{Db, geo::E7};
use kernel::{Error, Result};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::model::{self, Brings, DutyKind, Wants};

/// An activity as the API and pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Activity {
    /// Id.
    pub id: i64,
    /// The community or grid it belongs to.
    pub unit_id: i64,
    /// That node's path.
    pub unit_path: String,
    /// Which of the six duties (`duty.policy` … `duty.emergency`).
    pub duty_kind: DutyKind,
    /// The duty's Chinese name.
    pub duty_label: String,
    /// Title.
    pub title: String,
    /// What it is about.
    pub description: String,
    /// Start (ms since the epoch, UTC).
    pub starts_at: i64,
    /// End (ms since the epoch, UTC).
    pub ends_at: i64,
    /// The window as people read it: 2026年11月25日 14:30 至 16:30.
    pub when: String,
    /// Where, in words.
    pub place: String,
    /// `circle` (centre and radius) or `grid` (a grid's boundary).
    pub fence: String,
    /// Centre longitude (WGS-84; for a grid fence its centroid).
    pub lon: Option<f64>,
    /// Centre latitude (WGS-84).
    pub lat: Option<f64>,
    /// Radius in metres (circle fences).
    pub radius_m: Option<i64>,
    /// The grid whose boundary is the fence.
    pub fence_unit_id: Option<i64>,
    /// Seats.
    pub capacity: i64,
    /// Seats taken.
    pub seats_taken: i64,
    /// Seats left.
    pub seats_left: i64,
    /// People on the waitlist.
    pub waitlist: i64,
    /// Skills wanted (ids of the catalogue).
    pub wanted_skill_ids: Vec<i64>,
    /// Employers it is aimed at.
    pub target_employer_ids: Vec<i64>,
    /// Only for party members.
    pub party_members_only: bool,
    /// `published` or `cancelled`.
    pub state: String,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The caller's own sign-up, if any.
    pub my_signup: Option<MySignup>,
    /// Why it fits the caller (personnel lists only).
    pub fit_reasons: Vec<String>,
    /// Whether the caller organises it (may cancel, roll-call and review).
    pub can_manage: bool,
    /// When it was published.
    pub created_at: i64,
}

/// The caller's own sign-up on an activity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MySignup {
    /// `signed` (holds a seat), `waitlisted` or `cancelled` (withdrew).
    pub state: String,
    /// Place on the waitlist (1 = next to get a seat) when waitlisted.
    pub position: Option<i64>,
}

/// Filters of an activity list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct ActivityQuery {
    /// Staff: only this community or grid (and below).
    pub unit_id: Option<i64>,
    /// Staff: `published` or `cancelled`.
    pub state: Option<String>,
    /// Staff: `upcoming` (not ended yet) or `past`.
    pub when: Option<String>,
    /// Staff who are also personnel: `true` for the list as a person sees it.
    pub for_me: Option<bool>,
    /// Keyset: activities with an id below this (staff lists, newest first).
    pub after: Option<i64>,
    /// Page size (1–200).
    pub limit: Option<i64>,
}

pub(crate) const COLS: &str = "a.id, a.unit_id, a.unit_path, a.duty_kind, a.title, a.description, \
    a.starts_at, a.ends_at, a.place, a.lon_e7, a.lat_e7, a.radius_m, a.fence_unit_id, a.fence_boundary, \
    a.capacity, a.wanted_skill_ids, a.target_employer_ids, a.party_members_only, a.state, \
    a.cancel_reason, a.created_at, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM activity_signup s WHERE s.city_id = a.city_id \
     AND s.activity_id = a.id AND s.state = 'signed') AS seats_taken, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM activity_signup s WHERE s.city_id = a.city_id \
     AND s.activity_id = a.id AND s.state = 'waitlisted') AS waitlist";

/// The columns of [`COLS`] without the seat counts (read as 0), for paths that act on
/// one person's seat and must not count every seat.
pub(crate) const LEAN_COLS: &str = "a.id, a.unit_id, a.unit_path, a.duty_kind, a.title, a.description, \
    a.starts_at, a.ends_at, a.place, a.lon_e7, a.lat_e7, a.radius_m, a.fence_unit_id, a.fence_boundary, \
    a.capacity, a.wanted_skill_ids, a.target_employer_ids, a.party_members_only, a.state, \
    a.cancel_reason, a.created_at, CAST(0 AS BIGINT) AS seats_taken, CAST(0 AS BIGINT) AS waitlist";

/// An activity as stored, with its seat counts.
#[derive(Debug, Clone)]
pub(crate) struct ActivityRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub duty: DutyKind,
    pub title: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub lon_e7: Option<i64>,
    pub lat_e7: Option<i64>,
    pub radius_m: Option<i64>,
    pub fence_unit_id: Option<i64>,
    pub fence_boundary: Option<String>,
    pub capacity: i64,
    pub skills: Vec<i64>,
    pub employers: Vec<i64>,
    pub party_only: bool,
    pub state: String,
    pub cancel_reason: Option<String>,
    pub created_at: i64,
    pub seats_taken: i64,
    pub waitlist: i64,
}

impl ActivityRow {
    pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<ActivityRow> {
        let duty: String = r.try_get("duty_kind")?;
        let skills: String = r.try_get("wanted_skill_ids")?;
        let employers: String = r.try_get("target_employer_ids")?;
        Ok(ActivityRow {
            id: r.try_get("id")?,
            unit_id: r.try_get("unit_id")?,
            unit_path: r.try_get("unit_path")?,
            duty: DutyKind::parse(&duty)
                .ok_or_else(|| Error::Internal(format!("duty kind {duty}")))?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
            place: r.try_get("place")?,
            lon_e7: r.try_get("lon_e7")?,
            lat_e7: r.try_get("lat_e7")?,
            radius_m: r.try_get("radius_m")?,
            fence_unit_id: r.try_get("fence_unit_id")?,
            fence_boundary: r.try_get("fence_boundary")?,
            capacity: r.try_get("capacity")?,
            skills: serde_json::from_str(&skills).unwrap_or_default(),
            employers: serde_json::from_str(&employers).unwrap_or_default(),
            party_only: r.try_get::<i64, _>("party_members_only")? != 0,
            state: r.try_get("state")?,
            cancel_reason: r.try_get("cancel_reason")?,
            created_at: r.try_get("created_at")?,
            seats_taken: r.try_get("seats_taken")?,
            waitlist: r.try_get("waitlist")?,
        })
    }

    /// The window in words.
    pub(crate) fn when(&self) -> String {
        when_text(self.starts_at, self.ends_at)
    }

    pub(crate) fn view(
        &self,
        access: &Access,
        mine: Option<MySignup>,
        reasons: Vec<String>,
    ) -> Activity {
        Activity {
            id: self.id,
            unit_id: self.unit_id,
            unit_path: self.unit_path.clone(),
            duty_kind: self.duty,
            duty_label: self.duty.label().into(),
            title: self.title.clone(),
            description: self.description.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            when: self.when(),
            place: self.place.clone(),
            fence: if self.fence_unit_id.is_some() {
                "grid"
            } else {
                "circle"
            }
            .into(),
            lon: self.lon_e7.map(|v| v as f64 / E7),
            lat: self.lat_e7.map(|v| v as f64 / E7),
            radius_m: self.radius_m,
            fence_unit_id: self.fence_unit_id,
            capacity: self.capacity,
            seats_taken: self.seats_taken,
            seats_left: (self.capacity - self.seats_taken).max(0),
            waitlist: self.waitlist,
            wanted_skill_ids: self.skills.clone(),
            target_employer_ids: self.employers.clone(),
            party_members_only: self.party_only,
            state: self.state.clone(),
            cancel_reason: self.cancel_reason.clone(),
            my_signup: mine,
            fit_reasons: reasons,
            can_manage: manages(access, &self.unit_path),
            created_at: self.created_at,
        }
    }
}

/// 2026年11月25日 14:30 至 16:30 (the end's date is repeated only when it differs).
pub fn when_text(starts_at: i64, ends_at: i64) -> String {
    let (a, b) = (datetime_cn(starts_at), datetime_cn(ends_at));
    match (a.split_once(' '), b.split_once(' ')) {
        (Some((da, _)), Some((db, tb))) if da == db => format!("{a} 至 {tb}"),
        _ => format!("{a} 至 {b}"),
    }
}

/// Whether the caller organises activities at `path`: a community cadre over it, or an
/// admin covering it.
pub fn manages(access: &Access, path: &str) -> bool {
    access.holds_over(Role::CommunityCadre, path)
}

/// Whether one of the caller's staff roles (not personnel, not resident) covers `path`.
pub(crate) fn staff_sees(access: &Access, path: &str) -> bool {
    access.grants().iter().any(|g| {
        !matches!(g.role, Role::Personnel | Role::Resident) && path.starts_with(&g.unit_path)
    })
}

/// Read one activity, unchecked (the caller decides 403 or 404).
pub(crate) async fn fetch(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    city_id: i64,
    id: i64,
) -> Result<Option<ActivityRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM activity a WHERE a.city_id = $1 AND a.id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.first().map(ActivityRow::from_row).transpose()
}

/// An activity the caller organises: 404 when there is none, 403 when it is another
/// community's.
pub(crate) async fn managed(db: &Db, access: &Access, id: i64) -> Result<ActivityRow> {
    let row = fetch(db.reader(), access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if !manages(access, &row.unit_path) {
        return Err(Error::Forbidden(
            "只有活动所在社区的干部（或上级管理员）可以这样做",
        ));
    }
    Ok(row)
}

/// The person asking, as far as activities care.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub scope_path: String,
    /// The street around their community; `None` for someone who is not personnel or has
    /// no community yet (they see no activities as a person).
    pub street_path: Option<String>,
    pub skills: Vec<(i64, String)>,
    pub employer_id: Option<i64>,
    pub party_member: bool,
    pub is_personnel: bool,
}

impl Viewer {
    pub(crate) fn brings(&self) -> Brings<'_> {
        Brings {
            scope_path: &self.scope_path,
            skills: &self.skills,
            employer_id: self.employer_id,
            party_member: self.party_member,
        }
    }
}

pub(crate) async fn viewer(db: &Db, access: &Access) -> Result<Viewer> {
    let me = org::people::get(db, access, access.person_id()).await?;
    let is_personnel = me.kind == org::people::PersonKind::Personnel;
    let has_community = me.home_community_id.is_some()
        || me
            .registrations
            .iter()
            .any(|r| r.side == "community" && r.community_id.is_some());
    Ok(Viewer {
        street_path: (is_personnel && has_community).then(|| model::parent_path(&me.scope_path)),
        scope_path: me.scope_path,
        skills: me.skills.iter().map(|s| (s.id, s.name.clone())).collect(),
        employer_id: me.employer_id,
        party_member: me.party_member.unwrap_or(false),
        is_personnel,
    })
}

pub(crate) fn wants(row: &ActivityRow) -> Wants<'_> {
    Wants {
        unit_path: &row.unit_path,
        skill_ids: &row.skills,
        employer_ids: &row.employers,
        party_only: row.party_only,
    }
}

/// Whether a person may see (and sign up for) an activity as personnel: in the street
/// around their community, and party-only ones only for party members.
pub(crate) fn open_to(v: &Viewer, row: &ActivityRow) -> bool {
    v.street_path
        .as_deref()
        .is_some_and(|street| row.unit_path.starts_with(street))
        && model::visible_to(&wants(row), &v.brings())
}

/// The caller's sign-up on an activity, with their place on the waitlist.
pub(crate) async fn my_signup(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    activity_id: i64,
    person_id: i64,
) -> Result<Option<MySignup>> {
    let rows = sqlx::query(
        "SELECT s.state, (SELECT CAST(COUNT(*) AS BIGINT) FROM activity_signup w \
         WHERE w.city_id = s.city_id AND w.activity_id = s.activity_id AND w.state = 'waitlisted' \
         AND (w.queued_at < s.queued_at OR (w.queued_at = s.queued_at AND w.id <= s.id))) \
         FROM activity_signup s WHERE s.city_id = $1 AND s.activity_id = $2 AND s.person_id = $3",
    )
    .bind(city_id)
    .bind(activity_id)
    .bind(person_id)
    .fetch_all(conn)
    .await?;
    rows.first()
        .map(|r| {
            let state: String = r.try_get(0)?;
            let pos: i64 = r.try_get(1)?;
            Ok(MySignup {
                position: (state == "waitlisted").then_some(pos),
                state,
            })
        })
        .transpose()
}

/// One activity the caller may see: staff in scope, a person it is open to, or anyone who
/// signed up for it. Otherwise 404.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Activity> {
    let row = fetch(db.reader(), access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut conn = db.reader().acquire().await?;
    let mine = my_signup(&mut conn, access.city_id(), id, access.person_id()).await?;
    drop(conn);
    if staff_sees(access, &row.unit_path) {
        return Ok(row.view(access, mine, vec![]));
    }
    let v = viewer(db, access).await?;
    if mine.is_none() && !open_to(&v, &row) {
        return Err(Error::NotFound);
    }
    let reasons = model::fit(&wants(&row), &v.brings()).reasons;
    Ok(row.view(access, mine, reasons))
}

/// An activity row the caller may see (for the modules that act on it as a person).
pub(crate) async fn visible(db: &Db, access: &Access, id: i64) -> Result<(ActivityRow, Viewer)> {
    let row = fetch(db.reader(), access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let v = viewer(db, access).await?;
    if open_to(&v, &row) || staff_sees(access, &row.unit_path) {
        return Ok((row, v));
    }
    let mut conn = db.reader().acquire().await?;
    match my_signup(&mut conn, access.city_id(), id, access.person_id()).await? {
        Some(_) => Ok((row, v)),
        None => Err(Error::NotFound),
    }
}

/// Activities for the caller. Personnel (and staff asking `for_me`): the published,
/// not-yet-ended activities of the street around their community that are open to them,
/// those that fit them first (wanted skills they have, their employer invited, party-member
/// activities for members, their own community), then by start time; at most 200, one
/// page. Staff: activities in their scope, newest first, paged by `after`.
pub async fn list(db: &Db, access: &Access, q: &ActivityQuery) -> Result<Page<Activity>> {
    if access.is_staff() && !q.for_me.unwrap_or(false) {
        return list_in_scope(db, access, q).await;
    }
    let v = viewer(db, access).await?;
    let Some(street) = &v.street_path else {
        return Ok(Page {
            items: vec![],
            next: None,
        });
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS}, ms.state AS my_state FROM activity a \
         LEFT JOIN activity_signup ms ON ms.city_id = a.city_id AND ms.activity_id = a.id \
         AND ms.person_id = $4 \
         WHERE a.city_id = $1 AND a.unit_path LIKE $2 AND a.state = 'published' AND a.ends_at > $3 \
         AND (a.party_members_only = 0 OR $5 = 1) ORDER BY a.starts_at, a.id LIMIT 200"
    )))
    .bind(access.city_id())
    .bind(format!("{street}%"))
    .bind(now_ms())
    .bind(access.person_id())
    .bind(i64::from(v.party_member))
    .fetch_all(db.reader())
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let row = ActivityRow::from_row(r)?;
        let mine: Option<String> = r.try_get("my_state")?;
        let f = model::fit(&wants(&row), &v.brings());
        let mine = mine.map(|state| MySignup {
            state,
            position: None,
        });
        items.push((f.score, row.view(access, mine, f.reasons)));
    }
    // Stable: equal scores keep the start-time order of the query.
    items.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    Ok(Page {
        items: items.into_iter().map(|(_, a)| a).collect(),
        next: None,
    })
}

/// A bind value of a query built from filters.
enum Arg {
    I(i64),
    S(String),
}

async fn list_in_scope(db: &Db, access: &Access, q: &ActivityQuery) -> Result<Page<Activity>> {
    let n = paging::limit(q.limit);
    let mut prefixes: Vec<String> = access
        .grants()
        .iter()
        .filter(|g| !matches!(g.role, Role::Personnel | Role::Resident))
        .map(|g| g.unit_path.clone())
        .collect();
    if let Some(unit_id) = q.unit_id {
        let unit = org::units::get(db, access, unit_id).await?;
        if !staff_sees(access, &unit.path) {
            return Err(Error::NotFound);
        }
        prefixes = vec![unit.path];
    }
    prefixes.sort();
    prefixes.dedup();
    if prefixes.is_empty() {
        return Ok(Page {
            items: vec![],
            next: None,
        });
    }
    let mut args = vec![
        Arg::I(access.city_id()),
        Arg::I(q.after.unwrap_or(i64::MAX)),
    ];
    let mut sql = format!("SELECT {COLS} FROM activity a WHERE a.city_id = $1 AND a.id < $2");
    let mut push = |sql: &mut String, clause: &str, a: Arg| {
        args.push(a);
        sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
    };
    match q.when.as_deref() {
        None | Some("") => {}
        Some("past") => push(&mut sql, " AND a.ends_at <= $?", Arg::I(now_ms())),
        Some("upcoming") => push(&mut sql, " AND a.ends_at > $?", Arg::I(now_ms())),
        Some(_) => return Err(Error::field("when", "when 只能是 upcoming 或 past")),
    }
    match q.state.as_deref() {
        None | Some("") => {}
        Some(s @ ("published" | "cancelled")) => {
            push(&mut sql, " AND a.state = $?", Arg::S(s.to_owned()))
        }
        Some(_) => return Err(Error::field("state", "state 只能是 published 或 cancelled")),
    }
    for (i, p) in prefixes.iter().enumerate() {
        let clause = if i == 0 {
            " AND (a.unit_path LIKE $?"
        } else {
            " OR a.unit_path LIKE $?"
        };
        push(&mut sql, clause, Arg::S(format!("{p}%")));
    }
    push(&mut sql, ") ORDER BY a.id DESC LIMIT $?", Arg::I(n + 1));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in args {
        query = match a {
            Arg::I(v) => query.bind(v),
            Arg::S(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(db.reader()).await?;
    let items = rows
        .iter()
        .map(|r| Ok(ActivityRow::from_row(r)?.view(access, None, vec![])))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, n, |a| a.id))
}
