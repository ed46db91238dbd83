package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"zsc/server/auth"
	zhttp "zsc/server/http"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
	zsync "zsc/sync"
)

// syncServer is the real Server on a temporary database holding the sync
// fixture (server/sqlstore/testdata/sync_fixture.sql): a joint task of scjg,
// wjw and zjj with visits v1..v3, and v9 of wjw and zjj only.
type syncServer struct {
	*zhttp.Server
	db     *sqlstore.DB
	now    time.Time
	tokens map[string]string
}

const syncPassword = "sync-test-password"

func mustOpenSyncServer(tb testing.TB) *syncServer {
	tb.Helper()
	dir := tb.TempDir()
	db, err := sqlstore.Open(storetest.DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ss := &syncServer{db: db, now: time.Date(2024, 6, 3, 2, 0, 0, 0, time.UTC), tokens: map[string]string{}}
	db.Now = func() time.Time { return ss.now }
	fixture, err := os.ReadFile("../sqlstore/testdata/sync_fixture.sql")
	if err != nil {
		tb.Fatal(err)
	}
	hash, err := auth.HashPassword(syncPassword)
	if err != nil {
		tb.Fatal(err)
	}
	err = db.Write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(string(fixture)); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE users SET password_hash = ?`, hash)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	ss.Server = zhttp.New(db, auth.New(db, []byte("test-secret-test-secret-test-secret!")), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, filepath.Join(dir, "blobs"))
	ss.WireSync()
	ss.Sync.MaxPushBytes = 64 << 10 // small, so that the size test stays small
	return ss
}

// token signs a fixture user in once.
func (ss *syncServer) token(tb testing.TB, user string) string {
	tb.Helper()
	if t, ok := ss.tokens[user]; ok {
		return t
	}
	var t auth.Tokens
	if code := ss.call(tb, "POST", "/api/v1/auth/login", "", nil, map[string]string{"username": user, "password": syncPassword}, &t); code != 200 {
		tb.Fatalf("login %s: %d", user, code)
	}
	ss.tokens[user] = t.AccessToken
	return t.AccessToken
}

// call sends a request as user ("" for none) and decodes a JSON answer.
func (ss *syncServer) call(tb testing.TB, method, path, user string, header map[string]string, body, out any) int {
	tb.Helper()
	code, _ := ss.raw(tb, method, path, user, header, body, out)
	return code
}

func (ss *syncServer) raw(tb testing.TB, method, path, user string, header map[string]string, body, out any) (int, http.Header) {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if _, ok := body.([]byte); !ok && body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+ss.token(tb, user))
	}
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	ss.Handler().ServeHTTP(rec, req)
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			tb.Fatalf("%s %s: decode %q: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec.Code, rec.Header()
}

func (ss *syncServer) count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := ss.db.Reader().QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// phone is one simulated installed app: its client id, outbox and local view.
type phone struct {
	user, id string
	seq      int64
	outbox   []zsync.Mutation
	cursor   int64
	token    string // the bootstrap_token of a bootstrap under way
	lastSeq  int64
	view     map[string]json.RawMessage // kind/id → data
	leases   []zsync.Lease
}

func (ss *syncServer) newPhone(tb testing.TB, user, kind string) *phone {
	tb.Helper()
	p := &phone{user: user, id: uuid.Must(uuid.NewV7()).String(), view: map[string]json.RawMessage{}}
	req := zsync.RegisterRequest{ClientID: p.id, Kind: kind, Platform: "Android 14", Installed: true, AppVersion: "1.0.0"}
	if code := ss.call(tb, "POST", "/api/v1/sync/clients", user, nil, req, nil); code != 200 {
		tb.Fatalf("register %s: %d", user, code)
	}
	return p
}

// do queues a mutation in the outbox, as the phone does offline.
func (p *phone) do(name string, args any) zsync.Mutation {
	p.seq++
	b, _ := json.Marshal(args)
	m := zsync.Mutation{Seq: p.seq, ID: uuid.Must(uuid.NewV7()).String(), Name: name, At: "2024-06-03T10:00:00+08:00", Args: b}
	p.outbox = append(p.outbox, m)
	return m
}

// push sends the outbox and returns the answer; the outbox keeps what the
// server did not acknowledge.
func (ss *syncServer) push(tb testing.TB, p *phone) zsync.PushResponse {
	tb.Helper()
	var resp zsync.PushResponse
	req := zsync.PushRequest{ClientID: p.id, SchemaVersion: 1, Mutations: p.outbox}
	if code := ss.call(tb, "POST", "/api/v1/sync/push", p.user, nil, req, &resp); code != 200 {
		tb.Fatalf("push %s: %d", p.user, code)
	}
	p.drop(resp.LastSeq)
	return resp
}

func (p *phone) drop(lastSeq int64) {
	var keep []zsync.Mutation
	for _, m := range p.outbox {
		if m.Seq > lastSeq {
			keep = append(keep, m)
		}
	}
	p.outbox = keep
}

// keptByPhone applies what a phone told open_year does with a change: a
// visit put that is not open work of the year (the user not on its team)
// drops the visit and its records; a record of a visit not held is not
// stored. It reports whether the change is to be applied as usual.
func keptByPhone(p *phone, ch zsync.ChangeEntry, year int) bool {
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
	var r rec
	if ch.Op != "put" || json.Unmarshal(ch.Data, &r) != nil {
		return true
	}
	if ch.Kind != zsync.ChangeVisit {
		_, held := p.view[zsync.ChangeVisit+"/"+r.VisitID]
		return r.VisitID == "" || held
	}
	keep := r.Status == "open" && r.Plan.Year == year
	for _, m := range r.Team {
		keep = keep || m.UserID == p.user && m.Active
	}
	if !keep {
		delete(p.view, ch.Kind+"/"+ch.ID)
		for k, v := range p.view {
			var o rec
			if json.Unmarshal(v, &o) == nil && o.VisitID == ch.ID {
				delete(p.view, k)
			}
		}
	}
	return keep
}

// pull pulls until has_more is false and applies the changes to the view.
func (ss *syncServer) pull(tb testing.TB, p *phone) zsync.PullResponse {
	tb.Helper()
	var last zsync.PullResponse
	for {
		var resp zsync.PullResponse
		path := fmt.Sprintf("/api/v1/sync/pull?client_id=%s&cursor=%d&pending=%d&bootstrap=%s", p.id, p.cursor, len(p.outbox), p.token)
		if code := ss.call(tb, "GET", path, p.user, nil, nil, &resp); code != 200 {
			tb.Fatalf("pull %s: %d", p.user, code)
		}
		if resp.Bootstrap {
			p.view = map[string]json.RawMessage{}
		}
		p.token = resp.BootstrapToken
		for _, ch := range resp.Changes {
			k := ch.Kind + "/" + ch.ID
			// A lead's phone keeps the open work of open_year (PROTOCOL §3);
			// a photo's arrival names no visit and the PWA keeps none as a
			// record, so a lead's views hold none.
			if resp.OpenYear != 0 && (ch.Kind == zsync.ChangeBlob || !keptByPhone(p, ch, resp.OpenYear)) {
				continue
			}
			if ch.Op == "remove" {
				delete(p.view, k)
			} else {
				p.view[k] = ch.Data
			}
		}
		p.cursor, p.lastSeq = resp.Cursor, resp.LastSeq
		p.drop(resp.LastSeq)
		last.Changes = append(last.Changes, resp.Changes...)
		last.MissingBlobs, last.Cursor, last.LastSeq = resp.MissingBlobs, resp.Cursor, resp.LastSeq
		if !resp.HasMore {
			break
		}
	}
	p.leases = nil
	for k, d := range p.view {
		if strings.HasPrefix(k, "lease/") {
			var l zsync.Lease
			mustUnmarshal(tb, d, &l)
			p.leases = append(p.leases, l)
		}
	}
	return last
}

// takeLease takes the phone's lowest leased number, as the PWA does.
func (p *phone) takeLease(tb testing.TB) zsync.Lease {
	tb.Helper()
	if len(p.leases) == 0 {
		tb.Fatalf("%s has no leased number", p.user)
	}
	best := 0
	for i, l := range p.leases {
		if l.Number < p.leases[best].Number {
			best = i
		}
	}
	l := p.leases[best]
	p.leases = append(p.leases[:best], p.leases[best+1:]...)
	delete(p.view, "lease/"+zsync.LeaseID(l.Dept, l.Year, l.Number))
	return l
}

func photo(content string) (string, []byte) {
	b := []byte(content)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), b
}

func (ss *syncServer) upload(tb testing.TB, user, sum string, b []byte) int {
	tb.Helper()
	return ss.call(tb, "PUT", "/api/v1/blobs/"+sum, user, nil, b, nil)
}

func (ss *syncServer) chunk(tb testing.TB, user, sum string, b []byte, start, end int) (int, map[string]any) {
	tb.Helper()
	var out map[string]any
	code := ss.call(tb, "PUT", "/api/v1/blobs/"+sum, user,
		map[string]string{"Content-Range": fmt.Sprintf("bytes %d-%d/%d", start, end, len(b))}, b[start:end+1], &out)
	return code, out
}

func resultsOf(r zsync.PushResponse) string {
	var out []string
	for _, x := range r.Results {
		out = append(out, x.Status)
	}
	return strings.Join(out, ",")
}

func item(visit, id, value string, base int64, photos ...string) map[string]any {
	if photos == nil {
		photos = []string{}
	}
	return map[string]any{"visit_id": visit, "item_id": id, "value": value, "note": "", "photos": photos, "base_version": base}
}

// TestAJointVisitSyncsFromThreePhonesAndALeadOfflineAndOutOfOrder walks one
// joint visit end to end through the real HTTP handler.
func TestAJointVisitSyncsFromThreePhonesAndALeadOfflineAndOutOfOrder(t *testing.T) {
	ss := mustOpenSyncServer(t)
	p1 := ss.newPhone(t, "insp1", "mobile") // 市市场监管局
	p2 := ss.newPhone(t, "insp2", "mobile") // 市市场监管局, the second inspector
	p3 := ss.newPhone(t, "insp3", "mobile") // 市卫生健康委
	p4 := ss.newPhone(t, "insp4", "mobile") // 市住建局: never pulled, so it holds no lease
	lead := ss.newPhone(t, "lead", "mobile")
	for _, p := range []*phone{p1, p2, p3, lead} {
		ss.pull(t, p) // the morning's sync: visits, checklists, leases
	}
	if _, ok := p1.view["visit/v1"]; !ok {
		t.Fatal("insp1's bootstrap has no visit v1")
	}
	if len(p1.leases) != zsync.DefaultLeaseSize {
		t.Fatalf("insp1 holds %d leased numbers, want %d", len(p1.leases), zsync.DefaultLeaseSize)
	}

	// Offline on site.
	bigPhoto, bigBytes := photo(strings.Repeat("不符合项照片", 5000))
	sig1, sig1Bytes := photo("insp1 signature")
	sig2, sig2Bytes := photo("insp2 signature")
	sig3, sig3Bytes := photo("insp3 signature")
	sig4, sig4Bytes := photo("insp4 signature")
	entitySig, entityBytes := photo("entity signature")
	p1.do(zsync.MutCheckin, map[string]any{"id": uuid.NewString(), "visit_id": "v1", "lat": 35.73, "lng": 107.64, "accuracy": 8})
	p1.do(zsync.MutItemSet, item("v1", "v1-scjg-1", "不符合", 0, bigPhoto))
	p1.do(zsync.MutItemSet, item("v1", "v1-scjg-2", "符合", 0))
	p1.do(zsync.MutOutcomeSet, map[string]any{"visit_id": "v1", "dept": "scjg", "categories": []string{"发现问题待后续处理"}, "base_version": 0})
	leased := p1.takeLease(t)
	leasedNotice := uuid.NewString()
	p1.do(zsync.MutNoticeIssue, map[string]any{"id": leasedNotice, "visit_id": "v1", "dept": "scjg", "items": []string{"v1-scjg-1"},
		"legal_basis": "《中华人民共和国食品安全法》第五十四条", "deadline": "2024-06-17", "year": 2024, "number": leased.Number})
	p1.do(zsync.MutSignatureAdd, map[string]any{"id": uuid.NewString(), "visit_id": "v1", "kind": "inspector", "photo": sig1, "dept": "scjg"})
	// insp2, insp1's teammate, signs on insp1's phone.
	p1.do(zsync.MutSignatureAdd, map[string]any{"id": uuid.NewString(), "visit_id": "v1", "kind": "inspector", "photo": sig2, "dept": "scjg", "signer_id": "insp2"})
	p1.do(zsync.MutSignatureAdd, map[string]any{"id": uuid.NewString(), "visit_id": "v1", "kind": "entity", "signer": "甲餐馆 负责人", "photo": entitySig,
		"role": "负责人", "phone": "13900000000", "confirmed": true})
	p1.do(zsync.MutDeptFinish, map[string]any{"visit_id": "v1", "dept": "scjg"})

	p2.do(zsync.MutItemSet, item("v1", "v1-scjg-2", "不涉及", 0)) // disagrees with insp1, offline

	p3.do(zsync.MutCheckin, map[string]any{"id": uuid.NewString(), "visit_id": "v1"})
	p3.do(zsync.MutItemSet, item("v1", "v1-wjw-1", "符合", 0))
	p3.do(zsync.MutItemSet, item("v1", "v1-wjw-2", "符合", 0))
	p3.do(zsync.MutOutcomeSet, map[string]any{"visit_id": "v1", "dept": "wjw", "categories": []string{"未发现问题"}, "base_version": 0})
	p3.do(zsync.MutSignatureAdd, map[string]any{"id": uuid.NewString(), "visit_id": "v1", "kind": "inspector", "photo": sig3})
	p3.do(zsync.MutDeptFinish, map[string]any{"visit_id": "v1", "dept": "wjw"})
	p3.do(zsync.MutVisitComplete, map[string]any{"visit_id": "v1"}) // too early
	p3.do("visit.reopen", map[string]any{"visit_id": "v1"})         // an unknown mutation

	provisional := "临-" + p4.id[:8] + "-1"
	provNotice := uuid.NewString()
	p4.do(zsync.MutCheckin, map[string]any{"id": uuid.NewString(), "visit_id": "v1"})
	p4.do(zsync.MutItemSet, item("v1", "v1-zjj-1", "不符合", 0))
	p4.do(zsync.MutItemSet, item("v1", "v1-zjj-2", "不涉及", 0))
	p4.do(zsync.MutOutcomeSet, map[string]any{"visit_id": "v1", "dept": "zjj", "categories": []string{"发现问题待后续处理"}, "base_version": 0})
	p4.do(zsync.MutNoticeIssue, map[string]any{"id": provNotice, "visit_id": "v1", "dept": "zjj", "items": []string{"v1-zjj-1"},
		"legal_basis": "《建设工程质量管理条例》第五十八条", "deadline": "2024-06-20", "year": 2024, "number": nil, "provisional": provisional})
	p4.do(zsync.MutSignatureAdd, map[string]any{"id": uuid.NewString(), "visit_id": "v1", "kind": "inspector", "photo": sig4, "dept": "zjj"})
	p4.do(zsync.MutDeptFinish, map[string]any{"visit_id": "v1", "dept": "zjj"})

	// Back online, out of order: insp3 first, insp4 twice (a lost answer),
	// insp1's first photo in chunks with a dropped connection.
	if r := ss.push(t, p3); resultsOf(r) != "applied,applied,applied,applied,applied,applied,rejected,rejected" {
		t.Fatalf("insp3's push: %s %+v", resultsOf(r), r.Results)
	}
	again := append([]zsync.Mutation(nil), p4.outbox...)
	if r := ss.push(t, p4); resultsOf(r) != "applied,applied,applied,applied,applied,applied,applied" {
		t.Fatalf("insp4's push: %+v", r.Results)
	}
	p4.outbox = again
	if r := ss.push(t, p4); !r.Results[0].Replayed || resultsOf(r) != "applied,applied,applied,applied,applied,applied,applied" {
		t.Fatalf("insp4's push again: %+v", r.Results)
	}
	if code, got := ss.chunk(t, "insp1", bigPhoto, bigBytes, 0, 9999); code != 200 || got["received"] != 10000.0 {
		t.Fatalf("first chunk: %d %v", code, got)
	}
	code, hdr := ss.raw(t, "HEAD", "/api/v1/blobs/"+bigPhoto, "insp1", nil, nil, nil)
	if code != 200 || hdr.Get("Upload-Offset") != "10000" || hdr.Get("Upload-Complete") != "?0" {
		t.Fatalf("HEAD after a dropped upload: %d %v", code, hdr)
	}
	if r := ss.push(t, p1); resultsOf(r) != "applied,applied,applied,applied,applied,applied,applied,applied,applied" {
		t.Fatalf("insp1's push: %+v", r.Results)
	}
	if r := ss.push(t, p2); resultsOf(r) != "conflict" {
		t.Fatalf("insp2's push: %+v", r.Results)
	}

	// Rejections are visible in the phone's pull.
	pr := ss.pull(t, p3)
	reasons := ""
	for k, d := range p3.view {
		if strings.HasPrefix(k, "rejection/") {
			var r zsync.Rejection
			mustUnmarshal(t, d, &r)
			reasons += r.Reason + "|"
		}
	}
	if !strings.Contains(reasons, "检查暂不能完成") || !strings.Contains(reasons, "未知的操作类型") {
		t.Fatalf("insp3 sees rejections %q", reasons)
	}
	_ = pr

	// insp1's pull names the photos still due; resume the big one from the
	// server's offset, upload the rest whole.
	missing := ss.pull(t, p1).MissingBlobs
	if len(missing) != 4 {
		t.Fatalf("insp1 misses %d photos, want 4 (the big one, three signatures): %v", len(missing), missing)
	}
	if code, got := ss.chunk(t, "insp1", bigPhoto, bigBytes, 10000, len(bigBytes)-1); code != 201 || got["complete"] != true {
		t.Fatalf("last chunk: %d %v", code, got)
	}
	for _, up := range []struct {
		user, sum string
		b         []byte
	}{{"insp1", sig1, sig1Bytes}, {"insp1", sig2, sig2Bytes}, {"insp1", entitySig, entityBytes}, {"insp3", sig3, sig3Bytes}, {"insp4", sig4, sig4Bytes}} {
		if code := ss.upload(t, up.user, up.sum, up.b); code != 201 {
			t.Fatalf("upload: %d", code)
		}
	}
	if code := ss.upload(t, "insp3", sig3, sig3Bytes); code != 201 {
		t.Fatalf("an upload of a photo already held: %d", code)
	}
	if m := ss.pull(t, p1).MissingBlobs; len(m) != 0 {
		t.Fatalf("still missing %v", m)
	}

	// The lead settles the conflict from the list of open conflicts.
	var open []zsync.Conflict
	if code := ss.call(t, "GET", "/api/v1/conflicts?status=open", "lead", nil, nil, &open); code != 200 || len(open) != 1 {
		t.Fatalf("open conflicts: %d %+v", code, open)
	}
	c := open[0]
	if c.Target != "v1-scjg-2" || c.ServerUserName != "张一" || c.ClientUserName != "李二" || !strings.Contains(string(c.ServerValue), "符合") || !strings.Contains(string(c.ClientValue), "不涉及") {
		t.Fatalf("conflict %+v", c)
	}
	ss.pull(t, lead)
	// A lead's phone keeps open work only (PROTOCOL §3): the conflict of a
	// visit still open arrives by pull; one of a completed visit is in the
	// list above, which the phone reads online.
	if _, held := lead.view["visit/v1"]; held {
		if _, ok := lead.view["conflict/"+c.ID]; !ok {
			t.Fatal("the lead's phone did not receive the conflict")
		}
	} else if n := ss.count(t, `SELECT count(*) FROM visits WHERE id = 'v1' AND status = 'open'`); n != 0 {
		t.Fatal("the lead's phone dropped an open visit")
	}
	lead.do(zsync.MutConflictSettle, map[string]any{"visit_id": "v1", "conflict_id": c.ID, "pick": "client", "base_version": c.ServerVersion})
	if r := ss.push(t, lead); resultsOf(r) != "applied" {
		t.Fatalf("settle: %+v", r.Results)
	}

	// The last photo completed the visit on the server by itself (every
	// department had finished); asking again is a no-op.
	p1.do(zsync.MutVisitComplete, map[string]any{"visit_id": "v1"})
	if r := ss.push(t, p1); resultsOf(r) != "applied" {
		t.Fatalf("complete: %+v", r.Results)
	}
	if n := ss.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'visit.complete' AND entity_id = 'v1' AND reason LIKE '%最后一张照片已上传%'`); n != 1 {
		t.Fatalf("the visit was not completed by its last photo (%d audit rows)", n)
	}

	var st zsync.VisitState
	if code := ss.call(t, "GET", "/api/v1/visits/v1/state", "office", nil, nil, &st); code != 200 {
		t.Fatalf("state: %d", code)
	}
	t.Run("the visit is complete", func(t *testing.T) {
		var v struct{ Status string }
		mustUnmarshal(t, st.Visit, &v)
		if v.Status != "complete" || len(st.Results) != 6 || len(st.Outcomes) != 3 || len(st.Checkins) != 3 || len(st.Signatures) != 5 || len(st.Finishes) != 3 {
			t.Fatalf("state %s: %d results, %d outcomes, %d checkins, %d signatures", v.Status, len(st.Results), len(st.Outcomes), len(st.Checkins), len(st.Signatures))
		}
	})
	t.Run("the lead's pick is the current value", func(t *testing.T) {
		for _, r := range st.Results {
			if r.ItemID == "v1-scjg-2" && (r.Value != "不涉及" || r.UserID != "lead" || r.Version != 2) {
				t.Fatalf("%+v", r)
			}
		}
	})
	t.Run("the leased number is used and the provisional notice numbered on sync", func(t *testing.T) {
		byID := map[string]zsync.Notice{}
		for _, n := range st.Notices {
			byID[n.ID] = n
		}
		if n := byID[leasedNotice]; n.NumberText != leased.Text || n.Provisional != "" {
			t.Fatalf("leased notice %+v, want %s", n, leased.Text)
		}
		if n := byID[provNotice]; n.Number == nil || *n.Number != 1 || n.NumberText != "庆住建责改〔2024〕1号" || n.Provisional != provisional {
			t.Fatalf("provisional notice %+v", n)
		}
	})
	t.Run("notice numbers have no gaps and no duplicates", func(t *testing.T) {
		if n := ss.count(t, `SELECT count(*) FROM (SELECT dept, year, count(*) AS n, max(number) AS m, count(DISTINCT number) AS d FROM notice_numbers GROUP BY dept, year) AS s WHERE n != m OR d != n`); n != 0 {
			t.Fatalf("%d departments with a gap or duplicate", n)
		}
	})
	t.Run("every result's channel is mobile", func(t *testing.T) {
		if n := ss.count(t, `SELECT count(*) FROM item_results WHERE channel != 'mobile'`); n != 0 {
			t.Fatalf("%d results with another channel", n)
		}
		if n := ss.count(t, `SELECT count(*) FROM outcomes WHERE channel != 'mobile'`); n != 0 {
			t.Fatalf("%d outcomes with another channel", n)
		}
	})
	t.Run("every fate is in the audit log with user, client and channel", func(t *testing.T) {
		mutations := ss.count(t, `SELECT count(*) FROM mutation_log`)
		audited := ss.count(t, `SELECT count(DISTINCT m.id) FROM mutation_log m JOIN audit_entries a ON a.client_id = m.client_id AND a.user_id = m.user_id AND a.channel = 'mobile' AND (a.action = m.name OR a.action = 'mutation.unknown')
			AND (a.entity_id = m.id OR a.after LIKE '%' || m.id || '%' OR a.parent_id = m.visit_id)`)
		if mutations == 0 || audited != mutations {
			t.Fatalf("%d of %d mutations audited", audited, mutations)
		}
		if n := ss.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'conflict.settle' AND user_id = 'lead'`); n == 0 {
			t.Fatal("the settlement is not audited")
		}
	})
	t.Run("every phone's view after a final pull is the server's state", func(t *testing.T) {
		for _, p := range []*phone{p1, p2, p3, p4, lead} {
			ss.pull(t, p)
			fresh := &phone{user: p.user, id: p.id, view: map[string]json.RawMessage{}}
			ss.pull(t, fresh) // a bootstrap of the same client
			if err := sameView(p.view, fresh.view); err != nil {
				t.Fatalf("%s: %v", p.user, err)
			}
		}
	})
	t.Run("a photo is served to those who see the visit only", func(t *testing.T) {
		if code, _ := ss.raw(t, "GET", "/api/v1/blobs/"+bigPhoto, "insp3", nil, nil, nil); code != 200 {
			t.Fatalf("team member: %d", code)
		}
		// A download on a patchy line resumes with Range, and a cached copy
		// is confirmed by its ETag (the name: the bytes never change).
		code, h := ss.raw(t, "GET", "/api/v1/blobs/"+bigPhoto, "insp3", map[string]string{"Range": "bytes=10-19"}, nil, nil)
		if code != http.StatusPartialContent || h.Get("Content-Length") != "10" || !strings.HasPrefix(h.Get("Content-Range"), "bytes 10-19/") {
			t.Fatalf("range: %d %v", code, h)
		}
		if code, _ := ss.raw(t, "GET", "/api/v1/blobs/"+bigPhoto, "insp3", map[string]string{"If-None-Match": `"` + bigPhoto + `"`}, nil, nil); code != http.StatusNotModified {
			t.Fatalf("if-none-match: %d", code)
		}
		other, otherBytes := photo("v9 photo")
		p9 := ss.newPhone(t, "insp3", "mobile")
		p9.do(zsync.MutItemSet, item("v9", "v9-wjw-1", "符合", 0, other))
		ss.push(t, p9)
		ss.upload(t, "insp3", other, otherBytes)
		if code, _ := ss.raw(t, "GET", "/api/v1/blobs/"+other, "insp1", nil, nil, nil); code != 404 {
			t.Fatalf("outsider: %d", code)
		}
	})
}

// sameView compares two local views record by record, as JSON values.
func sameView(a, b map[string]json.RawMessage) error {
	for k, v := range a {
		w, ok := b[k]
		if !ok {
			return fmt.Errorf("%s only in the incremental view", k)
		}
		var x, y any
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("%s in the incremental view: %w", k, err)
		}
		if err := json.Unmarshal(w, &y); err != nil {
			return fmt.Errorf("%s in the bootstrap view: %w", k, err)
		}
		// Re-encoding values json.Unmarshal just built cannot fail.
		xb, _ := json.Marshal(x)
		yb, _ := json.Marshal(y)
		if !bytes.Equal(xb, yb) {
			return fmt.Errorf("%s differs:\n incremental %s\n bootstrap   %s", k, xb, yb)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return fmt.Errorf("%s only in the bootstrap", k)
		}
	}
	return nil
}

func TestSyncRejectsBadInput(t *testing.T) {
	ss := mustOpenSyncServer(t)
	p := ss.newPhone(t, "insp1", "mobile")
	var apiErr APIError
	t.Run("an oversized push is 413 and applies nothing", func(t *testing.T) {
		p.do(zsync.MutItemSet, item("v1", "v1-scjg-1", "符合", 0))
		big := zsync.PushRequest{ClientID: p.id, SchemaVersion: 1, Mutations: p.outbox}
		b, _ := json.Marshal(big)
		b = append(b[:len(b)-1], []byte(`,"padding":"`+strings.Repeat("x", 70<<10)+`"}`)...)
		if code := ss.call(t, "POST", "/api/v1/sync/push", "insp1", map[string]string{"Content-Type": "application/json"}, b, &apiErr); code != 413 || apiErr.Code != "too_large" {
			t.Fatalf("%d %+v", code, apiErr)
		}
		if n := ss.count(t, `SELECT count(*) FROM mutation_log`); n != 0 {
			t.Fatal("something was applied")
		}
	})
	t.Run("a malformed push is 400 and applies nothing", func(t *testing.T) {
		for _, body := range []string{`{"client_id":`, `{"client_id":"` + p.id + `","schema_version":1,"mutations":[{"seq":1,"id":"x","name":"item.set","args":{}}]}`,
			`{"client_id":"` + p.id + `","schema_version":1,"mutations":[]} trailing`} {
			if code := ss.call(t, "POST", "/api/v1/sync/push", "insp1", map[string]string{"Content-Type": "application/json"}, []byte(body), &apiErr); code != 400 || apiErr.Code != "invalid" {
				t.Fatalf("%s: %d %+v", body, code, apiErr)
			}
		}
		if n := ss.count(t, `SELECT count(*) FROM mutation_log`); n != 0 {
			t.Fatal("something was applied")
		}
	})
	t.Run("an unknown mutation is rejected with a reason and the queue moves on", func(t *testing.T) {
		p.outbox = nil
		p.seq = 0
		p.do("item.frobnicate", map[string]any{})
		p.do(zsync.MutItemSet, item("v1", "v1-scjg-1", "符合", 0))
		r := ss.push(t, p)
		if resultsOf(r) != "rejected,applied" || !strings.Contains(r.Results[0].Reason, "未知的操作类型") || r.LastSeq != 2 {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("a gap is 409 with the expected seq", func(t *testing.T) {
		m := zsync.Mutation{Seq: 5, ID: uuid.NewString(), Name: zsync.MutVisitComplete, At: "2024-06-03T10:00:00+08:00", Args: json.RawMessage(`{"visit_id":"v1"}`)}
		req := zsync.PushRequest{ClientID: p.id, SchemaVersion: 1, Mutations: []zsync.Mutation{m}}
		var e struct {
			Code    string
			Details struct {
				ExpectedSeq int64 `json:"expected_seq"`
			}
		}
		if code := ss.call(t, "POST", "/api/v1/sync/push", "insp1", nil, req, &e); code != 409 || e.Code != "sequence_gap" || e.Details.ExpectedSeq != 3 {
			t.Fatalf("%d %+v", code, e)
		}
	})
	t.Run("an out-of-scope mutation is rejected and audited", func(t *testing.T) {
		m := p.do(zsync.MutItemSet, item("v9", "v9-wjw-1", "符合", 0))
		r := ss.push(t, p)
		if resultsOf(r) != "rejected" || !strings.Contains(r.Results[0].Reason, "越权：") {
			t.Fatalf("%+v", r)
		}
		if n := ss.count(t, `SELECT count(*) FROM audit_entries WHERE entity_id = ? AND user_id = 'insp1' AND reason LIKE '%越权：%'`, m.ID); n != 1 {
			t.Fatal("not audited")
		}
	})
	t.Run("another user's client is 403 and an unknown one 404", func(t *testing.T) {
		req := zsync.PushRequest{ClientID: p.id, SchemaVersion: 1}
		if code := ss.call(t, "POST", "/api/v1/sync/push", "insp2", nil, req, nil); code != 403 {
			t.Fatalf("another user's client: %d", code)
		}
		req.ClientID = uuid.NewString()
		if code := ss.call(t, "POST", "/api/v1/sync/push", "insp1", nil, req, nil); code != 404 {
			t.Fatalf("unknown client: %d", code)
		}
	})
	t.Run("photo bytes that do not match the hash are 400 and not kept", func(t *testing.T) {
		sum, _ := photo("the real photo")
		if code := ss.call(t, "PUT", "/api/v1/blobs/"+sum, "insp1", nil, []byte("another photo"), &apiErr); code != 400 {
			t.Fatalf("%d", code)
		}
		b := []byte("the wrong photo, in chunks")
		ss.chunk(t, "insp1", sum, b, 0, 9)
		if code, _ := ss.chunk(t, "insp1", sum, b, 10, len(b)-1); code != 400 {
			t.Fatalf("chunked: %d", code)
		}
		if n := ss.count(t, `SELECT count(*) FROM blobs`); n != 0 {
			t.Fatal("a photo with wrong bytes was recorded")
		}
		_, hdr := ss.raw(t, "HEAD", "/api/v1/blobs/"+sum, "insp1", nil, nil, nil)
		if hdr.Get("Upload-Offset") != "0" {
			t.Fatalf("the bad partial upload was kept: %v", hdr)
		}
	})
	t.Run("a photo over the size cap is 413 with a clear message", func(t *testing.T) {
		ss.Sync.MaxBlobBytes = 1000
		sum, b := photo(strings.Repeat("x", 1001))
		if code := ss.call(t, "PUT", "/api/v1/blobs/"+sum, "insp1", nil, b, &apiErr); code != 413 || !strings.Contains(apiErr.Message, "照片超过上限 1000 字节") {
			t.Fatalf("%d %+v", code, apiErr)
		}
		if code, _ := ss.chunk(t, "insp1", sum, b, 0, 99); code != 413 {
			t.Fatalf("chunked: %d", code)
		}
	})
	t.Run("a chunk past the server's bytes is 400 naming what it has", func(t *testing.T) {
		ss.Sync.MaxBlobBytes = zsync.DefaultMaxBlobBytes
		sum, b := photo("a photo in three chunks")
		ss.chunk(t, "insp1", sum, b, 0, 4)
		var e struct {
			Details struct{ Received int64 }
		}
		code := ss.call(t, "PUT", "/api/v1/blobs/"+sum, "insp1", map[string]string{"Content-Range": fmt.Sprintf("bytes 10-%d/%d", len(b)-1, len(b))}, b[10:], &e)
		if code != 400 || e.Details.Received != 5 {
			t.Fatalf("%d %+v", code, e)
		}
	})
}
