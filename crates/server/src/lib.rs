//! Start-up and everything around the web surface: configuration, `Application::build`
//! (the one way to start the app: used by `main`, `demo` and the tests), the in-process
//! job scheduler, and the demo city.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use kernel::Db;

pub mod bench_cases;
pub mod bench_fixture;
pub mod demo;
pub mod demo_assess;
pub mod demo_civic;
pub mod demo_duty;
pub mod demo_work;
pub mod jobs;

/// How to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub bind: String,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Run the scheduled jobs in this process.
    pub run_jobs: bool,
    /// Serve the benchmark-only endpoints (see `bench/checkin.sh`).
    pub bench_endpoints: bool,
    /// A folder for case photos; none keeps them in the database.
    pub media_dir: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/civicgrid.db".into(),
            bind: "127.0.0.1:8080".into(),
            secure_cookies: false,
            run_jobs: true,
            bench_endpoints: false,
            media_dir: None,
        }
    }
}

/// A built application: database migrated, listener bound, ready to serve.
pub struct Application {
    db: Db,
    listener: tokio::net::TcpListener,
    router: axum::Router,
    run_jobs: bool,
}

impl Application {
    /// Connect (creating a SQLite file when missing), migrate, bind.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database_url)
            .await
            .with_context(|| format!("connecting to {}", redact(&config.database_url)))?;
        db.migrate().await.context("applying migrations")?;
        let listener = tokio::net::TcpListener::bind(&config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let router = web::router(web::AppState {
            checkin_writer: activities::writer::CheckinWriter::start(db.clone()),
            db: db.clone(),
            config: Arc::new(web::WebConfig {
                secure_cookies: config.secure_cookies,
                bench_endpoints: config.bench_endpoints,
                media: match &config.media_dir {
                    Some(d) if !d.is_empty() => cases::photo::Media::Dir(d.into()),
                    _ => cases::photo::Media::Database,
                },
            }),
        });
        Ok(Application {
            db,
            listener,
            router,
            run_jobs: config.run_jobs,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The database handle.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serve until the process is stopped (Ctrl-C or SIGTERM), running the scheduled jobs.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        if self.run_jobs {
            tokio::spawn(jobs::scheduler(self.db.clone()));
        }
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown())
        .await?;
        self.db.checkpoint().await.ok();
        Ok(())
    }
}

async fn shutdown() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Import a spreadsheet as the platform itself (a platform admin of the city): `kind` is
/// `units` or `people`; `city` is the city's code, needed when there are several.
pub async fn import_file(
    db: &Db,
    kind: &str,
    bytes: &[u8],
    city: Option<&str>,
) -> anyhow::Result<org::xlsx::ImportReport> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT c.id, c.code, u.id FROM city c JOIN org_unit u ON u.city_id = c.id AND u.parent_id IS NULL ORDER BY c.id",
    )
    .fetch_all(db.reader())
    .await?;
    let cities: Vec<(i64, String, i64)> = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let (city_id, _, root) = match city {
        Some(code) => cities
            .into_iter()
            .find(|c| c.1 == code)
            .with_context(|| format!("no city with code {code}"))?,
        None if cities.len() == 1 => cities.into_iter().next().expect("one city"),
        None if cities.is_empty() => anyhow::bail!("the database holds no city yet"),
        None => anyhow::bail!("several cities: choose one with --city CODE"),
    };
    let access = org::access::system_access(city_id, root, "命令行导入");
    Ok(match kind {
        "units" => org::xlsx::import_units(db, &access, bytes).await?,
        "people" => org::xlsx::import_people(db, &access, bytes).await?,
        other => anyhow::bail!("unknown list {other:?}: use units or people"),
    })
}
