//! Reports generated from the records (issue 7): the monthly bulletin, the quarterly
//! employer feedback with its issued snapshot, the 述职 draft → edit → submit →
//! read-only; scope refusals are 404; the xlsx and PDF exports hold the same content.
//!
//! The month's work is written straight into the area tables for October 2026 (a past,
//! closed month), so every figure below is counted by hand from these rows.

use reports::period::Period;
use serde_json::Value;
use testkit::TestApp;

const MONTH: &str = "2026-10";
const QUARTER: &str = "2026-Q4";

async fn path_of(app: &TestApp, unit: i64) -> String {
    use sqlx::Row;
    let rows = sqlx::query("SELECT path FROM org_unit WHERE city_id = $1 AND id = $2")
        .bind(app.fx.city_id)
        .bind(unit)
        .fetch_all(app.db.reader())
        .await
        .expect("path");
    rows[0].try_get::<String, _>(0).expect("path")
}

/// The October work of community A (and a little elsewhere that must not count).
async fn october(app: &TestApp) {
    let fx = &app.fx;
    let c = fx.city_id;
    let p = Period::parse(MONTH).unwrap();
    let t = p.start_ms() + 5 * 86_400_000;
    let h = 3_600_000;
    let ca = path_of(app, fx.community_a).await;
    let cb = path_of(app, fx.community_b).await;
    let ga = path_of(app, fx.grid_a).await;
    let gb = path_of(app, fx.grid_b).await;
    let resident = fx.accounts["resident_a"];
    let (pa, pa2, pb) = (fx.person_a, fx.person_a2, fx.person_b);
    let order = |unit: i64,
                 path: &str,
                 state: &str,
                 who: i64,
                 created: i64,
                 done: &str,
                 mins: &str,
                 rating: &str| {
        format!(
            "INSERT INTO service_order (city_id, community_id, unit_path, resident_person_id, \
             placed_by_person_id, category, description, place, wanted_from, wanted_to, state, \
             assignee_person_id, done_at, done_minutes, rating, created_at, updated_at) VALUES \
             ({c}, {unit}, '{path}', {resident}, {resident}, 'daily', '测试', '1号楼', {created}, {}, \
             '{state}', {who}, {done}, {mins}, {rating}, {created}, {created})",
            created + 86_400_000
        )
    };
    let sept = p.start_ms() - 3 * 86_400_000;
    for sql in [
        order(
            fx.community_a,
            &ca,
            "confirmed",
            pa,
            t,
            &(t + h).to_string(),
            "90",
            "5",
        ),
        order(
            fx.community_a,
            &ca,
            "done",
            pa2,
            t,
            &(t + 2 * h).to_string(),
            "30",
            "4",
        ),
        order(
            fx.community_a,
            &ca,
            "accepted",
            pa,
            t,
            "NULL",
            "NULL",
            "NULL",
        ),
        order(
            fx.community_a,
            &ca,
            "expired",
            pa,
            t,
            "NULL",
            "NULL",
            "NULL",
        ),
        order(
            fx.community_b,
            &cb,
            "confirmed",
            pb,
            t,
            &(t + h).to_string(),
            "60",
            "3",
        ),
        order(
            fx.community_a,
            &ca,
            "confirmed",
            pa2,
            sept,
            &t.to_string(),
            "45",
            "NULL",
        ),
    ] {
        assert_eq!(app.exec(&sql).await, 1, "{sql}");
    }
    let activity = |state: &str| {
        format!(
            "INSERT INTO activity (city_id, unit_id, unit_path, duty_kind, title, starts_at, ends_at, \
             place, capacity, state, created_at, updated_at) VALUES ({c}, {}, '{ca}', 'volunteer', \
             '清洁家园', {t}, {}, '广场', 20, '{state}', {t}, {t})",
            fx.community_a,
            t + 2 * h
        )
    };
    app.exec(&activity("published")).await;
    app.exec(&activity("cancelled")).await;
    let attend = |title_state: &str, who: i64, mins: i64, state: &str| {
        format!(
            "INSERT INTO attendance (city_id, activity_id, person_id, source, minutes, claimed_minutes, \
             state, created_at, updated_at) SELECT {c}, id, {who}, 'roll_call', {mins}, {mins}, '{state}', \
             {t}, {t} FROM activity WHERE city_id = {c} AND state = '{title_state}'"
        )
    };
    app.exec(&attend("published", pa, 120, "approved")).await;
    app.exec(&attend("published", pa2, 60, "approved")).await;
    app.exec(&attend("published", pb, 120, "pending")).await;
    app.exec(&attend("cancelled", pa, 999, "approved")).await;
    let patrol = |grid: i64, path: &str, who: i64, state: &str| {
        format!(
            "INSERT INTO patrol (city_id, grid_id, unit_path, person_id, started_at, ended_at, state, \
             created_at, updated_at) VALUES ({c}, {grid}, '{path}', {who}, {t}, {}, '{state}', {t}, {t})",
            t + h
        )
    };
    app.exec(&patrol(fx.grid_a, &ga, pa, "confirmed")).await;
    app.exec(&patrol(fx.grid_a, &ga, pa, "recorded")).await;
    app.exec(&patrol(fx.grid_b, &gb, pb, "confirmed")).await;
    let meeting = |kind: &str, state: &str| {
        format!(
            "INSERT INTO duty_meeting (city_id, unit_id, unit_path, kind, title, starts_at, ends_at, \
             place, agenda, state, created_at) VALUES ({c}, {}, '{ca}', '{kind}', '{kind}会', {t}, {}, \
             '会议室', '议程', '{state}', {t})",
            fx.community_a,
            t + h
        )
    };
    app.exec(&meeting("weekly", "closed")).await;
    app.exec(&meeting("training", "closed")).await;
    app.exec(&meeting("weekly", "scheduled")).await;
    let invite = |kind: &str, state: &str, who: i64, att: &str| {
        format!(
            "INSERT INTO duty_invitee (city_id, meeting_id, person_id, attendance) SELECT {c}, id, {who}, \
             {att} FROM duty_meeting WHERE city_id = {c} AND kind = '{kind}' AND state = '{state}'"
        )
    };
    app.exec(&invite("weekly", "closed", pa, "'present'")).await;
    app.exec(&invite("weekly", "closed", pa2, "'absent'")).await;
    app.exec(&invite("training", "closed", pa, "'present'"))
        .await;
    app.exec(&invite("training", "closed", pa2, "'excused'"))
        .await;
    app.exec(&invite("weekly", "scheduled", pa, "NULL")).await;
}

