//! Benchmark-only endpoints, served only when the server runs with
//! `CIVICGRID_BENCH_ENDPOINTS=1` (see `bench/checkin.sh`): the floor a write endpoint can
//! reach on this database, to measure real endpoints against in the same run.

use axum::extract::State;
use axum::http::StatusCode;
use kernel::time::now_ms;

use super::ApiResult;
use crate::AppState;
use crate::extract::ApiUser;

/// Authenticate like any API call, then insert one row (a notice to the caller) in its own
/// statement: no rules, no audit, no transaction of ours.
pub async fn insert(State(s): State<AppState>, u: ApiUser) -> ApiResult<StatusCode> {
    sqlx::query(
        "INSERT INTO notification (city_id, person_id, kind, title, body, link, created_at) \
         VALUES ($1, $2, 'bench', 'bench', '', '', $3)",
    )
    .bind(u.access.city_id())
    .bind(u.access.person_id())
    .bind(now_ms())
    .execute(s.db.writer())
    .await
    .map_err(kernel::Error::from)?;
    Ok(StatusCode::CREATED)
}
