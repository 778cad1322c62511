//! Activities through the API: publishing and the "fits me first" list, a waitlist that
//! promotes and notifies, bad input that writes nothing, and another district's admin who
//! can neither see nor act on community A's activities. Check-in, roll call and review are
//! in `activities_attendance`; the helpers here serve both.

use serde_json::{Value, json};
use testkit::{Api, PASSWORD, TestApp};

/// Beijing time `minutes` from now, as a `datetime-local` field sends it.
pub(crate) fn at(minutes: i64) -> String {
    kernel::time::local_datetime(kernel::time::now_ms() + minutes * 60_000)
}

/// A circle activity at community A around (114.3, 30.6), radius 200 m.
pub(crate) fn activity(
    app: &TestApp,
    title: &str,
    start_min: i64,
    len_min: i64,
    capacity: i64,
) -> Value {
    json!({"unit_id": app.fx.community_a, "duty_kind": "duty.volunteer", "title": title,
           "description": "清理楼道杂物", "starts_at": at(start_min), "ends_at": at(start_min + len_min),
           "place": "甲社区活动中心", "lon": 114.3, "lat": 30.6, "radius_m": 200, "capacity": capacity})
}

pub(crate) async fn publish(api: &Api, body: Value) -> i64 {
    let r = api.post("/activities", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_i64().unwrap()
}

/// A new personnel of community A (not a party member, no skills) with a login ready to use.
pub(crate) async fn personnel(app: &TestApp, n: u32) -> (i64, Api) {
    let admin = app.api("admin_a").await;
    let p = admin
        .post(
            "/people",
            json!({"kind": "personnel", "name": format!("新下沉{n}"), "phone": format!("1380000{n:04}"),
                   "employer_id": app.fx.employer_a, "home_community_id": app.fx.community_a,
                   "registered_community_id": app.fx.community_a, "registration_basis": "home",
                   "community_registered_on": "2026-03-05", "employer_registered_on": "2026-03-01"}),
        )
        .await;
    assert_eq!(p.status, 201, "{:?}", p.body);
    let pid = p.body["id"].as_i64().unwrap();
    let login = format!("newp{n}");
    let a = admin
        .post(
            &format!("/people/{pid}/account"),
            json!({"login": login, "password": "Start12345"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let g = admin
        .post(
            &format!("/people/{pid}/roles"),
            json!({"role": "personnel", "unit_id": app.fx.community_a}),
        )
        .await;
    assert_eq!(g.status, 201, "{:?}", g.body);
    let tok = app
        .anonymous()
        .post(
            "/auth/token",
            json!({"login": login, "password": "Start12345"}),
        )
        .await;
    let token = tok.body["token"].as_str().unwrap().to_owned();
    let changed = app
        .http
        .post(format!("{}/api/v1/me/password", app.base))
        .bearer_auth(&token)
        .json(&json!({"old_password": "Start12345", "new_password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    (pid, app.api(&login).await)
}

pub(crate) fn pos(direction: &str, lon: f64, lat: f64, accuracy: f64, crs: &str) -> Value {
    json!({"direction": direction, "lon": lon, "lat": lat, "accuracy": accuracy, "crs": crs})
}

pub(crate) async fn unread(app: &TestApp, person: i64, kind: &str) -> i64 {
    app.count(&format!(
        "notification WHERE person_id = {person} AND kind = '{kind}' AND read_at IS NULL"
    ))
    .await
}

async fn publish_and_list_fit_first(app: TestApp) {
    let fx = &app.fx;
    let cadre = app.api("cadre_a").await;
    let plain = publish(&cadre, activity(&app, "普通活动", 2 * 1440, 120, 10)).await;
    let mut b = activity(&app, "义诊", 3 * 1440, 120, 10);
    b["wanted_skill_ids"] = json!([fx.skills[0]]);
    b["duty_kind"] = json!("duty.service");
    let skill = publish(&cadre, b).await;
    let mut b = activity(&app, "单位共建", 4 * 1440, 120, 10);
    b["target_employer_ids"] = json!([fx.employer_a]);
    let employer = publish(&cadre, b).await;
    let mut b = activity(&app, "党员宣讲", 5 * 1440, 120, 10);
    b["party_members_only"] = json!(true);
    b["duty_kind"] = json!("宣传党的政策");
    let party = publish(&cadre, b).await;
    // Another district's activity is not in person A's street.
    let admin_b = app.api("admin_b").await;
    let mut b = activity(&app, "乙社区活动", 1440, 120, 10);
    b["unit_id"] = json!(fx.community_b);
    let other = publish(&admin_b, b).await;

    let me = app.api("personnel_a").await;
    let list = me.get("/activities").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let items = list.body["items"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(
        ids,
        vec![skill, employer, party, plain],
        "fits first, then by start"
    );
    assert_eq!(items[0]["fit_reasons"][0], "需要您的专长：医疗");
    assert_eq!(items[0]["duty_kind"], "duty.service");
    assert_eq!(items[1]["fit_reasons"][0], "邀请了您所在的派出单位");
    assert_eq!(items[2]["fit_reasons"][0], "面向党员");
    assert_eq!(items[2]["duty_kind"], "duty.policy");
    assert_eq!(items[3]["fit_reasons"], json!(["在您报到的社区"]));
    assert_eq!(items[3]["seats_left"], 10);
    assert_eq!(items[3]["can_manage"], false);
    assert!(items[3]["when"].as_str().unwrap().contains(" 至 "));

    // A member of the public who is not a party member never sees the party activity.
    let (_, p2) = personnel(&app, 1).await;
    let ids: Vec<i64> = p2.get("/activities").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert!(!ids.contains(&party) && !ids.contains(&other), "{ids:?}");
    assert_eq!(p2.get(&format!("/activities/{party}")).await.status, 404);
    let r = p2
        .post(&format!("/activities/{party}/signup"), json!({}))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(app.count("activity_signup").await, 0);
    // A resident is not asked to sign up: no activities as a person.
    let resident = app.api("resident_a").await;
    assert_eq!(resident.get("/activities").await.body["items"], json!([]));
    let r = resident
        .post(&format!("/activities/{plain}/signup"), json!({}))
        .await;
    assert_eq!(r.status, 404);

    // Staff see the activities in their scope, newest first, and page by keyset.
    let staff = cadre.get("/activities?limit=3").await;
    assert_eq!(staff.status, 200);
    let ids: Vec<i64> = staff.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![party, employer, skill]);
    let next = staff.body["next"].as_i64().unwrap();
    let rest = cadre
        .get(&format!("/activities?limit=3&after={next}"))
        .await;
    assert_eq!(rest.body["items"][0]["id"], plain);
    assert_eq!(rest.body["items"][0]["can_manage"], true);
    assert!(rest.body["next"].is_null());
    let b_list = admin_b.get("/activities").await;
    assert_eq!(b_list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.count("audit_log WHERE action = 'publish'").await, 5);
}

async fn waitlist_promotes_and_notifies(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let id = publish(&cadre, activity(&app, "一个名额", 2 * 1440, 120, 1)).await;
    let me = app.api("personnel_a").await;
    let r = me
        .post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["state"], "signed");
    assert_eq!(r.body["activity"]["seats_left"], 0);
    let again = me
        .post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["code"], "already_signed_up");
    assert!(again.body["detail"].as_str().unwrap().contains("已报名"));
    assert_eq!(app.count("activity_signup").await, 1);

    let (p2, second) = personnel(&app, 2).await;
    let r = second
        .post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["state"], "waitlisted");
    assert_eq!(r.body["position"], 1);
    let seen = second.get(&format!("/activities/{id}")).await;
    assert_eq!(seen.body["my_signup"]["state"], "waitlisted");
    assert_eq!(seen.body["my_signup"]["position"], 1);
    assert_eq!(seen.body["waitlist"], 1);
    let again = second
        .post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    assert_eq!(again.status, 409);
    assert!(
        again.body["detail"]
            .as_str()
            .unwrap()
            .contains("候补第 1 位")
    );

    // The roster shows the seat and the queue.
    let roster = cadre.get(&format!("/activities/{id}/roster")).await;
    assert_eq!(roster.status, 200, "{:?}", roster.body);
    assert_eq!(roster.body["signed"][0]["person_id"], app.fx.person_a);
    assert_eq!(roster.body["waitlisted"][0]["person_id"], p2);
    assert_eq!(roster.body["waitlisted"][0]["position"], 1);
    assert_eq!(
        me.get(&format!("/activities/{id}/roster")).await.status,
        404
    );

    // Person A withdraws: the second gets the seat and a notice, in the same step.
    assert_eq!(unread(&app, p2, "activity.promoted").await, 0);
    let w = me
        .post(&format!("/activities/{id}/withdraw"), json!({}))
        .await;
    assert_eq!(w.status, 200, "{:?}", w.body);
    assert_eq!(w.body["my_signup"]["state"], "cancelled");
    let seen = second.get(&format!("/activities/{id}")).await;
    assert_eq!(seen.body["my_signup"]["state"], "signed");
    assert_eq!(seen.body["seats_left"], 0);
    assert_eq!(seen.body["waitlist"], 0);
    assert_eq!(unread(&app, p2, "activity.promoted").await, 1);
    let w2 = me
        .post(&format!("/activities/{id}/withdraw"), json!({}))
        .await;
    assert_eq!(w2.status, 409);
    assert_eq!(w2.body["code"], "not_signed_up");
    // Signing up again after withdrawing queues at the back.
    let back = me
        .post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    assert_eq!(back.status, 201);
    assert_eq!(back.body["state"], "waitlisted");
    let mine = me.get("/me/activities").await;
    assert_eq!(mine.status, 200);
    assert_eq!(
        mine.body["items"][0]["activity"]["my_signup"]["state"],
        "waitlisted"
    );
    assert_eq!(
        mine.body["items"][0]["activity"]["my_signup"]["position"],
        1
    );

    // The organiser cancels: everyone signed up or waiting is told.
    let inspector = app.api("inspector_a").await;
    let r = inspector
        .post(
            &format!("/activities/{id}/cancel"),
            json!({"reason": "天气"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = cadre
        .post(
            &format!("/activities/{id}/cancel"),
            json!({"reason": "暴雨预警"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["state"], "cancelled");
    assert_eq!(unread(&app, p2, "activity.cancelled").await, 1);
    assert_eq!(unread(&app, app.fx.person_a, "activity.cancelled").await, 1);
    let again = cadre
        .post(&format!("/activities/{id}/cancel"), json!({}))
        .await;
    assert_eq!(again.status, 409);
    let late = second
        .post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    assert_eq!(late.status, 409);
}

async fn bad_input_writes_nothing(app: TestApp) {
    let fx = &app.fx;
    let cadre = app.api("cadre_a").await;
    let cases: Vec<(Value, &str)> = vec![
        (activity(&app, "名额为零", 60, 60, 0), "capacity"),
        (activity(&app, "名额过多", 60, 60, 10_001), "capacity"),
        (
            {
                let mut b = activity(&app, "倒序", 120, 60, 5);
                b["ends_at"] = json!(at(60));
                b
            },
            "ends_at",
        ),
        (activity(&app, "太长", 60, 25 * 60, 5), "ends_at"),
        (activity(&app, "太早", -8 * 1440, 60, 5), "starts_at"),
        (activity(&app, "", 60, 60, 5), "title"),
        (activity(&app, &"长".repeat(61), 60, 60, 5), "title"),
        (
            {
                let mut b = activity(&app, "时间格式", 60, 60, 5);
                b["starts_at"] = json!("明天下午");
                b
            },
            "starts_at",
        ),
        (
            {
                let mut b = activity(&app, "类型", 60, 60, 5);
                b["duty_kind"] = json!("duty.fun");
                b
            },
            "duty_kind",
        ),
        (
            {
                let mut b = activity(&app, "半径", 60, 60, 5);
                b["radius_m"] = json!(5);
                b
            },
            "radius_m",
        ),
        (
            {
                let mut b = activity(&app, "经度", 60, 60, 5);
                b["lon"] = json!(200.0);
                b
            },
            "lon",
        ),
        (
            {
                let mut b = activity(&app, "无中心", 60, 60, 5);
                b.as_object_mut().unwrap().remove("lat");
                b
            },
            "lat",
        ),
        (
            {
                let mut b = activity(&app, "无边界网格", 60, 60, 5);
                b["fence_unit_id"] = json!(fx.grid_a);
                b.as_object_mut().unwrap().remove("radius_m");
                b
            },
            "fence_unit_id",
        ),
        (
            {
                let mut b = activity(&app, "专长", 60, 60, 5);
                b["wanted_skill_ids"] = json!([999_999]);
                b
            },
            "wanted_skill_ids",
        ),
    ];
    for (body, field) in cases {
        let r = cadre.post("/activities", body.clone()).await;
        assert_eq!(r.status, 422, "{body}");
        assert!(
            r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{field}: {:?}",
            r.body
        );
    }
    // Another community's unit, or no organiser role: 403.
    let mut b = activity(&app, "越权", 60, 60, 5);
    b["unit_id"] = json!(fx.community_b);
    assert_eq!(cadre.post("/activities", b).await.status, 403);
    let b = activity(&app, "越权", 60, 60, 5);
    assert_eq!(
        app.api("admin_b")
            .await
            .post("/activities", b.clone())
            .await
            .status,
        403
    );
    assert_eq!(
        app.api("personnel_a")
            .await
            .post("/activities", b.clone())
            .await
            .status,
        403
    );
    assert_eq!(
        app.api("inspector_a")
            .await
            .post("/activities", b)
            .await
            .status,
        403
    );
    assert_eq!(app.count("activity").await, 0);
    assert_eq!(
        app.count("audit_log WHERE object_kind = 'activity'").await,
        0
    );

    // Once grid A has a boundary it can be the fence; a position inside it is accepted.
    let r = cadre
        .patch(
            &format!("/units/{}", fx.grid_a),
            json!({"boundary": r#"{"type":"Polygon","coordinates":[[[114.29,30.59],[114.31,30.59],[114.31,30.61],[114.29,30.61],[114.29,30.59]]]}"#}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let mut b = activity(&app, "网格巡查", -5, 60, 5);
    b["unit_id"] = json!(fx.grid_a);
    b["fence_unit_id"] = json!(fx.grid_a);
    for k in ["lon", "lat", "radius_m"] {
        b.as_object_mut().unwrap().remove(k);
    }
    let r = cadre.post("/activities", b).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["fence"], "grid");
    let id = r.body["id"].as_i64().unwrap();
    let me = app.api("personnel_a").await;
    me.post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    let r = me
        .post(
            &format!("/activities/{id}/checkin"),
            pos("in", 114.305, 30.605, 0.0, "wgs84"),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["checkin"]["result"], "accepted");
}

async fn another_district_can_neither_see_nor_act(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let id = publish(&cadre, activity(&app, "甲社区活动", -30, 120, 5)).await;
    let me = app.api("personnel_a").await;
    me.post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    let b = app.api("admin_b").await;
    // Reads: 404.
    for path in [
        format!("/activities/{id}"),
        format!("/activities/{id}/roster"),
    ] {
        let r = b.get(&path).await;
        assert_eq!(r.status, 404, "{path}");
    }
    // Writes as organiser: 403; as a person: the activity is not theirs to see (404).
    let r = b
        .post(&format!("/activities/{id}/cancel"), json!({"reason": "x"}))
        .await;
    assert_eq!(r.status, 403);
    let r = b
        .post(
            &format!("/activities/{id}/roll-call"),
            json!({"person_id": app.fx.person_a}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = b.post(&format!("/activities/{id}/signup"), json!({})).await;
    assert_eq!(r.status, 404);
    let r = b
        .post(
            &format!("/activities/{id}/checkin"),
            pos("in", 114.3, 30.6, 5.0, "wgs84"),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(b.get("/attendance/review").await.body["items"], json!([]));
    assert_eq!(app.count("activity WHERE state = 'published'").await, 1);
    assert_eq!(app.count("activity_signup").await, 1);
    assert_eq!(app.count("attendance").await, 0);
    // Staff of district A read it; an inspector may read but not act.
    let inspector = app.api("inspector_a").await;
    assert_eq!(
        inspector
            .get(&format!("/activities/{id}/roster"))
            .await
            .status,
        200
    );
    assert_eq!(
        inspector
            .post(&format!("/activities/{id}/cancel"), json!({}))
            .await
            .status,
        403
    );
    // Unknown activities are 404 for everyone.
    assert_eq!(cadre.get("/activities/999999").await.status, 404);
    assert_eq!(
        cadre
            .post("/activities/999999/cancel", json!({}))
            .await
            .status,
        404
    );
}

testkit::backend_tests!(
    publish_and_list_fit_first,
    waitlist_promotes_and_notifies,
    bad_input_writes_nothing,
    another_district_can_neither_see_nor_act,
);
