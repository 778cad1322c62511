//! Assessment (考评) through the API and pages: the seeds' presets over a month of work
//! recorded through the platform — Zhengzhou's 20 + 30 + 50 from trainings, patrols and
//! cases, Guancheng's deductions for problems found by inspections and the media (each
//! linked to its case, media disqualifying from honours), Gulou's 50-yuan fines and best
//! worker; runs idempotent, late records changing a result only with a recorded change, a
//! closed period never rewritten; one contest per result, answered; banned measures
//! refused; nobody reads results outside their scope.

use kernel::time::now_ms;
use serde_json::{Value, json};
use testkit::{Api, TestApp};

use crate::cases::{category, report};
use crate::page_checks::assert_page;

fn this_month() -> String {
    assessment::period::Period::month_of(kernel::time::today()).to_string()
}

async fn scheme(admin: &Api, code: &str, preset: &str, unit: i64, kind: Value, role: Value) -> i64 {
    let r = admin
        .post(
            "/assessment/schemes",
            json!({"code": code, "name": format!("{preset} 考评"), "unit_id": unit,
                   "person_kind": kind, "role": role, "periods": ["month"], "preset": preset,
                   "effective_from": "2020-01-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_i64().unwrap()
}

/// A problem found outside the grid, registered by the cadre; its id.
async fn found(app: &TestApp, source: &str, level: Option<&str>) -> i64 {
    let cadre = app.api("cadre_a").await;
    let (api, mut body) = if source == "inspection" {
        (
            app.api("inspector_a").await,
            json!({"source": "inspection"}),
        )
    } else {
        (
            app.api("cadre_a").await,
            json!({"source": "media", "reporter_name": "晚报记者"}),
        )
    };
    let cat = category(&api, "E0401").await;
    body["category_id"] = json!(cat);
    body["grid_id"] = json!(app.fx.grid_a);
    body["description"] = json!("暗访发现占道经营");
    if let Some(l) = level {
        body["inspection_level"] = json!(l);
    }
    let id = report(&api, body).await;
    let r = cadre
        .post(&format!("/cases/{id}/register"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["missed_by_grid"], true, "{:?}", r.body);
    id
}

async fn results(api: &Api, unit: i64, period: &str) -> Vec<Value> {
    let r = api
        .get(&format!(
            "/assessment/results?unit_id={unit}&period={period}"
        ))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body.as_array().unwrap().clone()
}

fn of(rs: &[Value], person: i64, scheme: i64) -> &Value {
    rs.iter()
        .find(|r| r["person_id"] == person && r["scheme_id"] == scheme)
        .unwrap_or_else(|| panic!("no result for {person} under {scheme}: {rs:?}"))
}

async fn run(admin: &Api, period: &str) -> Value {
    let r = admin
        .post("/assessment/runs", json!({"period": period}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

async fn the_seeds_schemes_over_a_month_of_work(app: TestApp) {
    let fx = app.fx.clone();
    let admin = app.api("admin_a").await;
    let cadre = app.api("cadre_a").await;
    let grid_person = fx.accounts["grid_a"];
    let period = this_month();

    let zz = scheme(
        &admin,
        "zz",
        "zhengzhou",
        fx.community_a,
        json!("personnel"),
        Value::Null,
    )
    .await;
    let gc = scheme(
        &admin,
        "gc",
        "guancheng",
        fx.community_a,
        Value::Null,
        json!("grid_leader"),
    )
    .await;
    let gl = scheme(
        &admin,
        "gl",
        "gulou",
        fx.community_a,
        Value::Null,
        json!("grid_leader"),
    )
    .await;

    // The grid's chain: its grid leader answers directly.
    let r = cadre
        .put(
            &format!("/units/{}/responsible", fx.grid_a),
            json!({"level": "direct", "person_id": grid_person}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // A training: one attends, the other is marked absent at the roll call.
    let at = kernel::time::local_datetime;
    let now = now_ms();
    let m = cadre
        .post(
            "/duty/meetings",
            json!({"unit_id": fx.community_a, "kind": "training", "title": "执法培训",
                   "starts_at": at(now - 60_000), "ends_at": at(now + 3_600_000),
                   "place": "社区会议室", "agenda": "环保法规",
                   "invitee_ids": [fx.person_a, fx.person_a2]}),
        )
        .await;
    assert_eq!(m.status, 201, "{:?}", m.body);
    let mid = m.body["id"].as_i64().unwrap();
    let me = app.api("personnel_a").await;
    assert_eq!(
        me.post(&format!("/duty/meetings/{mid}/sign-in"), json!({}))
            .await
            .status,
        200
    );
    let rc = cadre
        .post(
            &format!("/duty/meetings/{mid}/roll-call"),
            json!({"entries": [{"person_id": fx.person_a2, "attendance": "absent"}]}),
        )
        .await;
    assert_eq!(rc.status, 200, "{:?}", rc.body);
    // Problems the grid did not report: a provincial inspection, one whose level was not
    // stated (counted as district), and bad media exposure.
    let province = found(&app, "inspection", Some("province")).await;
    let unstated = found(&app, "inspection", None).await;
    let media = found(&app, "media", None).await;

    // The commendation threshold, low enough for one training's points.
    let platform = app.api("platform").await;
    let t = platform
        .post(
            "/ledger/settings",
            json!({"key": "honour_points_e2", "value": 10, "effective_from": "2026-01-01"}),
        )
        .await;
    assert!(t.status.is_success(), "{:?}", t.body);

    let first = run(&admin, &period).await;
    assert_eq!(first["runs"], 3, "{first:?}");
    let rs = results(&cadre, fx.community_a, &period).await;

    // Zhengzhou: 教育培训 20 from 1/1 attended, 巡查记录 0 of 8, 工作落实 50 (no case due).
    let a = of(&rs, fx.person_a, zz);
    let comps: Vec<(String, i64, i64)> = a["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["weight_e2"].as_i64().unwrap(),
                c["score_e2"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        comps,
        vec![
            ("教育培训".to_string(), 2000, 2000),
            ("巡查记录".to_string(), 3000, 0),
            ("工作落实".to_string(), 5000, 5000)
        ]
    );
    assert_eq!(a["total_e2"], 7000);
    assert_eq!(a["grade_label"], "合格");
    let a2 = of(&rs, fx.person_a2, zz);
    assert_eq!(a2["total_e2"], 5000);
    assert_eq!(a2["grade"], "fail");

    // Guancheng: 60 for the tasks, 0 for patrols; −15 province, −5 district, −20 media.
    let g = of(&rs, grid_person, gc);
    assert_eq!(g["gross_e2"], 6000);
    assert_eq!(g["deductions_e2"], 4000);
    assert_eq!(g["total_e2"], 2000);
    assert_eq!(g["grade_label"], "不合格");
    assert_eq!(g["disqualified"], true);
    let gid = g["id"].as_i64().unwrap();
    let d = cadre.get(&format!("/assessment/results/{gid}")).await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    let mut causes: Vec<(String, i64, i64)> = d.body["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["label"].as_str().unwrap().to_owned(),
                x["points_e2"].as_i64().unwrap(),
                x["cause_id"].as_i64().unwrap(),
            )
        })
        .collect();
    causes.sort();
    let mut want = vec![
        ("省级检查发现问题".to_string(), 1500, province),
        ("区级检查发现问题".to_string(), 500, unstated),
        ("媒体曝光造成不良影响".to_string(), 2000, media),
    ];
    want.sort();
    assert_eq!(causes, want);

    // Per grid: the results of the people who answer for it.
    let by_grid = results(&cadre, fx.grid_a, &period).await;
    assert_eq!(by_grid.len(), 2, "{by_grid:?}");
    assert!(by_grid.iter().all(|r| r["person_id"] == grid_person));

    // Gulou: 50 yuan for each inspection finding in the manager's grid, none for the media.
    let f = cadre
        .get(&format!(
            "/assessment/fines?unit_id={}&period={period}",
            fx.community_a
        ))
        .await;
    assert_eq!(f.status, 200, "{:?}", f.body);
    let fines: Vec<(i64, i64)> = f
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["case_id"].as_i64().unwrap(),
                x["amount_fen"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(fines.len(), 2, "{fines:?}");
    assert!(fines.contains(&(province, 5000)) && fines.contains(&(unstated, 5000)));
    // The only Gulou candidate was disqualified by the media exposure: no best worker.
    let aw = cadre
        .get(&format!(
            "/assessment/awards?unit_id={}&period={period}",
            fx.community_a
        ))
        .await;
    assert_eq!(aw.status, 200);
    assert!(
        !aw.body
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["person_id"] == grid_person),
        "{:?}",
        aw.body
    );
    let _ = gl;
    // Person A's training points reach the threshold: on the commendation list and, as
    // sent-down personnel never graded 不合格, a 最美下沉干部 candidate; no 社区服务之星
    // without resident-confirmed service. Person A2 earned no points.
    let mut kinds: Vec<&str> = aw
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["person_id"] == fx.person_a)
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["commendation", "model_cadre"], "{:?}", aw.body);
    assert!(
        !aw.body
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["person_id"] == fx.person_a2)
    );

    // Idempotent: the same records give the same results.
    let again = run(&admin, &period).await;
    assert_eq!(again["changed"], 0, "{again:?}");
    assert_eq!(results(&cadre, fx.community_a, &period).await, rs);

    // A late record changes a result with a recorded change.
    let late = found(&app, "inspection", Some("city")).await;
    let third = run(&admin, &period).await;
    assert!(third["changed"].as_i64().unwrap() >= 1, "{third:?}");
    let d = cadre.get(&format!("/assessment/results/{gid}")).await;
    assert_eq!(d.body["result"]["total_e2"], 1000);
    assert_eq!(d.body["result"]["revision"], 2);
    assert_eq!(d.body["changes"][0]["total_before_e2"], 2000);
    assert_eq!(d.body["changes"][0]["total_after_e2"], 1000);
    assert!(
        d.body["deductions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["cause_id"] == late && x["points_e2"] == 1000)
    );

    // A closed period is never rewritten: reruns change nothing, no version applies to it.
    let close = admin
        .post(
            "/assessment/runs/close",
            json!({"scheme_id": gc, "period": period}),
        )
        .await;
    assert_eq!(close.status, 204, "{:?}", close.body);
    found(&app, "inspection", Some("province")).await;
    run(&admin, &period).await;
    let d = cadre.get(&format!("/assessment/results/{gid}")).await;
    assert_eq!(d.body["result"]["total_e2"], 1000);
    let day = kernel::time::today().to_string();
    let v = admin
        .post(
            &format!("/assessment/schemes/{gc}/versions"),
            json!({"rules": assessment::scheme::presets::guancheng(), "effective_from": day}),
        )
        .await;
    assert_eq!(v.status, 422, "{:?}", v.body);
    assert_eq!(v.body["errors"][0]["field"], "effective_from");

    // Scope: another district's admin, another community's person, a resident: 404.
    for login in ["admin_b", "resident_a"] {
        let other = app.api(login).await;
        assert_eq!(
            other
                .get(&format!("/assessment/results/{gid}"))
                .await
                .status,
            404,
            "{login}"
        );
    }
    // The employer sees its own people's results.
    let emp = app.api("employer_a").await;
    let mine = emp
        .get(&format!(
            "/assessment/results?employer_id={}&period={period}",
            fx.employer_a
        ))
        .await;
    assert_eq!(mine.status, 200, "{:?}", mine.body);
    assert!(
        mine.body
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["employer_id"] == fx.employer_a)
    );
    assert!(!mine.body.as_array().unwrap().is_empty());
}

async fn a_result_is_contested_once_and_answered(app: TestApp) {
    let fx = app.fx.clone();
    let admin = app.api("admin_a").await;
    let cadre = app.api("cadre_a").await;
    let period = this_month();
    let zz = scheme(
        &admin,
        "zz",
        "zhengzhou",
        fx.community_a,
        json!("personnel"),
        Value::Null,
    )
    .await;
    run(&admin, &period).await;
    let me = app.api("personnel_a2").await;
    let rs = results(&cadre, fx.community_a, &period).await;
    let id = of(&rs, fx.person_a2, zz)["id"].as_i64().unwrap();
    // No training held: 教育培训 counts full (20), no patrol (0), no case due (50).
    assert_eq!(of(&rs, fx.person_a2, zz)["total_e2"], 7000);
    // A colleague cannot even see it; the cadre may not contest it; a reason is needed.
    let other = app.api("personnel_a").await;
    assert_eq!(
        other
            .post(
                &format!("/assessment/results/{id}/contest"),
                json!({"reason": "不公平不公平"})
            )
            .await
            .status,
        404
    );
    assert_eq!(
        other.get(&format!("/assessment/results/{id}")).await.status,
        404
    );
    assert_eq!(
        cadre
            .post(
                &format!("/assessment/results/{id}/contest"),
                json!({"reason": "替他申诉一下"})
            )
            .await
            .status,
        403
    );
    let bad = me
        .post(
            &format!("/assessment/results/{id}/contest"),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let c = me
        .post(
            &format!("/assessment/results/{id}/contest"),
            json!({"reason": "本月我在外地培训，已请假，巡查记录应按请假处理"}),
        )
        .await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    assert_eq!(c.body["state"], "open");
    let twice = me
        .post(
            &format!("/assessment/results/{id}/contest"),
            json!({"reason": "再申诉一次看看"}),
        )
        .await;
    assert_eq!(twice.status, 409);
    // The person cannot answer their own; the cadre changes it, recorded.
    assert_eq!(
        me.post(
            &format!("/assessment/results/{id}/answer"),
            json!({"decision": "uphold", "answer": "好"})
        )
        .await
        .status,
        403
    );
    let no_total = cadre
        .post(
            &format!("/assessment/results/{id}/answer"),
            json!({"decision": "change", "answer": "核实属实"}),
        )
        .await;
    assert_eq!(no_total.status, 422);
    let a = cadre
        .post(
            &format!("/assessment/results/{id}/answer"),
            json!({"decision": "change", "answer": "核实属实，按请假处理", "new_total_e2": 8000}),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["state"], "changed");
    let d = me.get(&format!("/assessment/results/{id}")).await;
    assert_eq!(d.body["result"]["total_e2"], 8000);
    assert_eq!(d.body["result"]["grade"], "pass");
    assert_eq!(d.body["result"]["revision"], 2);
    assert_eq!(d.body["changes"][0]["total_before_e2"], 7000);
    assert!(
        d.body["changes"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("申诉改判")
    );
    let again = cadre
        .post(
            &format!("/assessment/results/{id}/answer"),
            json!({"decision": "uphold", "answer": "维持"}),
        )
        .await;
    assert_eq!(again.status, 409);
    // A rerun keeps the answered change (the change came from the contest, not the records).
    assert!(app.count("assess_result_change").await >= 1);

    // The pages: the person sees the answer; the cadre's unit page lists by name.
    let b = app.browser("personnel_a2").await;
    let p = b.get(&format!("/assessment/results/{id}")).await;
    assert_eq!(p.status, 404, "the page lives under /assess");
    let p = b.get(&format!("/assess/results/{id}")).await;
    assert_page("/assess/results/{id}", &p, "核实属实，按请假处理");
    assert_page("/assess", &b.get("/assess").await, "80 分");
    let c = app.browser("cadre_a").await;
    let p = c
        .get(&format!(
            "/assess/results?unit={}&period={period}",
            fx.community_a
        ))
        .await;
    assert_page("/assess/results", &p, "等次分布");
    assert!(
        p.html.contains("李下沉") || p.html.contains("王下沉"),
        "{}",
        p.html
    );
}

async fn banned_measures_and_bad_schemes_are_refused(app: TestApp) {
    let fx = app.fx.clone();
    let admin = app.api("admin_a").await;
    let mut rules = serde_json::to_value(assessment::scheme::presets::zhengzhou()).unwrap();
    rules["components"][1]["formula"] =
        json!({"kind": "target", "measure": "login_days", "per_month": 20});
    let r = admin
        .post(
            "/assessment/schemes",
            json!({"code": "bad", "name": "按登录考核", "unit_id": fx.community_a,
                   "periods": ["month"], "rules": rules, "effective_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(
        r.body.to_string().contains("不能作为考核指标"),
        "{:?}",
        r.body
    );
    assert_eq!(app.count("assess_scheme").await, 0);
    // Weights not adding up to 100, an unknown period: refused, nothing written.
    let mut rules = serde_json::to_value(assessment::scheme::presets::zhengzhou()).unwrap();
    rules["components"][0]["weight_e2"] = json!(1000);
    let r = admin
        .post(
            "/assessment/schemes",
            json!({"code": "bad2", "name": "分值不对", "unit_id": fx.community_a,
                   "periods": ["month"], "rules": rules, "effective_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = admin
        .post(
            "/assessment/schemes",
            json!({"code": "bad3", "name": "周考核", "unit_id": fx.community_a,
                   "periods": ["week"], "preset": "gulou", "effective_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(r.status, 422);
    // A cadre may not set schemes; a bad period is a field error.
    let cadre = app.api("cadre_a").await;
    let r = cadre
        .post(
            "/assessment/schemes",
            json!({"code": "c", "name": "社区自定", "unit_id": fx.community_a,
                   "periods": ["month"], "preset": "gulou", "effective_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = admin
        .post("/assessment/runs", json!({"period": "2026-13"}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "period");
    assert_eq!(app.count("assess_scheme").await, 0);
}

testkit::backend_tests!(
    the_seeds_schemes_over_a_month_of_work,
    a_result_is_contested_once_and_answered,
    banned_measures_and_bad_schemes_are_refused,
);
