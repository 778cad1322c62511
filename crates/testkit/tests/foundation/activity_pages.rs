//! Activity pages: a cadre publishes through the form (a bad submit is shown again with the
//! messages and nothing typed lost), personnel see what fits them with the reasons and sign
//! up, the waitlist promotes, check-in works as a plain form (inside → 签到成功, outside →
//! recorded with the distance and reviewed), the review queue approves with adjusted
//! minutes that reach the time bank, roll call on the roster, and nobody outside the scope
//! sees any of it.

use crate::page_checks::assert_page;
use serde_json::json;
use testkit::{Api, Browser, Page, TestApp};

use crate::activities::{activity, at, personnel, pos, publish};

/// Follow the redirect after a form (303) and return the page it leads to.
async fn follow(b: &Browser, p: &Page) -> Page {
    assert_eq!(p.status, 303, "expected a redirect: {}", p.html);
    b.get(p.location.as_deref().expect("a location")).await
}

/// The pending attendance record of `person`, through the API.
async fn attendance_of(api: &Api, person: i64) -> i64 {
    let q = api.get("/attendance/review").await;
    assert_eq!(q.status, 200, "{:?}", q.body);
    q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["person_id"] == person)
        .unwrap_or_else(|| panic!("no pending attendance of {person}: {:?}", q.body))["id"]
        .as_i64()
        .unwrap()
}

