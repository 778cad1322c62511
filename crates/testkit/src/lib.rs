//! `TestApp`: the whole application (`server::Application::build`) on port 0 against a
//! fresh SQLite file or a fresh PostgreSQL database, with a small fixture city, and HTTP
//! clients for the API (bearer tokens) and for pages (cookies). Each test gets its own
//! database, dropped when the `TestApp` is dropped.

use std::collections::HashMap;
use std::path::PathBuf;

use kernel::Db;
use org::Role;
use org::access::system_access;
use org::employers::EmployerInput;
use org::people::PersonInput;
use org::skills::SkillInput;
use org::units::NewUnit;
use reqwest::StatusCode;
use serde_json::Value;

/// The password of every fixture account.
pub const PASSWORD: &str = "Passw0rd2026";

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A temporary database on `CIVICGRID_TEST_POSTGRES_URL`.
    Postgres,
}

/// Generate one `#[tokio::test]` per backend for each listed `async fn name(app: TestApp)`
/// of the calling module: `sqlite::name` always, `postgres::name` when
/// `CIVICGRID_TEST_POSTGRES_URL` is set (it reports itself skipped otherwise).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::TestApp::spawn($crate::Backend::Sqlite).await.expect("sqlite app");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match $crate::TestApp::spawn($crate::Backend::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!("skipped: CIVICGRID_TEST_POSTGRES_URL is not set"),
                    }
                }
            )*
        }
    };
}

/// Ids of the fixture city: two districts (A, B), each with a street, a community and a
/// grid; an employer in each; people; and an account for every role in district A, plus an
/// admin of district B.
#[derive(Debug, Clone, Default)]
pub struct Fixture {
    /// The city's id (tenant).
    pub city_id: i64,
    /// The root node.
    pub root: i64,
    /// District A.
    pub district_a: i64,
    /// Street A.
    pub street_a: i64,
    /// Community A.
    pub community_a: i64,
    /// Grid A.
    pub grid_a: i64,
    /// District B.
    pub district_b: i64,
    /// Street B.
    pub street_b: i64,
    /// Community B.
    pub community_b: i64,
    /// Grid B.
    pub grid_b: i64,
    /// Employer registered in district A.
    pub employer_a: i64,
    /// Employer registered in district B.
    pub employer_b: i64,
    /// A personnel of employer A registered with community A.
    pub person_a: i64,
    /// A personnel of employer B registered with community B.
    pub person_b: i64,
    /// A second personnel of employer A registered with community A (login `personnel_a2`),
    /// for swaps and rosters of more than one.
    pub person_a2: i64,
    /// 甲联村社区: a joint community under street A grouping two villages (the Ningbo model).
    pub joint_a: i64,
    /// 东村, under the joint community.
    pub village_a1: i64,
    /// 西村, under the joint community.
    pub village_a2: i64,
    /// Skill ids.
    pub skills: Vec<i64>,
    /// Login name → person id of the fixture accounts.
    pub accounts: HashMap<&'static str, i64>,
}

/// A running application with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The database (for assertions on what was stored).
    pub db: Db,
    /// Which backend.
    pub backend: Backend,
    /// The fixture city.
    pub fx: Fixture,
    /// A plain client (no cookies).
    pub http: reqwest::Client,
    cleanup: Cleanup,
    server: tokio::task::JoinHandle<()>,
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

fn random_suffix() -> String {
    format!("{:016x}", rand::random::<u64>())
}

