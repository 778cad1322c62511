//! Signing up (报名) with a waitlist when the seats are taken, withdrawing (which gives the
//! seat to the first on the waitlist and tells them), the organiser's roster, and a
//! person's own activities.

use std::collections::HashMap;

use kernel::audit::{self, Entry};
use kernel::paging::{self, Page};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use org::inbox::{NewNotice, notify};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::checkin::{self, CheckIn};
use crate::review::{self, Attendance};
use crate::service::{self, Activity, ActivityRow, COLS, MySignup, open_to, staff_sees};

/// What a sign-up got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignupResult {
    /// `signed` (a seat) or `waitlisted`.
    pub state: String,
    /// Place on the waitlist (1 = next) when waitlisted.
    pub position: Option<i64>,
    /// The activity as it is now.
    pub activity: Activity,
}

async fn lock_activity(tx: &mut sqlx::AnyConnection, db: &Db, city: i64, id: i64) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM activity WHERE city_id = $1 AND id = $2{}",
        db.for_update()
    )))
    .bind(city)
    .bind(id)
    .fetch_all(tx)
    .await?;
    Ok(())
}

async fn seats_taken(tx: &mut sqlx::AnyConnection, city: i64, id: i64) -> Result<i64> {
    let rows = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM activity_signup WHERE city_id = $1 \
         AND activity_id = $2 AND state = 'signed'",
    )
    .bind(city)
    .bind(id)
    .fetch_all(tx)
    .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

fn state_cn(state: &str) -> &'static str {
    match state {
        "signed" => "已报名",
        "waitlisted" => "候补中",
        _ => "已取消报名",
    }
}

/// Sign up for an activity open to the caller (personnel of its street; party members for
/// a party-members activity). A seat while there are seats, the waitlist after. Signing
/// up twice is a 409 that says where one stands.
pub async fn signup(db: &Db, access: &Access, id: i64) -> Result<SignupResult> {
    let city = access.city_id();
    let row = service::fetch(db.reader(), city, id)
        .await?
        .ok_or(Error::NotFound)?;
    let v = service::viewer(db, access).await?;
    if !open_to(&v, &row) {
        return Err(match (staff_sees(access, &row.unit_path), v.is_personnel) {
            (true, false) => Error::Forbidden("只有下沉人员可以报名活动"),
            (true, true) => {
                Error::Forbidden("这个活动不面向您报名：它只面向所在街道的下沉人员（或只面向党员）")
            }
            (false, _) => Error::NotFound,
        });
    }
    check_open(&row)?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    lock_activity(&mut tx, db, city, id).await?;
    let before = service::my_signup(&mut tx, city, id, access.person_id()).await?;
    if let Some(s) = &before
        && s.state != "cancelled"
    {
        let place = s
            .position
            .map(|p| format!("候补第 {p} 位"))
            .unwrap_or_else(|| state_cn(&s.state).into());
        return Err(Error::conflict(
            "already_signed_up",
            format!("您已经报名了这个活动（{place}），不用重复报名"),
        ));
    }
    let state = if seats_taken(&mut tx, city, id).await? < row.capacity {
        "signed"
    } else {
        "waitlisted"
    };
    let written = if before.is_some() {
        sqlx::query(
            "UPDATE activity_signup SET state = $1, queued_at = $2, promoted_at = NULL, \
             cancelled_at = NULL, updated_at = $2 WHERE city_id = $3 AND activity_id = $4 \
             AND person_id = $5 AND state = 'cancelled'",
        )
        .bind(state)
        .bind(now)
        .bind(city)
        .bind(id)
        .bind(access.person_id())
        .execute(&mut *tx)
        .await
    } else {
        sqlx::query(
            "INSERT INTO activity_signup (city_id, activity_id, person_id, state, queued_at, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $5)",
        )
        .bind(city)
        .bind(id)
        .bind(access.person_id())
        .bind(state)
        .bind(now)
        .execute(&mut *tx)
        .await
    };
    match written {
        Ok(r) if r.rows_affected() == 1 => {}
        Ok(_) => return Err(already()),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => return Err(already()),
        Err(e) => return Err(e.into()),
    }
    let mine = service::my_signup(&mut tx, city, id, access.person_id()).await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "sign_up",
            object_kind: "activity",
            object_id: id,
            scope_path: &row.unit_path,
            before: before.map(|b| json!({"state": b.state})),
            after: Some(json!({"person_id": access.person_id(), "state": state})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SignupResult {
        state: state.into(),
        position: mine.and_then(|m| m.position),
        activity: service::get(db, access, id).await?,
    })
}

fn already() -> Error {
    Error::conflict("already_signed_up", "您已经报名了这个活动，不用重复报名")
}

