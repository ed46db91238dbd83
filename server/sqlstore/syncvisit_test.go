package sqlstore

// An internal test: it changes rows behind the store's back to see which
// parts of a visit the store reads again.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	zsync "zsc/sync"
)

// What a visit fixed when it was drawn (task, region, departments,
// checklist) is read once per store; its status, team and finished
// departments are read at every load.
func TestAVisitsDrawnPartIsReadOncePerStore(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "zsc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fixture, err := os.ReadFile("testdata/sync_fixture.sql")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	exec(string(fixture))
	store := NewSyncStore(db)
	defer store.Close()
	load := func() *zsync.Visit {
		t.Helper()
		var v *zsync.Visit
		if err := store.Write(ctx, func(tx zsync.Tx) error {
			var err error
			v, err = tx.Visit("v1")
			return err
		}); err != nil || v == nil {
			t.Fatalf("visit v1: %v, %v", v, err)
		}
		return v
	}
	first := load()
	if len(first.Depts) == 0 || len(first.Items) == 0 || first.Status != "open" || len(first.Members) == 0 {
		t.Fatalf("first load %+v", first)
	}
	// Never done by the product (a task's departments are written once, at
	// the draw): here it shows where the second load's departments come from.
	exec(`DELETE FROM task_departments; DELETE FROM checklist_items WHERE visit_id = 'v1'`)
	exec(`UPDATE visits SET status = 'complete' WHERE id = 'v1'; DELETE FROM visit_members WHERE visit_id = 'v1' AND user_id = 'insp4'`)
	second := load()
	if !slices.Equal(second.Depts, first.Depts) || len(second.Items) != len(first.Items) {
		t.Fatalf("departments %v and %d items, want the cached %v and %d", second.Depts, len(second.Items), first.Depts, len(first.Items))
	}
	if second.Status != "complete" || len(second.Members) != len(first.Members)-1 {
		t.Fatalf("status %s with %d members, want complete with %d", second.Status, len(second.Members), len(first.Members)-1)
	}
}

// A pull warms the checklist cache only where there is room: a lead's
// bootstrap of more visits than it holds keeps the checklists the pushes
// loaded; a push's loads make room when it is full.
func TestAPullNeverEvictsThePushesChecklists(t *testing.T) {
	s := &SyncStore{items: map[string]drawnVisit{}}
	s.cacheItems(map[string]drawnVisit{"pushed": {taskID: "t"}}, true)
	lead := map[string]drawnVisit{}
	for i := range maxCachedChecklists + 10 {
		lead[fmt.Sprint("lead-", i)] = drawnVisit{}
	}
	s.cacheItems(lead, false)
	if _, ok := s.cachedItems("pushed"); !ok {
		t.Fatal("a pull's visits evicted a pushed visit's checklist")
	}
	if len(s.items) != maxCachedChecklists {
		t.Fatalf("the cache holds %d visits, want it full at %d", len(s.items), maxCachedChecklists)
	}
	s.cacheItems(map[string]drawnVisit{"next": {}}, true)
	if _, ok := s.cachedItems("next"); !ok {
		t.Fatal("a push's checklist found no room in a full cache")
	}
}
