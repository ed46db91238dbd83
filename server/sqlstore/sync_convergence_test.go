package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"zsc/schema"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
	zsync "zsc/sync"
)

var syncSeeds = flag.Int("sync.seeds", 250, "seeds of the sync convergence property test (each a subtest)")
var syncSeed = flag.Int64("sync.seed", -1, "run only this seed of the convergence test")

// TestSyncConvergesUnderAnyInterleaving is the property test of the sync
// engine (STYLE 9): phones of three departments' inspectors and a lead work
// on the same joint visits offline, on random schedules; their pushes are
// dropped, duplicated, delayed, retried, sent from the wrong seq and
// interleaved between phones; photos arrive late; the clock jumps past
// lease expiry; a phone is retired. After every push the server's fates
// must equal those of a simple reference model run in lockstep, and at the
// end: every mutation applied exactly once or recorded as a conflict or
// rejection, the server state equal to the model's, notice numbers without
// gaps or duplicates, and every phone's view after a final pull equal to a
// fresh bootstrap of the server state.
func TestSyncConvergesUnderAnyInterleaving(t *testing.T) {
	template := convergenceTemplate(t)
	first, n := int64(1), int64(*syncSeeds)
	if *syncSeed >= 0 {
		first, n = *syncSeed, 1
	}
	if testing.Short() && *syncSeed < 0 {
		n = min(n, 30)
	}
	// On PostgreSQL each seed migrates a schema of its own (no file to
	// copy), about 0.5 s: the default run takes 60 seeds there, the same
	// engine and SQL as SQLite's 250; -sync.seeds asks for more.
	if template == "" && !flagSet("sync.seeds") && *syncSeed < 0 {
		n = min(n, 60)
	}
	start := time.Now()
	for seed := first; seed < first+n; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			sim := newSim(t, template, seed)
			sim.run()
			if t.Failed() {
				t.Logf("reproduce with: go test ./server/sqlstore/ -run 'TestSyncConvergesUnderAnyInterleaving' -sync.seed=%d -v", seed)
			}
		})
	}
	t.Cleanup(func() { t.Logf("%d seeds in %v", n, time.Since(start).Round(time.Millisecond)) })
}

