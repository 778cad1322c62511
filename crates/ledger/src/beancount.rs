//! The city's whole ledger as a [beancount](https://beancount.github.io/) file, for
//! auditors and for `bean-check`, which re-verifies every transaction and every balance.
//!
//! # Commodities
//!
//! - `PTS` — points (积分). Stored in hundredths; written with two decimals (`1.50 PTS`).
//! - `MIN` — time coins (时间币) in minutes; written as integers (`90 MIN`).
//!
//! # Accounts
//!
//! | ledger account              | beancount account          |
//! |-----------------------------|----------------------------|
//! | person `person:12`          | `Liabilities:Person:P12`   |
//! | community fund `fund:5`     | `Liabilities:Fund:U5`      |
//! | issuance                    | `Equity:Issuance`          |
//! | guarantee                   | `Equity:Guarantee`         |
//! | redeemed                    | `Income:Redeemed`          |
//!
//! (`P` + person id, `U` + organisation-unit id: a beancount account component must start
//! with a capital letter or a digit.) Every account is opened on the date of the first
//! transaction of the city.
//!
//! # Signs
//!
//! Our ledger's convention is "a positive amount credits the account"; beancount's is
//! "a positive amount debits the account" (credits are negative). The export therefore
//! writes **every amount negated**: a credit of 90 minutes to a person is
//! `Liabilities:Person:P12 -90 MIN` against `Equity:Issuance 90 MIN`. Negating every leg of
//! a balanced transaction keeps it balanced, and each account then carries its natural
//! beancount sign: what the bank owes people and community funds is a negative (credit)
//! liability; coins spent on goods accumulate as a negative (credit) `Income:Redeemed`
//! (they extinguish what the bank owed); the issuance and guarantee accounts, which create
//! coins, carry a positive (debit) equity — the bank's outstanding promise. So a balance
//! shown here is the stored balance with its sign flipped, and the balance assertions at
//! the end are written the same way.
//!
//! # Transactions
//!
//! One transaction per `ledger_txn`, in id order, dated by `occurred_on` (the date of the
//! underlying work; a reversal is dated the day it was recorded), flag `*`, narration
//! `"<kind>: <memo>"`, metadata `txn-id`, `key`, `actor` (and `reverses`, `ref`, `person-id`
//! when set), and a link `^ledger-<id>` shared by a transaction and its reversal. One
//! posting per `ledger_posting`, in id order.
//!
//! # Balances
//!
//! A `balance` assertion per account and currency of the cached `ledger_balance` table,
//! dated the day after the last transaction (beancount checks a balance at the start of its
//! day), so `bean-check` proves the cached balances equal the sum of the postings.
//!
//! The whole file is read in one read-only snapshot (`REPEATABLE READ` on PostgreSQL, a
//! read transaction on SQLite), so the assertions always agree with the transactions.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use kernel::{Backend, Db, Error, Result};
use sqlx::Row;

use crate::model::Currency;

/// The beancount commodity of a currency.
pub fn commodity(c: Currency) -> &'static str {
    match c {
        Currency::Points => "PTS",
        Currency::Minutes => "MIN",
    }
}

/// The beancount account name of a ledger account, from its kind and owner ids.
pub fn account_name(id: i64, kind: &str, person_id: Option<i64>, unit_id: Option<i64>) -> String {
    match (kind, person_id, unit_id) {
        ("person", Some(p), _) => format!("Liabilities:Person:P{p}"),
        ("community_fund", _, Some(u)) => format!("Liabilities:Fund:U{u}"),
        ("issuance", ..) => "Equity:Issuance".into(),
        ("guarantee", ..) => "Equity:Guarantee".into(),
        ("redeemed", ..) => "Income:Redeemed".into(),
        // Not made by the engine today; kept valid rather than failing the export.
        _ => format!("Equity:Other:A{id}"),
    }
}

/// A stored amount as beancount writes it, sign flipped (see the module doc).
pub fn amount(c: Currency, stored: i64) -> String {
    let v = -i128::from(stored);
    match c {
        Currency::Minutes => format!("{v} {}", commodity(c)),
        Currency::Points => {
            let sign = if v < 0 { "-" } else { "" };
            let a = v.unsigned_abs();
            format!("{sign}{}.{:02} {}", a / 100, a % 100, commodity(c))
        }
    }
}

