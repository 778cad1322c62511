//! Leave (请假): asked by a person on a shift before it starts, with a reason; approved or
//! refused (with a reason) by the responsible cadre.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::time::{now_ms, parse_datetime};
use kernel::{Db, Error, Result};
use org::Access;
use org::inbox::NewNotice;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::keeps;
use crate::shifts::{self, when_label};

/// A leave to ask for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LeaveInput {
    /// The shift.
    pub shift_id: Option<i64>,
    /// From (`YYYY-MM-DDTHH:MM`); default: the shift's start.
    #[serde(default)]
    pub from: Option<String>,
    /// To (`YYYY-MM-DDTHH:MM`), after `from`; default: the shift's end.
    #[serde(default)]
    pub to: Option<String>,
    /// Why (up to 200 characters).
    #[serde(default)]
    pub reason: String,
}

/// A decision on a leave or a swap.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Decision {
    /// Approve (`true`) or refuse (`false`).
    #[serde(default)]
    pub approve: bool,
    /// Why: required to refuse; for a swap, also when the new person fails a check.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A leave.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Leave {
    /// Id.
    pub id: i64,
    /// The shift.
    pub shift_id: i64,
    /// Its time.
    pub shift_when: String,
    /// Who asks.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// From (ms).
    pub starts_at: i64,
    /// To (ms).
    pub ends_at: i64,
    /// Why.
    pub reason: String,
    /// `pending`, `approved`, `refused`.
    pub state: String,
    /// The cadre's reason (for a refusal).
    pub decision_reason: Option<String>,
}

