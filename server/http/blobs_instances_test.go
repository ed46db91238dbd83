package http_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"

	"zsc/server/auth"
	zhttp "zsc/server/http"
	"zsc/server/photos"
	zsync "zsc/sync"
)

// TestBlobUploadAcrossInstances: with the photos in the database, a
// chunked upload begun on one instance goes on and finishes on another,
// and either serves the photo; the photo folder stays empty.
func TestBlobUploadAcrossInstances(t *testing.T) {
	a := mustOpenSyncServer(t)
	a.Photos = photos.NewDB(a.db)
	// The second instance: its own Server (routes, sync engine, photo
	// store) on the same database, as zsc serve on another machine.
	s2 := zhttp.New(a.db, auth.New(a.db, []byte("test-secret-test-secret-test-secret!")), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, "")
	s2.Photos = photos.NewDB(a.db)
	s2.WireSync()
	b := &syncServer{Server: s2, db: a.db, now: a.now, tokens: a.tokens}

	sum, body := sized("across instances", 1500)
	if code, _ := a.chunk(t, "insp3", sum, body, 0, 499); code != 200 {
		t.Fatalf("the first chunk, on a: %d", code)
	}
	head := func(ss *syncServer) string {
		t.Helper()
		code, h := ss.raw(t, "HEAD", "/api/v1/blobs/"+sum, "insp3", nil, nil, nil)
		if code != 200 {
			t.Fatalf("HEAD: %d", code)
		}
		return h.Get("Upload-Complete") + " " + h.Get("Upload-Offset")
	}
	if got := head(b); got != "?0 500" {
		t.Fatalf("HEAD on b after a's chunk: %s", got)
	}
	// A chunk past what the instances hold is refused on either.
	if code, out := b.chunk(t, "insp3", sum, body, 1000, 1499); code != 400 || out["details"] == nil {
		t.Fatalf("a chunk after a gap, on b: %d %v", code, out)
	}
	if code, _ := b.chunk(t, "insp3", sum, body, 500, 999); code != 200 {
		t.Fatalf("the second chunk, on b: %d", code)
	}
	if code, _ := a.chunk(t, "insp3", sum, body, 1000, 1499); code != 201 {
		t.Fatalf("the last chunk, on a: %d", code)
	}
	for name, ss := range map[string]*syncServer{"a": a, "b": b} {
		if got := head(ss); got != "?1 1500" {
			t.Errorf("HEAD on %s after the upload: %s", name, got)
		}
	}

	// Named by a visit, the photo is served by both, Range included.
	p := a.newPhone(t, "insp3", zsync.KindMobile)
	p.do(zsync.MutItemSet, item("v9", "v9-wjw-1", "不符合", 0, sum))
	if r := a.push(t, p); resultsOf(r) != "applied" {
		t.Fatalf("push: %+v", r.Results)
	}
	for name, ss := range map[string]*syncServer{"a": a, "b": b} {
		resp := ss.get(t, "/api/v1/blobs/"+sum, "insp4", map[string]string{"Range": "bytes=10-19"})
		if resp.code != 206 || string(resp.body) != string(body[10:20]) {
			t.Errorf("GET of a range on %s: %d %q", name, resp.code, resp.body)
		}
		resp = ss.get(t, "/api/v1/blobs/"+sum, "insp4", nil)
		if resp.code != 200 || string(resp.body) != string(body) {
			t.Errorf("GET on %s: %d, %d bytes", name, resp.code, len(resp.body))
		}
	}
	if entries, err := os.ReadDir(a.BlobDir); err == nil && len(entries) > 0 {
		t.Errorf("the photo folder holds %d entries", len(entries))
	}
}

type response struct {
	code int
	body []byte
}

// get sends a GET as user and keeps the answer's bytes.
func (ss *syncServer) get(tb testing.TB, path, user string, header map[string]string) response {
	tb.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", "Bearer "+ss.token(tb, user))
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	ss.Handler().ServeHTTP(rec, req)
	return response{rec.Code, rec.Body.Bytes()}
}
