package demo

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zsc/server/report"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// The demo is a 2024 year under way (issue 12 item 9): tasks drawn in
// several counties with visits dated inside their plans' windows, some done
// by phone and some on paper through the sync engine, a publication or two,
// and the spec's 西峰区 tasks left open for insp1.
func TestDemoIsAYearUnderWay(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wall := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return wall }
	ctx := context.Background()
	if err := LoadReference(ctx, db); err != nil {
		t.Fatal(err)
	}
	photos := filepath.Join(dir, "blobs")
	if err := Load(ctx, db, Options{Entities: 3000, Photos: photos}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !db.Now().Equal(wall) {
		t.Fatalf("the demo left its clock behind: %v", db.Now())
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Reader().QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count(`SELECT count(DISTINCT t.region) FROM tasks t JOIN draws d ON d.task_id = t.id`); n < 4 {
		t.Errorf("drawn tasks in %d regions, want several", n)
	}
	if n := count(`SELECT count(*) FROM visits v JOIN tasks t ON t.id = v.task_id JOIN plans p ON p.id = t.plan_id
		WHERE v.scheduled_on NOT BETWEEN p.start_on AND p.end_on OR substr(v.scheduled_on, 1, 4) != '2024'`); n != 0 {
		t.Errorf("%d visits dated outside their plan's 2024 window", n)
	}
	if n := count(`SELECT count(*) FROM visits WHERE status = 'complete' AND substr(completed_at, 1, 4) = '2024'`); n < 6 {
		t.Errorf("%d visits done in 2024, want several", n)
	}
	if n := count(`SELECT count(DISTINCT channel) FROM item_results`); n != 2 {
		t.Errorf("results of %d channels, want mobile and paper (web)", n)
	}
	if n := count(`SELECT count(*) FROM item_results WHERE value = '不符合'`); n == 0 {
		t.Errorf("no 不符合 in the demo")
	}
	if n := count(`SELECT count(*) FROM publications`); n < 1 {
		t.Errorf("%d publications", n)
	}
	// Every signature image of a phone-done visit is on disk.
	rows, err := db.Reader().Query(`SELECT DISTINCT photo FROM signatures WHERE photo != ''`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var sum string
		if err := rows.Scan(&sum); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(photos, sum[:2], sum[2:4], sum)); err != nil {
			t.Errorf("signature %s: %v", sum, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("no signature images")
	}
	// What the specs need: plans 66, 7 and 8 in 西峰区, open, insp1 on 66.
	for _, seq := range []int{66, 7, 8} {
		if n := count(`SELECT count(*) FROM visits v JOIN tasks t ON t.id = v.task_id JOIN plans p ON p.id = t.plan_id
			WHERE p.seq = ? AND t.region = '621002' AND v.status = 'open'`, seq); n == 0 {
			t.Errorf("plan %d has no open visit in 西峰区", seq)
		}
		if n := count(`SELECT count(*) FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE p.seq = ?`, seq); n != 1 {
			t.Errorf("plan %d has %d tasks, the specs find it by plan number", seq, n)
		}
	}
	if n := count(`SELECT count(*) FROM visit_members m JOIN users u ON u.id = m.user_id JOIN visits v ON v.id = m.visit_id
		WHERE u.username IN ('insp1', 'insp2', 'insp3') AND v.status != 'open'`); n != 0 {
		t.Errorf("%d visits of the spec accounts are done", n)
	}
	facts, err := db.MetricsFacts(ctx, Year)
	if err != nil {
		t.Fatal(err)
	}
	m, err := report.Compute(facts, report.Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]report.Target{}
	for _, tg := range m.Targets {
		got[tg.Key] = tg
	}
	// The dashboard shows real numbers: visits done, and a mobile rate that is neither 0 nor 100%.
	if tc := got["task_completion"]; tc.Numerator == 0 {
		t.Errorf("task completion %d/%d", tc.Numerator, tc.Denominator)
	}
	if mu := got["mobile_use"]; mu.Numerator == 0 || mu.Numerator == mu.Denominator {
		t.Errorf("mobile use %d/%d, want some by phone and some on paper", mu.Numerator, mu.Denominator)
	}
}
