//! Meetings (周例会, 联合巡查, 联合执法) and trainings (培训): a cadre schedules one for a
//! unit with time, place, agenda and invitees; an invitee signs in with a button while it
//! runs (no location), or the cadre's roll call afterwards records present / excused /
//! absent and closes it — then each person present is credited through the ledger once
//! (kind `meeting` or `training`, key per meeting and person).

use kernel::audit::{self, Entry};
use kernel::error::{Problems, required_text};
use kernel::time::{date_of_ms, datetime_cn, now_ms, parse_datetime};
use kernel::{Db, Error, Result};
use ledger::timebank::{self, ServiceCredit};
use org::Access;
use org::inbox::NewNotice;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::{community_path, keeps, kept_unit, root_of};

/// How early before its start a meeting can be signed in to.
const EARLY_MS: i64 = 30 * 60_000;
const DAY_MS: i64 = 86_400_000;

/// The kinds, with their labels.
pub const KINDS: [(&str, &str); 4] = [
    ("weekly", "周例会"),
    ("joint_inspection", "联合巡查"),
    ("joint_enforcement", "联合执法"),
    ("training", "培训"),
];

/// The label of a kind.
pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or("会议")
}

/// A meeting to schedule.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MeetingInput {
    /// The grid or community.
    pub unit_id: Option<i64>,
    /// `weekly`, `joint_inspection`, `joint_enforcement` or `training`.
    #[serde(default)]
    pub kind: String,
    /// Title (up to 100 characters).
    #[serde(default)]
    pub title: String,
    /// Start, `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub starts_at: String,
    /// End, `YYYY-MM-DDTHH:MM`, after the start, at most 12 hours later.
    #[serde(default)]
    pub ends_at: String,
    /// Where (up to 100 characters).
    #[serde(default)]
    pub place: String,
    /// The agenda (up to 1000 characters).
    #[serde(default)]
    pub agenda: String,
    /// Who is invited.
    #[serde(default)]
    pub invitee_ids: Vec<i64>,
}

/// One invitee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invitee {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// `present`, `excused`, `absent`, or none yet.
    pub attendance: Option<String>,
    /// When they signed in themselves (ms).
    pub signed_in_at: Option<i64>,
    /// The ledger transaction of their credit.
    pub credit_txn_id: Option<i64>,
}

/// A meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// The unit.
    pub unit_id: i64,
    /// Its path.
    pub unit_path: String,
    /// Kind code.
    pub kind: String,
    /// 周例会, 培训, …
    pub kind_label: String,
    /// Title.
    pub title: String,
    /// Start (ms).
    pub starts_at: i64,
    /// End (ms).
    pub ends_at: i64,
    /// 2026年12月5日 09:00 起.
    pub when: String,
    /// Where.
    pub place: String,
    /// Agenda.
    pub agenda: String,
    /// `scheduled` or `closed` (attendance confirmed).
    pub state: String,
    /// Who is invited.
    pub invitees: Vec<Invitee>,
}

/// One line of a roll call.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RollEntry {
    /// The invitee.
    pub person_id: i64,
    /// `present`, `excused` or `absent`.
    pub attendance: String,
}

/// A roll call: the lines given (others: present when they signed in, else absent); it
/// confirms attendance and closes the meeting.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RollCall {
    /// The lines.
    #[serde(default)]
    pub entries: Vec<RollEntry>,
}

