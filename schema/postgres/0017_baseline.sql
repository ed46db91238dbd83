-- PostgreSQL baseline: the schema that schema/migrations/0001–0017 build on
-- SQLite, in one file. PostgreSQL's migration history starts here, at
-- version 17; every later change is a migration numbered 0018+ in both
-- schema/migrations (SQLite) and schema/postgres (this folder), and the
-- schema parity test (server/sqlstore/parity_test.go) fails when the two
-- disagree on a table, a column (name, order, type, NOT NULL, default), an
-- index (name, columns, unique, partial) or a trigger name.
--
-- Types: TEXT stays TEXT, INTEGER is BIGINT (SQLite integers are 64-bit),
-- REAL is DOUBLE PRECISION, BLOB is BYTEA; flags stay BIGINT 0/1 because
-- the Go code compares them with 1 and 0. INTEGER PRIMARY KEY AUTOINCREMENT
-- is an identity BY DEFAULT, so that an import can insert explicit ids (and
-- must then move the sequence on with setval). Timestamps stay RFC 3339 text
-- ('2024-06-03T02:00:00.000Z'), compared as text as on SQLite: the database
-- should use the C collation so that text orders byte-wise as there.
--
-- The triggers are those that survive 0017 in their last form, as plpgsql
-- functions with the same effect. SQLite fires row triggers as each row is
-- written, PostgreSQL fires AFTER row triggers at the end of the statement;
-- every trigger here either recounts or adds a per-row delta, so the end
-- state is the same, except office_publication_rollup's "first publication
-- of the visit" test, which assumes one publication per INSERT statement
-- (as server/sqlstore writes them).
--
-- Left out on purpose: the data fixes of 0009 (voiding duplicate notices)
-- and 0013 (numbering existing clients), which only touched rows of a
-- database that already had some; a baseline starts empty.

-- ---------------------------------------------------------------- 0001

CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  TEXT NOT NULL CHECK (level IN ('city', 'county')),
    parent TEXT REFERENCES regions (code)
);

-- kind 'member' are the 30 departments of 附件2; 'office' is the 联席办.
CREATE TABLE departments (
    code      TEXT PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    short     TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL DEFAULT 'member' CHECK (kind IN ('member', 'office')),
    ord       BIGINT NOT NULL,
    authority TEXT NOT NULL DEFAULT '' -- R11: 执法主体全称, named on a notice
);

CREATE TABLE department_aliases (
    alias TEXT PRIMARY KEY,
    dept  TEXT NOT NULL REFERENCES departments (code)
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('inspector', 'lead', 'office', 'admin')),
    dept                 TEXT NOT NULL REFERENCES departments (code),
    region               TEXT NOT NULL REFERENCES regions (code),
    cert_no              TEXT NOT NULL DEFAULT '',
    specialities         TEXT NOT NULL DEFAULT '',
    expert               BIGINT NOT NULL DEFAULT 0,
    on_duty              BIGINT NOT NULL DEFAULT 1,
    disabled             BIGINT NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    -- A one-time password set by an admin or the office must be changed at
    -- the next sign-in; the flag is the account's (issue 12 item 5).
    must_change_password BIGINT NOT NULL DEFAULT 0
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
    year         BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    sub          BIGINT NOT NULL,
    domain       TEXT NOT NULL,
    target       TEXT NOT NULL,
    name         TEXT NOT NULL,
    ratio_text   TEXT NOT NULL,
    ratio        TEXT NOT NULL, -- JSON of the parsed ratio (R2)
    delegated    BIGINT NOT NULL,
    levels       TEXT NOT NULL, -- JSON array
    initiator    TEXT NOT NULL REFERENCES departments (code),
    window_text  TEXT NOT NULL,
    start_on     TEXT NOT NULL DEFAULT '',
    end_on       TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    source_row   BIGINT NOT NULL,
    class_ratios TEXT NOT NULL DEFAULT '', -- JSON {"A":5,...}; empty = R4 defaults
    created_at   TEXT NOT NULL,
    UNIQUE (year, seq, sub)
);

