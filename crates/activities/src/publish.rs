//! Publishing an activity (发布活动) at a community or one of its grids, and cancelling it,
//! which tells everyone who signed up or waits.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::fence::Crs;
use kernel::geo::Boundary;
use kernel::time::{now_ms, parse_datetime};
use kernel::{Db, Error, Result};
use org::Access;
use org::inbox::{NewNotice, notify};
use org::units::UnitKind;
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::model::{self, DutyKind, MAX_CAPACITY, RADIUS_M};
use crate::service::{self, Activity, manages};

/// A new activity. Times are Beijing time `YYYY-MM-DDTHH:MM` (what a `datetime-local`
/// field sends; seconds and a space instead of `T` are accepted) or RFC 3339 with an
/// offset (`2026-11-25T14:30:00+08:00`). The place's fence is either a centre (`lon`,
/// `lat`, in `crs`) with `radius_m`, or `fence_unit_id`, a grid with a drawn boundary.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewActivity {
    /// The community or grid it belongs to (one the caller organises).
    pub unit_id: i64,
    /// One of the six duties: `duty.policy`, `duty.service`, `duty.deliberation`,
    /// `duty.volunteer`, `duty.stability`, `duty.emergency`.
    pub duty_kind: String,
    /// Title (at most 60 characters).
    pub title: String,
    /// What it is about (at most 2000 characters).
    #[serde(default)]
    pub description: String,
    /// Start: `2026-11-25T14:30` (Beijing time) or RFC 3339; at most 7 days ago.
    #[schema(example = "2026-11-25T14:30")]
    pub starts_at: String,
    /// End: after the start, at most 24 hours later.
    #[schema(example = "2026-11-25T16:30")]
    pub ends_at: String,
    /// Where, in words (at most 100 characters).
    pub place: String,
    /// Centre longitude (degrees).
    pub lon: Option<f64>,
    /// Centre latitude (degrees).
    pub lat: Option<f64>,
    /// Coordinate system of `lon`/`lat`: `wgs84` (default) or `gcj02`.
    pub crs: Option<String>,
    /// Radius of the circle fence, 10–5000 m.
    pub radius_m: Option<i64>,
    /// Or: a grid (in the same community) whose boundary is the fence.
    pub fence_unit_id: Option<i64>,
    /// Seats, 1–10000; more sign-ups go on the waitlist.
    pub capacity: i64,
    /// Skills wanted (catalogue ids).
    #[serde(default)]
    pub wanted_skill_ids: Vec<i64>,
    /// Employers it is aimed at (at most 20).
    #[serde(default)]
    pub target_employer_ids: Vec<i64>,
    /// Only party members see it and may sign up.
    #[serde(default)]
    pub party_members_only: bool,
}

/// Why an activity is cancelled.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Cancellation {
    /// Told to everyone who signed up (at most 200 characters).
    #[serde(default)]
    pub reason: Option<String>,
}

struct Place {
    lon_e7: Option<i64>,
    lat_e7: Option<i64>,
    radius_m: Option<i64>,
    fence_unit_id: Option<i64>,
    fence_boundary: Option<String>,
}

