//! Time bank and points pages: they render for the roles that use them, the credit form
//! records service (and re-shows with the message when it cannot), donations are recorded
//! once however often the form is sent, the statement downloads, a cadre grants from the
//! fund, and the trial balance is for platform admins only.

use testkit::{Browser, TestApp};

/// The value of the hidden idempotency key of the form on `html`.
fn form_key(html: &str) -> String {
    let marker = "name=\"key\" value=\"";
    let i = html.find(marker).expect("a key field") + marker.len();
    html[i..i + html[i..].find('"').expect("end of key")].to_owned()
}

fn assert_page(path: &str, status: u16, html: &str, text: &str) {
    assert_eq!(status, 200, "{path}: {html}");
    assert!(html.contains(text), "{path} should mention {text}");
    assert!(!html.contains(" style=\""), "{path} has an inline style");
    assert!(!html.contains("<script>"), "{path} has an inline script");
}

/// Record `hours` of volunteering for `person` through the credit form.
async fn credit(b: &Browser, person: i64, hours: &str, memo: &str) -> testkit::Page {
    let form = b.get(&format!("/bank/credit?person_id={person}")).await;
    assert_eq!(form.status, 200, "{}", form.html);
    let key = form_key(&form.html);
    let person = person.to_string();
    b.post(
        "/bank/credit",
        &[
            ("_csrf", &form.csrf()),
            ("key", &key),
            ("person_id", &person),
            ("kind", "duty.volunteer"),
            ("occurred_on", &kernel::time::today().to_string()),
            ("hours", hours),
            ("minutes", "30"),
            ("memo", memo),
        ],
    )
    .await
}

async fn bank_pages_render(app: TestApp) {
    let fx = &app.fx;
    let cadre = app.browser("cadre_a").await;
    for (path, text) in [
        ("/bank".to_owned(), "今年已服务"),
        ("/bank/credit".to_owned(), "记入服务时长"),
        ("/bank/funds".to_owned(), "甲社区"),
        (format!("/bank/funds/{}", fx.community_a), "划拨给困难居民"),
        ("/bank/standard".to_owned(), "参加志愿服务"),
    ] {
        let p = cadre.get(&path).await;
        assert_page(&path, p.status.as_u16(), &p.html, text);
        assert!(p.html.contains("时间银行与积分"), "{path}: the menu entry");
    }
    let personnel = app.browser("personnel_a").await;
    let p = personnel.get("/bank").await;
    assert_page("/bank", p.status.as_u16(), &p.html, "还没有记录");
    assert!(p.html.contains("目标 50 小时"), "the yearly target");
    assert!(p.html.contains("<progress"), "a progress bar");
    assert!(
        p.html.contains(">任务</a>") && p.html.contains(">时间银行</a>"),
        "personnel tabs"
    );
    let p = personnel.get("/bank/standard").await;
    assert_page("/bank/standard", p.status.as_u16(), &p.html, "积分标准");
    assert!(
        !p.html.contains("action=\"/bank/standard\""),
        "no edit form"
    );
    // Staff pages are not for personnel.
    assert_eq!(personnel.get("/bank/credit").await.status, 403);
    assert_eq!(personnel.get("/bank/funds").await.status, 403);
    let platform = app.browser("platform").await;
    let p = platform.get("/bank/standard").await;
    assert_page("/bank/standard", p.status.as_u16(), &p.html, "添加新标准");
    let p = platform.get("/bank/trial-balance").await;
    assert_page("/bank/trial-balance", p.status.as_u16(), &p.html, "已平衡");
    assert!(p.html.contains("还没有任何记账"));
    assert_eq!(cadre.get("/bank/trial-balance").await.status, 403);
}

