package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"zsc/schema"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// itemRef is one checklist item of a visit.
type itemRef struct{ visit, item string }

// ingestUser is one of the push phase's inspectors: a user with fresh
// (unanswered) visits, whose phone records their results.
type ingestUser struct {
	username string
	items    []itemRef
}

// runData is what one run adds to its copy of the prepared database before
// measuring: the push phase's inspectors and their unanswered visits, and
// unanswered items for the raw-insert ceiling.
type runData struct {
	ingest   []*ingestUser
	rawTrig  []itemRef // for the raw ceiling in batches of 50
	rawBig   []itemRef // for the raw ceiling in batches of 1000
	rawBook  []itemRef // for the raw bookkeeping rows
	rawAfter []itemRef // for the raw ceiling again, after the push
	partner  string    // a partner inspector (raw rows name them)
	client   string    // a client of the partner's, for the raw mutation rows
}

// setupRun writes the run's users, visits and items (not measured).
func setupRun(ctx context.Context, db *sqlstore.DB, concurrency, rowsPerUser, rawRows int) (*runData, error) {
	rd := &runData{}
	var plan, office string
	var partners []string
	err := db.Read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRow(`SELECT id FROM plans ORDER BY id LIMIT 1`).Scan(&plan); err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT id FROM users WHERE username = 'bench-office'`).Scan(&office); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id FROM users WHERE username LIKE 'hist%' ORDER BY username`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			partners = append(partners, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("not a prepared bench database: %w", err)
	}
	rd.partner = partners[0]
	var hash string
	if err := db.Reader().QueryRowContext(ctx, `SELECT password_hash FROM users WHERE username = 'bench-office'`).Scan(&hash); err != nil {
		return nil, err
	}
	now := sqlstore.FormatTime(time.Now())
	today := time.Now().UTC().Format("2006-01-02")
	run := time.Now().UnixNano() % 1_000_000_000
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		w := newWriters(tx, false)
		users := &batcher{tx: tx, head: `INSERT INTO users (id, username, name, password_hash, role, dept, region, cert_no, created_at)`, cols: 9}
		task, draw := newID(), newID()
		if err := w.task(task, draw, plan, int(run), office, now); err != nil {
			return err
		}
		visitNo := 0
		newVisit := func(team []string, n int) ([]itemRef, error) {
			visitNo++
			vid, eid := newID(), newID()
			if err := w.entities.add(eid, fmt.Sprintf("R%09d-%06d", run, visitNo), fmt.Sprintf("压测新单位%06d", visitNo), benchRegion, "", "B", "存续", "", now); err != nil {
				return nil, err
			}
			if err := w.visits.add(vid, task, draw, eid, "B", "B", today, "open", nil, now); err != nil {
				return nil, err
			}
			for _, u := range team {
				if err := w.members.add(vid, u, benchDept); err != nil {
					return nil, err
				}
			}
			var out []itemRef
			for k := 1; k <= n; k++ {
				iid := newID()
				if err := w.items.add(iid, vid, benchDept, k, fmt.Sprintf("检查事项%02d", k), "一般检查"); err != nil {
					return nil, err
				}
				out = append(out, itemRef{vid, iid})
			}
			return out, nil
		}
		for c := 0; c < concurrency; c++ {
			u := &ingestUser{username: fmt.Sprintf("ingest%02d-%d", c+1, run)}
			id := newID()
			if err := users.add(id, u.username, "压测 "+u.username, hash, schema.RoleInspector, benchDept, benchRegion, "62-"+u.username, now); err != nil {
				return err
			}
			for len(u.items) < rowsPerUser {
				items, err := newVisit([]string{id, partners[c%len(partners)]}, min(itemsPerVisit, rowsPerUser-len(u.items)))
				if err != nil {
					return err
				}
				u.items = append(u.items, items...)
			}
			rd.ingest = append(rd.ingest, u)
		}
		rd.client = newID()
		if _, err := tx.Exec(`INSERT INTO clients (id, user_id, kind, platform, installed, app_version, registered_at, last_seen)
			VALUES (?, ?, 'mobile', 'bench raw', 1, '1.0.0', ?, ?)`, rd.client, partners[0], now, now); err != nil {
			return err
		}
		for _, dst := range []*[]itemRef{&rd.rawTrig, &rd.rawBig, &rd.rawBook, &rd.rawAfter} {
			for len(*dst) < rawRows {
				items, err := newVisit(partners[:2], min(itemsPerVisit, rawRows-len(*dst)))
				if err != nil {
					return err
				}
				*dst = append(*dst, items...)
			}
		}
		if err := users.flush(); err != nil {
			return err
		}
		if err := w.flush(); err != nil {
			return err
		}
		// The bare table of the raw ceiling: item_results' columns and key,
		// without its foreign keys, index and rollup triggers.
		_, err := tx.Exec(`DROP TABLE IF EXISTS bench_raw;
			CREATE TABLE bench_raw (item_id TEXT PRIMARY KEY, visit_id TEXT NOT NULL, dept TEXT NOT NULL, value TEXT NOT NULL,
			note TEXT NOT NULL DEFAULT '', photos TEXT NOT NULL DEFAULT '[]', version INTEGER NOT NULL, user_id TEXT NOT NULL,
			client_id TEXT NOT NULL, channel TEXT NOT NULL, mutation_id TEXT NOT NULL, updated_at TEXT NOT NULL)`)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// serverDSN is the DSN server/sqlstore opens its writer with (same pragmas), so
// that the raw ceiling runs under the server's settings.
func serverDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)", "cache_size(-32000)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// durable says whether db's connection fsyncs every commit as the server's
// does (synchronous=FULL): the ceiling the push is compared with must pay
// the same durability (issue 15).
func durable(ctx context.Context, db *sql.DB) error {
	var level int
	if err := db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&level); err != nil {
		return err
	}
	if level != 2 {
		return fmt.Errorf("the raw ceiling runs with synchronous=%d, not FULL (2) as the server", level)
	}
	return nil
}

