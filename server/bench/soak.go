package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	zsync "zsc/sync"
)

// The soak phase (-phases soak -soak 10m): the phones sync as on a normal
// day, each once per -window at its own seeded moment, for -soak, while
// -hostile senders keep sending bodies far over every cap (huge logins,
// huge pushes, huge photos and plan uploads, with and without a declared
// length) and logins with huge usernames just under the cap. Every
// -sample the process's RSS and Go heap are read; the report prints the
// series and the slope after the first minute. Memory is flat when the
// slope is about zero: no refused body, no username, no sync leaves
// anything behind. The server and the load generator share the process,
// so the figures are an upper bound on the server's own.

// soakSample is one reading of the process's memory.
type soakSample struct {
	at                time.Duration
	rss, live, heap   uint64 // VmRSS; heap live after the last GC; heap objects now (with unswept garbage)
	goroutines        uint64
	syncs, syncErrors int64
	hostile, refused  int64
	syncP99           time.Duration // of the syncs that ended since the sample before
}

// soakStats are the soak phase's figures.
type soakStats struct {
	samples                 []soakSample
	syncs                   latencies
	syncErrors              []string
	hostile                 map[string]map[string]int // kind → outcome → count
	rssSlope, liveSlope     float64                   // MB per minute, after the first minute
	rssSpread, liveSpread   [2]uint64                 // min and max after the first minute
	duration, sampleEvery   time.Duration
	hostileSenders          int
	hostileBytes, nameBytes int64
	// After a forced GC, once the phones were bootstrapped and once the
	// soak's traffic had stopped: what the process keeps, without the
	// requests in flight that the samples catch at random moments.
	heapBefore, heapAfter uint64
	rssBefore, rssAfter   uint64
	// The lowest heap live of each minute: the troughs, when the
	// backlog of requests in flight has drained.
	troughs     []uint64
	troughSlope float64
}

// hostileKinds are what the oversized senders send, in turn.
var hostileKinds = []string{
	"login, declared length", "login, chunked", "login, huge username under the cap",
	"push, declared length", "push, chunked",
	"photo, declared length", "photo, chunked",
	"plan upload, chunked multipart",
}

// filler is a body of n bytes: prefix, then 'a's, made as it is read so
// that the load generator holds none of it.
type filler struct {
	prefix []byte
	left   int64
}

func (f *filler) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && f.left > 0 {
		if len(f.prefix) > 0 {
			k := copy(p[n:], f.prefix)
			f.prefix = f.prefix[k:]
			n += k
			f.left -= int64(k)
			continue
		}
		k := int(min(int64(len(p)-n), f.left))
		for i := range k {
			p[n+i] = 'a'
		}
		n += k
		f.left -= int64(k)
	}
	return n, nil
}

// hostileRequest makes one oversized request of kind k.
func hostileRequest(ctx context.Context, a *api, kind string, inspector, office string, size, nameBytes int64, n int) (*http.Request, error) {
	method, path, token, ctype := "POST", "/api/v1/auth/login", "", "application/json"
	prefix := []byte(`{"username":"`)
	declared := strings.HasSuffix(kind, "declared length")
	switch {
	case strings.HasPrefix(kind, "push"):
		path, token, prefix = "/api/v1/sync/push", inspector, []byte(`{"client_id":"`)
	case strings.HasPrefix(kind, "photo"):
		sum := sha256.Sum256([]byte("soak" + strconv.Itoa(n)))
		method, path, token, ctype, prefix = "PUT", "/api/v1/blobs/"+hex.EncodeToString(sum[:]), inspector, "image/jpeg", nil
	case strings.HasPrefix(kind, "plan upload"):
		path, token, ctype = "/api/v1/plans/import", office, "multipart/form-data; boundary=soak"
		prefix = []byte("--soak\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.tsv\"\r\nContent-Type: text/tab-separated-values\r\n\r\n")
	case kind == "login, huge username under the cap":
		// A new username each time, just under the JSON cap: a limiter that
		// kept what it saw would grow by this much per request.
		name := fmt.Sprintf("soak%09d", n) + strings.Repeat("名", int(nameBytes)/3)
		body := []byte(`{"username":"` + name + `","password":"wrong"}`)
		req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", ctype)
		}
		return req, err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, &filler{prefix: prefix, left: size})
	if err != nil {
		return nil, err
	}
	req.ContentLength = -1 // chunked: the server finds out by reading
	if declared {
		req.ContentLength = size
	}
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// hostileOutcome names what became of an oversized request: its status, or
// "cut" when the server closed the connection while the body was still
// being sent (after answering 413, which the client may not get to read).
func hostileOutcome(a *api, req *http.Request) string {
	resp, err := a.hc.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return "cancelled"
		}
		return "cut"
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

