//! The data `bench/cases.sh` measures the case board, lists and figures against: a city
//! of its own with 4 districts × 5 streets × 10 communities × 5 grids, a street admin and
//! a community cadre with API tokens, and `cases` cases spread over the last year in the
//! states a working city has (most closed, some open, some overdue, some reworked, some
//! missed by the grid, some rated).
//!
//! The organisation and the accounts go through the services; the cases are written in
//! bulk with multi-row INSERTs (a million through the services would take hours) with
//! the same columns the services write. Their events are not generated: nothing measured
//! reads them.

use anyhow::Context;
use kernel::Db;
use kernel::time::now_ms;
use org::Role;
use org::access::system_access;
use org::units::NewUnit;
use serde::Serialize;

/// What the load script needs.
#[derive(Debug, Serialize)]
pub struct Fixture {
    /// The city's code.
    pub city_code: String,
    /// A district.
    pub district_id: i64,
    /// A street of that district (the street admin's).
    pub street_id: i64,
    /// A community of that street (the cadre's).
    pub community_id: i64,
    /// A grid of that community.
    pub grid_id: i64,
    /// A token of the street admin.
    pub street_token: String,
    /// A token of the community cadre.
    pub cadre_token: String,
    /// A token of the district admin.
    pub district_token: String,
    /// Cases written.
    pub cases: usize,
    /// An id in the middle of the street's cases (for a deep keyset page).
    pub middle_id: i64,
}

const DAY: i64 = 86_400_000;

