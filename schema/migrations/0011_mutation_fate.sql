-- Issue 11 item 4: a replay is the same mutation (same id) under the same
-- seq, and its fate comes back whole.
--
-- code: the Result.Code of the first answer (settle_stale), replayed with it.
-- sent_id: the id the client sent, kept when the mutation was stored under a
-- server-made id because another mutation had used it ('' when id is the
-- sent id), so that sending it again is still recognised as a replay.
ALTER TABLE mutations ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE mutations ADD COLUMN sent_id TEXT NOT NULL DEFAULT '';
