package auth

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }
func failN(l *Limiter, n int, user, addr string) {
	for range n {
		l.Fail(user, addr)
	}
}

// The account's lock starts after 5 failures and doubles with each further
// failure, never beyond the cap: nobody locks a named user out for long.
func TestLimiterAccountLockGrowsToCap(t *testing.T) {
	c := newClock()
	l := NewLimiter(c.now)
	failN(l, 4, "zhang", "10.0.0.1")
	if w := l.Blocked("zhang", "10.0.0.1"); w != 0 {
		t.Fatalf("blocked %s after 4 failures", w)
	}
	for i, want := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute} {
		l.Fail("zhang", "10.0.0.1")
		if w := l.Blocked("zhang", "10.0.0.9"); w != want {
			t.Fatalf("failure %d: locked %s, want %s", 5+i, w, want)
		}
		c.add(want - time.Second)
		if l.Blocked("zhang", "10.0.0.9") == 0 {
			t.Fatalf("failure %d: unlocked a second early", 5+i)
		}
		c.add(time.Second)
		if w := l.Blocked("zhang", "10.0.0.9"); w != 0 {
			t.Fatalf("failure %d: still locked %s after its lock", 5+i, w)
		}
	}
	l.Succeed("zhang")
	failN(l, 4, "zhang", "10.0.0.1")
	if w := l.Blocked("zhang", "10.0.0.1"); w != 0 {
		t.Fatalf("a success did not reset the account: %s", w)
	}
}

// Failures against one account from an address lock that account only:
// every other account used from the same address (an office behind one
// proxy) signs in as before, until the address's own, higher, threshold.
func TestLimiterOneAddressManyAccounts(t *testing.T) {
	c := newClock()
	l := NewLimiter(c.now)
	const office = "203.0.113.7"
	failN(l, 10, "zhang", office)
	if l.Blocked("zhang", office) == 0 {
		t.Fatal("the guessed account is not locked")
	}
	for i := range 20 {
		u := fmt.Sprintf("insp%d", i)
		if w := l.Blocked(u, office); w != 0 {
			t.Fatalf("%s from the same address is blocked %s after another account's failures", u, w)
		}
	}
	// Typos from 20 colleagues, two each, plus the 10 above: 50 failures from
	// one address locks the address (the higher threshold), then for others too.
	for i := range 19 {
		failN(l, 2, fmt.Sprintf("insp%d", i), office)
	}
	if w := l.Blocked("insp19", office); w != 0 {
		t.Fatalf("48 failures from the address blocked another account %s", w)
	}
	failN(l, 2, "insp19", office)
	if w := l.Blocked("li", office); w != 30*time.Second {
		t.Fatalf("50 failures from one address: an untried account waits %s, want 30s", w)
	}
	if w := l.Blocked("li", "198.51.100.1"); w != 0 {
		t.Fatalf("another address is blocked %s", w)
	}
	// Failures 15 minutes apart never add up.
	c.add(time.Hour)
	for range 10 {
		l.Fail("wang", "198.51.100.2")
		c.add(15 * time.Minute)
	}
	if w := l.Blocked("wang", "198.51.100.2"); w != 0 {
		t.Fatalf("failures a window apart locked %s", w)
	}
}

// A flood of random usernames from random addresses keeps at most
// MaxEntries counters, each of a fixed size however long the username;
// they expire once the flood stops.
func TestLimiterMemoryIsBounded(t *testing.T) {
	c := newClock()
	cfg := DefaultLimiterConfig
	cfg.MaxEntries = 1000
	l := NewLimiterWith(c.now, cfg)
	long := strings.Repeat("x", 1<<20)
	for i := range 20_000 {
		l.Fail(fmt.Sprintf("%s%d", long[:i%64], i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	if n := l.Len(); n > 1000 {
		t.Fatalf("%d counters kept, cap 1000", n)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 8 {
		l.Fail(long, "10.9.9.9") // 1 MB usernames are not kept
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
		t.Fatalf("8 failures with a 1 MB username kept %d bytes", grew)
	}
	if l.Blocked(long, "10.9.9.8") == 0 {
		t.Fatal("the long username's failures were not counted")
	}
	c.add(cfg.Window + cfg.MaxLockout)
	l.Fail("last", "10.9.9.10")
	if n := l.Len(); n != 2 {
		t.Fatalf("%d counters after every other expired, want 2", n)
	}
}

func TestLimiterConfigCheck(t *testing.T) {
	if err := DefaultLimiterConfig.Check(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultLimiterConfig
	bad.MaxLockout = time.Second
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "max lockout") {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkLimiterFull fills a limiter to DefaultLimiterConfig.MaxEntries
// with distinct usernames and addresses and reports the heap it holds
// (README "Configuration"): go test -run '^$' -bench LimiterFull ./server/auth/
func BenchmarkLimiterFull(b *testing.B) {
	for range b.N {
		c := newClock()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l := NewLimiter(c.now)
		for i := range DefaultLimiterConfig.MaxEntries {
			l.Fail(fmt.Sprintf("flood-%d-%s", i, strings.Repeat("u", 200)), fmt.Sprintf("2001:db8::%x", i))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(l.Len()), "counters")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB")
		runtime.KeepAlive(l)
	}
}
