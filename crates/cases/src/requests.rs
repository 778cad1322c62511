//! 回退、延期、缓办: a handler asks, with a reason; a dispatcher (not the one asking)
//! approves or refuses, with a note. Nothing changes on the case until it is approved.
//! Every request stays in its own ledger, listed per community.
//!
//! - 回退 (return): the case goes back to the dispatcher to be dispatched again.
//! - 延期 (extension): N more working days, asked for before the deadline; the limit and
//!   every extension together stay within 15 working days.
//! - 缓办 (suspension): the clock stops; on resuming, the working time that was left is
//!   counted again from the moment of resuming.

use kernel::calendar::{add_working_days, add_working_hours, working_minutes_between};
use kernel::paging::{Page, limit};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use org::inbox::NewNotice;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::access::{dispatches, handles};
use crate::category;
use crate::flow::{StepExtra, begin, commit_step, next, reason_text};
use crate::model::{State, Step, extension_left};
use crate::store::CaseFile;
use crate::workdays;

/// The kinds of request: code and name.
pub const KINDS: [(&str, &str); 3] = [("return", "回退"), ("extend", "延期"), ("suspend", "缓办")];

fn kind_label(kind: &str) -> &'static str {
    KINDS.iter().find(|k| k.0 == kind).map_or("申请", |k| k.1)
}

/// A request as kept in the ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Request {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// `return`, `extend` or `suspend`.
    pub kind: String,
    /// Its name.
    pub kind_label: String,
    /// Why.
    pub reason: String,
    /// Working days asked for (extensions).
    pub days: Option<i64>,
    /// `pending`, `approved`, `refused`, or `withdrawn` (the case moved on).
    pub state: String,
    /// Who asked.
    pub requested_by_name: String,
    /// When (ms).
    pub requested_at: i64,
    /// Who decided.
    pub decided_by_name: Option<String>,
    /// When.
    pub decided_at: Option<i64>,
    /// The decision's note.
    pub decision_note: Option<String>,
}

const COLS: &str = "id, case_id, kind, reason, days, state, requested_by_name, requested_at, \
    decided_by_person_id, decided_by_name, decided_at, decision_note, requested_by_person_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Request> {
    let kind: String = r.try_get("kind")?;
    Ok(Request {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        kind_label: kind_label(&kind).into(),
        kind,
        reason: r.try_get("reason")?,
        days: r.try_get("days")?,
        state: r.try_get("state")?,
        requested_by_name: r.try_get("requested_by_name")?,
        requested_at: r.try_get("requested_at")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        decision_note: r.try_get("decision_note")?,
    })
}

/// A request to make.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewRequest {
    /// `return` (回退), `extend` (延期) or `suspend` (缓办).
    #[serde(default)]
    pub kind: String,
    /// Why (2–200 characters).
    #[serde(default)]
    pub reason: String,
    /// For an extension: how many working days (1 up to what the 15-day ceiling leaves).
    pub days: Option<i64>,
}

/// The handler asks for a return, an extension or a suspension.
pub async fn ask(db: &Db, access: &Access, id: i64, r: NewRequest) -> Result<Request> {
    let kind = r.kind.trim();
    if !KINDS.iter().any(|k| k.0 == kind) {
        return Err(Error::field(
            "kind",
            "请选择回退（return）、延期（extend）或缓办（suspend）",
        ));
    }
    let reason = reason_text(&r.reason, kind_label(kind))?;
    let (mut tx, c) = begin(db, access, id).await?;
    if !handles(access, &c) {
        return Err(Error::Forbidden("只有处置人可以申请回退、延期或缓办"));
    }
    match kind {
        "return" => drop(next(&c, Step::Return)?),
        "suspend" => drop(next(&c, Step::Suspend)?),
        _ if c.state != State::Dispatched => {
            return Err(Error::conflict(
                "case_state",
                format!("案卷当前为“{}”，不能申请延期", c.state.label()),
            ));
        }
        _ => {}
    }
    let now = now_ms();
    let mut days = None;
    if kind == "extend" {
        if c.deadline_at.is_some_and(|d| now > d) {
            return Err(Error::conflict(
                "deadline_passed",
                "已超过处置时限，延期须在时限到期前申请",
            ));
        }
        let cat = category::get(db, c.city_id, c.category_id).await?;
        let left = extension_left(cat.limit(c.urgency), c.extended_days as u32);
        match r.days {
            _ if left == 0 => {
                return Err(Error::conflict(
                    "no_extension_left",
                    "时限加延期已满 15 个工作日，不能再延期：请申请回退或上报上级",
                ));
            }
            Some(n) if (1..=i64::from(left)).contains(&n) => days = Some(n),
            _ => {
                return Err(Error::field(
                    "days",
                    format!("延期天数应为 1 到 {left} 个工作日（时限加延期最多 15 个工作日）"),
                ));
            }
        }
    }
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_request WHERE city_id = $1 AND case_id = $2 AND state = 'pending'",
    )
    .bind(c.city_id)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if pending > 0 {
        return Err(Error::conflict(
            "request_pending",
            "这个案件已有一项申请在等待审批",
        ));
    }
    let rid = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO case_request (city_id, case_id, unit_path, kind, reason, days, state, \
             requested_by_person_id, requested_by_name, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) RETURNING id",
        )
        .bind(c.city_id)
        .bind(id)
        .bind(&c.unit_path)
        .bind(kind)
        .bind(&reason)
        .bind(days)
        .bind(access.person_id())
        .bind(access.name())
        .bind(now),
    )
    .await?;
    let notices = c
        .dispatcher_person_id
        .map(|d| NewNotice {
            person_id: d,
            kind: "case.request",
            title: format!("案卷 {id} 申请{}，请审批", kind_label(kind)),
            body: reason.clone(),
            link: format!("/cases/{id}"),
        })
        .into_iter()
        .collect();
    commit_step(
        tx,
        access,
        &c,
        &format!("ask_{kind}"),
        c.state,
        StepExtra {
            reason: Some(&reason),
            data: json!({"request": rid, "days": days}),
            notices,
        },
    )
    .await?;
    get(db, c.city_id, rid).await
}

