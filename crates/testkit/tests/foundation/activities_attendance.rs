//! Attendance through the API: geofenced check-in (WGS-84 and GCJ-02, inside, outside,
//! repeats), roll call without any check-in, and review that credits the ledger exactly
//! once or rejects with a reason.

use serde_json::json;
use testkit::{Api, TestApp};

use crate::activities::{activity, personnel, pos, publish, unread};

async fn check_in_inside_outside_and_repeats(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let id = publish(&cadre, activity(&app, "正在进行", -10, 120, 5)).await;
    let me = app.api("personnel_a").await;
    let path = format!("/activities/{id}/checkin");

    // Not signed up: refused clearly, nothing written.
    let r = me.post(&path, pos("in", 114.3, 30.6, 10.0, "wgs84")).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["code"], "not_signed_up");
    me.post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    // Bad positions name the field and write nothing.
    for (body, field) in [
        (pos("in", 114.3, 91.0, 10.0, "wgs84"), "lat"),
        (pos("in", 200.0, 30.6, 10.0, "wgs84"), "lon"),
        (pos("in", 114.3, 30.6, -1.0, "wgs84"), "accuracy"),
        (pos("in", 114.3, 30.6, 10.0, "bd09"), "crs"),
        (pos("sideways", 114.3, 30.6, 10.0, "wgs84"), "direction"),
        (json!({"direction": "in"}), "lon"),
    ] {
        let r = me.post(&path, body.clone()).await;
        assert_eq!(r.status, 422, "{body}");
        assert_eq!(r.body["errors"][0]["field"], field, "{:?}", r.body);
    }
    let out = me.post(&path, pos("out", 114.3, 30.6, 10.0, "wgs84")).await;
    assert_eq!(out.status, 409);
    assert_eq!(out.body["code"], "not_checked_in");
    assert_eq!(app.count("checkin").await, 0);
    assert_eq!(app.count("attendance").await, 0);

    // About 48 m from the centre: accepted.
    let r = me
        .post(&path, pos("in", 114.3005, 30.6, 15.0, "wgs84"))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["checkin"]["result"], "accepted");
    assert_eq!(r.body["checkin"]["distance_m"], 0);
    assert_eq!(r.body["replayed"], false);
    let first = r.body["checkin"]["id"].clone();
    // A repeat (even from elsewhere) answers the first record and writes nothing.
    let again = me.post(&path, pos("in", 114.4, 30.7, 5.0, "wgs84")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["replayed"], true);
    assert_eq!(again.body["checkin"]["id"], first);
    assert_eq!(again.body["checkin"]["result"], "accepted");
    assert_eq!(app.count("checkin").await, 1);
    assert_eq!(
        app.count("attendance WHERE state = 'pending' AND outside = 0")
            .await,
        1
    );

    // GCJ-02 coordinates of the centre (what WeChat reports) are shifted back: accepted.
    let (_, p2) = personnel(&app, 3).await;
    p2.post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    let (gx, gy) = coordtransform::wgs84_to_gcj02(114.3, 30.6);
    let r = p2.post(&path, pos("in", gx, gy, 20.0, "gcj02")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["checkin"]["result"], "accepted");
    assert_eq!(r.body["checkin"]["crs"], "gcj02");

    // About 1.1 km north: recorded as outside, with the distance, and sent to review.
    let (p3id, p3) = personnel(&app, 4).await;
    p3.post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    let r = p3.post(&path, pos("in", 114.3, 30.61, 20.0, "wgs84")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["checkin"]["result"], "outside");
    assert_eq!(r.body["checkin"]["inside_fence"], false);
    assert_eq!(r.body["checkin"]["inside_window"], true);
    let d = r.body["checkin"]["distance_m"].as_i64().unwrap();
    assert!((880..=940).contains(&d), "{d}");
    assert!(r.body["message"].as_str().unwrap().contains("范围外约"));
    let queue = cadre.get("/attendance/review").await;
    assert_eq!(queue.status, 200, "{:?}", queue.body);
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let flagged = items.iter().find(|a| a["person_id"] == p3id).unwrap();
    assert_eq!(flagged["outside"], true);
    assert_eq!(flagged["distance_m"], d);
    assert_eq!(flagged["source"], "checkin");
    assert!(items.iter().filter(|a| a["outside"] == true).count() == 1);

    // Check-out inside: the claim is the time between, clipped to the window.
    let r = me.post(&path, pos("out", 114.3, 30.6, 10.0, "wgs84")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["checkin"]["result"], "accepted");
    assert_eq!(app.count("checkin").await, 4);
    let mine = me.get("/me/activities").await;
    let item = &mine.body["items"][0];
    assert_eq!(item["checkins"].as_array().unwrap().len(), 2);
    assert_eq!(item["attendance"]["state"], "pending");
    assert_eq!(item["attendance"]["claimed_minutes"], 0);
    let roster = cadre.get(&format!("/activities/{id}/roster")).await;
    let row = roster.body["signed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["person_id"] == p3id)
        .unwrap()
        .clone();
    assert_eq!(row["checkins"][0]["result"], "outside");
    assert_eq!(row["attendance"]["outside"], true);
    // Positions are kept out of the audit trail.
    assert_eq!(app.count("audit_log WHERE action = 'check_in'").await, 3);
    assert_eq!(
        app.count("audit_log WHERE action = 'check_in' AND after_json LIKE '%30.6%'")
            .await,
        0
    );
}

