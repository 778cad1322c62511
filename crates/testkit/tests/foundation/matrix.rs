//! The access matrix: every endpoint built here × every role × an object inside and one
//! outside the role's scope. Object reads outside scope answer 404; writes 403.

use org::Role;
use org::access::system_access;
use org::people::PersonInput;
use serde_json::{Value, json};
use testkit::{Api, TestApp};

const ROLES: [&str; 9] = [
    "platform",
    "admin_a",
    "cadre_a",
    "grid_a",
    "property_a",
    "employer_a",
    "inspector_a",
    "resident_a",
    "personnel_a",
];

const ALL_200: [u16; 9] = [200; 9];
const ONLY_PLATFORM: fn(u16) -> [u16; 9] = |ok| [ok, 403, 403, 403, 403, 403, 403, 403, 403];
const UNIT_OUT: [u16; 9] = [200, 404, 404, 404, 404, 200, 404, 404, 404];

/// (endpoint, expected inside scope, expected outside scope), roles in `ROLES` order.
fn table() -> Vec<(&'static str, [u16; 9], [u16; 9])> {
    let manage_unit = [200, 200, 200, 403, 403, 403, 403, 403, 403];
    let create_in = [201, 201, 201, 403, 403, 403, 403, 403, 403];
    let employer_read_in = [200, 200, 200, 200, 404, 200, 200, 404, 404];
    let employer_read_out = [200, 200, 200, 200, 404, 404, 200, 404, 404];
    vec![
        ("GET /units", ALL_200, ALL_200),
        ("GET /units/{unit}", ALL_200, UNIT_OUT),
        ("GET /units/{unit}/children", ALL_200, UNIT_OUT),
        ("GET /units/{unit}/tree", ALL_200, UNIT_OUT),
        (
            "GET /units/{community}/people",
            [200, 200, 200, 404, 200, 200, 200, 200, 200],
            UNIT_OUT,
        ),
        ("POST /units", create_in, ONLY_PLATFORM(201)),
        ("PATCH /units/{unit}", manage_unit, ONLY_PLATFORM(200)),
        ("POST /units/{unit}/move", manage_unit, ONLY_PLATFORM(200)),
        (
            "DELETE /units/{fresh}",
            [204, 204, 204, 403, 403, 403, 403, 403, 403],
            ONLY_PLATFORM(204),
        ),
        ("GET /employers", ALL_200, ALL_200),
        (
            "GET /employers/{employer}",
            employer_read_in,
            employer_read_out,
        ),
        (
            "GET /employers/{employer}/people",
            employer_read_in,
            employer_read_out,
        ),
        (
            "PUT /employers/{employer}",
            [200, 200, 403, 403, 403, 403, 403, 403, 403],
            ONLY_PLATFORM(200),
        ),
        ("GET /skills", ALL_200, ALL_200),
        ("POST /skills", ONLY_PLATFORM(201), ONLY_PLATFORM(201)),
        ("GET /people", ALL_200, ALL_200),
        ("POST /people", create_in, ONLY_PLATFORM(201)),
        (
            "GET /people/{person}",
            [200, 200, 200, 404, 404, 200, 200, 404, 200],
            [200, 404, 404, 404, 404, 404, 404, 404, 404],
        ),
        ("PUT /people/{person}", manage_unit, ONLY_PLATFORM(200)),
        (
            "GET /people/{person}/account",
            [200, 200, 200, 404, 404, 404, 404, 404, 200],
            [200, 404, 404, 404, 404, 404, 404, 404, 404],
        ),
        (
            "POST /people/{fresh}/account",
            create_in,
            ONLY_PLATFORM(201),
        ),
        (
            "PATCH /people/{person}/account",
            manage_unit,
            ONLY_PLATFORM(200),
        ),
        (
            "POST /people/{fresh}/roles",
            [201, 201, 403, 403, 403, 403, 403, 403, 403],
            ONLY_PLATFORM(201),
        ),
        (
            "DELETE /people/{fresh}/roles/{grant}",
            [200, 200, 403, 403, 403, 403, 403, 403, 403],
            ONLY_PLATFORM(200),
        ),
        (
            "GET /audit",
            [200, 200, 403, 403, 403, 403, 403, 403, 403],
            [200, 200, 403, 403, 403, 403, 403, 403, 403],
        ),
        (
            "GET /retention",
            [200, 200, 200, 403, 403, 403, 403, 403, 403],
            [200, 200, 200, 403, 403, 403, 403, 403, 403],
        ),
        ("PUT /retention", ONLY_PLATFORM(200), ONLY_PLATFORM(200)),
        ("GET /templates/people", ALL_200, ALL_200),
        (
            "GET /export/people",
            [200, 200, 200, 200, 200, 200, 200, 403, 403],
            [200, 200, 200, 200, 200, 200, 200, 403, 403],
        ),
        // Rows outside the importer's scope are reported row by row (422), not imported.
        (
            "POST /import/people",
            [200, 200, 200, 403, 403, 403, 403, 403, 403],
            [200, 422, 422, 403, 403, 403, 403, 403, 403],
        ),
        ("GET /me", ALL_200, ALL_200),
        ("GET /me/record", ALL_200, ALL_200),
        ("PUT /me/profile", ALL_200, ALL_200),
        ("GET /tokens", ALL_200, ALL_200),
    ]
}

