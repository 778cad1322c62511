//! Dashboards and the load and fairness report, through the API and the pages: figures
//! equal to what the work created here adds up to, rolled up from communities to streets
//! and districts; the SVG charts well-formed with their bars and labels; scope (a
//! community cadre cannot open another community's dashboard or report); the fairness
//! report listing the person over the cap and the duty outside their availability with
//! its reason, and a skill mismatch; an employer admin limited to their own people.

use kernel::time::{local_datetime, now_ms, weekday_and_minute};
use serde_json::{Value, json};
use testkit::{Api, TestApp};

use crate::page_checks::assert_page;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

/// The next Saturday at least two days away that is not a listed holiday or adjusted
/// working day, as `YYYY-MM-DD`.
fn saturday() -> String {
    let cal = kernel::calendar::Calendar::national();
    let mut t = now_ms() + 2 * DAY;
    loop {
        let d = kernel::time::date_of_ms(t);
        if weekday_and_minute(t).0 == 6 && cal.listed_kind(d).is_none() {
            return d.to_string();
        }
        t += DAY;
    }
}

fn month_of_date(d: &str) -> String {
    d[..7].to_owned()
}

fn this_month() -> String {
    local_datetime(now_ms())[..7].to_owned()
}

fn well_formed(svg: &str) {
    let mut r = quick_xml::Reader::from_str(svg);
    let mut depth = 0i32;
    loop {
        match r.read_event().expect("well-formed SVG") {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "{svg}");
}

/// Every `<svg …</svg>` in a page.
fn svgs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg") {
        let tail = &rest[i..];
        let j = tail.find("</svg>").expect("closed svg") + "</svg>".len();
        out.push(tail[..j].to_owned());
        rest = &tail[j..];
    }
    out
}

