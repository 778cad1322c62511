//! Consultation and public opinion (issue 6, points 4–9): proposals through their stages
//! with the funding-type decision right (a collective item refused until the village
//! consents, a mixed item needing every party), the public history, the station–village
//! forum, the opinion box with anonymity that leaves no trace (API answers, audit rows, the
//! row itself), conversion to a case, the platform feedback channel, polls (one vote,
//! closing, unknown options, the SVG chart), and bad input that changes nothing.

use serde_json::{Value, json};
use testkit::{Api, TestApp};

use crate::cases::category;

async fn proposal(api: &Api, body: Value) -> i64 {
    let r = api.post("/civic/proposals", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["stage"], "drafted");
    r.body["id"].as_i64().unwrap()
}

async fn to_deliberation(api: &Api, id: i64) {
    let r = api
        .post(
            &format!("/civic/proposals/{id}/stage"),
            json!({"to": "deliberation"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["stage"], "deliberation");
}

fn detail(v: &Value) -> String {
    v["detail"].as_str().unwrap_or_default().to_owned()
}

async fn collective_proposal_is_refused_until_the_village_consents(app: TestApp) {
    let fx = &app.fx;
    let joint = app.api("joint_a").await;
    let v1 = app.api("village_a1").await;
    let v2 = app.api("village_a2").await;
    let id = proposal(
        &joint,
        json!({"unit_id": fx.joint_a, "title": "东村文化礼堂修缮", "body": "修缮屋顶和外墙，预算 20 万元",
               "funding": "collective", "villages": [fx.village_a1]}),
    )
    .await;
    let decide = json!({"outcome": "adopted", "note": "同意实施"});
    let path = format!("/civic/proposals/{id}/decision");
    // Not before the council has deliberated.
    let r = joint.post(&path, decide.clone()).await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert_eq!(r.body["code"], "proposal_stage");
    to_deliberation(&joint, id).await;

    let events = app.count("civic_proposal_event").await;
    let r = joint.post(&path, decide.clone()).await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert_eq!(r.body["code"], "consent_missing");
    assert!(
        detail(&r.body).contains("还需要东村村民代表会议同意"),
        "{:?}",
        r.body
    );
    assert_eq!(
        app.count("civic_proposal_event").await,
        events,
        "a refusal changes nothing"
    );
    let v = joint.get(&format!("/civic/proposals/{id}")).await;
    assert_eq!(v.body["proposal"]["stage"], "deliberation");
    assert_eq!(v.body["adoption_needs"][0], "还需要东村村民代表会议同意");

    // Only 东村's cadre records 东村's assembly; bad input says what is wrong.
    let consent = |verdict: &str| {
        json!({"village_id": fx.village_a1, "verdict": verdict, "assembly_date": "2026-11-20",
               "note": "应到 35 人，实到 31 人"})
    };
    let cpath = format!("/civic/proposals/{id}/consents");
    let r = v2.post(&cpath, consent("agree")).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let r = joint.post(&cpath, consent("agree")).await;
    assert_eq!(
        r.status, 403,
        "the committee cannot consent for the village: {:?}",
        r.body
    );
    let r = v1
        .post(
            &cpath,
            json!({"village_id": fx.village_a1, "verdict": "maybe", "assembly_date": "2099-01-01"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"verdict")
            && fields.contains(&"assembly_date")
            && fields.contains(&"note")
    );
    let r = v1
        .post(
            &cpath,
            json!({"village_id": fx.village_a2, "verdict": "agree",
        "assembly_date": "2026-11-20", "note": "x"}),
        )
        .await;
    assert_eq!(r.status, 422, "西村 is no funding party: {:?}", r.body);

    // A refusal is recorded and blocks adoption.
    let r = v1.post(&cpath, consent("refuse")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["parties"][0]["verdict"], "refuse");
    let r = joint.post(&path, decide.clone()).await;
    assert_eq!(r.status, 409);
    assert!(
        detail(&r.body).contains("东村村民代表会议不同意"),
        "{:?}",
        r.body
    );

    // A new assembly agrees: now it passes.
    let r = v1.post(&cpath, consent("agree")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["adoption_needs"].as_array().unwrap().len(), 0);
    let r = v1.post(&path, decide.clone()).await;
    assert_eq!(
        r.status, 403,
        "a village cadre does not decide for the joint community"
    );
    let r = joint.post(&path, decide).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["proposal"]["stage"], "decided");
    assert_eq!(r.body["proposal"]["outcome"], "adopted");
    // The whole history is readable in the community, with dates and owners.
    let h = v2.get(&format!("/civic/proposals/{id}")).await;
    assert_eq!(h.status, 200);
    let kinds: Vec<&str> = h.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["stage", "stage", "consent", "consent", "decision"]);
    assert!(h.body["events"].as_array().unwrap().iter().all(|e| e["at"].as_i64().unwrap() > 0
        && !e["actor_name"].as_str().unwrap().is_empty()));
    assert_eq!(h.body["events"][2]["assembly_date"], "2026-11-20");
    // Outside the community: 404.
    assert_eq!(
        app.api("admin_b")
            .await
            .get(&format!("/civic/proposals/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.api("resident_a")
            .await
            .get(&format!("/civic/proposals/{id}"))
            .await
            .status,
        404
    );
    assert!(
        app.count("audit_log WHERE object_kind = 'civic_proposal' AND action = 'proposal_consent'")
            .await
            == 2
    );
}

async fn mixed_needs_every_party_and_the_committee_only_consults(app: TestApp) {
    let fx = &app.fx;
    let joint = app.api("joint_a").await;
    let id = proposal(
        &joint,
        json!({"unit_id": fx.joint_a, "title": "两村联通道路硬化", "body": "政府出 60%，两村集体各出 20%",
               "funding": "mixed", "villages": [fx.village_a1, fx.village_a2]}),
    )
    .await;
    to_deliberation(&joint, id).await;
    let path = format!("/civic/proposals/{id}/decision");
    let decide = json!({"outcome": "adopted", "note": "三方同意"});
    let r = joint.post(&path, decide.clone()).await;
    assert_eq!(r.status, 409);
    let d = detail(&r.body);
    assert!(
        d.contains("党委")
            && d.contains("还需要东村村民代表会议同意")
            && d.contains("还需要西村村民代表会议同意"),
        "{d}"
    );
    // The committee may not reject on its own either.
    let r = joint
        .post(&path, json!({"outcome": "rejected", "note": "不做"}))
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let cpath = format!("/civic/proposals/{id}/consents");
    for (who, village) in [("village_a1", fx.village_a1), ("village_a2", fx.village_a2)] {
        let r = app
            .api(who)
            .await
            .post(
                &cpath,
                json!({"village_id": village, "verdict": "agree",
            "assembly_date": "2026-11-21", "note": "表决通过"}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let r = joint.post(&path, decide.clone()).await;
    assert_eq!(r.status, 409, "the government party still has to consent");
    assert!(!detail(&r.body).contains("东村"), "{:?}", r.body);
    let r = joint
        .post(
            &cpath,
            json!({"verdict": "agree", "assembly_date": "2026-11-22", "note": "党委会议同意出资"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = joint.post(&path, decide).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["proposal"]["outcome"], "adopted");
}

async fn government_proposal_runs_all_stages_with_public_history(app: TestApp) {
    let fx = &app.fx;
    let cadre = app.api("cadre_a").await;
    let resident = app.api("resident_a").await;
    let before = app.count("civic_proposal").await;
    for (body, field) in [
        (
            json!({"unit_id": fx.community_a, "title": "x", "body": "y", "funding": "cheap"}),
            "funding",
        ),
        (
            json!({"unit_id": fx.community_a, "title": "x", "body": "y", "funding": "government",
                "villages": [fx.village_a1]}),
            "villages",
        ),
        (
            json!({"unit_id": fx.community_a, "title": "x", "body": "y", "funding": "collective",
                "villages": [fx.village_a1]}),
            "villages",
        ),
        (
            json!({"unit_id": fx.grid_a, "title": "", "body": "y", "funding": "government"}),
            "unit_id",
        ),
    ] {
        let r = cadre.post("/civic/proposals", body).await;
        assert_eq!(r.status, 422, "{:?}", r.body);
        assert!(
            r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{:?}",
            r.body
        );
    }
    let r = resident
        .post(
            "/civic/proposals",
            json!({"unit_id": fx.community_a, "title": "t",
        "body": "b", "funding": "government"}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.count("civic_proposal").await, before);

    let id = proposal(
        &cadre,
        json!({"unit_id": fx.community_a, "title": "小区增设电动车充电桩",
        "body": "在 3 栋旁增设 20 个充电桩", "funding": "government"}),
    )
    .await;
    let p = |s: &str| format!("/civic/proposals/{id}/{s}");
    assert_eq!(
        resident
            .post(&p("stage"), json!({"to": "deliberation"}))
            .await
            .status,
        403
    );
    let r = cadre.post(&p("stage"), json!({"to": "executed"})).await;
    assert_eq!(r.status, 409, "no skipping stages: {:?}", r.body);
    let r = resident.post(&p("comments"), json!({"body": "赞成"})).await;
    assert_eq!(r.status, 409, "no comments while drafted");
    to_deliberation(&cadre, id).await;
    let r = resident
        .post(&p("comments"), json!({"body": "建议加装雨棚"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = cadre
        .post(
            &p("amendments"),
            json!({"body": "在 3 栋旁增设 20 个带雨棚的充电桩"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(
        resident
            .post(&p("amendments"), json!({"body": "改"}))
            .await
            .status,
        403
    );
    let r = cadre
        .post(
            &p("decision"),
            json!({"outcome": "adopted", "note": "党委会议通过"}),
        )
        .await;
    assert_eq!(
        r.status, 200,
        "government funding: the committee decides: {:?}",
        r.body
    );
    // Links are checked to exist in scope.
    let r = cadre
        .post(&p("links"), json!({"kind": "case", "id": 999_999}))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = cadre
        .post(&p("links"), json!({"kind": "invoice", "id": 1}))
        .await;
    assert_eq!(r.status, 422);
    let cat = category(&cadre, "E0101").await;
    let case = crate::cases::report(
        &cadre,
        json!({"category_id": cat, "description": "充电桩施工",
        "grid_id": fx.grid_a}),
    )
    .await;
    let r = cadre
        .post(&p("links"), json!({"kind": "case", "id": case}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    for to in ["executed", "feedback"] {
        let r = cadre.post(&p("stage"), json!({"to": to})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let r = resident
        .post(&p("comments"), json!({"body": "很好", "rating": 6}))
        .await;
    assert_eq!(r.status, 422);
    let r = resident
        .post(
            &p("comments"),
            json!({"body": "用上了，很方便", "rating": 5}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        cadre
            .post(&p("stage"), json!({"to": "closed"}))
            .await
            .status,
        200
    );
    // The resident reads the whole history: both versions of the text are kept.
    let h = resident.get(&format!("/civic/proposals/{id}")).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.body["proposal"]["stage"], "closed");
    let ev = h.body["events"].as_array().unwrap();
    assert!(ev.iter().any(|e| e["kind"] == "stage"
        && e["version"] == 1
        && e["body"] == "在 3 栋旁增设 20 个充电桩"));
    assert!(
        ev.iter()
            .any(|e| e["kind"] == "amendment" && e["version"] == 2)
    );
    assert!(
        ev.iter()
            .any(|e| e["kind"] == "link" && e["link_id"] == case)
    );
    assert!(
        ev.iter()
            .any(|e| e["kind"] == "feedback" && e["rating"] == 5)
    );
    // Lists stay within the community: not another district, not a village of elsewhere.
    for who in ["admin_b", "village_a1"] {
        let l = app.api(who).await.get("/civic/proposals").await;
        assert_eq!(l.status, 200);
        assert!(
            l.body.as_array().unwrap().iter().all(|x| x["id"] != id),
            "{who} sees it"
        );
    }
    assert!(
        resident
            .get("/civic/proposals")
            .await
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id)
    );
}

async fn forum_records_a_consultation_and_never_decides(app: TestApp) {
    let fx = &app.fx;
    let joint = app.api("joint_a").await;
    let pid = proposal(
        &joint,
        json!({"unit_id": fx.joint_a, "title": "村道路灯", "body": "安装路灯",
        "funding": "collective", "villages": [fx.village_a2]}),
    )
    .await;
    let ok = json!({"unit_id": fx.joint_a, "agenda": "村道路灯由谁出资", "held_on": "2026-11-18",
        "attendance": [{"village_id": fx.village_a1, "people": ["王支书"]},
                       {"village_id": fx.village_a2, "people": ["李主任", "村民代表 张梅"]},
                       {"people": ["服务站 陈站长"]}],
        "minutes": "两村意见一致，提交西村村民代表会议表决",
        "outcomes": [{"text": "提交西村村民代表会议表决", "proposal_id": pid}]});
    let mut bad = ok.clone();
    bad["attendance"][0]["village_id"] = json!(fx.community_a);
    bad["outcomes"][0]["proposal_id"] = json!(999_999);
    bad["held_on"] = json!("上周");
    let before = app.count("civic_forum").await;
    let r = joint.post("/civic/forums", bad).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(
        r.body["errors"].as_array().unwrap().len(),
        3,
        "{:?}",
        r.body
    );
    let mut not_joint = ok.clone();
    not_joint["unit_id"] = json!(fx.community_a);
    assert_eq!(
        app.api("cadre_a")
            .await
            .post("/civic/forums", not_joint)
            .await
            .status,
        422
    );
    assert_eq!(app.count("civic_forum").await, before);
    let r = joint.post("/civic/forums", ok).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["consultative_only"], true);
    assert_eq!(r.body["attendance"][1]["name"], "西村");
    let id = r.body["id"].as_i64().unwrap();
    let v = app
        .api("village_a1")
        .await
        .get(&format!("/civic/forums/{id}"))
        .await;
    assert_eq!(v.status, 200);
    assert_eq!(v.body["outcomes"][0]["proposal_id"], pid);
    // The forum decided nothing: the proposal is still a draft.
    let p = joint.get(&format!("/civic/proposals/{pid}")).await;
    assert_eq!(p.body["proposal"]["stage"], "drafted");
    assert_eq!(
        app.api("admin_b")
            .await
            .get(&format!("/civic/forums/{id}"))
            .await
            .status,
        404
    );
}

async fn anonymous_opinion_leaves_no_trace_and_becomes_a_case(app: TestApp) {
    let fx = &app.fx;
    let resident = app.api("resident_a").await;
    let cadre = app.api("cadre_a").await;
    let platform = app.api("platform").await;
    let before = app.count("civic_opinion").await;
    for body in [
        json!({"kind": "gossip", "body": "x"}),
        json!({"kind": "suggestion", "body": "  "}),
        json!({"kind": "suggestion", "body": "x", "unit_id": fx.community_b}),
    ] {
        assert_eq!(resident.post("/civic/opinions", body).await.status, 422);
    }
    assert_eq!(app.count("civic_opinion").await, before);

    let text = "3 栋楼道灯坏了一个月，晚上很黑";
    let r = resident
        .post(
            "/civic/opinions",
            json!({"kind": "suggestion", "body": text, "anonymous": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let code = r.body["receipt_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 12);
    let named = resident
        .post(
            "/civic/opinions",
            json!({"kind": "praise", "body": "网格员很负责"}),
        )
        .await;
    assert_eq!(named.status, 201);
    let named_id = named.body["id"].as_i64().unwrap();

    // The row keeps no author; the receipt code only as a hash.
    assert_eq!(
        app.count(&format!(
            "civic_opinion WHERE id = {id} AND author_account_id IS NULL \
        AND author_name IS NULL AND anonymous = 1"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!("civic_opinion WHERE receipt_hash = '{code}'"))
            .await,
        0
    );
    // The audit entry is written by nobody.
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE object_kind = 'civic_opinion' AND object_id = {id} \
        AND action = 'opinion_submit' AND actor_account_id IS NULL AND actor_name = '匿名' \
        AND request_id = ''"
        ))
        .await,
        1
    );
    // The ledger names the sender of a named item to its handlers, never of an anonymous one.
    let l = cadre.get("/civic/opinions").await;
    assert_eq!(l.status, 200, "{:?}", l.body);
    let line = l
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap()
        .clone();
    assert!(line["author_name"].is_null());
    assert_eq!(line["status"], "pending");
    let nl = l
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == named_id)
        .unwrap()
        .clone();
    assert_eq!(nl["author_name"], "测试resident_a");
    // Not the resident's own list, not the item by id for them: only the receipt finds it.
    let mine = resident.get("/civic/opinions/mine").await;
    assert!(mine.body.as_array().unwrap().iter().all(|x| x["id"] != id));
    assert_eq!(
        resident.get(&format!("/civic/opinions/{id}")).await.status,
        404
    );
    let f = resident
        .get(&format!("/civic/opinions/receipt/{code}"))
        .await;
    assert_eq!(f.status, 200, "{:?}", f.body);
    assert_eq!(f.body["body"], text);
    assert_eq!(
        resident
            .get("/civic/opinions/receipt/AAAAAAAAAAAA")
            .await
            .status,
        404
    );
    assert_eq!(resident.get("/civic/opinions").await.status, 403);

    // Filters.
    let q = cadre.get("/civic/opinions?kind=praise").await;
    assert!(
        q.body
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["kind"] == "praise")
    );

    // Turned into a case in one step, linked both ways.
    let cpath = format!("/civic/opinions/{id}/convert");
    let r = cadre.post(&cpath, json!({"to": "case"})).await;
    assert_eq!(r.status, 422, "a case needs its category: {:?}", r.body);
    assert_eq!(cadre.post(&cpath, json!({"to": "poem"})).await.status, 422);
    let r = cadre
        .post(
            &format!("/civic/opinions/{named_id}/convert"),
            json!({"to": "case"}),
        )
        .await;
    assert_eq!(r.status, 409, "praise is not converted");
    let cat = category(&cadre, "E0101").await;
    let cases_before = app.count("case_file").await;
    let r = cadre
        .post(&cpath, json!({"to": "case", "category_id": cat}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let case_id = r.body["case_id"].as_i64().unwrap();
    assert_eq!(r.body["status"], "handling");
    assert_eq!(app.count("case_file").await, cases_before + 1);
    let c = cadre.get(&format!("/cases/{case_id}")).await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    assert!(c.body.to_string().contains(text));
    assert!(
        !c.body.to_string().contains("resident_a"),
        "the case does not name the sender"
    );
    let r = cadre
        .post(&cpath, json!({"to": "case", "category_id": cat}))
        .await;
    assert_eq!(r.status, 409);
    assert!(detail(&r.body).contains(&format!("已转为案件 #{case_id}")));
    // Answered; the sender reads the answer by receipt; the time taken is counted.
    let apath = format!("/civic/opinions/{id}/answer");
    assert_eq!(cadre.post(&apath, json!({"answer": ""})).await.status, 422);
    let r = cadre
        .post(&apath, json!({"answer": "已立案，物业三天内修复"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status_label"], "已答复");
    assert!(!r.body["time_taken"].as_str().unwrap().is_empty());
    assert_eq!(
        cadre.post(&apath, json!({"answer": "再答"})).await.status,
        409
    );
    let f = resident
        .get(&format!("/civic/opinions/receipt/{code}"))
        .await;
    assert_eq!(f.body["answer"], "已立案，物业三天内修复");
    assert_eq!(f.body["case_id"], case_id);

    // Nowhere does the sender appear: item, ledger, the audit API, the audit rows.
    for body in [
        platform.get(&format!("/civic/opinions/{id}")).await.body,
        platform.get("/civic/opinions").await.body,
        f.body.clone(),
    ] {
        let s = body.to_string();
        assert!(
            !s.contains("测试resident_a") || !s.contains(text) || body.is_array(),
            "{s}"
        );
    }
    let one = platform.get(&format!("/civic/opinions/{id}")).await.body;
    assert!(one["author_name"].is_null() && !one.to_string().contains("resident_a"));
    let audit = platform.get("/audit?object_kind=civic_opinion").await;
    assert_eq!(audit.status, 200, "{:?}", audit.body);
    for e in audit.body["items"].as_array().unwrap() {
        if e["object_id"] == id {
            assert!(!e.to_string().contains("resident_a"), "{e}");
        }
    }
    assert_eq!(app.count(&format!("audit_log WHERE object_kind = 'civic_opinion' AND object_id = {id} \
        AND (actor_name LIKE '%resident%' OR after_json LIKE '%resident%' OR before_json LIKE '%resident%')")).await, 0);
}

async fn platform_feedback_is_answered_by_platform_admins(app: TestApp) {
    let resident = app.api("resident_a").await;
    let r = resident
        .post(
            "/civic/platform-feedback",
            json!({"kind": "complaint",
        "body": "手机上签到按钮太小"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        app.api("cadre_a")
            .await
            .get("/civic/platform-feedback")
            .await
            .status,
        403
    );
    assert_eq!(
        app.api("cadre_a")
            .await
            .post(
                &format!("/civic/opinions/{id}/answer"),
                json!({"answer": "好"})
            )
            .await
            .status,
        404
    );
    // Not in a community's ledger.
    let l = app.api("cadre_a").await.get("/civic/opinions").await;
    assert!(l.body.as_array().unwrap().iter().all(|x| x["id"] != id));
    let platform = app.api("platform").await;
    let l = platform
        .get("/civic/platform-feedback?status=pending")
        .await;
    assert_eq!(l.status, 200);
    assert!(
        l.body
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id && x["box"] == "platform")
    );
    let r = platform
        .post(
            &format!("/civic/opinions/{id}/handling"),
            json!({"assignee": "产品组"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = platform
        .post(
            &format!("/civic/opinions/{id}/answer"),
            json!({"answer": "下个版本放大"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let mine = resident.get("/civic/opinions/mine").await;
    let line = mine
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(line["answer"], "下个版本放大");
    assert_eq!(line["assignee"], "产品组");
    assert!(line["working_minutes"].as_i64().unwrap() >= 0);
    let r = platform
        .post(
            &format!("/civic/opinions/{id}/convert"),
            json!({"to": "case"}),
        )
        .await;
    assert_eq!(r.status, 409);
}

async fn polls_one_vote_closing_and_chart(app: TestApp) {
    let fx = &app.fx;
    let cadre = app.api("cadre_a").await;
    let resident = app.api("resident_a").await;
    let resident2 = app.api("resident_a2").await;
    for (body, field) in [
        (
            json!({"unit_id": fx.community_a, "question": "q", "options": ["唯一"], "closes_at": "2099-01-01T12:00"}),
            "options",
        ),
        (
            json!({"unit_id": fx.community_a, "question": "q", "options": ["a", "a"], "closes_at": "2099-01-01T12:00"}),
            "options",
        ),
        (
            json!({"unit_id": fx.community_a, "question": "q", "options": ["a", "b"], "closes_at": "2020-01-01T12:00"}),
            "closes_at",
        ),
        (
            json!({"unit_id": fx.community_a, "question": "q", "options": ["a", "b"], "multiple": true,
                "max_choices": 3, "closes_at": "2099-01-01T12:00"}),
            "max_choices",
        ),
    ] {
        let r = cadre.post("/civic/polls", body).await;
        assert_eq!(r.status, 422, "{:?}", r.body);
        assert!(
            r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field)
        );
    }
    assert_eq!(
        resident
            .post(
                "/civic/polls",
                json!({"unit_id": fx.community_a, "question": "q",
        "options": ["a", "b"], "closes_at": "2099-01-01T12:00"})
            )
            .await
            .status,
        403
    );
    let r = cadre
        .post(
            "/civic/polls",
            json!({"unit_id": fx.community_a, "question": "广场舞时间",
        "options": ["18:30", "19:00", "19:30"], "closes_at": "2099-01-01T12:00"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let opts: Vec<i64> = r.body["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert!(r.body["note"].as_str().unwrap().contains("不作为"));
    let vp = format!("/civic/polls/{id}/votes");
    assert_eq!(
        resident
            .post(&vp, json!({"options": [999_999]}))
            .await
            .status,
        422
    );
    assert_eq!(
        resident
            .post(&vp, json!({"options": [opts[0], opts[1]]}))
            .await
            .status,
        422
    );
    assert_eq!(resident.post(&vp, json!({"options": []})).await.status, 422);
    let r = resident.post(&vp, json!({"options": [opts[1]]})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["voted"], true);
    assert!(
        r.body["options"][1]["votes"].is_null(),
        "no results before closing"
    );
    let r = resident.post(&vp, json!({"options": [opts[0]]})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["code"], "already_voted");
    assert_eq!(
        app.count(&format!("civic_poll_ballot WHERE poll_id = {id}"))
            .await,
        1
    );
    let (st, _) = resident
        .get_bytes(&format!("/civic/polls/{id}/chart.svg"))
        .await;
    assert_eq!(st, 409);
    assert_eq!(
        app.api("admin_b")
            .await
            .post(&vp, json!({"options": [opts[0]]}))
            .await
            .status,
        404
    );

    app.exec(&format!(
        "UPDATE civic_poll SET closes_at = 1 WHERE id = {id}"
    ))
    .await;
    let r = resident2.post(&vp, json!({"options": [opts[0]]})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["code"], "poll_closed");
    let p = resident2.get(&format!("/civic/polls/{id}")).await;
    assert_eq!(p.body["closed"], true);
    assert_eq!(p.body["options"][1]["votes"], 1);
    assert_eq!(p.body["ballots"], 1);
    let c = resident.get(&format!("/civic/polls/{id}/chart.svg")).await;
    assert_eq!(c.status, 200);
    assert!(c.content_type.starts_with("image/svg+xml"));
    let svg = c.body.as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("19:00") && svg.contains("1 票（100%）"));

    // Live, multiple choice with a limit.
    let r = cadre
        .post(
            "/civic/polls",
            json!({"unit_id": fx.community_a, "question": "想要哪些活动",
        "options": ["义诊", "理发", "法律咨询"], "multiple": true, "max_choices": 2, "live": true,
        "closes_at": "2099-01-01T12:00"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let o: Vec<i64> = r.body["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    let vp = format!("/civic/polls/{id}/votes");
    assert_eq!(
        resident
            .post(&vp, json!({"options": o.clone()}))
            .await
            .status,
        422
    );
    let r = resident.post(&vp, json!({"options": [o[0], o[2]]})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["options"][0]["votes"], 1, "live results");
    assert_eq!(
        resident
            .get(&format!("/civic/polls/{id}/chart.svg"))
            .await
            .status,
        200
    );
}

async fn openapi_documents_the_civic_api(app: TestApp) {
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/civic/proposals",
        "/api/v1/civic/proposals/{id}/decision",
        "/api/v1/civic/proposals/{id}/consents",
        "/api/v1/civic/forums",
        "/api/v1/civic/opinions",
        "/api/v1/civic/opinions/receipt/{code}",
        "/api/v1/civic/opinions/{id}/convert",
        "/api/v1/civic/platform-feedback",
        "/api/v1/civic/polls/{id}/votes",
        "/api/v1/civic/polls/{id}/chart.svg",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
}

testkit::backend_tests!(
    collective_proposal_is_refused_until_the_village_consents,
    mixed_needs_every_party_and_the_committee_only_consults,
    government_proposal_runs_all_stages_with_public_history,
    forum_records_a_consultation_and_never_decides,
    anonymous_opinion_leaves_no_trace_and_becomes_a_case,
    platform_feedback_is_answered_by_platform_admins,
    polls_one_vote_closing_and_chart,
    openapi_documents_the_civic_api,
);
