//! Cases through the API: the whole loop with rework, the reporter's credit and rating,
//! steps out of order, bad input that changes nothing, photos, and scope.

use serde_json::{Value, json};
use testkit::{Api, TestApp};

/// The fixture's grid A gets a square boundary around (114.30, 30.60), about 1 km across.
pub(crate) async fn bound_grid(app: &TestApp) {
    let cadre = app.api("cadre_a").await;
    let ring = json!({"type": "Polygon", "coordinates": [[
        [114.295, 30.595], [114.305, 30.595], [114.305, 30.605], [114.295, 30.605], [114.295, 30.595]
    ]]});
    let r = cadre
        .patch(
            &format!("/units/{}", app.fx.grid_a),
            json!({"boundary": ring.to_string()}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

/// The id of a seeded 小类 by its code.
pub(crate) async fn category(api: &Api, code: &str) -> i64 {
    let r = api.get("/case-categories").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no category {code}"))["id"]
        .as_i64()
        .unwrap()
}

/// Report through the API; the case id.
pub(crate) async fn report(api: &Api, body: Value) -> i64 {
    let r = api.post("/cases", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["case"]["id"].as_i64().unwrap()
}

pub(crate) fn has(v: &Value, step: &str) -> bool {
    v["can"].as_array().unwrap().iter().any(|s| s == step)
}

async fn points(api: &Api, person: i64) -> i64 {
    let s = api.get(&format!("/ledger/people/{person}")).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    s.body["points_e2"].as_i64().unwrap()
}

async fn categories_are_seeded_in_two_levels(app: TestApp) {
    let api = app.api("resident_a").await;
    let r = api.get("/case-categories").await;
    assert_eq!(r.status, 200);
    let all = r.body.as_array().unwrap();
    let by = |name: &str| {
        all.iter()
            .find(|c| c["name"].as_str().unwrap().contains(name))
            .unwrap()
            .clone()
    };
    let street = by("街面秩序");
    assert!(street["parent_id"].is_null());
    for leaf in ["占道经营", "流动摊点", "乱停乱放", "遮阳伞"] {
        let c = by(leaf);
        assert_eq!(c["parent_id"], street["id"], "{leaf}");
        assert_eq!(c["kind"], "event");
        assert_eq!(c["group_name"], "街面秩序");
        assert_eq!(c["limit_normal"], "0d", "{leaf}: fixed the same day");
    }
    assert_eq!(by("违法建设")["group_name"], "施工管理");
    assert_eq!(by("违法建设")["limit_normal"], "7d");
    assert_eq!(by("违法排污")["group_name"], "环境保护");
    assert_eq!(by("违法占地")["group_name"], "国土资源");
    assert_eq!(by("牛皮癣")["group_name"], "宣传广告");
    assert_eq!(by("暴露垃圾")["group_name"], "市容环境");
    assert_eq!(by("污水井盖")["kind"], "component");
    assert_eq!(by("路灯")["kind"], "component");
    // A platform admin changes a limit; an admin below may not; a bad limit is explained.
    let id = by("占道经营")["id"].as_i64().unwrap();
    let admin = app.api("admin_a").await;
    let r = admin
        .patch(
            &format!("/case-categories/{id}"),
            json!({"limit_normal": "3d"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let platform = app.api("platform").await;
    let r = platform
        .patch(
            &format!("/case-categories/{id}"),
            json!({"limit_normal": "3天"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "limit_normal");
    let r = platform
        .patch(
            &format!("/case-categories/{id}"),
            json!({"limit_normal": "1d", "limit_urgent": "3d"}),
        )
        .await;
    assert_eq!(r.status, 422, "urgent longer than normal: {:?}", r.body);
    let r = platform
        .patch(
            &format!("/case-categories/{id}"),
            json!({"limit_normal": "3d", "department": "城管执法一中队"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["limit_normal"], "3d");
    assert_eq!(
        app.count("audit_log WHERE object_kind = 'case_category'")
            .await,
        1
    );
}

async fn the_loop_with_rework_closes_and_credits_once(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.api("grid_a").await;
    let cadre = app.api("cadre_a").await;
    let property = app.api("property_a").await;
    let stall = category(&grid, "E0402").await;
    let grid_person = app.fx.accounts["grid_a"];
    let before = points(&cadre, grid_person).await;

    // 上报: a patrol report in three fields; the position finds the grid.
    let r = grid
        .post(
            "/cases",
            json!({"category_id": stall, "lon": 114.3001, "lat": 30.6001, "description": "流动摊贩占用人行道"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["case"]["id"].as_i64().unwrap();
    let c = &r.body["case"];
    assert_eq!(c["state"], "reported");
    assert_eq!(c["source"], "patrol");
    assert_eq!(c["grid_id"], app.fx.grid_a);
    assert_eq!(c["community_id"], app.fx.community_a);
    assert_eq!(c["category_name"], "街面秩序 / 流动摊点");
    let path = format!("/cases/{id}");

    // Steps out of order are refused with the reason, and change nothing.
    let handlers = cadre.get(&format!("{path}/handlers")).await;
    assert_eq!(handlers.status, 200, "{:?}", handlers.body);
    let handler = app.fx.accounts["property_a"];
    assert!(
        handlers
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["person_id"] == handler),
        "{:?}",
        handlers.body
    );
    let early = cadre
        .post(
            &format!("{path}/dispatch"),
            json!({"handler_person_id": handler}),
        )
        .await;
    assert_eq!(early.status, 409, "{:?}", early.body);
    assert!(early.body["detail"].as_str().unwrap().contains("待受理"));
    let r = grid.post(&format!("{path}/register"), json!({})).await;
    assert_eq!(
        r.status, 403,
        "a grid leader does not register: {:?}",
        r.body
    );

    // 立案 credits the reporter's confirmed report, once.
    let r = cadre.post(&format!("{path}/register"), json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "registered");
    assert!(r.body["credit_txn_id"].is_i64(), "{:?}", r.body);
    let after = points(&cadre, grid_person).await;
    assert_eq!(after - before, 100, "1 point for a confirmed report");
    let again = cadre.post(&format!("{path}/register"), json!({})).await;
    assert_eq!(again.status, 409);
    assert_eq!(points(&cadre, grid_person).await, after);

    // 派遣 to someone outside the street is refused.
    let stranger = cadre
        .post(
            &format!("{path}/dispatch"),
            json!({"handler_person_id": app.fx.accounts["admin_b"]}),
        )
        .await;
    assert_eq!(stranger.status, 422, "{:?}", stranger.body);
    let r = cadre
        .post(
            &format!("{path}/dispatch"),
            json!({"handler_person_id": handler, "note": "请今天处理"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "dispatched");
    assert_eq!(r.body["department"], "城管执法中队");
    assert!(r.body["deadline_at"].as_i64().unwrap() > r.body["dispatched_at"].as_i64().unwrap());
    assert_eq!(r.body["limit_label"], "当日办结");

    // Only the handler handles; a note is needed, a photo is not.
    let r = grid
        .post(&format!("{path}/handle"), json!({"note": "已劝离"}))
        .await;
    assert_eq!(r.status, 403);
    let r = property
        .post(&format!("{path}/handle"), json!({"note": " "}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "note");
    let r = property
        .post(
            &format!("{path}/handle"),
            json!({"note": "已劝离摊贩，现场已清理"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "handled");

    // 核查: the handler may not verify their own handling; failing needs a reason and is
    // rework.
    let r = property.get(&path).await;
    assert!(!has(&r.body, "verify"));
    let own = property
        .post(&format!("{path}/verify"), json!({"result": "pass"}))
        .await;
    assert_eq!(own.status, 403, "{:?}", own.body);
    let r = grid
        .post(&format!("{path}/verify"), json!({"result": "fail"}))
        .await;
    assert_eq!(r.status, 422);
    let r = grid
        .post(
            &format!("{path}/verify"),
            json!({"result": "fail", "note": "摊贩又回来了，需再次处置"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "dispatched");
    assert_eq!(r.body["rework_count"], 1);
    let r = property
        .post(
            &format!("{path}/handle"),
            json!({"note": "已联系街道，摊贩移至安置点"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = grid
        .post(
            &format!("{path}/verify"),
            json!({"result": "pass", "note": "现场已无摊点"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "closed");
    assert!(r.body["closed_at"].is_i64());

    // The reporter rates once.
    assert!(has(&r.body, "rate"));
    let r = grid
        .post(&format!("{path}/rate"), json!({"satisfaction": "very"}))
        .await;
    assert_eq!(r.status, 422);
    let r = grid
        .post(
            &format!("{path}/rate"),
            json!({"satisfaction": "satisfied", "note": "处理及时"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = grid
        .post(&format!("{path}/rate"), json!({"satisfaction": "basic"}))
        .await;
    assert_eq!(r.status, 409);

    // Each step is on the record: who, when, why.
    let v = cadre.get(&path).await;
    let actions: Vec<&str> = v.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "report", "register", "credit", "dispatch", "handle", "fail", "handle", "pass", "rate"
        ]
    );
    let fail = &v.body["events"][5];
    assert_eq!(fail["reason"], "摊贩又回来了，需再次处置");
    assert!(fail["actor_name"].as_str().unwrap().contains("grid_a"));
    assert!(
        app.count(&format!(
            "audit_log WHERE object_kind = 'case_file' AND object_id = {id}"
        ))
        .await
            >= 8
    );
    // The handler was told of each turn.
    let inbox = property.get("/inbox").await;
    let titles: Vec<String> = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(titles.iter().any(|t| t.contains("请返工")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("新案件")), "{titles:?}");
}

async fn residents_report_and_follow_their_own(app: TestApp) {
    let resident = app.api("resident_a").await;
    let cat = category(&resident, "E0101").await;
    // No position: the resident's home community.
    let id = report(
        &resident,
        json!({"category_id": cat, "description": "小区门口垃圾三天没人清", "address": "甲社区 2 号门"}),
    )
    .await;
    let r = resident.get(&format!("/cases/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["source"], "resident");
    assert_eq!(r.body["community_id"], app.fx.community_a);
    assert!(r.body["grid_id"].is_null());
    assert!(
        r.body["can"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s == "photo")
    );
    let mine = resident.get("/cases?view=mine").await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    // A resident cannot claim another source, nor act on the case.
    let r = resident
        .post(
            "/cases",
            json!({"category_id": cat, "source": "inspection"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "source");
    let r = resident
        .post(&format!("/cases/{id}/register"), json!({}))
        .await;
    assert_eq!(r.status, 403);
    // Another resident does not see it.
    let other = app.api("personnel_a").await;
    assert_eq!(other.get(&format!("/cases/{id}")).await.status, 404);
}

async fn bad_input_is_refused_and_changes_nothing(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.api("grid_a").await;
    let cat = category(&grid, "E0401").await;
    let before = app.count("case_file").await;
    for (body, field) in [
        (
            json!({"category_id": cat, "lon": -0.12, "lat": 51.5}),
            "lon",
        ),
        (
            json!({"category_id": cat, "lon": 114.3, "lat": 95.0}),
            "lon",
        ),
        (json!({"category_id": cat, "lon": 114.3}), "lon"),
        (
            json!({"category_id": cat, "lon": 114.3, "lat": 30.6, "crs": "bd09"}),
            "crs",
        ),
        (
            json!({"category_id": 999_999, "lon": 114.3, "lat": 30.6}),
            "category_id",
        ),
        (json!({"lon": 114.3, "lat": 30.6}), "category_id"),
        (
            json!({"category_id": cat, "urgency": "soon", "lon": 114.3, "lat": 30.6}),
            "urgency",
        ),
        (
            json!({"category_id": cat, "description": "长".repeat(501), "lon": 114.3, "lat": 30.6}),
            "description",
        ),
    ] {
        let r = grid.post("/cases", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.body["code"], "invalid_input");
        assert!(
            r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{body}: {:?}",
            r.body
        );
    }
    // A 大类 is not a category to file under.
    let group = grid
        .get("/case-categories")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "E04")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = grid
        .post(
            "/cases",
            json!({"category_id": group, "lon": 114.3, "lat": 30.6}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("小类")
    );
    let r = grid
        .post_raw("/cases", "application/json", b"{\"category_id\": ".to_vec())
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(app.count("case_file").await, before, "nothing written");

    // Photos: not an image, too large for a photo, over the body limit.
    let id = report(
        &grid,
        json!({"category_id": cat, "lon": 114.3, "lat": 30.6}),
    )
    .await;
    let photos = format!("/cases/{id}/photos");
    let r = grid
        .upload_field(&photos, "photo", "x.jpg", b"%PDF-1.7 not a photo".to_vec())
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("JPEG")
    );
    let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
    big.resize(6 * 1024 * 1024, 0);
    let r = grid.upload_field(&photos, "photo", "big.jpg", big).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("5 MB")
    );
    let mut huge = b"--x\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\r\n\xFF\xD8\xFF".to_vec();
    huge.resize(50 * 1024 * 1024, b'a');
    match grid
        .try_post_raw(&photos, "multipart/form-data; boundary=x", huge)
        .await
    {
        Ok(r) => assert_eq!(r.status, 413, "{:?}", r.body),
        Err(e) => assert!(e.is_request() || e.is_body() || e.is_connect(), "{e}"),
    }
    assert_eq!(app.count("case_photo").await, 0);
    // A real (tiny) JPEG is kept and served back to those who may read the case.
    let jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9,
    ];
    let r = grid
        .upload_field(&photos, "photo", "ok.jpg", jpeg.clone())
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["stage"], "report");
    let pid = r.body["id"].as_i64().unwrap();
    let (status, bytes) = grid.get_bytes(&format!("{photos}/{pid}")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, jpeg);
    let outsider = app.api("admin_b").await;
    assert_eq!(outsider.get_bytes(&format!("{photos}/{pid}")).await.0, 404);
}

async fn nobody_outside_the_scope_sees_or_acts(app: TestApp) {
    let grid = app.api("grid_a").await;
    let cat = category(&grid, "E0102").await;
    let id = report(
        &grid,
        json!({"category_id": cat, "grid_id": app.fx.grid_a, "description": "楼道堆放杂物"}),
    )
    .await;
    let b = app.api("admin_b").await;
    assert_eq!(b.get(&format!("/cases/{id}")).await.status, 404);
    for step in ["register", "void", "escalate"] {
        let r = b
            .post(
                &format!("/cases/{id}/{step}"),
                json!({"reason": "不是我们的"}),
            )
            .await;
        assert_eq!(r.status, 404, "{step}: {:?}", r.body);
    }
    let list = b.get("/cases").await;
    assert_eq!(list.status, 200);
    assert!(list.body["items"].as_array().unwrap().is_empty());
    let board = b.get("/cases/board").await;
    assert_eq!(board.status, 200);
    assert_eq!(board.body["waiting"].as_array().unwrap().len(), 0);
    // Inside: the district admin above sees it, the inspector reads but does not register.
    let a = app.api("admin_a").await;
    assert_eq!(a.get(&format!("/cases/{id}")).await.status, 200);
    let inspector = app.api("inspector_a").await;
    assert_eq!(inspector.get(&format!("/cases/{id}")).await.status, 200);
    let r = inspector
        .post(&format!("/cases/{id}/register"), json!({}))
        .await;
    assert_eq!(r.status, 403);
    let board = a.get("/cases/board").await;
    assert_eq!(board.body["waiting"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.count(&format!("case_file WHERE id = {id} AND state = 'reported'"))
            .await,
        1
    );
}

testkit::backend_tests!(
    categories_are_seeded_in_two_levels,
    the_loop_with_rework_closes_and_credits_once,
    residents_report_and_follow_their_own,
    bad_input_is_refused_and_changes_nothing,
    nobody_outside_the_scope_sees_or_acts,
);
