//! The beancount export of the ledger: a few transactions through the API (credits, a
//! donation, a reversal), then `bean-check` must accept the file — every transaction
//! balanced and every cached balance equal to its postings — and must refuse a file whose
//! balance assertion is wrong.
//!
//! `bean-check` comes from `pip install beancount`. Without it the test prints a skip
//! note, unless `CIVICGRID_REQUIRE_BEANCHECK=1` (as in CI), where it fails.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use testkit::TestApp;

/// `Some((success, output))` from running `bean-check` on `file`; `None` when it is not
/// installed.
fn bean_check(file: &Path) -> Option<(bool, String)> {
    match Command::new("bean-check").arg(file).output() {
        Ok(out) => Some((
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("running bean-check: {e}"),
    }
}

async fn export_passes_bean_check(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let p = app.fx.person_a;
    let credit = |minutes: i64, memo: &str, key: &str| {
        json!({"person_id": p, "kind": "duty.volunteer", "minutes": minutes,
               "occurred_on": "2026-11-01", "memo": memo, "key": key})
    };
    let c1 = cadre
        .post(
            "/ledger/credits",
            credit(90, "社区志愿服务 \"助老\" \\ 一次", "bc-1"),
        )
        .await;
    assert_eq!(c1.status, 201, "{:?}", c1.body);
    let c2 = cadre
        .post("/ledger/credits", credit(45, "记错了", "bc-2"))
        .await;
    assert_eq!(c2.status, 201, "{:?}", c2.body);
    let d = app
        .api("personnel_a")
        .await
        .post("/ledger/donations", json!({"minutes": 30, "key": "bc-don"}))
        .await;
    assert_eq!(d.status, 201, "{:?}", d.body);
    let wrong = c2.body["id"].as_i64().unwrap();
    let r = app
        .api("admin_a")
        .await
        .post(
            &format!("/ledger/transactions/{wrong}/reversal"),
            json!({"reason": "重复记入", "key": "bc-rev"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    let text = ledger::beancount::export(&app.db, app.fx.city_id)
        .await
        .expect("export");
    let community = app.fx.community_a;
    for want in [
        "commodity PTS",
        "commodity MIN",
        &format!("open Liabilities:Person:P{p}"),
        &format!("open Liabilities:Fund:U{community}"),
        "open Equity:Issuance",
        "key: \"bc-rev\"",
        &format!("reverses: \"{wrong}\""),
        &format!("^ledger-{wrong}"),
        "社区志愿服务 \\\"助老\\\" \\\\ 一次",
        // 90 + 45 − 45 minutes credited, 30 donated: the bank owes the person 60.
        &format!("balance Liabilities:Person:P{p}  -60 MIN"),
        &format!("balance Liabilities:Fund:U{community}  -30 MIN"),
        "balance Equity:Issuance  90 MIN",
        // 1 point per hour of duty.volunteer: 1.50 for the 90 minutes.
        &format!("balance Liabilities:Person:P{p}  -1.50 PTS"),
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }

    // One folder per process and backend: the two backends' tests run at the same time.
    let dir = std::env::temp_dir().join(format!(
        "civicgrid-beancount-{}-{:?}",
        std::process::id(),
        app.backend
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("ledger.beancount");
    std::fs::write(&file, &text).expect("write export");
    let checked = bean_check(&file);
    let Some((ok, output)) = checked else {
        let _ = std::fs::remove_dir_all(&dir);
        if std::env::var("CIVICGRID_REQUIRE_BEANCHECK").as_deref() == Ok("1") {
            panic!(
                "bean-check is not installed (CIVICGRID_REQUIRE_BEANCHECK=1): pip install beancount"
            );
        }
        eprintln!(
            "skipped: bean-check is not installed (pip install beancount; set CIVICGRID_REQUIRE_BEANCHECK=1 to make this a failure)"
        );
        return;
    };
    assert!(
        ok,
        "bean-check refused the export:\n{output}\n--- file:\n{text}"
    );

    // The assertions are really checked: a wrong cached balance is caught.
    let tampered = text.replace(
        &format!("balance Liabilities:Person:P{p}  -60 MIN"),
        &format!("balance Liabilities:Person:P{p}  -61 MIN"),
    );
    let bad = dir.join("tampered.beancount");
    std::fs::write(&bad, tampered).expect("write tampered");
    let (ok, output) = bean_check(&bad).expect("bean-check");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!ok, "bean-check accepted a wrong balance:\n{output}");
    assert!(output.contains("Balance failed"), "{output}");
}

testkit::backend_tests!(export_passes_bean_check);
