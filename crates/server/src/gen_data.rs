//! `civicgrid gen-data --scale S`: a synthetic city for the assessment benchmark
//! (`bench/assess.sh`, issue 7 point 9). At scale `city`: 10 districts → 100 streets →
//! 1,000 communities → 5,000 grids, 2,000 employers, 100,000 sent-down personnel with both
//! registrations (双报到), the grids' responsibility chains, and 10,000,000 recorded
//! contributions over the twelve months ending with the benchmark month — ledger credits
//! with their postings written exactly as `ledger::timebank::credit_service` writes them
//! (kind `service.<kind>`, points by the default standard in hundredths, minutes, the legs
//! against the issuance account in the engine's order). For the benchmark month the work
//! behind the patrol, case and meeting credits is there too: patrols, cases (with handler,
//! deadline, closed on time or late, some found by an inspection or the media and marked
//! missed by the grid with its chain), weekly meetings and trainings with their invitees.
//! Smaller scales shrink proportionally (`community`: one community of 50 personnel).
//!
//! The city and its admin account go through the services; everything else is written in
//! bulk — multi-row INSERTs with explicit ids in one transaction, foreign-key checks off
//! for the load (the generator keeps them by construction; the test checks the ledger) —
//! because ten million credits through the engine would take days. Not written: the audit
//! entries of the bulk rows, case events, orders and activities behind the `order.done`
//! and `duty.*` credits (those credits carry no reference). The data are deterministic:
//! the same scale and month give the same rows on both backends.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context;
use kernel::Db;
use kernel::db::Backend;
use org::Role;
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

/// How big a city to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Districts.
    pub districts: usize,
    /// Streets per district.
    pub streets: usize,
    /// Communities per street.
    pub communities: usize,
    /// Grids per community.
    pub grids: usize,
    /// Sent-down personnel in the whole city.
    pub personnel: usize,
    /// Employers (派出单位).
    pub employers: usize,
    /// Recorded contributions (ledger credits) over the twelve months.
    pub contributions: usize,
}

impl Shape {
    /// The named scale: `community`, `street`, `district` or `city`.
    pub fn named(scale: &str) -> Option<Shape> {
        let s = |districts, streets, communities, personnel, employers, contributions| Shape {
            districts,
            streets,
            communities,
            grids: 5,
            personnel,
            employers,
            contributions,
        };
        Some(match scale {
            "community" => s(1, 1, 1, 50, 2, 5_000),
            "street" => s(1, 1, 10, 1_000, 20, 100_000),
            "district" => s(1, 10, 10, 10_000, 200, 1_000_000),
            "city" => s(10, 10, 10, 100_000, 2_000, 10_000_000),
            _ => return None,
        })
    }

    fn community_count(&self) -> usize {
        self.districts * self.streets * self.communities
    }
}

/// What was generated.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The city's id.
    pub city_id: i64,
    /// Its code.
    pub city_code: String,
    /// Its root organisation node (for `?unit=`).
    pub city_unit_id: i64,
    /// The benchmark month `YYYY-MM` (the last of the twelve).
    pub month: String,
    /// The city admin's login.
    pub admin_login: String,
    /// Its password.
    pub admin_password: String,
    /// Rows written, by what they are.
    pub counts: Vec<(String, i64)>,
    /// Seconds the whole generation took.
    pub seconds: f64,
}

/// The password of the generated admin account.
pub const PASSWORD: &str = "Bench-Pass-2026";

/// A small deterministic generator (xorshift; the data must be the same on both backends).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

const DAY: i64 = 86_400_000;
/// The levels of the inspections that find problems (district ones most often).
const LEVELS: [&str; 5] = ["province", "city", "district", "district", "street"];
const HOUR: i64 = 3_600_000;
/// Beijing is UTC+8 all year.
const BEIJING: i64 = 8 * HOUR;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number, as `YYYY-MM-DD`.
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Beijing midnight of a day number, in ms since the epoch.
fn midnight(days: i64) -> i64 {
    days * DAY - BEIJING
}

/// The month before the current one in Beijing, `YYYY-MM`.
pub fn previous_month() -> String {
    let today = kernel::time::today();
    let (y, m) = (i64::from(today.year()), i64::from(today.month()));
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    format!("{y:04}-{m:02}")
}

/// `YYYY-MM` → (year, month).
fn parse_month(s: &str) -> Option<(i64, i64)> {
    let (y, m) = s.split_once('-')?;
    let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
    (s.len() == 7 && (2000..=2100).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

/// A literal of a multi-row INSERT (only values the generator made: numbers and its own
/// strings, quoted).
enum V<'a> {
    I(i64),
    O(Option<i64>),
    S(&'a str),
    N,
}

/// A multi-row INSERT being filled; flushed every `limit` rows.
struct Batch {
    head: String,
    sql: String,
    rows: usize,
    limit: usize,
    total: i64,
}

impl Batch {
    fn new(table: &str, cols: &str) -> Batch {
        let head = format!("INSERT INTO {table} ({cols}) VALUES ");
        Batch {
            sql: head.clone(),
            head,
            rows: 0,
            limit: 2_000,
            total: 0,
        }
    }

    fn push(&mut self, vals: &[V<'_>]) {
        if self.rows > 0 {
            self.sql.push(',');
        }
        self.sql.push('(');
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                self.sql.push(',');
            }
            match v {
                V::I(n) | V::O(Some(n)) => {
                    let _ = write!(self.sql, "{n}");
                }
                V::O(None) | V::N => self.sql.push_str("NULL"),
                V::S(s) => {
                    self.sql.push('\'');
                    self.sql.push_str(&s.replace('\'', "''"));
                    self.sql.push('\'');
                }
            }
        }
        self.sql.push(')');
        self.rows += 1;
        self.total += 1;
    }

    fn full(&self) -> bool {
        self.rows >= self.limit
    }

    async fn flush(&mut self, conn: &mut AnyConnection) -> anyhow::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let sql = std::mem::replace(&mut self.sql, self.head.clone());
        self.rows = 0;
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await
            .with_context(|| self.head.clone())?;
        Ok(())
    }

    async fn add(&mut self, conn: &mut AnyConnection, vals: &[V<'_>]) -> anyhow::Result<()> {
        self.push(vals);
        if self.full() {
            self.flush(conn).await?;
        }
        Ok(())
    }
}

/// The secondary indexes of the ledger's two big tables, as (name, definition): dropped
/// for the load and built again after it — one sort each instead of tens of millions of
/// random inserts. The unique keys and primary keys stay.
async fn ledger_indexes(
    conn: &mut AnyConnection,
    backend: Backend,
) -> anyhow::Result<Vec<(String, String)>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
             AND tbl_name IN ('ledger_txn', 'ledger_posting') AND sql IS NOT NULL \
             AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT CAST(indexname AS TEXT), indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename IN ('ledger_txn', 'ledger_posting') \
             AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY 1"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The next free id of a table (ids are written explicitly).
async fn next_id(conn: &mut AnyConnection, table: &str) -> anyhow::Result<i64> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}"
    )))
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>(0)? + 1)
}

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "华", "平", "刚", "桂英", "建华", "文", "红",
];

