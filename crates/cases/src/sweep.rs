//! Work no one clicks, run by the scheduled job (and by `civicgrid run-jobs --at …` with
//! a later clock): cases past their deadline climb one level up the tree (网格 → 社区 →
//! 街道 → 区) and again after each further working day overdue, the new level's cadres
//! told; watches whose days are over end; confirmed reports not yet credited are credited.

use kernel::audit::Actor;
use kernel::calendar::add_working_days;
use kernel::time::{date_of_ms, datetime_cn};
use kernel::{Db, Result};
use ledger::timebank::{self, ServiceCredit};
use org::inbox;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::flow::{climb, level_above};
use crate::model::{Source, State, level_label};
use crate::store::{self, NewEvent};
use crate::workdays;

/// What a sweep did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// Cases escalated because they were overdue.
    pub escalated: u64,
    /// Overdue cases already at the top level (marked, not moved).
    pub overdue_at_top: u64,
    /// Watches ended.
    pub watches_ended: u64,
    /// Reports credited.
    pub credited: u64,
}

fn root_of(path: &str) -> i64 {
    path.split('/')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0)
}

/// Run everything due as of `now`.
pub async fn run(db: &Db, now: i64) -> Result<Outcome> {
    let mut out = Outcome::default();
    let rows = sqlx::query(
        "SELECT city_id, id FROM case_file WHERE state = 'dispatched' AND escalate_at < $1 \
         ORDER BY escalate_at LIMIT 1000",
    )
    .bind(now)
    .fetch_all(db.reader())
    .await?;
    for r in rows {
        let (city, id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        match escalate_overdue(db, city, id, now).await? {
            Some(true) => out.escalated += 1,
            Some(false) => out.overdue_at_top += 1,
            None => {}
        }
    }
    out.watches_ended = crate::watch::end_expired(db, now).await?;
    // Reports registered in the last week whose credit has not gone through yet.
    let rows = sqlx::query(
        "SELECT city_id, id FROM case_file WHERE registered_at > $1 AND credit_txn_id IS NULL \
         AND reporter_person_id IS NOT NULL AND source IN ('patrol', 'resident') \
         AND state <> 'voided' ORDER BY id LIMIT 500",
    )
    .bind(now - 7 * 86_400_000)
    .fetch_all(db.reader())
    .await?;
    for r in rows {
        if credit_report(db, r.try_get(0)?, r.try_get(1)?).await? {
            out.credited += 1;
        }
    }
    Ok(out)
}

/// One overdue case: up a level (`Some(true)`), or marked overdue at the top
/// (`Some(false)`); `None` when it was no longer due (someone acted meanwhile).
async fn escalate_overdue(db: &Db, city: i64, id: i64, now: i64) -> Result<Option<bool>> {
    let mut tx = db.begin().await?;
    let Some(c) = store::load(&mut tx, city, id, db.for_update()).await? else {
        return Ok(None);
    };
    if c.state != State::Dispatched || c.escalate_at.is_none_or(|t| t >= now) {
        return Ok(None);
    }
    let (cal, wh) = workdays::calendar(db, city).await?;
    // Looked at again after one more working day overdue.
    let next_look = add_working_days(&cal, &wh, now, 1);
    let actor = Actor::system(city, "超期自动上报");
    sqlx::query(
        "UPDATE case_file SET overdue_at = COALESCE(overdue_at, deadline_at) WHERE city_id = $1 AND id = $2",
    )
    .bind(city)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let why = format!(
        "已超过处置时限（{}）",
        c.deadline_at.map(datetime_cn).unwrap_or_default()
    );
    let above = level_above(db, &c).await?;
    let (moved, notices, data) = match &above {
        Some(to) => {
            let notices = climb(db, &mut tx, &c, to, Some(next_look), &why).await?;
            (
                true,
                notices,
                json!({"to_unit": to.id, "to_name": to.name, "level": c.level + 1,
                       "to_level": level_label(to.kind.as_str()), "automatic": true}),
            )
        }
        None => {
            // At the district already: stays overdue there, not looked at again.
            sqlx::query(
                "UPDATE case_file SET escalate_at = NULL, updated_at = $1 WHERE city_id = $2 AND id = $3",
            )
            .bind(now)
            .bind(city)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            (false, vec![], json!({"automatic": true, "top": true}))
        }
    };
    store::add_event(
        &mut tx,
        city,
        id,
        NewEvent {
            action: if moved { "escalate" } else { "overdue" },
            from: c.state,
            to: c.state,
            actor_person_id: None,
            actor_name: &actor.name,
            reason: Some(&why),
            data: data.clone(),
        },
    )
    .await?;
    kernel::audit::record(
        &mut tx,
        &actor,
        kernel::audit::Entry {
            action: if moved {
                "case_escalate"
            } else {
                "case_overdue"
            },
            object_kind: "case_file",
            object_id: id,
            scope_path: &c.unit_path,
            before: Some(json!({"level": c.level, "level_unit": c.level_unit_id})),
            after: Some(data),
        },
    )
    .await?;
    for n in notices {
        inbox::notify(&mut tx, city, n).await?;
    }
    tx.commit().await?;
    Ok(Some(moved))
}

/// Credit a registered report to its reporter (points for `case.confirmed`, the city's
/// standard), once: a refusal by the ledger is recorded and tried again by the sweep.
pub async fn credit_report(db: &Db, city_id: i64, id: i64) -> Result<bool> {
    let mut conn = db.reader().acquire().await?;
    let Some(c) = store::load(&mut conn, city_id, id, "").await? else {
        return Ok(false);
    };
    drop(conn);
    let (Some(person), Some(at)) = (c.reporter_person_id, c.registered_at) else {
        return Ok(false);
    };
    if c.credit_txn_id.is_some()
        || !matches!(c.source, Source::Patrol | Source::Resident)
        || c.state == State::Voided
    {
        return Ok(false);
    }
    let sys = org::access::system_access(city_id, root_of(&c.unit_path), "上报问题经核实");
    let res = timebank::credit_service(
        db,
        &sys,
        ServiceCredit {
            person_id: person,
            kind: "case.confirmed".into(),
            minutes: 0,
            occurred_on: date_of_ms(at).to_string(),
            memo: format!("上报问题经核实立案（案卷 {id}）"),
            ref_kind: Some("case".into()),
            ref_id: Some(id),
            group: false,
            guardian_person_id: None,
            key: format!("case-report-{id}"),
        },
    )
    .await;
    if res.is_err() {
        // Said once: a refusal the sweep meets again is not recorded again.
        let last: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM case_event WHERE city_id = $1 AND case_id = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(city_id)
        .bind(id)
        .fetch_all(db.reader())
        .await?;
        if last.first().map(String::as_str) == Some("credit_failed") {
            return Ok(false);
        }
    }
    let mut tx = db.begin().await?;
    let ok = match &res {
        Ok(txn) => {
            sqlx::query(
                "UPDATE case_file SET credit_txn_id = $1 WHERE city_id = $2 AND id = $3 AND credit_txn_id IS NULL",
            )
            .bind(txn.id)
            .bind(city_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            true
        }
        Err(_) => false,
    };
    store::add_event(
        &mut tx,
        city_id,
        id,
        NewEvent {
            action: if ok { "credit" } else { "credit_failed" },
            from: c.state,
            to: c.state,
            actor_person_id: None,
            actor_name: "系统",
            reason: Some(&match &res {
                Ok(txn) => format!("交易 {}", txn.id),
                Err(e) => e.to_string(),
            }),
            data: json!({"person": person}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ok)
}
