-- Photo bytes in the database (issue 14, zsc serve --photos db), for
-- several instances on one database: any of them continues a phone's
-- chunked upload. A photo is kept in pieces of at most 1 MB
-- (server/photos/db.go): a stored photo's rows have owner and tag '', an
-- upload's the uploader's key and, for a one-request upload, its tag. With
-- --photos DIR (one instance) the table stays empty.
CREATE TABLE photo_chunks (
    sha256     TEXT NOT NULL,
    owner      TEXT NOT NULL,
    tag        TEXT NOT NULL,
    pos        INTEGER NOT NULL,
    data       BLOB NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (sha256, owner, tag, pos)
);
-- Uploads by their uploader (the quota of partial uploads) and by age (the
-- sweeper); stored photos all have owner ''.
CREATE INDEX photo_chunks_owner ON photo_chunks (owner, written_at);
