package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
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
	zsync "zsc/sync"
)

// TestCrashRecovery is the crash test of the sync engine: it builds the real
// zsc binary, serves the demo on a temporary database, and lets four phones
// (insp1, insp2, insp3 and a synthetic inspector of the demo's draws) push
// item.set mutations on the visits their bootstrap pull shows them, while
// the server is killed with SIGKILL 3 to 5 times at random moments and
// restarted on the same database. Phones resend what was not acknowledged
// (same seq, same mutation ids), as the PWA does.
//
// After every kill, with the server down, and at the end it checks on the
// database file that:
//   - every push the server acknowledged is there: each acknowledged mutation
//     id exists with its client, seq and fate, and its result change, audit
//     row (and conflict record) exist;
//   - nothing was applied twice: each client's seqs are 1..last_seq without
//     holes, one result change (or one conflict) and one audit row per
//     mutation, each result's version counts its applied mutations, the
//     current result is the last one the change log carries, and the office
//     rollups agree with the results;
//   - every phone's retries complete: its final last_seq is the number of
//     mutations it made.
//
// The choices (mutations, values, kill moments) come from a seeded
// math/rand/v2; ZSC_CRASH_SEED picks another seed.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and runs the zsc binary; skipped with -short")
	}
	if _, err := os.Stat(filepath.Join("..", "..", "..", "pwa", "dist", "index.html")); err != nil {
		t.Skip("pwa/dist/index.html is missing: run `make pwa` first (the zsc binary embeds the built PWA)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			t.Skip("no go tool to build the zsc binary with")
		}
	}
	seed := uint64(20240603)
	if s := os.Getenv("ZSC_CRASH_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("seed %d (ZSC_CRASH_SEED)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	dir := t.TempDir()
	bin := filepath.Join(dir, "zsc")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	srv := &crashServer{t: t, bin: bin, db: filepath.Join(dir, "zsc.db"), log: filepath.Join(dir, "serve.log"), port: freePort(t)}
	t.Cleanup(srv.stop)
	srv.start(ctx)

	// Four phones: the three demo inspectors and the synthetic inspector on
	// most demo visits.
	users := []string{"insp1", "insp2", "insp3", srv.syntheticInspector(ctx)}
	const perPhone = 120
	phones := make([]*crashPhone, len(users))
	for i, u := range users {
		phones[i] = newCrashPhone(ctx, t, srv, u, rand.New(rand.NewPCG(seed, uint64(100+i))))
	}
	total := perPhone * len(phones)

	// The kill moments: when this many mutations have been acknowledged,
	// plus a random few milliseconds.
	kills := 3 + rng.IntN(3)
	var at []int
	for len(at) < kills {
		n := total/20 + rng.IntN(total*8/10)
		if !slices.Contains(at, n) {
			at = append(at, n)
		}
	}
	slices.Sort(at)

	led := &ledger{acked: map[string]ack{}, maxAcked: map[string]int64{}}
	errs := make(chan error, len(phones))
	var wg gosync.WaitGroup
	for _, p := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- p.run(ctx, perPhone, led)
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()

	for k, n := range at {
		tick := time.NewTicker(time.Millisecond)
		for led.count() < n {
			select {
			case <-tick.C:
			case <-finished:
				t.Fatalf("phones finished before kill %d at %d acknowledged mutations", k+1, n)
			case <-ctx.Done():
				t.Fatalf("timed out before kill %d: %d of %d acknowledged", k+1, led.count(), n)
			}
		}
		tick.Stop()
		how := "at a random moment"
		if k%2 == 0 && srv.killInWindow(ctx, phones, led) {
			how = "as soon as the database held a push the phone had no answer for"
		} else {
			time.Sleep(time.Duration(rng.IntN(8000)) * time.Microsecond) // a random moment, not a wait
			srv.kill()
		}
		t.Logf("kill %d %s, after %d acknowledged mutations (%d replayed answers so far)", k+1, how, led.count(), led.replays.Load())
		srv.verify(ctx, phones, led, false)
		srv.start(ctx)
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
	srv.kill()
	srv.verify(ctx, phones, led, true)
	t.Logf("%d mutations acknowledged across %d kills, %d replayed answers", led.count(), kills, led.replays.Load())
}

// crashServer is the zsc child process.
type crashServer struct {
	t            *testing.T
	bin, db, log string
	port         string
	cmd          *exec.Cmd
	exited       chan struct{}
	mu           gosync.Mutex
	up           chan struct{} // closed while the server is up
	healthClient http.Client
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

func (s *crashServer) base() string { return "http://127.0.0.1:" + s.port }

// start runs `zsc serve --demo` on the database and returns once /healthz
// answers; then the phones may go on.
func (s *crashServer) start(ctx context.Context) {
	t := s.t
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, "serve", "--demo", "--demo-entities", "2000", "--db", s.db, "--addr", "127.0.0.1:"+s.port)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	s.healthClient.Timeout = 2 * time.Second
	deadline := time.Now().Add(90 * time.Second) // the first start loads the demo
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := s.healthClient.Get(s.base() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("zsc serve exited at start:\n%s", s.tail())
		case <-ctx.Done():
			t.Fatalf("zsc serve did not answer /healthz:\n%s", s.tail())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("zsc serve did not answer /healthz within 90 s:\n%s", s.tail())
		}
	}
	s.mu.Lock()
	if s.up == nil {
		s.up = make(chan struct{})
	}
	close(s.up)
	s.mu.Unlock()
}