/// Check the fence: a grid of the activity's community with a boundary, or a centre and
/// a radius.
async fn place(
    db: &Db,
    access: &Access,
    p: &mut Problems,
    community_path: &str,
    input: &NewActivity,
) -> Result<Place> {
    let mut out = Place {
        lon_e7: None,
        lat_e7: None,
        radius_m: None,
        fence_unit_id: None,
        fence_boundary: None,
    };
    if let Some(gid) = input.fence_unit_id {
        if input.radius_m.is_some() {
            p.add(
                "fence_unit_id",
                "签到范围请二选一：按网格边界，或按中心点和半径",
            );
            return Ok(out);
        }
        let grid = match org::units::get(db, access, gid).await {
            Ok(g) if g.kind == UnitKind::Grid && g.path.starts_with(community_path) => g,
            Ok(_) | Err(Error::NotFound) => {
                p.add("fence_unit_id", "请选择活动所在社区的一个网格");
                return Ok(out);
            }
            Err(e) => return Err(e),
        };
        match grid.boundary.as_deref().map(Boundary::parse) {
            Some(Ok(b)) => {
                let c = b.centroid();
                out.lon_e7 = c.map(|c| c.lon_e7);
                out.lat_e7 = c.map(|c| c.lat_e7);
                out.fence_unit_id = Some(grid.id);
                out.fence_boundary = Some(b.to_text());
            }
            _ => p.add(
                "fence_unit_id",
                "这个网格还没有绘制边界：请先在网格管理中设置边界，或改用中心点和半径",
            ),
        }
        return Ok(out);
    }
    let crs = match Crs::parse(input.crs.as_deref().unwrap_or("")) {
        Some(c) => c,
        None => {
            p.add("crs", "坐标系只能是 wgs84 或 gcj02");
            Crs::Wgs84
        }
    };
    match input.lon {
        None => p.add("lon", "请填写活动地点的经度，或选择一个网格作为签到范围"),
        Some(v) if !(-180.0..=180.0).contains(&v) => p.add("lon", "经度应在 -180 到 180 之间"),
        _ => {}
    }
    match input.lat {
        None => p.add("lat", "请填写活动地点的纬度"),
        Some(v) if !(-90.0..=90.0).contains(&v) => p.add("lat", "纬度应在 -90 到 90 之间"),
        _ => {}
    }
    match input.radius_m {
        None => p.add("radius_m", "请填写签到半径（10 到 5000 米）"),
        Some(r) if !(RADIUS_M.0..=RADIUS_M.1).contains(&r) => {
            p.add("radius_m", "签到半径应在 10 到 5000 米之间")
        }
        r => out.radius_m = r,
    }
    if let (Some(lon), Some(lat)) = (input.lon, input.lat)
        && let Some(pt) = crs.to_wgs84(lon, lat)
    {
        out.lon_e7 = Some(pt.lon_e7);
        out.lat_e7 = Some(pt.lat_e7);
    }
    Ok(out)
}

