//! Both backends: the same tables and columns, tenancy by city_id, data kept across
//! restarts, the SQLite WAL kept small.

use std::collections::BTreeMap;

use sqlx::Row;

type Schema = BTreeMap<String, Vec<String>>;

async fn sqlite_schema(db: &kernel::Db) -> Schema {
    let tables = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'")
        .fetch_all(db.reader())
        .await
        .unwrap();
    let mut out = Schema::new();
    for t in tables {
        let name: String = t.get(0);
        let cols = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{name}') ORDER BY cid"
        )))
        .fetch_all(db.reader())
        .await
        .unwrap();
        out.insert(name, cols.iter().map(|c| c.get::<String, _>(0)).collect());
    }
    out
}

async fn postgres_schema(db: &kernel::Db) -> Schema {
    let rows = sqlx::query(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(db.reader())
    .await
    .unwrap();
    let mut out = Schema::new();
    for r in rows {
        out.entry(r.get::<String, _>(0))
            .or_default()
            .push(r.get::<String, _>(1));
    }
    out
}

/// Every domain table (all but a few deployment-wide ones) carries city_id.
fn assert_tenancy(schema: &Schema) {
    for (table, cols) in schema {
        if ["city", "login_attempt", "job_run"].contains(&table.as_str()) {
            continue;
        }
        assert!(cols.iter().any(|c| c == "city_id"), "{table} lacks city_id");
    }
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let Some(pg) = testkit::TestApp::spawn(testkit::Backend::Postgres).await else {
        eprintln!(
            "skipped: CIVICGRID_TEST_POSTGRES_URL is not set (the SQLite half is checked below)"
        );
        let lite = testkit::TestApp::spawn(testkit::Backend::Sqlite)
            .await
            .unwrap();
        assert_tenancy(&sqlite_schema(&lite.db).await);
        return;
    };
    let lite = testkit::TestApp::spawn(testkit::Backend::Sqlite)
        .await
        .unwrap();
    let (a, b) = (sqlite_schema(&lite.db).await, postgres_schema(&pg.db).await);
    assert_eq!(a, b, "migrations/sqlite and migrations/postgres differ");
    assert_tenancy(&a);
    // PostgreSQL keys domain tables by (city_id, id).
    let pk = sqlx::query(
        "SELECT CAST(string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum)) AS TEXT) \
         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
         WHERE i.indrelid = 'person'::regclass AND i.indisprimary",
    )
    .fetch_all(pg.db.reader())
    .await
    .unwrap();
    assert_eq!(pk[0].get::<String, _>(0), "city_id,id");
}

#[tokio::test]
async fn a_second_start_keeps_the_data() {
    let dir = std::env::temp_dir().join(format!("civicgrid-restart-{:x}", rand::random::<u64>()));
    let url = format!("sqlite://{}/nested/civicgrid.db", dir.display());
    let config = || server::Config {
        database_url: url.clone(),
        bind: "127.0.0.1:0".into(),
        secure_cookies: false,
        run_jobs: false,
        bench_endpoints: false,
        media_dir: None,
    };
    {
        let app = server::Application::build(config())
            .await
            .expect("first start creates the file");
        org::units::create_city(app.db(), "重启市", "880000")
            .await
            .unwrap();
        app.db().close().await;
    }
    assert!(dir.join("nested/civicgrid.db").exists());
    let app = server::Application::build(config())
        .await
        .expect("second start");
    assert!(server::demo::has_data(app.db()).await.unwrap(), "data kept");
    app.db().close().await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_small_under_a_burst_of_writes() {
    let app = testkit::TestApp::spawn(testkit::Backend::Sqlite)
        .await
        .unwrap();
    let api = app.api("platform").await;
    for i in 0..300 {
        let r = api
            .post("/units", serde_json::json!({"parent_id": app.fx.community_a, "kind": "grid", "name": format!("W{i}"), "code": format!("W-{i}")}))
            .await;
        assert_eq!(r.status, 201);
    }
    // Without a checkpoint, under a burst: the journal size limit keeps it bounded.
    let wal_path = app.sqlite_file().unwrap().with_extension("db-wal");
    let wal = std::fs::metadata(&wal_path).map(|m| m.len()).unwrap_or(0);
    assert!(wal < 16 * 1024 * 1024, "WAL grew to {wal} bytes");
    app.db.checkpoint().await.unwrap();
    let wal = std::fs::metadata(&wal_path).map(|m| m.len()).unwrap_or(0);
    assert!(
        wal < 1024 * 1024,
        "checkpoint truncates the WAL ({wal} bytes)"
    );
}