-- dept is NULL for a placeholder ("待定", "相关成员单位"), settled per task.
CREATE TABLE plan_departments (
    plan_id     TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    ord         BIGINT NOT NULL,
    dept        TEXT REFERENCES departments (code),
    raw         TEXT NOT NULL,
    placeholder BIGINT NOT NULL DEFAULT 0,
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
CREATE UNIQUE INDEX catalogue_items_dept_name ON catalogue_items (coalesce(dept, ''), name);

CREATE TABLE plan_items (
    id           TEXT PRIMARY KEY,
    plan_id      TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    dept_ord     BIGINT NOT NULL,
    catalogue_id TEXT NOT NULL REFERENCES catalogue_items (id),
    ord          BIGINT NOT NULL,
    FOREIGN KEY (plan_id, dept_ord) REFERENCES plan_departments (plan_id, ord) ON DELETE CASCADE
);
CREATE INDEX plan_items_plan ON plan_items (plan_id, dept_ord, ord);

-- R15: every state change, append-only (the triggers refuse edits).
CREATE TABLE audit_log (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
-- The records under a visit (results, outcomes, check-ins, signatures,
-- notices, follow-ups, conflicts, rejected mutations) are walked through
-- their parent; the entity index leaves them out (0008): one B-tree insert
-- less per applied mutation. Queries by entity repeat this WHERE.
CREATE INDEX audit_log_entity ON audit_log (kind, entity_id) WHERE parent_kind <> 'visit' OR kind = 'visit';
CREATE INDEX audit_log_parent ON audit_log (parent_kind, parent_id);
-- The trail of a user (what they did) reads the audit log by its author.
CREATE INDEX audit_log_user ON audit_log (user_id) WHERE user_id IS NOT NULL;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- SQLite has no TRUNCATE; here it would skip the row triggers above.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- ---------------------------------------------------------------- 0002

CREATE TABLE entities (
    id         TEXT PRIMARY KEY,
    uscc       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (code),
    address    TEXT NOT NULL DEFAULT '',
    risk       TEXT NOT NULL CHECK (risk IN ('A', 'B', 'C', 'D')),
    status     TEXT NOT NULL CHECK (status IN ('存续', '注销', '吊销', '迁出')),
    lat        DOUBLE PRECISION,
    lng        DOUBLE PRECISION,
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
);

-- Re-imports update entities by USCC; the previous version lands here.
CREATE TABLE entity_history (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    entity_id   TEXT NOT NULL REFERENCES entities (id),
    replaced_at TEXT NOT NULL,
    before      TEXT NOT NULL
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
    batch      BIGINT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('市级', '县区级')),
    tag        TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (plan_id, region, batch)
);

-- The participating departments of a task, placeholders settled (R3a).
CREATE TABLE task_departments (
    task_id TEXT NOT NULL REFERENCES tasks (id),
    ord     BIGINT NOT NULL,
    dept    TEXT NOT NULL REFERENCES departments (code),
    PRIMARY KEY (task_id, ord),
    UNIQUE (task_id, dept)
);

-- The canonical population snapshot of a draw (server/draw ALGORITHM.md),
-- gzip-compressed and addressed by its SHA-256, so verify can re-run it.
CREATE TABLE draw_snapshots (
    hash TEXT PRIMARY KEY,
    data BYTEA NOT NULL
);

CREATE TABLE draws (
    id              TEXT PRIMARY KEY,
    task_id         TEXT NOT NULL UNIQUE REFERENCES tasks (id),
    algorithm       TEXT NOT NULL,
    seed            TEXT NOT NULL, -- hex of 32 bytes
    snapshot_hash   TEXT NOT NULL, -- sha256 of the canonical snapshot
    population      BIGINT NOT NULL,
    drawn           BIGINT NOT NULL,
    strata          TEXT NOT NULL, -- JSON
    result          TEXT NOT NULL, -- JSON, the whole result as Run returned it
    risk_applicable BIGINT NOT NULL,
    risk_stratified BIGINT NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    -- How the seed was made (DESIGN §8.7): only a seed the server made after
    -- the snapshot was fixed shows that nobody chose it.
    seed_source     TEXT NOT NULL DEFAULT 'unknown'
        CHECK (seed_source IN ('random', 'supplied', 'witnessed', 'unknown'))
);
-- The public list of draws (/public) is newest first.
CREATE INDEX draws_created ON draws (created_at);

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
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
CREATE INDEX visits_task ON visits (task_id);
CREATE INDEX visits_entity ON visits (entity_id);

CREATE TABLE visit_members (
    visit_id TEXT NOT NULL REFERENCES visits (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    dept     TEXT NOT NULL REFERENCES departments (code),
    active   BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (visit_id, user_id)
);
CREATE INDEX visit_members_user ON visit_members (user_id, visit_id);

-- The checklist: every participating department's items, copied at draw time
-- so that a later catalogue edit never changes a visit under way. An item is
-- one check point of a template (R8a), or for a 事项 without a template the
-- 事项 itself as one line (template_id NULL); name is the line the phone
-- shows, item_name the 事项 it belongs to.
CREATE TABLE checklist_items (
    id               TEXT PRIMARY KEY,
    visit_id         TEXT NOT NULL REFERENCES visits (id),
    dept             TEXT NOT NULL REFERENCES departments (code),
    ord              BIGINT NOT NULL,
    catalogue_id     TEXT REFERENCES catalogue_items (id),
    name             TEXT NOT NULL,
    class            TEXT NOT NULL,
    item_name        TEXT NOT NULL DEFAULT '',
    template_id      TEXT,
    template_version BIGINT NOT NULL DEFAULT 0,
    group_code       TEXT NOT NULL DEFAULT '',
    group_name       TEXT NOT NULL DEFAULT '',
    code             TEXT NOT NULL DEFAULT '',
    method           TEXT NOT NULL DEFAULT '',
    key_point        BIGINT NOT NULL DEFAULT 0,
    basis            TEXT NOT NULL DEFAULT '',
    violation        TEXT NOT NULL DEFAULT '',
    notice_text      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checklist_items_visit ON checklist_items (visit_id, dept, ord);

-- ---------------------------------------------------------------- 0003, 0004

-- §5 step 1 and 8: one row per installed app; channel comes from kind.
CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL CHECK (kind IN ('mobile', 'web', 'import')),
    platform      TEXT NOT NULL DEFAULT '',
    installed     BIGINT NOT NULL DEFAULT 0,
    app_version   TEXT NOT NULL DEFAULT '',
    last_seq      BIGINT NOT NULL DEFAULT 0,
    pending       BIGINT NOT NULL DEFAULT 0,
    registered_at TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    retired_at    TEXT,
    -- DESIGN §8.6: a short number of the client's own for its lifetime, so
    -- that provisional notice numbers (临-{device_no}-{n}) never collide.
    device_no     BIGINT
);
CREATE INDEX clients_user ON clients (user_id);
CREATE UNIQUE INDEX clients_device_no ON clients (device_no);

-- A trigger, not the registration code: every way a client row is made gets
-- its number, and the number is never reused (max + 1 over every client
-- ever registered, retired ones included). SQLite's single writer keeps two
-- registrations from reading the same max; here a transaction-scoped
-- advisory lock does (a READ COMMITTED statement after it sees the other
-- registration's committed row).
CREATE FUNCTION clients_device_no() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('zsc.clients_device_no'));
    UPDATE clients SET device_no = (SELECT coalesce(max(device_no), 0) + 1 FROM clients) WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER clients_device_no AFTER INSERT ON clients
    FOR EACH ROW WHEN (NEW.device_no IS NULL) EXECUTE FUNCTION clients_device_no();

-- §5 step 3: every mutation a client sent, with its fate; never deleted.
-- code: the Result.Code of the first answer, replayed with it; sent_id: the
-- id the client sent when the mutation was stored under a server-made id
-- ('' when id is the sent id), so that sending it again is still a replay.
CREATE TABLE mutations (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (id),
    seq         BIGINT NOT NULL,
    name        TEXT NOT NULL,
    args        TEXT NOT NULL,
    client_at   TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'conflict', 'rejected')),
    reason      TEXT NOT NULL DEFAULT '',
    visit_id    TEXT,
    user_id     TEXT NOT NULL,
    channel     TEXT NOT NULL DEFAULT '',
    code        TEXT NOT NULL DEFAULT '',
    sent_id     TEXT NOT NULL DEFAULT '',
    UNIQUE (client_id, seq)
);
-- Read by (client_id, seq) for replays (the UNIQUE constraint's index) and by
-- a client's rejections: an applied mutation touches no other index (0007).
CREATE INDEX mutations_rejected ON mutations (client_id, seq) WHERE status = 'rejected';

-- §5 step 4: the append-only change log that pulls read after a cursor.
-- A change is scoped to a visit (team members, leads, office see it), to one
-- user (leases, rejections), to one client (its leased numbers, its
-- rejections), or to everyone (visit_id, user_id and client_id NULL).
CREATE TABLE changes (
    seq       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind      TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('put', 'remove')),
    entity_id TEXT NOT NULL,
    visit_id  TEXT,
    user_id   TEXT,
    data      TEXT NOT NULL DEFAULT '{}',
    at        TEXT NOT NULL,
    client_id TEXT
);
-- One index per audience, so that an incremental pull never scans
-- everybody's changes since its cursor.
CREATE INDEX changes_visit ON changes (visit_id, seq) WHERE visit_id IS NOT NULL;
CREATE INDEX changes_user ON changes (user_id, seq) WHERE user_id IS NOT NULL;
CREATE INDEX changes_client ON changes (client_id, seq) WHERE client_id IS NOT NULL;
CREATE INDEX changes_global ON changes (seq) WHERE visit_id IS NULL AND user_id IS NULL AND client_id IS NULL;

