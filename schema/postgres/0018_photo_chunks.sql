-- Photo bytes in the database (issue 14, zsc serve --photos db): the same
-- table as schema/migrations/0018_photo_chunks.sql, which says more.
CREATE TABLE photo_chunks (
    sha256     TEXT NOT NULL,
    owner      TEXT NOT NULL,
    tag        TEXT NOT NULL,
    pos        BIGINT NOT NULL,
    data       BYTEA NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (sha256, owner, tag, pos)
);
CREATE INDEX photo_chunks_owner ON photo_chunks (owner, written_at);
