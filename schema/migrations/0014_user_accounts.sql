-- User accounts at the desk (issue 12 item 5): an admin or the office resets
-- a password to a one-time password that must be changed at the next
-- sign-in. The flag is the account's, so that every sign-in and refresh
-- carries it until the user has chosen their own password.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- The trail of a user (what they did) reads the audit log by its author.
CREATE INDEX audit_log_user ON audit_log (user_id) WHERE user_id IS NOT NULL;