CREATE TABLE checkins (
    id        TEXT PRIMARY KEY,
    visit_id  TEXT NOT NULL REFERENCES visits (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    at        TEXT NOT NULL,
    lat       DOUBLE PRECISION,
    lng       DOUBLE PRECISION,
    accuracy  DOUBLE PRECISION,
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
    version     BIGINT NOT NULL,
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
    version     BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    mutation_id TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (visit_id, dept)
);

-- R10: both inspectors of a department sign (by name and 执法证号); the
-- entity's signer gives role and phone and confirms 以上情况属实.
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
    at        TEXT NOT NULL,
    dept      TEXT NOT NULL DEFAULT '',
    signer_id TEXT NOT NULL DEFAULT '',
    cert_no   TEXT NOT NULL DEFAULT '',
    role      TEXT NOT NULL DEFAULT '',
    phone     TEXT NOT NULL DEFAULT '',
    confirmed BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX signatures_visit ON signatures (visit_id);

-- R11: numbers per department and year; leased to clients in advance.
CREATE TABLE notice_counters (
    dept TEXT NOT NULL REFERENCES departments (code),
    year BIGINT NOT NULL,
    next BIGINT NOT NULL,
    PRIMARY KEY (dept, year)
);

CREATE TABLE notice_numbers (
    dept       TEXT NOT NULL,
    year       BIGINT NOT NULL,
    number     BIGINT NOT NULL,
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
-- Leases: expiry sweeps and a client's own leases.
CREATE INDEX notice_numbers_state ON notice_numbers (state, expires_at);

-- R11: a notice records who issued it (both inspectors with 执法证号), the
-- authority, the deadline in working days, and a void (作废) keeps its number.
CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    dept        TEXT NOT NULL,
    year        BIGINT NOT NULL,
    number      BIGINT,
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
    authority   TEXT NOT NULL DEFAULT '',
    inspectors  TEXT NOT NULL DEFAULT '[]',
    days        BIGINT NOT NULL DEFAULT 0,
    voided_at   TEXT,
    voided_by   TEXT,
    void_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (dept, year, number)
);
CREATE INDEX notices_visit ON notices (visit_id);
-- At most one live notice per department per visit.
CREATE UNIQUE INDEX notices_live ON notices (visit_id, dept) WHERE voided_at IS NULL;

-- R12: the follow-up (复查) of a notice.
CREATE TABLE followups (
    id          TEXT PRIMARY KEY,
    notice_id   TEXT NOT NULL REFERENCES notices (id),
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    corrected   BIGINT NOT NULL,
    action      TEXT NOT NULL DEFAULT '', -- '', '立案', '移送'
    penalty     DOUBLE PRECISION NOT NULL DEFAULT 0, -- 万元, for 附件3
    note        TEXT NOT NULL DEFAULT '',
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX followups_notice ON followups (notice_id);
CREATE INDEX followups_visit ON followups (visit_id);

-- §5 step 5: the phone's value that lost, kept for the lead to settle. dept:
-- a lead settles only their own department's conflicts.
CREATE TABLE conflicts (
    id             TEXT PRIMARY KEY,
    visit_id       TEXT NOT NULL REFERENCES visits (id),
    kind           TEXT NOT NULL CHECK (kind IN ('item_result', 'outcome')),
    target         TEXT NOT NULL, -- item id, or dept for an outcome
    server_value   TEXT NOT NULL,
    server_user    TEXT NOT NULL,
    server_at      TEXT NOT NULL,
    server_version BIGINT NOT NULL,
    client_value   TEXT NOT NULL,
    client_user    TEXT NOT NULL,
    client_at      TEXT NOT NULL,
    mutation_id    TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')),
    settled_value  TEXT,
    settled_by     TEXT,
    settled_at     TEXT,
    dept           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conflicts_visit ON conflicts (visit_id, status);

-- §5 step 6: content-addressed photos; bytes live in the blob folder.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX blobs_created ON blobs (created_at);

-- Photos named by mutations, so pull can say which ones are still missing
-- and completion can wait for them.
CREATE TABLE blob_refs (
    sha256    TEXT NOT NULL,
    visit_id  TEXT NOT NULL,
    client_id TEXT NOT NULL,
    PRIMARY KEY (sha256, visit_id)
);
CREATE INDEX blob_refs_client ON blob_refs (client_id);
CREATE INDEX blob_refs_visit ON blob_refs (visit_id);

-- ---------------------------------------------------------------- 0005, 0007

-- The office: rollups behind the six targets (DESIGN §3) and 附件3 (R14).
--
-- Why rollups kept by triggers: the targets are asked of a year of data and
-- must answer in well under a second. Triggers keep one small row per visit
-- and one per task and completion month up to date in the same transaction
-- as whatever wrote the results (the sync engine, the draw, office entry, a
-- bulk import), so no writer has to know about them and no path can forget
-- them. The counts of results and outcomes move by one per inserted or
-- deleted row (no code writes them with REPLACE: results and outcomes are
-- upserts); the others recount one visit's or task's rows. RebuildRollups
-- recomputes everything from scratch, and tests compare the two.

-- One row per visit.
CREATE TABLE visit_rollups (
    visit_id     TEXT PRIMARY KEY REFERENCES visits (id),
    task_id      TEXT NOT NULL,
    status       TEXT NOT NULL,               -- mirror of visits.status
    items        BIGINT NOT NULL DEFAULT 0,   -- checklist items
    answered     BIGINT NOT NULL DEFAULT 0,   -- item results
    depts        BIGINT NOT NULL DEFAULT 0,   -- the task's participating departments
    outcomes     BIGINT NOT NULL DEFAULT 0,   -- outcomes (one per department)
    offmobile    BIGINT NOT NULL DEFAULT 0,   -- results, outcomes, check-ins, signatures not sent from the mobile app
    completed_on TEXT NOT NULL DEFAULT '',    -- the completion date in China time (UTC+8), '' while not complete
    published    BIGINT NOT NULL DEFAULT 0    -- departments that have published their results (R13)
);
CREATE INDEX visit_rollups_task ON visit_rollups (task_id);
-- Completed visits some department has still to publish: the due and overdue
-- lists walk this small partial index in completion order.
CREATE INDEX visit_rollups_unpublished ON visit_rollups (completed_on) WHERE status = 'complete' AND published < depts;

-- One row per task and completion month ('' while open): what every figure
-- of §3 and 附件3 sums. A visit counts in visits unless replaced, in
-- entered when every participating department answered every item and
-- recorded an outcome, in mobile when complete and nothing of its on-site
-- record and results came from another channel.
CREATE TABLE task_rollups (
    task_id  TEXT NOT NULL,
    month    TEXT NOT NULL,
    visits   BIGINT NOT NULL DEFAULT 0,
    complete BIGINT NOT NULL DEFAULT 0,
    entered  BIGINT NOT NULL DEFAULT 0,
    mobile   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, month)
);

-- SQLite's date(ts, '+8 hours'): the China date 'YYYY-MM-DD' of an RFC 3339
-- text timestamp, NULL for text that is not one, with SQLite's rules: a
-- zone-less time is UTC (never the session's TimeZone), the zone is Z or
-- ±HH:MM (hours up to 14), a day past the month's end rolls over
-- ('2024-02-30' is 2024-03-01), seconds count to the millisecond. Written
-- without casts that could raise, so that a bad timestamp gives '' in a
-- rollup as on SQLite instead of failing the write. (Year 0000, which SQLite
-- takes, gives NULL here.)
CREATE FUNCTION china_date(ts text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    p   text[];
    mo  int;
    d   int;
    h   int := 0;
    mi  int := 0;
    s   numeric := 0;
    off int := 0; -- the zone's offset east of UTC, in minutes
    t   timestamp;
BEGIN
    p := regexp_match(ts, '^(\d{4})-(\d\d)-(\d\d)[T\s]*(?:(\d\d):(\d\d)(?::(\d\d(?:\.\d+)?))?\s*(?:[Zz]|([+-])(\d\d):(\d\d))?\s*)?$');
    IF p IS NULL OR p[1]::int = 0 THEN
        RETURN NULL;
    END IF;
    mo := p[2]::int;
    d := p[3]::int;
    IF mo NOT BETWEEN 1 AND 12 OR d NOT BETWEEN 1 AND 31 THEN
        RETURN NULL;
    END IF;
    IF p[4] IS NOT NULL THEN
        h := p[4]::int;
        mi := p[5]::int;
        s := trunc(coalesce(p[6]::numeric, 0), 3);
        IF h > 24 OR mi > 59 OR s >= 60 THEN
            RETURN NULL;
        END IF;
        IF p[7] IS NOT NULL THEN
            IF p[8]::int > 14 OR p[9]::int > 59 THEN
                RETURN NULL;
            END IF;
            off := (p[8]::int * 60 + p[9]::int) * CASE p[7] WHEN '-' THEN -1 ELSE 1 END;
        END IF;
    END IF;
    t := make_date(p[1]::int, mo, 1) + (d - 1) + make_interval(hours => h + 8, mins => mi - off, secs => s::double precision);
    -- SQLite's dates end at 9999-12-31.
    IF t < '0001-01-01' OR t >= '10000-01-01' THEN
        RETURN NULL;
    END IF;
    RETURN to_char(t, 'YYYY-MM-DD');
END $$;

-- A visit's rollup row, made with the visit (a bulk import may write its
-- checklist and results first).
CREATE FUNCTION office_visit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO visit_rollups (visit_id, task_id, status, items, answered, depts, outcomes, offmobile, completed_on)
    VALUES (NEW.id, NEW.task_id, NEW.status,
        (SELECT count(*) FROM checklist_items WHERE visit_id = NEW.id),
        (SELECT count(*) FROM item_results WHERE visit_id = NEW.id),
        (SELECT count(*) FROM task_departments WHERE task_id = NEW.task_id),
        (SELECT count(*) FROM outcomes WHERE visit_id = NEW.id),
        0,
        CASE WHEN NEW.status = 'complete' AND NEW.completed_at IS NOT NULL THEN coalesce(china_date(NEW.completed_at), '') ELSE '' END);
    RETURN NULL;
END $$;
CREATE TRIGGER office_visit_insert AFTER INSERT ON visits
    FOR EACH ROW EXECUTE FUNCTION office_visit_insert();

CREATE FUNCTION office_visit_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE visit_rollups SET status = NEW.status,
        completed_on = CASE WHEN NEW.status = 'complete' AND NEW.completed_at IS NOT NULL THEN coalesce(china_date(NEW.completed_at), '') ELSE '' END
    WHERE visit_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER office_visit_update AFTER UPDATE OF status, completed_at ON visits
    FOR EACH ROW EXECUTE FUNCTION office_visit_update();

CREATE FUNCTION office_item_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v text := CASE TG_OP WHEN 'DELETE' THEN OLD.visit_id ELSE NEW.visit_id END;
BEGIN
    UPDATE visit_rollups SET items = (SELECT count(*) FROM checklist_items WHERE visit_id = v) WHERE visit_id = v;
    RETURN NULL;
END $$;
CREATE TRIGGER office_item_insert AFTER INSERT ON checklist_items
    FOR EACH ROW EXECUTE FUNCTION office_item_count();
CREATE TRIGGER office_item_delete AFTER DELETE ON checklist_items
    FOR EACH ROW EXECUTE FUNCTION office_item_count();

CREATE FUNCTION office_task_dept_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t text := CASE TG_OP WHEN 'DELETE' THEN OLD.task_id ELSE NEW.task_id END;
BEGIN
    UPDATE visit_rollups SET depts = (SELECT count(*) FROM task_departments WHERE task_id = t) WHERE task_id = t;
    RETURN NULL;
END $$;
CREATE TRIGGER office_task_dept_insert AFTER INSERT ON task_departments
    FOR EACH ROW EXECUTE FUNCTION office_task_dept_count();
CREATE TRIGGER office_task_dept_delete AFTER DELETE ON task_departments
    FOR EACH ROW EXECUTE FUNCTION office_task_dept_count();

-- Results and outcomes: answered / outcomes count the rows, offmobile the
-- ones (with check-ins and signatures) not sent from the mobile app. One
-- function per table serves insert, delete, a change of channel and a move
-- to another visit.
CREATE FUNCTION office_result_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE visit_rollups SET answered = answered - 1, offmobile = offmobile - (OLD.channel <> 'mobile')::int
        WHERE visit_id = OLD.visit_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE visit_rollups SET answered = answered + 1, offmobile = offmobile + (NEW.channel <> 'mobile')::int
        WHERE visit_id = NEW.visit_id;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION office_outcome_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE visit_rollups SET outcomes = outcomes - 1, offmobile = offmobile - (OLD.channel <> 'mobile')::int
        WHERE visit_id = OLD.visit_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE visit_rollups SET outcomes = outcomes + 1, offmobile = offmobile + (NEW.channel <> 'mobile')::int
        WHERE visit_id = NEW.visit_id;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION office_channel_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE visit_rollups SET offmobile = offmobile + (NEW.channel <> 'mobile')::int - (OLD.channel <> 'mobile')::int
    WHERE visit_id = NEW.visit_id;
    RETURN NULL;
END $$;

CREATE TRIGGER office_result_insert AFTER INSERT ON item_results
    FOR EACH ROW EXECUTE FUNCTION office_result_rollup();
-- An upsert names channel in its SET list, so this fires on every re-set of
-- a result; the WHEN keeps it to the rare real change of channel.
CREATE TRIGGER office_result_channel AFTER UPDATE OF channel ON item_results
    FOR EACH ROW WHEN (NEW.visit_id = OLD.visit_id AND (NEW.channel <> 'mobile') <> (OLD.channel <> 'mobile'))
    EXECUTE FUNCTION office_channel_change();
CREATE TRIGGER office_result_move AFTER UPDATE OF visit_id ON item_results
    FOR EACH ROW WHEN (NEW.visit_id <> OLD.visit_id) EXECUTE FUNCTION office_result_rollup();
CREATE TRIGGER office_result_delete AFTER DELETE ON item_results
    FOR EACH ROW EXECUTE FUNCTION office_result_rollup();

CREATE TRIGGER office_outcome_insert AFTER INSERT ON outcomes
    FOR EACH ROW EXECUTE FUNCTION office_outcome_rollup();
CREATE TRIGGER office_outcome_channel AFTER UPDATE OF channel ON outcomes
    FOR EACH ROW WHEN (NEW.visit_id = OLD.visit_id AND (NEW.channel <> 'mobile') <> (OLD.channel <> 'mobile'))
    EXECUTE FUNCTION office_channel_change();
CREATE TRIGGER office_outcome_move AFTER UPDATE OF visit_id ON outcomes
    FOR EACH ROW WHEN (NEW.visit_id <> OLD.visit_id) EXECUTE FUNCTION office_outcome_rollup();
CREATE TRIGGER office_outcome_delete AFTER DELETE ON outcomes
    FOR EACH ROW EXECUTE FUNCTION office_outcome_rollup();

CREATE FUNCTION office_offmobile_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE visit_rollups SET offmobile = offmobile + 1 WHERE visit_id = NEW.visit_id;
    RETURN NULL;
END $$;
CREATE TRIGGER office_checkin_insert AFTER INSERT ON checkins
    FOR EACH ROW WHEN (NEW.channel <> 'mobile') EXECUTE FUNCTION office_offmobile_insert();
CREATE TRIGGER office_signature_insert AFTER INSERT ON signatures
    FOR EACH ROW WHEN (NEW.channel <> 'mobile') EXECUTE FUNCTION office_offmobile_insert();

-- A visit row moves its contribution from its old task month to its new one.
CREATE FUNCTION office_rollup_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE task_rollups SET
            visits = visits - (OLD.status <> 'replaced')::int,
            complete = complete - (OLD.status = 'complete')::int,
            entered = entered - (OLD.status <> 'replaced' AND OLD.answered >= OLD.items AND OLD.outcomes >= OLD.depts)::int,
            mobile = mobile - (OLD.status = 'complete' AND OLD.offmobile = 0)::int
        WHERE task_id = OLD.task_id AND month = substr(OLD.completed_on, 1, 7);
    END IF;
    INSERT INTO task_rollups AS r (task_id, month, visits, complete, entered, mobile)
    VALUES (NEW.task_id, substr(NEW.completed_on, 1, 7),
        (NEW.status <> 'replaced')::int,
        (NEW.status = 'complete')::int,
        (NEW.status <> 'replaced' AND NEW.answered >= NEW.items AND NEW.outcomes >= NEW.depts)::int,
        (NEW.status = 'complete' AND NEW.offmobile = 0)::int)
    ON CONFLICT (task_id, month) DO UPDATE SET visits = r.visits + excluded.visits, complete = r.complete + excluded.complete,
        entered = r.entered + excluded.entered, mobile = r.mobile + excluded.mobile;
    RETURN NULL;
END $$;
CREATE TRIGGER office_rollup_insert AFTER INSERT ON visit_rollups
    FOR EACH ROW EXECUTE FUNCTION office_rollup_task();
-- A task month depends only on these flags of its visits: most result
-- inserts change answered without changing any of them, and then the task
-- month is left alone instead of being taken out and put back.
CREATE TRIGGER office_rollup_update AFTER UPDATE OF task_id, status, items, answered, depts, outcomes, offmobile, completed_on ON visit_rollups
    FOR EACH ROW WHEN (OLD.task_id IS DISTINCT FROM NEW.task_id OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.completed_on IS DISTINCT FROM NEW.completed_on
        OR (OLD.answered >= OLD.items AND OLD.outcomes >= OLD.depts) IS DISTINCT FROM (NEW.answered >= NEW.items AND NEW.outcomes >= NEW.depts)
        OR (OLD.offmobile = 0) IS DISTINCT FROM (NEW.offmobile = 0))
    EXECUTE FUNCTION office_rollup_task();

-- R13: one department's publication of its results of one visit (谁检查、
-- 谁录入、谁公开), on one or more of the three channels of 附件3. A channel
-- added later updates the row; published_at stays the first publication.
-- task_id is copied from the visit so that 附件3 reads one index.
CREATE TABLE publications (
    id           TEXT PRIMARY KEY,
    visit_id     TEXT NOT NULL REFERENCES visits (id),
    task_id      TEXT NOT NULL REFERENCES tasks (id),
    dept         TEXT NOT NULL REFERENCES departments (code),
    platform     BIGINT NOT NULL DEFAULT 0, -- 互联网+监管系统
    system       BIGINT NOT NULL DEFAULT 0, -- 部门系统
    website      BIGINT NOT NULL DEFAULT 0, -- 部门网站
    completed_on TEXT NOT NULL,             -- the visit's completion date (China time)
    deadline     TEXT NOT NULL,             -- 20 working days after completed_on
    published_at TEXT NOT NULL,
    late         BIGINT NOT NULL DEFAULT 0, -- published after the deadline
    user_id      TEXT NOT NULL REFERENCES users (id),
    client_id    TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (visit_id, dept)
);
CREATE INDEX publications_task ON publications (task_id, dept);
CREATE INDEX publications_published ON publications (published_at);

CREATE FUNCTION office_publication_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE visit_rollups SET published = (SELECT count(*) FROM publications WHERE visit_id = NEW.visit_id) WHERE visit_id = NEW.visit_id;
    RETURN NULL;
END $$;
CREATE TRIGGER office_publication_insert AFTER INSERT ON publications
    FOR EACH ROW EXECUTE FUNCTION office_publication_insert();

-- 附件3's publication counts per task, department and China month of the
-- first publication: dept '' counts the 户 published on each channel by any
-- department, each visit once (the month of the first publication that
-- carries the channel), which is what the form's totals add up.
CREATE TABLE pub_rollups (
    task_id  TEXT NOT NULL,
    dept     TEXT NOT NULL,
    month    TEXT NOT NULL,
    platform BIGINT NOT NULL DEFAULT 0,
    system   BIGINT NOT NULL DEFAULT 0,
    website  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, dept, month)
);

-- "First publication that carries the channel": another publication of the
-- visit with the channel already counted it. SQLite runs this as each row is
-- inserted, PostgreSQL after the whole statement, so two publications of one
-- visit inserted by one statement would each see the other: insert them one
-- statement at a time (server/sqlstore does).
CREATE FUNCTION office_publication_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    m text := substr(china_date(NEW.published_at), 1, 7);
BEGIN
    INSERT INTO pub_rollups AS r (task_id, dept, month, platform, system, website)
    VALUES (NEW.task_id, NEW.dept, m, NEW.platform, NEW.system, NEW.website)
    ON CONFLICT (task_id, dept, month) DO UPDATE SET platform = r.platform + excluded.platform,
        system = r.system + excluded.system, website = r.website + excluded.website;
    INSERT INTO pub_rollups AS r (task_id, dept, month, platform, system, website)
    VALUES (NEW.task_id, '', m,
        (NEW.platform <> 0 AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.platform <> 0))::int,
        (NEW.system <> 0 AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.system <> 0))::int,
        (NEW.website <> 0 AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.website <> 0))::int)
    ON CONFLICT (task_id, dept, month) DO UPDATE SET platform = r.platform + excluded.platform,
        system = r.system + excluded.system, website = r.website + excluded.website;
    RETURN NULL;
