-- Device numbers (DESIGN §8.6): each client gets a short number of its own
-- for its lifetime, so that provisional notice numbers (临-{device_no}-{n})
-- never collide between phones. Client ids are UUIDv7: their first 8 hex
-- digits are a timestamp, and two phones installed in the same minute
-- printed the same 临-{first 8 of client id}-1.
ALTER TABLE clients ADD COLUMN device_no INTEGER;
UPDATE clients SET device_no = (SELECT count(*) FROM clients AS c
  WHERE c.registered_at < clients.registered_at OR (c.registered_at = clients.registered_at AND c.id <= clients.id));
CREATE UNIQUE INDEX clients_device_no ON clients (device_no);
-- A trigger, not the registration code: every way a client row is made
-- gets its number, and the number is never reused (max + 1 over every
-- client ever registered, retired ones included).
CREATE TRIGGER clients_device_no AFTER INSERT ON clients WHEN NEW.device_no IS NULL
BEGIN
  UPDATE clients SET device_no = (SELECT coalesce(max(device_no), 0) + 1 FROM clients) WHERE id = NEW.id;
END;