fn sheet(bytes: &[u8], index: usize) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = wb.worksheet_range_at(index).expect("sheet").expect("range");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The value beside `label` in a sheet.
fn beside(rows: &[Vec<String>], label: &str) -> String {
    rows.iter()
        .find(|r| r.first().is_some_and(|c| c == label))
        .and_then(|r| r.get(1).cloned())
        .unwrap_or_else(|| panic!("no row {label}"))
}

/// The text of a PDF, or `None` (with a message) when pdftotext is not installed.
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let path = std::env::temp_dir().join(format!("reports-docs-{}.pdf", rand::random::<u64>()));
    std::fs::write(&path, bytes).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => {
            eprintln!("pdftotext not installed: PDF text not checked");
            None
        }
    }
}

async fn download(app: &TestApp, login: &str, path: &str) -> (u16, String, Vec<u8>) {
    let b = app.browser(login).await;
    let res = b
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, res.bytes().await.unwrap_or_default().to_vec())
}

async fn bulletin_counts_the_month_of_the_subtree(app: TestApp) {
    october(&app).await;
    let fx = &app.fx;
    let q = format!("/reports/bulletin?unit={}&period={MONTH}", fx.community_a);
    let r = app.api("cadre_a").await.get(&q).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &r.body;
    assert_eq!(b["period_label"], "2026年10月");
    // Orders: 4 placed in October in community A; done in October: two placed then and
    // one placed in September; overdue: the accepted one past its end and the expired.
    assert_eq!(b["orders"]["placed"], 4);
    assert_eq!(b["orders"]["done"], 3);
    assert_eq!(b["orders"]["overdue"], 2);
    assert_eq!(b["orders"]["rated"], 2);
    assert_eq!(b["orders"]["average_rating"], "4.50");
    // Activities: the cancelled one is not held; pending attendance does not count.
    assert_eq!(b["activities"]["held"], 1);
    assert_eq!(b["activities"]["attended"], 2);
    assert_eq!(b["activities"]["minutes"], 180);
    assert_eq!(b["activities"]["hours"], "3.0");
    assert_eq!(b["duty"]["patrols"], 2);
    assert_eq!(b["duty"]["patrols_confirmed"], 1);
    assert_eq!(b["duty"]["meetings"], 1);
    assert_eq!(b["duty"]["meetings_invited"], 2);
    assert_eq!(b["duty"]["meetings_attended"], 1);
    assert_eq!(b["duty"]["trainings"], 1);
    assert_eq!(b["duty"]["trainings_attended"], 1);
    assert_eq!(b["cases"]["reported"], 0);
    assert_eq!(b["cases"]["on_time_rate"], "—");
    assert_eq!(b["assessment"]["grades"].as_array().unwrap().len(), 4);
    // The street sees the same (community B is in another street).
    let s = app
        .api("admin_a")
        .await
        .get(&format!(
            "/reports/bulletin?unit={}&period={MONTH}",
            fx.street_a
        ))
        .await;
    assert_eq!(s.status, 200);
    assert_eq!(s.body["orders"]["placed"], 4);
    assert_eq!(s.body["duty"]["patrols"], 2);
    // Community B's own bulletin: its one order and patrol.
    let other = app
        .api("admin_b")
        .await
        .get(&format!(
            "/reports/bulletin?unit={}&period={MONTH}",
            fx.community_b
        ))
        .await;
    assert_eq!(other.body["orders"]["placed"], 1);
    assert_eq!(other.body["orders"]["average_rating"], "3.00");
    // Bad period.
    let bad = app
        .api("cadre_a")
        .await
        .get(&format!(
            "/reports/bulletin?unit={}&period=2026-13",
            fx.community_a
        ))
        .await;
    assert_eq!(bad.status, 422);
}

