package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"zsc/schema"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// busyVisits gives v1 and v2 a record of every kind (check-ins, results with
// photos, outcomes, signatures, notices, a follow-up, a conflict, arrived and
// missing photos) and leaves v3 untouched.
func busyVisits(t *testing.T, env *syncEnv) {
	t.Helper()
	ctx := context.Background()
	// An item whose id sorts before its department's others but comes
	// last, and one of a department outside the task, which the visit
	// record leaves out.
	err := env.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO checklist_items (id, visit_id, dept, ord, name, class) VALUES
			('v2-scjg-0', 'v2', 'scjg', 3, 'scjg 检查事项 3', '一般检查'), ('v2-lxb-1', 'v2', 'lxb', 1, 'lxb 检查事项 1', '一般检查')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := env.register(t, "insp1", "mobile"), env.register(t, "insp2", "mobile")
	c3 := env.register(t, "insp3", "mobile")
	env.pull(t, "insp1", a, 0) // leases insp1 numbers 1..20 of scjg
	arrived, missing := sha("arrived"), sha("missing")
	if err := env.e.AddBlob(ctx, arrived, 7); err != nil {
		t.Fatal(err)
	}
	if err := env.e.AddBlob(ctx, sha("arrived too"), 9); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"v2", "v1"} {
		notice := uuid.Must(uuid.NewV7()).String()
		number := map[string]int{"v1": 1, "v2": 2}[v]
		env.push(t, "insp1", a,
			env.mut(a, zsync.MutCheckin, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v, "lat": 35.7, "lng": 107.6}),
			env.mut(a, zsync.MutCheckin, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v}),
			env.mut(a, zsync.MutItemSet, itemSet(v, v+"-scjg-2", "符合", 0, arrived, missing)),
			env.mut(a, zsync.MutItemSet, itemSet(v, v+"-scjg-1", "不符合", 0, sha("arrived too"))),
			env.mut(a, zsync.MutItemSet, itemSet("v2", "v2-scjg-0", "符合", 0)),
			env.mut(a, zsync.MutOutcomeSet, map[string]any{"visit_id": v, "dept": "scjg", "categories": []string{zsync.Pending}, "note": "<&>"}),
			env.mut(a, zsync.MutSignatureAdd, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v, "kind": "inspector", "photo": arrived}),
			env.mut(a, zsync.MutNoticeIssue, map[string]any{"id": notice, "visit_id": v, "dept": "scjg", "items": []string{v + "-scjg-1"},
				"legal_basis": "《食品安全法》第五十四条", "deadline": "2024-06-30", "year": 2024, "number": number}),
			env.mut(a, zsync.MutFollowupRecord, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v, "notice_id": notice,
				"corrected": false, "action": "立案"}),
		)
		env.push(t, "insp3", c3, env.mut(c3, zsync.MutItemSet, itemSet(v, v+"-wjw-1", "不涉及", 0)),
			env.mut(c3, zsync.MutOutcomeSet, map[string]any{"visit_id": v, "dept": "wjw", "categories": []string{zsync.NoProblem}}))
		one(t, env.push(t, "insp2", b, env.mut(b, zsync.MutItemSet, itemSet(v, v+"-scjg-2", "不符合", 0))), "conflict")
		env.now = env.now.Add(time.Minute)
	}
}

