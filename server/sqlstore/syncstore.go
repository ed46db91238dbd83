package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	gosync "sync"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"zsc/schema"
	"zsc/server/authz"
	zsync "zsc/sync"
)

// SyncStore implements zsync.Store on the database: the engine decides,
// SyncStore only reads and writes rows.
//
// Hot statements are prepared once per pool and reused by every
// transaction. They cannot be prepared inside a transaction on the writer
// pool (its one connection is the transaction's), so a statement first runs
// unprepared, is noted, and is prepared before the next transaction begins.
type SyncStore struct {
	db     *DB
	mu     gosync.Mutex
	stmts  map[stmtKey]*sql.Stmt
	wanted map[stmtKey]bool
	// items caches what never changes in a visit once drawn (a re-draw
	// makes a new visit): its checklist, task, region and departments. A
	// push of 50 results read 30 item rows of its visit and its task's
	// departments every time. Filled only from committed transactions.
	items map[string]drawnVisit
}

// drawnVisit is the part of a visit fixed when it was drawn: nothing
// updates a visit's task, a task's region or departments, or a checklist.
type drawnVisit struct {
	taskID, region string
	depts          []string
	items          []zsync.Item
}

// maxCachedChecklists bounds the checklist cache (about 3 KB a visit).
const maxCachedChecklists = 4096

type stmtKey struct {
	pool  *sql.DB
	query string
}

// NewSyncStore returns the sync store of db.
func NewSyncStore(db *DB) *SyncStore {
	return &SyncStore{db: db, stmts: map[stmtKey]*sql.Stmt{}, wanted: map[stmtKey]bool{}, items: map[string]drawnVisit{}}
}

// Write implements zsync.Store: one write transaction (the single writer).
func (s *SyncStore) Write(ctx context.Context, fn func(tx zsync.Tx) error) error {
	s.warm(ctx)
	var loaded map[string]drawnVisit
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		// Detached: a phone dropping off must not interrupt a statement of
		// the group commit it shares with others (DB.Write, DESIGN §8.4).
		t := &syncTx{s: s, pool: s.db.write, tx: tx, ctx: context.WithoutCancel(ctx), at: s.db.NowText(), buf: &appendBuffer{}}
		if err := fn(t); err != nil {
			return err
		}
		loaded = t.loadedItems
		return t.flush()
	})
	if err == nil && len(loaded) > 0 {
		s.cacheItems(loaded, true)
	}
	return err
}

// Read implements zsync.Store: one read-only snapshot from the reader pool.
func (s *SyncStore) Read(ctx context.Context, fn func(tx zsync.ReadTx) error) error {
	s.warm(ctx)
	var loaded map[string]drawnVisit
	err := s.db.Read(ctx, func(tx *sql.Tx) error {
		t := &syncTx{s: s, pool: s.db.read, tx: tx, ctx: ctx, at: s.db.NowText()}
		err := fn(t)
		loaded = t.loadedItems
		return err
	})
	if err == nil && len(loaded) > 0 {
		s.cacheItems(loaded, false)
	}
	return err
}

func (s *SyncStore) cachedItems(visitID string) (drawnVisit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.items[visitID]
	return d, ok
}

// cacheItems keeps the drawn parts loaded. evict: a push's loads, which
// empty a full cache to make room; a pull's (readers warming the cache for
// the pushes to come) only fill what room there is, so that a lead's
// bootstrap of thousands of visits, none of which he pushes results to,
// never throws out the inspectors' checklists.
func (s *SyncStore) cacheItems(loaded map[string]drawnVisit, evict bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if evict && len(s.items)+len(loaded) > maxCachedChecklists {
		clear(s.items)
	}
	for id, d := range loaded {
		if len(s.items) >= maxCachedChecklists {
			break
		}
		s.items[id] = d
	}
}

// Close releases the prepared statements.
func (s *SyncStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range s.stmts {
		st.Close()
		delete(s.stmts, k)
	}
	return nil
}

// warm prepares the statements noted since the last transaction; it runs
// outside any transaction, so it may wait for a connection but never for
// itself.
func (s *SyncStore) warm(ctx context.Context) {
	s.mu.Lock()
	if len(s.wanted) == 0 {
		s.mu.Unlock()
		return
	}
	wanted := s.wanted
	s.wanted = map[stmtKey]bool{}
	s.mu.Unlock()
	for k := range wanted {
		st, err := k.pool.PrepareContext(ctx, k.query)
		if err != nil {
			continue // it keeps running unprepared
		}
		s.mu.Lock()
		if _, ok := s.stmts[k]; ok {
			st.Close()
		} else {
			s.stmts[k] = st
		}
		s.mu.Unlock()
	}
}

// stmt returns the prepared statement of query, or nil after noting it.
func (s *SyncStore) stmt(pool *sql.DB, query string) *sql.Stmt {
	k := stmtKey{pool, query}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stmts[k]
	if !ok {
		s.wanted[k] = true
	}
	return st
}

// syncTx is one transaction of the sync store. s is nil when it wraps a
// transaction of other store code (AppendVisitSnapshot): no statement cache.
type syncTx struct {
	s    *SyncStore
	pool *sql.DB
	tx   *sql.Tx
	ctx  context.Context
	at   string
	// buf holds a write transaction's log rows until its end (syncbuffer.go);
	// nil in read transactions and wrapped ones.
	buf *appendBuffer
	// spWanted: the engine opened a savepoint; spOpen: it exists in SQLite.
	spWanted, spOpen bool
	// loadedItems are the drawn parts of visits read here, cached after
	// the commit.
	loadedItems map[string]drawnVisit
	// known are the stored results of the visits this write transaction
	// loaded, read once per visit instead of once per item (ItemResult).
	known map[string]*zsync.ItemResult
	// calm are the visits this write transaction found without an open
	// conflict (OpenConflictsOn); AddConflict forgets its visit.
	calm map[string]bool
}

var _ zsync.Tx = (*syncTx)(nil)

func (t *syncTx) prepared(query string) (*sql.Stmt, error) {
	if t.s == nil {
		return nil, nil
	}
	st := t.s.stmt(t.pool, query)
	if st == nil {
		return nil, nil
	}
	return t.tx.StmtContext(t.ctx, st), nil
}

