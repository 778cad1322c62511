//! Recorded contributions summed per person and kind over a period: the input of the
//! assessment's measures (orders done, patrols, meetings, service hours…). Reversed
//! transactions do not count.

use kernel::{Db, Result};
use sqlx::Row;

/// A person's contributions of one kind in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// The person.
    pub person_id: i64,
    /// The kind (`order.done`, `patrol`, `duty.volunteer`, …).
    pub kind: String,
    /// How many transactions.
    pub count: i64,
    /// Points credited (hundredths).
    pub points_e2: i64,
    /// Time credited (minutes).
    pub minutes: i64,
}

/// Every person's contributions by kind whose `occurred_on` lies in `[from, to]`
/// (`YYYY-MM-DD`, inclusive): one aggregate over the period's postings to person accounts.
pub async fn by_person(db: &Db, city_id: i64, from: &str, to: &str) -> Result<Vec<Contribution>> {
    let rows = sqlx::query(
        "SELECT a.person_id, t.kind, \
         CAST(SUM(CASE WHEN p.currency = 'points' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN p.currency = 'points' THEN p.amount ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN p.currency = 'minutes' THEN p.amount ELSE 0 END) AS BIGINT) \
         FROM ledger_txn t \
         JOIN ledger_posting p ON p.city_id = t.city_id AND p.txn_id = t.id \
         JOIN ledger_account a ON a.city_id = p.city_id AND a.id = p.account_id \
         WHERE t.city_id = $1 AND t.occurred_on >= $2 AND t.occurred_on <= $3 \
         AND t.kind <> 'reversal' AND a.kind = 'person' AND a.person_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM ledger_txn r WHERE r.city_id = t.city_id \
                         AND r.reverses_txn_id = t.id) \
         GROUP BY a.person_id, t.kind",
    )
    .bind(city_id)
    .bind(from)
    .bind(to)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Contribution {
                person_id: r.try_get(0)?,
                kind: r.try_get(1)?,
                count: r.try_get(2)?,
                points_e2: r.try_get(3)?,
                minutes: r.try_get(4)?,
            })
        })
        .collect()
}
