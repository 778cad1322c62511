//! Order pages through the browser: a resident asks for help (a bad request is shown again
//! with the message and what was typed), the cadre dispatches from the recommendation card,
//! the person is told in the inbox, accepts and finishes, the resident confirms with five
//! stars and the person's time bank shows the minutes; a dispatch against the
//! recommendation needs a written reason and lands in the record; nobody outside the
//! district sees the order.

use crate::page_checks::{assert_clean, assert_page};
use kernel::time::{local_datetime, now_ms, weekday_and_minute};
use testkit::{Browser, Page, TestApp};

const DAY: i64 = 86_400_000;

/// `HH:MM` on the next Saturday at least two days away, as `YYYY-MM-DDTHH:MM`.
fn saturday(hm: &str) -> String {
    let mut t = now_ms() + 2 * DAY;
    while weekday_and_minute(t).0 != 6 {
        t += DAY;
    }
    format!("{}T{hm}", &local_datetime(t)[..10])
}

/// The order id of a redirect to `/orders/{id}?toast=…`.
fn order_id(p: &Page) -> i64 {
    let loc = p.location.as_deref().expect("a redirect");
    let rest = loc.strip_prefix("/orders/").expect("to an order");
    rest[..rest.find('?').unwrap_or(rest.len())]
        .parse()
        .expect("an id")
}

/// Follow a redirect and return the page.
async fn follow(b: &Browser, p: &Page) -> Page {
    assert_eq!(p.status, 303, "{}", p.html);
    b.get(p.location.as_deref().expect("a redirect")).await
}

/// Place an order through the request form.
async fn request(b: &Browser, category: &str, description: &str) -> i64 {
    let from = saturday("09:00");
    let to = saturday("11:00");
    let r = b
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("category", category),
                ("description", description),
                ("place", "甲社区 3 栋 201"),
                ("wanted_from", &from),
                ("wanted_to", &to),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    order_id(&r)
}

