-- Time bank: close relatives (直系亲属) who may receive gifts of time, service exchanges
-- between people (both sides confirm), and the community's catalogue of goods for coins.

CREATE TABLE family_link (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    relative_id INTEGER NOT NULL REFERENCES person (id),
    relation TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, person_id, relative_id)
);

CREATE TABLE bank_exchange (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    payer_person_id INTEGER NOT NULL REFERENCES person (id),
    provider_person_id INTEGER NOT NULL REFERENCES person (id),
    minutes INTEGER NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    payer_confirmed_at INTEGER,
    provider_confirmed_at INTEGER,
    txn_id INTEGER REFERENCES ledger_txn (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX bank_exchange_payer ON bank_exchange (city_id, payer_person_id, id);
CREATE INDEX bank_exchange_provider ON bank_exchange (city_id, provider_person_id, id);

CREATE TABLE bank_item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    name TEXT NOT NULL,
    price_minutes INTEGER NOT NULL,
    stock INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX bank_item_unit ON bank_item (city_id, unit_id, id);
