//! Attendance review (出勤审核): the queue of pending records in a reviewer's scope (those
//! with an outside check-in flagged, with the distance), and the decision — approve
//! (possibly adjusting the minutes, with a reason), or reject (with a reason). Approval
//! credits points and time-bank minutes through the ledger exactly once (its idempotency
//! key is the attendance), and the person is told.

use kernel::audit::{self, Entry};
use kernel::paging::{self, Page};
use kernel::time::{date_of_ms, now_ms};
use kernel::{Db, Error, Result, error::Problems, error::optional_text};
use ledger::timebank::ServiceCredit;
use org::inbox::{NewNotice, notify};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::model::{DutyKind, MAX_WINDOW_MIN, creditable_minutes};
use crate::service::{manages, staff_sees, when_text};

/// An attendance record with what a reviewer needs to decide.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attendance {
    /// Id.
    pub id: i64,
    /// The activity.
    pub activity_id: i64,
    /// Its title.
    pub activity_title: String,
    /// Its window in words.
    pub activity_when: String,
    /// Its start (ms).
    pub activity_starts_at: i64,
    /// Its end (ms).
    pub activity_ends_at: i64,
    /// Its duty.
    pub duty_kind: DutyKind,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// `checkin` or `roll_call`.
    pub source: String,
    /// Minutes the check-out (or roll call) claimed.
    pub claimed_minutes: i64,
    /// Minutes approved (equal to the claim until reviewed).
    pub minutes: i64,
    /// The most an approval may credit now: while the activity runs, only the minutes
    /// since its start (0 before it); 1440 once it has ended.
    pub max_minutes_now: i64,
    /// What a plain approval credits now: the claim, cut while the activity runs to the
    /// time served since the later of the start and the check-in.
    pub minutes_now: i64,
    /// A check-in was outside the fence or the window: look closer.
    pub outside: bool,
    /// The farthest a check-in was from the fence, metres.
    pub distance_m: Option<i64>,
    /// Check-in time (ms), if any.
    pub checked_in_at: Option<i64>,
    /// Check-out time (ms), if any.
    pub checked_out_at: Option<i64>,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    /// The reviewer's reason (adjustment or rejection).
    pub reason: Option<String>,
    /// When it was reviewed (ms).
    pub reviewed_at: Option<i64>,
    /// The ledger transaction the approval credited.
    pub credit_txn_id: Option<i64>,
}

const COLS: &str = "t.id, t.activity_id, a.title, a.starts_at, a.ends_at, a.duty_kind, a.unit_path, \
    t.person_id, p.name, t.source, t.claimed_minutes, t.minutes, t.outside, t.state, t.reason, \
    t.reviewed_at, t.credit_txn_id, \
    (SELECT CAST(MAX(c.distance_m) AS BIGINT) FROM checkin c WHERE c.city_id = t.city_id \
     AND c.activity_id = t.activity_id AND c.person_id = t.person_id) AS distance_m, \
    (SELECT c.at FROM checkin c WHERE c.city_id = t.city_id AND c.activity_id = t.activity_id \
     AND c.person_id = t.person_id AND c.direction = 'in') AS in_at, \
    (SELECT c.at FROM checkin c WHERE c.city_id = t.city_id AND c.activity_id = t.activity_id \
     AND c.person_id = t.person_id AND c.direction = 'out') AS out_at";

const FROM: &str = "FROM attendance t JOIN activity a ON a.city_id = t.city_id AND a.id = t.activity_id \
    JOIN person p ON p.city_id = t.city_id AND p.id = t.person_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<(Attendance, String, i64)> {
    let duty: String = r.try_get("duty_kind")?;
    let starts: i64 = r.try_get("starts_at")?;
    let ends: i64 = r.try_get("ends_at")?;
    let in_at: Option<i64> = r.try_get("in_at")?;
    let minutes: i64 = r.try_get("minutes")?;
    let now = now_ms();
    let a = Attendance {
        id: r.try_get("id")?,
        activity_id: r.try_get("activity_id")?,
        activity_title: r.try_get("title")?,
        activity_when: when_text(starts, ends),
        activity_starts_at: starts,
        activity_ends_at: ends,
        duty_kind: DutyKind::parse(&duty).unwrap_or(DutyKind::Volunteer),
        person_id: r.try_get("person_id")?,
        person_name: r.try_get("name")?,
        source: r.try_get("source")?,
        claimed_minutes: r.try_get("claimed_minutes")?,
        minutes,
        max_minutes_now: creditable_minutes(now, starts, ends, None),
        minutes_now: minutes.min(creditable_minutes(now, starts, ends, in_at)),
        outside: r.try_get::<i64, _>("outside")? != 0,
        distance_m: r.try_get("distance_m")?,
        checked_in_at: in_at,
        checked_out_at: r.try_get("out_at")?,
        state: r.try_get("state")?,
        reason: r.try_get("reason")?,
        reviewed_at: r.try_get("reviewed_at")?,
        credit_txn_id: r.try_get("credit_txn_id")?,
    };
    Ok((a, r.try_get("unit_path")?, starts))
}

