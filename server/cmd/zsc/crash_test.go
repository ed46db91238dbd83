package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
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
// zsc binary, serves the demo on a temporary database, and lets phones push
// mutations while the server is killed with SIGKILL 3 to 5 times at random
// moments and restarted on the same database. Phones resend what was not
// acknowledged (same seq, same mutation ids), as the PWA does, and upload
// their signature and point photos again until the server has them.
//
// The phones are insp1, insp2, insp3, the synthetic inspector on most demo
// visits, and synthetic inspectors of the departments of a plan-66 visit
// (three departments) that none of those covers, so that the crash phones
// between them finish every department of that visit. Each phone mixes two
// kinds of traffic:
//   - random item.set on the check points of its department on its visits;
//   - walks of whole departments (本部门检查完毕): on every visit whose
//     every department some phone covers, and on one more visit of its own,
//     it answers every point of its department (a photo on the first),
//     sets the outcome, signs for every active member of its department
//     (signature.add, kind inspector, with dept and signer_id), and sends
//     dept.finish; one phone per visit also checks in (visit.checkin) and
//     records the entity's signature. On the extra visit the phone sends
//     dept.finish twice (the second a no-op). The server completes the
//     visits whose every department finished, by itself.
//
// After every kill, with the server down, and at the end it checks on the
// database file that:
//   - every push the server acknowledged is there, stored once: each
//     acknowledged mutation id exists with its client, seq and fate (and a
//     rejection's reason);
//   - nothing was applied twice: each client's seqs are 1..last_seq without
//     holes; per mutation, by name, exactly the rows its fate makes (one
//     result, outcome, signature, check-in or finish change and row, one
//     conflict change and record, one rejection change) and one audit row;
//     each result's version counts its applied item.sets, the current
//     result is the last one the change log carries, and the office
//     rollups agree with the results, outcomes and statuses;
//   - every dept.finish that was applied has its (visit, dept)'s one
//     dept_finishes row, whose one dept_finish change names it; no signer
//     signed twice for a department;
//   - a visit is complete exactly when its departments all finished, it has
//     a check-in, the entity's signature and every photo it names: then it
//     has completed_at, one visit.complete audit row with the server's
//     completion reason and one visit change saying complete, after its
//     finishes; random item.sets are rejected only because it completed;
//   - every photo the database says arrived is on disk with its size;
//   - at the end: every phone's retries completed (its last_seq is the
//     number of mutations it made, its photos arrived), every fully walked
//     visit is complete, and every phone on it pulled it as complete.
//
// The choices (mutations, values, walks, upload moments, kill moments) come
// from a seeded math/rand/v2; ZSC_CRASH_SEED picks another seed.
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
		if _, err := fmt.Sscan(s, &seed); err != nil {
			t.Fatalf("ZSC_CRASH_SEED=%q: %v", s, err)
		}
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

	// The phones: the three demo inspectors, the synthetic inspector on most
	// demo visits, and whoever a plan-66 visit still needs so that every one
	// of its departments is walked.
	users := []string{"insp1", "insp2", "insp3", srv.syntheticInspector(ctx)}
	target, extra := srv.completionTarget(ctx, users)
	users = append(users, extra...)
	t.Logf("visit %s is to be finished by every department; phones for its other departments: %v", target, extra)
	const perPhone = 120
	phones := make([]*crashPhone, len(users))
	for i, u := range users {
		phones[i] = newCrashPhone(ctx, t, srv, u, perPhone, rand.New(rand.NewPCG(seed, uint64(100+i))))
	}
	complete := planWalks(t, phones, target)
	total := 0
	for _, p := range phones {
		total += p.total()
	}

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
			errs <- p.run(ctx, led)
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
		t.Logf("kill %d %s, after %d acknowledged mutations (%d replayed answers, %d photos uploaded so far)",
			k+1, how, led.count(), led.replays.Load(), led.uploads.Load())
		srv.verify(ctx, phones, led, complete, false)
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
	// Every phone on a completed visit hears of it: the visit comes back
	// complete in a pull, even to the phones that finished first.
	for _, p := range phones {
		if err := p.pull(ctx, led); err != nil {
			t.Fatal(err)
		}
		for _, v := range complete {
			if p.visits[v] != nil && !p.closed[v] {
				t.Errorf("%s: visit %s is complete on the server but no pull said so", p.user, v)
			}
		}
	}
	srv.kill()
	srv.verify(ctx, phones, led, complete, true)
	t.Logf("%d mutations acknowledged across %d kills, %d replayed answers, %d photos uploaded; %d visits completed by the server: %s",
		led.count(), kills, led.replays.Load(), led.uploads.Load(), len(complete), srv.completions(ctx))
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
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	// The server binds this port next: a listener that would not close keeps it.
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
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
	go func() {
		// Only the exit matters: its status is "killed" after kill, and an
		// exit at start is reported with the log's tail.
		_ = cmd.Wait()
		close(exited)
	}()
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
	// SIGKILL on Unix: no shutdown, no checkpoint. A server that already
	// exited is down as wanted.
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Fatal(err)
	}
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
			if err := rows.Scan(&id, &seq); err != nil {
				s.t.Fatal(err)
			}
			stored[id] = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			s.t.Fatal(err)
		}
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