// rawInsert inserts result-shaped rows straight into table, batch rows per
// transaction, with one prepared statement, and returns rows per second.
func rawInsert(ctx context.Context, path, table string, items []itemRef, batch int, user string) (float64, error) {
	db, err := sql.Open("sqlite", serverDSN(path))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := durable(ctx, db); err != nil {
		return 0, err
	}
	st, err := db.PrepareContext(ctx, `INSERT INTO `+table+` (item_id, visit_id, dept, value, note, photos, version, user_id, client_id, channel, mutation_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	client := newID()
	mids := make([]string, len(items))
	for i := range mids {
		mids[i] = newID()
	}
	at := sqlstore.FormatTime(time.Now())
	start := time.Now()
	for from := 0; from < len(items); from += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		s := tx.StmtContext(ctx, st)
		for i := from; i < min(from+batch, len(items)); i++ {
			it := items[i]
			if _, err := s.ExecContext(ctx, it.item, it.visit, benchDept, values[i%len(values)], "", "[]", 1, user, client, "mobile", mids[i], at); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(len(items)) / time.Since(start).Seconds(), nil
}

// rawBookkeeping inserts, straight into SQLite and batch results per
// transaction, the rows a push writes for each item.set: the result and its
// journal row (the change-log entry that is also the mutation record and the
// audit entry, migration 0019; JSON made beforehand), and returns results
// per second: the bound of any engine that writes these rows, to set beside
// the raw ceiling of one row.
func rawBookkeeping(ctx context.Context, path string, items []itemRef, batch int, user, client string) (float64, error) {
	db, err := sql.Open("sqlite", serverDSN(path))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := durable(ctx, db); err != nil {
		return 0, err
	}
	return insertBookkeeping(ctx, db, items, batch, user, client)
}

// bookkeepingTables are the rows of an applied item.set, in the order the
// engine writes them (server/sqlstore/syncbuffer.go) and with its columns.
var bookkeepingTables = []struct{ head, row string }{
	{`INSERT INTO item_results (item_id, visit_id, dept, value, note, photos, version, user_id, client_id, channel, mutation_id, updated_at) VALUES `,
		`(?, ?, ?, ?, '', '[]', 1, ?, ?, 'mobile', ?, ?)`},
	{`INSERT INTO changes (kind, op, entity_id, visit_id, user_id, client_id, data, at, mutation_id, mutation_client, mutation_seq, action, args, client_at, received_at, actor_id, channel, before) VALUES `,
		`('item_result', 'put', ?, ?, NULL, NULL, ?, ?, ?, ?, ?, 'item.set', ?, ?, ?, ?, 'mobile', NULL)`},
}

// insertBookkeeping is the loop of rawBookkeeping and pgRawBookkeeping: the
// rows of each item.set, batch results per transaction, on db, each
// table's rows in one multi-row INSERT per transaction as the engine writes
// its buffered rows (one statement a row would measure the statements, not
// the rows: about three times slower on SQLite).
func insertBookkeeping(ctx context.Context, db *sql.DB, items []itemRef, batch int, user, client string) (float64, error) {
	// Prepared before the first transaction: db may have one connection.
	stmts := map[int][]*sql.Stmt{}
	for _, n := range []int{batch, len(items) % batch} {
		if n == 0 || stmts[n] != nil {
			continue
		}
		for _, t := range bookkeepingTables {
			st, err := db.PrepareContext(ctx, t.head+strings.TrimSuffix(strings.Repeat(t.row+", ", n), ", "))
			if err != nil {
				return 0, err
			}
			defer st.Close()
			stmts[n] = append(stmts[n], st)
		}
	}
	at := sqlstore.FormatTime(time.Now())
	type row struct{ mid, args, data string }
	rows := make([]row, len(items))
	for i, it := range items {
		mid := newID()
		args, _ := json.Marshal(map[string]any{"visit_id": it.visit, "item_id": it.item, "value": values[i%len(values)], "note": "", "photos": []string{}, "base_version": 0})
		data, _ := json.Marshal(zsync.ItemResult{ItemID: it.item, VisitID: it.visit, Dept: benchDept, Value: values[i%len(values)], Photos: []string{},
			Version: 1, UserID: user, ClientID: client, Channel: "mobile", MutationID: mid, UpdatedAt: at})
		rows[i] = row{mid, string(args), string(data)}
	}
	start := time.Now()
	for from := 0; from < len(items); from += batch {
		to := min(from+batch, len(items))
		args := make([][]any, len(bookkeepingTables))
		for i := from; i < to; i++ {
			it, r := items[i], rows[i]
			args[0] = append(args[0], it.item, it.visit, benchDept, values[i%len(values)], user, client, r.mid, at)
			args[1] = append(args[1], it.item, it.visit, r.data, at, r.mid, client, i+1, r.args, at, at, user)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		for k, st := range stmts[to-from] {
			if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args[k]...); err != nil {
				return 0, errors.Join(err, tx.Rollback())
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(len(items)) / time.Since(start).Seconds(), nil
}
