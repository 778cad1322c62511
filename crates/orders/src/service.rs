//! The steps of an order, each in one transaction with its event, its audit entry and the
//! notices it causes: place (点单), dispatch (派单), accept (接单) or decline (拒单), finish,
//! confirm with a rating (which credits the ledger once), the person's rating back,
//! cancel.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::geo::Point;
use kernel::time::{now_ms, parse_datetime};
use kernel::{Db, Error, Result};
use org::inbox::{self, NewNotice};
use org::{Access, Role};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::model::{self, State, Step};
use crate::recommend;
use crate::store::{self, NewEvent, Order};

/// 点单: what a resident (or a cadre for them) asks for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewOrder {
    /// For a cadre ordering on a resident's behalf: the resident. Residents leave it out.
    pub resident_person_id: Option<i64>,
    /// The community; defaults to the resident's home community.
    pub community_id: Option<i64>,
    /// Category code (see `GET /orders/categories`).
    pub category: String,
    /// The wanted skill; defaults to the category's usual one when the city has it.
    pub skill_id: Option<i64>,
    /// What is needed (up to 500 characters).
    pub description: String,
    /// Where (address, up to 100 characters).
    pub place: String,
    /// Longitude of the place (WGS-84), optional.
    pub lon: Option<f64>,
    /// Latitude of the place, optional.
    pub lat: Option<f64>,
    /// Wanted from: `YYYY-MM-DDTHH:MM` Beijing time, or RFC 3339.
    pub wanted_from: String,
    /// Wanted until, same format; after `wanted_from`, within 7 days of it.
    pub wanted_to: String,
}

/// Whether the account may see the order.
pub fn reads(access: &Access, o: &Order) -> bool {
    let me = access.person_id();
    me != 0
        && (me == o.resident_person_id
            || me == o.placed_by_person_id
            || Some(me) == o.assignee_person_id)
        || manages(access, o)
        || access.holds_over(Role::Inspector, &o.unit_path)
}

/// Whether the account dispatches in the order's community (its cadres and the admins above).
pub fn manages(access: &Access, o: &Order) -> bool {
    access.holds_over(Role::CommunityCadre, &o.unit_path)
}

fn is_resident_of(access: &Access, o: &Order) -> bool {
    let me = access.person_id();
    me != 0 && (me == o.resident_person_id || me == o.placed_by_person_id)
}

fn is_assignee(access: &Access, o: &Order) -> bool {
    access.person_id() != 0 && o.assignee_person_id == Some(access.person_id())
}

