//! The double-entry engine on the database: accounts, posting a transaction (balanced per
//! currency, idempotent by key, balances locked in a fixed order and never below zero for
//! people and community funds), reversals, balances, statements and the trial balance.

use kernel::audit::{self, Actor, Entry};
use kernel::paging::{self, Page};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::model::{self, Currency, Leg};

/// Who owns an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Owner {
    /// A person's own account (存折).
    Person(i64),
    /// A community's collective fund (集体基金库), by its organisation node.
    Fund(i64),
    /// The city's issuance account: the source of every credit (goes negative).
    Issuance,
    /// The government's guarantee fund (兜底保障; may go negative).
    Guarantee,
    /// Where coins spent on goods go (they never turn into cash).
    Redeemed,
}

impl Owner {
    fn key(self) -> String {
        match self {
            Owner::Person(id) => format!("person:{id}"),
            Owner::Fund(id) => format!("fund:{id}"),
            Owner::Issuance => "issuance".into(),
            Owner::Guarantee => "guarantee".into(),
            Owner::Redeemed => "redeemed".into(),
        }
    }
    fn kind(self) -> &'static str {
        match self {
            Owner::Person(_) => "person",
            Owner::Fund(_) => "community_fund",
            Owner::Issuance => "issuance",
            Owner::Guarantee => "guarantee",
            Owner::Redeemed => "redeemed",
        }
    }
    /// Whether the account may go below zero (only the system's own accounts).
    pub fn may_go_negative(self) -> bool {
        matches!(self, Owner::Issuance | Owner::Guarantee)
    }
}

/// A transaction to record.
#[derive(Debug, Clone)]
pub struct Request {
    /// What it is: `service.volunteer`, `donation`, `grant`, `transfer`, `reversal`, …
    pub kind: String,
    /// The client's idempotency key: the same key twice records once.
    pub key: String,
    /// What caused it (`order`, `activity`, `case`, `meeting`, …).
    pub ref_kind: Option<String>,
    /// Its id.
    pub ref_id: Option<i64>,
    /// Why, in words (shown on statements).
    pub memo: String,
    /// The civil date the underlying work or event happened.
    pub occurred_on: String,
    /// The legs, by owner.
    pub legs: Vec<(Owner, Currency, i64)>,
    /// For a reversal: the transaction it undoes.
    pub reverses: Option<i64>,
    /// The person whose work or account the transaction is about (for their progress).
    pub person_id: Option<i64>,
}

/// One posting as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Posting {
    /// Account id.
    pub account_id: i64,
    /// Account owner key (`person:12`, `fund:5`, `issuance`).
    pub owner: String,
    /// Currency.
    pub currency: Currency,
    /// Signed amount.
    pub amount: i64,
}

/// A recorded transaction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Txn {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// The idempotency key.
    pub key: String,
    /// What caused it.
    pub ref_kind: Option<String>,
    /// Its id.
    pub ref_id: Option<i64>,
    /// Why.
    pub memo: String,
    /// The date of the underlying work.
    pub occurred_on: String,
    /// The transaction this one reverses.
    pub reverses_txn_id: Option<i64>,
    /// Who recorded it.
    pub actor_name: String,
    /// When (ms since epoch).
    pub created_at: i64,
    /// The person it is about.
    pub person_id: Option<i64>,
    /// Its postings.
    pub postings: Vec<Posting>,
    /// Whether this answer is the replay of an earlier request with the same key.
    pub replayed: bool,
}

fn request_hash(req: &Request) -> String {
    let mut legs: Vec<(String, &str, i64)> = req
        .legs
        .iter()
        .map(|(o, c, a)| (o.key(), c.as_str(), *a))
        .collect();
    legs.sort();
    let canon = json!({"kind": req.kind, "ref": [req.ref_kind, req.ref_id], "memo": req.memo,
                       "on": req.occurred_on, "legs": legs, "reverses": req.reverses,
                       "person": req.person_id});
    hex::encode(Sha256::digest(canon.to_string().as_bytes()))
}

