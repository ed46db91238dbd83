package main

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// timedStore wraps the engine's store to see where the single writer's time
// goes: per transaction, the wait for the writer, the work inside it, and
// the wait until the commit that carries it (group commit: the rest of its
// group's work and the COMMIT); for the writer as a whole, the database's
// own counters (sqlstore.DB.WriteStats).
type timedStore struct {
	zsync.Store
	db                 *sqlstore.DB
	stats0             sqlstore.WriteStats
	mu                 gosync.Mutex
	wait, work, commit latencies
	readN              int
	readTime           time.Duration
	phaseStart         time.Time
}

func (s *timedStore) Write(ctx context.Context, fn func(tx zsync.Tx) error) error {
	t0 := time.Now()
	var in, out time.Time
	err := s.Store.Write(ctx, func(tx zsync.Tx) error {
		in = time.Now()
		e := fn(tx)
		out = time.Now()
		return e
	})
	t1 := time.Now()
	if in.IsZero() || out.IsZero() {
		return err
	}
	s.mu.Lock()
	s.wait = append(s.wait, in.Sub(t0))
	s.work = append(s.work, out.Sub(in))
	s.commit = append(s.commit, t1.Sub(out))
	s.mu.Unlock()
	return err
}

func (s *timedStore) Read(ctx context.Context, fn func(tx zsync.ReadTx) error) error {
	t0 := time.Now()
	err := s.Store.Read(ctx, fn)
	s.mu.Lock()
	s.readN++
	s.readTime += time.Since(t0)
	s.mu.Unlock()
	return err
}

// reset starts a phase.
func (s *timedStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wait, s.work, s.commit = nil, nil, nil
	s.readN, s.readTime = 0, 0
	s.phaseStart = time.Now()
	s.stats0 = s.db.WriteStats()
}

// summary describes the phase since reset.
func (s *timedStore) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	wall := time.Since(s.phaseStart)
	if len(s.work) == 0 {
		return "no write transactions"
	}
	st := s.db.WriteStats()
	txs, commits := st.Transactions-s.stats0.Transactions, st.Commits-s.stats0.Commits
	busy, commit := st.Busy-s.stats0.Busy, st.Commit-s.stats0.Commit
	return fmt.Sprintf("%d write transactions in %d commits (%.1f per commit), writer busy %.0f%% of %s (COMMIT %.0f%%); per transaction: wait p50 %s p99 %s, work p50 %s p99 %s, then until its commit p50 %s p99 %s; %d read transactions, avg %s",
		txs, commits, float64(txs)/float64(max(1, commits)), 100*float64(busy)/float64(wall), wall.Round(time.Millisecond),
		100*float64(commit)/float64(wall),
		ms(s.wait.p(0.5)), ms(s.wait.p(0.99)), ms(s.work.p(0.5)), ms(s.work.p(0.99)), ms(s.commit.p(0.5)), ms(s.commit.p(0.99)),
		s.readN, ms(s.readTime/time.Duration(max(1, s.readN))))
}
