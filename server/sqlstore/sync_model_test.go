package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"zsc/schema"
	zsync "zsc/sync"
)

func newUUID() string { return uuid.Must(uuid.NewV7()).String() }

// model is the reference model of the sync rules for the fixture of
// testdata/sync_fixture.sql, written as plainly as possible with maps and no
// SQL, so that the convergence test can run it in lockstep with the engine.
type model struct {
	leaseSize int
	leaseTTL  time.Duration
	clients   map[string]*schema.User
	retired   map[string]bool
	lastSeq   map[string]int64
	fates     map[string]map[int64]string // client → seq → status
	items     map[string]*mItem
	outcomes  map[string]*mOutcome // visit:dept
	checkins  map[string]string    // id → visit
	sigs      map[string]mSig
	finished  map[string]bool            // visit:dept → 本部门检查完毕
	refs      map[string]map[string]bool // photo → visits whose mutations named it
	notices   map[string]*mNotice
	followups map[string]bool // corrected, by notice id
	conflicts map[string]*mConflict
	visits    map[string]string // id → status
	blobs     map[string]bool
	counters  map[string]int // dept:year → next
	numbers   map[string]*mNumber
}

type mItem struct {
	v            zsync.ResultValue
	version      int64
	user, client string
	visit, dept  string
	mutation     string
}

type mOutcome struct {
	v            zsync.OutcomeValue
	version      int64
	user, client string
}

type mNotice struct {
	visit, dept  string
	year, number int
	provisional  string
	status       string
	servedSig    string
	voided       bool
}

type mSig struct {
	visit, photo, kind, dept, signer string
}

type mConflict struct {
	kind, target, dept, visit string
	user                      string // who raised it
	server, client            json.RawMessage
	serverVersion             int64 // follows the current value while open (push.go followConflicts)
	status                    string
	settled                   json.RawMessage
}

type mNumber struct {
	dept         string
	year, number int
	client       string
	state        string
	notice       string
	expires      time.Time
}

var (
	fixtureDepts   = map[string][]string{"v1": {"scjg", "wjw", "zjj"}, "v2": {"scjg", "wjw", "zjj"}, "v3": {"scjg", "wjw", "zjj"}, "v9": {"wjw", "zjj"}}
	fixtureMembers = map[string][]string{"v1": {"insp1", "insp2", "insp3", "insp4"}, "v2": {"insp1", "insp2", "insp3", "insp4"},
		"v3": {"insp1", "insp2", "insp3", "insp4"}, "v9": {"insp3", "insp4"}}
	fixtureShorts = map[string]string{"scjg": "庆市监", "wjw": "庆卫健", "zjj": "庆住建"}
	// fixtureMemberDept is each team member's department.
	fixtureMemberDept = map[string]string{"insp1": "scjg", "insp2": "scjg", "insp3": "wjw", "insp4": "zjj"}
)

func newModel(leaseSize int, ttl time.Duration) *model {
	m := &model{leaseSize: leaseSize, leaseTTL: ttl, clients: map[string]*schema.User{}, retired: map[string]bool{},
		lastSeq: map[string]int64{}, fates: map[string]map[int64]string{}, items: map[string]*mItem{}, outcomes: map[string]*mOutcome{},
		checkins: map[string]string{}, sigs: map[string]mSig{}, finished: map[string]bool{}, refs: map[string]map[string]bool{},
		notices: map[string]*mNotice{}, followups: map[string]bool{},
		conflicts: map[string]*mConflict{}, visits: map[string]string{}, blobs: map[string]bool{}, counters: map[string]int{}, numbers: map[string]*mNumber{}}
	for v := range fixtureDepts {
		m.visits[v] = "open"
	}
	return m
}

