package demo

import (
	"context"
	"testing"

	"zsc/schema"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// The checklist table of testdata imports cleanly over the seed plan: every
// 事项 it names is in the plan's catalogue, every row is well formed.
func TestSeedChecklistsImport(t *testing.T) {
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := LoadReference(ctx, db); err != nil {
		t.Fatal(err)
	}
	admin := &schema.User{Username: "test", Role: schema.RoleAdmin, Dept: schema.OfficeDept}
	if _, err := ImportSeedPlan(ctx, db, admin); err != nil {
		t.Fatal(err)
	}
	res, err := ImportSeedChecklists(ctx, db, admin)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items == 0 || res.Versions != res.Items || res.Points < 10 {
		t.Fatalf("%+v", res)
	}
	again, err := ImportSeedChecklists(ctx, db, admin)
	if err != nil {
		t.Fatal(err)
	}
	if again.Versions != 0 || again.Unchanged != res.Items {
		t.Fatalf("a second import changed something: %+v", again)
	}
}
