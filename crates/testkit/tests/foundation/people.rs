//! People, 双报到, masking, self-service profile, search and paging.

use serde_json::{Value, json};
use testkit::TestApp;

fn personnel(app: &TestApp, name: &str, phone: &str) -> Value {
    json!({
        "kind": "personnel", "name": name, "phone": phone,
        "id_card": "11010519491231002X",
        "employer_id": app.fx.employer_a, "party_member": true,
        "skill_ids": [app.fx.skills[1], app.fx.skills[2]],
        "physical_limits": "不宜登高",
        "availability": [{"day": 6, "start": "09:00", "end": "17:00"}, {"day": 7, "start": "09:00", "end": "12:00"}],
        "home_community_id": app.fx.community_a,
        "employer_registered_on": "2026-04-01",
        "registered_community_id": app.fx.community_a,
        "registration_basis": "assigned",
        "community_registered_on": "2026-04-03"
    })
}

async fn dual_registration_shows_on_both_sides(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    // The fixture already holds a person with this ID number: refused with a field error.
    let r = cadre
        .post("/people", personnel(&app, "王报到", "13811112222"))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "id_card");
    let mut body = personnel(&app, "王报到", "13811112222");
    body["id_card"] = Value::Null;
    let r = cadre.post("/people", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let regs = r.body["registrations"].as_array().unwrap();
    assert_eq!(regs.len(), 2);
    let emp = regs.iter().find(|r| r["side"] == "employer").unwrap();
    assert_eq!(emp["registered_on"], "2026-04-01");
    assert_eq!(emp["target_name"], "甲区民政局");
    let com = regs.iter().find(|r| r["side"] == "community").unwrap();
    assert_eq!(com["registered_on"], "2026-04-03");
    assert_eq!(com["basis"], "assigned");
    assert_eq!(r.body["availability"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["skills"].as_array().unwrap().len(), 2);
    // Each side lists its people.
    let on_community = cadre
        .get(&format!("/units/{}/people", app.fx.community_a))
        .await;
    assert!(
        on_community
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id)
    );
    let employer = app.api("employer_a").await;
    let on_employer = employer
        .get(&format!("/employers/{}/people", app.fx.employer_a))
        .await;
    assert!(
        on_employer
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id)
    );
    // The employer admin sees their person, with party membership but masked phone.
    let seen = employer.get(&format!("/people/{id}")).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["phone"], "138****2222");
    assert_eq!(seen.body["party_member"], true);
}

async fn masking_and_party_membership_follow_roles(app: TestApp) {
    let id = app.fx.person_a;
    let full = app.api("cadre_a").await.get(&format!("/people/{id}")).await;
    assert_eq!(full.body["phone"], "13900000001");
    assert_eq!(full.body["id_card"], "11010519491231002X");
    assert_eq!(full.body["party_member"], true);
    let insp = app
        .api("inspector_a")
        .await
        .get(&format!("/people/{id}"))
        .await;
    assert_eq!(insp.status, 200);
    assert_eq!(insp.body["phone"], "139****0001");
    assert_eq!(insp.body["id_card"], "110105********002X");
    assert!(
        insp.body["party_member"].is_null(),
        "inspectors do not see party membership"
    );
    assert!(insp.body["birth_date"].is_null());
    let list = app.api("inspector_a").await.get("/people").await;
    let row = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["phone"], "139****0001");
    assert!(row["party_member"].is_null());
    // Own record: unmasked.
    let me = app.api("personnel_a").await.get("/me").await;
    assert_eq!(me.body["person"]["phone"], "13900000001");
}

async fn bad_person_input_is_reported_field_by_field(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let mut body = personnel(&app, "", "1234");
    body["id_card"] = json!("110105194912310021");
    body["employer_id"] = json!(999_999);
    body["availability"] = json!([{"day": 6, "start": "18:00", "end": "09:00"}]);
    body["community_registered_on"] = json!("2026-02-30");
    let r = cadre.post("/people", body).await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "name",
        "phone",
        "id_card",
        "employer_id",
        "availability",
        "community_registered_on",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    // Duplicate phone.
    let r = cadre.post("/people", json!({"kind": "resident", "name": "重号", "phone": "13900000001", "home_community_id": app.fx.community_a})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "phone");
    assert_eq!(app.count("person WHERE name = '重号'").await, 0);
}

async fn people_change_their_own_profile_only(app: TestApp) {
    let me = app.api("personnel_a").await;
    let r = me
        .put("/me/profile", json!({"skill_ids": [app.fx.skills[2]], "physical_limits": "腰不好", "availability": [{"day": 7, "start": "14:00", "end": "18:00"}]}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["availability"][0]["day"], 7);
    assert_eq!(r.body["skills"][0]["id"], app.fx.skills[2]);
    let bad = me
        .put(
            "/me/profile",
            json!({"availability": [{"day": 9, "start": "14:00", "end": "18:00"}]}),
        )
        .await;
    assert_eq!(bad.status, 422);
    // They cannot change someone else's record, nor their own whole record.
    let other = me
        .put(
            &format!("/people/{}", app.fx.person_b),
            personnel(&app, "x", "13800000000"),
        )
        .await;
    assert_eq!(other.status, 403);
    let own = me
        .put(
            &format!("/people/{}", app.fx.person_a),
            personnel(&app, "x", "13800000000"),
        )
        .await;
    assert_eq!(own.status, 403);
}

async fn search_and_keyset_paging(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    for i in 0..5 {
        let r = cadre
            .post("/people", json!({"kind": "resident", "name": format!("翻页{i}"), "phone": format!("1360000{:04}", 5100 + i), "home_community_id": app.fx.community_a}))
            .await;
        assert_eq!(r.status, 201);
    }
    let mut seen = Vec::new();
    let mut next: Option<i64> = None;
    loop {
        let path = match next {
            Some(n) => format!("/people?q=翻页&limit=2&after={n}"),
            None => "/people?q=翻页&limit=2".to_owned(),
        };
        let page = cadre.get(&path).await;
        assert_eq!(page.status, 200);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|p| p["name"].as_str().unwrap().to_owned()));
        next = page.body["next"].as_i64();
        if next.is_none() {
            break;
        }
    }
    assert_eq!(
        seen,
        vec!["翻页4", "翻页3", "翻页2", "翻页1", "翻页0"],
        "newest first, each once"
    );
    // Last four digits of the phone.
    let r = cadre.get("/people?q=5103").await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["翻页3"]);
    // A cadre of community A never lists people of community B.
    let all = cadre.get("/people?limit=200").await;
    assert!(
        !all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == app.fx.person_b)
    );
}

testkit::backend_tests!(
    dual_registration_shows_on_both_sides,
    masking_and_party_membership_follow_roles,
    bad_person_input_is_reported_field_by_field,
    people_change_their_own_profile_only,
    search_and_keyset_paging
);
