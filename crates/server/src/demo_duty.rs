//! The demo city's duty: weekend shifts in the first grid for the two demo personnel and
//! a weekly meeting, made through the duty services (same rules, same audit), so that the
//! leave-and-swap journey has something to act on.

use anyhow::Context;
use kernel::Db;
use kernel::time::{local_datetime, now_ms, weekday_and_minute};
use org::Access;
use org::units::Unit;

const DAY: i64 = 86_400_000;

async fn as_user(db: &Db, login: &str, password: &str) -> anyhow::Result<Access> {
    let s = org::auth::login(db, login, password, "127.0.0.1", "api")
        .await
        .with_context(|| format!("logging in as {login}"))?;
    org::auth::authenticate(db, &s.token)
        .await?
        .context("the demo token authenticates")
}

/// The date of the next `weekday` (1 = Monday) at least two days away.
fn next(weekday: u8) -> String {
    let mut t = now_ms() + 2 * DAY;
    while weekday_and_minute(t).0 != weekday {
        t += DAY;
    }
    local_datetime(t)[..10].to_owned()
}

/// Two weekend shifts and a weekly meeting in the first community's first grid.
pub async fn generate(
    db: &Db,
    password: &str,
    community: &Unit,
    grid: &Unit,
) -> anyhow::Result<()> {
    let cadre = as_user(db, "cadre", password).await?;
    let p1 = as_user(db, "personnel", password).await?.person_id();
    let p2 = as_user(db, "personnel2", password).await?.person_id();
    let why = Some("示范数据：周末值守，本人同意".to_owned());
    for (day, person, task) in [
        (6, p1, "周末值守：接待群众、巡看楼道消防通道"),
        (7, p2, "周末值守：独居老人电话问候"),
    ] {
        duty::shifts::create(
            db,
            &cadre,
            duty::shifts::ShiftInput {
                unit_id: Some(grid.id),
                date: next(day),
                start: "09:00".into(),
                end: "12:00".into(),
                place: format!("{}党群服务站", community.name),
                task: task.into(),
                people: vec![duty::shifts::PersonPick {
                    person_id: Some(person),
                    reason: why.clone(),
                }],
            },
        )
        .await?;
    }
    duty::meetings::create(
        db,
        &cadre,
        duty::meetings::MeetingInput {
            unit_id: Some(community.id),
            kind: "weekly".into(),
            title: "网格工作周例会".into(),
            starts_at: format!("{}T19:00", next(1)),
            ends_at: format!("{}T20:00", next(1)),
            place: format!("{}会议室", community.name),
            agenda: "上周案件与巡查情况；本周值班安排；居民点单回访".into(),
            invitee_ids: vec![p1, p2],
        },
    )
    .await?;
    Ok(())
}
