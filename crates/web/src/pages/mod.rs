//! Server-rendered pages (zh-CN, phone first). Every flow works as plain forms; a form
//! with errors is shown again with the message beside the field and nothing typed lost.

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::{Error, FieldError};
use org::{Access, Role};

use crate::AppState;

pub mod activities;
pub mod admin;
pub mod assess;
pub mod auth;
pub mod bank;
pub mod cases;
pub mod civic;
pub mod duty;
pub mod home;
pub mod inbox;
pub mod me;
pub mod orders;
pub mod org_pages;
pub mod patrols;
pub mod people;
pub mod registries;
pub mod words;
// reports (issue 7: bulletin, employer feedback, 述职)
pub mod reports;

// Reports: dashboards and the fairness view (branch dashboards).
pub mod dashboards;

/// All page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route(
            "/account/password",
            get(auth::password_page).post(auth::change_password),
        )
        .route(
            "/account/tokens",
            get(auth::tokens_page).post(auth::create_token),
        )
        .route("/account/tokens/{id}/revoke", post(auth::revoke_token))
        .route("/units", get(org_pages::tree))
        .route(
            "/units/new",
            get(org_pages::new_unit_page).post(org_pages::create_unit),
        )
        .route("/units/{id}", get(org_pages::unit_page))
        .route("/units/{id}/edit", post(org_pages::edit_unit))
        .route("/units/{id}/move", post(org_pages::move_unit))
        .route("/units/{id}/delete", post(org_pages::delete_unit))
        .route("/employers", get(org_pages::employers))
        .route(
            "/employers/new",
            get(org_pages::new_employer_page).post(org_pages::create_employer),
        )
        .route("/employers/{id}", get(org_pages::employer_page))
        .route(
            "/employers/{id}/edit",
            get(org_pages::edit_employer_page).post(org_pages::edit_employer),
        )
        .route(
            "/skills",
            get(org_pages::skills).post(org_pages::create_skill),
        )
        .route("/people", get(people::list))
        .route("/people/new", get(people::new_page).post(people::create))
        .route("/people/{id}", get(people::show))
        .route(
            "/people/{id}/edit",
            get(people::edit_page).post(people::edit),
        )
        .route("/people/{id}/account", post(people::create_account))
        .route(
            "/people/{id}/account/state",
            post(people::set_account_state),
        )
        .route("/people/{id}/roles", post(people::grant_role))
        .route(
            "/people/{id}/roles/{grant}/revoke",
            post(people::revoke_role),
        )
        .route("/me", get(me::me_page))
        .route("/me/profile", post(me::update_profile))
        .route("/me/record.json", get(me::download_record))
        .route("/dispatch", get(orders::board))
        .route("/orders", get(orders::list))
        .route("/orders/new", get(orders::new_page).post(orders::place))
        .route("/orders/overrides", get(orders::overrides))
        .route("/orders/{id}", get(orders::show))
        .route(
            "/orders/{id}/dispatch",
            get(orders::dispatch_page).post(orders::dispatch),
        )
        .route("/orders/{id}/accept", post(orders::accept))
        .route("/orders/{id}/decline", post(orders::decline))
        .route("/orders/{id}/finish", post(orders::finish))
        .route("/orders/{id}/confirm", post(orders::confirm))
        .route("/orders/{id}/rate-back", post(orders::rate_back))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/inbox", get(inbox::list))
        .route("/inbox/unread", get(inbox::unread))
        .route("/inbox/read-all", post(inbox::read_all))
        .route("/inbox/{id}/read", post(inbox::read_one))
        .route("/activities", get(activities::list))
        .route(
            "/activities/new",
            get(activities::new_page).post(activities::publish),
        )
        .route("/activities/{id}", get(activities::show))
        .route("/activities/{id}/signup", post(activities::signup))
        .route("/activities/{id}/withdraw", post(activities::withdraw))
        .route("/activities/{id}/checkin", post(activities::checkin))
        .route("/activities/{id}/cancel", post(activities::cancel))
        .route("/activities/{id}/roster", get(activities::roster))
        .route("/activities/{id}/roll-call", post(activities::roll_call))
        .route("/attendance/review", get(activities::review_queue))
        .route("/attendance/{id}/review", post(activities::review))
        .route("/me/activities", get(activities::mine))
        .route("/bank", get(bank::my_bank))
        .route("/bank/donate", post(bank::donate))
        .route("/bank/statement.xlsx", get(bank::statement_xlsx))
        .route(
            "/bank/credit",
            get(bank::credit::page).post(bank::credit::record),
        )
        .route("/bank/funds", get(bank::funds::list))
        .route("/bank/funds/{unit_id}", get(bank::funds::fund_page))
        .route("/bank/funds/{unit_id}/grant", post(bank::funds::grant))
        .route("/bank/trial-balance", get(bank::funds::trial_balance))
        .route(
            "/bank/funds/{unit_id}/guarantee",
            post(bank::more::guarantee),
        )
        .route(
            "/bank/gift",
            get(bank::more::gift_page).post(bank::more::give),
        )
        .route(
            "/bank/relatives",
            get(bank::more::relatives_page).post(bank::more::link_relative),
        )
        .route(
            "/bank/exchanges",
            get(bank::more::exchanges_page).post(bank::more::propose),
        )
        .route("/bank/exchanges/{id}/confirm", post(bank::more::confirm))
        .route("/bank/exchanges/{id}/cancel", post(bank::more::cancel))
        .route(
            "/bank/items",
            get(bank::more::items_page).post(bank::more::add_item),
        )
        .route("/bank/items/{id}/redeem", post(bank::more::redeem))
        .route("/bank/honours", get(bank::more::honours_page))
        .route(
            "/bank/standard",
            get(bank::standard::page).post(bank::standard::set_rule),
        )
        .route("/bank/settings", post(bank::standard::set_setting))
        .route("/cases", get(self::cases::board::board))
        .route(
            "/cases/new",
            get(self::cases::report::new_page).post(self::cases::report::submit),
        )
        .route("/cases/list", get(self::cases::board::list))
        .route("/cases/mine", get(self::cases::board::mine))
        .route("/cases/requests", get(self::cases::followup::requests))
        .route("/cases/watches", get(self::cases::followup::watches))
        .route(
            "/cases/watches/{id}/report",
            post(self::cases::followup::watch_report),
        )
        .route("/cases/map", get(self::cases::map::page))
        .route("/cases/map/responsible", post(self::cases::map::appoint))
        .route("/cases/figures", get(self::cases::figures::page))
        .route(
            "/cases/figures/people/{id}",
            get(self::cases::figures::person),
        )
        .route("/cases/categories", get(self::cases::catalogue::categories))
        .route(
            "/cases/categories/{id}",
            post(self::cases::catalogue::update_category),
        )
        .route(
            "/cases/calendar",
            get(self::cases::catalogue::calendar).post(self::cases::catalogue::add_day),
        )
        .route(
            "/cases/calendar/{id}/remove",
            post(self::cases::catalogue::remove_day),
        )
        .route("/cases/{id}", get(self::cases::detail::show))
        .route("/cases/{id}/{step}", post(self::cases::steps::step))
        .route("/import", get(admin::import_page))
        .route("/import/{kind}", post(admin::import))
        .route("/templates/{kind}", get(admin::template))
        .route("/export/{kind}", get(admin::export))
        .route("/patrols", get(patrols::home))
        .route("/patrols/start", post(patrols::start))
        .route(
            "/patrols/past",
            get(patrols::past_page).post(patrols::record),
        )
        .route("/patrols/scope", get(patrols::list::list))
        .route(
            "/patrols/roster",
            get(patrols::roster::page).post(patrols::roster::add),
        )
        .route("/patrols/roster/{id}/delete", post(patrols::roster::remove))
        .route("/patrols/{id}", get(patrols::show))
        .route("/patrols/{id}/end", post(patrols::end))
        .route("/patrols/{id}/resubmit", post(patrols::resubmit))
        .route("/patrols/{id}/confirm", post(patrols::confirm))
        .route("/patrols/{id}/return", post(patrols::send_back))
        .route("/registries", get(registries::list))
        .route(
            "/registries/new",
            get(registries::new_page).post(registries::create),
        )
        .route("/registries/import", get(registries::sheets::page))
        .route(
            "/registries/import/{kind}",
            post(registries::sheets::upload),
        )
        .route(
            "/registries/templates/{kind}",
            get(registries::sheets::template),
        )
        .route("/registries/export/{kind}", get(registries::sheets::export))
        .route("/registries/{id}", get(registries::show))
        .route(
            "/registries/{id}/edit",
            get(registries::edit_page).post(registries::edit),
        )
        .route("/registries/{id}/deactivate", post(registries::deactivate))
        .route("/registries/{id}/reactivate", post(registries::reactivate))
        .route("/admin/audit", get(admin::audit))
        .route(
            "/admin/retention",
            get(admin::retention).post(admin::set_retention),
        )
        .route("/assess", get(assess::home))
        .route("/assess/results", get(assess::unit_results))
        .route("/assess/results/{id}", get(assess::result))
        .route("/assess/results/{id}/contest", post(assess::contest))
        .route("/assess/results/{id}/answer", post(assess::answer))
        // reports (issue 7) — begin
        .route("/reports/bulletin", get(reports::bulletin))
        .route("/reports/bulletin.xlsx", get(reports::bulletin_xlsx))
        .route("/reports/bulletin.pdf", get(reports::bulletin_pdf))
        .route("/reports/employer", get(reports::employer))
        .route("/reports/employer.xlsx", get(reports::employer_xlsx))
        .route("/reports/employer.pdf", get(reports::employer_pdf))
        .route(
            "/me/annual-report",
            get(reports::annual).post(reports::save_annual),
        )
        .route("/me/annual-report/submit", post(reports::submit_annual))
        .route("/me/annual-report.xlsx", get(reports::annual_xlsx))
        .route("/me/annual-report.pdf", get(reports::annual_pdf))
        // reports (issue 7) — end
        .route("/duty", get(duty::home))
        .route("/duty/shifts/{id}/leave", post(duty::request_leave))
        .route("/duty/shifts/{id}/swap", post(duty::propose_swap))
        .route("/duty/leaves/{id}/decide", post(duty::decide_leave))
        .route("/duty/swaps/{id}/answer", post(duty::answer_swap))
        .route("/duty/swaps/{id}/decide", post(duty::decide_swap))
        .route("/duty/roster", get(duty::roster).post(duty::create_shift))
        .route(
            "/duty/shifts/{id}/absent/{person_id}",
            post(duty::record_absence),
        )
        .route("/duty/absences/{id}/contest", post(duty::contest_absence))
        .route("/duty/absences/{id}/answer", post(duty::answer_absence))
        .route(
            "/duty/meetings",
            get(duty::meetings).post(duty::create_meeting),
        )
        .route("/duty/meetings/{id}/rollcall", post(duty::roll_call))
        .route("/duty/meetings/{id}/signin", post(duty::sign_in))
        .route("/civic", get(civic::home))
        .route(
            "/civic/opinions/new",
            get(civic::opinion_new).post(civic::opinion_send),
        )
        .route(
            "/civic/platform/new",
            get(civic::platform_new).post(civic::platform_send),
        )
        .route("/civic/receipt", get(civic::follow))
        .route("/civic/ledger", get(civic::ledger))
        .route("/civic/platform", get(civic::platform_ledger))
        .route("/civic/opinions/{id}/answer", post(civic::answer))
        .route("/civic/opinions/{id}/case", post(civic::to_case))
        .route("/civic/opinions/{id}/proposal", post(civic::to_proposal))
        .route("/civic/proposals", get(civic::proposals::list))
        .route(
            "/civic/proposals/new",
            get(civic::proposals::new_page).post(civic::proposals::create),
        )
        .route("/civic/proposals/{id}", get(civic::proposals::show))
        .route(
            "/civic/proposals/{id}/stage",
            post(civic::proposals::move_stage),
        )
        .route(
            "/civic/proposals/{id}/decide",
            post(civic::proposals::decide),
        )
        .route(
            "/civic/proposals/{id}/consent",
            post(civic::proposals::consent),
        )
        .route(
            "/civic/proposals/{id}/comment",
            post(civic::proposals::comment),
        )
        .route(
            "/civic/forums",
            get(civic::forums::list).post(civic::forums::create),
        )
        .route("/civic/polls", get(civic::polls::list))
        .route(
            "/civic/polls/new",
            get(civic::polls::new_page).post(civic::polls::create),
        )
        .route("/civic/polls/{id}", get(civic::polls::show))
        .route("/civic/polls/{id}/vote", post(civic::polls::vote))
        // Reports: dashboards and the fairness view (branch dashboards).
        .route("/reports/dashboard", get(dashboards::dashboard))
        .route("/reports/fairness", get(dashboards::fairness))
}