// sees is the fixture's scope: members see their visits, the scjg lead the
// visits of t1 (v1..v3), where scjg takes part.
func sees(u *schema.User, visit string) bool {
	if u.Role == schema.RoleLead {
		return slices.Contains(fixtureDepts[visit], u.Dept)
	}
	return slices.Contains(fixtureMembers[visit], u.ID)
}

func numKey(dept string, year, n int) string { return fmt.Sprintf("%s:%d:%d", dept, year, n) }

func (m *model) take(dept string, year, n int) int {
	k := fmt.Sprintf("%s:%d", dept, year)
	if m.counters[k] == 0 {
		m.counters[k] = 1
	}
	first := m.counters[k]
	m.counters[k] += n
	return first
}

func (m *model) void(client, why string) {
	for _, n := range m.numbers {
		if n.state == "leased" && n.client == client {
			n.state = "voided"
		}
	}
}

// pull mirrors the engine's pull: renew this client's unexpired leases that
// are a day or more into their TTL (DESIGN §8.6), sweep expired leases, top
// up this client's.
func (m *model) pull(client string, now time.Time) {
	if !m.retired[client] {
		for _, n := range m.numbers {
			if n.state == "leased" && n.client == client && n.expires.After(now) && n.expires.Before(now.Add(m.leaseTTL-24*time.Hour)) {
				n.expires = now.Add(m.leaseTTL)
			}
		}
	}
	for _, n := range m.numbers {
		if n.state == "leased" && !n.expires.After(now) {
			n.state = "voided"
		}
	}
	u := m.clients[client]
	if m.retired[client] || u.Dept == schema.OfficeDept || (u.Role != schema.RoleInspector && u.Role != schema.RoleLead) {
		return
	}
	year, have := now.In(time.FixedZone("CST", 8*3600)).Year(), 0
	for _, n := range m.numbers {
		if n.state == "leased" && n.client == client && n.dept == u.Dept && n.year == year {
			have++
		}
	}
	want := m.leaseSize - have
	if want <= 0 {
		return
	}
	first := m.take(u.Dept, year, want)
	for n := first; n < first+want; n++ {
		m.numbers[numKey(u.Dept, year, n)] = &mNumber{dept: u.Dept, year: year, number: n, client: client, state: "leased", expires: now.Add(m.leaseTTL)}
	}
}

func (m *model) retireClient(client string, now time.Time) {
	m.retired[client] = true
	m.void(client, "client retired")
}

// push mirrors the engine's push: the fates it expects, or a gap.
func (m *model) push(client string, muts []zsync.Mutation, now time.Time, conflictMutation func(string) string) ([]zsync.Result, bool) {
	last := m.lastSeq[client]
	if m.fates[client] == nil {
		m.fates[client] = map[int64]string{}
	}
	// A gap rolls everything back: check before changing anything.
	for _, mu := range muts {
		if mu.Seq > last+1 {
			return nil, true
		}
		if mu.Seq == last+1 {
			last++
		}
	}
	var out []zsync.Result
	for _, mu := range muts {
		if mu.Seq <= m.lastSeq[client] {
			out = append(out, zsync.Result{Seq: mu.Seq, Status: m.fates[client][mu.Seq], Replayed: true})
			continue
		}
		st := m.apply(client, mu, conflictMutation)
		m.fates[client][mu.Seq] = st
		m.lastSeq[client] = mu.Seq
		out = append(out, zsync.Result{Seq: mu.Seq, Status: st})
	}
	return out, false
}

const (
	applied  = zsync.StatusApplied
	rejected = zsync.StatusRejected
	conflict = zsync.StatusConflict
)

