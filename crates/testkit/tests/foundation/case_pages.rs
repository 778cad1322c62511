//! Case pages through the browser: the report form in three taps (with and without a
//! photo, bad input shown again with what was typed), the board with overdue cases first,
//! the case page offering exactly the steps open to each viewer, the whole loop through
//! the pages with rework, requests and a watch, a refused step said on the page, the
//! grid's case map, the figures' drill-down, the catalogues, and scope.

use crate::page_checks::{assert_clean, assert_page};
use kernel::time::now_ms;
use serde_json::json;
use testkit::{Browser, Page, TestApp};

use crate::cases::{bound_grid, category, report};

const DAY: i64 = 86_400_000;
/// The first bytes of a PNG: enough for the server's check of what a file is.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

/// The case id of a redirect to `/cases/{id}?…`.
fn case_id(p: &Page) -> i64 {
    assert_eq!(p.status, 303, "{}", p.html);
    let loc = p.location.as_deref().expect("a redirect");
    let rest = loc.strip_prefix("/cases/").expect("to a case");
    rest[..rest.find('?').unwrap_or(rest.len())]
        .parse()
        .expect("an id")
}

/// The digits that follow `prefix` in `html`.
fn number_after(html: &str, prefix: &str) -> String {
    let at = html.find(prefix).unwrap_or_else(|| panic!("no {prefix}")) + prefix.len();
    html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// Follow a redirect and return the page.
async fn follow(b: &Browser, p: &Page) -> Page {
    assert_eq!(p.status, 303, "{}", p.html);
    b.get(p.location.as_deref().expect("a redirect")).await
}

/// Send one step's form and follow to the case page; the page must say `toast`.
async fn step(b: &Browser, id: i64, name: &str, form: &[(&str, &str)], toast: &str) -> Page {
    let from = format!("/cases/{id}");
    let r = b.submit(&from, &format!("{from}/{name}"), form).await;
    let p = follow(b, &r).await;
    assert_page(&from, &p, toast);
    p
}

/// The step forms a case page shows (`id="step-…"`), sorted.
fn forms(html: &str) -> Vec<String> {
    let mut out: Vec<String> = html
        .match_indices("id=\"step-")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    out.sort();
    out
}

/// The page of `login` offers exactly the steps the API says are open to them.
async fn same_forms(app: &TestApp, login: &str, id: i64) -> Vec<String> {
    let api = app.api(login).await;
    let v = api.get(&format!("/cases/{id}")).await;
    let page = app.browser(login).await.get(&format!("/cases/{id}")).await;
    if v.status == 404 {
        assert_eq!(page.status, 404, "{login} should not see case {id}");
        return vec![];
    }
    assert_eq!(v.status, 200, "{:?}", v.body);
    assert_page(&format!("/cases/{id} as {login}"), &page, "经过");
    let mut can: Vec<String> = v.body["can"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    can.sort();
    assert_eq!(forms(&page.html), can, "forms of {login} on case {id}");
    can
}

/// A case reported by the grid leader in grid A and dispatched to the property company.
async fn dispatched(app: &TestApp, code: &str, lon: f64) -> i64 {
    let grid = app.api("grid_a").await;
    let cadre = app.api("cadre_a").await;
    let cat = category(&grid, code).await;
    let id = report(&grid, json!({"category_id": cat, "lon": lon, "lat": 30.6})).await;
    assert_eq!(
        cadre
            .post(&format!("/cases/{id}/register"), json!({}))
            .await
            .status,
        200
    );
    let r = cadre
        .post(
            &format!("/cases/{id}/dispatch"),
            json!({"handler_person_id": app.fx.accounts["property_a"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    id
}

async fn report_in_three_taps(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.browser("grid_a").await;
    let p = grid.get("/cases/new").await;
    assert_page("/cases/new", &p, "提交上报");
    for text in [
        "class=\"tile\"",
        "占道经营",
        "流动摊点",
        "暴露垃圾",
        "井盖",
        "路灯",
        "<optgroup label=\"施工管理（事件）\"",
        "data-geo-fill",
        "获取位置",
        "accept=\"image/*\" capture=\"environment\"",
        "enctype=\"multipart/form-data\"",
    ] {
        assert!(p.html.contains(text), "the form has {text}");
    }
    let api = app.api("grid_a").await;
    let stall = category(&api, "E0402").await.to_string();

    // With a photo (multipart): the case page, its toast and the photo's thumbnail.
    let r = grid
        .submit_multipart(
            "/cases/new",
            "/cases/new",
            &[
                ("category_id", &stall),
                ("lon", "114.3001"),
                ("lat", "30.6001"),
                ("crs", "wgs84"),
                ("description", "流动摊贩占用人行道"),
            ],
            Some(("photo", "stall.png", PNG.to_vec())),
        )
        .await;
    let id = case_id(&r);
    let p = follow(&grid, &r).await;
    assert_page("/cases/{id}", &p, &format!("已上报，案卷编号 {id}"));
    assert!(
        p.html.contains(&format!("/api/v1/cases/{id}/photos/")),
        "thumbnail"
    );
    assert!(p.html.contains("流动摊贩占用人行道") && p.html.contains("甲一网格"));
    assert_eq!(
        app.count(&format!("case_photo WHERE case_id = {id}")).await,
        1
    );
    // The thumbnail loads with the session cookie.
    let prefix = format!("/api/v1/cases/{id}/photos/");
    let photo = format!("{prefix}{}", number_after(&p.html, &prefix));
    let img = grid.get(&photo).await;
    assert_eq!(img.status, 200, "{photo}");
    assert_eq!(img.headers["content-type"], "image/png");

    // Without a photo, as a plain form, 20 m away: the page says a case is already open.
    let r = grid
        .submit(
            "/cases/new",
            "/cases/new",
            &[
                ("category_id", &stall),
                ("lon", "114.3003"),
                ("lat", "30.6001"),
            ],
        )
        .await;
    let second = case_id(&r);
    let p = follow(&grid, &r).await;
    assert_page("/cases/{second}", &p, &format!("已上报，案卷编号 {second}"));
    assert!(
        p.html.contains("附近 50 米内已有同类问题在处理"),
        "{}",
        p.html
    );
    assert!(p.html.contains(&format!("href=\"/cases/{id}\"")));

    // A category chosen from the full list wins over a tile; no position: the grid chosen.
    let waste = category(&api, "E0101").await.to_string();
    let lamp = category(&api, "C0106").await.to_string();
    let grid_id = app.fx.grid_a.to_string();
    let r = grid
        .submit(
            "/cases/new",
            "/cases/new",
            &[
                ("category_id", &waste),
                ("category_other", &lamp),
                ("unit_id", &grid_id),
                ("urgency", "urgent"),
            ],
        )
        .await;
    let third = case_id(&r);
    let v = api.get(&format!("/cases/{third}")).await;
    assert_eq!(v.body["category_code"], "C0106");
    assert_eq!(v.body["grid_id"], app.fx.grid_a);
    assert_eq!(v.body["urgency"], "urgent");

    // A resident uses the same page: no source to choose, their community by default.
    let resident = app.browser("resident_a").await;
    let p = resident.get("/cases/new").await;
    assert_page("/cases/new", &p, "按您所在的甲社区");
    assert!(!p.html.contains("name=\"source\""));
    let cadre = app.browser("cadre_a").await;
    let p = cadre.get("/cases/new").await;
    assert!(p.html.contains("value=\"hotline\"") && p.html.contains("name=\"reporter_name\""));
    let r = resident
        .submit("/cases/new", "/cases/new", &[("category_id", &waste)])
        .await;
    let mine = case_id(&r);
    let v = app
        .api("resident_a")
        .await
        .get(&format!("/cases/{mine}"))
        .await;
    assert_eq!(v.body["source"], "resident");
    assert_eq!(v.body["community_id"], app.fx.community_a);
    let p = resident.get("/cases/mine").await;
    assert_page("/cases/mine", &p, &format!("href=\"/cases/{mine}\""));
}

async fn bad_reports_keep_what_was_typed(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.browser("grid_a").await;
    let api = app.api("grid_a").await;
    let cat = category(&api, "C0102").await.to_string();
    let before = app.count("case_file").await;

    let bad = grid
        .submit(
            "/cases/new",
            "/cases/new",
            &[("description", "井盖丢了一半"), ("address", "胜利街 3 号")],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(
        bad.html
            .contains("<span class=\"err\">请选择问题类别</span>")
    );
    assert!(
        bad.html.contains("井盖丢了一半</textarea>"),
        "description kept"
    );
    assert!(bad.html.contains("value=\"胜利街 3 号\""), "address kept");
    assert_clean("/cases/new (422)", &bad);

    let bad = grid
        .submit(
            "/cases/new",
            "/cases/new",
            &[("category_id", &cat), ("lon", "-0.1"), ("lat", "51.5")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("位置不在我国境内"), "{}", bad.html);
    assert!(bad.html.contains("value=\"-0.1\"") && bad.html.contains("value=\"51.5\""));
    assert!(
        bad.html.contains(&format!("value=\"{cat}\" checked")),
        "the tile stays chosen"
    );

    let bad = grid
        .submit(
            "/cases/new",
            "/cases/new",
            &[("category_id", &cat), ("lon", "东经114"), ("lat", "30.6")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("经度要写成数字"));

    // A file that is not an image, and one too large: said beside the photo, nothing
    // written, everything else kept, and the photo has to be chosen again.
    let bad = grid
        .submit_multipart(
            "/cases/new",
            "/cases/new",
            &[("category_id", &cat), ("description", "井盖松动")],
            Some(("photo", "a.gif", b"GIF89a....".to_vec())),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("只能上传 JPEG、PNG 或 WebP 格式的照片"));
    assert!(bad.html.contains("请重新选择照片"));
    assert!(bad.html.contains("井盖松动</textarea>"));
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let bad = grid
        .submit_multipart(
            "/cases/new",
            "/cases/new",
            &[("category_id", &cat)],
            Some(("photo", "big.png", big)),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("照片不能超过 5 MB"));
    assert_eq!(app.count("case_file").await, before, "nothing reported");
}

async fn board_lists_overdue_first(app: TestApp) {
    bound_grid(&app).await;
    let a = dispatched(&app, "E0401", 114.2991).await;
    let b = dispatched(&app, "E0403", 114.3011).await;
    let grid = app.api("grid_a").await;
    let cat = category(&grid, "E0102").await;
    let waiting = report(
        &grid,
        json!({"category_id": cat, "lon": 114.3, "lat": 30.601}),
    )
    .await;
    let now = now_ms();
    app.exec(&format!(
        "UPDATE case_file SET deadline_at = {} WHERE id = {b}",
        now - DAY - 3_600_000
    ))
    .await;
    app.exec(&format!(
        "UPDATE case_file SET deadline_at = {} WHERE id = {a}",
        now - 3 * DAY - 3_600_000
    ))
    .await;
    let cadre = app.browser("cadre_a").await;
    let p = cadre.get("/cases").await;
    assert_page("/cases", &p, "已超期 3 天");
    assert!(p.html.contains("已超期 1 天"));
    let at = |id: i64| {
        p.html
            .find(&format!("href=\"/cases/{id}\""))
            .unwrap_or_else(|| panic!("case {id} on the board"))
    };
    assert!(at(a) < at(b), "the most overdue first");
    assert!(at(b) < at(waiting), "overdue before waiting");
    // Every count is a link to its cases.
    assert!(p.html.contains("href=\"/cases/list?overdue=true\""));
    assert!(p.html.contains("href=\"/cases/list?state=reported\""));
    let list = cadre.get("/cases/list?overdue=true").await;
    assert_page("/cases/list?overdue=true", &list, "已超期");
    assert_eq!(list.html.matches("data-case=\"").count(), 2);
    // The grid leader's board puts what waits for verification first.
    let p = app.browser("grid_a").await.get("/cases").await;
    assert_page("/cases (grid)", &p, "待核查");
    assert!(p.html.contains("我上报的"));
    // The to-do home counts what waits, each a link.
    let home = cadre.get("/").await;
    assert_page("/", &home, "已超期 2 件");
    assert!(home.html.contains("待立案 1 件") && home.html.contains("/cases/list?state=reported"));
    let home = app.browser("property_a").await.get("/").await;
    assert_page("/ (property)", &home, "待处置 2 件");
}

async fn case_page_offers_what_can_says(app: TestApp) {
    bound_grid(&app).await;
    let resident = app.api("resident_a").await;
    let cat = category(&resident, "E0101").await;
    let id = report(
        &resident,
        json!({"category_id": cat, "lon": 114.3001, "lat": 30.6001, "description": "垃圾满溢"}),
    )
    .await;
    let viewers = ["cadre_a", "grid_a", "resident_a", "property_a", "admin_b"];
    for who in viewers {
        same_forms(&app, who, id).await;
    }
    assert!(
        same_forms(&app, "cadre_a", id)
            .await
            .contains(&"register".into())
    );
    let cadre = app.api("cadre_a").await;
    cadre
        .post(&format!("/cases/{id}/register"), json!({}))
        .await;
    let handler = app.fx.accounts["property_a"];
    let r = cadre
        .post(
            &format!("/cases/{id}/dispatch"),
            json!({"handler_person_id": handler}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    for who in viewers {
        same_forms(&app, who, id).await;
    }
    assert!(
        same_forms(&app, "property_a", id)
            .await
            .contains(&"handle".into())
    );
    let property = app.api("property_a").await;
    let r = property
        .post(&format!("/cases/{id}/handle"), json!({"note": "已清运"}))
        .await;
    assert_eq!(r.status, 200);
    for who in viewers {
        same_forms(&app, who, id).await;
    }
    assert!(
        same_forms(&app, "grid_a", id)
            .await
            .contains(&"verify".into())
    );
    let r = app
        .api("grid_a")
        .await
        .post(&format!("/cases/{id}/verify"), json!({"result": "pass"}))
        .await;
    assert_eq!(r.status, 200);
    for who in viewers {
        same_forms(&app, who, id).await;
    }
    assert_eq!(same_forms(&app, "resident_a", id).await, vec!["rate"]);
}

async fn the_loop_through_pages(app: TestApp) {
    bound_grid(&app).await;
    let resident = app.browser("resident_a").await;
    let cadre = app.browser("cadre_a").await;
    let property = app.browser("property_a").await;
    let grid = app.browser("grid_a").await;
    let cat = category(&app.api("resident_a").await, "E0101")
        .await
        .to_string();
    let r = resident
        .submit(
            "/cases/new",
            "/cases/new",
            &[
                ("category_id", &cat),
                ("lon", "114.3001"),
                ("lat", "30.6001"),
            ],
        )
        .await;
    let id = case_id(&r);
    let path = format!("/cases/{id}");

    step(&cadre, id, "register", &[], "已立案").await;
    let p = cadre.get(&path).await;
    let handler = app.fx.accounts["property_a"].to_string();
    assert!(
        p.html.contains(&format!("<option value=\"{handler}\"")),
        "the handler is offered"
    );
    assert!(p.html.contains("<optgroup label=\"物业/驻区单位\""));
    assert!(
        p.html.contains("value=\"环卫所\""),
        "the category's department"
    );
    // A dispatch without a handler comes back with the message beside the field.
    let bad = cadre
        .submit(&path, &format!("{path}/dispatch"), &[("note", "今天处理")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("<span class=\"err\">请选择处置人</span>"));
    assert!(bad.html.contains("今天处理</textarea>"));
    step(
        &cadre,
        id,
        "dispatch",
        &[("handler_person_id", &handler), ("department", "环卫所")],
        "已派遣给 测试property_a",
    )
    .await;

    // The handler asks for two more days; the cadre approves; the ledger keeps it.
    let p = property.get(&path).await;
    assert!(p.html.contains("可延 1 到 14 个工作日"), "{}", p.html);
    step(
        &property,
        id,
        "ask",
        &[
            ("kind", "extend"),
            ("days", "2"),
            ("reason", "垃圾量大，需调车"),
        ],
        "已提交延期申请",
    )
    .await;
    let p = cadre.get(&path).await;
    assert!(p.html.contains("id=\"step-decide\"") && p.html.contains("垃圾量大，需调车"));
    let req_id = number_after(&p.html, "name=\"request_id\" value=\"");
    step(
        &cadre,
        id,
        "decide",
        &[("request_id", &req_id), ("decision", "approve")],
        "已批准延期申请",
    )
    .await;
    let ledger = cadre.get("/cases/requests").await;
    assert_page("/cases/requests", &ledger, "已批准");
    assert!(ledger.html.contains(&format!("href=\"/cases/{id}\"")));

    // 处置 with a photo, 核查不通过 (a reason is required), 返工, 核查通过.
    let r = property
        .submit_multipart(
            &path,
            &format!("{path}/handle"),
            &[("note", "已清运")],
            Some(("photo", "after.png", PNG.to_vec())),
        )
        .await;
    let p = follow(&property, &r).await;
    assert_page(&path, &p, "已提交处置结果，等待核查");
    assert_eq!(
        app.count(&format!(
            "case_photo WHERE case_id = {id} AND stage = 'handle'"
        ))
        .await,
        1
    );
    let bad = grid
        .submit(&path, &format!("{path}/verify"), &[("result", "fail")])
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("请写明核查不通过的理由"));
    step(
        &grid,
        id,
        "verify",
        &[("result", "fail"), ("note", "路边还有两袋垃圾")],
        "核查不通过，已退回处置人返工",
    )
    .await;
    let p = step(
        &property,
        id,
        "handle",
        &[("note", "已全部清运")],
        "等待核查",
    )
    .await;
    assert!(p.html.contains("核查不通过 1 次"));
    let p = step(
        &grid,
        id,
        "verify",
        &[("result", "pass")],
        "核查通过，已结案",
    )
    .await;
    assert!(p.html.contains("核查不通过，退回返工") && p.html.contains("路边还有两袋垃圾"));

    // 评价 by the reporter; then a watch, and a rebound reported from the watch page.
    let p = step(
        &resident,
        id,
        "rate",
        &[("satisfaction", "satisfied")],
        "谢谢您的评价",
    )
    .await;
    assert!(p.html.contains("上报人评价"));
    step(
        &cadre,
        id,
        "watch",
        &[("watcher_person_id", &handler), ("days", "30")],
        "已安排 测试property_a 盯守复查 30 天",
    )
    .await;
    let w = property.get("/cases/watches").await;
    assert_page("/cases/watches", &w, &format!("案卷 {id}"));
    let wid = number_after(&w.html, "action=\"/cases/watches/");
    let bad = property
        .submit(
            "/cases/watches",
            &format!("/cases/watches/{wid}/report"),
            &[("outcome", "rebound")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("请写明反弹的情况"));
    let r = property
        .submit(
            "/cases/watches",
            &format!("/cases/watches/{wid}/report"),
            &[("outcome", "rebound"), ("note", "又堆起来了")],
        )
        .await;
    let new_case = case_id(&r);
    let p = follow(&property, &r).await;
    assert_page("rebound", &p, &format!("新案卷 {new_case} 已立案"));
    assert!(p.html.contains(&format!("href=\"/cases/{id}\"")), "linked");
}

async fn a_refused_step_says_why(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.api("grid_a").await;
    let cadre = app.api("cadre_a").await;
    let cat = category(&grid, "E0402").await;
    let id = report(
        &grid,
        json!({"category_id": cat, "lon": 114.3, "lat": 30.6}),
    )
    .await;
    cadre
        .post(&format!("/cases/{id}/register"), json!({}))
        .await;
    let r = cadre
        .post(
            &format!("/cases/{id}/dispatch"),
            json!({"handler_person_id": app.fx.accounts["grid_a"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = grid
        .post(&format!("/cases/{id}/handle"), json!({"note": "已劝离"}))
        .await;
    assert_eq!(r.status, 200);
    let b = app.browser("grid_a").await;
    let path = format!("/cases/{id}");
    let p = b.get(&path).await;
    assert!(
        !p.html.contains("id=\"step-verify\""),
        "not offered to the handler"
    );
    let p = b
        .submit(&path, &format!("{path}/verify"), &[("result", "pass")])
        .await;
    assert_eq!(p.status, 403, "{}", p.html);
    assert!(p.html.contains("class=\"alert\""));
    assert!(p.html.contains("不能核查自己处置的案件"));
    assert!(
        p.html.contains("经过"),
        "on the case page, not an error page"
    );
    // A step the state no longer allows: 409, said at the top.
    let c = app.browser("cadre_a").await;
    let p = c.submit(&path, &format!("{path}/register"), &[]).await;
    assert_eq!(p.status, 409);
    assert!(p.html.contains("不能立案"), "{}", p.html);
}

async fn the_grid_map(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.api("grid_a").await;
    let cat = category(&grid, "C0106").await;
    let id = report(
        &grid,
        json!({"category_id": cat, "lon": 114.301, "lat": 30.602}),
    )
    .await;
    let late = dispatched(&app, "E0401", 114.2991).await;
    app.exec(&format!(
        "UPDATE case_file SET deadline_at = {} WHERE id = {late}",
        now_ms() - DAY
    ))
    .await;
    let cadre = app.browser("cadre_a").await;
    let path = format!("/cases/map?unit_id={}", app.fx.grid_a);
    let p = cadre.get(&path).await;
    assert_page(&path, &p, "<svg");
    assert!(
        p.html.contains("<path class=\"boundary\" d=\"M"),
        "{}",
        p.html
    );
    assert!(
        p.html.contains(&format!(
            "<a href=\"/cases/{id}\"><circle class=\"dot pending\""
        )),
        "{}",
        p.html
    );
    assert!(p.html.contains(&format!(
        "<a href=\"/cases/{late}\"><circle class=\"dot overdue\""
    )));
    assert!(p.html.contains("路灯 · 待受理</title>"));
    assert!(
        p.html.contains("已超期 <strong>1</strong>"),
        "legend counts"
    );
    // The community's map outlines its grid.
    let p = cadre
        .get(&format!("/cases/map?unit_id={}", app.fx.community_a))
        .await;
    assert_page("community map", &p, "<path class=\"child\"");
    // The chain, and appointing through the form.
    let p = cadre.get(&path).await;
    assert!(p.html.contains("直接责任人") && p.html.contains("action=\"/cases/map/responsible\""));
    let person = app.fx.accounts["grid_a"].to_string();
    let grid_id = app.fx.grid_a.to_string();
    let r = cadre
        .submit(
            &path,
            "/cases/map/responsible",
            &[
                ("unit_id", &grid_id),
                ("level", "direct"),
                ("person_id", &person),
            ],
        )
        .await;
    let p = follow(&cadre, &r).await;
    assert_page(&path, &p, "已指定 测试grid_a 为直接责任人");
    // The grid leader reads the map but does not appoint.
    let p = app.browser("grid_a").await.get(&path).await;
    assert_page(&path, &p, "<svg");
    assert!(!p.html.contains("action=\"/cases/map/responsible\""));
}

/// The link and the number of a figure's cell on the figures page.
fn figure_cell(html: &str, figure: &str, unit: i64) -> (String, usize) {
    let key = format!("data-figure=\"{figure}\" data-unit=\"{unit}\">");
    let at = html.find(&key).unwrap_or_else(|| panic!("no {key}"));
    let n: usize = html[at + key.len()..]
        .split('<')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let href = html[start..at]
        .trim_end()
        .trim_end_matches('"')
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    (href, n)
}

async fn figures_link_to_their_cases(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.api("grid_a").await;
    let cadre = app.api("cadre_a").await;
    let cat = category(&grid, "E0402").await;
    let mut ids = Vec::new();
    for lon in [114.296, 114.299, 114.302] {
        ids.push(report(&grid, json!({"category_id": cat, "lon": lon, "lat": 30.6})).await);
    }
    for id in &ids[..2] {
        cadre
            .post(&format!("/cases/{id}/register"), json!({}))
            .await;
    }
    let b = app.browser("cadre_a").await;
    let path = format!("/cases/figures?unit_id={}", app.fx.community_a);
    let p = b.get(&path).await;
    assert_page(&path, &p, "有效上报率");
    assert!(p.html.contains("66.67%"), "2 of 3 reports registered");
    assert!(p.html.contains("本月") && p.html.contains("本年"));
    for (figure, want) in [("reports", 3), ("filed", 2)] {
        for unit in [app.fx.community_a, app.fx.grid_a] {
            let (href, n) = figure_cell(&p.html, figure, unit);
            assert_eq!(n, want, "{figure} of {unit}");
            assert!(href.starts_with("/cases/list?unit_id="), "{href}");
            let list = b.get(&href).await;
            assert_page(&href, &list, "包含的案件");
            assert_eq!(list.html.matches("data-case=\"").count(), n, "{href}");
        }
    }
    let me = app.fx.accounts["grid_a"];
    let p = b.get(&format!("/cases/figures/people/{me}")).await;
    assert_page("person figures", &p, "上报的问题");
    assert!(p.html.contains("data-figure=\"reports\">3<"));
}

async fn out_of_scope_is_not_found(app: TestApp) {
    bound_grid(&app).await;
    let grid = app.api("grid_a").await;
    let cat = category(&grid, "E0402").await;
    let id = report(
        &grid,
        json!({"category_id": cat, "lon": 114.3, "lat": 30.6}),
    )
    .await;
    let other = app.browser("admin_b").await;
    for path in [
        format!("/cases/{id}"),
        format!("/cases/map?unit_id={}", app.fx.grid_a),
        format!("/cases/figures?unit_id={}", app.fx.community_a),
        format!("/cases/figures/people/{}", app.fx.accounts["grid_a"]),
    ] {
        let p = other.get(&path).await;
        assert_eq!(p.status, 404, "{path}: {}", p.html);
    }
    let p = other
        .submit("/cases", &format!("/cases/{id}/register"), &[])
        .await;
    assert_eq!(p.status, 404);
    let p = other.get("/cases/list").await;
    assert_page("/cases/list (admin_b)", &p, "还没有案件");
    let resident = app.browser("resident_a").await;
    for path in ["/cases/map", "/cases/requests", "/cases/figures"] {
        assert_eq!(resident.get(path).await.status, 404, "{path}");
    }
    let p = resident.get("/cases").await;
    assert_eq!(p.location.as_deref(), Some("/cases/mine"));
    // A shared link to a case opens it after login.
    let p = app.guest().get(&format!("/cases/{id}")).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/login?next=/cases/{id}").as_str())
    );
}

async fn catalogues(app: TestApp) {
    let platform = app.browser("platform").await;
    let p = platform.get("/cases/categories").await;
    assert_page("/cases/categories", &p, "占道经营");
    assert!(p.html.contains("0d</strong> 当日办结"));
    let id = category(&app.api("platform").await, "E0401").await;
    let path = format!("/cases/categories/{id}");
    let bad = platform
        .submit(
            "/cases/categories",
            &path,
            &[
                ("limit_normal", "3天"),
                ("limit_urgent", "2h"),
                ("department", "城管"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("时限写成 0d"));
    assert!(bad.html.contains("value=\"3天\""), "typed kept");
    let r = platform
        .submit(
            "/cases/categories",
            &path,
            &[
                ("limit_normal", "3d"),
                ("limit_urgent", "4h"),
                ("department", "城管执法一中队"),
                ("active", "on"),
            ],
        )
        .await;
    let p = follow(&platform, &r).await;
    assert_page("/cases/categories", &p, "已保存“占道经营”");
    assert!(
        p.html
            .contains("一般 3 个工作日 · 紧急 4 个工作小时 · 城管执法一中队")
    );
    // Others read it; they do not change it.
    let p = app.browser("admin_a").await.get("/cases/categories").await;
    assert_page("/cases/categories (admin_a)", &p, "占道经营");
    assert!(!p.html.contains("action=\"/cases/categories/"));
    assert_eq!(
        app.browser("resident_a")
            .await
            .get("/cases/categories")
            .await
            .status,
        403
    );

    let p = platform.get("/cases/calendar").await;
    assert_page("/cases/calendar", &p, "2025 年、2026 年");
    let bad = platform
        .submit(
            "/cases/calendar",
            "/cases/calendar",
            &[("day", "2027/01/01"), ("kind", "holiday"), ("name", "元旦")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("日期格式应为 YYYY-MM-DD"));
    let r = platform
        .submit(
            "/cases/calendar",
            "/cases/calendar",
            &[
                ("day", "2027-01-01"),
                ("kind", "holiday"),
                ("name", "2027 年元旦"),
            ],
        )
        .await;
    let p = follow(&platform, &r).await;
    assert_page("/cases/calendar", &p, "2027年1月1日 星期五");
    let day = number_after(&p.html, "action=\"/cases/calendar/");
    let r = platform
        .submit(
            "/cases/calendar",
            &format!("/cases/calendar/{day}/remove"),
            &[],
        )
        .await;
    let p = follow(&platform, &r).await;
    assert!(!p.html.contains("2027年1月1日"));
    assert_eq!(
        app.browser("cadre_a")
            .await
            .get("/cases/calendar")
            .await
            .status,
        403
    );
}

testkit::backend_tests!(
    report_in_three_taps,
    bad_reports_keep_what_was_typed,
    board_lists_overdue_first,
    case_page_offers_what_can_says,
    the_loop_through_pages,
    a_refused_step_says_why,
    the_grid_map,
    figures_link_to_their_cases,
    out_of_scope_is_not_found,
    catalogues,
);
