package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"zsc/server/auth"
	zsync "zsc/sync"
)

// api talks to the real server over HTTP, as a phone does (gzip included:
// Go's transport asks for it and inflates the answer).
type api struct {
	base string
	hc   *http.Client
}

func newAPI(base string, conns int) *api {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: 5 * time.Minute}
	return &api{base: base, hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// do sends one request and returns the answer's body and how long the
// request took, until the last byte of the body was read.
func (a *api) do(ctx context.Context, method, path, token string, body []byte) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return nil, d, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, d, fmt.Errorf("%s %s: %d %s", method, strings.SplitN(path, "?", 2)[0], resp.StatusCode, bytes.TrimSpace(b))
	}
	return b, d, nil
}

func (a *api) json(ctx context.Context, method, path, token string, in, out any) (time.Duration, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return 0, err
		}
	}
	b, d, err := a.do(ctx, method, path, token, body)
	if err != nil {
		return d, err
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return d, fmt.Errorf("%s %s: %v", method, path, err)
		}
	}
	return d, nil
}

// login signs a prepared user in through POST /api/v1/auth/login.
func (a *api) login(ctx context.Context, username string) (string, error) {
	var t auth.Tokens
	if _, err := a.json(ctx, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": benchPassword}, &t); err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// register registers a new mobile client for the user.
func (a *api) register(ctx context.Context, token string) (string, error) {
	id := newID()
	req := zsync.RegisterRequest{ClientID: id, Kind: zsync.KindMobile, Platform: "bench", Installed: true, AppVersion: "1.0.0"}
	_, err := a.json(ctx, "POST", "/api/v1/sync/clients", token, req, nil)
	return id, err
}

// phone is a signed-in user with a registered client.
type phone struct {
	username, token, client string
}

// signIn logs users in and registers a client for each, conc at a time.
func (a *api) signIn(ctx context.Context, usernames []string, conc int) ([]*phone, error) {
	out := make([]*phone, len(usernames))
	err := parallel(len(usernames), conc, func(i int) error {
		tok, err := a.login(ctx, usernames[i])
		if err != nil {
			return fmt.Errorf("login %s: %w", usernames[i], err)
		}
		c, err := a.register(ctx, tok)
		if err != nil {
			return fmt.Errorf("register %s: %w", usernames[i], err)
		}
		out[i] = &phone{username: usernames[i], token: tok, client: c}
		return nil
	})
	return out, err
}

// parallel runs fn(0..n-1), conc at a time, and returns the first error.
func parallel(n, conc int, fn func(i int) error) error {
	next := make(chan int)
	errs := make(chan error, conc)
	for w := 0; w < conc; w++ {
		go func() {
			var first error
			for i := range next {
				if err := fn(i); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	var first error
	for w := 0; w < conc; w++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// latencies are request or sync durations.
type latencies []time.Duration

// p is the q-quantile (nearest rank).
func (l latencies) p(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func (l latencies) max() time.Duration { return l.p(1) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
