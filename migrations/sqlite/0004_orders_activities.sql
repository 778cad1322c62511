-- Orders (群众点单 → 社区派单 → 下沉人员接单), activities with sign-up, waitlist, check-in
-- and attendance review, and the in-app inbox that tells people what changed.

CREATE TABLE notification (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    read_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX notification_person ON notification (city_id, person_id, id);

CREATE TABLE service_order (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    community_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    resident_person_id INTEGER NOT NULL REFERENCES person (id),
    placed_by_person_id INTEGER NOT NULL REFERENCES person (id),
    category TEXT NOT NULL,
    skill_id INTEGER REFERENCES skill (id),
    description TEXT NOT NULL,
    place TEXT NOT NULL,
    lon_e7 INTEGER,
    lat_e7 INTEGER,
    wanted_from INTEGER NOT NULL,
    wanted_to INTEGER NOT NULL,
    state TEXT NOT NULL,
    assignee_person_id INTEGER REFERENCES person (id),
    dispatcher_person_id INTEGER REFERENCES person (id),
    dispatched_at INTEGER,
    accept_by INTEGER,
    accepted_at INTEGER,
    done_at INTEGER,
    done_minutes INTEGER,
    done_note TEXT,
    confirmed_at INTEGER,
    rating INTEGER,
    comment TEXT,
    person_rating INTEGER,
    person_comment TEXT,
    closed_reason TEXT,
    credit_txn_id INTEGER REFERENCES ledger_txn (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX service_order_scope ON service_order (city_id, unit_path, state, id);
CREATE INDEX service_order_resident ON service_order (city_id, resident_person_id, id);
CREATE INDEX service_order_assignee ON service_order (city_id, assignee_person_id, state, id);
CREATE INDEX service_order_deadline ON service_order (city_id, state, accept_by);

CREATE TABLE order_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    order_id INTEGER NOT NULL REFERENCES service_order (id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor_person_id INTEGER,
    actor_name TEXT NOT NULL,
    person_id INTEGER REFERENCES person (id),
    reason TEXT,
    overrides TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX order_event_order ON order_event (city_id, order_id, id);
CREATE INDEX order_event_overrides ON order_event (city_id, overrides, id);

CREATE TABLE activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    duty_kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    place TEXT NOT NULL,
    lon_e7 INTEGER,
    lat_e7 INTEGER,
    radius_m INTEGER,
    fence_unit_id INTEGER REFERENCES org_unit (id),
    fence_boundary TEXT,
    capacity INTEGER NOT NULL,
    wanted_skill_ids TEXT NOT NULL DEFAULT '[]',
    target_employer_ids TEXT NOT NULL DEFAULT '[]',
    party_members_only INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    cancel_reason TEXT,
    created_by_person_id INTEGER REFERENCES person (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX activity_scope ON activity (city_id, unit_path, starts_at);
CREATE INDEX activity_time ON activity (city_id, state, starts_at);

CREATE TABLE activity_signup (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    activity_id INTEGER NOT NULL REFERENCES activity (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    state TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    promoted_at INTEGER,
    cancelled_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (city_id, activity_id, person_id)
);
CREATE INDEX activity_signup_person ON activity_signup (city_id, person_id, state);
CREATE INDEX activity_signup_queue ON activity_signup (city_id, activity_id, state, queued_at, id);

CREATE TABLE checkin (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    activity_id INTEGER NOT NULL REFERENCES activity (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    direction TEXT NOT NULL,
    lon_e7 INTEGER NOT NULL,
    lat_e7 INTEGER NOT NULL,
    crs TEXT NOT NULL,
    accuracy_m INTEGER NOT NULL,
    distance_m INTEGER NOT NULL,
    inside_fence INTEGER NOT NULL,
    inside_window INTEGER NOT NULL,
    result TEXT NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (city_id, activity_id, person_id, direction)
);

CREATE TABLE attendance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    activity_id INTEGER NOT NULL REFERENCES activity (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    source TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    claimed_minutes INTEGER NOT NULL,
    outside INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    reason TEXT,
    reviewer_person_id INTEGER,
    reviewed_at INTEGER,
    credit_txn_id INTEGER REFERENCES ledger_txn (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (city_id, activity_id, person_id)
);
CREATE INDEX attendance_queue ON attendance (city_id, state, activity_id);