struct Side {
    unit: i64,
    community: i64,
    employer: i64,
    person: i64,
    account_person: i64,
    employer_name: &'static str,
    party_org: &'static str,
    id_card: &'static str,
    phone: &'static str,
}

fn sides(app: &TestApp) -> (Side, Side) {
    let fx = &app.fx;
    (
        Side {
            unit: fx.grid_a,
            community: fx.community_a,
            employer: fx.employer_a,
            person: fx.person_a,
            account_person: fx.person_a,
            employer_name: "甲区民政局",
            party_org: "中共甲区民政局委员会",
            id_card: "11010519491231002X",
            phone: "13900000001",
        },
        Side {
            unit: fx.grid_b,
            community: fx.community_b,
            employer: fx.employer_b,
            person: fx.person_b,
            account_person: fx.accounts["admin_b"],
            employer_name: "乙区司法局",
            party_org: "中共乙区司法局委员会",
            id_card: "110101199003074477",
            phone: "13900000002",
        },
    )
}

async fn fresh_person(app: &TestApp, community: i64, n: u32, with_account: bool) -> i64 {
    let sys = system_access(app.fx.city_id, app.fx.root, "matrix");
    let p = org::people::create(
        &app.db,
        &sys,
        PersonInput {
            kind: "resident".into(),
            name: format!("矩阵{n}"),
            phone: Some(format!("1350{n:07}")),
            home_community_id: Some(community),
            ..Default::default()
        },
    )
    .await
    .expect("fresh person");
    if with_account {
        let hash = org::auth::hash_password("Start12345").await.unwrap();
        org::accounts::bootstrap_account(
            &app.db,
            app.fx.city_id,
            p.id,
            &format!("m{n}"),
            &hash,
            &[],
        )
        .await
        .unwrap();
    }
    p.id
}

