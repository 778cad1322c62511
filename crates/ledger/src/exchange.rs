//! Moving time between people and things: gifts to close relatives (直系亲属, registered by
//! a cadre), service exchanges where both sides confirm before coins move (spending for
//! oneself only from the city's age, 60 by default), the community's catalogue of goods
//! for coins (stock taken atomically with the posting), the government's guarantee fund
//! topping up a community fund, and the honour lists from the points threshold.

use kernel::audit::{self, Entry};
use kernel::time::{now_ms, today};
use kernel::{Db, Error, Result};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::engine::{self, Owner, Request, Txn};
use crate::model::{Currency, MAX_AMOUNT};
use crate::rules;
use crate::timebank::{age_on, check_amount};

/// The relations that count as close (直系亲属, and the spouse as the city pilots allow).
pub const RELATIONS: [&str; 7] = [
    "父母",
    "子女",
    "配偶",
    "祖父母",
    "外祖父母",
    "孙子女",
    "外孙子女",
];

async fn age_of(db: &Db, access: &Access, person_id: i64) -> Result<Option<i64>> {
    let p = org::people::get(db, access, person_id).await?;
    let on = today().to_string();
    Ok(p.birth_date.as_deref().and_then(|b| age_on(b, &on)))
}

/// A close relative to register.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FamilyLinkInput {
    /// The person who may give.
    pub person_id: i64,
    /// Their relative, who may receive.
    pub relative_id: i64,
    /// 父母 / 子女 / 配偶 / 祖父母 / 外祖父母 / 孙子女 / 外孙子女.
    pub relation: String,
}

/// A registered close relative.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyLink {
    /// The relative.
    pub relative_id: i64,
    /// Their name.
    pub relative_name: String,
    /// The relation.
    pub relation: String,
}

