package sqlstore

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	gosync "sync"

	zsync "zsc/sync"
)

// Why a push buffers its rows: every applied item.set writes its result
// and appends a mutation record, an audit row and a change. Written one
// statement each, each row cost about as much as the result itself
// (server/bench, a database of a million results); held in memory and
// written at the end of the transaction as multi-row INSERTs, they cost
// much less. The order of the rows is kept, so change sequence numbers
// still follow commit order. Nothing else reads these rows back in the same
// transaction without flushing first (MutationFate, Head, Changes,
// Rejections, VisitRecords) or looking in the buffer (ItemResult).
//
// Why an applied mutation usually writes one log row (issue 15): the engine
// audits an applied mutation, appends its change and records it, three
// rows that say the same thing. When a mutation wrote exactly one audit row
// and one change of the same record (the engine's pusher.done), the store
// folds the audit row and the mutation record into the change: the journal
// row (migration 0019). Reads see them through the views mutation_log and
// audit_entries; refusals, conflicts and everything else keep their rows.
//
// Why savepoints are lazy: the engine brackets every mutation in a
// savepoint so that a rejection undoes what the mutation wrote. Most
// mutations write nothing but buffered rows before their fate is known, so
// the SAVEPOINT statement is issued only before the first real write, and a
// rollback truncates the buffers to where they stood.

// appendBuffer holds one transaction's unwritten rows: the three logs and
// the item results, the one record a push writes by the thousand. Reads of
// a buffered result see the buffer (ItemResult); any other read of
// item_results flushes first (VisitRecords).
type appendBuffer struct {
	mutations [][]any
	changes   [][]any
	audits    [][]any
	results   []bufferedResult
	// ids are the buffered mutation ids (records and journal rows), for the
	// duplicate check.
	ids map[string]bool
	// latest is the index in results of each item's newest buffered value.
	latest map[string]int
	// mark is where the buffers stood at the open savepoint.
	mark [4]int
}

type bufferedResult struct {
	r    zsync.ItemResult
	args []any
}

func (b *appendBuffer) empty() bool {
	return len(b.mutations)+len(b.changes)+len(b.audits)+len(b.results) == 0
}

func (b *appendBuffer) setMark() {
	b.mark = [4]int{len(b.mutations), len(b.changes), len(b.audits), len(b.results)}
}

// truncate drops what was buffered since the mark.
func (b *appendBuffer) truncate() {
	for _, m := range b.mutations[b.mark[0]:] {
		delete(b.ids, m[0].(string))
	}
	for _, c := range b.changes[b.mark[1]:] {
		if id, ok := c[jcID].(string); ok {
			delete(b.ids, id)
		}
	}
	b.mutations, b.changes, b.audits = b.mutations[:b.mark[0]], b.changes[:b.mark[1]], b.audits[:b.mark[2]]
	if len(b.results) > b.mark[3] {
		b.results = b.results[:b.mark[3]]
		clear(b.latest)
		for i, r := range b.results {
			b.latest[r.r.ItemID] = i
		}
	}
}

