package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"zsc/schema"
	"zsc/server/demo"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// The shape of the prepared database. Bump prepVersion when it changes: a
// prepared file of another version is rebuilt.
const (
	prepVersion    = "3" // 3: history as journal rows (migration 0019)
	itemsPerVisit  = 30  // checklist items per visit, all of the inspecting department
	visitsPerPhone = 10  // an inspector's day
	partners       = 200 // inspectors who did the rest of the year's visits
	visitsPerTask  = 1000
	benchDept      = "scjg"   // 市市场监管局
	benchRegion    = "621002" // 西峰区
	benchPassword  = "bench-password-2024"
	benchCost      = bcrypt.MinCost // see README: logins stay cheap, the real login path is used
	historyStart   = "2024-03-01T02:00:00.000Z"
	benchPlanYear  = 2024
)

var values = []string{"符合", "符合", "符合", "不符合", "不涉及"}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// phoneName and partnerName are the usernames of the prepared inspectors.
func phoneName(i int) string   { return fmt.Sprintf("phone%04d", i+1) }
func partnerName(i int) string { return fmt.Sprintf("hist%03d", i+1) }

// prepare makes sure path holds a prepared database of results item
// results, building it when it is missing or was made with other figures.
// A file that is not a bench database is never touched.
func prepare(ctx context.Context, path string, results, phones int, history bool, log io.Writer) error {
	if phones*visitsPerPhone*itemsPerVisit > results {
		return fmt.Errorf("-results %d is too small for %d phones: each phone's day is %d results", results, phones, visitsPerPhone*itemsPerVisit)
	}
	want := map[string]string{"version": prepVersion, "results": fmt.Sprint(results), "phones": fmt.Sprint(phones), "history": fmt.Sprint(history)}
	if _, err := os.Stat(path); err == nil {
		have, err := readMeta(path)
		if err != nil {
			return fmt.Errorf("%s exists and is not a bench database (%v): choose another -db", path, err)
		}
		same := true
		for k, v := range want {
			same = same && have[k] == v
		}
		if same {
			fmt.Fprintf(log, "reusing %s (%s results, %s phones, prepared %s)\n", path, have["results"], have["phones"], have["prepared_at"])
			return nil
		}
		fmt.Fprintf(log, "%s was prepared with %v; rebuilding it with %v\n", path, have, want)
		if err := removeDB(path); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	if err := removeDB(tmp); err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(log, "preparing %s: %d item results, %d phones (history: %v)…\n", path, results, phones, history)
	if err := build(ctx, tmp, results, phones, history, log); err != nil {
		return errors.Join(err, removeDB(tmp))
	}
	db, err := sql.Open("sqlite", "file:"+tmp)
	if err != nil {
		return err
	}
	_, err = db.Exec(`CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`)
	want["prepared_at"] = time.Now().UTC().Format(time.RFC3339)
	for k, v := range want {
		if err == nil {
			_, err = db.Exec(`INSERT INTO bench_meta (key, value) VALUES (?, ?)`, k, v)
		}
	}
	if err == nil {
		_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	db.Close()
	if err != nil {
		return err
	}
	if err := removeSidecars(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	fmt.Fprintf(log, "prepared %s in %s\n", path, time.Since(start).Round(time.Second))
	return nil
}

func readMeta(path string) (map[string]string, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT key, value FROM bench_meta`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}

// removeDB deletes a database file and its sidecars; a file already gone
// is fine, one that stays would be opened again with stale pages.
func removeDB(path string) error {
	return errors.Join(removeFile(path), removeSidecars(path))
}

func removeSidecars(path string) error {
	return errors.Join(removeFile(path+"-wal"), removeFile(path+"-shm"))
}

func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// batcher inserts rows with multi-row VALUES statements.
type batcher struct {
	tx   *sql.Tx
	head string
	cols int
	rows int
	args []any
}

func (b *batcher) add(args ...any) error {
	if len(args) != b.cols {
		return fmt.Errorf("%s: %d values for %d columns", b.head, len(args), b.cols)
	}
	b.args = append(b.args, args...)
	b.rows++
	if b.rows == 200 {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if b.rows == 0 {
		return nil
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", b.cols), ",") + ")"
	q := b.head + " VALUES " + strings.TrimSuffix(strings.Repeat(one+",", b.rows), ",")
	_, err := b.tx.Exec(q, b.args...)
	b.rows, b.args = 0, b.args[:0]
	return err
}

// people are the prepared users and their old clients (the phones they
// used before: every history mutation came from one).
type people struct {
	office   string
	phones   []string // user ids
	partners []string
	clients  map[string]string // user id → its old client id
	seqs     map[string]int64  // client id → last seq
	hash     string
}

// build writes the database: reference data, an office user, phones+200
// inspectors, one plan, tasks of 1000 visits with their draws, and visits of
// 30 checklist items, every item answered. The first phones×10 visits are
// the phones' open visits of the day (each phone with a partner); the rest
// is the year's history, complete, with outcomes. With history, each result
// also has its journal row (the change-log entry that is also the mutation
// record and the audit entry, migration 0019), as the sync engine leaves it. The office rollup triggers
// are set aside during the load and the rollups rebuilt at the end.
func build(ctx context.Context, path string, results, phones int, history bool, log io.Writer) error {
	db, err := sqlstore.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := demo.LoadReference(ctx, db); err != nil {
		return err
	}
	var triggers []string
	err = db.Write(ctx, func(tx *sql.Tx) error {
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
		if err := rows.Err(); err != nil {
			return err
		}
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

	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), benchCost)
	if err != nil {
		return err
	}
	pp := &people{clients: map[string]string{}, seqs: map[string]int64{}, hash: string(hash)}
	now := sqlstore.FormatTime(time.Now())
	planID := newID()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		users := &batcher{tx: tx, head: `INSERT INTO users (id, username, name, password_hash, role, dept, region, cert_no, created_at)`, cols: 9}
		clients := &batcher{tx: tx, head: `INSERT INTO clients (id, user_id, kind, platform, installed, app_version, registered_at, last_seen)`, cols: 8}
		pp.office = newID()
		if err := users.add(pp.office, "bench-office", "压测 联席办", pp.hash, schema.RoleOffice, schema.OfficeDept, schema.CityRegion, "", now); err != nil {
			return err
		}
		addInspector := func(name string) (string, error) {
			id := newID()
			if err := users.add(id, name, "压测 "+name, pp.hash, schema.RoleInspector, benchDept, benchRegion, "62-"+name, now); err != nil {
				return "", err
			}
			c := newID()
			pp.clients[id] = c
			return id, clients.add(c, id, zsync.KindMobile, "bench", 1, "1.0.0", historyStart, historyStart)
		}
		for i := 0; i < phones; i++ {
			id, err := addInspector(phoneName(i))
			if err != nil {
				return err
			}
			pp.phones = append(pp.phones, id)
		}
		for i := 0; i < partners; i++ {
			id, err := addInspector(partnerName(i))
			if err != nil {
				return err
			}
			pp.partners = append(pp.partners, id)
		}
		if err := users.flush(); err != nil {
			return err
		}
		if err := clients.flush(); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO plans (id, year, seq, sub, domain, target, name, ratio_text, ratio, delegated, levels, initiator, window_text, source_row, created_at)
			VALUES (?, ?, 1, 1, '食品', '餐饮服务单位', '压测 餐饮服务单位抽查', '10%', '{"base":10}', 0, '["县区级"]', ?, '全年', 1, ?)`,
			planID, benchPlanYear, benchDept, now)
		return err
	})
	if err != nil {
		return err
	}

	nVisits := (results + itemsPerVisit - 1) / itemsPerVisit
	rng := rand.New(rand.NewPCG(2024, 6))
	today := time.Now().UTC().Format("2006-01-02")
	const chunk = 2000 // visits per transaction
	written := 0
	lastReport := time.Now()
	var task, draw string
	for from := 0; from < nVisits; from += chunk {
		err := db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.Exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
				return err
			}
			w := newWriters(tx, history)
			for i := from; i < min(from+chunk, nVisits); i++ {
				if i%visitsPerTask == 0 {
					task, draw = newID(), newID()
					if err := w.task(task, draw, planID, i/visitsPerTask+1, pp.office, now); err != nil {
						return err
					}
				}
				n := min(itemsPerVisit, results-i*itemsPerVisit)
				if err := w.visit(pp, rng, i, n, phones, task, draw, today); err != nil {
					return err
				}
				written += n
			}
			return w.flush()
		})
		if err != nil {
			return err
		}
		if time.Since(lastReport) > 10*time.Second {
			fmt.Fprintf(log, "  %d of %d results\n", written, results)
			lastReport = time.Now()
		}
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		for c, seq := range pp.seqs {
			if _, err := tx.Exec(`UPDATE clients SET last_seq = ? WHERE id = ?`, seq, c); err != nil {
				return err
			}
		}
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
	// No ANALYZE: the server never runs it, so the planner works here
	// without statistics, as it does in production.
	fmt.Fprintf(log, "  rebuilding rollups\n")
	return db.RebuildRollups(ctx)
}

