package sqlstore

import (
	"context"
	"fmt"
	"os"
	gosync "sync"
	"sync/atomic"
)

// walSyncer makes commits durable off the writer (SyncFull on SQLite).
//
// Why: with synchronous=FULL SQLite fsyncs the WAL inside COMMIT, and the
// single writer waits for the disk before it can start the next group; under
// load (server/bench's 64 phones) that wait was 7–15% of the writer's time.
// The writer now commits with synchronous=NORMAL (SQLite's WAL stays
// consistent after a power cut, only the last commits may be missing) and
// hands the group here; this goroutine fsyncs the WAL file and only then
// answers the group's callers. One fsync covers every commit before it, so
// groups that commit while a sync runs share the next one. Nobody is
// answered before their commit is on disk: an acknowledged write survives
// power loss as before (DESIGN §8.4).
//
// Readers: a commit is visible to readers as soon as COMMIT returns, before
// its fsync. A reader must not hand out what a power cut could take back (a
// phone's cursor past the change log's head after a restart would skip the
// changes that reuse those numbers), so DB.Read waits, after its snapshot,
// until every commit issued before it ended is synced (afterRead).
type walSyncer struct {
	path string // the WAL file (<db>-wal)
	in   chan syncBatch
	done chan struct{}
	// issued counts commits begun; synced is the highest count known on
	// disk. A reader's snapshot can only hold commits issued before its
	// end, so waiting for synced ≥ issued-at-the-end is enough.
	issued atomic.Uint64
	mu     gosync.Mutex
	synced uint64
	moved  chan struct{} // closed and replaced whenever synced moves
	failed error         // sticky: after a failed fsync nothing more is acknowledged
	// fsync is the sync itself; tests replace it (under mu).
	fsync func(path string) error
}

// syncBatch is one committed group waiting for its fsync.
type syncBatch struct {
	n     uint64 // the group's commit count (issued when it began COMMIT)
	group []*writeReq
}

func newWALSyncer(dbPath string) *walSyncer {
	s := &walSyncer{path: dbPath + "-wal", in: make(chan syncBatch, maxLoadedGroup), done: make(chan struct{}),
		moved: make(chan struct{}), fsync: fsyncFile}
	go s.run()
	return s
}

// fsyncFile fsyncs the file at path. Opened anew each time: fsync applies to
// the file, not to the descriptor, and SQLite may truncate the WAL
// (journal_size_limit) between two syncs.
func fsyncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// begin notes a commit about to be issued and returns its count.
func (s *walSyncer) begin() uint64 { return s.issued.Add(1) }

// hand passes a committed group to the syncer: its callers are answered
// after the fsync that covers commit n.
func (s *walSyncer) hand(n uint64, group []*writeReq) { s.in <- syncBatch{n: n, group: group} }

// close stops the syncer after it has synced and answered everything handed.
func (s *walSyncer) close() {
	close(s.in)
	<-s.done
}

func (s *walSyncer) run() {
	defer close(s.done)
	for b := range s.in {
		batch := []syncBatch{b}
	more:
		for {
			select {
			case next, ok := <-s.in:
				if !ok {
					break more
				}
				batch = append(batch, next)
			default:
				break more
			}
		}
		s.syncAndRelease(batch)
	}
}

func (s *walSyncer) syncAndRelease(batch []syncBatch) {
	top := batch[len(batch)-1].n
	s.mu.Lock()
	err, fsync := s.failed, s.fsync
	s.mu.Unlock()
	if err == nil {
		if err = fsync(s.path); err != nil {
			// After a failed fsync the kernel may have dropped the dirty
			// pages: what is committed may never reach the disk. Refuse
			// every later acknowledgement; the server must be restarted
			// (SQLite recovers from the WAL on disk).
			err = fmt.Errorf("store: fsync %s failed, writes are no longer durable (restart the server): %w", s.path, err)
		}
	}
	s.mu.Lock()
	if err != nil {
		s.failed = err
	} else if top > s.synced {
		s.synced = top
		close(s.moved)
		s.moved = make(chan struct{})
	}
	s.mu.Unlock()
	for _, b := range batch {
		for _, r := range b.group {
			if err != nil && r.panicked == nil {
				r.err = err
			}
			close(r.done)
		}
	}
}

// afterRead waits until every commit issued so far is synced: called when a
// read transaction has ended, it makes sure nothing the read saw can be
// taken back by a power cut before the reader answers.
func (s *walSyncer) afterRead(ctx context.Context) error {
	target := s.issued.Load()
	for {
		s.mu.Lock()
		synced, moved, failed := s.synced, s.moved, s.failed
		s.mu.Unlock()
		if synced >= target {
			return nil
		}
		if failed != nil {
			return failed
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
