//! Writing check-ins together (group commit). When an activity starts, its people check
//! in within minutes of each other; each check-in is three rows (the check-in, the
//! attendance record, the audit entry) and a transaction of its own would cost five
//! statements and a commit on the database's write path. The server instead hands every
//! check-in to one writer task, which takes all that are waiting and writes them in one
//! transaction of a few multi-row statements. A person still gets their answer only after
//! the commit; a lone check-in is written at once, as a batch of one.

use std::collections::HashSet;

use kernel::audit::{self, Actor, Entry};
use kernel::{Db, Error, Result};
use serde_json::json;
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::model::Direction;

/// A judged check-in, ready to be written.
#[derive(Debug, Clone)]
pub struct Write {
    /// Tenant.
    pub city_id: i64,
    /// Activity.
    pub activity_id: i64,
    /// Its scope (for the audit entry).
    pub unit_path: String,
    /// Who.
    pub person_id: i64,
    /// In or out.
    pub direction: Direction,
    /// Position (WGS-84, 1e-7 degrees).
    pub lon_e7: i64,
    /// Latitude.
    pub lat_e7: i64,
    /// The system it was reported in.
    pub crs: &'static str,
    /// Reported accuracy.
    pub accuracy_m: i64,
    /// Metres outside the fence.
    pub distance_m: i64,
    /// Inside the fence.
    pub inside_fence: bool,
    /// Inside the window.
    pub inside_window: bool,
    /// `accepted` or `outside`.
    pub result: &'static str,
    /// When.
    pub at: i64,
    /// Minutes the attendance record claims after this check-in or check-out.
    pub claimed_minutes: i64,
    /// The actor, for the audit entry.
    pub actor: Actor,
}

/// What became of a check-in handed to the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Written, with its id.
    New(i64),
    /// The same person had already checked in (or out) of the activity: nothing written.
    Taken,
}

type Job = (Write, oneshot::Sender<Result<Written>>);

/// Most check-ins written in one transaction (keeps the statements' parameters well
/// within both databases' limits).
const MAX_BATCH: usize = 200;

/// The writer task's handle.
#[derive(Debug, Clone)]
pub struct CheckinWriter {
    jobs: mpsc::Sender<Job>,
}

impl CheckinWriter {
    /// Start the writer task for `db` (on the current tokio runtime).
    pub fn start(db: Db) -> CheckinWriter {
        let (jobs, mut rx) = mpsc::channel::<Job>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let writes: Vec<&Write> = batch.iter().map(|(w, _)| w).collect();
                match write_batch(&db, &writes).await {
                    Ok(results) => {
                        for ((_, reply), r) in batch.into_iter().zip(results) {
                            reply.send(Ok(r)).ok();
                        }
                    }
                    Err(e) => {
                        tracing_error(&e);
                        for (_, reply) in batch {
                            reply.send(Err(Error::Internal("签到写入失败".into()))).ok();
                        }
                    }
                }
            }
        });
        CheckinWriter { jobs }
    }

    /// Hand a check-in to the writer and wait until it is committed.
    pub async fn write(&self, w: Write) -> Result<Written> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send((w, reply))
            .await
            .map_err(|_| Error::Internal("签到写入已停止".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("签到写入已停止".into()))?
    }
}

fn tracing_error(e: &Error) {
    tracing::error!(error = %e, "check-in batch failed");
}

fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Write check-ins in one transaction: the check-ins (a repeat of one already written is
/// left out and answered [`Written::Taken`]), the attendance records they open or update,
/// and their audit entries.
pub async fn write_batch(db: &Db, writes: &[&Write]) -> Result<Vec<Written>> {
    let mut out = vec![Written::Taken; writes.len()];
    // A person's check-in may be in the same batch twice (a double tap): the first counts.
    let mut seen = HashSet::new();
    let fresh: Vec<usize> = (0..writes.len())
        .filter(|&i| {
            let w = writes[i];
            seen.insert((w.city_id, w.activity_id, w.person_id, w.direction.as_str()))
        })
        .collect();
    if fresh.is_empty() {
        return Ok(out);
    }
    let mut tx = db.begin().await?;
    let sql = format!(
        "INSERT INTO checkin (city_id, activity_id, person_id, direction, lon_e7, lat_e7, crs, \
         accuracy_m, distance_m, inside_fence, inside_window, result, at) VALUES {} \
         ON CONFLICT (city_id, activity_id, person_id, direction) DO NOTHING \
         RETURNING id, city_id, activity_id, person_id, direction",
        placeholders(fresh.len(), 13)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for &i in &fresh {
        let w = writes[i];
        q = q
            .bind(w.city_id)
            .bind(w.activity_id)
            .bind(w.person_id)
            .bind(w.direction.as_str())
            .bind(w.lon_e7)
            .bind(w.lat_e7)
            .bind(w.crs)
            .bind(w.accuracy_m)
            .bind(w.distance_m)
            .bind(i64::from(w.inside_fence))
            .bind(i64::from(w.inside_window))
            .bind(w.result)
            .bind(w.at);
    }
    let rows = q.fetch_all(&mut *tx).await?;
    let mut new = Vec::new();
    for r in &rows {
        let key: (i64, i64, i64, String) =
            (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?);
        if let Some(&i) = fresh.iter().find(|&&i| {
            let w = writes[i];
            (w.city_id, w.activity_id, w.person_id, w.direction.as_str())
                == (key.0, key.1, key.2, key.3.as_str())
        }) {
            out[i] = Written::New(r.try_get(0)?);
            new.push(i);
        }
    }
    // Arrivals open the attendance record (a roll call may have made it already: it stays).
    let arrivals: Vec<&Write> = new
        .iter()
        .map(|&i| writes[i])
        .filter(|w| w.direction == Direction::In)
        .collect();
    if !arrivals.is_empty() {
        let sql = format!(
            "INSERT INTO attendance (city_id, activity_id, person_id, source, minutes, \
             claimed_minutes, outside, state, created_at, updated_at) VALUES {} \
             ON CONFLICT (city_id, activity_id, person_id) DO NOTHING",
            (0..arrivals.len())
                .map(|r| {
                    let b = r * 6;
                    format!(
                        "(${}, ${}, ${}, 'checkin', ${}, ${}, ${}, 'pending', ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 6
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for w in &arrivals {
            q = q
                .bind(w.city_id)
                .bind(w.activity_id)
                .bind(w.person_id)
                .bind(w.claimed_minutes)
                .bind(i64::from(w.result == "outside"))
                .bind(w.at);
        }
        q.execute(&mut *tx).await?;
    }
    // Departures set the time actually claimed.
    for w in new
        .iter()
        .map(|&i| writes[i])
        .filter(|w| w.direction == Direction::Out)
    {
        sqlx::query(
            "UPDATE attendance SET claimed_minutes = $1, minutes = $1, \
             outside = CASE WHEN $2 = 1 THEN 1 ELSE outside END, updated_at = $3 \
             WHERE city_id = $4 AND activity_id = $5 AND person_id = $6 \
             AND source = 'checkin' AND state = 'pending'",
        )
        .bind(w.claimed_minutes)
        .bind(i64::from(w.result == "outside"))
        .bind(w.at)
        .bind(w.city_id)
        .bind(w.activity_id)
        .bind(w.person_id)
        .execute(&mut *tx)
        .await?;
    }
    // The audit trail keeps the outcome, not the coordinates (personal data stays in one
    // place).
    let entries: Vec<(&Actor, Entry<'_>)> = new
        .iter()
        .map(|&i| {
            let w = writes[i];
            (
                &w.actor,
                Entry {
                    action: if w.direction == Direction::In {
                        "check_in"
                    } else {
                        "check_out"
                    },
                    object_kind: "activity",
                    object_id: w.activity_id,
                    scope_path: &w.unit_path,
                    before: None,
                    after: Some(json!({"person_id": w.person_id, "result": w.result,
                        "distance_m": w.distance_m, "inside_window": w.inside_window,
                        "accuracy_m": w.accuracy_m, "crs": w.crs})),
                },
            )
        })
        .collect();
    audit::record_many(&mut tx, &entries).await?;
    tx.commit().await?;
    Ok(out)
}
