-- Assessment (考评): schemes with dated versions, runs of a period, results per person with
-- their components, deductions linked to their cause, changes recorded (never overwritten
-- silently), contests, awards and fines. Scores in hundredths of a point, money in fen.

-- The level of an inspecting body (省/市/区/街道) on a case found by inspection.
ALTER TABLE case_file ADD COLUMN inspection_level TEXT;

CREATE TABLE assess_scheme (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    person_kind TEXT,
    role TEXT,
    period_kind TEXT NOT NULL,
    preset TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, code)
);

CREATE TABLE assess_scheme_version (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    scheme_id INTEGER NOT NULL REFERENCES assess_scheme (id),
    effective_from TEXT NOT NULL,
    body TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, scheme_id, effective_from)
);

CREATE TABLE assess_run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    scheme_id INTEGER NOT NULL REFERENCES assess_scheme (id),
    version_id INTEGER NOT NULL REFERENCES assess_scheme_version (id),
    period TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    state TEXT NOT NULL,
    people INTEGER NOT NULL DEFAULT 0,
    runs INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    closed_at INTEGER,
    UNIQUE (city_id, scheme_id, period)
);

CREATE TABLE assess_result (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    run_id INTEGER NOT NULL REFERENCES assess_run (id),
    scheme_id INTEGER NOT NULL REFERENCES assess_scheme (id),
    period TEXT NOT NULL,
    period_from TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person (id),
    employer_id INTEGER REFERENCES employer (id),
    community_id INTEGER REFERENCES org_unit (id),
    grid_id INTEGER REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    components TEXT NOT NULL,
    gross_e2 INTEGER NOT NULL,
    deductions_e2 INTEGER NOT NULL,
    total_e2 INTEGER NOT NULL,
    grade TEXT NOT NULL,
    disqualified INTEGER NOT NULL DEFAULT 0,
    revision INTEGER NOT NULL DEFAULT 1,
    contest_state TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (city_id, run_id, person_id)
);
CREATE INDEX assess_result_scope ON assess_result (city_id, unit_path, period_from, grade);
CREATE INDEX assess_result_employer ON assess_result (city_id, employer_id, period_from);
CREATE INDEX assess_result_person ON assess_result (city_id, person_id, period_from);

-- Every change of a result after its first computation: a rerun over late records, or a
-- contest answered with a change.
CREATE TABLE assess_result_change (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    result_id INTEGER NOT NULL REFERENCES assess_result (id),
    revision INTEGER NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX assess_result_change_result ON assess_result_change (city_id, result_id, id);

CREATE TABLE assess_deduction (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    result_id INTEGER NOT NULL REFERENCES assess_result (id),
    run_id INTEGER NOT NULL REFERENCES assess_run (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    rule TEXT NOT NULL,
    label TEXT NOT NULL,
    points_e2 INTEGER NOT NULL,
    cause_kind TEXT NOT NULL,
    cause_id INTEGER NOT NULL,
    cause_label TEXT NOT NULL,
    disqualifies INTEGER NOT NULL DEFAULT 0,
    UNIQUE (city_id, result_id, rule, cause_kind, cause_id)
);
CREATE INDEX assess_deduction_run ON assess_deduction (city_id, run_id, person_id);

CREATE TABLE assess_contest (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    result_id INTEGER NOT NULL REFERENCES assess_result (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    answer TEXT,
    new_total_e2 INTEGER,
    reviewer_person_id INTEGER REFERENCES person (id),
    reviewer_name TEXT,
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    UNIQUE (city_id, result_id)
);
CREATE INDEX assess_contest_state ON assess_contest (city_id, state, id);

CREATE TABLE assess_award (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    run_id INTEGER NOT NULL REFERENCES assess_run (id),
    period TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    basis TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, run_id, kind, person_id)
);
CREATE INDEX assess_award_scope ON assess_award (city_id, period, unit_path);

CREATE TABLE assess_fine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    run_id INTEGER NOT NULL REFERENCES assess_run (id),
    period TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES person (id),
    unit_path TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    case_id INTEGER NOT NULL REFERENCES case_file (id),
    case_label TEXT NOT NULL,
    found_on TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (city_id, run_id, person_id, case_id)
);
CREATE INDEX assess_fine_scope ON assess_fine (city_id, period, unit_path);

-- The period scan of the contributions the measures sum (ledger::contributions::by_person).
CREATE INDEX ledger_txn_period ON ledger_txn (city_id, occurred_on, kind, id);
