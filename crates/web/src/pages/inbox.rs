//! The inbox page (站内消息): the notices about what changed for me, each opening the page
//! where I act on it; and the unread count for the badge beside 消息.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use kernel::time::{datetime_cn, now_ms, relative_cn};
use serde::Deserialize;

use super::{Frame, PageError, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// One notice on the page.
pub struct NoticeRow {
    id: i64,
    title: String,
    body: String,
    link: String,
    read: bool,
    when: String,
    when_title: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    frame: Frame,
    rows: Vec<NoticeRow>,
    unread: i64,
    next_href: Option<String>,
}

/// Paging and the toast.
#[derive(Debug, Deserialize, Default)]
pub struct InboxQuery {
    before: Option<i64>,
    toast: Option<String>,
}

/// A local path that is safe to redirect to (`/orders/3`), or `None` for anything that
/// could leave the site (`//evil`, `/\evil`, `https://…`) or carries control characters.
pub fn safe_path(link: &str) -> Option<&str> {
    let ok = link.starts_with('/')
        && !link.starts_with("//")
        && !link.contains('\\')
        && !link.chars().any(char::is_control);
    ok.then_some(link)
}

/// GET /inbox: my notices, newest first; unread ones in bold.
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<InboxQuery>,
) -> PageResult {
    let a = &u.access;
    let page = org::inbox::list(&s.db, a, q.before, Some(30)).await?;
    let unread = org::inbox::unread(&s.db, a).await?;
    let now = now_ms();
    Ok(render(&InboxPage {
        frame: Frame::new(a, "消息", "inbox").with_toast(q.toast),
        rows: page
            .items
            .into_iter()
            .map(|n| NoticeRow {
                id: n.id,
                link: safe_path(&n.link).unwrap_or("/inbox").to_owned(),
                title: n.title,
                body: n.body,
                read: n.read,
                when: relative_cn(n.created_at, now),
                when_title: datetime_cn(n.created_at),
            })
            .collect(),
        unread,
        next_href: page.next.map(|n| format!("/inbox?before={n}")),
    }))
}

/// Where to go after marking a notice read.
#[derive(Debug, Deserialize, Default)]
pub struct ReadForm {
    #[serde(default)]
    to: String,
}

/// POST /inbox/{id}/read: mark the notice read and open its page.
pub async fn read_one(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ReadForm>,
) -> PageResult {
    org::inbox::mark_read(&s.db, &u.access, Some(id)).await?;
    Ok(Redirect::to(safe_path(&f.to).unwrap_or("/inbox")).into_response())
}

/// POST /inbox/read-all
pub async fn read_all(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(_): CsrfForm<ReadForm>,
) -> PageResult {
    let n = org::inbox::mark_read(&s.db, &u.access, None).await?;
    Ok(done(
        "/inbox",
        &if n > 0 {
            format!("已将 {n} 条消息标为已读")
        } else {
            "没有未读消息".to_owned()
        },
    ))
}

/// GET /inbox/unread: `{"unread": n}` for the badge beside 消息.
pub async fn unread(
    State(s): State<AppState>,
    u: PageUser,
) -> Result<Json<serde_json::Value>, PageError> {
    let n = org::inbox::unread(&s.db, &u.access).await?;
    Ok(Json(serde_json::json!({ "unread": n })))
}

#[cfg(test)]
mod tests {
    use super::safe_path;

    #[test]
    fn only_local_paths() {
        assert_eq!(safe_path("/orders/3"), Some("/orders/3"));
        assert_eq!(safe_path("//evil.example"), None);
        assert_eq!(safe_path("/\\evil.example"), None);
        assert_eq!(safe_path("https://evil.example"), None);
        assert_eq!(safe_path("/a\nb"), None);
        assert_eq!(safe_path(""), None);
    }
}
