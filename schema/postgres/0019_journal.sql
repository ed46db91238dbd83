-- The journal row of an applied mutation (issue 15): the same columns,
-- indexes and views as schema/migrations/0019_journal.sql, which says more.
ALTER TABLE changes ADD COLUMN mutation_id TEXT;
ALTER TABLE changes ADD COLUMN mutation_client TEXT;
ALTER TABLE changes ADD COLUMN mutation_seq BIGINT;
ALTER TABLE changes ADD COLUMN action TEXT;
ALTER TABLE changes ADD COLUMN args TEXT;
ALTER TABLE changes ADD COLUMN client_at TEXT;
ALTER TABLE changes ADD COLUMN received_at TEXT;
ALTER TABLE changes ADD COLUMN actor_id TEXT;
ALTER TABLE changes ADD COLUMN channel TEXT;
ALTER TABLE changes ADD COLUMN before TEXT;
CREATE UNIQUE INDEX changes_mutation ON changes (mutation_id) WHERE mutation_id IS NOT NULL;
CREATE UNIQUE INDEX changes_mutation_seq ON changes (mutation_client, mutation_seq) WHERE mutation_id IS NOT NULL;
CREATE TRIGGER changes_journal_no_update BEFORE UPDATE ON changes
    FOR EACH ROW WHEN (OLD.mutation_id IS NOT NULL) EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER changes_journal_no_delete BEFORE DELETE ON changes
    FOR EACH ROW WHEN (OLD.mutation_id IS NOT NULL) EXECUTE FUNCTION audit_log_append_only();

CREATE VIEW mutation_log AS
    SELECT id, client_id, seq, name, args, client_at, received_at, status, reason, visit_id, user_id, channel, code, sent_id
    FROM mutations
    UNION ALL
    SELECT mutation_id, mutation_client, mutation_seq, action, args, client_at, received_at, 'applied', '', visit_id, actor_id, channel, '', ''
    FROM changes WHERE mutation_id IS NOT NULL;

CREATE VIEW audit_entries AS
    SELECT 1 AS src, id, at, user_id, client_id, channel, action, kind, entity_id, parent_kind, parent_id, before, after, reason
    FROM audit_log
    UNION ALL
    SELECT 0, seq, received_at, actor_id, mutation_client, channel, action, kind, entity_id, 'visit', visit_id, before, data, ''
    FROM changes WHERE mutation_id IS NOT NULL;
