package sqlite_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"zsc/schema"
	"zsc/server/sqlite"
	zsync "zsc/sync"
)

// busyVisits gives v1 and v2 a record of every kind (check-ins, results with
// photos, outcomes, signatures, notices, a follow-up, a conflict, arrived and
// missing photos) and leaves v3 untouched.
func busyVisits(t *testing.T, env *syncEnv) {
	t.Helper()
	ctx := context.Background()
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
	store := sqlite.NewSyncStore(env.db)
	defer store.Close()
	// Twice: the second reading goes through the prepared statements.
	for range 2 {
		err := store.Read(context.Background(), func(tx zsync.ReadTx) error {
			ids := []string{"v2", "v9", "v1", "v3"}
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
