//! The home page of every role: a to-do list built from the records, then shortcuts.

use askama::Template;
use axum::extract::{Query, State};

use super::{Frame, PageResult, ToastQuery, render, role_labels};
use crate::AppState;
use crate::extract::PageUser;

/// One line of the to-do list.
pub struct Todo {
    text: String,
    sub: String,
    href: String,
    count: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    frame: Frame,
    todos: Vec<Todo>,
    links: Vec<(&'static str, &'static str)>,
    roles: Vec<String>,
}

/// GET /
pub async fn home(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    let a = &u.access;
    let mut todos = Vec::new();
    if a.is_administrator() {
        let n = org::people::count_unregistered(&s.db, a).await?;
        if n > 0 {
            todos.push(Todo {
                text: format!("{n} 名下沉人员还没有到社区报到"),
                sub: "双报到：为他们登记报到社区和日期".into(),
                href: "/people?kind=personnel&unregistered=true".into(),
                count: n,
            });
        }
    }
    let me = org::people::get(&s.db, a, a.person_id()).await?;
    if me.kind == org::people::PersonKind::Personnel && me.availability.is_empty() {
        todos.push(Todo {
            text: "填写您的专长和可服务时间".into(),
            sub: "社区派单时只会在您方便的时间找您".into(),
            href: "/me#profile".into(),
            count: 0,
        });
    }
    let mut links = vec![];
    if a.is_staff() {
        links.push(("/units", "组织与网格"));
        links.push(("/people", "人员名单"));
    }
    if a.is_administrator() {
        links.push(("/people/new", "登记人员"));
        links.push(("/import", "从 Excel 导入"));
    }
    links.push(("/me", "我的信息"));
    Ok(render(&HomePage {
        frame: Frame::new(a, if a.is_staff() { "工作台" } else { "首页" }, "home")
            .with_toast(t.toast),
        todos,
        links,
        roles: role_labels(a),
    }))
}
