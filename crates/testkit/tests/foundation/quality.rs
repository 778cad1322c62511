//! Bad input never gives a 500: malformed JSON, wrong types, over-long strings, unknown
//! ids, unknown endpoints, huge bodies. Health check.

use serde_json::json;
use testkit::TestApp;

async fn bad_input_gets_clear_4xx(app: TestApp) {
    let api = app.api("platform").await;
    let r = api
        .post_raw("/units", "application/json", b"{\"parent_id\": ".to_vec())
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["code"], "malformed_json");
    assert_eq!(r.content_type, "application/problem+json");
    let r = api
        .post(
            "/units",
            json!({"parent_id": "one", "kind": "grid", "name": "x", "code": "y"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["code"], "invalid_body");
    let r = api
        .post_raw("/units", "text/plain", b"hello".to_vec())
        .await;
    assert_eq!(r.status, 415);
    let long = "长".repeat(65);
    let r = api
        .post(
            "/units",
            json!({"parent_id": app.fx.community_a, "kind": "grid", "name": long, "code": "L-1"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "name");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("64")
    );
    assert_eq!(api.get("/units/987654321").await.status, 404);
    assert_eq!(api.get("/people/987654321").await.status, 404);
    assert_eq!(
        api.patch("/units/987654321", json!({"name": "x"}))
            .await
            .status,
        404
    );
    let r = api.get("/units/abc").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["code"], "invalid_path");
    let r = api.get("/people?after=xyz").await;
    assert_eq!(r.status, 400);
    let r = api.get("/no/such/thing").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["code"], "no_such_endpoint");
    let r = api
        .post(
            "/units",
            json!({"parent_id": 987654321, "kind": "grid", "name": "x", "code": "Q-1"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "parent_id");
    // A body over the limit.
    // The server answers 413 as soon as the limit is passed; a client still sending may see
    // the connection closed instead of reading that answer. Either way nothing is written.
    for (path, ct) in [
        ("/import/people", "multipart/form-data; boundary=x"),
        ("/units", "application/json"),
    ] {
        match api
            .try_post_raw(path, ct, vec![b' '; 11 * 1024 * 1024])
            .await
        {
            Ok(r) => assert_eq!(r.status, 413, "{path}: {:?}", r.body),
            Err(e) => assert!(
                e.is_request() || e.is_body() || e.is_connect(),
                "{path}: {e}"
            ),
        }
    }
    // Just over the limit the answer is usually read; whatever the timing, it is never
    // anything but 413 or a closed connection.
    let mut read = 0;
    for _ in 0..5 {
        match api
            .try_post_raw(
                "/units",
                "application/json",
                vec![b' '; 10 * 1024 * 1024 + 10],
            )
            .await
        {
            Ok(r) => {
                assert_eq!(r.status, 413);
                read += 1;
            }
            Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
        }
    }
    assert!(read > 0, "a 413 was never readable");
    assert_eq!(app.count("org_unit WHERE code IN ('L-1', 'Q-1')").await, 0);
    // Pages: an unknown page and bad form input give pages, not 500s.
    let b = app.browser("platform").await;
    assert_eq!(b.get("/no-such-page").await.status, 404);
    assert_eq!(b.get("/units/999999999").await.status, 404);
    assert_eq!(b.get("/units/abc").await.status, 400);
}

async fn health_follows_the_database(app: TestApp) {
    let r = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    app.db.close().await;
    let r = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(r.status(), 503);
}

async fn openapi_document_lists_the_api(app: TestApp) {
    let doc: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/units",
        "/api/v1/units/{id}",
        "/api/v1/units/{id}/move",
        "/api/v1/people",
        "/api/v1/people/{id}",
        "/api/v1/people/{id}/roles",
        "/api/v1/employers",
        "/api/v1/skills",
        "/api/v1/audit",
        "/api/v1/import/{kind}",
        "/api/v1/export/{kind}",
        "/api/v1/auth/token",
        "/api/v1/me/record",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

testkit::backend_tests!(
    bad_input_gets_clear_4xx,
    health_follows_the_database,
    openapi_document_lists_the_api
);