// exec runs a write: the savepoint the engine asked for opens first.
func (t *syncTx) exec(query string, args ...any) (sql.Result, error) {
	if err := t.beforeWrite(); err != nil {
		return nil, err
	}
	return t.execNow(query, args...)
}

func (t *syncTx) execNow(query string, args ...any) (sql.Result, error) {
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return t.tx.ExecContext(t.ctx, query, args...)
	}
	return st.ExecContext(t.ctx, args...)
}

func (t *syncTx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return t.tx.QueryContext(t.ctx, query, args...)
	}
	return st.QueryContext(t.ctx, args...)
}

func (t *syncTx) row(query string, args ...any) *sql.Row {
	st, err := t.prepared(query)
	if err != nil || st == nil {
		return t.tx.QueryRowContext(t.ctx, query, args...)
	}
	return st.QueryRowContext(t.ctx, args...)
}

// insertNew runs an INSERT that must add a new row: zsync.ErrDuplicate when
// a row with its key (or another unique value) is there already.
//
// Why ON CONFLICT DO NOTHING rather than catching the violation: on
// PostgreSQL a failed statement aborts the whole transaction, and the engine
// goes on after a duplicate (a replayed check-in, a notice already there).
func (t *syncTx) insertNew(query string, args ...any) error {
	res, err := t.exec(query+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return zsync.ErrDuplicate
	}
	return nil
}

// dup turns a UNIQUE or PRIMARY KEY violation into zsync.ErrDuplicate.
func dup(err error) error {
	if isUnique(err) {
		return zsync.ErrDuplicate
	}
	return err
}

