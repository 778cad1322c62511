//! One database handle over sqlx's `Any` driver for SQLite and PostgreSQL.
//!
//! SQLite: one writer connection (it serialises every write transaction, so no
//! `FOR UPDATE` is needed there) and a small pool of read-only readers, WAL mode with a
//! bounded journal. PostgreSQL: one pool for both.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A write transaction.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The database: a reader pool, a writer pool and the backend they talk to.
#[derive(Clone, Debug)]
pub struct Db {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Db {
    /// Connect to `url` (`sqlite://path` or `postgres://…`). A SQLite file and its folder are
    /// created when missing.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db {
                read: pool.clone(),
                write: pool,
                backend: Backend::Postgres,
            })
        } else {
            Err(sqlx::Error::Configuration(
                format!("unsupported database URL {url:?}: use sqlite://… or postgres://…").into(),
            ))
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Db, sqlx::Error> {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:")
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        if let Some(dir) = std::path::Path::new(&path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        let url = if url.contains("mode=") {
            url.to_owned()
        } else if url.contains('?') {
            format!("{url}&mode=rwc")
        } else {
            format!("{url}?mode=rwc")
        };
        let opts = AnyConnectOptions::from_str(&url)?;
        {
            // Persistent settings, once: WAL (it persists in the file) and a bounded journal.
            let mut conn = sqlx::AnyConnection::connect_with(&opts).await?;
            conn.execute("PRAGMA journal_mode=WAL").await?;
            conn.close().await?;
        }
        let write = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlite_session(conn).await?;
                    Ok(())
                })
            })
            .connect_with(opts.clone())
            .await?;
        let read = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlite_session(conn).await?;
                    conn.execute("PRAGMA query_only=ON").await?;
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        Ok(Db {
            read,
            write,
            backend: Backend::Sqlite,
        })
    }

    /// Apply the migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.write).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.write).await,
        }
    }

    /// The backend behind this handle.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The pool for writes (on SQLite: the one writer connection).
    pub fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// Start a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.write.begin().await
    }

    /// ` FOR UPDATE` on PostgreSQL, nothing on SQLite (its single writer serialises writes).
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        matches!(
            tokio::time::timeout(
                Duration::from_secs(3),
                sqlx::query("SELECT 1").fetch_all(&self.read)
            )
            .await,
            Ok(Ok(_))
        )
    }

    /// Refresh the planner's statistics after a bulk load (an import, the demo city), so
    /// list queries keep their indexed plans before autovacuum gets round to it.
    pub async fn analyze(&self) -> Result<(), sqlx::Error> {
        let sql = match self.backend {
            Backend::Sqlite => "PRAGMA optimize",
            Backend::Postgres => "ANALYZE",
        };
        sqlx::query(sql).execute(&self.write).await?;
        Ok(())
    }

    /// Keep SQLite's WAL file small: checkpoint and truncate it. A no-op on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_all(&self.write)
                .await?;
        }
        Ok(())
    }

    /// Close both pools.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

async fn sqlite_session(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    for pragma in [
        "PRAGMA foreign_keys=ON",
        "PRAGMA busy_timeout=10000",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA journal_size_limit=67108864",
    ] {
        conn.execute(pragma).await?;
    }
    Ok(())
}

/// The id from an `INSERT … RETURNING id`, read with `fetch_all` (on sqlx-sqlite
/// `fetch_one` leaves the statement open and the WAL growing).
pub async fn insert_returning_id<'q>(
    tx: &mut sqlx::AnyConnection,
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
) -> Result<i64, sqlx::Error> {
    use sqlx::Row;
    let rows = query.fetch_all(tx).await?;
    rows.first()
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()?
        .ok_or(sqlx::Error::RowNotFound)
}