/// A menu entry.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
    /// Whether it is the current area.
    pub active: bool,
}

/// What every framed page shows around its content.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Page title.
    pub title: String,
    /// Who is signed in.
    pub user_name: String,
    /// CSRF token for forms.
    pub csrf: String,
    /// Left menu (PC).
    pub nav: Vec<NavItem>,
    /// Bottom tab bar (phone).
    pub tabs: Vec<NavItem>,
    /// Breadcrumb of the organisation scope: (href, label).
    pub crumbs: Vec<(String, String)>,
    /// Result of the last action.
    pub toast: Option<String>,
    /// Back link on phones.
    pub back: Option<String>,
}

impl Frame {
    /// The frame for `access`, with `area` marked active in the menus.
    pub fn new(access: &Access, title: impl Into<String>, area: &str) -> Frame {
        let admin = access.is_administrator();
        let staff = access.is_staff();
        let dispatcher = words::is_dispatcher(access);
        let personnel = access.has(Role::Personnel);
        let mut nav: Vec<(&'static str, &'static str, &'static str)> =
            vec![("/", "工作台", "home")];
        if dispatcher {
            nav.push(("/dispatch", "派单", "dispatch"));
        } else {
            nav.push(("/orders", "我的订单", "orders"));
        }
        if dispatcher || personnel {
            nav.push(("/activities", "活动", "activities"));
        }
        let grid_staff = access.grants().iter().any(|g| {
            matches!(
                g.role,
                Role::PlatformAdmin
                    | Role::Admin
                    | Role::CommunityCadre
                    | Role::GridLeader
                    | Role::Inspector
            )
        });
        if grid_staff {
            nav.push(("/cases", "案件", "cases"));
            nav.push(("/patrols", "巡查", "patrols"));
            nav.push(("/registries", "登记造册", "registries"));
            nav.push(("/duty", "值班与会议", "duty"));
        } else {
            nav.push(("/cases/mine", "我反映的问题", "cases"));
            if personnel {
                nav.push(("/patrols", "巡查", "patrols"));
                nav.push(("/duty", "值班与会议", "duty"));
            }
        }
        if staff || personnel || !access.employer_ids().is_empty() {
            nav.push(("/assess", "考评", "assess"));
        }
        nav.push(("/civic", "议事与民意", "civic"));
        // Reports: dashboards for those over a node, the fairness view for employer admins
        // (branch dashboards).
        if ::reports::dashboard::home_unit(access).is_some() {
            nav.push(("/reports/dashboard", "工作看板", "reports"));
        } else if access.has(Role::EmployerAdmin) {
            nav.push(("/reports/fairness", "任务负担", "reports"));
        }
        if staff {
            nav.push(("/units", "组织与网格", "units"));
            nav.push(("/people", "人员", "people"));
            nav.push(("/employers", "派出单位", "employers"));
        }
        nav.push(("/bank", "时间银行与积分", "bank"));
        if admin {
            nav.push(("/skills", "专长目录", "skills"));
            nav.push(("/import", "导入导出", "import"));
        }
        if !access.audit_prefixes().is_empty() {
            nav.push(("/admin/audit", "操作日志", "audit"));
        }
        if admin {
            nav.push(("/admin/retention", "设置", "settings"));
        }
        nav.push(("/inbox", "消息", "inbox"));
        nav.push(("/me", "我的", "me"));
        let tabs: Vec<(&'static str, &'static str, &'static str)> = if dispatcher {
            vec![
                ("/", "待办", "home"),
                ("/dispatch", "派单", "dispatch"),
                ("/cases", "案件", "cases"),
                ("/activities", "活动", "activities"),
                ("/me", "我的", "me"),
            ]
        } else if grid_staff {
            vec![
                ("/", "待办", "home"),
                ("/cases", "案件", "cases"),
                ("/patrols", "巡查", "patrols"),
                ("/me", "我的", "me"),
            ]
        } else if staff {
            vec![
                ("/", "待办", "home"),
                ("/units", "网格", "units"),
                ("/people", "人员", "people"),
                ("/me", "我的", "me"),
            ]
        } else if personnel {
            vec![
                ("/", "任务", "home"),
                ("/activities", "活动", "activities"),
                ("/bank", "时间银行", "bank"),
                ("/me", "我的", "me"),
            ]
        } else {
            vec![
                ("/", "首页", "home"),
                ("/orders/new", "我要办", "order_new"),
                ("/me", "我的", "me"),
            ]
        };
        let item = |(href, label, key): (&'static str, &'static str, &'static str)| NavItem {
            href,
            label,
            active: key == area,
        };
        Frame {
            title: title.into(),
            user_name: access.name().to_owned(),
            csrf: access.csrf().to_owned(),
            nav: nav.into_iter().map(item).collect(),
            tabs: tabs.into_iter().map(item).collect(),
            crumbs: vec![],
            toast: None,
            back: None,
        }
    }

    /// Set the toast from a `?toast=` query value.
    pub fn with_toast(mut self, toast: Option<String>) -> Frame {
        self.toast = toast.filter(|t| !t.is_empty() && t.chars().count() <= 100);
        self
    }

    /// Set the back link.
    pub fn with_back(mut self, href: impl Into<String>) -> Frame {
        self.back = Some(href.into());
        self
    }
}

/// Field errors of a form, looked up by field name in templates.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// The message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
    /// Whether `field` has an error.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
    /// Errors for fields the form does not show by name.
    pub fn others<S: AsRef<[&'static str]> + ?Sized>(&self, shown: &S) -> Vec<String> {
        let shown = shown.as_ref();
        self.0
            .iter()
            .filter(|e| !shown.contains(&e.field.as_str()))
            .map(|e| e.message.clone())
            .collect()
    }
}

