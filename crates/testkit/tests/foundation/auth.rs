//! Login, sessions, tokens, password change, rate limiting, CSRF and security headers.

use serde_json::json;
use testkit::{PASSWORD, TestApp};

async fn passwords_are_argon2id_and_bad_logins_are_limited(app: TestApp) {
    use sqlx::Row;
    let rows = sqlx::query("SELECT password_hash FROM account WHERE login = 'cadre_a'")
        .fetch_all(app.db.reader())
        .await
        .unwrap();
    assert!(rows[0].get::<String, _>(0).starts_with("$argon2id$"));
    let anon = app.anonymous();
    let bad = anon
        .post(
            "/auth/token",
            json!({"login": "cadre_a", "password": "wrong-1"}),
        )
        .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.body["code"], "bad_credentials");
    assert_eq!(bad.content_type, "application/problem+json");
    for _ in 0..4 {
        anon.post(
            "/auth/token",
            json!({"login": "cadre_a", "password": "wrong-1"}),
        )
        .await;
    }
    // Locked now, even with the right password.
    let locked = anon
        .post(
            "/auth/token",
            json!({"login": "cadre_a", "password": PASSWORD}),
        )
        .await;
    assert_eq!(locked.status, 429);
    assert_eq!(locked.body["code"], "rate_limited");
    // Another account is not affected.
    let ok = anon
        .post(
            "/auth/token",
            json!({"login": "admin_a", "password": PASSWORD}),
        )
        .await;
    assert_eq!(ok.status, 201);
    // The page login says the same in words.
    let b = app.guest();
    let page = b.login("cadre_a", PASSWORD).await;
    assert_eq!(page.status, 429);
    assert!(page.html.contains("尝试次数过多"));
}

async fn first_password_must_be_changed(app: TestApp) {
    let admin = app.api("admin_a").await;
    let p = admin
        .post("/people", json!({"kind": "staff", "name": "新网格员", "phone": "13512345678", "home_community_id": app.fx.community_a}))
        .await;
    let pid = p.body["id"].as_i64().unwrap();
    let weak = admin
        .post(
            &format!("/people/{pid}/account"),
            json!({"password": "short"}),
        )
        .await;
    assert_eq!(weak.status, 422);
    let acc = admin
        .post(
            &format!("/people/{pid}/account"),
            json!({"password": "Start12345"}),
        )
        .await;
    assert_eq!(acc.status, 201, "{:?}", acc.body);
    assert_eq!(acc.body["login"], "13512345678");
    assert_eq!(acc.body["must_change_password"], true);
    let tok = app
        .anonymous()
        .post(
            "/auth/token",
            json!({"login": "13512345678", "password": "Start12345"}),
        )
        .await;
    assert_eq!(tok.body["must_change_password"], true);
    let token = tok.body["token"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let me = client
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 403);
    let change = client
        .post(format!("{}/api/v1/me/password", app.base))
        .bearer_auth(&token)
        .json(&json!({"old_password": "Start12345", "new_password": "Better2026x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(change.status(), 204);
    let me = client
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // The old password no longer works.
    let old = app
        .anonymous()
        .post(
            "/auth/token",
            json!({"login": "13512345678", "password": "Start12345"}),
        )
        .await;
    assert_eq!(old.status, 401);
    // The page flow redirects to the password page until it is changed.
    let acc2 = admin
        .post("/people", json!({"kind": "staff", "name": "新干部", "phone": "13512345679", "home_community_id": app.fx.community_a}))
        .await;
    let pid2 = acc2.body["id"].as_i64().unwrap();
    admin
        .post(
            &format!("/people/{pid2}/account"),
            json!({"login": "newcadre", "password": "Start12345"}),
        )
        .await;
    let b = app.guest();
    let login = b.login("newcadre", "Start12345").await;
    assert_eq!(login.location.as_deref(), Some("/account/password"));
    let home = b.get("/").await;
    assert_eq!(home.location.as_deref(), Some("/account/password"));
}

async fn tokens_can_be_listed_and_revoked(app: TestApp) {
    let api = app.api("inspector_a").await;
    let t = api
        .post("/tokens", json!({"name": "对接程序", "days": 30}))
        .await;
    assert_eq!(t.status, 201);
    let secret = t.body["token"].as_str().unwrap().to_owned();
    let id = t.body["info"]["id"].as_i64().unwrap();
    let other = app.api("admin_a").await;
    let list = api.get("/tokens").await;
    assert!(
        list.body
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "对接程序")
    );
    assert!(
        !list.to_string_contains(&secret),
        "secrets are never listed"
    );
    let client = reqwest::Client::new();
    let ok = client
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(api.delete(&format!("/tokens/{id}")).await.status, 204);
    let gone = client
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 401);
    // Someone else's token id is not found.
    assert_eq!(other.delete(&format!("/tokens/{id}")).await.status, 404);
    // Logout ends the token used.
    assert_eq!(other.delete("/auth/token").await.status, 204);
    assert_eq!(other.get("/me").await.status, 401);
}

async fn forms_need_csrf_and_responses_carry_security_headers(app: TestApp) {
    let b = app.browser("admin_a").await;
    let page = b.get("/skills").await;
    for h in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
    ] {
        assert!(page.headers.contains_key(h), "{h} on pages");
    }
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let api = app.api("admin_a").await.get("/me").await;
    assert_eq!(api.status, 200);
    let raw = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert!(raw.headers().contains_key("x-content-type-options"));
    // Without or with a wrong token the form is refused and nothing is written.
    let no = b
        .post(
            &format!("/units/{}/edit", app.fx.grid_a),
            &[("name", "被篡改"), ("code", "990101001-01")],
        )
        .await;
    assert_eq!(no.status, 403);
    let wrong = b
        .post(
            &format!("/units/{}/edit", app.fx.grid_a),
            &[
                ("_csrf", "00"),
                ("name", "被篡改"),
                ("code", "990101001-01"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(app.count("org_unit WHERE name = '被篡改'").await, 0);
    // With it, it goes through.
    let ok = b
        .submit(
            &format!("/units/{}", app.fx.grid_a),
            &format!("/units/{}/edit", app.fx.grid_a),
            &[("name", "改名网格"), ("code", "990101001-01")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    assert_eq!(app.count("org_unit WHERE name = '改名网格'").await, 1);
    // The session cookie alone does not authorise API writes (needs X-CSRF-Token).
    let r = b
        .http
        .post(format!("{}/api/v1/skills", app.base))
        .json(&json!({"name": "x", "category": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The login form itself is protected by the pre-login cookie.
    let g = app.guest();
    let r = g
        .post("/login", &[("login", "admin_a"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, 403);
    // Logout ends the session.
    let out = b.submit("/", "/logout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert!(b.get("/").await.location.unwrap().starts_with("/login"));
}

trait ContainsText {
    fn to_string_contains(&self, s: &str) -> bool;
}

impl ContainsText for testkit::Res {
    fn to_string_contains(&self, s: &str) -> bool {
        self.body.to_string().contains(s)
    }
}

testkit::backend_tests!(
    passwords_are_argon2id_and_bad_logins_are_limited,
    first_password_must_be_changed,
    tokens_can_be_listed_and_revoked,
    forms_need_csrf_and_responses_carry_security_headers
);