const (
	mutationInsert = `INSERT INTO mutations (id, client_id, seq, name, args, client_at, received_at, status, reason, visit_id, user_id, channel, code, sent_id) VALUES `
	mutationRow    = `(?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, ?, ?, ?)`
	changeInsert   = `INSERT INTO changes (kind, op, entity_id, visit_id, user_id, client_id, data, at, mutation_id, mutation_client, mutation_seq, action, args, client_at, received_at, actor_id, channel, before) VALUES `
	changeRow      = `(?, ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	auditInsert    = `INSERT INTO audit_log (at, user_id, client_id, channel, action, kind, entity_id, parent_kind, parent_id, before, after, reason) VALUES `
	auditRow       = `(?, nullif(?, ''), nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	resultInsert   = `INSERT INTO item_results (` + resultCols + `) VALUES `
	resultRow      = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// An item set twice in one push is written once, with its later value
	// (flushFirst); the upsert replaces a value committed before.
	resultUpsert = ` ON CONFLICT (item_id) DO UPDATE SET value = excluded.value, note = excluded.note, photos = excluded.photos,
		version = excluded.version, user_id = excluded.user_id, client_id = excluded.client_id, channel = excluded.channel,
		mutation_id = excluded.mutation_id, updated_at = excluded.updated_at`
)

// multiRow caches the text of an INSERT of n rows; a chunk has at most
// maxChunk rows, so each table has at most maxChunk statement shapes (and the
// store's prepared-statement cache, which keeps each shape, stays bounded).
var multiRow gosync.Map // string → string

const maxChunk = 64

func multiInsert(head, row, tail string, n int) string {
	key := head + string(rune('0'+n))
	if q, ok := multiRow.Load(key); ok {
		return q.(string)
	}
	q := head + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + tail
	multiRow.Store(key, q)
	return q
}

// flush writes every buffered row (inside the open savepoint, if any: then
// they are all the current mutation's, see beforeWrite).
func (t *syncTx) flush() error {
	b := t.buf
	if b == nil || b.empty() {
		return nil
	}
	if err := t.beforeWrite(); err != nil {
		return err
	}
	return t.flushFirst([4]int{len(b.mutations), len(b.results), len(b.changes), len(b.audits)})
}

// flushFirst writes the first n rows of each buffer (mutations, results,
// changes, audits: the order rows reference each other in), each table in
// chunks of at most maxChunk rows, and keeps the rest.
func (t *syncTx) flushFirst(n [4]int) error {
	b := t.buf
	// Each item's last buffered value only: it is the one that stands, and
	// PostgreSQL refuses an upsert that touches one row twice.
	last := make(map[string]int, n[1])
	for i, r := range b.results[:n[1]] {
		last[r.r.ItemID] = i
	}
	results := make([][]any, 0, len(last))
	for i, r := range b.results[:n[1]] {
		if last[r.r.ItemID] == i {
			results = append(results, r.args)
		}
	}
	for i, tbl := range []struct {
		head, row, tail string
		rows            [][]any
	}{{mutationInsert, mutationRow, "", b.mutations[:n[0]]}, {resultInsert, resultRow, resultUpsert, results},
		{changeInsert, changeRow, "", b.changes[:n[2]]}, {auditInsert, auditRow, "", b.audits[:n[3]]}} {
		rows := tbl.rows
		for len(rows) > 0 {
			k := min(len(rows), maxChunk)
			args := make([]any, 0, k*len(rows[0]))
			for _, r := range rows[:k] {
				args = append(args, r...)
			}
			if _, err := t.execNow(multiInsert(tbl.head, tbl.row, tbl.tail, k), args...); err != nil {
				return fmt.Errorf("write buffered rows (%d of table %d): %w", k, i, dup(err))
			}
			rows = rows[k:]
		}
	}
	for _, r := range b.results[:n[1]] {
		if t.known != nil {
			c := r.r
			t.known[c.ItemID] = &c
		}
	}
	b.mutations, b.results = slices.Delete(b.mutations, 0, n[0]), slices.Delete(b.results, 0, n[1])
	b.changes, b.audits = slices.Delete(b.changes, 0, n[2]), slices.Delete(b.audits, 0, n[3])
	if b.ids == nil {
		b.ids = map[string]bool{}
	}
	if b.latest == nil {
		b.latest = map[string]int{}
	}
	clear(b.ids)
	for _, m := range b.mutations {
		b.ids[m[0].(string)] = true
	}
	for _, c := range b.changes {
		if id, ok := c[jcID].(string); ok {
			b.ids[id] = true
		}
	}
	clear(b.latest)
	for i, r := range b.results {
		b.latest[r.r.ItemID] = i
	}
	for i := range b.mark {
		b.mark[i] = max(0, b.mark[i]-[4]int{n[0], n[2], n[3], n[1]}[i])
	}
	return nil
}

// beforeWrite opens the savepoint the engine asked for, if it is not open
// yet. The rows buffered before the savepoint was asked for belong to
// earlier mutations, already decided: they are written first, outside it,
// so that rolling this mutation back cannot take them along.
func (t *syncTx) beforeWrite() error {
	if !t.spWanted || t.spOpen {
		return nil
	}
	if b := t.buf; b != nil && !b.empty() {
		if err := t.flushFirst([4]int{b.mark[0], b.mark[3], b.mark[1], b.mark[2]}); err != nil {
			return err
		}
	}
	if _, err := t.execNow(`SAVEPOINT mutation`); err != nil {
		return err
	}
	t.spOpen = true
	return nil
}

// Savepoint implements zsync.Tx: noted now, opened before the first write.
func (t *syncTx) Savepoint() error {
	t.spWanted, t.spOpen = true, false
	if t.buf != nil {
		t.buf.setMark()
	}
	return nil
}

// RollbackToSavepoint implements zsync.Tx.
func (t *syncTx) RollbackToSavepoint() error {
	if t.buf != nil {
		t.buf.truncate()
	}
	if !t.spOpen {
		return nil
	}
	// Results written inside the savepoint may be undone: forget them all,
	// and the visits found calm (a settlement undone reopens a conflict).
	clear(t.known)
	clear(t.calm)
	_, err := t.execNow(`ROLLBACK TO mutation`)
	return err
}

// ReleaseSavepoint implements zsync.Tx.
func (t *syncTx) ReleaseSavepoint() error {
	open := t.spOpen
	t.spWanted, t.spOpen = false, false
	if !open {
		return nil
	}
	_, err := t.execNow(`RELEASE mutation`)
	return err
}

// MutationIDsTaken implements zsync.Tx: one query for a whole push.
func (t *syncTx) MutationIDsTaken(ids []string) (map[string]bool, error) {
	taken := map[string]bool{}
	if len(ids) == 0 {
		return taken, nil
	}
	if err := t.flush(); err != nil {
		return nil, err
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	// Each table on its own: SQLite does not push an IN (subquery) into the
	// view mutation_log and would scan both.
	found, err := strings1(t, `SELECT id FROM mutations WHERE id IN (SELECT value FROM json_each(?))
		UNION ALL SELECT mutation_id FROM changes WHERE mutation_id IN (SELECT value FROM json_each(?)) AND mutation_id IS NOT NULL`, string(list), string(list))
	for _, id := range found {
		taken[id] = true
	}
	return taken, err
}

// RecordMutation implements zsync.Tx. In a write transaction it checks only
// this transaction's buffer: the engine asked MutationIDsTaken first, and the
// UNIQUE constraints are the last word when the buffer is written.
func (t *syncTx) RecordMutation(r *zsync.MutationRecord) error {
	args := []any{r.ID, r.ClientID, r.Seq, r.Name, string(r.Args), r.ClientAt, r.ReceivedAt, r.Status, r.Reason, r.VisitID, r.UserID, r.Channel, r.Code, r.SentID}
	if t.buf == nil {
		return t.insertNew(mutationInsert+mutationRow, args...)
	}
	if t.buf.ids[r.ID] {
		return zsync.ErrDuplicate
	}
	if t.buf.ids == nil {
		t.buf.ids = map[string]bool{}
	}
	t.buf.ids[r.ID] = true
	if t.buf.fold(r) {
		return nil
	}
	t.buf.mutations = append(t.buf.mutations, args)
	return nil
}

// The positions of the journal columns in a buffered change row (changeRow).
const (
	jcID = 8 + iota
	jcClient
	jcSeq
	jcAction
	jcArgs
	jcClientAt
	jcReceivedAt
	jcActor
	jcChannel
	jcBefore
	changeWidth
)

// fold makes the mutation r, applied, one journal row with the audit row and
// the change it wrote, if those are all it wrote to the logs and they say
// the same as r: one audit row and one change since its savepoint, of the
// same record, under r's visit, the audit row with r's time, user, device,
// channel and action, no reason, and the change's data as its after. Any
// other shape keeps its three rows, so nothing is lost by folding.
func (b *appendBuffer) fold(r *zsync.MutationRecord) bool {
	if r.Status != zsync.StatusApplied || r.Reason != "" || r.Code != "" || r.SentID != "" || r.VisitID == "" ||
		len(b.audits) != b.mark[2]+1 || len(b.changes) != b.mark[1]+1 {
		return false
	}
	// a is in auditRow's order (0 at, 1 user, 2 client, 3 channel, 4 action,
	// 5 kind, 6 entity, 7 parent kind, 8 parent, 9 before, 10 after, 11
	// reason), c in changeRow's (0 kind, 1 op, 2 entity, 3 visit, 4 user
	// scope, 5 client scope, 6 data, 7 at, then the journal columns).
	a, c := b.audits[len(b.audits)-1], b.changes[len(b.changes)-1]
	same := a[0] == any(r.ReceivedAt) && a[1] == any(r.UserID) && a[2] == any(r.ClientID) && a[3] == any(r.Channel) &&
		a[4] == any(r.Name) && a[11] == any("") &&
		a[5] == c[0] && a[5] != any("visit") && a[6] == c[2] && a[7] == any("visit") && a[8] == any(r.VisitID) && a[10] == c[6] &&
		c[1] == any("put") && c[3] == any(r.VisitID) && c[4] == any("") && c[5] == any("") && c[jcID] == nil
	if !same {
		return false
	}
	c[jcID], c[jcClient], c[jcSeq] = r.ID, r.ClientID, r.Seq
	c[jcAction], c[jcArgs], c[jcClientAt], c[jcReceivedAt] = r.Name, string(r.Args), r.ClientAt, r.ReceivedAt
	c[jcActor], c[jcChannel], c[jcBefore] = r.UserID, r.Channel, a[9]
	// The scopes are '' (checked above), stored NULL: nil binds no text,
	// and a push binds some 1,500 values.
	c[4], c[5] = nil, nil
	b.audits = b.audits[:len(b.audits)-1]
	return true
}

// PutItemResult implements zsync.Tx: buffered in a write transaction.
func (t *syncTx) PutItemResult(r *zsync.ItemResult) error {
	photos, err := jsonText(nonNilStrings(r.Photos))
	if err != nil {
		return err
	}
	args := []any{r.ItemID, r.VisitID, r.Dept, r.Value, r.Note, photos, r.Version, r.UserID, r.ClientID, r.Channel, r.MutationID, r.UpdatedAt}
	if t.buf == nil {
		_, err = t.exec(resultInsert+resultRow+resultUpsert, args...)
		return err
	}
	if t.buf.latest == nil {
		t.buf.latest = map[string]int{}
	}
	c := *r
	c.Photos = slices.Clone(nonNilStrings(r.Photos))
	t.buf.latest[r.ItemID] = len(t.buf.results)
	t.buf.results = append(t.buf.results, bufferedResult{r: c, args: args})
	return nil
}

// ItemResult implements zsync.ReadTx, seeing this transaction's buffer.
func (t *syncTx) ItemResult(itemID string) (*zsync.ItemResult, error) {
	if t.buf != nil {
		if i, ok := t.buf.latest[itemID]; ok {
			r := t.buf.results[i].r
			r.Photos = slices.Clone(r.Photos)
			return &r, nil
		}
		if k, ok := t.known[itemID]; ok {
			if k == nil {
				return nil, nil
			}
			r := *k
			r.Photos = slices.Clone(r.Photos)
			return &r, nil
		}
	}
	r, err := scanResult(t.row(`SELECT `+resultCols+` FROM item_results WHERE item_id = ?`, itemID))
	if err != nil {
		return nil, none(err)
	}
	return &r, nil
}