END $$;
CREATE TRIGGER office_publication_rollup AFTER INSERT ON publications
    FOR EACH ROW EXECUTE FUNCTION office_publication_rollup();

-- A channel added to a publication later counts in the month of the
-- publication itself; channels are never taken back.
CREATE FUNCTION office_publication_channels() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    m text := substr(china_date(NEW.published_at), 1, 7);
BEGIN
    UPDATE pub_rollups SET
        platform = platform + (NEW.platform <> 0 AND OLD.platform = 0)::int,
        system = system + (NEW.system <> 0 AND OLD.system = 0)::int,
        website = website + (NEW.website <> 0 AND OLD.website = 0)::int
    WHERE task_id = NEW.task_id AND dept = NEW.dept AND month = m;
    INSERT INTO pub_rollups AS r (task_id, dept, month, platform, system, website)
    VALUES (NEW.task_id, '', m,
        (NEW.platform <> 0 AND OLD.platform = 0 AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.platform <> 0))::int,
        (NEW.system <> 0 AND OLD.system = 0 AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.system <> 0))::int,
        (NEW.website <> 0 AND OLD.website = 0 AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.website <> 0))::int)
    ON CONFLICT (task_id, dept, month) DO UPDATE SET platform = r.platform + excluded.platform,
        system = r.system + excluded.system, website = r.website + excluded.website;
    RETURN NULL;
