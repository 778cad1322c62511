-- Reports (issue 7): issued quarterly employer feedback snapshots (双报到反馈), and the
-- 述职 drafts people write over the figures generated from their record.

-- One issued feedback of an employer for a quarter: the document as generated then.
CREATE TABLE report_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    employer_id INTEGER NOT NULL REFERENCES employer (id),
    period TEXT NOT NULL,
    body TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    UNIQUE (city_id, employer_id, period)
);

-- A person's 述职报告 for a year: their narrative per section (JSON); figures are
-- generated from the record each time it is shown (and frozen into `figures` at submit).
CREATE TABLE report_annual (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    year INTEGER NOT NULL,
    scope_path TEXT NOT NULL,
    state TEXT NOT NULL,
    narrative TEXT NOT NULL,
    figures TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    submitted_at INTEGER,
    UNIQUE (city_id, person_id, year)
);
CREATE INDEX report_annual_scope ON report_annual (city_id, scope_path, state);
