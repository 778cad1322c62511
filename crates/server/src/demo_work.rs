//! The demo city's work in progress, so that every page has something to show on first
//! start: residents' orders in several states, and activities with sign-ups — all made
//! through the same services (and so the same rules and audit) as real use.

use anyhow::Context;
use kernel::Db;
use kernel::time::{local_datetime, now_ms, weekday_and_minute};
use org::Access;
use org::units::Unit;

const DAY: i64 = 86_400_000;

async fn as_user(db: &Db, login: &str, password: &str) -> anyhow::Result<Access> {
    let s = org::auth::login(db, login, password, "127.0.0.1", "api")
        .await
        .with_context(|| format!("logging in as {login}"))?;
    org::auth::authenticate(db, &s.token)
        .await?
        .context("the demo token authenticates")
}

/// `HH:MM` on the next `weekday` (1 = Monday) at least a day away, as `YYYY-MM-DDTHH:MM`.
fn next(weekday: u8, hm: &str) -> String {
    let mut t = now_ms() + DAY;
    while weekday_and_minute(t).0 != weekday {
        t += DAY;
    }
    format!("{}T{hm}", &local_datetime(t)[..10])
}

/// Orders and activities in the first community, by its demo accounts.
pub async fn generate(
    db: &Db,
    password: &str,
    community: &Unit,
    grid: &Unit,
) -> anyhow::Result<()> {
    let resident = as_user(db, "resident", password).await?;
    let cadre = as_user(db, "cadre", password).await?;
    let personnel = as_user(db, "personnel", password).await?;
    let order =
        |category: &str, description: &str, day: u8, from: &str, to: &str| orders::NewOrder {
            category: category.into(),
            description: description.into(),
            place: format!("{} 3 栋 2 单元 501", community.name),
            wanted_from: next(day, from),
            wanted_to: next(day, to),
            ..Default::default()
        };
    let o1 = orders::service::place(
        db,
        &resident,
        order(
            "health",
            "老伴血压不稳，想请懂医的同志上门量一量、讲讲用药",
            6,
            "09:00",
            "11:00",
        ),
    )
    .await?;
    orders::service::place(
        db,
        &resident,
        order(
            "repair",
            "厨房插座不通电，想请电工看看",
            7,
            "14:00",
            "16:00",
        ),
    )
    .await?;
    orders::service::place(
        db,
        &resident,
        order("digital", "想学用手机挂号和视频通话", 6, "15:00", "16:30"),
    )
    .await?;
    orders::service::dispatch(
        db,
        &cadre,
        o1.id,
        orders::Dispatch {
            person_id: personnel.person_id(),
            reason: Some("演示数据：本人住在本社区，主动要求承接".into()),
        },
    )
    .await?;
    orders::service::accept(db, &personnel, o1.id).await?;

    let (lon, lat) = (
        community.center_lon.unwrap_or(114.30),
        community.center_lat.unwrap_or(30.60),
    );
    let activity = |duty: &str, title: &str, day: u8, capacity: i64| activities::NewActivity {
        unit_id: community.id,
        duty_kind: duty.into(),
        title: title.into(),
        description: "请穿便于活动的衣服，到场后在手机上签到，或由组织者点名确认。".into(),
        starts_at: next(day, "09:00"),
        ends_at: next(day, "11:30"),
        place: format!("{}党群服务中心", community.name),
        lon: Some(lon),
        lat: Some(lat),
        crs: None,
        radius_m: Some(300),
        fence_unit_id: None,
        capacity,
        wanted_skill_ids: vec![],
        target_employer_ids: vec![],
        party_members_only: false,
    };
    let a1 = activities::publish(
        db,
        &cadre,
        activity("duty.volunteer", "周末环境整治志愿服务", 6, 20),
    )
    .await?;
    activities::publish(
        db,
        &cadre,
        activity("duty.policy", "惠民政策进楼栋宣讲", 7, 2),
    )
    .await?;
    if grid.boundary.is_some() {
        let mut patrol = activity("duty.stability", "网格平安巡查", 6, 6);
        patrol.lon = None;
        patrol.lat = None;
        patrol.radius_m = None;
        patrol.fence_unit_id = Some(grid.id);
        patrol.place = format!("{} 全域", grid.name);
        activities::publish(db, &cadre, patrol).await?;
    }
    activities::signup(db, &personnel, a1.id).await?;
    Ok(())
}
