package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"zsc/schema"
)

// NewUser is what AddUser needs; PasswordHash is already hashed.
type NewUser struct {
	Username, Name, PasswordHash, Role, Dept, Region string
	CertNo                                           string
	Specialities                                     []string
	Expert, OnDuty                                   bool
}

// AddUser creates an account, checking role, department and region.
func (db *DB) AddUser(ctx context.Context, u NewUser) (string, error) {
	if !schema.ValidRole(u.Role) {
		return "", schema.Errorf(schema.EINVALID, "unknown role %q (inspector, lead, office, admin)", u.Role)
	}
	id := newID()
	err := db.Write(ctx, func(tx *sql.Tx) error { return insertUser(tx, db.NowText(), id, u) })
	return id, err
}

func insertUser(tx *sql.Tx, now, id string, u NewUser) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE code = ?`, u.Dept).Scan(&n); err != nil || n == 0 {
		return schema.Errorf(schema.EINVALID, "unknown department %q", u.Dept)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM regions WHERE code = ?`, u.Region).Scan(&n); err != nil || n == 0 {
		return schema.Errorf(schema.EINVALID, "unknown region %q", u.Region)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM users WHERE username = ?`, u.Username).Scan(&n); err != nil || n > 0 {
		return schema.Errorf(schema.ECONFLICT, "username %q already exists", u.Username)
	}
	_, err := tx.Exec(`INSERT INTO users (id, username, name, password_hash, role, dept, region, cert_no, specialities, expert, on_duty, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, u.Username, u.Name, u.PasswordHash, u.Role, u.Dept, u.Region, u.CertNo, strings.Join(u.Specialities, "|"), u.Expert, u.OnDuty, now)
	return err
}

// UserCount returns how many accounts exist (the demo loads only into an empty database).
func (db *DB) UserCount(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// UserByUsername loads an account by its login name.
func (db *DB) UserByUsername(ctx context.Context, username string) (*schema.User, error) {
	var u schema.User
	err := db.read.QueryRowContext(ctx, `SELECT id, username, name, role, dept, region, cert_no, expert, on_duty FROM users WHERE username = ?`, username).
		Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Dept, &u.Region, &u.CertNo, &u.Expert, &u.OnDuty)
	if err == sql.ErrNoRows {
		return nil, schema.Errorf(schema.ENOTFOUND, "user %s not found", username)
	}
	return &u, err
}
