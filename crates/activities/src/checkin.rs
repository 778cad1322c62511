//! Check-in and check-out (签到、签退) from a phone, and the organiser's roll call (点名).
//!
//! A check-in is the person's convenience, not a duty: the position is taken once, at the
//! moment they choose, never tracked; no photo is asked for. Inside the fence (allowing for
//! the accuracy the phone reported) and inside the window it is `accepted`; otherwise it is
//! recorded as `outside`, with the distance, and its attendance is flagged for review — it
//! is never refused for being late or far. A roll call by the organiser records attendance
//! just as well, without any check-in.

use kernel::audit::{self, Entry};
use kernel::fence::{Crs, Fence};
use kernel::geo::{Boundary, Point};
use kernel::time::now_ms;
use kernel::{Db, Error, Result, error::Problems};
use org::Access;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::model::{self, Direction, MAX_ACCURACY_M, MAX_WINDOW_MIN};
use crate::review::{self, Attendance};
use crate::service::{self, ActivityRow};
use crate::writer::{self, CheckinWriter, Write, Written};

/// A position the person chose to share, to check in or out.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CheckInInput {
    /// `in` (签到) or `out` (签退).
    pub direction: String,
    /// Longitude in degrees (−180 … 180).
    pub lon: Option<f64>,
    /// Latitude in degrees (−90 … 90).
    pub lat: Option<f64>,
    /// The accuracy the phone reported, metres (0 … 100000); at most 100 m of it widens
    /// the fence.
    pub accuracy: Option<f64>,
    /// `wgs84` (the browser's geolocation; default) or `gcj02` (WeChat, Chinese map apps).
    pub crs: Option<String>,
}

/// A recorded check-in or check-out. The coordinates stay in the record for disputes and
/// are not shown again; the distance to the fence is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckIn {
    /// Id.
    pub id: i64,
    /// The activity.
    pub activity_id: i64,
    /// The person.
    pub person_id: i64,
    /// `in` or `out`.
    pub direction: Direction,
    /// The coordinate system the position came in.
    pub crs: String,
    /// Reported accuracy, metres.
    pub accuracy_m: i64,
    /// Metres outside the fence (0 inside).
    pub distance_m: i64,
    /// Inside the fence, allowing for the accuracy.
    pub inside_fence: bool,
    /// Inside the window (check-in: 30 min before the start to the end; check-out: the
    /// start to 60 min after the end).
    pub inside_window: bool,
    /// `accepted`, or `outside` (goes to review).
    pub result: String,
    /// When (ms since the epoch).
    pub at: i64,
}

/// A check-in's answer: the record, and whether it was already there (a repeat).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckInResult {
    /// The record (for a repeat: the first one, unchanged).
    pub checkin: CheckIn,
    /// True when this direction had been recorded before and nothing was written.
    pub replayed: bool,
    /// A sentence for the person: 签到成功 / 已记录，位置在签到范围外约 230 米，将由组织者审核.
    pub message: String,
}

const CHECKIN_COLS: &str = "id, activity_id, person_id, direction, crs, accuracy_m, distance_m, \
    inside_fence, inside_window, result, at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<CheckIn> {
    let dir: String = r.try_get("direction")?;
    Ok(CheckIn {
        id: r.try_get("id")?,
        activity_id: r.try_get("activity_id")?,
        person_id: r.try_get("person_id")?,
        direction: Direction::parse(&dir).unwrap_or(Direction::In),
        crs: r.try_get("crs")?,
        accuracy_m: r.try_get("accuracy_m")?,
        distance_m: r.try_get("distance_m")?,
        inside_fence: r.try_get::<i64, _>("inside_fence")? != 0,
        inside_window: r.try_get::<i64, _>("inside_window")? != 0,
        result: r.try_get("result")?,
        at: r.try_get("at")?,
    })
}