// isSQLiteUnique says whether err is SQLite's UNIQUE or PRIMARY KEY violation.
func isSQLiteUnique(err error) bool {
	var se *msqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// none turns sql.ErrNoRows into "no record".
func none(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// collect runs a query and scans each row with scan.
func collect[T any](t *syncTx, scan func(sc interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func strings1(t *syncTx, query string, args ...any) ([]string, error) {
	return collect(t, func(sc interface{ Scan(...any) error }) (string, error) {
		var s string
		err := sc.Scan(&s)
		return s, err
	}, query, args...)
}

// --- clients and mutations (§5 steps 1, 3, 8) ---

const clientCols = `id, user_id, kind, platform, installed, app_version, last_seq, pending, registered_at, last_seen, retired_at`

func scanClient(sc interface{ Scan(...any) error }) (*zsync.Client, error) {
	var c zsync.Client
	var retired sql.NullString
	err := sc.Scan(&c.ID, &c.UserID, &c.Kind, &c.Platform, &c.Installed, &c.AppVersion, &c.LastSeq, &c.Pending, &c.RegisteredAt, &c.LastSeen, &retired)
	if retired.Valid {
		c.RetiredAt = &retired.String
	}
	return &c, err
}

func (t *syncTx) Client(id string) (*zsync.Client, error) {
	c, err := scanClient(t.row(`SELECT `+clientCols+` FROM clients WHERE id = ?`, id))
	if err != nil {
		return nil, none(err)
	}
	return c, nil
}

func (t *syncTx) User(id string) (*schema.User, error) {
	var u schema.User
	err := t.row(`SELECT id, username, name, role, dept, region, cert_no, expert, on_duty FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Dept, &u.Region, &u.CertNo, &u.Expert, &u.OnDuty)
	if err != nil {
		return nil, none(err)
	}
	return &u, nil
}

func (t *syncTx) PutClient(c *zsync.Client) error {
	_, err := t.exec(`INSERT INTO clients (`+clientCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET platform = excluded.platform, installed = excluded.installed,
		app_version = excluded.app_version, pending = excluded.pending, last_seen = excluded.last_seen`,
		c.ID, c.UserID, c.Kind, c.Platform, c.Installed, c.AppVersion, c.LastSeq, c.Pending, c.RegisteredAt, c.LastSeen, c.RetiredAt)
	return err
}

func (t *syncTx) TouchClient(id, at string, pending *int, lastSeq *int64) error {
	_, err := t.exec(`UPDATE clients SET last_seen = ?, pending = coalesce(?, pending), last_seq = coalesce(?, last_seq) WHERE id = ?`, at, pending, lastSeq, id)
	return err
}

func (t *syncTx) RetireClient(id, at string) error {
	_, err := t.exec(`UPDATE clients SET retired_at = ? WHERE id = ? AND retired_at IS NULL`, at, id)
	return err
}

// ServerClient returns the id of the user's unretired web client named
// platform that the server itself registered (office paper entry), or ""
// when there is none yet. Such ids are random and looked up here, never
// derived from the user id: anything derivable from data other users see
// could be registered first by one of them (DESIGN §8.8).
func (db *DB) ServerClient(ctx context.Context, userID, platform string) (string, error) {
	var id string
	err := db.read.QueryRowContext(ctx, `SELECT id FROM clients WHERE user_id = ? AND kind = 'web' AND platform = ? AND retired_at IS NULL
		ORDER BY registered_at DESC, id DESC LIMIT 1`, userID, platform).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func (t *syncTx) MutationFate(clientID string, seq int64) (*zsync.Result, string, error) {
	if err := t.flush(); err != nil {
		return nil, "", err
	}
	var r zsync.Result
	var sent string
	err := t.row(`SELECT seq, status, reason, code, CASE sent_id WHEN '' THEN id ELSE sent_id END FROM mutation_log WHERE client_id = ? AND seq = ?`,
		clientID, seq).Scan(&r.Seq, &r.Status, &r.Reason, &r.Code, &sent)
	if err != nil {
		return nil, "", none(err)
	}
	return &r, sent, nil
}

func (t *syncTx) Rejections(clientID string) ([]zsync.Rejection, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return collect(t, func(sc interface{ Scan(...any) error }) (zsync.Rejection, error) {
		var r zsync.Rejection
		err := sc.Scan(&r.MutationID, &r.Seq, &r.Name, &r.Reason, &r.At)
		return r, err
	}, `SELECT id, seq, name, reason, received_at FROM mutations WHERE client_id = ? AND status = 'rejected' ORDER BY seq`, clientID)
}

// --- visits and scope (§5 step 4) ---

func (t *syncTx) Visit(id string) (*zsync.Visit, error) {
	v := &zsync.Visit{ID: id}
	var d drawnVisit
	cached := false
	if t.s != nil {
		d, cached = t.s.cachedItems(id)
	}
	// What may move in a visit, in one statement (a push loads a visit or
	// two per 50 results): kind 0 its status and its count of stored results
	// (answered, its rollup kept by triggers in the same transaction; -1
	// without a rollup row), kind 1 its team by user, kind 2 the departments
	// that finished, in order.
	var kind, active int
	var a, b, c, e string
	answered := "-1"
	found := false
	rows, err := t.query(`SELECT 0, v.status, CAST(coalesce(r.answered, -1) AS TEXT), 0, '', '' FROM visits v
			LEFT JOIN visit_rollups r ON r.visit_id = v.id WHERE v.id = ?
		UNION ALL SELECT 1, m.user_id, m.dept, m.active, u.name, u.cert_no FROM visit_members m JOIN users u ON u.id = m.user_id
			WHERE m.visit_id = ?
		UNION ALL SELECT 2, dept, '', 0, '', '' FROM dept_finishes WHERE visit_id = ?
		ORDER BY 1, 2`, id, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&kind, &a, &b, &active, &c, &e); err != nil {
			return nil, err
		}
		switch kind {
		case 0:
			v.Status, answered, found = a, b, true
		case 1:
			v.Members = append(v.Members, zsync.Member{UserID: a, Dept: b, Active: active != 0, Name: c, CertNo: e})
		case 2:
			v.Finished = append(v.Finished, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, none(sql.ErrNoRows)
	}
	none := answered == "0"
	if cached {
		v.TaskID, v.Region, v.Depts = d.taskID, d.region, slices.Clone(d.depts)
		v.Items = slices.Clone(d.items)
		return v, t.knowResults(v, none)
	}
	if err := t.row(`SELECT v.task_id, t.region FROM visits v JOIN tasks t ON t.id = v.task_id WHERE v.id = ?`, id).
		Scan(&d.taskID, &d.region); err != nil {
		return nil, err
	}
	if d.depts, err = strings1(t, `SELECT dept FROM task_departments WHERE task_id = ? ORDER BY ord`, d.taskID); err != nil {
		return nil, err
	}
	v.TaskID, v.Region, v.Depts = d.taskID, d.region, slices.Clone(d.depts)
	v.Items, err = collect(t, func(sc interface{ Scan(...any) error }) (zsync.Item, error) {
		var it zsync.Item
		err := sc.Scan(&it.ID, &it.Dept, &it.Name)
		return it, err
	}, `SELECT id, dept, name FROM checklist_items WHERE visit_id = ? ORDER BY dept, ord, id`, id)
	if err != nil {
		return nil, err
	}
	if t.s != nil {
		if t.loadedItems == nil {
			t.loadedItems = map[string]drawnVisit{}
		}
		d.items = slices.Clone(v.Items)
		t.loadedItems[id] = d
	}
	return v, t.knowResults(v, none)
}

// knowResults reads a visit's stored results once, in a write transaction:
// the engine loads a visit before it touches the visit's items. An item
// without a result is known as nil. none says the visit has no stored result
// (its rollup), so there is nothing to read: a visit's first push.
func (t *syncTx) knowResults(v *zsync.Visit, none bool) error {
	if t.buf == nil {
		return nil
	}
	var rs []zsync.ItemResult
	if !none {
		var err error
		if rs, err = collect(t, scanResult, `SELECT `+resultCols+` FROM item_results WHERE visit_id = ?`, v.ID); err != nil {
			return err
		}
	}
	if t.known == nil {
		t.known = map[string]*zsync.ItemResult{}
	}
	for _, it := range v.Items {
		if _, ok := t.known[it.ID]; !ok {
			t.known[it.ID] = nil
		}
	}
	for i := range rs {
		t.known[rs[i].ItemID] = &rs[i]
	}
	return nil
}

// visible is the SQL of zsync.CanSee: the ids of the visits scope sees,
// with its arguments. An admin sees everything (the empty query). The
// policy decides (authz.ListFilter of VisitRead, the rule CanSee asks);
// this only writes its answer as SQL.
func visible(s zsync.Scope) (string, []any) {
	u := s.User
	f := authz.ListFilter(u, authz.VisitRead)
	if f.All {
		return "", nil
	}
	member := `SELECT visit_id FROM visit_members WHERE user_id = ? AND active = 1`
	if f.None {
		return member, []any{u.ID}
	}
	byTask := `SELECT v.id FROM visits v JOIN tasks t ON t.id = v.task_id WHERE (? = '' OR t.region = ?)`
	args := []any{u.ID, f.Region, f.Region}
	if f.Dept != "" {
		byTask += ` AND EXISTS (SELECT 1 FROM task_departments td WHERE td.task_id = t.id AND td.dept = ?)`
		args = append(args, f.Dept)
	}
	return member + ` UNION ` + byTask, args
}

func (t *syncTx) VisibleVisits(s zsync.Scope) ([]string, error) {
	q, args := visible(s)
	if q == "" {
		q = `SELECT id FROM visits`
	}
	return strings1(t, `SELECT id FROM visits WHERE id IN (`+q+`) ORDER BY id`, args...)
}

func (t *syncTx) Head() (int64, error) {
	if err := t.flush(); err != nil {
		return 0, err
	}
	var n int64
	err := t.row(`SELECT coalesce(max(seq), 0) FROM changes`).Scan(&n)
	return n, err
}

// Changes reads the log after cursor for a scope: the narrowest audience
// set on a change decides (client, else user, else visit, else everyone).
func (t *syncTx) Changes(s zsync.Scope, cursor int64, limit int) ([]zsync.LoggedChange, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	vq, vargs := visible(s)
	var q string
	var args []any
	if s.User.Role == schema.RoleInspector {
		// An inspector sees a handful of visits but may pull after days
		// offline: one index range per audience (this client, this user,
		// each of their visits, everyone) instead of a scan of everybody's
		// changes since the cursor.
		const from = `SELECT seq, kind, op, entity_id, data FROM changes WHERE `
		q = `SELECT seq, kind, op, entity_id, data FROM (` +
			from + `client_id = ? AND seq > ?
			UNION ALL ` + from + `user_id = ? AND client_id IS NULL AND seq > ?
			UNION ALL ` + from + `visit_id IS NOT NULL AND visit_id IN (` + vq + `) AND user_id IS NULL AND client_id IS NULL AND seq > ?
			UNION ALL ` + from + `visit_id IS NULL AND user_id IS NULL AND client_id IS NULL AND seq > ?
			) AS audiences ORDER BY seq LIMIT ?`
		args = append([]any{s.ClientID, cursor, s.User.ID, cursor}, vargs...)
		args = append(args, cursor, cursor, limit)
	} else {
		visitCond := `visit_id IS NULL OR visit_id IN (` + vq + `)`
		if vq == "" {
			visitCond = `1 = 1`
		}
		q = `SELECT seq, kind, op, entity_id, data FROM changes
			WHERE seq > ? AND (client_id = ? OR (client_id IS NULL AND (user_id = ? OR (user_id IS NULL AND (` + visitCond + `)))))
			ORDER BY seq LIMIT ?`
		args = append([]any{cursor, s.ClientID, s.User.ID}, vargs...)
		args = append(args, limit)
	}
	return collect(t, func(sc interface{ Scan(...any) error }) (zsync.LoggedChange, error) {
		var c zsync.LoggedChange
		var data string
		err := sc.Scan(&c.Seq, &c.Kind, &c.Op, &c.ID, &data)
		c.Data = json.RawMessage(data)
		return c, err
	}, q, args...)
}

func (t *syncTx) AppendChange(c zsync.Change) error {
	args, err := changeArgs(t.at, Change{Kind: c.Kind, Op: c.Op, EntityID: c.EntityID, VisitID: c.VisitID,
		UserID: c.UserID, ClientID: c.ClientID, Data: c.Data})
	if err != nil {
		return err
	}
	// The journal columns, NULL until a mutation folds into the change.
	args = append(args, make([]any, changeWidth-len(args))...)
	if t.buf != nil {
		t.buf.changes = append(t.buf.changes, args)
		return nil
	}
	_, err = t.exec(changeInsert+changeRow, args...)
	return err
}

func (t *syncTx) Audit(a zsync.AuditEntry) error {
	args, err := auditArgs(a.At, AuditEntry{UserID: a.UserID, ClientID: a.ClientID, Channel: a.Channel, Action: a.Action,
		Kind: a.Kind, EntityID: a.EntityID, ParentKind: a.ParentKind, ParentID: a.ParentID, Before: a.Before, After: a.After, Reason: a.Reason})
	if err != nil {
		return err
	}
	if t.buf != nil {
		t.buf.audits = append(t.buf.audits, args)
		return nil
	}
	_, err = t.exec(auditSQL, args...)
	return err
}

// cachedQuerier reads through the store's prepared statements.
type cachedQuerier struct{ t *syncTx }

func (c cachedQuerier) QueryRow(query string, args ...any) *sql.Row { return c.t.row(query, args...) }
func (c cachedQuerier) Query(query string, args ...any) (*sql.Rows, error) {
	return c.t.query(query, args...)
}

func (t *syncTx) VisitData(visitID string) (json.RawMessage, error) {
	d, err := loadVisit(cachedQuerier{t}, visitID)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(d)
	return b, err
}

const deptFinishCols = `f.visit_id, f.dept, f.user_id, coalesce(u.name, ''), f.client_id, f.channel, f.mutation_id, f.at`

func scanDeptFinish(sc interface{ Scan(...any) error }) (zsync.DeptFinish, error) {
	var f zsync.DeptFinish
	err := sc.Scan(&f.VisitID, &f.Dept, &f.UserID, &f.UserName, &f.ClientID, &f.Channel, &f.MutationID, &f.At)
	return f, err
}

func (t *syncTx) AddDeptFinish(f *zsync.DeptFinish) error {
	return t.insertNew(`INSERT INTO dept_finishes (visit_id, dept, user_id, client_id, channel, mutation_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		f.VisitID, f.Dept, f.UserID, f.ClientID, f.Channel, f.MutationID, f.At)
}

func (t *syncTx) CompleteVisit(visitID, at string) error {
	_, err := t.exec(`UPDATE visits SET status = 'complete', completed_at = ?, version = version + 1 WHERE id = ? AND status = 'open'`, at, visitID)
	return err
}

// --- results, outcomes and the rest of a visit's records ---

const resultCols = `item_id, visit_id, dept, value, note, photos, version, user_id, client_id, channel, mutation_id, updated_at`

func scanResult(sc interface{ Scan(...any) error }) (zsync.ItemResult, error) {
	var r zsync.ItemResult
	var photos string
	if err := sc.Scan(&r.ItemID, &r.VisitID, &r.Dept, &r.Value, &r.Note, &photos, &r.Version, &r.UserID, &r.ClientID, &r.Channel, &r.MutationID, &r.UpdatedAt); err != nil {
		return r, err
	}
	r.Photos = []string{}
	return r, json.Unmarshal([]byte(photos), &r.Photos)
}

const outcomeCols = `visit_id, dept, categories, note, version, user_id, client_id, channel, mutation_id, updated_at`

func scanOutcome(sc interface{ Scan(...any) error }) (zsync.Outcome, error) {
	var o zsync.Outcome
	var cats string
	if err := sc.Scan(&o.VisitID, &o.Dept, &cats, &o.Note, &o.Version, &o.UserID, &o.ClientID, &o.Channel, &o.MutationID, &o.UpdatedAt); err != nil {
		return o, err
	}
	o.Categories = []string{}
	return o, json.Unmarshal([]byte(cats), &o.Categories)
}

func (t *syncTx) Outcome(visitID, dept string) (*zsync.Outcome, error) {
	o, err := scanOutcome(t.row(`SELECT `+outcomeCols+` FROM outcomes WHERE visit_id = ? AND dept = ?`, visitID, dept))
	if err != nil {
		return nil, none(err)
	}
	return &o, nil
}

func (t *syncTx) PutOutcome(o *zsync.Outcome) error {
	cats, err := jsonText(nonNilStrings(o.Categories))
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO outcomes (`+outcomeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (visit_id, dept) DO UPDATE SET categories = excluded.categories, note = excluded.note,
		version = excluded.version, user_id = excluded.user_id, client_id = excluded.client_id, channel = excluded.channel,
		mutation_id = excluded.mutation_id, updated_at = excluded.updated_at`,
		o.VisitID, o.Dept, cats, o.Note, o.Version, o.UserID, o.ClientID, o.Channel, o.MutationID, o.UpdatedAt)
	return err
}

const checkinCols = `id, visit_id, user_id, at, lat, lng, accuracy, client_id, channel`

func scanCheckin(sc interface{ Scan(...any) error }) (zsync.Checkin, error) {
	var c zsync.Checkin
	var lat, lng, acc sql.NullFloat64
	err := sc.Scan(&c.ID, &c.VisitID, &c.UserID, &c.At, &lat, &lng, &acc, &c.ClientID, &c.Channel)
	c.Lat, c.Lng, c.Accuracy = nullFloat(lat), nullFloat(lng), nullFloat(acc)
	return c, err
}

func nullFloat(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

func (t *syncTx) AddCheckin(c *zsync.Checkin) error {
	return t.insertNew(`INSERT INTO checkins (`+checkinCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.VisitID, c.UserID, c.At, c.Lat, c.Lng, c.Accuracy, c.ClientID, c.Channel)
}

const signatureCols = `id, visit_id, kind, signer, photo, witness, note, user_id, client_id, channel, at,
	dept, signer_id, cert_no, role, phone, confirmed`

func scanSignature(sc interface{ Scan(...any) error }) (zsync.Signature, error) {
	var s zsync.Signature
	err := sc.Scan(&s.ID, &s.VisitID, &s.Kind, &s.Signer, &s.Photo, &s.Witness, &s.Note, &s.UserID, &s.ClientID, &s.Channel, &s.At,
		&s.Dept, &s.SignerID, &s.CertNo, &s.Role, &s.Phone, &s.Confirmed)
	return s, err
}

func (t *syncTx) AddSignature(s *zsync.Signature) error {
	return t.insertNew(`INSERT INTO signatures (`+signatureCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.VisitID, s.Kind, s.Signer, s.Photo, s.Witness, s.Note, s.UserID, s.ClientID, s.Channel, s.At,
		s.Dept, s.SignerID, s.CertNo, s.Role, s.Phone, s.Confirmed)
}

const noticeCols = `id, visit_id, dept, year, number, number_text, provisional, items, problems, legal_basis, deadline,
	issued_at, user_id, client_id, channel, served_at, served_to, served_sig, status,
	authority, inspectors, days, voided_at, voided_by, void_reason`

func scanNotice(sc interface{ Scan(...any) error }) (zsync.Notice, error) {
	var n zsync.Notice
	var num sql.NullInt64
	var served sql.NullString
	var items, inspectors string
	var voidedAt, voidedBy sql.NullString
	if err := sc.Scan(&n.ID, &n.VisitID, &n.Dept, &n.Year, &num, &n.NumberText, &n.Provisional, &items, &n.Problems, &n.LegalBasis,
		&n.Deadline, &n.IssuedAt, &n.UserID, &n.ClientID, &n.Channel, &served, &n.ServedTo, &n.ServedSig, &n.Status,
		&n.Authority, &inspectors, &n.Days, &voidedAt, &voidedBy, &n.VoidReason); err != nil {
		return n, err
	}
	if voidedAt.Valid {
		n.VoidedAt = &voidedAt.String
	}
	if voidedBy.Valid {
		n.VoidedBy = &voidedBy.String
	}
	n.Inspectors = []zsync.NoticeInspector{}
	if err := json.Unmarshal([]byte(inspectors), &n.Inspectors); err != nil {
		return n, fmt.Errorf("notice %s inspectors: %w", n.ID, err)
	}
	if num.Valid {
		x := int(num.Int64)
		n.Number = &x
	}
	if served.Valid {
		n.ServedAt = &served.String
	}
	n.Items = []string{}
	return n, json.Unmarshal([]byte(items), &n.Items)
}

func (t *syncTx) Notice(id string) (*zsync.Notice, error) {
	n, err := scanNotice(t.row(`SELECT `+noticeCols+` FROM notices WHERE id = ?`, id))
	if err != nil {
		return nil, none(err)
	}
	return &n, nil
}

func (t *syncTx) AddNotice(n *zsync.Notice) error {
	items, err := jsonText(nonNilStrings(n.Items))
	if err != nil {
		return err
	}
	if n.Inspectors == nil {
		n.Inspectors = []zsync.NoticeInspector{}
	}
	inspectors, err := json.Marshal(n.Inspectors)
	if err != nil {
		return err
	}
	return t.insertNew(`INSERT INTO notices (`+noticeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.VisitID, n.Dept, n.Year, n.Number, n.NumberText, n.Provisional, items, n.Problems, n.LegalBasis, n.Deadline,
		n.IssuedAt, n.UserID, n.ClientID, n.Channel, n.ServedAt, n.ServedTo, n.ServedSig, n.Status,
		n.Authority, string(inspectors), n.Days, n.VoidedAt, n.VoidedBy, n.VoidReason)
}

func (t *syncTx) UpdateNotice(n *zsync.Notice) error {
	_, err := t.exec(`UPDATE notices SET number = ?, number_text = ?, provisional = ?, served_at = ?, served_to = ?, served_sig = ?, status = ?,
		voided_at = ?, voided_by = ?, void_reason = ? WHERE id = ?`,
		n.Number, n.NumberText, n.Provisional, n.ServedAt, n.ServedTo, n.ServedSig, n.Status, n.VoidedAt, n.VoidedBy, n.VoidReason, n.ID)
	return err
}

const followupCols = `id, notice_id, visit_id, corrected, action, penalty, note, user_id, client_id, channel, at`

func scanFollowup(sc interface{ Scan(...any) error }) (zsync.Followup, error) {
	var f zsync.Followup
	err := sc.Scan(&f.ID, &f.NoticeID, &f.VisitID, &f.Corrected, &f.Action, &f.Penalty, &f.Note, &f.UserID, &f.ClientID, &f.Channel, &f.At)
	return f, err
}

func (t *syncTx) AddFollowup(f *zsync.Followup) error {
	return t.insertNew(`INSERT INTO followups (`+followupCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.NoticeID, f.VisitID, f.Corrected, f.Action, f.Penalty, f.Note, f.UserID, f.ClientID, f.Channel, f.At)
}

// --- conflicts (§5 step 5) ---

const conflictSelect = `SELECT c.id, c.visit_id, c.kind, c.target, c.dept, c.server_value, c.server_user, coalesce(su.name, ''),
	c.server_at, c.server_version, c.client_value, c.client_user, coalesce(cu.name, ''), c.client_at, c.mutation_id, c.status,
	c.settled_value, c.settled_by, c.settled_at, coalesce(sb.name, '')
	FROM conflicts c LEFT JOIN users su ON su.id = c.server_user LEFT JOIN users cu ON cu.id = c.client_user
	LEFT JOIN users sb ON sb.id = c.settled_by`

func scanConflict(sc interface{ Scan(...any) error }) (zsync.Conflict, error) {
	var c zsync.Conflict
	var sv, cv string
	var settled, by, at sql.NullString
	if err := sc.Scan(&c.ID, &c.VisitID, &c.Kind, &c.Target, &c.Dept, &sv, &c.ServerUser, &c.ServerUserName, &c.ServerAt, &c.ServerVersion,
		&cv, &c.ClientUser, &c.ClientUserName, &c.ClientAt, &c.MutationID, &c.Status, &settled, &by, &at, &c.SettledByName); err != nil {
		return c, err
	}
	c.ServerValue, c.ClientValue = json.RawMessage(sv), json.RawMessage(cv)
	c.SettledValue = json.RawMessage("null")
	if settled.Valid {
		c.SettledValue = json.RawMessage(settled.String)
	}
	if by.Valid {
		c.SettledBy = &by.String
	}
	if at.Valid {
		c.SettledAt = &at.String
	}
	return c, nil
}

func (t *syncTx) Conflict(id string) (*zsync.Conflict, error) {
	c, err := scanConflict(t.row(conflictSelect+` WHERE c.id = ?`, id))
	if err != nil {
		return nil, none(err)
	}
	return &c, nil
}

func (t *syncTx) AddConflict(c *zsync.Conflict) error {
	delete(t.calm, c.VisitID)
	_, err := t.exec(`INSERT INTO conflicts (id, visit_id, kind, target, dept, server_value, server_user, server_at, server_version,
		client_value, client_user, client_at, mutation_id, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.VisitID, c.Kind, c.Target, c.Dept, string(c.ServerValue), c.ServerUser, c.ServerAt, c.ServerVersion,
		string(c.ClientValue), c.ClientUser, c.ClientAt, c.MutationID, c.Status)
	return err
}

func (t *syncTx) OpenConflict(visitID, kind, target, clientUser string) (*zsync.Conflict, error) {
	c, err := scanConflict(t.row(conflictSelect+` WHERE c.visit_id = ? AND c.status = 'open' AND c.kind = ? AND c.target = ?
		AND c.client_user = ? ORDER BY c.id LIMIT 1`, visitID, kind, target, clientUser))
	if err != nil {
		return nil, none(err)
	}
	return &c, nil
}

// OpenConflictsOn implements zsync.Tx. The engine asks it for every result
// a push writes, and almost no visit has an open conflict: a write
// transaction asks once per visit whether it has any (one query for a push
// of 50 results instead of 50, a tenth of the writer's time in server/bench)
// and remembers the visits that have none. Only AddConflict opens one.
func (t *syncTx) OpenConflictsOn(visitID, kind, target string) ([]zsync.Conflict, error) {
	if t.buf != nil {
		if t.calm[visitID] {
			return nil, nil
		}
		var open int
		if err := t.row(`SELECT count(*) FROM conflicts WHERE visit_id = ? AND status = 'open'`, visitID).Scan(&open); err != nil {
			return nil, err
		}
		if open == 0 {
			if t.calm == nil {
				t.calm = map[string]bool{}
			}
			t.calm[visitID] = true
			return nil, nil
		}
	}
	return collect(t, scanConflict, conflictSelect+` WHERE c.visit_id = ? AND c.status = 'open' AND c.kind = ? AND c.target = ? ORDER BY c.id`,
		visitID, kind, target)
}

func (t *syncTx) UpdateConflict(c *zsync.Conflict) error {
	return t.one(`UPDATE conflicts SET server_value = ?, server_user = ?, server_at = ?, server_version = ?,
		client_value = ?, client_at = ?, mutation_id = ? WHERE id = ? AND status = 'open'`,
		string(c.ServerValue), c.ServerUser, c.ServerAt, c.ServerVersion, string(c.ClientValue), c.ClientAt, c.MutationID, c.ID)
}

func (t *syncTx) SettleConflict(id string, value json.RawMessage, by, at string) error {
	_, err := t.exec(`UPDATE conflicts SET status = 'settled', settled_value = ?, settled_by = ?, settled_at = ? WHERE id = ?`,
		string(value), by, at, id)
	return err
}

func (t *syncTx) Conflicts(s zsync.Scope, status string) ([]zsync.Conflict, error) {
	vq, args := visible(s)
	where := ` WHERE (? = '' OR c.status = ?)`
	if vq != "" {
		where += ` AND c.visit_id IN (` + vq + `)`
	}
	return collect(t, scanConflict, conflictSelect+where+` ORDER BY c.id`, append([]any{status, status}, args...)...)
}

// --- photos (§5 step 6) ---

func (t *syncTx) Blob(sha string) (*zsync.Blob, error) {
	b := &zsync.Blob{SHA256: sha}
	if err := t.row(`SELECT size FROM blobs WHERE sha256 = ?`, sha).Scan(&b.Size); err != nil {
		return nil, none(err)
	}
	return b, nil
}

func (t *syncTx) AddBlob(sha string, size int64, at string) (bool, error) {
	res, err := t.exec(`INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING`, sha, size, at)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *syncTx) BlobUploadedBy(sha, userID string) (bool, error) {
	var n int
	err := t.row(`SELECT count(*) FROM blob_uploads WHERE sha256 = ? AND user_id = ?`, sha, userID).Scan(&n)
	return n > 0, err
}

func (t *syncTx) UnreferencedUploadBytes(userID, except string) (int64, error) {
	var n int64
	err := t.row(`SELECT coalesce(sum(u.size), 0) FROM blob_uploads u WHERE u.user_id = ? AND u.sha256 <> ?
		AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.sha256 = u.sha256)`, userID, except).Scan(&n)
	return n, err
}

// blobUnreferenced is the sweeper's condition on blobs b: no visit names
// the photo and nobody uploaded it at or after the cut-off (the ? argument).
const blobUnreferenced = `NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.sha256 = b.sha256)
	AND NOT EXISTS (SELECT 1 FROM blob_uploads u WHERE u.sha256 = b.sha256 AND u.created_at >= ?1)`

func (t *syncTx) UnreferencedBlobs(before string, limit int) ([]string, error) {
	return strings1(t, `SELECT b.sha256 FROM blobs b WHERE b.created_at < ?1 AND `+blobUnreferenced+
		` ORDER BY b.created_at LIMIT ?2`, before, limit)
}

func (t *syncTx) AddBlobUpload(sha, userID string, size int64, at string) error {
	_, err := t.exec(`INSERT INTO blob_uploads (sha256, user_id, size, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256, user_id) DO UPDATE SET created_at = excluded.created_at`, sha, userID, size, at)
	return err
}

func (t *syncTx) DropBlob(sha, before string) (bool, error) {
	res, err := t.exec(`DELETE FROM blobs AS b WHERE b.sha256 = ?2 AND b.created_at < ?1 AND `+blobUnreferenced, before, sha)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	_, err = t.exec(`DELETE FROM blob_uploads WHERE sha256 = ?`, sha)
	return true, err
}

func (t *syncTx) BlobVisits(sha string) ([]string, error) {
	return strings1(t, `SELECT visit_id FROM blob_refs WHERE sha256 = ? ORDER BY visit_id`, sha)
}

func (t *syncTx) AddBlobRefs(visitID, clientID string, hashes []string) error {
	for _, h := range hashes {
		if _, err := t.exec(`INSERT INTO blob_refs (sha256, visit_id, client_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, h, visitID, clientID); err != nil {
			return err
		}
	}
	return nil
}

func (t *syncTx) MissingBlobs(clientID string) ([]string, error) {
	return strings1(t, `SELECT DISTINCT r.sha256 FROM blob_refs r WHERE r.client_id = ?
		AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = r.sha256) ORDER BY r.sha256`, clientID)
}

// --- notice numbers (R11) ---

const numberCols = `dept, year, number, client_id, state, coalesce(notice_id, ''), leased_at, expires_at, reason`

func scanNumber(sc interface{ Scan(...any) error }) (zsync.NoticeNumber, error) {
	var n zsync.NoticeNumber
	err := sc.Scan(&n.Dept, &n.Year, &n.Number, &n.ClientID, &n.State, &n.NoticeID, &n.LeasedAt, &n.ExpiresAt, &n.Reason)
	return n, err
}

func (t *syncTx) NoticeNumber(dept string, year, number int) (*zsync.NoticeNumber, error) {
	n, err := scanNumber(t.row(`SELECT `+numberCols+` FROM notice_numbers WHERE dept = ? AND year = ? AND number = ?`, dept, year, number))
	if err != nil {
		return nil, none(err)
	}
	return &n, nil
}

func (t *syncTx) Leases(clientID string) ([]zsync.NoticeNumber, error) {
	return collect(t, scanNumber, `SELECT `+numberCols+` FROM notice_numbers WHERE client_id = ? AND state = 'leased' ORDER BY dept, year, number`, clientID)
}

func (t *syncTx) ExpiredLeases(at string) ([]zsync.NoticeNumber, error) {
	return collect(t, scanNumber, `SELECT `+numberCols+` FROM notice_numbers WHERE state = 'leased' AND expires_at <= ? ORDER BY dept, year, number`, at)
}

func (t *syncTx) Department(dept string) (*zsync.Department, error) {
	d := &zsync.Department{Code: dept}
	err := t.row(`SELECT name, short, authority FROM departments WHERE code = ?`, dept).Scan(&d.Name, &d.Short, &d.Authority)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schema.Errorf(schema.EINVALID, "unknown department %q", dept)
	}
	return d, err
}

func (t *syncTx) DeptShort(dept string) (string, error) {
	var short string
	err := t.row(`SELECT short FROM departments WHERE code = ?`, dept).Scan(&short)
	if errors.Is(err, sql.ErrNoRows) {
		return "", schema.Errorf(schema.EINVALID, "unknown department %q", dept)
	}
	return short, err
}

// TakeNumbers advances the counter; the row's "next" is the next number to
// hand out, so numbers are never handed out twice even across years of leases.
func (t *syncTx) TakeNumbers(dept string, year, n int) (int, error) {
	if n < 1 {
		return 0, fmt.Errorf("take %d numbers", n)
	}
	if _, err := t.exec(`INSERT INTO notice_counters (dept, year, next) VALUES (?, ?, 1) ON CONFLICT (dept, year) DO NOTHING`, dept, year); err != nil {
		return 0, err
	}
	var first int
	if err := t.beforeWrite(); err != nil {
		return 0, err
	}
	err := t.row(`UPDATE notice_counters SET next = next + ? WHERE dept = ? AND year = ? RETURNING next - ?`, n, dept, year, n).Scan(&first)
	return first, err
}

func (t *syncTx) PutNumber(n *zsync.NoticeNumber) error {
	return t.insertNew(`INSERT INTO notice_numbers (dept, year, number, client_id, state, notice_id, leased_at, expires_at, reason)
		VALUES (?, ?, ?, ?, ?, nullif(?, ''), ?, ?, ?)`,
		n.Dept, n.Year, n.Number, n.ClientID, n.State, n.NoticeID, n.LeasedAt, n.ExpiresAt, n.Reason)
}

func (t *syncTx) UseNumber(dept string, year, number int, noticeID string) error {
	// The engine decides which numbers a notice may take (sync/push.go);
	// this only refuses to take a used one twice.
	return t.one(`UPDATE notice_numbers SET state = 'used', notice_id = ? WHERE dept = ? AND year = ? AND number = ? AND state != 'used'`,
		noticeID, dept, year, number)
}

func (t *syncTx) Epoch() (string, error) {
	var e string
	err := t.row(`SELECT epoch FROM change_epoch WHERE id = 1`).Scan(&e)
	return e, err
}

func (t *syncTx) RenewLease(dept string, year, number int, expires string) error {
	return t.one(`UPDATE notice_numbers SET expires_at = ? WHERE dept = ? AND year = ? AND number = ? AND state = 'leased'`,
		expires, dept, year, number)
}

func (t *syncTx) VoidNumber(dept string, year, number int, at, reason string) error {
	return t.one(`UPDATE notice_numbers SET state = 'voided', voided_at = ?, reason = ? WHERE dept = ? AND year = ? AND number = ? AND state = 'leased'`,
		at, reason, dept, year, number)
}

// one runs an update that must touch exactly one row.
func (t *syncTx) one(query string, args ...any) error {
	res, err := t.exec(query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n != 1 {
		err = fmt.Errorf("expected to update one row, updated %d", n)
	}
	return err
}

// --- the whole state of a visit ---

func (t *syncTx) VisitState(visitID string) (*zsync.VisitState, error) {
	st, err := t.VisitRecords(visitID)
	if err != nil {
		return nil, err
	}
	st.Visit, err = t.VisitData(visitID)
	return st, err
}

func (t *syncTx) VisitRecords(visitID string) (*zsync.VisitState, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	st := &zsync.VisitState{}
	var err error
	if st.Checkins, err = collect(t, scanCheckin, `SELECT `+checkinCols+` FROM checkins WHERE visit_id = ? ORDER BY at, id`, visitID); err != nil {
		return nil, err
	}
	if st.Results, err = collect(t, scanResult, `SELECT `+prefixed("r.", resultCols)+` FROM item_results r
		JOIN checklist_items i ON i.id = r.item_id WHERE r.visit_id = ? ORDER BY i.dept, i.ord, i.id`, visitID); err != nil {
		return nil, err
	}
	if st.Outcomes, err = collect(t, scanOutcome, `SELECT `+outcomeCols+` FROM outcomes WHERE visit_id = ? ORDER BY dept`, visitID); err != nil {
		return nil, err
	}
	if st.Signatures, err = collect(t, scanSignature, `SELECT `+signatureCols+` FROM signatures WHERE visit_id = ? ORDER BY at, id`, visitID); err != nil {
		return nil, err
	}
	if st.Notices, err = collect(t, scanNotice, `SELECT `+noticeCols+` FROM notices WHERE visit_id = ? ORDER BY issued_at, id`, visitID); err != nil {
		return nil, err
	}
	if st.Followups, err = collect(t, scanFollowup, `SELECT `+followupCols+` FROM followups WHERE visit_id = ? ORDER BY at, id`, visitID); err != nil {
		return nil, err
	}
	if st.Conflicts, err = collect(t, scanConflict, conflictSelect+` WHERE c.visit_id = ? ORDER BY c.id`, visitID); err != nil {
		return nil, err
	}
	st.Blobs, err = collect(t, func(sc interface{ Scan(...any) error }) (zsync.Blob, error) {
		var b zsync.Blob
		err := sc.Scan(&b.SHA256, &b.Size)
		return b, err
	}, `SELECT b.sha256, b.size FROM blob_refs r JOIN blobs b ON b.sha256 = r.sha256 WHERE r.visit_id = ? ORDER BY b.sha256`, visitID)
	if err != nil {
		return nil, err
	}
	if st.Finishes, err = collect(t, scanDeptFinish, `SELECT `+deptFinishCols+` FROM dept_finishes f LEFT JOIN users u ON u.id = f.user_id
		WHERE f.visit_id = ? ORDER BY f.at, f.dept`, visitID); err != nil {
		return nil, err
	}
	st.Checkins, st.Results, st.Outcomes = nonNilSlice(st.Checkins), nonNilSlice(st.Results), nonNilSlice(st.Outcomes)
	st.Signatures, st.Notices, st.Followups = nonNilSlice(st.Signatures), nonNilSlice(st.Notices), nonNilSlice(st.Followups)
	st.Conflicts, st.Blobs, st.Finishes = nonNilSlice(st.Conflicts), nonNilSlice(st.Blobs), nonNilSlice(st.Finishes)
	return st, nil
}

// visitSnapshot is the whole state of a visit as put changes, for
// AppendVisitSnapshot; the same zsync.StateChanges builds bootstraps.
func visitSnapshot(tx *sql.Tx, visitID string) ([]Change, error) {
	t := &syncTx{tx: tx, ctx: context.Background()}
	st, err := t.VisitState(visitID)
	if err != nil {
		return nil, err
	}
	entries, err := zsync.StateChanges(visitID, st)
	if err != nil {
		return nil, err
	}
	out := make([]Change, len(entries))
	for i, e := range entries {
		out[i] = Change{Kind: e.Kind, Op: e.Op, EntityID: e.ID, VisitID: visitID, Data: e.Data}
	}
	return out, nil
}

func prefixed(p, cols string) string {
	out := ""
	for i, c := range splitCols(cols) {
		if i > 0 {
			out += ", "
		}
		out += p + c
	}
	return out
}

func splitCols(cols string) []string {
	var out []string
	cur := ""
	for _, r := range cols {
		switch r {
		case ',':
			out = append(out, cur)
			cur = ""
		case ' ', '\n', '\t':
		default:
			cur += string(r)
		}
	}
	return append(out, cur)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// RefusedMutations implements zsync.ReadTx: through each user's clients,
// then the partial index of rejected mutations by client.
func (t *syncTx) RefusedMutations(visitID string, users []string) ([]zsync.RefusedMutation, error) {
	if len(users) == 0 {
		return []zsync.RefusedMutation{}, nil
	}
	b, err := json.Marshal(users)
	if err != nil {
		return nil, err
	}
	out, err := collect(t, func(sc interface{ Scan(...any) error }) (zsync.RefusedMutation, error) {
		var r zsync.RefusedMutation
		var args string
		err := sc.Scan(&r.ID, &r.UserID, &r.UserName, &r.Name, &args, &r.ClientAt, &r.ReceivedAt, &r.Reason)
		r.Args = json.RawMessage(args)
		return r, err
	}, `SELECT m.id, m.user_id, coalesce(u.name, ''), m.name, m.args, m.client_at, m.received_at, m.reason
		FROM clients c JOIN mutations m ON m.client_id = c.id AND m.status = 'rejected'
		LEFT JOIN users u ON u.id = m.user_id
		WHERE c.user_id IN (SELECT value FROM json_each(?)) AND m.visit_id = ? AND m.user_id = c.user_id
		ORDER BY m.received_at, m.client_id, m.seq`, string(b), visitID)
	return nonNilSlice(out), err
}
