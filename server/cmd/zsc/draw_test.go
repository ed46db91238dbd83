package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"zsc/server/demo"
	"zsc/server/sqlstore"
)

// Issue 11 item 8: a seed given on the command line is recorded as
// supplied, and verify prints so instead of a clean match.
func TestDrawCommandRecordsASuppliedSeed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "zsc.db")
	db, err := openDB(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, db, demo.Options{Entities: 2000}, io.Discard); err != nil {
		t.Fatal(err)
	}
	office, err := db.UserByUsername(ctx, "office")
	if err != nil {
		t.Fatal(err)
	}
	plans, err := db.Plans(ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	task := func(region string) string {
		for _, p := range plans {
			if p.Seq == 4 {
				tk, err := db.CreateTask(ctx, office, sqlstore.NewTask{PlanID: p.ID, Region: region})
				if err != nil {
					t.Fatal(err)
				}
				return tk.ID
			}
		}
		t.Fatal("plan 4 not found")
		return ""
	}
	supplied, random := task("621021"), task("621022")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	drawID := func(out string) string {
		f := strings.Fields(out)
		if len(f) < 2 || f[0] != "draw" {
			t.Fatalf("output %q", out)
		}
		return f[1]
	}

	t.Run("a --seed draw says the seed was supplied and verify does not call it a match", func(t *testing.T) {
		var out strings.Builder
		if err := Main(ctx, []string{"draw", supplied, "--as", "office", "--seed", strings.Repeat("07", 32), "--db", path}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "种子由操作人指定") {
			t.Fatalf("draw output %q", out.String())
		}
		var vout strings.Builder
		err := Main(ctx, []string{"verify", drawID(out.String()), "--db", path}, &vout, io.Discard)
		if err == nil || !strings.Contains(vout.String(), "种子由操作人指定") || strings.Contains(vout.String(), "一致：") {
			t.Fatalf("verify: %v %q", err, vout.String())
		}
	})
	t.Run("a draw without --seed is random and verifies clean", func(t *testing.T) {
		var out strings.Builder
		if err := Main(ctx, []string{"draw", random, "--as", "office", "--db", path}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		var vout strings.Builder
		if err := Main(ctx, []string{"verify", drawID(out.String()), "--db", path}, &vout, io.Discard); err != nil || !strings.Contains(vout.String(), "服务器随机生成") {
			t.Fatalf("verify: %v %q", err, vout.String())
		}
	})
}