/// Check-ins of the given activities (all of them, or one person's), in time order.
pub(crate) async fn list(
    db: &Db,
    city_id: i64,
    activity_ids: &[i64],
    person_id: Option<i64>,
) -> Result<Vec<CheckIn>> {
    if activity_ids.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (0..activity_ids.len())
        .map(|i| format!("${}", i + 3))
        .collect();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CHECKIN_COLS} FROM checkin WHERE city_id = $1 AND ($2 = 0 OR person_id = $2) \
         AND activity_id IN ({}) ORDER BY at, id",
        marks.join(", ")
    )))
    .bind(city_id)
    .bind(person_id.unwrap_or(0));
    for id in activity_ids {
        q = q.bind(*id);
    }
    q.fetch_all(db.reader())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

async fn find(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    city_id: i64,
    activity_id: i64,
    person_id: i64,
    dir: Direction,
) -> Result<Option<CheckIn>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CHECKIN_COLS} FROM checkin WHERE city_id = $1 AND activity_id = $2 \
         AND person_id = $3 AND direction = $4"
    )))
    .bind(city_id)
    .bind(activity_id)
    .bind(person_id)
    .bind(dir.as_str())
    .fetch_all(conn)
    .await?;
    rows.first().map(from_row).transpose()
}

/// Check the input: every field that is wrong is named at once.
fn parse_input(input: &CheckInInput) -> Result<(Direction, Crs, Point, f64)> {
    let mut p = Problems::default();
    let dir = Direction::parse(&input.direction);
    if dir.is_none() {
        p.add("direction", "direction 只能是 in（签到）或 out（签退）");
    }
    let crs = Crs::parse(input.crs.as_deref().unwrap_or(""));
    if crs.is_none() {
        p.add("crs", "坐标系只能是 wgs84 或 gcj02");
    }
    match input.lon {
        None => p.add("lon", "没有收到位置：请允许浏览器获取位置后再试"),
        Some(v) if !(-180.0..=180.0).contains(&v) => p.add("lon", "经度应在 -180 到 180 之间"),
        _ => {}
    }
    match input.lat {
        None => p.add("lat", "没有收到位置：请允许浏览器获取位置后再试"),
        Some(v) if !(-90.0..=90.0).contains(&v) => p.add("lat", "纬度应在 -90 到 90 之间"),
        _ => {}
    }
    let accuracy = input.accuracy.unwrap_or(0.0);
    if !(0.0..=MAX_ACCURACY_M).contains(&accuracy) {
        p.add("accuracy", "定位精度应在 0 到 100000 米之间");
    }
    p.finish()?;
    let (Some(dir), Some(crs), Some(lon), Some(lat)) = (dir, crs, input.lon, input.lat) else {
        return Err(Error::Internal("checked above".into()));
    };
    let point = crs
        .to_wgs84(lon, lat)
        .ok_or_else(|| Error::field("lon", "位置超出有效范围"))?;
    Ok((dir, crs, point, accuracy))
}

fn fence_of(row: &ActivityRow) -> Result<Fence> {
    if let Some(text) = &row.fence_boundary {
        let b = Boundary::parse(text).map_err(|e| Error::Internal(format!("fence: {}", e.0)))?;
        return Ok(Fence::Area(b));
    }
    match (row.lon_e7, row.lat_e7, row.radius_m) {
        (Some(lon_e7), Some(lat_e7), Some(r)) => Ok(Fence::Circle {
            center: Point { lon_e7, lat_e7 },
            radius_m: r as f64,
        }),
        _ => Err(Error::Internal(format!("activity {} has no fence", row.id))),
    }
}

/// The person must hold a seat: a clear 409 otherwise.
async fn require_seat(
    db: &Db,
    access: &Access,
    row: &ActivityRow,
    person_id: i64,
    who: &str,
) -> Result<()> {
    let mut conn = db.reader().acquire().await?;
    let s = service::my_signup(&mut conn, access.city_id(), row.id, person_id).await?;
    match s {
        Some(s) if s.state == "signed" => Ok(()),
        Some(s) if s.state == "waitlisted" => Err(Error::conflict(
            "waitlisted",
            format!(
                "{who}还在候补名单上（第 {} 位），有名额后才能签到或记入出勤",
                s.position.unwrap_or(0)
            ),
        )),
        _ => Err(Error::conflict(
            "not_signed_up",
            format!("{who}没有报名这个活动（或已取消报名）：请先报名再签到"),
        )),
    }
}