END $$;
CREATE TRIGGER office_publication_channels AFTER UPDATE OF platform, system, website ON publications
    FOR EACH ROW EXECUTE FUNCTION office_publication_channels();

-- ---------------------------------------------------------------- 0009

-- Checklist templates (R8a): for each 抽查事项 a versioned list of check
-- points (检查项目 → 检查内容). An import that changes a 事项's points adds a
-- version; a visit copies the points of the version current at its draw, so
-- a new version applies to later draws only.
CREATE TABLE checklist_templates (
    id           TEXT PRIMARY KEY,
    catalogue_id TEXT NOT NULL REFERENCES catalogue_items (id),
    version      BIGINT NOT NULL,
    points_hash  TEXT NOT NULL, -- sha256 of the canonical points: an unchanged re-import adds no version
    source       TEXT NOT NULL DEFAULT '', -- the imported file's name
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (catalogue_id, version)
);

CREATE TABLE checklist_template_points (
    template_id TEXT NOT NULL REFERENCES checklist_templates (id),
    ord         BIGINT NOT NULL,
    group_code  TEXT NOT NULL,            -- 检查项目代码
    group_name  TEXT NOT NULL,            -- 检查项目
    code        TEXT NOT NULL,            -- 检查内容代码
    text        TEXT NOT NULL,            -- 检查内容
    method      TEXT NOT NULL DEFAULT '', -- 参考检查方法
    key_point   BIGINT NOT NULL DEFAULT 0, -- 重点项
    basis       TEXT NOT NULL DEFAULT '', -- 检查依据 (law and article)
    violation   TEXT NOT NULL DEFAULT '', -- 违反条款, cited on a notice for a failed point
    notice_text TEXT NOT NULL DEFAULT '', -- the finding's wording on a notice
    PRIMARY KEY (template_id, ord)
);