async fn load(db: &Db, city_id: i64, id: i64) -> Result<Meeting> {
    let rows = sqlx::query(
        "SELECT id, unit_id, unit_path, kind, title, starts_at, ends_at, place, agenda, state \
         FROM duty_meeting WHERE city_id = $1 AND id = $2",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let inv = sqlx::query(
        "SELECT person_id, attendance, signed_in_at, credit_txn_id FROM duty_invitee \
         WHERE city_id = $1 AND meeting_id = $2 ORDER BY id",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let ids: Vec<i64> = inv
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    let names = org::pool::names(db, city_id, &ids).await?;
    let kind: String = r.try_get(3)?;
    let starts_at: i64 = r.try_get(5)?;
    Ok(Meeting {
        id: r.try_get(0)?,
        unit_id: r.try_get(1)?,
        unit_path: r.try_get(2)?,
        kind_label: kind_label(&kind).into(),
        kind,
        title: r.try_get(4)?,
        starts_at,
        ends_at: r.try_get(6)?,
        when: format!("{} 起", datetime_cn(starts_at)),
        place: r.try_get(7)?,
        agenda: r.try_get(8)?,
        state: r.try_get(9)?,
        invitees: inv
            .iter()
            .map(|r| {
                let pid: i64 = r.try_get(0)?;
                Ok(Invitee {
                    person_id: pid,
                    name: names.get(&pid).cloned().unwrap_or_default(),
                    attendance: r.try_get(1)?,
                    signed_in_at: r.try_get(2)?,
                    credit_txn_id: r.try_get(3)?,
                })
            })
            .collect::<Result<_>>()?,
    })
}

/// One meeting: its keepers, inspectors over it, its invitees (404 otherwise).
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Meeting> {
    let m = load(db, access.city_id(), id).await?;
    if keeps(access, &m.unit_path)
        || access.holds_over(org::Role::Inspector, &m.unit_path)
        || (access.person_id() != 0 && m.invitees.iter().any(|i| i.person_id == access.person_id()))
    {
        Ok(m)
    } else {
        Err(Error::NotFound)
    }
}

/// Schedule a meeting (or record one held in the last 30 days).
pub async fn create(db: &Db, access: &Access, input: MeetingInput) -> Result<Meeting> {
    let unit = kept_unit(db, access, input.unit_id).await?;
    let mut p = Problems::default();
    if !KINDS.iter().any(|(k, _)| *k == input.kind) {
        p.add("kind", "请选择类型：周例会、联合巡查、联合执法或培训");
    }
    let title = required_text(&mut p, "title", "标题", &input.title, 100);
    let place = required_text(&mut p, "place", "地点", &input.place, 100);
    let agenda = required_text(&mut p, "agenda", "议程", &input.agenda, 1000);
    let s = parse_datetime(&input.starts_at);
    let e = parse_datetime(&input.ends_at);
    match (s, e) {
        (None, _) => p.add("starts_at", "请填写开始时间，如 2026-12-05T09:00"),
        (_, None) => p.add("ends_at", "请填写结束时间"),
        (Some(s), Some(e)) if e <= s => p.add("ends_at", "结束时间要晚于开始时间"),
        (Some(s), Some(e)) if e - s > DAY_MS / 2 => p.add("ends_at", "一次会议最长 12 小时"),
        (Some(s), _) if s < now_ms() - 30 * DAY_MS => {
            p.add("starts_at", "只能补录 30 天以内的会议")
        }
        _ => {}
    }
    let community = community_path(db, access.city_id(), &unit).await?;
    let mut invitees = input.invitee_ids.clone();
    invitees.sort_unstable();
    invitees.dedup();
    if invitees.is_empty() {
        p.add("invitee_ids", "请选择参加的人员");
    }
    if invitees.len() > 300 {
        p.add("invitee_ids", "一次最多邀请 300 人");
    }
    for pid in &invitees {
        match org::people::scope_of(db, access.city_id(), *pid).await {
            Ok(sc) if sc.scope_path.starts_with(&community) || access.reads_person(&sc) => {}
            Ok(_) | Err(Error::NotFound) => {
                p.add(
                    "invitee_ids",
                    format!("没有编号为 {pid} 的人员，或不在本社区"),
                );
            }
            Err(e) => return Err(e),
        }
    }
    p.finish()?;
    let (s, e) = (s.unwrap_or(0), e.unwrap_or(0));
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO duty_meeting (city_id, unit_id, unit_path, kind, title, starts_at, ends_at, \
             place, agenda, state, created_by_person_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10, $11) RETURNING id",
        )
        .bind(access.city_id())
        .bind(unit.id)
        .bind(&unit.path)
        .bind(&input.kind)
        .bind(&title)
        .bind(s)
        .bind(e)
        .bind(&place)
        .bind(&agenda)
        .bind((access.person_id() != 0).then_some(access.person_id()))
        .bind(now_ms()),
    )
    .await?;
    for pid in &invitees {
        sqlx::query(
            "INSERT INTO duty_invitee (city_id, meeting_id, person_id) VALUES ($1, $2, $3)",
        )
        .bind(access.city_id())
        .bind(id)
        .bind(pid)
        .execute(&mut *tx)
        .await?;
        org::inbox::notify(
            &mut tx,
            access.city_id(),
            NewNotice {
                person_id: *pid,
                kind: "duty_meeting",
                title: format!("{}：{title}", kind_label(&input.kind)),
                body: format!("{} 起，{place}", datetime_cn(s)),
                link: format!("/duty/meetings/{id}"),
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "duty_meeting_create",
            object_kind: "duty_meeting",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(
                json!({"kind": input.kind, "title": title, "starts_at": s, "ends_at": e,
                               "place": place, "invitees": invitees}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    load(db, access.city_id(), id).await
}

/// Sign in to a meeting I am invited to, while it runs (from 30 minutes before its start
/// to its end). No location is asked for.
pub async fn sign_in(db: &Db, access: &Access, id: i64) -> Result<Meeting> {
    let m = get(db, access, id).await?;
    let me = access.person_id();
    let Some(inv) = m.invitees.iter().find(|i| i.person_id == me) else {
        return Err(Error::Forbidden("您不在这次会议的邀请名单中"));
    };
    if m.state != "scheduled" {
        return Err(Error::conflict("meeting_closed", "这次会议的出勤已经确认"));
    }
    let now = now_ms();
    if now < m.starts_at - EARLY_MS || now > m.ends_at {
        return Err(Error::conflict(
            "meeting_not_running",
            "会议进行中（开始前 30 分钟起）才能签到",
        ));
    }
    if inv.signed_in_at.is_some() {
        return Err(Error::conflict("meeting_signed_in", "您已经签到了"));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE duty_invitee SET signed_in_at = $1 WHERE city_id = $2 AND meeting_id = $3 \
         AND person_id = $4 AND signed_in_at IS NULL",
    )
    .bind(now)
    .bind(access.city_id())
    .bind(id)
    .bind(me)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "duty_meeting_sign_in",
            object_kind: "duty_meeting",
            object_id: id,
            scope_path: &m.unit_path,
            before: None,
            after: Some(json!({"person_id": me})),
        },
    )
    .await?;
    tx.commit().await?;
    load(db, access.city_id(), id).await
}

/// The roll call: confirms attendance, closes the meeting, credits each person present once.
pub async fn roll_call(db: &Db, access: &Access, id: i64, rc: RollCall) -> Result<Meeting> {
    let m = get(db, access, id).await?;
    if !keeps(access, &m.unit_path) {
        return Err(Error::NotFound);
    }
    if m.state != "scheduled" {
        return Err(Error::conflict(
            "meeting_closed",
            "这次会议的出勤已经确认过了",
        ));
    }
    if now_ms() < m.starts_at {
        return Err(Error::conflict("meeting_not_started", "会议开始后才能点名"));
    }
    let mut p = Problems::default();
    for e in &rc.entries {
        if !m.invitees.iter().any(|i| i.person_id == e.person_id) {
            p.add(
                "entries",
                format!("编号为 {} 的人员不在邀请名单中", e.person_id),
            );
        }
        if !["present", "excused", "absent"].contains(&e.attendance.as_str()) {
            p.add(
                "entries",
                "出勤应为 present（出席）、excused（请假）或 absent（缺席）",
            );
        }
    }
    p.finish()?;
    let mut tx = db.begin().await?;
    let mut result = Vec::new();
    for i in &m.invitees {
        let a = rc
            .entries
            .iter()
            .find(|e| e.person_id == i.person_id)
            .map(|e| e.attendance.as_str())
            .unwrap_or(if i.signed_in_at.is_some() {
                "present"
            } else {
                "absent"
            });
        sqlx::query(
            "UPDATE duty_invitee SET attendance = $1 WHERE city_id = $2 AND meeting_id = $3 \
             AND person_id = $4",
        )
        .bind(a)
        .bind(access.city_id())
        .bind(id)
        .bind(i.person_id)
        .execute(&mut *tx)
        .await?;
        result.push(json!({"person_id": i.person_id, "attendance": a}));
    }
    let done = sqlx::query(
        "UPDATE duty_meeting SET state = 'closed', closed_at = $1 WHERE city_id = $2 AND id = $3 \
         AND state = 'scheduled'",
    )
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict(
            "meeting_closed",
            "这次会议的出勤已经确认过了",
        ));
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "duty_meeting_roll_call",
            object_kind: "duty_meeting",
            object_id: id,
            scope_path: &m.unit_path,
            before: Some(json!({"state": "scheduled"})),
            after: Some(json!({"state": "closed", "attendance": result})),
        },
    )
    .await?;
    tx.commit().await?;
    credit(db, access.city_id(), id).await?;
    load(db, access.city_id(), id).await
}