/// Register a close relative (cadres who administer the person).
pub async fn link_relative(db: &Db, access: &Access, f: FamilyLinkInput) -> Result<()> {
    let scope = org::people::scope_of(db, access.city_id(), f.person_id).await?;
    if !access.manages_person(&scope) {
        return Err(Error::Forbidden("只有负责这名人员的干部可以登记亲属关系"));
    }
    if !RELATIONS.contains(&f.relation.trim()) {
        return Err(Error::field(
            "relation",
            "关系应为直系亲属：父母、子女、配偶、祖父母、外祖父母、孙子女、外孙子女",
        ));
    }
    if f.person_id == f.relative_id {
        return Err(Error::field("relative_id", "不能登记自己"));
    }
    org::people::scope_of(db, access.city_id(), f.relative_id)
        .await
        .map_err(|_| Error::field("relative_id", "亲属不在平台登记的人员中"))?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO family_link (city_id, person_id, relative_id, relation, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(access.city_id())
    .bind(f.person_id)
    .bind(f.relative_id)
    .bind(f.relation.trim())
    .bind(access.name())
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .map_err(|e| Error::unique_as_field(e, "relative_id", "已登记过这位亲属"))?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "link_relative",
            object_kind: "person",
            object_id: f.person_id,
            scope_path: &scope.scope_path,
            before: None,
            after: Some(json!({"relative_id": f.relative_id, "relation": f.relation.trim()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A person's registered close relatives (themself or their administrators).
pub async fn relatives(db: &Db, access: &Access, person_id: i64) -> Result<Vec<FamilyLink>> {
    let scope = org::people::scope_of(db, access.city_id(), person_id).await?;
    if person_id != access.person_id() && !access.manages_person(&scope) {
        return Err(Error::NotFound);
    }
    let rows = sqlx::query(
        "SELECT f.relative_id, p.name, f.relation FROM family_link f JOIN person p ON p.city_id = f.city_id \
         AND p.id = f.relative_id WHERE f.city_id = $1 AND f.person_id = $2 ORDER BY f.id",
    )
    .bind(access.city_id())
    .bind(person_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FamilyLink {
                relative_id: r.try_get(0)?,
                relative_name: r.try_get(1)?,
                relation: r.try_get(2)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A gift of time to a close relative.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Gift {
    /// The relative.
    pub to_person_id: i64,
    /// Minutes.
    pub minutes: i64,
    /// Idempotency key.
    pub key: String,
}

/// Give one's own minutes to a registered close relative.
pub async fn give(db: &Db, access: &Access, g: Gift) -> Result<Txn> {
    check_amount(g.minutes)?;
    let me = access.person_id();
    let linked = sqlx::query("SELECT relation FROM family_link WHERE city_id = $1 AND person_id = $2 AND relative_id = $3")
        .bind(access.city_id())
        .bind(me)
        .bind(g.to_person_id)
        .fetch_all(db.reader())
        .await?;
    let relation: String = linked
        .first()
        .ok_or_else(|| {
            Error::field(
                "to_person_id",
                "时间币只能赠与已登记的直系亲属：请先请社区登记亲属关系",
            )
        })?
        .try_get(0)?;
    engine::post(
        db,
        access.actor(),
        Request {
            kind: "gift".into(),
            key: g.key,
            ref_kind: Some("person".into()),
            ref_id: Some(g.to_person_id),
            memo: format!("赠与{relation}"),
            occurred_on: today().to_string(),
            legs: vec![
                (Owner::Person(me), Currency::Minutes, -g.minutes),
                (Owner::Person(g.to_person_id), Currency::Minutes, g.minutes),
            ],
            reverses: None,
            person_id: Some(me),
        },
    )
    .await
}

/// A service exchange between two people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Exchange {
    /// Id.
    pub id: i64,
    /// Who pays with time coins.
    pub payer_person_id: i64,
    /// Who serves.
    pub provider_person_id: i64,
    /// The payer's name (the two sides of an exchange see each other's names).
    pub payer_name: String,
    /// The provider's name.
    pub provider_name: String,
    /// Minutes.
    pub minutes: i64,
    /// What the service is.
    pub description: String,
    /// `proposed`, `done` (coins moved) or `cancelled`.
    pub state: String,
    /// Whether the payer confirmed.
    pub payer_confirmed: bool,
    /// Whether the provider confirmed.
    pub provider_confirmed: bool,
    /// The transaction once both confirmed.
    pub txn_id: Option<i64>,
}

/// A proposed exchange.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExchangeInput {
    /// Who will serve.
    pub provider_person_id: i64,
    /// Minutes agreed.
    pub minutes: i64,
    /// What the service is.
    pub description: String,
}

const EXCHANGE: &str = "SELECT x.id, x.payer_person_id, x.provider_person_id, x.minutes, x.description, x.state, \
    x.payer_confirmed_at, x.provider_confirmed_at, x.txn_id, pa.name, pr.name FROM bank_exchange x \
    JOIN person pa ON pa.city_id = x.city_id AND pa.id = x.payer_person_id \
    JOIN person pr ON pr.city_id = x.city_id AND pr.id = x.provider_person_id";

fn exchange_row(r: &sqlx::any::AnyRow) -> Result<Exchange> {
    Ok(Exchange {
        id: r.try_get(0)?,
        payer_person_id: r.try_get(1)?,
        provider_person_id: r.try_get(2)?,
        minutes: r.try_get(3)?,
        description: r.try_get(4)?,
        state: r.try_get(5)?,
        payer_confirmed: r.try_get::<Option<i64>, _>(6)?.is_some(),
        provider_confirmed: r.try_get::<Option<i64>, _>(7)?.is_some(),
        txn_id: r.try_get(8)?,
        payer_name: r.try_get(9)?,
        provider_name: r.try_get(10)?,
    })
}

async fn load_exchange(db: &Db, city_id: i64, id: i64) -> Result<Exchange> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{EXCHANGE} WHERE x.city_id = $1 AND x.id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    exchange_row(rows.first().ok_or(Error::NotFound)?)
}

/// Propose to spend one's minutes on a service from another person (from the city's age).
pub async fn propose(db: &Db, access: &Access, e: ExchangeInput) -> Result<Exchange> {
    check_amount(e.minutes)?;
    let me = access.person_id();
    if e.provider_person_id == me {
        return Err(Error::field("provider_person_id", "不能向自己兑换服务"));
    }
    let description = e.description.trim();
    if description.is_empty() || description.chars().count() > 200 {
        return Err(Error::field("description", "请写明服务内容（最多 200 字）"));
    }
    let min_age =
        rules::setting(db, access.city_id(), "self_spend_age", &today().to_string()).await?;
    match age_of(db, access, me).await? {
        Some(a) if a >= min_age => {}
        _ => {
            return Err(Error::conflict(
                "too_young_to_spend",
                format!(
                    "年满 {min_age} 周岁才能为自己兑换服务；您可以把时间币赠与直系亲属或捐入社区基金"
                ),
            ));
        }
    }
    org::people::scope_of(db, access.city_id(), e.provider_person_id)
        .await
        .map_err(|_| Error::field("provider_person_id", "服务人员不在平台登记的人员中"))?;
    let (_, held) = engine::balances(db, access.city_id(), Owner::Person(me)).await?;
    if held < e.minutes {
        return Err(Error::conflict("insufficient_balance", "时间币余额不足"));
    }
    let mut tx = db.begin().await?;
    let now = now_ms();
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO bank_exchange (city_id, payer_person_id, provider_person_id, minutes, description, state, \
             payer_confirmed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'proposed', NULL, $6, $6) RETURNING id",
        )
        .bind(access.city_id())
        .bind(me)
        .bind(e.provider_person_id)
        .bind(e.minutes)
        .bind(description)
        .bind(now),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "propose_exchange",
            object_kind: "bank_exchange",
            object_id: id,
            scope_path: "/",
            before: None,
            after: Some(json!({"provider": e.provider_person_id, "minutes": e.minutes, "description": description})),
        },
    )
    .await?;
    tx.commit().await?;
    load_exchange(db, access.city_id(), id).await
}

/// One side confirms the service happened; when both have, the coins move (once).
pub async fn confirm(db: &Db, access: &Access, id: i64) -> Result<Exchange> {
    let ex = load_exchange(db, access.city_id(), id).await?;
    let me = access.person_id();
    let column = if me == ex.payer_person_id {
        "payer_confirmed_at"
    } else if me == ex.provider_person_id {
        "provider_confirmed_at"
    } else {
        return Err(Error::NotFound);
    };
    if ex.state != "proposed" {
        return Err(Error::conflict("exchange_closed", "这笔兑换已经完成或取消"));
    }
    let mut tx = db.begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE bank_exchange SET {column} = COALESCE({column}, $1), updated_at = $1 WHERE city_id = $2 AND id = $3"
    )))
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "confirm_exchange",
            object_kind: "bank_exchange",
            object_id: id,
            scope_path: "/",
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    let ex = load_exchange(db, access.city_id(), id).await?;
    if ex.payer_confirmed && ex.provider_confirmed && ex.txn_id.is_none() {
        let txn = engine::post(
            db,
            access.actor(),
            Request {
                kind: "exchange".into(),
                key: format!("exchange-{id}"),
                ref_kind: Some("bank_exchange".into()),
                ref_id: Some(id),
                memo: format!("兑换服务：{}", ex.description),
                occurred_on: today().to_string(),
                legs: vec![
                    (
                        Owner::Person(ex.payer_person_id),
                        Currency::Minutes,
                        -ex.minutes,
                    ),
                    (
                        Owner::Person(ex.provider_person_id),
                        Currency::Minutes,
                        ex.minutes,
                    ),
                ],
                reverses: None,
                person_id: Some(ex.payer_person_id),
            },
        )
        .await?;
        sqlx::query("UPDATE bank_exchange SET state = 'done', txn_id = $1, updated_at = $2 WHERE city_id = $3 AND id = $4")
            .bind(txn.id)
            .bind(now_ms())
            .bind(access.city_id())
            .bind(id)
            .execute(db.writer())
            .await?;
    }
    load_exchange(db, access.city_id(), id).await
}

