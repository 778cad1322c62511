//! `civicgrid gen-data` (the assessment benchmark's city): at scale `community` the data
//! are consistent — the books balance, every person has an account, the counts it prints
//! are what the tables hold — and the same on every run and backend.

use server::gen_data::{PASSWORD, Shape, generate};
use sqlx::Row;
use testkit::TestApp;

async fn scalar(app: &TestApp, sql: &str, city: i64) -> i64 {
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(city)
        .fetch_all(app.db.reader())
        .await
        .expect(sql);
    rows[0].get::<i64, _>(0)
}

fn count_of(s: &server::gen_data::Summary, what: &str) -> i64 {
    s.counts
        .iter()
        .find(|(w, _)| w.starts_with(what))
        .unwrap_or_else(|| panic!("no count {what}: {:?}", s.counts))
        .1
}

async fn gen_data_community_is_consistent(app: TestApp) {
    let shape = Shape::named("community").unwrap();
    let s = generate(&app.db, shape, "community", "2026-11")
        .await
        .unwrap();
    let city = s.city_id;

    // The books balance, by postings and by the cached balances (the API's own check).
    let login = app
        .http
        .post(format!("{}/api/v1/auth/token", app.base))
        .json(&serde_json::json!({"login": s.admin_login, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 201, "the generated admin logs in");
    let token: serde_json::Value = login.json().await.unwrap();
    let res = app
        .http
        .get(format!("{}/api/v1/ledger/trial-balance", app.base))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let tb: serde_json::Value = res.json().await.unwrap();
    assert_eq!(tb["balanced"], true, "{tb:?}");
    assert_eq!(tb["balances_match"], true);
    assert_eq!(tb["points_total"], 0);
    assert_eq!(tb["minutes_total"], 0);
    let tb = ledger::engine::trial_balance(&app.db, city).await.unwrap();
    assert!(tb.balanced);

    // Every person has an account (the admin included); 50 of them are personnel.
    let people = scalar(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM person WHERE city_id = $1",
        city,
    )
    .await;
    let without = scalar(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM person p WHERE p.city_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM ledger_account a WHERE a.city_id = p.city_id AND a.person_id = p.id)",
        city,
    )
    .await;
    assert_eq!(without, 0);
    assert_eq!(people, count_of(&s, "people") + 1, "the admin besides");
    let personnel = scalar(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM person WHERE city_id = $1 AND kind = 'personnel'",
        city,
    )
    .await;
    assert_eq!(personnel, 50);
    assert_eq!(count_of(&s, "  of them sent-down personnel"), 50);

    // The counts printed are the rows stored.
    for (what, table) in [
        (
            "org units",
            "org_unit WHERE parent_id IS NOT NULL AND city_id = $1",
        ),
        ("employers", "employer WHERE city_id = $1"),
        ("registrations", "registration WHERE city_id = $1"),
        ("grid responsibles", "grid_responsible WHERE city_id = $1"),
        ("ledger accounts", "ledger_account WHERE city_id = $1"),
        ("ledger transactions", "ledger_txn WHERE city_id = $1"),
        ("ledger postings", "ledger_posting WHERE city_id = $1"),
        ("ledger balances", "ledger_balance WHERE city_id = $1"),
        ("patrols", "patrol WHERE city_id = $1"),
        ("cases", "case_file WHERE city_id = $1"),
        ("duty meetings", "duty_meeting WHERE city_id = $1"),
        ("meeting invitees", "duty_invitee WHERE city_id = $1"),
    ] {
        let n = scalar(
            &app,
            &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"),
            city,
        )
        .await;
        assert_eq!(n, count_of(&s, what), "{what}");
    }
    // 1 district, 1 street, 1 community, 5 grids; 5 direct + 1 principal + 1 lead.
    assert_eq!(count_of(&s, "org units"), 8);
    assert_eq!(count_of(&s, "grid responsibles"), 7);
    assert_eq!(count_of(&s, "ledger transactions"), 5_000);
    assert_eq!(count_of(&s, "patrols"), 100, "20 per grid");

    // Credits are written as the engine writes them: two legs per currency, the benchmark
    // month's patrol credits point at confirmed patrols with the same minutes.
    let unbalanced = scalar(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT txn_id, currency FROM ledger_posting \
         WHERE city_id = $1 GROUP BY txn_id, currency HAVING SUM(amount) <> 0) x",
        city,
    )
    .await;
    assert_eq!(unbalanced, 0);
    let bad_patrols = scalar(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM patrol p JOIN ledger_txn t ON t.city_id = p.city_id \
         AND t.id = p.credit_txn_id JOIN ledger_posting q ON q.city_id = t.city_id AND q.txn_id = t.id \
         AND q.currency = 'minutes' AND q.amount > 0 WHERE p.city_id = $1 AND (p.state <> 'confirmed' \
         OR t.ref_kind <> 'patrol' OR t.ref_id <> p.id OR q.amount <> (p.ended_at - p.started_at) / 60000)",
        city,
    )
    .await;
    assert_eq!(bad_patrols, 0);
    let confirmed_without_credit = scalar(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM patrol WHERE city_id = $1 AND state = 'confirmed' \
         AND credit_txn_id IS NULL",
        city,
    )
    .await;
    assert_eq!(confirmed_without_credit, 0);
    let month = scalar(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_txn WHERE city_id = $1 \
         AND occurred_on >= '2026-11-01' AND occurred_on <= '2026-11-30' AND kind = 'service.patrol' \
         AND ref_id IS NULL",
        city,
    )
    .await;
    assert_eq!(month, 0, "the month's patrol credits all come from patrols");
    let span =
        sqlx::query("SELECT MIN(occurred_on), MAX(occurred_on) FROM ledger_txn WHERE city_id = $1")
            .bind(city)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
    assert_eq!(span.get::<String, _>(0), "2025-12-01");
    assert_eq!(span.get::<String, _>(1), "2026-11-30");

    // The city comes with the two preset schemes; assessing its month twice changes
    // nothing the second time.
    assert_eq!(count_of(&s, "assessment schemes"), 2);
    let first = assessment::run::run_period(&app.db, city, "2026-11")
        .await
        .unwrap();
    assert_eq!(first.runs, 2, "{first:?}");
    assert_eq!(
        first.people, 58,
        "50 personnel, 7 staff and the admin: {first:?}"
    );
    let again = assessment::run::run_period(&app.db, city, "2026-11")
        .await
        .unwrap();
    assert_eq!((again.people, again.changed), (58, 0), "{again:?}");

    // The ledger's indexes, dropped for the load, are back.
    let indexes = match app.backend {
        testkit::Backend::Sqlite => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM sqlite_master WHERE type = 'index' AND name IN \
             ('ledger_txn_ref', 'ledger_txn_person', 'ledger_posting_account', 'ledger_posting_txn') \
             AND $1 > 0"
        }
        testkit::Backend::Postgres => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_indexes WHERE indexname IN \
             ('ledger_txn_ref', 'ledger_txn_person', 'ledger_posting_account', 'ledger_posting_txn') \
             AND $1 > 0"
        }
    };
    assert_eq!(scalar(&app, indexes, city).await, 4);

    // Deterministic: the same totals on every run and on both backends.
    let points = scalar(
        &app,
        "SELECT CAST(SUM(p.amount) AS BIGINT) FROM ledger_posting p JOIN ledger_account a \
         ON a.city_id = p.city_id AND a.id = p.account_id WHERE p.city_id = $1 \
         AND a.kind = 'person' AND p.currency = 'points'",
        city,
    )
    .await;
    let minutes = scalar(
        &app,
        "SELECT CAST(SUM(p.amount) AS BIGINT) FROM ledger_posting p JOIN ledger_account a \
         ON a.city_id = p.city_id AND a.id = p.account_id WHERE p.city_id = $1 \
         AND a.kind = 'person' AND p.currency = 'minutes'",
        city,
    )
    .await;
    assert_eq!((points, minutes), (POINTS, MINUTES));
}

/// The totals of the community scale for 2026-11 (hundredths of points, minutes).
const POINTS: i64 = 1_001_875;
const MINUTES: i64 = 627_615;

testkit::backend_tests!(gen_data_community_is_consistent);