/// Credit each person present at a closed meeting once (the key is the meeting's and the
/// person's; a replay answers the first transaction). A refusal by the ledger leaves the
/// attendance confirmed without a credit and is logged.
pub async fn credit(db: &Db, city_id: i64, id: i64) -> Result<()> {
    let m = load(db, city_id, id).await?;
    if m.state != "closed" {
        return Ok(());
    }
    let sys = org::access::system_access(city_id, root_of(&m.unit_path), "会议出勤经确认");
    let kind = if m.kind == "training" {
        "training"
    } else {
        "meeting"
    };
    let minutes = ((m.ends_at - m.starts_at) / 60_000).clamp(1, 12 * 60);
    for i in m
        .invitees
        .iter()
        .filter(|i| i.attendance.as_deref() == Some("present") && i.credit_txn_id.is_none())
    {
        let res = timebank::credit_service(
            db,
            &sys,
            ServiceCredit {
                person_id: i.person_id,
                kind: kind.into(),
                minutes,
                occurred_on: date_of_ms(m.starts_at).to_string(),
                memo: format!(
                    "{}：{}（{}）",
                    m.kind_label,
                    m.title,
                    datetime_cn(m.starts_at)
                ),
                ref_kind: Some("duty_meeting".into()),
                ref_id: Some(m.id),
                group: false,
                guardian_person_id: None,
                key: format!("meeting-{}-{}", m.id, i.person_id),
            },
        )
        .await;
        match res {
            Ok(txn) => {
                sqlx::query(
                    "UPDATE duty_invitee SET credit_txn_id = $1 WHERE city_id = $2 \
                     AND meeting_id = $3 AND person_id = $4 AND credit_txn_id IS NULL",
                )
                .bind(txn.id)
                .bind(city_id)
                .bind(m.id)
                .bind(i.person_id)
                .execute(db.writer())
                .await?;
            }
            Err(Error::Db(e)) => return Err(Error::Db(e)),
            Err(e) => tracing::warn!(meeting = m.id, person = i.person_id, error = %e,
                "meeting credit refused by the ledger"),
        }
    }
    Ok(())
}