/// Sign-up is open while the activity is published and has not ended.
fn check_open(row: &ActivityRow) -> Result<()> {
    if row.state != "published" {
        return Err(Error::conflict("activity_cancelled", "这个活动已经取消了"));
    }
    if row.ends_at <= now_ms() {
        return Err(Error::conflict("activity_ended", "这个活动已经结束了"));
    }
    Ok(())
}

/// Withdraw one's sign-up before the activity starts. A freed seat goes to the first on
/// the waitlist, who is told so — all in one transaction.
pub async fn withdraw(db: &Db, access: &Access, id: i64) -> Result<Activity> {
    let city = access.city_id();
    let (row, _) = service::visible(db, access, id).await?;
    if row.starts_at <= now_ms() && row.state == "published" {
        return Err(Error::conflict(
            "activity_started",
            "活动已经开始，不能再取消报名；如不能到场请告诉组织者",
        ));
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    lock_activity(&mut tx, db, city, id).await?;
    let before = service::my_signup(&mut tx, city, id, access.person_id()).await?;
    let was = match before {
        Some(MySignup { state, .. }) if state != "cancelled" => state,
        _ => {
            return Err(Error::conflict(
                "not_signed_up",
                "您没有报名这个活动（或已取消报名）",
            ));
        }
    };
    let checked_in: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM checkin WHERE city_id = $1 AND activity_id = $2 AND person_id = $3",
    )
    .bind(city)
    .bind(id)
    .bind(access.person_id())
    .fetch_one(&mut *tx)
    .await?;
    if checked_in > 0 {
        return Err(Error::conflict(
            "already_checked_in",
            "您已经在现场签到，不能再取消报名；如有事要离开，请告诉组织者",
        ));
    }
    sqlx::query(
        "UPDATE activity_signup SET state = 'cancelled', cancelled_at = $1, updated_at = $1 \
         WHERE city_id = $2 AND activity_id = $3 AND person_id = $4",
    )
    .bind(now)
    .bind(city)
    .bind(id)
    .bind(access.person_id())
    .execute(&mut *tx)
    .await?;
    let mut promoted = Vec::new();
    if was == "signed" && row.state == "published" {
        while seats_taken(&mut tx, city, id).await? < row.capacity {
            let next = sqlx::query(
                "SELECT id, person_id FROM activity_signup WHERE city_id = $1 AND activity_id = $2 \
                 AND state = 'waitlisted' ORDER BY queued_at, id LIMIT 1",
            )
            .bind(city)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let Some(n) = next.first() else { break };
            let (sid, pid): (i64, i64) = (n.try_get(0)?, n.try_get(1)?);
            sqlx::query(
                "UPDATE activity_signup SET state = 'signed', promoted_at = $1, updated_at = $1 \
                 WHERE city_id = $2 AND id = $3",
            )
            .bind(now)
            .bind(city)
            .bind(sid)
            .execute(&mut *tx)
            .await?;
            notify(
                &mut tx,
                city,
                NewNotice {
                    person_id: pid,
                    kind: "activity.promoted",
                    title: format!("候补成功：您已获得「{}」的名额", row.title),
                    body: format!(
                        "时间：{}；地点：{}。如不能参加，请及时取消报名，把名额留给别人。",
                        row.when(),
                        row.place
                    ),
                    link: format!("/activities/{id}"),
                },
            )
            .await?;
            promoted.push(pid);
        }
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "withdraw",
            object_kind: "activity",
            object_id: id,
            scope_path: &row.unit_path,
            before: Some(json!({"person_id": access.person_id(), "state": was})),
            after: Some(json!({"state": "cancelled", "promoted_person_ids": promoted})),
        },
    )
    .await?;
    tx.commit().await?;
    service::get(db, access, id).await
}

/// One person on an activity's roster.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterEntry {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// `signed` or `waitlisted`.
    pub state: String,
    /// Place on the waitlist (1 = next).
    pub position: Option<i64>,
    /// When they joined the queue (ms).
    pub queued_at: i64,
    /// When they moved up from the waitlist (ms).
    pub promoted_at: Option<i64>,
    /// Their check-in and check-out (result, distance, time).
    pub checkins: Vec<CheckIn>,
    /// Their attendance record, if any.
    pub attendance: Option<Attendance>,
}

/// Who is coming to an activity, for its organiser and staff in scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Roster {
    /// The activity.
    pub activity: Activity,
    /// People with a seat, in sign-up order.
    pub signed: Vec<RosterEntry>,
    /// The waitlist, in order.
    pub waitlisted: Vec<RosterEntry>,
}