// writers are the batchers of one load transaction.
type writers struct {
	history                                        bool
	tasks, depts, draws, entities, visits, members *batcher
	items, results, outcomes, changes              *batcher
}

func newWriters(tx *sql.Tx, history bool) *writers {
	b := func(head string, cols int) *batcher { return &batcher{tx: tx, head: head, cols: cols} }
	return &writers{
		history:  history,
		tasks:    b(`INSERT INTO tasks (id, plan_id, region, batch, level, tag, created_by, created_at)`, 8),
		depts:    b(`INSERT INTO task_departments (task_id, ord, dept)`, 3),
		draws:    b(`INSERT INTO draws (id, task_id, algorithm, seed, snapshot_hash, population, drawn, strata, result, risk_applicable, risk_stratified, created_by, created_at)`, 13),
		entities: b(`INSERT INTO entities (id, uscc, name, region, address, risk, status, tags, updated_at)`, 9),
		visits:   b(`INSERT INTO visits (id, task_id, draw_id, entity_id, risk, stratum, scheduled_on, status, completed_at, created_at)`, 10),
		members:  b(`INSERT INTO visit_members (visit_id, user_id, dept)`, 3),
		items:    b(`INSERT INTO checklist_items (id, visit_id, dept, ord, name, class)`, 6),
		results: b(`INSERT INTO item_results (item_id, visit_id, dept, value, note, photos, version, user_id, client_id, channel, mutation_id, updated_at)`,
			12),
		outcomes: b(`INSERT INTO outcomes (visit_id, dept, categories, note, version, user_id, client_id, channel, mutation_id, updated_at)`, 10),
		changes: b(`INSERT INTO changes (kind, op, entity_id, visit_id, data, at, mutation_id, mutation_client, mutation_seq, action, args, client_at, received_at, actor_id, channel)`,
			15),
	}
}