/// The caller's exchanges, as payer or provider, newest first (at most 100).
pub async fn my_exchanges(db: &Db, access: &Access) -> Result<Vec<Exchange>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{EXCHANGE} WHERE x.city_id = $1 AND (x.payer_person_id = $2 OR x.provider_person_id = $2) \
         ORDER BY x.id DESC LIMIT 100"
    )))
    .bind(access.city_id())
    .bind(access.person_id())
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(exchange_row).collect()
}

/// The payer withdraws an exchange before the coins moved.
pub async fn cancel(db: &Db, access: &Access, id: i64) -> Result<Exchange> {
    let ex = load_exchange(db, access.city_id(), id).await?;
    if ex.payer_person_id != access.person_id() && ex.provider_person_id != access.person_id() {
        return Err(Error::NotFound);
    }
    // Once both sides confirmed the coins move: too late to cancel, even before the state
    // says so.
    if ex.state != "proposed" || (ex.payer_confirmed && ex.provider_confirmed) {
        return Err(Error::conflict("exchange_closed", "这笔兑换已经完成或取消"));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE bank_exchange SET state = 'cancelled', updated_at = $1 WHERE city_id = $2 AND id = $3 \
         AND state = 'proposed' AND (payer_confirmed_at IS NULL OR provider_confirmed_at IS NULL)",
    )
        .bind(now_ms())
        .bind(access.city_id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "cancel_exchange",
            object_kind: "bank_exchange",
            object_id: id,
            scope_path: "/",
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    load_exchange(db, access.city_id(), id).await
}

/// An item a community offers for coins.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Item {
    /// Id.
    pub id: i64,
    /// The community.
    pub unit_id: i64,
    /// Name.
    pub name: String,
    /// Price in minutes.
    pub price_minutes: i64,
    /// How many are left.
    pub stock: i64,
    /// Whether it is offered.
    pub active: bool,
}

