-- Sync, second step: client-scoped changes, the channel of every mutation,
-- an outcome's note, a conflict's department, and the indexes pulls and
-- completion checks use.

-- A change for one client only (its leased numbers, its rejections).
ALTER TABLE changes ADD COLUMN client_id TEXT;
CREATE INDEX changes_client ON changes (client_id, seq) WHERE client_id IS NOT NULL;

-- The channel of the client that sent a mutation, as recorded on result rows.
ALTER TABLE mutations ADD COLUMN channel TEXT NOT NULL DEFAULT '';
CREATE INDEX mutations_client_status ON mutations (client_id, status);

ALTER TABLE outcomes ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- The department whose item or outcome is in conflict: a lead settles only
-- their own department's conflicts.
ALTER TABLE conflicts ADD COLUMN dept TEXT NOT NULL DEFAULT '';

-- Leases: expiry sweeps and a client's own leases.
CREATE INDEX notice_numbers_state ON notice_numbers (state, expires_at);

CREATE INDEX blob_refs_visit ON blob_refs (visit_id);
CREATE INDEX followups_notice ON followups (notice_id);
CREATE INDEX followups_visit ON followups (visit_id);