-- R10a: each department marks its own part done (本部门检查完毕).
CREATE TABLE dept_finishes (
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    dept        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    mutation_id TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (visit_id, dept)
);

-- ---------------------------------------------------------------- 0012

-- The change log's epoch (DESIGN §8.5): an id that names one history of the
-- change log. Sequence numbers are only comparable within an epoch: a
-- restore from backup stamps a new one, and a phone whose epoch differs
-- re-bootstraps instead of reading reused numbers as changes already seen.
CREATE TABLE change_epoch (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    since TEXT NOT NULL
);
-- SQLite takes lower(hex(randomblob(16))): 32 lower-case hex digits. A
-- version 4 UUID without its dashes has the same shape (122 random bits)
-- and needs no extension.
INSERT INTO change_epoch (id, epoch, since)
VALUES (1, replace(gen_random_uuid()::text, '-', ''), to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));

-- ---------------------------------------------------------------- 0015

-- The member departments the office chose for a plan's placeholder
-- department (待定, 相关成员单位; R3a): settled once for the plan, so that
-- the plan lists them and its tasks take them unless a task names others.
-- A re-import of the year deletes the plan and with it its settlements.
CREATE TABLE plan_settlements (
    plan_id TEXT NOT NULL,
    ord     BIGINT NOT NULL, -- the placeholder's plan_departments.ord
    dept    TEXT NOT NULL REFERENCES departments (code),
    pos     BIGINT NOT NULL, -- the order chosen
    PRIMARY KEY (plan_id, ord, dept),
    FOREIGN KEY (plan_id, ord) REFERENCES plan_departments (plan_id, ord) ON DELETE CASCADE
);

