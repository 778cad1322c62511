-- Points (积分) and the time bank (时间银行): one double-entry ledger for two currencies.
-- Amounts: points in hundredths of a point, time coins in minutes. Postings and transactions
-- are append-only; a mistake is corrected by a reversal transaction.

CREATE TABLE ledger_account (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    kind TEXT NOT NULL,
    owner_key TEXT NOT NULL,
    person_id INTEGER REFERENCES person (id),
    unit_id INTEGER REFERENCES org_unit (id),
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, owner_key)
);

CREATE TABLE ledger_balance (
    city_id INTEGER NOT NULL REFERENCES city (id),
    account_id INTEGER NOT NULL REFERENCES ledger_account (id),
    currency TEXT NOT NULL,
    balance INTEGER NOT NULL,
    PRIMARY KEY (account_id, currency)
);

CREATE TABLE ledger_txn (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ref_kind TEXT,
    ref_id INTEGER,
    memo TEXT NOT NULL DEFAULT '',
    reverses_txn_id INTEGER REFERENCES ledger_txn (id),
    person_id INTEGER,
    occurred_on TEXT NOT NULL,
    actor_account_id INTEGER,
    actor_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, idempotency_key),
    UNIQUE (city_id, reverses_txn_id)
);
CREATE INDEX ledger_txn_ref ON ledger_txn (city_id, ref_kind, ref_id);
CREATE INDEX ledger_txn_person ON ledger_txn (city_id, person_id, occurred_on);

CREATE TABLE ledger_posting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    txn_id INTEGER NOT NULL REFERENCES ledger_txn (id),
    account_id INTEGER NOT NULL REFERENCES ledger_account (id),
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ledger_posting_account ON ledger_posting (city_id, account_id, id);
CREATE INDEX ledger_posting_txn ON ledger_posting (city_id, txn_id);

CREATE TRIGGER ledger_posting_no_update BEFORE UPDATE ON ledger_posting
BEGIN SELECT RAISE(ABORT, 'ledger postings are append-only'); END;
CREATE TRIGGER ledger_posting_no_delete BEFORE DELETE ON ledger_posting
BEGIN SELECT RAISE(ABORT, 'ledger postings are append-only'); END;
CREATE TRIGGER ledger_txn_no_update BEFORE UPDATE ON ledger_txn
BEGIN SELECT RAISE(ABORT, 'ledger transactions are append-only'); END;
CREATE TRIGGER ledger_txn_no_delete BEFORE DELETE ON ledger_txn
BEGIN SELECT RAISE(ABORT, 'ledger transactions are append-only'); END;

CREATE TABLE ledger_setting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    key TEXT NOT NULL,
    value INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ledger_setting_key ON ledger_setting (city_id, key, effective_from);

CREATE TABLE points_rule (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    kind TEXT NOT NULL,
    points_e2 INTEGER NOT NULL,
    unit TEXT NOT NULL,
    monthly_cap_e2 INTEGER,
    yearly_cap_e2 INTEGER,
    approver_role TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX points_rule_kind ON points_rule (city_id, kind, effective_from);
