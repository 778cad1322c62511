//! The in-app inbox: the caller's notices and the unread count.

use axum::Json;
use axum::extract::State;
use org::inbox::Notice;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::AppState;
use crate::extract::{ApiPath, ApiQuery, ApiUser};

/// A page of notices with the unread count.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    /// Unread notices in all.
    pub unread: i64,
    /// Notices, newest first.
    pub items: Vec<Notice>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct InboxQuery {
    /// The `next` of the previous page.
    pub before: Option<i64>,
    /// Page size (1–200).
    pub limit: Option<i64>,
}

/// My notices, newest first, and how many are unread.
#[utoipa::path(get, path = "/inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = Inbox)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> ApiResult<Json<Inbox>> {
    let page = org::inbox::list(&s.db, &u.access, q.before, q.limit).await?;
    Ok(Json(Inbox {
        unread: org::inbox::unread(&s.db, &u.access).await?,
        items: page.items,
        next: page.next,
    }))
}

/// How many notices were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// Count.
    pub marked: u64,
}

/// Mark one notice read.
#[utoipa::path(post, path = "/inbox/{id}/read", tag = "inbox", params(("id" = i64, Path)),
    responses((status = 200, body = Marked), (status = 404, body = crate::error::Problem)))]
pub async fn read_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Marked>> {
    Ok(Json(Marked {
        marked: org::inbox::mark_read(&s.db, &u.access, Some(id)).await?,
    }))
}

/// Mark every notice read.
#[utoipa::path(post, path = "/inbox/read-all", tag = "inbox",
    responses((status = 200, body = Marked)))]
pub async fn read_all(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Marked>> {
    Ok(Json(Marked {
        marked: org::inbox::mark_read(&s.db, &u.access, None).await?,
    }))
}