/// A small deterministic generator (the data must be the same on both backends).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Build the fixture in a fresh city.
pub async fn build(db: &Db, cases: usize) -> anyhow::Result<Fixture> {
    org::auth::use_cheap_password_hashing();
    let tag = (now_ms() / 1000) % 100_000;
    let code = format!("{:06}", 700_000 + tag);
    let (city, root) = org::units::create_city(db, "案件压测市", &code).await?;
    let sys = system_access(city, root.id, "案件压测数据");
    let unit = |parent: i64, kind: &'static str, name: String, code: String| {
        let sys = sys.clone();
        async move {
            org::units::create(
                db,
                &sys,
                NewUnit {
                    parent_id: parent,
                    kind: kind.into(),
                    name,
                    code,
                    ..Default::default()
                },
            )
            .await
            .map(|u| (u.id, u.path))
            .map_err(|e| anyhow::anyhow!("{e:?}"))
        }
    };
    // (grid id, grid path, community id)
    let mut grids: Vec<(i64, String, i64)> = Vec::new();
    let mut firsts = (0, 0, 0, 0);
    for d in 0..4 {
        let (did, _) = unit(
            root.id,
            "district",
            format!("压测{d}区"),
            format!("{code}{d:02}"),
        )
        .await?;
        for s in 0..5 {
            let (sid, _) = unit(
                did,
                "street",
                format!("压测{d}区{s}街道"),
                format!("{code}{d:02}{s:02}"),
            )
            .await?;
            for c in 0..10 {
                let (cid, _) = unit(
                    sid,
                    "community",
                    format!("{s}街道{c}社区"),
                    format!("{code}{d:02}{s:02}{c:03}"),
                )
                .await?;
                for g in 0..5 {
                    let (gid, gpath) = unit(
                        cid,
                        "grid",
                        format!("{c}社区{g}网格"),
                        format!("{code}{d:02}{s:02}{c:03}-{g}"),
                    )
                    .await?;
                    if (d, s, c, g) == (0, 0, 0, 0) {
                        firsts = (did, sid, cid, gid);
                    }
                    grids.push((gid, gpath, cid));
                }
            }
        }
    }
    let (district_id, street_id, community_id, grid_id) = firsts;
    let password = "Bench-Pass-2026";
    let hash = org::auth::hash_password(password).await?;
    let mut tokens = Vec::new();
    let mut handlers = Vec::new();
    for (i, (role, at)) in [
        (Role::Admin, street_id),
        (Role::CommunityCadre, community_id),
        (Role::Admin, district_id),
        (Role::PropertyUnit, community_id),
    ]
    .into_iter()
    .enumerate()
    {
        let person = org::people::create(
            db,
            &sys,
            org::people::PersonInput {
                kind: "staff".into(),
                name: format!("压测干部{i}"),
                phone: Some(format!("165{:04}{i:04}", tag % 10_000)),
                home_community_id: Some(community_id),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("person: {e:?}"))?;
        let login = format!("case{code}x{i}");
        org::accounts::bootstrap_account(db, city, person.id, &login, &hash, &[(role, at, None)])
            .await?;
        let session = org::auth::login(db, &login, password, "127.0.0.1", "api").await?;
        tokens.push(session.token);
        handlers.push(person.id);
    }
    cases::category::ensure_seeded(db, city).await?;
    let cats: Vec<(i64, String)> = cases::category::list(db, city)
        .await?
        .into_iter()
        .filter(|c| c.is_leaf())
        .map(|c| (c.id, c.department))
        .collect();
    let now = now_ms();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    if db.backend() == kernel::db::Backend::Sqlite {
        // A bulk load: a larger page cache for the one writer connection.
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(db.writer())
            .await?;
    }
    let cols = "city_id, source, channel, category_id, urgency, description, address, lon_e7, \
        lat_e7, crs, grid_id, community_id, unit_path, level_unit_id, level, state, \
        reporter_person_id, reporter_name, department, handler_person_id, reported_at, \
        registered_at, dispatched_at, deadline_at, handled_at, closed_at, rework_count, \
        missed_by_grid, satisfaction, created_at, updated_at";
    let ncols = 31;
    let batch = 500;
    let mut written = 0;
    let mut middle_id = 0;
    let sources = [
        "patrol",
        "patrol",
        "patrol",
        "patrol",
        "resident",
        "resident",
        "hotline",
        "inspection",
        "media",
        "petition",
    ];
    while written < cases {
        let n = batch.min(cases - written);
        let mut sql = format!("INSERT INTO case_file ({cols}) VALUES ");
        let mut rows = Vec::with_capacity(n);
        for r in 0..n {
            let marks: Vec<String> = (1..=ncols).map(|c| format!("${}", r * ncols + c)).collect();
            rows.push(format!("({})", marks.join(", ")));
        }
        sql.push_str(&rows.join(", "));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for rows_done in 0..n {
            let (gid, gpath, cid) = &grids[rng.below(grids.len() as u64) as usize];
            let (cat, dept) = &cats[rng.below(cats.len() as u64) as usize];
            let source = sources[rng.below(sources.len() as u64) as usize];
            // Ids follow time, as they do in a working city: the first case a year ago,
            // the last now. Older cases are mostly closed; the last days hold the open ones.
            let age = 365 * DAY - (written + rows_done) as i64 * (365 * DAY) / cases as i64
                + rng.below(60_000) as i64;
            let reported = now - age;
            let roll = rng.below(100);
            let state = match roll {
                0..=4 => "voided",
                5..=6 if age < 3 * DAY => "reported",
                7..=8 if age < 5 * DAY => "registered",
                9..=13 if age < 20 * DAY => "dispatched",
                14..=15 if age < 10 * DAY => "handled",
                _ => "closed",
            };
            let registered =
                (state != "reported" && state != "voided").then_some(reported + 3_600_000);
            let dispatched = matches!(state, "dispatched" | "handled" | "closed")
                .then_some(reported + 7_200_000);
            let deadline = dispatched.map(|d| d + (1 + rng.below(7) as i64) * DAY);
            let handled = matches!(state, "handled" | "closed")
                .then(|| dispatched.unwrap_or(reported) + rng.below(9 * DAY as u64) as i64);
            let closed = (state == "closed").then(|| handled.unwrap_or(reported) + 3_600_000);
            let rework = if state == "closed" && rng.below(100) < 8 {
                1
            } else {
                0
            };
            let missed =
                matches!(source, "hotline" | "inspection" | "media") && rng.below(100) < 30;
            let satisfaction =
                (state == "closed" && rng.below(100) < 60).then(|| match rng.below(10) {
                    0 => "unsatisfied",
                    1..=2 => "basic",
                    _ => "satisfied",
                });
            let reporter = (source == "patrol").then_some(handlers[1]);
            q = q
                .bind(city)
                .bind(source)
                .bind("web")
                .bind(*cat)
                .bind(if rng.below(10) == 0 {
                    "urgent"
                } else {
                    "normal"
                })
                .bind("压测案件")
                .bind("")
                .bind(1_143_000_000 + rng.below(100_000) as i64)
                .bind(306_000_000 + rng.below(100_000) as i64)
                .bind("wgs84")
                .bind(*gid)
                .bind(*cid)
                .bind(gpath.clone())
                .bind(*gid)
                .bind(0_i64)
                .bind(state)
                .bind(reporter)
                .bind("压测上报人")
                .bind(dept.clone())
                .bind(dispatched.map(|_| handlers[3]))
                .bind(reported)
                .bind(registered)
                .bind(dispatched)
                .bind(deadline)
                .bind(handled)
                .bind(closed)
                .bind(rework)
                .bind(i64::from(missed))
                .bind(satisfaction)
                .bind(reported)
                .bind(closed.or(handled).unwrap_or(reported));
        }
        let mut tx = db.begin().await?;
        q.execute(&mut *tx).await.context("inserting cases")?;
        tx.commit().await?;
        written += n;
        if written >= cases / 2 && middle_id == 0 {
            middle_id = sqlx::query_scalar("SELECT MAX(id) FROM case_file WHERE city_id = $1")
                .bind(city)
                .fetch_one(db.reader())
                .await?;
        }
    }
    db.analyze().await?;
    if db.backend() == kernel::db::Backend::Postgres {
        // What autovacuum would have done by now in a working city: the visibility map
        // that index-only scans rely on.
        sqlx::query("VACUUM ANALYZE case_file")
            .execute(db.writer())
            .await?;
    }
    Ok(Fixture {
        city_code: code,
        district_id,
        street_id,
        community_id,
        grid_id,
        street_token: tokens[0].clone(),
        cadre_token: tokens[1].clone(),
        district_token: tokens[2].clone(),
        cases: written,
        middle_id,
    })
}
