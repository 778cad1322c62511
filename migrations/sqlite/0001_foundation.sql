-- Foundation: cities (tenants), organisation tree, employers, skills, people,
-- 双报到 registrations, accounts, roles, tokens, audit log, jobs, retention.
-- SQLite keeps `id INTEGER PRIMARY KEY AUTOINCREMENT` (ids are never reused, so audit entries
-- keep pointing at what they meant); PostgreSQL keys every domain table by (city_id, id).

CREATE TABLE city (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE org_unit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    parent_id INTEGER REFERENCES org_unit (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    path TEXT NOT NULL,
    depth INTEGER NOT NULL,
    boundary TEXT,
    center_lon INTEGER,
    center_lat INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (city_id, code)
);
CREATE INDEX org_unit_parent ON org_unit (city_id, parent_id);
CREATE INDEX org_unit_path ON org_unit (city_id, path);

CREATE TABLE employer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    credit_code TEXT,
    party_org TEXT NOT NULL,
    contact_name TEXT,
    contact_phone TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (city_id, name)
);

CREATE TABLE skill (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, name)
);

CREATE TABLE person (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT,
    id_card TEXT,
    birth_date TEXT,
    employer_id INTEGER REFERENCES employer (id),
    party_member INTEGER NOT NULL DEFAULT 0,
    physical_limits TEXT NOT NULL DEFAULT '',
    availability TEXT NOT NULL DEFAULT '[]',
    home_community_id INTEGER REFERENCES org_unit (id),
    scope_path TEXT NOT NULL,
    left_on TEXT,
    anonymised_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (city_id, phone),
    UNIQUE (city_id, id_card)
);
CREATE INDEX person_scope ON person (city_id, scope_path, id);
CREATE INDEX person_employer ON person (city_id, employer_id, id);
CREATE INDEX person_name ON person (city_id, name);

CREATE TABLE person_skill (
    city_id INTEGER NOT NULL REFERENCES city (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    skill_id INTEGER NOT NULL REFERENCES skill (id),
    PRIMARY KEY (person_id, skill_id)
);

CREATE TABLE registration (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    side TEXT NOT NULL,
    employer_id INTEGER REFERENCES employer (id),
    community_id INTEGER REFERENCES org_unit (id),
    basis TEXT,
    registered_on TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, person_id, side)
);
CREATE INDEX registration_community ON registration (city_id, community_id);
CREATE INDEX registration_employer ON registration (city_id, employer_id);

CREATE TABLE account (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (city_id, person_id)
);

CREATE TABLE role_grant (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    account_id INTEGER NOT NULL REFERENCES account (id),
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    employer_id INTEGER REFERENCES employer (id),
    granted_by INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, account_id, role, unit_id)
);
CREATE INDEX role_grant_unit ON role_grant (city_id, unit_id);

CREATE TABLE auth_token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    account_id INTEGER NOT NULL REFERENCES account (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX auth_token_account ON auth_token (city_id, account_id);

CREATE TABLE login_attempt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL,
    success INTEGER NOT NULL
);
CREATE INDEX login_attempt_login ON login_attempt (login, at);
CREATE INDEX login_attempt_ip ON login_attempt (ip, at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    at INTEGER NOT NULL,
    actor_account_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    scope_path TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_object ON audit_log (city_id, object_kind, object_id, id);
CREATE INDEX audit_actor ON audit_log (city_id, actor_account_id, id);
CREATE INDEX audit_scope ON audit_log (city_id, scope_path, id);

-- Append-only: no edits ever; deletion only of entries older than 180 days (retention job).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_keep_six_months BEFORE DELETE ON audit_log
WHEN OLD.at > (CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 15552000000)
BEGIN
    SELECT RAISE(ABORT, 'audit_log entries are kept at least 180 days');
END;

CREATE TABLE job_run (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    outcome TEXT,
    PRIMARY KEY (job, period)
);

CREATE TABLE retention_rule (
    city_id INTEGER NOT NULL REFERENCES city (id),
    data_class TEXT NOT NULL,
    days INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (city_id, data_class)
);