/// Publish an activity at a community or grid the caller organises (a community cadre
/// there, or an admin above it). Every problem with the input is reported at once.
pub async fn publish(db: &Db, access: &Access, input: NewActivity) -> Result<Activity> {
    let unit = match org::units::get(db, access, input.unit_id).await {
        Ok(u) if manages(access, &u.path) => u,
        Ok(_) | Err(Error::NotFound) => {
            return Err(Error::Forbidden(
                "只能在您管辖的社区或网格发布活动：请选择您负责的社区",
            ));
        }
        Err(e) => return Err(e),
    };
    let mut p = Problems::default();
    let community_path = if unit.kind == UnitKind::Grid {
        model::parent_path(&unit.path)
    } else if unit.kind.is_community_level() {
        unit.path.clone()
    } else {
        p.add("unit_id", "活动须发布在社区（村）或它的网格");
        unit.path.clone()
    };
    let duty = DutyKind::parse(&input.duty_kind);
    if duty.is_none() {
        p.add(
            "duty_kind",
            format!("请选择六项职责之一：{}", DutyKind::choices()),
        );
    }
    let title = required_text(&mut p, "title", "活动名称", &input.title, 60);
    let description = optional_text(
        &mut p,
        "description",
        "活动说明",
        Some(&input.description),
        2000,
    )
    .unwrap_or_default();
    let place_text = required_text(&mut p, "place", "活动地点", &input.place, 100);
    let now = now_ms();
    let starts = parse_datetime(&input.starts_at);
    let ends = parse_datetime(&input.ends_at);
    const TIME_HINT: &str = "请按 2026-11-25T14:30（北京时间）填写";
    if starts.is_none() {
        p.add("starts_at", format!("开始时间有误：{TIME_HINT}"));
    }
    if ends.is_none() {
        p.add("ends_at", format!("结束时间有误：{TIME_HINT}"));
    }
    if let (Some(s), Some(e)) = (starts, ends)
        && let Err((field, msg)) = model::check_window(s, e, now)
    {
        p.add(field, msg);
    }
    if !(1..=MAX_CAPACITY).contains(&input.capacity) {
        p.add("capacity", "名额应在 1 到 10000 之间");
    }
    let mut skills = input.wanted_skill_ids.clone();
    skills.sort_unstable();
    skills.dedup();
    let catalogue = org::skills::list(db, access).await?;
    if skills
        .iter()
        .any(|id| !catalogue.iter().any(|s| s.id == *id))
    {
        p.add("wanted_skill_ids", "所需专长不在专长目录中：请从目录里选择");
    }
    let mut employers = input.target_employer_ids.clone();
    employers.sort_unstable();
    employers.dedup();
    if employers.len() > 20 {
        p.add("target_employer_ids", "定向邀请的派出单位最多 20 个");
    } else {
        for id in &employers {
            if let Err(e) = org::employers::get(db, access, *id).await {
                match e {
                    Error::NotFound | Error::Forbidden(_) => {
                        p.add("target_employer_ids", "有派出单位不存在或不在您的范围内");
                        break;
                    }
                    other => return Err(other),
                }
            }
        }
    }
    let fence = place(db, access, &mut p, &community_path, &input).await?;
    p.finish()?;
    let (Some(duty), Some(starts), Some(ends)) = (duty, starts, ends) else {
        return Err(Error::Internal("checked above".into()));
    };
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO activity (city_id, unit_id, unit_path, duty_kind, title, description, \
             starts_at, ends_at, place, lon_e7, lat_e7, radius_m, fence_unit_id, fence_boundary, \
             capacity, wanted_skill_ids, target_employer_ids, party_members_only, state, \
             created_by_person_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'published', $19, $20, $20) RETURNING id",
        )
        .bind(access.city_id())
        .bind(unit.id)
        .bind(&unit.path)
        .bind(duty.as_str())
        .bind(&title)
        .bind(&description)
        .bind(starts)
        .bind(ends)
        .bind(&place_text)
        .bind(fence.lon_e7)
        .bind(fence.lat_e7)
        .bind(fence.radius_m)
        .bind(fence.fence_unit_id)
        .bind(fence.fence_boundary.as_deref())
        .bind(input.capacity)
        .bind(serde_json::to_string(&skills).unwrap_or_else(|_| "[]".into()))
        .bind(serde_json::to_string(&employers).unwrap_or_else(|_| "[]".into()))
        .bind(i64::from(input.party_members_only))
        .bind((access.person_id() > 0).then_some(access.person_id()))
        .bind(now),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "publish",
            object_kind: "activity",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(
                json!({"title": title, "duty_kind": duty.as_str(), "starts_at": starts,
                "ends_at": ends, "place": place_text, "capacity": input.capacity,
                "radius_m": fence.radius_m, "fence_unit_id": fence.fence_unit_id,
                "wanted_skill_ids": skills, "target_employer_ids": employers,
                "party_members_only": input.party_members_only}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    service::get(db, access, id).await
}

/// Cancel an activity that has not ended (its organiser). Everyone signed up or waiting is
/// told, with the reason.
pub async fn cancel(db: &Db, access: &Access, id: i64, c: Cancellation) -> Result<Activity> {
    let row = service::managed(db, access, id).await?;
    let mut p = Problems::default();
    let reason = optional_text(&mut p, "reason", "取消原因", c.reason.as_deref(), 200);
    p.finish()?;
    if row.ends_at <= now_ms() {
        return Err(Error::conflict(
            "activity_ended",
            "活动已经结束，不能取消；如有出勤记录请在审核中处理",
        ));
    }
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE activity SET state = 'cancelled', cancel_reason = $1, updated_at = $2 \
         WHERE city_id = $3 AND id = $4 AND state = 'published'",
    )
    .bind(reason.as_deref())
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::conflict("activity_cancelled", "这个活动已经取消了"));
    }
    let people = sqlx::query(
        "SELECT person_id FROM activity_signup WHERE city_id = $1 AND activity_id = $2 \
         AND state IN ('signed', 'waitlisted') ORDER BY id",
    )
    .bind(access.city_id())
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for r in &people {
        notify(
            &mut tx,
            access.city_id(),
            NewNotice {
                person_id: r.try_get(0)?,
                kind: "activity.cancelled",
                title: format!("活动「{}」已取消", row.title),
                body: match &reason {
                    Some(why) => format!("原定 {}。取消原因：{why}", row.when()),
                    None => format!("原定 {}。", row.when()),
                },
                link: format!("/activities/{id}"),
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "cancel",
            object_kind: "activity",
            object_id: id,
            scope_path: &row.unit_path,
            before: Some(json!({"state": row.state})),
            after: Some(json!({"state": "cancelled", "reason": reason, "notified": people.len()})),
        },
    )
    .await?;
    tx.commit().await?;
    service::get(db, access, id).await
}