async fn order_flow_through_pages(app: TestApp) {
    let fx = &app.fx;
    let person = fx.person_a.to_string();
    let resident = app.browser("resident_a").await;
    let cadre = app.browser("cadre_a").await;
    let personnel = app.browser("personnel_a").await;

    // An empty list teaches what it is for.
    let p = resident.get("/orders").await;
    assert_page("/orders", &p, "还没有需求");
    assert!(p.html.contains("href=\"/orders/new\""), "the button to ask");
    let p = resident.get("/orders/new").await;
    assert_page("/orders/new", &p, "提交需求");
    assert!(p.html.contains("健康义诊") && p.html.contains("type=\"datetime-local\""));
    assert!(
        !p.html.contains("name=\"resident_person_id\""),
        "residents order for themselves"
    );

    // A request without a description comes back with the message, nothing typed lost.
    let from = saturday("09:00");
    let to = saturday("11:00");
    let bad = resident
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("category", "health"),
                ("description", "  "),
                ("place", "甲社区 3 栋 201"),
                ("wanted_from", &from),
                ("wanted_to", &to),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("请填写需求描述"), "{}", bad.html);
    assert!(bad.html.contains("value=\"甲社区 3 栋 201\""), "place kept");
    assert!(bad.html.contains(&format!("value=\"{from}\"")), "time kept");
    assert!(
        bad.html.contains("value=\"health\" checked"),
        "category kept"
    );
    assert_clean("/orders/new (422)", &bad);
    // Times the wrong way round are explained beside the field.
    let bad = resident
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("category", "health"),
                ("description", "量血压"),
                ("place", "甲社区 3 栋 201"),
                ("wanted_from", &to),
                ("wanted_to", &from),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("结束时间要晚于开始时间"));

    let ok = resident
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("category", "health"),
                ("description", "老人想量量血压，问问用药"),
                ("place", "甲社区 3 栋 201"),
                ("wanted_from", &from),
                ("wanted_to", &to),
            ],
        )
        .await;
    let id = order_id(&ok);
    let path = format!("/orders/{id}");
    let p = follow(&resident, &ok).await;
    assert_page(&path, &p, "已提交，社区会尽快安排");
    assert!(p.html.contains("待派单") && p.html.contains("badge big pending"));
    assert!(
        p.html
            .contains("(周六)</span> <span class=\"nw\">09:00–11:00"),
        "the wanted time as people say it: {}",
        p.html
    );
    assert!(p.html.contains("医疗"), "the wanted skill");
    assert!(p.html.contains("撤销这个需求"), "the resident may cancel");
    assert!(!p.html.contains("/dispatch\""), "residents do not dispatch");
    let p = resident.get("/orders").await;
    assert!(
        p.html.contains(&format!("href=\"{path}\"")),
        "the list links it"
    );

    // The cadre sees it waiting on the board and dispatches from the recommendation card.
    let board = cadre.get("/dispatch").await;
    assert_page("/dispatch", &board, "待派单");
    assert!(board.html.contains(&format!("href=\"{path}/dispatch\"")));
    assert!(
        board.html.contains("href=\"/orders?state=placed\""),
        "counts are links"
    );
    assert!(board.html.contains("href=\"/orders/overrides\""));
    let dpath = format!("{path}/dispatch");
    let d = cadre.get(&dpath).await;
    assert_page(&dpath, &d, "派给 张下沉");
    assert!(d.html.contains("具备所需专长：医疗"), "{}", d.html);
    assert!(
        d.html.contains("btn primary block"),
        "the best fit is the primary action"
    );
    let r = cadre
        .submit(&dpath, &dpath, &[("person_id", &person)])
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    assert!(
        r.location
            .as_deref()
            .unwrap()
            .starts_with("/dispatch?toast=")
    );
    let p = follow(&cadre, &r).await;
    assert_page("/dispatch", &p, "已派单给 张下沉");
    let p = cadre.get(&path).await;
    assert_page(&path, &p, "待接单");
    assert!(p.html.contains("改派给其他人"));

    // The person finds the notice in the inbox; opening it marks it read.
    let inbox = personnel.get("/inbox").await;
    assert_page("/inbox", &inbox, "新派单");
    assert!(
        inbox.html.contains("class=\"cell unread\""),
        "unread in bold"
    );
    assert!(inbox.html.contains("全部标为已读"));
    let unread = personnel.get("/inbox/unread").await;
    assert_eq!(unread.status, 200);
    assert!(unread.html.contains("\"unread\":1"), "{}", unread.html);
    let marker = "action=\"/inbox/";
    let at = inbox.html.find(marker).expect("a notice form") + marker.len();
    let nid = &inbox.html[at..at + inbox.html[at..].find('/').unwrap()];
    let open = personnel
        .submit("/inbox", &format!("/inbox/{nid}/read"), &[("to", &path)])
        .await;
    assert_eq!(open.status, 303);
    assert_eq!(open.location.as_deref(), Some(path.as_str()));
    let unread = personnel.get("/inbox/unread").await;
    assert!(unread.html.contains("\"unread\":0"), "{}", unread.html);
    // Only paths of this site are followed.
    let away = personnel
        .submit(
            "/inbox",
            &format!("/inbox/{nid}/read"),
            &[("to", "//evil.example/x")],
        )
        .await;
    assert_eq!(away.location.as_deref(), Some("/inbox"));
    // Someone else's notice is not theirs to mark.
    let other = resident
        .submit("/inbox", &format!("/inbox/{nid}/read"), &[("to", "/")])
        .await;
    assert_eq!(other.status, 404);

    // Accept, then finish (a bad duration is explained first).
    let p = personnel.get(&path).await;
    assert_page(&path, &p, "接单");
    assert!(p.html.contains(&format!("action=\"{path}/accept\"")));
    assert!(p.html.contains("不能接单"), "declining is offered");
    let r = personnel
        .submit(&path, &format!("{path}/accept"), &[])
        .await;
    let p = follow(&personnel, &r).await;
    assert_page(&path, &p, "已接单");
    assert!(p.html.contains("服务中") && p.html.contains("badge big active"));
    assert!(p.html.contains(&format!("action=\"{path}/finish#finish\"")));
    assert!(
        p.html.contains("value=\"120\""),
        "the wanted span prefilled"
    );
    let bad = personnel
        .submit(
            &path,
            &format!("{path}/finish"),
            &[("minutes", "很久"), ("note", "已量血压")],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("请填写服务用了多少分钟"));
    assert!(bad.html.contains(">已量血压</textarea>"), "note kept");
    let r = personnel
        .submit(
            &path,
            &format!("{path}/finish"),
            &[("minutes", "90"), ("note", "已量血压")],
        )
        .await;
    let p = follow(&personnel, &r).await;
    assert_page(&path, &p, "待确认");
    assert!(p.html.contains("1 小时 30 分钟"));

    // The resident confirms with five stars (choosing none is explained).
    let p = resident.get(&path).await;
    assert_page(&path, &p, "确认完成并评价");
    assert!(p.html.contains("name=\"rating\" value=\"5\""));
    let bad = resident
        .submit(&path, &format!("{path}/confirm"), &[("comment", "很耐心")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请选择 1 到 5 星"));
    assert!(bad.html.contains(">很耐心</textarea>"), "comment kept");
    let r = resident
        .submit(
            &path,
            &format!("{path}/confirm"),
            &[("rating", "5"), ("comment", "很耐心")],
        )
        .await;
    let p = follow(&resident, &r).await;
    assert_page(&path, &p, "已完成");
    assert!(p.html.contains("★★★★★ 5 星") && p.html.contains("很耐心"));
    assert!(p.html.contains("badge big done"));
    // Confirming twice is refused with the reason, shown on the order.
    let again = resident
        .submit(&path, &format!("{path}/confirm"), &[("rating", "4")])
        .await;
    assert_eq!(again.status, 409, "{}", again.html);
    assert!(again.html.contains("class=\"alert\"") && again.html.contains("不能确认完成"));

    // The person rates back once, and their time bank shows the service.
    let p = personnel.get(&path).await;
    assert_page(&path, &p, "评价这张订单");
    let r = personnel
        .submit(&path, &format!("{path}/rate-back"), &[("rating", "5")])
        .await;
    let p = follow(&personnel, &r).await;
    assert_page(&path, &p, "已提交评价");
    assert!(!p.html.contains("评价这张订单"), "only once");
    let bank = personnel.get("/bank").await;
    assert_page("/bank", &bank, "1 小时 30 分钟");
    let mine = personnel.get("/orders").await;
    assert_page("/orders", &mine, "我的任务");
    assert!(mine.html.contains(&format!("href=\"{path}\"")));

    // Another district's admin does not find it.
    let admin_b = app.browser("admin_b").await;
    for p in [path.clone(), dpath.clone()] {
        let r = admin_b.get(&p).await;
        assert_eq!(r.status, 404, "{p}");
        assert_clean(&p, &r);
    }
}

async fn dispatch_against_the_recommendation_needs_a_reason(app: TestApp) {
    let fx = &app.fx;
    let person = fx.person_a.to_string();
    let resident = app.browser("resident_a").await;
    let cadre = app.browser("cadre_a").await;
    let personnel = app.browser("personnel_a").await;

    // Nobody in the street has the legal skill: the card says so in words.
    let id = request(&resident, "legal", "邻里纠纷想咨询一下").await;
    let dpath = format!("/orders/{id}/dispatch");
    let d = cadre.get(&dpath).await;
    assert_page(&dpath, &d, "不具备所需专长");
    assert!(
        d.html.contains(&format!("id=\"reason-{person}\"")),
        "a reason field on the card"
    );
    assert!(
        d.html.contains("<details class=\"sub-form\">")
            && !d.html.contains("<details class=\"sub-form\" open>"),
        "the reason forms stay folded until one is used"
    );
    // Anyone in the pool can be found by name, assessed the same way.
    let found = cadre.get(&format!("{dpath}?q=张")).await;
    assert_page(&dpath, &found, "查找“张”");
    assert!(found.html.contains(&format!("id=\"p{person}\"")));
    assert!(found.html.contains("name=\"q\" value=\"张\""));
    let none = cadre.get(&format!("{dpath}?q=没有这个人")).await;
    assert_page(&dpath, &none, "本街道没有姓名含“没有这个人”的下沉人员");
    let api = app.api("cadre_a").await;
    let r = api
        .get(&format!("/orders/{id}/recommendations?q=%E5%BC%A0"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.contains('张')),
        "{names:?}"
    );
    let long = "长".repeat(21);
    let r = api
        .get(&format!("/orders/{id}/recommendations?q={long}"))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let bad = cadre
        .submit(
            &format!("{dpath}?q=张"),
            &dpath,
            &[("person_id", &person), ("reason", ""), ("q", "张")],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(
        bad.html.contains("<details class=\"sub-form\" open>"),
        "the one sent is open"
    );
    assert!(
        bad.html.contains("查找“张”"),
        "the same search is shown again"
    );
    assert!(bad.html.contains("请写明理由"), "{}", bad.html);
    assert!(bad.html.contains("class=\"err\""), "beside the field");
    assert_clean(&dpath, &bad);
    let r = cadre
        .submit(
            &dpath,
            &dpath,
            &[
                ("person_id", &person),
                ("reason", "居民点名要他帮忙，本人同意"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);

    // The record of such assignments shows it with the reason.
    let o = cadre.get("/orders/overrides").await;
    assert_page("/orders/overrides", &o, "居民点名要他帮忙，本人同意");
    assert!(o.html.contains("不具备所需专长"));
    assert_eq!(personnel.get("/orders/overrides").await.status, 403);

    // The person declines (a reason is required) and the order goes back to the pool.
    let path = format!("/orders/{id}");
    let p = personnel.get(&path).await;
    assert_page(&path, &p, "不符合推荐条件");
    let bad = personnel
        .submit(&path, &format!("{path}/decline"), &[("reason", "")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请写明拒单的原因"));
    assert!(
        bad.html.contains("id=\"decline\" open"),
        "the form stays open"
    );
    let r = personnel
        .submit(&path, &format!("{path}/decline"), &[("reason", "不懂法律")])
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location.as_deref().unwrap().starts_with("/orders?toast="));
    let p = cadre.get(&path).await;
    assert_page(&path, &p, "待派单");
    assert!(p.html.contains("原因：不懂法律"), "the timeline says why");

    // The resident withdraws it without having to give a reason.
    let r = resident.submit(&path, &format!("{path}/cancel"), &[]).await;
    let p = follow(&resident, &r).await;
    assert_page(&path, &p, "已撤销");
    assert!(p.html.contains("badge big void"));

    // A cadre orders on a resident's behalf, and must choose the resident.
    let p = cadre.get("/orders/new").await;
    assert_page("/orders/new", &p, "测试resident_a");
    let from = saturday("14:00");
    let to = saturday("16:00");
    let form = [
        ("category", "elderly"),
        ("description", "帮老人去医院取药"),
        ("place", "甲社区 5 栋 101"),
        ("wanted_from", from.as_str()),
        ("wanted_to", to.as_str()),
    ];
    let bad = cadre.submit("/orders/new", "/orders/new", &form).await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请选择要代为下单的居民"));
    assert!(bad.html.contains(">帮老人去医院取药</textarea>"));
    let rid = fx.accounts["resident_a"].to_string();
    let mut with = form.to_vec();
    with.push(("resident_person_id", rid.as_str()));
    let r = cadre.submit("/orders/new", "/orders/new", &with).await;
    let id = order_id(&r);
    let p = follow(&cadre, &r).await;
    assert_page(&format!("/orders/{id}"), &p, "测试resident_a");
    let mine = resident.get("/orders").await;
    assert!(
        mine.html.contains(&format!("href=\"/orders/{id}\"")),
        "the resident sees it"
    );

    // Lists filter by state and the empty filtered list says so.
    let l = cadre.get("/orders?state=done").await;
    assert_page("/orders?state=done", &l, "没有“待确认”的订单");
    let l = cadre.get("/orders?overdue=true").await;
    assert_page("/orders?overdue=true", &l, "已超期");
    let e = resident.get("/inbox").await;
    assert_page("/inbox", &e, "消息");
}

testkit::backend_tests!(
    order_flow_through_pages,
    dispatch_against_the_recommendation_needs_a_reason
);
