//! The audit trail: every write appends who did what to which object, when, with the
//! state before and after. Rows are never changed (the database refuses UPDATE, and
//! DELETE of entries younger than 180 days).

use serde::Serialize;
use serde_json::Value;

use crate::time::now_ms;

/// Who is acting, as the audit log records it.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    /// The tenant.
    pub city_id: i64,
    /// The account acting; `None` for the system (jobs, imports from the CLI).
    pub account_id: Option<i64>,
    /// Name shown in the log.
    pub name: String,
    /// The request this happened in, for tracing.
    pub request_id: String,
}

impl Actor {
    /// The platform itself (scheduled jobs, CLI).
    pub fn system(city_id: i64, what: &str) -> Actor {
        Actor {
            city_id,
            account_id: None,
            name: format!("系统（{what}）"),
            request_id: String::new(),
        }
    }
}

/// One audit entry to append.
pub struct Entry<'a> {
    /// What was done: `create`, `update`, `delete`, `move`, `login`, …
    pub action: &'a str,
    /// The kind of object: `org_unit`, `person`, …
    pub object_kind: &'a str,
    /// The object's id.
    pub object_id: i64,
    /// Organisation path the object lives under (for scoped browsing).
    pub scope_path: &'a str,
    /// State before (None for a creation).
    pub before: Option<Value>,
    /// State after (None for a deletion).
    pub after: Option<Value>,
}

/// Append one entry inside the caller's transaction.
pub async fn record(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    e: Entry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (city_id, at, actor_account_id, actor_name, action, object_kind, \
         object_id, scope_path, before_json, after_json, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(actor.city_id)
    .bind(now_ms())
    .bind(actor.account_id)
    .bind(&actor.name)
    .bind(e.action)
    .bind(e.object_kind)
    .bind(e.object_id)
    .bind(e.scope_path)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .bind(&actor.request_id)
    .execute(conn)
    .await?;
    Ok(())
}