/// The roster of an activity (staff in scope; 404 for anyone else).
pub async fn roster(db: &Db, access: &Access, id: i64) -> Result<Roster> {
    let city = access.city_id();
    let row = service::fetch(db.reader(), city, id)
        .await?
        .ok_or(Error::NotFound)?;
    if !staff_sees(access, &row.unit_path) {
        return Err(Error::NotFound);
    }
    let rows = sqlx::query(
        "SELECT s.person_id, p.name, s.state, s.queued_at, s.promoted_at FROM activity_signup s \
         JOIN person p ON p.city_id = s.city_id AND p.id = s.person_id \
         WHERE s.city_id = $1 AND s.activity_id = $2 AND s.state IN ('signed', 'waitlisted') \
         ORDER BY s.queued_at, s.id LIMIT 20000",
    )
    .bind(city)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let mut checkins: HashMap<i64, Vec<CheckIn>> = HashMap::new();
    for c in checkin::list(db, city, &[id], None).await? {
        checkins.entry(c.person_id).or_default().push(c);
    }
    let mut attendance: HashMap<i64, Attendance> = review::list(db, city, &[id], None)
        .await?
        .into_iter()
        .map(|a| (a.person_id, a))
        .collect();
    let (mut signed, mut waitlisted) = (Vec::new(), Vec::new());
    for r in &rows {
        let pid: i64 = r.try_get(0)?;
        let state: String = r.try_get(2)?;
        let entry = RosterEntry {
            person_id: pid,
            name: r.try_get(1)?,
            position: (state == "waitlisted").then_some(waitlisted.len() as i64 + 1),
            queued_at: r.try_get(3)?,
            promoted_at: r.try_get(4)?,
            checkins: checkins.remove(&pid).unwrap_or_default(),
            attendance: attendance.remove(&pid),
            state,
        };
        if entry.state == "signed" {
            signed.push(entry);
        } else {
            waitlisted.push(entry);
        }
    }
    Ok(Roster {
        activity: row.view(access, None, vec![]),
        signed,
        waitlisted,
    })
}

/// Paging of one's own activities.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct MineQuery {
    /// Keyset: sign-ups older than this (the `next` of the previous page).
    pub after: Option<i64>,
    /// Page size (1–200).
    pub limit: Option<i64>,
}

/// One of the caller's sign-ups.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyActivity {
    /// The sign-up's id (the paging key).
    pub signup_id: i64,
    /// The activity, with `my_signup` filled in.
    pub activity: Activity,
    /// The caller's check-in and check-out.
    pub checkins: Vec<CheckIn>,
    /// The caller's attendance record and its review.
    pub attendance: Option<Attendance>,
}

/// The caller's sign-ups, newest first: state, window, check-ins, attendance.
pub async fn mine(db: &Db, access: &Access, q: &MineQuery) -> Result<Page<MyActivity>> {
    let city = access.city_id();
    let me = access.person_id();
    let n = paging::limit(q.limit);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS}, ms.id AS signup_id, ms.state AS my_state, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM activity_signup w WHERE w.city_id = ms.city_id \
          AND w.activity_id = ms.activity_id AND w.state = 'waitlisted' AND (w.queued_at < ms.queued_at \
          OR (w.queued_at = ms.queued_at AND w.id <= ms.id))) AS my_pos \
         FROM activity_signup ms JOIN activity a ON a.city_id = ms.city_id AND a.id = ms.activity_id \
         WHERE ms.city_id = $1 AND ms.person_id = $2 AND ms.id < $3 ORDER BY ms.id DESC LIMIT $4"
    )))
    .bind(city)
    .bind(me)
    .bind(q.after.unwrap_or(i64::MAX))
    .bind(n + 1)
    .fetch_all(db.reader())
    .await?;
    let ids = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut checkins: HashMap<i64, Vec<CheckIn>> = HashMap::new();
    for c in checkin::list(db, city, &ids, Some(me)).await? {
        checkins.entry(c.activity_id).or_default().push(c);
    }
    let mut attendance: HashMap<i64, Attendance> = review::list(db, city, &ids, Some(me))
        .await?
        .into_iter()
        .map(|a| (a.activity_id, a))
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let row = ActivityRow::from_row(r)?;
        let state: String = r.try_get("my_state")?;
        let pos: i64 = r.try_get("my_pos")?;
        let mine = MySignup {
            position: (state == "waitlisted").then_some(pos),
            state,
        };
        items.push(MyActivity {
            signup_id: r.try_get("signup_id")?,
            checkins: checkins.remove(&row.id).unwrap_or_default(),
            attendance: attendance.remove(&row.id),
            activity: row.view(access, Some(mine), vec![]),
        });
    }
    Ok(Page::from_rows(items, n, |m| m.signup_id))
}