async fn place(api: &Api, category: &str, from: &str, to: &str) -> i64 {
    let r = api
        .post(
            "/orders",
            json!({"category": category, "description": "老人家里需要帮忙", "place": "甲社区 3 栋 201",
                   "wanted_from": from, "wanted_to": to}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_i64().unwrap()
}

/// Cases of the month written straight into the record (the case flow has its own tests):
/// in grid A two patrol reports, both registered and dispatched — one closed on time, one
/// closed late after a rework; in grid B one found by the hotline that the grid missed.
async fn cases(app: &TestApp) {
    cases::category::ensure_seeded(&app.db, app.fx.city_id)
        .await
        .expect("categories");
    let now = now_ms();
    let fx = &app.fx;
    let path = |ids: &[i64]| {
        let mut p = format!("/{}/", fx.root);
        for i in ids {
            p.push_str(&format!("{i}/"));
        }
        p
    };
    let grid_a = path(&[fx.district_a, fx.street_a, fx.community_a, fx.grid_a]);
    let grid_b = path(&[fx.district_b, fx.street_b, fx.community_b, fx.grid_b]);
    let rows = [
        // (n, source, community, grid, path, state, deadline, handled, rework, missed)
        (
            1,
            "patrol",
            fx.community_a,
            fx.grid_a,
            &grid_a,
            "closed",
            now + DAY,
            now - HOUR,
            0,
            0,
        ),
        (
            2,
            "patrol",
            fx.community_a,
            fx.grid_a,
            &grid_a,
            "closed",
            now - 2 * HOUR,
            now - HOUR,
            1,
            0,
        ),
        (
            3,
            "hotline",
            fx.community_b,
            fx.grid_b,
            &grid_b,
            "registered",
            now + DAY,
            0,
            0,
            1,
        ),
    ];
    for (n, source, community, grid, p, state, deadline, handled, rework, missed) in rows {
        let handled = if handled == 0 {
            "NULL".to_owned()
        } else {
            handled.to_string()
        };
        let dispatched = if state == "closed" {
            (now - 3 * HOUR).to_string()
        } else {
            "NULL".into()
        };
        let at = now - 4 * HOUR;
        app.exec(&format!(
            "INSERT INTO case_file (city_id, source, channel, category_id, urgency, community_id, \
             unit_path, level_unit_id, state, grid_id, reported_at, registered_at, dispatched_at, \
             deadline_at, handled_at, rework_count, missed_by_grid, token, created_at, updated_at) \
             SELECT {city}, '{source}', 'app', MIN(id), 'normal', {community}, '{p}', {community}, \
             '{state}', {grid}, {at}, {at}, {dispatched}, {deadline}, {handled}, {rework}, {missed}, \
             'dash-{n}', {at}, {at} FROM case_category WHERE city_id = {city}",
            city = fx.city_id
        ))
        .await;
    }
}

/// The work of the test, all in community A except the hotline case in B:
/// - order 1 (health, Saturday 09–11) to person A, done and confirmed, 90 minutes;
/// - order 2 (elderly) still waiting, its wanted time passed (overdue);
/// - order 3 (repair, wants 电工) to person A2, who lacks it, with a reason;
/// - shifts for person A on Saturday 13–15 (fits) and 18–19 (outside availability, with a
///   reason); an activity on Saturday with person A's seat and an approved attendance of
///   120 minutes.
struct Work {
    sat: String,
    order1: i64,
    order3: i64,
    activity: i64,
}

async fn work(app: &TestApp) -> Work {
    let fx = &app.fx;
    let resident = app.api("resident_a").await;
    let cadre = app.api("cadre_a").await;
    let person = app.api("personnel_a").await;
    let sat = saturday();
    let platform = app.api("platform").await;
    let s = platform
        .post(
            "/ledger/settings",
            json!({"key": "monthly_task_cap", "value": 3, "effective_from": "2020-01-01"}),
        )
        .await;
    assert!(s.status.is_success(), "{:?}", s.body);

    let order1 = place(
        &resident,
        "health",
        &format!("{sat}T09:00"),
        &format!("{sat}T11:00"),
    )
    .await;
    let d = cadre
        .post(
            &format!("/orders/{order1}/dispatch"),
            json!({"person_id": fx.person_a}),
        )
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    let r = person
        .post(&format!("/orders/{order1}/accept"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = person
        .post(&format!("/orders/{order1}/finish"), json!({"minutes": 90}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = resident
        .post(&format!("/orders/{order1}/confirm"), json!({"rating": 5}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    let order2 = place(
        &resident,
        "elderly",
        &format!("{sat}T09:00"),
        &format!("{sat}T10:00"),
    )
    .await;
    app.exec(&format!(
        "UPDATE service_order SET wanted_from = {}, wanted_to = {} WHERE id = {order2}",
        now_ms() - 2 * HOUR,
        now_ms() - HOUR
    ))
    .await;

    let order3 = place(
        &resident,
        "repair",
        &format!("{sat}T10:00"),
        &format!("{sat}T11:00"),
    )
    .await;
    let refused = cadre
        .post(
            &format!("/orders/{order3}/dispatch"),
            json!({"person_id": fx.person_a2}),
        )
        .await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    let d = cadre
        .post(
            &format!("/orders/{order3}/dispatch"),
            json!({"person_id": fx.person_a2, "reason": "本人会修电路，居民点名要他"}),
        )
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);

    for (start, end, reason) in [
        ("13:00", "15:00", None),
        ("18:00", "19:00", Some("汛期临时加岗，本人同意")),
    ] {
        let r = cadre
            .post(
                "/duty/shifts",
                json!({"unit_id": fx.grid_a, "date": sat, "start": start, "end": end,
                       "place": "社区服务站", "task": "周末值守",
                       "people": [{"person_id": fx.person_a, "reason": reason}]}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }

    let a = cadre
        .post(
            "/activities",
            json!({"unit_id": fx.community_a, "duty_kind": "duty.volunteer", "title": "楼道清理",
                   "description": "清理楼道杂物", "starts_at": format!("{sat}T14:00"),
                   "ends_at": format!("{sat}T16:00"), "place": "甲社区活动中心", "lon": 114.3,
                   "lat": 30.6, "radius_m": 200, "capacity": 10,
                   "wanted_skill_ids": [fx.skills[1]]}),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let activity = a.body["id"].as_i64().unwrap();
    let r = person
        .post(&format!("/activities/{activity}/signup"), json!({}))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let now = now_ms();
    app.exec(&format!(
        "INSERT INTO attendance (city_id, activity_id, person_id, source, minutes, claimed_minutes, \
         state, created_at, updated_at) VALUES ({}, {activity}, {}, 'roll_call', 120, 120, \
         'approved', {now}, {now})",
        fx.city_id, fx.person_a
    ))
    .await;
    cases(app).await;
    Work {
        sat,
        order1,
        order3,
        activity,
    }
}

fn child(d: &Value, unit: i64) -> &Value {
    d["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["unit_id"] == unit)
        .unwrap_or_else(|| panic!("child {unit} in {d}"))
}

async fn dashboard_figures_roll_up(app: TestApp) {
    let fx = app.fx.clone();
    let w = work(&app).await;
    let same_month = month_of_date(&w.sat) == this_month();
    let admin = app.api("admin_a").await;

    // Orders and cases count in the month they are placed / registered: now.
    let d = admin
        .get(&format!(
            "/reports/dashboard?unit={}&period={}",
            fx.street_a,
            this_month()
        ))
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    let t = &d.body["total"];
    assert_eq!(t["name"], "甲街道");
    assert_eq!(t["orders_placed"], 3);
    assert_eq!(t["orders_done"], 1);
    assert_eq!(t["orders_overdue"], 1);
    let c = &t["cases"];
    assert_eq!(c["filed"], 2);
    assert_eq!(c["should_close"], 2);
    assert_eq!(c["closed_on_time"], 1);
    assert_eq!(c["on_time_rate"], 5000);
    assert_eq!(c["dispatched"], 2);
    assert_eq!(c["reworked"], 1);
    assert_eq!(c["rework_rate"], 5000);
    assert_eq!(c["missed"], 0);
    // The street's children: the community holds everything, the joint community nothing.
    let a = child(&d.body, fx.community_a);
    assert_eq!(a["orders_placed"], 3);
    assert_eq!(a["cases"]["filed"], 2);
    let j = child(&d.body, fx.joint_a);
    assert_eq!(j["orders_placed"], 0);
    assert_eq!(j["cases"]["filed"], 0);
    assert_eq!(j["cases"]["on_time_rate"], Value::Null);
    // The trend ends with this month.
    let trend = d.body["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 6);
    assert_eq!(trend[5]["period"], this_month());
    assert_eq!(trend[5]["orders_placed"], 3);
    assert_eq!(trend[5]["cases_filed"], 2);
    assert_eq!(trend[4]["orders_placed"], 0);
    // Grades: four zero counts until results are published.
    assert_eq!(d.body["grades"].as_array().unwrap().len(), 4);
    assert_eq!(d.body["grades_ready"], false);

    // Load and activities count in the month of the Saturday.
    let d = admin
        .get(&format!(
            "/reports/dashboard?unit={}&period={}",
            fx.community_a,
            month_of_date(&w.sat)
        ))
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    let t = &d.body["total"];
    assert_eq!(d.body["cap"], 3);
    assert_eq!(t["activities"], 1);
    assert_eq!(t["attendances"], 1);
    // 120 minutes of attendance, plus the 90 of the confirmed order when it was placed
    // in the same month.
    assert_eq!(
        t["service_minutes"],
        if same_month { 210 } else { 120 },
        "{t}"
    );
    // Person A: order 1, two shifts, one seat = 4 > 3; person A2: order 3.
    assert_eq!(t["people_with_tasks"], 2);
    assert_eq!(t["over_cap"], 1);
    // The grid below the community holds the shifts only (2 ≤ 3).
    let g = child(&d.body, fx.grid_a);
    assert_eq!(g["people_with_tasks"], 1);
    assert_eq!(g["over_cap"], 0);

    // The city: district B holds the hotline case the grid missed.
    let platform = app.api("platform").await;
    let d = platform
        .get(&format!("/reports/dashboard?period={}", this_month()))
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    assert_eq!(d.body["total"]["unit_id"], fx.root);
    assert_eq!(d.body["total"]["cases"]["filed"], 3);
    assert_eq!(d.body["total"]["cases"]["missed"], 1);
    assert_eq!(child(&d.body, fx.district_b)["cases"]["missed"], 1);
    assert_eq!(child(&d.body, fx.district_a)["cases"]["missed"], 0);
    assert_eq!(child(&d.body, fx.district_a)["orders_placed"], 3);

    // Bad month: a field error.
    let bad = admin.get("/reports/dashboard?period=2026-13").await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    let _ = (w.order1, w.order3, w.activity);
}

async fn charts_are_svg_with_bars_and_labels(app: TestApp) {
    let fx = app.fx.clone();
    work(&app).await;
    let admin = app.api("admin_a").await;
    let q = format!("unit={}&period={}", fx.street_a, this_month());
    let (status, bytes) = admin
        .get_bytes(&format!("/reports/dashboard/charts/on_time?{q}"))
        .await;
    assert_eq!(status, 200);
    let svg = String::from_utf8(bytes).unwrap();
    well_formed(&svg);
    assert!(svg.contains("viewBox=\"0 0 360 ") && svg.contains("width=\"100%\""));
    assert_eq!(svg.matches("class=\"bar\"").count(), 2, "{svg}");
    assert!(
        svg.contains("data-label=\"甲社区\" data-value=\"5000\""),
        "{svg}"
    );
    assert!(
        svg.contains(">50%</text>") && svg.contains(">—</text>"),
        "{svg}"
    );
    let (_, bytes) = admin
        .get_bytes(&format!("/reports/dashboard/charts/trend?{q}"))
        .await;
    let svg = String::from_utf8(bytes).unwrap();
    well_formed(&svg);
    // Six months × three series.
    assert_eq!(svg.matches("class=\"bar\"").count(), 18, "{svg}");
    assert!(svg.contains("订单") && svg.contains("立案"));
    let (status, _) = admin
        .get_bytes(&format!("/reports/dashboard/charts/nothing?{q}"))
        .await;
    assert_eq!(status, 404);

    // The page: tiles linking to their records, the table of children, every chart inline.
    let b = app.browser("admin_a").await;
    let p = b.get(&format!("/reports/dashboard?{q}")).await;
    assert_page("/reports/dashboard", &p, "甲街道 工作看板");
    assert!(p.html.contains("data-tile=\"按期结案率\""));
    assert!(p.html.contains(&format!(
        "/cases/list?unit_id={}&#38;figure=closed_on_time",
        fx.street_a
    )));
    assert!(
        p.html
            .contains(&format!("data-unit=\"{}\"", fx.community_a))
    );
    let all = svgs(&p.html);
    assert_eq!(all.len(), 4);
    for s in &all {
        well_formed(s);
    }
    assert!(p.html.contains("考核等次分布"));
    // No ranking of people anywhere on the page.
    assert!(!p.html.contains("排名第") && !p.html.contains("张下沉"));
}

async fn dashboards_keep_to_scope(app: TestApp) {
    let fx = app.fx.clone();
    // The API is documented under the tag `reports`.
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in [
        "/api/v1/reports/dashboard",
        "/api/v1/reports/dashboard/charts/{name}",
        "/api/v1/reports/fairness",
    ] {
        assert_eq!(doc["paths"][p]["get"]["tags"], json!(["reports"]), "{p}");
    }
    let cadre = app.api("cadre_a").await;
    // The cadre's own community by default.
    let own = cadre.get("/reports/dashboard").await;
    assert_eq!(own.status, 200, "{:?}", own.body);
    assert_eq!(own.body["total"]["unit_id"], fx.community_a);
    for path in [
        format!("/reports/dashboard?unit={}", fx.community_b),
        format!("/reports/dashboard?unit={}", fx.street_a),
        format!("/reports/fairness?unit={}", fx.community_b),
        format!("/reports/dashboard/charts/trend?unit={}", fx.community_b),
    ] {
        assert_eq!(cadre.get(&path).await.status, 404, "{path}");
    }
    let b = app.browser("cadre_a").await;
    assert_eq!(
        b.get(&format!("/reports/dashboard?unit={}", fx.community_b))
            .await
            .status,
        404
    );
    // Residents and personnel have no dashboards; admin B not district A's.
    for login in ["resident_a", "personnel_a"] {
        let api = app.api(login).await;
        assert_eq!(api.get("/reports/dashboard").await.status, 404, "{login}");
    }
    let admin_b = app.api("admin_b").await;
    assert_eq!(
        admin_b
            .get(&format!("/reports/dashboard?unit={}", fx.community_a))
            .await
            .status,
        404
    );
}

async fn fairness_lists_load_reasons_and_mismatches(app: TestApp) {
    let fx = app.fx.clone();
    let w = work(&app).await;
    let period = month_of_date(&w.sat);
    let cadre = app.api("cadre_a").await;
    let r = cadre
        .get(&format!(
            "/reports/fairness?unit={}&period={period}",
            fx.community_a
        ))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["cap"], 3);
    assert_eq!(r.body["scope_name"], "甲社区");
    let people = r.body["people"].as_array().unwrap();
    // By community and name, not by load.
    let names: Vec<&str> = people.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["张下沉", "王下沉"]);
    let a = &people[0];
    assert_eq!(
        (
            a["orders"].as_i64(),
            a["duties"].as_i64(),
            a["seats"].as_i64()
        ),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(a["total"], 4);
    assert_eq!(a["over_cap"], true);
    assert_eq!(people[1]["total"], 1);
    assert_eq!(people[1]["over_cap"], false);
    assert_eq!(r.body["over_cap"], 1);
    // The duty outside availability, with its reason.
    let flagged = r.body["flagged"].as_array().unwrap();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0]["kind"], "duty");
    assert_eq!(flagged[0]["person_name"], "张下沉");
    assert_eq!(flagged[0]["reason"], "汛期临时加岗，本人同意");
    assert_eq!(flagged[0]["checks"], json!(["不在本人填报的空闲时间内"]));
    assert!(flagged[0]["when"].as_str().unwrap().contains("18:00–19:00"));
    // Skill mismatches: order 3 to A2 without 电工 (with the reason), and A's seat on the
    // activity that wants 法律咨询.
    let mis = r.body["skill_mismatches"].as_array().unwrap();
    assert_eq!(mis.len(), 2, "{mis:?}");
    let order = mis.iter().find(|m| m["kind"] == "order").unwrap();
    assert_eq!(order["person_name"], "王下沉");
    assert_eq!(order["reason"], "本人会修电路，居民点名要他");
    assert_eq!(order["checks"], json!(["不具备所需专长（电工）"]));
    assert_eq!(order["href"], format!("/orders/{}", w.order3));
    let seat = mis.iter().find(|m| m["kind"] == "activity").unwrap();
    assert_eq!(seat["person_name"], "张下沉");
    assert_eq!(seat["checks"], json!(["不具备所需专长（法律咨询）"]));
    assert_eq!(seat["href"], format!("/activities/{}", w.activity));

    // The page shows the same.
    let b = app.browser("cadre_a").await;
    let p = b
        .get(&format!(
            "/reports/fairness?unit={}&period={period}",
            fx.community_a
        ))
        .await;
    assert_page("/reports/fairness", &p, "超上限");
    assert!(p.html.contains("汛期临时加岗，本人同意"));
    assert!(p.html.contains("不具备所需专长（电工）"));
    let people = &p.html[p.html.find("id=\"people\"").unwrap()..];
    assert!(people.find("张下沉").unwrap() < people.find("王下沉").unwrap());

    // The employer's view: employer A's admin sees its two people, not B's; nothing else.
    let emp = app.api("employer_a").await;
    let r = emp.get(&format!("/reports/fairness?period={period}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["scope"], "employer");
    assert_eq!(r.body["scope_id"], fx.employer_a);
    let ids: Vec<i64> = r.body["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person_id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&fx.person_a) && ids.contains(&fx.person_a2));
    assert!(!ids.contains(&fx.person_b));
    assert_eq!(r.body["over_cap"], 1);
    assert_eq!(r.body["flagged"].as_array().unwrap().len(), 1);
    for path in [
        format!("/reports/fairness?employer={}", fx.employer_b),
        format!("/reports/fairness?unit={}", fx.community_a),
        "/reports/dashboard".to_owned(),
    ] {
        assert_eq!(emp.get(&path).await.status, 404, "{path}");
    }
    let page = app
        .browser("employer_a")
        .await
        .get(&format!("/reports/fairness?period={period}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("张下沉") && !page.html.contains("李下沉"));
}

async fn grade_distribution_from_results(app: TestApp) {
    let fx = app.fx.clone();
    let sys = org::access::system_access(fx.city_id, fx.root, "测试");
    let month = this_month();
    assessment::schemes::create(
        &app.db,
        &sys,
        assessment::schemes::NewScheme {
            code: "gc".into(),
            name: "莞城考评".into(),
            unit_id: fx.community_a,
            person_kind: Some("personnel".into()),
            role: None,
            periods: vec!["month".into()],
            preset: Some("guancheng".into()),
            rules: None,
            effective_from: "2020-01-01".into(),
        },
    )
    .await
    .expect("scheme");
    let run = assessment::run::run_period(&app.db, fx.city_id, &month)
        .await
        .expect("run");
    assert!(run.people >= 2, "{run:?}");
    let admin = app.api("admin_a").await;
    let d = admin
        .get(&format!(
            "/reports/dashboard?unit={}&period={month}",
            fx.street_a
        ))
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    assert_eq!(d.body["grades_ready"], true);
    let grades = d.body["grades"].as_array().unwrap();
    let labels: Vec<&str> = grades
        .iter()
        .map(|g| g["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["优秀", "良好", "合格", "不合格"]);
    // Every personnel of community A has one result this month.
    let total: i64 = grades.iter().map(|g| g["count"].as_i64().unwrap()).sum();
    assert_eq!(total, run.people);
    // Community B has none.
    let platform = app.api("platform").await;
    let b = platform
        .get(&format!(
            "/reports/dashboard?unit={}&period={month}",
            fx.community_b
        ))
        .await;
    assert_eq!(b.body["grades_ready"], false);
    let (_, bytes) = admin
        .get_bytes(&format!(
            "/reports/dashboard/charts/grades?unit={}&period={month}",
            fx.street_a
        ))
        .await;
    let svg = String::from_utf8(bytes).unwrap();
    well_formed(&svg);
    assert_eq!(svg.matches("class=\"bar\"").count(), 4);
    for g in grades {
        assert!(svg.contains(&format!(
            "data-label=\"{}\" data-value=\"{}\"",
            g["label"].as_str().unwrap(),
            g["count"]
        )));
    }
}

testkit::backend_tests!(
    grade_distribution_from_results,
    dashboard_figures_roll_up,
    charts_are_svg_with_bars_and_labels,
    dashboards_keep_to_scope,
    fairness_lists_load_reasons_and_mismatches,
);
