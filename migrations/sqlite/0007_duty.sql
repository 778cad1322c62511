-- Duty (值班): shifts of a grid or community with the people on them, leave (请假) and
-- swaps (调班) approved by the responsible cadre, absences (缺勤) recorded by the cadre
-- and contested once; meetings and trainings with sign-in or roll call. No clock-in.
CREATE TABLE duty_shift (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    place TEXT NOT NULL,
    task TEXT NOT NULL,
    created_by_person_id INTEGER REFERENCES person (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX duty_shift_unit ON duty_shift (city_id, unit_path, starts_at);

CREATE TABLE duty_assignment (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    shift_id INTEGER NOT NULL REFERENCES duty_shift (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    state TEXT NOT NULL,
    reason TEXT,
    warnings TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, shift_id, person_id)
);
CREATE INDEX duty_assignment_person ON duty_assignment (city_id, person_id);

CREATE TABLE duty_leave (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    shift_id INTEGER NOT NULL REFERENCES duty_shift (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_by_person_id INTEGER REFERENCES person (id),
    decision_reason TEXT,
    created_at INTEGER NOT NULL,
    decided_at INTEGER
);
CREATE INDEX duty_leave_shift ON duty_leave (city_id, shift_id, person_id);
CREATE INDEX duty_leave_state ON duty_leave (city_id, state);

CREATE TABLE duty_swap (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    shift_id INTEGER NOT NULL REFERENCES duty_shift (id),
    from_person_id INTEGER NOT NULL REFERENCES person (id),
    to_person_id INTEGER NOT NULL REFERENCES person (id),
    note TEXT,
    state TEXT NOT NULL,
    decision_reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX duty_swap_shift ON duty_swap (city_id, shift_id);
CREATE INDEX duty_swap_to ON duty_swap (city_id, to_person_id, state);

CREATE TABLE duty_absence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    shift_id INTEGER NOT NULL REFERENCES duty_shift (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    note TEXT,
    state TEXT NOT NULL,
    explanation TEXT,
    answer_note TEXT,
    recorded_by_person_id INTEGER REFERENCES person (id),
    created_at INTEGER NOT NULL,
    contested_at INTEGER,
    answered_at INTEGER,
    UNIQUE (city_id, shift_id, person_id)
);
CREATE INDEX duty_absence_person ON duty_absence (city_id, person_id);

CREATE TABLE duty_meeting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    place TEXT NOT NULL,
    agenda TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by_person_id INTEGER REFERENCES person (id),
    created_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX duty_meeting_unit ON duty_meeting (city_id, unit_path, starts_at);

CREATE TABLE duty_invitee (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    meeting_id INTEGER NOT NULL REFERENCES duty_meeting (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    attendance TEXT,
    signed_in_at INTEGER,
    credit_txn_id INTEGER,
    UNIQUE (city_id, meeting_id, person_id)
);
CREATE INDEX duty_invitee_person ON duty_invitee (city_id, person_id);
