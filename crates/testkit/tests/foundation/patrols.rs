//! Patrols (网格巡查): the grid's roster and its scope; starting, ending and recording a
//! patrol, with bad input refused and nothing written; the cases reported while a patrol
//! is open link to it and show on its page; confirmation by someone else credits the
//! ledger once, self-confirmation is refused, a patrol sent back is corrected; the
//! per-person record for the assessment; the pages with their forms and errors.

use kernel::time::{days_before, today};
use serde_json::{Value, json};
use testkit::{Api, TestApp};

fn yesterday(hm: &str) -> String {
    format!("{}T{hm}", days_before(today(), 1))
}

async fn minutes_of(api: &Api, person: i64) -> i64 {
    let s = api.get(&format!("/ledger/people/{person}")).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    s.body["minutes"].as_i64().unwrap()
}

fn fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn roster_crud_and_scope(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let leader = app.api("grid_a").await;
    let outsider = app.api("admin_b").await;
    let slot = json!({"grid_id": fx.grid_a, "person_id": fx.person_a, "weekday": 6,
                      "start": "09:00", "end": "11:00"});
    let r = cadre.post("/patrols/roster", slot.clone()).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["weekday_label"], "星期六");
    assert_eq!(r.body["person_name"], "张下沉");
    let id = r.body["id"].as_i64().unwrap();

    // Bad input: every problem at once, nothing written.
    let bad = cadre
        .post(
            "/patrols/roster",
            json!({"grid_id": fx.grid_a, "person_id": fx.person_a, "weekday": 8,
                   "start": "11:00", "end": "09:00"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert_eq!(fields(&bad.body), ["weekday", "end"]);
    let overlap = cadre
        .post(
            "/patrols/roster",
            json!({"grid_id": fx.grid_a, "person_id": fx.person_a, "weekday": 6,
                   "start": "10:00", "end": "12:00"}),
        )
        .await;
    assert_eq!(overlap.status, 422, "{:?}", overlap.body);
    let unknown = cadre
        .post(
            "/patrols/roster",
            json!({"grid_id": 999_999, "person_id": fx.person_a,
                                         "weekday": 1, "start": "09:00", "end": "10:00"}),
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(fields(&unknown.body), ["grid_id"]);
    // A person of another community is not put on this grid's roster.
    let stranger = cadre
        .post(
            "/patrols/roster",
            json!({"grid_id": fx.grid_a, "person_id": fx.person_b,
                                         "weekday": 1, "start": "09:00", "end": "10:00"}),
        )
        .await;
    assert_eq!(stranger.status, 422);
    assert_eq!(fields(&stranger.body), ["person_id"]);
    // Out of scope: writes 403, reads 404.
    assert_eq!(
        outsider.post("/patrols/roster", slot.clone()).await.status,
        403
    );
    let other = outsider
        .get(&format!("/patrols/roster?grid_id={}", fx.grid_a))
        .await;
    assert_eq!(other.status, 404);
    assert_eq!(app.count("patrol_roster").await, 1);

    // The grid leader keeps the roster too; the person sees their own slots.
    let list = leader
        .get(&format!("/patrols/roster?grid_id={}", fx.grid_a))
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    let mine = app
        .api("personnel_a")
        .await
        .get("/patrols/roster/mine")
        .await;
    assert_eq!(mine.body[0]["grid_name"], "甲一网格");
    let changed = leader
        .put(
            &format!("/patrols/roster/{id}"),
            json!({"person_id": fx.person_a, "weekday": 7, "start": "14:00", "end": "16:00"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.body["start"], "14:00");
    let put = outsider
        .put(&format!("/patrols/roster/{id}"), json!({"weekday": 1}))
        .await;
    assert_eq!(put.status, 403);
    assert_eq!(
        outsider
            .delete(&format!("/patrols/roster/{id}"))
            .await
            .status,
        403
    );
    assert_eq!(
        leader.delete(&format!("/patrols/roster/{id}")).await.status,
        204
    );
    assert_eq!(app.count("patrol_roster").await, 0);
    assert_eq!(
        app.count("audit_log WHERE object_kind = 'patrol_roster'")
            .await,
        3
    );
}

async fn start_end_and_record_with_bad_inputs(app: TestApp) {
    let fx = app.fx.clone();
    let me = app.api("personnel_a").await;
    let leader = app.api("grid_a").await;
    let outsider = app.api("admin_b").await;
    let unknown = me.post("/patrols", json!({"grid_id": 999_999})).await;
    assert_eq!(unknown.status, 422);
    assert_eq!(fields(&unknown.body), ["grid_id"]);
    let elsewhere = me.post("/patrols", json!({"grid_id": fx.grid_b})).await;
    assert_eq!(elsewhere.status, 403, "{:?}", elsewhere.body);
    let r = me.post("/patrols", json!({"grid_id": fx.grid_a})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["state"], "open");
    let id = r.body["id"].as_i64().unwrap();
    assert!(r.body["can"].as_array().unwrap().contains(&json!("end")));
    let current = me.get("/patrols/current").await;
    assert_eq!(current.body["id"], id);
    let again = me.post("/patrols", json!({"grid_id": fx.grid_a})).await;
    assert_eq!(again.status, 409);
    assert_eq!(app.count("patrol").await, 1);

    // Ending: what was found is needed; not in the future; only the patroller.
    let end = format!("/patrols/{id}/end");
    let empty = me.post(&end, json!({"found": "  "})).await;
    assert_eq!(empty.status, 422);
    assert_eq!(fields(&empty.body), ["found"]);
    let future = me
        .post(
            &end,
            json!({"found": "未发现问题", "ended_at": "2099-01-01T10:00"}),
        )
        .await;
    assert_eq!(future.status, 422);
    assert_eq!(fields(&future.body), ["ended_at"]);
    assert_eq!(leader.post(&end, json!({"found": "x"})).await.status, 403);
    assert_eq!(outsider.post(&end, json!({"found": "x"})).await.status, 403);
    assert_eq!(outsider.get(&format!("/patrols/{id}")).await.status, 404);
    assert_eq!(app.count("patrol WHERE state = 'open'").await, 1);
    let done = me
        .post(&end, json!({"found": "幸福路口有流动摊贩，已劝离"}))
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["state"], "recorded");
    assert!(done.body["minutes"].as_i64().unwrap() >= 1);
    assert_eq!(me.post(&end, json!({"found": "x"})).await.status, 409);

    // Recording afterwards.
    let past = |s: &str, e: &str| {
        json!({"grid_id": fx.grid_a, "started_at": s, "ended_at": e,
                                          "found": "未发现问题"})
    };
    let before = app.count("patrol").await;
    for (s, e, field) in [
        (yesterday("10:00"), yesterday("09:00"), "ended_at"),
        (yesterday("07:00"), yesterday("20:00"), "ended_at"),
        (yesterday("23:00"), format!("{}T01:00", today()), "ended_at"),
        (
            "2099-01-01T09:00".to_owned(),
            "2099-01-01T10:00".to_owned(),
            "started_at",
        ),
        (
            "2020-01-01T09:00".to_owned(),
            "2020-01-01T10:00".to_owned(),
            "started_at",
        ),
        ("明天上午".to_owned(), yesterday("10:00"), "started_at"),
    ] {
        let r = me.post("/patrols/past", past(&s, &e)).await;
        assert_eq!(r.status, 422, "{s} {e}: {:?}", r.body);
        assert_eq!(fields(&r.body), [field], "{s} {e}");
    }
    assert_eq!(app.count("patrol").await, before);
    let ok = me
        .post(
            "/patrols/past",
            past(&yesterday("09:00"), &yesterday("10:30")),
        )
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(ok.body["recorded_after"], true);
    assert_eq!(ok.body["minutes"], 90);
    let list = me.get("/patrols?view=mine").await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    // Newest first by when it was patrolled: today's before yesterday's.
    assert_eq!(list.body["items"][0]["id"], id);
    assert_eq!(app.count("audit_log WHERE object_kind = 'patrol'").await, 3);
}

async fn category_leaf(app: &TestApp) -> i64 {
    cases::category::list(&app.db, app.fx.city_id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.parent_id.is_some() && c.active)
        .unwrap()
        .id
}

async fn access_of(app: &TestApp, login: &str) -> org::Access {
    let token = app.token(login).await;
    org::auth::authenticate(&app.db, &token)
        .await
        .unwrap()
        .unwrap()
}

async fn cases_reported_while_open_link_and_show(app: TestApp) {
    let fx = app.fx.clone();
    let me = app.api("personnel_a").await;
    let r = me.post("/patrols", json!({"grid_id": fx.grid_a})).await;
    let id = r.body["id"].as_i64().unwrap();
    let access = access_of(&app, "personnel_a").await;
    let category = category_leaf(&app).await;
    let (case, _) = cases::report::report(
        &app.db,
        &access,
        cases::NewCase {
            category_id: Some(category),
            description: "三栋楼道堆放杂物，堵住了消防通道".into(),
            grid_id: Some(fx.grid_a),
            ..Default::default()
        },
        "web",
    )
    .await
    .unwrap();
    assert_eq!(case.patrol_id, Some(id));
    let v = me.get(&format!("/patrols/{id}")).await;
    assert_eq!(v.body["cases"].as_array().unwrap().len(), 1, "{:?}", v.body);
    assert_eq!(v.body["cases"][0]["id"], case.id);
    let cadre = app.api("cadre_a").await;
    let seen = cadre.get(&format!("/patrols/{id}")).await;
    assert_eq!(seen.body["cases"].as_array().unwrap().len(), 1);
    let list = cadre.get("/patrols?view=scope").await;
    assert_eq!(list.body["items"][0]["cases"], 1);

    let page = app
        .browser("personnel_a")
        .await
        .get(&format!("/patrols/{id}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("三栋楼道堆放杂物"), "{}", page.html);
    assert!(page.html.contains(&format!("/cases/new?patrol={id}")));
    let home = app.browser("personnel_a").await.get("/patrols").await;
    assert!(home.html.contains("巡查中") && home.html.contains("已上报 1 个问题"));

    // After it ends, a new report does not link to it.
    me.post(
        &format!("/patrols/{id}/end"),
        json!({"found": "楼道杂物已上报"}),
    )
    .await;
    let (later, _) = cases::report::report(
        &app.db,
        &access,
        cases::NewCase {
            category_id: Some(category),
            description: "路灯不亮".into(),
            grid_id: Some(fx.grid_a),
            ..Default::default()
        },
        "web",
    )
    .await
    .unwrap();
    assert_eq!(later.patrol_id, None);
}

async fn confirmation_credits_once_and_not_self(app: TestApp) {
    let fx = app.fx.clone();
    let me = app.api("personnel_a").await;
    let cadre = app.api("cadre_a").await;
    let leader = app.api("grid_a").await;
    // The grid leader's own patrol: not theirs to confirm.
    let own = leader
        .post(
            "/patrols/past",
            json!({"grid_id": fx.grid_a, "started_at": yesterday("14:00"),
                   "ended_at": yesterday("15:00"), "found": "未发现问题"}),
        )
        .await;
    assert_eq!(own.status, 201, "{:?}", own.body);
    let own_id = own.body["id"].as_i64().unwrap();
    let refused = leader
        .post(&format!("/patrols/{own_id}/confirm"), json!({}))
        .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(
        cadre
            .post(&format!("/patrols/{own_id}/confirm"), json!({}))
            .await
            .status,
        200
    );

    let r = me
        .post(
            "/patrols/past",
            json!({"grid_id": fx.grid_a, "started_at": yesterday("09:00"),
                   "ended_at": yesterday("10:30"), "found": "和平街两处单车乱停，已摆放"}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        me.post(&format!("/patrols/{id}/confirm"), json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        app.api("admin_b")
            .await
            .post(&format!("/patrols/{id}/confirm"), json!({}))
            .await
            .status,
        403
    );
    let before = minutes_of(&cadre, fx.person_a).await;
    let ok = leader
        .post(&format!("/patrols/{id}/confirm"), json!({}))
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["state"], "confirmed");
    assert!(ok.body["credit_txn_id"].as_i64().is_some(), "{:?}", ok.body);
    assert_eq!(minutes_of(&cadre, fx.person_a).await, before + 90);
    let twice = cadre
        .post(&format!("/patrols/{id}/confirm"), json!({}))
        .await;
    assert_eq!(twice.status, 409);
    assert_eq!(minutes_of(&cadre, fx.person_a).await, before + 90);
    // Even when the patrol is set back to be confirmed again, the key credits once.
    app.exec(&format!(
        "UPDATE patrol SET state = 'recorded', credit_txn_id = NULL WHERE id = {id}"
    ))
    .await;
    assert_eq!(
        cadre
            .post(&format!("/patrols/{id}/confirm"), json!({}))
            .await
            .status,
        200
    );
    assert_eq!(minutes_of(&cadre, fx.person_a).await, before + 90);

    // Sent back with a reason, corrected, confirmed.
    let r = me
        .post(
            "/patrols/past",
            json!({"grid_id": fx.grid_a, "started_at": yesterday("16:00"),
                   "ended_at": yesterday("16:30"), "found": "未发现问题"}),
        )
        .await;
    let id2 = r.body["id"].as_i64().unwrap();
    let no_reason = cadre
        .post(&format!("/patrols/{id2}/return"), json!({"reason": ""}))
        .await;
    assert_eq!(no_reason.status, 422);
    assert_eq!(fields(&no_reason.body), ["reason"]);
    let back = cadre
        .post(
            &format!("/patrols/{id2}/return"),
            json!({"reason": "结束时间写错了"}),
        )
        .await;
    assert_eq!(back.status, 200);
    assert_eq!(back.body["state"], "returned");
    assert_eq!(
        app.count(&format!(
            "notification WHERE kind = 'patrol_returned' AND person_id = {}",
            fx.person_a
        ))
        .await,
        1
    );
    assert_eq!(
        cadre
            .post(&format!("/patrols/{id2}/confirm"), json!({}))
            .await
            .status,
        409
    );
    let fixed = me
        .post(
            &format!("/patrols/{id2}/resubmit"),
            json!({"started_at": yesterday("16:00"), "ended_at": yesterday("17:00"),
                   "found": "未发现问题"}),
        )
        .await;
    assert_eq!(fixed.status, 200, "{:?}", fixed.body);
    assert_eq!(fixed.body["state"], "recorded");
    assert_eq!(fixed.body["return_reason"], Value::Null);
    cadre
        .post(&format!("/patrols/{id2}/confirm"), json!({}))
        .await;
    assert_eq!(minutes_of(&cadre, fx.person_a).await, before + 150);

    // The assessment's record: per person, by name, only confirmed patrols.
    let day = days_before(today(), 1).to_string();
    let rec = cadre
        .get(&format!(
            "/patrols/records?unit_id={}&from={day}&to={day}",
            fx.community_a
        ))
        .await;
    assert_eq!(rec.status, 200, "{:?}", rec.body);
    let rows = rec.body.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let mine = rows.iter().find(|r| r["person_id"] == fx.person_a).unwrap();
    assert_eq!(mine["patrols"], 2);
    assert_eq!(mine["minutes"], 150);
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let outside = app
        .api("admin_b")
        .await
        .get(&format!(
            "/patrols/records?unit_id={}&from={day}&to={day}",
            fx.community_a
        ))
        .await;
    assert_eq!(outside.status, 404);
}

async fn patrol_pages_render_and_show_errors(app: TestApp) {
    let fx = app.fx.clone();
    let b = app.browser("personnel_a").await;
    let home = b.get("/patrols").await;
    assert_eq!(home.status, 200, "{}", home.html);
    assert!(home.html.contains("开始巡查") && home.html.contains("甲一网格"));
    assert!(home.html.contains("还没有给您排巡查班"));
    let grid = fx.grid_a.to_string();
    let started = b
        .submit("/patrols", "/patrols/start", &[("grid_id", &grid)])
        .await;
    assert_eq!(started.status, 303, "{}", started.html);
    let path = started.location.unwrap();
    let path = path.split('?').next().unwrap().to_owned();
    let page = b.get(&path).await;
    assert!(page.html.contains("结束巡查") && page.html.contains("上报问题"));
    let bad = b
        .submit(&path, &format!("{path}/end"), &[("found", ""), ("end", "")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请写下巡查中发现的情况"), "{}", bad.html);
    let ended = b
        .submit(
            &path,
            &format!("{path}/end"),
            &[("found", "未发现问题"), ("end", "")],
        )
        .await;
    assert_eq!(ended.status, 303, "{}", ended.html);

    let day = days_before(today(), 1).to_string();
    let past = b
        .submit(
            "/patrols/past",
            "/patrols/past",
            &[
                ("grid_id", &grid),
                ("date", &day),
                ("start", "10:00"),
                ("end", "09:00"),
                ("found", "小区门口乱停车"),
            ],
        )
        .await;
    assert_eq!(past.status, 422);
    assert!(past.html.contains("结束时间要晚于开始时间"));
    assert!(past.html.contains("小区门口乱停车"), "typed text kept");
    let past = b
        .submit(
            "/patrols/past",
            "/patrols/past",
            &[
                ("grid_id", &grid),
                ("date", &day),
                ("start", "09:00"),
                ("end", "10:00"),
                ("found", "小区门口乱停车"),
            ],
        )
        .await;
    assert_eq!(past.status, 303, "{}", past.html);

    let cadre = app.browser("cadre_a").await;
    let list = cadre.get("/patrols/scope").await;
    assert_eq!(list.status, 200);
    assert!(list.html.contains("张下沉") && list.html.contains("待确认"));
    let detail = cadre.get(&path).await;
    assert!(detail.html.contains("确认巡查属实"), "{}", detail.html);
    let no_reason = cadre
        .submit(&path, &format!("{path}/return"), &[("reason", "")])
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.html.contains("请填写退回原因"));
    let ok = cadre.submit(&path, &format!("{path}/confirm"), &[]).await;
    assert_eq!(ok.status, 303);
    assert!(cadre.get(&path).await.html.contains("已记入"));

    let roster = cadre.get("/patrols/roster").await;
    assert_eq!(roster.status, 200, "{}", roster.html);
    assert!(roster.html.contains("这个网格还没有排班"));
    let person = fx.person_a.to_string();
    let bad = cadre
        .submit(
            "/patrols/roster",
            "/patrols/roster",
            &[
                ("grid_id", &grid),
                ("person_id", &person),
                ("weekday", "6"),
                ("start", "11:00"),
                ("end", "10:00"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("结束时间要晚于开始时间"));
    let ok = cadre
        .submit(
            "/patrols/roster",
            "/patrols/roster",
            &[
                ("grid_id", &grid),
                ("person_id", &person),
                ("weekday", "6"),
                ("start", "09:00"),
                ("end", "11:00"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    assert!(b.get("/patrols").await.html.contains("星期六 09:00–11:00"));
    // Out of scope pages.
    let outsider = app.browser("admin_b").await;
    assert_eq!(outsider.get(&path).await.status, 404);
    let other = outsider
        .get(&format!("/patrols/roster?grid_id={}", fx.grid_a))
        .await;
    assert_eq!(other.status, 404);
    assert_eq!(
        app.browser("resident_a")
            .await
            .get("/patrols/roster")
            .await
            .status,
        403
    );
}

testkit::backend_tests!(
    roster_crud_and_scope,
    start_end_and_record_with_bad_inputs,
    cases_reported_while_open_link_and_show,
    confirmation_credits_once_and_not_self,
    patrol_pages_render_and_show_errors,
);