fn message(c: &CheckIn, replayed: bool) -> String {
    let what = c.direction.label();
    let mut m = if c.result == "accepted" {
        format!("{what}成功")
    } else {
        let mut why = Vec::new();
        if !c.inside_fence {
            why.push(format!("位置在签到范围外约 {} 米", c.distance_m));
        }
        if !c.inside_window {
            why.push("不在活动时间内".to_owned());
        }
        format!("已记录{what}，但{}，将由组织者审核确认", why.join("、"))
    };
    if replayed {
        m = format!("您已经{what}过了（{m}），不用重复{what}");
    }
    m
}

/// Check in or out of an activity one holds a seat on. A repeat answers the first record
/// and writes nothing; a check-out needs a check-in first. The first check-in opens the
/// attendance record (pending review), claiming the time from arrival to the end; the
/// check-out claims from arrival to leaving, both clipped to the window.
pub async fn checkin(
    db: &Db,
    access: &Access,
    id: i64,
    input: CheckInInput,
) -> Result<CheckInResult> {
    checkin_via(db, None, access, id, input).await
}

/// [`checkin`], written through the server's [`CheckinWriter`] (group commit) when given.
pub async fn checkin_via(
    db: &Db,
    writer: Option<&CheckinWriter>,
    access: &Access,
    id: i64,
    input: CheckInInput,
) -> Result<CheckInResult> {
    let (dir, crs, point, accuracy) = parse_input(&input)?;
    let city = access.city_id();
    let me = access.person_id();
    // One read for the activity, the caller's seat and their check-ins so far: this is the
    // hot path of an activity's start. The seat counts are not needed here (and would count
    // every seat on each check-in).
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {}, s.state AS seat_state, same.id AS same_id, arr.at AS arrived_at \
         FROM activity a \
         LEFT JOIN activity_signup s ON s.city_id = a.city_id AND s.activity_id = a.id AND s.person_id = $3 \
         LEFT JOIN checkin same ON same.city_id = a.city_id AND same.activity_id = a.id \
         AND same.person_id = $3 AND same.direction = $4 \
         LEFT JOIN checkin arr ON arr.city_id = a.city_id AND arr.activity_id = a.id \
         AND arr.person_id = $3 AND arr.direction = 'in' \
         WHERE a.city_id = $1 AND a.id = $2",
        service::LEAN_COLS
    )))
    .bind(city)
    .bind(id)
    .bind(me)
    .bind(dir.as_str())
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let row = service::ActivityRow::from_row(r)?;
    let seat: Option<String> = r.try_get("seat_state")?;
    let same: Option<i64> = r.try_get("same_id")?;
    let arrived_at: Option<i64> = r.try_get("arrived_at")?;
    if seat.as_deref() != Some("signed") {
        // A seat implies the activity is visible; without one, the full check (which reads
        // the person's record) chooses between 404 and 409.
        service::visible(db, access, id).await?;
        require_seat(db, access, &row, me, "您").await?;
    }
    if row.state != "published" {
        return Err(Error::conflict(
            "activity_cancelled",
            "这个活动已经取消了，不需要签到",
        ));
    }
    if same.is_some()
        && let Some(first) = find(db.reader(), city, id, me, dir).await?
    {
        return Ok(CheckInResult {
            message: message(&first, true),
            checkin: first,
            replayed: true,
        });
    }
    if dir == Direction::Out && arrived_at.is_none() {
        return Err(Error::conflict(
            "not_checked_in",
            "您还没有签到：请先签到，离开时再签退",
        ));
    }
    let now = now_ms();
    let j = fence_of(&row)?.judge(point, accuracy);
    let on_time = model::in_time_window(dir, now, row.starts_at, row.ends_at);
    let distance = j.distance_m.ceil() as i64;
    let result = if j.inside && on_time {
        "accepted"
    } else {
        "outside"
    };
    let claimed_minutes = match dir {
        Direction::In => model::clipped_minutes(now, row.ends_at, row.starts_at, row.ends_at),
        Direction::Out => {
            model::clipped_minutes(arrived_at.unwrap_or(now), now, row.starts_at, row.ends_at)
        }
    };
    let w = Write {
        city_id: city,
        activity_id: id,
        unit_path: row.unit_path.clone(),
        person_id: me,
        direction: dir,
        lon_e7: point.lon_e7,
        lat_e7: point.lat_e7,
        crs: crs.as_str(),
        accuracy_m: accuracy.round() as i64,
        distance_m: distance,
        inside_fence: j.inside,
        inside_window: on_time,
        result,
        at: now,
        claimed_minutes,
        actor: access.actor().clone(),
    };
    let written = match writer {
        Some(wr) => wr.write(w).await?,
        None => writer::write_batch(db, &[&w])
            .await?
            .pop()
            .unwrap_or(Written::Taken),
    };
    let checkin_id = match written {
        Written::New(id) => id,
        Written::Taken => {
            // The same check-in arrived twice at once: answer the one that won.
            let first = find(db.reader(), city, id, me, dir)
                .await?
                .ok_or(Error::NotFound)?;
            return Ok(CheckInResult {
                message: message(&first, true),
                checkin: first,
                replayed: true,
            });
        }
    };
    let c = CheckIn {
        id: checkin_id,
        activity_id: id,
        person_id: me,
        direction: dir,
        crs: crs.as_str().to_owned(),
        accuracy_m: accuracy.round() as i64,
        distance_m: distance,
        inside_fence: j.inside,
        inside_window: on_time,
        result: result.to_owned(),
        at: now,
    };
    Ok(CheckInResult {
        message: message(&c, false),
        checkin: c,
        replayed: false,
    })
}

