//! The JSON API under `/api/v1`: the same services as the pages, documented by OpenAPI
//! (generated from the handlers), answering problem documents on error.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub mod activities;
pub mod admin;
pub mod assessment;
pub mod auth;
pub mod bank;
pub mod bench;
pub mod cases;
pub mod civic;
pub mod duty;
// reports (issue 7)
pub mod inbox;
pub mod orders;
pub mod org;
pub mod patrols;
pub mod people;
pub mod registries;
pub mod reports;

// Reports: dashboards and the fairness view (branch dashboards).
pub mod dashboards;

/// Result of an API handler.
pub type ApiResult<T> = Result<T, crate::error::ApiError>;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "civicgrid API",
        description = "城市社区“下沉”工作平台接口。认证：先用 POST /api/v1/auth/token 取得令牌，\
                       之后每个请求带 `Authorization: Bearer <令牌>`。错误以 RFC 9457 问题文档返回。"
    ),
    modifiers(&Bearer),
    tags(
        (name = "auth", description = "登录、令牌与本人信息"),
        (name = "org", description = "组织树、派出单位、专长目录"),
        (name = "people", description = "人员、双报到、账号与角色"),
        (name = "admin", description = "操作日志、数据保存期限、导入导出"),
        (name = "ledger", description = "积分与时间银行"),
        (name = "activities", description = "活动：发布、报名与候补、签到签退、点名与出勤审核"),
        (name = "orders", description = "群众点单、社区派单、下沉人员接单"),
        (name = "inbox", description = "站内消息"),
        (name = "cases", description = "案件：上报、立案、派遣、处置、核查、结案，回退延期缓办，上报上级，盯守复查，指标"),
        (name = "patrols", description = "网格巡查：排班、巡查记录、确认与退回"),
        (name = "registries", description = "登记造册：企业、摊点摊贩、道路、楼栋"),
        (name = "duty", description = "值班、请假调班、会议培训"),
        (name = "civic", description = "民主议事、民意箱、民意测验、平台意见"),
        (name = "assessment", description = "考评：方案与版本、按期运行、结果与依据、申诉、评优与罚款"),
        (name = "reports", description = "报表：各级工作看板与图表、任务负担与公平性、月通报、双报到反馈、述职报告（均由工作记录生成，可导出 Excel 和 PDF）")
    )
)]
struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// Every API route with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(auth::create_token, auth::delete_token))
        .routes(routes!(auth::me))
        .routes(routes!(auth::update_profile))
        .routes(routes!(auth::my_record))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::list_tokens, auth::new_token))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(org::list_units, org::create_unit))
        .routes(routes!(org::get_unit, org::update_unit, org::delete_unit))
        .routes(routes!(org::move_unit))
        .routes(routes!(org::unit_children))
        .routes(routes!(org::unit_tree))
        .routes(routes!(org::unit_people))
        .routes(routes!(org::list_employers, org::create_employer))
        .routes(routes!(org::get_employer, org::update_employer))
        .routes(routes!(org::employer_people))
        .routes(routes!(org::list_skills, org::create_skill))
        .routes(routes!(people::list_people, people::create_person))
        .routes(routes!(people::get_person, people::update_person))
        .routes(routes!(
            people::get_account,
            people::create_account,
            people::set_account
        ))
        .routes(routes!(people::grant_role))
        .routes(routes!(people::revoke_role))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::retention, admin::set_retention))
        .routes(routes!(admin::template))
        .routes(routes!(admin::import))
        .routes(routes!(admin::export))
        .routes(routes!(bank::credit))
        .routes(routes!(bank::donate))
        .routes(routes!(bank::grant))
        .routes(routes!(bank::transaction))
        .routes(routes!(bank::reverse))
        .routes(routes!(bank::me))
        .routes(routes!(bank::person))
        .routes(routes!(bank::person_statement))
        .routes(routes!(bank::fund))
        .routes(routes!(bank::trial_balance))
        .routes(routes!(bank::standard, bank::set_rule))
        .routes(routes!(bank::set_setting))
        .routes(routes!(bank::link_relative))
        .routes(routes!(bank::relatives))
        .routes(routes!(bank::give))
        .routes(routes!(bank::propose))
        .routes(routes!(bank::confirm))
        .routes(routes!(bank::cancel))
        .routes(routes!(bank::items, bank::add_item))
        .routes(routes!(bank::redeem))
        .routes(routes!(bank::guarantee))
        .routes(routes!(bank::honours))
        .routes(routes!(bank::export_beancount))
        .routes(routes!(activities::list, activities::create))
        .routes(routes!(activities::get))
        .routes(routes!(activities::cancel))
        .routes(routes!(activities::signup))
        .routes(routes!(activities::withdraw))
        .routes(routes!(activities::roster))
        .routes(routes!(activities::checkin))
        .routes(routes!(activities::roll_call))
        .routes(routes!(activities::review_queue))
        .routes(routes!(activities::review))
        .routes(routes!(activities::mine))
        .routes(routes!(orders::categories))
        .routes(routes!(orders::board))
        .routes(routes!(orders::overrides))
        .routes(routes!(orders::list, orders::place))
        .routes(routes!(orders::get))
        .routes(routes!(orders::recommendations))
        .routes(routes!(orders::dispatch))
        .routes(routes!(orders::accept))
        .routes(routes!(orders::decline))
        .routes(routes!(orders::finish))
        .routes(routes!(orders::confirm))
        .routes(routes!(orders::rate_back))
        .routes(routes!(orders::cancel))
        .routes(routes!(inbox::list))
        .routes(routes!(inbox::read_one))
        .routes(routes!(inbox::read_all))
        .routes(routes!(cases::list, cases::report))
        .routes(routes!(cases::board))
        .routes(routes!(cases::map))
        .routes(routes!(cases::get))
        .routes(routes!(cases::handlers))
        .routes(routes!(cases::register))
        .routes(routes!(cases::void))
        .routes(routes!(cases::merge))
        .routes(routes!(cases::dispatch))
        .routes(routes!(cases::handle))
        .routes(routes!(cases::verify))
        .routes(routes!(cases::rate))
        .routes(routes!(cases::escalate))
        .routes(routes!(cases::resume))
        .routes(routes!(cases::ask))
        .routes(routes!(cases::decide))
        .routes(routes!(cases::requests))
        .routes(routes!(cases::watch))
        .routes(routes!(cases::my_watches))
        .routes(routes!(cases::watch_report))
        .routes(routes!(cases::add_photo))
        .routes(routes!(cases::photo))
        .routes(routes!(cases::figures))
        .routes(routes!(cases::person_figures))
        .routes(routes!(cases::categories))
        .routes(routes!(cases::update_category))
        .routes(routes!(cases::calendar, cases::add_calendar_day))
        .routes(routes!(cases::remove_calendar_day))
        .routes(routes!(cases::responsible, cases::appoint))
        .routes(routes!(patrols::list, patrols::start))
        .routes(routes!(patrols::record))
        .routes(routes!(patrols::current))
        .routes(routes!(patrols::records))
        .routes(routes!(patrols::roster, patrols::add_slot))
        .routes(routes!(patrols::my_slots))
        .routes(routes!(patrols::change_slot, patrols::remove_slot))
        .routes(routes!(patrols::get))
        .routes(routes!(patrols::end))
        .routes(routes!(patrols::resubmit))
        .routes(routes!(patrols::confirm))
        .routes(routes!(patrols::send_back))
        .routes(routes!(registries::kinds))
        .routes(routes!(registries::list, registries::create))
        .routes(routes!(registries::get, registries::update))
        .routes(routes!(registries::deactivate))
        .routes(routes!(registries::reactivate))
        .routes(routes!(registries::template))
        .routes(routes!(registries::import))
        .routes(routes!(registries::export))
        .routes(routes!(duty::roster, duty::create_shift))
        .routes(routes!(duty::candidates))
        .routes(routes!(duty::mine))
        .routes(routes!(duty::get_shift))
        .routes(routes!(duty::add_person))
        .routes(routes!(duty::request_leave))
        .routes(routes!(duty::decide_leave))
        .routes(routes!(duty::propose_swap))
        .routes(routes!(duty::get_swap))
        .routes(routes!(duty::answer_swap))
        .routes(routes!(duty::decide_swap))
        .routes(routes!(duty::record_absence))
        .routes(routes!(duty::get_absence))
        .routes(routes!(duty::contest_absence))
        .routes(routes!(duty::answer_absence))
        .routes(routes!(duty::queue))
        .routes(routes!(duty::meetings, duty::create_meeting))
        .routes(routes!(duty::get_meeting))
        .routes(routes!(duty::sign_in))
        .routes(routes!(duty::roll_call))
        .routes(routes!(civic::proposals, civic::create_proposal))
        .routes(routes!(civic::proposal))
        .routes(routes!(civic::move_stage))
        .routes(routes!(civic::comment))
        .routes(routes!(civic::amend))
        .routes(routes!(civic::consent))
        .routes(routes!(civic::decide))
        .routes(routes!(civic::link))
        .routes(routes!(civic::forums, civic::create_forum))
        .routes(routes!(civic::forum))
        .routes(routes!(civic::ledger, civic::submit_opinion))
        .routes(routes!(civic::my_opinions))
        .routes(routes!(civic::follow))
        .routes(routes!(civic::opinion))
        .routes(routes!(civic::assign))
        .routes(routes!(civic::answer))
        .routes(routes!(civic::convert))
        .routes(routes!(civic::platform_ledger, civic::submit_platform))
        .routes(routes!(civic::polls, civic::create_poll))
        .routes(routes!(civic::poll))
        .routes(routes!(civic::vote))
        .routes(routes!(civic::chart))
        .routes(routes!(assessment::schemes, assessment::create_scheme))
        .routes(routes!(assessment::versions, assessment::add_version))
        .routes(routes!(assessment::run))
        .routes(routes!(assessment::close))
        .routes(routes!(assessment::results))
        .routes(routes!(assessment::distribution))
        .routes(routes!(assessment::result))
        .routes(routes!(assessment::contest))
        .routes(routes!(assessment::answer))
        .routes(routes!(assessment::awards))
        .routes(routes!(assessment::fines))
        .routes(routes!(dashboards::dashboard))
        .routes(routes!(dashboards::chart))
        .routes(routes!(dashboards::fairness))
        .routes(routes!(reports::bulletin))
        .routes(routes!(reports::employer))
        .routes(routes!(reports::annual, reports::save_annual))
        .routes(routes!(reports::submit_annual));
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}