/// A beancount string literal: backslashes and quotes escaped, control characters (line
/// breaks included) turned into spaces.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Account {
    name: String,
    created_at: i64,
}

struct Txn {
    id: i64,
    kind: String,
    key: String,
    memo: String,
    occurred_on: String,
    reverses: Option<i64>,
    ref_kind: Option<String>,
    ref_id: Option<i64>,
    person_id: Option<i64>,
    actor: String,
}

fn currency(s: &str) -> Result<Currency> {
    Currency::parse(s).ok_or_else(|| Error::Internal(format!("unknown ledger currency {s:?}")))
}

/// The city's whole ledger as a beancount file (UTF-8 text).
pub async fn export(db: &Db, city_id: i64) -> Result<String> {
    let mut tx = db.reader().begin().await?;
    if db.backend() == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    let city: String = sqlx::query("SELECT name FROM city WHERE id = $1")
        .bind(city_id)
        .fetch_all(&mut *tx)
        .await?
        .first()
        .ok_or(Error::NotFound)?
        .try_get(0)?;
    let mut accounts: BTreeMap<i64, Account> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT id, kind, person_id, unit_id, created_at FROM ledger_account \
         WHERE city_id = $1 ORDER BY id",
    )
    .bind(city_id)
    .fetch_all(&mut *tx)
    .await?
    {
        let id: i64 = r.try_get(0)?;
        let kind: String = r.try_get(1)?;
        accounts.insert(
            id,
            Account {
                name: account_name(id, &kind, r.try_get(2)?, r.try_get(3)?),
                created_at: r.try_get(4)?,
            },
        );
    }
    let txns = sqlx::query(
        "SELECT id, kind, idempotency_key, memo, occurred_on, reverses_txn_id, ref_kind, ref_id, \
         person_id, actor_name FROM ledger_txn WHERE city_id = $1 ORDER BY id",
    )
    .bind(city_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| {
        Ok(Txn {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            key: r.try_get(2)?,
            memo: r.try_get(3)?,
            occurred_on: r.try_get(4)?,
            reverses: r.try_get(5)?,
            ref_kind: r.try_get(6)?,
            ref_id: r.try_get(7)?,
            person_id: r.try_get(8)?,
            actor: r.try_get(9)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut postings: BTreeMap<i64, Vec<(i64, Currency, i64)>> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT txn_id, account_id, currency, amount FROM ledger_posting \
         WHERE city_id = $1 ORDER BY id",
    )
    .bind(city_id)
    .fetch_all(&mut *tx)
    .await?
    {
        let c: String = r.try_get(2)?;
        postings.entry(r.try_get(0)?).or_default().push((
            r.try_get(1)?,
            currency(&c)?,
            r.try_get(3)?,
        ));
    }
    let balances = sqlx::query(
        "SELECT account_id, currency, balance FROM ledger_balance \
         WHERE city_id = $1 ORDER BY account_id, currency",
    )
    .bind(city_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| {
        let c: String = r.try_get(1)?;
        Ok((
            r.try_get::<i64, _>(0)?,
            currency(&c)?,
            r.try_get::<i64, _>(2)?,
        ))
    })
    .collect::<Result<Vec<_>>>()?;
    tx.rollback().await?;

    let mut dates = BTreeSet::new();
    for t in &txns {
        let d = kernel::time::parse_date(&t.occurred_on).ok_or_else(|| {
            Error::Internal(format!("ledger_txn {} has date {:?}", t.id, t.occurred_on))
        })?;
        dates.insert(d);
    }
    let first_account = accounts.values().map(|a| a.created_at).min();
    let open_on = match (dates.first(), first_account) {
        (Some(d), _) => *d,
        (None, Some(ms)) => kernel::time::date_of_ms(ms),
        (None, None) => kernel::time::today(),
    };
    let last = dates.last().copied().unwrap_or(open_on);
    let check_on = last
        .tomorrow()
        .map_err(|e| Error::Internal(format!("date after {last}: {e}")))?;
    let reversed: BTreeSet<i64> = txns.iter().filter_map(|t| t.reverses).collect();

    let mut out = String::new();
    // Writing to a String cannot fail: the results of `writeln!` are ignored below.
    let city = city.replace(char::is_control, " ");
    let _ = writeln!(
        out,
        "; {city}: points (PTS, 积分) and time coins (MIN, 时间币, minutes)."
    );
    let _ = writeln!(
        out,
        "; Amounts are the ledger's with the sign flipped: negative = credit (what is owed to people)."
    );
    let _ = writeln!(
        out,
        "option \"title\" {}",
        quote(&format!("{city} 积分与时间银行账本"))
    );
    let _ = writeln!(out, "option \"operating_currency\" \"PTS\"");
    let _ = writeln!(out, "option \"operating_currency\" \"MIN\"");
    let _ = writeln!(out);
    let _ = writeln!(out, "{open_on} commodity PTS\n  name: \"积分 (points)\"");
    let _ = writeln!(out, "{open_on} commodity MIN\n  name: \"时间币 (minutes)\"");
    let _ = writeln!(out);
    let mut names: Vec<&str> = accounts.values().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    for name in names {
        let _ = writeln!(out, "{open_on} open {name}");
    }
    for t in &txns {
        let _ = writeln!(out);
        let narration = if t.memo.is_empty() {
            t.kind.clone()
        } else {
            format!("{}: {}", t.kind, t.memo)
        };
        let link = t
            .reverses
            .or(reversed.contains(&t.id).then_some(t.id))
            .map(|id| format!(" ^ledger-{id}"))
            .unwrap_or_default();
        let _ = writeln!(out, "{} * {}{link}", t.occurred_on, quote(&narration));
        let _ = writeln!(out, "  txn-id: \"{}\"", t.id);
        let _ = writeln!(out, "  key: {}", quote(&t.key));
        let _ = writeln!(out, "  actor: {}", quote(&t.actor));
        if let Some(r) = t.reverses {
            let _ = writeln!(out, "  reverses: \"{r}\"");
        }
        if let Some(k) = &t.ref_kind {
            let r = t.ref_id.map(|i| format!("{k}:{i}")).unwrap_or(k.clone());
            let _ = writeln!(out, "  ref: {}", quote(&r));
        }
        if let Some(p) = t.person_id {
            let _ = writeln!(out, "  person-id: \"{p}\"");
        }
        for (account, c, a) in postings.get(&t.id).map(Vec::as_slice).unwrap_or_default() {
            let name = &accounts
                .get(account)
                .ok_or_else(|| Error::Internal(format!("posting on unknown account {account}")))?
                .name;
            let _ = writeln!(out, "  {name}  {}", amount(*c, *a));
        }
    }
    if !balances.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "; The cached balances (ledger_balance), sign flipped.");
    }
    let mut assertions = balances
        .iter()
        .map(|(account, c, b)| {
            let name = &accounts
                .get(account)
                .ok_or_else(|| Error::Internal(format!("balance of unknown account {account}")))?
                .name;
            Ok((name.as_str(), commodity(*c), amount(*c, *b)))
        })
        .collect::<Result<Vec<_>>>()?;
    assertions.sort_unstable();
    for (name, _, a) in assertions {
        let _ = writeln!(out, "{check_on} balance {name}  {a}");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_flip_sign_and_keep_units() {
        assert_eq!(amount(Currency::Points, 150), "-1.50 PTS");
        assert_eq!(amount(Currency::Points, -5), "0.05 PTS");
        assert_eq!(amount(Currency::Points, -100), "1.00 PTS");
        assert_eq!(amount(Currency::Points, 0), "0.00 PTS");
        assert_eq!(amount(Currency::Minutes, 90), "-90 MIN");
        assert_eq!(amount(Currency::Minutes, -30), "30 MIN");
    }

    #[test]
    fn names_and_strings() {
        assert_eq!(
            account_name(1, "person", Some(12), None),
            "Liabilities:Person:P12"
        );
        assert_eq!(
            account_name(2, "community_fund", None, Some(5)),
            "Liabilities:Fund:U5"
        );
        assert_eq!(account_name(3, "issuance", None, None), "Equity:Issuance");
        assert_eq!(account_name(4, "redeemed", None, None), "Income:Redeemed");
        assert_eq!(account_name(9, "odd", None, None), "Equity:Other:A9");
        assert_eq!(quote("a \"b\" \\ c\nd"), "\"a \\\"b\\\" \\\\ c d\"");
    }
}
