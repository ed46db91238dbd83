-- The audit trail looks records up by entity only for plans, tasks, draws
-- and visits; the records under a visit (results, outcomes, check-ins,
-- signatures, notices, follow-ups, conflicts, rejected mutations) it walks
-- through their parent (audit_log_parent). They are nearly every row the
-- sync engine writes, so the entity index leaves them out: one B-tree
-- insert less per applied mutation. Queries by entity must repeat this
-- WHERE for SQLite to use the index (server/sqlite/trail.go).
DROP INDEX audit_log_entity;
CREATE INDEX audit_log_entity ON audit_log (kind, entity_id) WHERE parent_kind <> 'visit' OR kind = 'visit';
