//! Swaps (调班): person A proposes to person B to take A's shift; B accepts or declines;
//! the responsible cadre approves — only then the roster changes (A off, B on, with the
//! checks applied to B) — or refuses with a reason.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use org::inbox::NewNotice;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::leave::Decision;
use crate::shifts::{self, Span, check_pick, insert_assignment, when_label};
use crate::{community_path, keeps};

/// A swap to propose.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SwapInput {
    /// My shift.
    pub shift_id: Option<i64>,
    /// Who takes it (a personnel of the same community, not me).
    pub to_person_id: Option<i64>,
    /// A note to them (up to 200 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// The answer of the person offered a swap.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SwapAnswer {
    /// Accept (`true`) or decline (`false`).
    #[serde(default)]
    pub accept: bool,
}

/// A swap.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Swap {
    /// Id.
    pub id: i64,
    /// The shift.
    pub shift_id: i64,
    /// Its time.
    pub shift_when: String,
    /// Who hands it over.
    pub from_person_id: i64,
    /// Their name.
    pub from_name: String,
    /// Who takes it.
    pub to_person_id: i64,
    /// Their name.
    pub to_name: String,
    /// The note.
    pub note: Option<String>,
    /// `offered`, `accepted`, `declined`, `approved`, `refused`.
    pub state: String,
    /// The cadre's reason.
    pub decision_reason: Option<String>,
}

async fn fetch(db: &Db, city_id: i64, id: i64) -> Result<Option<(Swap, String)>> {
    let rows = sqlx::query(
        "SELECT w.id, w.shift_id, w.from_person_id, w.to_person_id, w.note, w.state, \
         w.decision_reason, s.starts_at, s.ends_at, s.unit_path FROM duty_swap w JOIN duty_shift s \
         ON s.city_id = w.city_id AND s.id = w.shift_id WHERE w.city_id = $1 AND w.id = $2",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let (a, b): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
    let names = org::pool::names(db, city_id, &[a, b]).await?;
    Ok(Some((
        Swap {
            id: r.try_get(0)?,
            shift_id: r.try_get(1)?,
            shift_when: when_label(r.try_get(7)?, r.try_get(8)?),
            from_person_id: a,
            from_name: names.get(&a).cloned().unwrap_or_default(),
            to_person_id: b,
            to_name: names.get(&b).cloned().unwrap_or_default(),
            note: r.try_get(4)?,
            state: r.try_get(5)?,
            decision_reason: r.try_get(6)?,
        },
        r.try_get(9)?,
    )))
}

async fn one(db: &Db, city_id: i64, id: i64) -> Result<Swap> {
    Ok(fetch(db, city_id, id).await?.ok_or(Error::NotFound)?.0)
}

/// A swap the caller may see: its two people and the keepers of its shift.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Swap> {
    let (w, path) = fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let me = access.person_id();
    if (me != 0 && (me == w.from_person_id || me == w.to_person_id)) || keeps(access, &path) {
        Ok(w)
    } else {
        Err(Error::NotFound)
    }
}

#[allow(clippy::too_many_arguments)]
async fn set_state(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    w: &Swap,
    path: &str,
    from: &str,
    to: &str,
    reason: Option<&str>,
    action: &str,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE duty_swap SET state = $1, decision_reason = COALESCE($2, decision_reason), \
         updated_at = $3 WHERE city_id = $4 AND id = $5 AND state = $6",
    )
    .bind(to)
    .bind(reason)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(w.id)
    .bind(from)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict(
            "swap_changed",
            "这个调班刚被处理过，请刷新后再看",
        ));
    }
    audit::record(
        tx,
        access.actor(),
        Entry {
            action,
            object_kind: "duty_swap",
            object_id: w.id,
            scope_path: path,
            before: Some(json!({"state": from})),
            after: Some(json!({"state": to, "reason": reason})),
        },
    )
    .await?;
    Ok(())
}

