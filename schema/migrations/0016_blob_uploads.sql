-- Who uploaded each photo (issue 13): a photo no visit names yet (the phone
-- may upload it before the mutation naming it) is provisional and counts
-- against its uploader's quota of unreferenced bytes; the sweeper removes
-- it once it stays unreferenced past the TTL (server/http/blobs.go).
CREATE TABLE blob_uploads (
    sha256     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, user_id)
) WITHOUT ROWID;
CREATE INDEX blob_uploads_user ON blob_uploads (user_id);
CREATE INDEX blobs_created ON blobs (created_at);
