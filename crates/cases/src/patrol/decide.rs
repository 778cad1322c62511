//! The grid's decisions on a recorded patrol: confirm it — which credits its minutes to
//! the ledger once (kind `patrol`, the patrol's own idempotency key) — or send it back to
//! the patroller with what to correct. Never by the patroller themself.

use kernel::error::{Problems, required_text};
use kernel::time::{date_of_ms, datetime_cn, now_ms};
use kernel::{Db, Error, Result};
use ledger::timebank::{self, ServiceCredit};
use org::Access;
use org::inbox::NewNotice;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Patrol, PatrolState, keeps, load, update};

/// Why a patrol is sent back.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SendBack {
    /// What to correct (up to 200 characters).
    #[serde(default)]
    pub reason: String,
}

/// A patrol the caller decides on: 404 when there is none, 403 when they do not keep the
/// grid or patrolled it themselves.
async fn to_decide(db: &Db, access: &Access, id: i64) -> Result<Patrol> {
    let p = load(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if p.person_id == access.person_id() {
        return Err(Error::Forbidden(
            "不能确认自己的巡查：请由网格长或社区干部确认",
        ));
    }
    if !keeps(access, &p.unit_path) {
        return Err(Error::Forbidden("只有本网格的网格长或社区干部可以确认巡查"));
    }
    Ok(p)
}

/// 确认: a recorded patrol is confirmed and its minutes credited (kind `patrol`, once: the
/// ledger key is the patrol's). Confirming a confirmed patrol whose credit did not go
/// through tries the credit again.
pub async fn confirm(db: &Db, access: &Access, id: i64) -> Result<Patrol> {
    let before = to_decide(db, access, id).await?;
    let p = match before.state {
        PatrolState::Recorded => {
            let now = now_ms();
            let after = Patrol {
                state: PatrolState::Confirmed,
                confirmed_by_person_id: Some(access.person_id()),
                confirmed_at: Some(now),
                updated_at: now,
                ..before.clone()
            };
            update(db, access, &before, after, "patrol_confirm", None).await?
        }
        PatrolState::Confirmed if before.credit_txn_id.is_none() => before,
        PatrolState::Confirmed => {
            return Err(Error::conflict("patrol_confirmed", "这次巡查已经确认过了"));
        }
        _ => {
            return Err(Error::conflict(
                "patrol_not_recorded",
                "巡查结束并提交记录后才能确认",
            ));
        }
    };
    credit(db, access.city_id(), &p).await?;
    load(db, access.city_id(), id).await?.ok_or(Error::NotFound)
}

/// 退回: send a recorded patrol back to the patroller with what to correct.
pub async fn send_back(db: &Db, access: &Access, id: i64, input: SendBack) -> Result<Patrol> {
    let before = to_decide(db, access, id).await?;
    if before.state != PatrolState::Recorded {
        return Err(Error::conflict(
            "patrol_not_recorded",
            "只有待确认的巡查记录可以退回",
        ));
    }
    let mut p = Problems::default();
    let reason = required_text(&mut p, "reason", "退回原因", &input.reason, 200);
    p.finish()?;
    let after = Patrol {
        state: PatrolState::Returned,
        return_reason: Some(reason.clone()),
        updated_at: now_ms(),
        ..before.clone()
    };
    let notice = NewNotice {
        person_id: before.person_id,
        kind: "patrol_returned",
        title: "巡查记录被退回".into(),
        body: format!("退回原因：{reason}。请修改后重新提交。"),
        link: format!("/patrols/{id}"),
    };
    update(db, access, &before, after, "patrol_return", Some(notice)).await
}

fn root_of(path: &str) -> i64 {
    path.split('/')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0)
}

/// Credit a confirmed patrol's minutes to the patroller, once (the key is the patrol's; a
/// replay answers the first transaction). A refusal by the ledger (a cap, a person who has
/// left) leaves the patrol confirmed without a credit and is logged.
async fn credit(db: &Db, city_id: i64, p: &Patrol) -> Result<()> {
    let Some(minutes) = p.minutes() else {
        return Ok(());
    };
    let sys = org::access::system_access(city_id, root_of(&p.unit_path), "巡查经确认");
    let res = timebank::credit_service(
        db,
        &sys,
        ServiceCredit {
            person_id: p.person_id,
            kind: "patrol".into(),
            minutes: minutes.min(24 * 60),
            occurred_on: date_of_ms(p.started_at).to_string(),
            memo: format!("网格巡查（{} 起）", datetime_cn(p.started_at)),
            ref_kind: Some("patrol".into()),
            ref_id: Some(p.id),
            group: false,
            guardian_person_id: None,
            key: format!("patrol-{}", p.id),
        },
    )
    .await;
    match res {
        Ok(txn) => {
            sqlx::query(
                "UPDATE patrol SET credit_txn_id = $1 WHERE city_id = $2 AND id = $3 \
                 AND credit_txn_id IS NULL",
            )
            .bind(txn.id)
            .bind(sys.city_id())
            .bind(p.id)
            .execute(db.writer())
            .await?;
        }
        Err(Error::Db(e)) => return Err(Error::Db(e)),
        Err(e) => tracing::warn!(patrol = p.id, error = %e, "patrol credit refused by the ledger"),
    }
    Ok(())
}
