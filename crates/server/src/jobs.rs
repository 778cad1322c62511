//! Scheduled work, in-process. Each run of a job is claimed in `job_run(job, period)` with
//! a unique key before it starts, so a job that fires twice, or on two servers, does its
//! work once; a run missed while no server was up is caught up at the next start (the
//! first tick happens at once).

use std::time::Duration;

use kernel::Db;
use kernel::time::{now_ms, today};

/// Run every job that is due, then wait, forever.
pub async fn scheduler(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(e) = run_due(&db).await {
            tracing::error!(error = %e, "scheduled jobs failed");
        }
        if let Err(e) = db.checkpoint().await {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

/// Claim a run of `job` for `period`; `false` when another run already claimed it.
pub async fn claim(db: &Db, job: &str, period: &str) -> Result<bool, sqlx::Error> {
    let res = sqlx::query(
        "INSERT INTO job_run (job, period, started_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(job)
    .bind(period)
    .bind(now_ms())
    .execute(db.writer())
    .await?;
    Ok(res.rows_affected() == 1)
}

async fn finish(db: &Db, job: &str, period: &str, outcome: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE job_run SET finished_at = $1, outcome = $2 WHERE job = $3 AND period = $4")
        .bind(now_ms())
        .bind(outcome)
        .bind(job)
        .bind(period)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Run the jobs due now: order deadlines and overdue cases every ten minutes, the daily
/// retention of personal data.
pub async fn run_due(db: &Db) -> anyhow::Result<()> {
    run_due_at(db, now_ms()).await
}

/// Run the jobs as the scheduler would if the clock showed `now`: the deadline sweeps of
/// that ten-minute slot (once per slot) judge by `now`; retention runs by the real date.
pub async fn run_due_at(db: &Db, now: i64) -> anyhow::Result<()> {
    deadlines(db, now, &format!("{}", now / 600_000)).await?;
    let day = today().to_string();
    once(db, "retention", &day, org::retention::run(db, now_ms())).await?;
    assessments(db).await
}

/// The assessment runs due (and, after a quarter's, the employers' feedback): at the start of a month the month before (月通报), of a
/// quarter the quarter before (季考核), of a year the year before (年总评) — each once,
/// caught up at start when missed. The run before the last is closed then: a period is
/// open for one more period for late records and contests, and never recomputed after.
async fn assessments(db: &Db) -> anyhow::Result<()> {
    use assessment::period::{Period, PeriodKind};
    let today = today();
    for kind in [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year] {
        let last = Period::of_kind(kind, today).previous();
        let period = last.to_string();
        once(db, "assess", &period, assessment::run::run_all(db, &period)).await?;
        if kind == PeriodKind::Quarter {
            // 双报到反馈: each employer's feedback of the quarter, from the records.
            once(
                db,
                "employer_feedback",
                &period,
                reports::feedback::issue_quarter(db, &period),
            )
            .await?;
        }
        let before = last.previous().to_string();
        once(db, "assess_close", &before, close_all(db, before.clone())).await?;
    }
    Ok(())
}

async fn close_all(db: &Db, period: String) -> kernel::Result<i64> {
    let mut closed = 0;
    let rows = sqlx::query("SELECT id FROM city ORDER BY id")
        .fetch_all(db.reader())
        .await?;
    for r in &rows {
        let city: i64 = sqlx::Row::try_get(r, 0)?;
        for s in assessment::schemes::all(db, city).await? {
            if assessment::run::close(
                db,
                &kernel::audit::Actor::system(city, "考评"),
                city,
                s.id,
                &period,
            )
            .await?
            {
                closed += 1;
            }
        }
    }
    Ok(closed)
}

/// `civicgrid run-jobs --at`: the deadline sweeps as of `now`, run whether or not a run for
/// that slot happened already (they only act on what is due, so a repeat changes nothing),
/// recorded under a period of their own.
pub async fn run_deadlines_at(db: &Db, now: i64) -> anyhow::Result<()> {
    let period = format!(
        "at {} (run {})",
        kernel::time::local_datetime(now),
        now_ms()
    );
    deadlines(db, now, &period).await
}

async fn deadlines(db: &Db, now: i64, period: &str) -> anyhow::Result<()> {
    once(db, "case_deadlines", period, cases::sweep::run(db, now)).await?;
    once(db, "order_deadlines", period, orders::sweep::run(db, now)).await
}

/// Claim `job` for `period`, run it, record its outcome; nothing when already claimed.
async fn once<T: serde::Serialize>(
    db: &Db,
    job: &str,
    period: &str,
    work: impl std::future::Future<Output = kernel::Result<T>>,
) -> anyhow::Result<()> {
    if !claim(db, job, period).await? {
        return Ok(());
    }
    let outcome = work.await;
    let text = match &outcome {
        Ok(o) => serde_json::to_string(o).unwrap_or_default(),
        Err(e) => format!("failed: {e}"),
    };
    finish(db, job, period, &text).await?;
    tracing::info!(job, outcome = %text, "job ran");
    outcome?;
    Ok(())
}
