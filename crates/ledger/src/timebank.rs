//! Time-bank and points operations, each in scope and audited: credit confirmed service
//! (points and minutes, with the age, group, cap and points-standard rules), donate to the
//! community fund, grant from the fund to a vulnerable resident, reverse a mistake, and
//! the views: a person's summary and statement, a fund's statement, the trial balance.

use kernel::paging::Page;
use kernel::time::{parse_date, today};
use kernel::{Db, Error, Result};
use org::people::Person;
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::engine::{self, Line, Owner, Request, StatementQuery, Txn};
use crate::model::Currency;
use crate::rules;

/// Confirmed service to credit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ServiceCredit {
    /// The person who served.
    pub person_id: i64,
    /// Kind of contribution (see the points standard), e.g. `duty.volunteer`.
    pub kind: String,
    /// Minutes of confirmed service (1–1440).
    pub minutes: i64,
    /// The date of the service (`YYYY-MM-DD`, not in the future).
    pub occurred_on: String,
    /// What it was (shown on statements).
    #[serde(default)]
    pub memo: String,
    /// The order, activity, case … it came from.
    pub ref_kind: Option<String>,
    /// Its id.
    pub ref_id: Option<i64>,
    /// Earned as a group: the time can only be donated (it goes to the community fund).
    #[serde(default)]
    pub group: bool,
    /// For a minor: the guardian who served with them.
    pub guardian_person_id: Option<i64>,
    /// Idempotency key.
    pub key: String,
}

/// Whole years from a birth date to a date (both `YYYY-MM-DD`).
pub(crate) fn age_on(birth: &str, on: &str) -> Option<i64> {
    let (b, d) = (parse_date(birth)?, parse_date(on)?);
    let mut age = i64::from(d.year()) - i64::from(b.year());
    if (d.month(), d.day()) < (b.month(), b.day()) {
        age -= 1;
    }
    Some(age)
}

/// The community whose fund a person's donations go to: where they are registered, else
/// where they live.
fn community_of(p: &Person) -> Option<i64> {
    p.registrations
        .iter()
        .find(|r| r.side == "community")
        .and_then(|r| r.community_id)
        .or(p.home_community_id)
}

