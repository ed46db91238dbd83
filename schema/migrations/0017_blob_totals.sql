-- The number and bytes of stored photos, kept by triggers (issue 13): the
-- metrics endpoint reads one row at every scrape instead of summing the
-- blobs table, which grows with every photo ever taken. Inserts that find
-- the photo already stored (ON CONFLICT DO NOTHING) fire no trigger, so the
-- totals count each photo once.
CREATE TABLE blob_totals (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
INSERT INTO blob_totals (id, count, bytes) SELECT 1, count(*), coalesce(sum(size), 0) FROM blobs;

CREATE TRIGGER blob_totals_insert AFTER INSERT ON blobs BEGIN
    UPDATE blob_totals SET count = count + 1, bytes = bytes + NEW.size WHERE id = 1;
END;
CREATE TRIGGER blob_totals_delete AFTER DELETE ON blobs BEGIN
    UPDATE blob_totals SET count = count - 1, bytes = bytes - OLD.size WHERE id = 1;
END;
CREATE TRIGGER blob_totals_update AFTER UPDATE OF size ON blobs BEGIN
    UPDATE blob_totals SET bytes = bytes - OLD.size + NEW.size WHERE id = 1;
END;