fn person_name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN))
}

/// A contribution kind with its default points (the ledger's standard), its weight among
/// the generated credits and the minutes it takes.
struct Kind {
    code: &'static str,
    label: &'static str,
    each: bool,
    points_e2: i64,
    weight: u64,
    /// Whether the benchmark month's credits of this kind come from generated records
    /// (patrols, cases, meetings) rather than from the bulk.
    detailed: bool,
}

const KINDS: [Kind; 11] = [
    kind("duty.volunteer", "参加志愿服务", false, 100, 25, false),
    kind("duty.service", "联系服务群众", false, 100, 15, false),
    kind("duty.policy", "宣传党的政策", false, 100, 10, false),
    kind("duty.deliberation", "参与民主议事", false, 100, 5, false),
    kind("duty.stability", "维护和谐稳定", false, 100, 5, false),
    kind("duty.emergency", "处理突发事件", false, 100, 2, false),
    kind("order.done", "完成群众点单", false, 100, 15, false),
    kind("patrol", "网格巡查", false, 100, 12, true),
    kind("case.confirmed", "上报问题经核实", true, 100, 3, true),
    kind("meeting", "参加会议", true, 50, 5, true),
    kind("training", "参加培训", true, 50, 3, true),
];

const fn kind(
    code: &'static str,
    label: &'static str,
    each: bool,
    points_e2: i64,
    weight: u64,
    detailed: bool,
) -> Kind {
    Kind {
        code,
        label,
        each,
        points_e2,
        weight,
        detailed,
    }
}

/// Points (hundredths) of a credit, as `ledger::rules::points_for` counts them.
fn points_for(k: &Kind, minutes: i64) -> i64 {
    if k.each {
        k.points_e2
    } else {
        k.points_e2 * minutes / 60
    }
}