async fn sum_points(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    person_id: i64,
    kind: &str,
    from: &str,
    to: &str,
) -> Result<i64> {
    let rows = sqlx::query(
        "SELECT CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM ledger_posting p \
         JOIN ledger_txn t ON t.city_id = p.city_id AND t.id = p.txn_id \
         JOIN ledger_account a ON a.city_id = p.city_id AND a.id = p.account_id \
         WHERE p.city_id = $1 AND t.person_id = $2 AND a.owner_key = $3 AND p.currency = 'points' \
         AND t.occurred_on >= $4 AND t.occurred_on <= $5 \
         AND (t.kind = $6 OR t.reverses_txn_id IN (SELECT id FROM ledger_txn WHERE city_id = $1 AND kind = $6))",
    )
    .bind(city_id)
    .bind(person_id)
    .bind(format!("person:{person_id}"))
    .bind(from)
    .bind(to)
    .bind(format!("service.{kind}"))
    .fetch_all(conn)
    .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

/// Credit confirmed service: points by the standard in force on the day of service (within
/// its caps) and the minutes as time coins — to the person, or to the community fund for
/// group work and for whatever would take the account over its cap.
pub async fn credit_service(db: &Db, access: &Access, c: ServiceCredit) -> Result<Txn> {
    // A person outside the caller's scope: refused (403) before anything is read.
    let scope = org::people::scope_of(db, access.city_id(), c.person_id).await?;
    if !access.is_staff() || !access.reads_person(&scope) {
        return Err(Error::Forbidden("只能为您管辖范围内的人员记入服务"));
    }
    let person = org::people::get(db, access, c.person_id).await?;
    let on = c.occurred_on.trim().to_owned();
    let date = parse_date(&on)
        .ok_or_else(|| Error::field("occurred_on", "服务日期格式应为 YYYY-MM-DD"))?;
    if date > today() {
        return Err(Error::field("occurred_on", "服务日期不能晚于今天"));
    }
    let rule = rules::rule(db, access.city_id(), &c.kind, &on).await?;
    // A kind counted per occurrence (a confirmed report) may credit points alone.
    let least = if rule.unit == "each" { 0 } else { 1 };
    if !(least..=24 * 60).contains(&c.minutes) {
        return Err(Error::field("minutes", "服务时长应为 1 到 1440 分钟"));
    }
    let approver = Role::parse(&rule.approver_role).unwrap_or(Role::CommunityCadre);
    if !access.holds_over(approver, &person.scope_path) {
        return Err(Error::Forbidden("只有负责确认这类服务的干部可以记入"));
    }
    let city = access.city_id();
    let min_age = rules::setting(db, city, "min_age", &on).await?;
    if let Some(age) = person.birth_date.as_deref().and_then(|b| age_on(b, &on))
        && age < min_age
        && !c.group
        && c.guardian_person_id.is_none()
    {
        return Err(Error::field(
            "guardian_person_id",
            format!(
                "未满 {min_age} 周岁的志愿者须有监护人陪同或以团体参加：请填写监护人或按团体服务记入"
            ),
        ));
    }
    let fund = community_of(&person);
    let memo_in = c.memo.trim().to_owned();
    // Idempotency follows the input: a replay answers the first result even when caps or
    // the account cap would split it differently today.
    let hash = engine::input_hash(&serde_json::json!({
        "credit": [person.id, &c.kind, c.minutes, &on, &memo_in, &c.ref_kind, c.ref_id, c.group,
                   c.guardian_person_id]
    }));
    if let Some((id, seen)) = engine::find_key(db, city, &c.key).await? {
        return if seen == hash {
            engine::replay_of(db, city, id).await
        } else {
            Err(engine::reused_key())
        };
    }
    let cap = rules::setting(db, city, "account_cap_minutes", &on).await?;
    let mut tx = db.begin().await?;
    // Lock what this credit touches before reading the totals it depends on.
    let mut rows = vec![
        (Owner::Issuance, Currency::Points),
        (Owner::Issuance, Currency::Minutes),
        (Owner::Person(person.id), Currency::Points),
        (Owner::Person(person.id), Currency::Minutes),
    ];
    if let Some(f) = fund {
        rows.push((Owner::Fund(f), Currency::Minutes));
    }
    let held = engine::lock_balances(&mut tx, db, city, &rows).await?[3];
    let (month_from, month_to) = (format!("{}-01", &on[..7]), format!("{}-31", &on[..7]));
    let (year_from, year_to) = (format!("{}-01-01", &on[..4]), format!("{}-12-31", &on[..4]));
    let month = sum_points(&mut tx, city, person.id, &c.kind, &month_from, &month_to).await?;
    let year = sum_points(&mut tx, city, person.id, &c.kind, &year_from, &year_to).await?;
    let points = rules::within_caps(&rule, rules::points_for(&rule, c.minutes), month, year);
    let mut legs = Vec::new();
    if points > 0 {
        legs.push((Owner::Person(person.id), Currency::Points, points));
        legs.push((Owner::Issuance, Currency::Points, -points));
    }
    let to_person = if c.group {
        0
    } else {
        c.minutes.min((cap - held).max(0))
    };
    let to_fund = c.minutes - to_person;
    if to_fund > 0 && fund.is_none() {
        return Err(Error::field(
            "group",
            "这名人员没有报到或居住社区，团体服务或超出上限的时间无处捐入：请先登记社区",
        ));
    }
    if to_person > 0 {
        legs.push((Owner::Person(person.id), Currency::Minutes, to_person));
    }
    if let (true, Some(f)) = (to_fund > 0, fund) {
        legs.push((Owner::Fund(f), Currency::Minutes, to_fund));
    }
    if c.minutes > 0 {
        legs.push((Owner::Issuance, Currency::Minutes, -c.minutes));
    }
    if legs.is_empty() {
        return Err(Error::conflict(
            "nothing_to_credit",
            "本月或本年的积分已达上限，这次没有可记入的积分",
        ));
    }
    let memo = if c.group {
        format!("{memo_in}（团体服务，时间捐入社区基金）")
    } else if to_fund > 0 {
        format!("{memo_in}（超出账户上限的 {to_fund} 分钟自动捐入社区基金）")
    } else {
        memo_in
    };
    let req = Request {
        kind: format!("service.{}", c.kind),
        key: c.key.clone(),
        ref_kind: c.ref_kind,
        ref_id: c.ref_id,
        memo,
        occurred_on: on,
        legs,
        reverses: None,
        person_id: Some(person.id),
    };
    match engine::post_in_hashed(&mut tx, db, access.actor(), &req, &hash).await {
        Ok(id) => {
            tx.commit().await?;
            engine::get(db, city, id).await
        }
        Err(Error::Conflict {
            code: "duplicate_key",
            ..
        }) => {
            // The same key arrived at the same moment: answer what was recorded.
            drop(tx);
            match engine::find_key(db, city, &c.key).await? {
                Some((id, seen)) if seen == hash => engine::replay_of(db, city, id).await,
                _ => Err(engine::reused_key()),
            }
        }
        Err(e) => Err(e),
    }
}

/// A donation of one's own time coins to one's community fund.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Donation {
    /// Minutes to give.
    pub minutes: i64,
    /// Idempotency key.
    pub key: String,
}

