//! Work no one clicks: orders dispatched and not accepted in time go back to the pool
//! (the dispatcher is told); orders whose wanted time passed with nobody serving expire
//! (the resident is told); confirmed orders not yet credited are credited (a credit that
//! failed — say the ledger refused it — is tried again, and stays exactly-once by its key).

use kernel::audit::{self, Entry};
use kernel::time::{date_of_ms, now_ms};
use kernel::{Db, Result};
use ledger::timebank::{self, ServiceCredit};
use org::inbox::{self, NewNotice};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::model::{self, State, Step};
use crate::store::{self, NewEvent};

/// What a sweep did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// Orders returned to the pool after the acceptance deadline.
    pub timed_out: u64,
    /// Orders expired.
    pub expired: u64,
    /// Confirmed orders credited.
    pub credited: u64,
}

fn root_of(path: &str) -> i64 {
    path.split('/')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0)
}

/// Credit a confirmed order to its person (points for `order.done` and the minutes), once.
/// A refusal by the ledger is recorded on the order and left for the next sweep.
pub async fn credit(db: &Db, city_id: i64, id: i64) -> Result<bool> {
    let mut conn = db.reader().acquire().await?;
    let Some(o) = store::load(&mut conn, city_id, id, "").await? else {
        return Ok(false);
    };
    drop(conn);
    let (Some(person), Some(minutes), Some(done_at)) =
        (o.assignee_person_id, o.done_minutes, o.done_at)
    else {
        return Ok(false);
    };
    if o.state != State::Confirmed || o.credit_txn_id.is_some() {
        return Ok(false);
    }
    let sys = org::access::system_access(city_id, root_of(&o.unit_path), "订单确认记入");
    let label = model::category(&o.category)
        .map(|c| c.label)
        .unwrap_or("服务");
    let res = timebank::credit_service(
        db,
        &sys,
        ServiceCredit {
            person_id: person,
            kind: "order.done".into(),
            minutes,
            occurred_on: date_of_ms(done_at).to_string(),
            memo: format!("群众点单：{label}（订单 {id}）"),
            ref_kind: Some("order".into()),
            ref_id: Some(id),
            group: false,
            guardian_person_id: None,
            key: format!("order-{id}"),
        },
    )
    .await;
    let mut tx = db.begin().await?;
    let ok = match &res {
        Ok(txn) => {
            sqlx::query(
                "UPDATE service_order SET credit_txn_id = $1 WHERE city_id = $2 AND id = $3 AND credit_txn_id IS NULL",
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
    let reason = match &res {
        Ok(txn) => format!("交易 {}", txn.id),
        Err(e) => e.to_string(),
    };
    store::add_event(
        &mut tx,
        city_id,
        id,
        NewEvent {
            action: if ok { "credit" } else { "credit_failed" },
            from: State::Confirmed,
            to: State::Confirmed,
            actor_person_id: None,
            actor_name: "系统",
            person_id: Some(person),
            reason: Some(&reason),
            overrides: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ok)
}

/// Run the deadlines of every city as of `now` (the scheduler passes the clock; tests
/// pass a later one).
pub async fn run(db: &Db, now: i64) -> Result<Outcome> {
    let mut out = Outcome::default();
    // Acceptance deadlines.
    let rows = sqlx::query(
        "SELECT city_id, id FROM service_order WHERE state = 'dispatched' AND accept_by < $1 ORDER BY id LIMIT 1000",
    )
    .bind(now)
    .fetch_all(db.reader())
    .await?;
    for r in rows {
        let (city, id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if step(db, city, id, Step::TimeOut, now).await? {
            out.timed_out += 1;
        }
    }
    // Wanted time passed with nobody serving.
    let rows = sqlx::query(
        "SELECT city_id, id FROM service_order WHERE state IN ('placed', 'dispatched') AND wanted_to < $1 ORDER BY id LIMIT 1000",
    )
    .bind(now)
    .fetch_all(db.reader())
    .await?;
    for r in rows {
        let (city, id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if step(db, city, id, Step::Expire, now).await? {
            out.expired += 1;
        }
    }
    // Confirmed and not yet credited.
    let rows = sqlx::query(
        "SELECT city_id, id FROM service_order WHERE state = 'confirmed' AND credit_txn_id IS NULL ORDER BY id LIMIT 1000",
    )
    .fetch_all(db.reader())
    .await?;
    for r in rows {
        if credit(db, r.try_get(0)?, r.try_get(1)?).await? {
            out.credited += 1;
        }
    }
    Ok(out)
}

async fn step(db: &Db, city_id: i64, id: i64, step: Step, now: i64) -> Result<bool> {
    let mut tx = db.begin().await?;
    let Some(o) = store::load(&mut tx, city_id, id, db.for_update()).await? else {
        return Ok(false);
    };
    let due = match step {
        Step::TimeOut => o.accept_by.is_some_and(|t| t < now),
        _ => o.wanted_to < now,
    };
    let Ok(to) = model::next(o.state, step) else {
        return Ok(false);
    };
    if !due {
        return Ok(false);
    }
    let label = model::category(&o.category)
        .map(|c| c.label)
        .unwrap_or("服务");
    let (notice, reason) = if step == Step::TimeOut {
        sqlx::query(
            "UPDATE service_order SET state = $1, assignee_person_id = NULL, accept_by = NULL, \
             updated_at = $2 WHERE city_id = $3 AND id = $4",
        )
        .bind(to.as_str())
        .bind(now_ms())
        .bind(city_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        (
            o.dispatcher_person_id.map(|d| NewNotice {
                person_id: d,
                kind: "order.deadline",
                title: format!("{label}订单超时未接单，已退回待派单，请重新派单"),
                body: String::new(),
                link: format!("/orders/{id}/dispatch"),
            }),
            "超过接单时限",
        )
    } else {
        sqlx::query(
            "UPDATE service_order SET state = $1, closed_reason = $2, updated_at = $3 WHERE city_id = $4 AND id = $5",
        )
        .bind(to.as_str())
        .bind("超过期望时间无人服务")
        .bind(now_ms())
        .bind(city_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        (
            Some(NewNotice {
                person_id: o.resident_person_id,
                kind: "order.expired",
                title: format!("很抱歉，您的{label}需求在期望时间内没有安排上，已过期"),
                body: "如仍需要，请重新下单或联系社区".into(),
                link: format!("/orders/{id}"),
            }),
            "超过期望时间无人服务",
        )
    };
    store::add_event(
        &mut tx,
        city_id,
        id,
        NewEvent {
            action: step.as_str(),
            from: o.state,
            to,
            actor_person_id: None,
            actor_name: "系统",
            person_id: o.assignee_person_id,
            reason: Some(reason),
            overrides: "",
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &kernel::audit::Actor::system(city_id, "订单时限"),
        Entry {
            action: &format!("order_{}", step.as_str()),
            object_kind: "service_order",
            object_id: id,
            scope_path: &o.unit_path,
            before: Some(json!({"state": o.state.as_str(), "assignee": o.assignee_person_id})),
            after: Some(json!({"state": to.as_str()})),
        },
    )
    .await?;
    if let Some(n) = notice {
        inbox::notify(&mut tx, city_id, n).await?;
    }
    tx.commit().await?;
    Ok(true)
}
