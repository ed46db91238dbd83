package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"zsc/schema"
	"zsc/server/authz"
)

// TaskScope is what the policy (server/authz) looks at of a task: its
// region, initiating department and participating departments.
func (t *Task) Scope() authz.Scope {
	return authz.Scope{Region: t.Region, Initiator: t.Initiator, Depts: t.Departments}
}

// DrawScope loads the scope of the task a draw belongs to, so that a draw's
// verify and snapshot are checked like the task itself (DESIGN §8.9).
func (db *DB) DrawScope(ctx context.Context, drawID string) (authz.Scope, error) {
	var s authz.Scope
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var taskID string
		err := tx.QueryRow(`SELECT task_id FROM draws WHERE id = ?`, drawID).Scan(&taskID)
		if errors.Is(err, sql.ErrNoRows) {
			return schema.Errorf(schema.ENOTFOUND, "找不到该抽取记录")
		} else if err != nil {
			return err
		}
		t, err := db.TaskByID(ctx, tx, taskID)
		if err != nil {
			return err
		}
		s = t.Scope()
		return nil
	})
	return s, err
}

// taskScope loads a task's scope inside tx.
func taskScope(tx *sql.Tx, taskID string) (authz.Scope, error) {
	t, err := (*DB)(nil).TaskByID(context.Background(), tx, taskID)
	if err != nil {
		return authz.Scope{}, err
	}
	return t.Scope(), nil
}