func (m *model) apply(client string, mu zsync.Mutation, conflictMutation func(string) string) string {
	u := m.clients[client]
	a, err := zsync.DecodeArgs(mu.Name, mu.Args)
	if err != nil {
		return rejected
	}
	visit := a.Visit()
	status, ok := m.visits[visit]
	if !ok || !sees(u, visit) {
		return rejected
	}
	forDept := func(d string) bool { return u.Dept == d }
	open := status == "open"
	switch a := a.(type) {
	case *zsync.CheckinArgs:
		if !open {
			return rejected
		}
		m.checkins[a.ID] = visit
		m.completeIfReady(visit)
	case *zsync.ItemSetArgs:
		dept := ""
		for _, d := range fixtureDepts[visit] {
			if strings.HasPrefix(a.ItemID, visit+"-"+d+"-") {
				dept = d
			}
		}
		if dept == "" || !forDept(dept) || !open {
			return rejected
		}
		want := a.ResultValue()
		m.ref(visit, want.Photos...)
		cur := m.items[a.ItemID]
		if cur != nil {
			if reflect.DeepEqual(cur.v, want) {
				return applied
			}
			if a.BaseVersion != cur.version && cur.client != client {
				m.raise(mu.ID, &mConflict{kind: "item_result", target: a.ItemID, dept: dept, visit: visit, user: u.ID,
					server: mustJSON(cur.v), serverVersion: cur.version, client: mustJSON(want), status: "open"})
				return conflict
			}
		}
		m.putItem(a.ItemID, &mItem{v: want, version: versionAfter(cur), user: u.ID, client: client, visit: visit, dept: dept})
		m.completeIfFinished(visit)
	case *zsync.OutcomeSetArgs:
		if !slices.Contains(fixtureDepts[visit], a.Dept) || !forDept(a.Dept) || !open {
			return rejected
		}
		want := a.OutcomeValue()
		k := visit + ":" + a.Dept
		cur := m.outcomes[k]
		if cur != nil {
			if reflect.DeepEqual(cur.v, want) {
				return applied
			}
			if a.BaseVersion != cur.version && cur.client != client {
				m.raise(mu.ID, &mConflict{kind: "outcome", target: a.Dept, dept: a.Dept, visit: visit, user: u.ID,
					server: mustJSON(cur.v), serverVersion: cur.version, client: mustJSON(want), status: "open"})
				return conflict
			}
		}
		m.putOutcome(visit, a.Dept, &mOutcome{v: want, version: outcomeVersionAfter(cur), user: u.ID, client: client})
	case *zsync.SignatureAddArgs:
		if !open {
			return rejected
		}
		sig := mSig{visit: visit, photo: a.Photo, kind: a.Kind}
		if a.Kind == "inspector" {
			signer := a.SignerID
			if signer == "" {
				signer = u.ID
			}
			dept := fixtureMemberDept[signer]
			if !slices.Contains(fixtureMembers[visit], signer) || (a.Dept != "" && a.Dept != dept) || !forDept(dept) {
				return rejected
			}
			for _, x := range m.sigs {
				if x.visit == visit && x.kind == "inspector" && x.signer == signer && x.dept == dept {
					return applied
				}
			}
			sig.dept, sig.signer = dept, signer
		}
		if a.Kind == "entity" && !a.Confirmed {
			return rejected
		}
		m.sigs[a.ID] = sig
		m.ref(visit, a.Photos()...)
		m.completeIfReady(visit)
	case *zsync.NoticeIssueArgs:
		if !slices.Contains(fixtureDepts[visit], a.Dept) || !forDept(a.Dept) || !open {
			return rejected
		}
		for _, it := range a.Items {
			if !strings.HasPrefix(it, visit+"-"+a.Dept+"-") {
				return rejected
			}
		}
		// A notice names only items answered 不符合 (issue 11 item 12b).
		for _, it := range a.Items {
			if cur := m.items[it]; cur == nil || cur.v.Value != zsync.ValueNo {
				return rejected
			}
		}
		if a.Deadline < mu.At[:10] {
			return rejected
		}
		for _, x := range m.notices {
			if x.visit == visit && x.dept == a.Dept && !x.voided {
				return rejected
			}
		}
		n := &mNotice{visit: visit, dept: a.Dept, year: a.Year, provisional: a.Provisional, status: "issued"}
		if a.Number != nil {
			nn := m.numbers[numKey(a.Dept, a.Year, *a.Number)]
			switch {
			case nn == nil || nn.client != client, nn.state == "used":
				return rejected
			case nn.state == "voided":
				n.provisional = zsync.NumberText(fixtureShorts[a.Dept], a.Year, *a.Number)
			default:
				n.number = *a.Number
				nn.state, nn.notice = "used", a.ID
			}
		}
		if n.number == 0 {
			n.number = m.take(a.Dept, a.Year, 1)
			m.numbers[numKey(a.Dept, a.Year, n.number)] = &mNumber{dept: a.Dept, year: a.Year, number: n.number, client: client, state: "used", notice: a.ID}
		}
		m.notices[a.ID] = n
	case *zsync.NoticeServeArgs:
		n := m.notices[a.NoticeID]
		if n == nil || n.visit != visit || !forDept(n.dept) || n.voided {
			return rejected
		}
		if n.status == "issued" {
			n.status, n.servedSig = "served", a.Signature
			m.ref(visit, a.Photos()...)
		}
	case *zsync.NoticeVoidArgs:
		n := m.notices[a.NoticeID]
		if n == nil || n.visit != visit || !forDept(n.dept) {
			return rejected
		}
		if n.voided {
			return applied
		}
		if n.status == "corrected" || n.status == "not_corrected" {
			return rejected
		}
		n.voided = true
	case *zsync.DeptFinishArgs:
		if !slices.Contains(fixtureDepts[visit], a.Dept) || !forDept(a.Dept) || !open {
			return rejected
		}
		if m.finished[visit+":"+a.Dept] {
			return applied
		}
		if !m.deptReady(visit, a.Dept) {
			return rejected
		}
		m.finished[visit+":"+a.Dept] = true
		m.completeIfReady(visit)
	case *zsync.FollowupRecordArgs:
		n := m.notices[a.NoticeID]
		if n == nil || n.visit != visit || !forDept(n.dept) || n.status == "corrected" || n.status == "not_corrected" || n.voided {
			return rejected
		}
		m.followups[a.NoticeID] = a.Corrected
		n.status = "not_corrected"
		if a.Corrected {
			n.status = "corrected"
			k := visit + ":" + n.dept
			cur := m.outcomes[k]
			cats := []string{zsync.Corrected}
			note := ""
			if cur != nil {
				for _, c := range cur.v.Categories {
					if c != zsync.NoProblem && c != zsync.Pending && c != zsync.Corrected {
						cats = append(cats, c)
					}
				}
				note = cur.v.Note
			}
			want := zsync.OutcomeValue{Categories: zsync.SortCategories(cats), Note: note}
			if cur == nil || !reflect.DeepEqual(cur.v.Categories, want.Categories) {
				m.putOutcome(visit, n.dept, &mOutcome{v: want, version: outcomeVersionAfter(cur), user: u.ID, client: client})
			}
		}
	case *zsync.VisitCompleteArgs:
		if status == "complete" {
			return applied
		}
		if !m.completable(visit) {
			return rejected
		}
		m.visits[visit] = "complete"
	case *zsync.ConflictSettleArgs:
		if u.Role != schema.RoleLead {
			return rejected
		}
		c := m.conflicts[conflictMutation(a.ConflictID)]
		if c == nil || c.visit != visit || !forDept(c.dept) {
			return rejected
		}
		if c.status == "settled" {
			return applied
		}
		// The settlement is made against the version the lead saw; "server"
		// keeps the current value and writes nothing (issue 11 item 3).
		if a.BaseVersion == nil {
			return rejected
		}
		k := visit + ":" + c.target
		var version int64
		var have json.RawMessage
		if c.kind == "item_result" {
			if cur := m.items[c.target]; cur != nil {
				version, have = cur.version, mustJSON(cur.v)
			}
		} else if cur := m.outcomes[k]; cur != nil {
			version, have = cur.version, mustJSON(cur.v)
		}
		if version != *a.BaseVersion {
			return rejected
		}
		if a.Pick == "server" {
			c.status, c.settled = "settled", have
			return applied
		}
		picked := c.client
		c.status, c.settled = "settled", picked
		if c.kind == "item_result" {
			var want zsync.ResultValue
			fromJSON(picked, &want)
			want.Photos = nonNil(want.Photos)
			cur := m.items[c.target]
			if cur == nil || !reflect.DeepEqual(cur.v, want) {
				m.putItem(c.target, &mItem{v: want, version: versionAfter(cur), user: u.ID, client: client, visit: visit, dept: c.dept})
				m.completeIfFinished(visit)
			}
		} else {
			var want zsync.OutcomeValue
			fromJSON(picked, &want)
			cur := m.outcomes[k]
			if cur == nil || !reflect.DeepEqual(cur.v, want) {
				m.putOutcome(visit, c.target, &mOutcome{v: want, version: outcomeVersionAfter(cur), user: u.ID, client: client})
			}
		}
	default:
		return rejected
	}
	return applied
}