async fn get(db: &Db, city_id: i64, id: i64) -> Result<Request> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM case_request WHERE city_id = $1 AND id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first()
        .map(from_row)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The decision on a request.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Decision {
    /// `approve` or `refuse`.
    #[serde(default)]
    pub decision: String,
    /// A note (required when refusing; up to 200 characters).
    pub note: Option<String>,
}

/// A dispatcher approves or refuses; an approval takes effect on the case at once.
pub async fn decide(
    db: &Db,
    access: &Access,
    request_id: i64,
    d: Decision,
) -> Result<(Request, CaseFile)> {
    let approve = match d.decision.trim() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(Error::field("decision", "请选择批准或不批准")),
    };
    let note = d.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let note = match (approve, note) {
        (false, n) => Some(reason_text(n.unwrap_or(""), "不批准")?),
        (true, Some(n)) if n.chars().count() > 200 => {
            return Err(Error::field("note", "审批意见最多 200 个字"));
        }
        (true, n) => n.map(str::to_owned),
    };
    let req = get(db, access.city_id(), request_id).await?;
    let (mut tx, c) = begin(db, access, req.case_id).await?;
    if !dispatches(access, &c.unit_path) {
        return Err(Error::Forbidden("只有社区干部或上级管理员可以审批"));
    }
    let state: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT state FROM case_request WHERE city_id = $1 AND id = $2{}",
        db.for_update()
    )))
    .bind(c.city_id)
    .bind(request_id)
    .fetch_one(&mut *tx)
    .await?;
    if state != "pending" {
        return Err(Error::conflict("already_decided", "这项申请已经审批过了"));
    }
    let requester: Option<i64> = sqlx::query_scalar(
        "SELECT requested_by_person_id FROM case_request WHERE city_id = $1 AND id = $2",
    )
    .bind(c.city_id)
    .bind(request_id)
    .fetch_one(&mut *tx)
    .await?;
    if requester == Some(access.person_id()) {
        return Err(Error::Forbidden("不能审批自己的申请"));
    }
    let now = now_ms();
    let mut to = c.state;
    let mut data = json!({"request": request_id, "kind": req.kind, "approved": approve});
    if approve {
        match req.kind.as_str() {
            "return" => {
                to = next(&c, Step::Return)?;
                sqlx::query(
                    "UPDATE case_file SET state = $1, handler_person_id = NULL, deadline_at = NULL, \
                     escalate_at = NULL, updated_at = $2 WHERE city_id = $3 AND id = $4",
                )
                .bind(to.as_str())
                .bind(now)
                .bind(c.city_id)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            }
            "suspend" => {
                to = next(&c, Step::Suspend)?;
                sqlx::query(
                    "UPDATE case_file SET state = $1, suspended_at = $2, escalate_at = NULL, \
                     updated_at = $2 WHERE city_id = $3 AND id = $4",
                )
                .bind(to.as_str())
                .bind(now)
                .bind(c.city_id)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            }
            _ => {
                if c.state != State::Dispatched {
                    return Err(Error::conflict(
                        "case_state",
                        format!("案卷当前为“{}”，不能延期", c.state.label()),
                    ));
                }
                let days = req.days.unwrap_or(1).max(1);
                let (cal, wh) = workdays::calendar(db, c.city_id).await?;
                let old = c.deadline_at.unwrap_or(now);
                let deadline = add_working_days(&cal, &wh, old, days as u32);
                sqlx::query(
                    "UPDATE case_file SET deadline_at = $1, escalate_at = $1, \
                     extended_days = extended_days + $2, updated_at = $3 WHERE city_id = $4 AND id = $5",
                )
                .bind(deadline)
                .bind(days)
                .bind(now)
                .bind(c.city_id)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
                data["deadline_at"] = json!(deadline);
            }
        }
    }
    sqlx::query(
        "UPDATE case_request SET state = $1, decided_by_person_id = $2, decided_by_name = $3, \
         decided_at = $4, decision_note = $5 WHERE city_id = $6 AND id = $7",
    )
    .bind(if approve { "approved" } else { "refused" })
    .bind(access.person_id())
    .bind(access.name())
    .bind(now)
    .bind(&note)
    .bind(c.city_id)
    .bind(request_id)
    .execute(&mut *tx)
    .await?;
    let notices = requester
        .map(|p| NewNotice {
            person_id: p,
            kind: "case.request_decided",
            title: format!(
                "案卷 {} 的{}申请{}",
                c.id,
                req.kind_label,
                if approve { "已批准" } else { "未批准" }
            ),
            body: note.clone().unwrap_or_default(),
            link: format!("/cases/{}", c.id),
        })
        .into_iter()
        .collect();
    let action = format!(
        "{}_{}",
        if approve { "approve" } else { "refuse" },
        req.kind
    );
    let after = commit_step(
        tx,
        access,
        &c,
        &action,
        to,
        StepExtra {
            reason: note.as_deref().or(Some(&req.reason)),
            data,
            notices,
        },
    )
    .await?;
    Ok((get(db, c.city_id, request_id).await?, after))
}

