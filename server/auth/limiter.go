package auth

import (
	"container/list"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"
)

// LimiterConfig sets the login throttle (OWASP Authentication Cheat Sheet,
// "Account lockout" and "Protect against automated attacks"):
//
//   - Per account: after AccountFailures failures (no more than Window apart)
//     the account is locked for Lockout, doubling with each further failure up
//     to MaxLockout. The cap is what keeps anyone from locking a named
//     inspector out for long: at worst they wait MaxLockout, then try again.
//   - Per address: the same growing lock after AddressFailures failures, a
//     much higher threshold, so that one address (an office behind one proxy)
//     guessing at one account never locks the other accounts used from it.
//   - Memory: at most MaxEntries counters, least recently failed evicted
//     first; a counter expires Window after its last failure and its lock.
type LimiterConfig struct {
	AccountFailures int
	AddressFailures int
	Window          time.Duration
	Lockout         time.Duration
	MaxLockout      time.Duration
	MaxEntries      int
}

// DefaultLimiterConfig: 5 failures per account, 50 per address, within 15
// minutes; locks of 30 s, 1, 2, 4 then 5 minutes; 50,000 counters (about
// 14 MB when full: BenchmarkLimiterFull).
var DefaultLimiterConfig = LimiterConfig{
	AccountFailures: 5,
	AddressFailures: 50,
	Window:          15 * time.Minute,
	Lockout:         30 * time.Second,
	MaxLockout:      5 * time.Minute,
	MaxEntries:      50_000,
}

// Check says which setting is out of range, for the command line.
func (c LimiterConfig) Check() error {
	switch {
	case c.AccountFailures < 1:
		return fmt.Errorf("login account failures must be at least 1, not %d", c.AccountFailures)
	case c.AddressFailures < 1:
		return fmt.Errorf("login address failures must be at least 1, not %d", c.AddressFailures)
	case c.Window <= 0:
		return fmt.Errorf("login window must be positive, not %s", c.Window)
	case c.Lockout <= 0:
		return fmt.Errorf("login lockout must be positive, not %s", c.Lockout)
	case c.MaxLockout < c.Lockout:
		return fmt.Errorf("login max lockout %s is shorter than the first lockout %s", c.MaxLockout, c.Lockout)
	case c.MaxEntries < 2:
		return fmt.Errorf("login max entries must be at least 2, not %d", c.MaxEntries)
	}
	return nil
}

// Limiter slows down password guessing (LimiterConfig says how).
type Limiter struct {
	cfg LimiterConfig
	now func() time.Time

	mu    sync.Mutex
	byKey map[limitKey]*list.Element // of *limitEntry
	lru   *list.List                 // front: most recently failed
}

// limitKey names a counter by a hash, so that a username of any length
// costs the same few bytes (a 256 MB username used to be kept whole).
type limitKey struct {
	kind byte // 'u' account, 'a' address
	sum  [sha256.Size]byte
}

type limitEntry struct {
	key   limitKey
	fails int
	last  time.Time // the last failure
	until time.Time // locked until
}

// expired: no lock and no failure within the window; the counter would
// start again from zero.
func (e *limitEntry) expired(now time.Time, window time.Duration) bool {
	return !now.Before(e.until) && now.Sub(e.last) >= window
}

// NewLimiter returns a limiter with DefaultLimiterConfig.
func NewLimiter(now func() time.Time) *Limiter {
	return NewLimiterWith(now, DefaultLimiterConfig)
}

// NewLimiterWith returns a limiter with cfg (see LimiterConfig.Check).
func NewLimiterWith(now func() time.Time, cfg LimiterConfig) *Limiter {
	return &Limiter{cfg: cfg, now: now, byKey: map[limitKey]*list.Element{}, lru: list.New()}
}

// Config returns the limiter's settings.
func (l *Limiter) Config() LimiterConfig { return l.cfg }

// Len is how many counters the limiter holds (for tests and figures).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byKey)
}

func keyOf(kind byte, s string) limitKey {
	return limitKey{kind: kind, sum: sha256.Sum256([]byte(s))}
}

// Blocked returns how long the caller must wait, or 0: the longer of the
// account's and the address's locks.
func (l *Limiter) Blocked(username, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range [2]limitKey{keyOf('u', username), keyOf('a', addr)} {
		if el, ok := l.byKey[k]; ok {
			if w := el.Value.(*limitEntry).until.Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait
}

// Fail records a failed login against the account and the address.
func (l *Limiter) Fail(username, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	l.fail(keyOf('u', username), l.cfg.AccountFailures, now)
	l.fail(keyOf('a', addr), l.cfg.AddressFailures, now)
}

func (l *Limiter) fail(k limitKey, threshold int, now time.Time) {
	var e *limitEntry
	if el, ok := l.byKey[k]; ok {
		e = el.Value.(*limitEntry)
		l.lru.MoveToFront(el)
	} else {
		e = &limitEntry{key: k}
		l.byKey[k] = l.lru.PushFront(e)
		for len(l.byKey) > l.cfg.MaxEntries {
			l.remove(l.lru.Back())
		}
	}
	if e.expired(now, l.cfg.Window) {
		e.fails = 0
	}
	e.fails++
	e.last = now
	if over := e.fails - threshold; over >= 0 {
		lock := l.cfg.MaxLockout
		if over < 32 {
			lock = min(l.cfg.Lockout<<over, l.cfg.MaxLockout)
			if lock <= 0 { // overflowed
				lock = l.cfg.MaxLockout
			}
		}
		e.until = now.Add(lock)
	}
}

// sweep drops expired counters from the least recently failed end, so the
// map shrinks back once an attack stops (amortized: each counter is
// dropped once).
func (l *Limiter) sweep(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		if !el.Value.(*limitEntry).expired(now, l.cfg.Window) {
			return
		}
		l.remove(el)
	}
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.byKey, el.Value.(*limitEntry).key)
	l.lru.Remove(el)
}

// Succeed forgets an account's failures (not the address's: one success
// must not reset a guesser trying many accounts).
func (l *Limiter) Succeed(username string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.byKey[keyOf('u', username)]; ok {
		l.remove(el)
	}
}