-- ---------------------------------------------------------------- 0016, 0017

-- Who uploaded each photo (issue 13): a photo no visit names yet is
-- provisional and counts against its uploader's quota of unreferenced
-- bytes; the sweeper removes it once it stays unreferenced past the TTL.
CREATE TABLE blob_uploads (
    sha256     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    size       BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, user_id)
);
CREATE INDEX blob_uploads_user ON blob_uploads (user_id);

-- The number and bytes of stored photos, kept by triggers: the metrics
-- endpoint reads one row at every scrape instead of summing the blobs table.
-- Inserts that find the photo already stored (ON CONFLICT DO NOTHING) fire no
-- trigger, so the totals count each photo once.
CREATE TABLE blob_totals (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    count BIGINT NOT NULL,
    bytes BIGINT NOT NULL
);
INSERT INTO blob_totals (id, count, bytes) SELECT 1, count(*), coalesce(sum(size), 0) FROM blobs;

CREATE FUNCTION blob_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CASE TG_OP
    WHEN 'INSERT' THEN
        UPDATE blob_totals SET count = count + 1, bytes = bytes + NEW.size WHERE id = 1;
    WHEN 'DELETE' THEN
        UPDATE blob_totals SET count = count - 1, bytes = bytes - OLD.size WHERE id = 1;
    ELSE
        UPDATE blob_totals SET bytes = bytes - OLD.size + NEW.size WHERE id = 1;
    END CASE;
    RETURN NULL;
