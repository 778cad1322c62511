//! The pure rules of the ledger, apart from any database: currencies, legs, what makes a
//! transaction valid, and an in-memory book that the property tests drive (the database
//! engine in `engine` enforces exactly these rules).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest amount one leg may carry (10^12 minutes or hundredths of a point).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// A currency of the ledger.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Currency {
    /// 积分, kept in hundredths of a point.
    Points,
    /// 时间币, kept in minutes (shown in hours).
    Minutes,
}

impl Currency {
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Currency::Points => "points",
            Currency::Minutes => "minutes",
        }
    }
    /// Parse a stable code.
    pub fn parse(s: &str) -> Option<Currency> {
        match s {
            "points" => Some(Currency::Points),
            "minutes" => Some(Currency::Minutes),
            _ => None,
        }
    }
    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Currency::Points => "积分",
            Currency::Minutes => "时间币",
        }
    }
}

/// One leg of a transaction: an amount (signed) in a currency on an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Leg {
    /// The account.
    pub account: i64,
    /// The currency.
    pub currency: Currency,
    /// Positive credits the account, negative debits it.
    pub amount: i64,
}

/// Why a set of legs is not a valid transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// No legs at all.
    Empty,
    /// A leg of zero.
    ZeroAmount,
    /// A leg over `MAX_AMOUNT` in size.
    TooLarge,
    /// The legs of a currency do not sum to zero.
    Unbalanced(Currency),
}

/// Check that legs form a valid transaction: at least two, none zero or too large, each
/// currency summing to zero.
pub fn check(legs: &[Leg]) -> Result<(), Invalid> {
    if legs.is_empty() {
        return Err(Invalid::Empty);
    }
    let mut sums: BTreeMap<Currency, i128> = BTreeMap::new();
    for l in legs {
        if l.amount == 0 {
            return Err(Invalid::ZeroAmount);
        }
        if l.amount.unsigned_abs() > MAX_AMOUNT as u64 {
            return Err(Invalid::TooLarge);
        }
        *sums.entry(l.currency).or_default() += i128::from(l.amount);
    }
    match sums.into_iter().find(|(_, s)| *s != 0) {
        Some((c, _)) => Err(Invalid::Unbalanced(c)),
        None => Ok(()),
    }
}

/// The legs that undo `legs`.
pub fn reversal(legs: &[Leg]) -> Vec<Leg> {
    legs.iter()
        .map(|l| Leg {
            amount: -l.amount,
            ..*l
        })
        .collect()
}

/// Merge legs on the same account and currency, drop those that cancel, and order them by
/// (account, currency) — the order the engine locks balances in, so that concurrent
/// transactions never wait on each other in a cycle.
pub fn normalise(legs: &[Leg]) -> Vec<Leg> {
    let mut m: BTreeMap<(i64, Currency), i64> = BTreeMap::new();
    for l in legs {
        *m.entry((l.account, l.currency)).or_default() += l.amount;
    }
    m.into_iter()
        .filter(|(_, a)| *a != 0)
        .map(|((account, currency), amount)| Leg {
            account,
            currency,
            amount,
        })
        .collect()
}

/// What applying a transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Recorded as transaction number `n`.
    New(usize),
    /// The key was seen with the same legs: the first result, nothing changed.
    Replay(usize),
}

/// Why a transaction was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The legs are not a valid transaction.
    Invalid(Invalid),
    /// An account that may not go below zero would.
    Insufficient(i64, Currency),
    /// The key was used before with other legs.
    KeyReused,
}

/// An in-memory book with the engine's rules (for property tests and reasoning).
#[derive(Debug, Default, Clone)]
pub struct Book {
    balances: HashMap<(i64, Currency), i64>,
    /// Accounts that may go below zero (the system's issuance and guarantee accounts).
    pub may_go_negative: Vec<i64>,
    keys: HashMap<String, (usize, Vec<Leg>)>,
    /// Every recorded transaction's legs, in order.
    pub journal: Vec<Vec<Leg>>,
}

impl Book {
    /// Apply a transaction under an idempotency key.
    pub fn apply(&mut self, key: &str, legs: &[Leg]) -> Result<Applied, Refused> {
        let legs = normalise(legs);
        if let Some((n, seen)) = self.keys.get(key) {
            return if *seen == legs {
                Ok(Applied::Replay(*n))
            } else {
                Err(Refused::KeyReused)
            };
        }
        check(&legs).map_err(Refused::Invalid)?;
        for l in &legs {
            let now = self.balance(l.account, l.currency);
            if now + l.amount < 0 && !self.may_go_negative.contains(&l.account) {
                return Err(Refused::Insufficient(l.account, l.currency));
            }
        }
        for l in &legs {
            *self.balances.entry((l.account, l.currency)).or_default() += l.amount;
        }
        let n = self.journal.len();
        self.journal.push(legs.clone());
        self.keys.insert(key.to_owned(), (n, legs));
        Ok(Applied::New(n))
    }

    /// An account's balance.
    pub fn balance(&self, account: i64, currency: Currency) -> i64 {
        self.balances
            .get(&(account, currency))
            .copied()
            .unwrap_or(0)
    }

    /// The sum of every balance in a currency (always zero).
    pub fn total(&self, currency: Currency) -> i64 {
        self.balances
            .iter()
            .filter(|((_, c), _)| *c == currency)
            .map(|(_, b)| *b)
            .sum()
    }