/// The account of `owner`, created on first use.
pub async fn account(tx: &mut AnyConnection, city_id: i64, owner: Owner) -> Result<i64> {
    let key = owner.key();
    let (person, unit) = match owner {
        Owner::Person(id) => (Some(id), None),
        Owner::Fund(id) => (None, Some(id)),
        _ => (None, None),
    };
    sqlx::query(
        "INSERT INTO ledger_account (city_id, kind, owner_key, person_id, unit_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(city_id)
    .bind(owner.kind())
    .bind(&key)
    .bind(person)
    .bind(unit)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query("SELECT id FROM ledger_account WHERE city_id = $1 AND owner_key = $2")
        .bind(city_id)
        .bind(&key)
        .fetch_all(&mut *tx)
        .await?;
    Ok(rows.first().ok_or(sqlx::Error::RowNotFound)?.try_get(0)?)
}

/// The id of an existing account, if any.
pub async fn find_account(db: &Db, city_id: i64, owner: Owner) -> Result<Option<i64>> {
    let rows = sqlx::query("SELECT id FROM ledger_account WHERE city_id = $1 AND owner_key = $2")
        .bind(city_id)
        .bind(owner.key())
        .fetch_all(db.reader())
        .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?)
}

async fn existing(
    conn: &mut AnyConnection,
    city_id: i64,
    key: &str,
) -> Result<Option<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, request_hash FROM ledger_txn WHERE city_id = $1 AND idempotency_key = $2",
    )
    .bind(city_id)
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .first()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?)
}

fn key_reused() -> Error {
    Error::conflict(
        "idempotency_key_reused",
        "这个幂等键已用于另一笔不同内容的交易：请为新交易换一个键",
    )
}

/// The idempotency key, trimmed: required, at most 128 characters.
fn checked_key(key: &str) -> Result<String> {
    let key = key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(Error::field("key", "幂等键必填，最多 128 个字符"));
    }
    Ok(key.to_owned())
}

/// Record a transaction. The same key with the same content answers the first result;
/// with other content it is refused and nothing is written.
pub async fn post(db: &Db, actor: &Actor, req: Request) -> Result<Txn> {
    let city_id = actor.city_id;
    let key = checked_key(&req.key)?;
    if req.memo.chars().count() > 500 {
        return Err(Error::field("memo", "说明最多 500 个字"));
    }
    let hash = request_hash(&req);
    if let Some((id, seen)) = existing(&mut *db.reader().acquire().await?, city_id, &key).await? {
        return if seen == hash {
            replay(db, city_id, id).await
        } else {
            Err(key_reused())
        };
    }
    let mut tx = db.begin().await?;
    match write(&mut tx, db, actor, &req, &key, &hash).await {
        Ok(id) => {
            tx.commit().await?;
            let mut t = get(db, city_id, id).await?;
            t.replayed = false;
            Ok(t)
        }
        Err(Write::Duplicate) => {
            drop(tx);
            // Either the same key arrived concurrently, or the original is already reversed.
            if let Some((id, seen)) =
                existing(&mut *db.reader().acquire().await?, city_id, &key).await?
            {
                return if seen == hash {
                    replay(db, city_id, id).await
                } else {
                    Err(key_reused())
                };
            }
            Err(Error::conflict("already_reversed", "这笔交易已经冲正过了"))
        }
        Err(Write::Failed(e)) => Err(e),
    }
}

/// Why writing a transaction stopped.
enum Write {
    /// A unique key was taken (the idempotency key, or the original's reversal).
    Duplicate,
    /// Anything else.
    Failed(Error),
}

impl From<Error> for Write {
    fn from(e: Error) -> Self {
        Write::Failed(e)
    }
}

impl From<sqlx::Error> for Write {
    fn from(e: sqlx::Error) -> Self {
        Write::Failed(e.into())
    }
}

/// A stable hash of a request's input, for operations whose legs depend on the state at
/// the time (caps): their idempotency is decided by what was asked, not by derived legs.
pub fn input_hash(input: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(input.to_string().as_bytes()))
}

/// The transaction recorded under `key`, as (id, request hash).
pub async fn find_key(db: &Db, city_id: i64, key: &str) -> Result<Option<(i64, String)>> {
    existing(&mut *db.reader().acquire().await?, city_id, key.trim()).await
}

/// The first result of an idempotent request: the transaction marked as a replay.
pub async fn replay_of(db: &Db, city_id: i64, id: i64) -> Result<Txn> {
    replay(db, city_id, id).await
}

/// The error for a key used before with another request.
pub fn reused_key() -> Error {
    key_reused()
}

