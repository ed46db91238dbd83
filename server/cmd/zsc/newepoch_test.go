package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

func TestNewEpochChangesTheEpoch(t *testing.T) {
	dsn := storetest.DSN(t)
	ctx := context.Background()
	epochOf := func() string {
		db, err := sqlstore.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var e string
		if err := db.Reader().QueryRowContext(ctx, `SELECT epoch FROM change_epoch WHERE id = 1`).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	before := epochOf()
	var out bytes.Buffer
	if err := Main(ctx, []string{"new-epoch", "--db", dsn}, &out, &out); err != nil {
		t.Fatal(err)
	}
	after := epochOf()
	if after == before || !strings.Contains(out.String(), after) {
		t.Fatalf("epoch %q → %q, output %q", before, after, out.String())
	}
	if err := Main(ctx, []string{"new-epoch"}, &out, &out); err == nil {
		t.Fatal("new-epoch without --db must fail")
	}
}
