package http_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	zsync "zsc/sync"
)

// A day's sync pays for every byte down on a 1.6 Mbps link (issue 15): the
// push and pull answers are gzip'd for a browser that says it takes gzip,
// and they decode to the same JSON.
func TestSyncAnswersAreGzipped(t *testing.T) {
	ss := mustOpenSyncServer(t)
	p := ss.newPhone(t, "insp1", "mobile")
	for i := 0; i < 20; i++ {
		p.do(zsync.MutItemSet, item("v1", "v1-scjg-1", []string{"符合", "不符合"}[i%2], 0))
	}
	body, err := json.Marshal(zsync.PushRequest{ClientID: p.id, SchemaVersion: 1, Mutations: p.outbox})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/sync/push"},
		{"GET", fmt.Sprintf("/api/v1/sync/pull?client_id=%s&cursor=0", p.id)},
	} {
		var rd io.Reader
		if c.method == "POST" {
			rd = bytes.NewReader(body)
		}
		req := httptest.NewRequest(c.method, c.path, rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		req.Header.Set("Authorization", "Bearer "+ss.token(t, "insp1"))
		rec := httptest.NewRecorder()
		ss.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s %s: %d, Content-Encoding %q", c.method, c.path, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(plain, &v); err != nil {
			t.Fatalf("%s: %v in %q", c.path, err, plain)
		}
		if _, ok := v["last_seq"]; !ok {
			t.Fatalf("%s: no last_seq in %s", c.path, plain)
		}
	}
}
