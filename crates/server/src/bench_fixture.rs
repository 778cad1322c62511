//! The data `bench/checkin.sh` measures against: a small city of its own with one
//! activity under way and `people` sent-down personnel, each with an account, an API token
//! and a seat on the activity — made through the same services the platform uses.

use anyhow::Context;
use kernel::Db;
use kernel::time::{local_datetime, now_ms};
use org::access::system_access;
use org::people::PersonInput;
use org::units::NewUnit;
use org::{Access, Role};
use serde::Serialize;

/// What the load script needs.
#[derive(Debug, Serialize)]
pub struct Fixture {
    /// The activity to check in to.
    pub activity_id: i64,
    /// A position inside its fence (WGS-84).
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// One bearer token per person, each holding a seat.
    pub tokens: Vec<String>,
}

async fn unit(
    db: &Db,
    sys: &Access,
    parent: i64,
    kind: &str,
    name: &str,
    code: &str,
) -> anyhow::Result<i64> {
    Ok(org::units::create(
        db,
        sys,
        NewUnit {
            parent_id: parent,
            kind: kind.into(),
            name: name.into(),
            code: code.into(),
            ..Default::default()
        },
    )
    .await?
    .id)
}

/// Build the fixture in a fresh city (its code made unique by the clock).
pub async fn build(db: &Db, people: usize) -> anyhow::Result<Fixture> {
    org::auth::use_cheap_password_hashing();
    let tag = (now_ms() / 1000) % 1_000_000;
    let code = format!("{:06}", 800_000 + tag % 100_000);
    let (city, root) = org::units::create_city(db, "压测市", &code).await?;
    let sys = system_access(city, root.id, "压测数据");
    let district = unit(
        db,
        &sys,
        root.id,
        "district",
        "压测区",
        &format!("{code}01"),
    )
    .await?;
    let street = unit(
        db,
        &sys,
        district,
        "street",
        "压测街道",
        &format!("{code}0101"),
    )
    .await?;
    let community = unit(
        db,
        &sys,
        street,
        "community",
        "压测社区",
        &format!("{code}0101001"),
    )
    .await?;
    let employer = org::employers::create(
        db,
        &sys,
        org::employers::EmployerInput {
            unit_id: Some(district),
            name: "压测单位".into(),
            kind: "机关".into(),
            credit_code: None,
            party_org: "中共压测单位委员会".into(),
            contact_name: None,
            contact_phone: None,
        },
    )
    .await?;
    let (lon, lat) = (114.3, 30.6);
    let now = now_ms();
    let activity = activities::publish(
        db,
        &sys,
        activities::NewActivity {
            unit_id: community,
            duty_kind: "duty.volunteer".into(),
            title: "压测活动".into(),
            description: String::new(),
            starts_at: local_datetime(now - 10 * 60_000),
            ends_at: local_datetime(now + 4 * 3_600_000),
            place: "压测社区广场".into(),
            lon: Some(lon),
            lat: Some(lat),
            crs: None,
            radius_m: Some(300),
            fence_unit_id: None,
            capacity: people.max(1) as i64,
            wanted_skill_ids: vec![],
            target_employer_ids: vec![],
            party_members_only: false,
        },
    )
    .await
    .context("publishing the activity")?;
    let password = "Bench-Pass-2026";
    let hash = org::auth::hash_password(password).await?;
    let mut tokens = Vec::with_capacity(people);
    for i in 0..people {
        let person = org::people::create(
            db,
            &sys,
            PersonInput {
                kind: "personnel".into(),
                name: format!("压测人员{i}"),
                phone: Some(format!("166{:08}", i)),
                employer_id: Some(employer.id),
                home_community_id: Some(community),
                registered_community_id: Some(community),
                registration_basis: Some("home".into()),
                community_registered_on: Some(kernel::time::today().to_string()),
                ..Default::default()
            },
        )
        .await
        .with_context(|| format!("person {i}"))?;
        let login = format!("bench{code}x{i}");
        org::accounts::bootstrap_account(
            db,
            city,
            person.id,
            &login,
            &hash,
            &[(Role::Personnel, community, None)],
        )
        .await?;
        let session = org::auth::login(db, &login, password, "127.0.0.1", "api").await?;
        let access = org::auth::authenticate(db, &session.token)
            .await?
            .context("the new token authenticates")?;
        activities::signup(db, &access, activity.id).await?;
        tokens.push(session.token);
    }
    Ok(Fixture {
        activity_id: activity.id,
        lon,
        lat,
        tokens,
    })
}
