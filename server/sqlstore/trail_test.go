package sqlstore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"zsc/schema"
	"zsc/server/report"
	"zsc/server/sqlstore"
)

func trailLine(e report.TrailEntry) string {
	return e.Position + " " + e.Kind + " " + e.ID + " " + e.Action
}

func TestTrail(t *testing.T) {
	f := world(t)
	ctx := context.Background()
	pub, err := f.db.Publish(ctx, fxSCJG, sqlstore.PublishRequest{VisitID: "V2", Dept: "scjg", Channels: []string{report.ChannelPlatform}}, mustCal(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a publication walks back to its plan through its department's results", func(t *testing.T) {
		tr, err := f.db.Trail(ctx, fxOffice, "publication", pub.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range tr.Entries {
			got = append(got, trailLine(e))
		}
		want := []string{
			"before plan P1 plan.import",
			"before task T1 task.create",
			"before draw d-T1 draw.run",
			"before visit V2 visit.create",
			"before visit V2 visit.complete",
			"before item_result V2-scjg-1 item.set",
			"before outcome V2:scjg outcome.set",
			"self publication " + pub.ID + " publication.publish",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("every entry says who, when, from which device and channel", func(t *testing.T) {
		tr, _ := f.db.Trail(ctx, fxOffice, "result", "V2-scjg-1")
		for _, e := range tr.Entries {
			if e.Kind == "item_result" {
				if e.Position != report.Self || e.UserName != "检查员丁" || e.ClientID != "c-web" || e.Channel != "web" || !e.OfficeEntered || e.At == "" {
					t.Fatalf("%+v", e)
				}
				return
			}
		}
		t.Fatal("no item result entry")
	})
	t.Run("a plan walks forward down to the publications", func(t *testing.T) {
		tr, err := f.db.Trail(ctx, fxOffice, "plan", "P1")
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range tr.Entries {
			if e.Position == report.After {
				kinds[e.Kind]++
			}
		}
		// Four visits (one replaced), results of three, one publication.
		if kinds["task"] != 1 || kinds["draw"] != 1 || kinds["visit"] < 4 || kinds["item_result"] != 8 || kinds["outcome"] != 5 || kinds["publication"] != 1 {
			t.Fatalf("%v", kinds)
		}
	})
	t.Run("the trail exports as CSV", func(t *testing.T) {
		tr, _ := f.db.Trail(ctx, fxOffice, "visit", "V1")
		b, err := tr.CSV()
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\r\n")
		if !strings.Contains(lines[0], "位置,层级,类型") || len(lines) != len(tr.Entries)+1 {
			t.Fatalf("%d lines for %d entries: %s", len(lines), len(tr.Entries), lines[0])
		}
	})
	refused := []struct {
		name, kind, id string
		u              *schema.User
		code           string
	}{
		{"a county office cannot walk a city task", "task", "T1", fxCounty, schema.EFORBIDDEN},
		{"an unknown kind is refused", "station", "x", fxOffice, schema.EINVALID},
		{"an unknown entity is not found", "entity", "x", fxOffice, schema.ENOTFOUND},
		{"a county office cannot walk the trail of a city user", "user", "u-office", fxCounty, schema.EFORBIDDEN},
		{"an unknown record is not found", "notice", "nope", fxOffice, schema.ENOTFOUND},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			if _, err := f.db.Trail(ctx, c.u, c.kind, c.id); schema.ErrorCode(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
		})
	}
}

// The trail's lookups by entity use the partial index of migration 0008.
// SQLite's plan, on SQLite in both passes: PostgreSQL's planner chooses by
// table statistics, which an empty test table does not have.
func TestTrailLooksUpByEntityThroughTheIndex(t *testing.T) {
	db, err := sqlstore.Open(filepath.Join(t.TempDir(), "zsc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Reader().Query(`EXPLAIN QUERY PLAN SELECT at FROM audit_log
		WHERE kind = ? AND entity_id = ? AND `+sqlstore.AuditByEntity+` ORDER BY id`, "visit", "v1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	plan := ""
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan += detail + "\n"
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "audit_log_entity") {
		t.Fatalf("plan does not use audit_log_entity:\n%s", plan)
	}
}