fn pg_url_with_db(admin_url: &str, db: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut url = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

impl TestApp {
    /// Start the app on `backend` with the fixture city; `None` for PostgreSQL when
    /// `CIVICGRID_TEST_POSTGRES_URL` is not set.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        org::auth::use_cheap_password_hashing();
        if std::env::var_os("CIVICGRID_TEST_LOG").is_some() {
            // Server-side errors (500s) are logged, not sent: show them when asked.
            let _ = tracing_subscriber::fmt()
                .with_env_filter("warn")
                .with_test_writer()
                .try_init();
        }
        sqlx::any::install_default_drivers();
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("civicgrid-test-{}", random_suffix()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                (
                    format!("sqlite://{}/test.db", dir.display()),
                    Cleanup::Dir(dir),
                )
            }
            Backend::Postgres => {
                let admin_url = std::env::var("CIVICGRID_TEST_POSTGRES_URL").ok()?;
                let name = format!("cg_test_{}", random_suffix());
                let admin = sqlx::AnyPool::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&admin)
                    .await
                    .expect("create test database");
                admin.close().await;
                (
                    pg_url_with_db(&admin_url, &name),
                    Cleanup::Postgres { admin_url, name },
                )
            }
        };
        let app = server::Application::build(server::Config {
            database_url: url,
            bind: "127.0.0.1:0".into(),
            secure_cookies: false,
            run_jobs: false,
            bench_endpoints: false,
            media_dir: None,
        })
        .await
        .expect("build app");
        let port = app.port();
        let db = app.db().clone();
        let fx = fixture(&db).await;
        let server = tokio::spawn(async move {
            app.run_until_stopped().await.ok();
        });
        Some(TestApp {
            base: format!("http://127.0.0.1:{port}"),
            db,
            backend,
            fx,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cleanup,
            server,
        })
    }

    /// Log in through the API; the bearer token.
    pub async fn token(&self, login: &str) -> String {
        let res = self
            .http
            .post(format!("{}/api/v1/auth/token", self.base))
            .json(&serde_json::json!({"login": login, "password": PASSWORD}))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), StatusCode::CREATED, "login {login}");
        let v: Value = res.json().await.expect("token json");
        v["token"].as_str().expect("token").to_owned()
    }

    /// An API client acting as `login`.
    pub async fn api(&self, login: &str) -> Api {
        Api {
            base: self.base.clone(),
            token: Some(self.token(login).await),
            http: self.http.clone(),
        }
    }

    /// An API client with no credentials.
    pub fn anonymous(&self) -> Api {
        Api {
            base: self.base.clone(),
            token: None,
            http: self.http.clone(),
        }
    }

    /// A browser-like client (cookies, no redirects followed) logged in as `login`.
    pub async fn browser(&self, login: &str) -> Browser {
        let b = Browser::new(&self.base);
        let res = b.login(login, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "page login {login}");
        b
    }

    /// A browser-like client that has not logged in.
    pub fn guest(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// The SQLite database file, when the backend is SQLite.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.cleanup {
            Cleanup::Dir(dir) => Some(dir.join("test.db")),
            Cleanup::Postgres { .. } => None,
        }
    }

    /// Run one SQL statement against the app's database (test set-up only: moving a
    /// recorded time into the past stands in for waiting). Returns the rows changed.
    pub async fn exec(&self, sql: &str) -> u64 {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(self.db.writer())
            .await
            .expect("exec")
            .rows_affected()
    }

    /// Count rows of a table matching a `WHERE` clause (test assertions only).
    pub async fn count(&self, table_and_where: &str) -> i64 {
        use sqlx::Row;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM {table_and_where}"
        )))
        .fetch_all(self.db.reader())
        .await
        .expect("count");
        rows[0].get::<i64, _>(0)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop the database from a thread of its own: Drop cannot await. The app's
                // pool is not closed here (its connections live on the test's runtime,
                // which this thread blocks); `WITH (FORCE)` ends them.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async move {
                        if let Ok(admin) = sqlx::AnyPool::connect(&admin_url).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&admin)
                            .await;
                            admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A JSON API client.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

/// A response: status and body (JSON when it parses, else the text as a JSON string).
#[derive(Debug)]
pub struct Res {
    /// HTTP status.
    pub status: StatusCode,
    /// Body.
    pub body: Value,
    /// Content type.
    pub content_type: String,
}