/// Propose a swap of one of my shifts, before it starts, to another personnel.
pub async fn propose(db: &Db, access: &Access, input: SwapInput) -> Result<Swap> {
    let mut p = Problems::default();
    let note = optional_text(&mut p, "note", "留言", input.note.as_deref(), 200);
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
            p.add("shift_id", "请选择要调换的值班");
            None
        }
    };
    let to = input.to_person_id.unwrap_or(0);
    if input.to_person_id.is_none() {
        p.add("to_person_id", "请选择接班的人");
    } else if to == access.person_id() {
        p.add("to_person_id", "不能和自己调班：请选择另一位下沉人员");
    }
    if let Some(s) = &shift {
        if now_ms() >= s.starts_at {
            p.add("shift_id", "值班已经开始，不能再调班");
        }
        if to != 0 && to != access.person_id() {
            let unit = org::units::fetch_any(db, access.city_id(), s.unit_id)
                .await?
                .ok_or(Error::NotFound)?;
            let community = community_path(db, access.city_id(), &unit).await?;
            if org::pool::members(db, access.city_id(), &community, Some(to))
                .await?
                .is_empty()
            {
                p.add("to_person_id", "没有这个下沉人员，或不在本社区报到");
            } else if s
                .people
                .iter()
                .any(|a| a.person_id == to && a.state == "on")
            {
                p.add("to_person_id", "对方已在这个班次上");
            }
        }
    }
    p.finish()?;
    let s = shift.ok_or(Error::NotFound)?;
    let open = sqlx::query(
        "SELECT id FROM duty_swap WHERE city_id = $1 AND shift_id = $2 AND from_person_id = $3 \
         AND state IN ('offered', 'accepted') LIMIT 1",
    )
    .bind(access.city_id())
    .bind(s.id)
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    if !open.is_empty() {
        return Err(Error::conflict("swap_open", "这次值班已有一个进行中的调班"));
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO duty_swap (city_id, shift_id, from_person_id, to_person_id, note, state, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'offered', $6, $6) RETURNING id",
        )
        .bind(access.city_id())
        .bind(s.id)
        .bind(access.person_id())
        .bind(to)
        .bind(&note)
        .bind(now),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "duty_swap_propose",
            object_kind: "duty_swap",
            object_id: id,
            scope_path: &s.unit_path,
            before: None,
            after: Some(json!({"shift_id": s.id, "to_person_id": to, "note": note})),
        },
    )
    .await?;
    org::inbox::notify(
        &mut tx,
        access.city_id(),
        NewNotice {
            person_id: to,
            kind: "duty_swap_offer",
            title: format!("{}请您代班", access.name()),
            body: format!("值班 {}，请确认是否接受", s.when),
            link: format!("/duty/swaps/{id}"),
        },
    )
    .await?;
    tx.commit().await?;
    one(db, access.city_id(), id).await
}

/// The offered person accepts or declines.
pub async fn answer(db: &Db, access: &Access, id: i64, a: SwapAnswer) -> Result<Swap> {
    let w = get(db, access, id).await?;
    if w.to_person_id != access.person_id() {
        return Err(Error::Forbidden(
            "这个调班不是发给您的，只有被邀请的人可以接受或拒绝",
        ));
    }
    if w.state != "offered" {
        return Err(Error::conflict("swap_answered", "这个调班已经答复过了"));
    }
    let (_, path) = fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let s = shifts::load(db, access.city_id(), w.shift_id).await?;
    let to = if a.accept { "accepted" } else { "declined" };
    let mut tx = db.begin().await?;
    set_state(
        &mut tx,
        access,
        &w,
        &path,
        "offered",
        to,
        None,
        if a.accept {
            "duty_swap_accept"
        } else {
            "duty_swap_decline"
        },
    )
    .await?;
    let next = if a.accept {
        s.created_by_person_id
    } else {
        Some(w.from_person_id)
    };
    if let Some(next) = next {
        org::inbox::notify(
            &mut tx,
            access.city_id(),
            NewNotice {
                person_id: next,
                kind: "duty_swap_answer",
                title: if a.accept {
                    format!("{}与{}的调班待审批", w.from_name, w.to_name)
                } else {
                    format!("{}没有接受调班", w.to_name)
                },
                body: format!("值班 {}", s.when),
                link: if a.accept {
                    "/duty/queue".into()
                } else {
                    "/duty".into()
                },
            },
        )
        .await?;
    }
    tx.commit().await?;
    one(db, access.city_id(), id).await
}

