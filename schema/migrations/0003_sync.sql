-- Offline sync (DESIGN §5): clients, the mutation log, the change log, and
-- what the mutations write: check-ins, item results, outcomes, signatures,
-- correction notices with their leased numbers, follow-ups, conflicts, photos.

-- §5 step 1 and 8: one row per installed app; channel comes from kind.
CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL CHECK (kind IN ('mobile', 'web', 'import')),
    platform      TEXT NOT NULL DEFAULT '',
    installed     INTEGER NOT NULL DEFAULT 0,
    app_version   TEXT NOT NULL DEFAULT '',
    last_seq      INTEGER NOT NULL DEFAULT 0,
    pending       INTEGER NOT NULL DEFAULT 0,
    registered_at TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    retired_at    TEXT
);
CREATE INDEX clients_user ON clients (user_id);

-- §5 step 3: every mutation a client sent, with its fate; never deleted.
CREATE TABLE mutations (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (id),
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    args        TEXT NOT NULL,
    client_at   TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'conflict', 'rejected')),
    reason      TEXT NOT NULL DEFAULT '',
    visit_id    TEXT,
    user_id     TEXT NOT NULL,
    UNIQUE (client_id, seq)
);
CREATE INDEX mutations_visit ON mutations (visit_id) WHERE visit_id IS NOT NULL;
CREATE INDEX mutations_rejected ON mutations (status) WHERE status = 'rejected';

-- §5 step 4: the append-only change log that pulls read after a cursor.
-- A change is scoped to a visit (team members, leads, office see it), to one
-- user (leases, rejections), or to everyone (visit_id and user_id NULL).
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('put', 'remove')),
    entity_id TEXT NOT NULL,
    visit_id  TEXT,
    user_id   TEXT,
    data      TEXT NOT NULL DEFAULT '{}',
    at        TEXT NOT NULL
);
CREATE INDEX changes_visit ON changes (visit_id, seq) WHERE visit_id IS NOT NULL;
CREATE INDEX changes_user ON changes (user_id, seq) WHERE user_id IS NOT NULL;

CREATE TABLE checkins (
    id        TEXT PRIMARY KEY,
    visit_id  TEXT NOT NULL REFERENCES visits (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    at        TEXT NOT NULL,
    lat       REAL,
    lng       REAL,
    accuracy  REAL,
    client_id TEXT NOT NULL,
    channel   TEXT NOT NULL
);
CREATE INDEX checkins_visit ON checkins (visit_id);

-- §5 step 5: each result carries a version; the channel is the server's
-- record of which client kind sent it (the mobile application rate).
CREATE TABLE item_results (
    item_id     TEXT PRIMARY KEY REFERENCES checklist_items (id),
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    dept        TEXT NOT NULL,
    value       TEXT NOT NULL CHECK (value IN ('符合', '不符合', '不涉及')),
    note        TEXT NOT NULL DEFAULT '',
    photos      TEXT NOT NULL DEFAULT '[]',
    version     INTEGER NOT NULL,
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    mutation_id TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX item_results_visit ON item_results (visit_id, dept);

CREATE TABLE outcomes (
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    dept        TEXT NOT NULL,
    categories  TEXT NOT NULL, -- JSON array of R9 categories
    version     INTEGER NOT NULL,
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    mutation_id TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (visit_id, dept)
);

CREATE TABLE signatures (
    id        TEXT PRIMARY KEY,
    visit_id  TEXT NOT NULL REFERENCES visits (id),
    kind      TEXT NOT NULL CHECK (kind IN ('inspector', 'entity', 'refusal')),
    signer    TEXT NOT NULL DEFAULT '',
    photo     TEXT NOT NULL DEFAULT '',
    witness   TEXT NOT NULL DEFAULT '',
    note      TEXT NOT NULL DEFAULT '',
    user_id   TEXT NOT NULL,
    client_id TEXT NOT NULL,
    channel   TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX signatures_visit ON signatures (visit_id);

-- R11: numbers per department and year; leased to clients in advance.
CREATE TABLE notice_counters (
    dept TEXT NOT NULL REFERENCES departments (code),
    year INTEGER NOT NULL,
    next INTEGER NOT NULL,
    PRIMARY KEY (dept, year)
);

CREATE TABLE notice_numbers (
    dept       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    number     INTEGER NOT NULL,
    client_id  TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('leased', 'used', 'voided')),
    notice_id  TEXT,
    leased_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    voided_at  TEXT,
    reason     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (dept, year, number)
);
CREATE INDEX notice_numbers_client ON notice_numbers (client_id, state);

CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    dept        TEXT NOT NULL,
    year        INTEGER NOT NULL,
    number      INTEGER,
    number_text TEXT NOT NULL DEFAULT '',
    provisional TEXT NOT NULL DEFAULT '',
    items       TEXT NOT NULL, -- JSON array of checklist item ids
    problems    TEXT NOT NULL DEFAULT '',
    legal_basis TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    issued_at   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    served_at   TEXT,
    served_to   TEXT NOT NULL DEFAULT '',
    served_sig  TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'served', 'corrected', 'not_corrected')),
    UNIQUE (dept, year, number)
);
CREATE INDEX notices_visit ON notices (visit_id);

-- R12: the follow-up (复查) of a notice.
CREATE TABLE followups (
    id          TEXT PRIMARY KEY,
    notice_id   TEXT NOT NULL REFERENCES notices (id),
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    corrected   INTEGER NOT NULL,
    action      TEXT NOT NULL DEFAULT '', -- '', '立案', '移送'
    penalty     REAL NOT NULL DEFAULT 0,  -- 万元, for 附件3
    note        TEXT NOT NULL DEFAULT '',
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    at          TEXT NOT NULL
);

-- §5 step 5: the phone's value that lost, kept for the lead to settle.
CREATE TABLE conflicts (
    id            TEXT PRIMARY KEY,
    visit_id      TEXT NOT NULL REFERENCES visits (id),
    kind          TEXT NOT NULL CHECK (kind IN ('item_result', 'outcome')),
    target        TEXT NOT NULL, -- item id, or dept for an outcome
    server_value  TEXT NOT NULL,
    server_user   TEXT NOT NULL,
    server_at     TEXT NOT NULL,
    server_version INTEGER NOT NULL,
    client_value  TEXT NOT NULL,
    client_user   TEXT NOT NULL,
    client_at     TEXT NOT NULL,
    mutation_id   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')),
    settled_value TEXT,
    settled_by    TEXT,
    settled_at    TEXT
);
CREATE INDEX conflicts_visit ON conflicts (visit_id, status);

-- §5 step 6: content-addressed photos; bytes live in the blob folder.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- Photos named by mutations, so pull can say which ones are still missing
-- and completion can wait for them.
CREATE TABLE blob_refs (
    sha256    TEXT NOT NULL,
    visit_id  TEXT NOT NULL,
    client_id TEXT NOT NULL,
    PRIMARY KEY (sha256, visit_id)
) WITHOUT ROWID;
CREATE INDEX blob_refs_client ON blob_refs (client_id);
