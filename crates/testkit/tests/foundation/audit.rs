//! The audit log: every write recorded with before/after, browsable by object and by
//! person within scope, append-only in the database; retention.

use serde_json::json;
use testkit::TestApp;

async fn writes_are_audited_and_browsable_in_scope(app: TestApp) {
    let admin = app.api("admin_a").await;
    let r = admin
        .patch(
            &format!("/units/{}", app.fx.grid_a),
            json!({"name": "审计网格"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let log = admin
        .get(&format!(
            "/audit?object_kind=org_unit&object_id={}",
            app.fx.grid_a
        ))
        .await;
    assert_eq!(log.status, 200);
    let e = &log.body["items"][0];
    assert_eq!(e["action"], "update");
    assert!(e["before"].as_str().unwrap().contains("甲一网格"));
    assert!(e["after"].as_str().unwrap().contains("审计网格"));
    assert!(e["actor_name"].as_str().unwrap().contains("admin_a"));
    let actor = e["actor_account_id"].as_i64().unwrap();
    let by_person = admin.get(&format!("/audit?actor_account_id={actor}")).await;
    assert!(
        by_person.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["actor_account_id"] == actor)
    );
    // The admin of district B does not see district A's entries.
    let b = app.api("admin_b").await;
    let other = b
        .get(&format!(
            "/audit?object_kind=org_unit&object_id={}",
            app.fx.grid_a
        ))
        .await;
    assert_eq!(other.body["items"].as_array().unwrap().len(), 0);
    // Every kind of write leaves an entry.
    let before = app.count("audit_log").await;
    admin.post("/people", json!({"kind": "resident", "name": "审计人", "phone": "13600009999", "home_community_id": app.fx.community_a})).await;
    app.api("platform")
        .await
        .post("/skills", json!({"name": "审计", "category": "x"}))
        .await;
    assert!(app.count("audit_log").await >= before + 2);
    // Logging out is a write too.
    let out = app.api("inspector_a").await;
    assert_eq!(out.delete("/auth/token").await.status, 204);
    assert_eq!(app.count("audit_log WHERE action = 'logout'").await, 1);
    // A person's page links to what they did.
    let admin_page = app.browser("platform").await;
    let page = admin_page
        .get(&format!("/people/{}", app.fx.accounts["admin_a"]))
        .await;
    assert!(
        page.html
            .contains(&format!("/admin/audit?actor_account_id={actor}")),
        "link to the person's actions"
    );
    // The page shows the same.
    let page = app
        .browser("admin_a")
        .await
        .get(&format!(
            "/admin/audit?object_kind=org_unit&object_id={}",
            app.fx.grid_a
        ))
        .await;
    assert!(page.html.contains("审计网格"));
}

async fn audit_log_is_append_only(app: TestApp) {
    let upd = sqlx::query("UPDATE audit_log SET action = 'forged'")
        .execute(app.db.writer())
        .await;
    assert!(upd.is_err(), "UPDATE refused");
    let del = sqlx::query("DELETE FROM audit_log")
        .execute(app.db.writer())
        .await;
    assert!(del.is_err(), "DELETE of recent entries refused");
    assert!(app.count("audit_log").await > 0);
}

async fn retention_anonymises_and_prunes(app: TestApp) {
    let now = kernel::time::now_ms();
    // A person who left two years ago, and an audit entry from a year ago.
    let admin = app.api("admin_a").await;
    let p = admin
        .post("/people", json!({"kind": "resident", "name": "已离开", "phone": "13600008888", "home_community_id": app.fx.community_a, "left_on": "2024-01-01"}))
        .await;
    let pid = p.body["id"].as_i64().unwrap();
    sqlx::query(
        "INSERT INTO audit_log (city_id, at, actor_account_id, actor_name, action, object_kind, object_id, scope_path, request_id) \
         VALUES ($1, $2, NULL, 'old', 'update', 'person', 1, '/', '')",
    )
    .bind(app.fx.city_id)
    .bind(now - 400 * 86_400_000_i64)
    .execute(app.db.writer())
    .await
    .unwrap();
    let platform = app.api("platform").await;
    let set = platform
        .put("/retention", json!({"code": "audit_log", "days": 300}))
        .await;
    assert_eq!(set.status, 200);
    let too_short = platform
        .put("/retention", json!({"code": "audit_log", "days": 30}))
        .await;
    assert_eq!(
        too_short.status, 422,
        "audit logs are kept at least 180 days"
    );
    let out = org::retention::run(&app.db, now).await.unwrap();
    assert_eq!(out.people_anonymised, 1);
    assert_eq!(out.audit_deleted, 1);
    let seen = admin.get(&format!("/people/{pid}")).await;
    assert!(seen.body["phone"].is_null());
    assert_eq!(seen.body["anonymised"], true);
    assert_ne!(seen.body["name"], "已离开");
    // The job is claimed once per day, whichever server runs it.
    assert!(
        server::jobs::claim(&app.db, "retention", "2026-11-25")
            .await
            .unwrap()
    );
    assert!(
        !server::jobs::claim(&app.db, "retention", "2026-11-25")
            .await
            .unwrap()
    );
}

testkit::backend_tests!(
    writes_are_audited_and_browsable_in_scope,
    audit_log_is_append_only,
    retention_anonymises_and_prunes
);