/// The cadre approves (the roster changes: A off, B on, B checked) or refuses (a reason).
pub async fn decide(db: &Db, access: &Access, id: i64, d: Decision) -> Result<Swap> {
    let (w, path) = fetch(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if !keeps(access, &path) {
        return Err(Error::NotFound);
    }
    if w.state != "accepted" {
        return Err(Error::conflict(
            "swap_not_accepted",
            "对方接受调班后才能审批",
        ));
    }
    let s = shifts::load(db, access.city_id(), w.shift_id).await?;
    let mut p = Problems::default();
    let mut pick = None;
    let reason;
    if d.approve {
        reason = optional_text(&mut p, "reason", "理由", d.reason.as_deref(), 200);
        if now_ms() >= s.starts_at {
            p.add("reason", "值班已经开始，不能再调班");
        } else if !s.has_on(w.from_person_id) {
            p.add("reason", "原值班人员已不在这个班次上");
        } else {
            let unit = org::units::fetch_any(db, access.city_id(), s.unit_id)
                .await?
                .ok_or(Error::NotFound)?;
            let community = community_path(db, access.city_id(), &unit).await?;
            let span = Span::of(s.starts_at, s.ends_at);
            pick = check_pick(
                db,
                access.city_id(),
                &community,
                &span,
                w.to_person_id,
                reason.as_deref(),
                s.id,
                &mut p,
                "to_person_id",
            )
            .await?;
        }
    } else {
        reason = Some(required_text(
            &mut p,
            "reason",
            "不批准的理由",
            d.reason.as_deref().unwrap_or(""),
            200,
        ));
    }
    p.finish()?;
    let mut tx = db.begin().await?;
    if d.approve {
        let (warnings, why) = pick.ok_or(Error::NotFound)?;
        set_state(
            &mut tx,
            access,
            &w,
            &path,
            "accepted",
            "approved",
            why.as_deref(),
            "duty_swap_approve",
        )
        .await?;
        sqlx::query(
            "UPDATE duty_assignment SET state = 'swapped' WHERE city_id = $1 AND shift_id = $2 \
             AND person_id = $3 AND state = 'on'",
        )
        .bind(access.city_id())
        .bind(s.id)
        .bind(w.from_person_id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            access.actor(),
            Entry {
                action: "duty_unassign",
                object_kind: "duty_shift",
                object_id: s.id,
                scope_path: &path,
                before: Some(json!({"person_id": w.from_person_id, "state": "on"})),
                after: Some(
                    json!({"person_id": w.from_person_id, "state": "swapped", "swap_id": w.id}),
                ),
            },
        )
        .await?;
        let back = sqlx::query(
            "UPDATE duty_assignment SET state = 'on', reason = $1 WHERE city_id = $2 \
             AND shift_id = $3 AND person_id = $4",
        )
        .bind(&why)
        .bind(access.city_id())
        .bind(s.id)
        .bind(w.to_person_id)
        .execute(&mut *tx)
        .await?;
        if back.rows_affected() == 0 {
            insert_assignment(
                &mut tx,
                access,
                (s.id, &path, s.starts_at, s.ends_at),
                w.to_person_id,
                &warnings,
                why.as_deref(),
            )
            .await?;
        }
    } else {
        set_state(
            &mut tx,
            access,
            &w,
            &path,
            "accepted",
            "refused",
            reason.as_deref(),
            "duty_swap_refuse",
        )
        .await?;
    }
    for person in [w.from_person_id, w.to_person_id] {
        org::inbox::notify(
            &mut tx,
            access.city_id(),
            NewNotice {
                person_id: person,
                kind: "duty_swap_decided",
                title: if d.approve {
                    "调班已批准".into()
                } else {
                    "调班未获批准".into()
                },
                body: format!("值班 {}：{} → {}", s.when, w.from_name, w.to_name),
                link: "/duty".into(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    one(db, access.city_id(), id).await
}

/// Swaps offered to me and waiting for my answer.
pub async fn offered_to_me(db: &Db, access: &Access) -> Result<Vec<Swap>> {
    ids_to_swaps(
        db,
        access.city_id(),
        sqlx::query(
            "SELECT id FROM duty_swap WHERE city_id = $1 AND to_person_id = $2 AND state = 'offered' \
             ORDER BY id LIMIT 50",
        )
        .bind(access.city_id())
        .bind(access.person_id())
        .fetch_all(db.reader())
        .await?,
        |_| true,
    )
    .await
}

/// Swaps I proposed (latest first, at most 50).
pub async fn proposed_by_me(db: &Db, access: &Access) -> Result<Vec<Swap>> {
    ids_to_swaps(
        db,
        access.city_id(),
        sqlx::query(
            "SELECT id FROM duty_swap WHERE city_id = $1 AND from_person_id = $2 \
             ORDER BY id DESC LIMIT 50",
        )
        .bind(access.city_id())
        .bind(access.person_id())
        .fetch_all(db.reader())
        .await?,
        |_| true,
    )
    .await
}

/// Accepted swaps waiting for the caller's approval.
pub async fn pending(db: &Db, access: &Access) -> Result<Vec<Swap>> {
    let rows = sqlx::query(
        "SELECT w.id, s.unit_path FROM duty_swap w JOIN duty_shift s \
         ON s.city_id = w.city_id AND s.id = w.shift_id \
         WHERE w.city_id = $1 AND w.state = 'accepted' ORDER BY w.id LIMIT 500",
    )
    .bind(access.city_id())
    .fetch_all(db.reader())
    .await?;
    ids_to_swaps(db, access.city_id(), rows, |path| keeps(access, path)).await
}

async fn ids_to_swaps(
    db: &Db,
    city_id: i64,
    rows: Vec<sqlx::any::AnyRow>,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<Swap>> {
    let mut out = Vec::new();
    for r in &rows {
        if let Some((w, path)) = fetch(db, city_id, r.try_get(0)?).await?
            && keep(&path)
            && out.len() < 100
        {
            out.push(w);
        }
    }
    Ok(out)
}

/// Who I may propose to take my shift: the other personnel of the shift's community, by
/// name (at most 300); empty when I am not on the shift.
pub async fn colleagues(db: &Db, access: &Access, shift_id: i64) -> Result<Vec<(i64, String)>> {
    let s = shifts::load(db, access.city_id(), shift_id).await?;
    if !s.has_on(access.person_id()) {
        return Ok(Vec::new());
    }
    let unit = org::units::fetch_any(db, access.city_id(), s.unit_id)
        .await?
        .ok_or(Error::NotFound)?;
    let community = community_path(db, access.city_id(), &unit).await?;
    let mut out: Vec<(i64, String)> = org::pool::members(db, access.city_id(), &community, None)
        .await?
        .into_iter()
        .filter(|m| m.person_id != access.person_id())
        .take(300)
        .map(|m| (m.person_id, m.name))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}
