package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Change is one entry of the append-only change log (DESIGN §5 step 4).
//
// Who receives it is decided by the narrowest scope set: ClientID (one
// installed app: leases, rejections), else UserID (every app of one user: a
// removal from a visit, a snapshot for a newly added member), else VisitID
// (everyone who sees the visit: its team, the leads and office covering it),
// else everyone (reference data).
type Change struct {
	Kind, Op, EntityID, VisitID, UserID string
	// ClientID, when set, limits the change to one client.
	ClientID string
	// Data is marshalled as JSON; a json.RawMessage is stored as is, nil as {}.
	Data any
}

// AppendChange appends c to the change log inside tx and returns its
// sequence number, the cursor that pulls page by. Because the store has a
// single writer, sequence order is commit order: a pull that has read up to
// n never misses a change numbered below n that commits later.
func AppendChange(tx *sql.Tx, at string, c Change) (int64, error) {
	args, err := changeArgs(at, c)
	if err != nil {
		return 0, err
	}
	var seq int64
	if err := tx.QueryRow(appendChangeSQL, args...).Scan(&seq); err != nil {
		return 0, fmt.Errorf("append change %s %s: %w", c.Kind, c.EntityID, err)
	}
	return seq, nil
}

const appendChangeSQL = `INSERT INTO changes (kind, op, entity_id, visit_id, user_id, client_id, data, at)
	VALUES (?, ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, ''), ?, ?) RETURNING seq`

// changeArgs checks c and returns the arguments of appendChangeSQL.
func changeArgs(at string, c Change) ([]any, error) {
	if c.Op != "put" && c.Op != "remove" {
		return nil, fmt.Errorf("append change: op %q is neither put nor remove", c.Op)
	}
	if c.Kind == "" || c.EntityID == "" {
		return nil, fmt.Errorf("append change: kind and entity id are required")
	}
	data := "{}"
	switch d := c.Data.(type) {
	case nil:
	case json.RawMessage:
		if len(d) > 0 {
			data = string(d)
		}
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("append change %s %s: %w", c.Kind, c.EntityID, err)
		}
		data = string(b)
	}
	return []any{c.Kind, c.Op, c.EntityID, c.VisitID, c.UserID, c.ClientID, data, at}, nil
}

// AppendVisitSnapshot gives a user newly added to a visit its whole current
// state: the visit itself and every check-in, item result, outcome,
// signature, notice, follow-up, conflict and arrived photo of it, appended as
// user-scoped "put" changes (UserID set, so nobody else receives them again).
//
// Why a snapshot rather than re-reading the log: pulls filter the log by the
// caller's current scope, so the visit's earlier changes lie behind the new
// member's cursor and would never reach them. The draw code calls this in the
// same transaction that adds the member (after the visit_members row is
// written); a removal is the user-scoped Change{Kind: "visit", Op: "remove"}.
func AppendVisitSnapshot(tx *sql.Tx, at, visitID, userID string) error {
	if userID == "" {
		return fmt.Errorf("visit snapshot of %s: no user", visitID)
	}
	chs, err := visitSnapshot(tx, visitID)
	if err != nil {
		return fmt.Errorf("visit snapshot of %s: %w", visitID, err)
	}
	for _, c := range chs {
		c.UserID = userID
		if _, err := AppendChange(tx, at, c); err != nil {
			return err
		}
	}
	return nil
}

// StampNewEpoch gives the change log a new epoch (DESIGN §8.5). A restore
// from backup calls it: the restored log's sequence numbers after the
// backup's head are handed out again to other changes, and a phone whose
// cursor counts in the old epoch must re-bootstrap instead of reading them
// as changes it has seen.
func (db *DB) StampNewEpoch(ctx context.Context) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	epoch := hex.EncodeToString(b[:])
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE change_epoch SET epoch = ?, since = ? WHERE id = 1`, epoch, db.NowText())
		return err
	})
	return epoch, err
}

// ErrBackupPostgres: BackupTo makes SQLite files; a PostgreSQL database is
// backed up by its own tools.
var ErrBackupPostgres = errors.New("zsc backup copies a SQLite database: back up PostgreSQL with pg_dump or pg_basebackup, then after a restore run `zsc new-epoch --db …` so that phones re-bootstrap (DESIGN §8.5)")

// BackupTo writes a consistent copy of the database to path (VACUUM INTO:
// one read snapshot, so writes may go on meanwhile). path must not exist.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	// Not the reader pool (query_only refuses VACUUM INTO's output) nor the
	// writer (the copy would hold up every write): the checkpointer's
	// connection, which only reads here.
	if db.Postgres {
		return ErrBackupPostgres
	}
	_, err := db.ckpt.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}
