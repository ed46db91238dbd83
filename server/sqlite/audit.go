package sqlite

import (
	"database/sql"
	"encoding/json"
)

// AuditEntry is one line of the append-only audit log (R15).
type AuditEntry struct {
	UserID, ClientID, Channel string
	Action                    string // e.g. "plan.import", "draw.run", "item.set"
	Kind, EntityID            string // what changed
	ParentKind, ParentID      string // what it hangs from, so the chain can be walked
	Before, After             any    // marshalled as JSON; nil is NULL
	Reason                    string
}

// Audit appends e inside tx, so that the log and the change commit together.
func Audit(tx *sql.Tx, at string, e AuditEntry) error {
	args, err := auditArgs(at, e)
	if err != nil {
		return err
	}
	_, err = tx.Exec(auditSQL, args...)
	return err
}

const auditSQL = `INSERT INTO audit_log (at, user_id, client_id, channel, action, kind, entity_id, parent_kind, parent_id, before, after, reason)
		VALUES (?, nullif(?, ''), nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func auditArgs(at string, e AuditEntry) ([]any, error) {
	var before, after any
	if e.Before != nil {
		b, err := json.Marshal(e.Before)
		if err != nil {
			return nil, err
		}
		before = string(b)
	}
	if e.After != nil {
		b, err := json.Marshal(e.After)
		if err != nil {
			return nil, err
		}
		after = string(b)
	}
	return []any{at, e.UserID, e.ClientID, e.Channel, e.Action, e.Kind, e.EntityID, e.ParentKind, e.ParentID, before, after, e.Reason}, nil
}
