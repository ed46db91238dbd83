-- How each draw's seed was made (issue 11, DESIGN §8.7): only a seed the
-- server made after the snapshot was fixed shows that nobody chose it.
-- Draws stored before this column existed could have been given a seed over
-- HTTP, so they are 'unknown', never 'random'.
ALTER TABLE draws ADD COLUMN seed_source TEXT NOT NULL DEFAULT 'unknown'
    CHECK (seed_source IN ('random', 'supplied', 'witnessed', 'unknown'));
-- The public list of draws (/public) is newest first.
CREATE INDEX draws_created ON draws (created_at);
