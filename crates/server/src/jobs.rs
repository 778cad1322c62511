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

/// Run the jobs as if the clock showed `now` (`civicgrid run-jobs --at`, for trying out
/// deadlines): the deadline sweeps judge by `now`; retention always by the real date.
pub async fn run_due_at(db: &Db, now: i64) -> anyhow::Result<()> {
    let slot = format!("{}", now / 600_000);
    if claim(db, "case_deadlines", &slot).await? {
        let outcome = cases::sweep::run(db, now).await;
        let text = match &outcome {
            Ok(o) => serde_json::to_string(o).unwrap_or_default(),
            Err(e) => format!("failed: {e}"),
        };
        finish(db, "case_deadlines", &slot, &text).await?;
        tracing::info!(outcome = %text, "case deadlines ran");
        outcome?;
    }
    if claim(db, "order_deadlines", &slot).await? {
        let outcome = orders::sweep::run(db, now).await;
        let text = match &outcome {
            Ok(o) => serde_json::to_string(o).unwrap_or_default(),
            Err(e) => format!("failed: {e}"),
        };
        finish(db, "order_deadlines", &slot, &text).await?;
        outcome?;
    }
    let period = today().to_string();
    if claim(db, "retention", &period).await? {
        let outcome = org::retention::run(db, now_ms()).await;
        let text = match &outcome {
            Ok(o) => serde_json::to_string(o).unwrap_or_default(),
            Err(e) => format!("failed: {e}"),
        };
        finish(db, "retention", &period, &text).await?;
        tracing::info!(outcome = %text, "retention job ran");
        outcome?;
    }
    Ok(())
}
