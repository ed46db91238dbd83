-- The office: rollups behind the six targets (DESIGN §3) and 附件3 (R14),
-- and the publication of results (R13).
--
-- Why rollups kept by triggers: the targets are asked of a year of data
-- (a million visits, several million results) and must answer in well under
-- a second. Triggers keep one small row per visit and one per task and
-- completion month up to date in the same transaction as whatever wrote the
-- results (the sync engine, the draw, office entry, a bulk import), so no
-- writer has to know about them and no path can forget them. Every rollup
-- trigger recounts from the indexed base rows of one visit instead of adding
-- deltas, so an upsert, a REPLACE or a replayed write can never drift it;
-- server/sqlite's RebuildRollups recomputes everything from scratch, and a
-- test checks that both agree.

-- One row per visit.
CREATE TABLE visit_rollups (
    visit_id     TEXT PRIMARY KEY REFERENCES visits (id),
    task_id      TEXT NOT NULL,
    status       TEXT NOT NULL,                -- mirror of visits.status
    items        INTEGER NOT NULL DEFAULT 0,   -- checklist items
    answered     INTEGER NOT NULL DEFAULT 0,   -- item results
    depts        INTEGER NOT NULL DEFAULT 0,   -- the task's participating departments
    outcomes     INTEGER NOT NULL DEFAULT 0,   -- outcomes (one per department)
    offmobile    INTEGER NOT NULL DEFAULT 0,   -- results, outcomes, check-ins, signatures not sent from the mobile app
    completed_on TEXT NOT NULL DEFAULT '',     -- the completion date in China time (UTC+8), '' while not complete
    published    INTEGER NOT NULL DEFAULT 0    -- departments that have published their results (R13)
) WITHOUT ROWID;
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
    visits   INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    entered  INTEGER NOT NULL DEFAULT 0,
    mobile   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, month)
) WITHOUT ROWID;

CREATE TRIGGER office_visit_insert AFTER INSERT ON visits BEGIN
    INSERT INTO visit_rollups (visit_id, task_id, status, items, answered, depts, outcomes, offmobile, completed_on)
    VALUES (NEW.id, NEW.task_id, NEW.status,
        (SELECT count(*) FROM checklist_items WHERE visit_id = NEW.id),
        (SELECT count(*) FROM item_results WHERE visit_id = NEW.id),
        (SELECT count(*) FROM task_departments WHERE task_id = NEW.task_id),
        (SELECT count(*) FROM outcomes WHERE visit_id = NEW.id),
        0,
        CASE WHEN NEW.status = 'complete' AND NEW.completed_at IS NOT NULL THEN ifnull(date(NEW.completed_at, '+8 hours'), '') ELSE '' END);
END;

CREATE TRIGGER office_visit_update AFTER UPDATE OF status, completed_at ON visits BEGIN
    UPDATE visit_rollups SET status = NEW.status,
        completed_on = CASE WHEN NEW.status = 'complete' AND NEW.completed_at IS NOT NULL THEN ifnull(date(NEW.completed_at, '+8 hours'), '') ELSE '' END
    WHERE visit_id = NEW.id;
END;

CREATE TRIGGER office_item_insert AFTER INSERT ON checklist_items BEGIN
    UPDATE visit_rollups SET items = (SELECT count(*) FROM checklist_items WHERE visit_id = NEW.visit_id) WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_item_delete AFTER DELETE ON checklist_items BEGIN
    UPDATE visit_rollups SET items = (SELECT count(*) FROM checklist_items WHERE visit_id = OLD.visit_id) WHERE visit_id = OLD.visit_id;
END;

CREATE TRIGGER office_task_dept_insert AFTER INSERT ON task_departments BEGIN
    UPDATE visit_rollups SET depts = (SELECT count(*) FROM task_departments WHERE task_id = NEW.task_id) WHERE task_id = NEW.task_id;
END;
CREATE TRIGGER office_task_dept_delete AFTER DELETE ON task_departments BEGIN
    UPDATE visit_rollups SET depts = (SELECT count(*) FROM task_departments WHERE task_id = OLD.task_id) WHERE task_id = OLD.task_id;
END;

