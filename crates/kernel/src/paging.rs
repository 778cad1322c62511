//! Keyset paging: lists never load whole tables.

use serde::Serialize;

/// Rows per page unless asked otherwise.
pub const DEFAULT_LIMIT: i64 = 50;
/// The most rows one page may hold.
pub const MAX_LIMIT: i64 = 200;

/// One page of a list ordered by descending or ascending id, with the key to the next.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next: Option<i64>,
}

/// Clamp a requested page size to 1..=MAX_LIMIT.
pub fn limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

impl<T> Page<T> {
    /// Build a page from `limit + 1` fetched rows: the extra row only says there is more.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> i64) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(&key) } else { None };
        Page { items: rows, next }
    }
}
