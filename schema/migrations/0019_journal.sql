-- One row for an applied mutation (issue 15). A phone's result used to
-- write four rows: the result, its mutation record, its change-log entry
-- and its audit row; three of them said the same thing (who, from which
-- device and channel, when, what the value became). Now the change-log
-- entry of an applied mutation also carries its mutation record and its
-- audit entry: the journal row. The store folds them when a mutation wrote
-- exactly one audit row and one change of the same record
-- (server/sqlstore/syncbuffer.go fold); everything else (refusals,
-- conflicts, office work, older rows) keeps its own rows in mutations and
-- audit_log.
--
-- The change's own columns keep their meaning (kind, entity, the visit it
-- reaches, data = the record after); the new ones are NULL on every other
-- change:
--   mutation_id, mutation_client, mutation_seq  the mutation (its id and the
--                                               phone's sequence number)
--   action, args, client_at, received_at         its name, what the phone sent,
--                                               when it says, when it came
--   actor_id, channel                            who (the user) and how
--   before                                       the record before (NULL: new)
ALTER TABLE changes ADD COLUMN mutation_id TEXT;
ALTER TABLE changes ADD COLUMN mutation_client TEXT;
ALTER TABLE changes ADD COLUMN mutation_seq INTEGER;
ALTER TABLE changes ADD COLUMN action TEXT;
ALTER TABLE changes ADD COLUMN args TEXT;
ALTER TABLE changes ADD COLUMN client_at TEXT;
ALTER TABLE changes ADD COLUMN received_at TEXT;
ALTER TABLE changes ADD COLUMN actor_id TEXT;
ALTER TABLE changes ADD COLUMN channel TEXT;
ALTER TABLE changes ADD COLUMN before TEXT;
-- A mutation's id and its phone's sequence number stay unique (the push
-- checks both tables first: mutation_log).
CREATE UNIQUE INDEX changes_mutation ON changes (mutation_id) WHERE mutation_id IS NOT NULL;
CREATE UNIQUE INDEX changes_mutation_seq ON changes (mutation_client, mutation_seq) WHERE mutation_id IS NOT NULL;
-- A journal row is an audit entry: append-only, as audit_log (R15).
CREATE TRIGGER changes_journal_no_update BEFORE UPDATE ON changes WHEN OLD.mutation_id IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'the journal (changes with a mutation) is append-only'); END;
CREATE TRIGGER changes_journal_no_delete BEFORE DELETE ON changes WHEN OLD.mutation_id IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'the journal (changes with a mutation) is append-only'); END;

-- Every mutation a phone sent, wherever its row is. Queries must keep the
-- WHERE of the partial indexes (mutation_id IS NOT NULL) to use them: the
-- view does.
CREATE VIEW mutation_log AS
    SELECT id, client_id, seq, name, args, client_at, received_at, status, reason, visit_id, user_id, channel, code, sent_id
    FROM mutations
    UNION ALL
    SELECT mutation_id, mutation_client, mutation_seq, action, args, client_at, received_at, 'applied', '', visit_id, actor_id, channel, '', ''
    FROM changes WHERE mutation_id IS NOT NULL;

-- The whole audit log (R15): audit_log's rows and the journal rows. id is
-- each table's own; src says which (0 journal, 1 audit_log). Rows of one
-- push share their time: order by at, src, id.
CREATE VIEW audit_entries AS
    SELECT 1 AS src, id, at, user_id, client_id, channel, action, kind, entity_id, parent_kind, parent_id, before, after, reason
    FROM audit_log
    UNION ALL
    SELECT 0, seq, received_at, actor_id, mutation_client, channel, action, kind, entity_id, 'visit', visit_id, before, data, ''
    FROM changes WHERE mutation_id IS NOT NULL;