/// Donate one's own minutes to the community fund (集体基金库).
pub async fn donate(db: &Db, access: &Access, d: Donation) -> Result<Txn> {
    let me = org::people::get(db, access, access.person_id()).await?;
    let fund = community_of(&me)
        .ok_or_else(|| Error::field("minutes", "您还没有报到或居住社区，无法捐入社区基金"))?;
    check_amount(d.minutes)?;
    engine::post(
        db,
        access.actor(),
        Request {
            kind: "donation".into(),
            key: d.key,
            ref_kind: None,
            ref_id: None,
            memo: "捐入社区基金".into(),
            occurred_on: today().to_string(),
            legs: vec![
                (Owner::Person(me.id), Currency::Minutes, -d.minutes),
                (Owner::Fund(fund), Currency::Minutes, d.minutes),
            ],
            reverses: None,
            person_id: Some(me.id),
        },
    )
    .await
}

/// A time-coin amount a person moves: more than 0, at most 10^12 minutes.
pub(crate) fn check_amount(minutes: i64) -> Result<()> {
    if minutes <= 0 {
        return Err(Error::field("minutes", "数量必须大于 0"));
    }
    if minutes > crate::model::MAX_AMOUNT {
        return Err(Error::field("minutes", "数量过大（单笔不超过 10^12）"));
    }
    Ok(())
}

/// A grant from a community fund to a resident in need.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Grant {
    /// The community whose fund pays.
    pub unit_id: i64,
    /// The resident.
    pub person_id: i64,
    /// Minutes.
    pub minutes: i64,
    /// Why (recorded and shown).
    pub reason: String,
    /// Idempotency key.
    pub key: String,
}

/// The community grants minutes from its fund to a vulnerable resident, with a reason.
pub async fn grant(db: &Db, access: &Access, g: Grant) -> Result<Txn> {
    let unit = org::units::get(db, access, g.unit_id).await?;
    if !unit.kind.is_community_level() {
        return Err(Error::field("unit_id", "只有社区（村）有集体基金"));
    }
    if !access
        .admin_prefixes()
        .iter()
        .any(|p| unit.path.starts_with(p.as_str()))
    {
        return Err(Error::Forbidden("只有本社区的干部可以从社区基金划拨"));
    }
    let person = org::people::get(db, access, g.person_id).await?;
    check_amount(g.minutes)?;
    let reason = g.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::field("reason", "请写明划拨原因（最多 200 字）"));
    }
    engine::post(
        db,
        access.actor(),
        Request {
            kind: "grant".into(),
            key: g.key,
            ref_kind: Some("org_unit".into()),
            ref_id: Some(unit.id),
            memo: format!("社区基金划拨：{reason}"),
            occurred_on: today().to_string(),
            legs: vec![
                (Owner::Fund(unit.id), Currency::Minutes, -g.minutes),
                (Owner::Person(person.id), Currency::Minutes, g.minutes),
            ],
            reverses: None,
            person_id: Some(person.id),
        },
    )
    .await
}

/// A reversal request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Reversal {
    /// Why.
    pub reason: String,
    /// Idempotency key.
    pub key: String,
}

