//! 盯守/复查 after a case is closed (the seeds' advice: "可由社区的居委会、物业公司或小区
//! 保安进行巡视和盯守，预防违法行为的反弹"): a dispatcher gives the watch to a property
//! company or the resident committee for N days; a rebound reported during the watch
//! opens a new case linked to the closed one, registered at once.

use kernel::audit::{self, Entry};
use kernel::error::optional_text;
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::inbox::{self, NewNotice};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::dispatches;
use crate::category;
use crate::model::{Source, State};
use crate::report::{Insert, Place, insert};
use crate::store::{self, CaseFile};

/// A follow-up watch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Watch {
    /// Id.
    pub id: i64,
    /// The closed case watched.
    pub case_id: i64,
    /// Who watches.
    pub watcher_person_id: i64,
    /// Their name.
    pub watcher_name: String,
    /// Days.
    pub days: i64,
    /// From (ms).
    pub starts_at: i64,
    /// Until (ms).
    pub ends_at: i64,
    /// `active`, `ended` (no rebound) or `rebound`.
    pub state: String,
    /// The watcher's note at the end, or on the rebound.
    pub note: String,
    /// The new case a rebound opened.
    pub rebound_case_id: Option<i64>,
}

const COLS: &str = "w.id, w.case_id, w.watcher_person_id, p.name, w.days, w.starts_at, w.ends_at, \
    w.state, w.note, w.rebound_case_id, w.unit_path";

fn from_row(r: &sqlx::any::AnyRow) -> Result<(Watch, String)> {
    Ok((
        Watch {
            id: r.try_get(0)?,
            case_id: r.try_get(1)?,
            watcher_person_id: r.try_get(2)?,
            watcher_name: r.try_get(3)?,
            days: r.try_get(4)?,
            starts_at: r.try_get(5)?,
            ends_at: r.try_get(6)?,
            state: r.try_get(7)?,
            note: r.try_get(8)?,
            rebound_case_id: r.try_get(9)?,
        },
        r.try_get(10)?,
    ))
}

const FROM: &str =
    "FROM case_watch w JOIN person p ON p.city_id = w.city_id AND p.id = w.watcher_person_id";

/// Whom and how long.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewWatch {
    /// The property company's or resident committee's person (see the case's handlers).
    pub watcher_person_id: Option<i64>,
    /// Days to watch (1–90).
    pub days: Option<i64>,
}

/// Give a closed case a follow-up watch.
pub async fn assign(db: &Db, access: &Access, case_id: i64, w: NewWatch) -> Result<Watch> {
    let days = match w.days {
        Some(d) if (1..=90).contains(&d) => d,
        _ => return Err(Error::field("days", "盯守天数应为 1 到 90 天")),
    };
    let Some(watcher) = w.watcher_person_id else {
        return Err(Error::field(
            "watcher_person_id",
            "请选择盯守的物业或居委会人员",
        ));
    };
    let (mut tx, c) = crate::flow::begin(db, access, case_id).await?;
    if !dispatches(access, &c.unit_path) {
        return Err(Error::Forbidden("只有社区干部或上级管理员可以安排盯守"));
    }
    if c.state != State::Closed {
        return Err(Error::conflict("case_state", "结案后才能安排盯守复查"));
    }
    let community = org::units::fetch_any(db, c.city_id, c.community_id)
        .await?
        .ok_or(Error::NotFound)?;
    let ok = org::accounts::holders(
        db,
        c.city_id,
        &[Role::PropertyUnit, Role::CommunityCadre, Role::GridLeader],
        Some(&community.path),
        &[],
    )
    .await?
    .iter()
    .any(|h| h.person_id == watcher);
    if !ok {
        return Err(Error::field(
            "watcher_person_id",
            "盯守人须是本社区的物业、居委会或网格人员",
        ));
    }
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_watch WHERE city_id = $1 AND case_id = $2 AND state = 'active'",
    )
    .bind(c.city_id)
    .bind(case_id)
    .fetch_one(&mut *tx)
    .await?;
    if active > 0 {
        return Err(Error::conflict("watch_active", "这个案件已在盯守中"));
    }
    let now = now_ms();
    let ends = now + days * 86_400_000;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO case_watch (city_id, case_id, unit_path, watcher_person_id, days, starts_at, \
             ends_at, state, assigned_by_person_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $6, $6) RETURNING id",
        )
        .bind(c.city_id)
        .bind(case_id)
        .bind(&c.unit_path)
        .bind(watcher)
        .bind(days)
        .bind(now)
        .bind(ends)
        .bind(access.person_id()),
    )
    .await?;
    store::add_event(
        &mut tx,
        c.city_id,
        case_id,
        store::NewEvent {
            action: "watch",
            from: c.state,
            to: c.state,
            actor_person_id: Some(access.person_id()),
            actor_name: access.name(),
            reason: None,
            data: json!({"watch": id, "watcher": watcher, "days": days}),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "case_watch",
            object_id: id,
            scope_path: &c.unit_path,
            before: None,
            after: Some(json!({"case": case_id, "watcher": watcher, "days": days})),
        },
    )
    .await?;
    inbox::notify(
        &mut tx,
        c.city_id,
        NewNotice {
            person_id: watcher,
            kind: "case.watch",
            title: format!("请盯守复查案卷 {case_id}，共 {days} 天"),
            body: "发现问题反弹时，在盯守任务里报告反弹".into(),
            link: "/cases/watches".into(),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// A watch the caller may see (its watcher, or the staff over the case).
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Watch> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} {FROM} WHERE w.city_id = $1 AND w.id = $2"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let (w, path) = rows
        .first()
        .map(from_row)
        .transpose()?
        .ok_or(Error::NotFound)?;
    if w.watcher_person_id == access.person_id() || crate::access::verifies(access, &path) {
        Ok(w)
    } else {
        Err(Error::NotFound)
    }
}

