-- The change log's epoch (DESIGN §8.5): an id that names one history of the
-- change log. Sequence numbers are only comparable within an epoch: a
-- restore from backup stamps a new one (zsc restore), and a phone whose
-- epoch differs re-bootstraps instead of reading the reused numbers as
-- changes it has already seen.
CREATE TABLE change_epoch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  epoch TEXT NOT NULL,
  since TEXT NOT NULL
);
INSERT INTO change_epoch (id, epoch, since) VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
