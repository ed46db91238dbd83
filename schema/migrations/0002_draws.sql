-- The entity directory, conflicts of interest, tasks, draws (R4–R7) and
-- joint visits with their checklists (R8).

CREATE TABLE entities (
    id         TEXT PRIMARY KEY,
    uscc       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (code),
    address    TEXT NOT NULL DEFAULT '',
    risk       TEXT NOT NULL CHECK (risk IN ('A', 'B', 'C', 'D')),
    status     TEXT NOT NULL CHECK (status IN ('存续', '注销', '吊销', '迁出')),
    lat        REAL,
    lng        REAL,
    flags      TEXT NOT NULL DEFAULT '', -- '|'-separated sub-populations
    tags       TEXT NOT NULL DEFAULT '', -- '|'-separated target populations
    updated_at TEXT NOT NULL
);

-- One row per (tag, entity) so that a draw's population is an index range scan.
CREATE TABLE entity_tags (
    tag       TEXT NOT NULL,
    region    TEXT NOT NULL,
    entity_id TEXT NOT NULL REFERENCES entities (id),
    PRIMARY KEY (tag, region, entity_id)
) WITHOUT ROWID;

-- Re-imports update entities by USCC; the previous version lands here.
CREATE TABLE entity_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_id  TEXT NOT NULL REFERENCES entities (id),
    replaced_at TEXT NOT NULL,
    before     TEXT NOT NULL
);

-- 回避: an inspector is never drawn for an entity listed here (R5).
CREATE TABLE interest_conflicts (
    user_id   TEXT NOT NULL REFERENCES users (id),
    entity_id TEXT NOT NULL REFERENCES entities (id),
    reason    TEXT NOT NULL,
    PRIMARY KEY (user_id, entity_id)
);
CREATE INDEX interest_conflicts_entity ON interest_conflicts (entity_id);

CREATE TABLE tasks (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    region     TEXT NOT NULL REFERENCES regions (code),
    batch      INTEGER NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('市级', '县区级')),
    tag        TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (plan_id, region, batch)
);

-- The participating departments of a task, placeholders settled (R3a).
CREATE TABLE task_departments (
    task_id TEXT NOT NULL REFERENCES tasks (id),
    ord     INTEGER NOT NULL,
    dept    TEXT NOT NULL REFERENCES departments (code),
    PRIMARY KEY (task_id, ord),
    UNIQUE (task_id, dept)
);

-- The canonical population snapshot of a draw (server/draw ALGORITHM.md),
-- gzip-compressed and addressed by its SHA-256, so verify can re-run it.
CREATE TABLE draw_snapshots (
    hash TEXT PRIMARY KEY,
    data BLOB NOT NULL
);

CREATE TABLE draws (
    id              TEXT PRIMARY KEY,
    task_id         TEXT NOT NULL UNIQUE REFERENCES tasks (id),
    algorithm       TEXT NOT NULL,
    seed            TEXT NOT NULL, -- hex of 32 bytes
    snapshot_hash   TEXT NOT NULL, -- sha256 of the canonical snapshot, stored as a blob
    population      INTEGER NOT NULL,
    drawn           INTEGER NOT NULL,
    strata          TEXT NOT NULL, -- JSON
    result          TEXT NOT NULL, -- JSON, the whole result as Run returned it
    risk_applicable INTEGER NOT NULL,
    risk_stratified INTEGER NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL
);

-- A re-draw replaces one entity or one inspector; the draw itself is kept.
CREATE TABLE redraws (
    id         TEXT PRIMARY KEY,
    draw_id    TEXT NOT NULL REFERENCES draws (id),
    visit_id   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('entity', 'inspector')),
    old_ref    TEXT NOT NULL,
    new_ref    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);

CREATE TABLE visits (
    id           TEXT PRIMARY KEY,
    task_id      TEXT NOT NULL REFERENCES tasks (id),
    draw_id      TEXT NOT NULL REFERENCES draws (id),
    entity_id    TEXT NOT NULL REFERENCES entities (id),
    risk         TEXT NOT NULL,
    stratum      TEXT NOT NULL,
    scheduled_on TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'complete', 'replaced')),
    completed_at TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
CREATE INDEX visits_task ON visits (task_id);
CREATE INDEX visits_entity ON visits (entity_id);

CREATE TABLE visit_members (
    visit_id TEXT NOT NULL REFERENCES visits (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    dept     TEXT NOT NULL REFERENCES departments (code),
    active   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (visit_id, user_id)
) WITHOUT ROWID;
CREATE INDEX visit_members_user ON visit_members (user_id, visit_id);

-- The checklist: every participating department's items, copied at draw time
-- so that a later catalogue edit never changes a visit under way.
CREATE TABLE checklist_items (
    id       TEXT PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits (id),
    dept     TEXT NOT NULL REFERENCES departments (code),
    ord      INTEGER NOT NULL,
    catalogue_id TEXT REFERENCES catalogue_items (id),
    name     TEXT NOT NULL,
    class    TEXT NOT NULL
);
CREATE INDEX checklist_items_visit ON checklist_items (visit_id, dept, ord);
