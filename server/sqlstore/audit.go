package sqlstore

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
	before, err := jsonArg(e.Before)
	if err != nil {
		return nil, err
	}
	after, err := jsonArg(e.After)
	if err != nil {
		return nil, err
	}
	return []any{at, e.UserID, e.ClientID, e.Channel, e.Action, e.Kind, e.EntityID, e.ParentKind, e.ParentID, before, after, e.Reason}, nil
}

// jsonArg is v as JSON text for a column, NULL for nil; a json.RawMessage
// is taken as it is (the sync engine encodes a value once for its change
// and its audit row).
func jsonArg(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if v == nil {
			return nil, nil
		}
		return string(v), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}