async fn bulletin_scope_is_cadres_at_or_above(app: TestApp) {
    let fx = &app.fx;
    for (login, unit) in [
        ("personnel_a", fx.community_a),
        ("grid_a", fx.community_a),
        ("resident_a", fx.community_a),
        ("employer_a", fx.community_a),
        ("cadre_a", fx.community_b),
        ("cadre_a", fx.street_a),
        ("admin_b", fx.community_a),
    ] {
        let r = app
            .api(login)
            .await
            .get(&format!("/reports/bulletin?unit={unit}&period={MONTH}"))
            .await;
        assert_eq!(r.status, 404, "{login} on {unit}");
        let (st, _, _) = download(
            &app,
            login,
            &format!("/reports/bulletin.xlsx?unit={unit}&period={MONTH}"),
        )
        .await;
        assert_eq!(st, 404, "{login} xlsx");
    }
    // The default: the caller's own unit, last month.
    let r = app.api("cadre_a").await.get("/reports/bulletin").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["unit_id"], fx.community_a);
}

async fn bulletin_page_and_exports_show_the_same(app: TestApp) {
    october(&app).await;
    let fx = &app.fx;
    let q = format!("unit={}&period={MONTH}", fx.community_a);
    let page = app
        .browser("cadre_a")
        .await
        .get(&format!("/reports/bulletin?{q}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("甲社区2026年10月工作通报"));
    assert!(page.html.contains("按期结案率"));
    assert!(
        page.html.contains(&format!(
            "/reports/bulletin.pdf?{}",
            q.replace('&', "&#38;")
        )),
        "{}",
        page.html
    );
    let (st, ct, x) = download(&app, "cadre_a", &format!("/reports/bulletin.xlsx?{q}")).await;
    assert_eq!(st, 200);
    assert!(ct.contains("spreadsheetml"));
    let rows = sheet(&x, 0);
    assert_eq!(rows[0][0], "甲社区2026年10月工作通报");
    assert_eq!(beside(&rows, "下单数"), "4");
    assert_eq!(beside(&rows, "完成数"), "3");
    assert_eq!(beside(&rows, "平均评分（5分制）"), "4.50");
    assert_eq!(beside(&rows, "服务时长（小时）"), "3.0");
    assert_eq!(beside(&rows, "会议出勤（实到/应到）"), "1/2");
    let (st, ct, pdf) = download(&app, "cadre_a", &format!("/reports/bulletin.pdf?{q}")).await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(ct, "application/pdf");
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("甲社区2026年10月工作通报"), "{text}");
        assert!(text.contains("按期结案率"));
        assert!(text.contains("志愿服务活动"));
    }
}