-- The channel count of one visit: everything of its on-site record and
-- results that did not come from the mobile app.
CREATE TRIGGER office_result_insert AFTER INSERT ON item_results BEGIN
    UPDATE visit_rollups SET
        answered = (SELECT count(*) FROM item_results WHERE visit_id = NEW.visit_id),
        offmobile = (SELECT count(*) FROM item_results WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM outcomes WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM checkins WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM signatures WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
    WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_result_update AFTER UPDATE OF channel, visit_id ON item_results BEGIN
    UPDATE visit_rollups SET
        offmobile = (SELECT count(*) FROM item_results WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM outcomes WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM checkins WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM signatures WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
    WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_result_delete AFTER DELETE ON item_results BEGIN
    UPDATE visit_rollups SET
        answered = (SELECT count(*) FROM item_results WHERE visit_id = OLD.visit_id),
        offmobile = (SELECT count(*) FROM item_results WHERE visit_id = OLD.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM outcomes WHERE visit_id = OLD.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM checkins WHERE visit_id = OLD.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM signatures WHERE visit_id = OLD.visit_id AND channel <> 'mobile')
    WHERE visit_id = OLD.visit_id;
END;

CREATE TRIGGER office_outcome_insert AFTER INSERT ON outcomes BEGIN
    UPDATE visit_rollups SET
        outcomes = (SELECT count(*) FROM outcomes WHERE visit_id = NEW.visit_id),
        offmobile = (SELECT count(*) FROM item_results WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM outcomes WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM checkins WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM signatures WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
    WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_outcome_update AFTER UPDATE OF channel, visit_id ON outcomes BEGIN
    UPDATE visit_rollups SET
        offmobile = (SELECT count(*) FROM item_results WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM outcomes WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM checkins WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM signatures WHERE visit_id = NEW.visit_id AND channel <> 'mobile')
    WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_outcome_delete AFTER DELETE ON outcomes BEGIN
    UPDATE visit_rollups SET
        outcomes = (SELECT count(*) FROM outcomes WHERE visit_id = OLD.visit_id),
        offmobile = (SELECT count(*) FROM item_results WHERE visit_id = OLD.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM outcomes WHERE visit_id = OLD.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM checkins WHERE visit_id = OLD.visit_id AND channel <> 'mobile')
                  + (SELECT count(*) FROM signatures WHERE visit_id = OLD.visit_id AND channel <> 'mobile')
    WHERE visit_id = OLD.visit_id;
END;

CREATE TRIGGER office_checkin_insert AFTER INSERT ON checkins WHEN NEW.channel <> 'mobile' BEGIN
    UPDATE visit_rollups SET offmobile = offmobile + 1 WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_signature_insert AFTER INSERT ON signatures WHEN NEW.channel <> 'mobile' BEGIN
    UPDATE visit_rollups SET offmobile = offmobile + 1 WHERE visit_id = NEW.visit_id;
END;

-- A visit row moves its contribution from its old task month to its new one.
CREATE TRIGGER office_rollup_insert AFTER INSERT ON visit_rollups BEGIN
    INSERT INTO task_rollups (task_id, month, visits, complete, entered, mobile)
    VALUES (NEW.task_id, substr(NEW.completed_on, 1, 7),
        NEW.status <> 'replaced',
        NEW.status = 'complete',
        NEW.status <> 'replaced' AND NEW.answered >= NEW.items AND NEW.outcomes >= NEW.depts,
        NEW.status = 'complete' AND NEW.offmobile = 0)
    ON CONFLICT (task_id, month) DO UPDATE SET visits = visits + excluded.visits, complete = complete + excluded.complete,
        entered = entered + excluded.entered, mobile = mobile + excluded.mobile;
END;
CREATE TRIGGER office_rollup_update AFTER UPDATE OF task_id, status, items, answered, depts, outcomes, offmobile, completed_on ON visit_rollups BEGIN
    UPDATE task_rollups SET
        visits = visits - (OLD.status <> 'replaced'),
        complete = complete - (OLD.status = 'complete'),
        entered = entered - (OLD.status <> 'replaced' AND OLD.answered >= OLD.items AND OLD.outcomes >= OLD.depts),
        mobile = mobile - (OLD.status = 'complete' AND OLD.offmobile = 0)
    WHERE task_id = OLD.task_id AND month = substr(OLD.completed_on, 1, 7);
    INSERT INTO task_rollups (task_id, month, visits, complete, entered, mobile)
    VALUES (NEW.task_id, substr(NEW.completed_on, 1, 7),
        NEW.status <> 'replaced',
        NEW.status = 'complete',
        NEW.status <> 'replaced' AND NEW.answered >= NEW.items AND NEW.outcomes >= NEW.depts,
        NEW.status = 'complete' AND NEW.offmobile = 0)
    ON CONFLICT (task_id, month) DO UPDATE SET visits = visits + excluded.visits, complete = complete + excluded.complete,
        entered = entered + excluded.entered, mobile = mobile + excluded.mobile;
END;

-- R13: one department's publication of its results of one visit (谁检查、
-- 谁录入、谁公开), on one or more of the three channels of 附件3. A channel
-- added later updates the row; published_at stays the first publication.
-- task_id is copied from the visit so that 附件3 reads one index.
CREATE TABLE publications (
    id           TEXT PRIMARY KEY,
    visit_id     TEXT NOT NULL REFERENCES visits (id),
    task_id      TEXT NOT NULL REFERENCES tasks (id),
    dept         TEXT NOT NULL REFERENCES departments (code),
    platform     INTEGER NOT NULL DEFAULT 0, -- 互联网+监管系统
    system       INTEGER NOT NULL DEFAULT 0, -- 部门系统
    website      INTEGER NOT NULL DEFAULT 0, -- 部门网站
    completed_on TEXT NOT NULL,              -- the visit's completion date (China time)
    deadline     TEXT NOT NULL,              -- 20 working days after completed_on
    published_at TEXT NOT NULL,
    late         INTEGER NOT NULL DEFAULT 0, -- published after the deadline
    user_id      TEXT NOT NULL REFERENCES users (id),
    client_id    TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (visit_id, dept)
);
CREATE INDEX publications_task ON publications (task_id, dept);
CREATE INDEX publications_published ON publications (published_at);

CREATE TRIGGER office_publication_insert AFTER INSERT ON publications BEGIN
    UPDATE visit_rollups SET published = (SELECT count(*) FROM publications WHERE visit_id = NEW.visit_id) WHERE visit_id = NEW.visit_id;
END;

-- 附件3's publication counts per task, department and China month of the
-- first publication: dept '' counts the 户 published on each channel by any
-- department, each visit once (the month of the first publication that
-- carries the channel), which is what the form's totals add up.
CREATE TABLE pub_rollups (
    task_id  TEXT NOT NULL,
    dept     TEXT NOT NULL,
    month    TEXT NOT NULL,
    platform INTEGER NOT NULL DEFAULT 0,
    system   INTEGER NOT NULL DEFAULT 0,
    website  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, dept, month)
) WITHOUT ROWID;

CREATE TRIGGER office_publication_rollup AFTER INSERT ON publications BEGIN
    INSERT INTO pub_rollups (task_id, dept, month, platform, system, website)
    VALUES (NEW.task_id, NEW.dept, substr(date(NEW.published_at, '+8 hours'), 1, 7), NEW.platform, NEW.system, NEW.website)
    ON CONFLICT (task_id, dept, month) DO UPDATE SET platform = platform + excluded.platform,
        system = system + excluded.system, website = website + excluded.website;
    INSERT INTO pub_rollups (task_id, dept, month, platform, system, website)
    VALUES (NEW.task_id, '', substr(date(NEW.published_at, '+8 hours'), 1, 7),
        NEW.platform AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.platform),
        NEW.system AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.system),
        NEW.website AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.website))
    ON CONFLICT (task_id, dept, month) DO UPDATE SET platform = platform + excluded.platform,
        system = system + excluded.system, website = website + excluded.website;
END;

-- A channel added to a publication later counts in the month of the
-- publication itself; channels are never taken back.
CREATE TRIGGER office_publication_channels AFTER UPDATE OF platform, system, website ON publications BEGIN
    UPDATE pub_rollups SET platform = platform + (NEW.platform AND NOT OLD.platform),
        system = system + (NEW.system AND NOT OLD.system), website = website + (NEW.website AND NOT OLD.website)
    WHERE task_id = NEW.task_id AND dept = NEW.dept AND month = substr(date(NEW.published_at, '+8 hours'), 1, 7);
    INSERT INTO pub_rollups (task_id, dept, month, platform, system, website)
    VALUES (NEW.task_id, '', substr(date(NEW.published_at, '+8 hours'), 1, 7),
        NEW.platform AND NOT OLD.platform AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.platform),
        NEW.system AND NOT OLD.system AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.system),
        NEW.website AND NOT OLD.website AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.visit_id = NEW.visit_id AND p.id <> NEW.id AND p.website))
    ON CONFLICT (task_id, dept, month) DO UPDATE SET platform = platform + excluded.platform,
        system = system + excluded.system, website = website + excluded.website;
END;
