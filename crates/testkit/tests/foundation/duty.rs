//! Duty (值班): shifts with the availability / load-cap / working-hours checks and their
//! recorded reasons, overlaps refused; leave asked in advance and decided; swaps proposed,
//! accepted and approved (only then the roster changes); absences recorded after a shift,
//! never with approved leave, contested once; meetings with sign-in and roll call
//! crediting the ledger once; bad input answered with a 4xx that changes nothing.

use jiff::ToSpan;
use kernel::time::today;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::page_checks::assert_page;

fn fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The next date with this weekday (1 = Monday), at least 2 days ahead, that is not
/// listed as a holiday or adjusted working day.
fn next(weekday: i8) -> String {
    let cal = kernel::calendar::Calendar::national();
    let mut d = today().checked_add(2.days()).unwrap();
    loop {
        if d.weekday().to_monday_one_offset() == weekday && cal.listed_kind(d).is_none() {
            return d.to_string();
        }
        d = d.checked_add(1.days()).unwrap();
    }
}

fn yesterday() -> String {
    today().checked_sub(1.days()).unwrap().to_string()
}

fn shift(unit: i64, date: &str, start: &str, end: &str, people: Value) -> Value {
    json!({"unit_id": unit, "date": date, "start": start, "end": end,
           "place": "社区服务站", "task": "周末值守", "people": people})
}