async fn fetch(db: &Db, city_id: i64, id: i64) -> Result<Option<Leave>> {
    let rows = sqlx::query(
        "SELECT l.id, l.shift_id, l.person_id, l.starts_at, l.ends_at, l.reason, l.state, \
         l.decision_reason, s.starts_at, s.ends_at FROM duty_leave l JOIN duty_shift s \
         ON s.city_id = l.city_id AND s.id = l.shift_id WHERE l.city_id = $1 AND l.id = $2",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let person_id: i64 = r.try_get(2)?;
    let names = org::pool::names(db, city_id, &[person_id]).await?;
    Ok(Some(Leave {
        id: r.try_get(0)?,
        shift_id: r.try_get(1)?,
        shift_when: when_label(r.try_get(8)?, r.try_get(9)?),
        person_id,
        person_name: names.get(&person_id).cloned().unwrap_or_default(),
        starts_at: r.try_get(3)?,
        ends_at: r.try_get(4)?,
        reason: r.try_get(5)?,
        state: r.try_get(6)?,
        decision_reason: r.try_get(7)?,
    }))
}

/// Ask for leave from one of my shifts, before it starts.
pub async fn request(db: &Db, access: &Access, input: LeaveInput) -> Result<Leave> {
    let mut p = Problems::default();
    let reason = required_text(&mut p, "reason", "请假理由", &input.reason, 200);
    let shift = match input.shift_id {
        Some(id) => match shifts::load(db, access.city_id(), id).await {
            Ok(s) if s.has_on(access.person_id()) => Some(s),
            Ok(_) | Err(Error::NotFound) => {
                p.add("shift_id", "没有这个值班，或您不在这个班次上");
                None
            }
            Err(e) => return Err(e),
        },
        None => {
            p.add("shift_id", "请选择要请假的值班");
            None
        }
    };
    let time = |field: &str, v: &Option<String>, p: &mut Problems| match v.as_deref().map(str::trim)
    {
        None | Some("") => None,
        Some(s) => {
            let t = parse_datetime(s);
            if t.is_none() {
                p.add(field, "时间格式应为 YYYY-MM-DDTHH:MM");
            }
            t
        }
    };
    let from = time("from", &input.from, &mut p);
    let to = time("to", &input.to, &mut p);
    let now = now_ms();
    if let Some(s) = &shift {
        let (f, t) = (from.unwrap_or(s.starts_at), to.unwrap_or(s.ends_at));
        if t <= f {
            p.add("to", "请假的结束时间要晚于开始时间");
        } else if t <= s.starts_at || f >= s.ends_at {
            p.add("from", "请假时间要覆盖这次值班");
        }
        if now >= s.starts_at {
            p.add(
                "shift_id",
                "值班已经开始，不能再请假：请假须在值班开始前提出",
            );
        }
    }
    p.finish()?;
    let s = shift.ok_or(Error::NotFound)?;
    let (f, t) = (from.unwrap_or(s.starts_at), to.unwrap_or(s.ends_at));
    let open = sqlx::query(
        "SELECT id FROM duty_leave WHERE city_id = $1 AND shift_id = $2 AND person_id = $3 \
         AND state IN ('pending', 'approved') LIMIT 1",
    )
    .bind(access.city_id())
    .bind(s.id)
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    if !open.is_empty() {
        return Err(Error::conflict(
            "leave_exists",
            "这次值班已经请过假（待审批或已批准）",
        ));
    }
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO duty_leave (city_id, shift_id, person_id, starts_at, ends_at, reason, state, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING id",
        )
        .bind(access.city_id())
        .bind(s.id)
        .bind(access.person_id())
        .bind(f)
        .bind(t)
        .bind(&reason)
        .bind(now),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "duty_leave_request",
            object_kind: "duty_leave",
            object_id: id,
            scope_path: &s.unit_path,
            before: None,
            after: Some(json!({"shift_id": s.id, "from": f, "to": t, "reason": reason})),
        },
    )
    .await?;
    if let Some(cadre) = s.created_by_person_id {
        org::inbox::notify(
            &mut tx,
            access.city_id(),
            NewNotice {
                person_id: cadre,
                kind: "duty_leave_request",
                title: format!("{}申请请假", access.name()),
                body: format!("值班 {}：{reason}", s.when),
                link: "/duty/queue".into(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)
}

/// Approve or refuse a pending leave (the cadre over the shift's unit; 404 otherwise).
pub async fn decide(db: &Db, access: &Access, id: i64, d: Decision) -> Result<Leave> {
    let l = fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let s = shifts::load(db, access.city_id(), l.shift_id).await?;
    if !keeps(access, &s.unit_path) {
        return Err(Error::NotFound);
    }
    if l.state != "pending" {
        return Err(Error::conflict("leave_decided", "这个请假已经审批过了"));
    }
    let mut p = Problems::default();
    let reason = if d.approve {
        optional_text(&mut p, "reason", "理由", d.reason.as_deref(), 200)
    } else {
        Some(required_text(
            &mut p,
            "reason",
            "不批准的理由",
            d.reason.as_deref().unwrap_or(""),
            200,
        ))
    };
    p.finish()?;
    let state = if d.approve { "approved" } else { "refused" };
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE duty_leave SET state = $1, decision_reason = $2, decided_by_person_id = $3, \
         decided_at = $4 WHERE city_id = $5 AND id = $6 AND state = 'pending'",
    )
    .bind(state)
    .bind(&reason)
    .bind((access.person_id() != 0).then_some(access.person_id()))
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: if d.approve {
                "duty_leave_approve"
            } else {
                "duty_leave_refuse"
            },
            object_kind: "duty_leave",
            object_id: id,
            scope_path: &s.unit_path,
            before: Some(json!({"state": l.state})),
            after: Some(json!({"state": state, "reason": reason})),
        },
    )
    .await?;
    org::inbox::notify(
        &mut tx,
        access.city_id(),
        NewNotice {
            person_id: l.person_id,
            kind: "duty_leave_decided",
            title: if d.approve {
                "请假已批准".into()
            } else {
                "请假未获批准".into()
            },
            body: match &reason {
                Some(r) => format!("值班 {}：{r}", s.when),
                None => format!("值班 {}", s.when),
            },
            link: "/duty".into(),
        },
    )
    .await?;
    tx.commit().await?;
    fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)
}

/// Whether the person has an approved leave for the shift.
pub(crate) async fn approved(db: &Db, city_id: i64, shift_id: i64, person_id: i64) -> Result<bool> {
    let rows = sqlx::query(
        "SELECT id FROM duty_leave WHERE city_id = $1 AND shift_id = $2 AND person_id = $3 \
         AND state = 'approved' LIMIT 1",
    )
    .bind(city_id)
    .bind(shift_id)
    .bind(person_id)
    .fetch_all(db.reader())
    .await?;
    Ok(!rows.is_empty())
}

/// Pending leaves on the shifts the caller keeps (at most 100, oldest first).
pub async fn pending(db: &Db, access: &Access) -> Result<Vec<Leave>> {
    let rows = sqlx::query(
        "SELECT l.id, s.unit_path FROM duty_leave l JOIN duty_shift s \
         ON s.city_id = l.city_id AND s.id = l.shift_id \
         WHERE l.city_id = $1 AND l.state = 'pending' ORDER BY l.id LIMIT 500",
    )
    .bind(access.city_id())
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let path: String = r.try_get(1)?;
        if keeps(access, &path)
            && out.len() < 100
            && let Some(l) = fetch(db, access.city_id(), r.try_get(0)?).await?
        {
            out.push(l);
        }
    }
    Ok(out)
}