/// The watches of a case.
pub async fn of_case(db: &Db, city_id: i64, case_id: i64) -> Result<Vec<Watch>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} {FROM} WHERE w.city_id = $1 AND w.case_id = $2 ORDER BY w.id"
    )))
    .bind(city_id)
    .bind(case_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(|r| from_row(r).map(|x| x.0)).collect()
}

/// The caller's own watches, active first.
pub async fn mine(db: &Db, access: &Access) -> Result<Vec<Watch>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} {FROM} WHERE w.city_id = $1 AND w.watcher_person_id = $2 \
         ORDER BY CASE WHEN w.state = 'active' THEN 0 ELSE 1 END, w.ends_at DESC LIMIT 100"
    )))
    .bind(access.city_id())
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(|r| from_row(r).map(|x| x.0)).collect()
}

/// What the watcher reports.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct WatchReport {
    /// `rebound` (the problem is back: a linked case is opened) or `clear` (watch ended
    /// with nothing found).
    #[serde(default)]
    pub outcome: String,
    /// What was seen (up to 200 characters; required for a rebound).
    pub note: Option<String>,
}

/// The watcher reports a rebound (a new case, linked, registered at once) or ends the
/// watch with nothing found.
pub async fn report(
    db: &Db,
    access: &Access,
    id: i64,
    r: WatchReport,
) -> Result<(Watch, Option<CaseFile>)> {
    let w = get(db, access, id).await?;
    if w.watcher_person_id != access.person_id() {
        return Err(Error::Forbidden("只有盯守人可以报告盯守结果"));
    }
    if w.state != "active" {
        return Err(Error::conflict("watch_over", "这项盯守已经结束"));
    }
    let rebound = match r.outcome.trim() {
        "rebound" => true,
        "clear" => false,
        _ => return Err(Error::field("outcome", "请选择“问题反弹”或“未见反弹”")),
    };
    let mut p = kernel::error::Problems::default();
    let note = optional_text(&mut p, "note", "情况说明", r.note.as_deref(), 200);
    if rebound && note.is_none() {
        p.add("note", "请写明反弹的情况，例如：摊贩又回来了");
    }
    p.finish()?;
    let now = now_ms();
    if now > w.ends_at {
        return Err(Error::conflict("watch_over", "盯守期已过，请另行上报问题"));
    }
    let note = note.unwrap_or_default();
    let mut new_case = None;
    if rebound {
        let mut conn = db.reader().acquire().await?;
        let old = store::load(&mut conn, access.city_id(), w.case_id, "")
            .await?
            .ok_or(Error::NotFound)?;
        drop(conn);
        let cat = category::get(db, old.city_id, old.category_id).await?;
        let grid = match old.grid_id {
            Some(g) => org::units::fetch_any(db, old.city_id, g).await?,
            None => None,
        };
        let community = org::units::fetch_any(db, old.city_id, old.community_id)
            .await?
            .ok_or(Error::NotFound)?;
        let place = Place {
            point: old
                .lon_e7
                .zip(old.lat_e7)
                .map(|(lon_e7, lat_e7)| kernel::geo::Point { lon_e7, lat_e7 }),
            crs: old.crs.as_deref().and_then(kernel::fence::Crs::parse),
            grid,
            community,
        };
        let description = format!("盯守复查发现反弹（原案卷 {}）：{note}", old.id);
        let c = insert(
            db,
            access,
            Insert {
                source: Source::Watch,
                channel: "web",
                category: &cat,
                urgency: old.urgency,
                description: &description,
                address: &old.address,
                place: &place,
                reporter: Some(access.person_id()),
                reporter_name: access.name(),
                reporter_contact: None,
                patrol_id: None,
                registry_id: old.registry_id,
                state: State::Registered,
                rebound_of: Some(old.id),
                token: None,
                inspection_level: None,
            },
        )
        .await?;
        new_case = Some(c);
    }
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE case_watch SET state = $1, note = $2, rebound_case_id = $3, updated_at = $4 \
         WHERE city_id = $5 AND id = $6 AND state = 'active'",
    )
    .bind(if rebound { "rebound" } else { "ended" })
    .bind(&note)
    .bind(new_case.as_ref().map(|c| c.id))
    .bind(now)
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::conflict("watch_over", "这项盯守已经结束"));
    }
    store::add_event(
        &mut tx,
        access.city_id(),
        w.case_id,
        store::NewEvent {
            action: if rebound {
                "rebound_found"
            } else {
                "watch_clear"
            },
            from: State::Closed,
            to: State::Closed,
            actor_person_id: Some(access.person_id()),
            actor_name: access.name(),
            reason: Some(&note),
            data: json!({"watch": id, "new_case": new_case.as_ref().map(|c| c.id)}),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: if rebound { "rebound" } else { "end" },
            object_kind: "case_watch",
            object_id: id,
            scope_path: "/",
            before: Some(json!({"state": "active"})),
            after: Some(json!({"state": if rebound { "rebound" } else { "ended" },
                               "new_case": new_case.as_ref().map(|c| c.id)})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((get(db, access, id).await?, new_case))
}

/// End the watches whose days are over (nothing was reported: no rebound).
pub async fn end_expired(db: &Db, now: i64) -> Result<u64> {
    let rows = sqlx::query(
        "SELECT city_id, id, case_id, unit_path FROM case_watch WHERE state = 'active' \
         AND ends_at < $1 ORDER BY id LIMIT 1000",
    )
    .bind(now)
    .fetch_all(db.reader())
    .await?;
    let mut n = 0;
    for r in rows {
        let (city, id, case_id, path): (i64, i64, i64, String) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        let actor = kernel::audit::Actor::system(city, "盯守期满");
        let mut tx = db.begin().await?;
        let changed = sqlx::query(
            "UPDATE case_watch SET state = 'ended', note = '盯守期满，未报告反弹', updated_at = $1 \
             WHERE city_id = $2 AND id = $3 AND state = 'active'",
        )
        .bind(now)
        .bind(city)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 1 {
            store::add_event(
                &mut tx,
                city,
                case_id,
                store::NewEvent {
                    action: "watch_clear",
                    from: State::Closed,
                    to: State::Closed,
                    actor_person_id: None,
                    actor_name: &actor.name,
                    reason: Some("盯守期满，未报告反弹"),
                    data: json!({"watch": id}),
                },
            )
            .await?;
            audit::record(
                &mut tx,
                &actor,
                Entry {
                    action: "end",
                    object_kind: "case_watch",
                    object_id: id,
                    scope_path: &path,
                    before: Some(json!({"state": "active"})),
                    after: Some(json!({"state": "ended"})),
                },
            )
            .await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}