/// A new or changed item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ItemInput {
    /// Name.
    pub name: String,
    /// Price in minutes (1 or more).
    pub price_minutes: i64,
    /// Stock (0 or more).
    pub stock: i64,
}

async fn check_community_admin(db: &Db, access: &Access, unit_id: i64) -> Result<org::units::Unit> {
    let unit = org::units::get(db, access, unit_id).await?;
    if !unit.kind.is_community_level() {
        return Err(Error::field("unit_id", "只有社区（村）有兑换目录"));
    }
    if !access
        .admin_prefixes()
        .iter()
        .any(|p| unit.path.starts_with(p.as_str()))
    {
        return Err(Error::Forbidden("只有本社区的干部可以管理兑换目录"));
    }
    Ok(unit)
}

/// Add an item to a community's catalogue.
pub async fn add_item(db: &Db, access: &Access, unit_id: i64, i: ItemInput) -> Result<Item> {
    let unit = check_community_admin(db, access, unit_id).await?;
    let name = i.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::field("name", "请填写物品名称（最多 64 字）"));
    }
    if !(1..=MAX_AMOUNT).contains(&i.price_minutes) {
        return Err(Error::field("price_minutes", "所需时间币应大于 0"));
    }
    if !(0..=1_000_000).contains(&i.stock) {
        return Err(Error::field("stock", "库存应在 0 到 100 万之间"));
    }
    let mut tx = db.begin().await?;
    let now = now_ms();
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO bank_item (city_id, unit_id, name, price_minutes, stock, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id",
        )
        .bind(access.city_id())
        .bind(unit.id)
        .bind(name)
        .bind(i.price_minutes)
        .bind(i.stock)
        .bind(now),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "bank_item",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(json!({"name": name, "price_minutes": i.price_minutes, "stock": i.stock})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Item {
        id,
        unit_id: unit.id,
        name: name.into(),
        price_minutes: i.price_minutes,
        stock: i.stock,
        active: true,
    })
}