/// The request hash `credit_service` stores: `engine::input_hash` of its input, the JSON
/// written out directly (ten million `json!` values cost more than the inserts). The
/// generator's memos need no escaping; a test compares it with the engine's.
fn credit_hash(
    person: i64,
    kind: &str,
    minutes: i64,
    on: &str,
    memo: &str,
    r: Option<(&str, i64)>,
) -> String {
    use sha2::{Digest, Sha256};
    let (rk, ri) = match r {
        Some((k, i)) => (format!("\"{k}\""), i.to_string()),
        None => ("null".to_owned(), "null".to_owned()),
    };
    let text = format!(
        "{{\"credit\":[{person},\"{kind}\",{minutes},\"{on}\",\"{memo}\",{rk},{ri},false,null]}}"
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// One person as generated.
struct Person {
    id: i64,
    account: i64,
}

/// One community as generated.
struct Community {
    id: i64,
    path: String,
    street: usize,
    /// (grid id, grid path)
    grids: Vec<(i64, String)>,
    /// Indexes into the people of its sent-down personnel.
    personnel: Vec<usize>,
    /// Its cadre (a person index).
    cadre: usize,
    /// One grid worker per grid (person indexes).
    workers: Vec<usize>,
}

/// Ledger writer: transactions and postings with explicit ids, balances kept as it goes.
struct Ledger {
    city: i64,
    next_txn: i64,
    next_posting: i64,
    issuance: i64,
    txns: Batch,
    postings: Batch,
    /// Balances by account offset from `issuance`: (points, minutes).
    balances: Vec<(i64, i64)>,
}

/// A credit to write.
struct Credit<'a> {
    person: &'a Person,
    kind: &'a Kind,
    minutes: i64,
    day: i64,
    recorded_at: i64,
    key: String,
    memo: String,
    reference: Option<(&'static str, i64)>,
}

impl Ledger {
    async fn credit(&mut self, conn: &mut AnyConnection, c: Credit<'_>) -> anyhow::Result<i64> {
        let id = self.next_txn;
        self.next_txn += 1;
        let on = civil(c.day);
        let points = points_for(c.kind, c.minutes);
        let kind = format!("service.{}", c.kind.code);
        let hash = credit_hash(
            c.person.id,
            c.kind.code,
            c.minutes,
            &on,
            &c.memo,
            c.reference,
        );
        self.txns.push(&[
            V::I(id),
            V::I(self.city),
            V::S(&kind),
            V::S(&c.key),
            V::S(&hash),
            c.reference.map_or(V::N, |r| V::S(r.0)),
            V::O(c.reference.map(|r| r.1)),
            V::S(&c.memo),
            V::N,
            V::I(c.person.id),
            V::S(&on),
            V::N,
            V::S("系统（生成数据）"),
            V::I(c.recorded_at),
        ]);
        // The engine's order: by account id (the issuance account first), points first.
        let mut legs = vec![(self.issuance, "points", -points)];
        if c.minutes > 0 {
            legs.push((self.issuance, "minutes", -c.minutes));
        }
        legs.push((c.person.account, "points", points));
        if c.minutes > 0 {
            legs.push((c.person.account, "minutes", c.minutes));
        }
        for (account, currency, amount) in legs {
            self.postings.push(&[
                V::I(self.next_posting),
                V::I(self.city),
                V::I(id),
                V::I(account),
                V::S(currency),
                V::I(amount),
                V::I(c.recorded_at),
            ]);
            self.next_posting += 1;
            let b = &mut self.balances[(account - self.issuance) as usize];
            if currency == "points" {
                b.0 += amount;
            } else {
                b.1 += amount;
            }
        }
        if self.txns.full() {
            self.txns.flush(conn).await?;
        }
        if self.postings.full() {
            self.postings.flush(conn).await?;
        }
        Ok(id)
    }

    async fn flush(&mut self, conn: &mut AnyConnection) -> anyhow::Result<()> {
        self.txns.flush(conn).await?;
        self.postings.flush(conn).await
    }
}

/// A generated meeting's invitee: (meeting index, person index, attendance).
struct Meeting {
    id: i64,
    community: usize,
    kind: &'static str,
    title: String,
    starts_at: i64,
    ends_at: i64,
    invitees: Vec<(usize, &'static str)>,
}

/// Generate the city at `shape` whose last month is `month` (`YYYY-MM`).
pub async fn generate(db: &Db, shape: Shape, scale: &str, month: &str) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let (year, mon) = parse_month(month).context("--month: expected YYYY-MM")?;
    let month_first = days_from_civil(year, mon, 1);
    let next_first = if mon == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, mon + 1, 1)
    };
    let window_first = if mon == 12 {
        days_from_civil(year, 1, 1)
    } else {
        days_from_civil(year - 1, mon + 1, 1)
    };
    let month_days = next_first - month_first;
    let code = match scale {
        "community" => "900400",
        "street" => "900300",
        "district" => "900200",
        _ => "900100",
    };
    let (city, root) = org::units::create_city(db, &format!("生成数据市（{scale}）"), code)
        .await
        .map_err(|e| anyhow::anyhow!("creating the city {code}: {e:?} (use a fresh database)"))?;
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let backend = db.backend();
    let mut counts: Vec<(String, i64)> = Vec::new();

    // The admin's person and account go through the services (a login that works).
    let sys = org::access::system_access(city, root.id, "生成数据");
    let admin_person = org::people::create(
        db,
        &sys,
        org::people::PersonInput {
            kind: "staff".into(),
            name: "生成数据管理员".into(),
            phone: Some(format!("1990{code}0")),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("admin: {e:?}"))?;
    let admin_login = format!("gen{code}");
    let hash = org::auth::hash_password(PASSWORD).await?;
    org::accounts::bootstrap_account(
        db,
        city,
        admin_person.id,
        &admin_login,
        &hash,
        &[(Role::PlatformAdmin, root.id, None)],
    )
    .await?;
    cases::category::ensure_seeded(db, city).await?;
    let categories: Vec<(i64, String)> = cases::category::list(db, city)
        .await?
        .into_iter()
        .filter(|c| c.is_leaf())
        .map(|c| (c.id, c.department))
        .collect();

    let mut conn = db.writer().acquire().await?;
    match backend {
        Backend::Sqlite => {
            for p in [
                "PRAGMA foreign_keys = OFF",
                "PRAGMA cache_size = -1048576",
                "PRAGMA temp_store = MEMORY",
            ] {
                sqlx::query(p).execute(&mut *conn).await?;
            }
        }
        Backend::Postgres => {
            // Foreign-key triggers off for the load when allowed (a superuser); the rows
            // are consistent by construction.
            if sqlx::query("SET session_replication_role = replica")
                .execute(&mut *conn)
                .await
                .is_err()
            {
                tracing::warn!("gen-data: cannot switch off foreign-key triggers; slower load");
            }
            for set in [
                "SET synchronous_commit = off",
                "SET maintenance_work_mem = '1GB'",
            ] {
                sqlx::query(set).execute(&mut *conn).await?;
            }
        }
    }
    sqlx::query(if backend == Backend::Sqlite {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN"
    })
    .execute(&mut *conn)
    .await?;
    let t0 = midnight(window_first);

    // Organisation.
    let mut next_unit = next_id(&mut conn, "org_unit").await?;
    let mut units = Batch::new(
        "org_unit",
        "id, city_id, parent_id, kind, name, code, path, depth, created_at, updated_at",
    );
    let mut districts: Vec<i64> = Vec::new();
    let mut streets: Vec<(i64, String)> = Vec::new();
    let mut communities: Vec<Community> = Vec::new();
    for d in 0..shape.districts {
        let did = next_unit;
        next_unit += 1;
        let dpath = format!("{}{did}/", root.path);
        units
            .add(
                &mut conn,
                &[
                    V::I(did),
                    V::I(city),
                    V::I(root.id),
                    V::S("district"),
                    V::S(&format!("第{}区", d + 1)),
                    V::S(&format!("{code}{d:02}")),
                    V::S(&dpath),
                    V::I(1),
                    V::I(t0),
                    V::I(t0),
                ],
            )
            .await?;
        districts.push(did);
        for s in 0..shape.streets {
            let sid = next_unit;
            next_unit += 1;
            let spath = format!("{dpath}{sid}/");
            units
                .add(
                    &mut conn,
                    &[
                        V::I(sid),
                        V::I(city),
                        V::I(did),
                        V::S("street"),
                        V::S(&format!("{}区{}街道", d + 1, s + 1)),
                        V::S(&format!("{code}{d:02}{s:02}")),
                        V::S(&spath),
                        V::I(2),
                        V::I(t0),
                        V::I(t0),
                    ],
                )
                .await?;
            let street_index = streets.len();
            streets.push((sid, spath.clone()));
            for c in 0..shape.communities {
                let cid = next_unit;
                next_unit += 1;
                let cpath = format!("{spath}{cid}/");
                units
                    .add(
                        &mut conn,
                        &[
                            V::I(cid),
                            V::I(city),
                            V::I(sid),
                            V::S("community"),
                            V::S(&format!("{}街道{}社区", s + 1, c + 1)),
                            V::S(&format!("{code}{d:02}{s:02}{c:03}")),
                            V::S(&cpath),
                            V::I(3),
                            V::I(t0),
                            V::I(t0),
                        ],
                    )
                    .await?;
                let mut grids = Vec::new();
                for g in 0..shape.grids {
                    let gid = next_unit;
                    next_unit += 1;
                    let gpath = format!("{cpath}{gid}/");
                    units
                        .add(
                            &mut conn,
                            &[
                                V::I(gid),
                                V::I(city),
                                V::I(cid),
                                V::S("grid"),
                                V::S(&format!("{}社区第{}网格", c + 1, g + 1)),
                                V::S(&format!("{code}{d:02}{s:02}{c:03}-{g}")),
                                V::S(&gpath),
                                V::I(4),
                                V::I(t0),
                                V::I(t0),
                            ],
                        )
                        .await?;
                    grids.push((gid, gpath));
                }
                communities.push(Community {
                    id: cid,
                    path: cpath,
                    street: street_index,
                    grids,
                    personnel: Vec::new(),
                    cadre: 0,
                    workers: Vec::new(),
                });
            }
        }
    }
    units.flush(&mut conn).await?;
    counts.push((
        "org units (districts, streets, communities, grids)".into(),
        units.total,
    ));

    // Employers, at the districts.
    let first_employer = next_id(&mut conn, "employer").await?;
    let mut employers = Batch::new(
        "employer",
        "id, city_id, unit_id, name, kind, party_org, created_at, updated_at",
    );
    const EMPLOYER_KINDS: [&str; 4] = ["机关", "事业单位", "国有企业", "学校"];
    for e in 0..shape.employers {
        let name = format!("生成数据第{}派出单位", e + 1);
        employers
            .add(
                &mut conn,
                &[
                    V::I(first_employer + e as i64),
                    V::I(city),
                    V::I(districts[e % districts.len()]),
                    V::S(&name),
                    V::S(EMPLOYER_KINDS[e % EMPLOYER_KINDS.len()]),
                    V::S(&format!("中共{name}委员会")),
                    V::I(t0),
                    V::I(t0),
                ],
            )
            .await?;
    }
    employers.flush(&mut conn).await?;
    counts.push(("employers".into(), employers.total));

    // People: the personnel, then per community a cadre and a grid worker per grid, per
    // street a lead; each with a ledger account.
    let first_person = next_id(&mut conn, "person").await?;
    let first_account = next_id(&mut conn, "ledger_account").await?;
    let issuance = first_account;
    let mut people: Vec<Person> = Vec::new();
    let mut persons = Batch::new(
        "person",
        "id, city_id, kind, name, phone, birth_date, employer_id, party_member, \
         home_community_id, scope_path, created_at, updated_at",
    );
    let mut regs = Batch::new(
        "registration",
        "city_id, person_id, side, employer_id, community_id, basis, registered_on, created_at",
    );
    let ncomm = shape.community_count();
    let registered_on = civil(window_first - 30);
    let person_row = |conn_rows: &mut Batch,
                      rng: &mut Rng,
                      people: &mut Vec<Person>,
                      kind: &str,
                      community: usize,
                      employer: Option<i64>,
                      communities: &[Community]|
     -> usize {
        let idx = people.len();
        let id = first_person + idx as i64;
        let name = person_name(rng);
        let birth =
            civil(days_from_civil(1962 + rng.below(38) as i64, 1, 1) + rng.below(365) as i64);
        conn_rows.push(&[
            V::I(id),
            V::I(city),
            V::S(kind),
            V::S(&name),
            V::S(&format!("13{:09}", 100_000_000 + idx)),
            V::S(&birth),
            V::O(employer),
            V::I(i64::from(kind == "staff" || rng.pct(80))),
            V::I(communities[community].id),
            V::S(&communities[community].path),
            V::I(t0),
            V::I(t0),
        ]);
        people.push(Person {
            id,
            account: issuance + 1 + idx as i64,
        });
        idx
    };
    for i in 0..shape.personnel {
        let community = i * ncomm / shape.personnel;
        let employer = first_employer + rng.below(shape.employers as u64) as i64;
        let idx = person_row(
            &mut persons,
            &mut rng,
            &mut people,
            "personnel",
            community,
            Some(employer),
            &communities,
        );
        let pid = people[idx].id;
        regs.push(&[
            V::I(city),
            V::I(pid),
            V::S("employer"),
            V::I(employer),
            V::N,
            V::N,
            V::S(&registered_on),
            V::I(t0),
        ]);
        regs.push(&[
            V::I(city),
            V::I(pid),
            V::S("community"),
            V::N,
            V::I(communities[community].id),
            V::S(if rng.pct(70) { "home" } else { "assigned" }),
            V::S(&registered_on),
            V::I(t0),
        ]);
        communities[community].personnel.push(idx);
        if persons.full() {
            persons.flush(&mut conn).await?;
        }
        if regs.full() {
            regs.flush(&mut conn).await?;
        }
    }
    let mut street_leads = Vec::new();
    for c in 0..ncomm {
        let cadre = person_row(
            &mut persons,
            &mut rng,
            &mut people,
            "staff",
            c,
            None,
            &communities,
        );
        communities[c].cadre = cadre;
        for _ in 0..shape.grids {
            let w = person_row(
                &mut persons,
                &mut rng,
                &mut people,
                "staff",
                c,
                None,
                &communities,
            );
            communities[c].workers.push(w);
        }
        if c % shape.communities == 0 {
            let lead = person_row(
                &mut persons,
                &mut rng,
                &mut people,
                "staff",
                c,
                None,
                &communities,
            );
            street_leads.push(lead);
        }
        if persons.full() {
            persons.flush(&mut conn).await?;
        }
    }
    persons.flush(&mut conn).await?;
    regs.flush(&mut conn).await?;
    counts.push((
        "people (personnel and staff, besides the admin)".into(),
        persons.total,
    ));
    counts.push((
        "  of them sent-down personnel".into(),
        shape.personnel as i64,
    ));
    counts.push(("registrations (employer and community)".into(), regs.total));

    // The grids' responsibility chains.
    let mut chains = Batch::new(
        "grid_responsible",
        "city_id, unit_id, level, person_id, created_at",
    );
    for c in &communities {
        for (g, (gid, _)) in c.grids.iter().enumerate() {
            chains.push(&[
                V::I(city),
                V::I(*gid),
                V::S("direct"),
                V::I(people[c.workers[g]].id),
                V::I(t0),
            ]);
        }
        chains.push(&[
            V::I(city),
            V::I(c.id),
            V::S("principal"),
            V::I(people[c.cadre].id),
            V::I(t0),
        ]);
        if chains.full() {
            chains.flush(&mut conn).await?;
        }
    }
    for (s, (sid, _)) in streets.iter().enumerate() {
        chains.push(&[
            V::I(city),
            V::I(*sid),
            V::S("lead"),
            V::I(people[street_leads[s]].id),
            V::I(t0),
        ]);
    }
    chains.flush(&mut conn).await?;
    counts.push(("grid responsibles".into(), chains.total));

    // Ledger accounts: the issuance account, then one per person.
    let mut accounts = Batch::new(
        "ledger_account",
        "id, city_id, kind, owner_key, person_id, created_at",
    );
    accounts.push(&[
        V::I(issuance),
        V::I(city),
        V::S("issuance"),
        V::S("issuance"),
        V::N,
        V::I(t0),
    ]);
    for p in &people {
        accounts
            .add(
                &mut conn,
                &[
                    V::I(p.account),
                    V::I(city),
                    V::S("person"),
                    V::S(&format!("person:{}", p.id)),
                    V::I(p.id),
                    V::I(t0),
                ],
            )
            .await?;
    }
    accounts.push(&[
        V::I(issuance + 1 + people.len() as i64),
        V::I(city),
        V::S("person"),
        V::S(&format!("person:{}", admin_person.id)),
        V::I(admin_person.id),
        V::I(t0),
    ]);
    accounts.flush(&mut conn).await?;
    counts.push(("ledger accounts".into(), accounts.total));

    let indexes = ledger_indexes(&mut conn, backend).await?;
    for (name, _) in &indexes {
        sqlx::query(AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut *conn)
            .await?;
    }

    // The benchmark month's records first: their credits count towards the total.
    let first_patrol = next_id(&mut conn, "patrol").await?;
    let first_case = next_id(&mut conn, "case_file").await?;
    let first_meeting = next_id(&mut conn, "duty_meeting").await?;
    // (grid, community, person, started_at, minutes, state)
    let mut patrols: Vec<(usize, usize, usize, i64, i64, &'static str)> = Vec::new();
    for (ci, c) in communities.iter().enumerate() {
        for g in 0..c.grids.len() {
            for _ in 0..20 {
                let person = if rng.pct(50) || c.personnel.is_empty() {
                    c.workers[g]
                } else {
                    *rng.pick(&c.personnel)
                };
                let day = month_first + rng.below(month_days as u64) as i64;
                let start = midnight(day) + 8 * HOUR + rng.below(9 * 60) as i64 * 60_000;
                let minutes = 30 + 15 * rng.below(7) as i64;
                let state = match rng.below(100) {
                    0..=5 => "recorded",
                    6..=9 => "returned",
                    _ => "confirmed",
                };
                patrols.push((g, ci, person, start, minutes, state));
            }
        }
    }
    let mut meetings: Vec<Meeting> = Vec::new();
    for (ci, c) in communities.iter().enumerate() {
        let mut week_day = month_first + (7 - (month_first + 3).rem_euclid(7)) % 7; // a Monday
        let mut n = 0;
        while week_day < next_first {
            n += 1;
            meetings.push(meeting(
                &mut rng,
                first_meeting + meetings.len() as i64,
                ci,
                c,
                "weekly",
                format!("第{n}周例会"),
                midnight(week_day) + 9 * HOUR,
                2,
                15,
            ));
            week_day += 7;
        }
        let training_day = month_first + 14 + rng.below(5) as i64;
        meetings.push(meeting(
            &mut rng,
            first_meeting + meetings.len() as i64,
            ci,
            c,
            "training",
            "下沉党员业务培训".into(),
            midnight(training_day) + 14 * HOUR,
            3,
            25,
        ));
    }
    let cases_per_grid = 4;

    // Who contributes how much: 5 % nothing, the others weighted 1–10.
    let mut slots: Vec<u32> = Vec::new();
    for (i, p) in people.iter().enumerate() {
        if i >= shape.personnel {
            break;
        }
        let _ = p;
        if !rng.pct(5) {
            for _ in 0..(1 + rng.below(10)) {
                slots.push(i as u32);
            }
        }
    }
    if slots.is_empty() {
        slots.push(0);
    }
    let total_weight: u64 = KINDS.iter().map(|k| k.weight).sum();
    let month_weight: u64 = KINDS.iter().filter(|k| !k.detailed).map(|k| k.weight).sum();

    let mut ledger = Ledger {
        city,
        next_txn: next_id(&mut conn, "ledger_txn").await?,
        next_posting: next_id(&mut conn, "ledger_posting").await?,
        issuance,
        txns: Batch::new(
            "ledger_txn",
            "id, city_id, kind, idempotency_key, request_hash, ref_kind, ref_id, memo, \
             reverses_txn_id, person_id, occurred_on, actor_account_id, actor_name, created_at",
        ),
        postings: Batch::new(
            "ledger_posting",
            "id, city_id, txn_id, account_id, currency, amount, created_at",
        ),
        balances: vec![(0, 0); people.len() + 1],
    };
    ledger.txns.limit = 1_000;
    ledger.postings.limit = 4_000;
    // Patrols and their credits.
    let mut patrol_rows = Batch::new(
        "patrol",
        "id, city_id, grid_id, unit_path, person_id, started_at, ended_at, found, state, \
         confirmed_by_person_id, confirmed_at, credit_txn_id, return_reason, recorded_after, \
         created_at, updated_at",
    );
    let patrol_kind = KINDS
        .iter()
        .find(|k| k.code == "patrol")
        .context("patrol")?;
    // Per grid: confirmed patrols (id, person index, started_at) for the cases they found.
    let mut found_by_grid: std::collections::HashMap<i64, Vec<(i64, usize, i64)>> =
        Default::default();
    for (n, &(g, ci, person, start, minutes, state)) in patrols.iter().enumerate() {
        let id = first_patrol + n as i64;
        let c = &communities[ci];
        let (gid, gpath) = &c.grids[g];
        let end = start + minutes * 60_000;
        let confirmed = state == "confirmed";
        let credit = if confirmed {
            let day = (start + BEIJING).div_euclid(DAY);
            Some(
                ledger
                    .credit(
                        &mut conn,
                        Credit {
                            person: &people[person],
                            kind: patrol_kind,
                            minutes,
                            day,
                            recorded_at: end + DAY,
                            key: format!("patrol-{id}"),
                            memo: format!("网格巡查（{} 起）", kernel::time::datetime_cn(start)),
                            reference: Some(("patrol", id)),
                        },
                    )
                    .await?,
            )
        } else {
            None
        };
        let found = if rng.pct(20) {
            "发现占道经营一处，已上报"
        } else {
            ""
        };
        if confirmed && !found.is_empty() {
            found_by_grid
                .entry(*gid)
                .or_default()
                .push((id, person, start));
        }
        patrol_rows
            .add(
                &mut conn,
                &[
                    V::I(id),
                    V::I(city),
                    V::I(*gid),
                    V::S(gpath),
                    V::I(people[person].id),
                    V::I(start),
                    V::I(end),
                    V::S(found),
                    V::S(state),
                    V::O(confirmed.then(|| people[c.cadre].id)),
                    V::O(confirmed.then_some(end + DAY)),
                    V::O(credit),
                    if state == "returned" {
                        V::S("巡查时间与记录不符，请核实后重新提交")
                    } else {
                        V::N
                    },
                    V::I(0),
                    V::I(end),
                    V::I(if confirmed { end + DAY } else { end }),
                ],
            )
            .await?;
    }
    patrol_rows.flush(&mut conn).await?;
    counts.push(("patrols (benchmark month)".into(), patrol_rows.total));

    // Cases of the benchmark month: found on patrol (credited to the patroller), by
    // residents, the hotline, inspections and the media (missed by the grid).
    let case_kind = KINDS
        .iter()
        .find(|k| k.code == "case.confirmed")
        .context("case kind")?;
    let mut case_rows = Batch::new(
        "case_file",
        "id, city_id, source, channel, category_id, urgency, description, address, grid_id, \
         community_id, unit_path, level_unit_id, level, state, reporter_person_id, reporter_name, \
         patrol_id, department, handler_person_id, dispatcher_person_id, verifier_person_id, \
         reported_at, registered_at, dispatched_at, deadline_at, handled_at, closed_at, \
         rework_count, overdue_at, missed_by_grid, missed_chain, satisfaction, credit_txn_id, \
         inspection_level, created_at, updated_at",
    );
    case_rows.limit = 500;
    let mut case_id = first_case;
    let (mut on_time, mut late, mut missed_n) = (0i64, 0i64, 0i64);
    for c in &communities {
        for (g, (gid, gpath)) in c.grids.iter().enumerate() {
            for _ in 0..cases_per_grid {
                let id = case_id;
                case_id += 1;
                let source = match rng.below(100) {
                    0..=49 => "patrol",
                    50..=69 => "resident",
                    70..=81 => "hotline",
                    82..=89 => "inspection",
                    90..=94 => "media",
                    _ => "petition",
                };
                let found = if source == "patrol" {
                    found_by_grid
                        .get(gid)
                        .filter(|v| !v.is_empty())
                        .map(|v| *rng.pick(v))
                } else {
                    None
                };
                let reported = match found {
                    Some((_, _, at)) => at + HOUR,
                    None => {
                        midnight(month_first + rng.below(month_days as u64 - 3) as i64)
                            + 8 * HOUR
                            + rng.below(10 * 60) as i64 * 60_000
                    }
                };
                let (cat, dept) = rng.pick(&categories).clone();
                let state = match rng.below(100) {
                    0..=3 => "voided",
                    4..=11 => "dispatched",
                    12..=15 => "handled",
                    _ => "closed",
                };
                let registered = (state != "voided").then_some(reported + HOUR);
                let dispatched = registered.map(|r| r + HOUR);
                let deadline = dispatched.map(|d| d + (3 + rng.below(5) as i64) * DAY);
                let is_late = rng.pct(15);
                let handled = match (state, deadline, dispatched) {
                    ("handled" | "closed", Some(dl), Some(dp)) => Some(if is_late {
                        dl + (1 + rng.below(48)) as i64 * HOUR
                    } else {
                        dp + rng.below((dl - dp) as u64 - HOUR as u64) as i64
                    }),
                    _ => None,
                };
                let closed = (state == "closed").then(|| handled.unwrap_or(reported) + 2 * HOUR);
                if state == "closed" {
                    if is_late {
                        late += 1;
                    } else {
                        on_time += 1;
                    }
                }
                let overdue = match (handled, deadline) {
                    (Some(h), Some(dl)) if h > dl => Some(dl),
                    _ => None,
                };
                let missed = matches!(source, "hotline" | "inspection" | "media")
                    && state != "voided"
                    && rng.pct(60);
                let chain = missed.then(|| {
                    let st = &streets[c.street];
                    serde_json::json!([
                        {"level": "direct", "level_label": "直接责任人",
                         "person_id": people[c.workers[g]].id, "name": null, "unit_id": gid},
                        {"level": "principal", "level_label": "主要责任人",
                         "person_id": people[c.cadre].id, "name": null, "unit_id": c.id},
                        {"level": "lead", "level_label": "领导责任人",
                         "person_id": people[street_leads[c.street]].id, "name": null,
                         "unit_id": st.0},
                    ])
                    .to_string()
                });
                if missed {
                    missed_n += 1;
                }
                let reporter = found.map(|f| f.1);
                let credit = match (reporter, registered) {
                    (Some(r), Some(at)) => Some(
                        ledger
                            .credit(
                                &mut conn,
                                Credit {
                                    person: &people[r],
                                    kind: case_kind,
                                    minutes: 0,
                                    day: (at + BEIJING).div_euclid(DAY),
                                    recorded_at: at,
                                    key: format!("case-report-{id}"),
                                    memo: format!("上报问题经核实立案（案卷 {id}）"),
                                    reference: Some(("case", id)),
                                },
                            )
                            .await?,
                    ),
                    _ => None,
                };
                let handler = if c.personnel.is_empty() || rng.pct(40) {
                    c.workers[g]
                } else {
                    *rng.pick(&c.personnel)
                };
                let satisfaction =
                    (state == "closed" && rng.pct(60)).then(|| match rng.below(10) {
                        0 => "unsatisfied",
                        1..=2 => "basic",
                        _ => "satisfied",
                    });
                case_rows.push(&[
                    V::I(id),
                    V::I(city),
                    V::S(source),
                    V::S("web"),
                    V::I(cat),
                    V::S(if rng.pct(10) { "urgent" } else { "normal" }),
                    V::S("生成数据案件"),
                    V::S(""),
                    V::I(*gid),
                    V::I(c.id),
                    V::S(gpath),
                    V::I(*gid),
                    V::I(0),
                    V::S(state),
                    V::O(reporter.map(|r| people[r].id)),
                    V::S(match source {
                        "patrol" => "网格巡查",
                        "resident" => "居民",
                        "hotline" => "12345热线",
                        "inspection" => "督查暗访",
                        "media" => "媒体",
                        _ => "信访",
                    }),
                    V::O(found.map(|f| f.0)),
                    V::S(&dept),
                    V::O(dispatched.map(|_| people[handler].id)),
                    V::O(dispatched.map(|_| people[c.cadre].id)),
                    V::O(closed.map(|_| people[c.cadre].id)),
                    V::I(reported),
                    V::O(registered),
                    V::O(dispatched),
                    V::O(deadline),
                    V::O(handled),
                    V::O(closed),
                    V::I(i64::from(state == "closed" && rng.pct(8))),
                    V::O(overdue),
                    V::I(i64::from(missed)),
                    chain.as_deref().map_or(V::N, V::S),
                    satisfaction.map_or(V::N, V::S),
                    V::O(credit),
                    if source == "inspection" {
                        V::S(LEVELS[rng.below(LEVELS.len() as u64) as usize])
                    } else {
                        V::N
                    },
                    V::I(reported),
                    V::I(closed.or(handled).unwrap_or(reported)),
                ]);
                if case_rows.full() {
                    case_rows.flush(&mut conn).await?;
                }
            }
        }
    }
    case_rows.flush(&mut conn).await?;
    counts.push(("cases (benchmark month)".into(), case_rows.total));
    counts.push(("  closed on time".into(), on_time));
    counts.push(("  closed late".into(), late));
    counts.push((
        "  missed by the grid (inspection, media, hotline)".into(),
        missed_n,
    ));

    // Meetings, invitees and their credits.
    let mut meeting_rows = Batch::new(
        "duty_meeting",
        "id, city_id, unit_id, unit_path, kind, title, starts_at, ends_at, place, agenda, state, \
         created_by_person_id, created_at, closed_at",
    );
    let mut invitee_rows = Batch::new(
        "duty_invitee",
        "city_id, meeting_id, person_id, attendance, signed_in_at, credit_txn_id",
    );
    for m in &meetings {
        let c = &communities[m.community];
        let kind = KINDS
            .iter()
            .find(|k| {
                k.code
                    == if m.kind == "training" {
                        "training"
                    } else {
                        "meeting"
                    }
            })
            .context("meeting kind")?;
        let label = if m.kind == "training" {
            "培训"
        } else {
            "周例会"
        };
        let minutes = (m.ends_at - m.starts_at) / 60_000;
        meeting_rows
            .add(
                &mut conn,
                &[
                    V::I(m.id),
                    V::I(city),
                    V::I(c.id),
                    V::S(&c.path),
                    V::S(m.kind),
                    V::S(&m.title),
                    V::I(m.starts_at),
                    V::I(m.ends_at),
                    V::S("社区党群服务中心"),
                    V::S("通报本周工作，安排下周任务"),
                    V::S("closed"),
                    V::I(people[c.cadre].id),
                    V::I(m.starts_at - 7 * DAY),
                    V::I(m.ends_at),
                ],
            )
            .await?;
        for &(p, attendance) in &m.invitees {
            let credit = if attendance == "present" {
                Some(
                    ledger
                        .credit(
                            &mut conn,
                            Credit {
                                person: &people[p],
                                kind,
                                minutes,
                                day: (m.starts_at + BEIJING).div_euclid(DAY),
                                recorded_at: m.ends_at,
                                key: format!("meeting-{}-{}", m.id, people[p].id),
                                memo: format!(
                                    "{label}：{}（{}）",
                                    m.title,
                                    kernel::time::datetime_cn(m.starts_at)
                                ),
                                reference: Some(("duty_meeting", m.id)),
                            },
                        )
                        .await?,
                )
            } else {
                None
            };
            invitee_rows
                .add(
                    &mut conn,
                    &[
                        V::I(city),
                        V::I(m.id),
                        V::I(people[p].id),
                        V::S(attendance),
                        V::O(credit.map(|_| m.starts_at - 5 * 60_000)),
                        V::O(credit),
                    ],
                )
                .await?;
        }
    }
    meeting_rows.flush(&mut conn).await?;
    invitee_rows.flush(&mut conn).await?;
    ledger.flush(&mut conn).await?;
    counts.push(("duty meetings (benchmark month)".into(), meeting_rows.total));
    counts.push(("meeting invitees".into(), invitee_rows.total));

    // The bulk of the twelve months' credits (ids follow time).
    let detail = ledger.txns.total as usize;
    let bulk = shape.contributions.saturating_sub(detail);
    let window_days = next_first - window_first;
    let bulk_started = Instant::now();
    let mut written = 0usize;
    for d in 0..window_days {
        let day = window_first + d;
        let upto = bulk * (d as usize + 1) / window_days as usize;
        let in_month = day >= month_first;
        while written < upto {
            let person = &people[*rng.pick(&slots) as usize];
            let mut roll = rng.below(if in_month { month_weight } else { total_weight });
            let kind = KINDS
                .iter()
                .filter(|k| !(in_month && k.detailed))
                .find(|k| {
                    if roll < k.weight {
                        true
                    } else {
                        roll -= k.weight;
                        false
                    }
                })
                .unwrap_or(&KINDS[0]);
            let minutes = match kind.code {
                "case.confirmed" => 0,
                "meeting" | "training" => 60 + 30 * rng.below(4) as i64,
                _ => 30 + 15 * rng.below(15) as i64,
            };
            ledger
                .credit(
                    &mut conn,
                    Credit {
                        person,
                        kind,
                        minutes,
                        day,
                        recorded_at: midnight(day) + 20 * HOUR + rng.below(3_600) as i64 * 1000,
                        key: format!("gen-{:09}", written),
                        memo: kind.label.to_owned(),
                        reference: None,
                    },
                )
                .await?;
            written += 1;
        }
    }
    ledger.flush(&mut conn).await?;
    tracing::info!(
        "gen-data: {written} bulk credits in {:.1}s",
        bulk_started.elapsed().as_secs_f64()
    );

    // Balances, as the engine keeps them.
    let mut balances = Batch::new("ledger_balance", "city_id, account_id, currency, balance");
    for (i, (points, minutes)) in ledger.balances.iter().enumerate() {
        let account = issuance + i as i64;
        for (currency, amount) in [("points", *points), ("minutes", *minutes)] {
            if amount != 0 {
                balances
                    .add(
                        &mut conn,
                        &[V::I(city), V::I(account), V::S(currency), V::I(amount)],
                    )
                    .await?;
            }
        }
    }
    balances.flush(&mut conn).await?;
    counts.push((
        "ledger transactions (contributions)".into(),
        ledger.txns.total,
    ));
    counts.push((
        "  of them from the benchmark month's records".into(),
        detail as i64,
    ));
    counts.push(("ledger postings".into(), ledger.postings.total));
    counts.push(("ledger balances".into(), balances.total));

    let index_started = Instant::now();
    for (_, definition) in &indexes {
        sqlx::query(AssertSqlSafe(definition.clone()))
            .execute(&mut *conn)
            .await
            .with_context(|| definition.clone())?;
    }
    tracing::info!(
        "gen-data: {} ledger indexes rebuilt in {:.1}s",
        indexes.len(),
        index_started.elapsed().as_secs_f64()
    );
    if backend == Backend::Postgres {
        // Explicit ids: move the identity sequences past them.
        for table in [
            "org_unit",
            "employer",
            "person",
            "registration",
            "grid_responsible",
            "ledger_account",
            "ledger_txn",
            "ledger_posting",
            "patrol",
            "case_file",
            "duty_meeting",
            "duty_invitee",
        ] {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT MAX(id) FROM {table}))"
            )))
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    match backend {
        Backend::Sqlite => {
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut *conn)
                .await?;
        }
        Backend::Postgres => {
            let _ = sqlx::query("SET session_replication_role = origin")
                .execute(&mut *conn)
                .await;
        }
    }
    drop(conn);
    let analyze_started = Instant::now();
    db.analyze().await?;
    if backend == Backend::Sqlite {
        // `PRAGMA optimize` alone may skip tables this connection never queried: a
        // sampled ANALYZE gives the planner statistics for the new rows.
        sqlx::query("PRAGMA analysis_limit = 2000")
            .execute(db.writer())
            .await?;
        sqlx::query("ANALYZE").execute(db.writer()).await?;
        db.checkpoint().await?;
    } else {
        // What autovacuum does soon after a bulk insert: the visibility map that
        // index-only scans rely on (as `bench-cases` does).
        sqlx::query("VACUUM (ANALYZE) ledger_txn, ledger_posting, ledger_account")
            .execute(db.writer())
            .await?;
    }
    tracing::info!(
        "gen-data: analyze in {:.1}s",
        analyze_started.elapsed().as_secs_f64()
    );
    // The assessment schemes the benchmark runs: the Zhengzhou preset for the sent-down
    // personnel (month, quarter, year), the Guancheng one for the staff (grid workers,
    // cadres: deductions for what inspections and the media found in their grids).
    let mut schemes = 0;
    for (preset, kind, periods) in [
        ("zhengzhou", "personnel", vec!["month", "quarter", "year"]),
        ("guancheng", "staff", vec!["month"]),
    ] {
        let (name, _, _) = assessment::scheme::presets::by_code(preset).context("preset")?;
        assessment::schemes::create(
            db,
            &sys,
            assessment::schemes::NewScheme {
                code: format!("gen_{preset}"),
                name: name.into(),
                unit_id: root.id,
                person_kind: Some(kind.into()),
                role: None,
                periods: periods.into_iter().map(str::to_owned).collect(),
                preset: Some(preset.into()),
                rules: None,
                effective_from: civil(window_first),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("scheme {preset}: {e:?}"))?;
        schemes += 1;
    }
    counts.push(("assessment schemes (presets)".into(), schemes));
    Ok(Summary {
        city_id: city,
        city_code: code.into(),
        city_unit_id: root.id,
        month: month.into(),
        admin_login,
        admin_password: PASSWORD.into(),
        counts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[allow(clippy::too_many_arguments)]
fn meeting(
    rng: &mut Rng,
    id: i64,
    ci: usize,
    c: &Community,
    kind: &'static str,
    title: String,
    starts_at: i64,
    hours: i64,
    invite: usize,
) -> Meeting {
    let mut pool: Vec<usize> = c.personnel.clone();
    // A partial shuffle: the first `invite` are the invitees.
    let n = invite.min(pool.len());
    for i in 0..n {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    let invitees = pool[..n]
        .iter()
        .map(|&p| {
            (
                p,
                match rng.below(100) {
                    0..=84 => "present",
                    85..=94 => "excused",
                    _ => "absent",
                },
            )
        })
        .collect();
    Meeting {
        id,
        community: ci,
        kind,
        title,
        starts_at,
        ends_at: starts_at + hours * HOUR,
        invitees,
    }
}

/// Print what was written.
pub fn print(s: &Summary) {
    println!(
        "生成数据完成：城市 {}（id {}，根节点 {}），考核月份 {}",
        s.city_code, s.city_id, s.city_unit_id, s.month
    );
    for (what, n) in &s.counts {
        println!("  {what:<52} {n:>12}");
    }
    println!("  管理员账号 {} / {}", s.admin_login, s.admin_password);
    println!("  用时 {:.1} 秒", s.seconds);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(civil(0), "1970-01-01");
        assert_eq!(
            days_from_civil(2026, 11, 30),
            days_from_civil(2026, 12, 1) - 1
        );
        assert_eq!(civil(days_from_civil(2024, 2, 29)), "2024-02-29");
        assert_eq!(civil(days_from_civil(2026, 12, 31) + 1), "2027-01-01");
        // Beijing midnight of 2026-11-01 is 16:00 UTC the day before.
        assert_eq!(
            kernel::time::date_of_ms(midnight(days_from_civil(2026, 11, 1))).to_string(),
            "2026-11-01"
        );
        assert_eq!(parse_month("2026-11"), Some((2026, 11)));
        assert_eq!(parse_month("2026-13"), None);
    }

    #[test]
    fn the_request_hash_is_the_engines() {
        for (r, memo) in [
            (None, "参加志愿服务"),
            (Some(("patrol", 42)), "网格巡查（2026年11月2日 11:02 起）"),
        ] {
            let engine = ledger::engine::input_hash(&serde_json::json!({
                "credit": [17, "patrol", 45, "2026-11-02", memo, r.map(|x: (&str, i64)| x.0),
                           r.map(|x: (&str, i64)| x.1), false, serde_json::Value::Null]
            }));
            assert_eq!(credit_hash(17, "patrol", 45, "2026-11-02", memo, r), engine);
        }
    }

    #[test]
    fn scales_shrink_proportionally() {
        let city = Shape::named("city").unwrap();
        assert_eq!(city.community_count() * city.grids, 5_000);
        assert_eq!(city.personnel, 100_000);
        assert_eq!(Shape::named("community").unwrap().personnel, 50);
        assert!(Shape::named("town").is_none());
    }
}