/// Lock the balances of `rows` (creating accounts and rows as needed) in the engine's
/// order — by account id, then currency — and answer them in the order given. Work that
/// decides its legs from balances (the account cap) locks first, then posts in the same
/// database transaction, so concurrent work cannot overshoot and never deadlocks with a
/// plain posting.
pub async fn lock_balances(
    tx: &mut AnyConnection,
    db: &Db,
    city_id: i64,
    rows: &[(Owner, Currency)],
) -> Result<Vec<i64>> {
    let mut keyed = Vec::new();
    for (i, (owner, currency)) in rows.iter().enumerate() {
        keyed.push((account(&mut *tx, city_id, *owner).await?, *currency, i));
    }
    keyed.sort();
    let mut out = vec![0; rows.len()];
    for (account_id, currency, i) in keyed {
        sqlx::query(
            "INSERT INTO ledger_balance (city_id, account_id, currency, balance) VALUES ($1, $2, $3, 0) \
             ON CONFLICT DO NOTHING",
        )
        .bind(city_id)
        .bind(account_id)
        .bind(currency.as_str())
        .execute(&mut *tx)
        .await?;
        let r = sqlx::query(AssertSqlSafe(format!(
            "SELECT balance FROM ledger_balance WHERE city_id = $1 AND account_id = $2 AND currency = $3{}",
            db.for_update()
        )))
        .bind(city_id)
        .bind(account_id)
        .bind(currency.as_str())
        .fetch_all(&mut *tx)
        .await?;
        out[i] = r.first().ok_or(sqlx::Error::RowNotFound)?.try_get(0)?;
    }
    Ok(out)
}

/// Like [`post_in`], with the idempotency hash given by the caller (see [`input_hash`]).
pub async fn post_in_hashed(
    tx: &mut AnyConnection,
    db: &Db,
    actor: &Actor,
    req: &Request,
    hash: &str,
) -> Result<i64> {
    let key = checked_key(&req.key)?;
    match write(tx, db, actor, req, &key, hash).await {
        Ok(id) => Ok(id),
        Err(Write::Duplicate) => Err(Error::conflict("duplicate_key", "这笔交易已经记过了")),
        Err(Write::Failed(e)) => Err(e),
    }
}

/// Record a transaction inside the caller's database transaction (which the caller commits),
/// for work that must happen atomically with a posting (a redemption takes stock). The
/// caller checked the key is new; a duplicate answers `duplicate_key`.
pub async fn post_in(tx: &mut AnyConnection, db: &Db, actor: &Actor, req: &Request) -> Result<i64> {
    post_in_hashed(tx, db, actor, req, &request_hash(req)).await
}