/// Attendance of the given activities (everyone's, or one person's).
pub(crate) async fn list(
    db: &Db,
    city_id: i64,
    activity_ids: &[i64],
    person_id: Option<i64>,
) -> Result<Vec<Attendance>> {
    if activity_ids.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (0..activity_ids.len())
        .map(|i| format!("${}", i + 3))
        .collect();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} {FROM} WHERE t.city_id = $1 AND ($2 = 0 OR t.person_id = $2) \
         AND t.activity_id IN ({}) ORDER BY t.id",
        marks.join(", ")
    )))
    .bind(city_id)
    .bind(person_id.unwrap_or(0));
    for id in activity_ids {
        q = q.bind(*id);
    }
    q.fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| from_row(r).map(|x| x.0))
        .collect()
}

/// Paging of the review queue.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct QueueQuery {
    /// Keyset: records after this id (the `next` of the previous page).
    pub after: Option<i64>,
    /// Page size (1–200).
    pub limit: Option<i64>,
}

/// Pending attendance of activities the caller organises (community cadres over them,
/// admins above), oldest first; outside check-ins come flagged with their distance.
pub async fn queue(db: &Db, access: &Access, q: &QueueQuery) -> Result<Page<Attendance>> {
    let n = paging::limit(q.limit);
    let mut prefixes: Vec<String> = access
        .grants()
        .iter()
        .filter(|g| {
            matches!(
                g.role,
                Role::CommunityCadre | Role::Admin | Role::PlatformAdmin
            )
        })
        .map(|g| g.unit_path.clone())
        .collect();
    prefixes.sort();
    prefixes.dedup();
    if prefixes.is_empty() {
        return Ok(Page {
            items: vec![],
            next: None,
        });
    }
    let ors: Vec<String> = (0..prefixes.len())
        .map(|i| format!("a.unit_path LIKE ${}", i + 4))
        .collect();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} {FROM} WHERE t.city_id = $1 AND t.state = 'pending' AND t.id > $2 \
         AND ({}) ORDER BY t.id LIMIT $3",
        ors.join(" OR ")
    )))
    .bind(access.city_id())
    .bind(q.after.unwrap_or(0))
    .bind(n + 1);
    for p in &prefixes {
        query = query.bind(format!("{p}%"));
    }
    let items = query
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| from_row(r).map(|x| x.0))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, n, |a| a.id))
}

/// A reviewer's decision.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Decision {
    /// `approve` or `reject`.
    pub decision: String,
    /// Approve: the minutes to credit (1–1440); the claim when left out. A different
    /// figure needs a reason.
    pub minutes: Option<i64>,
    /// Why (needed to adjust minutes or to reject; at most 200 characters).
    pub reason: Option<String>,
}

/// One record with its activity's path and start, unchecked (callers decide 403 or 404).
async fn load(db: &Db, access: &Access, id: i64) -> Result<(Attendance, String, i64)> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} {FROM} WHERE t.city_id = $1 AND t.id = $2"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first()
        .map(from_row)
        .transpose()?
        .ok_or(Error::NotFound)
}

async fn get(db: &Db, access: &Access, id: i64) -> Result<Attendance> {
    match load(db, access, id).await? {
        (a, path, _) if staff_sees(access, &path) || a.person_id == access.person_id() => Ok(a),
        _ => Err(Error::NotFound),
    }
}

