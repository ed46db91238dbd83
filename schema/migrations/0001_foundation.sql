-- Foundation: reference data, accounts, the annual plan, the item catalogue
-- and the append-only audit log (R15).

CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  TEXT NOT NULL CHECK (level IN ('city', 'county')),
    parent TEXT REFERENCES regions (code)
);

-- kind 'member' are the 30 departments of 附件2; 'office' is the 联席办.
CREATE TABLE departments (
    code  TEXT PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE,
    short TEXT NOT NULL UNIQUE,
    kind  TEXT NOT NULL DEFAULT 'member' CHECK (kind IN ('member', 'office')),
    ord   INTEGER NOT NULL
);

CREATE TABLE department_aliases (
    alias TEXT PRIMARY KEY,
    dept  TEXT NOT NULL REFERENCES departments (code)
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('inspector', 'lead', 'office', 'admin')),
    dept          TEXT NOT NULL REFERENCES departments (code),
    region        TEXT NOT NULL REFERENCES regions (code),
    cert_no       TEXT NOT NULL DEFAULT '',
    specialities  TEXT NOT NULL DEFAULT '',
    expert        INTEGER NOT NULL DEFAULT 0,
    on_duty       INTEGER NOT NULL DEFAULT 1,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE INDEX users_pool ON users (dept, region, role);

-- Refresh tokens rotate: each use revokes the token and issues its successor
-- in the same family; presenting a revoked token revokes the whole family.
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    family      TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

CREATE TABLE plans (
    id           TEXT PRIMARY KEY,
    year         INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    sub          INTEGER NOT NULL,
    domain       TEXT NOT NULL,
    target       TEXT NOT NULL,
    name         TEXT NOT NULL,
    ratio_text   TEXT NOT NULL,
    ratio        TEXT NOT NULL, -- JSON of the parsed ratio (R2)
    delegated    INTEGER NOT NULL,
    levels       TEXT NOT NULL, -- JSON array
    initiator    TEXT NOT NULL REFERENCES departments (code),
    window_text  TEXT NOT NULL,
    start_on     TEXT NOT NULL DEFAULT '',
    end_on       TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    source_row   INTEGER NOT NULL,
    class_ratios TEXT NOT NULL DEFAULT '', -- JSON {"A":5,...}; empty = R4 defaults
    created_at   TEXT NOT NULL,
    UNIQUE (year, seq, sub)
);

-- dept is NULL for a placeholder ("待定", "相关成员单位"), settled per task.
CREATE TABLE plan_departments (
    plan_id     TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    ord         INTEGER NOT NULL,
    dept        TEXT REFERENCES departments (code),
    raw         TEXT NOT NULL,
    placeholder INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (plan_id, ord)
);

-- 监管事项清单: each department's catalogue of random-inspection items.
CREATE TABLE catalogue_items (
    id         TEXT PRIMARY KEY,
    dept       TEXT REFERENCES departments (code),
    name       TEXT NOT NULL,
    class      TEXT NOT NULL CHECK (class IN ('一般检查', '重点检查')),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX catalogue_items_dept_name ON catalogue_items (ifnull(dept, ''), name);

CREATE TABLE plan_items (
    id           TEXT PRIMARY KEY,
    plan_id      TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    dept_ord     INTEGER NOT NULL,
    catalogue_id TEXT NOT NULL REFERENCES catalogue_items (id),
    ord          INTEGER NOT NULL,
    FOREIGN KEY (plan_id, dept_ord) REFERENCES plan_departments (plan_id, ord) ON DELETE CASCADE
);
CREATE INDEX plan_items_plan ON plan_items (plan_id, dept_ord, ord);

-- R15: every state change, append-only (the triggers refuse edits).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    user_id     TEXT,
    client_id   TEXT,
    channel     TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    parent_kind TEXT NOT NULL DEFAULT '',
    parent_id   TEXT NOT NULL DEFAULT '',
    before      TEXT,
    after       TEXT,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (kind, entity_id);
CREATE INDEX audit_log_parent ON audit_log (parent_kind, parent_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
