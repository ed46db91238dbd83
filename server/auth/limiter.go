package auth

import (
	"sync"
	"time"
)

// Limiter slows down password guessing: after MaxFailures failed logins
// within Window for one account or from one address, further attempts are
// refused until the window has passed since the last failure.
type Limiter struct {
	MaxFailures int
	Window      time.Duration
	now         func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

// NewLimiter returns a limiter of 5 failures per 15 minutes.
func NewLimiter(now func() time.Time) *Limiter {
	return &Limiter{MaxFailures: 5, Window: 15 * time.Minute, now: now, fails: map[string][]time.Time{}}
}

func (l *Limiter) keys(username, addr string) []string {
	return []string{"u:" + username, "a:" + addr}
}

// Blocked returns how long the caller must wait, or 0.
func (l *Limiter) Blocked(username, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range l.keys(username, addr) {
		fs := l.prune(k, now)
		if len(fs) >= l.MaxFailures {
			if w := fs[len(fs)-1].Add(l.Window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait
}

// Fail records a failed login.
func (l *Limiter) Fail(username, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range l.keys(username, addr) {
		l.fails[k] = append(l.prune(k, now), now)
	}
}

// Succeed forgets an account's failures (not the address's: one success
// must not reset a guesser trying many accounts).
func (l *Limiter) Succeed(username string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "u:"+username)
}

func (l *Limiter) prune(k string, now time.Time) []time.Time {
	fs := l.fails[k]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) > l.Window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.fails, k)
		return nil
	}
	l.fails[k] = fs
	return fs
}