END $$;
CREATE TRIGGER blob_totals_insert AFTER INSERT ON blobs
    FOR EACH ROW EXECUTE FUNCTION blob_totals();
CREATE TRIGGER blob_totals_delete AFTER DELETE ON blobs
    FOR EACH ROW EXECUTE FUNCTION blob_totals();
CREATE TRIGGER blob_totals_update AFTER UPDATE OF size ON blobs
    FOR EACH ROW EXECUTE FUNCTION blob_totals();

-- The two SQLite functions the store's queries use (server/sqlstore keeps
-- one copy of each query for both databases), spelled for PostgreSQL.
--
-- date(ts, '+8 hours'): the China date of a timestamp, as china_date. Only
-- that modifier is used; another one is a programming error, said loudly.
CREATE FUNCTION date(ts text, modifier text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF modifier IS DISTINCT FROM '+8 hours' THEN
        RAISE EXCEPTION 'date(): only the ''+8 hours'' modifier is defined on PostgreSQL, not %', modifier;
    END IF;
    RETURN china_date(ts);
END $$;

-- json_each(array): the elements of a JSON array as text with their index,
-- 0-based as in SQLite; the store passes a list of ids as one JSON argument
-- so that one prepared statement serves any number of them. A text argument
-- resolves here, before PostgreSQL's json_each(json).
CREATE FUNCTION json_each(list text) RETURNS TABLE (key bigint, value text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT o - 1, e FROM json_array_elements_text(list::json) WITH ORDINALITY AS j (e, o)
$$;
