//! The demo city's work in progress, so that every page has something to show on first
//! start: residents' orders in several states, activities with sign-ups, cases in every
//! stage of the loop (some overdue, one the grid missed, one reworked, one watched after
//! closing), the first grids' registries (some stalls of hardship vendors), patrol rosters
//! and patrols — all made through the same services (and so the same rules and audit) as
//! real use.

use anyhow::Context;
use kernel::Db;
use kernel::time::{local_datetime, now_ms, weekday_and_minute};
use org::Access;
use org::units::Unit;

const DAY: i64 = 86_400_000;

pub(crate) async fn as_user(db: &Db, login: &str, password: &str) -> anyhow::Result<Access> {
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
    demo_cases(db, password, community, grid).await?;
    Ok(())
}

/// A small photo of a pile of things on a pavement (evidence photos are optional).
const PHOTO: &[u8] = include_bytes!("demo_photo.png");

/// Cases in the first grid, through the loop's services; two of them made overdue by
/// moving their dispatch into the past, as the scheduled job would then find them.
async fn demo_cases(db: &Db, password: &str, community: &Unit, grid: &Unit) -> anyhow::Result<()> {
    use cases::flow::{self, Dispatch, Handling, Rating, Reason, Verdict};
    use cases::responsible::{self, Appoint};
    let grid_leader = as_user(db, "grid", password).await?;
    let cadre = as_user(db, "cadre", password).await?;
    let property = as_user(db, "property", password).await?;
    let inspector = as_user(db, "inspector", password).await?;
    let resident = as_user(db, "resident", password).await?;
    let personnel = as_user(db, "personnel", password).await?;
    let street = as_user(db, "street", password).await?;
    let city = cadre.city_id();
    let media = cases::photo::Media::Database;
    // The grid's responsibility chain.
    for (level, who) in [("direct", &grid_leader), ("principal", &cadre)] {
        responsible::appoint(
            db,
            &cadre,
            grid.id,
            Appoint {
                level: level.into(),
                person_id: Some(who.person_id()),
            },
        )
        .await?;
    }
    responsible::appoint(
        db,
        &street,
        community.id,
        Appoint {
            level: "lead".into(),
            person_id: Some(street.person_id()),
        },
    )
    .await?;
    let (lon, lat) = grid
        .boundary
        .as_deref()
        .and_then(|b| kernel::geo::Boundary::parse(b).ok())
        .and_then(|b| b.centroid())
        .map(|p| (p.lon(), p.lat()))
        .unwrap_or((
            community.center_lon.unwrap_or(114.30),
            community.center_lat.unwrap_or(30.60),
        ));
    let report = async |who: &Access, code: &str, text: &str, place: &str, d: (f64, f64)| {
        let cat = cases::category::by_code(db, city, code).await?;
        let (c, _) = cases::report::report(
            db,
            who,
            cases::NewCase {
                category_id: Some(cat.id),
                description: text.into(),
                address: place.into(),
                lon: Some(lon + d.0),
                lat: Some(lat + d.1),
                ..Default::default()
            },
            "web",
        )
        .await?;
        anyhow::Ok(c.id)
    };
    let to = |p: &Access, note: &str| Dispatch {
        handler_person_id: Some(p.person_id()),
        department: None,
        note: Some(note.into()),
    };
    let handling = |note: &str| Handling { note: note.into() };

    // 待受理: a patrol report with a photo, and a resident's.
    let c = report(
        &grid_leader,
        "E0402",
        "早市流动摊贩聚集在人行道上，行人只能走机动车道",
        "胜利街菜场东口",
        (0.0008, 0.0004),
    )
    .await?;
    cases::photo::add(db, &grid_leader, &media, c, PHOTO).await?;
    report(
        &resident,
        "E0101",
        "小区东门垃圾桶满溢，周边散落垃圾",
        "三阳小区东门",
        (-0.0012, 0.0010),
    )
    .await?;
    // 待派遣.
    let c = report(
        &grid_leader,
        "E0102",
        "楼道口堆放废旧家具，堵住消防通道",
        "5 栋 1 单元",
        (0.0015, -0.0011),
    )
    .await?;
    flow::register(db, &cadre, c).await?;
    // 处置中, on time.
    let c = report(
        &grid_leader,
        "C0102",
        "污水井盖破损松动，车辆经过有响声",
        "胜利街 36 号门前",
        (-0.0004, -0.0016),
    )
    .await?;
    flow::register(db, &cadre, c).await?;
    flow::dispatch(db, &cadre, c, to(&property, "请设置警示并尽快更换")).await?;
    // 处置中, overdue by three days and by one (their dispatch moved into the past).
    let late3 = report(
        &grid_leader,
        "E0401",
        "水果店占用人行道摆摊经营",
        "胜利街 52 号",
        (0.0019, 0.0017),
    )
    .await?;
    flow::register(db, &cadre, late3).await?;
    flow::dispatch(db, &cadre, late3, to(&property, "请劝导店主收回店内")).await?;
    let late1 = report(
        &grid_leader,
        "E0403",
        "共享单车堆放在盲道上",
        "地铁站 B 口",
        (-0.0018, -0.0005),
    )
    .await?;
    flow::register(db, &cadre, late1).await?;
    flow::dispatch(db, &cadre, late1, to(&personnel, "请联系运营企业清运")).await?;
    let now = now_ms();
    let (cal, wh) = cases::workdays::calendar(db, city).await?;
    for (id, days) in [(late3, 3), (late1, 1)] {
        // The end of a working day `days` days or more ago.
        let deadline = kernel::calendar::end_of_working_day(&cal, &wh, now - (days + 1) * DAY)
            .min(now - days * DAY);
        sqlx::query(
            "UPDATE case_file SET dispatched_at = $1, deadline_at = $2, escalate_at = $2 \
             WHERE city_id = $3 AND id = $4",
        )
        .bind(deadline - 7 * 3_600_000)
        .bind(deadline)
        .bind(city)
        .bind(id)
        .execute(db.writer())
        .await?;
    }
    cases::sweep::run(db, now).await?;
    // 待核查, with the handler's photo.
    let c = report(
        &grid_leader,
        "C0106",
        "路灯夜间不亮，路段漆黑",
        "育才路与胜利街路口",
        (0.0006, -0.0020),
    )
    .await?;
    flow::register(db, &cadre, c).await?;
    flow::dispatch(db, &cadre, c, to(&property, "")).await?;
    cases::photo::add(db, &property, &media, c, PHOTO).await?;
    flow::handle(db, &property, c, handling("已更换灯泡，夜间试亮正常")).await?;
    // 返工: handled, not passed on site, back with the handler.
    let c = report(
        &grid_leader,
        "E0201",
        "小区围墙上张贴大量“牛皮癣”小广告",
        "三阳小区北侧围墙",
        (-0.0021, 0.0018),
    )
    .await?;
    flow::register(db, &cadre, c).await?;
    flow::dispatch(db, &cadre, c, to(&personnel, "")).await?;
    flow::handle(db, &personnel, c, handling("已组织志愿者清理")).await?;
    let fail = Verdict {
        result: "fail".into(),
        note: Some("东侧墙面仍有小广告未清理".into()),
    };
    flow::verify(db, &grid_leader, c, fail).await?;
    // 已结案, rated, and watched for rebounds.
    let c = report(
        &grid_leader,
        "E0405",
        "餐馆在店外摆桌经营，占用人行道",
        "胜利街 18 号",
        (0.0022, -0.0004),
    )
    .await?;
    flow::register(db, &cadre, c).await?;
    flow::dispatch(db, &cadre, c, to(&property, "")).await?;
    flow::handle(db, &property, c, handling("已劝导店主将桌椅收回店内")).await?;
    let pass = Verdict {
        result: "pass".into(),
        note: Some("现场已无店外经营".into()),
    };
    flow::verify(db, &grid_leader, c, pass).await?;
    let rating = Rating {
        satisfaction: "satisfied".into(),
        note: Some("处理及时".into()),
    };
    flow::rate(db, &grid_leader, c, rating).await?;
    cases::watch::assign(
        db,
        &cadre,
        c,
        cases::watch::NewWatch {
            watcher_person_id: Some(property.person_id()),
            days: Some(30),
        },
    )
    .await?;
    // Missed by the grid: found on an inspection, registered with the grid's chain.
    let mut found = cases::NewCase {
        category_id: Some(cases::category::by_code(db, city, "E0202").await?.id),
        description: "督查暗访发现：沿街商铺违规设置落地广告牌".into(),
        address: "胜利街 70 号".into(),
        lon: Some(lon - 0.0009),
        lat: Some(lat + 0.0021),
        source: Some("inspection".into()),
        inspection_level: Some("city".into()),
        ..Default::default()
    };
    let (c, _) = cases::report::report(db, &inspector, found.clone(), "web").await?;
    flow::register(db, &cadre, c.id).await?;
    found.inspection_level = None;
    // A 12345 call entered by the cadre.
    found.category_id = Some(cases::category::by_code(db, city, "E0502").await?.id);
    found.source = Some("hotline".into());
    found.description = "来电反映：夜间施工噪音扰民，22 点后仍在作业".into();
    found.address = "育才路 9 号工地".into();
    found.lon = Some(lon + 0.0011);
    found.lat = Some(lat - 0.0009);
    found.reporter_name = Some("王女士".into());
    found.reporter_contact = Some("13812345678".into());
    let (c, _) = cases::report::report(db, &cadre, found, "web").await?;
    flow::register(db, &cadre, c.id).await?;
    // An extension waiting for a decision.
    let c = report(
        &grid_leader,
        "E0301",
        "楼顶加盖彩钢板房",
        "7 栋楼顶",
        (-0.0006, 0.0006),
    )
    .await?;
    flow::register(db, &cadre, c).await?;
    flow::dispatch(db, &cadre, c, to(&property, "")).await?;
    cases::requests::ask(
        db,
        &property,
        c,
        cases::requests::NewRequest {
            kind: "extend".into(),
            reason: "需要协调产权单位和执法中队，时限内无法完成拆除".into(),
            days: Some(3),
        },
    )
    .await?;
    // Not a case.
    let c = report(
        &resident,
        "C0502",
        "小区里的长椅坏了",
        "三阳小区中心花园",
        (0.0003, 0.0013),
    )
    .await?;
    let why = Reason {
        reason: "现场核实长椅完好，系误报".into(),
    };
    flow::void(db, &cadre, c, why).await?;
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
