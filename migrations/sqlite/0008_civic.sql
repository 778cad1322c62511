-- Consultation (民主议事) and public opinion: proposals with their whole history, the
-- station–village forum, the opinion box and the platform's own feedback channel (one
-- ledger, two boxes), polls.

-- A proposal (议事提案) of a community or joint community.
CREATE TABLE civic_proposal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    funding TEXT NOT NULL,
    stage TEXT NOT NULL,
    outcome TEXT,
    decision_note TEXT NOT NULL DEFAULT '',
    opinion_id INTEGER,
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX civic_proposal_scope ON civic_proposal (city_id, unit_path, id);

-- A funding party: the government, or a village whose collective pays.
CREATE TABLE civic_proposal_party (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    proposal_id INTEGER NOT NULL REFERENCES civic_proposal (id),
    village_id INTEGER REFERENCES org_unit (id),
    name TEXT NOT NULL
);
CREATE INDEX civic_party_proposal ON civic_proposal_party (city_id, proposal_id);

-- The history: stage moves, comments, amendments (each a version of the text), consents,
-- the decision, links to the work that executes it, residents' feedback.
CREATE TABLE civic_proposal_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    proposal_id INTEGER NOT NULL REFERENCES civic_proposal (id),
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    version INTEGER,
    party_id INTEGER,
    verdict TEXT,
    assembly_date TEXT,
    rating INTEGER,
    link_kind TEXT,
    link_id INTEGER,
    actor_account_id INTEGER,
    actor_name TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX civic_event_proposal ON civic_proposal_event (city_id, proposal_id, id);

-- 站—村协商: a deliberation of a joint community's station with its villages.
CREATE TABLE civic_forum (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    agenda TEXT NOT NULL,
    held_on TEXT NOT NULL,
    attendance TEXT NOT NULL DEFAULT '[]',
    minutes TEXT NOT NULL DEFAULT '',
    outcomes TEXT NOT NULL DEFAULT '[]',
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX civic_forum_scope ON civic_forum (city_id, unit_path, id);

-- A line of the 民情台账 (box 'community') or of the platform's feedback ledger (box
-- 'platform'). An anonymous item has no author at all: author_account_id stays NULL.
CREATE TABLE civic_opinion (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    box TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    anonymous INTEGER NOT NULL DEFAULT 0,
    author_account_id INTEGER,
    author_name TEXT,
    receipt_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    assigned_at INTEGER,
    answer TEXT,
    answered_by_name TEXT,
    answered_at INTEGER,
    case_id INTEGER,
    proposal_id INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX civic_opinion_scope ON civic_opinion (city_id, box, unit_path, id);
CREATE INDEX civic_opinion_author ON civic_opinion (city_id, author_account_id, id);
CREATE UNIQUE INDEX civic_opinion_receipt ON civic_opinion (city_id, receipt_hash);

-- A poll (民意测验).
CREATE TABLE civic_poll (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    unit_path TEXT NOT NULL,
    question TEXT NOT NULL,
    multiple INTEGER NOT NULL DEFAULT 0,
    max_choices INTEGER NOT NULL DEFAULT 1,
    closes_at INTEGER NOT NULL,
    live INTEGER NOT NULL DEFAULT 0,
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX civic_poll_scope ON civic_poll (city_id, unit_path, id);

CREATE TABLE civic_poll_option (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    poll_id INTEGER NOT NULL REFERENCES civic_poll (id),
    position INTEGER NOT NULL,
    label TEXT NOT NULL
);
CREATE INDEX civic_option_poll ON civic_poll_option (city_id, poll_id, position);

-- One ballot per account and poll (a second one is refused, also under a race).
CREATE TABLE civic_poll_ballot (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    poll_id INTEGER NOT NULL REFERENCES civic_poll (id),
    account_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX civic_ballot_once ON civic_poll_ballot (city_id, poll_id, account_id);

CREATE TABLE civic_poll_choice (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id INTEGER NOT NULL REFERENCES city (id),
    poll_id INTEGER NOT NULL REFERENCES civic_poll (id),
    ballot_id INTEGER NOT NULL REFERENCES civic_poll_ballot (id),
    option_id INTEGER NOT NULL REFERENCES civic_poll_option (id)
);
CREATE INDEX civic_choice_poll ON civic_poll_choice (city_id, poll_id, option_id);