/// The organiser records a seated person's attendance without any check-in.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RollCall {
    /// The person (must hold a seat).
    pub person_id: i64,
    /// Minutes served, 1–1440; the window's length when left out.
    pub minutes: Option<i64>,
}

/// Roll call (点名): the organiser records that a seated person attended, once the activity
/// has started. It opens a pending attendance record like a check-in does; a person who
/// already has one (from a check-in) is reviewed instead.
pub async fn roll_call(db: &Db, access: &Access, id: i64, rc: RollCall) -> Result<Attendance> {
    let row = service::managed(db, access, id).await?;
    let minutes = rc
        .minutes
        .unwrap_or_else(|| model::window_minutes(row.starts_at, row.ends_at));
    if !(1..=MAX_WINDOW_MIN).contains(&minutes) {
        return Err(Error::field("minutes", "时长应为 1 到 1440 分钟"));
    }
    if row.state != "published" {
        return Err(Error::conflict("activity_cancelled", "这个活动已经取消了"));
    }
    let now = now_ms();
    if row.starts_at > now {
        return Err(Error::conflict(
            "activity_not_started",
            "活动开始后才能点名",
        ));
    }
    require_seat(db, access, &row, rc.person_id, "这名人员").await?;
    let mut tx = db.begin().await?;
    let written = sqlx::query(
        "INSERT INTO attendance (city_id, activity_id, person_id, source, minutes, \
         claimed_minutes, outside, state, created_at, updated_at) \
         VALUES ($1, $2, $3, 'roll_call', $4, $4, 0, 'pending', $5, $5) \
         ON CONFLICT (city_id, activity_id, person_id) DO NOTHING",
    )
    .bind(access.city_id())
    .bind(id)
    .bind(rc.person_id)
    .bind(minutes)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if written == 0 {
        return Err(Error::conflict(
            "attendance_exists",
            "这名人员已有出勤记录（签到或点名），请在出勤审核中核定，不用再点名",
        ));
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "roll_call",
            object_kind: "activity",
            object_id: id,
            scope_path: &row.unit_path,
            before: None,
            after: Some(json!({"person_id": rc.person_id, "minutes": minutes})),
        },
    )
    .await?;
    tx.commit().await?;
    review::list(db, access.city_id(), &[id], Some(rc.person_id))
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)
}