/// Place an order.
pub async fn place(db: &Db, access: &Access, input: NewOrder) -> Result<Order> {
    let mut p = Problems::default();
    let category = model::category(input.category.trim());
    if category.is_none() {
        p.add("category", "请选择服务类别");
    }
    let description = required_text(&mut p, "description", "需求描述", &input.description, 500);
    let place = required_text(&mut p, "place", "服务地点", &input.place, 100);
    let point = match (input.lon, input.lat) {
        (None, None) => None,
        (Some(lon), Some(lat)) => {
            let pt = Point::from_degrees(lon, lat);
            if pt.is_none() {
                p.add("lon", "经度应在 -180 到 180 之间，纬度应在 -90 到 90 之间");
            }
            pt
        }
        _ => {
            p.add("lon", "经度和纬度要一起填写，或都不填");
            None
        }
    };
    let from = parse_datetime(&input.wanted_from);
    let to = parse_datetime(&input.wanted_to);
    let now = now_ms();
    match (from, to) {
        (None, _) => p.add("wanted_from", "请填写期望开始时间，如 2026-11-28T09:00"),
        (_, None) => p.add("wanted_to", "请填写期望结束时间，如 2026-11-28T11:00"),
        (Some(f), Some(t)) if t <= f => p.add("wanted_to", "结束时间要晚于开始时间"),
        (Some(f), Some(t)) if t - f > 7 * 86_400_000 => {
            p.add("wanted_to", "期望时间段最长 7 天，请分开下单")
        }
        (Some(_), Some(t)) if t <= now => p.add("wanted_to", "期望时间已经过去，请重新选择"),
        (Some(f), _) if f > now + 90 * 86_400_000 => {
            p.add("wanted_from", "只能预约 90 天以内的服务")
        }
        _ => {}
    }
    p.finish()?;
    let category = category.ok_or(Error::NotFound)?;
    let (from, to) = (from.unwrap_or(now), to.unwrap_or(now));

    // Who is served, and where.
    let on_behalf = input
        .resident_person_id
        .filter(|&r| r != access.person_id());
    let resident = match on_behalf {
        Some(id) => {
            let scope = org::people::scope_of(db, access.city_id(), id).await?;
            if !access.holds_over(Role::CommunityCadre, &scope.scope_path)
                && !access.holds_over(Role::GridLeader, &scope.scope_path)
            {
                return Err(Error::Forbidden("只能为本社区的居民代为下单"));
            }
            org::people::get(db, access, id).await?
        }
        None => {
            if access.person_id() == 0 {
                return Err(Error::Forbidden("请用居民本人的账号下单"));
            }
            org::people::get(db, access, access.person_id()).await?
        }
    };
    let community_id = input
        .community_id
        .or(resident.home_community_id)
        .ok_or_else(|| Error::field("community_id", "请选择服务所在社区"))?;
    let unit = org::units::get(db, access, community_id)
        .await
        .map_err(|_| Error::field("community_id", "没有这个社区，或不在您的范围内"))?;
    if !unit.kind.is_community_level() {
        return Err(Error::field("community_id", "请选择社区（村）一级"));
    }
    if on_behalf.is_none()
        && !access.is_staff()
        && resident.home_community_id != Some(unit.id)
        && !access
            .grants()
            .iter()
            .any(|g| g.role == Role::Resident && g.unit_id == unit.id)
    {
        return Err(Error::field("community_id", "只能向自己居住的社区下单"));
    }
    if on_behalf.is_some() && !access.holds_over(Role::CommunityCadre, &unit.path) {
        return Err(Error::Forbidden("只能在您负责的社区代为下单"));
    }
    let skill_id = match input.skill_id {
        Some(id) => {
            let all = org::skills::list(db, access).await?;
            if !all.iter().any(|s| s.id == id) {
                return Err(Error::field("skill_id", "没有这项专长"));
            }
            Some(id)
        }
        None => match category.skill {
            Some(name) => org::skills::list(db, access)
                .await?
                .into_iter()
                .find(|s| s.name == name)
                .map(|s| s.id),
            None => None,
        },
    };

    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO service_order (city_id, community_id, unit_path, resident_person_id, \
             placed_by_person_id, category, skill_id, description, place, lon_e7, lat_e7, \
             wanted_from, wanted_to, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'placed', $14, $14) RETURNING id",
        )
        .bind(access.city_id())
        .bind(unit.id)
        .bind(&unit.path)
        .bind(resident.id)
        .bind(access.person_id())
        .bind(category.code)
        .bind(skill_id)
        .bind(&description)
        .bind(&place)
        .bind(point.map(|p| p.lon_e7))
        .bind(point.map(|p| p.lat_e7))
        .bind(from)
        .bind(to)
        .bind(now),
    )
    .await?;
    store::add_event(
        &mut tx,
        access.city_id(),
        id,
        NewEvent {
            action: "place",
            from: State::Placed,
            to: State::Placed,
            actor_person_id: Some(access.person_id()),
            actor_name: access.name(),
            person_id: Some(resident.id),
            reason: None,
            overrides: "",
        },
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "place_order",
            object_kind: "service_order",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(json!({"category": category.code, "resident": resident.id,
                               "community": unit.id, "wanted_from": from, "wanted_to": to})),
        },
    )
    .await?;
    let order = store::load(&mut tx, access.city_id(), id, "")
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(order)
}

