package sqlite

import (
	"strings"
	gosync "sync"

	zsync "zsc/sync"
)

// Why a push buffers its log rows: every applied mutation appends a
// mutation record, an audit row and a change, which nothing reads back in
// the same push. Written one statement each, they cost as much as the
// result itself (server/bench: 17 µs each on a database of a million
// results); held in memory and written at the end of the transaction as
// multi-row INSERTs, they cost a fraction of that. The order of the rows
// is kept, so change sequence numbers still follow commit order.
//
// Why savepoints are lazy: the engine brackets every mutation in a
// savepoint so that a rejection undoes what the mutation wrote. Most
// mutations write nothing but buffered rows before their fate is known, so
// the SAVEPOINT statement is issued only before the first real write, and a
// rollback truncates the buffers to where they stood.

// appendBuffer holds one transaction's unwritten log rows.
type appendBuffer struct {
	mutations [][]any
	changes   [][]any
	audits    [][]any
	// ids are the mutation ids in mutations, for the duplicate check.
	ids map[string]int
	// mark is where the buffers stood at the open savepoint.
	mark [3]int
}

func (b *appendBuffer) empty() bool {
	return len(b.mutations)+len(b.changes)+len(b.audits) == 0
}

func (b *appendBuffer) setMark() {
	b.mark = [3]int{len(b.mutations), len(b.changes), len(b.audits)}
}

// truncate drops what was buffered since the mark.
func (b *appendBuffer) truncate() {
	for _, m := range b.mutations[b.mark[0]:] {
		delete(b.ids, m[0].(string))
	}
	b.mutations, b.changes, b.audits = b.mutations[:b.mark[0]], b.changes[:b.mark[1]], b.audits[:b.mark[2]]
}

const (
	mutationInsert = `INSERT INTO mutations (id, client_id, seq, name, args, client_at, received_at, status, reason, visit_id, user_id, channel) VALUES `
	mutationRow    = `(?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, ?)`
	changeInsert   = `INSERT INTO changes (kind, op, entity_id, visit_id, user_id, client_id, data, at) VALUES `
	changeRow      = `(?, ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, ''), ?, ?)`
	auditInsert    = `INSERT INTO audit_log (at, user_id, client_id, channel, action, kind, entity_id, parent_kind, parent_id, before, after, reason) VALUES `
	auditRow       = `(?, nullif(?, ''), nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// multiRow caches the text of an INSERT of n rows; chunks are powers of
// two, so each table has at most maxChunk's bit length statement shapes.
var multiRow gosync.Map // string → string

const maxChunk = 64

func multiInsert(head, row string, n int) string {
	key := head + string(rune('0'+n))
	if q, ok := multiRow.Load(key); ok {
		return q.(string)
	}
	q := head + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	multiRow.Store(key, q)
	return q
}

// flush writes the buffered rows, mutations first (the rows that reference
// them come after), each table in chunks of a power of two.
func (t *syncTx) flush() error {
	b := t.buf
	if b == nil || b.empty() {
		return nil
	}
	if err := t.beforeWrite(); err != nil {
		return err
	}
	for _, tbl := range []struct {
		head, row string
		rows      [][]any
	}{{mutationInsert, mutationRow, b.mutations}, {changeInsert, changeRow, b.changes}, {auditInsert, auditRow, b.audits}} {
		rows := tbl.rows
		for len(rows) > 0 {
			n := maxChunk
			for n > len(rows) {
				n /= 2
			}
			args := make([]any, 0, n*len(rows[0]))
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			if _, err := t.execNow(multiInsert(tbl.head, tbl.row, n), args...); err != nil {
				return dup(err)
			}
			rows = rows[n:]
		}
	}
	b.mutations, b.changes, b.audits = b.mutations[:0], b.changes[:0], b.audits[:0]
	clear(b.ids)
	b.mark = [3]int{}
	return nil
}

// beforeWrite opens the savepoint the engine asked for, if it is not open yet.
func (t *syncTx) beforeWrite() error {
	if !t.spWanted || t.spOpen {
		return nil
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

// RecordMutation implements zsync.Tx. The single writer makes the id check
// exact; the UNIQUE constraints stay as the last word at flush.
func (t *syncTx) RecordMutation(r *zsync.MutationRecord) error {
	args := []any{r.ID, r.ClientID, r.Seq, r.Name, string(r.Args), r.ClientAt, r.ReceivedAt, r.Status, r.Reason, r.VisitID, r.UserID, r.Channel}
	if t.buf == nil {
		_, err := t.exec(mutationInsert+mutationRow, args...)
		return dup(err)
	}
	if _, ok := t.buf.ids[r.ID]; ok {
		return zsync.ErrDuplicate
	}
	var one int
	switch err := t.row(`SELECT 1 FROM mutations WHERE id = ?`, r.ID).Scan(&one); {
	case err == nil:
		return zsync.ErrDuplicate
	case none(err) != nil:
		return err
	}
	if t.buf.ids == nil {
		t.buf.ids = map[string]int{}
	}
	t.buf.ids[r.ID] = len(t.buf.mutations)
	t.buf.mutations = append(t.buf.mutations, args)
	return nil
}