impl Res {
    async fn from(res: reqwest::Response) -> Res {
        let status = res.status();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = res.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Res {
            status,
            body,
            content_type,
        }
    }
}

impl Api {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }
    /// GET
    pub async fn get(&self, path: &str) -> Res {
        Res::from(
            self.req(reqwest::Method::GET, path)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
    /// POST JSON
    pub async fn post(&self, path: &str, body: Value) -> Res {
        Res::from(
            self.req(reqwest::Method::POST, path)
                .json(&body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
    /// PUT JSON
    pub async fn put(&self, path: &str, body: Value) -> Res {
        Res::from(
            self.req(reqwest::Method::PUT, path)
                .json(&body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
    /// PATCH JSON
    pub async fn patch(&self, path: &str, body: Value) -> Res {
        Res::from(
            self.req(reqwest::Method::PATCH, path)
                .json(&body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
    /// DELETE
    pub async fn delete(&self, path: &str) -> Res {
        Res::from(
            self.req(reqwest::Method::DELETE, path)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
    /// POST raw bytes with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Res {
        Res::from(
            self.req(reqwest::Method::POST, path)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
    /// POST a multipart upload with one `file` field.
    pub async fn upload(&self, path: &str, filename: &str, bytes: Vec<u8>) -> Res {
        self.upload_field(path, "file", filename, bytes).await
    }
    /// POST a multipart upload with one file in the field `field`.
    pub async fn upload_field(
        &self,
        path: &str,
        field: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Res {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
        let form = reqwest::multipart::Form::new().part(field.to_owned(), part);
        Res::from(
            self.req(reqwest::Method::POST, path)
                .multipart(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
    /// POST raw bytes, returning the transport error instead of panicking (for bodies the
    /// server may refuse before it has read them: the client can see a reset then).
    pub async fn try_post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Res, reqwest::Error> {
        let res = self
            .req(reqwest::Method::POST, path)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await?;
        Ok(Res::from(res).await)
    }

    /// GET raw bytes.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let res = self
            .req(reqwest::Method::GET, path)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, res.bytes().await.unwrap_or_default().to_vec())
    }
}

/// A cookie-keeping client for pages.
pub struct Browser {
    base: String,
    /// The client (cookies kept, redirects not followed).
    pub http: reqwest::Client,
}

/// A page response.
#[derive(Debug)]
pub struct Page {
    /// Status.
    pub status: StatusCode,
    /// `Location` of a redirect.
    pub location: Option<String>,
    /// Body text.
    pub html: String,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    async fn from(res: reqwest::Response) -> Page {
        let status = res.status();
        let headers = res.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Page {
            status,
            location,
            html: res.text().await.unwrap_or_default(),
            headers,
        }
    }

    /// The value of the first `name="_csrf"` hidden field.
    pub fn csrf(&self) -> String {
        let key = "name=\"_csrf\" value=\"";
        self.html
            .find(key)
            .map(|i| {
                let rest = &self.html[i + key.len()..];
                rest[..rest.find('"').unwrap_or(0)].to_owned()
            })
            .unwrap_or_default()
    }
}

impl Browser {
    fn new(base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    /// GET a page.
    pub async fn get(&self, path: &str) -> Page {
        Page::from(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// POST a urlencoded form (the caller supplies `_csrf` when it should be there).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Page::from(
            self.http
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// POST a form with the CSRF token taken from the page at `from`.
    pub async fn submit(&self, from: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.get(from).await.csrf();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(form);
        self.post(path, &all).await
    }

    /// Log in through the login page.
    pub async fn login(&self, login: &str, password: &str) -> Page {
        let page = self.get("/login").await;
        let csrf = page.csrf();
        self.post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    /// POST a multipart upload with `_csrf` from the page at `from` and one `file` field.
    pub async fn upload(&self, from: &str, path: &str, filename: &str, bytes: Vec<u8>) -> Page {
        let csrf = self.get(from).await.csrf();
        let form = reqwest::multipart::Form::new().text("_csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned()),
        );
        Page::from(
            self.http
                .post(format!("{}{path}", self.base))
                .multipart(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
}

impl Browser {
    /// POST a multipart form (as a page with `enctype="multipart/form-data"` sends it):
    /// `_csrf` from the page at `from`, the text `fields`, and optionally one file as
    /// (field, file name, bytes).
    pub async fn submit_multipart(
        &self,
        from: &str,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, Vec<u8>)>,
    ) -> Page {
        let csrf = self.get(from).await.csrf();
        let mut form = reqwest::multipart::Form::new().text("_csrf", csrf);
        for (k, v) in fields {
            form = form.text((*k).to_owned(), (*v).to_owned());
        }
        if let Some((field, name, bytes)) = file {
            form = form.part(
                field.to_owned(),
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        }
        Page::from(
            self.http
                .post(format!("{}{path}", self.base))
                .multipart(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
}

async fn unit(db: &Db, sys: &org::Access, parent: i64, kind: &str, name: &str, code: &str) -> i64 {
    org::units::create(
        db,
        sys,
        NewUnit {
            parent_id: parent,
            kind: kind.into(),
            name: name.into(),
            code: code.into(),
            ..Default::default()
        },
    )
    .await
    .expect("fixture unit")
    .id
}

async fn person(db: &Db, sys: &org::Access, input: PersonInput) -> i64 {
    org::people::create(db, sys, input)
        .await
        .expect("fixture person")
        .id
}

/// Build the fixture city.
pub async fn fixture(db: &Db) -> Fixture {
    let (city_id, root) = org::units::create_city(db, "测试市", "990000")
        .await
        .expect("city");
    let sys = system_access(city_id, root.id, "测试");
    let mut fx = Fixture {
        city_id,
        root: root.id,
        ..Default::default()
    };
    fx.district_a = unit(db, &sys, root.id, "district", "甲区", "990100").await;
    fx.street_a = unit(db, &sys, fx.district_a, "street", "甲街道", "990101").await;
    fx.community_a = unit(db, &sys, fx.street_a, "community", "甲社区", "990101001").await;
    fx.grid_a = unit(db, &sys, fx.community_a, "grid", "甲一网格", "990101001-01").await;
    fx.joint_a = unit(
        db,
        &sys,
        fx.street_a,
        "joint_community",
        "甲联村社区",
        "990101002",
    )
    .await;
    fx.village_a1 = unit(db, &sys, fx.joint_a, "village", "东村", "990101002201").await;
    fx.village_a2 = unit(db, &sys, fx.joint_a, "village", "西村", "990101002202").await;
    fx.district_b = unit(db, &sys, root.id, "district", "乙区", "990200").await;
    fx.street_b = unit(db, &sys, fx.district_b, "street", "乙街道", "990201").await;
    fx.community_b = unit(db, &sys, fx.street_b, "community", "乙社区", "990201001").await;
    fx.grid_b = unit(db, &sys, fx.community_b, "grid", "乙一网格", "990201001-01").await;
    for (n, c) in [
        ("医疗", "专业服务"),
        ("法律咨询", "专业服务"),
        ("电工", "生活服务"),
    ] {
        fx.skills.push(
            org::skills::create(
                db,
                &sys,
                SkillInput {
                    name: n.into(),
                    category: c.into(),
                },
            )
            .await
            .expect("skill")
            .id,
        );
    }
    let employer = |name: &str, unit_id: i64| EmployerInput {
        unit_id: Some(unit_id),
        name: name.into(),
        kind: "机关".into(),
        credit_code: None,
        party_org: format!("中共{name}委员会"),
        contact_name: None,
        contact_phone: None,
    };
    fx.employer_a = org::employers::create(db, &sys, employer("甲区民政局", fx.district_a))
        .await
        .expect("employer")
        .id;
    fx.employer_b = org::employers::create(db, &sys, employer("乙区司法局", fx.district_b))
        .await
        .expect("employer")
        .id;
    let personnel = |name: &str, phone: &str, employer: i64, community: i64| PersonInput {
        kind: "personnel".into(),
        name: name.into(),
        phone: Some(phone.into()),
        id_card: Some(
            if community == fx.community_a {
                "11010519491231002X"
            } else {
                "110101199003074477"
            }
            .into(),
        ),
        employer_id: Some(employer),
        party_member: true,
        skill_ids: vec![fx.skills[0]],
        availability: vec![org::availability::Slot {
            day: 6,
            start: "09:00".into(),
            end: "17:00".into(),
        }],
        home_community_id: Some(community),
        employer_registered_on: Some("2026-03-01".into()),
        registered_community_id: Some(community),
        registration_basis: Some("home".into()),
        community_registered_on: Some("2026-03-05".into()),
        ..Default::default()
    };
    fx.person_a = person(
        db,
        &sys,
        personnel("张下沉", "13900000001", fx.employer_a, fx.community_a),
    )
    .await;
    fx.person_b = person(
        db,
        &sys,
        personnel("李下沉", "13900000002", fx.employer_b, fx.community_b),
    )
    .await;
    let hash = org::auth::hash_password(PASSWORD).await.expect("hash");
    let roles: Vec<(&'static str, Role, i64, Option<i64>)> = vec![
        ("platform", Role::PlatformAdmin, fx.root, None),
        ("admin_a", Role::Admin, fx.district_a, None),
        ("admin_b", Role::Admin, fx.district_b, None),
        ("cadre_a", Role::CommunityCadre, fx.community_a, None),
        ("grid_a", Role::GridLeader, fx.grid_a, None),
        ("property_a", Role::PropertyUnit, fx.community_a, None),
        (
            "employer_a",
            Role::EmployerAdmin,
            fx.root,
            Some(fx.employer_a),
        ),
        ("inspector_a", Role::Inspector, fx.district_a, None),
        ("resident_a", Role::Resident, fx.community_a, None),
        ("resident_a2", Role::Resident, fx.community_a, None),
        ("joint_a", Role::CommunityCadre, fx.joint_a, None),
        ("village_a1", Role::CommunityCadre, fx.village_a1, None),
        ("village_a2", Role::CommunityCadre, fx.village_a2, None),
    ];
    for (i, (login, role, unit_id, employer)) in roles.into_iter().enumerate() {
        let kind = if role == Role::Resident {
            "resident"
        } else {
            "staff"
        };
        let pid = person(
            db,
            &sys,
            PersonInput {
                kind: kind.into(),
                name: format!("测试{login}"),
                phone: Some(format!("137000000{i:02}")),
                home_community_id: Some(if login.ends_with("_b") {
                    fx.community_b
                } else {
                    fx.community_a
                }),
                ..Default::default()
            },
        )
        .await;
        org::accounts::bootstrap_account(
            db,
            city_id,
            pid,
            login,
            &hash,
            &[(role, unit_id, employer)],
        )
        .await
        .expect("account");
        fx.accounts.insert(login, pid);
    }
    org::accounts::bootstrap_account(
        db,
        city_id,
        fx.person_a,
        "personnel_a",
        &hash,
        &[(Role::Personnel, fx.community_a, None)],
    )
    .await
    .expect("account");
    fx.accounts.insert("personnel_a", fx.person_a);
    fx.person_a2 = person(
        db,
        &sys,
        PersonInput {
            id_card: None,
            ..personnel("王下沉", "13900000003", fx.employer_a, fx.community_a)
        },
    )
    .await;
    org::accounts::bootstrap_account(
        db,
        city_id,
        fx.person_a2,
        "personnel_a2",
        &hash,
        &[(Role::Personnel, fx.community_a, None)],
    )
    .await
    .expect("account");
    fx.accounts.insert("personnel_a2", fx.person_a2);
    fx
}

/// Build an xlsx file from a header and rows of text (for import tests).
pub fn xlsx(header: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).expect("cell");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}