/// Load for a step: 404 when the caller may not see it, 403 when they see it but may not
/// take this step, 409 when the state does not allow it. The row is locked on PostgreSQL.
async fn begin_step(
    db: &Db,
    access: &Access,
    id: i64,
    step: Step,
    allowed: impl Fn(&Access, &Order) -> bool,
    refusal: &'static str,
) -> Result<(kernel::Tx, Order, State)> {
    let mut tx = db.begin().await?;
    let order = store::load(&mut tx, access.city_id(), id, db.for_update())
        .await?
        .filter(|o| reads(access, o))
        .ok_or(Error::NotFound)?;
    if !allowed(access, &order) {
        return Err(Error::Forbidden(refusal));
    }
    let to = model::next(order.state, step).map_err(|m| Error::conflict("order_state", m))?;
    Ok((tx, order, to))
}

async fn finish_step(
    mut tx: kernel::Tx,
    access: &Access,
    before: &Order,
    action: &str,
    to: State,
    extra: NewEventExtra<'_>,
) -> Result<Order> {
    store::add_event(
        &mut tx,
        access.city_id(),
        before.id,
        NewEvent {
            action,
            from: before.state,
            to,
            actor_person_id: Some(access.person_id()),
            actor_name: access.name(),
            person_id: extra.person_id,
            reason: extra.reason,
            overrides: extra.overrides,
        },
    )
    .await?;
    let after = store::load(&mut tx, access.city_id(), before.id, "")
        .await?
        .ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: &format!("order_{action}"),
            object_kind: "service_order",
            object_id: before.id,
            scope_path: &before.unit_path,
            before: Some(
                json!({"state": before.state.as_str(), "assignee": before.assignee_person_id}),
            ),
            after: Some(
                json!({"state": after.state.as_str(), "assignee": after.assignee_person_id,
                               "reason": extra.reason, "overrides": extra.overrides}),
            ),
        },
    )
    .await?;
    for n in extra.notices {
        inbox::notify(&mut tx, access.city_id(), n).await?;
    }
    tx.commit().await?;
    Ok(after)
}

#[derive(Default)]
struct NewEventExtra<'a> {
    person_id: Option<i64>,
    reason: Option<&'a str>,
    overrides: &'a str,
    notices: Vec<NewNotice<'a>>,
}

fn category_label(code: &str) -> &'static str {
    model::category(code).map(|c| c.label).unwrap_or("服务")
}

/// 派单: who to send it to, and — when the choice goes against the person's skills, stated
/// availability or the monthly cap — why (the anti-加码 record).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Dispatch {
    /// The person.
    pub person_id: i64,
    /// Required when the recommendation flags the choice.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Dispatch (or re-dispatch before acceptance) to a person.