async fn write(
    tx: &mut AnyConnection,
    db: &Db,
    actor: &Actor,
    req: &Request,
    key: &str,
    hash: &str,
) -> Result<i64, Write> {
    let city_id = actor.city_id;
    let mut legs = Vec::new();
    let mut owners = Vec::new();
    for (owner, currency, amount) in &req.legs {
        let id = account(&mut *tx, city_id, *owner).await?;
        owners.push((id, *owner));
        legs.push(Leg {
            account: id,
            currency: *currency,
            amount: *amount,
        });
    }
    let legs = model::normalise(&legs);
    model::check(&legs).map_err(|e| match e {
        model::Invalid::Empty | model::Invalid::ZeroAmount => {
            Error::field("amount", "数量必须大于 0")
        }
        model::Invalid::TooLarge => Error::field("amount", "数量过大（单笔不超过 10^12）"),
        model::Invalid::Unbalanced(c) => Error::Internal(format!("unbalanced {}", c.as_str())),
    })?;
    let now = now_ms();
    for l in &legs {
        let owner = owners
            .iter()
            .find(|(id, _)| *id == l.account)
            .map(|(_, o)| *o)
            .ok_or(Error::NotFound)?;
        sqlx::query(
            "INSERT INTO ledger_balance (city_id, account_id, currency, balance) VALUES ($1, $2, $3, 0) \
             ON CONFLICT DO NOTHING",
        )
        .bind(city_id)
        .bind(l.account)
        .bind(l.currency.as_str())
        .execute(&mut *tx)
        .await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT balance FROM ledger_balance WHERE city_id = $1 AND account_id = $2 AND currency = $3{}",
            db.for_update()
        )))
        .bind(city_id)
        .bind(l.account)
        .bind(l.currency.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let balance: i64 = rows.first().ok_or(sqlx::Error::RowNotFound)?.try_get(0)?;
        let next = balance + l.amount;
        if next < 0 && !owner.may_go_negative() {
            return Err(Write::Failed(Error::conflict(
                "insufficient_balance",
                format!(
                    "余额不足：{}只有 {}，这笔需要 {}",
                    l.currency.label(),
                    show(l.currency, balance),
                    show(l.currency, -l.amount)
                ),
            )));
        }
        sqlx::query("UPDATE ledger_balance SET balance = $1 WHERE city_id = $2 AND account_id = $3 AND currency = $4")
            .bind(next)
            .bind(city_id)
            .bind(l.account)
            .bind(l.currency.as_str())
            .execute(&mut *tx)
            .await?;
    }
    let inserted = kernel::db::insert_returning_id(
        &mut *tx,
        sqlx::query(
            "INSERT INTO ledger_txn (city_id, kind, idempotency_key, request_hash, ref_kind, ref_id, memo, \
             reverses_txn_id, person_id, occurred_on, actor_account_id, actor_name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(city_id)
        .bind(&req.kind)
        .bind(key)
        .bind(hash)
        .bind(&req.ref_kind)
        .bind(req.ref_id)
        .bind(&req.memo)
        .bind(req.reverses)
        .bind(req.person_id)
        .bind(&req.occurred_on)
        .bind(actor.account_id)
        .bind(&actor.name)
        .bind(now),
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => return Err(Write::Duplicate),
        Err(e) => return Err(Write::Failed(e.into())),
    };
    for l in &legs {
        sqlx::query(
            "INSERT INTO ledger_posting (city_id, txn_id, account_id, currency, amount, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(city_id)
        .bind(id)
        .bind(l.account)
        .bind(l.currency.as_str())
        .bind(l.amount)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        Entry {
            action: "post",
            object_kind: "ledger_txn",
            object_id: id,
            scope_path: "/",
            before: None,
            after: Some(json!({"kind": req.kind, "key": key, "memo": req.memo,
                "legs": req.legs.iter().map(|(o, c, a)| json!([o.key(), c.as_str(), a])).collect::<Vec<_>>(),
                "reverses": req.reverses})),
        },
    )
    .await?;
    Ok(id)
}

async fn replay(db: &Db, city_id: i64, id: i64) -> Result<Txn> {
    let mut t = get(db, city_id, id).await?;
    t.replayed = true;
    Ok(t)
}

/// A transaction with its postings.
pub async fn get(db: &Db, city_id: i64, id: i64) -> Result<Txn> {
    let rows = sqlx::query(
        "SELECT id, kind, idempotency_key, ref_kind, ref_id, memo, occurred_on, reverses_txn_id, actor_name, \
         created_at, person_id FROM ledger_txn WHERE city_id = $1 AND id = $2",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let postings = sqlx::query(
        "SELECT p.account_id, a.owner_key, p.currency, p.amount FROM ledger_posting p \
         JOIN ledger_account a ON a.city_id = p.city_id AND a.id = p.account_id \
         WHERE p.city_id = $1 AND p.txn_id = $2 ORDER BY p.id",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|p| {
        let c: String = p.try_get(2)?;
        Ok(Posting {
            account_id: p.try_get(0)?,
            owner: p.try_get(1)?,
            currency: Currency::parse(&c).unwrap_or(Currency::Minutes),
            amount: p.try_get(3)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Txn {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        key: r.try_get(2)?,
        ref_kind: r.try_get(3)?,
        ref_id: r.try_get(4)?,
        memo: r.try_get(5)?,
        occurred_on: r.try_get(6)?,
        reverses_txn_id: r.try_get(7)?,
        actor_name: r.try_get(8)?,
        created_at: r.try_get(9)?,
        person_id: r.try_get(10)?,
        postings,
        replayed: false,
    })
}

/// Undo a transaction with a new one that points at it (once; the balances must allow it).
pub async fn reverse(db: &Db, actor: &Actor, id: i64, reason: &str, key: &str) -> Result<Txn> {
    let original = get(db, actor.city_id, id).await?;
    if original.reverses_txn_id.is_some() {
        return Err(Error::conflict(
            "cannot_reverse_reversal",
            "冲正交易不能再冲正；如有错误请重新记一笔",
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::field("reason", "请写明冲正原因"));
    }
    // Said before anything else; the unique key on reverses_txn_id still stops a race.
    let done = sqlx::query(
        "SELECT idempotency_key FROM ledger_txn WHERE city_id = $1 AND reverses_txn_id = $2",
    )
    .bind(actor.city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    if let Some(r) = done.first()
        && r.try_get::<String, _>(0)? != key
    {
        return Err(Error::conflict("already_reversed", "这笔交易已经冲正过了"));
    }
    let mut legs = Vec::new();
    for p in &original.postings {
        legs.push((
            owner_of(db, actor.city_id, p.account_id).await?,
            p.currency,
            -p.amount,
        ));
    }
    post(
        db,
        actor,
        Request {
            kind: "reversal".into(),
            key: key.into(),
            ref_kind: Some("ledger_txn".into()),
            ref_id: Some(id),
            memo: format!("冲正：{reason}"),
            occurred_on: kernel::time::today().to_string(),
            legs,
            reverses: Some(id),
            person_id: original.person_id,
        },
    )
    .await
}

/// The owner of an account.
pub async fn owner_of(db: &Db, city_id: i64, account_id: i64) -> Result<Owner> {
    let rows = sqlx::query(
        "SELECT kind, person_id, unit_id FROM ledger_account WHERE city_id = $1 AND id = $2",
    )
    .bind(city_id)
    .bind(account_id)
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let kind: String = r.try_get(0)?;
    let person: Option<i64> = r.try_get(1)?;
    let unit: Option<i64> = r.try_get(2)?;
    Ok(match (kind.as_str(), person, unit) {
        ("person", Some(p), _) => Owner::Person(p),
        ("community_fund", _, Some(u)) => Owner::Fund(u),
        ("issuance", ..) => Owner::Issuance,
        ("guarantee", ..) => Owner::Guarantee,
        _ => Owner::Redeemed,
    })
}

/// Balances of an owner's account: (points in hundredths, minutes).
pub async fn balances(db: &Db, city_id: i64, owner: Owner) -> Result<(i64, i64)> {
    let Some(id) = find_account(db, city_id, owner).await? else {
        return Ok((0, 0));
    };
    let rows = sqlx::query(
        "SELECT currency, balance FROM ledger_balance WHERE city_id = $1 AND account_id = $2",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let (mut p, mut m) = (0, 0);
    for r in rows {
        let c: String = r.try_get(0)?;
        let b: i64 = r.try_get(1)?;
        match Currency::parse(&c) {
            Some(Currency::Points) => p = b,
            Some(Currency::Minutes) => m = b,
            None => {}
        }
    }
    Ok((p, m))
}

/// One line of a statement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Line {
    /// Posting id (keyset).
    pub id: i64,
    /// Transaction id.
    pub txn_id: i64,
    /// Transaction kind.
    pub kind: String,
    /// Why.
    pub memo: String,
    /// Date of the underlying work.
    pub occurred_on: String,
    /// When recorded (ms).
    pub created_at: i64,
    /// Currency.
    pub currency: Currency,
    /// Signed amount.
    pub amount: i64,
}

/// A statement filter.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct StatementQuery {
    /// From this date (inclusive, `YYYY-MM-DD`).
    pub from: Option<String>,
    /// To this date (inclusive).
    pub to: Option<String>,
    /// Keyset: lines older than this id.
    pub after: Option<i64>,
    /// Page size.
    pub limit: Option<i64>,
}

/// The lines of an owner's account, newest first.
pub async fn statement(
    db: &Db,
    city_id: i64,
    owner: Owner,
    q: &StatementQuery,
) -> Result<Page<Line>> {
    let limit = paging::limit(q.limit);
    let Some(account) = find_account(db, city_id, owner).await? else {
        return Ok(Page {
            items: vec![],
            next: None,
        });
    };
    for (f, v) in [("from", &q.from), ("to", &q.to)] {
        if let Some(d) = v.as_deref().filter(|d| !d.is_empty())
            && kernel::time::parse_date(d).is_none()
        {
            return Err(Error::field(f, "日期格式应为 YYYY-MM-DD"));
        }
    }
    let rows = sqlx::query(
        "SELECT p.id, t.id, t.kind, t.memo, t.occurred_on, t.created_at, p.currency, p.amount \
         FROM ledger_posting p JOIN ledger_txn t ON t.city_id = p.city_id AND t.id = p.txn_id \
         WHERE p.city_id = $1 AND p.account_id = $2 AND t.occurred_on >= $3 AND t.occurred_on <= $4 \
         AND p.id < $5 ORDER BY p.id DESC LIMIT $6",
    )
    .bind(city_id)
    .bind(account)
    .bind(q.from.clone().filter(|d| !d.is_empty()).unwrap_or_else(|| "0000-01-01".into()))
    .bind(q.to.clone().filter(|d| !d.is_empty()).unwrap_or_else(|| "9999-12-31".into()))
    .bind(q.after.unwrap_or(i64::MAX))
    .bind(limit + 1)
    .fetch_all(db.reader())
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            let c: String = r.try_get(6)?;
            Ok(Line {
                id: r.try_get(0)?,
                txn_id: r.try_get(1)?,
                kind: r.try_get(2)?,
                memo: r.try_get(3)?,
                occurred_on: r.try_get(4)?,
                created_at: r.try_get(5)?,
                currency: Currency::parse(&c).unwrap_or(Currency::Minutes),
                amount: r.try_get(7)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Page::from_rows(items, limit, |l| l.id))
}

/// One row of the trial balance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialRow {
    /// Account kind (`person`, `community_fund`, `issuance`, …).
    pub account_kind: String,
    /// Currency.
    pub currency: Currency,
    /// Sum of the postings.
    pub total: i64,
}

/// The city's trial balance: per account kind and currency, and whether every currency
/// sums to zero both by postings and by the cached balances.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialBalance {
    /// Rows.
    pub rows: Vec<TrialRow>,
    /// Sum of all postings in points (must be 0).
    pub points_total: i64,
    /// Sum of all postings in minutes (must be 0).
    pub minutes_total: i64,
    /// Whether the cached balances equal the sums of postings for every account.
    pub balances_match: bool,
    /// Whether the books balance.
    pub balanced: bool,
}

/// The trial balance of a city.
pub async fn trial_balance(db: &Db, city_id: i64) -> Result<TrialBalance> {
    let rows = sqlx::query(
        "SELECT a.kind, p.currency, CAST(SUM(p.amount) AS BIGINT) FROM ledger_posting p \
         JOIN ledger_account a ON a.city_id = p.city_id AND a.id = p.account_id \
         WHERE p.city_id = $1 GROUP BY a.kind, p.currency ORDER BY a.kind, p.currency",
    )
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    let rows: Vec<TrialRow> = rows
        .iter()
        .map(|r| {
            let c: String = r.try_get(1)?;
            Ok(TrialRow {
                account_kind: r.try_get(0)?,
                currency: Currency::parse(&c).unwrap_or(Currency::Minutes),
                total: r.try_get(2)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let sum = |c: Currency| {
        rows.iter()
            .filter(|r| r.currency == c)
            .map(|r| r.total)
            .sum::<i64>()
    };
    let mismatches = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_balance b WHERE b.city_id = $1 AND b.balance <> \
         COALESCE((SELECT CAST(SUM(p.amount) AS BIGINT) FROM ledger_posting p WHERE p.city_id = b.city_id \
         AND p.account_id = b.account_id AND p.currency = b.currency), 0)",
    )
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    let mismatches: i64 = mismatches
        .first()
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(0);
    let (points_total, minutes_total) = (sum(Currency::Points), sum(Currency::Minutes));
    Ok(TrialBalance {
        balanced: points_total == 0 && minutes_total == 0 && mismatches == 0,
        rows,
        points_total,
        minutes_total,
        balances_match: mismatches == 0,
    })
}

/// An amount as people read it: minutes in hours (1.5 小时), points with two decimals.
pub fn show(currency: Currency, amount: i64) -> String {
    match currency {
        Currency::Minutes => {
            let sign = if amount < 0 { "-" } else { "" };
            let (h, m) = (amount.abs() / 60, amount.abs() % 60);
            match (h, m) {
                (0, m) => format!("{sign}{m} 分钟"),
                (h, 0) => format!("{sign}{h} 小时"),
                (h, m) => format!("{sign}{h} 小时 {m} 分钟"),
            }
        }
        Currency::Points => {
            let sign = if amount < 0 { "-" } else { "" };
            let a = amount.abs();
            format!("{sign}{}.{:02} 分", a / 100, a % 100)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_the_chinese_way() {
        assert_eq!(show(Currency::Minutes, 90), "1 小时 30 分钟");
        assert_eq!(show(Currency::Minutes, 120), "2 小时");
        assert_eq!(show(Currency::Minutes, 30), "30 分钟");
        assert_eq!(
            show(Currency::Minutes, -30),
            "-30 分钟",
            "the sign survives under an hour"
        );
        assert_eq!(show(Currency::Minutes, -90), "-1 小时 30 分钟");
        assert_eq!(show(Currency::Points, 150), "1.50 分");
        assert_eq!(show(Currency::Points, -5), "-0.05 分");
    }
}