func (w *writers) flush() error {
	for _, b := range []*batcher{w.tasks, w.depts, w.draws, w.entities, w.visits, w.members, w.items, w.results, w.outcomes, w.changes} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return nil
}

func (w *writers) task(task, draw, plan string, batch int, office, now string) error {
	if err := w.tasks.add(task, plan, benchRegion, batch, "县区级", "餐饮服务单位", office, now); err != nil {
		return err
	}
	if err := w.depts.add(task, 1, benchDept); err != nil {
		return err
	}
	return w.draws.add(draw, task, "bench", "00", "00", visitsPerTask, visitsPerTask, "{}", "{}", 1, 1, office, now)
}

// visit writes visit i with n answered items. Visits below phones×10 are the
// phones' visits of the day (open); the others the year's history.
func (w *writers) visit(pp *people, rng *rand.Rand, i, n, phones int, task, draw, today string) error {
	vid, eid := newID(), newID()
	if err := w.entities.add(eid, fmt.Sprintf("91621002BM%08d", i), fmt.Sprintf("压测餐饮单位%06d", i), benchRegion,
		fmt.Sprintf("西峰区压测路%d号", i), "B", "存续", "餐饮服务单位", historyStart); err != nil {
		return err
	}
	var team [2]string
	status, completed, scheduled := "complete", any(nil), today
	at := historyStart
	if i < phones*visitsPerPhone {
		team = [2]string{pp.phones[i/visitsPerPhone], pp.partners[i%partners]}
		status = "open"
	} else {
		a := i % partners
		b := (a + 1 + (i/partners)%(partners-1)) % partners
		team = [2]string{pp.partners[a], pp.partners[b]}
		day := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC).AddDate(0, 0, i%240)
		scheduled, at = day.Format("2006-01-02"), sqlstore.FormatTime(day)
		completed = sqlstore.FormatTime(day.Add(3 * time.Hour))
	}
	if err := w.visits.add(vid, task, draw, eid, "B", "B", scheduled, status, completed, historyStart); err != nil {
		return err
	}
	for _, u := range team {
		if err := w.members.add(vid, u, benchDept); err != nil {
			return err
		}
	}
	author := team[0]
	client := pp.clients[author]
	for k := 1; k <= n; k++ {
		iid, mid := newID(), newID()
		if err := w.items.add(iid, vid, benchDept, k, fmt.Sprintf("检查事项%02d", k), "一般检查"); err != nil {
			return err
		}
		r := zsync.ItemResult{ItemID: iid, VisitID: vid, Dept: benchDept, Value: values[rng.IntN(len(values))], Photos: []string{},
			Version: 1, UserID: author, ClientID: client, Channel: zsync.KindMobile, MutationID: mid, UpdatedAt: at}
		if err := w.results.add(r.ItemID, r.VisitID, r.Dept, r.Value, r.Note, "[]", r.Version, r.UserID, r.ClientID, r.Channel, r.MutationID, r.UpdatedAt); err != nil {
			return err
		}
		if !w.history {
			continue
		}
		pp.seqs[client]++
		args, _ := json.Marshal(map[string]any{"visit_id": vid, "item_id": iid, "value": r.Value, "note": "", "photos": []string{}, "base_version": 0})
		data, _ := json.Marshal(r)
		if err := w.changes.add(zsync.ChangeItemResult, zsync.OpPut, iid, vid, string(data), at,
			mid, client, pp.seqs[client], "item.set", string(args), at, at, author, zsync.KindMobile); err != nil {
			return err
		}
	}
	if status == "complete" {
		return w.outcomes.add(vid, benchDept, `["未发现问题"]`, "", 1, author, client, zsync.KindMobile, newID(), completed)
	}
	return nil
}