/// 恢复处置 after 缓办 (the dispatcher, or the handler once the cause is gone): the
/// working time that was left when the case was suspended counts again from now.
pub async fn resume(db: &Db, access: &Access, id: i64) -> Result<CaseFile> {
    let (mut tx, c) = begin(db, access, id).await?;
    if !(dispatches(access, &c.unit_path) || handles(access, &c)) {
        return Err(Error::Forbidden("只有处置人或社区干部可以恢复处置"));
    }
    let to = next(&c, Step::Resume)?;
    let now = now_ms();
    let (cal, wh) = workdays::calendar(db, c.city_id).await?;
    let since = c.suspended_at.unwrap_or(now);
    let deadline = c.deadline_at.map(|d| {
        let left = working_minutes_between(&cal, &wh, since, d).max(0);
        add_working_hours(&cal, &wh, now, left as u32)
    });
    sqlx::query(
        "UPDATE case_file SET state = $1, suspended_at = NULL, deadline_at = $2, escalate_at = $2, \
         updated_at = $3 WHERE city_id = $4 AND id = $5",
    )
    .bind(to.as_str())
    .bind(deadline)
    .bind(now)
    .bind(c.city_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let notices = c
        .handler_person_id
        .filter(|&h| h != access.person_id())
        .map(|h| NewNotice {
            person_id: h,
            kind: "case.resumed",
            title: format!("案卷 {id} 恢复处置"),
            body: String::new(),
            link: format!("/cases/{id}"),
        })
        .into_iter()
        .collect();
    commit_step(
        tx,
        access,
        &c,
        "resume",
        to,
        StepExtra {
            data: json!({"deadline_at": deadline}),
            notices,
            ..Default::default()
        },
    )
    .await
}

/// The requests of one case, oldest first.
pub async fn of_case(db: &Db, city_id: i64, case_id: i64) -> Result<Vec<Request>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM case_request WHERE city_id = $1 AND case_id = $2 ORDER BY id"
    )))
    .bind(city_id)
    .bind(case_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Which requests to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct RequestQuery {
    /// `return`, `extend` or `suspend`.
    pub kind: Option<String>,
    /// `pending`, `approved`, `refused`.
    pub state: Option<String>,
    /// Keyset: requests with a smaller id.
    pub before: Option<i64>,
    /// Page size (default 50).
    pub limit: Option<i64>,
}

/// The ledger of returns, extensions and suspensions in the caller's scope, newest first.
pub async fn ledger(db: &Db, access: &Access, q: &RequestQuery) -> Result<Page<Request>> {
    let prefixes = crate::access::prefixes(access);
    if prefixes.is_empty() {
        return Ok(Page {
            items: vec![],
            next: None,
        });
    }
    let n = limit(q.limit);
    let mut sql = format!("SELECT {COLS} FROM case_request WHERE city_id = $1 AND id < $2");
    let mut texts: Vec<String> = Vec::new();
    let mut ors = Vec::new();
    for p in &prefixes {
        texts.push(format!("{p}%"));
        ors.push(format!("unit_path LIKE ${}", texts.len() + 3));
    }
    sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
    for (col, v) in [("kind", &q.kind), ("state", &q.state)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            texts.push(v.to_owned());
            sql.push_str(&format!(" AND {col} = ${}", texts.len() + 3));
        }
    }
    sql.push_str(" ORDER BY id DESC LIMIT $3");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(access.city_id())
        .bind(q.before.unwrap_or(i64::MAX))
        .bind(n + 1);
    for t in texts {
        query = query.bind(t);
    }
    let rows = query.fetch_all(db.reader()).await?;
    let items: Vec<Request> = rows.iter().map(from_row).collect::<Result<_>>()?;
    Ok(Page::from_rows(items, n, |r| r.id))
}
