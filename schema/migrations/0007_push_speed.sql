-- Push ingestion, measured (server/bench): every applied item.set wrote its
-- result row plus 4 index entries of the mutation log and recounted its
-- whole visit five times in the rollup trigger. This migration keeps the
-- same facts with less work per result.

-- The mutation log is read by (client_id, seq) for replays (the UNIQUE
-- constraint's index) and by a client's rejections. Nothing reads it by
-- visit, and only rejections by status: one partial index serves them, and
-- an applied mutation touches no index but its id and (client_id, seq).
DROP INDEX mutations_visit;
DROP INDEX mutations_rejected;
DROP INDEX mutations_client_status;
CREATE INDEX mutations_rejected ON mutations (client_id, seq) WHERE status = 'rejected';

-- Rollups by delta instead of recount. 0005 recounted the visit's rows on
-- every insert so that a REPLACE (which deletes without firing delete
-- triggers) could not drift the counts; no code writes these tables with
-- REPLACE (results and outcomes are upserts: an UPDATE of the same row), so
-- an insert adds exactly one row and a delete removes one. RebuildRollups
-- still recomputes from scratch, and tests compare the two.
DROP TRIGGER office_result_insert;
DROP TRIGGER office_result_update;
DROP TRIGGER office_result_delete;
DROP TRIGGER office_outcome_insert;
DROP TRIGGER office_outcome_update;
DROP TRIGGER office_outcome_delete;

CREATE TRIGGER office_result_insert AFTER INSERT ON item_results BEGIN
    UPDATE visit_rollups SET answered = answered + 1, offmobile = offmobile + (NEW.channel <> 'mobile')
    WHERE visit_id = NEW.visit_id;
END;
-- An upsert names channel in its SET list, so this fires on every re-set of
-- a result; the WHEN keeps it to the rare real change of channel.
CREATE TRIGGER office_result_channel AFTER UPDATE OF channel ON item_results
WHEN NEW.visit_id = OLD.visit_id AND (NEW.channel <> 'mobile') <> (OLD.channel <> 'mobile') BEGIN
    UPDATE visit_rollups SET offmobile = offmobile + (NEW.channel <> 'mobile') - (OLD.channel <> 'mobile')
    WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_result_move AFTER UPDATE OF visit_id ON item_results WHEN NEW.visit_id <> OLD.visit_id BEGIN
    UPDATE visit_rollups SET answered = answered - 1, offmobile = offmobile - (OLD.channel <> 'mobile') WHERE visit_id = OLD.visit_id;
    UPDATE visit_rollups SET answered = answered + 1, offmobile = offmobile + (NEW.channel <> 'mobile') WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_result_delete AFTER DELETE ON item_results BEGIN
    UPDATE visit_rollups SET answered = answered - 1, offmobile = offmobile - (OLD.channel <> 'mobile')
    WHERE visit_id = OLD.visit_id;
END;

CREATE TRIGGER office_outcome_insert AFTER INSERT ON outcomes BEGIN
    UPDATE visit_rollups SET outcomes = outcomes + 1, offmobile = offmobile + (NEW.channel <> 'mobile')
    WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_outcome_channel AFTER UPDATE OF channel ON outcomes
WHEN NEW.visit_id = OLD.visit_id AND (NEW.channel <> 'mobile') <> (OLD.channel <> 'mobile') BEGIN
    UPDATE visit_rollups SET offmobile = offmobile + (NEW.channel <> 'mobile') - (OLD.channel <> 'mobile')
    WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_outcome_move AFTER UPDATE OF visit_id ON outcomes WHEN NEW.visit_id <> OLD.visit_id BEGIN
    UPDATE visit_rollups SET outcomes = outcomes - 1, offmobile = offmobile - (OLD.channel <> 'mobile') WHERE visit_id = OLD.visit_id;
    UPDATE visit_rollups SET outcomes = outcomes + 1, offmobile = offmobile + (NEW.channel <> 'mobile') WHERE visit_id = NEW.visit_id;
END;
CREATE TRIGGER office_outcome_delete AFTER DELETE ON outcomes BEGIN
    UPDATE visit_rollups SET outcomes = outcomes - 1, offmobile = offmobile - (OLD.channel <> 'mobile')
    WHERE visit_id = OLD.visit_id;
END;

-- A task month depends only on these flags of its visits: most result
-- inserts change answered without changing any of them, and then the task
-- month is left alone instead of being taken out and put back.
DROP TRIGGER office_rollup_update;
CREATE TRIGGER office_rollup_update AFTER UPDATE OF task_id, status, items, answered, depts, outcomes, offmobile, completed_on ON visit_rollups
WHEN OLD.task_id IS NOT NEW.task_id OR OLD.status IS NOT NEW.status OR OLD.completed_on IS NOT NEW.completed_on
    OR (OLD.answered >= OLD.items AND OLD.outcomes >= OLD.depts) IS NOT (NEW.answered >= NEW.items AND NEW.outcomes >= NEW.depts)
    OR (OLD.offmobile = 0) IS NOT (NEW.offmobile = 0) BEGIN
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