async fn shift_checks_reasons_and_overlaps(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let sat = next(6);
    let ok = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &sat,
                "09:00",
                "12:00",
                json!([{"person_id": fx.person_a}]),
            ),
        )
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(ok.body["people"][0]["person_name"], "张下沉");
    assert_eq!(ok.body["people"][0]["warnings"], json!([]));

    // A weekday during working hours, outside the stated Saturday availability: refused
    // without a reason, saying which checks failed; nothing written.
    let wed = next(3);
    let no_reason = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &wed,
                "10:00",
                "11:00",
                json!([{"person_id": fx.person_a}]),
            ),
        )
        .await;
    assert_eq!(no_reason.status, 422, "{:?}", no_reason.body);
    assert_eq!(fields(&no_reason.body), ["reason"]);
    let msg = no_reason.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("空闲时间") && msg.contains("上班时间") && msg.contains("理由"),
        "{msg}"
    );
    assert_eq!(app.count("duty_shift").await, 1);
    let with_reason = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &wed,
                "10:00",
                "11:00",
                json!([{"person_id": fx.person_a, "reason": "防汛检查需要熟悉片区的人"}]),
            ),
        )
        .await;
    assert_eq!(with_reason.status, 201, "{:?}", with_reason.body);
    let a = &with_reason.body["people"][0];
    assert_eq!(a["reason"], "防汛检查需要熟悉片区的人");
    let codes: Vec<&str> = a["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["availability", "working_hours"]);
    // The reason shows on the roster.
    let roster = cadre
        .get(&format!("/duty/shifts?unit_id={}", fx.community_a))
        .await;
    assert_eq!(roster.status, 200);
    assert_eq!(roster.body.as_array().unwrap().len(), 2);
    assert!(roster.body.to_string().contains("防汛检查需要熟悉片区的人"));

    // Overlapping shift, the same person twice, a person of another community, bad times.
    let overlap = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &sat,
                "11:00",
                "13:00",
                json!([{"person_id": fx.person_a}]),
            ),
        )
        .await;
    assert_eq!(overlap.status, 422);
    assert_eq!(fields(&overlap.body), ["person_id"]);
    let twice = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &sat,
                "14:00",
                "15:00",
                json!([{"person_id": fx.person_a2}, {"person_id": fx.person_a2}]),
            ),
        )
        .await;
    assert_eq!(twice.status, 422);
    assert_eq!(fields(&twice.body), ["person_id"]);
    let stranger = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &sat,
                "14:00",
                "15:00",
                json!([{"person_id": fx.person_b}]),
            ),
        )
        .await;
    assert_eq!(stranger.status, 422);
    let bad = cadre
        .post(
            "/duty/shifts",
            json!({"unit_id": fx.grid_a, "date": "2026-13-40", "start": "12:00",
                                     "end": "11:00", "place": "", "task": ""}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(fields(&bad.body), ["date", "end", "place", "task"]);
    // Adding to an existing shift: already on it.
    let sid = ok.body["id"].as_i64().unwrap();
    let again = cadre
        .post(
            &format!("/duty/shifts/{sid}/people"),
            json!({"person_id": fx.person_a}),
        )
        .await;
    assert_eq!(again.status, 422);
    let added = cadre
        .post(
            &format!("/duty/shifts/{sid}/people"),
            json!({"person_id": fx.person_a2}),
        )
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    assert_eq!(app.count("duty_shift").await, 2);
    assert_eq!(app.count("duty_assignment").await, 3);

    // Out of scope: another district's admin may not create here nor read the roster.
    let outsider = app.api("admin_b").await;
    let r = outsider
        .post(
            "/duty/shifts",
            shift(fx.grid_a, &sat, "14:00", "15:00", json!([])),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(fields(&r.body), ["unit_id"]);
    assert_eq!(
        outsider
            .get(&format!("/duty/shifts?unit_id={}", fx.grid_a))
            .await
            .status,
        404
    );
    assert_eq!(
        outsider.get(&format!("/duty/shifts/{sid}")).await.status,
        404
    );

    // The picker shows the warnings for a time.
    let picker = cadre
        .get(&format!(
            "/duty/candidates?unit_id={}&date={wed}&start=09:00&end=10:00",
            fx.grid_a
        ))
        .await;
    assert_eq!(picker.status, 200, "{:?}", picker.body);
    assert!(picker.body.to_string().contains("working_hours"));

    // The person sees their own duties, upcoming first (soonest first).
    let mine = app.api("personnel_a").await.get("/duty/mine").await;
    assert_eq!(mine.status, 200);
    let m = mine.body.as_array().unwrap();
    assert_eq!(m.len(), 2);
    assert!(m[0]["starts_at"].as_i64() < m[1]["starts_at"].as_i64());
    // Every write was audited.
    assert!(app.count("audit_log WHERE action = 'duty_assign'").await >= 3);
}

async fn leave_in_advance_and_decided(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let me = app.api("personnel_a").await;
    let sat = next(6);
    let s = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &sat,
                "09:00",
                "12:00",
                json!([{"person_id": fx.person_a}]),
            ),
        )
        .await;
    let sid = s.body["id"].as_i64().unwrap();
    // A leave that ends before it starts.
    let bad = me
        .post(
            "/duty/leaves",
            json!({"shift_id": sid, "from": format!("{sat}T12:00"),
                                     "to": format!("{sat}T09:00"), "reason": "家中有事"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert_eq!(fields(&bad.body), ["to"]);
    let no_reason = me
        .post("/duty/leaves", json!({"shift_id": sid, "reason": " "}))
        .await;
    assert_eq!(no_reason.status, 422);
    // Someone not on the shift.
    let other = app.api("personnel_a2").await;
    assert_eq!(
        other
            .post("/duty/leaves", json!({"shift_id": sid, "reason": "x"}))
            .await
            .status,
        422
    );
    assert_eq!(app.count("duty_leave").await, 0);

    let l = me
        .post(
            "/duty/leaves",
            json!({"shift_id": sid, "reason": "孩子生病需要照顾"}),
        )
        .await;
    assert_eq!(l.status, 201, "{:?}", l.body);
    assert_eq!(l.body["state"], "pending");
    let lid = l.body["id"].as_i64().unwrap();
    assert_eq!(
        me.post(
            "/duty/leaves",
            json!({"shift_id": sid, "reason": "再请一次"})
        )
        .await
        .status,
        409
    );
    // The cadre who made the roster is told.
    assert!(
        app.count("notification WHERE kind = 'duty_leave_request'")
            .await
            >= 1
    );
    // Outside scope: 404; the person themself cannot decide.
    let outsider = app.api("admin_b").await;
    assert_eq!(
        outsider
            .post(
                &format!("/duty/leaves/{lid}/decide"),
                json!({"approve": true})
            )
            .await
            .status,
        404
    );
    assert_eq!(
        me.post(
            &format!("/duty/leaves/{lid}/decide"),
            json!({"approve": true})
        )
        .await
        .status,
        404
    );
    // Refusal needs a reason.
    let r = cadre
        .post(
            &format!("/duty/leaves/{lid}/decide"),
            json!({"approve": false}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(fields(&r.body), ["reason"]);
    let ok = cadre
        .post(
            &format!("/duty/leaves/{lid}/decide"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["state"], "approved");
    assert_eq!(
        cadre
            .post(
                &format!("/duty/leaves/{lid}/decide"),
                json!({"approve": true})
            )
            .await
            .status,
        409
    );
    let mine = me.get("/duty/mine").await;
    assert_eq!(mine.body[0]["people"][0]["leave"], "approved");

    // Leave after the shift started: refused.
    let past = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &yesterday(),
                "19:00",
                "21:00",
                json!([{"person_id": fx.person_a, "reason": "补录"}]),
            ),
        )
        .await;
    assert_eq!(past.status, 201, "{:?}", past.body);
    let pid = past.body["id"].as_i64().unwrap();
    let late = me
        .post(
            "/duty/leaves",
            json!({"shift_id": pid, "reason": "忘了请假"}),
        )
        .await;
    assert_eq!(late.status, 422);
    assert_eq!(fields(&late.body), ["shift_id"]);

    // Absence on a shift with approved leave: 409 saying so (the shift is moved into the
    // past, as time would).
    app.exec(&format!(
        "UPDATE duty_shift SET starts_at = starts_at - CAST(2592000000 AS BIGINT), ends_at = ends_at - CAST(2592000000 AS BIGINT) WHERE id = {sid}"
    ))
    .await;
    let abs = cadre
        .post(
            "/duty/absences",
            json!({"shift_id": sid, "person_id": fx.person_a}),
        )
        .await;
    assert_eq!(abs.status, 409, "{:?}", abs.body);
    assert_eq!(abs.body["code"], "absence_has_leave");
    assert_eq!(app.count("duty_absence").await, 0);
}

async fn swap_accepted_then_approved(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let a = app.api("personnel_a").await;
    let b = app.api("personnel_a2").await;
    let sat = next(6);
    let s = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &sat,
                "09:00",
                "12:00",
                json!([{"person_id": fx.person_a}]),
            ),
        )
        .await;
    let sid = s.body["id"].as_i64().unwrap();
    let selfswap = a
        .post(
            "/duty/swaps",
            json!({"shift_id": sid, "to_person_id": fx.person_a}),
        )
        .await;
    assert_eq!(selfswap.status, 422);
    assert_eq!(fields(&selfswap.body), ["to_person_id"]);
    let stranger = a
        .post(
            "/duty/swaps",
            json!({"shift_id": sid, "to_person_id": fx.person_b}),
        )
        .await;
    assert_eq!(stranger.status, 422);
    // B cannot propose a swap of a shift that is not B's.
    assert_eq!(
        b.post(
            "/duty/swaps",
            json!({"shift_id": sid, "to_person_id": fx.person_a})
        )
        .await
        .status,
        422
    );
    assert_eq!(app.count("duty_swap").await, 0);

    let w = a
        .post(
            "/duty/swaps",
            json!({"shift_id": sid, "to_person_id": fx.person_a2, "note": "那天要出差"}),
        )
        .await;
    assert_eq!(w.status, 201, "{:?}", w.body);
    let wid = w.body["id"].as_i64().unwrap();
    assert_eq!(
        app.count(&format!(
            "notification WHERE person_id = {} AND kind = 'duty_swap_offer'",
            fx.person_a2
        ))
        .await,
        1
    );
    // Accepting a swap not offered to you: the proposer 403, a stranger 404.
    assert_eq!(
        a.post(
            &format!("/duty/swaps/{wid}/answer"),
            json!({"accept": true})
        )
        .await
        .status,
        403
    );
    let resident = app.api("resident_a").await;
    assert_eq!(
        resident
            .post(
                &format!("/duty/swaps/{wid}/answer"),
                json!({"accept": true})
            )
            .await
            .status,
        404
    );
    // Not yet accepted: the cadre cannot approve.
    assert_eq!(
        cadre
            .post(
                &format!("/duty/swaps/{wid}/decide"),
                json!({"approve": true})
            )
            .await
            .status,
        409
    );
    let acc = b
        .post(
            &format!("/duty/swaps/{wid}/answer"),
            json!({"accept": true}),
        )
        .await;
    assert_eq!(acc.status, 200, "{:?}", acc.body);
    assert_eq!(acc.body["state"], "accepted");
    // Still A on the roster until the cadre approves.
    let before = cadre.get(&format!("/duty/shifts/{sid}")).await;
    assert_eq!(before.body["people"].as_array().unwrap().len(), 1);
    let q = cadre.get("/duty/queue").await;
    assert_eq!(q.body["swaps"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.api("admin_b")
            .await
            .post(
                &format!("/duty/swaps/{wid}/decide"),
                json!({"approve": true})
            )
            .await
            .status,
        404
    );
    let ok = cadre
        .post(
            &format!("/duty/swaps/{wid}/decide"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["state"], "approved");
    let after = cadre.get(&format!("/duty/shifts/{sid}")).await;
    let people = after.body["people"].as_array().unwrap();
    let state_of = |p: i64| {
        people
            .iter()
            .find(|x| x["person_id"] == p)
            .map(|x| x["state"].clone())
    };
    assert_eq!(state_of(fx.person_a), Some(json!("swapped")));
    assert_eq!(state_of(fx.person_a2), Some(json!("on")));
    assert!(app.count("audit_log WHERE action LIKE 'duty_swap_%'").await >= 3);
}

async fn absence_recorded_and_contested_once(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let me = app.api("personnel_a").await;
    let past = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &yesterday(),
                "19:00",
                "21:00",
                json!([{"person_id": fx.person_a, "reason": "补录"}]),
            ),
        )
        .await;
    let sid = past.body["id"].as_i64().unwrap();
    let future = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &next(6),
                "09:00",
                "10:00",
                json!([{"person_id": fx.person_a}]),
            ),
        )
        .await;
    let fid = future.body["id"].as_i64().unwrap();
    assert_eq!(
        cadre
            .post(
                "/duty/absences",
                json!({"shift_id": fid, "person_id": fx.person_a})
            )
            .await
            .status,
        409
    );
    assert_eq!(
        cadre
            .post(
                "/duty/absences",
                json!({"shift_id": sid, "person_id": fx.person_a2})
            )
            .await
            .status,
        422
    );
    assert_eq!(
        app.api("admin_b")
            .await
            .post(
                "/duty/absences",
                json!({"shift_id": sid, "person_id": fx.person_a})
            )
            .await
            .status,
        404
    );
    let a = cadre
        .post(
            "/duty/absences",
            json!({"shift_id": sid, "person_id": fx.person_a, "note": "未到岗"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let aid = a.body["id"].as_i64().unwrap();
    assert_eq!(
        cadre
            .post(
                "/duty/absences",
                json!({"shift_id": sid, "person_id": fx.person_a})
            )
            .await
            .status,
        409
    );
    // The person sees it on 我的值班.
    let mine = me.get("/duty/mine").await;
    assert!(mine.body.to_string().contains("\"absence\":\"recorded\""));
    assert_eq!(
        me.post(
            &format!("/duty/absences/{aid}/contest"),
            json!({"explanation": ""})
        )
        .await
        .status,
        422
    );
    assert_eq!(
        app.api("personnel_a2")
            .await
            .post(
                &format!("/duty/absences/{aid}/contest"),
                json!({"explanation": "x"})
            )
            .await
            .status,
        404
    );
    let c = me
        .post(
            &format!("/duty/absences/{aid}/contest"),
            json!({"explanation": "当天临时加班，已电话告知网格长"}),
        )
        .await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    assert_eq!(c.body["state"], "contested");
    let twice = me
        .post(
            &format!("/duty/absences/{aid}/contest"),
            json!({"explanation": "再申诉"}),
        )
        .await;
    assert_eq!(twice.status, 409);
    assert_eq!(twice.body["code"], "absence_contested");
    assert_eq!(
        cadre
            .post(
                &format!("/duty/absences/{aid}/answer"),
                json!({"withdraw": true, "note": ""})
            )
            .await
            .status,
        422
    );
    let ans = cadre
        .post(
            &format!("/duty/absences/{aid}/answer"),
            json!({"withdraw": true, "note": "核实属实，撤销"}),
        )
        .await;
    assert_eq!(ans.status, 200, "{:?}", ans.body);
    assert_eq!(ans.body["state"], "withdrawn");
    // Withdrawn stays in the history.
    assert_eq!(app.count("duty_absence WHERE state = 'withdrawn'").await, 1);
    assert_eq!(
        me.get(&format!("/duty/absences/{aid}")).await.body["answer_note"],
        "核实属实，撤销"
    );
    // A withdrawn record cannot be contested again.
    assert_eq!(
        me.post(
            &format!("/duty/absences/{aid}/contest"),
            json!({"explanation": "x"})
        )
        .await
        .status,
        409
    );
}

async fn meetings_sign_in_roll_call_and_credit(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let me = app.api("personnel_a").await;
    let now = kernel::time::now_ms();
    let at = |ms: i64| kernel::time::local_datetime(ms);
    let input = json!({"unit_id": fx.community_a, "kind": "training", "title": "应急救护培训",
        "starts_at": at(now - 10 * 60_000), "ends_at": at(now + 50 * 60_000),
        "place": "社区会议室", "agenda": "心肺复苏与止血包扎",
        "invitee_ids": [fx.person_a, fx.person_a2]});
    let mut bad = input.clone();
    bad["kind"] = json!("party");
    bad["invitee_ids"] = json!([]);
    let r = cadre.post("/duty/meetings", bad).await;
    assert_eq!(r.status, 422);
    assert_eq!(fields(&r.body), ["kind", "invitee_ids"]);
    assert_eq!(app.count("duty_meeting").await, 0);
    let m = cadre.post("/duty/meetings", input).await;
    assert_eq!(m.status, 201, "{:?}", m.body);
    assert_eq!(m.body["kind_label"], "培训");
    let mid = m.body["id"].as_i64().unwrap();
    let s = me
        .post(&format!("/duty/meetings/{mid}/sign-in"), json!({}))
        .await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    assert_eq!(
        me.post(&format!("/duty/meetings/{mid}/sign-in"), json!({}))
            .await
            .status,
        409
    );
    assert_eq!(
        app.api("resident_a")
            .await
            .post(&format!("/duty/meetings/{mid}/sign-in"), json!({}))
            .await
            .status,
        404
    );
    // Roll call: a stranger in the entries is refused; then attendance is confirmed.
    let wrong = cadre
        .post(
            &format!("/duty/meetings/{mid}/roll-call"),
            json!({"entries": [{"person_id": fx.person_b, "attendance": "present"}]}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    let rc = cadre
        .post(
            &format!("/duty/meetings/{mid}/roll-call"),
            json!({"entries": [{"person_id": fx.person_a2, "attendance": "excused"}]}),
        )
        .await;
    assert_eq!(rc.status, 200, "{:?}", rc.body);
    assert_eq!(rc.body["state"], "closed");
    let inv = rc.body["invitees"].as_array().unwrap();
    let a = inv.iter().find(|i| i["person_id"] == fx.person_a).unwrap();
    assert_eq!(a["attendance"], "present");
    assert!(a["credit_txn_id"].as_i64().is_some());
    let b = inv.iter().find(|i| i["person_id"] == fx.person_a2).unwrap();
    assert_eq!(b["attendance"], "excused");
    assert!(b["credit_txn_id"].is_null());
    assert_eq!(
        cadre
            .post(&format!("/duty/meetings/{mid}/roll-call"), json!({}))
            .await
            .status,
        409
    );
    // Credited once through the ledger, kind training.
    let bank = me.get("/ledger/me").await;
    assert_eq!(bank.status, 200, "{:?}", bank.body);
    duty::meetings::credit(&app.db, fx.city_id, mid)
        .await
        .unwrap();
    assert_eq!(
        app.count(&format!(
            "duty_invitee WHERE meeting_id = {mid} AND credit_txn_id IS NOT NULL"
        ))
        .await,
        1
    );
    // The summary for the assessment.
    let sum = duty::attendance::summary(
        &app.db,
        fx.city_id,
        fx.person_a,
        now - 86_400_000,
        now + 86_400_000,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            sum.trainings_invited,
            sum.trainings_attended,
            sum.meetings_invited
        ),
        (1, 1, 0)
    );
    let sum2 = duty::attendance::summary(
        &app.db,
        fx.city_id,
        fx.person_a2,
        now - 86_400_000,
        now + 86_400_000,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            sum2.trainings_invited,
            sum2.trainings_attended,
            sum2.trainings_excused
        ),
        (1, 0, 1)
    );
    // The person sees the meeting in their list.
    assert_eq!(
        me.get("/duty/meetings")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn duty_page_shows_my_duties_and_the_queue(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let sat = next(6);
    let s = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &sat,
                "09:00",
                "12:00",
                json!([{"person_id": fx.person_a}]),
            ),
        )
        .await;
    let sid = s.body["id"].as_i64().unwrap();
    let me = app.api("personnel_a").await;
    let l = me
        .post(
            "/duty/leaves",
            json!({"shift_id": sid, "reason": "孩子生病需要照顾"}),
        )
        .await;
    assert_eq!(l.status, 201);
    let w = me
        .post(
            "/duty/swaps",
            json!({"shift_id": sid, "to_person_id": fx.person_a2}),
        )
        .await;
    assert_eq!(w.status, 201);
    let page = app.browser("personnel_a").await.get("/duty").await;
    assert_page("/duty", &page, "我的值班");
    assert!(page.html.contains("社区服务站"));
    assert!(page.html.contains("请假待审批"));
    assert!(page.html.contains("值班与会议"));
    let b = app.browser("personnel_a2").await.get("/duty").await;
    assert_page("/duty", &b, "请我代班");
    let c = app.browser("cadre_a").await.get("/duty").await;
    assert_page("/duty", &c, "待我处理");
    assert!(c.html.contains("张下沉申请请假"));
    // Another district's admin sees none of it.
    let o = app.browser("admin_b").await.get("/duty").await;
    assert_page("/duty", &o, "我的值班");
    assert!(!o.html.contains("张下沉"));
}

async fn demo_city_has_duty_to_act_on(app: TestApp) {
    let small = server::demo::Scale {
        districts: 1,
        streets: 1,
        communities: 2,
        grids: 2,
        employers: 3,
        personnel: 40,
    };
    server::demo::generate(&app.db, small, testkit::PASSWORD)
        .await
        .unwrap();
    for login in ["personnel", "personnel2"] {
        let mine = app.api(login).await.get("/duty/mine").await;
        assert_eq!(mine.status, 200, "{:?}", mine.body);
        assert_eq!(
            mine.body.as_array().unwrap().len(),
            1,
            "{login}: {:?}",
            mine.body
        );
        let meetings = app.api(login).await.get("/duty/meetings").await;
        assert_eq!(meetings.body[0]["kind_label"], "周例会");
    }
}

async fn leave_and_swap_through_the_page_forms(app: TestApp) {
    let fx = app.fx.clone();
    let cadre = app.api("cadre_a").await;
    let s = cadre
        .post(
            "/duty/shifts",
            shift(
                fx.grid_a,
                &next(6),
                "09:00",
                "12:00",
                json!([{"person_id": fx.person_a}]),
            ),
        )
        .await;
    let sid = s.body["id"].as_i64().unwrap();
    let a = app.browser("personnel_a").await;
    assert!(
        a.get("/duty")
            .await
            .html
            .contains(&format!("/duty/shifts/{sid}/leave"))
    );
    // Empty reason: back with what to fix, nothing written.
    let bad = a
        .submit(
            "/duty",
            &format!("/duty/shifts/{sid}/leave"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(bad.status, 303);
    assert_eq!(app.count("duty_leave").await, 0);
    let ok = a
        .submit(
            "/duty",
            &format!("/duty/shifts/{sid}/leave"),
            &[("reason", "单位临时加班")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.html);
    let lid = app.count("duty_leave WHERE state = 'pending'").await;
    assert_eq!(lid, 1);
    let c = app.browser("cadre_a").await;
    let q = c.get("/duty").await;
    assert!(q.html.contains("批准请假"), "{}", q.html);
    let leave_id = cadre.get("/duty/queue").await.body["leaves"][0]["id"]
        .as_i64()
        .unwrap();
    let r = c
        .submit(
            "/duty",
            &format!("/duty/leaves/{leave_id}/decide"),
            &[("approve", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(app.count("duty_leave WHERE state = 'approved'").await, 1);

    // A swap proposed, accepted and approved through the pages.
    let to = fx.person_a2.to_string();
    let p = a
        .submit(
            "/duty",
            &format!("/duty/shifts/{sid}/swap"),
            &[("to_person_id", to.as_str())],
        )
        .await;
    assert_eq!(p.status, 303);
    let wid = app.api("personnel_a2").await.get("/duty/queue").await.body["offered_to_me"][0]["id"]
        .as_i64()
        .unwrap();
    let b = app.browser("personnel_a2").await;
    assert!(b.get("/duty").await.html.contains("接受代班"));
    let acc = b
        .submit(
            "/duty",
            &format!("/duty/swaps/{wid}/answer"),
            &[("approve", "1")],
        )
        .await;
    assert_eq!(acc.status, 303);
    let d = c
        .submit(
            "/duty",
            &format!("/duty/swaps/{wid}/decide"),
            &[("approve", "1")],
        )
        .await;
    assert_eq!(d.status, 303);
    let roster = cadre.get(&format!("/duty/shifts/{sid}")).await;
    assert!(
        roster.body["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["person_id"] == fx.person_a2 && p["state"] == "on")
    );
    assert_page("/duty", &b.get("/duty").await, "社区服务站");
}

testkit::backend_tests!(
    shift_checks_reasons_and_overlaps,
    leave_in_advance_and_decided,
    swap_accepted_then_approved,
    absence_recorded_and_contested_once,
    meetings_sign_in_roll_call_and_credit,
    duty_page_shows_my_duties_and_the_queue,
    demo_city_has_duty_to_act_on,
    leave_and_swap_through_the_page_forms,
);
