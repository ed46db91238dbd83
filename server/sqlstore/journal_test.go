package sqlstore_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"zsc/schema"
	zsync "zsc/sync"
)

// An applied result writes one journal row (migration 0019): the change
// that carries it to the phones is also its mutation record and its audit
// entry. What is not one record's plain application keeps its own rows.
func TestAnAppliedResultIsOneJournalRowAndReadsAsBefore(t *testing.T) {
	env := mustSyncEnv(t)
	c := env.register(t, "insp1", "mobile")
	m := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0))
	one(t, env.push(t, "insp1", c, m), "applied")

	for _, q := range []struct {
		query string
		want  int
	}{
		{`SELECT count(*) FROM mutations WHERE client_id = '` + c + `'`, 0},
		{`SELECT count(*) FROM audit_log WHERE action = 'item.set'`, 0},
		{`SELECT count(*) FROM changes WHERE mutation_id = '` + m.ID + `' AND kind = 'item_result' AND entity_id = 'v1-scjg-1' AND visit_id = 'v1'`, 1},
		// Read through the views, it is the mutation and the audit row it was.
		{`SELECT count(*) FROM mutation_log WHERE id = '` + m.ID + `' AND client_id = '` + c + `' AND seq = 1 AND status = 'applied' AND name = 'item.set' AND user_id = 'insp1' AND visit_id = 'v1'`, 1},
		{`SELECT count(*) FROM audit_entries WHERE action = 'item.set' AND kind = 'item_result' AND entity_id = 'v1-scjg-1' AND parent_kind = 'visit' AND parent_id = 'v1'
			AND user_id = 'insp1' AND client_id = '` + c + `' AND channel = 'mobile' AND before IS NULL AND after LIKE '%不符合%'`, 1},
	} {
		if n := env.count(t, q.query); n != q.want {
			t.Errorf("%s = %d, want %d", q.query, n, q.want)
		}
	}

	// The same mutation again is a replay, answered from the journal row.
	if r := one(t, env.push(t, "insp1", c, m), "applied"); !r.Replayed {
		t.Error("a replay of a journal row was not answered as replayed")
	}
	// Its id under a new sequence number is refused, and that refusal keeps
	// its own rows (a mutation record and an audit row with the reason).
	reused := env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-2", "符合", 0))
	reused.ID = m.ID
	if r := one(t, env.push(t, "insp1", c, reused), "rejected"); !strings.Contains(r.Reason, "已被其他操作使用") {
		t.Errorf("reused id: %q", r.Reason)
	}
	if n := env.count(t, `SELECT count(*) FROM mutations WHERE client_id = ? AND status = 'rejected'`, c); n != 1 {
		t.Errorf("%d rejected mutation rows, want 1", n)
	}
	// A second value has a before; an answer equal to the server's is audited
	// with its reason in audit_log, its mutation in mutations.
	one(t, env.push(t, "insp1", c, env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 1))), "applied")
	one(t, env.push(t, "insp1", c, env.mut(c, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "符合", 2))), "applied")
	if n := env.count(t, `SELECT count(*) FROM audit_entries WHERE src = 0 AND entity_id = 'v1-scjg-1' AND before LIKE '%不符合%' AND after LIKE '%"符合"%'`); n != 1 {
		t.Errorf("%d journal rows from 不符合 to 符合, want 1", n)
	}
	if n := env.count(t, `SELECT count(*) FROM audit_log WHERE action = 'item.set' AND kind = 'item_result' AND reason <> ''`); n != 1 {
		t.Errorf("%d audit_log rows of the unchanged answer, want 1", n)
	}
	if n := env.count(t, `SELECT count(*) FROM mutation_log WHERE client_id = ?`, c); n != 4 {
		t.Errorf("%d mutations in mutation_log, want 4", n)
	}

	// A journal row is an audit entry: append-only.
	for _, stmt := range []string{`UPDATE changes SET data = '{}' WHERE mutation_id = ?`, `DELETE FROM changes WHERE mutation_id = ?`} {
		err := env.db.Write(context.Background(), func(tx *sql.Tx) error {
			_, err := tx.Exec(stmt, m.ID)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want append-only", stmt, err)
		}
	}

	// The trail of the visit and of the inspector still show the result.
	admin := &schema.User{ID: "admin", Username: "admin", Role: schema.RoleAdmin, OnDuty: true}
	for _, who := range []struct {
		kind, id string
	}{{"visit", "v1"}, {"user", "insp1"}} {
		tr, err := env.db.Trail(context.Background(), admin, who.kind, who.id)
		if err != nil {
			t.Fatalf("trail of %s %s: %v", who.kind, who.id, err)
		}
		n := 0
		for _, e := range tr.Entries {
			if e.Kind == "item_result" && e.ID == "v1-scjg-1" && e.Action == "item.set" && e.UserID == "insp1" {
				n++
			}
		}
		if n != 3 {
			t.Errorf("trail of %s %s: %d item.set entries of v1-scjg-1, want 3 (two journal rows, one unchanged answer): %+v", who.kind, who.id, n, tr.Entries)
		}
	}
}
