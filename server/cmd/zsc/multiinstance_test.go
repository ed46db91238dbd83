package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"zsc/server/auth"
	"zsc/server/demo"
	"zsc/server/postgres"
	"zsc/server/sqlstore/storetest"
	zsync "zsc/sync"
)

// TestMultiInstance runs two `zsc serve` processes on one PostgreSQL
// database (a fresh schema) and lets phones push item.sets to either of
// them at random, resending what was not acknowledged (same seq, same
// mutation ids) to whichever instance answers next, as a phone behind a
// load balancer does. Each instance is killed once with SIGKILL while the
// pushes go on, and restarted. At the end, on the database:
//   - every acknowledged mutation is stored with its client, seq and fate;
//   - each phone's seqs are 1..last_seq without a gap, last_seq the number
//     it made;
//   - nothing applied twice or lost: an applied item.set has exactly one
//     item_result change and one audit row naming it, a conflict at least
//     one conflict change and no result change; each result's version
//     counts its applied item.sets;
//   - a pull from either instance gives every phone the same results, and
//     the ones the database holds.
//
// Notices are not issued here: their number series are TestCrashRecovery's
// and the sync tests' (on both stores through storetest).
func TestMultiInstance(t *testing.T) {
	if storetest.PG() == "" {
		t.Skip("multi-instance test needs PostgreSQL: set ZSC_TEST_PG=postgres://… (CI sets it)")
	}
	if testing.Short() {
		t.Skip("multi-instance test builds and runs the zsc binary; skipped with -short")
	}
	if _, err := os.Stat(filepath.Join("..", "..", "..", "pwa", "dist", "index.html")); err != nil {
		t.Skip("pwa/dist/index.html is missing: run `make pwa` first (the zsc binary embeds the built PWA)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	seed := uint64(20261204)
	if s := os.Getenv("ZSC_CRASH_SEED"); s != "" {
		if _, err := fmt.Sscan(s, &seed); err != nil {
			t.Fatalf("ZSC_CRASH_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d (ZSC_CRASH_SEED)", seed)
	rng := rand.New(rand.NewPCG(seed, 2))

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "zsc")
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	dsn := storetest.DSN(t)
	// Both instances sign sessions with one secret, so that a token from
	// one is good on the other, as behind a load balancer.
	secret := strings.Repeat("multi-instance-secret-", 3)
	cluster := &cluster{t: t}
	for i := range 2 {
		s := &instance{t: t, name: fmt.Sprintf("zsc%d", i+1), bin: bin, dsn: dsn, secret: secret,
			data: filepath.Join(dir, fmt.Sprintf("data%d", i+1)), log: filepath.Join(dir, fmt.Sprintf("serve%d.log", i+1)), port: freePort(t)}
		t.Cleanup(s.kill)
		// The first loads the demo into the empty database; the second
		// finds it loaded.
		s.start(ctx)
		cluster.all = append(cluster.all, s)
	}

	// Two phones of insp1 (the same items from two devices) and one each of
	// insp2 and insp3.
	users := []string{"insp1", "insp1", "insp2", "insp3"}
	const perPhone = 150
	phones := make([]*multiPhone, len(users))
	for i, u := range users {
		phones[i] = newMultiPhone(ctx, t, cluster, u, i, rand.New(rand.NewPCG(seed, uint64(200+i))))
	}
	total := perPhone * len(phones)

	led := &ledger{acked: map[string]ack{}, maxAcked: map[string]int64{}}
	errs := make(chan error, len(phones))
	var wg gosync.WaitGroup
	for _, p := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- p.run(ctx, led, perPhone)
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()

	// Each instance is killed once, the first at a random moment in the
	// first half of the pushes, the other in the second half.
	first := rng.IntN(2)
	for k, at := range []int{total/6 + rng.IntN(total/3), total/2 + rng.IntN(total/3)} {
		for led.count() < at {
			select {
			case <-time.After(time.Millisecond):
			case <-finished:
				t.Fatalf("phones finished before kill %d at %d acknowledged mutations", k+1, at)
			case <-ctx.Done():
				t.Fatalf("timed out before kill %d: %d of %d acknowledged", k+1, led.count(), at)
			}
		}
		s, how := cluster.all[(first+k)%2], "at a random moment"
		if w := killInWindow(ctx, t, dsn, phones, led); w != nil {
			s, how = w, "as soon as the database held a push whose phone had no answer yet"
		} else {
			time.Sleep(time.Duration(rng.IntN(5000)) * time.Microsecond) // a random moment, not a wait
			s.kill()
		}
		t.Logf("killed %s %s, after %d acknowledged mutations (%d replayed answers so far)", s.name, how, led.count(), led.replays.Load())
		// The other instance carries the phones for a while.
		time.Sleep(time.Duration(200+rng.IntN(400)) * time.Millisecond)
		s.start(ctx)
		t.Logf("restarted %s at %d acknowledged mutations", s.name, led.count())
	}
	select {
	case <-finished:
	case <-ctx.Done():
		t.Fatal("timed out waiting for the phones to finish")
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkMultiInstance(ctx, t, dsn, cluster, phones, led)
	t.Logf("%d mutations acknowledged, %d replayed answers, %d requests sent again after a failure",
		led.count(), led.replays.Load(), cluster.retries.Load())
}

// killInWindow watches the clients table and, as soon as it holds a push
// the phone has no answer for yet (last_seq above the acknowledged seq),
// kills the instance that push went to: the answer is lost, and the phone
// sends the same mutations again, most likely to the other instance, which
// must answer them from the log. It returns the instance it killed, or nil
// after two seconds without a window.
func killInWindow(ctx context.Context, t *testing.T, dsn string, phones []*multiPhone, led *ledger) *instance {
	db, err := postgres.OpenDB(dsn, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		for _, p := range phones {
			s := p.pushingTo.Load()
			if s == nil {
				continue
			}
			var stored int64
			if err := db.QueryRowContext(ctx, `SELECT last_seq FROM clients WHERE id = ?`, p.id).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			_, acked := led.snapshot()
			if stored > acked[p.id] && p.pushingTo.Load() == s {
				s.kill()
				return s
			}
		}
	}
	return nil
}

// cluster is the instances the phones reach, as a load balancer would.
type cluster struct {
	t       *testing.T
	all     []*instance
	retries atomic.Int64
}

// pick returns a random instance that is up, waiting while none is.
func (c *cluster) pick(ctx context.Context, rng *rand.Rand) (*instance, error) {
	for {
		var up []*instance
		for _, s := range c.all {
			if s.up.Load() {
				up = append(up, s)
			}
		}
		if len(up) > 0 {
			return up[rng.IntN(len(up))], nil
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// instance is one zsc serve process on the shared database.
type instance struct {
	t                      *testing.T
	name, bin, dsn, secret string
	data, log, port        string
	up                     atomic.Bool
	mu                     gosync.Mutex
	cmd                    *exec.Cmd
	exited                 chan struct{}
}

func (s *instance) base() string { return "http://127.0.0.1:" + s.port }

func (s *instance) start(ctx context.Context) {
	t := s.t
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, "serve", "--demo", "--demo-entities", "2000", "--db", s.dsn, "--data", s.data, "--addr", "127.0.0.1:"+s.port)
	cmd.Env = append(os.Environ(), "ZSC_JWT_SECRET="+s.secret)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		// Only the exit matters: "killed" after kill; an exit at start is
		// reported with the log's tail.
		_ = cmd.Wait()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	hc := http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second) // the first start loads the demo
	for {
		resp, err := hc.Get(s.base() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("%s exited at start:\n%s", s.name, s.tail())
		case <-ctx.Done():
			t.Fatalf("%s did not answer /healthz:\n%s", s.name, s.tail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /healthz within 90 s:\n%s", s.name, s.tail())
		}
	}
	s.up.Store(true)
}

// kill takes the instance out of the balancer's choice and kills it with
// SIGKILL: requests in flight on it fail and are sent again elsewhere.
func (s *instance) kill() {
	s.up.Store(false)
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Error(err)
		return
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		s.t.Errorf("%s did not die on SIGKILL", s.name)
	}
}

func (s *instance) tail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// multiPhone is one installed app answering random check points of its
// department on its visits.
type multiPhone struct {
	c            *cluster
	user, label  string
	dept         string
	token, id    string
	items        []string
	itemVisit    map[string]string
	baseVersions map[string]int64 // item → version at the bootstrap
	rng          *rand.Rand
	hc           *http.Client
	pushingTo    atomic.Pointer[instance] // where the push in flight went
	seq          int64
	outbox       []zsync.Mutation
}

func newMultiPhone(ctx context.Context, t *testing.T, c *cluster, user string, n int, rng *rand.Rand) *multiPhone {
	p := &multiPhone{c: c, user: user, label: fmt.Sprintf("%s#%d", user, n), id: uuid.Must(uuid.NewV7()).String(), rng: rng,
		hc: &http.Client{Timeout: 20 * time.Second}, itemVisit: map[string]string{}, baseVersions: map[string]int64{}}
	var tok auth.Tokens
	if code, err := p.call(ctx, "POST", "/api/v1/auth/login", map[string]string{"username": user, "password": demo.Password}, &tok); err != nil || code != 200 {
		t.Fatalf("login %s: %d %v", user, code, err)
	}
	p.token, p.dept = tok.AccessToken, tok.User.Dept
	reg := zsync.RegisterRequest{ClientID: p.id, Kind: zsync.KindMobile, Platform: "multi-instance test", Installed: true, AppVersion: "1.0.0"}
	if code, err := p.call(ctx, "POST", "/api/v1/sync/clients", reg, nil); err != nil || code != 200 {
		t.Fatalf("register %s: %d %v", p.label, code, err)
	}
	results, err := p.results(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for item, r := range results {
		p.baseVersions[item] = r.Version
	}
	if len(p.items) == 0 {
		t.Fatalf("%s (%s) sees no demo visit with items of its department", p.label, tok.User.Dept)
	}
	slices.Sort(p.items)
	t.Logf("phone %s (%s): %d items", p.label, tok.User.Dept, len(p.items))
	return p
}

// results pulls everything from cursor 0 (from s, or from any instance)
// and returns the item results it says, by item; the first time it also
// learns the phone's items.
func (p *multiPhone) results(ctx context.Context, s *instance) (map[string]zsync.ItemResult, error) {
	learn := len(p.items) == 0
	out := map[string]zsync.ItemResult{}
	for cursor := int64(0); ; {
		var resp zsync.PullResponse
		path := fmt.Sprintf("/api/v1/sync/pull?client_id=%s&cursor=%d", p.id, cursor)
		var code int
		var err error
		if s != nil {
			code, err = p.callOn(ctx, s, "GET", path, nil, &resp)
		} else {
			code, err = p.call(ctx, "GET", path, nil, &resp)
		}
		if err != nil || code != 200 {
			return nil, fmt.Errorf("%s: pull: %d %v", p.label, code, err)
		}
		for _, c := range resp.Changes {
			switch c.Kind {
			case zsync.ChangeVisit:
				if !learn || c.Op != zsync.OpPut {
					continue
				}
				var v crashVisit
				if err := json.Unmarshal(c.Data, &v); err != nil {
					return nil, err
				}
				for _, it := range v.Items {
					if it.Dept == p.dept && p.itemVisit[it.ID] == "" {
						p.items = append(p.items, it.ID)
						p.itemVisit[it.ID] = v.ID
					}
				}
			case zsync.ChangeItemResult:
				var r zsync.ItemResult
				if err := json.Unmarshal(c.Data, &r); err != nil {
					return nil, err
				}
				if c.Op == zsync.OpPut {
					out[r.ItemID] = r
				}
			}
		}
		cursor = resp.Cursor
		if !resp.HasMore {
			return out, nil
		}
	}
}

// run makes n item.sets, a few at a time, and pushes the outbox until the
// server has acknowledged them all.
func (p *multiPhone) run(ctx context.Context, led *ledger, n int64) error {
	for p.seq < n || len(p.outbox) > 0 {
		for k := 1 + p.rng.IntN(6); k > 0 && p.seq < n; k-- {
			p.seq++
			item := p.items[p.rng.IntN(len(p.items))]
			// A note unique to the mutation: no edit is a no-op, so every
			// applied item.set leaves exactly one result change.
			args, _ := json.Marshal(map[string]any{"visit_id": p.itemVisit[item], "item_id": item,
				"value": crashValues[p.rng.IntN(3)], "note": fmt.Sprintf("%s %d", p.label, p.seq), "photos": []string{},
				"base_version": p.baseVersions[item]})
			p.outbox = append(p.outbox, zsync.Mutation{Seq: p.seq, ID: uuid.Must(uuid.NewV7()).String(), Name: zsync.MutItemSet,
				At: time.Now().Format(time.RFC3339), Args: args})
		}
		if err := p.push(ctx, led); err != nil {
			return err
		}
	}
	return nil
}

func (p *multiPhone) push(ctx context.Context, led *ledger) error {
	batch := p.outbox[:min(len(p.outbox), 20)]
	pending := len(p.outbox)
	req := zsync.PushRequest{ClientID: p.id, SchemaVersion: zsync.SchemaVersion, Mutations: batch, Pending: &pending}
	var resp zsync.PushResponse
	code, err := p.call(ctx, "POST", "/api/v1/sync/push", req, &resp)
	p.pushingTo.Store(nil)
	if err != nil {
		return err
	}
	if code != 200 || len(resp.Results) != len(batch) || resp.LastSeq != batch[len(batch)-1].Seq {
		return fmt.Errorf("%s: push seq %d..%d answered %d, %d results, last_seq %d", p.label, batch[0].Seq, batch[len(batch)-1].Seq, code, len(resp.Results), resp.LastSeq)
	}
	for i, r := range resp.Results {
		m := batch[i]
		if r.Seq != m.Seq || r.Status != zsync.StatusApplied && r.Status != zsync.StatusConflict {
			return fmt.Errorf("%s: item.set seq %d %s answered %+v", p.label, m.Seq, m.Args, r)
		}
		if err := led.record(m, p.id, r); err != nil {
			return err
		}
	}
	p.outbox = slices.Clone(p.outbox[len(batch):])
	return nil
}

// call sends one request to a random instance that is up, and sends it
// again (the same body) to a random one when the connection fails or the
// answer is a 5xx: the instance was killed, or is starting.
func (p *multiPhone) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var lastErr error
	for attempt := 0; attempt < 300; attempt++ {
		s, err := p.c.pick(ctx, p.rng)
		if err != nil {
			return 0, fmt.Errorf("%s %s: no instance came back: %w (last error %v)", method, path, err, lastErr)
		}
		code, err := p.callOn(ctx, s, method, path, body, out)
		if err == nil || code != 0 && code < 500 {
			return code, err
		}
		lastErr = err
		p.c.retries.Add(1)
		time.Sleep(time.Duration(5+p.rng.IntN(20)) * time.Millisecond)
	}
	return 0, fmt.Errorf("%s %s: gave up after 300 failed attempts: %w", method, path, lastErr)
}

// callOn sends one request to s; code 0 means no answer.
func (p *multiPhone) callOn(ctx context.Context, s *instance, method, path string, body, out any) (int, error) {
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	if strings.HasSuffix(path, "/sync/push") {
		p.pushingTo.Store(s)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base()+path, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil { // killed while answering
		return 0, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return resp.StatusCode, fmt.Errorf("%s %s on %s: %d %s", method, path, s.name, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s on %s: %v", method, path, s.name, err)
		}
	}
	return resp.StatusCode, nil
}

// checkMultiInstance checks the database and both instances' pulls after
// the phones finished (see TestMultiInstance).
func checkMultiInstance(ctx context.Context, t *testing.T, dsn string, c *cluster, phones []*multiPhone, led *ledger) {
	db, err := postgres.OpenDB(dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var problems []string
	fail := func(format string, args ...any) {
		if len(problems) < 30 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	acked, _ := led.snapshot()

	type mrow struct {
		client, status, item string
		seq                  int64
	}
	muts := map[string]*mrow{}
	// The phones' mutations: the demo's own are not this test's.
	ours := map[string]bool{}
	for _, p := range phones {
		ours[p.id] = true
	}
	rows, err := db.QueryContext(ctx, `SELECT id, client_id, seq, status, coalesce(args::jsonb->>'item_id', '') FROM mutation_log WHERE name = 'item.set'`)
	must(err)
	for rows.Next() {
		var id string
		m := &mrow{}
		must(rows.Scan(&id, &m.client, &m.seq, &m.status, &m.item))
		if ours[m.client] {
			muts[id] = m
		}
	}
	rows.Close()
	must(rows.Err())

	// Every acknowledged mutation is there with the fate it was told.
	for id, a := range acked {
		m, ok := muts[id]
		switch {
		case !ok:
			fail("acknowledged mutation %s (client %s seq %d, %s) is missing", id, a.client, a.seq, a.status)
		case m.client != a.client || m.seq != a.seq || m.status != a.status:
			fail("mutation %s stored as client %s seq %d %s, acknowledged as client %s seq %d %s", id, m.client, m.seq, m.status, a.client, a.seq, a.status)
		}
	}
	// Each phone's seqs are 1..last_seq without a gap, all it made.
	for _, p := range phones {
		var n, lo, hi, last int64
		must(db.QueryRowContext(ctx, `SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM mutation_log WHERE client_id = ?`, p.id).Scan(&n, &lo, &hi))
		must(db.QueryRowContext(ctx, `SELECT last_seq FROM clients WHERE id = ?`, p.id).Scan(&last))
		if n != hi || lo != 1 || last != hi || hi != p.seq {
			fail("%s: %d mutations with seqs %d..%d, last_seq %d, made %d", p.label, n, lo, hi, last, p.seq)
		}
	}

	// Exactly the rows each fate makes: an applied item.set one result
	// change and no conflict; a conflict at least one conflict change
	// (one more per later move under it) and no result change; one audit
	// row each.
	changes := map[string]map[string]int{} // kind → mutation id → changes
	rows, err = db.QueryContext(ctx, `SELECT kind, coalesce(data::jsonb->>'mutation_id', '') FROM changes WHERE kind IN ('item_result', 'conflict')`)
	must(err)
	for rows.Next() {
		var kind, mid string
		must(rows.Scan(&kind, &mid))
		if changes[kind] == nil {
			changes[kind] = map[string]int{}
		}
		changes[kind][mid]++
	}
	rows.Close()
	must(rows.Err())
	audits := map[string]int{}
	rows, err = db.QueryContext(ctx, `SELECT coalesce(after::jsonb->>'mutation_id', '') FROM audit_entries WHERE action = 'item.set'`)
	must(err)
	for rows.Next() {
		var mid string
		must(rows.Scan(&mid))
		audits[mid]++
	}
	rows.Close()
	must(rows.Err())
	applied := map[string]int64{} // item → applied item.sets
	statuses := map[string]int{}
	for id, m := range muts {
		statuses[m.status]++
		switch m.status {
		case zsync.StatusApplied:
			applied[m.item]++
			if n, k := changes[zsync.ChangeItemResult][id], changes[zsync.ChangeConflict][id]; n != 1 || k != 0 {
				fail("applied item.set %s (client %s seq %d): %d result changes, %d conflict changes", id, m.client, m.seq, n, k)
			}
		case zsync.StatusConflict:
			if n, k := changes[zsync.ChangeItemResult][id], changes[zsync.ChangeConflict][id]; n != 0 || k < 1 {
				fail("conflict item.set %s (client %s seq %d): %d result changes, %d conflict changes", id, m.client, m.seq, n, k)
			}
		default:
			fail("item.set %s (client %s seq %d) is %s", id, m.client, m.seq, m.status)
		}
		if audits[id] != 1 {
			fail("item.set %s (client %s seq %d, %s) has %d audit rows", id, m.client, m.seq, m.status, audits[id])
		}
	}

	// Each result's version counts its applied item.sets.
	base := map[string]int64{}
	for _, p := range phones {
		for k, v := range p.baseVersions {
			base[k] = v
		}
	}
	stored := map[string]zsync.ItemResult{}
	rows, err = db.QueryContext(ctx, `SELECT item_id, version, mutation_id, note FROM item_results`)
	must(err)
	for rows.Next() {
		var r zsync.ItemResult
		must(rows.Scan(&r.ItemID, &r.Version, &r.MutationID, &r.Note))
		stored[r.ItemID] = r
	}
	rows.Close()
	must(rows.Err())
	for item, n := range applied {
		if r := stored[item]; r.Version != base[item]+n {
			fail("item %s: version %d after %d applied item.sets from version %d", item, r.Version, n, base[item])
		}
	}

	// A pull from either instance says the same results, those stored.
	for _, p := range phones {
		var seen []map[string]zsync.ItemResult
		for _, s := range c.all {
			got, err := p.results(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, got)
		}
		for _, item := range p.items {
			r0, r1, db := seen[0][item], seen[1][item], stored[item]
			if r0.Version != r1.Version || r0.MutationID != r1.MutationID || r0.Note != r1.Note {
				fail("%s: item %s pulled from %s as v%d %s, from %s as v%d %s", p.label, item, c.all[0].name, r0.Version, r0.MutationID, c.all[1].name, r1.Version, r1.MutationID)
			}
			if r0.Version != db.Version || r0.MutationID != db.MutationID {
				fail("%s: item %s pulled as v%d %s, stored v%d %s", p.label, item, r0.Version, r0.MutationID, db.Version, db.MutationID)
			}
		}
	}
	if len(problems) > 0 {
		t.Fatalf("after %d acknowledged mutations (%d in the log):\n  %s", len(acked), len(muts), strings.Join(problems, "\n  "))
	}
	t.Logf("checked: %d acknowledged, %d item.sets in the log (%v), %d items answered", len(acked), len(muts), statuses, len(applied))
}
