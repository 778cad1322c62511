//! The duty pages for cadres and for the person: the roster (排班) with its create form
//! (refusals re-shown beside the field with what was typed kept), absences recorded from
//! the roster (refused with approved leave), contested once by the person on 我的值班 and
//! answered from the cadre's queue.

use jiff::ToSpan;
use kernel::time::today;
use serde_json::json;
use testkit::TestApp;

use crate::page_checks::assert_page;

/// A working weekday (Monday to Friday, not a listed holiday or adjusted day) 2 to 20
/// days ago: 09:00–12:00 on it is inside working hours.
fn past_workday() -> String {
    let cal = kernel::calendar::Calendar::national();
    let mut d = today().checked_sub(2.days()).unwrap();
    loop {
        if d.weekday().to_monday_one_offset() <= 5 && cal.listed_kind(d).is_none() {
            return d.to_string();
        }
        d = d.checked_sub(1.days()).unwrap();
    }
}

/// The next Saturday at least 2 days ahead that is not listed in the calendar.
fn next_saturday() -> String {
    let cal = kernel::calendar::Calendar::national();
    let mut d = today().checked_add(2.days()).unwrap();
    loop {
        if d.weekday().to_monday_one_offset() == 6 && cal.listed_kind(d).is_none() {
            return d.to_string();
        }
        d = d.checked_add(1.days()).unwrap();
    }
}

async fn roster_page_creates_shifts_and_reshows_refusals(app: TestApp) {
    let fx = app.fx.clone();
    let c = app.browser("cadre_a").await;
    let home = c.get("/duty").await;
    assert_page("/duty", &home, "/duty/roster");
    let page = c.get("/duty/roster").await;
    assert_page("/duty/roster", &page, "排一个班次");
    assert!(
        page.html.contains(&fx.person_a.to_string()),
        "{}",
        page.html
    );

    let grid = fx.grid_a.to_string();
    let person = fx.person_a.to_string();
    let date = past_workday();
    // Inside working hours without a reason: re-shown with the message, typed kept.
    let form = [
        ("unit_id", grid.as_str()),
        ("date", date.as_str()),
        ("start", "09:00"),
        ("end", "12:00"),
        ("place", "甲一网格服务点"),
        ("task", "防汛巡查"),
        ("person_id", person.as_str()),
    ];
    let bad = c.submit("/duty/roster", "/duty/roster", &form).await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("请写明理由"), "{}", bad.html);
    assert!(bad.html.contains("value=\"甲一网格服务点\""));
    assert!(bad.html.contains("value=\"防汛巡查\""));
    assert!(bad.html.contains("checked"));
    assert_eq!(app.count("duty_shift").await, 0);

    // Checking the picker for the typed time saves nothing and keeps what was typed.
    let mut check = form.to_vec();
    check.push(("check", "1"));
    let seen = c.submit("/duty/roster", "/duty/roster", &check).await;
    assert_page("/duty/roster", &seen, "在工作日上班时间内");
    assert!(seen.html.contains("value=\"防汛巡查\""));
    assert_eq!(app.count("duty_shift").await, 0);

    // Missing place and no person: both said, nothing written.
    let empty = c
        .submit(
            "/duty/roster",
            "/duty/roster",
            &[
                ("unit_id", grid.as_str()),
                ("date", date.as_str()),
                ("start", "09:00"),
                ("end", "12:00"),
                ("place", ""),
                ("task", "防汛巡查"),
            ],
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.html);
    assert!(empty.html.contains("请至少选择一名值班人员"));
    assert_eq!(app.count("duty_shift").await, 0);

    // With the reason: created, the reason stored and shown on the roster.
    let mut with_reason = form.to_vec();
    with_reason.push(("reason", "汛期临时加派"));
    let ok = c.submit("/duty/roster", "/duty/roster", &with_reason).await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    assert_eq!(app.count("duty_shift").await, 1);
    assert_eq!(
        app.count("duty_assignment WHERE reason = '汛期临时加派'")
            .await,
        1
    );
    let roster = c.get(ok.location.as_deref().unwrap()).await;
    assert_page("/duty/roster", &roster, "汛期临时加派");
    assert!(roster.html.contains("记为缺勤"));
    assert!(roster.html.contains("防汛巡查"));

    // Out of scope: 404 for someone who keeps no duty.
    let r = app.browser("resident_a").await.get("/duty/roster").await;
    assert_eq!(r.status, 404);
}