async fn exec(app: &TestApp, api: &Api, endpoint: &str, s: &Side, n: u32) -> u16 {
    let res = match endpoint {
        "GET /units" => api.get("/units").await,
        "GET /units/{unit}" => api.get(&format!("/units/{}", s.unit)).await,
        "GET /units/{unit}/children" => api.get(&format!("/units/{}/children", s.unit)).await,
        "GET /units/{unit}/tree" => api.get(&format!("/units/{}/tree", s.unit)).await,
        "GET /units/{community}/people" => api.get(&format!("/units/{}/people", s.community)).await,
        "POST /units" => {
            api.post("/units", json!({"parent_id": s.community, "kind": "grid", "name": "矩阵网格", "code": format!("M-{n}")}))
                .await
        }
        "PATCH /units/{unit}" => api.patch(&format!("/units/{}", s.unit), json!({"name": format!("网格{n}")})).await,
        "POST /units/{unit}/move" => {
            api.post(&format!("/units/{}/move", s.unit), json!({"parent_id": s.community})).await
        }
        "DELETE /units/{fresh}" => {
            let sys = system_access(app.fx.city_id, app.fx.root, "matrix");
            let g = org::units::create(
                &app.db,
                &sys,
                org::units::NewUnit {
                    parent_id: s.community,
                    kind: "grid".into(),
                    name: "待删".into(),
                    code: format!("D-{n}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            api.delete(&format!("/units/{}", g.id)).await
        }
        "GET /employers" => api.get("/employers").await,
        "GET /employers/{employer}" => api.get(&format!("/employers/{}", s.employer)).await,
        "GET /employers/{employer}/people" => api.get(&format!("/employers/{}/people", s.employer)).await,
        "PUT /employers/{employer}" => {
            api.put(
                &format!("/employers/{}", s.employer),
                json!({"name": s.employer_name, "kind": "机关", "party_org": s.party_org}),
            )
            .await
        }
        "GET /skills" => api.get("/skills").await,
        "POST /skills" => api.post("/skills", json!({"name": format!("专长{n}"), "category": "其他"})).await,
        "GET /people" => api.get("/people").await,
        "POST /people" => {
            api.post(
                "/people",
                json!({"kind": "resident", "name": "矩阵居民", "phone": format!("1341{n:07}"), "home_community_id": s.community}),
            )
            .await
        }
        "GET /people/{person}" => api.get(&format!("/people/{}", s.person)).await,
        "PUT /people/{person}" => {
            api.put(
                &format!("/people/{}", s.person),
                json!({"kind": "personnel", "name": "改过", "phone": s.phone, "id_card": s.id_card,
                       "employer_id": s.employer, "party_member": true,
                       "home_community_id": s.community, "employer_registered_on": "2026-03-01",
                       "registered_community_id": s.community, "registration_basis": "home",
                       "community_registered_on": "2026-03-05"}),
            )
            .await
        }
        "GET /people/{person}/account" => api.get(&format!("/people/{}/account", s.account_person)).await,
        "POST /people/{fresh}/account" => {
            let pid = fresh_person(app, s.community, n, false).await;
            api.post(&format!("/people/{pid}/account"), json!({"login": format!("acct{n}"), "password": "Start12345"}))
                .await
        }
        "PATCH /people/{person}/account" => {
            api.patch(&format!("/people/{}/account", s.account_person), json!({"disabled": false})).await
        }
        "POST /people/{fresh}/roles" => {
            let pid = fresh_person(app, s.community, n, true).await;
            api.post(&format!("/people/{pid}/roles"), json!({"role": "personnel", "unit_id": s.community})).await
        }
        "DELETE /people/{fresh}/roles/{grant}" => {
            let pid = fresh_person(app, s.community, n, true).await;
            let sys = system_access(app.fx.city_id, app.fx.root, "matrix");
            let info = org::accounts::grant(
                &app.db,
                &sys,
                pid,
                org::accounts::NewGrant { role: Role::Resident, unit_id: Some(s.community), unit_code: None, employer_id: None },
            )
            .await
            .unwrap();
            api.delete(&format!("/people/{pid}/roles/{}", info.grants[0].id)).await
        }
        "GET /audit" => api.get("/audit").await,
        "GET /retention" => api.get("/retention").await,
        "PUT /retention" => api.put("/retention", json!({"code": "login_attempt", "days": 90})).await,
        "GET /templates/people" => {
            let (status, _) = api.get_bytes("/templates/people").await;
            return status.as_u16();
        }
        "GET /export/people" => {
            let (status, _) = api.get_bytes("/export/people").await;
            return status.as_u16();
        }
        "POST /import/people" => {
            let phone = format!("1331{n:07}");
            let code = if s.community == app.fx.community_a { "990101001" } else { "990201001" };
            let file = testkit::xlsx(
                &["姓名", "手机号", "人员类型", "居住社区编码"],
                &[vec!["导入居民", phone.as_str(), "居民", code]],
            );
            api.upload("/import/people", "people.xlsx", file).await
        }
        "GET /me" => api.get("/me").await,
        "GET /me/record" => api.get("/me/record").await,
        "PUT /me/profile" => api.put("/me/profile", json!({})).await,
        "GET /tokens" => api.get("/tokens").await,
        other => panic!("no such endpoint in the matrix: {other}"),
    };
    let status = res.status.as_u16();
    if status >= 500 {
        panic!("{endpoint}: {status} {:?}", res.body);
    }
    let _: &Value = &res.body;
    status
}

async fn every_endpoint_by_every_role_in_and_out_of_scope(app: TestApp) {
    let (inside, outside) = sides(&app);
    let mut apis = Vec::new();
    for r in ROLES {
        apis.push(app.api(r).await);
    }
    let mut n = 0u32;
    let mut failures = Vec::new();
    for (endpoint, expect_in, expect_out) in table() {
        for (i, role) in ROLES.iter().enumerate() {
            for (side, expected, label) in [
                (&inside, expect_in[i], "inside"),
                (&outside, expect_out[i], "outside"),
            ] {
                n += 1;
                let got = exec(&app, &apis[i], endpoint, side, n).await;
                if got != expected {
                    failures.push(format!(
                        "{endpoint} as {role} ({label}): expected {expected}, got {got}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Nobody without a session gets anything but 401.
    let anon = app.anonymous();
    for path in [
        "/units",
        "/people",
        "/employers",
        "/skills",
        "/me",
        "/audit",
        "/tokens",
    ] {
        assert_eq!(anon.get(path).await.status, 401, "{path}");
    }
}

testkit::backend_tests!(every_endpoint_by_every_role_in_and_out_of_scope);