// flagSet says whether the command line set the flag name.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// convergenceTemplate builds the fixture database once; each seed copies it.
// On PostgreSQL there is no file to copy: it returns "" and each seed loads
// the fixture into a schema of its own.
func convergenceTemplate(t *testing.T) string {
	if storetest.PG() != "" {
		return ""
	}
	env := mustSyncEnv(t)
	path := env.db.Path
	if err := env.db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A simulated phone: its outbox, its view of the server, its photos.
type simPhone struct {
	t      *testing.T // fails the run on a view record it cannot decode
	user   *schema.User
	client string
	seq    int64
	outbox []zsync.Mutation
	cursor int64
	token  string // the bootstrap_token of a bootstrap under way
	view   map[string]json.RawMessage
	used   map[string]bool   // lease ids this phone used offline
	photos map[string]bool   // photos taken and not yet uploaded
	prov   int               // provisional notices issued
	muts   map[string]string // mutation id → name, every one this phone made
}

type delayed struct {
	phone *simPhone
	req   zsync.PushRequest
}

type sim struct {
	t      *testing.T
	rng    *rand.Rand
	env    *syncEnv
	phones []*simPhone
	late   []delayed
	m      *model
	retire bool
	steps  int
}

func newSim(t *testing.T, template string, seed int64) *sim {
	var db *sqlstore.DB
	if template == "" {
		db = mustSyncEnv(t).db
	} else {
		path := filepath.Join(t.TempDir(), "zsc.db")
		copyFile(t, template, path)
		var err error
		if db, err = sqlstore.Open(path); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
	}
	env := &syncEnv{db: db, now: time.Date(2024, 6, 3, 2, 0, 0, 0, time.UTC), users: map[string]*schema.User{}, seqs: map[string]int64{}}
	db.Now = func() time.Time { return env.now }
	rows, err := db.Reader().Query(`SELECT id, username, name, role, dept, region FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		u := &schema.User{OnDuty: true}
		if err := rows.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.Dept, &u.Region); err != nil {
			t.Fatal(err)
		}
		env.users[u.ID] = u
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	store := sqlstore.NewSyncStore(db)
	t.Cleanup(func() { store.Close() })
	env.e = zsync.NewEngine(store, func() time.Time { return env.now })
	env.e.LeaseSize = 3
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	s := &sim{t: t, rng: rng, env: env, m: newModel(env.e.LeaseSize, env.e.LeaseTTL), steps: 30 + rng.IntN(40)}
	for _, u := range []string{"insp1", "insp2", "insp3", "insp4", "lead"} {
		p := &simPhone{t: t, user: env.users[u], client: env.register(t, u, "mobile"), view: map[string]json.RawMessage{},
			used: map[string]bool{}, photos: map[string]bool{}, muts: map[string]string{}}
		s.m.clients[p.client] = p.user
		s.phones = append(s.phones, p)
	}
	return s
}

func copyFile(t *testing.T, from, to string) {
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func (s *sim) pick(n int) int { return s.rng.IntN(n) }

func (s *sim) run() {
	for _, p := range s.phones {
		if s.pick(3) > 0 {
			s.pull(p)
		}
	}
	for step := 0; step < s.steps && !s.t.Failed(); step++ {
		p := s.phones[s.pick(len(s.phones))]
		switch r := s.pick(100); {
		case r < 45:
			for k := 1 + s.pick(3); k > 0; k-- {
				s.work(p)
			}
		case r < 75:
			s.push(p)
		case r < 85:
			s.pull(p)
		case r < 92:
			s.upload(p, false)
		case r < 96 && len(s.late) > 0:
			i := s.pick(len(s.late))
			d := s.late[i]
			s.late = append(s.late[:i], s.late[i+1:]...)
			s.deliver(d.phone, d.req)
		case r < 98:
			s.env.now = s.env.now.Add(time.Duration(1+s.pick(24*20)) * time.Hour)
		default:
			if !s.retire && p.user.Role == schema.RoleInspector {
				s.retire = true
				if _, err := s.env.e.Retire(context.Background(), p.user, p.client); err != nil {
					s.t.Fatal(err)
				}
				s.m.retireClient(p.client, s.env.now)
			}
		}
	}
	if s.t.Failed() {
		return
	}
	// Back online for good: every photo, every outbox, every late request.
	for _, p := range s.phones {
		s.upload(p, true)
	}
	for _, d := range s.late {
		s.deliver(d.phone, d.req)
	}
	s.late = nil
	// The lead settles whatever conflicts it sees, at the end of the day.
	for _, p := range s.phones {
		if p.user.Role == schema.RoleLead {
			s.deliver(p, zsync.PushRequest{ClientID: p.client, SchemaVersion: 1, Mutations: p.outbox})
			s.pull(p)
			for s.settle(p) && len(p.outbox) < 50 {
				s.deliver(p, zsync.PushRequest{ClientID: p.client, SchemaVersion: 1, Mutations: p.outbox})
				s.pull(p)
			}
		}
	}
	for _, p := range s.phones {
		for tries := 0; len(p.outbox) > 0; tries++ {
			if tries > 3 {
				s.t.Fatalf("%s's outbox does not drain", p.user.ID)
			}
			s.deliver(p, zsync.PushRequest{ClientID: p.client, SchemaVersion: 1, Mutations: p.outbox})
		}
	}
	for _, p := range s.phones {
		s.pull(p)
	}
	s.check()
}

// work makes one offline mutation from the phone's view of the server.
func (s *sim) work(p *simPhone) {
	u := p.user
	visit := []string{"v1", "v1", "v1", "v2", "v2", "v3"}[s.pick(6)]
	dept := u.Dept
	item := fmt.Sprintf("%s-%s-%d", visit, dept, 1+s.pick(2))
	id := func() string { return newUUID() }
	var name string
	var args any
	switch r := s.pick(100); {
	case r < 30:
		var photos []string
		if s.pick(3) == 0 {
			photos = []string{s.photo(p)}
		}
		name, args = zsync.MutItemSet, map[string]any{"visit_id": visit, "item_id": item,
			"value": []string{"符合", "不符合", "不涉及"}[s.pick(3)], "note": []string{"", "", "现场整改"}[s.pick(3)],
			"photos": nonNil(photos), "base_version": p.version("item_result/" + item)}
	case r < 40:
		cats := [][]string{{zsync.NoProblem}, {zsync.Pending}, {zsync.Pending, "不配合检查情节严重"}, {zsync.Corrected}}[s.pick(4)]
		name, args = zsync.MutOutcomeSet, map[string]any{"visit_id": visit, "dept": dept, "categories": cats,
			"base_version": p.version("outcome/" + visit + ":" + dept)}
	case r < 45:
		name, args = zsync.MutCheckin, map[string]any{"id": id(), "visit_id": visit, "lat": 35.7, "lng": 107.6}
	case r < 50:
		switch s.pick(4) {
		case 0: // a teammate (or someone else) signs on this phone
			signer := []string{"insp1", "insp2", "insp3", "insp4", "lead"}[s.pick(5)]
			name, args = zsync.MutSignatureAdd, map[string]any{"id": id(), "visit_id": visit, "kind": "inspector", "photo": s.photo(p),
				"dept": fixtureMemberDept[signer], "signer_id": signer}
		case 1:
			name, args = zsync.MutSignatureAdd, map[string]any{"id": id(), "visit_id": visit, "kind": "entity", "photo": s.photo(p),
				"signer": "钱五", "role": "负责人", "phone": "13900000000", "confirmed": s.pick(4) > 0}
		case 2:
			name, args = zsync.MutSignatureAdd, map[string]any{"id": id(), "visit_id": visit, "kind": "refusal", "note": "拒绝签字", "witness": "孙六"}
		default:
			name, args = zsync.MutSignatureAdd, map[string]any{"id": id(), "visit_id": visit, "kind": "inspector", "photo": s.photo(p)}
		}
	case r < 53:
		name, args = zsync.MutDeptFinish, map[string]any{"visit_id": visit, "dept": dept}
	case r < 56:
		n, ok := p.anyNotice(s, dept)
		if !ok {
			return
		}
		name, args = zsync.MutNoticeVoid, map[string]any{"visit_id": n.VisitID, "notice_id": n.ID, "reason": "编号填写有误"}
	case r < 60:
		deadline := s.env.now.In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 14-s.pick(16)).Format(time.DateOnly)
		a := map[string]any{"id": id(), "visit_id": visit, "dept": dept, "items": []string{item}, "legal_basis": "《食品安全法》第五十四条",
			"deadline": deadline, "days": 10, "year": s.env.now.In(time.FixedZone("CST", 8*3600)).Year(), "number": nil}
		if l, ok := p.lease(); ok && s.pick(5) > 0 {
			a["number"], a["year"] = l.Number, l.Year
			p.used[zsync.LeaseID(l.Dept, l.Year, l.Number)] = true
		} else {
			p.prov++
			a["provisional"] = fmt.Sprintf("临-%s-%d", p.client[:8], p.prov)
		}
		name, args = zsync.MutNoticeIssue, a
	case r < 66:
		n, ok := p.anyNotice(s, dept)
		if !ok {
			return
		}
		a := map[string]any{"visit_id": n.VisitID, "notice_id": n.ID, "served_to": "负责人"}
		if s.pick(2) == 0 {
			a["signature"] = s.photo(p)
		}
		name, args = zsync.MutNoticeServe, a
	case r < 71:
		n, ok := p.anyNotice(s, dept)
		if !ok {
			return
		}
		corrected := s.pick(2) == 0
		action := ""
		if !corrected {
			action = "立案"
		}
		name, args = zsync.MutFollowupRecord, map[string]any{"id": id(), "visit_id": n.VisitID, "notice_id": n.ID, "corrected": corrected, "action": action}
	case r < 80:
		name, args = zsync.MutVisitComplete, map[string]any{"visit_id": visit}
	case r < 88 || u.Role == schema.RoleLead && r < 95:
		if u.Role == schema.RoleLead && s.settle(p) {
			return
		}
		s.fill(p, visit)
		return
	case r < 92:
		other := []string{"scjg", "wjw", "zjj"}[s.pick(3)]
		name, args = zsync.MutItemSet, map[string]any{"visit_id": []string{visit, "v9"}[s.pick(2)], "item_id": fmt.Sprintf("%s-%s-1", visit, other),
			"value": "符合", "photos": []string{}, "base_version": 0}
	case r < 95:
		name, args = "item.unset", map[string]any{"visit_id": visit}
	default:
		name, args = zsync.MutItemSet, map[string]any{"visit_id": visit, "item_id": item, "value": "合格", "photos": []string{}}
	}
	s.queue(p, name, args)
}

// settle queues the settlement of an open conflict the lead sees.
func (s *sim) settle(p *simPhone) bool {
	var open []zsync.Conflict
	for k, d := range p.view {
		if strings.HasPrefix(k, "conflict/") {
			var c zsync.Conflict
			mustUnmarshal(s.t, d, &c)
			if c.Status == "open" {
				open = append(open, c)
			}
		}
	}
	if len(open) == 0 {
		return false
	}
	sort.Slice(open, func(i, j int) bool { return open[i].ID < open[j].ID })
	c := open[s.pick(len(open))]
	// The version the lead's phone saw: stale when the value moved after
	// its last pull, and then refused (issue 11 item 3).
	s.queue(p, zsync.MutConflictSettle, map[string]any{"visit_id": c.VisitID, "conflict_id": c.ID, "pick": []string{"server", "client"}[s.pick(2)],
		"base_version": c.ServerVersion})
	return true
}

// fill is a diligent inspector: every item of their department on the
// visit, the outcome, the check-in, both inspectors' and the entity's
// signatures, 本部门检查完毕, then an attempt to complete the visit.
func (s *sim) fill(p *simPhone, visit string) {
	dept := p.user.Dept
	for i := 1; i <= 2; i++ {
		item := fmt.Sprintf("%s-%s-%d", visit, dept, i)
		s.queue(p, zsync.MutItemSet, map[string]any{"visit_id": visit, "item_id": item, "value": "符合", "note": "",
			"photos": []string{}, "base_version": p.version("item_result/" + item)})
	}
	s.queue(p, zsync.MutOutcomeSet, map[string]any{"visit_id": visit, "dept": dept, "categories": []string{zsync.NoProblem},
		"base_version": p.version("outcome/" + visit + ":" + dept)})
	s.queue(p, zsync.MutCheckin, map[string]any{"id": newUUID(), "visit_id": visit, "lat": 35.7, "lng": 107.6})
	for _, member := range fixtureMembers[visit] {
		if fixtureMemberDept[member] == dept {
			s.queue(p, zsync.MutSignatureAdd, map[string]any{"id": newUUID(), "visit_id": visit, "kind": "inspector",
				"photo": s.photo(p), "dept": dept, "signer_id": member})
		}
	}
	s.queue(p, zsync.MutSignatureAdd, map[string]any{"id": newUUID(), "visit_id": visit, "kind": "entity", "photo": s.photo(p),
		"signer": "钱五", "role": "法定代表人", "phone": "13900000000", "confirmed": true})
	s.queue(p, zsync.MutDeptFinish, map[string]any{"visit_id": visit, "dept": dept})
	s.queue(p, zsync.MutVisitComplete, map[string]any{"visit_id": visit})
}

func (s *sim) queue(p *simPhone, name string, args any) {
	p.seq++
	b, _ := json.Marshal(args)
	m := zsync.Mutation{Seq: p.seq, ID: newUUID(), Name: name, At: s.env.now.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339), Args: b}
	p.outbox = append(p.outbox, m)
	p.muts[m.ID] = name
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *sim) photo(p *simPhone) string {
	h := sha(fmt.Sprintf("%s %d", p.client, s.rng.Uint64()))
	p.photos[h] = true
	return h
}

// version is the server version of a record in the phone's view (0: none).
func (p *simPhone) version(key string) int64 {
	d, ok := p.view[key]
	if !ok {
		return 0
	}
	var v struct{ Version int64 }
	mustUnmarshal(p.t, d, &v)
	return v.Version
}

// lease is the lowest leased number in the view the phone has not used.
func (p *simPhone) lease() (zsync.Lease, bool) {
	var best *zsync.Lease
	for k, d := range p.view {
		if !strings.HasPrefix(k, "lease/") || p.used[strings.TrimPrefix(k, "lease/")] {
			continue
		}
		var l zsync.Lease
		mustUnmarshal(p.t, d, &l)
		if best == nil || l.Year < best.Year || l.Year == best.Year && l.Number < best.Number {
			best = &l
		}
	}
	if best == nil {
		return zsync.Lease{}, false
	}
	return *best, true
}

func (p *simPhone) anyNotice(s *sim, dept string) (zsync.Notice, bool) {
	var ns []zsync.Notice
	for k, d := range p.view {
		if strings.HasPrefix(k, "notice/") {
			var n zsync.Notice
			mustUnmarshal(p.t, d, &n)
			if n.Dept == dept {
				ns = append(ns, n)
			}
		}
	}
	if len(ns) == 0 {
		return zsync.Notice{}, false
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].ID < ns[j].ID })
	return ns[s.pick(len(ns))], true
}

// push sends the outbox through a faulty network.
func (s *sim) push(p *simPhone) {
	if len(p.outbox) == 0 {
		return
	}
	muts := p.outbox[:1+s.pick(len(p.outbox))]
	req := zsync.PushRequest{ClientID: p.client, SchemaVersion: 1, Mutations: slices.Clone(muts)}
	switch r := s.pick(100); {
	case r < 10: // the request is lost
	case r < 20: // the server applies it, the answer is lost
		s.deliverQuietly(p, req)
	case r < 30: // delayed: arrives later, after whatever the phone does next
		s.late = append(s.late, delayed{p, req})
	case r < 38: // sent twice
		s.deliverQuietly(p, req)
		s.deliver(p, req)
	case r < 45 && len(muts) > 1: // the phone lost track and skips one
		req.Mutations = req.Mutations[1:]
		s.deliver(p, req)
	default:
		s.deliver(p, req)
	}
}

func (s *sim) deliverQuietly(p *simPhone, req zsync.PushRequest) {
	s.send(p, req)
}

// deliver sends a push and gives the phone the answer.
func (s *sim) deliver(p *simPhone, req zsync.PushRequest) {
	if last, ok := s.send(p, req); ok {
		var keep []zsync.Mutation
		for _, m := range p.outbox {
			if m.Seq > last {
				keep = append(keep, m)
			}
		}
		p.outbox = keep
	}
}

// send pushes to the server and the model and compares the two answers.
func (s *sim) send(p *simPhone, req zsync.PushRequest) (int64, bool) {
	s.t.Helper()
	resp, err := s.env.e.Push(context.Background(), p.user, &req)
	want, wantGap := s.m.push(p.client, req.Mutations, s.env.now, s.conflictMutation)
	var se *schema.Error
	if errors.As(err, &se) && se.Code == schema.EGAP {
		if !wantGap {
			s.t.Fatalf("%s: server answered a gap (%v), the model did not", p.user.ID, err)
		}
		return 0, false
	}
	if err != nil {
		s.t.Fatalf("%s: push: %v", p.user.ID, err)
	}
	if wantGap {
		s.t.Fatalf("%s: the model expected a gap, the server answered %+v", p.user.ID, resp)
	}
	for i, r := range resp.Results {
		if r.Status != want[i].Status || r.Replayed != want[i].Replayed {
			m := req.Mutations[i]
			s.t.Fatalf("%s seq %d %s %s: server %s (replayed %v, %q), model %s (replayed %v)",
				p.user.ID, m.Seq, m.Name, m.Args, r.Status, r.Replayed, r.Reason, want[i].Status, want[i].Replayed)
		}
	}
	return resp.LastSeq, true
}

// conflictMutation maps a server conflict id to the mutation that raised it.
func (s *sim) conflictMutation(id string) string {
	var m string
	err := s.env.db.Reader().QueryRow(`SELECT mutation_id FROM conflicts WHERE id = ?`, id).Scan(&m)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		s.t.Fatalf("conflict %s: %v", id, err)
	}
	return m // "" for an unknown conflict: the model rejects its settlement
}

// pull pulls until has_more is false, as the PWA does.
func (s *sim) pull(p *simPhone) {
	s.t.Helper()
	for {
		resp, err := s.env.e.Pull(context.Background(), p.user, zsync.PullRequest{ClientID: p.client, Cursor: p.cursor, Limit: 1 + s.pick(40),
			Bootstrap: p.token})
		if err != nil {
			s.t.Fatalf("pull: %v", err)
		}
		s.m.pull(p.client, s.env.now)
		if resp.Bootstrap {
			p.view = map[string]json.RawMessage{}
		}
		applyKept(p.view, resp, p.user.ID)
		p.cursor, p.token = resp.Cursor, resp.BootstrapToken
		var keep []zsync.Mutation
		for _, m := range p.outbox {
			if m.Seq > resp.LastSeq {
				keep = append(keep, m)
			}
		}
		p.outbox = keep
		if !resp.HasMore {
			return
		}
	}
}

func applyChanges(view map[string]json.RawMessage, chs []zsync.ChangeEntry) {
	for _, ch := range chs {
		k := ch.Kind + "/" + ch.ID
		if ch.Op == zsync.OpRemove {
			delete(view, k)
		} else {
			view[k] = ch.Data
		}
	}
}

// applyKept applies a page as the PWA does (PROTOCOL §3): told open_year, a
// phone drops a visit that is not open work of that year (unless the user
// is on its team) with its records, and stores no record of a visit it
// does not hold.
func applyKept(view map[string]json.RawMessage, resp *zsync.PullResponse, userID string) {
	if resp.OpenYear == 0 {
		applyChanges(view, resp.Changes)
		return
	}
	type rec struct {
		VisitID string `json:"visit_id"`
		Status  string `json:"status"`
		Plan    struct {
			Year int `json:"year"`
		} `json:"plan"`
		Team []struct {
			UserID string `json:"user_id"`
			Active bool   `json:"active"`
		} `json:"team"`
	}
	for _, ch := range resp.Changes {
		// A photo's arrival names no visit; the PWA keeps none as a record
		// (it marks its own photos sent), so neither view holds them.
		if ch.Kind == zsync.ChangeBlob {
			continue
		}
		var r rec
		if ch.Op == zsync.OpPut {
			if err := json.Unmarshal(ch.Data, &r); err != nil {
				panic(err)
			}
		}
		if ch.Kind == zsync.ChangeVisit && ch.Op == zsync.OpPut {
			keep := r.Status == "open" && r.Plan.Year == resp.OpenYear
			for _, m := range r.Team {
				keep = keep || m.UserID == userID && m.Active
			}
			if !keep {
				delete(view, ch.Kind+"/"+ch.ID)
				for k, v := range view {
					var o rec
					if json.Unmarshal(v, &o) == nil && o.VisitID == ch.ID {
						delete(view, k)
					}
				}
				continue
			}
		} else if r.VisitID != "" {
			if _, held := view[zsync.ChangeVisit+"/"+r.VisitID]; !held {
				continue
			}
		}
		applyChanges(view, []zsync.ChangeEntry{ch})
	}
}

// upload sends some (or all) of the phone's photos.
func (s *sim) upload(p *simPhone, all bool) {
	var hs []string
	for h := range p.photos {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	for _, h := range hs {
		if all || s.pick(2) == 0 {
			if err := s.env.e.AddBlob(context.Background(), h, 1000); err != nil {
				s.t.Fatal(err)
			}
			s.m.blobArrived(h)
			delete(p.photos, h)
		}
	}
}

// check compares the end state of the server with the model and the phones.
func (s *sim) check() {
	t := s.t
	env := s.env
	t.Logf("%d mutations: %d applied, %d conflicts, %d rejected; %d notices, %d voided numbers, %d visits complete, %d conflicts settled",
		env.count(t, `SELECT count(*) FROM mutation_log`), env.count(t, `SELECT count(*) FROM mutation_log WHERE status = 'applied'`),
		env.count(t, `SELECT count(*) FROM mutation_log WHERE status = 'conflict'`), env.count(t, `SELECT count(*) FROM mutation_log WHERE status = 'rejected'`),
		env.count(t, `SELECT count(*) FROM notices`), env.count(t, `SELECT count(*) FROM notice_numbers WHERE state = 'voided'`),
		env.count(t, `SELECT count(*) FROM visits WHERE status = 'complete'`), env.count(t, `SELECT count(*) FROM conflicts WHERE status = 'settled'`))
	t.Run("every mutation is stored exactly once with its fate", func(t *testing.T) {
		for _, p := range s.phones {
			for id := range p.muts {
				if n := env.count(t, `SELECT count(*) FROM mutation_log WHERE id = ?`, id); n != 1 {
					t.Fatalf("mutation %s stored %d times", id, n)
				}
			}
			if n := env.count(t, `SELECT count(*) FROM mutation_log WHERE client_id = ?`, p.client); n != len(p.muts) {
				t.Fatalf("%s: %d stored, %d made", p.user.ID, n, len(p.muts))
			}
			if n := env.count(t, `SELECT last_seq FROM clients WHERE id = ?`, p.client); int64(n) != p.seq {
				t.Fatalf("%s: last_seq %d, %d made", p.user.ID, n, p.seq)
			}
		}
	})
	t.Run("the server state is the model's", func(t *testing.T) {
		got, want := s.serverState(t), s.m.state()
		if got != want {
			t.Fatalf("state differs:\n%s", diffLines(want, got))
		}
	})
	t.Run("notice numbers have no gaps and no duplicates", func(t *testing.T) {
		numbersGapFree(t, env)
	})
	t.Run("every phone's view is a fresh bootstrap of the server", func(t *testing.T) {
		for _, p := range s.phones {
			resp, err := env.e.Pull(context.Background(), p.user, zsync.PullRequest{ClientID: p.client})
			if err != nil {
				t.Fatal(err)
			}
			s.m.pull(p.client, env.now)
			fresh := map[string]json.RawMessage{}
			applyKept(fresh, resp, p.user.ID)
			if err := sameJSON(p.view, fresh); err != nil {
				t.Fatalf("%s: %v", p.user.ID, err)
			}
		}
	})
	t.Run("the rollups kept by triggers are a rebuild's", func(t *testing.T) {
		before := rollups(t, env.db)
		if err := env.db.RebuildRollups(context.Background()); err != nil {
			t.Fatal(err)
		}
		if after := rollups(t, env.db); after != before {
			t.Fatalf("triggers:\n%s\nrebuild:\n%s", before, after)
		}
	})
}

func sameJSON(a, b map[string]json.RawMessage) error {
	norm := func(r json.RawMessage) (string, error) {
		var x any
		if err := json.Unmarshal(r, &x); err != nil {
			return "", err
		}
		// Re-encoding a value json.Unmarshal just built cannot fail.
		out, _ := json.Marshal(x)
		return string(out), nil
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok {
			return fmt.Errorf("%s only in the incremental view", k)
		}
		nv, err := norm(v)
		if err != nil {
			return fmt.Errorf("%s in the incremental view: %w", k, err)
		}
		nw, err := norm(w)
		if err != nil {
			return fmt.Errorf("%s in the bootstrap: %w", k, err)
		}
		if nv != nw {
			return fmt.Errorf("%s differs:\n incremental %s\n bootstrap   %s", k, nv, nw)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return fmt.Errorf("%s only in the bootstrap", k)
		}
	}
	return nil
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for _, l := range w {
		if !slices.Contains(g, l) {
			out = append(out, "- model  "+l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			out = append(out, "+ server "+l)
		}
	}
	return strings.Join(out, "\n")
}

// serverState renders what the model tracks, read from the database.
func (s *sim) serverState(t *testing.T) string {
	var lines []string
	q := func(format, query string) {
		rows, err := s.env.db.Reader().Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
				if v == nil {
					vals[i] = "-"
				}
			}
			lines = append(lines, fmt.Sprintf(format, vals...))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	q("item %v %v %v %v v%v %v %v", `SELECT item_id, value, note, photos, version, user_id, client_id FROM item_results`)
	q("outcome %v %v %v %v v%v %v %v", `SELECT visit_id, dept, categories, note, version, user_id, client_id FROM outcomes`)
	q("checkin %v %v", `SELECT id, visit_id FROM checkins`)
	q("signature %v %v %v", `SELECT id, visit_id, photo FROM signatures`)
	q("notice %v %v %v %v %v %v %v %v %v", `SELECT id, visit_id, dept, year, number, provisional, status, served_sig, CASE WHEN voided_at IS NOT NULL THEN 1 ELSE 0 END FROM notices`)
	q("finish %v %v", `SELECT visit_id, dept FROM dept_finishes`)
	q("followup %v %v", `SELECT notice_id, corrected FROM followups`)
	q("conflict %v %v %v %v %v %v %v", `SELECT mutation_id, kind, target, status, coalesce(settled_value, '-'), server_version, server_value FROM conflicts`)
	q("visit %v %v", `SELECT id, status FROM visits`)
	q("number %v %v %v %v %v %v", `SELECT dept, year, number, client_id, state, coalesce(notice_id, '-') FROM notice_numbers`)
	q("mutation %v %v %v", `SELECT client_id, seq, status FROM mutation_log`)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