/// A community's catalogue (anyone who can see the community).
pub async fn items(db: &Db, access: &Access, unit_id: i64) -> Result<Vec<Item>> {
    let unit = org::units::get(db, access, unit_id).await?;
    let rows = sqlx::query(
        "SELECT id, unit_id, name, price_minutes, stock, active FROM bank_item WHERE city_id = $1 AND unit_id = $2 \
         ORDER BY id LIMIT 500",
    )
    .bind(access.city_id())
    .bind(unit.id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Item {
                id: r.try_get(0)?,
                unit_id: r.try_get(1)?,
                name: r.try_get(2)?,
                price_minutes: r.try_get(3)?,
                stock: r.try_get(4)?,
                active: r.try_get::<i64, _>(5)? != 0,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Redeem one item for one's own coins: the stock and the coins change together or not at all.
pub async fn redeem(db: &Db, access: &Access, item_id: i64, key: &str) -> Result<Txn> {
    let rows = sqlx::query(
        "SELECT unit_id, name, price_minutes, active FROM bank_item WHERE city_id = $1 AND id = $2",
    )
    .bind(access.city_id())
    .bind(item_id)
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let (unit_id, name, price, active): (i64, String, i64, i64) =
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
    org::units::get(db, access, unit_id).await?;
    let me = access.person_id();
    let req = Request {
        kind: "redemption".into(),
        key: key.to_owned(),
        ref_kind: Some("bank_item".into()),
        ref_id: Some(item_id),
        memo: format!("兑换：{name}"),
        occurred_on: today().to_string(),
        legs: vec![
            (Owner::Person(me), Currency::Minutes, -price),
            (Owner::Redeemed, Currency::Minutes, price),
        ],
        reverses: None,
        person_id: Some(me),
    };
    // A replay of the same key answers the first redemption and takes no more stock.
    let seen = sqlx::query("SELECT id FROM ledger_txn WHERE city_id = $1 AND idempotency_key = $2")
        .bind(access.city_id())
        .bind(key.trim())
        .fetch_all(db.reader())
        .await?;
    if !seen.is_empty() {
        return engine::post(db, access.actor(), req).await;
    }
    if active == 0 {
        return Err(Error::conflict("item_unavailable", "这件物品已下架"));
    }
    let mut tx = db.begin().await?;
    let taken = sqlx::query("UPDATE bank_item SET stock = stock - 1, updated_at = $1 WHERE city_id = $2 AND id = $3 AND stock > 0")
        .bind(now_ms())
        .bind(access.city_id())
        .bind(item_id)
        .execute(&mut *tx)
        .await?;
    if taken.rows_affected() == 0 {
        return Err(Error::conflict(
            "out_of_stock",
            format!("“{name}”已经兑完了"),
        ));
    }
    let id = engine::post_in(&mut tx, db, access.actor(), &req).await?;
    tx.commit().await?;
    engine::get(db, access.city_id(), id).await
}

/// A top-up of a community fund from the government's guarantee fund.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GuaranteeTopUp {
    /// The community.
    pub unit_id: i64,
    /// Minutes.
    pub minutes: i64,
    /// Why.
    pub reason: String,
    /// Idempotency key.
    pub key: String,
}

/// The government's guarantee fund backs a community fund (platform admins).
pub async fn guarantee(db: &Db, access: &Access, g: GuaranteeTopUp) -> Result<Txn> {
    if !access.manages_city() {
        return Err(Error::Forbidden("保障基金由平台管理员调用"));
    }
    check_amount(g.minutes)?;
    let unit = org::units::get(db, access, g.unit_id).await?;
    if !unit.kind.is_community_level() {
        return Err(Error::field("unit_id", "只有社区（村）有集体基金"));
    }
    if g.reason.trim().is_empty() {
        return Err(Error::field("reason", "请写明原因"));
    }
    engine::post(
        db,
        access.actor(),
        Request {
            kind: "guarantee".into(),
            key: g.key,
            ref_kind: Some("org_unit".into()),
            ref_id: Some(unit.id),
            memo: format!("保障基金兜底：{}", g.reason.trim()),
            occurred_on: today().to_string(),
            legs: vec![
                (Owner::Guarantee, Currency::Minutes, -g.minutes),
                (Owner::Fund(unit.id), Currency::Minutes, g.minutes),
            ],
            reverses: None,
            person_id: None,
        },
    )
    .await
}

/// A person who reached the honour threshold in a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Honour {
    /// The person.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// Points earned in the period (hundredths).
    pub points_e2: i64,
}

/// The honour list of a period (`YYYY` or `YYYY-MM`): everyone in the caller's scope whose
/// points earned in the period reach the threshold (通报表扬; candidates for 社区服务之星 and
/// 最美下沉干部). Listed by name — a list of who qualifies, not a ranking.
pub async fn honours(db: &Db, access: &Access, period: &str) -> Result<(i64, Vec<Honour>)> {
    let (from, to) = match period.len() {
        4 if period.parse::<u16>().is_ok() => {
            (format!("{period}-01-01"), format!("{period}-12-31"))
        }
        7 if kernel::time::parse_date(&format!("{period}-01")).is_some() => {
            (format!("{period}-01"), format!("{period}-31"))
        }
        _ => return Err(Error::field("period", "期间应为 YYYY 或 YYYY-MM")),
    };
    if !access
        .grants()
        .iter()
        .any(|g| g.role.administers() || g.role == Role::EmployerAdmin)
    {
        return Err(Error::Forbidden("表扬名单由管理员查看"));
    }
    let threshold = rules::setting(db, access.city_id(), "honour_points_e2", &to).await?;
    let rows = sqlx::query(
        "SELECT a.person_id, pe.name, pe.scope_path, pe.employer_id, CAST(SUM(p.amount) AS BIGINT) FROM ledger_posting p \
         JOIN ledger_txn t ON t.city_id = p.city_id AND t.id = p.txn_id \
         JOIN ledger_account a ON a.city_id = p.city_id AND a.id = p.account_id \
         JOIN person pe ON pe.city_id = a.city_id AND pe.id = a.person_id \
         WHERE p.city_id = $1 AND a.kind = 'person' AND p.currency = 'points' \
         AND t.occurred_on >= $2 AND t.occurred_on <= $3 \
         GROUP BY a.person_id, pe.name, pe.scope_path, pe.employer_id \
         HAVING SUM(p.amount) >= $4 ORDER BY pe.name, a.person_id LIMIT 5000",
    )
    .bind(access.city_id())
    .bind(&from)
    .bind(&to)
    .bind(threshold)
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let scope = org::access::PersonScope {
            person_id: r.try_get(0)?,
            scope_path: r.try_get(2)?,
            employer_id: r.try_get(3)?,
        };
        if access.reads_person(&scope) {
            out.push(Honour {
                person_id: scope.person_id,
                name: r.try_get(1)?,
                points_e2: r.try_get(4)?,
            });
        }
    }
    Ok((threshold, out))
}