async fn employer_feedback_live_then_issued(app: TestApp) {
    october(&app).await;
    let fx = &app.fx;
    let q = format!(
        "/reports/employer?employer={}&period={QUARTER}",
        fx.employer_a
    );
    let r = app.api("employer_a").await.get(&q).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["issued_at"].is_null());
    let people = r.body["people"].as_array().unwrap();
    let line = |id: i64| -> &Value {
        people
            .iter()
            .find(|p| p["person_id"] == id)
            .unwrap_or_else(|| panic!("person {id}"))
    };
    let a = line(fx.person_a);
    assert_eq!(a["community"], "甲社区");
    assert_eq!(a["orders_done"], 1);
    assert_eq!(a["activity_minutes"], 120);
    assert_eq!(a["patrols"], 1);
    assert_eq!(a["meetings_attended"], 1);
    assert_eq!(a["trainings_invited"], 1);
    assert_eq!(a["grades"].as_array().unwrap().len(), 3);
    let a2 = line(fx.person_a2);
    assert_eq!(a2["orders_done"], 2);
    assert_eq!(a2["activity_minutes"], 60);
    assert_eq!(a2["meetings_attended"], 0);
    assert_eq!(a2["meetings_invited"], 1);
    assert!(!people.iter().any(|p| p["person_id"] == fx.person_b));
    // Scope: employer B's admin? none in the fixture; other admins and cadres: 404.
    for login in ["admin_b", "cadre_a", "personnel_a", "grid_a"] {
        assert_eq!(app.api(login).await.get(&q).await.status, 404, "{login}");
    }
    assert_eq!(
        app.api("employer_a")
            .await
            .get(&format!(
                "/reports/employer?employer={}&period={QUARTER}",
                fx.employer_b
            ))
            .await
            .status,
        404
    );
    assert_eq!(app.api("admin_a").await.get(&q).await.status, 200);
    assert_eq!(
        app.api("employer_a")
            .await
            .get(&format!(
                "/reports/employer?employer={}&period=2026-10",
                fx.employer_a
            ))
            .await
            .status,
        422
    );
    // Issued once per employer per quarter; running again changes nothing.
    let first = reports::feedback::issue_quarter(&app.db, QUARTER)
        .await
        .unwrap();
    assert_eq!((first.issued, first.already), (2, 0));
    let again = reports::feedback::issue_quarter(&app.db, QUARTER)
        .await
        .unwrap();
    assert_eq!((again.issued, again.already), (0, 2));
    assert_eq!(
        app.count("audit_log WHERE action = 'report_feedback_issue'")
            .await,
        2
    );
    // Work recorded later does not change the issued snapshot.
    app.exec(&format!(
        "UPDATE service_order SET assignee_person_id = {} WHERE city_id = {}",
        fx.person_a, fx.city_id
    ))
    .await;
    let r = app.api("employer_a").await.get(&q).await;
    assert!(r.body["issued_at"].is_string());
    let a = r.body["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["person_id"] == fx.person_a)
        .cloned()
        .unwrap();
    assert_eq!(a["orders_done"], 1);
    // The page says it was issued; the xlsx has a sheet per section.
    let page = app
        .browser("employer_a")
        .await
        .get(&format!(
            "/reports/employer?employer={}&period={QUARTER}",
            fx.employer_a
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("已发布"));
    let (st, _, x) = download(
        &app,
        "employer_a",
        &format!(
            "/reports/employer.xlsx?employer={}&period={QUARTER}",
            fx.employer_a
        ),
    )
    .await;
    assert_eq!(st, 200);
    let work = sheet(&x, 1);
    assert_eq!(work[0][0], "一、下沉人员工作情况");
    let row = work
        .iter()
        .find(|r| r.first().is_some_and(|c| c == "张下沉"))
        .expect("row");
    assert_eq!(row[1], "甲社区");
    assert_eq!(row[2], "1");
    assert_eq!(row[3], "2.0");
    let (st, _, pdf) = download(
        &app,
        "employer_a",
        &format!(
            "/reports/employer.pdf?employer={}&period={QUARTER}",
            fx.employer_a
        ),
    )
    .await;
    assert_eq!(st, 200);
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("张下沉"), "{text}");
        assert!(text.contains("双报到工作反馈"));
    }
}

