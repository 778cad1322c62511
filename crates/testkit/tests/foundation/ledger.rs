//! Points and the time bank through the API: credits by the points standard, idempotency,
//! donations, grants, reversals, the pilots' rules, statements, the trial balance, real
//! concurrency, and bad input.

use serde_json::{Value, json};
use testkit::{Api, TestApp};

fn credit(app: &TestApp, person: i64, minutes: i64, key: &str) -> Value {
    json!({"person_id": person, "kind": "duty.volunteer", "minutes": minutes, "occurred_on": "2026-11-01",
           "memo": "社区志愿服务", "key": key, "ref_kind": "activity", "ref_id": 7, "group": false})
        .as_object()
        .map(|o| {
            let mut o = o.clone();
            o.insert("person_id".into(), json!(person));
            let _ = app;
            Value::Object(o)
        })
        .unwrap()
}

async fn balance(api: &Api, person: i64) -> (i64, i64) {
    let s = api.get(&format!("/ledger/people/{person}")).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    (
        s.body["points_e2"].as_i64().unwrap(),
        s.body["minutes"].as_i64().unwrap(),
    )
}

async fn trial_is_balanced(app: &TestApp) {
    let t = app.api("platform").await.get("/ledger/trial-balance").await;
    assert_eq!(t.status, 200);
    assert_eq!(t.body["points_total"], 0);
    assert_eq!(t.body["minutes_total"], 0);
    assert_eq!(t.body["balances_match"], true);
    assert_eq!(t.body["balanced"], true);
}

async fn credit_replay_donate_grant_statement(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let p = app.fx.person_a;
    let r = cadre
        .post("/ledger/credits", credit(&app, p, 90, "act-7-p"))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        balance(&cadre, p).await,
        (150, 90),
        "1 point per hour; 90 minutes"
    );
    // The same key and body again: the first result, nothing new.
    let again = cadre
        .post("/ledger/credits", credit(&app, p, 90, "act-7-p"))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["id"], id);
    assert_eq!(again.body["replayed"], true);
    assert_eq!(balance(&cadre, p).await, (150, 90));
    // The same key with another body: refused, nothing written.
    let other = cadre
        .post("/ledger/credits", credit(&app, p, 120, "act-7-p"))
        .await;
    assert_eq!(other.status, 409);
    assert_eq!(other.body["code"], "idempotency_key_reused");
    assert_eq!(balance(&cadre, p).await, (150, 90));
    // The person donates to the community fund; the cadre grants from it with a reason.
    let me = app.api("personnel_a").await;
    let d = me
        .post("/ledger/donations", json!({"minutes": 30, "key": "don-1"}))
        .await;
    assert_eq!(d.status, 201, "{:?}", d.body);
    let resident = app.fx.accounts["resident_a"];
    let g = cadre
        .post(
            "/ledger/grants",
            json!({"unit_id": app.fx.community_a, "person_id": resident, "minutes": 20,
                                      "reason": "独居老人助餐", "key": "grant-1"}),
        )
        .await;
    assert_eq!(g.status, 201, "{:?}", g.body);
    assert!(g.body["memo"].as_str().unwrap().contains("独居老人助餐"));
    let too_much = cadre
        .post(
            "/ledger/grants",
            json!({"unit_id": app.fx.community_a, "person_id": resident, "minutes": 11,
                                      "reason": "再划", "key": "grant-2"}),
        )
        .await;
    assert_eq!(too_much.status, 409);
    assert_eq!(too_much.body["code"], "insufficient_balance");
    let fund = cadre
        .get(&format!("/ledger/funds/{}", app.fx.community_a))
        .await;
    assert_eq!(fund.body["balance_minutes"], 10);
    assert_eq!(fund.body["items"].as_array().unwrap().len(), 2);
    // The person's statement: newest first, filterable by period.
    let st = me.get(&format!("/ledger/people/{p}/statement")).await;
    let kinds: Vec<&str> = st.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "donation",
            "service.duty.volunteer",
            "service.duty.volunteer"
        ]
    );
    let old = me
        .get(&format!("/ledger/people/{p}/statement?to=2026-10-31"))
        .await;
    assert_eq!(old.body["items"].as_array().unwrap().len(), 0);
    let mine = me.get("/ledger/me").await;
    assert_eq!(mine.body["minutes"], 60);
    assert_eq!(mine.body["served_this_year"], 90);
    assert_eq!(mine.body["yearly_target"], 3000);
    // Nobody else's statement.
    assert_eq!(
        me.get(&format!("/ledger/people/{}/statement", app.fx.person_b))
            .await
            .status,
        404
    );
    trial_is_balanced(&app).await;
    // Every posting was audited.
    assert!(
        app.count("audit_log WHERE object_kind = 'ledger_txn'")
            .await
            >= 3
    );
}

