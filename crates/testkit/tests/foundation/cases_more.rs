//! Cases over time and across people: overdue escalation up the tree by the scheduled
//! job, escalation by hand, problems the grid missed and its responsibility chain,
//! duplicates and merging, returns, extensions and suspensions with approval, the
//! follow-up watch and rebounds, the city's calendar, and the figures with their
//! drill-down.

use kernel::time::now_ms;
use serde_json::json;
use testkit::TestApp;

use crate::cases::{bound_grid, category, has, report};

const DAY: i64 = 86_400_000;

/// A case reported by the grid leader in grid A, registered and dispatched to the
/// property company; its id.
async fn dispatched(app: &TestApp, code: &str, lon: f64) -> i64 {
    let grid = app.api("grid_a").await;
    let cadre = app.api("cadre_a").await;
    let cat = category(&grid, code).await;
    let id = report(&grid, json!({"category_id": cat, "lon": lon, "lat": 30.6})).await;
    let r = cadre
        .post(&format!("/cases/{id}/register"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = cadre
        .post(
            &format!("/cases/{id}/dispatch"),
            json!({"handler_person_id": app.fx.accounts["property_a"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    id
}

async fn overdue_cases_climb_the_tree(app: TestApp) {
    bound_grid(&app).await;
    let id = dispatched(&app, "E0401", 114.30).await;
    let cadre = app.api("cadre_a").await;
    let path = format!("/cases/{id}");
    let v = cadre.get(&path).await;
    assert_eq!(v.body["level"], 0);
    assert_eq!(v.body["level_name"], "网格：甲一网格");
    let deadline = v.body["deadline_at"].as_i64().unwrap();

    // Before the deadline nothing happens.
    server::jobs::run_due_at(&app.db, deadline - 60_000)
        .await
        .unwrap();
    assert_eq!(cadre.get(&path).await.body["level"], 0);

    // Past it: up to the community, shown as overdue everywhere, the cadre told.
    let t1 = deadline + 60_000;
    server::jobs::run_due_at(&app.db, t1).await.unwrap();
    let v = cadre.get(&path).await;
    assert_eq!(v.body["level"], 1, "{:?}", v.body);
    assert_eq!(v.body["level_name"], "社区：甲社区");
    assert_eq!(v.body["overdue"], true);
    assert_eq!(v.body["overdue_at"], deadline);
    let overdue = cadre.get("/cases?overdue=true").await;
    assert_eq!(overdue.body["items"][0]["id"], id);
    assert_eq!(overdue.body["items"][0]["overdue"], true);
    let board = cadre.get("/cases/board").await;
    assert_eq!(board.body["overdue"], 1);
    assert_eq!(board.body["overdue_cases"][0]["id"], id);
    let inbox = cadre.get("/inbox").await;
    assert!(
        inbox.body["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("上报至社区"),
        "{:?}",
        inbox.body
    );
    // The same slot again does nothing more (the job's run is claimed once).
    server::jobs::run_due_at(&app.db, t1).await.unwrap();
    assert_eq!(cadre.get(&path).await.body["level"], 1);

    // A working day later: the street; then the district; then it stays there.
    let t2 = t1 + 4 * DAY;
    server::jobs::run_due_at(&app.db, t2).await.unwrap();
    let v = cadre.get(&path).await;
    assert_eq!(v.body["level"], 2);
    assert_eq!(v.body["level_name"], "街道：甲街道");
    let t3 = t2 + 4 * DAY;
    server::jobs::run_due_at(&app.db, t3).await.unwrap();
    let v = cadre.get(&path).await;
    assert_eq!(v.body["level"], 3);
    assert_eq!(v.body["level_name"], "区：甲区");
    server::jobs::run_due_at(&app.db, t3 + 4 * DAY)
        .await
        .unwrap();
    let v = cadre.get(&path).await;
    assert_eq!(v.body["level"], 3);
    let actions: Vec<&str> = v.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "escalate").count(),
        3,
        "{actions:?}"
    );
    assert!(actions.contains(&"overdue"));
    // The admin of the district was told.
    let admin = app.api("admin_a").await;
    let inbox = admin.get("/inbox").await;
    assert!(
        inbox.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["title"].as_str().unwrap().contains("上报至区")),
        "{:?}",
        inbox.body
    );
    // Handled late: closed, but not on time.
    let property = app.api("property_a").await;
    let r = property
        .post(&format!("{path}/handle"), json!({"note": "已清理"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["overdue"], false);
}

async fn escalation_by_hand_needs_a_reason(app: TestApp) {
    bound_grid(&app).await;
    let id = dispatched(&app, "E0301", 114.30).await;
    let property = app.api("property_a").await;
    let path = format!("/cases/{id}/escalate");
    let r = property.post(&path, json!({"reason": ""})).await;
    assert_eq!(r.status, 422);
    let r = property
        .post(&path, json!({"reason": "违法建设须由街道综合执法拆除"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["level"], 1);
    assert_eq!(r.body["state"], "dispatched", "the state stays");
    let resident = app.api("resident_a").await;
    assert_eq!(
        resident
            .post(&path, json!({"reason": "我要上报"}))
            .await
            .status,
        404
    );
}

async fn a_problem_found_by_inspection_counts_against_the_grid(app: TestApp) {
    bound_grid(&app).await;
    let cadre = app.api("cadre_a").await;
    let grid_person = app.fx.accounts["grid_a"];
    // The grid's chain: its grid leader directly, the cadre as principal at the community.
    let r = cadre
        .put(
            &format!("/units/{}/responsible", app.fx.grid_a),
            json!({"level": "direct", "person_id": grid_person}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = cadre
        .put(
            &format!("/units/{}/responsible", app.fx.grid_a),
            json!({"level": "chief", "person_id": grid_person}),
        )
        .await;
    assert_eq!(r.status, 422);
    let admin = app.api("admin_a").await;
    let r = admin
        .put(
            &format!("/units/{}/responsible", app.fx.community_a),
            json!({"level": "principal", "person_id": app.fx.accounts["cadre_a"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let chain = cadre
        .get(&format!("/units/{}/responsible", app.fx.grid_a))
        .await;
    assert_eq!(chain.body[0]["person_id"], grid_person);
    assert_eq!(chain.body[1]["person_id"], app.fx.accounts["cadre_a"]);
    assert!(chain.body[2]["person_id"].is_null());

    // The inspector finds stalls the grid never reported: missed, with the chain.
    let inspector = app.api("inspector_a").await;
    let cat = category(&inspector, "E0401").await;
    let found = report(
        &inspector,
        json!({"category_id": cat, "lon": 114.301, "lat": 30.601, "description": "暗访发现占道经营"}),
    )
    .await;
    let r = cadre
        .post(&format!("/cases/{found}/register"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["source"], "inspection");
    assert_eq!(r.body["missed_by_grid"], true);
    assert_eq!(r.body["missed_chain"][0]["person_id"], grid_person);
    assert!(
        r.body["credit_txn_id"].is_null(),
        "no points for an inspection"
    );
    let missed = cadre.get("/cases?missed=true").await;
    assert_eq!(missed.body["items"][0]["id"], found);

    // The grid had reported this one itself first: not missed.
    let grid = app.api("grid_a").await;
    let own = report(
        &grid,
        json!({"category_id": cat, "lon": 114.299, "lat": 30.599}),
    )
    .await;
    let media = report(
        &cadre,
        json!({"category_id": cat, "lon": 114.29905, "lat": 30.59905, "source": "media",
               "reporter_name": "晚报记者", "reporter_contact": "13912345678"}),
    )
    .await;
    let r = cadre
        .post(&format!("/cases/{media}/register"), json!({}))
        .await;
    assert_eq!(r.body["missed_by_grid"], false, "{:?}", r.body);
    assert_eq!(r.body["reporter_name"], "晚报记者");
    assert_eq!(
        r.body["reporter_contact"], "13912345678",
        "the dispatcher sees the contact"
    );
    let seen_by_grid = grid.get(&format!("/cases/{media}")).await;
    assert_eq!(seen_by_grid.body["reporter_contact"], "139****5678");
    assert!(own > 0);
    // A hotline entry by someone who may not make one.
    let r = grid
        .post(
            "/cases",
            json!({"category_id": cat, "grid_id": app.fx.grid_a, "source": "hotline"}),
        )
        .await;
    assert_eq!(r.status, 422);
}

async fn duplicates_are_offered_and_merged(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.api("grid_a").await;
    let resident = app.api("resident_a").await;
    let cadre = app.api("cadre_a").await;
    let cat = category(&grid, "E0102").await;
    let first = report(
        &grid,
        json!({"category_id": cat, "lon": 114.3, "lat": 30.6}),
    )
    .await;
    // About 30 m away, same category: offered; 200 m away or another category: not.
    let r = resident
        .post(
            "/cases",
            json!({"category_id": cat, "lon": 114.3003, "lat": 30.6001}),
        )
        .await;
    assert_eq!(r.status, 201);
    let dups = r.body["possible_duplicates"].as_array().unwrap();
    assert_eq!(dups.len(), 1, "{dups:?}");
    assert_eq!(dups[0]["case_id"], first);
    assert!(dups[0]["distance_m"].as_i64().unwrap() < 50);
    let second = r.body["case"]["id"].as_i64().unwrap();
    let far = resident
        .post(
            "/cases",
            json!({"category_id": cat, "lon": 114.302, "lat": 30.6}),
        )
        .await;
    assert!(
        far.body["possible_duplicates"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let other = category(&grid, "E0101").await;
    let r = resident
        .post(
            "/cases",
            json!({"category_id": other, "lon": 114.3001, "lat": 30.6}),
        )
        .await;
    assert!(r.body["possible_duplicates"].as_array().unwrap().is_empty());
    // The dispatcher sees the offer on the case, and merges.
    let v = cadre.get(&format!("/cases/{second}")).await;
    assert_eq!(v.body["possible_duplicates"][0]["case_id"], first);
    assert!(has(&v.body, "merge"));
    let r = cadre
        .post(
            &format!("/cases/{second}/merge"),
            json!({"into_case_id": second}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = cadre
        .post(
            &format!("/cases/{second}/merge"),
            json!({"into_case_id": first}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "voided");
    assert_eq!(r.body["duplicate_of_id"], first);
    // The resident is told where their report went.
    let inbox = resident.get("/inbox").await;
    assert!(
        inbox.body["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains(&format!("并入案卷 {first}"))
    );
    // Voiding needs a reason.
    let r = cadre.post(&format!("/cases/{first}/void"), json!({})).await;
    assert_eq!(r.status, 422);
}

async fn returns_extensions_and_suspensions_need_approval(app: TestApp) {
    bound_grid(&app).await;
    let id = dispatched(&app, "E0301", 114.30).await; // 违法建设: 7 working days
    let property = app.api("property_a").await;
    let cadre = app.api("cadre_a").await;
    let path = format!("/cases/{id}");
    let deadline = cadre.get(&path).await.body["deadline_at"].as_i64().unwrap();

    // An extension within the 15-day ceiling, asked with a reason, approved.
    let ask = format!("{path}/requests");
    let r = property
        .post(
            &ask,
            json!({"kind": "extend", "reason": "需等待规划部门认定", "days": 9}),
        )
        .await;
    assert_eq!(r.status, 422, "7 + 9 > 15: {:?}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 到 8")
    );
    let r = property
        .post(&ask, json!({"kind": "postpone", "reason": "x"}))
        .await;
    assert_eq!(r.status, 422);
    let r = cadre
        .post(
            &ask,
            json!({"kind": "extend", "reason": "我来申请", "days": 2}),
        )
        .await;
    assert_eq!(r.status, 403, "only the handler asks");
    let r = property
        .post(
            &ask,
            json!({"kind": "extend", "reason": "需等待规划部门认定", "days": 3}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let req = r.body["id"].as_i64().unwrap();
    let r = property
        .post(&ask, json!({"kind": "suspend", "reason": "另一项"}))
        .await;
    assert_eq!(r.status, 409, "one pending request at a time");
    assert_eq!(
        cadre.get(&path).await.body["deadline_at"],
        deadline,
        "nothing changes before approval"
    );
    let decide = format!("/case-requests/{req}/decide");
    let r = property.post(&decide, json!({"decision": "approve"})).await;
    assert_eq!(r.status, 403);
    let r = cadre.post(&decide, json!({"decision": "refuse"})).await;
    assert_eq!(r.status, 422, "refusing needs a reason");
    let r = cadre
        .post(
            &decide,
            json!({"decision": "approve", "note": "同意延期 3 天"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let new_deadline = r.body["case"]["deadline_at"].as_i64().unwrap();
    assert!(
        new_deadline >= deadline + 3 * DAY,
        "{deadline} → {new_deadline}"
    );
    assert_eq!(r.body["case"]["extended_days"], 3);
    let r = cadre.post(&decide, json!({"decision": "approve"})).await;
    assert_eq!(r.status, 409);

    // A suspension stops the clock; resuming counts the time that was left.
    let r = property
        .post(
            &ask,
            json!({"kind": "suspend", "reason": "当事人住院，待出院后处理"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let req = r.body["id"].as_i64().unwrap();
    let r = cadre
        .post(
            &format!("/case-requests/{req}/decide"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["case"]["state"], "suspended");
    // Suspended cases do not escalate.
    server::jobs::run_due_at(&app.db, new_deadline + 10 * DAY)
        .await
        .unwrap();
    assert_eq!(cadre.get(&path).await.body["level"], 0);
    let r = property
        .post(&format!("{path}/handle"), json!({"note": "已处理"}))
        .await;
    assert_eq!(r.status, 409, "suspended cases are not handled");
    let r = cadre.post(&format!("{path}/resume"), json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "dispatched");
    let resumed = r.body["deadline_at"].as_i64().unwrap();
    assert!(resumed >= new_deadline, "{new_deadline} → {resumed}");

    // A return sends it back to be dispatched again.
    let r = property
        .post(
            &ask,
            json!({"kind": "return", "reason": "不属于物业职责，应由城管执法"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let req = r.body["id"].as_i64().unwrap();
    let r = cadre
        .post(
            &format!("/case-requests/{req}/decide"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.body["case"]["state"], "registered");
    assert!(r.body["case"]["handler_person_id"].is_null());

    // The ledger lists all three, with who decided.
    let ledger = cadre.get("/case-requests").await;
    assert_eq!(ledger.status, 200);
    let kinds: Vec<&str> = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["return", "suspend", "extend"]);
    assert!(
        ledger.body["items"][2]["decided_by_name"]
            .as_str()
            .unwrap()
            .contains("cadre_a")
    );
    let outsider = app.api("admin_b").await;
    assert!(
        outsider.get("/case-requests").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn an_extension_must_be_asked_before_the_deadline(app: TestApp) {
    bound_grid(&app).await;
    let id = dispatched(&app, "E0401", 114.30).await;
    app.exec(&format!(
        "UPDATE case_file SET deadline_at = {} WHERE id = {id}",
        now_ms() - 60_000
    ))
    .await;
    let property = app.api("property_a").await;
    let r = property
        .post(
            &format!("/cases/{id}/requests"),
            json!({"kind": "extend", "reason": "来不及", "days": 1}),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert_eq!(r.body["code"], "deadline_passed");
    assert_eq!(app.count("case_request").await, 0);
}

async fn a_watch_catches_a_rebound(app: TestApp) {
    bound_grid(&app).await;
    let id = dispatched(&app, "E0402", 114.30).await;
    let property = app.api("property_a").await;
    let grid = app.api("grid_a").await;
    let cadre = app.api("cadre_a").await;
    let path = format!("/cases/{id}");
    property
        .post(&format!("{path}/handle"), json!({"note": "已劝离"}))
        .await;
    let r = cadre
        .post(
            &format!("{path}/watch"),
            json!({"watcher_person_id": app.fx.accounts["property_a"], "days": 7}),
        )
        .await;
    assert_eq!(r.status, 409, "not closed yet: {:?}", r.body);
    grid.post(&format!("{path}/verify"), json!({"result": "pass"}))
        .await;
    let r = cadre
        .post(
            &format!("{path}/watch"),
            json!({"watcher_person_id": app.fx.accounts["property_a"], "days": 0}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = cadre
        .post(
            &format!("{path}/watch"),
            json!({"watcher_person_id": app.fx.accounts["resident_a"], "days": 7}),
        )
        .await;
    assert_eq!(r.status, 422, "a resident is not a watcher: {:?}", r.body);
    let r = cadre
        .post(
            &format!("{path}/watch"),
            json!({"watcher_person_id": app.fx.accounts["property_a"], "days": 7}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let watch = r.body["id"].as_i64().unwrap();
    let mine = property.get("/case-watches").await;
    assert_eq!(mine.body[0]["id"], watch);
    // The watcher reads the closed case through the watch.
    assert_eq!(property.get(&path).await.status, 200);
    let report_path = format!("/case-watches/{watch}/report");
    let r = property
        .post(&report_path, json!({"outcome": "rebound"}))
        .await;
    assert_eq!(r.status, 422, "a rebound needs what was seen");
    let r = grid.post(&report_path, json!({"outcome": "clear"})).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let r = property
        .post(
            &report_path,
            json!({"outcome": "rebound", "note": "摊贩晚上又回来了"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["watch"]["state"], "rebound");
    let new_case = r.body["rebound_case_id"].as_i64().unwrap();
    let v = cadre.get(&format!("/cases/{new_case}")).await;
    assert_eq!(v.body["state"], "registered");
    assert_eq!(v.body["source"], "watch");
    assert_eq!(v.body["rebound_of_id"], id);
    assert_eq!(v.body["grid_id"], app.fx.grid_a);
    assert!(has(&v.body, "dispatch"));
    let r = property
        .post(&report_path, json!({"outcome": "clear"}))
        .await;
    assert_eq!(r.status, 409);
}

async fn the_citys_calendar_moves_deadlines(app: TestApp) {
    let platform = app.api("platform").await;
    let cadre = app.api("cadre_a").await;
    let r = cadre
        .post(
            "/work-calendar",
            json!({"day": "2027-01-01", "kind": "holiday", "name": "元旦"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = platform
        .post(
            "/work-calendar",
            json!({"day": "2027-13-01", "kind": "holiday", "name": "x"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = platform
        .post(
            "/work-calendar",
            json!({"day": "2027-01-01", "kind": "holiday", "name": "元旦"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let day = r.body["id"].as_i64().unwrap();
    let list = platform.get("/work-calendar").await;
    assert_eq!(list.body[0]["day"], "2027-01-01");
    let (cal, wh) = cases::workdays::calendar(&app.db, app.fx.city_id)
        .await
        .unwrap();
    let thursday = kernel::time::parse_datetime("2026-12-31T10:00").unwrap();
    // 2027-01-01 is a Friday and now a holiday: one working day from Thursday is Monday.
    let d = kernel::calendar::add_working_days(&cal, &wh, thursday, 1);
    assert_eq!(kernel::time::local_datetime(d), "2027-01-04T17:30");
    let r = platform.delete(&format!("/work-calendar/{day}")).await;
    assert_eq!(r.status, 204);
    let (cal, wh) = cases::workdays::calendar(&app.db, app.fx.city_id)
        .await
        .unwrap();
    let d = kernel::calendar::add_working_days(&cal, &wh, thursday, 1);
    assert_eq!(kernel::time::local_datetime(d), "2027-01-01T17:30");
}

async fn figures_count_what_their_lists_show(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.api("grid_a").await;
    let cadre = app.api("cadre_a").await;
    let property = app.api("property_a").await;
    let cat = category(&grid, "E0401").await;
    // Four patrol reports: one voided (not a case), three registered and dispatched; one
    // closed on time, one closed after rework, one still open and overdue.
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            report(
                &grid,
                json!({"category_id": cat, "lon": 114.296 + f64::from(i) * 0.002, "lat": 30.6}),
            )
            .await,
        );
    }
    cadre
        .post(
            &format!("/cases/{}/void", ids[3]),
            json!({"reason": "重复上报，现场无问题"}),
        )
        .await;
    for &id in &ids[..3] {
        cadre
            .post(&format!("/cases/{id}/register"), json!({}))
            .await;
        cadre
            .post(
                &format!("/cases/{id}/dispatch"),
                json!({"handler_person_id": app.fx.accounts["property_a"]}),
            )
            .await;
    }
    for &id in &ids[..2] {
        property
            .post(&format!("/cases/{id}/handle"), json!({"note": "已处理"}))
            .await;
    }
    grid.post(
        &format!("/cases/{}/verify", ids[1]),
        json!({"result": "fail", "note": "没处理干净"}),
    )
    .await;
    property
        .post(
            &format!("/cases/{}/handle", ids[1]),
            json!({"note": "已再次处理"}),
        )
        .await;
    for &id in &ids[..2] {
        let r = grid
            .post(&format!("/cases/{id}/verify"), json!({"result": "pass"}))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    grid.post(
        &format!("/cases/{}/rate", ids[0]),
        json!({"satisfaction": "satisfied"}),
    )
    .await;
    grid.post(
        &format!("/cases/{}/rate", ids[1]),
        json!({"satisfaction": "unsatisfied"}),
    )
    .await;
    app.exec(&format!(
        "UPDATE case_file SET deadline_at = {} WHERE id = {}",
        now_ms() - 1,
        ids[2]
    ))
    .await;
    // An inspection finds one the grid missed.
    let inspector = app.api("inspector_a").await;
    let missed = report(
        &inspector,
        json!({"category_id": cat, "lon": 114.304, "lat": 30.604}),
    )
    .await;
    cadre
        .post(&format!("/cases/{missed}/register"), json!({}))
        .await;

    let today = kernel::time::today();
    let (from, to) = (
        today.first_of_month().to_string(),
        today.last_of_month().to_string(),
    );
    let q = format!("from={from}&to={to}");
    let r = cadre
        .get(&format!("/case-figures?unit_id={}&{q}", app.fx.community_a))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let f = &r.body["total"]["figures"];
    assert_eq!(f["reports"], 4, "{f:?}");
    assert_eq!(f["valid_reports"], 3);
    assert_eq!(f["filed"], 4, "three reports and the inspection case");
    assert_eq!(f["should_close"], 4, "{f:?}");
    assert_eq!(f["closed"], 2);
    assert_eq!(f["closed_on_time"], 2);
    assert_eq!(f["dispatched"], 3);
    assert_eq!(f["reworked"], 1);
    assert_eq!(f["missed"], 1);
    assert_eq!(f["rated"], 2);
    assert_eq!(f["satisfied"], 1);
    assert_eq!(f["close_rate"], 5000);
    assert_eq!(f["on_time_rate"], 5000);
    assert_eq!(f["rework_rate"], 3333);
    assert_eq!(f["valid_report_rate"], 7500);
    assert_eq!(f["missed_rate"], 2500);
    assert_eq!(f["satisfaction_rate"], 5000);
    // The grid below carries the same numbers.
    let child = r.body["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["unit_id"] == app.fx.grid_a)
        .unwrap();
    assert_eq!(child["figures"]["filed"], 4);
    // Each count lists exactly its cases.
    for fig in [
        "reports",
        "valid_reports",
        "filed",
        "should_close",
        "closed",
        "closed_on_time",
        "reworked",
        "missed",
        "rated",
        "satisfied",
    ] {
        let list = cadre
            .get(&format!(
                "/cases?unit_id={}&figure={fig}&{q}&limit=200",
                app.fx.community_a
            ))
            .await;
        assert_eq!(list.status, 200, "{fig}: {:?}", list.body);
        assert_eq!(
            list.body["items"].as_array().unwrap().len() as i64,
            f[fig].as_i64().unwrap(),
            "{fig}"
        );
    }
    let reworked = cadre.get(&format!("/cases?figure=reworked&{q}")).await;
    assert_eq!(reworked.body["items"][0]["id"], ids[1]);
    // A person's figures: the grid leader as reporter, the property company as handler.
    let p = cadre
        .get(&format!(
            "/case-figures/people/{}?{q}",
            app.fx.accounts["grid_a"]
        ))
        .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body["as_reporter"]["reports"], 4);
    assert_eq!(p.body["as_reporter"]["valid_report_rate"], 7500);
    let h = cadre
        .get(&format!(
            "/case-figures/people/{}?{q}",
            app.fx.accounts["property_a"]
        ))
        .await;
    assert_eq!(h.body["as_handler"]["dispatched"], 3);
    assert_eq!(h.body["as_handler"]["rework_rate"], 3333);
    // Bad periods and out-of-scope nodes.
    assert_eq!(
        cadre
            .get("/case-figures?from=2026-12-31&to=2026-12-01")
            .await
            .status,
        422
    );
    assert_eq!(cadre.get("/case-figures?from=2026-12-01").await.status, 422);
    let b = app.api("admin_b").await;
    assert_eq!(
        b.get(&format!("/case-figures?unit_id={}", app.fx.community_a))
            .await
            .status,
        404
    );
    assert_eq!(cadre.get("/cases?figure=popularity").await.status, 422);
}

testkit::backend_tests!(
    overdue_cases_climb_the_tree,
    escalation_by_hand_needs_a_reason,
    a_problem_found_by_inspection_counts_against_the_grid,
    duplicates_are_offered_and_merged,
    returns_extensions_and_suspensions_need_approval,
    an_extension_must_be_asked_before_the_deadline,
    a_watch_catches_a_rebound,
    the_citys_calendar_moves_deadlines,
    figures_count_what_their_lists_show,
);