// vmRSS is the process's resident set in bytes (Linux; 0 elsewhere).
func vmRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// readMemory reads the Go runtime's own figures without stopping the world.
func readMemory() (live, heap, goroutines uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}, {Name: "/sched/goroutines:goroutines"}}
	metrics.Read(s)
	for i, p := range []*uint64{&live, &heap, &goroutines} {
		if s[i].Value.Kind() == metrics.KindUint64 {
			*p = s[i].Value.Uint64()
		}
	}
	return live, heap, goroutines
}

// slope is the least-squares slope of ys over xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// soakPhase runs the soak (see the top of this file).
func soakPhase(ctx context.Context, c config, a *api, ts *timedStore, log io.Writer) (*soakStats, error) {
	st := &soakStats{duration: c.soak, sampleEvery: c.sample, hostileSenders: c.hostile, hostileBytes: c.hostileBytes,
		nameBytes: c.nameBytes, hostile: map[string]map[string]int{}}
	names := make([]string, c.phones)
	for i := range names {
		names[i] = phoneName(i)
	}
	fmt.Fprintf(log, "soak: signing %d inspectors in and bootstrapping their phones…\n", c.phones)
	phones, err := a.signIn(ctx, names, 8)
	if err != nil {
		return nil, err
	}
	office, err := a.login(ctx, "bench-office")
	if err != nil {
		return nil, fmt.Errorf("login bench-office: %w", err)
	}
	states := make([]*phoneState, len(phones))
	for i := range states {
		states[i] = &phoneState{results: map[string]zsync.ItemResult{}}
	}
	if err := parallel(len(phones), 4, func(i int) error {
		_, err := pullAll(ctx, a, phones[i], states[i])
		return err
	}); err != nil {
		return nil, err
	}

	fmt.Fprintf(log, "soak: %d phones syncing once per %s for %s; %d senders of %d MB bodies; a sample every %s…\n",
		len(phones), c.window, c.soak, c.hostile, c.hostileBytes>>20, c.sample)
	st.heapBefore, st.rssBefore = settledMemory()
	ts.reset()
	ctx, cancel := context.WithTimeout(ctx, c.soak)
	defer cancel()
	start := time.Now()
	var mu gosync.Mutex
	var window latencies // syncs ended since the last sample
	var syncs, syncErrs, hostileN, refused atomic.Int64
	var wg gosync.WaitGroup
	rng := rand.New(rand.NewPCG(c.seed, 4))
	for i, p := range phones {
		offset := time.Duration(rng.Int64N(int64(c.window)))
		seed := rng.Uint64()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 5))
			for k := 0; ; k++ {
				t := time.NewTimer(time.Until(start.Add(offset + time.Duration(k)*c.window)))
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
				d, err := syncOnce(ctx, a, p, states[i], c.syncMutations, r)
				if ctx.Err() != nil {
					return // the soak ended during this sync: neither counted nor an error
				}
				mu.Lock()
				if err != nil {
					syncErrs.Add(1)
					if len(st.syncErrors) < 5 {
						st.syncErrors = append(st.syncErrors, fmt.Sprintf("%s: %v", p.username, err))
					}
				} else {
					syncs.Add(1)
					st.syncs = append(st.syncs, d[0]+d[1]+d[2])
					window = append(window, d[0]+d[1]+d[2])
				}
				mu.Unlock()
			}
		}()
	}
	for h := range c.hostile {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := h; ; n += c.hostile {
				kind := hostileKinds[n%len(hostileKinds)]
				req, err := hostileRequest(ctx, a, kind, phones[n%len(phones)].token, office, c.hostileBytes, c.nameBytes, n)
				if err != nil {
					return
				}
				out := hostileOutcome(a, req)
				if ctx.Err() != nil {
					return
				}
				hostileN.Add(1)
				if out == "413" || out == "401" || out == "429" || out == "cut" {
					refused.Add(1)
				}
				mu.Lock()
				if st.hostile[kind] == nil {
					st.hostile[kind] = map[string]int{}
				}
				st.hostile[kind][out]++
				mu.Unlock()
				t := time.NewTimer(c.hostilePause)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
		}()
	}
	sample := func() {
		live, heap, g := readMemory()
		mu.Lock()
		p99 := window.p(0.99)
		window = nil
		mu.Unlock()
		s := soakSample{at: time.Since(start).Round(time.Second), rss: vmRSS(), live: live, heap: heap, goroutines: g,
			syncs: syncs.Load(), syncErrors: syncErrs.Load(), hostile: hostileN.Load(), refused: refused.Load(), syncP99: p99}
		st.samples = append(st.samples, s)
		fmt.Fprintf(log, "  %6s  RSS %4d MB  heap live %4d MB  heap %4d MB  %5d goroutines  %6d syncs (%d errors, p99 %s)  %5d oversized sent, %d refused\n",
			s.at, s.rss>>20, s.live>>20, s.heap>>20, s.goroutines, s.syncs, s.syncErrors, ms(s.syncP99), s.hostile, s.refused)
	}
	sample()
	tick := time.NewTicker(c.sample)
	for done := false; !done; {
		select {
		case <-tick.C:
			sample()
		case <-ctx.Done():
			done = true
		}
	}
	tick.Stop()
	wg.Wait()
	if last := st.samples[len(st.samples)-1]; time.Since(start)-last.at > time.Second {
		sample()
	}

	st.heapAfter, st.rssAfter = settledMemory()
	if c.memProfile != "" {
		if err := writeHeapProfile(c.memProfile); err != nil {
			return st, err
		}
	}
	for _, s := range st.samples {
		m := int(s.at / time.Minute)
		if m >= int(c.soak/time.Minute) {
			break // the last sample, at the very end: no minute of its own
		}
		for m >= len(st.troughs) {
			st.troughs = append(st.troughs, s.live)
		}
		st.troughs[m] = min(st.troughs[m], s.live)
	}
	var mx, my []float64
	for m, v := range st.troughs {
		if m >= 1 {
			mx, my = append(mx, float64(m)), append(my, float64(v)/(1<<20))
		}
	}
	st.troughSlope = slope(mx, my)
	var xs, rss, live []float64
	for _, s := range st.samples {
		if s.at < time.Minute {
			continue // warm-up: the phones' first syncs, the pools filling
		}
		xs = append(xs, s.at.Minutes())
		rss, live = append(rss, float64(s.rss)/(1<<20)), append(live, float64(s.live)/(1<<20))
		for _, sp := range []struct {
			v  uint64
			mm *[2]uint64
		}{{s.rss, &st.rssSpread}, {s.live, &st.liveSpread}} {
			if sp.mm[0] == 0 || sp.v < sp.mm[0] {
				sp.mm[0] = sp.v
			}
			sp.mm[1] = max(sp.mm[1], sp.v)
		}
	}
	st.rssSlope, st.liveSlope = slope(xs, rss), slope(xs, live)
	fmt.Fprintf(log, "  slope after the first minute: RSS %+.2f MB/min, heap live %+.2f MB/min, lowest heap live of each minute %+.2f MB/min; %d syncs p99 %s, %d errors\n",
		st.rssSlope, st.liveSlope, st.troughSlope, len(st.syncs), ms(st.syncs.p(0.99)), syncErrs.Load())
	fmt.Fprintf(log, "  after a forced GC: heap %d MB before the soak, %d MB after; RSS %d MB before, %d MB after\n",
		st.heapBefore>>20, st.heapAfter>>20, st.rssBefore>>20, st.rssAfter>>20)
	for _, e := range st.syncErrors {
		fmt.Fprintf(log, "  error: %s\n", e)
	}
	if len(st.syncs) == 0 {
		return st, fmt.Errorf("soak: no sync succeeded")
	}
	return st, nil
}

