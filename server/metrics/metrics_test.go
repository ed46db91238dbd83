package metrics

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// Labels stay bounded whatever clients send: a made-up method is "other",
// a path no route knows is "unmatched" (or its node's pattern), never the
// path itself.
func TestLabelsAreBounded(t *testing.T) {
	db, err := sqlstore.Open(storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := New(db, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := echo.New()
	e.Pre(m.Middleware)
	e.GET("/api/v1/visits/:id", func(c echo.Context) error { return c.String(200, "ok") })
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/visits/v1"}, {"GET", "/api/v1/visits/v2"}, {"BREW", "/api/v1/visits/v3"},
		{"GET", "/no/such/page-12345"},
	} {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(r.method, r.path, nil))
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	var series []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "zsc_http_requests_total{") {
			series = append(series, line)
		}
	}
	want := []string{
		`zsc_http_requests_total{code="200",method="GET",route="/api/v1/visits/:id"} 2`,
		`zsc_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`zsc_http_requests_total{code="405",method="other",route="/api/v1/visits/:id"} 1`,
	}
	if strings.Join(series, "\n") != strings.Join(want, "\n") {
		t.Errorf("series:\n%s\nwant:\n%s", strings.Join(series, "\n"), strings.Join(want, "\n"))
	}
	for _, raw := range []string{"visits/v1", "visits/v3", "BREW", "page-12345"} {
		if strings.Contains(text, raw) {
			t.Errorf("the metrics name %q", raw)
		}
	}
}

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		":9464": true, "0.0.0.0:9464": true, "[::]:9464": true,
		"127.0.0.1:9464": false, "[::1]:9464": false, "10.1.2.3:9464": false, "localhost:9464": false,
	} {
		if got := Public(addr); got != want {
			t.Errorf("Public(%q) = %v", addr, got)
		}
	}
}