async fn two_concurrent_spends_of_the_same_coins(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let r = cadre
        .post("/ledger/credits", credit(&app, app.fx.person_a, 60, "c-1"))
        .await;
    assert_eq!(r.status, 201);
    let me = app.api("personnel_a").await;
    let (a, b, c) = tokio::join!(
        me.post(
            "/ledger/donations",
            json!({"minutes": 60, "key": "spend-a"})
        ),
        me.post(
            "/ledger/donations",
            json!({"minutes": 60, "key": "spend-b"})
        ),
        me.post(
            "/ledger/donations",
            json!({"minutes": 60, "key": "spend-c"})
        ),
    );
    let statuses = [a.status.as_u16(), b.status.as_u16(), c.status.as_u16()];
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(balance(&cadre, app.fx.person_a).await.1, 0);
    // Concurrent credits never take the account over its cap.
    app.api("platform")
        .await
        .post(
            "/ledger/settings",
            json!({"key": "account_cap_minutes", "value": 100, "effective_from": "2026-01-01"}),
        )
        .await;
    let (c1, c2, c3) = tokio::join!(
        cadre.post(
            "/ledger/credits",
            credit(&app, app.fx.person_a, 60, "cap-1")
        ),
        cadre.post(
            "/ledger/credits",
            credit(&app, app.fx.person_a, 60, "cap-2")
        ),
        cadre.post(
            "/ledger/credits",
            credit(&app, app.fx.person_a, 60, "cap-3")
        ),
    );
    assert!(
        [c1.status, c2.status, c3.status]
            .iter()
            .all(|s| s.as_u16() == 201)
    );
    assert_eq!(
        balance(&cadre, app.fx.person_a).await.1,
        100,
        "capped, the rest went to the fund"
    );
    // The same key sent twice at once records once.
    let cadre2 = cadre.clone();
    let body = credit(&app, app.fx.person_a, 30, "same-key");
    let (x, y) = tokio::join!(
        cadre.post("/ledger/credits", body.clone()),
        cadre2.post("/ledger/credits", body)
    );
    assert_eq!(x.body["id"], y.body["id"]);
    assert_eq!(
        app.count("ledger_txn WHERE idempotency_key = 'same-key'")
            .await,
        1
    );
    trial_is_balanced(&app).await;
}

