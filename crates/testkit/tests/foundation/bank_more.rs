//! The remaining time-bank pages: a cadre registers a close relative and the person gives
//! to them, a service exchange confirmed from both sides moves the coins once, a catalogue
//! item is redeemed until it runs out, the honour list is for administrators, and the
//! guarantee form is for platform admins only.

use serde_json::json;
use testkit::{Api, Page, TestApp};

/// The value of the hidden idempotency key of the first form on `html` (after `from`).
fn key_after(html: &str, from: &str) -> String {
    let start = html.find(from).expect("the form");
    let marker = "name=\"key\" value=\"";
    let i = start + html[start..].find(marker).expect("a key field") + marker.len();
    html[i..i + html[i..].find('"').expect("end of key")].to_owned()
}

/// The first number in `html` after `prefix`.
fn id_after(html: &str, prefix: &str) -> i64 {
    let i = html.find(prefix).expect(prefix) + prefix.len();
    let digits: String = html[i..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("an id")
}

fn clean(path: &str, p: &Page) {
    assert!(!p.html.contains(" style=\""), "{path} has an inline style");
    assert!(!p.html.contains("<script>"), "{path} has an inline script");
}

async fn minutes_of(api: &Api, person: i64) -> i64 {
    let s = api.get(&format!("/ledger/people/{person}")).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    s.body["minutes"].as_i64().unwrap()
}

async fn bank_more_gift_exchange_items_honours_guarantee(app: TestApp) {
    let fx = &app.fx;
    let p = fx.person_a;
    let resident = fx.accounts["resident_a"];
    let today = kernel::time::today().to_string();
    let cadre_api = app.api("cadre_a").await;
    let r = cadre_api
        .post(
            "/ledger/credits",
            json!({"person_id": p, "kind": "duty.volunteer", "minutes": 600, "occurred_on": today,
                   "memo": "社区志愿服务", "key": "more-credit", "group": false}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // /bank links to the new sections.
    let me = app.browser("personnel_a").await;
    let home = me.get("/bank").await;
    for href in ["/bank/gift", "/bank/exchanges", "/bank/items"] {
        assert!(home.html.contains(&format!("href=\"{href}\"")), "{href}");
    }

    // No relatives yet: the page explains who registers them.
    let gift = me.get("/bank/gift").await;
    assert_eq!(gift.status, 200, "{}", gift.html);
    assert!(gift.html.contains("由社区干部核实后登记"));
    clean("/bank/gift", &gift);

    // The cadre registers the resident as person A's parent.
    let cadre = app.browser("cadre_a").await;
    let path = format!("/bank/relatives?person_id={p}");
    let page = cadre.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("还没有登记亲属"));
    clean(&path, &page);
    let pid = p.to_string();
    let rid = resident.to_string();
    let bad = cadre
        .submit(
            &path,
            "/bank/relatives",
            &[
                ("person_id", &pid),
                ("relative_id", &rid),
                ("relation", "朋友"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("关系应为直系亲属"));
    let ok = cadre
        .submit(
            &path,
            "/bank/relatives",
            &[
                ("person_id", &pid),
                ("relative_id", &rid),
                ("relation", "父母"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    let after = cadre.get(&ok.location.unwrap()).await;
    assert!(after.html.contains("已登记父母"), "toast");
    assert!(after.html.contains("父母 · 人员编号"));
    // People do not register their own relatives.
    assert_eq!(me.get(&path).await.status, 403);

    // Person A gives one hour to the parent.
    let gift = me.get("/bank/gift").await;
    assert!(gift.html.contains("（父母）"), "{}", gift.html);
    let key = key_after(&gift.html, "action=\"/bank/gift\"");
    let form = [
        ("_csrf", gift.csrf()),
        ("key", key),
        ("to_person_id", rid.clone()),
        ("hours", "1".into()),
        ("minutes", "0".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = me.post("/bank/gift", &form).await;
    assert_eq!(r.status, 303, "{}", r.html);
    let again = me.post("/bank/gift", &form).await;
    assert_eq!(again.status, 303, "a replay records once");
    assert_eq!(minutes_of(&cadre_api, resident).await, 60);
    assert_eq!(minutes_of(&cadre_api, p).await, 540);
    // Nothing chosen: the form again with the reason.
    let none = me
        .submit(
            "/bank/gift",
            "/bank/gift",
            &[("hours", "1"), ("key", "g-x")],
        )
        .await;
    assert_eq!(none.status, 422);
    assert!(none.html.contains("请选择接受赠与的亲属"));

    // The resident has no birth date: spending for oneself is refused with the way out.
    let young = app.browser("resident_a").await;
    let pa = p.to_string();
    let r = young
        .submit(
            "/bank/exchanges",
            "/bank/exchanges",
            &[
                ("provider_person_id", &pa),
                ("hours", "0"),
                ("minutes", "30"),
                ("description", "陪同就医"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.html);
    assert!(r.html.contains("周岁才能为自己兑换服务"));
    assert!(r.html.contains("href=\"/bank/gift\""));
    assert!(r.html.contains("value=\"陪同就医\""), "typed text kept");

    // Person A proposes a haircut from person B; both confirm through their pages.
    let hash = org::auth::hash_password(testkit::PASSWORD).await.unwrap();
    org::accounts::bootstrap_account(&app.db, fx.city_id, fx.person_b, "person_b", &hash, &[])
        .await
        .unwrap();
    let pb = fx.person_b.to_string();
    let r = me
        .submit(
            "/bank/exchanges",
            "/bank/exchanges",
            &[
                ("provider_person_id", &pb),
                ("hours", "1"),
                ("minutes", "30"),
                ("description", "上门理发"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let list = me.get("/bank/exchanges").await;
    assert_eq!(list.status, 200);
    clean("/bank/exchanges", &list);
    assert!(list.html.contains("badge amber\">待确认"));
    assert!(list.html.contains("确认已接受服务"));
    let id = id_after(&list.html, "action=\"/bank/exchanges/");
    let confirm = format!("/bank/exchanges/{id}/confirm");
    let r = me.submit("/bank/exchanges", &confirm, &[]).await;
    assert_eq!(r.status, 303, "{}", r.html);
    let after = me.get(&r.location.unwrap()).await;
    assert!(after.html.contains("等待对方确认"));
    assert!(after.html.contains("我已确认，等待服务方确认"));
    assert_eq!(
        minutes_of(&cadre_api, p).await,
        540,
        "one side is not enough"
    );
    let b = app.browser("person_b").await;
    let theirs = b.get("/bank/exchanges").await;
    assert!(theirs.html.contains("确认已提供服务"), "{}", theirs.html);
    let r = b.submit("/bank/exchanges", &confirm, &[]).await;
    assert_eq!(r.status, 303, "{}", r.html);
    let after = b.get(&r.location.unwrap()).await;
    assert!(after.html.contains("已转给服务方 1 小时 30 分钟"));
    assert!(after.html.contains("badge green\">已完成"));
    assert_eq!(minutes_of(&cadre_api, p).await, 450);
    assert_eq!(
        app.api("person_b").await.get("/ledger/me").await.body["minutes"],
        90
    );
    // Once done it cannot be confirmed again: the list with the reason.
    let again = b.submit("/bank/exchanges", &confirm, &[]).await;
    assert_eq!(again.status, 409);
    assert!(again.html.contains("已经完成或取消"));
    // A second proposal, cancelled.
    me.submit(
        "/bank/exchanges",
        "/bank/exchanges",
        &[
            ("provider_person_id", &pb),
            ("hours", "1"),
            ("description", "打扫"),
        ],
    )
    .await;
    let list = me.get("/bank/exchanges").await;
    let id2 = id_after(&list.html, "action=\"/bank/exchanges/");
    assert_ne!(id, id2, "newest first");
    let r = me
        .submit(
            "/bank/exchanges",
            &format!("/bank/exchanges/{id2}/cancel"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        me.get("/bank/exchanges")
            .await
            .html
            .contains("badge grey\">已取消")
    );
    assert_eq!(minutes_of(&cadre_api, p).await, 450);

    // The catalogue: the cadre adds one bag of rice; person A redeems it; then it is gone.
    let items = format!("/bank/items?unit_id={}", fx.community_a);
    let page = cadre.get(&items).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("添加物品"));
    clean(&items, &page);
    let r = cadre
        .submit(
            &items,
            &items,
            &[
                ("name", "大米（5 斤）"),
                ("hours", "2"),
                ("minutes", ""),
                ("stock", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let bad = cadre
        .submit(
            &items,
            &items,
            &[("name", ""), ("hours", "1"), ("stock", "1")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请填写物品名称"));
    let mine = me.get(&items).await;
    assert_eq!(mine.status, 200);
    assert!(!mine.html.contains("添加物品"), "not for personnel");
    assert!(mine.html.contains("大米（5 斤）") && mine.html.contains("2 小时"));
    assert_eq!(
        me.get("/bank/items").await.status,
        200,
        "the default community"
    );
    let item = id_after(&mine.html, "action=\"/bank/items/");
    let redeem = format!("/bank/items/{item}/redeem");
    let key = key_after(&mine.html, &format!("action=\"{redeem}\""));
    let unit = fx.community_a.to_string();
    let r = me
        .submit(&items, &redeem, &[("key", &key), ("unit_id", &unit)])
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    assert!(
        me.get(&r.location.unwrap())
            .await
            .html
            .contains("已兑换：大米")
    );
    assert_eq!(minutes_of(&cadre_api, p).await, 330);
    let gone = me
        .submit(&items, &redeem, &[("key", "another"), ("unit_id", &unit)])
        .await;
    assert_eq!(gone.status, 409);
    assert!(gone.html.contains("已经兑完了"));
    clean(&redeem, &gone);
    assert_eq!(minutes_of(&cadre_api, p).await, 330);

    // The honour list is for administrators.
    let h = cadre.get("/bank/honours?period=2026-11").await;
    assert_eq!(h.status, 200, "{}", h.html);
    assert!(h.html.contains("不是排名"));
    clean("/bank/honours", &h);
    assert_eq!(cadre.get("/bank/honours").await.status, 200);
    assert_eq!(cadre.get("/bank/honours?period=2026-13").await.status, 422);
    assert_eq!(me.get("/bank/honours?period=2026-11").await.status, 403);

    // The guarantee form: for platform admins, not for the cadre.
    let fund = format!("/bank/funds/{}", fx.community_a);
    let guarantee = format!("/bank/funds/{}/guarantee", fx.community_a);
    let c = cadre.get(&fund).await;
    assert!(!c.html.contains(&guarantee), "no guarantee form for cadres");
    let platform = app.browser("platform").await;
    let f = platform.get(&fund).await;
    assert_eq!(f.status, 200, "{}", f.html);
    assert!(f.html.contains("保障基金兜底"));
    clean(&fund, &f);
    let key = key_after(&f.html, &format!("action=\"{guarantee}"));
    let bad = platform
        .submit(
            &fund,
            &guarantee,
            &[("g_hours", "10"), ("g_reason", ""), ("key", &key)],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("请写明原因"));
    assert!(bad.html.contains("value=\"10\""), "typed hours kept");
    let r = platform
        .submit(
            &fund,
            &guarantee,
            &[("g_hours", "10"), ("g_reason", "试点兜底"), ("key", &key)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    assert!(
        platform
            .get(&r.location.unwrap())
            .await
            .html
            .contains("保障基金已兜底 10 小时")
    );
    assert_eq!(
        cadre
            .submit(
                &fund,
                &guarantee,
                &[("g_hours", "1"), ("g_reason", "x"), ("key", "k")]
            )
            .await
            .status,
        403
    );
}

testkit::backend_tests!(bank_more_gift_exchange_items_honours_guarantee);