// kill marks the server down, so that phones whose requests fail wait for
// the restart, and kills it with SIGKILL.
func (s *crashServer) kill() {
	s.mu.Lock()
	s.up = make(chan struct{})
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill() // SIGKILL on Unix: no shutdown, no checkpoint
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		s.t.Fatal("zsc serve did not die on SIGKILL")
	}
	s.mu.Lock()
	s.cmd = nil
	s.mu.Unlock()
}

func (s *crashServer) stop() { s.kill() }

// killInWindow watches the clients table and kills the server as soon as it
// has committed a push whose answer the phone has not taken yet (its
// last_seq is above the phone's acknowledged seq): the answer is lost and
// the phone must resend mutations the server already has. It gives up
// after two seconds without killing.
func (s *crashServer) killInWindow(ctx context.Context, phones []*crashPhone, led *ledger) bool {
	db := s.open()
	defer db.Close()
	ids := make([]any, len(phones))
	for i, p := range phones {
		ids[i] = p.id
	}
	query := `SELECT id, last_seq FROM clients WHERE id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		rows, err := db.QueryContext(ctx, query, ids...)
		if err != nil {
			s.t.Fatal(err)
		}
		stored := map[string]int64{}
		for rows.Next() {
			var id string
			var seq int64
			rows.Scan(&id, &seq)
			stored[id] = seq
		}
		rows.Close()
		_, acked := led.snapshot()
		for id, seq := range stored {
			if seq > acked[id] {
				s.kill()
				return true
			}
		}
	}
	return false
}

// waitUp blocks while the server is down.
func (s *crashServer) waitUp(ctx context.Context) error {
	s.mu.Lock()
	up := s.up
	s.mu.Unlock()
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *crashServer) tail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (s *crashServer) open() *sql.DB {
	db, err := sql.Open("sqlite", "file:"+s.db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		s.t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// syntheticInspector is the synthetic (imported) inspector on most demo
// visits, read from the database while the server runs (WAL readers).
func (s *crashServer) syntheticInspector(ctx context.Context) string {
	db := s.open()
	defer db.Close()
	var name string
	err := db.QueryRowContext(ctx, `SELECT u.username FROM users u JOIN visit_members m ON m.user_id = u.id AND m.active = 1
		WHERE u.role = 'inspector' AND u.username NOT IN ('insp1', 'insp2', 'insp3')
		GROUP BY u.id ORDER BY count(*) DESC, u.username LIMIT 1`).Scan(&name)
	if err != nil {
		s.t.Fatalf("no synthetic inspector on the demo visits: %v", err)
	}
	return name
}

// ack is a mutation the server acknowledged with a 200 and its fate.
type ack struct {
	client string
	seq    int64
	status string
}

// ledger is what the phones were told, shared by the phones and the checks.
type ledger struct {
	mu       gosync.Mutex
	acked    map[string]ack   // mutation id → first acknowledged fate
	maxAcked map[string]int64 // client → highest acknowledged seq
	n        atomic.Int64
	replays  atomic.Int64
}

func (l *ledger) count() int { return int(l.n.Load()) }

func (l *ledger) record(m zsync.Mutation, client string, r zsync.Result) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Replayed {
		l.replays.Add(1)
	}
	if prev, ok := l.acked[m.ID]; ok {
		if !r.Replayed || prev.status != r.Status || prev.seq != r.Seq {
			return fmt.Errorf("mutation %s (seq %d) acknowledged again as %+v after %+v", m.ID, m.Seq, r, prev)
		}
		return nil
	}
	l.acked[m.ID] = ack{client: client, seq: m.Seq, status: r.Status}
	l.maxAcked[client] = max(l.maxAcked[client], m.Seq)
	l.n.Add(1)
	return nil
}

func (l *ledger) snapshot() (map[string]ack, map[string]int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps(l.acked), maps(l.maxAcked)
}

func maps[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// crashPhone is one installed app: its client, the items it may answer and
// its outbox.
type crashPhone struct {
	srv          *crashServer
	user, dept   string
	token, id    string
	items        []string
	itemVisit    map[string]string
	baseVersions map[string]int64 // item → version at the bootstrap
	rng          *rand.Rand
	hc           *http.Client
	tr           *http.Transport
	seq          int64
	outbox       []zsync.Mutation
	cursor       int64
	lastSeq      int64
}

func newCrashPhone(ctx context.Context, t *testing.T, srv *crashServer, user string, rng *rand.Rand) *crashPhone {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	p := &crashPhone{srv: srv, user: user, id: uuid.Must(uuid.NewV7()).String(), rng: rng, tr: tr,
		hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, itemVisit: map[string]string{}, baseVersions: map[string]int64{}}
	var tok auth.Tokens
	if code, err := p.call(ctx, "POST", "/api/v1/auth/login", map[string]string{"username": user, "password": demo.Password}, &tok); err != nil || code != 200 {
		t.Fatalf("login %s: %d %v", user, code, err)
	}
	p.token, p.dept = tok.AccessToken, tok.User.Dept
	reg := zsync.RegisterRequest{ClientID: p.id, Kind: zsync.KindMobile, Platform: "crash test", Installed: true, AppVersion: "1.0.0"}
	if code, err := p.call(ctx, "POST", "/api/v1/sync/clients", reg, nil); err != nil || code != 200 {
		t.Fatalf("register %s: %d %v", user, code, err)
	}
	// The bootstrap shows the phone its visits; it answers its department's items.
	var resp zsync.PullResponse
	if code, err := p.call(ctx, "GET", "/api/v1/sync/pull?client_id="+p.id+"&cursor=0", nil, &resp); err != nil || code != 200 {
		t.Fatalf("bootstrap %s: %d %v", user, code, err)
	}
	p.cursor = resp.Cursor
	for _, c := range resp.Changes {
		switch c.Kind {
		case zsync.ChangeVisit:
			var v struct {
				ID    string
				Items []struct{ ID, Dept string }
			}
			if err := json.Unmarshal(c.Data, &v); err != nil {
				t.Fatal(err)
			}
			for _, it := range v.Items {
				if it.Dept == p.dept {
					p.items = append(p.items, it.ID)
					p.itemVisit[it.ID] = v.ID
				}
			}
		case zsync.ChangeItemResult:
			var r zsync.ItemResult
			if err := json.Unmarshal(c.Data, &r); err != nil {
				t.Fatal(err)
			}
			p.baseVersions[r.ItemID] = r.Version
		}
	}
	if len(p.items) == 0 {
		t.Fatalf("%s (%s) sees no demo visit with items of its department", user, p.dept)
	}
	slices.Sort(p.items)
	t.Logf("phone %s (%s): %d items on its visits", user, p.dept, len(p.items))
	return p
}

var crashValues = []string{"符合", "不符合", "不涉及"}

// run makes perPhone item.set mutations, a few at a time, and pushes the
// outbox from its oldest unacknowledged mutation until the server has
// acknowledged all of them; then a pull must say last_seq = perPhone.
func (p *crashPhone) run(ctx context.Context, perPhone int, led *ledger) error {
	for round := 0; p.seq < int64(perPhone) || len(p.outbox) > 0; round++ {
		for k := 1 + p.rng.IntN(6); k > 0 && p.seq < int64(perPhone); k-- {
			p.seq++
			item := p.items[p.rng.IntN(len(p.items))]
			// A note unique to the mutation: no edit is ever a no-op, so
			// every applied mutation must leave exactly one result change.
			a := map[string]any{"visit_id": p.itemVisit[item], "item_id": item, "value": crashValues[p.rng.IntN(3)],
				"note": fmt.Sprintf("%s #%d", p.user, p.seq), "photos": []string{}, "base_version": p.baseVersions[item]}
			b, _ := json.Marshal(a)
			p.outbox = append(p.outbox, zsync.Mutation{Seq: p.seq, ID: uuid.Must(uuid.NewV7()).String(), Name: "item.set",
				At: time.Now().Format(time.RFC3339), Args: b})
		}
		if err := p.push(ctx, led); err != nil {
			return err
		}
		if round%4 == 3 {
			if err := p.pull(ctx, led); err != nil {
				return err
			}
		}
	}
	if err := p.pull(ctx, led); err != nil {
		return err
	}
	if p.lastSeq != int64(perPhone) {
		return fmt.Errorf("%s: final last_seq %d, made %d mutations", p.user, p.lastSeq, perPhone)
	}
	return nil
}

func (p *crashPhone) push(ctx context.Context, led *ledger) error {
	batch := p.outbox[:min(len(p.outbox), 40)]
	pending := len(p.outbox)
	req := zsync.PushRequest{ClientID: p.id, SchemaVersion: zsync.SchemaVersion, Mutations: batch, Pending: &pending}
	var resp zsync.PushResponse
	code, err := p.call(ctx, "POST", "/api/v1/sync/push", req, &resp)
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("%s: push seq %d..%d answered %d", p.user, batch[0].Seq, batch[len(batch)-1].Seq, code)
	}
	if len(resp.Results) != len(batch) || resp.LastSeq != batch[len(batch)-1].Seq {
		return fmt.Errorf("%s: push of %d mutations answered %d results, last_seq %d", p.user, len(batch), len(resp.Results), resp.LastSeq)
	}
	for i, r := range resp.Results {
		if r.Seq != batch[i].Seq || (r.Status != zsync.StatusApplied && r.Status != zsync.StatusConflict) {
			return fmt.Errorf("%s: mutation seq %d answered %+v", p.user, batch[i].Seq, r)
		}
		if err := led.record(batch[i], p.id, r); err != nil {
			return err
		}
	}
	p.outbox = slices.Clone(p.outbox[len(batch):])
	return nil
}

func (p *crashPhone) pull(ctx context.Context, led *ledger) error {
	for {
		var resp zsync.PullResponse
		code, err := p.call(ctx, "GET", fmt.Sprintf("/api/v1/sync/pull?client_id=%s&cursor=%d&pending=%d", p.id, p.cursor, len(p.outbox)), nil, &resp)
		if err != nil {
			return err
		}
		if code != 200 {
			return fmt.Errorf("%s: pull answered %d", p.user, code)
		}
		_, maxAcked := led.snapshot()
		if resp.LastSeq < maxAcked[p.id] {
			return fmt.Errorf("%s: pull says last_seq %d below the acknowledged seq %d", p.user, resp.LastSeq, maxAcked[p.id])
		}
		p.cursor, p.lastSeq = resp.Cursor, resp.LastSeq
		if !resp.HasMore {
			return nil
		}
	}
}

// call sends one request, retrying it (the same body: same seqs, same
// mutation ids) when the connection fails because the server was killed.
func (p *crashPhone) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	var lastErr error
	for attempt := 0; attempt < 200; attempt++ {
		if err := p.srv.waitUp(ctx); err != nil {
			return 0, fmt.Errorf("%s %s: server never came back: %w (last error %v)", method, path, err, lastErr)
		}
		req, err := http.NewRequestWithContext(ctx, method, p.srv.base()+path, bytes.NewReader(data))
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
			lastErr = err
			p.tr.CloseIdleConnections()
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil { // killed while answering
			lastErr = err
			p.tr.CloseIdleConnections()
			continue
		}
		if resp.StatusCode != 200 {
			return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				return resp.StatusCode, fmt.Errorf("%s %s: %v", method, path, err)
			}
		}
		return resp.StatusCode, nil
	}
	return 0, fmt.Errorf("%s %s: gave up after 200 failed attempts: %w", method, path, lastErr)
}

// verify checks the database file with the server down (see TestCrashRecovery).
func (s *crashServer) verify(ctx context.Context, phones []*crashPhone, led *ledger, final bool) {
	t := s.t
	t.Helper()
	acked, maxAcked := led.snapshot()
	db := s.open()
	defer db.Close()
	q := func(query string, args ...any) *sql.Rows {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return rows
	}
	var problems []string
	fail := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}

	// Every mutation in the log, by id.
	type mrow struct {
		client, user, status, item string
		seq                        int64
	}
	muts := map[string]mrow{}
	rows := q(`SELECT id, client_id, user_id, seq, status, coalesce(json_extract(args, '$.item_id'), '') FROM mutations`)
	for rows.Next() {
		var id string
		var m mrow
		if err := rows.Scan(&id, &m.client, &m.user, &m.seq, &m.status, &m.item); err != nil {
			t.Fatal(err)
		}
		muts[id] = m
	}
	rows.Close()

	// 1. Every acknowledged mutation is there with the fate it was told.
	for id, a := range acked {
		m, ok := muts[id]
		switch {
		case !ok:
			fail("acknowledged mutation %s (client %s seq %d, %s) is missing", id, a.client, a.seq, a.status)
		case m.client != a.client || m.seq != a.seq || m.status != a.status:
			fail("mutation %s stored as client %s seq %d %s, acknowledged as client %s seq %d %s", id, m.client, m.seq, m.status, a.client, a.seq, a.status)
		}
	}

	// 2. Each phone's seqs are 1..last_seq, contiguous, covering what was acknowledged.
	for _, p := range phones {
		var n, lo, hi, last int64
		if err := db.QueryRowContext(ctx, `SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM mutations WHERE client_id = ?`, p.id).Scan(&n, &lo, &hi); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, `SELECT last_seq FROM clients WHERE id = ?`, p.id).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if n != hi || (n > 0 && lo != 1) || last != hi {
			fail("%s: %d mutations with seqs %d..%d, last_seq %d: not 1..last_seq", p.user, n, lo, hi, last)
		}
		if hi < maxAcked[p.id] {
			fail("%s: last_seq %d below the acknowledged seq %d", p.user, hi, maxAcked[p.id])
		}
		if final && hi != p.seq {
			fail("%s: last_seq %d, made %d mutations", p.user, hi, p.seq)
		}
	}

	// 3. One result change per applied mutation, one conflict change per
	// conflict mutation and one open conflict per item and phone (a later
	// losing edit replaces the value in it), one audit row per mutation;
	// none twice.
	changes := map[string]map[string]int{}
	lastData := map[string]string{} // item → data of its last result change
	rows = q(`SELECT kind, entity_id, coalesce(json_extract(data, '$.mutation_id'), ''), data FROM changes
		WHERE kind IN ('item_result', 'conflict') ORDER BY seq`)
	for rows.Next() {
		var kind, entity, mid, data string
		if err := rows.Scan(&kind, &entity, &mid, &data); err != nil {
			t.Fatal(err)
		}
		if changes[kind] == nil {
			changes[kind] = map[string]int{}
		}
		changes[kind][mid]++
		if kind == "item_result" {
			lastData[entity] = data
		}
	}
	rows.Close()
	audits := map[string]int{}
	rows = q(`SELECT coalesce(json_extract(after, '$.mutation_id'), '') FROM audit_log WHERE action = 'item.set'`)
	for rows.Next() {
		var mid string
		rows.Scan(&mid)
		audits[mid]++
	}
	rows.Close()
	conflicts := map[string]int{}
	rows = q(`SELECT mutation_id FROM conflicts`)
	for rows.Next() {
		var mid string
		rows.Scan(&mid)
		conflicts[mid]++
	}
	rows.Close()
	applied := map[string]int64{} // item → applied mutations
	kept := map[string]int{}      // item and user → conflict rows of its conflict mutations
	for id, m := range muts {
		switch m.status {
		case "applied":
			applied[m.item]++
			if n := changes["item_result"][id]; n != 1 {
				fail("applied mutation %s has %d result changes", id, n)
			}
			if n := changes["conflict"][id] + conflicts[id]; n != 0 {
				fail("applied mutation %s has conflict records", id)
			}
		case "conflict":
			if n, c := changes["conflict"][id], conflicts[id]; n != 1 || c > 1 {
				fail("conflict mutation %s has %d conflict changes and %d conflicts", id, n, c)
			}
			kept[m.item+" "+m.user] += conflicts[id]
			if n := changes["item_result"][id]; n != 0 {
				fail("conflict mutation %s has %d result changes", id, n)
			}
		default:
			fail("mutation %s is %s", id, m.status)
		}
		if n := audits[id]; n != 1 {
			fail("mutation %s (%s) has %d audit rows", id, m.status, n)
		}
	}
	for k, n := range kept {
		if n != 1 {
			fail("item and user %s: %d conflicts, want the one their losing edits share", k, n)
		}
	}
	for kind, byMut := range changes {
		for mid, n := range byMut {
			if _, ok := muts[mid]; !ok && mid != "" {
				fail("%d %s changes name mutation %s, which is not in the log", n, kind, mid)
			}
		}
	}

	// 4. Each result's version counts its applied mutations; the current
	// result is the last one the change log carries.
	base := map[string]int64{}
	for _, p := range phones {
		for k, v := range p.baseVersions {
			base[k] = v
		}
	}
	rows = q(`SELECT item_id, value, note, version, mutation_id FROM item_results`)
	seen := 0
	for rows.Next() {
		var item, value, note, mid string
		var version int64
		if err := rows.Scan(&item, &value, &note, &version, &mid); err != nil {
			t.Fatal(err)
		}
		if version != base[item]+applied[item] && applied[item] > 0 {
			fail("item %s: version %d after %d applied mutations (from version %d)", item, version, applied[item], base[item])
		}
		if applied[item] == 0 {
			continue
		}
		seen++
		var last zsync.ItemResult
		json.Unmarshal([]byte(lastData[item]), &last)
		if last.MutationID != mid || last.Value != value || last.Note != note || last.Version != version {
			fail("item %s: result %s v%d %q, last change says %s v%d %q", item, mid, version, note, last.MutationID, last.Version, last.Note)
		}
		if m := muts[mid]; m.status != "applied" || m.item != item {
			fail("item %s: current result names mutation %s (%+v)", item, mid, m)
		}
	}
	rows.Close()
	for item, n := range applied {
		if n > 0 && !hasResult(ctx, db, item) {
			fail("item %s: %d applied mutations but no result", item, n)
		}
	}

	// 5. The office rollups agree with the results.
	var off int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM visit_rollups r
		WHERE r.answered != (SELECT count(*) FROM item_results WHERE visit_id = r.visit_id)`).Scan(&off); err != nil {
		t.Fatal(err)
	}
	if off != 0 {
		fail("%d visit rollups disagree with the results", off)
	}
	if len(problems) > 0 {
		t.Fatalf("after %d acknowledged mutations (%d in the log):\n  %s", len(acked), len(muts), strings.Join(problems, "\n  "))
	}
	t.Logf("checked: %d acknowledged of %d logged mutations, %d items answered", len(acked), len(muts), seen)
}

func hasResult(ctx context.Context, db *sql.DB, item string) bool {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM item_results WHERE item_id = ?`, item).Scan(&n)
	return err == nil && n == 1
}
