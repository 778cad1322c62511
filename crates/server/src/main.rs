//! `civicgrid`: the one binary. See `civicgrid --help`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use server::{Application, Config};

#[derive(Parser)]
#[command(name = "civicgrid", version, about = "城市社区下沉工作平台")]
struct Cli {
    /// Database: sqlite://path (created when missing) or postgres://user@host/db.
    #[arg(
        long,
        env = "CIVICGRID_DATABASE_URL",
        default_value = "sqlite://data/civicgrid.db",
        global = true
    )]
    database_url: String,
    /// Address to listen on.
    #[arg(
        long,
        env = "CIVICGRID_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    bind: String,
    /// Mark cookies Secure (set when serving behind TLS).
    #[arg(
        long,
        env = "CIVICGRID_SECURE_COOKIES",
        default_value_t = false,
        global = true
    )]
    secure_cookies: bool,
    /// A folder for case photos (kept in the database when not set).
    #[arg(long, env = "CIVICGRID_MEDIA_DIR", global = true)]
    media_dir: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve pages, API and jobs (the default).
    Serve,
    /// Like serve, but first fill an empty database with the demo city and print its logins.
    Demo {
        /// Password of every demo account (random when not set).
        #[arg(long, env = "CIVICGRID_DEMO_PASSWORD")]
        demo_password: Option<String>,
    },
    /// Apply migrations and exit.
    Migrate,
    /// Run the jobs that are due now (deadlines of orders and cases, retention) and exit.
    RunJobs {
        /// Judge the deadlines as of this time instead of now (`YYYY-MM-DDTHH:MM`, Beijing):
        /// to see what happens to overdue cases when the clock is advanced.
        #[arg(long)]
        at: Option<String>,
    },
    /// Run an assessment period for every city (`YYYY-MM`, `YYYY-Qn` or `YYYY`); running it
    /// again gives the same results.
    Assess {
        /// The period.
        period: String,
    },
    /// Import a spreadsheet (units or people) as the platform; all rows or none.
    Import {
        /// `units` (organisation tree) or `people` (personnel list).
        kind: String,
        /// The .xlsx file.
        file: String,
        /// The city's code (needed only when the database holds several cities).
        #[arg(long)]
        city: Option<String>,
    },
    /// Benchmarks only: add a city with an activity under way and N personnel holding a
    /// seat, and write their API tokens to FILE as JSON (used by bench/checkin.sh).
    BenchFixture {
        /// How many people.
        #[arg(long, default_value_t = 2000)]
        people: usize,
        /// Where to write the JSON.
        #[arg(long)]
        out: String,
    },
    /// Benchmarks only: add a city with 1,000 grids and N cases over the last year, and
    /// write tokens and ids to FILE as JSON (used by bench/cases.sh).
    BenchCases {
        /// How many cases.
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
        /// Where to write the JSON.
        #[arg(long)]
        out: String,
    },
    /// Consistent online backup to FILE (SQLite: VACUUM INTO; PostgreSQL: use pg_dump).
    Backup {
        /// Where to write the copy.
        file: String,
    },
}

fn config(cli: &Cli) -> Config {
    Config {
        database_url: cli.database_url.clone(),
        bind: cli.bind.clone(),
        secure_cookies: cli.secure_cookies,
        run_jobs: true,
        bench_endpoints: std::env::var("CIVICGRID_BENCH_ENDPOINTS").is_ok_and(|v| v == "1"),
        media_dir: cli.media_dir.clone(),
    }
}

fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let letters: String = (0..8)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    format!("{letters}{}", rng.random_range(1000..9999))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CIVICGRID_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match &cli.command {
        None | Some(Command::Serve) => {
            let app = Application::build(config(&cli)).await?;
            println!("civicgrid 已启动：http://{}", cli.bind);
            app.run_until_stopped().await
        }
        Some(Command::Demo { demo_password }) => {
            let app = Application::build(config(&cli)).await?;
            let password = demo_password.clone().unwrap_or_else(random_password);
            if server::demo::has_data(app.db()).await? {
                println!(
                    "数据库里已有数据，跳过生成演示城市（演示账号的密码是第一次生成时打印的那个）。"
                );
            } else {
                println!("正在生成演示城市（约 2000 名下沉人员），请稍候……");
                let logins = server::demo::generate(app.db(), server::demo::Scale::DEMO, &password)
                    .await
                    .context("generating the demo city")?;
                println!("\n演示账号（密码都是：{password}）");
                for l in logins {
                    println!("  {:<10} {}（{}）", l.login, l.role, l.scope);
                }
            }
            println!("\n打开 http://{} 登录", cli.bind);
            app.run_until_stopped().await
        }
        Some(Command::Migrate) => {
            let db = kernel::Db::connect(&cli.database_url).await?;
            db.migrate().await?;
            println!("迁移完成：{}", server::redact(&cli.database_url));
            Ok(())
        }
        Some(Command::RunJobs { at }) => {
            let now = match at.as_deref() {
                Some(t) => kernel::time::parse_datetime(t)
                    .with_context(|| format!("--at {t}: expected YYYY-MM-DDTHH:MM"))?,
                None => kernel::time::now_ms(),
            };
            let db = kernel::Db::connect(&cli.database_url).await?;
            db.migrate().await?;
            match at {
                Some(_) => server::jobs::run_deadlines_at(&db, now).await?,
                None => server::jobs::run_due(&db).await?,
            }
            println!("到期的任务已执行");
            Ok(())
        }
        Some(Command::Assess { period }) => {
            let db = kernel::Db::connect(&cli.database_url).await?;
            db.migrate().await?;
            let started = std::time::Instant::now();
            let s = assessment::run::run_all(&db, period)
                .await
                .map_err(|e| anyhow::anyhow!("{period}: {e}"))?;
            println!(
                "考评 {period} 完成：{} 个方案，{} 人，{} 条结果新写入或有变化（{} 毫秒）",
                s.runs,
                s.people,
                s.changed,
                started.elapsed().as_millis()
            );
            Ok(())
        }
        Some(Command::Import { kind, file, city }) => {
            let db = kernel::Db::connect(&cli.database_url).await?;
            db.migrate().await?;
            let bytes = std::fs::read(file).with_context(|| format!("reading {file}"))?;
            let report = server::import_file(&db, kind, &bytes, city.as_deref()).await?;
            for e in &report.errors {
                println!("第 {} 行 [{}] {}", e.row, e.column, e.message);
            }
            if report.ok() {
                println!("已导入 {} 行", report.imported);
                Ok(())
            } else {
                anyhow::bail!(
                    "{} 处问题，一行也没有导入",
                    report.errors.len() + report.omitted_errors
                )
            }
        }
        Some(Command::BenchFixture { people, out }) => {
            let db = kernel::Db::connect(&cli.database_url).await?;
            db.migrate().await?;
            let fx = server::bench_fixture::build(&db, *people).await?;
            std::fs::write(out, serde_json::to_vec(&fx)?)
                .with_context(|| format!("writing {out}"))?;
            db.analyze().await.ok();
            println!(
                "压测数据已生成：活动 {}，{} 人",
                fx.activity_id,
                fx.tokens.len()
            );
            Ok(())
        }
        Some(Command::BenchCases { cases, out }) => {
            let db = kernel::Db::connect(&cli.database_url).await?;
            db.migrate().await?;
            let fx = server::bench_cases::build(&db, *cases).await?;
            std::fs::write(out, serde_json::to_vec(&fx)?)
                .with_context(|| format!("writing {out}"))?;
            println!("案件压测数据已生成：{} 件", fx.cases);
            Ok(())
        }
        Some(Command::Backup { file }) => {
            let db = kernel::Db::connect(&cli.database_url).await?;
            match db.backend() {
                kernel::Backend::Sqlite => {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "VACUUM INTO '{}'",
                        file.replace('\'', "''")
                    )))
                    .execute(db.writer())
                    .await
                    .with_context(|| format!("backing up to {file}"))?;
                    println!("已备份到 {file}");
                    Ok(())
                }
                kernel::Backend::Postgres => {
                    anyhow::bail!(
                        "PostgreSQL 请用 pg_dump 备份：pg_dump --format=custom --file={file} <数据库URL>"
                    )
                }
            }
        }
    }
}
