-- Pulls read the change log through one index per audience (Changes in
-- server/sqlite/syncstore.go): changes for everyone get theirs, so that an
-- incremental pull never scans everybody's changes since its cursor.
CREATE INDEX changes_global ON changes (seq) WHERE visit_id IS NULL AND user_id IS NULL AND client_id IS NULL;