async fn reversals_restore_and_happen_once(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let r = cadre
        .post(
            "/ledger/credits",
            credit(&app, app.fx.person_a, 120, "c-rev"),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let me = app.api("personnel_a").await;
    assert_eq!(
        me.post(
            &format!("/ledger/transactions/{id}/reversal"),
            json!({"reason": "x", "key": "r0"})
        )
        .await
        .status,
        403
    );
    let admin = app.api("admin_a").await;
    let no_reason = admin
        .post(
            &format!("/ledger/transactions/{id}/reversal"),
            json!({"reason": " ", "key": "r1"}),
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let rev = admin
        .post(
            &format!("/ledger/transactions/{id}/reversal"),
            json!({"reason": "记错了人", "key": "r1"}),
        )
        .await;
    assert_eq!(rev.status, 201, "{:?}", rev.body);
    assert_eq!(rev.body["reverses_txn_id"], id);
    assert_eq!(balance(&cadre, app.fx.person_a).await, (0, 0));
    let twice = admin
        .post(
            &format!("/ledger/transactions/{id}/reversal"),
            json!({"reason": "再冲", "key": "r2"}),
        )
        .await;
    assert_eq!(twice.status, 409);
    assert_eq!(twice.body["code"], "already_reversed");
    // Postings are never edited or deleted, not even by hand.
    assert!(
        sqlx::query("UPDATE ledger_posting SET amount = 1")
            .execute(app.db.writer())
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM ledger_txn")
            .execute(app.db.writer())
            .await
            .is_err()
    );
    trial_is_balanced(&app).await;
}

async fn the_pilots_rules_hold(app: TestApp) {
    let platform = app.api("platform").await;
    let cadre = app.api("cadre_a").await;
    let p = app.fx.person_a;
    // A credit made before a change of the standard keeps its points.
    assert_eq!(
        cadre
            .post("/ledger/credits", credit(&app, p, 60, "before"))
            .await
            .status,
        201
    );
    let r = platform
        .post("/ledger/standard", json!({"kind": "duty.volunteer", "points_e2": 200, "unit": "hour",
               "monthly_cap_e2": 500, "yearly_cap_e2": null, "approver_role": "community_cadre", "effective_from": "2026-11-01"}))
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        balance(&cadre, p).await.0,
        100,
        "the earlier credit keeps its 1 point: not rewritten"
    );
    // Under the new rule: 2 points an hour, at most 5 points a month (2 already this month).
    let r = cadre
        .post("/ledger/credits", credit(&app, p, 180, "after"))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        balance(&cadre, p).await.0,
        500,
        "capped at 5 points for the month"
    );
    // A replay under a cap answers the first result (the input decides, not the legs
    // recomputed against today's totals).
    let replay = cadre
        .post("/ledger/credits", credit(&app, p, 180, "after"))
        .await;
    assert_eq!(replay.status, 200, "{:?}", replay.body);
    assert_eq!(replay.body["id"], r.body["id"]);
    assert_eq!(balance(&cadre, p).await.0, 500);
    // The account cap sends the excess to the community fund.
    platform
        .post(
            "/ledger/settings",
            json!({"key": "account_cap_minutes", "value": 300, "effective_from": "2026-01-01"}),
        )
        .await;
    let r = cadre
        .post("/ledger/credits", credit(&app, p, 120, "over-cap"))
        .await;
    assert_eq!(r.status, 201);
    assert!(
        r.body["memo"]
            .as_str()
            .unwrap()
            .contains("自动捐入社区基金")
    );
    assert_eq!(balance(&cadre, p).await.1, 300);
    let fund = cadre
        .get(&format!("/ledger/funds/{}", app.fx.community_a))
        .await;
    assert_eq!(fund.body["balance_minutes"], 60);
    // Group time can only be donated.
    let mut g = credit(&app, p, 45, "group");
    g["group"] = json!(true);
    cadre.post("/ledger/credits", g).await;
    let fund = cadre
        .get(&format!("/ledger/funds/{}", app.fx.community_a))
        .await;
    assert_eq!(fund.body["balance_minutes"], 105);
    // A minor needs a guardian or a group.
    let kid = cadre
        .post(
            "/people",
            json!({"kind": "resident", "name": "小志愿者", "id_card": "110101201506010010",
                                "home_community_id": app.fx.community_a}),
        )
        .await;
    assert_eq!(kid.status, 201, "{:?}", kid.body);
    let kid = kid.body["id"].as_i64().unwrap();
    let alone = cadre
        .post("/ledger/credits", credit(&app, kid, 60, "kid-1"))
        .await;
    assert_eq!(alone.status, 422);
    assert_eq!(alone.body["errors"][0]["field"], "guardian_person_id");
    let mut with = credit(&app, kid, 60, "kid-2");
    with["guardian_person_id"] = json!(p);
    assert_eq!(cadre.post("/ledger/credits", with).await.status, 201);
    // Only a platform admin sets the standard.
    let no = cadre
        .post(
            "/ledger/settings",
            json!({"key": "min_age", "value": 16, "effective_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(no.status, 403);
    let std = cadre.get("/ledger/standard").await;
    assert!(std.body["rules"].as_array().unwrap().len() >= 11);
    trial_is_balanced(&app).await;
}

async fn bad_ledger_input_writes_nothing(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let p = app.fx.person_a;
    let before = app.count("ledger_txn").await;
    for (minutes, field) in [(0, "minutes"), (-5, "minutes"), (2000, "minutes")] {
        let r = cadre
            .post("/ledger/credits", credit(&app, p, minutes, "bad"))
            .await;
        assert_eq!(r.status, 422, "{minutes}");
        assert_eq!(r.body["errors"][0]["field"], field);
    }
    let mut future = credit(&app, p, 60, "future");
    future["occurred_on"] = json!("2099-01-01");
    assert_eq!(cadre.post("/ledger/credits", future).await.status, 422);
    let mut kind = credit(&app, p, 60, "kind");
    kind["kind"] = json!("gossip");
    assert_eq!(cadre.post("/ledger/credits", kind).await.status, 422);
    assert_eq!(
        cadre
            .post("/ledger/credits", credit(&app, 987_654, 60, "nobody"))
            .await
            .status,
        404
    );
    assert_eq!(
        cadre
            .post(
                "/ledger/credits",
                credit(&app, app.fx.person_b, 60, "outside")
            )
            .await
            .status,
        403
    );
    let me = app.api("personnel_a").await;
    let r = me
        .post(
            "/ledger/donations",
            json!({"minutes": 10_000_000_000_000i64, "key": "huge"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = me
        .post("/ledger/donations", json!({"minutes": 10, "key": ""}))
        .await;
    assert_eq!(r.status, 422);
    let r = me
        .post("/ledger/donations", json!({"minutes": "ten", "key": "t"}))
        .await;
    assert_eq!(r.status, 422);
    // Another city's account: its people are not found here.
    let (city2, root2) = org::units::create_city(&app.db, "另一市", "770000")
        .await
        .unwrap();
    let sys = org::access::system_access(city2, root2.id, "t");
    let stranger = org::people::create(
        &app.db,
        &sys,
        org::people::PersonInput {
            kind: "resident".into(),
            name: "外市人".into(),
            phone: Some("13300000001".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        cadre
            .post("/ledger/credits", credit(&app, stranger.id, 60, "city2"))
            .await
            .status,
        404
    );
    let g = cadre
        .post("/ledger/grants", json!({"unit_id": root2.id, "person_id": stranger.id, "minutes": 5, "reason": "x", "key": "g2"}))
        .await;
    assert_eq!(g.status, 404);
    assert_eq!(app.count("ledger_txn").await, before, "nothing written");
}

async fn gifts_exchanges_catalogue_guarantee_honours(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let me = app.api("personnel_a").await;
    let p = app.fx.person_a;
    let resident = app.fx.accounts["resident_a"];
    assert_eq!(
        cadre
            .post("/ledger/credits", credit(&app, p, 600, "ten-hours"))
            .await
            .status,
        201
    );
    // Gifts go only to registered close relatives.
    let g = me
        .post(
            "/ledger/gifts",
            json!({"to_person_id": resident, "minutes": 60, "key": "gift-1"}),
        )
        .await;
    assert_eq!(g.status, 422);
    assert_eq!(g.body["errors"][0]["field"], "to_person_id");
    assert_eq!(
        me.post(
            "/ledger/family-links",
            json!({"person_id": p, "relative_id": resident, "relation": "父母"})
        )
        .await
        .status,
        403,
        "people do not register their own relatives"
    );
    let bad = cadre
        .post(
            "/ledger/family-links",
            json!({"person_id": p, "relative_id": resident, "relation": "朋友"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let ok = cadre
        .post(
            "/ledger/family-links",
            json!({"person_id": p, "relative_id": resident, "relation": "父母"}),
        )
        .await;
    assert_eq!(ok.status, 204, "{:?}", ok.body);
    assert_eq!(
        me.get(&format!("/ledger/people/{p}/relatives")).await.body[0]["relation"],
        "父母"
    );
    let g = me
        .post(
            "/ledger/gifts",
            json!({"to_person_id": resident, "minutes": 60, "key": "gift-1"}),
        )
        .await;
    assert_eq!(g.status, 201, "{:?}", g.body);
    assert_eq!(balance(&cadre, resident).await.1, 60);
    // Spending for oneself starts at 60: person A (born 1949) may, the resident (no birth date) may not.
    let young = app.api("resident_a").await;
    let r = young
        .post(
            "/ledger/exchanges",
            json!({"provider_person_id": p, "minutes": 30, "description": "陪同就医"}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["code"], "too_young_to_spend");
    let ex = me
        .post("/ledger/exchanges", json!({"provider_person_id": app.fx.person_b, "minutes": 90, "description": "上门理发"}))
        .await;
    assert_eq!(ex.status, 201, "{:?}", ex.body);
    let id = ex.body["id"].as_i64().unwrap();
    assert_eq!(
        ex.body["provider_name"], "李下沉",
        "the two sides see each other's names"
    );
    let first = me
        .post(&format!("/ledger/exchanges/{id}/confirm"), json!({}))
        .await;
    assert_eq!(first.body["state"], "proposed", "one side is not enough");
    assert_eq!(balance(&cadre, p).await.1, 540);
    let provider = app.browser("platform").await;
    let _ = provider;
    // The provider (person B) confirms through their own session: give them an account.
    let hash = org::auth::hash_password(testkit::PASSWORD).await.unwrap();
    org::accounts::bootstrap_account(
        &app.db,
        app.fx.city_id,
        app.fx.person_b,
        "person_b",
        &hash,
        &[],
    )
    .await
    .unwrap();
    let b = app.api("person_b").await;
    let done = b
        .post(&format!("/ledger/exchanges/{id}/confirm"), json!({}))
        .await;
    assert_eq!(done.body["state"], "done", "{:?}", done.body);
    assert_eq!(balance(&cadre, p).await.1, 450);
    assert_eq!(b.get("/ledger/me").await.body["minutes"], 90);
    assert_eq!(
        b.post(&format!("/ledger/exchanges/{id}/confirm"), json!({}))
            .await
            .status,
        409,
        "moves once"
    );
    // A catalogue: stock decreases, out of stock is a clear error, replays take no stock.
    let item = cadre
        .post(
            &format!("/ledger/funds/{}/items", app.fx.community_a),
            json!({"name": "米（5 斤）", "price_minutes": 120, "stock": 1}),
        )
        .await;
    assert_eq!(item.status, 201, "{:?}", item.body);
    let item_id = item.body["id"].as_i64().unwrap();
    assert_eq!(
        me.post(
            &format!("/ledger/funds/{}/items", app.fx.community_a),
            json!({"name": "x", "price_minutes": 1, "stock": 1})
        )
        .await
        .status,
        403
    );
    let r = me
        .post(
            &format!("/ledger/items/{item_id}/redeem"),
            json!({"key": "buy-1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let again = me
        .post(
            &format!("/ledger/items/{item_id}/redeem"),
            json!({"key": "buy-1"}),
        )
        .await;
    assert_eq!(again.status, 200, "a replay answers the first redemption");
    let gone = me
        .post(
            &format!("/ledger/items/{item_id}/redeem"),
            json!({"key": "buy-2"}),
        )
        .await;
    assert_eq!(gone.status, 409);
    assert_eq!(gone.body["code"], "out_of_stock");
    assert_eq!(balance(&cadre, p).await.1, 330);
    let list = me
        .get(&format!("/ledger/funds/{}/items", app.fx.community_a))
        .await;
    assert_eq!(list.body[0]["stock"], 0);
    // The guarantee fund backs a community fund.
    let platform = app.api("platform").await;
    assert_eq!(
        cadre
            .post(
                "/ledger/guarantee",
                json!({"unit_id": app.fx.community_a, "minutes": 60, "reason": "x", "key": "gua"})
            )
            .await
            .status,
        403
    );
    let gu = platform
        .post("/ledger/guarantee", json!({"unit_id": app.fx.community_a, "minutes": 600, "reason": "试点兜底", "key": "gua"}))
        .await;
    assert_eq!(gu.status, 201, "{:?}", gu.body);
    // Honours: 10 hours = 10 points; with the threshold at 5 points person A qualifies.
    platform
        .post(
            "/ledger/settings",
            json!({"key": "honour_points_e2", "value": 500, "effective_from": "2026-01-01"}),
        )
        .await;
    let h = cadre.get("/ledger/honours?period=2026-11").await;
    assert_eq!(h.status, 200, "{:?}", h.body);
    assert_eq!(h.body["threshold_e2"], 500);
    assert!(
        h.body["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["person_id"] == p)
    );
    assert_eq!(
        cadre.get("/ledger/honours?period=2026-13").await.status,
        422
    );
    assert_eq!(me.get("/ledger/honours?period=2026").await.status, 403);
    // The whole ledger as beancount, for platform admins only.
    assert_eq!(cadre.get("/ledger/export.beancount").await.status, 403);
    let bean = platform.get("/ledger/export.beancount").await;
    assert_eq!(bean.status, 200);
    assert!(bean.body.as_str().unwrap().contains("Liabilities:Person:P"));
    trial_is_balanced(&app).await;
}

testkit::backend_tests!(
    gifts_exchanges_catalogue_guarantee_honours,
    credit_replay_donate_grant_statement,
    two_concurrent_spends_of_the_same_coins,
    reversals_restore_and_happen_once,
    the_pilots_rules_hold,
    bad_ledger_input_writes_nothing
);