async fn annual_report_draft_edit_submit_read_only(app: TestApp) {
    october(&app).await;
    let fx = &app.fx;
    let me = app.api("personnel_a2").await;
    let r = me.get("/reports/annual?year=2026").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "new");
    let f = &r.body["figures"];
    assert_eq!(f["orders_done"], 2);
    assert_eq!(f["order_minutes"], 75);
    assert_eq!(f["rated"], 1);
    assert_eq!(f["activity_minutes"], 60);
    assert_eq!(f["meetings_invited"], 1);
    assert_eq!(f["absences"], 1);
    let prompt = r.body["sections"][3].as_str().unwrap();
    assert!(prompt.contains("缺席 1 次"), "{prompt}");
    assert_eq!(r.body["sections"][4], "");
    // Not submitted: the cadre cannot read it.
    let other = format!("/reports/annual?year=2026&person={}", fx.person_a2);
    assert_eq!(app.api("cadre_a").await.get(&other).await.status, 404);
    // Submit before saving: refused.
    assert_eq!(
        me.post("/reports/annual/submit", serde_json::json!({"year": 2026}))
            .await
            .status,
        409
    );
    let saved = me
        .put(
            "/reports/annual",
            serde_json::json!({"year": 2026, "sections": ["参加培训一次。", "完成订单两件。", "", "一次例会缺席，已说明。", "继续服务。"]}),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.body["state"], "draft");
    assert_eq!(saved.body["sections"][0], "参加培训一次。");
    let edited = me
        .put(
            "/reports/annual",
            serde_json::json!({"year": 2026, "sections": ["参加培训一次，会议一次。"]}),
        )
        .await;
    assert_eq!(edited.body["sections"][0], "参加培训一次，会议一次。");
    assert_eq!(edited.body["sections"][4], "");
    let sub = me
        .post("/reports/annual/submit", serde_json::json!({"year": 2026}))
        .await;
    assert_eq!(sub.status, 200, "{}", sub.body);
    assert_eq!(sub.body["state"], "submitted");
    assert_eq!(sub.body["editable"], false);
    // Read-only now.
    let late = me
        .put(
            "/reports/annual",
            serde_json::json!({"year": 2026, "sections": ["改了"]}),
        )
        .await;
    assert_eq!(late.status, 409);
    assert_eq!(
        me.post("/reports/annual/submit", serde_json::json!({"year": 2026}))
            .await
            .status,
        409
    );
    assert_eq!(
        app.count("audit_log WHERE action IN ('report_annual_save', 'report_annual_submit')")
            .await,
        3
    );
    // The community cadre reads it; others do not.
    let c = app.api("cadre_a").await.get(&other).await;
    assert_eq!(c.status, 200);
    assert_eq!(c.body["sections"][0], "参加培训一次，会议一次。");
    assert_eq!(c.body["figures"]["orders_done"], 2);
    for login in ["admin_b", "personnel_a", "grid_a", "employer_a"] {
        assert_eq!(
            app.api(login).await.get(&other).await.status,
            404,
            "{login}"
        );
    }
    // The page: read-only, no form; exports.
    let b = app.browser("personnel_a2").await;
    let page = b.get("/me/annual-report?year=2026").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("已提交"));
    assert!(!page.html.contains("<textarea"));
    let (st, _, x) = download(&app, "personnel_a2", "/me/annual-report.xlsx?year=2026").await;
    assert_eq!(st, 200);
    let rows = sheet(&x, 0);
    assert_eq!(rows[0][0], "2026年度述职报告");
    assert_eq!(beside(&rows, "完成服务订单"), "2");
    assert_eq!(beside(&rows, "未请假缺席会议培训"), "1");
    let (st, _, pdf) = download(&app, "personnel_a2", "/me/annual-report.pdf?year=2026").await;
    assert_eq!(st, 200);
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("述职报告"), "{text}");
        assert!(text.contains("参加培训一次，会议一次。"));
    }
}

async fn annual_report_page_form_saves_and_submits(app: TestApp) {
    let b = app.browser("personnel_a").await;
    let page = b.get("/me/annual-report?year=2026").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("<textarea"));
    assert!(page.html.contains("记录中没有逾期、返工或缺席"));
    let csrf = page.csrf();
    let r = b
        .post(
            "/me/annual-report",
            &[
                ("_csrf", &csrf),
                ("year", "2026"),
                ("section0", "学习 <b>认真</b>"),
                ("section4", "明年多巡查"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    let page = b.get("/me/annual-report?year=2026").await;
    assert!(page.html.contains("草稿"));
    assert!(page.html.contains("认真"));
    assert!(!page.html.contains("<b>认真"));
    let r = b
        .post(
            "/me/annual-report/submit",
            &[("_csrf", &csrf), ("year", "2026")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get("/me/annual-report?year=2026").await;
    assert!(page.html.contains("已提交"));
    assert!(page.html.contains("明年多巡查"));
    assert!(!page.html.contains("<textarea"));
    // Without the CSRF field nothing is saved.
    let r = b
        .post("/me/annual-report", &[("year", "2026"), ("section0", "x")])
        .await;
    assert_ne!(r.status, 303);
}

testkit::backend_tests!(
    bulletin_counts_the_month_of_the_subtree,
    bulletin_scope_is_cadres_at_or_above,
    bulletin_page_and_exports_show_the_same,
    employer_feedback_live_then_issued,
    annual_report_draft_edit_submit_read_only,
    annual_report_page_form_saves_and_submits
);