// reportSoak prints the soak's table and series.
func reportSoak(w io.Writer, c config, st *soakStats) {
	fmt.Fprintf(w, "\n#### Soak: %s phones syncing once per %s for %s, with %d senders of oversized bodies\n\n",
		thousands(float64(c.phones)), c.window, st.duration, st.hostileSenders)
	fmt.Fprintf(w, "| Measure | Figure |\n|---|---|\n")
	fmt.Fprintf(w, "| Syncs (pull, push %d `item.set`, pull): count, p50 / p99 / max, errors | %s, %s / %s / %s, %d errors |\n",
		c.syncMutations, thousands(float64(len(st.syncs))), ms(st.syncs.p(0.5)), ms(st.syncs.p(0.99)), ms(st.syncs.max()), len(st.syncErrors))
	kinds := 0
	for _, k := range hostileKinds {
		outs := st.hostile[k]
		if outs == nil {
			continue
		}
		kinds++
		var parts []string
		for o, n := range outs {
			parts = append(parts, fmt.Sprintf("%s × %d", o, n))
		}
		slices.Sort(parts)
		size := fmt.Sprintf("%d MB", st.hostileBytes>>20)
		if k == "login, huge username under the cap" {
			size = fmt.Sprintf("%d KB, a new username each time", st.nameBytes>>10)
		}
		fmt.Fprintf(w, "| Oversized: %s (%s): answers | %s |\n", k, size, strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "| RSS after the first minute: min / max, slope | %d / %d MB, %+.2f MB/min |\n", st.rssSpread[0]>>20, st.rssSpread[1]>>20, st.rssSlope)
	fmt.Fprintf(w, "| Go heap live after the first minute: min / max, slope | %d / %d MB, %+.2f MB/min |\n", st.liveSpread[0]>>20, st.liveSpread[1]>>20, st.liveSlope)
	var tr []string
	for _, v := range st.troughs {
		tr = append(tr, strconv.FormatUint(v>>20, 10))
	}
	fmt.Fprintf(w, "| Go heap live, the lowest of each minute (MB), slope after the first | %s; %+.2f MB/min |\n", strings.Join(tr, ", "), st.troughSlope)
	fmt.Fprintf(w, "| After a forced GC, before the soak → after it (traffic stopped): Go heap in use, RSS | %d → %d MB, %d → %d MB |\n",
		st.heapBefore>>20, st.heapAfter>>20, st.rssBefore>>20, st.rssAfter>>20)
	fmt.Fprintf(w, "\nEvery %s (RSS and heap of the one process that is both server and load generator; \"413/cut\": refused with 413, or the connection closed while the body was still being sent):\n\n", st.sampleEvery)
	fmt.Fprintf(w, "| t | RSS MB | heap live MB | heap MB | goroutines | syncs | sync p99 in the interval | oversized sent |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range st.samples {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %s | %d |\n", s.at, s.rss>>20, s.live>>20, s.heap>>20, s.goroutines, s.syncs, ms(s.syncP99), s.hostile)
	}
}

// settledMemory forces a GC, returns the freed pages to the system and
// reads the heap in use and the RSS: what the process keeps.
func settledMemory() (heap, rss uint64) {
	debug.FreeOSMemory() // runs a GC first
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, vmRSS()
}

// writeHeapProfile writes the heap profile (-memprofile): what holds the
// memory left after the soak.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