async fn absence_from_the_roster_contested_and_answered(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let s = cadre
        .post(
            "/duty/shifts",
            json!({"unit_id": fx.grid_a, "date": past_workday(), "start": "19:00", "end": "21:00",
                   "place": "社区服务站", "task": "夜间值守",
                   "people": [{"person_id": fx.person_a, "reason": "补录"}]}),
        )
        .await;
    assert_eq!(s.status, 201, "{:?}", s.body);
    let sid = s.body["id"].as_i64().unwrap();
    let c = app.browser("cadre_a").await;
    let grid = fx.grid_a.to_string();
    let r = c
        .submit(
            "/duty/roster",
            &format!("/duty/shifts/{sid}/absent/{}", fx.person_a),
            &[("note", "未到岗，电话未接"), ("unit_id", grid.as_str())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    assert_eq!(
        app.count("duty_absence WHERE note = '未到岗，电话未接'")
            .await,
        1
    );
    assert!(
        c.get(&format!("/duty/roster?unit_id={grid}"))
            .await
            .html
            .contains("缺勤")
    );

    // The person contests once from 我的值班.
    let a = app.browser("personnel_a").await;
    let mine = a.get("/duty").await;
    assert_page("/duty", &mine, "提出申诉");
    assert_eq!(app.count("duty_absence").await, 1);
    let html = mine.html.clone();
    let start = html.find("/duty/absences/").unwrap() + "/duty/absences/".len();
    let id: String = html[start..]
        .chars()
        .take_while(|ch| ch.is_ascii_digit())
        .collect();
    let empty = a
        .submit(
            "/duty",
            &format!("/duty/absences/{id}/contest"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(empty.status, 303);
    assert_eq!(app.count("duty_absence WHERE state = 'contested'").await, 0);
    let ok = a
        .submit(
            "/duty",
            &format!("/duty/absences/{id}/contest"),
            &[("reason", "当天发烧，已向网格长说明")],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(app.count("duty_absence WHERE state = 'contested'").await, 1);
    let after = a.get("/duty").await;
    assert!(after.html.contains("申诉中"));
    assert!(!after.html.contains("提出申诉"));

    // The cadre answers from the queue: withdrawn, with the note shown to the person.
    let q = c.get("/duty").await;
    assert_page("/duty", &q, "撤销缺勤");
    let ans = c
        .submit(
            "/duty",
            &format!("/duty/absences/{id}/answer"),
            &[("approve", "1"), ("reason", "情况属实")],
        )
        .await;
    assert_eq!(ans.status, 303);
    assert_eq!(app.count("duty_absence WHERE state = 'withdrawn'").await, 1);
    let shown = a.get("/duty").await;
    assert_page("/duty", &shown, "情况属实");
    assert!(shown.html.contains("缺勤已撤销"));
}

async fn absence_refused_with_approved_leave(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let s = cadre
        .post(
            "/duty/shifts",
            json!({"unit_id": fx.grid_a, "date": next_saturday(), "start": "09:00", "end": "12:00",
                   "place": "社区服务站", "task": "周末值守",
                   "people": [{"person_id": fx.person_a}]}),
        )
        .await;
    assert_eq!(s.status, 201, "{:?}", s.body);
    let sid = s.body["id"].as_i64().unwrap();
    let l = app
        .api("personnel_a")
        .await
        .post(
            "/duty/leaves",
            json!({"shift_id": sid, "reason": "家中有事"}),
        )
        .await;
    let lid = l.body["id"].as_i64().unwrap();
    let ok = cadre
        .post(
            &format!("/duty/leaves/{lid}/decide"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    app.exec(&format!(
        "UPDATE duty_shift SET starts_at = starts_at - CAST(2592000000 AS BIGINT), ends_at = ends_at - CAST(2592000000 AS BIGINT) WHERE id = {sid}"
    ))
    .await;
    let c = app.browser("cadre_a").await;
    let grid = fx.grid_a.to_string();
    let roster = c.get(&format!("/duty/roster?unit_id={grid}")).await;
    assert_page("/duty/roster", &roster, "请假已批准");
    assert!(!roster.html.contains("记为缺勤"), "{}", roster.html);
    let r = c
        .submit(
            "/duty/roster",
            &format!("/duty/shifts/{sid}/absent/{}", fx.person_a),
            &[("unit_id", grid.as_str())],
        )
        .await;
    assert_eq!(r.status, 303);
    let back = c.get(r.location.as_deref().unwrap()).await;
    assert!(back.html.contains("已获准请假"), "{}", back.html);
    assert_eq!(app.count("duty_absence").await, 0);
}

async fn meetings_page_schedules_signs_in_and_rolls_call(app: TestApp) {
    let fx = app.fx.clone();
    let c = app.browser("cadre_a").await;
    assert_page("/duty", &c.get("/duty").await, "/duty/meetings");
    let page = c.get("/duty/meetings").await;
    assert_page("/duty/meetings", &page, "安排会议或培训");
    let grid = fx.grid_a.to_string();
    let p1 = fx.person_a.to_string();
    let p2 = fx.person_a2.to_string();
    let date = next_saturday();
    // No agenda and nobody invited: re-shown with both messages, the title kept.
    let bad = c
        .submit(
            "/duty/meetings",
            "/duty/meetings",
            &[
                ("unit_id", grid.as_str()),
                ("kind", "training"),
                ("title", "防汛知识培训"),
                ("date", date.as_str()),
                ("start", "09:00"),
                ("end", "10:00"),
                ("place", "社区会议室"),
                ("agenda", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.html.contains("value=\"防汛知识培训\""));
    assert!(bad.html.contains("请选择参加的人员"));
    assert_eq!(app.count("duty_meeting").await, 0);
    let ok = c
        .submit(
            "/duty/meetings",
            "/duty/meetings",
            &[
                ("unit_id", grid.as_str()),
                ("kind", "training"),
                ("title", "防汛知识培训"),
                ("date", date.as_str()),
                ("start", "09:00"),
                ("end", "10:00"),
                ("place", "社区会议室"),
                ("agenda", "汛期值守要点"),
                ("person_id", p1.as_str()),
                ("person_id", p2.as_str()),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    assert_eq!(app.count("duty_meeting").await, 1);
    assert_eq!(app.count("duty_invitee").await, 2);
    let listed = c.get(ok.location.as_deref().unwrap()).await;
    assert_page("/duty/meetings", &listed, "防汛知识培训");
    // Not started yet: no roll call form, no sign-in button.
    assert!(!listed.html.contains("确认点名"));
    let a = app.browser("personnel_a").await;
    assert!(!a.get("/duty").await.html.contains("/signin"));

    // A meeting running now: the person signs in, the cadre rolls the call and closes it.
    let now = kernel::time::now_ms();
    let m = app
        .api("cadre_a")
        .await
        .post(
            "/duty/meetings",
            json!({"unit_id": fx.grid_a, "kind": "weekly", "title": "周例会",
                   "starts_at": kernel::time::local_datetime(now - 10 * 60_000),
                   "ends_at": kernel::time::local_datetime(now + 50 * 60_000),
                   "place": "社区会议室", "agenda": "本周工作",
                   "invitee_ids": [fx.person_a, fx.person_a2]}),
        )
        .await;
    assert_eq!(m.status, 201, "{:?}", m.body);
    let mid = m.body["id"].as_i64().unwrap();
    let mine = a.get("/duty").await;
    assert_page("/duty", &mine, &format!("/duty/meetings/{mid}/signin"));
    let s = a
        .submit("/duty", &format!("/duty/meetings/{mid}/signin"), &[])
        .await;
    assert_eq!(s.status, 303);
    assert_eq!(
        app.count("duty_invitee WHERE signed_in_at IS NOT NULL")
            .await,
        1
    );
    assert!(a.get("/duty").await.html.contains("已签到"));
    let roll = c.get(&format!("/duty/meetings?unit_id={grid}")).await;
    assert_page("/duty/meetings", &roll, "确认点名并结束会议");
    let att2 = format!("att_{}", fx.person_a2);
    let r = c
        .submit(
            "/duty/meetings",
            &format!("/duty/meetings/{mid}/rollcall"),
            &[
                ("unit_id", grid.as_str()),
                (&format!("att_{}", fx.person_a), "present"),
                (att2.as_str(), "excused"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.html);
    assert_eq!(app.count("duty_meeting WHERE state = 'closed'").await, 1);
    assert_eq!(
        app.count("duty_invitee WHERE attendance = 'excused'").await,
        1
    );
    // Closed: a second roll call is refused, nothing changes.
    let again = c
        .submit(
            "/duty/meetings",
            &format!("/duty/meetings/{mid}/rollcall"),
            &[("unit_id", grid.as_str()), (att2.as_str(), "absent")],
        )
        .await;
    assert_eq!(again.status, 303);
    assert_eq!(
        app.count("duty_invitee WHERE attendance = 'excused'").await,
        1
    );
    let r = app.browser("resident_a").await.get("/duty/meetings").await;
    assert_eq!(r.status, 404);
}

testkit::backend_tests!(
    roster_page_creates_shifts_and_reshows_refusals,
    absence_from_the_roster_contested_and_answered,
    absence_refused_with_approved_leave,
    meetings_page_schedules_signs_in_and_rolls_call,
);