/// Reverse a transaction (platform and district/street admins).
pub async fn reverse(db: &Db, access: &Access, txn_id: i64, r: Reversal) -> Result<Txn> {
    if !access
        .grants()
        .iter()
        .any(|g| matches!(g.role, Role::PlatformAdmin | Role::Admin))
    {
        return Err(Error::Forbidden("只有管理员可以冲正"));
    }
    engine::reverse(db, access.actor(), txn_id, &r.reason, &r.key).await
}

/// A person's balances and yearly progress (a target, not a ranking).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    /// The person.
    pub person_id: i64,
    /// Points (hundredths).
    pub points_e2: i64,
    /// Time coins (minutes).
    pub minutes: i64,
    /// Minutes of confirmed service this year (including what went to the fund).
    pub served_this_year: i64,
    /// The yearly target (minutes).
    pub yearly_target: i64,
}

async fn may_see(db: &Db, access: &Access, person_id: i64) -> Result<()> {
    let scope = org::people::scope_of(db, access.city_id(), person_id).await?;
    if person_id == access.person_id() || access.manages_person(&scope) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// A person's summary (themself or their administrators).
pub async fn summary(db: &Db, access: &Access, person_id: i64) -> Result<Summary> {
    may_see(db, access, person_id).await?;
    let city = access.city_id();
    let (points_e2, minutes) = engine::balances(db, city, Owner::Person(person_id)).await?;
    let on = today().to_string();
    let rows = sqlx::query(
        "SELECT CAST(COALESCE(SUM(-p.amount), 0) AS BIGINT) FROM ledger_posting p \
         JOIN ledger_txn t ON t.city_id = p.city_id AND t.id = p.txn_id \
         JOIN ledger_account a ON a.city_id = p.city_id AND a.id = p.account_id \
         WHERE p.city_id = $1 AND t.person_id = $2 AND a.owner_key = 'issuance' AND p.currency = 'minutes' \
         AND t.occurred_on >= $3 AND t.occurred_on <= $4 \
         AND (t.kind LIKE 'service.%' OR t.reverses_txn_id IN (SELECT id FROM ledger_txn WHERE city_id = $1 AND kind LIKE 'service.%'))",
    )
    .bind(city)
    .bind(person_id)
    .bind(format!("{}-01-01", &on[..4]))
    .bind(format!("{}-12-31", &on[..4]))
    .fetch_all(db.reader())
    .await?;
    Ok(Summary {
        person_id,
        points_e2,
        minutes,
        served_this_year: rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0),
        yearly_target: rules::setting(db, city, "yearly_target_minutes", &on).await?,
    })
}

/// A person's statement (themself or their administrators).
pub async fn person_statement(
    db: &Db,
    access: &Access,
    person_id: i64,
    q: &StatementQuery,
) -> Result<Page<Line>> {
    may_see(db, access, person_id).await?;
    engine::statement(db, access.city_id(), Owner::Person(person_id), q).await
}

/// A community fund's balance and statement (staff who can see the community).
pub async fn fund_statement(
    db: &Db,
    access: &Access,
    unit_id: i64,
    q: &StatementQuery,
) -> Result<(i64, Page<Line>)> {
    let unit = org::units::get(db, access, unit_id).await?;
    if !access.is_staff() || !unit.kind.is_community_level() {
        return Err(Error::NotFound);
    }
    let (_, minutes) = engine::balances(db, access.city_id(), Owner::Fund(unit.id)).await?;
    Ok((
        minutes,
        engine::statement(db, access.city_id(), Owner::Fund(unit.id), q).await?,
    ))
}

/// The city's trial balance (platform admins).
pub async fn trial_balance(db: &Db, access: &Access) -> Result<engine::TrialBalance> {
    if !access.manages_city() {
        return Err(Error::Forbidden("试算平衡表由平台管理员查看"));
    }
    engine::trial_balance(db, access.city_id()).await
}

/// One transaction, for those who may see one of its person or fund accounts.
pub async fn transaction(db: &Db, access: &Access, id: i64) -> Result<Txn> {
    let t = engine::get(db, access.city_id(), id).await?;
    if access.manages_city() {
        return Ok(t);
    }
    match t.person_id {
        Some(p) if may_see(db, access, p).await.is_ok() => Ok(t),
        _ => Err(Error::NotFound),
    }
}