    /// An account's balance recomputed from the journal.
    pub fn replayed_balance(&self, account: i64, currency: Currency) -> i64 {
        self.journal
            .iter()
            .flatten()
            .filter(|l| l.account == account && l.currency == currency)
            .map(|l| l.amount)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ISSUANCE: i64 = 0;

    fn leg(account: i64, currency: Currency, amount: i64) -> Leg {
        Leg {
            account,
            currency,
            amount,
        }
    }

    #[test]
    fn checks() {
        use Currency::*;
        assert_eq!(check(&[]), Err(Invalid::Empty));
        assert_eq!(check(&[leg(1, Minutes, 0)]), Err(Invalid::ZeroAmount));
        assert_eq!(
            check(&[leg(1, Minutes, 5), leg(2, Minutes, -4)]),
            Err(Invalid::Unbalanced(Minutes))
        );
        assert_eq!(
            check(&[
                leg(1, Minutes, MAX_AMOUNT + 1),
                leg(2, Minutes, -MAX_AMOUNT - 1)
            ]),
            Err(Invalid::TooLarge)
        );
        assert!(
            check(&[
                leg(1, Minutes, 60),
                leg(0, Minutes, -60),
                leg(1, Points, 100),
                leg(0, Points, -100)
            ])
            .is_ok()
        );
    }

    /// An operation of a random script: credit from issuance, or transfer between people.
    #[derive(Debug, Clone)]
    enum Op {
        Credit(i64, Currency, i64),
        Transfer(i64, i64, Currency, i64),
        Reverse(usize),
        Replay(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let cur = prop_oneof![Just(Currency::Points), Just(Currency::Minutes)];
        prop_oneof![
            (1i64..5, cur.clone(), 1i64..500).prop_map(|(a, c, m)| Op::Credit(a, c, m)),
            (1i64..5, 1i64..5, cur, 1i64..500).prop_map(|(a, b, c, m)| Op::Transfer(a, b, c, m)),
            (0usize..50).prop_map(Op::Reverse),
            (0usize..50).prop_map(Op::Replay),
        ]
    }

    proptest! {
        #[test]
        fn any_script_keeps_the_books_straight(ops in proptest::collection::vec(op(), 1..80)) {
            let mut book = Book { may_go_negative: vec![ISSUANCE], ..Default::default() };
            let mut scripts: Vec<(String, Vec<Leg>)> = Vec::new();
            let mut reversed = std::collections::HashSet::new();
            for (i, o) in ops.into_iter().enumerate() {
                let (key, legs) = match o {
                    Op::Credit(a, c, m) => (format!("k{i}"), vec![leg(a, c, m), leg(ISSUANCE, c, -m)]),
                    Op::Transfer(a, b, c, m) => (format!("k{i}"), vec![leg(a, c, -m), leg(b, c, m)]),
                    Op::Reverse(n) => {
                        let Some((k, legs)) = scripts.get(n % scripts.len().max(1)).cloned() else { continue };
                        if reversed.insert(k.clone()) {
                            // May be refused when the coins were passed on since: that is fine.
                            let _ = book.apply(&format!("rev-{k}"), &reversal(&legs));
                        }
                        continue;
                    }
                    Op::Replay(n) => {
                        let Some((k, legs)) = scripts.get(n % scripts.len().max(1)).cloned() else { continue };
                        let snapshot = book.journal.len();
                        let r = book.apply(&k, &legs);
                        prop_assert!(matches!(r, Ok(Applied::Replay(_))) || r.is_err());
                        prop_assert_eq!(book.journal.len(), snapshot, "a replay records nothing");
                        continue;
                    }
                };
                if book.apply(&key, &legs).is_ok() {
                    scripts.push((key, legs));
                }
                for c in [Currency::Points, Currency::Minutes] {
                    prop_assert_eq!(book.total(c), 0, "sum of balances is zero");
                    for a in 1..5 {
                        prop_assert!(book.balance(a, c) >= 0, "people never go below zero");
                        prop_assert_eq!(book.balance(a, c), book.replayed_balance(a, c));
                    }
                }
            }
        }

        #[test]
        fn reversal_restores_balances(amounts in proptest::collection::vec(1i64..10_000, 1..10)) {
            let mut book = Book { may_go_negative: vec![ISSUANCE], ..Default::default() };
            for (i, m) in amounts.iter().enumerate() {
                book.apply(&format!("c{i}"), &[leg(1, Currency::Minutes, *m), leg(ISSUANCE, Currency::Minutes, -*m)]).unwrap();
            }
            let before = book.balance(1, Currency::Minutes);
            let t = [leg(1, Currency::Minutes, -before), leg(2, Currency::Minutes, before)];
            book.apply("t", &t).unwrap();
            book.apply("t-rev", &reversal(&t)).unwrap();
            prop_assert_eq!(book.balance(1, Currency::Minutes), before);
            prop_assert_eq!(book.balance(2, Currency::Minutes), 0);
        }

        #[test]
        fn a_reused_key_with_other_legs_is_refused(m in 1i64..1000) {
            let mut book = Book { may_go_negative: vec![ISSUANCE], ..Default::default() };
            book.apply("k", &[leg(1, Currency::Points, m), leg(ISSUANCE, Currency::Points, -m)]).unwrap();
            prop_assert_eq!(
                book.apply("k", &[leg(1, Currency::Points, m + 1), leg(ISSUANCE, Currency::Points, -m - 1)]),
                Err(Refused::KeyReused)
            );
            prop_assert_eq!(book.balance(1, Currency::Points), m);
        }
    }
}
