//! Orders through the API: a resident orders, a cadre dispatches with a recommendation, the
//! person accepts and completes, the resident rates, the ledger credits once; assignments
//! against the recommendation need a reason; declines and deadlines return orders to the
//! pool; bad input and other communities' orders change nothing.

use kernel::time::{local_datetime, now_ms, weekday_and_minute};
use serde_json::{Value, json};
use testkit::{Api, TestApp};

const DAY: i64 = 86_400_000;

/// `HH:MM` on the next Saturday at least two days away, as `YYYY-MM-DDTHH:MM`.
fn saturday(hm: &str) -> String {
    let mut t = now_ms() + 2 * DAY;
    while weekday_and_minute(t).0 != 6 {
        t += DAY;
    }
    format!("{}T{hm}", &local_datetime(t)[..10])
}

/// `HH:MM` on the next Monday at least two days away.
fn monday(hm: &str) -> String {
    let mut t = now_ms() + 2 * DAY;
    while weekday_and_minute(t).0 != 1 {
        t += DAY;
    }
    format!("{}T{hm}", &local_datetime(t)[..10])
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

async fn balance(api: &Api, person: i64) -> (i64, i64) {
    let s = api.get(&format!("/ledger/people/{person}")).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    (
        s.body["minutes"].as_i64().unwrap(),
        s.body["points_e2"].as_i64().unwrap_or_default(),
    )
}

fn has(v: &Value, step: &str) -> bool {
    v["can"]
        .as_array()
        .is_some_and(|a| a.iter().any(|s| s == step))
}

async fn order_lifecycle_credits_once(app: TestApp) {
    let fx = &app.fx;
    let resident = app.api("resident_a").await;
    let cadre = app.api("cadre_a").await;
    let person = app.api("personnel_a").await;
    let id = place(&resident, "health", &saturday("09:00"), &saturday("11:00")).await;

    let o = resident.get(&format!("/orders/{id}")).await.body;
    assert_eq!(o["state"], "placed");
    assert_eq!(o["state_label"], "待派单");
    assert_eq!(o["skill_name"], "医疗");
    assert!(has(&o, "cancel") && !has(&o, "dispatch"));

    // The recommendation puts the person with the skill and a free Saturday first, and says why.
    let rec = cadre.get(&format!("/orders/{id}/recommendations")).await;
    assert_eq!(rec.status, 200, "{:?}", rec.body);
    let first = &rec.body[0];
    assert_eq!(first["person_id"], fx.person_a);
    assert_eq!(first["skill_match"], true);
    assert_eq!(first["available"], true);
    assert!(first["needs_reason"].as_array().unwrap().is_empty());
    let reasons = first["reasons"].to_string();
    assert!(
        reasons.contains("医疗") && reasons.contains("空闲时段"),
        "{reasons}"
    );
    // Residents and the person do not see recommendations.
    assert_eq!(
        resident
            .get(&format!("/orders/{id}/recommendations"))
            .await
            .status,
        403
    );

    let d = cadre
        .post(
            &format!("/orders/{id}/dispatch"),
            json!({"person_id": fx.person_a}),
        )
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    assert_eq!(d.body["state"], "dispatched");
    assert!(d.body["accept_by"].as_i64().unwrap() > now_ms() + 23 * 3_600_000);

    // The person has a notice and sees the order among "assigned".
    let inbox = person.get("/inbox").await;
    assert_eq!(inbox.status, 200);
    assert_eq!(inbox.body["unread"], 1);
    assert_eq!(inbox.body["items"][0]["kind"], "order.dispatched");
    assert_eq!(inbox.body["items"][0]["link"], format!("/orders/{id}"));
    let mine = person.get("/orders?view=assigned").await;
    assert_eq!(mine.body["items"][0]["id"], id);

    // Only the assignee accepts; the resident cannot.
    assert_eq!(
        resident
            .post(&format!("/orders/{id}/accept"), json!({}))
            .await
            .status,
        403
    );
    let a = person
        .post(&format!("/orders/{id}/accept"), json!({}))
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["state"], "accepted");
    let f = person
        .post(
            &format!("/orders/{id}/finish"),
            json!({"minutes": 90, "note": "已量血压"}),
        )
        .await;
    assert_eq!(f.status, 200, "{:?}", f.body);
    assert_eq!(f.body["state"], "done");

    let before = balance(&cadre, fx.person_a).await;
    let c = resident
        .post(
            &format!("/orders/{id}/confirm"),
            json!({"rating": 5, "comment": "很耐心"}),
        )
        .await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    assert_eq!(c.body["state"], "confirmed");
    assert_eq!(c.body["rating"], 5);
    assert!(c.body["credit_txn_id"].as_i64().is_some(), "{:?}", c.body);
    let after = balance(&cadre, fx.person_a).await;
    assert_eq!(after.0 - before.0, 90);
    assert_eq!(after.1 - before.1, 150, "1.5 h at 1 point per hour");

    // Exactly once: a second confirmation is refused, and a sweep credits nothing more.
    let again = resident
        .post(&format!("/orders/{id}/confirm"), json!({"rating": 4}))
        .await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert!(again.body["detail"].as_str().unwrap().contains("已完成"));
    let swept = orders::sweep::run(&app.db, now_ms()).await.unwrap();
    assert_eq!(swept.credited, 0);
    assert_eq!(balance(&cadre, fx.person_a).await, after);
    assert_eq!(
        app.count(&format!(
            "ledger_txn WHERE ref_kind = 'order' AND ref_id = {id}"
        ))
        .await,
        1
    );

    // The person rates back once.
    let rb = person
        .post(
            &format!("/orders/{id}/rate-back"),
            json!({"rating": 4, "comment": "老人很配合"}),
        )
        .await;
    assert_eq!(rb.status, 200, "{:?}", rb.body);
    assert_eq!(rb.body["person_rating"], 4);
    let rb2 = person
        .post(&format!("/orders/{id}/rate-back"), json!({"rating": 5}))
        .await;
    assert_eq!(rb2.status, 409);

    // Every step records who and when.
    let full = cadre.get(&format!("/orders/{id}")).await.body;
    let actions: Vec<&str> = full["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "place",
            "dispatch",
            "accept",
            "finish",
            "confirm",
            "credit",
            "rate_back"
        ]
    );
    assert!(full["events"].as_array().unwrap().iter().all(|e| e["at"].as_i64().unwrap() > 0
        && !e["actor_name"].as_str().unwrap().is_empty()));
    assert!(
        app.count("audit_log WHERE object_kind = 'service_order'")
            .await
            >= 6
    );
    // The resident was told when it was accepted and when it was done.
    let r_inbox = resident.get("/inbox").await.body;
    let kinds = r_inbox["items"].to_string();
    assert!(
        kinds.contains("order.done") && kinds.contains("order.accepted"),
        "{kinds}"
    );
}