async fn publish_through_the_form_and_sign_up(app: TestApp) {
    let fx = &app.fx;
    let cadre = app.browser("cadre_a").await;
    let form = cadre.get("/activities/new").await;
    assert_page("/activities/new", &form, "职责类别");
    for text in [
        "参加志愿服务",
        "处理突发事件",
        "医疗",
        "甲区民政局",
        "仅限党员",
        "中心点经度",
        "半径（米）",
        "type=\"datetime-local\"",
        ">发布活动</button>",
    ] {
        assert!(form.html.contains(text), "the form should have {text}");
    }
    let skill = fx.skills[0].to_string();
    let unit = fx.community_a.to_string();
    let start = at(2 * 1440);
    let before_start = at(2 * 1440 - 60);
    let end = at(2 * 1440 + 120);
    let fields = |ends: &str, capacity: &str| -> Vec<(&'static str, String)> {
        vec![
            ("unit_id", unit.clone()),
            ("duty_kind", "duty.service".into()),
            ("title", "义诊进社区".into()),
            ("description", "量血压、测血糖".into()),
            ("starts_at", start.clone()),
            ("ends_at", ends.to_owned()),
            ("place", "甲社区卫生站".into()),
            ("fence", "circle".into()),
            ("lon", "114.3".into()),
            ("lat", "30.6".into()),
            ("crs", "wgs84".into()),
            ("radius_m", "200".into()),
            ("capacity", capacity.to_owned()),
            ("wanted_skill_ids", skill.clone()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let cadre = &cadre;
        async move {
            let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            cadre
                .submit("/activities/new", "/activities/new", &form)
                .await
        }
    };
    // End before start and no seats: both said beside their fields, nothing lost, nothing
    // written.
    let bad = send(fields(&before_start, "0")).await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    for text in [
        "结束时间必须晚于开始时间",
        "名额应在 1 到 10000 之间",
        "value=\"义诊进社区\"",
        "value=\"甲社区卫生站\"",
        "量血压、测血糖",
        &format!("value=\"{before_start}\""),
        &format!("value=\"{skill}\" checked"),
        "value=\"duty.service\" checked",
    ] {
        assert!(
            bad.html.contains(text),
            "the re-shown form should have {text}"
        );
    }
    assert!(!bad.html.contains(" style=\""));
    assert_eq!(app.count("activity").await, 0);

    let good = send(fields(&end, "5")).await;
    assert_eq!(good.status, 303, "{}", good.html);
    let to = good.location.clone().unwrap();
    let id: i64 = to["/activities/".len()..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let shown = follow(&cadre, &good).await;
    assert_page(&to, &shown, "已发布活动「义诊进社区」");
    for text in [
        "联系服务群众",
        "报名名单和点名",
        "取消这个活动",
        "活动地点周围 200 米内",
    ] {
        assert!(shown.html.contains(text), "the organiser's view: {text}");
    }
    let staff = cadre.get("/activities").await;
    assert_page("/activities", &staff, "义诊进社区");
    assert!(staff.html.contains(&format!("/activities/{id}/roster")));
    assert!(staff.html.contains(">发布活动</a>"));

    // The person it fits sees it with the reasons, and signs up.
    let me = app.browser("personnel_a").await;
    let list = me.get("/activities").await;
    assert_page("/activities", &list, "义诊进社区");
    for text in [
        "为什么推荐给您",
        "需要您的专长：医疗",
        "还剩 5 个名额",
        "可以报名的活动",
    ] {
        assert!(list.html.contains(text), "the list should say {text}");
    }
    assert!(
        list.html.contains(">活动</a>") && list.html.contains(">时间银行</a>"),
        "personnel tabs"
    );
    let path = format!("/activities/{id}");
    let detail = me.get(&path).await;
    assert_page(&path, &detail, ">报名参加</button>");
    assert!(detail.html.contains("需要的专长"));
    assert!(!detail.html.contains("取消这个活动"), "not the organiser");
    let r = me.submit(&path, &format!("{path}/signup"), &[]).await;
    let after = follow(&me, &r).await;
    assert_page(&path, &after, "报名成功");
    assert!(after.html.contains("您已获得名额"));
    assert!(after.html.contains(">取消报名</button>"));
    assert!(
        after.html.contains("签到在活动开始前 30 分钟开放"),
        "no check-in two days ahead"
    );
    assert!(!after.html.contains("data-geo-checkin"));
    let list = me.get("/activities").await;
    let mine_at = list.html.find("我报名的").unwrap();
    let title_at = list.html.find("义诊进社区").unwrap();
    assert!(mine_at < title_at, "the sign-up is listed at the top");
    let mine = me.get("/me/activities").await;
    assert_page("/me/activities", &mine, "义诊进社区");
    assert!(mine.html.contains("已报名"));
}

async fn the_waitlist_promotes_through_the_pages(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let id = publish(&cadre, activity(&app, "一个名额的活动", 2 * 1440, 120, 1)).await;
    let path = format!("/activities/{id}");
    let first = app.browser("personnel_a").await;
    let r = first.submit(&path, &format!("{path}/signup"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.html);

    let (_, _) = personnel(&app, 21).await;
    let second = app.browser("newp21").await;
    let p = second.get(&path).await;
    assert_page(&path, &p, ">报名候补</button>");
    assert!(p.html.contains("名额已满"));
    let r = second.submit(&path, &format!("{path}/signup"), &[]).await;
    let p = follow(&second, &r).await;
    assert_page(&path, &p, "候补第 1 位");
    assert!(p.html.contains("名额已满，您在候补第 1 位"), "the toast");
    // Twice is refused with the reason, on the page.
    let again = second.submit(&path, &format!("{path}/signup"), &[]).await;
    assert_eq!(again.status, 409);
    assert!(again.html.contains("不用重复报名"), "{}", again.html);
    assert_eq!(app.count("activity_signup").await, 2);

    let r = first.submit(&path, &format!("{path}/withdraw"), &[]).await;
    let p = follow(&first, &r).await;
    assert_page(&path, &p, "已取消报名");
    assert!(p.html.contains(">报名候补</button>"), "may sign up again");

    let p = second.get(&path).await;
    assert_page(&path, &p, "您已获得名额");
    assert!(!p.html.contains("候补第"), "{}", p.html);
    let list = second.get("/activities").await;
    assert!(list.html.contains("已报名"));

    let roster = app
        .browser("cadre_a")
        .await
        .get(&format!("{path}/roster"))
        .await;
    assert_page(&format!("{path}/roster"), &roster, "新下沉21");
    assert!(roster.html.contains("由候补递补"));
    assert!(roster.html.contains("已报名（1 人）"));
    assert!(roster.html.contains("活动开始后才能点名"));
}

/// Move an activity and its check-ins three hours back, as if the cadre reviewed it after
/// it ended.
async fn ended(app: &TestApp, id: i64) {
    let back = 3 * 3_600_000;
    let changed = app
        .exec(&format!(
            "UPDATE activity SET starts_at = starts_at - {back}, ends_at = ends_at - {back} \
             WHERE id = {id}"
        ))
        .await;
    assert_eq!(changed, 1);
    app.exec(&format!(
        "UPDATE checkin SET at = at - {back} WHERE activity_id = {id}"
    ))
    .await;
}

async fn check_in_and_review_through_the_pages(app: TestApp) {
    let cadre_api = app.api("cadre_a").await;
    let id = publish(&cadre_api, activity(&app, "正在进行的活动", -10, 120, 5)).await;
    let path = format!("/activities/{id}");
    let checkin = format!("{path}/checkin");
    let me = app.browser("personnel_a").await;
    let r = me.submit(&path, &format!("{path}/signup"), &[]).await;
    assert_eq!(r.status, 303);
    let d = me.get(&path).await;
    assert_page(&path, &d, "获取位置并签到");
    for text in [
        "data-geo-checkin",
        "data-geo-button",
        "name=\"direction\" value=\"in\"",
        "name=\"crs\" value=\"wgs84\"",
        "name=\"accuracy\"",
        "组织者点名确认同样算出勤",
        "不会持续定位",
        "按填写的位置签到",
    ] {
        assert!(
            d.html.contains(text),
            "the check-in block should have {text}"
        );
    }

    // A typed coordinate that is not a number is said beside the field; nothing written.
    let bad = me
        .submit(
            &path,
            &checkin,
            &[
                ("direction", "in"),
                ("lon", "东经114"),
                ("lat", "30.6"),
                ("accuracy", ""),
                ("crs", "wgs84"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("经度请填数字"));
    assert!(
        bad.html.contains("value=\"东经114\""),
        "what was typed is kept"
    );
    assert!(
        bad.html.contains("data-geo-keep"),
        "the typed fields stay open"
    );
    let bad = me
        .submit(
            &path,
            &checkin,
            &[
                ("direction", "in"),
                ("lon", "114.3"),
                ("lat", "30.6"),
                ("accuracy", "很准"),
                ("crs", "wgs84"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("定位精度请填数字"));
    assert_eq!(app.count("checkin").await, 0);

    // About 48 m from the centre: 签到成功, then the check-out button.
    let r = me
        .submit(
            &path,
            &checkin,
            &[
                ("direction", "in"),
                ("lon", "114.3005"),
                ("lat", "30.6"),
                ("accuracy", "15"),
                ("crs", "wgs84"),
            ],
        )
        .await;
    let p = follow(&me, &r).await;
    assert_page(&path, &p, "签到成功");
    for text in [
        "在签到范围内",
        "出勤待审核",
        "获取位置并签退",
        "name=\"direction\" value=\"out\"",
    ] {
        assert!(p.html.contains(text), "after checking in: {text}");
    }
    assert!(
        !p.html.contains("114.3005"),
        "coordinates are not shown back"
    );

    // About 1.1 km north: recorded, with the distance, for review.
    let (p2, _) = personnel(&app, 31).await;
    let far = app.browser("newp31").await;
    far.submit(&path, &format!("{path}/signup"), &[]).await;
    let r = far
        .submit(
            &path,
            &checkin,
            &[
                ("direction", "in"),
                ("lon", "114.3"),
                ("lat", "30.61"),
                ("accuracy", "20"),
                ("crs", "wgs84"),
            ],
        )
        .await;
    let p = follow(&far, &r).await;
    assert_page(&path, &p, "已记录，位置在范围外约");
    assert!(p.html.contains("将由社区审核"));

    // The cadre reviews once the activity is over (both check-ins three hours back).
    ended(&app, id).await;
    let cadre = app.browser("cadre_a").await;
    let q = cadre.get("/attendance/review").await;
    assert_page("/attendance/review", &q, "新下沉31");
    for text in [
        "张下沉",
        "签到位置在范围外约 <strong>",
        "正在进行的活动",
        ">通过</button>",
        ">调整时长并通过</button>",
        ">不通过</button>",
    ] {
        assert!(q.html.contains(text), "the queue should have {text}");
    }
    let d = app
        .count(&format!(
            "checkin WHERE person_id = {p2} AND distance_m BETWEEN 880 AND 940"
        ))
        .await;
    assert_eq!(d, 1);
    let list = cadre.get("/activities").await;
    assert!(
        list.html.contains("2 条待审核"),
        "the count beside 出勤审核"
    );

    let far_att = attendance_of(&cadre_api, p2).await;
    let review = format!("/attendance/{far_att}/review");
    // Adjusting without a reason: said beside the field, the number kept.
    let r = cadre
        .submit(
            "/attendance/review",
            &review,
            &[("form", "adjust"), ("minutes", "45"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.html);
    assert!(r.html.contains("调整时长须写明理由"));
    assert!(r.html.contains("value=\"45\""));
    assert!(r.html.contains("<details class=\"sub-form\" open>"));
    let r = cadre
        .submit(
            "/attendance/review",
            &review,
            &[
                ("form", "adjust"),
                ("minutes", "45"),
                ("reason", "提前离开"),
            ],
        )
        .await;
    let p = follow(&cadre, &r).await;
    assert_page("/attendance/review", &p, "已通过，已记入 45 分钟");
    assert!(
        !p.html.contains("<h3 class=\"review-who\">新下沉31</h3>"),
        "no longer pending"
    );
    let bank = far.get("/bank").await;
    assert_page("/bank", &bank, "45 分钟");
    let mine = far.get(&path).await;
    assert!(mine.html.contains("出勤已确认 · 45 分钟"));
    assert!(mine.html.contains("审核说明：提前离开"));

    // Rejecting needs a reason; approving takes one click.
    let near_att = attendance_of(&cadre_api, app.fx.person_a).await;
    let review = format!("/attendance/{near_att}/review");
    let r = cadre
        .submit(
            "/attendance/review",
            &review,
            &[("form", "reject"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("不通过须写明理由"));
    let r = cadre
        .submit("/attendance/review", &review, &[("form", "approve")])
        .await;
    let p = follow(&cadre, &r).await;
    assert_page("/attendance/review", &p, "已通过，已记入");
    assert!(
        p.html.contains("没有待审核的出勤"),
        "an empty queue teaches"
    );
    let again = cadre
        .submit("/attendance/review", &review, &[("form", "approve")])
        .await;
    assert_eq!(again.status, 409);
    assert!(again.html.contains("已经审核过了"));
    assert_eq!(
        app.count("attendance WHERE state = 'approved' AND credit_txn_id IS NOT NULL")
            .await,
        2
    );
}

async fn roll_call_through_the_roster(app: TestApp) {
    let cadre_api = app.api("cadre_a").await;
    let id = publish(&cadre_api, activity(&app, "点名的活动", -30, 90, 5)).await;
    let (pid, p) = personnel(&app, 41).await;
    let r = p.post(&format!("/activities/{id}/signup"), json!({})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let roster = format!("/activities/{id}/roster");
    let roll = format!("/activities/{id}/roll-call");
    let cadre = app.browser("cadre_a").await;
    let page = cadre.get(&roster).await;
    assert_page(&roster, &page, "新下沉41");
    for text in [
        ">点名确认出席</button>",
        "value=\"90\"",
        "未签到",
        "1 小时 30 分钟",
    ] {
        assert!(page.html.contains(text), "the roster should have {text}");
    }
    let person = pid.to_string();
    let r = cadre
        .submit(
            &roster,
            &roll,
            &[("person_id", &person), ("minutes", "abc")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("时长请填整数分钟"));
    assert!(r.html.contains("value=\"abc\""));
    let r = cadre
        .submit(&roster, &roll, &[("person_id", &person), ("minutes", "0")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("时长应为 1 到 1440 分钟"));
    assert_eq!(app.count("attendance").await, 0);
    let r = cadre
        .submit(&roster, &roll, &[("person_id", &person), ("minutes", "")])
        .await;
    let page = follow(&cadre, &r).await;
    assert_page(&roster, &page, "已点名确认 新下沉41 出席 1 小时 30 分钟");
    assert!(page.html.contains("出勤待审核"));
    assert!(!page.html.contains(">点名确认出席</button>"));
    let q = cadre.get("/attendance/review").await;
    assert_page("/attendance/review", &q, "组织者点名");
    let again = cadre
        .submit(&roster, &roll, &[("person_id", &person), ("minutes", "60")])
        .await;
    assert_eq!(again.status, 409);
    assert!(again.html.contains("已有出勤记录"));
    assert_eq!(app.count("attendance WHERE source = 'roll_call'").await, 1);
}

async fn nobody_outside_the_scope_sees_it(app: TestApp) {
    let cadre_api = app.api("cadre_a").await;
    let id = publish(&cadre_api, activity(&app, "甲社区的活动", -10, 120, 5)).await;
    let me = app.api("personnel_a").await;
    me.post(&format!("/activities/{id}/signup"), json!({}))
        .await;
    let r = me
        .post(
            &format!("/activities/{id}/checkin"),
            pos("in", 114.3, 30.61, 10.0, "wgs84"),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let att = attendance_of(&cadre_api, app.fx.person_a).await;
    let path = format!("/activities/{id}");

    let b = app.browser("admin_b").await;
    assert_eq!(b.get(&path).await.status, 404);
    assert_eq!(b.get(&format!("{path}/roster")).await.status, 404);
    let list = b.get("/activities").await;
    assert_page("/activities", &list, "还没有");
    assert!(!list.html.contains("甲社区的活动"));
    let q = b.get("/attendance/review").await;
    assert_page("/attendance/review", &q, "没有待审核的出勤");
    let r = b
        .submit(
            "/attendance/review",
            &format!("/attendance/{att}/review"),
            &[("form", "approve")],
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
    let r = b
        .submit(
            "/activities",
            &format!("{path}/cancel"),
            &[("reason", "不是我的")],
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
    assert_eq!(app.count("attendance WHERE state = 'pending'").await, 1);
    assert_eq!(app.count("activity WHERE state = 'published'").await, 1);

    // Personnel and residents do not publish, review or see rosters.
    let p = app.browser("personnel_a").await;
    assert_eq!(p.get("/activities/new").await.status, 403);
    assert_eq!(p.get("/attendance/review").await.status, 403);
    assert_eq!(p.get(&format!("{path}/roster")).await.status, 404);
    let resident = app.browser("resident_a").await;
    let page = resident.get("/activities").await;
    assert_page("/activities", &page, "活动面向下沉人员");
    assert_eq!(resident.get(&path).await.status, 404);

    // The organiser cancels with a reason; the person sees it.
    let cadre = app.browser("cadre_a").await;
    let r = cadre
        .submit(&path, &format!("{path}/cancel"), &[("reason", "暴雨预警")])
        .await;
    let page = follow(&cadre, &r).await;
    assert_page(&path, &page, "活动已取消");
    let page = p.get(&path).await;
    assert_page(&path, &page, "已取消");
    assert!(page.html.contains("暴雨预警"));
    assert!(
        !page.html.contains("data-geo-checkin"),
        "no check-in once cancelled"
    );
}

/// Checked in before the start: no check-out yet, no withdrawing (the server refuses it
/// too), the only seat holder is told they hold it, and the review queue offers no 通过
/// until the activity starts.
async fn early_check_in_before_the_start(app: TestApp) {
    let cadre_api = app.api("cadre_a").await;
    let id = publish(&cadre_api, activity(&app, "十分钟后开始", 10, 60, 1)).await;
    let path = format!("/activities/{id}");
    let me = app.browser("personnel_a").await;
    let r = me.submit(&path, &format!("{path}/signup"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.html);
    let p = me.get(&path).await;
    assert_page(&path, &p, "您已获得名额");
    assert!(
        !p.html.contains("名额已满"),
        "the only seat holder is not told the activity is full: {}",
        p.html
    );
    assert!(p.html.contains("您占用了唯一的名额"), "{}", p.html);
    assert!(
        p.html.contains("获取位置并签到"),
        "check-in opens 30 min early"
    );

    let api = app.api("personnel_a").await;
    let r = api
        .post(
            &format!("/activities/{id}/checkin"),
            pos("in", 114.3, 30.6, 10.0, "wgs84"),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let p = me.get(&path).await;
    assert_page(&path, &p, "我的签到和出勤");
    assert!(
        !p.html.contains("现场签退"),
        "no check-out before the start"
    );
    assert!(
        p.html.contains("活动开始后，离开现场时再签退"),
        "{}",
        p.html
    );
    assert!(
        !p.html.contains("取消报名"),
        "no withdrawing once checked in"
    );
    let w = api
        .post(&format!("/activities/{id}/withdraw"), json!({}))
        .await;
    assert_eq!(w.status, 409, "{:?}", w.body);
    assert_eq!(w.body["code"], "already_checked_in");
    assert_eq!(app.count("activity_signup WHERE state = 'signed'").await, 1);

    // The queue shows the record, but no 通过 before the start.
    let cadre = app.browser("cadre_a").await;
    let q = cadre.get("/attendance/review").await;
    assert_page("/attendance/review", &q, "活动还没开始，开始后才能确认出勤");
    assert!(!q.html.contains(">通过</button>"), "{}", q.html);
    assert!(q.html.contains("不通过"));
}

testkit::backend_tests!(
    publish_through_the_form_and_sign_up,
    early_check_in_before_the_start,
    the_waitlist_promotes_through_the_pages,
    check_in_and_review_through_the_pages,
    roll_call_through_the_roster,
    nobody_outside_the_scope_sees_it,
);
