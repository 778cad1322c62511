//! The in-app inbox (站内消息): what changed for a person — an order dispatched to them,
//! an acceptance deadline that passed, a seat freed on an activity's waitlist, a review
//! result. Notices are written in the same transaction as the change they report, so
//! nobody is told about something that did not happen. No push, no SMS: the person reads
//! them when they open the platform.

use kernel::audit::{self, Entry};
use kernel::paging::{Page, limit};
use kernel::time::now_ms;
use kernel::{Db, Result};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::Access;

/// One notice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notice {
    /// Id.
    pub id: i64,
    /// What it is about: `order.dispatched`, `order.deadline`, `activity.promoted`, …
    pub kind: String,
    /// One line (shown in the list).
    pub title: String,
    /// More detail.
    pub body: String,
    /// Where to act on it (a page path).
    pub link: String,
    /// Whether it has been read.
    pub read: bool,
    /// When it was written (ms since the epoch).
    pub created_at: i64,
}

/// A notice to write.
pub struct NewNotice<'a> {
    /// The person it is for.
    pub person_id: i64,
    /// Kind code.
    pub kind: &'a str,
    /// One line.
    pub title: String,
    /// More detail.
    pub body: String,
    /// Page path to act on it.
    pub link: String,
}

/// Write a notice inside the caller's transaction.
pub async fn notify(conn: &mut sqlx::AnyConnection, city_id: i64, n: NewNotice<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification (city_id, person_id, kind, title, body, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(city_id)
    .bind(n.person_id)
    .bind(n.kind)
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.link)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// The caller's notices, newest first; `before` is the `next` of the previous page.
pub async fn list(
    db: &Db,
    access: &Access,
    before: Option<i64>,
    size: Option<i64>,
) -> Result<Page<Notice>> {
    let n = limit(size);
    let rows = sqlx::query(
        "SELECT id, kind, title, body, link, read_at, created_at FROM notification \
         WHERE city_id = $1 AND person_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4",
    )
    .bind(access.city_id())
    .bind(access.person_id())
    .bind(before.unwrap_or(i64::MAX))
    .bind(n + 1)
    .fetch_all(db.reader())
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Notice {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                title: r.try_get(2)?,
                body: r.try_get(3)?,
                link: r.try_get(4)?,
                read: r.try_get::<Option<i64>, _>(5)?.is_some(),
                created_at: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, n, |x| x.id))
}

/// How many of the caller's notices are unread.
pub async fn unread(db: &Db, access: &Access) -> Result<i64> {
    let rows = sqlx::query(
        "SELECT COUNT(*) FROM notification WHERE city_id = $1 AND person_id = $2 AND read_at IS NULL",
    )
    .bind(access.city_id())
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

/// Mark one notice (or, with `None`, all of them) read; answers how many changed. Another
/// person's notice is simply not found.
pub async fn mark_read(db: &Db, access: &Access, id: Option<i64>) -> Result<u64> {
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE notification SET read_at = $1 WHERE city_id = $2 AND person_id = $3 \
         AND read_at IS NULL AND ($4 = 0 OR id = $4)",
    )
    .bind(now_ms())
    .bind(access.city_id())
    .bind(access.person_id())
    .bind(id.unwrap_or(0))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if let Some(id) = id
        && changed == 0
    {
        let rows = sqlx::query(
            "SELECT 1 FROM notification WHERE city_id = $1 AND person_id = $2 AND id = $3",
        )
        .bind(access.city_id())
        .bind(access.person_id())
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Err(kernel::Error::NotFound);
        }
    }
    if changed > 0 {
        audit::record(
            &mut tx,
            access.actor(),
            Entry {
                action: "read_notices",
                object_kind: "notification",
                object_id: id.unwrap_or(0),
                scope_path: "/",
                before: None,
                after: Some(json!({"count": changed})),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}
