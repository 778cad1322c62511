//! Browsing the audit trail, by object or by person, within the caller's scope.

use kernel::paging::{self, Page};
use kernel::{Db, Error, Result};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::access::Access;
use crate::people::Arg;

/// One audit entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// When (ms since epoch).
    pub at: i64,
    /// The account acting (none for the system).
    pub actor_account_id: Option<i64>,
    /// Name of who acted.
    pub actor_name: String,
    /// What was done.
    pub action: String,
    /// Kind of object.
    pub object_kind: String,
    /// Object id.
    pub object_id: i64,
    /// State before, as JSON text.
    pub before: Option<String>,
    /// State after, as JSON text.
    pub after: Option<String>,
    /// Request id.
    pub request_id: String,
}

/// Filters.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Kind of object (`person`, `org_unit`, …).
    pub object_kind: Option<String>,
    /// Object id (with `object_kind`).
    pub object_id: Option<i64>,
    /// Only what this account did.
    pub actor_account_id: Option<i64>,
    /// Keyset: entries older than this id.
    pub after: Option<i64>,
    /// Page size (1–200).
    pub limit: Option<i64>,
}

/// A page of entries, newest first. Platform admins see the city; admins their subtree.
pub async fn browse(db: &Db, access: &Access, q: &AuditQuery) -> Result<Page<AuditEntry>> {
    let prefixes = access.audit_prefixes();
    if prefixes.is_empty() {
        return Err(Error::Forbidden("只有管理员可以查看操作日志"));
    }
    let limit = paging::limit(q.limit);
    let mut sql = String::from(
        "SELECT id, at, actor_account_id, actor_name, action, object_kind, object_id, before_json, \
         after_json, request_id FROM audit_log WHERE city_id = $1",
    );
    let mut args = vec![Arg::I(access.city_id())];
    if !access.is_platform_admin() {
        let mut ors = Vec::new();
        for pre in prefixes {
            args.push(Arg::S(format!("{pre}%")));
            ors.push(format!("scope_path LIKE ${}", args.len()));
        }
        sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
    }
    if let Some(k) = q.object_kind.as_deref().filter(|s| !s.is_empty()) {
        if k.len() > 32 {
            return Err(Error::field("object_kind", "对象类型无效"));
        }
        args.push(Arg::S(k.to_owned()));
        sql.push_str(&format!(" AND object_kind = ${}", args.len()));
    }
    if let Some(id) = q.object_id {
        args.push(Arg::I(id));
        sql.push_str(&format!(" AND object_id = ${}", args.len()));
    }
    if let Some(id) = q.actor_account_id {
        args.push(Arg::I(id));
        sql.push_str(&format!(" AND actor_account_id = ${}", args.len()));
    }
    if let Some(after) = q.after {
        args.push(Arg::I(after));
        sql.push_str(&format!(" AND id < ${}", args.len()));
    }
    args.push(Arg::I(limit + 1));
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", args.len()));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for a in args {
        query = match a {
            Arg::I(v) => query.bind(v),
            Arg::S(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(db.reader()).await?;
    let items = rows.iter().map(entry).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |e| e.id))
}

/// The entries about the caller's own record and what the caller did (PIPL: a person may
/// see what is held about them), newest first, at most 500.
pub async fn own(db: &Db, access: &Access) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT id, at, actor_account_id, actor_name, action, object_kind, object_id, before_json, \
         after_json, request_id FROM audit_log WHERE city_id = $1 AND \
         ((object_kind = 'person' AND object_id = $2) OR actor_account_id = $3 \
          OR (object_kind = 'account' AND object_id = $3)) ORDER BY id DESC LIMIT 500",
    )
    .bind(access.city_id())
    .bind(access.person_id())
    .bind(access.account_id())
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(entry).collect()
}

/// An entry from a row of the columns both queries select, in that order.
fn entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor_account_id: r.try_get(2)?,
        actor_name: r.try_get(3)?,
        action: r.try_get(4)?,
        object_kind: r.try_get(5)?,
        object_id: r.try_get(6)?,
        before: r.try_get(7)?,
        after: r.try_get(8)?,
        request_id: r.try_get(9)?,
    })
}