// blobPath is where the server keeps a photo (server/http/blobs.go: a
// "blobs" folder beside the database, aa/bb/<sha256>).
func (s *crashServer) blobPath(sum string) string {
	return filepath.Join(filepath.Dir(s.db), "blobs", sum[:2], sum[2:4], sum)
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

// completionTarget picks the visit the crash phones will finish whole: of
// the open visits with the most departments (plan 66: 市市场监管局, 市住建局,
// 市卫生健康委) that one of users is on, the one users cover best; it
// returns it with the inspectors (first by username) of its departments
// that users do not cover, who get phones too.
func (s *crashServer) completionTarget(ctx context.Context, users []string) (string, []string) {
	t := s.t
	db := s.open()
	defer db.Close()
	depts := map[string][]string{}
	var visits []string
	rows, err := db.QueryContext(ctx, `SELECT v.id, td.dept FROM visits v JOIN task_departments td ON td.task_id = v.task_id
		WHERE v.status = 'open' ORDER BY v.id, td.ord`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v, d string
		if err := rows.Scan(&v, &d); err != nil {
			t.Fatal(err)
		}
		if depts[v] == nil {
			visits = append(visits, v)
		}
		depts[v] = append(depts[v], d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	type member struct{ user, dept string }
	members := map[string][]member{}
	rows, err = db.QueryContext(ctx, `SELECT m.visit_id, u.username, m.dept FROM visit_members m JOIN users u ON u.id = m.user_id
		WHERE m.active = 1 AND u.role = 'inspector' ORDER BY u.username`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		var m member
		if err := rows.Scan(&v, &m.user, &m.dept); err != nil {
			t.Fatal(err)
		}
		members[v] = append(members[v], m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	covered := func(v, d string) bool {
		return slices.ContainsFunc(members[v], func(m member) bool { return m.dept == d && slices.Contains(users, m.user) })
	}
	best, bestDepts, bestCovered := "", 0, 0
	for _, v := range visits {
		n := 0
		for _, d := range depts[v] {
			if covered(v, d) {
				n++
			}
		}
		if n > 0 && (len(depts[v]) > bestDepts || len(depts[v]) == bestDepts && n > bestCovered) {
			best, bestDepts, bestCovered = v, len(depts[v]), n
		}
	}
	if best == "" {
		t.Fatalf("no open demo visit has any of %v on its team", users)
	}
	var extra []string
	for _, d := range depts[best] {
		if covered(best, d) {
			continue
		}
		i := slices.IndexFunc(members[best], func(m member) bool { return m.dept == d })
		if i < 0 {
			t.Fatalf("visit %s: no active inspector of %s on its team", best, d)
		}
		extra = append(extra, members[best][i].user)
	}
	return best, extra
}

// completions describes how the server completed each visit: the reason of
// its visit.complete audit row.
func (s *crashServer) completions(ctx context.Context) string {
	db := s.open()
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT entity_id, reason FROM audit_entries WHERE action = 'visit.complete' AND kind = 'visit' ORDER BY id`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v, reason string
		if err := rows.Scan(&v, &reason); err != nil {
			s.t.Fatal(err)
		}
		out = append(out, v+" "+reason)
	}
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	return strings.Join(out, "; ")
}

// ack is a mutation the server acknowledged with a 200 and its fate.
type ack struct {
	client string
	seq    int64
	status string
	reason string
}

// ledger is what the phones were told, shared by the phones and the checks.
type ledger struct {
	mu       gosync.Mutex
	acked    map[string]ack   // mutation id → first acknowledged fate
	maxAcked map[string]int64 // client → highest acknowledged seq
	n        atomic.Int64
	replays  atomic.Int64
	uploads  atomic.Int64
}

func (l *ledger) count() int { return int(l.n.Load()) }

func (l *ledger) record(m zsync.Mutation, client string, r zsync.Result) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Replayed {
		l.replays.Add(1)
	}
	if prev, ok := l.acked[m.ID]; ok {
		// A replayed rejection carries its reason again (the phone shows
		// it); other fates are compared by status.
		if !r.Replayed || prev.status != r.Status || prev.seq != r.Seq || r.Status == zsync.StatusRejected && prev.reason != r.Reason {
			return fmt.Errorf("mutation %s (seq %d) acknowledged again as %+v after %+v", m.ID, m.Seq, r, prev)
		}
		return nil
	}
	l.acked[m.ID] = ack{client: client, seq: m.Seq, status: r.Status, reason: r.Reason}
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

// crashVisit is what a phone's bootstrap says of one of its visits.
type crashVisit struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Departments []struct {
		Code string `json:"code"`
	} `json:"departments"`
	Team  []crashMember `json:"team"`
	Items []crashItem   `json:"items"`
}

type crashMember struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Dept   string `json:"dept"`
	Active bool   `json:"active"`
}

type crashItem struct {
	ID   string `json:"id"`
	Dept string `json:"dept"`
}

// step is one mutation of a walk, made in order among the random ones.
type step struct {
	name  string
	args  any
	photo []byte // the photo the mutation names, uploaded before or after it
	// mayConflict: another phone may have written the item or outcome first.
	mayConflict bool
}

// upload is a photo the phone owes the server: before the mutation naming
// it is pushed (after 0), or some rounds after it was acknowledged.
type upload struct {
	sum   string
	body  []byte
	after int64 // the seq that must be acknowledged first; 0: at once
	delay int   // rounds to wait after that
}

// visitClosed is the server's reason for refusing an answer on a visit
// that completed meanwhile (sync/push.go).
const visitClosed = "本次检查已完成，如需修改请联系检查组长"

// crashPhone is one installed app: its client, the visits and items it may
// answer, the walks it will make, its outbox and its photos.
type crashPhone struct {
	srv          *crashServer
	user, dept   string
	token, id    string
	visits       map[string]*crashVisit // its visits, from the bootstrap
	items        []string               // its department's check points on its visits
	itemVisit    map[string]string
	baseVersions map[string]int64 // item → version at the bootstrap
	closed       map[string]bool  // visits a pull said are complete
	rng          *rand.Rand
	hc           *http.Client
	tr           *http.Transport
	perPhone     int    // random item.sets to make
	random       int    // random item.sets made
	script       []step // the walks' mutations, in order
	next         int    // the next step of script
	walked       []string
	pictured     []string // the points its walks answer with a photo
	seq          int64
	outbox       []zsync.Mutation
	randomSets   map[string]bool // mutation id → a random item.set (may be refused once its visit completed)
	conflictable map[string]bool // mutation id → may be answered conflict
	uploads      []upload
	sums         []string // every photo the phone named
	acked        int64    // highest seq the server acknowledged
	cursor       int64
	lastSeq      int64
}

func newCrashPhone(ctx context.Context, t *testing.T, srv *crashServer, user string, perPhone int, rng *rand.Rand) *crashPhone {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	p := &crashPhone{srv: srv, user: user, id: uuid.Must(uuid.NewV7()).String(), rng: rng, tr: tr, perPhone: perPhone,
		hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, itemVisit: map[string]string{}, baseVersions: map[string]int64{},
		visits: map[string]*crashVisit{}, closed: map[string]bool{}, randomSets: map[string]bool{}, conflictable: map[string]bool{}}
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
			var v crashVisit
			if err := json.Unmarshal(c.Data, &v); err != nil {
				t.Fatal(err)
			}
			p.visits[v.ID] = &v
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
	t.Logf("phone %s (%s): %d items on %d visits", user, p.dept, len(p.items), len(p.visits))
	return p
}

// total is how many mutations the phone will make.
func (p *crashPhone) total() int { return p.perPhone + len(p.script) }

// planWalks gives each phone its walks and returns the visits that will be
// complete: those whose every department has a phone on the team. Each such
// department is walked by its first phone, and the visit's first phone also
// checks in and records the entity's signature. Then every phone walks one
// more visit of its own that cannot complete (random: two phones of one
// department may walk the same), with check-in and entity signature if it is
// the phone that does them on target.
func planWalks(t *testing.T, phones []*crashPhone, target string) []string {
	var complete []string
	for _, v := range sortedKeys(allVisits(phones)) {
		walkers := map[string]*crashPhone{}
		var first *crashPhone
		for _, p := range phones {
			if p.visits[v] == nil {
				continue
			}
			if first == nil {
				first = p
			}
			if walkers[p.dept] == nil {
				walkers[p.dept] = p
			}
		}
		vis := first.visits[v]
		whole := vis.Status == "open"
		for _, d := range vis.Departments {
			whole = whole && walkers[d.Code] != nil
		}
		if !whole {
			continue
		}
		complete = append(complete, v)
		for _, d := range vis.Departments {
			walkers[d.Code].walk(vis, walkers[d.Code] == first, false)
		}
	}
	if !slices.Contains(complete, target) {
		t.Fatalf("visit %s is not walked by every department (walked whole: %v)", target, complete)
	}
	var onsite *crashPhone
	for _, p := range phones {
		if p.visits[target] != nil {
			onsite = p
			break
		}
	}
	for _, p := range phones {
		var rest []string
		for _, v := range sortedKeys(p.visits) {
			if !slices.Contains(complete, v) && p.visits[v].Status == "open" && slices.ContainsFunc(p.visits[v].Items, func(it crashItem) bool { return it.Dept == p.dept }) {
				rest = append(rest, v)
			}
		}
		if len(rest) > 0 {
			p.walk(p.visits[rest[p.rng.IntN(len(rest))]], p == onsite, true)
		}
		t.Logf("phone %s walks %s on %v: %d steps", p.user, p.dept, p.walked, len(p.script))
	}
	// Random answers leave the pictured points alone. An answer that drops
	// the one photo a finished visit still waits for leaves the visit ready
	// but open (the server tries completion after a finish, a signature, a
	// check-in or a photo's arrival, not after item.set), until the dropped
	// photo arrives anyway: the checks could not tell that from a lost
	// completion.
	var pictured []string
	for _, p := range phones {
		pictured = append(pictured, p.pictured...)
	}
	for _, p := range phones {
		p.items = slices.DeleteFunc(p.items, func(it string) bool { return slices.Contains(pictured, it) })
		if len(p.items) == 0 {
			t.Fatalf("%s: no check point left for random answers", p.user)
		}
	}
	return complete
}

// allVisits are the visits any phone is on.
func allVisits(phones []*crashPhone) map[string]bool {
	all := map[string]bool{}
	for _, q := range phones {
		for v := range q.visits {
			all[v] = true
		}
	}
	return all
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// photo makes the bytes of a new photo (a signature image, a point's
// picture) and its name.
func (p *crashPhone) photo() ([]byte, string) {
	b := make([]byte, 8*(1024+p.rng.IntN(4096)))
	for i := 0; i < len(b); i += 8 {
		v := p.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	h := sha256.Sum256(b)
	return b, hex.EncodeToString(h[:])
}

// walk appends to the phone's script a whole department's part of visit v,
// as an inspector walks it: check in (onsite), answer every point of the
// department (a photo on the first), set the outcome, sign for every active
// member of the department, record the entity's signature (onsite), and
// confirm 本部门检查完毕; again, if twice (a no-op the server must store
// once).
func (p *crashPhone) walk(v *crashVisit, onsite, twice bool) {
	p.walked = append(p.walked, v.ID)
	if onsite {
		lat, lng, acc := 35.7+p.rng.Float64()/10, 107.6+p.rng.Float64()/10, 5+p.rng.Float64()*20
		p.script = append(p.script, step{name: zsync.MutCheckin,
			args: map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v.ID, "lat": lat, "lng": lng, "accuracy": acc}})
	}
	failed, pictured := false, false
	for _, it := range v.Items {
		if it.Dept != p.dept {
			continue
		}
		value := crashValues[p.rng.IntN(4)%3] // mostly 符合
		// A note unique to the mutation, as for random answers.
		note := fmt.Sprintf("%s 逐项检查 %d", p.user, len(p.script))
		failed = failed || value == zsync.ValueNo
		s := step{name: zsync.MutItemSet, mayConflict: true}
		photos := []string{}
		if !pictured {
			var sum string
			s.photo, sum = p.photo()
			photos, pictured = append(photos, sum), true
			p.pictured = append(p.pictured, it.ID)
		}
		s.args = map[string]any{"visit_id": v.ID, "item_id": it.ID, "value": value, "note": note, "photos": photos,
			"base_version": p.baseVersions[it.ID]}
		p.script = append(p.script, s)
	}
	cats := []string{zsync.NoProblem}
	if failed {
		cats = []string{zsync.Pending}
	}
	p.script = append(p.script, step{name: zsync.MutOutcomeSet, mayConflict: true,
		args: map[string]any{"visit_id": v.ID, "dept": p.dept, "categories": cats, "note": "", "base_version": 0}})
	for _, m := range v.Team {
		if m.Dept != p.dept || !m.Active {
			continue
		}
		b, sum := p.photo()
		p.script = append(p.script, step{name: zsync.MutSignatureAdd, photo: b,
			args: map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v.ID, "kind": "inspector", "photo": sum,
				"dept": p.dept, "signer_id": m.UserID}})
	}
	if onsite {
		b, sum := p.photo()
		p.script = append(p.script, step{name: zsync.MutSignatureAdd, photo: b,
			args: map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "visit_id": v.ID, "kind": "entity", "signer": "王建国",
				"role": "负责人", "phone": "13909341234", "confirmed": true, "photo": sum}})
	}
	finish := step{name: zsync.MutDeptFinish, args: map[string]any{"visit_id": v.ID, "dept": p.dept}}
	p.script = append(p.script, finish)
	if twice {
		p.script = append(p.script, finish)
	}
}

var crashValues = []string{"符合", "不符合", "不涉及"}

// run makes the phone's mutations, a few at a time (its walks' steps in
// order, at random among perPhone random item.sets), uploads its photos
// when due, and pushes the outbox from its oldest unacknowledged mutation
// until the server has acknowledged all of them and holds every photo;
// then a pull must say last_seq = the mutations made.
func (p *crashPhone) run(ctx context.Context, led *ledger) error {
	total := int64(p.total())
	for round := 0; p.seq < total || len(p.outbox) > 0 || len(p.uploads) > 0; round++ {
		for k := 1 + p.rng.IntN(6); k > 0 && p.seq < total; k-- {
			p.seq++
			// Walk steps come three times as often as their share, so that
			// departments finish and visits complete while kills still come.
			walkLeft, randomLeft := 3*(len(p.script)-p.next), p.perPhone-p.random
			if p.rng.IntN(walkLeft+randomLeft) < walkLeft {
				p.step(p.script[p.next])
				p.next++
			} else {
				p.randomSet()
			}
		}
		if err := p.upload(ctx, led); err != nil {
			return err
		}
		if len(p.outbox) > 0 {
			if err := p.push(ctx, led); err != nil {
				return err
			}
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
	if p.lastSeq != total {
		return fmt.Errorf("%s: final last_seq %d, made %d mutations", p.user, p.lastSeq, total)
	}
	return nil
}

func (p *crashPhone) enqueue(name string, args any) zsync.Mutation {
	b, _ := json.Marshal(args)
	m := zsync.Mutation{Seq: p.seq, ID: uuid.Must(uuid.NewV7()).String(), Name: name, At: time.Now().Format(time.RFC3339), Args: b}
	p.outbox = append(p.outbox, m)
	return m
}

// step queues a walk's mutation and its photo: uploaded before the push
// or a few rounds after the server acknowledged the mutation.
func (p *crashPhone) step(s step) {
	m := p.enqueue(s.name, s.args)
	if s.mayConflict {
		p.conflictable[m.ID] = true
	}
	if s.photo != nil {
		h := sha256.Sum256(s.photo)
		u := upload{sum: hex.EncodeToString(h[:]), body: s.photo}
		if p.rng.IntN(2) == 0 {
			u.after, u.delay = m.Seq, p.rng.IntN(4)
		}
		p.uploads = append(p.uploads, u)
		p.sums = append(p.sums, u.sum)
	}
}

// randomSet queues an item.set of a random point of the phone's department,
// on a visit it has not heard is complete while it has any other.
func (p *crashPhone) randomSet() {
	p.random++
	items := slices.DeleteFunc(slices.Clone(p.items), func(it string) bool { return p.closed[p.itemVisit[it]] })
	if len(items) == 0 {
		items = p.items
	}
	item := items[p.rng.IntN(len(items))]
	// A note unique to the mutation: no edit is ever a no-op, so every
	// applied mutation must leave exactly one result change.
	m := p.enqueue(zsync.MutItemSet, map[string]any{"visit_id": p.itemVisit[item], "item_id": item,
		"value": crashValues[p.rng.IntN(3)], "note": fmt.Sprintf("%s #%d", p.user, p.seq), "photos": []string{},
		"base_version": p.baseVersions[item]})
	p.randomSets[m.ID], p.conflictable[m.ID] = true, true
}

// upload sends the photos that are due, each whole with one PUT; a PUT cut
// by a kill is sent again (uploads are idempotent).
func (p *crashPhone) upload(ctx context.Context, led *ledger) error {
	var left []upload
	for _, u := range p.uploads {
		if u.after > p.acked {
			left = append(left, u)
			continue
		}
		if u.delay > 0 {
			u.delay--
			left = append(left, u)
			continue
		}
		var got struct {
			Received int64 `json:"received"`
			Complete bool  `json:"complete"`
		}
		code, err := p.call(ctx, "PUT", "/api/v1/blobs/"+u.sum, u.body, &got)
		if err != nil {
			return err
		}
		if code != http.StatusCreated || !got.Complete || got.Received != int64(len(u.body)) {
			return fmt.Errorf("%s: PUT photo %s answered %d %+v", p.user, u.sum, code, got)
		}
		led.uploads.Add(1)
	}
	p.uploads = left
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
		m := batch[i]
		ok := r.Seq == m.Seq
		switch r.Status {
		case zsync.StatusApplied:
		case zsync.StatusConflict:
			ok = ok && p.conflictable[m.ID]
		case zsync.StatusRejected:
			// Only a random answer on a visit that completed meanwhile: a
			// walk's mutations on a visit come before its finish, and the
			// visit completes only after every department's finish.
			ok = ok && p.randomSets[m.ID] && r.Reason == visitClosed
		default:
			ok = false
		}
		if !ok {
			return fmt.Errorf("%s: %s seq %d %s answered %+v", p.user, m.Name, m.Seq, m.Args, r)
		}
		if err := led.record(m, p.id, r); err != nil {
			return err
		}
	}
	p.acked = max(p.acked, resp.LastSeq)
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
		for _, c := range resp.Changes {
			if c.Kind != zsync.ChangeVisit || c.Op != zsync.OpPut {
				continue
			}
			var v struct{ Status string }
			if err := json.Unmarshal(c.Data, &v); err != nil {
				return fmt.Errorf("%s: visit %s: %v", p.user, c.ID, err)
			}
			if v.Status == "complete" {
				p.closed[c.ID] = true
			}
		}
		p.cursor, p.lastSeq = resp.Cursor, resp.LastSeq
		if !resp.HasMore {
			return nil
		}
	}
}

// call sends one request, retrying it (the same body: same seqs, same
// mutation ids, the same photo bytes) when the connection fails because
// the server was killed. A []byte body is sent as it is (a photo).
func (p *crashPhone) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var data []byte
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		data, contentType = b, "image/png"
	default:
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
			req.Header.Set("Content-Type", contentType)
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
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
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

// completionReasons are the reasons the server audits a completion it made
// by itself with (sync/push.go and sync/engine.go): triggered by one of
// the phones' mutations, or by the arrival of the visit's last photo.
var completionReasons = []string{
	zsync.AutoCompleteReason(zsync.MutDeptFinish),
	zsync.AutoCompleteReason(zsync.MutSignatureAdd),
	zsync.AutoCompleteReason(zsync.MutCheckin),
	"最后一张照片已上传，各部门均已检查完毕，服务器自动完成",
}

// sameValue is the server's audit reason for an answer equal to the
// server's value, applied as a no-op (sync/push.go).
const sameValue = "与服务器值相同，未作修改"

// verify checks the database file with the server down (see TestCrashRecovery).
func (s *crashServer) verify(ctx context.Context, phones []*crashPhone, led *ledger, complete []string, final bool) {
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
	scan := func(rows *sql.Rows, dest ...any) {
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
	}
	// closeRows closes rows and fails on an error that ended their loop early.
	closeRows := func(rows *sql.Rows) {
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	var problems []string
	fail := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}

	// Every mutation in the log, by id, with the args that name what it wrote.
	type mrow struct {
		client, user, name, status, reason, visit, received string
		seq                                                 int64
		args                                                struct {
			ID       string `json:"id"`
			ItemID   string `json:"item_id"`
			Dept     string `json:"dept"`
			Kind     string `json:"kind"`
			SignerID string `json:"signer_id"`
		}
	}
	muts := map[string]*mrow{}
	rows := q(`SELECT id, client_id, user_id, seq, name, status, reason, coalesce(visit_id, ''), received_at, args FROM mutation_log`)
	for rows.Next() {
		var id, args string
		m := &mrow{}
		scan(rows, &id, &m.client, &m.user, &m.seq, &m.name, &m.status, &m.reason, &m.visit, &m.received, &args)
		if err := json.Unmarshal([]byte(args), &m.args); err != nil {
			fail("mutation %s: args %s: %v", id, args, err)
		}
		muts[id] = m
	}
	closeRows(rows)

	// 1. Every acknowledged mutation is there with the fate it was told.
	for id, a := range acked {
		m, ok := muts[id]
		switch {
		case !ok:
			fail("acknowledged mutation %s (client %s seq %d, %s) is missing", id, a.client, a.seq, a.status)
		case m.client != a.client || m.seq != a.seq || m.status != a.status || m.reason != a.reason && a.status == zsync.StatusRejected:
			fail("mutation %s stored as client %s seq %d %s %q, acknowledged as client %s seq %d %s %q",
				id, m.client, m.seq, m.status, m.reason, a.client, a.seq, a.status, a.reason)
		}
	}

	// 2. Each phone's seqs are 1..last_seq, contiguous, covering what was acknowledged.
	for _, p := range phones {
		var n, lo, hi, last int64
		if err := db.QueryRowContext(ctx, `SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM mutation_log WHERE client_id = ?`, p.id).Scan(&n, &lo, &hi); err != nil {
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

	// The rows the mutations wrote: changes by the mutation they name (or
	// by the record's id, for records that do not name one), audit rows,
	// conflicts, finishes, signatures, check-ins, visits.
	byMut := map[string]map[string]int{}    // change kind → mutation id → changes
	byEntity := map[string]map[string]int{} // change kind → entity id → changes
	lastData := map[string]string{}         // item → data of its last result change
	lastFinishSeq := map[string]int64{}     // visit → seq of its last dept_finish change
	finishChange := map[string]string{}     // visit:dept → the mutation its dept_finish change names
	completeSeq := map[string][]int64{}     // visit → seqs of the visit changes saying complete
	rows = q(`SELECT seq, kind, entity_id, coalesce(visit_id, ''), coalesce(json_extract(data, '$.mutation_id'), ''), data FROM changes
		WHERE kind IN ('item_result', 'conflict', 'outcome', 'signature', 'checkin', 'dept_finish', 'rejection')
		   OR kind = 'visit' AND json_extract(data, '$.status') = 'complete'
		ORDER BY seq`)
	for rows.Next() {
		var seq int64
		var kind, entity, visit, mid, data string
		scan(rows, &seq, &kind, &entity, &visit, &mid, &data)
		if byMut[kind] == nil {
			byMut[kind], byEntity[kind] = map[string]int{}, map[string]int{}
		}
		byMut[kind][mid]++
		byEntity[kind][entity]++
		switch kind {
		case zsync.ChangeItemResult:
			lastData[entity] = data
		case zsync.ChangeDeptFinish:
			lastFinishSeq[visit] = max(lastFinishSeq[visit], seq)
			finishChange[entity] = mid
		case zsync.ChangeVisit:
			completeSeq[entity] = append(completeSeq[entity], seq)
		}
	}
	closeRows(rows)
	count := func(m map[string]map[string]int, kind, key string) int { return m[kind][key] }

	auditByMut := map[string]int{}    // action and the mutation_id its after names → rows
	noopAudits := map[string]int{}    // action and the item or outcome → audit rows of no-op answers
	auditByEntity := map[string]int{} // action, kind and entity → rows
	type completion struct{ reason, at string }
	completions := map[string][]completion{} // visit → its visit.complete audit rows
	rows = q(`SELECT action, kind, entity_id, coalesce(json_extract(after, '$.mutation_id'), ''), reason, at FROM audit_entries
		WHERE action IN ('item.set', 'outcome.set', 'signature.add', 'visit.checkin', 'dept.finish', 'visit.complete')`)
	for rows.Next() {
		var action, kind, entity, mid, reason, at string
		scan(rows, &action, &kind, &entity, &mid, &reason, &at)
		if reason == sameValue {
			// An answer equal to the server's: audited with the current
			// record (which names the mutation that wrote it) as after.
			noopAudits[action+" "+entity]++
			continue
		}
		if mid != "" {
			auditByMut[action+" "+mid]++
		}
		auditByEntity[action+" "+kind+" "+entity]++
		if action == zsync.MutVisitComplete && kind == zsync.ChangeVisit {
			completions[entity] = append(completions[entity], completion{reason, at})
		}
	}
	closeRows(rows)

	conflicts := map[string]int{}
	rows = q(`SELECT mutation_id FROM conflicts`)
	for rows.Next() {
		var mid string
		scan(rows, &mid)
		conflicts[mid]++
	}
	closeRows(rows)

	type finish struct{ mutation, client, at string }
	finishes := map[string]finish{} // visit:dept → its finish row
	finishRows := map[string]int{}
	rows = q(`SELECT visit_id, dept, mutation_id, client_id, at FROM dept_finishes`)
	for rows.Next() {
		var v, d string
		var f finish
		scan(rows, &v, &d, &f.mutation, &f.client, &f.at)
		finishes[zsync.DeptFinishID(v, d)] = f
		finishRows[zsync.DeptFinishID(v, d)]++
	}
	closeRows(rows)

	type sig struct{ visit, kind, dept, signer, photo string }
	sigs := map[string]sig{}
	signers := map[string]int{} // visit, dept and signer → inspector signatures
	rows = q(`SELECT id, visit_id, kind, dept, signer_id, photo FROM signatures`)
	for rows.Next() {
		var id string
		var g sig
		scan(rows, &id, &g.visit, &g.kind, &g.dept, &g.signer, &g.photo)
		sigs[id] = g
		if g.kind == "inspector" {
			signers[g.visit+" "+g.dept+" "+g.signer]++
		}
	}
	closeRows(rows)
	for k, n := range signers {
		if n != 1 {
			fail("%d inspector signatures of the same signer for the same department (visit, dept, signer %s)", n, k)
		}
	}

	checkins := map[string]string{} // id → visit
	rows = q(`SELECT id, visit_id FROM checkins`)
	for rows.Next() {
		var id, v string
		scan(rows, &id, &v)
		checkins[id] = v
	}
	closeRows(rows)

	type visit struct{ status, completedAt string }
	visits := map[string]visit{}
	rows = q(`SELECT id, status, coalesce(completed_at, '') FROM visits`)
	for rows.Next() {
		var id string
		var v visit
		scan(rows, &id, &v.status, &v.completedAt)
		visits[id] = v
	}
	closeRows(rows)

	// 3. Per mutation, by name and fate, exactly the rows it makes, and
	// one audit row; none twice.
	applied := map[string]int64{}       // item → applied item.sets
	kept := map[string]int{}            // target and user → conflict rows of their conflict mutations
	appliedFinishes := map[string]int{} // visit:dept → applied dept.finish mutations
	noops := map[string]int{}           // action and the item or outcome → applied no-op answers
	for id, m := range muts {
		a := m.args
		if m.status != zsync.StatusRejected && count(byEntity, zsync.ChangeRejection, id) != 0 {
			fail("%s %s (%s) has a rejection change", m.name, id, m.status)
		}
		switch {
		case m.status == zsync.StatusRejected:
			// Only a random answer on a visit that completed before it came.
			v := visits[m.visit]
			if m.name != zsync.MutItemSet || m.reason != visitClosed || v.status != "complete" || v.completedAt > m.received {
				fail("%s %s rejected (%q) at %s; its visit %s is %s since %q", m.name, id, m.reason, m.received, m.visit, v.status, v.completedAt)
			}
			if n := count(byEntity, zsync.ChangeRejection, id); n != 1 {
				fail("rejected %s %s has %d rejection changes", m.name, id, n)
			}
			if n := auditByEntity[m.name+" mutation "+id]; n != 1 {
				fail("rejected %s %s has %d audit rows", m.name, id, n)
			}
			if n := count(byMut, zsync.ChangeItemResult, id) + count(byMut, zsync.ChangeConflict, id) + conflicts[id]; n != 0 {
				fail("rejected %s %s left %d results or conflicts", m.name, id, n)
			}

		case m.name == zsync.MutItemSet || m.name == zsync.MutOutcomeSet:
			kind, target := zsync.ChangeItemResult, a.ItemID
			if m.name == zsync.MutOutcomeSet {
				kind, target = zsync.ChangeOutcome, zsync.OutcomeID(m.visit, a.Dept)
			}
			switch {
			case m.status == zsync.StatusApplied && count(byMut, kind, id) == 0 && count(byMut, zsync.ChangeConflict, id) == 0:
				// The same value as the server's (two phones setting the
				// same outcome): a no-op, audited only; counted below.
				noops[m.name+" "+target]++
				continue
			case m.status == zsync.StatusApplied:
				if m.name == zsync.MutItemSet {
					applied[a.ItemID]++
				}
				if n := count(byMut, kind, id); n != 1 {
					fail("applied %s %s has %d %s changes", m.name, id, n, kind)
				}
				if n := count(byMut, zsync.ChangeConflict, id) + conflicts[id]; n != 0 {
					fail("applied %s %s has conflict records", m.name, id)
				}
			case m.status == zsync.StatusConflict:
				// One change records the conflict; each later move of the
				// value under it while open (followConflicts, DESIGN §8.2)
				// logs one more, under the same conflict.
				if n, c := count(byMut, zsync.ChangeConflict, id), conflicts[id]; n < 1 || c > 1 {
					fail("conflict %s %s has %d conflict changes and %d conflicts", m.name, id, n, c)
				}
				kept[target+" "+m.user] += conflicts[id]
				if n := count(byMut, kind, id); n != 0 {
					fail("conflict %s %s has %d %s changes", m.name, id, n, kind)
				}
			default:
				fail("%s %s is %s", m.name, id, m.status)
			}
			if n := auditByMut[m.name+" "+id]; n != 1 {
				fail("%s %s (%s) has %d audit rows", m.name, id, m.status, n)
			}

		case m.status != zsync.StatusApplied:
			fail("%s %s is %s", m.name, id, m.status)

		case m.name == zsync.MutSignatureAdd:
			if n := auditByEntity[m.name+" "+zsync.ChangeSignature+" "+a.ID]; n != 1 {
				fail("signature.add %s (signature %s) has %d audit rows", id, a.ID, n)
			}
			g, ok := sigs[a.ID]
			switch {
			case ok && (g.visit != m.visit || g.kind != a.Kind):
				fail("signature.add %s: signature %s is a %s on visit %s", id, a.ID, g.kind, g.visit)
			case ok:
				if n := count(byEntity, zsync.ChangeSignature, a.ID); n != 1 {
					fail("signature.add %s: signature %s has %d changes", id, a.ID, n)
				}
			case a.Kind == "inspector" && signers[m.visit+" "+a.Dept+" "+a.SignerID] == 1:
				// Signing again for the department: a no-op, audited only.
				if n := count(byEntity, zsync.ChangeSignature, a.ID); n != 0 {
					fail("signature.add %s: the no-op has %d changes", id, n)
				}
			default:
				fail("applied signature.add %s: signature %s (%s of %s for %s) is missing", id, a.ID, a.Kind, a.SignerID, a.Dept)
			}

		case m.name == zsync.MutCheckin:
			if checkins[a.ID] != m.visit {
				fail("applied visit.checkin %s: check-in %s is missing", id, a.ID)
			}
			if n := count(byEntity, zsync.ChangeCheckin, a.ID); n != 1 {
				fail("visit.checkin %s: check-in %s has %d changes", id, a.ID, n)
			}
			if n := auditByEntity[m.name+" "+zsync.ChangeCheckin+" "+a.ID]; n != 1 {
				fail("visit.checkin %s has %d audit rows", id, n)
			}

		case m.name == zsync.MutDeptFinish:
			key := zsync.DeptFinishID(m.visit, a.Dept)
			appliedFinishes[key]++
			f, ok := finishes[key]
			switch {
			case !ok:
				fail("applied dept.finish %s: %s has no finish row", id, key)
			case f.mutation == id:
				if f.client != m.client {
					fail("dept.finish %s: the finish row of %s says client %s, the mutation %s", id, key, f.client, m.client)
				}
				if n := count(byMut, zsync.ChangeDeptFinish, id); n != 1 {
					fail("dept.finish %s has %d dept_finish changes", id, n)
				}
				if n := auditByMut[m.name+" "+id]; n != 1 {
					fail("dept.finish %s has %d audit rows naming it", id, n)
				}
			default:
				// Finishing again: a no-op, audited only, after the one
				// that finished.
				if n := count(byMut, zsync.ChangeDeptFinish, id); n != 0 {
					fail("dept.finish %s (a no-op after %s) has %d dept_finish changes", id, f.mutation, n)
				}
				if first := muts[f.mutation]; first == nil || first.received > m.received {
					fail("dept.finish %s at %s was a no-op, but %s's finish row names %s (%+v)", id, m.received, key, f.mutation, first)
				}
			}

		default:
			fail("mutation %s is a %s", id, m.name)
		}
	}
	for k, n := range noops {
		if noopAudits[k] != n {
			fail("%s: %d no-op answers, %d audit rows of no-op answers", k, n, noopAudits[k])
		}
	}
	for k, n := range noopAudits {
		if noops[k] == 0 {
			fail("%s: %d audit rows of no-op answers, no no-op answer", k, n)
		}
	}
	for k, n := range kept {
		if n != 1 {
			fail("target and user %s: %d conflicts, want the one their losing edits share", k, n)
		}
	}
	for kind, by := range byMut {
		if kind == zsync.ChangeVisit || kind == zsync.ChangeSignature || kind == zsync.ChangeCheckin || kind == zsync.ChangeRejection {
			continue // these name no mutation
		}
		for mid, n := range by {
			if _, ok := muts[mid]; !ok {
				fail("%d %s changes name mutation %q, which is not in the log", n, kind, mid)
			}
		}
	}

	// Every finish row: one per (visit, dept) (the table's key), made by an
	// applied dept.finish of that visit and department, one dept_finish
	// change naming it, and one audit row per applied dept.finish of it.
	for key, f := range finishes {
		m := muts[f.mutation]
		if n := finishRows[key]; n != 1 {
			fail("%s has %d finish rows", key, n)
		}
		if m == nil || m.name != zsync.MutDeptFinish || m.status != zsync.StatusApplied || zsync.DeptFinishID(m.visit, m.args.Dept) != key {
			fail("the finish row of %s names mutation %s (%+v)", key, f.mutation, m)
		}
		if n := count(byEntity, zsync.ChangeDeptFinish, key); n != 1 || finishChange[key] != f.mutation {
			fail("%s has %d dept_finish changes, the last naming %s, not %s", key, n, finishChange[key], f.mutation)
		}
		if n := auditByEntity[zsync.MutDeptFinish+" "+zsync.ChangeDeptFinish+" "+key]; n != appliedFinishes[key] {
			fail("%s: %d dept.finish audit rows for %d applied dept.finish mutations", key, n, appliedFinishes[key])
		}
	}
	for key := range byEntity[zsync.ChangeDeptFinish] {
		if _, ok := finishes[key]; !ok {
			fail("a dept_finish change for %s, which has no finish row", key)
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
		scan(rows, &item, &value, &note, &version, &mid)
		if version != base[item]+applied[item] && applied[item] > 0 {
			fail("item %s: version %d after %d applied mutations (from version %d)", item, version, applied[item], base[item])
		}
		if applied[item] == 0 {
			continue
		}
		seen++
		var last zsync.ItemResult
		if err := json.Unmarshal([]byte(lastData[item]), &last); err != nil {
			t.Fatalf("item %s: last change %q: %v", item, lastData[item], err)
		}
		if last.MutationID != mid || last.Value != value || last.Note != note || last.Version != version {
			fail("item %s: result %s v%d %q, last change says %s v%d %q", item, mid, version, note, last.MutationID, last.Version, last.Note)
		}
		if m := muts[mid]; m == nil || m.status != zsync.StatusApplied || m.name != zsync.MutItemSet || m.args.ItemID != item {
			fail("item %s: current result names mutation %s (%+v)", item, mid, m)
		}
	}
	closeRows(rows)
	for item, n := range applied {
		if n > 0 && !hasResult(ctx, db, item) {
			fail("item %s: %d applied mutations but no result", item, n)
		}
	}

	// 5. A visit is complete exactly when it is ready: every department
	// of its task finished, a check-in, the entity's signature (or its
	// refusal) and every photo it names arrived (no finish here is from the
	// desk, so the on-site record is always required). Then it is complete
	// once: completed_at, one visit.complete audit row with the server's
	// reason, one visit change saying complete, after its last finish.
	blobs := map[string]int64{}
	rows = q(`SELECT sha256, size FROM blobs`)
	for rows.Next() {
		var sum string
		var size int64
		scan(rows, &sum, &size)
		blobs[sum] = size
	}
	closeRows(rows)
	depts := map[string][]string{}
	rows = q(`SELECT v.id, td.dept FROM visits v JOIN task_departments td ON td.task_id = v.task_id`)
	for rows.Next() {
		var v, d string
		scan(rows, &v, &d)
		depts[v] = append(depts[v], d)
	}
	closeRows(rows)
	named := map[string][]string{} // visit → the photos its results, signatures and served notices name
	rows = q(`SELECT r.visit_id, j.value FROM item_results r, json_each(r.photos) j
		UNION ALL SELECT visit_id, photo FROM signatures WHERE photo <> ''
		UNION ALL SELECT visit_id, served_sig FROM notices WHERE served_sig <> ''`)
	for rows.Next() {
		var v, sum string
		scan(rows, &v, &sum)
		named[v] = append(named[v], sum)
	}
	closeRows(rows)
	// The demo's visits done on paper (every finish from the desk) need no
	// on-site record (sync/complete.go paperOnly); the phones here never
	// finish on them.
	paper := map[string]bool{}
	rows = q(`SELECT visit_id FROM dept_finishes GROUP BY visit_id HAVING sum(channel NOT IN ('web', 'import')) = 0`)
	for rows.Next() {
		var v string
		scan(rows, &v)
		paper[v] = true
	}
	closeRows(rows)
	onSite := map[string]bool{} // visit → checked in and signed by the entity (or refused)
	hasCheckin := map[string]bool{}
	for _, v := range checkins {
		hasCheckin[v] = true
	}
	for _, g := range sigs {
		if (g.kind == "entity" || g.kind == "refusal") && hasCheckin[g.visit] {
			onSite[g.visit] = true
		}
	}
	for id, v := range visits {
		var missing []string
		for _, d := range depts[id] {
			if _, ok := finishes[zsync.DeptFinishID(id, d)]; !ok {
				missing = append(missing, d+" not finished")
			}
		}
		if !onSite[id] && !paper[id] {
			missing = append(missing, "no check-in and entity signature")
		}
		for _, sum := range named[id] {
			if _, ok := blobs[sum]; !ok {
				missing = append(missing, "photo "+sum[:8]+" not arrived")
			}
		}
		cs := completions[id]
		switch v.status {
		case "complete":
			if len(missing) > 0 {
				fail("visit %s is complete with %v", id, missing)
			}
			if v.completedAt == "" {
				fail("visit %s is complete without completed_at", id)
			}
			if len(cs) != 1 || !slices.Contains(completionReasons, cs[0].reason) {
				fail("visit %s: complete with %d visit.complete audit rows %+v", id, len(cs), cs)
			}
			if n := len(completeSeq[id]); n != 1 || completeSeq[id][0] < lastFinishSeq[id] {
				fail("visit %s: %d visit changes say complete (%v), its last finish is change %d", id, n, completeSeq[id], lastFinishSeq[id])
			}
			for _, d := range depts[id] {
				if f := finishes[zsync.DeptFinishID(id, d)]; f.at > v.completedAt {
					fail("visit %s completed at %s, before %s finished at %s", id, v.completedAt, d, f.at)
				}
			}
		case "open":
			if len(missing) == 0 {
				fail("visit %s is ready (every department finished, on-site record and photos there) but still open", id)
			}
			if v.completedAt != "" || len(cs) != 0 || len(completeSeq[id]) != 0 {
				fail("visit %s is open with completed_at %q, %d visit.complete audit rows, %d visit changes saying complete", id, v.completedAt, len(cs), len(completeSeq[id]))
			}
		}
		if final && slices.Contains(complete, id) && v.status != "complete" {
			fail("visit %s: every department walked, still %s: %v", id, v.status, missing)
		}
	}

	// 6. Every photo the database says arrived is on disk, whole; at the end
	// every photo a phone named has arrived.
	for sum, size := range blobs {
		fi, err := os.Stat(s.blobPath(sum))
		if err != nil || fi.Size() != size {
			fail("photo %s arrived with %d bytes, on disk: %v %v", sum, size, fi, err)
		}
	}
	if final {
		for _, p := range phones {
			for _, sum := range p.sums {
				if _, ok := blobs[sum]; !ok {
					fail("%s: photo %s never arrived", p.user, sum)
				}
			}
		}
	}

	// 7. The office rollups agree with the results, outcomes and statuses.
	var off int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM visit_rollups r JOIN visits v ON v.id = r.visit_id
		WHERE r.answered != (SELECT count(*) FROM item_results WHERE visit_id = r.visit_id)
		   OR r.outcomes != (SELECT count(*) FROM outcomes WHERE visit_id = r.visit_id)
		   OR r.status != v.status OR (r.completed_on != '') != (v.status = 'complete')`).Scan(&off); err != nil {
		t.Fatal(err)
	}
	if off != 0 {
		fail("%d visit rollups disagree with the results, outcomes or statuses", off)
	}
	if len(problems) > 0 {
		t.Fatalf("after %d acknowledged mutations (%d in the log):\n  %s", len(acked), len(muts), strings.Join(problems, "\n  "))
	}
	done, refused := 0, 0
	for _, v := range visits {
		if v.status == "complete" {
			done++
		}
	}
	for _, m := range muts {
		if m.status == zsync.StatusRejected {
			refused++
		}
	}
	t.Logf("checked: %d acknowledged of %d logged mutations (%d refused on a completed visit), %d items answered, %d departments finished, %d visits complete, %d photos",
		len(acked), len(muts), refused, seen, len(finishes), done, len(blobs))
}

func hasResult(ctx context.Context, db *sql.DB, item string) bool {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM item_results WHERE item_id = ?`, item).Scan(&n)
	return err == nil && n == 1
}