pub async fn dispatch(db: &Db, access: &Access, id: i64, d: Dispatch) -> Result<Order> {
    let (mut tx, order, to) = begin_step(
        db,
        access,
        id,
        Step::Dispatch,
        manages,
        "只有本社区的干部可以派单",
    )
    .await?;
    let rec = crate::pool::assess_one(db, access.city_id(), &order, d.person_id)
        .await?
        .ok_or_else(|| {
            Error::field(
                "person_id",
                "这名人员不在本街道的下沉人员中（或已离开），请从推荐名单中选择",
            )
        })?;
    let reason = d.reason.as_deref().map(str::trim).unwrap_or("");
    if !rec.needs_reason.is_empty() && reason.chars().count() < 4 {
        let what: Vec<&str> = rec
            .needs_reason
            .iter()
            .map(|n| match n.as_str() {
                "skill" => "不具备所需专长",
                "availability" => "期望时间不在其空闲时段内",
                _ => "本月承接任务已达上限",
            })
            .collect();
        return Err(Error::field(
            "reason",
            format!(
                "{}：{}。如仍要派给此人，请写明理由（至少 4 个字），理由会记入报表",
                rec.name,
                what.join("、")
            ),
        ));
    }
    if reason.chars().count() > 200 {
        return Err(Error::field("reason", "理由最多 200 个字"));
    }
    let now = now_ms();
    let hours = ledger::rules::setting(
        db,
        access.city_id(),
        "order_accept_hours",
        &kernel::time::today().to_string(),
    )
    .await?
    .max(1);
    sqlx::query(
        "UPDATE service_order SET state = $1, assignee_person_id = $2, dispatcher_person_id = $3, \
         dispatched_at = $4, accept_by = $5, updated_at = $4 WHERE city_id = $6 AND id = $7",
    )
    .bind(to.as_str())
    .bind(d.person_id)
    .bind(access.person_id())
    .bind(now)
    .bind(now + hours * 3_600_000)
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let overrides = rec.needs_reason.join(",");
    let mut notices = vec![NewNotice {
        person_id: d.person_id,
        kind: "order.dispatched",
        title: format!(
            "新派单：{}，请在 {} 小时内接单",
            category_label(&order.category),
            hours
        ),
        body: order.description.chars().take(60).collect(),
        link: format!("/orders/{id}"),
    }];
    if let Some(prev) = order.assignee_person_id.filter(|&p| p != d.person_id) {
        notices.push(NewNotice {
            person_id: prev,
            kind: "order.reassigned",
            title: format!(
                "{}订单已改派他人，无需再接单",
                category_label(&order.category)
            ),
            body: String::new(),
            link: format!("/orders/{id}"),
        });
    }
    finish_step(
        tx,
        access,
        &order,
        "dispatch",
        to,
        NewEventExtra {
            person_id: Some(d.person_id),
            reason: (!reason.is_empty()).then_some(reason),
            overrides: &overrides,
            notices,
        },
    )
    .await
}

/// 接单.
pub async fn accept(db: &Db, access: &Access, id: i64) -> Result<Order> {
    let (mut tx, order, to) = begin_step(
        db,
        access,
        id,
        Step::Accept,
        is_assignee,
        "这张订单没有派给您",
    )
    .await?;
    let now = now_ms();
    sqlx::query(
        "UPDATE service_order SET state = $1, accepted_at = $2, updated_at = $2 WHERE city_id = $3 AND id = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let mut notices = Vec::new();
    if let Some(d) = order.dispatcher_person_id {
        notices.push(NewNotice {
            person_id: d,
            kind: "order.accepted",
            title: format!(
                "{} 已接单：{}",
                access.name(),
                category_label(&order.category)
            ),
            body: String::new(),
            link: format!("/orders/{id}"),
        });
    }
    notices.push(NewNotice {
        person_id: order.resident_person_id,
        kind: "order.accepted",
        title: format!("您的{}需求已有人接单", category_label(&order.category)),
        body: format!("服务人员：{}", access.name()),
        link: format!("/orders/{id}"),
    });
    finish_step(
        tx,
        access,
        &order,
        "accept",
        to,
        NewEventExtra {
            person_id: Some(access.person_id()),
            notices,
            ..Default::default()
        },
    )
    .await
}

/// A written reason (decline, cancel).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Reason {
    /// Why (2–200 characters).
    #[serde(default)]
    pub reason: String,
}

fn reason_text(r: &Reason, what: &str) -> Result<String> {
    let t = r.reason.trim();
    let n = t.chars().count();
    if n < 2 {
        return Err(Error::field("reason", format!("请写明{what}的原因")));
    }
    if n > 200 {
        return Err(Error::field("reason", "原因最多 200 个字"));
    }
    Ok(t.to_owned())
}

/// 拒单: back to the pool with a reason; the dispatcher is told.
pub async fn decline(db: &Db, access: &Access, id: i64, r: Reason) -> Result<Order> {
    let reason = reason_text(&r, "拒单")?;
    let (mut tx, order, to) = begin_step(
        db,
        access,
        id,
        Step::Decline,
        is_assignee,
        "这张订单没有派给您",
    )
    .await?;
    sqlx::query(
        "UPDATE service_order SET state = $1, assignee_person_id = NULL, accept_by = NULL, \
         accepted_at = NULL, updated_at = $2 WHERE city_id = $3 AND id = $4",
    )
    .bind(to.as_str())
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let notices = order
        .dispatcher_person_id
        .map(|d| NewNotice {
            person_id: d,
            kind: "order.declined",
            title: format!("{} 拒单，订单已退回待派单", access.name()),
            body: format!("原因：{reason}"),
            link: format!("/orders/{id}/dispatch"),
        })
        .into_iter()
        .collect();
    finish_step(
        tx,
        access,
        &order,
        "decline",
        to,
        NewEventExtra {
            person_id: Some(access.person_id()),
            reason: Some(&reason),
            notices,
            ..Default::default()
        },
    )
    .await
}