async fn bank_pages_credit_donate_and_download(app: TestApp) {
    let fx = &app.fx;
    let cadre = app.browser("cadre_a").await;
    let r = credit(&cadre, fx.person_a, "2", "敬老院陪伴老人").await;
    assert_eq!(r.status, 303, "{}", r.html);
    let to = r.location.unwrap();
    assert!(to.starts_with("/bank/credit?"), "{to}");
    let after = cadre.get(&to).await;
    assert!(
        after.html.contains("已为 张下沉 记入服务 2 小时 30 分钟"),
        "toast"
    );

    // A credit of no time: the form again with the message and what was typed.
    let form = cadre.get("/bank/credit").await;
    let person = fx.person_a.to_string();
    let bad = cadre
        .post(
            "/bank/credit",
            &[
                ("_csrf", &form.csrf()),
                ("key", &form_key(&form.html)),
                ("person_id", &person),
                ("kind", "duty.volunteer"),
                ("occurred_on", &kernel::time::today().to_string()),
                ("hours", "0"),
                ("minutes", "0"),
                ("memo", "没有时长"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("服务时长应为 1 到 1440 分钟"));
    assert!(bad.html.contains("value=\"没有时长\""), "typed text kept");
    assert!(!bad.html.contains(" style=\""));
    // Letters for hours are refused beside the field too.
    let bad = cadre
        .submit(
            "/bank/credit",
            "/bank/credit",
            &[("person_id", &person), ("hours", "两"), ("key", "k-bad")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("时长请填写整数"));

    // The personnel sees it on their own page.
    let me = app.browser("personnel_a").await;
    let page = me.get("/bank").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("敬老院陪伴老人"), "statement line");
    assert!(page.html.contains("参加志愿服务"));
    assert!(page.html.contains("+2 小时 30 分钟"));
    assert!(page.html.contains("+2.50 分"));
    assert!(
        page.html
            .contains("今年已服务 <strong>2 小时 30 分钟</strong>")
    );

    // Donate 1 hour; the same form sent twice records once.
    let key = form_key(&page.html);
    let csrf = page.csrf();
    let form = [
        ("_csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("hours", "1"),
        ("minutes", "0"),
    ];
    let first = me.post("/bank/donate", &form).await;
    assert_eq!(first.status, 303, "{}", first.html);
    let second = me.post("/bank/donate", &form).await;
    assert_eq!(second.status, 303, "{}", second.html);
    assert!(
        second.location.unwrap_or_default().contains("toast="),
        "told it was already recorded"
    );
    assert_eq!(app.count("ledger_txn WHERE kind = 'donation'").await, 1);
    let page = me.get("/bank").await;
    assert!(
        page.html.contains("1 小时 30 分钟"),
        "balance after the gift"
    );
    assert!(page.html.contains("捐入社区基金"));
    // More than one has: the form again with the reason.
    let page = me.get("/bank").await;
    let too_much = me
        .post(
            "/bank/donate",
            &[
                ("_csrf", &page.csrf()),
                ("key", &form_key(&page.html)),
                ("hours", "9"),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(too_much.status, 422);
    assert!(too_much.html.contains("余额不足"), "{}", too_much.html);
    assert!(too_much.html.contains("value=\"9\""));

    // The statement as a spreadsheet, for a period and for all time.
    for path in [
        "/bank/statement.xlsx".to_owned(),
        format!(
            "/bank/statement.xlsx?from=2020-01-01&to={}",
            kernel::time::today()
        ),
    ] {
        let res = me
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("download");
        assert_eq!(res.status(), 200, "{path}");
        let bytes = res.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"PK"), "{path} is an xlsx file");
    }
    // A period filter that does not parse says so beside the field.
    let page = me.get("/bank?from=2026-13-45").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("日期格式应为"));
}

async fn bank_pages_fund_grant_and_trial(app: TestApp) {
    let fx = &app.fx;
    let cadre = app.browser("cadre_a").await;
    let fund = format!("/bank/funds/{}", fx.community_a);
    let page = cadre.get(&fund).await;
    assert!(page.html.contains("社区基金还没有收支"), "empty state");
    assert!(page.html.contains("基金余额为 0"));
    // Group service goes to the fund.
    let form = cadre.get("/bank/credit").await;
    let person = fx.person_a.to_string();
    let r = cadre
        .post(
            "/bank/credit",
            &[
                ("_csrf", &form.csrf()),
                ("key", &form_key(&form.html)),
                ("person_id", &person),
                ("kind", "duty.volunteer"),
                ("occurred_on", &kernel::time::today().to_string()),
                ("hours", "3"),
                ("minutes", ""),
                ("memo", "团体清扫"),
                ("group", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let page = cadre.get(&fund).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("3 小时"), "balance");
    assert!(page.html.contains("团体清扫"));
    // Grant 2 hours to a resident of the community.
    let resident = fx.accounts["resident_a"];
    let resident_s = resident.to_string();
    let key = form_key(&page.html);
    let grant = [
        ("_csrf", page.csrf()),
        ("key", key),
        ("person_id", resident_s.clone()),
        ("hours", "2".into()),
        ("minutes", "0".into()),
        ("reason", "独居老人上门助餐".into()),
    ];
    let grant: Vec<(&str, &str)> = grant.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = cadre.post(&format!("{fund}/grant"), &grant).await;
    assert_eq!(r.status, 303, "{}", r.html);
    assert!(r.location.unwrap().starts_with(&fund));
    let page = cadre.get(&fund).await;
    assert!(page.html.contains("社区基金划拨") && page.html.contains("独居老人上门助餐"));
    assert!(page.html.contains("基金余额"));
    assert!(page.html.contains(">1 小时<"), "3 - 2 hours left");
    // No reason: the form again.
    let page = cadre.get(&fund).await;
    let bad = cadre
        .post(
            &format!("{fund}/grant"),
            &[
                ("_csrf", &page.csrf()),
                ("key", &form_key(&page.html)),
                ("person_id", &resident_s),
                ("hours", "0"),
                ("minutes", "30"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请写明划拨原因"));
    // Another district's cadre cannot see the fund; the trial balance is for the platform.
    let admin_b = app.browser("admin_b").await;
    assert_eq!(admin_b.get(&fund).await.status, 404);
    assert_eq!(cadre.get("/bank/trial-balance").await.status, 403);
    let platform = app.browser("platform").await;
    let t = platform.get("/bank/trial-balance").await;
    assert_eq!(t.status, 200);
    assert!(t.html.contains("已平衡"));
    assert!(t.html.contains("社区集体基金"));
    assert!(!t.html.contains("不平衡</span>"));
}

async fn bank_pages_standard_changes(app: TestApp) {
    let platform = app.browser("platform").await;
    let r = platform
        .submit(
            "/bank/standard",
            "/bank/standard",
            &[
                ("kind", "meeting"),
                ("points_e2", "0.75"),
                ("unit", "each"),
                ("monthly_cap_e2", "3"),
                ("yearly_cap_e2", ""),
                ("approver_role", "community_cadre"),
                ("effective_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let page = platform.get("/bank/standard").await;
    assert!(page.html.contains("0.75 分 / 次"), "the new version");
    assert!(page.html.contains("2026年1月1日"));
    let bad = platform
        .submit(
            "/bank/standard",
            "/bank/standard",
            &[
                ("kind", "meeting"),
                ("points_e2", "abc"),
                ("unit", "each"),
                ("approver_role", "community_cadre"),
                ("effective_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请填写分值"));
    let r = platform
        .submit(
            "/bank/standard",
            "/bank/settings",
            &[
                ("key", "yearly_target_minutes"),
                ("value", "60"),
                ("effective_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let me = app.browser("personnel_a").await;
    assert!(me.get("/bank").await.html.contains("目标 60 小时"));
    let bad = platform
        .submit(
            "/bank/standard",
            "/bank/settings",
            &[
                ("key", "min_age"),
                ("value", "十八"),
                ("effective_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("年龄填整数"));
    // Only platform admins change rules.
    let cadre = app.browser("cadre_a").await;
    let r = cadre
        .submit(
            "/bank/standard",
            "/bank/settings",
            &[
                ("key", "min_age"),
                ("value", "16"),
                ("effective_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
}

async fn bank_pages_statement_pages_back(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let today = kernel::time::today().to_string();
    for i in 1..=20 {
        let r = cadre
            .post(
                "/ledger/credits",
                serde_json::json!({"person_id": app.fx.person_a, "kind": "duty.volunteer",
                    "minutes": 60, "occurred_on": today, "memo": format!("服务第{i:02}次"),
                    "key": format!("paging-{i}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    // 40 lines (points and time of each credit) at 30 a page: every credit shows once,
    // its points and time together, newest first.
    let me = app.browser("personnel_a").await;
    let mut seen = Vec::new();
    let mut path = "/bank".to_owned();
    for _ in 0..5 {
        let page = me.get(&path).await;
        assert_eq!(page.status, 200);
        for i in (1..=20).rev() {
            if page.html.contains(&format!("服务第{i:02}次</span>")) {
                seen.push(i);
            }
        }
        let marker = "class=\"btn\" href=\"";
        match page.html.find(&format!("{marker}/bank?")) {
            Some(at) => {
                let rest = &page.html[at + marker.len()..];
                path = rest[..rest.find('"').unwrap()].replace("&#38;", "&");
                assert!(page.html.contains("更早的记录"));
            }
            None => break,
        }
    }
    assert_eq!(seen, (1..=20).rev().collect::<Vec<_>>(), "each credit once");
}

testkit::backend_tests!(
    bank_pages_render,
    bank_pages_statement_pages_back,
    bank_pages_credit_donate_and_download,
    bank_pages_fund_grant_and_trial,
    bank_pages_standard_changes,
);