/// Meetings of a unit and its sub-units the caller keeps (latest first, at most 100), or
/// with `unit_id` none, the meetings I am invited to.
pub async fn list(db: &Db, access: &Access, unit_id: Option<i64>) -> Result<Vec<Meeting>> {
    let rows = match unit_id {
        Some(uid) => {
            let u = org::units::fetch_any(db, access.city_id(), uid)
                .await?
                .filter(|u| {
                    keeps(access, &u.path) || access.holds_over(org::Role::Inspector, &u.path)
                })
                .ok_or(Error::NotFound)?;
            sqlx::query(
                "SELECT id FROM duty_meeting WHERE city_id = $1 AND unit_path LIKE $2 \
                 ORDER BY starts_at DESC, id DESC LIMIT 100",
            )
            .bind(access.city_id())
            .bind(format!("{}%", u.path))
            .fetch_all(db.reader())
            .await?
        }
        None => {
            sqlx::query(
                "SELECT m.id FROM duty_meeting m JOIN duty_invitee i ON i.city_id = m.city_id \
             AND i.meeting_id = m.id WHERE m.city_id = $1 AND i.person_id = $2 \
             ORDER BY m.starts_at DESC, m.id DESC LIMIT 100",
            )
            .bind(access.city_id())
            .bind(access.person_id())
            .fetch_all(db.reader())
            .await?
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(load(db, access.city_id(), r.try_get(0)?).await?);
    }
    Ok(out)
}