async fn assignments_against_fit_need_a_reason(app: TestApp) {
    let fx = &app.fx;
    let resident = app.api("resident_a").await;
    let cadre = app.api("cadre_a").await;
    // An electrician's job on a Monday: person A has neither the skill nor the time.
    let id = place(&resident, "repair", &monday("19:00"), &monday("20:00")).await;
    let rec = cadre
        .get(&format!("/orders/{id}/recommendations"))
        .await
        .body;
    let mine = rec
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["person_id"] == fx.person_a)
        .expect("person A is a candidate");
    let needs = mine["needs_reason"].to_string();
    assert!(
        needs.contains("skill") && needs.contains("availability"),
        "{needs}"
    );

    let r = cadre
        .post(
            &format!("/orders/{id}/dispatch"),
            json!({"person_id": fx.person_a}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let msg = r.body["errors"][0]["message"].as_str().unwrap();
    assert_eq!(r.body["errors"][0]["field"], "reason");
    assert!(
        msg.contains("不具备所需专长") && msg.contains("空闲时段"),
        "{msg}"
    );
    assert_eq!(
        app.count(&format!("order_event WHERE order_id = {id}"))
            .await,
        1
    );
    assert_eq!(
        resident.get(&format!("/orders/{id}")).await.body["state"],
        "placed"
    );

    let ok = cadre
        .post(
            &format!("/orders/{id}/dispatch"),
            json!({"person_id": fx.person_a, "reason": "本人主动要求，电路简单"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let list = cadre.get("/orders/overrides").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let item = &list.body["items"][0];
    assert_eq!(item["order_id"], id);
    assert_eq!(item["reason"], "本人主动要求，电路简单");
    assert_eq!(item["person_name"], "张下沉");
    assert_eq!(item["overrides"], json!(["skill", "availability"]));
    // Residents do not read the record.
    assert_eq!(resident.get("/orders/overrides").await.status, 403);

    // The monthly cap: at 1 task a month, person A (holding this order) needs a reason.
    let platform = app.api("platform").await;
    let s = platform
        .post(
            "/ledger/settings",
            json!({"key": "monthly_task_cap", "value": 1, "effective_from": "2020-01-01"}),
        )
        .await;
    assert!(s.status.is_success(), "{:?}", s.body);
    let second = place(&resident, "health", &monday("19:00"), &monday("20:00")).await;
    let rec = cadre
        .get(&format!("/orders/{second}/recommendations"))
        .await
        .body;
    let a = rec
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["person_id"] == fx.person_a)
        .unwrap();
    assert!(a["needs_reason"].to_string().contains("load"), "{a}");
    assert!(a["reasons"].to_string().contains("已达上限"), "{a}");
}

async fn declines_and_deadlines_return_orders(app: TestApp) {
    let fx = &app.fx;
    let resident = app.api("resident_a").await;
    let cadre = app.api("cadre_a").await;
    let person = app.api("personnel_a").await;
    let id = place(&resident, "health", &saturday("09:00"), &saturday("11:00")).await;
    cadre
        .post(
            &format!("/orders/{id}/dispatch"),
            json!({"person_id": fx.person_a}),
        )
        .await;

    // Declining needs a reason and returns the order to the pool.
    let r = person
        .post(&format!("/orders/{id}/decline"), json!({}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        resident.get(&format!("/orders/{id}")).await.body["state"],
        "dispatched"
    );
    let r = person
        .post(
            &format!("/orders/{id}/decline"),
            json!({"reason": "周六单位值班"}),
        )
        .await;
    assert_eq!(r.status, 404, "the person no longer sees it: {:?}", r.body);
    let o = cadre.get(&format!("/orders/{id}")).await.body;
    assert_eq!(o["state"], "placed");
    assert!(o["assignee_person_id"].is_null());
    let ev = o["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(ev["action"], "decline");
    assert_eq!(ev["reason"], "周六单位值班");
    let notices = cadre.get("/inbox").await.body;
    assert_eq!(notices["items"][0]["kind"], "order.declined");

    // Not accepted in time: back to the pool and the dispatcher is told.
    cadre
        .post(
            &format!("/orders/{id}/dispatch"),
            json!({"person_id": fx.person_a}),
        )
        .await;
    let early = orders::sweep::run(&app.db, now_ms()).await.unwrap();
    assert_eq!(early.timed_out, 0);
    let late = orders::sweep::run(&app.db, now_ms() + 25 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(late.timed_out, 1);
    let o = cadre.get(&format!("/orders/{id}")).await.body;
    assert_eq!(o["state"], "placed");
    assert_eq!(
        o["events"].as_array().unwrap().last().unwrap()["action"],
        "time_out"
    );
    assert_eq!(
        cadre.get("/inbox").await.body["items"][0]["kind"],
        "order.deadline"
    );
    let board = cadre.get("/orders/board").await.body;
    assert_eq!(board["placed"], 1);

    // Past the wanted time with nobody serving: expired, and the resident is told.
    let gone = orders::sweep::run(&app.db, now_ms() + 30 * DAY)
        .await
        .unwrap();
    assert_eq!(gone.expired, 1);
    let o = resident.get(&format!("/orders/{id}")).await.body;
    assert_eq!(o["state"], "expired");
    assert_eq!(o["state_label"], "已过期");
    assert_eq!(
        resident.get("/inbox").await.body["items"][0]["kind"],
        "order.expired"
    );
    // A final state takes no more steps.
    let c = cadre
        .post(
            &format!("/orders/{id}/dispatch"),
            json!({"person_id": fx.person_a}),
        )
        .await;
    assert_eq!(c.status, 409);
}

async fn bad_orders_and_other_communities_change_nothing(app: TestApp) {
    let fx = &app.fx;
    let resident = app.api("resident_a").await;
    let good = json!({"category": "health", "description": "量血压", "place": "3 栋",
                      "wanted_from": saturday("09:00"), "wanted_to": saturday("11:00")});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("category", json!("spa")), "category"),
        (with("description", json!("  ")), "description"),
        (with("wanted_to", json!(saturday("08:00"))), "wanted_to"),
        (with("wanted_from", json!("明天上午")), "wanted_from"),
        (with("wanted_to", json!("2020-01-01T10:00")), "wanted_to"),
        (with("lon", json!(200.0)), "lon"),
        (
            {
                let mut b = with("lon", json!(114.3));
                b["lat"] = json!(95.0);
                b
            },
            "lon",
        ),
        (with("community_id", json!(fx.community_b)), "community_id"),
    ] {
        let r = resident.post("/orders", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert!(
            r.body["errors"].to_string().contains(field),
            "{field}: {:?}",
            r.body
        );
    }
    assert_eq!(app.count("service_order").await, 0);
    assert_eq!(app.count("order_event").await, 0);

    let id = place(&resident, "health", &saturday("09:00"), &saturday("11:00")).await;
    // District B's admin neither sees nor dispatches A's order; the person does not see an
    // order not dispatched to them.
    let admin_b = app.api("admin_b").await;
    assert_eq!(admin_b.get(&format!("/orders/{id}")).await.status, 404);
    let r = admin_b
        .post(
            &format!("/orders/{id}/dispatch"),
            json!({"person_id": fx.person_b}),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        admin_b.get("/orders?view=scope").await.body["items"],
        json!([])
    );
    let person = app.api("personnel_a").await;
    assert_eq!(person.get(&format!("/orders/{id}")).await.status, 404);
    // A cadre of A cannot dispatch to a person of another street.
    let cadre = app.api("cadre_a").await;
    let r = cadre
        .post(
            &format!("/orders/{id}/dispatch"),
            json!({"person_id": fx.person_b}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    // Illegal steps say why.
    let r = resident
        .post(&format!("/orders/{id}/confirm"), json!({"rating": 5}))
        .await;
    assert_eq!(r.status, 409);
    assert!(
        r.body["detail"].as_str().unwrap().contains("待派单"),
        "{:?}",
        r.body
    );
    let r = resident
        .post(&format!("/orders/{id}/confirm"), json!({"rating": 9}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(app.count("order_event").await, 1);
    assert_eq!(
        resident.get(&format!("/orders/{id}")).await.body["state"],
        "placed"
    );

    // A cadre places an order for a resident; the resident sees it as theirs.
    let on_behalf = cadre
        .post(
            "/orders",
            json!({"resident_person_id": fx.accounts["resident_a"], "category": "elderly",
                   "description": "代老人下单：陪同就医", "place": "3 栋",
                   "wanted_from": saturday("09:00"), "wanted_to": saturday("11:00")}),
        )
        .await;
    assert_eq!(on_behalf.status, 201, "{:?}", on_behalf.body);
    let mine = resident.get("/orders?view=mine").await.body;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    // ...but a resident cannot order for someone else.
    let r = resident
        .post(
            "/orders",
            json!({"resident_person_id": fx.person_a, "category": "elderly", "description": "x",
                   "place": "y", "wanted_from": saturday("09:00"), "wanted_to": saturday("11:00")}),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
}

async fn inbox_marks_read(app: TestApp) {
    let fx = &app.fx;
    let resident = app.api("resident_a").await;
    let cadre = app.api("cadre_a").await;
    let person = app.api("personnel_a").await;
    for _ in 0..2 {
        let id = place(&resident, "health", &saturday("09:00"), &saturday("11:00")).await;
        cadre
            .post(
                &format!("/orders/{id}/dispatch"),
                json!({"person_id": fx.person_a}),
            )
            .await;
    }
    let inbox = person.get("/inbox").await.body;
    assert_eq!(inbox["unread"], 2);
    let first = inbox["items"][0]["id"].as_i64().unwrap();
    // Someone else's notice is not found.
    assert_eq!(
        resident
            .post(&format!("/inbox/{first}/read"), json!({}))
            .await
            .status,
        404
    );
    let r = person
        .post(&format!("/inbox/{first}/read"), json!({}))
        .await;
    assert_eq!(r.body["marked"], 1);
    assert_eq!(person.get("/inbox").await.body["unread"], 1);
    let r = person.post("/inbox/read-all", json!({})).await;
    assert_eq!(r.body["marked"], 1);
    let inbox = person.get("/inbox").await.body;
    assert_eq!(inbox["unread"], 0);
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read"] == true)
    );
}

testkit::backend_tests!(
    order_lifecycle_credits_once,
    assignments_against_fit_need_a_reason,
    declines_and_deadlines_return_orders,
    bad_orders_and_other_communities_change_nothing,
    inbox_marks_read,
);