func TestVisitStatesReadsWhatVisitStateReadsForEachVisit(t *testing.T) {
	env := mustSyncEnv(t)
	busyVisits(t, env)
	store := sqlstore.NewSyncStore(env.db)
	defer store.Close()
	// Twice: the second reading goes through the prepared statements.
	for range 2 {
		err := store.Read(context.Background(), func(tx zsync.ReadTx) error {
			ids := []string{"v2", "v9", "v1", "v3", "v2"}
			states, err := tx.VisitStates(ids)
			if err != nil {
				return err
			}
			if len(states) != len(ids) {
				t.Fatalf("%d states for %d visits", len(states), len(ids))
			}
			for i, id := range ids {
				one, err := tx.VisitState(id)
				if err != nil {
					return err
				}
				want, _ := json.Marshal(one)
				got, _ := json.Marshal(states[i])
				if string(got) != string(want) {
					t.Errorf("%s read together:\n%s\nalone:\n%s", id, got, want)
				}
			}
			if states[4] != states[0] {
				t.Fatal("a visit listed twice is read twice")
			}
			if v1 := states[2]; len(v1.Results) != 3 || len(v1.Checkins) != 2 || len(v1.Outcomes) != 2 || len(v1.Signatures) != 1 ||
				len(v1.Notices) != 1 || len(v1.Followups) != 1 || len(v1.Conflicts) != 1 || len(v1.Blobs) != 2 {
				t.Fatalf("the fixture did not give v1 a record of every kind: %+v", v1)
			}
			if none, err := tx.VisitStates(nil); err != nil || len(none) != 0 {
				t.Fatalf("no visits: %v, %v", none, err)
			}
			if _, err := tx.VisitStates([]string{"v1", "nope"}); schema.ErrorCode(err) != schema.ENOTFOUND {
				t.Fatalf("an unknown visit: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestPullWritesOnlyWhenSomethingIsDue(t *testing.T) {
	env := mustSyncEnv(t)
	t0 := env.now
	a, b := env.register(t, "insp1", "mobile"), env.register(t, "insp2", "mobile")
	client := func(id string) (lastSeen string, pending int) {
		t.Helper()
		if err := env.db.Reader().QueryRow(`SELECT last_seen, pending FROM clients WHERE id = ?`, id).Scan(&lastSeen, &pending); err != nil {
			t.Fatal(err)
		}
		return lastSeen, pending
	}
	pull := func(user, id string, pending *int) *zsync.PullResponse {
		t.Helper()
		resp, err := env.e.Pull(context.Background(), env.users[user], zsync.PullRequest{ClientID: id, Cursor: 0, Pending: pending})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	leased := func(id string) int {
		return env.count(t, `SELECT count(*) FROM notice_numbers WHERE client_id = ? AND state = 'leased'`, id)
	}
	three := 3
	pull("insp2", b, nil)
	env.now = env.now.Add(10 * time.Second)
	pull("insp1", a, nil)
	if leased(a) != zsync.DefaultLeaseSize || leased(b) != zsync.DefaultLeaseSize {
		t.Fatalf("first pulls leased %d and %d numbers", leased(a), leased(b))
	}
	seen, _ := client(a)
	head := env.count(t, `SELECT max(seq) FROM changes`)

	t.Run("a pull soon after the last writes nothing", func(t *testing.T) {
		env.now = env.now.Add(50 * time.Second)
		pull("insp1", a, nil)
		if s, _ := client(a); s != seen || env.count(t, `SELECT max(seq) FROM changes`) != head {
			t.Fatalf("last_seen %s (was %s), head %d (was %d)", s, seen, env.count(t, `SELECT max(seq) FROM changes`), head)
		}
	})
	t.Run("a new pending count is stored at once", func(t *testing.T) {
		pull("insp1", a, &three)
		if s, p := client(a); p != 3 || s != zsync.FormatTime(env.now) {
			t.Fatalf("pending %d last_seen %s", p, s)
		}
		seen, _ = client(a)
		env.now = env.now.Add(30 * time.Second)
		pull("insp1", a, &three)
		if s, _ := client(a); s != seen {
			t.Fatal("the same pending count was written again")
		}
	})
	t.Run("last_seen is written once it is a minute old", func(t *testing.T) {
		env.now = env.now.Add(30 * time.Second)
		pull("insp1", a, nil)
		if s, _ := client(a); s != zsync.FormatTime(env.now) {
			t.Fatalf("last_seen %s, want %s", s, zsync.FormatTime(env.now))
		}
	})
	t.Run("a short lease is topped up at once", func(t *testing.T) {
		env.now = env.now.Add(time.Second)
		// A notice names a failed item (DESIGN §8.2).
		one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutItemSet, itemSet("v1", "v1-scjg-1", "不符合", 0))), "applied")
		one(t, env.push(t, "insp1", a, env.mut(a, zsync.MutNoticeIssue, map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": "v1",
			"dept": "scjg", "items": []string{"v1-scjg-1"}, "legal_basis": "《食品安全法》第五十四条", "deadline": "2024-06-30", "year": 2024,
			"number": 21})), "applied")
		env.now = env.now.Add(time.Second)
		p := pull("insp1", a, nil)
		if leased(a) != zsync.DefaultLeaseSize {
			t.Fatalf("%d numbers leased after one was used", leased(a))
		}
		n := 0
		for _, ch := range p.Changes {
			if ch.Kind == zsync.ChangeLease {
				n++
			}
		}
		if n != zsync.DefaultLeaseSize {
			t.Fatalf("the bootstrap carried %d leases", n)
		}
	})
	t.Run("an expired lease anywhere is swept by the next pull", func(t *testing.T) {
		// a pulls 30 s before b's lease ends, then 30 s after: a has nothing
		// due of its own the second time.
		env.now = t0.Add(zsync.DefaultLeaseTTL - 30*time.Second)
		env.e.LeaseTTL = 2 * zsync.DefaultLeaseTTL
		pull("insp1", a, nil)
		if leased(b) != zsync.DefaultLeaseSize {
			t.Fatalf("b holds %d numbers before its lease ends", leased(b))
		}
		env.now = t0.Add(zsync.DefaultLeaseTTL + 30*time.Second)
		pull("insp1", a, nil)
		if leased(b) != 0 || leased(a) != zsync.DefaultLeaseSize {
			t.Fatalf("after b's lease ended: b holds %d, a %d", leased(b), leased(a))
		}
	})
}
