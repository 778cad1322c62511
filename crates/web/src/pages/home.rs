//! The home page of every role: a to-do list built from the records, then shortcuts.

use askama::Template;
use axum::extract::{Query, State};

use org::Role;

use super::{Frame, PageError, PageResult, ToastQuery, render, role_labels};
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

/// To-dos from orders and activities: what each role has to act on now.
async fn work_todos(s: &AppState, a: &org::Access, todos: &mut Vec<Todo>) -> Result<(), PageError> {
    let mut add = |n: i64, text: String, sub: &str, href: &str| {
        if n > 0 {
            todos.push(Todo {
                text,
                sub: sub.into(),
                href: href.into(),
                count: n,
            });
        }
    };
    if super::words::is_dispatcher(a) {
        let b = orders::view::board(&s.db, a).await?;
        add(
            b.placed,
            format!("{} 张群众点单等待派单", b.placed),
            "看推荐人选，派给合适的人",
            "/orders?view=scope&state=placed",
        );
        add(
            b.overdue,
            format!("{} 张订单已超期", b.overdue),
            "超时未接单或超过期望时间，请跟进",
            "/orders?view=scope&overdue=true",
        );
        let q = activities::queue(
            &s.db,
            a,
            &activities::QueueQuery {
                after: None,
                limit: Some(200),
            },
        )
        .await?;
        let n = q.items.len() as i64;
        add(
            n,
            format!("{n} 条活动出勤等待审核"),
            "通过后记入时间存折和积分",
            "/attendance/review",
        );
    }
    if a.has(Role::Personnel) {
        let n = orders::view::count(&s.db, a, "assigned", Some("dispatched"), false).await?;
        add(
            n,
            format!("{n} 张订单派给了您，等您接单"),
            "接单或写明原因拒单",
            "/orders?view=assigned&state=dispatched",
        );
        let n = orders::view::count(&s.db, a, "assigned", Some("accepted"), false).await?;
        add(
            n,
            format!("{n} 张订单正在服务中"),
            "服务完成后填写用时",
            "/orders?view=assigned&state=accepted",
        );
    }
    let n = orders::view::count(&s.db, a, "mine", Some("done"), false).await?;
    add(
        n,
        format!("{n} 项服务已完成，请确认并评价"),
        "确认后服务时间才会记给服务人员",
        "/orders?view=mine&state=done",
    );
    Ok(())
}

/// To-dos from cases: what waits to be registered, dispatched, decided and verified in
/// the account's grids, what is the account's to handle or watch, what it may rate.
async fn case_todos(s: &AppState, a: &org::Access, todos: &mut Vec<Todo>) -> Result<(), PageError> {
    let mut add = |n: i64, text: String, sub: &str, href: &str| {
        if n > 0 {
            todos.push(Todo {
                text,
                sub: sub.into(),
                href: href.into(),
                count: n,
            });
        }
    };
    let dispatcher = super::words::is_dispatcher(a);
    if !cases::access::prefixes(a).is_empty() && (dispatcher || a.has(Role::GridLeader)) {
        let b = cases::view::board(&s.db, a, None).await?;
        let n = |code: &str| b.counts.iter().find(|c| c.0 == code).map_or(0, |c| c.2);
        if dispatcher {
            add(
                n("reported"),
                format!("待立案 {} 件", n("reported")),
                "核实上报的问题：立案、作废或合并",
                "/cases/list?state=reported",
            );
            add(
                n("registered"),
                format!("待派遣 {} 件", n("registered")),
                "派给处置人，时限从派遣时算起",
                "/cases/list?state=registered",
            );
            add(
                b.overdue,
                format!("已超期 {} 件", b.overdue),
                "超过处置时限，请督办",
                "/cases/list?overdue=true",
            );
            add(
                b.pending_requests,
                format!("待审批申请 {} 项", b.pending_requests),
                "处置人申请的回退、延期、缓办",
                "/cases/requests?state=pending",
            );
        }
        add(
            n("handled"),
            format!("待核查 {} 件", n("handled")),
            "到现场核查处置结果：通过即结案",
            "/cases/list?state=handled",
        );
    }
    let mine = |view: &str, state: &str| cases::CaseQuery {
        view: Some(view.into()),
        state: Some(state.into()),
        limit: Some(200),
        ..Default::default()
    };
    let n = cases::view::list(&s.db, a, &mine("assigned", "dispatched"))
        .await?
        .items
        .len() as i64;
    add(
        n,
        format!("待处置 {n} 件"),
        "派给您的案件：处置后提交结果",
        "/cases/list?view=assigned&state=dispatched",
    );
    let n = cases::watch::mine(&s.db, a)
        .await?
        .iter()
        .filter(|w| w.state == "active")
        .count() as i64;
    add(
        n,
        format!("盯守中 {n} 项"),
        "问题反弹时报告，盯守期满报告未见反弹",
        "/cases/watches",
    );
    let n = cases::view::list(&s.db, a, &mine("mine", "closed"))
        .await?
        .items
        .iter()
        .filter(|r| r.case.satisfaction.is_none())
        .count() as i64;
    add(
        n,
        format!("{n} 件您反映的问题已办结，请评价"),
        "满意、基本满意或不满意",
        "/cases/list?view=mine&state=closed",
    );
    Ok(())
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
    work_todos(&s, a, &mut todos).await?;
    case_todos(&s, a, &mut todos).await?;
    let me = org::people::get(&s.db, a, a.person_id()).await?;
    if me.kind == org::people::PersonKind::Personnel && me.availability.is_empty() {
        todos.push(Todo {
            text: "填写您的专长和可服务时间".into(),
            sub: "社区派单时只会在您方便的时间找您".into(),
            href: "/me#profile".into(),
            count: 0,
        });
    }
    let mut links = vec![("/cases/new", "上报问题（随手拍）")];
    if a.is_staff() {
        links.push(("/units", "组织与网格"));
        links.push(("/people", "人员名单"));
    }
    if a.is_administrator() {
        links.push(("/people/new", "登记人员"));
        links.push(("/import", "从 Excel 导入"));
    }
    if a.is_staff() {
        links.push(("/cases/categories", "问题类别与处置时限"));
    } else {
        links.push(("/cases/mine", "我反映的问题"));
    }
    if a.manages_city() {
        links.push(("/cases/calendar", "工作日历"));
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
