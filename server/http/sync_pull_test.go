package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	zsync "zsc/sync"
)

// The pull handler writes its answer itself (PullResponse.AppendJSON):
// the bytes must be what c.JSON wrote, encoding/json's with a newline.
func TestPullAnswersWhatEncodingJSONWrites(t *testing.T) {
	ss := mustOpenSyncServer(t)
	p := ss.newPhone(t, "insp1", "mobile")
	p.do(zsync.MutItemSet, item("v1", "v1-scjg-1", "不符合", 0))
	p.do(zsync.MutOutcomeSet, map[string]any{"visit_id": "v1", "dept": "scjg", "categories": []string{zsync.Pending}, "note": "<b>&</b>\u2028"})
	ss.push(t, p)
	for _, query := range []string{"cursor=0", "cursor=1", "cursor=1&limit=2", "cursor=0&pretty"} {
		req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/sync/pull?client_id=%s&%s", p.id, query), nil)
		req.Header.Set("Authorization", "Bearer "+ss.token(t, "insp1"))
		rec := httptest.NewRecorder()
		ss.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s %s", query, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		var resp zsync.PullResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.Changes) == 0 {
			t.Fatalf("%s: no changes", query)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		if query == "cursor=0&pretty" {
			enc.SetIndent("", "  ")
		}
		if err := enc.Encode(&resp); err != nil {
			t.Fatal(err)
		}
		if got := rec.Body.String(); got != want.String() {
			t.Errorf("%s:\n got %s\nwant %s", query, got, want.String())
		}
	}
}
