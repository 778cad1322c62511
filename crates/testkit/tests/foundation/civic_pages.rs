//! The 议事与民意 pages: the menu entry for residents, the opinion box form with the
//! anonymous checkbox (errors beside the field, typed text kept), the receipt shown once and
//! followed, the cadre's ledger turning an item into a case, a proposal page refusing a
//! decision with the missing consent named and then passing after the village's cadre
//! records the assembly, and a poll voted once with the chart after closing.

use serde_json::json;
use testkit::TestApp;

use crate::cases::category;
use crate::page_checks::{assert_clean, assert_page};

async fn opinion_box_pages_and_ledger(app: TestApp) {
    let b = app.browser("resident_a").await;
    let home = b.get("/civic").await;
    assert_page("/civic", &home, "投进民意箱");
    assert!(
        home.html.contains("href=\"/civic\""),
        "menu entry for residents"
    );
    let form = b.get("/civic/opinions/new").await;
    assert_page("/civic/opinions/new", &form, "匿名提交");
    let bad = b
        .submit(
            "/civic/opinions/new",
            "/civic/opinions/new",
            &[("kind", "suggestion"), ("body", " "), ("anonymous", "1")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请填写内容"));
    assert!(
        bad.html.contains("name=\"anonymous\" value=\"1\" checked"),
        "the checkbox stays ticked"
    );
    let before = app.count("civic_opinion").await;
    let text = "小区东门路灯不亮";
    let ok = b
        .submit(
            "/civic/opinions/new",
            "/civic/opinions/new",
            &[("kind", "complaint"), ("body", text), ("anonymous", "1")],
        )
        .await;
    assert_page("receipt", &ok, "回执码只显示这一次");
    assert_eq!(app.count("civic_opinion").await, before + 1);
    let code = ok
        .html
        .split("id=\"receipt-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let f = b.get(&format!("/civic/receipt?code={code}")).await;
    assert_page("/civic/receipt", &f, text);
    assert!(f.html.contains("待处理"));
    let miss = b.get("/civic/receipt?code=NOPE").await;
    assert_eq!(miss.status, 404);
    assert!(miss.html.contains("没有找到这个回执码"));
    assert_eq!(b.get("/civic/ledger").await.status, 403);

    let c = app.browser("cadre_a").await;
    let l = c.get("/civic/ledger").await;
    assert_page("/civic/ledger", &l, text);
    assert!(l.html.contains("匿名") && !l.html.contains("测试resident_a"));
    let id = app.count("civic_opinion").await; // the newest id (only rows of this test)
    let cat = category(&app.api("cadre_a").await, "E0101")
        .await
        .to_string();
    let r = c
        .submit(
            "/civic/ledger",
            &format!("/civic/opinions/{id}/case"),
            &[("category_id", &cat)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let l = c.get("/civic/ledger?status=handling").await;
    assert_page("/civic/ledger?status=handling", &l, "已转为案件 #");
    let r = c
        .submit(
            "/civic/ledger",
            &format!("/civic/opinions/{id}/answer"),
            &[("answer", "已立案处理")],
        )
        .await;
    assert_eq!(r.status, 303);
    let f = b.get(&format!("/civic/receipt?code={code}")).await;
    assert!(f.html.contains("已立案处理") && f.html.contains("已转为案件 #"));
    // A named suggestion becomes a proposal from the ledger, linked both ways.
    let sug = app
        .api("resident_a")
        .await
        .post(
            "/civic/opinions",
            json!({"kind": "suggestion", "body": "建议在小广场装健身器材"}),
        )
        .await;
    let sid = sug.body["id"].as_i64().unwrap();
    let r = c
        .submit(
            "/civic/ledger",
            &format!("/civic/opinions/{sid}/proposal"),
            &[("title", "小广场健身器材")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let l = c.get("/civic/ledger").await;
    assert!(l.html.contains("已转为议事提案 #"));
    let pid = app.count("civic_proposal").await;
    let pv = app
        .api("resident_a")
        .await
        .get(&format!("/civic/proposals/{pid}"))
        .await;
    assert_eq!(pv.body["proposal"]["opinion_id"], sid);
    assert_eq!(pv.body["proposal"]["body"], "建议在小广场装健身器材");
    let p = app.browser("platform").await;
    assert_page(
        "/civic/platform",
        &p.get("/civic/platform").await,
        "平台意见台账",
    );
    let pf = b.get("/civic/platform/new").await;
    assert_page("/civic/platform/new", &pf, "平台管理员");
}

async fn proposal_page_refuses_then_passes(app: TestApp) {
    let fx = &app.fx;
    let joint = app.api("joint_a").await;
    let r = joint
        .post(
            "/civic/proposals",
            json!({"unit_id": fx.joint_a, "title": "东村文化礼堂修缮",
            "body": "修缮屋顶", "funding": "collective", "villages": [fx.village_a1]}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let path = format!("/civic/proposals/{id}");
    let jb = app.browser("joint_a").await;
    assert_page(&path, &jb.get(&path).await, "提交共建理事会商议");
    let r = jb
        .submit(&path, &format!("{path}/stage"), &[("to", "deliberation")])
        .await;
    assert_eq!(r.status, 303);
    let r = jb
        .submit(
            &path,
            &format!("{path}/decide"),
            &[("outcome", "adopted"), ("note", "通过")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.html.contains("还需要东村村民代表会议同意"), "{}", r.html);
    assert!(
        r.html.contains(">通过</textarea>"),
        "the typed note is kept"
    );
    assert_clean(&path, &r);
    let vb = app.browser("village_a1").await;
    let page = vb.get(&path).await;
    assert_page(&path, &page, "录入东村村民代表会议表决结果");
    assert!(
        !jb.get(&path)
            .await
            .html
            .contains("录入东村村民代表会议表决结果"),
        "not for the joint cadre"
    );
    let vid = fx.village_a1.to_string();
    let r = vb
        .submit(
            &path,
            &format!("{path}/consent"),
            &[
                ("village_id", &vid),
                ("verdict", "agree"),
                ("assembly_date", "2026-11-20"),
                ("note", "同意 27 人"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let r = jb
        .submit(
            &path,
            &format!("{path}/decide"),
            &[("outcome", "adopted"), ("note", "通过")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let done = vb.get(&path).await;
    assert_page(&path, &done, "决策：通过");
    assert!(done.html.contains("东村村民代表会议同意（2026-11-20开会）"));
    assert_page(
        "/civic/proposals",
        &vb.get("/civic/proposals").await,
        "东村文化礼堂修缮",
    );
}

async fn poll_page_votes_once_and_shows_the_chart(app: TestApp) {
    let r = app
        .api("cadre_a")
        .await
        .post(
            "/civic/polls",
            json!({"unit_id": app.fx.community_a, "question": "周末义诊时间",
            "options": ["上午", "下午"], "closes_at": "2099-01-01T12:00"}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let opt = r.body["options"][0]["id"].as_i64().unwrap().to_string();
    let path = format!("/civic/polls/{id}");
    let b = app.browser("resident_a").await;
    assert_page("/civic/polls", &b.get("/civic/polls").await, "周末义诊时间");
    let page = b.get(&path).await;
    assert_page(&path, &page, "不作为任何考核");
    assert!(page.html.contains("type=\"radio\""));
    let bad = b.submit(&path, &format!("{path}/vote"), &[]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请选择选项"));
    let ok = b
        .submit(&path, &format!("{path}/vote"), &[("option", &opt)])
        .await;
    assert_eq!(ok.status, 303);
    assert_page(&path, &b.get(&path).await, "您已投票");
    app.exec(&format!(
        "UPDATE civic_poll SET closes_at = 1 WHERE id = {id}"
    ))
    .await;
    let closed = b.get(&path).await;
    assert_page(&path, &closed, "<svg");
    assert!(closed.html.contains("1 票（100%）"));
}

async fn cadres_draft_proposals_and_polls_on_pages(app: TestApp) {
    let fx = &app.fx;
    let jb = app.browser("joint_a").await;
    let form = jb.get("/civic/proposals/new").await;
    assert_page("/civic/proposals/new", &form, "东村");
    let joint = fx.joint_a.to_string();
    let v1 = fx.village_a1.to_string();
    let before = app.count("civic_proposal").await;
    let bad = jb
        .submit(
            "/civic/proposals/new",
            "/civic/proposals/new",
            &[
                ("unit_id", &joint),
                ("title", "修桥"),
                ("body", "修东村小桥"),
                ("funding", "collective"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.html.contains("请选择出资的村") && bad.html.contains("value=\"修桥\""),
        "{}",
        bad.html
    );
    assert_clean("/civic/proposals/new", &bad);
    assert_eq!(app.count("civic_proposal").await, before);
    let ok = jb
        .submit(
            "/civic/proposals/new",
            "/civic/proposals/new",
            &[
                ("unit_id", &joint),
                ("title", "修桥"),
                ("body", "修东村小桥"),
                ("funding", "collective"),
                ("villages", &v1),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    assert_eq!(app.count("civic_proposal").await, before + 1);
    let resident_form = app
        .browser("resident_a")
        .await
        .get("/civic/proposals/new")
        .await;
    assert!(
        !resident_form
            .html
            .contains(&format!("<option value=\"{}\"", fx.community_a)),
        "a resident is offered no community to draft for"
    );

    let cb = app.browser("cadre_a").await;
    assert_page(
        "/civic/polls/new",
        &cb.get("/civic/polls/new").await,
        "实时公布结果",
    );
    let unit = fx.community_a.to_string();
    let bad = cb
        .submit(
            "/civic/polls/new",
            "/civic/polls/new",
            &[
                ("unit_id", &unit),
                ("question", "活动时间"),
                ("options", "只有一个"),
                ("closes_at", "2099-01-01T12:00"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请给出 2 到 10 个选项") && bad.html.contains("value=\"活动时间\""));
    let ok = cb
        .submit(
            "/civic/polls/new",
            "/civic/polls/new",
            &[
                ("unit_id", &unit),
                ("question", "活动时间"),
                ("options", "上午\n下午"),
                ("closes_at", "2099-01-01T12:00"),
                ("live", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    assert_eq!(app.count("civic_poll_option").await, 2);
}

async fn forum_page_records_a_consultation(app: TestApp) {
    let fx = &app.fx;
    let jb = app.browser("joint_a").await;
    let page = jb.get("/civic/forums").await;
    assert_page("/civic/forums", &page, "不作决定");
    assert!(page.html.contains("记录甲联村社区站—村协商"));
    let joint = fx.joint_a.to_string();
    let v1 = format!("v_{}", fx.village_a1);
    let p1 = format!("p_{}", fx.village_a1);
    let bad = jb
        .submit(
            "/civic/forums",
            "/civic/forums",
            &[("unit_id", &joint), ("agenda", "路灯出资"), ("held_on", "")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请记录到会的村和人员") && bad.html.contains("value=\"路灯出资\""));
    assert_eq!(app.count("civic_forum").await, 0);
    let ok = jb
        .submit(
            "/civic/forums",
            "/civic/forums",
            &[
                ("unit_id", &joint),
                ("agenda", "路灯出资"),
                ("held_on", "2026-11-18"),
                (&v1, "1"),
                (&p1, "王支书、李代表"),
                ("p_station", "陈站长"),
                ("minutes", "两村意见一致"),
                ("outcomes", "提交东村村民代表会议表决"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    let shown = app.browser("village_a1").await.get("/civic/forums").await;
    assert_page("/civic/forums", &shown, "东村（王支书、李代表）");
    assert!(shown.html.contains("提交东村村民代表会议表决"));
    assert!(
        !shown.html.contains("记录甲联村社区站—村协商"),
        "a village cadre does not record it"
    );
}

testkit::backend_tests!(
    forum_page_records_a_consultation,
    cadres_draft_proposals_and_polls_on_pages,
    opinion_box_pages_and_ledger,
    proposal_page_refuses_then_passes,
    poll_page_votes_once_and_shows_the_chart,
);
