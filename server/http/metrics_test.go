package http_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"zsc/server/metrics"
	zsync "zsc/sync"
)

// scrape reads m's /metrics as Prometheus does and returns every sample by
// its series ("name{labels}"), and the whole text.
func scrape(t *testing.T, m *metrics.Metrics) (map[string]float64, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body.String())
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(rec.Body.String()))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out, rec.Body.String()
}

// TestMetricsCountRequestsPushesAndPhotos: after a login, pushes and a
// photo upload, the counters moved: requests by route pattern (never a
// raw id) and status, their latency, each push fate, photos stored and
// leases outstanding.
func TestMetricsCountRequestsPushesAndPhotos(t *testing.T) {
	ss := mustOpenSyncServer(t)
	m := metrics.New(ss.db, ss.BlobDir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Attach(ss.Server)

	before, _ := scrape(t, m)
	for _, f := range []string{"applied", "conflict", "rejected", "replayed"} {
		if v, ok := before[`zsc_push_mutations_total{fate="`+f+`"}`]; !ok || v != 0 {
			t.Fatalf("fate %s before any push: %v %v", f, v, ok)
		}
	}

	if code := ss.call(t, "POST", "/api/v1/auth/login", "", nil, map[string]string{"username": "insp3", "password": "wrong"}, nil); code != 401 {
		t.Fatalf("a wrong password: %d", code)
	}
	ss.token(t, "insp3") // a login that works
	p := ss.newPhone(t, "insp3", zsync.KindMobile)
	sum, b := photo("a photo of the licence")
	mut := p.do(zsync.MutItemSet, item("v9", "v9-wjw-1", "不符合", 0, sum))
	if r := ss.push(t, p); resultsOf(r) != "applied" {
		t.Fatalf("push: %+v", r.Results)
	}
	// The phone lost the answer and sends the same mutation again.
	p.outbox = []zsync.Mutation{mut}
	if r := ss.push(t, p); len(r.Results) != 1 || !r.Results[0].Replayed {
		t.Fatalf("the same mutation again: %+v", r.Results)
	}
	p.do("visit.fly", map[string]any{"visit_id": "v9"})
	if r := ss.push(t, p); resultsOf(r) != "rejected" {
		t.Fatalf("an unknown mutation: %+v", r.Results)
	}
	if code := ss.upload(t, "insp3", sum, b); code != 201 {
		t.Fatalf("photo upload: %d", code)
	}
	ss.pull(t, p) // leases notice numbers to the phone
	if code := ss.call(t, "GET", "/api/v1/visits/v9/state", "insp3", nil, nil, nil); code != 200 {
		t.Fatalf("visit state: %d", code)
	}
	if code := ss.call(t, "GET", "/api/v1/visits/no-such-visit-4711/state", "insp3", nil, nil, nil); code != 404 {
		t.Fatalf("a visit that does not exist: %d", code)
	}
	// A client that hung up before its answer: the request's context is cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/api/v1/visits/v9/state", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+ss.token(t, "insp3"))
	ss.Handler().ServeHTTP(httptest.NewRecorder(), req)

	after, text := scrape(t, m)
	leased := ss.count(t, `SELECT count(*) FROM notice_numbers WHERE state = 'leased'`)
	for series, want := range map[string]float64{
		`zsc_http_requests_total{code="401",method="POST",route="/api/v1/auth/login"}`:        1,
		`zsc_http_requests_total{code="200",method="POST",route="/api/v1/auth/login"}`:        1,
		`zsc_http_requests_total{code="200",method="POST",route="/api/v1/sync/push"}`:         3,
		`zsc_http_requests_total{code="201",method="PUT",route="/api/v1/blobs/:sha256"}`:      1,
		`zsc_http_requests_total{code="200",method="GET",route="/api/v1/visits/:id/state"}`:   1,
		`zsc_http_requests_total{code="404",method="GET",route="/api/v1/visits/:id/state"}`:   1,
		`zsc_http_requests_total{code="499",method="GET",route="/api/v1/visits/:id/state"}`:   1,
		`zsc_http_request_duration_seconds_count{method="POST",route="/api/v1/sync/push"}`:    3,
		`zsc_http_request_duration_seconds_count{method="PUT",route="/api/v1/blobs/:sha256"}`: 1,
		`zsc_push_mutations_total{fate="applied"}`:                                            1,
		`zsc_push_mutations_total{fate="replayed"}`:                                           1,
		`zsc_push_mutations_total{fate="rejected"}`:                                           1,
		`zsc_push_mutations_total{fate="conflict"}`:                                           0,
		`zsc_photos_stored`:             1,
		`zsc_photos_stored_bytes`:       float64(len(b)),
		`zsc_notice_leases_outstanding`: float64(leased),
		`zsc_store_stats_up`:            1,
	} {
		if got, ok := after[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if leased == 0 {
		t.Error("the pull leased no notice number: the leases gauge went untested")
	}
	if after["zsc_writer_transactions_total"] <= before["zsc_writer_transactions_total"] || after["zsc_writer_busy_seconds_total"] <= 0 {
		t.Errorf("the writer's counters did not move: %v → %v", before["zsc_writer_transactions_total"], after["zsc_writer_transactions_total"])
	}
	// No id reaches a label: not the visit's, the photo's or the phone's.
	for _, id := range []string{"v9", "no-such-visit-4711", sum, p.id} {
		if strings.Contains(text, id) {
			t.Errorf("the metrics name %q", id)
		}
	}
	if _, ok := after[`go_goroutines`]; !ok {
		t.Error("no Go runtime metrics")
	}
	if _, ok := after[`process_resident_memory_bytes`]; !ok {
		t.Error("no process metrics")
	}
}
