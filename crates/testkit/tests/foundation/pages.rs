//! Pages: every page renders for the roles that use it, forms re-show with messages and
//! keep what was typed, and nobody sees pages outside their scope.

use testkit::{PASSWORD, TestApp};

async fn pages_render_for_an_admin(app: TestApp) {
    let b = app.browser("admin_a").await;
    let fx = &app.fx;
    for (path, text) in [
        ("/".to_owned(), "待办"),
        ("/units".to_owned(), "甲区"),
        (format!("/units/{}", fx.community_a), "报到人员"),
        (format!("/units/new?parent={}", fx.street_a), "新建"),
        ("/people".to_owned(), "张下沉"),
        (format!("/people/{}", fx.person_a), "双报到"),
        (format!("/people/{}/edit", fx.person_a), "每周可服务时间"),
        ("/people/new".to_owned(), "登记人员"),
        ("/employers".to_owned(), "甲区民政局"),
        (format!("/employers/{}", fx.employer_a), "双报到"),
        ("/employers/new".to_owned(), "党组织名称"),
        ("/skills".to_owned(), "医疗"),
        ("/import".to_owned(), "导入人员名单"),
        ("/admin/audit".to_owned(), "操作日志"),
        ("/admin/retention".to_owned(), "操作日志"),
        ("/me".to_owned(), "我的专长和可服务时间"),
        ("/account/password".to_owned(), "新密码"),
        ("/account/tokens".to_owned(), "接口令牌"),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.html);
        assert!(page.html.contains(text), "{path} should mention {text}");
        assert!(page.html.contains("lang=\"zh-CN\""));
        assert!(
            page.html.contains("name=\"viewport\""),
            "{path} is phone-ready"
        );
        // The CSP allows no inline styles or scripts: a page that used them would break.
        assert!(
            !page.html.contains(" style=\""),
            "{path} has an inline style"
        );
        assert!(
            !page.html.contains("<script>"),
            "{path} has an inline script"
        );
    }
    // The breadcrumb of a community shows its scope.
    let page = b.get(&format!("/units/{}", fx.community_a)).await;
    assert!(page.html.contains("甲街道"));
}

async fn guests_go_to_login_and_come_back(app: TestApp) {
    let g = app.guest();
    let page = g.get(&format!("/people/{}", app.fx.person_a)).await;
    assert_eq!(page.status, 303);
    let to = page.location.unwrap();
    assert!(to.starts_with("/login?next=/people/"), "{to}");
    let login = g.get(&to).await;
    let csrf = login.csrf();
    let next = format!("/people/{}", app.fx.person_a);
    let r = g
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("login", "cadre_a"),
                ("password", PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some(next.as_str()));
    // Open redirects are refused.
    let g2 = app.guest();
    let csrf = g2.get("/login").await.csrf();
    let r = g2
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("login", "cadre_a"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/"));
    // Wrong password: the form again, with the login kept and a message.
    let g3 = app.guest();
    let csrf = g3.get("/login").await.csrf();
    let r = g3
        .post(
            "/login",
            &[("_csrf", &csrf), ("login", "cadre_a"), ("password", "nope")],
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(r.html.contains("账号或密码不正确"));
    assert!(r.html.contains("value=\"cadre_a\""));
}

async fn forms_show_errors_and_keep_input(app: TestApp) {
    let b = app.browser("cadre_a").await;
    let from = format!("/units/new?parent={}", app.fx.community_a);
    let parent = app.fx.community_a.to_string();
    let r = b
        .submit(
            &from,
            "/units/new",
            &[
                ("parent_id", &parent),
                ("kind", "grid"),
                ("name", "我的新网格"),
                ("code", "坏 编码"),
                ("center_lon", "东经"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("我的新网格"), "typed name kept");
    assert!(r.html.contains("请填写数字"), "{}", r.html);
    let r = b
        .submit(
            &from,
            "/units/new",
            &[
                ("parent_id", &parent),
                ("kind", "grid"),
                ("name", "我的新网格"),
                ("code", "坏 编码"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("编码只能包含数字、字母和连字符"));
    let r = b
        .submit(
            &from,
            "/units/new",
            &[
                ("parent_id", &parent),
                ("kind", "grid"),
                ("name", "我的新网格"),
                ("code", "990101001-09"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get(r.location.as_deref().unwrap()).await;
    assert!(page.html.contains("已新建网格"));
    // A person form with a bad phone keeps everything typed.
    let r = b
        .submit(
            "/people/new",
            "/people/new",
            &[
                ("kind", "personnel"),
                ("name", "表单人员"),
                ("phone", "12345"),
                ("d6_on", "1"),
                ("d6_start", "08:00"),
                ("d6_end", "12:00"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("手机号应为 11 位数字"));
    assert!(r.html.contains("value=\"表单人员\""));
    assert!(r.html.contains("value=\"08:00\""));
    // Deleting a community with people shows why, on the page.
    let admin = app.browser("admin_a").await;
    let at = format!("/units/{}", app.fx.community_a);
    let r = admin
        .submit(&at, &format!("/units/{}/delete", app.fx.community_a), &[])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("名人员"));
}

async fn residents_see_only_themselves(app: TestApp) {
    let b = app.browser("resident_a").await;
    assert_eq!(
        b.get(&format!("/people/{}", app.fx.person_a)).await.status,
        404
    );
    assert_eq!(b.get("/me").await.status, 200);
    let list = b.get("/people").await;
    assert!(!list.html.contains("张下沉"));
    assert_eq!(b.get("/import").await.status, 403);
    assert_eq!(b.get("/export/people").await.status, 403);
    let home = b.get("/").await;
    assert!(
        !home.html.contains("href=\"/admin/audit\""),
        "no admin menu for residents"
    );
    // Own record download.
    let rec = b.get("/me/record.json").await;
    assert_eq!(rec.status, 200);
    let v: serde_json::Value = serde_json::from_str(&rec.html).unwrap();
    assert_eq!(v["person"]["id"], app.fx.accounts["resident_a"]);
}

testkit::backend_tests!(
    pages_render_for_an_admin,
    guests_go_to_login_and_come_back,
    forms_show_errors_and_keep_input,
    residents_see_only_themselves
);
