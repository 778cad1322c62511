//! Check-ins written together (group commit): a batch with a double tap writes each
//! person's check-in once, opens one attendance record each and one audit entry each; a
//! later batch answers a repeat as taken and a check-out updates the claimed time. And
//! many people checking in at once through the API are each written exactly once.

use activities::Direction;
use activities::writer::{CheckinWriter, Write, Written, write_batch};
use kernel::audit::Actor;
use kernel::time::now_ms;
use serde_json::json;
use testkit::TestApp;

use crate::activities::{activity, personnel, publish};

fn write(app: &TestApp, activity_id: i64, person_id: i64, dir: Direction, at: i64) -> Write {
    Write {
        city_id: app.fx.city_id,
        activity_id,
        unit_path: String::new(),
        person_id,
        direction: dir,
        lon_e7: 1_143_000_000,
        lat_e7: 306_000_000,
        crs: "wgs84",
        accuracy_m: 10,
        distance_m: 0,
        inside_fence: true,
        inside_window: true,
        result: "accepted",
        at,
        claimed_minutes: 60,
        actor: Actor::system(app.fx.city_id, "测试"),
    }
}

async fn a_batch_writes_each_check_in_once(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let id = publish(&cadre, activity(&app, "批量签到", -10, 120, 10)).await;
    let (a, b) = (app.fx.person_a, app.fx.accounts["grid_a"]);
    let now = now_ms();
    let (wa, wb) = (
        write(&app, id, a, Direction::In, now),
        write(&app, id, b, Direction::In, now),
    );
    let tap = write(&app, id, a, Direction::In, now + 1);
    let r = write_batch(&app.db, &[&wa, &wb, &tap]).await.unwrap();
    assert!(
        matches!(r[0], Written::New(_)) && matches!(r[1], Written::New(_)),
        "{r:?}"
    );
    assert_eq!(r[2], Written::Taken);
    let q = |w: &str| format!("{w} AND activity_id = {id}");
    assert_eq!(app.count(&q("checkin WHERE 1 = 1")).await, 2);
    assert_eq!(app.count(&q("attendance WHERE state = 'pending'")).await, 2);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'check_in' AND object_id = {id}"
        ))
        .await,
        2
    );

    // A later repeat is taken; a check-out updates the time claimed.
    let mut out = write(&app, id, a, Direction::Out, now + 30 * 60_000);
    out.claimed_minutes = 30;
    let r = write_batch(&app.db, &[&wa, &out]).await.unwrap();
    assert_eq!(r[0], Written::Taken);
    assert!(matches!(r[1], Written::New(_)));
    assert_eq!(
        app.count(&format!(
            "attendance WHERE activity_id = {id} AND person_id = {a} AND claimed_minutes = 30"
        ))
        .await,
        1
    );
    // Nothing to write is fine.
    assert_eq!(
        write_batch(&app.db, &[&wa]).await.unwrap(),
        vec![Written::Taken]
    );

    // Through the writer task, concurrently: one row per person and direction.
    let writer = CheckinWriter::start(app.db.clone());
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let w = writer.clone();
        let job = write(&app, id, b, Direction::Out, now + 60_000);
        tasks.push(tokio::spawn(async move { w.write(job).await.unwrap() }));
    }
    let mut news = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), Written::New(_)) {
            news += 1;
        }
    }
    assert_eq!(news, 1);
    assert_eq!(app.count(&q("checkin WHERE direction = 'out'")).await, 2);
}

async fn people_checking_in_at_once_are_each_written_once(app: TestApp) {
    let cadre = app.api("cadre_a").await;
    let id = publish(&cadre, activity(&app, "同时签到", -10, 120, 20)).await;
    let mut people = Vec::new();
    for n in 0..6 {
        let (pid, api) = personnel(&app, 700 + n).await;
        let r = api
            .post(&format!("/activities/{id}/signup"), json!({}))
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
        people.push((pid, api));
    }
    let mut tasks = Vec::new();
    for (_, api) in people {
        tasks.push(tokio::spawn(async move {
            let body = json!({"direction": "in", "lon": 114.3001, "lat": 30.6001,
                              "accuracy": 10, "crs": "wgs84"});
            let first = api
                .post(&format!("/activities/{id}/checkin"), body.clone())
                .await;
            let again = api.post(&format!("/activities/{id}/checkin"), body).await;
            (
                first.status.as_u16(),
                first.body,
                again.status.as_u16(),
                again.body,
            )
        }));
    }
    for t in tasks {
        let (s1, b1, s2, b2) = t.await.unwrap();
        assert!((200..300).contains(&s1), "{b1:?}");
        assert_eq!(b1["checkin"]["result"], "accepted", "{b1:?}");
        assert!((200..300).contains(&s2), "{b2:?}");
        assert_eq!(b2["replayed"], true);
        assert_eq!(b2["checkin"]["id"], b1["checkin"]["id"]);
    }
    assert_eq!(
        app.count(&format!("checkin WHERE activity_id = {id}"))
            .await,
        6
    );
    assert_eq!(
        app.count(&format!("attendance WHERE activity_id = {id}"))
            .await,
        6
    );
}

testkit::backend_tests!(
    a_batch_writes_each_check_in_once,
    people_checking_in_at_once_are_each_written_once,
);
