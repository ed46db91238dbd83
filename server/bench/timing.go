package main

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	zsync "zsc/sync"
)

// timedStore wraps the engine's store to see where the single writer's time
// goes: waiting for the writer connection (and BEGIN IMMEDIATE), the work
// inside the transaction, and the commit (with any WAL checkpoint it runs).
type timedStore struct {
	zsync.Store
	mu                   gosync.Mutex
	wait, work, commit   latencies
	readN                int
	readTime             time.Duration
	phaseStart           time.Time
	busyWork, busyCommit time.Duration
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
	s.busyWork += out.Sub(in)
	s.busyCommit += t1.Sub(out)
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
	s.readN, s.readTime, s.busyWork, s.busyCommit = 0, 0, 0, 0
	s.phaseStart = time.Now()
}

// summary describes the phase since reset.
func (s *timedStore) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	wall := time.Since(s.phaseStart)
	if len(s.work) == 0 {
		return "no write transactions"
	}
	avg := func(l latencies) time.Duration {
		var t time.Duration
		for _, d := range l {
			t += d
		}
		return t / time.Duration(len(l))
	}
	return fmt.Sprintf("%d write transactions, writer busy %.0f%% of %s (in transaction %.0f%%, commit %.0f%%); per transaction: wait p50 %s p99 %s, work p50 %s p99 %s, commit p50 %s p99 %s max %s (avg %s); %d read transactions, avg %s",
		len(s.work), 100*float64(s.busyWork+s.busyCommit)/float64(wall), wall.Round(time.Millisecond),
		100*float64(s.busyWork)/float64(wall), 100*float64(s.busyCommit)/float64(wall),
		ms(s.wait.p(0.5)), ms(s.wait.p(0.99)), ms(s.work.p(0.5)), ms(s.work.p(0.99)), ms(s.commit.p(0.5)), ms(s.commit.p(0.99)), ms(s.commit.max()), ms(avg(s.commit)),
		s.readN, ms(s.readTime/time.Duration(max(1, s.readN))))
}