/// Render a template into a response (500 page if the template fails).
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "出错了",
                "页面生成失败，请稍后再试。",
            )
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
}

/// A plain page with a message and a way back.
pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = MessagePage { title, message }
        .render()
        .unwrap_or_else(|_| message.to_owned());
    (status, Html(html)).into_response()
}

/// An error on a page.
pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (_, status, title) = crate::error::classify(&self.0);
        if status.is_server_error() {
            tracing::error!(error = %self.0, "internal error on a page");
        }
        match self.0 {
            Error::Unauthenticated => Redirect::to("/login").into_response(),
            Error::Invalid(v) => {
                let msg = v
                    .into_iter()
                    .map(|f| f.message)
                    .collect::<Vec<_>>()
                    .join("；");
                message_page(status, "提交的内容有误", &msg)
            }
            Error::NotFound => message_page(status, "找不到", &title),
            Error::Forbidden(_) => message_page(status, "没有权限", &title),
            _ => message_page(status, "操作未完成", &title),
        }
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, PageError>;

/// Redirect after a successful form, with a toast.
pub fn done(to: &str, toast: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!(
        "{to}{sep}toast={}",
        crate::extract::urlencode(toast)
    ))
    .into_response()
}

/// The Chinese names of the roles an account holds, with their nodes.
pub fn role_labels(access: &Access) -> Vec<String> {
    access
        .grants()
        .iter()
        .map(|g| format!("{}（{}）", g.role.label(), g.unit_name))
        .collect()
}

/// Roles selectable in a grant form.
pub fn role_choices() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

/// Parse an optional id typed into a form.
pub fn opt_id(s: &Option<String>) -> Option<i64> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

/// Query carrying a toast after a redirect.
#[derive(Debug, serde::Deserialize, Default)]
pub struct ToastQuery {
    /// The message.
    pub toast: Option<String>,
}
