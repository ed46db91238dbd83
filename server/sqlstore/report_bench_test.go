package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"zsc/server/report"
	"zsc/server/sqlstore"
)

// benchVisits is the size of the synthetic year; ZSC_BENCH_VISITS overrides it.
func benchVisits() int {
	if n, err := strconv.Atoi(os.Getenv("ZSC_BENCH_VISITS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// benchDB opens a year of synthetic data: 70 plans, a task per plan and
// region (630), and benchVisits visits spread over them, each with two
// items per participating department, their results, outcomes, nine in ten
// completed (one in twenty entered by the office), publications and a few
// cases. The file is kept in the temp directory and reused by later runs.
func benchDB(b *testing.B) *sqlstore.DB {
	b.Helper()
	n := benchVisits()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("zsc-bench-office-v1-%d.db", n))
	if _, err := os.Stat(path); err == nil {
		db, err := sqlstore.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		var have int
		if err := db.Reader().QueryRow(`SELECT count(*) FROM visit_rollups`).Scan(&have); err != nil {
			b.Fatal(err)
		}
		if have == n {
			return db
		}
		db.Close()
		removeIfThere(b, path)
	}
	tmp := path + ".tmp"
	removeIfThere(b, tmp)
	db, err := sqlstore.Open(tmp)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := generateYear(db, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d visits in %s", n, time.Since(start).Round(time.Second))
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	removeIfThere(b, tmp+"-wal")
	removeIfThere(b, tmp+"-shm")
	if db, err = sqlstore.Open(path); err != nil {
		b.Fatal(err)
	}
	return db
}

// batcher inserts rows with multi-row VALUES statements.
type batcher struct {
	tx   *sql.Tx
	head string
	cols int
	rows int
	args []any
}

func (bt *batcher) add(args ...any) error {
	bt.args = append(bt.args, args...)
	bt.rows++
	if bt.rows == 200 {
		return bt.flush()
	}
	return nil
}

func (bt *batcher) flush() error {
	if bt.rows == 0 {
		return nil
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", bt.cols), ",") + ")"
	q := bt.head + " VALUES " + strings.TrimSuffix(strings.Repeat(one+",", bt.rows), ",")
	_, err := bt.tx.Exec(q, bt.args...)
	bt.rows, bt.args = 0, bt.args[:0]
	return err
}

func generateYear(db *sqlstore.DB, n int) error {
	ctx := context.Background()
	// The triggers keep rollups row by row; a bulk load sets them aside and
	// rebuilds the rollups once at the end (RebuildRollups).
	var triggers []string
	err := db.Write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'office_%'`)
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var name, q string
			if err := rows.Scan(&name, &q); err != nil {
				rows.Close()
				return err
			}
			names, triggers = append(names, name), append(triggers, q)
		}
		rows.Close()
		for _, name := range names {
			if _, err := tx.Exec(`DROP TRIGGER ` + name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	depts := []string{"d01", "d02", "d03", "d04", "d05", "d06", "d07", "d08", "d09", "d10"}
	regions := []string{"621000", "621002", "621021", "621022", "621023", "621024", "621025", "621026", "621027"}
	rng := rand.New(rand.NewPCG(1, 2))
	err = db.Write(ctx, func(tx *sql.Tx) error {
		exec := func(q string, args ...any) error { _, err := tx.Exec(q, args...); return err }
		for i, r := range regions {
			level, parent := "county", any("621000")
			if i == 0 {
				level, parent = "city", nil
			}
			if err := exec(`INSERT INTO regions (code, name, level, parent) VALUES (?, ?, ?, ?)`, r, "区"+r, level, parent); err != nil {
				return err
			}
		}
		for i, d := range depts {
			if err := exec(`INSERT INTO departments (code, name, short, ord) VALUES (?, ?, ?, ?)`, d, "部门"+d, "简"+d, i+1); err != nil {
				return err
			}
		}
		if err := exec(`INSERT INTO users (id, username, name, password_hash, role, dept, region, created_at) VALUES ('u', 'u', 'u', 'x', 'office', 'd01', '621000', '2024-01-01T00:00:00.000Z')`); err != nil {
			return err
		}
		type task struct {
			id    string
			depts []string
		}
		var tasks []task
		for p := 1; p <= 70; p++ {
			pid := fmt.Sprintf("p%02d", p)
			pd := []string{depts[p%10]}
			for k := 0; k < p%3; k++ {
				pd = append(pd, depts[(p+k+3)%10])
			}
			if err := exec(`INSERT INTO plans (id, year, seq, sub, domain, target, name, ratio_text, ratio, delegated, levels, initiator, window_text, source_row, created_at)
				VALUES (?, 2024, ?, 1, 'x', 'x', ?, '10%', '{}', 1, '["市级","县区级"]', ?, '', ?, '2024-01-01T00:00:00.000Z')`, pid, p, "计划"+pid, pd[0], p); err != nil {
				return err
			}
			for o, d := range pd {
				if err := exec(`INSERT INTO plan_departments (plan_id, ord, dept, raw) VALUES (?, ?, ?, ?)`, pid, o+1, d, d); err != nil {
					return err
				}
				cat := pid + d
				if err := exec(`INSERT INTO catalogue_items (id, dept, name, class, created_at) VALUES (?, ?, ?, '一般检查', '2024-01-01T00:00:00.000Z')`, cat, d, cat); err != nil {
					return err
				}
				if err := exec(`INSERT INTO plan_items (id, plan_id, dept_ord, catalogue_id, ord) VALUES (?, ?, ?, ?, 1)`, cat, pid, o+1, cat); err != nil {
					return err
				}
			}
			for ri, r := range regions {
				tid := fmt.Sprintf("t%02d%d", p, ri)
				level := "县区级"
				if ri == 0 {
					level = "市级"
				}
				if err := exec(`INSERT INTO tasks (id, plan_id, region, batch, level, tag, created_by, created_at) VALUES (?, ?, ?, 1, ?, 'x', 'u', '2024-02-01T00:00:00.000Z')`, tid, pid, r, level); err != nil {
					return err
				}
				for o, d := range pd {
					if err := exec(`INSERT INTO task_departments (task_id, ord, dept) VALUES (?, ?, ?)`, tid, o+1, d); err != nil {
						return err
					}
				}
				month := 2 + (p+ri)%9
				if err := exec(`INSERT INTO draws (id, task_id, algorithm, seed, snapshot_hash, population, drawn, strata, result, risk_applicable, risk_stratified, created_by, created_at)
					VALUES (?, ?, 'v1', '00', 'h', 0, 0, '[]', '{}', 1, ?, 'u', ?)`, "d"+tid, tid, ri%7 != 0, fmt.Sprintf("2024-%02d-05T02:00:00.000Z", month)); err != nil {
					return err
				}
				tasks = append(tasks, task{tid, pd})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Visits in transactions of 50,000.
	const chunk = 50_000
	for from := 0; from < n; from += chunk {
		err := db.Write(ctx, func(tx *sql.Tx) error {
			// Batches flush on their own: check references at commit.
			if _, err := tx.Exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
				return err
			}
			ent := &batcher{tx: tx, head: `INSERT INTO entities (id, uscc, name, region, risk, status, updated_at)`, cols: 7}
			vis := &batcher{tx: tx, head: `INSERT INTO visits (id, task_id, draw_id, entity_id, risk, stratum, scheduled_on, status, completed_at, created_at)`, cols: 10}
			items := &batcher{tx: tx, head: `INSERT INTO checklist_items (id, visit_id, dept, ord, name, class)`, cols: 6}
			res := &batcher{tx: tx, head: `INSERT INTO item_results (item_id, visit_id, dept, value, version, user_id, client_id, channel, mutation_id, updated_at)`, cols: 10}
			outs := &batcher{tx: tx, head: `INSERT INTO outcomes (visit_id, dept, categories, version, user_id, client_id, channel, mutation_id, updated_at)`, cols: 9}
			pubs := &batcher{tx: tx, head: `INSERT INTO publications (id, visit_id, task_id, dept, platform, system, website, completed_on, deadline, published_at, late, user_id, channel, updated_at)`, cols: 14}
			for i := from; i < min(from+chunk, n); i++ {
				t := i % 630
				tid := fmt.Sprintf("t%02d%d", t/9+1, t%9)
				pd := []string{depts[(t/9+1)%10]}
				for k := 0; k < (t/9+1)%3; k++ {
					pd = append(pd, depts[(t/9+1+k+3)%10])
				}
				vid := fmt.Sprintf("v%07d", i)
				eid := fmt.Sprintf("e%07d", i)
				if err := ent.add(eid, fmt.Sprintf("9162%014d", i), "单位"+eid, "621002", "B", "存续", "2024-01-01T00:00:00.000Z"); err != nil {
					return err
				}
				complete := rng.IntN(10) < 9
				status, completedAt := "open", any(nil)
				month := 3 + rng.IntN(8)
				if complete {
					status, completedAt = "complete", fmt.Sprintf("2024-%02d-%02dT03:00:00.000Z", month, 1+rng.IntN(28))
				}
				if i%97 == 0 {
					complete, status, completedAt = false, "replaced", nil
				}
				if err := vis.add(vid, tid, "d"+tid, eid, "B", "B", "2024-03-01", status, completedAt, "2024-02-05T02:00:00.000Z"); err != nil {
					return err
				}
				channel := "mobile"
				if rng.IntN(20) == 0 {
					channel = "web"
				}
				for _, d := range pd {
					for k := 1; k <= 2; k++ {
						iid := fmt.Sprintf("%s%s%d", vid, d, k)
						if err := items.add(iid, vid, d, k, "事项", "一般检查"); err != nil {
							return err
						}
						if complete || rng.IntN(2) == 0 {
							if err := res.add(iid, vid, d, "符合", 1, "u", "c", channel, "m", "2024-03-01T00:00:00.000Z"); err != nil {
								return err
							}
						}
					}
					if complete {
						if err := outs.add(vid, d, `["未发现问题"]`, 1, "u", "c", channel, "m", "2024-03-01T00:00:00.000Z"); err != nil {
							return err
						}
						if rng.IntN(5) != 0 {
							on := completedAt.(string)[:10]
							if err := pubs.add(vid+d, vid, tid, d, 1, rng.IntN(2), rng.IntN(3) == 0, on, on, fmt.Sprintf("2024-%02d-28T03:00:00.000Z", month), 0, "u", "web", "2024-03-01T00:00:00.000Z"); err != nil {
								return err
							}
						}
					}
				}
			}
			for _, bt := range []*batcher{ent, vis, items, res, outs, pubs} {
				if err := bt.flush(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// The triggers come back first: RebuildRollups fills task_rollups
	// through the trigger on visit_rollups.
	err = db.Write(ctx, func(tx *sql.Tx) error {
		for _, q := range triggers {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := db.RebuildRollups(ctx); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`ANALYZE`)
		return err
	})
}

// BenchmarkMetrics1M answers GET /api/v1/metrics?year=2024&by=department
// (without HTTP) on a year of a million visits. Goal: under 200 ms.
func BenchmarkMetrics1M(b *testing.B) {
	db := benchDB(b)
	defer db.Close()
	ctx := context.Background()
	var m *report.Metrics
	for b.Loop() {
		facts, err := db.MetricsFacts(ctx, 2024)
		if err != nil {
			b.Fatal(err)
		}
		if m, err = report.Compute(facts, report.Filter{}, report.ByDepartment); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Targets[1].Denominator), "visits")
}

// BenchmarkProgressXLSX builds 附件3 for October as XLSX on the same year.
// Goal: under 2 s.
func BenchmarkProgressXLSX(b *testing.B) {
	db := benchDB(b)
	defer db.Close()
	ctx := context.Background()
	var size int
	for b.Loop() {
		facts, err := db.ProgressFacts(ctx, sqlstore.ProgressScope{Month: "2024-10", Unit: "庆阳市联席办", Date: "2024-10-20"})
		if err != nil {
			b.Fatal(err)
		}
		x, err := report.BuildProgress(facts).XLSX()
		if err != nil {
			b.Fatal(err)
		}
		size = len(x)
	}
	b.ReportMetric(float64(size), "bytes")
}

// removeIfThere deletes a file a previous run may have left.
func removeIfThere(b *testing.B, path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		b.Fatal(err)
	}
}