/// 完成服务: how long it took and a note.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Finish {
    /// Minutes of service (1–1440).
    pub minutes: i64,
    /// A note for the resident (optional, up to 200 characters).
    #[serde(default)]
    pub note: String,
}

/// Mark done; the resident is asked to confirm.
pub async fn finish(db: &Db, access: &Access, id: i64, f: Finish) -> Result<Order> {
    if !(1..=1440).contains(&f.minutes) {
        return Err(Error::field("minutes", "服务时长应为 1 到 1440 分钟"));
    }
    let mut p = Problems::default();
    let note = optional_text(&mut p, "note", "服务说明", Some(&f.note), 200);
    p.finish()?;
    let (mut tx, order, to) = begin_step(
        db,
        access,
        id,
        Step::Finish,
        is_assignee,
        "这张订单没有派给您",
    )
    .await?;
    let now = now_ms();
    sqlx::query(
        "UPDATE service_order SET state = $1, done_at = $2, done_minutes = $3, done_note = $4, \
         updated_at = $2 WHERE city_id = $5 AND id = $6",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(f.minutes)
    .bind(&note)
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let notices = vec![NewNotice {
        person_id: order.resident_person_id,
        kind: "order.done",
        title: format!(
            "{}服务已完成，请确认并评价",
            category_label(&order.category)
        ),
        body: format!("服务人员：{}，用时 {} 分钟", access.name(), f.minutes),
        link: format!("/orders/{id}"),
    }];
    finish_step(
        tx,
        access,
        &order,
        "finish",
        to,
        NewEventExtra {
            person_id: Some(access.person_id()),
            notices,
            ..Default::default()
        },
    )
    .await
}

/// A rating (1–5) and a comment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Rating {
    /// 1 (poor) to 5 (very good).
    pub rating: i64,
    /// Comment (optional, up to 200 characters).
    #[serde(default)]
    pub comment: String,
}

fn check_rating(r: &Rating) -> Result<Option<String>> {
    let mut p = Problems::default();
    if !(1..=5).contains(&r.rating) {
        p.add("rating", "请选择 1 到 5 星");
    }
    let comment = optional_text(&mut p, "comment", "评价", Some(&r.comment), 200);
    p.finish()?;
    Ok(comment)
}

