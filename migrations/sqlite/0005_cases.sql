-- Cases: the closed loop of grid management (上报 → 立案 → 派遣 → 处置 → 核查 → 结案 →
-- 评价), its categories with their time limits, the working-day calendar the limits count
-- by, returns/extensions/suspensions with their approvals, the follow-up watch after
-- closing, photos as optional evidence, the grids' responsibility chain, patrols and
-- their rosters, and the registries (登记造册) of enterprises, stalls, roads and buildings.

-- A city's own entries laid over the national holiday calendar (kernel::calendar): its
-- holidays, its adjusted working days, and later years once the State Council publishes
-- them.
CREATE TABLE work_calendar_day (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, day)
);

-- Two levels (大类/小类) per city; a 小类 holds the handling time limits and the default
-- handling department.
CREATE TABLE case_category (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    parent_id INTEGER REFERENCES case_category (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    limit_normal TEXT NOT NULL DEFAULT '',
    limit_urgent TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (city_id, code)
);
CREATE INDEX case_category_parent ON case_category (city_id, parent_id);

-- Who answers for a grid (the Zhengzhou rule): its directly responsible person, the main
-- grid's principal responsible person, and the lead responsible person above them.
CREATE TABLE grid_responsible (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    level TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person (id),
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, unit_id, level)
);

CREATE TABLE patrol_roster (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    grid_id INTEGER NOT NULL REFERENCES org_unit (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    weekday INTEGER NOT NULL,
    start_min INTEGER NOT NULL,
    end_min INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, grid_id, person_id, weekday, start_min)
);
CREATE INDEX patrol_roster_person ON patrol_roster (city_id, person_id);

-- A patrol: when, which grid, what was found. No track, no mileage.
CREATE TABLE patrol (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    grid_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person (id),
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    found TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    confirmed_by_person_id INTEGER REFERENCES person (id),
    confirmed_at INTEGER,
    credit_txn_id INTEGER REFERENCES ledger_txn (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX patrol_scope ON patrol (city_id, unit_path, started_at);
CREATE INDEX patrol_person ON patrol (city_id, person_id, started_at);

-- 登记造册、建立档案: enterprises, stalls and vendors, roads, buildings, each in a grid.
CREATE TABLE registry_entry (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    lon_e7 INTEGER,
    lat_e7 INTEGER,
    code TEXT,
    contact_name TEXT,
    contact_phone TEXT,
    hardship INTEGER NOT NULL DEFAULT 0,
    attrs TEXT NOT NULL DEFAULT '{}',
    note TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX registry_scope ON registry_entry (city_id, kind, unit_path, id);
CREATE INDEX registry_grid ON registry_entry (city_id, grid_id, kind);

-- A case (案卷).
CREATE TABLE case_file (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    source TEXT NOT NULL,
    channel TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES case_category (id),
    urgency TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    lon_e7 INTEGER,
    lat_e7 INTEGER,
    crs TEXT,
    grid_id INTEGER REFERENCES org_unit (id),
    community_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    level_unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    level INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    reporter_person_id INTEGER REFERENCES person (id),
    reporter_name TEXT NOT NULL DEFAULT '',
    reporter_contact TEXT,
    patrol_id INTEGER REFERENCES patrol (id),
    registry_id INTEGER REFERENCES registry_entry (id),
    department TEXT NOT NULL DEFAULT '',
    handler_person_id INTEGER REFERENCES person (id),
    dispatcher_person_id INTEGER REFERENCES person (id),
    verifier_person_id INTEGER REFERENCES person (id),
    reported_at INTEGER NOT NULL,
    registered_at INTEGER,
    dispatched_at INTEGER,
    deadline_at INTEGER,
    handled_at INTEGER,
    closed_at INTEGER,
    voided_reason TEXT,
    rework_count INTEGER NOT NULL DEFAULT 0,
    extended_days INTEGER NOT NULL DEFAULT 0,
    suspended_at INTEGER,
    overdue_at INTEGER,
    escalate_at INTEGER,
    missed_by_grid INTEGER NOT NULL DEFAULT 0,
    missed_chain TEXT,
    duplicate_of_id INTEGER REFERENCES case_file (id),
    rebound_of_id INTEGER REFERENCES case_file (id),
    satisfaction TEXT,
    satisfaction_note TEXT,
    rated_at INTEGER,
    token TEXT,
    credit_txn_id INTEGER REFERENCES ledger_txn (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Lists and keyset pages of a scope (covering: the ids are found without the table).
CREATE INDEX case_scope ON case_file (city_id, unit_path, state, id);
-- Open cases of a scope: the board, state filters.
CREATE INDEX case_open ON case_file (city_id, state, unit_path, id);
-- The figures of a scope and period, answered from the index alone.
CREATE INDEX case_figures ON case_file (city_id, unit_path, reported_at, source, state,
    registered_at, dispatched_at, deadline_at, handled_at, rework_count, missed_by_grid,
    satisfaction);
CREATE INDEX case_deadline ON case_file (city_id, state, escalate_at);
CREATE INDEX case_near ON case_file (city_id, category_id, state, lat_e7);
CREATE INDEX case_reporter ON case_file (city_id, reporter_person_id, id);
CREATE INDEX case_handler ON case_file (city_id, handler_person_id, state, id);
CREATE INDEX case_patrol ON case_file (city_id, patrol_id);
CREATE INDEX case_registry ON case_file (city_id, registry_id, id);
CREATE INDEX case_updated ON case_file (city_id, updated_at, id);
CREATE UNIQUE INDEX case_token ON case_file (city_id, token);

-- Each step of a case: who, when, why.
CREATE TABLE case_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    case_id INTEGER NOT NULL REFERENCES case_file (id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor_person_id INTEGER REFERENCES person (id),
    actor_name TEXT NOT NULL,
    reason TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    at INTEGER NOT NULL
);
CREATE INDEX case_event_case ON case_event (city_id, case_id, id);
CREATE INDEX case_event_time ON case_event (city_id, at, id);

-- 回退/延期/缓办: asked for with a reason, decided by an approver; their own ledger.
CREATE TABLE case_request (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    case_id INTEGER NOT NULL REFERENCES case_file (id),
    unit_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    days INTEGER,
    state TEXT NOT NULL,
    requested_by_person_id INTEGER REFERENCES person (id),
    requested_by_name TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_by_person_id INTEGER REFERENCES person (id),
    decided_by_name TEXT,
    decided_at INTEGER,
    decision_note TEXT
);
CREATE INDEX case_request_case ON case_request (city_id, case_id, id);
CREATE INDEX case_request_scope ON case_request (city_id, unit_path, state, id);

-- Evidence photos (optional, never required). Kept in `data`, or on disk at `disk_path`.
CREATE TABLE case_photo (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    case_id INTEGER NOT NULL REFERENCES case_file (id),
    stage TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB,
    disk_path TEXT,
    created_by_person_id INTEGER REFERENCES person (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX case_photo_case ON case_photo (city_id, case_id, id);

-- 盯守/复查 after closing: a property company or resident committee watches for N days.
CREATE TABLE case_watch (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    case_id INTEGER NOT NULL REFERENCES case_file (id),
    unit_path TEXT NOT NULL,
    watcher_person_id INTEGER NOT NULL REFERENCES person (id),
    days INTEGER NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    rebound_case_id INTEGER REFERENCES case_file (id),
    assigned_by_person_id INTEGER REFERENCES person (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX case_watch_case ON case_watch (city_id, case_id);
CREATE INDEX case_watch_person ON case_watch (city_id, watcher_person_id, state, ends_at);