/// Decide on an attendance record: approve (credit once, through the ledger) or reject.
/// The reviewer organises the activity and covers the person's community (the ledger's
/// approver rule); nobody reviews their own attendance. A second decision is a 409.
pub async fn review(db: &Db, access: &Access, id: i64, d: Decision) -> Result<Attendance> {
    let (att, path, starts) = load(db, access, id).await?;
    if !manages(access, &path) {
        return Err(Error::Forbidden(
            "只有活动所在社区的干部（或上级管理员）可以审核出勤",
        ));
    }
    if att.person_id == access.person_id() {
        return Err(Error::Forbidden("不能审核自己的出勤，请由其他干部审核"));
    }
    let mut p = Problems::default();
    let reason = optional_text(&mut p, "reason", "理由", d.reason.as_deref(), 200);
    let approve = match d.decision.trim() {
        "approve" => true,
        "reject" => false,
        _ => {
            p.add(
                "decision",
                "decision 只能是 approve（通过）或 reject（不通过）",
            );
            false
        }
    };
    if !approve && reason.is_none() {
        p.add("reason", "不通过须写明理由，让本人知道原因");
    }
    // While the activity runs, only the time already served can be credited.
    let cap = att.max_minutes_now;
    let running = cap < MAX_WINDOW_MIN;
    let minutes = d.minutes.unwrap_or(att.minutes_now);
    if approve {
        if d.minutes.is_some_and(|m| m != att.claimed_minutes) && reason.is_none() {
            p.add("reason", "调整时长须写明理由");
        }
        // (Nothing served yet is answered below with a 409, not as a bad figure.)
        if !(1..=MAX_WINDOW_MIN).contains(&minutes) && (d.minutes.is_some() || cap > 0) {
            p.add(
                "minutes",
                "核定时长应为 1 到 1440 分钟：请填写实际服务的分钟数",
            );
        } else if running && cap > 0 && minutes > cap {
            p.add(
                "minutes",
                format!(
                    "活动还在进行，现在最多核定已进行的 {cap} 分钟；活动结束后再审核可按实际全程核定"
                ),
            );
        }
    }
    p.finish()?;
    // An early approval that had to be cut to the time served says so.
    let reason = match reason {
        None if approve && d.minutes.is_none() && minutes < att.claimed_minutes => Some(format!(
            "活动进行中审核，按已进行的 {minutes} 分钟核定（申报 {} 分钟）",
            att.claimed_minutes
        )),
        r => r,
    };
    let resume = att.state == "approved" && att.credit_txn_id.is_none();
    if att.state != "pending" && !(approve && resume) {
        return Err(Error::conflict(
            "already_reviewed",
            format!(
                "这条出勤已经审核过了（{}），不能重复审核",
                if att.state == "approved" {
                    "已通过"
                } else {
                    "未通过"
                }
            ),
        ));
    }
    if !approve {
        return decide_reject(db, access, &att, &path, reason.unwrap_or_default()).await;
    }
    if starts > now_ms() {
        return Err(Error::conflict(
            "activity_not_started",
            "活动还没开始，不能审核出勤",
        ));
    }
    if !resume && cap == 0 {
        return Err(Error::conflict(
            "nothing_served_yet",
            "活动刚开始，还没有可核定的服务时长：请过一会儿或活动结束后再审核",
        ));
    }
    let scope = org::people::scope_of(db, access.city_id(), att.person_id).await?;
    if !access.holds_over(Role::CommunityCadre, &scope.scope_path) {
        return Err(Error::Forbidden(
            "这名人员报到在其他社区：请由其报到社区的干部或街道管理员审核",
        ));
    }
    let minutes = if resume { att.minutes } else { minutes };
    if !resume {
        mark_approved(db, access, &att, &path, minutes, reason.as_deref()).await?;
    }
    let credit = ledger::timebank::credit_service(
        db,
        access,
        ServiceCredit {
            person_id: att.person_id,
            kind: att.duty_kind.as_str().into(),
            minutes,
            occurred_on: date_of_ms(starts).to_string(),
            memo: format!("活动「{}」", att.activity_title),
            ref_kind: Some("attendance".into()),
            ref_id: Some(att.id),
            group: false,
            guardian_person_id: None,
            key: format!("attendance-{}", att.id),
        },
    )
    .await;
    let txn = match credit {
        Ok(t) => t,
        Err(e) => {
            undo_approval(db, access, &att, &path).await?;
            return Err(e);
        }
    };
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE attendance SET credit_txn_id = $1, updated_at = $2 WHERE city_id = $3 AND id = $4",
    )
    .bind(txn.id)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(att.id)
    .execute(&mut *tx)
    .await?;
    notify(
        &mut tx,
        access.city_id(),
        NewNotice {
            person_id: att.person_id,
            kind: "attendance.reviewed",
            title: format!("出勤已确认：「{}」", att.activity_title),
            body: match &reason {
                Some(why) => format!("核定 {minutes} 分钟，已记入积分和时间银行。说明：{why}"),
                None => format!("核定 {minutes} 分钟，已记入积分和时间银行。"),
            },
            link: format!("/activities/{}", att.activity_id),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// Step one of an approval, in its own transaction: pending → approved, guarded, so that
/// a concurrent decision loses with a 409 before anything is credited.
async fn mark_approved(
    db: &Db,
    access: &Access,
    att: &Attendance,
    path: &str,
    minutes: i64,
    reason: Option<&str>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE attendance SET state = 'approved', minutes = $1, reason = $2, reviewer_person_id = $3, \
         reviewed_at = $4, updated_at = $4 WHERE city_id = $5 AND id = $6 AND state = 'pending'",
    )
    .bind(minutes)
    .bind(reason)
    .bind(access.person_id())
    .bind(now_ms())
    .bind(access.city_id())
    .bind(att.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::conflict(
            "already_reviewed",
            "这条出勤已经审核过了，不能重复审核",
        ));
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "approve",
            object_kind: "attendance",
            object_id: att.id,
            scope_path: path,
            before: Some(json!({"state": att.state, "minutes": att.minutes})),
            after: Some(json!({"state": "approved", "minutes": minutes, "reason": reason})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The ledger refused the credit: put the record back to pending (the refusal tells why).
async fn undo_approval(db: &Db, access: &Access, att: &Attendance, path: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE attendance SET state = 'pending', minutes = claimed_minutes, reason = NULL, \
         reviewer_person_id = NULL, reviewed_at = NULL, updated_at = $1 \
         WHERE city_id = $2 AND id = $3 AND state = 'approved' AND credit_txn_id IS NULL",
    )
    .bind(now_ms())
    .bind(access.city_id())
    .bind(att.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed > 0 {
        audit::record(
            &mut tx,
            access.actor(),
            Entry {
                action: "approve_undone",
                object_kind: "attendance",
                object_id: att.id,
                scope_path: path,
                before: Some(json!({"state": "approved"})),
                after: Some(json!({"state": "pending", "why": "ledger refused the credit"})),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn decide_reject(
    db: &Db,
    access: &Access,
    att: &Attendance,
    path: &str,
    reason: String,
) -> Result<Attendance> {
    let mut tx = db.begin().await?;
    let now = now_ms();
    let changed = sqlx::query(
        "UPDATE attendance SET state = 'rejected', reason = $1, reviewer_person_id = $2, \
         reviewed_at = $3, updated_at = $3 WHERE city_id = $4 AND id = $5 AND state = 'pending'",
    )
    .bind(&reason)
    .bind(access.person_id())
    .bind(now)
    .bind(access.city_id())
    .bind(att.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::conflict(
            "already_reviewed",
            "这条出勤已经审核过了，不能重复审核",
        ));
    }
    notify(
        &mut tx,
        access.city_id(),
        NewNotice {
            person_id: att.person_id,
            kind: "attendance.reviewed",
            title: format!("出勤未通过：「{}」", att.activity_title),
            body: format!("原因：{reason}。如有异议，请联系活动组织者。"),
            link: format!("/activities/{}", att.activity_id),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "reject",
            object_kind: "attendance",
            object_id: att.id,
            scope_path: path,
            before: Some(json!({"state": att.state})),
            after: Some(json!({"state": "rejected", "reason": reason})),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, att.id).await
}

/// One attendance record: staff in scope of its activity, or the person it is about (404
/// for anyone else).
pub async fn attendance(db: &Db, access: &Access, id: i64) -> Result<Attendance> {
    get(db, access, id).await
}
