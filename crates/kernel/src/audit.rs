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

/// Append several entries in one statement inside the caller's transaction (for work done
/// in batches, such as check-ins written together).
pub async fn record_many(
    conn: &mut sqlx::AnyConnection,
    entries: &[(&Actor, Entry<'_>)],
) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(entries.len());
    for i in 0..entries.len() {
        let b = i * 11;
        rows.push(format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7,
            b + 8,
            b + 9,
            b + 10,
            b + 11
        ));
    }
    let sql = format!(
        "INSERT INTO audit_log (city_id, at, actor_account_id, actor_name, action, object_kind, \
         object_id, scope_path, before_json, after_json, request_id) VALUES {}",
        rows.join(", ")
    );
    let now = now_ms();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (actor, e) in entries {
        q = q
            .bind(actor.city_id)
            .bind(now)
            .bind(actor.account_id)
            .bind(actor.name.clone())
            .bind(e.action.to_owned())
            .bind(e.object_kind.to_owned())
            .bind(e.object_id)
            .bind(e.scope_path.to_owned())
            .bind(e.before.as_ref().map(|v| v.to_string()))
            .bind(e.after.as_ref().map(|v| v.to_string()))
            .bind(actor.request_id.clone());
    }
    q.execute(conn).await?;
    Ok(())
}