/// 确认完成: the resident (or the responsible cadre) confirms and rates; the service is then
/// credited to the person through the ledger, once.
pub async fn confirm(db: &Db, access: &Access, id: i64, r: Rating) -> Result<Order> {
    let comment = check_rating(&r)?;
    let (mut tx, order, to) = begin_step(
        db,
        access,
        id,
        Step::Confirm,
        |a, o| is_resident_of(a, o) || manages(a, o),
        "只有下单的居民或社区干部可以确认完成",
    )
    .await?;
    let now = now_ms();
    sqlx::query(
        "UPDATE service_order SET state = $1, confirmed_at = $2, rating = $3, comment = $4, \
         updated_at = $2 WHERE city_id = $5 AND id = $6",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(r.rating)
    .bind(&comment)
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let notices = order
        .assignee_person_id
        .map(|p| NewNotice {
            person_id: p,
            kind: "order.confirmed",
            title: format!("居民已确认完成并评价 {} 星", r.rating),
            body: comment.clone().unwrap_or_default(),
            link: format!("/orders/{id}"),
        })
        .into_iter()
        .collect();
    finish_step(
        tx,
        access,
        &order,
        "confirm",
        to,
        NewEventExtra {
            notices,
            ..Default::default()
        },
    )
    .await?;
    crate::sweep::credit(db, access.city_id(), id).await?;
    crate::view::get(db, access, id).await.map(|v| v.order)
}

/// 两方评价: the person rates the order back, once, after finishing it.
pub async fn rate_back(db: &Db, access: &Access, id: i64, r: Rating) -> Result<Order> {
    let comment = check_rating(&r)?;
    let mut tx = db.begin().await?;
    let order = store::load(&mut tx, access.city_id(), id, db.for_update())
        .await?
        .filter(|o| reads(access, o))
        .ok_or(Error::NotFound)?;
    if !is_assignee(access, &order) {
        return Err(Error::Forbidden("只有服务人员可以评价这张订单"));
    }
    if !matches!(order.state, State::Done | State::Confirmed) {
        return Err(Error::conflict("order_state", "完成服务后才能评价"));
    }
    if order.person_rating.is_some() {
        return Err(Error::conflict("already_rated", "您已经评价过这张订单"));
    }
    sqlx::query(
        "UPDATE service_order SET person_rating = $1, person_comment = $2, updated_at = $3 \
         WHERE city_id = $4 AND id = $5",
    )
    .bind(r.rating)
    .bind(&comment)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    finish_step(
        tx,
        access,
        &order,
        "rate_back",
        order.state,
        NewEventExtra {
            person_id: Some(access.person_id()),
            reason: comment.as_deref(),
            ..Default::default()
        },
    )
    .await
}

/// 撤销: by the resident who placed it or a cadre, before it is done.
pub async fn cancel(db: &Db, access: &Access, id: i64, r: Reason) -> Result<Order> {
    let (mut tx, order, to) = begin_step(
        db,
        access,
        id,
        Step::Cancel,
        |a, o| is_resident_of(a, o) || manages(a, o),
        "只有下单的居民或社区干部可以撤销",
    )
    .await?;
    let reason = if r.reason.trim().is_empty() && is_resident_of(access, &order) {
        "居民撤销".to_owned()
    } else {
        reason_text(&r, "撤销")?
    };
    sqlx::query(
        "UPDATE service_order SET state = $1, closed_reason = $2, updated_at = $3 WHERE city_id = $4 AND id = $5",
    )
    .bind(to.as_str())
    .bind(&reason)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let mut notices = Vec::new();
    if let Some(p) = order.assignee_person_id {
        notices.push(NewNotice {
            person_id: p,
            kind: "order.cancelled",
            title: format!("{}订单已撤销，无需上门", category_label(&order.category)),
            body: format!("原因：{reason}"),
            link: format!("/orders/{id}"),
        });
    }
    if !is_resident_of(access, &order) {
        notices.push(NewNotice {
            person_id: order.resident_person_id,
            kind: "order.cancelled",
            title: format!("您的{}订单已被社区撤销", category_label(&order.category)),
            body: format!("原因：{reason}"),
            link: format!("/orders/{id}"),
        });
    }
    finish_step(
        tx,
        access,
        &order,
        "cancel",
        to,
        NewEventExtra {
            reason: Some(&reason),
            notices,
            ..Default::default()
        },
    )
    .await
}

/// The recommendation for one candidate (for the dispatch check and the page).
pub fn wanted_of(order: &Order, skill: Option<(i64, String)>, cap: i64) -> recommend::Wanted {
    let (day, from_min) = kernel::time::weekday_and_minute(order.wanted_from);
    let (to_day, to_min) = kernel::time::weekday_and_minute(order.wanted_to);
    recommend::Wanted {
        skill,
        day,
        from_min,
        to_min: if to_day == day && to_min > from_min {
            to_min
        } else {
            24 * 60
        },
        place: order
            .lon_e7
            .zip(order.lat_e7)
            .map(|(lon_e7, lat_e7)| Point { lon_e7, lat_e7 }),
        place_exact: order.lon_e7.is_some(),
        cap,
    }
}