func versionAfter(cur *mItem) int64 {
	if cur == nil {
		return 1
	}
	return cur.version + 1
}

func outcomeVersionAfter(cur *mOutcome) int64 {
	if cur == nil {
		return 1
	}
	return cur.version + 1
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// fromJSON decodes what mustJSON encoded; like it, it panics, since the
// model has no *testing.T (the panic fails the test).
func fromJSON(b json.RawMessage, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
}

// deptReady: the department answered both its items, recorded its outcome,
// and every team member of it signed (the sim's phones are all mobile).
func (m *model) deptReady(visit, dept string) bool {
	for i := 1; i <= 2; i++ {
		if m.items[fmt.Sprintf("%s-%s-%d", visit, dept, i)] == nil {
			return false
		}
	}
	if m.outcomes[visit+":"+dept] == nil {
		return false
	}
	for _, member := range fixtureMembers[visit] {
		if fixtureMemberDept[member] != dept {
			continue
		}
		signed := false
		for _, x := range m.sigs {
			signed = signed || x.visit == visit && x.kind == "inspector" && x.signer == member
		}
		if !signed {
			return false
		}
	}
	return true
}

// completable: every department finished; a check-in and the entity's
// signature or refusal; every photo of the results, signatures and served
// notices has arrived.
func (m *model) completable(visit string) bool {
	var photos []string
	for _, d := range fixtureDepts[visit] {
		if !m.finished[visit+":"+d] {
			return false
		}
		for i := 1; i <= 2; i++ {
			if it := m.items[fmt.Sprintf("%s-%s-%d", visit, d, i)]; it != nil {
				photos = append(photos, it.v.Photos...)
			}
		}
	}
	checkin, entity := false, false
	for _, v := range m.checkins {
		checkin = checkin || v == visit
	}
	for _, s := range m.sigs {
		if s.visit == visit && s.photo != "" {
			photos = append(photos, s.photo)
		}
		entity = entity || s.visit == visit && (s.kind == "entity" || s.kind == "refusal")
	}
	if !checkin || !entity {
		return false
	}
	for _, n := range m.notices {
		if n.visit == visit && n.servedSig != "" {
			photos = append(photos, n.servedSig)
		}
	}
	for _, p := range photos {
		if !m.blobs[p] {
			return false
		}
	}
	return true
}

// completeIfReady mirrors the server completing a visit by itself.
func (m *model) completeIfReady(visit string) {
	if m.visits[visit] == "open" && m.completable(visit) {
		m.visits[visit] = "complete"
	}
}

// completeIfFinished: a result written once every department finished may
// drop the photo the visit waited for.
func (m *model) completeIfFinished(visit string) {
	for _, d := range fixtureDepts[visit] {
		if !m.finished[visit+":"+d] {
			return
		}
	}
	m.completeIfReady(visit)
}

// ref notes photos a visit's mutation named (the server's blob_refs).
func (m *model) ref(visit string, photos ...string) {
	for _, h := range photos {
		if m.refs[h] == nil {
			m.refs[h] = map[string]bool{}
		}
		m.refs[h][visit] = true
	}
}

// blobArrived mirrors AddBlob: a fresh photo may complete the visits naming it.
func (m *model) blobArrived(h string) {
	if m.blobs[h] {
		return
	}
	m.blobs[h] = true
	for v := range m.refs[h] {
		m.completeIfReady(v)
	}
}

// state renders the model in the form of sim.serverState.
func (m *model) state() string {
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	for id, it := range m.items {
		add("item %v %v %v %v v%v %v %v", id, it.v.Value, it.v.Note, string(mustJSON(it.v.Photos)), it.version, it.user, it.client)
	}
	for k, o := range m.outcomes {
		visit, dept, _ := strings.Cut(k, ":")
		add("outcome %v %v %v %v v%v %v %v", visit, dept, string(mustJSON(o.v.Categories)), o.v.Note, o.version, o.user, o.client)
	}
	for id, v := range m.checkins {
		add("checkin %v %v", id, v)
	}
	for id, s := range m.sigs {
		add("signature %v %v %v", id, s.visit, s.photo)
	}
	for k := range m.finished {
		visit, dept, _ := strings.Cut(k, ":")
		add("finish %v %v", visit, dept)
	}
	for id, n := range m.notices {
		add("notice %v %v %v %v %v %v %v %v %v", id, n.visit, n.dept, n.year, n.number, n.provisional, n.status, n.servedSig,
			map[bool]int{false: 0, true: 1}[n.voided])
	}
	for id, c := range m.followups {
		add("followup %v %v", id, map[bool]int{false: 0, true: 1}[c])
	}
	for id, c := range m.conflicts {
		settled := "-"
		if c.settled != nil {
			settled = string(c.settled)
		}
		add("conflict %v %v %v %v %v %v %s", id, c.kind, c.target, c.status, settled, c.serverVersion, c.server)
	}
	for id, s := range m.visits {
		add("visit %v %v", id, s)
	}
	for _, n := range m.numbers {
		notice := n.notice
		if notice == "" {
			notice = "-"
		}
		add("number %v %v %v %v %v %v", n.dept, n.year, n.number, n.client, n.state, notice)
	}
	for c, fs := range m.fates {
		for seq, st := range fs {
			add("mutation %v %v %v", c, seq, st)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// putItem writes an item's current value; the open conflicts on it follow
// it (push.go followConflicts).
func (m *model) putItem(item string, r *mItem) {
	m.items[item] = r
	m.follow(r.visit, "item_result", item, mustJSON(r.v), r.version)
}

// putOutcome writes a department's outcome, followed by its open conflicts.
func (m *model) putOutcome(visit, dept string, o *mOutcome) {
	m.outcomes[visit+":"+dept] = o
	m.follow(visit, "outcome", dept, mustJSON(o.v), o.version)
}

func (m *model) follow(visit, kind, target string, value json.RawMessage, version int64) {
	for _, c := range m.conflicts {
		if c.status == "open" && c.visit == visit && c.kind == kind && c.target == target {
			c.server, c.serverVersion = value, version
		}
	}
}

// raise records a conflict under the mutation that raised it; a user's open
// conflict on the same item or outcome is replaced, keyed by the new mutation.
func (m *model) raise(mutation string, c *mConflict) {
	for id, o := range m.conflicts {
		if o.status == "open" && o.visit == c.visit && o.kind == c.kind && o.target == c.target && o.user == c.user {
			delete(m.conflicts, id)
		}
	}
	m.conflicts[mutation] = c
}
