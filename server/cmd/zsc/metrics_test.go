package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// --metrics-addr and ZSC_METRICS_ADDR set the metrics listener; it is off
// unless set, and zsc serve --help lists it.
func TestServeMetricsAddrSetting(t *testing.T) {
	c, err := parseServe(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "" {
		t.Fatalf("metrics on by default at %q", c.MetricsAddr)
	}
	c, err = parseServe(nil, envOf(map[string]string{"ZSC_METRICS_ADDR": "127.0.0.1:9464"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "127.0.0.1:9464" {
		t.Fatalf("ZSC_METRICS_ADDR not applied: %q", c.MetricsAddr)
	}
	var out strings.Builder
	if err := Main(context.Background(), []string{"serve", "--help"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^  -metrics-addr\b[^\n]*\n[^\n]*\[ZSC_METRICS_ADDR\]`).MatchString(out.String()) {
		t.Fatalf("--metrics-addr not in:\n%s", out.String())
	}
}

// The metrics are served on their own listener only: /metrics on the API's
// address is not them, the metrics listener answers nothing but /metrics,
// and it counts the API's requests by route.
func TestServeMetricsOnTheirOwnListener(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--db", filepath.Join(dir, "zsc.db"), "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, pw, io.Discard)
		_ = pw.Close() // a pipe writer's Close never fails
	}()
	var api, mx string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := regexp.MustCompile(`metrics on (http://\S+)/metrics`).FindStringSubmatch(sc.Text()); m != nil {
			mx = m[1]
		}
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			api = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	if api == "" || mx == "" {
		t.Fatalf("addresses not printed: api %q metrics %q", api, mx)
	}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	if code, _ := get(api + "/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	for _, path := range []string{"/metrics", "/api/v1/metrics", "/api/metrics"} {
		if _, body := get(api + path); strings.Contains(body, "zsc_http_requests_total") || strings.Contains(body, "go_goroutines") {
			t.Fatalf("the API's listener serves the metrics at %s", path)
		}
	}
	code, body := get(mx + "/metrics")
	if code != 200 {
		t.Fatalf("metrics: %d %s", code, body)
	}
	for _, want := range []string{
		`zsc_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		"zsc_writer_transactions_total", "zsc_db_wal_bytes", "zsc_photos_stored 0", "zsc_notice_leases_outstanding 0",
		"zsc_store_stats_up 1", "go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, path := range []string{"/", "/healthz", "/api/v1/me"} {
		if code, _ := get(mx + path); code != 404 {
			t.Errorf("the metrics listener answers %s with %d", path, code)
		}
	}
}