async fn ledger_minutes(api: &Api, person: i64) -> (i64, i64) {
    let s = api.get(&format!("/ledger/people/{person}")).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    (
        s.body["points_e2"].as_i64().unwrap(),
        s.body["minutes"].as_i64().unwrap(),
    )
}

async fn approval_credits_exactly_once(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let p = app.fx.person_a;
    // Started two hours ago (recorded while it runs), ends in an hour.
    let id = publish(&cadre, activity(&app, "已开始", -120, 180, 5)).await;
    let me = app.api("personnel_a").await;
    me.post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    let path = format!("/activities/{id}/checkin");
    assert_eq!(
        me.post(&path, pos("in", 114.3, 30.6, 5.0, "wgs84"))
            .await
            .status,
        201
    );
    assert_eq!(
        me.post(&path, pos("out", 114.3, 30.6, 5.0, "wgs84"))
            .await
            .status,
        201
    );
    let queue = cadre.get("/attendance/review").await;
    let att = queue.body["items"][0]["id"].as_i64().unwrap();
    let review = format!("/attendance/{att}/review");
    assert_eq!(ledger_minutes(&cadre, p).await, (0, 0));

    // The claim is 0 minutes (in and out at once): approving it as is is refused.
    let r = cadre.post(&review, json!({"decision": "approve"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "minutes");
    let r = cadre
        .post(&review, json!({"decision": "approve", "minutes": 90}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "reason");
    let r = cadre.post(&review, json!({"decision": "maybe"})).await;
    assert_eq!(r.status, 422);
    // Nobody else may decide: another district's admin, an inspector, the person.
    assert_eq!(
        app.api("admin_b")
            .await
            .post(
                &review,
                json!({"decision": "approve", "minutes": 90, "reason": "x"})
            )
            .await
            .status,
        403
    );
    assert_eq!(
        app.api("inspector_a")
            .await
            .post(
                &review,
                json!({"decision": "approve", "minutes": 90, "reason": "x"})
            )
            .await
            .status,
        403
    );
    assert_eq!(
        me.post(
            &review,
            json!({"decision": "approve", "minutes": 90, "reason": "x"})
        )
        .await
        .status,
        403
    );
    assert_eq!(app.count("attendance WHERE state = 'pending'").await, 1);
    assert_eq!(app.count("ledger_txn").await, 0);

    let ok = cadre
        .post(
            &review,
            json!({"decision": "approve", "minutes": 90, "reason": "按实际服务时间核定"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["state"], "approved");
    assert_eq!(ok.body["minutes"], 90);
    assert!(ok.body["credit_txn_id"].is_i64());
    assert_eq!(ledger_minutes(&cadre, p).await, (150, 90));
    assert_eq!(unread(&app, p, "attendance.reviewed").await, 1);
    // A second approval (or a rejection) is refused, and nothing is credited twice.
    let again = cadre
        .post(
            &review,
            json!({"decision": "approve", "minutes": 90, "reason": "按实际服务时间核定"}),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["code"], "already_reviewed");
    let reject = cadre
        .post(&review, json!({"decision": "reject", "reason": "重复"}))
        .await;
    assert_eq!(reject.status, 409);
    assert_eq!(ledger_minutes(&cadre, p).await, (150, 90));
    assert_eq!(
        app.count("ledger_txn WHERE ref_kind = 'attendance'").await,
        1
    );
    assert_eq!(
        cadre.get("/attendance/review").await.body["items"],
        json!([])
    );
    let mine = me.get("/me/activities").await;
    assert_eq!(mine.body["items"][0]["attendance"]["state"], "approved");
    assert_eq!(mine.body["items"][0]["attendance"]["minutes"], 90);
}

async fn roll_call_and_rejection(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let p = app.fx.person_a;
    let id = publish(&cadre, activity(&app, "点名活动", -120, 150, 5)).await;
    let me = app.api("personnel_a").await;
    me.post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    let (p2, second) = personnel(&app, 5).await;
    second
        .post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    let path = format!("/activities/{id}/roll-call");

    let r = cadre
        .post(&path, json!({"person_id": p, "minutes": 0}))
        .await;
    assert_eq!(r.status, 422);
    let r = cadre
        .post(&path, json!({"person_id": app.fx.person_b}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["code"], "not_signed_up");
    let r = app
        .api("admin_b")
        .await
        .post(&path, json!({"person_id": p}))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.count("attendance").await, 0);

    // No check-in needed: the roll call records the whole window by default.
    let r = cadre.post(&path, json!({"person_id": p})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["source"], "roll_call");
    assert_eq!(r.body["minutes"], 150);
    assert_eq!(r.body["state"], "pending");
    let att = r.body["id"].as_i64().unwrap();
    let again = cadre.post(&path, json!({"person_id": p})).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["code"], "attendance_exists");
    let r = cadre
        .post(&path, json!({"person_id": p2, "minutes": 30}))
        .await;
    assert_eq!(r.status, 201);
    let att2 = r.body["id"].as_i64().unwrap();

    // The activity still runs (two of its two and a half hours are over): an approval now
    // cannot credit the planned time that has not been served yet.
    let q = cadre.get("/attendance/review").await;
    let item = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == att)
        .unwrap()
        .clone();
    assert_eq!(item["max_minutes_now"], 120, "{item:?}");
    assert_eq!(item["minutes_now"], 120, "{item:?}");
    let r = cadre
        .post(
            &format!("/attendance/{att}/review"),
            json!({"decision": "approve", "minutes": 150, "reason": "全程参加"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "minutes");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("最多核定已进行的 120 分钟"),
        "{:?}",
        r.body
    );
    assert_eq!(app.count("ledger_txn").await, 0);
    let ok = cadre
        .post(
            &format!("/attendance/{att}/review"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["minutes"], 120);
    assert!(
        ok.body["reason"]
            .as_str()
            .unwrap()
            .contains("活动进行中审核"),
        "{:?}",
        ok.body
    );
    assert_eq!(ledger_minutes(&cadre, p).await, (200, 120));

    // Rejection needs a reason, tells the person, and credits nothing.
    let r = cadre
        .post(
            &format!("/attendance/{att2}/review"),
            json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "reason");
    let r = cadre
        .post(
            &format!("/attendance/{att2}/review"),
            json!({"decision": "reject", "reason": "当天未到场"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "rejected");
    assert_eq!(unread(&app, p2, "attendance.reviewed").await, 1);
    assert_eq!(ledger_minutes(&cadre, p2).await, (0, 0));

    // Roll call before the start is refused.
    let future = publish(&cadre, activity(&app, "未开始", 1440, 60, 5)).await;
    me.post(&format!("/activities/{future}/signup"), json!({}))
        .await;
    let r = cadre
        .post(
            &format!("/activities/{future}/roll-call"),
            json!({"person_id": p}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["code"], "activity_not_started");
}

testkit::backend_tests!(
    check_in_inside_outside_and_repeats,
    approval_credits_exactly_once,
    roll_call_and_rejection,
);
