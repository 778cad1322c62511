//! The demo city's work in progress, so that every page has something to show on first
//! start: residents' orders in several states, activities with sign-ups, the first
//! grids' registries (some stalls of hardship vendors), patrol rosters and patrols — all made
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

/// One registry entry of the demo: kind, name, code, address, contact phone, hardship, the
/// kind's attributes.
type DemoEntry = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    bool,
    serde_json::Value,
);

fn demo_entries(first: bool) -> Vec<DemoEntry> {
    use serde_json::json;
    if first {
        vec![
            (
                "enterprise",
                "江城印务有限公司",
                Some("91420102MA4K000A00"),
                "幸福路 18 号",
                Some("13800001111"),
                false,
                json!({"industry": "印刷", "pollution": "废气", "env_key": true}),
            ),
            (
                "enterprise",
                "幸福餐饮管理有限公司",
                Some("91420102MA4K000B14"),
                "和平街 6 号",
                Some("13800001112"),
                false,
                json!({"industry": "餐饮", "pollution": "废水", "env_key": false}),
            ),
            (
                "stall",
                "老刘水果摊",
                None,
                "幸福路与和平街路口",
                Some("13800002221"),
                true,
                json!({"goods": "水果", "form": "流动摊贩", "relocation": "幸福路便民疏导点"}),
            ),
            (
                "stall",
                "王阿姨凉粉",
                None,
                "小学门口",
                Some("13800002222"),
                true,
                json!({"goods": "凉粉、凉面", "form": "流动摊贩"}),
            ),
            (
                "stall",
                "张记早点",
                Some("A-03"),
                "和平街 6 号门前",
                Some("13800002223"),
                false,
                json!({"goods": "早点", "form": "固定摊点"}),
            ),
            (
                "road",
                "幸福路",
                None,
                "",
                None,
                false,
                json!({"from": "解放大道", "to": "中山大道", "length_m": 860}),
            ),
            (
                "road",
                "和平街",
                None,
                "",
                None,
                false,
                json!({"from": "幸福路", "to": "建设大道", "length_m": 420}),
            ),
            (
                "building",
                "幸福小区 1 栋",
                Some("1"),
                "幸福路 20 号",
                None,
                false,
                json!({"floors": 18, "households": 136, "property": "安居物业"}),
            ),
            (
                "building",
                "幸福小区 3 栋",
                Some("3"),
                "幸福路 20 号",
                None,
                false,
                json!({"floors": 18, "households": 120, "property": "安居物业"}),
            ),
            (
                "building",
                "和平街 12 号",
                None,
                "和平街 12 号",
                None,
                false,
                json!({"floors": 6, "households": 24, "property": "无物业"}),
            ),
        ]
    } else {
        vec![
            (
                "enterprise",
                "恒通汽车维修厂",
                Some("91420102MA4K000C28"),
                "建设大道 99 号",
                Some("13800003331"),
                false,
                json!({"industry": "汽车维修", "pollution": "噪声", "env_key": true}),
            ),
            (
                "stall",
                "李大姐烤红薯",
                None,
                "建设大道公交站旁",
                Some("13800003332"),
                true,
                json!({"goods": "烤红薯", "form": "流动摊贩", "relocation": "建设大道临时摊区"}),
            ),
            (
                "road",
                "建设大道（社区段）",
                None,
                "",
                None,
                false,
                json!({"from": "和平街", "to": "新华路", "length_m": 1200}),
            ),
            (
                "building",
                "建设新村 2 栋",
                Some("2"),
                "建设新村",
                None,
                false,
                json!({"floors": 7, "households": 42, "property": "无物业"}),
            ),
        ]
    }
}

/// The registries of the first community's first grids, their patrol rosters and a few
/// past patrols (confirmed, waiting, sent back) — through the services.
pub async fn patrols_and_registries(db: &Db, password: &str, grids: &[Unit]) -> anyhow::Result<()> {
    use cases::patrol::roster::SlotInput;
    use cases::patrol::{PastPatrol, SendBack};
    use kernel::time::{days_before, today};
    let cadre = as_user(db, "cadre", password).await?;
    let leader = as_user(db, "grid", password).await?;
    let personnel = as_user(db, "personnel", password).await?;
    let personnel2 = as_user(db, "personnel2", password).await.ok();
    for (i, grid) in grids.iter().take(2).enumerate() {
        for (kind, name, code, address, phone, hardship, attrs) in demo_entries(i == 0) {
            cases::registry::create(
                db,
                &cadre,
                cases::registry::EntryInput {
                    kind: Some(kind.into()),
                    name: name.into(),
                    grid_id: Some(grid.id),
                    address: address.into(),
                    code: code.map(str::to_owned),
                    contact_phone: phone.map(str::to_owned),
                    hardship,
                    attrs: attrs.as_object().cloned().unwrap_or_default(),
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("registry entry {name}"))?;
        }
    }
    let Some(grid) = grids.first() else {
        return Ok(());
    };
    let mut slots = vec![
        (personnel.person_id(), 6, "09:00", "11:00"),
        (leader.person_id(), 3, "15:00", "17:00"),
    ];
    if let Some(p2) = &personnel2 {
        slots.push((p2.person_id(), 7, "14:00", "16:00"));
    }
    for (person, weekday, start, end) in slots {
        cases::patrol::roster::add(
            db,
            &leader,
            SlotInput {
                grid_id: Some(grid.id),
                person_id: Some(person),
                weekday: Some(weekday),
                start: start.into(),
                end: end.into(),
            },
        )
        .await?;
    }
    let day = |n: i64| days_before(today(), n).to_string();
    let past = |n: i64, from: &str, to: &str, found: &str| PastPatrol {
        grid_id: Some(grid.id),
        started_at: format!("{}T{from}", day(n)),
        ended_at: format!("{}T{to}", day(n)),
        found: found.into(),
    };
    let p = cases::patrol::record(
        db,
        &personnel,
        past(
            3,
            "09:00",
            "10:30",
            "幸福路口有流动水果摊占道，已劝导到便民疏导点；3 栋楼道堆放纸箱，已提醒物业清理",
        ),
    )
    .await?;
    cases::patrol::confirm(db, &leader, p.id).await?;
    let p = cases::patrol::record(db, &leader, past(2, "15:00", "16:10", "未发现问题")).await?;
    cases::patrol::confirm(db, &cadre, p.id).await?;
    if let Some(p2) = &personnel2 {
        cases::patrol::record(
            db,
            p2,
            past(1, "14:00", "15:30", "和平街 2 处共享单车乱停，已摆放整齐"),
        )
        .await?;
        let p = cases::patrol::record(db, p2, past(2, "14:00", "14:20", "未发现问题")).await?;
        cases::patrol::send_back(
            db,
            &cadre,
            p.id,
            SendBack {
                reason: "时长只有 20 分钟，请核对结束时间".into(),
            },
        )
        .await?;
    }
    Ok(())
}
