package http_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zsc/server/demo"
	zhttp "zsc/server/http"
)

// endless is a body of n bytes of 'a' that counts how many were read.
type endless struct {
	n, read int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.n {
		return 0, io.EOF
	}
	k := int64(len(p))
	if left := e.n - e.read; k > left {
		k = left
	}
	for i := range p[:k] {
		p[i] = 'a'
	}
	e.read += k
	return int(k), nil
}

// send serves one request through the handler and returns the recorder.
func send(ts *TestServer, req *http.Request) *httptest.ResponseRecorder {
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// tooLargeInChinese checks a 413 answer with a Chinese message.
func tooLargeInChinese(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", rec.Code, rec.Body)
	}
	var e APIError
	mustUnmarshal(t, rec.Body.Bytes(), &e)
	if e.Code != "too_large" || !regexp.MustCompile(`\p{Han}`).MatchString(e.Message) {
		t.Fatalf("answer %+v, want too_large with a Chinese message", e)
	}
}

func TestABodyOverItsRoutesCapIsRefused(t *testing.T) {
	ts := MustOpenServer(t)
	token := ts.Login(t, "office").AccessToken

	t.Run("a 100 MB login announced by Content-Length is refused before a byte is read", func(t *testing.T) {
		for _, path := range []string{"/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"} {
			body := &endless{n: 100 << 20}
			req := httptest.NewRequest("POST", path, body)
			req.Header.Set("Content-Type", "application/json")
			req.ContentLength = body.n
			rec := send(ts, req)
			if body.read != 0 {
				t.Errorf("%s: read %d bytes of a body refused by its length", path, body.read)
			}
			tooLargeInChinese(t, rec)
		}
	})

	t.Run("a chunked login is cut at 1 MB while reading", func(t *testing.T) {
		body := &endless{n: 100 << 20}
		req := httptest.NewRequest("POST", "/api/v1/auth/login", io.NopCloser(body))
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = -1
		rec := send(ts, req)
		tooLargeInChinese(t, rec)
		if body.read > zhttp.MaxJSONBody+64<<10 {
			t.Errorf("read %d bytes of a chunked login, want at most about %d", body.read, zhttp.MaxJSONBody)
		}
	})

	t.Run("a multipart upload over its cap is refused before Echo parses it", func(t *testing.T) {
		body := &endless{n: 20 << 20}
		req := httptest.NewRequest("POST", "/api/v1/plans/import", io.NopCloser(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=xxxx")
		req.Header.Set("Authorization", "Bearer "+token)
		req.ContentLength = body.n
		rec := send(ts, req)
		if body.read != 0 {
			t.Errorf("read %d bytes of a 20 MB plan upload", body.read)
		}
		tooLargeInChinese(t, rec)
	})

	t.Run("a chunked multipart upload is cut at its cap and answered 413, not 400", func(t *testing.T) {
		var head bytes.Buffer
		w := multipart.NewWriter(&head)
		if _, err := w.CreateFormFile("file", "plan.csv"); err != nil {
			t.Fatal(err)
		}
		body := &endless{n: 20 << 20}
		req := httptest.NewRequest("POST", "/api/v1/plans/import?year=2024", io.NopCloser(io.MultiReader(&head, body)))
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		req.ContentLength = -1
		rec := send(ts, req)
		if body.read > 6<<20 {
			t.Errorf("read %d bytes of a chunked 20 MB plan upload (cap 5 MB and the envelope)", body.read)
		}
		tooLargeInChinese(t, rec)
	})

	t.Run("a chunked photo over its 10 MB cap is cut while reading and answered 413", func(t *testing.T) {
		insp := ts.Login(t, "insp1").AccessToken
		body := &endless{n: 30 << 20}
		req := httptest.NewRequest("PUT", "/api/v1/blobs/"+strings.Repeat("ab", 32), io.NopCloser(body))
		req.Header.Set("Authorization", "Bearer "+insp)
		req.ContentLength = -1
		rec := send(ts, req)
		if body.read > 11<<20 {
			t.Errorf("read %d bytes of a chunked 30 MB photo", body.read)
		}
		tooLargeInChinese(t, rec)
	})

	t.Run("a push may be larger than a JSON body: its own 2 MB cap", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/v1/sync/push", io.NopCloser(&endless{n: 1536 << 10}))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.ContentLength = 1536 << 10
		if rec := send(ts, req); rec.Code == http.StatusRequestEntityTooLarge {
			t.Fatalf("a 1.5 MB push was refused as too large: %s", rec.Body)
		}
		req = httptest.NewRequest("POST", "/api/v1/sync/push", io.NopCloser(&endless{n: 3 << 20}))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.ContentLength = 3 << 20
		tooLargeInChinese(t, send(ts, req))
	})
}

func TestEveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	ts := MustOpenServer(t)
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
	}
	for _, tc := range []struct{ name, method, path string }{
		{"the health check", "GET", "/healthz"},
		{"an error answer", "GET", "/api/v1/me"},
		{"an unknown route", "GET", "/api/v1/no-such-route"},
		{"a refused login", "POST", "/api/v1/auth/login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := send(ts, httptest.NewRequest(tc.method, tc.path, nil))
			for k, v := range want {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s: %s = %q, want %q", tc.path, k, got, v)
				}
			}
			csp := rec.Header().Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("%s: CSP %q lacks %q", tc.path, csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-eval") || regexp.MustCompile(`script-src[^;]*unsafe-inline`).MatchString(csp) {
				t.Errorf("CSP allows inline or eval'd script: %q", csp)
			}
			if h := rec.Header().Get("Strict-Transport-Security"); h != "" {
				t.Errorf("HSTS %q over plain HTTP", h)
			}
		})
	}
	t.Run("HSTS only over TLS", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.TLS = &tls.ConnectionState{}
		if h := send(ts, req).Header().Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
			t.Errorf("HSTS over TLS = %q", h)
		}
	})
	t.Run("HSTS through the ViaTLS hook (a trusted TLS proxy)", func(t *testing.T) {
		ts.ViaTLS = func(r *http.Request) bool { return r.Header.Get("X-Forwarded-Proto") == "https" }
		defer func() { ts.ViaTLS = nil }()
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		if h := send(ts, req).Header().Get("Strict-Transport-Security"); h == "" {
			t.Error("no HSTS when the hook says TLS")
		}
	})
}

// logLines captures the server's log as JSON lines.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// records returns the log's records, decoded.
func (l *logLines) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		mustUnmarshal(t, sc.Bytes(), &m)
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// withLog points the server's log at a buffer of JSON lines.
func withLog(ts *TestServer) *logLines {
	l := &logLines{}
	ts.Log = slog.New(slog.NewJSONHandler(l, nil))
	return l
}

func TestTheAccessLogAndTheRequestID(t *testing.T) {
	ts := MustOpenServer(t)
	token := ts.Login(t, "office").AccessToken
	logs := withLog(ts)
	idFormat := regexp.MustCompile(`^\d{4}-\d{4}-\d{4}-\d{4}$`)

	t.Run("an error answer names its request id in the header and the body", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/api/v1/checklists/no-such-checklist", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := send(ts, req)
		id := rec.Header().Get("X-Request-ID")
		if !idFormat.MatchString(id) {
			t.Fatalf("X-Request-ID %q", id)
		}
		var body struct {
			Code      string `json:"code"`
			RequestID string `json:"request_id"`
		}
		mustUnmarshal(t, rec.Body.Bytes(), &body)
		if rec.Code < 400 || body.RequestID != id {
			t.Fatalf("status %d, body %s: request_id should be %s", rec.Code, rec.Body, id)
		}
		var line map[string]any
		for _, r := range logs.records(t) {
			if r["msg"] == "request" && r["request_id"] == id {
				line = r
			}
		}
		if line == nil {
			t.Fatalf("no access log line for %s in %s", id, logs.buf.String())
		}
		if line["route"] != "/api/v1/checklists/:id" || line["method"] != "GET" || line["user"] != "office" ||
			line["status"] != float64(rec.Code) || line["bytes"] != float64(rec.Body.Len()) || line["level"] != "INFO" {
			t.Errorf("access line %v", line)
		}
		if _, ok := line["latency_ms"].(float64); !ok {
			t.Errorf("access line without latency_ms: %v", line)
		}
	})

	t.Run("a sane incoming X-Request-ID is kept, a strange one replaced", func(t *testing.T) {
		for in, keep := range map[string]bool{
			"edge-7f3a:42":                 true,
			"a b":                          false,
			"x\"; drop":                    false,
			strings.Repeat("1", 65):        false,
			"0123456789abcdef0123456789ab": true,
		} {
			req := httptest.NewRequest("GET", "/healthz", nil)
			req.Header.Set("X-Request-ID", in)
			got := send(ts, req).Header().Get("X-Request-ID")
			if keep && got != in || !keep && !idFormat.MatchString(got) {
				t.Errorf("incoming %q answered %q", in, got)
			}
		}
	})
}

func TestAClientHangUpIsNotAnError(t *testing.T) {
	ts := MustOpenServer(t)
	token := ts.Login(t, "office").AccessToken
	logs := withLog(ts)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the phone went away before the server answered
	req := httptest.NewRequest("GET", "/api/v1/me", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+token)
	send(ts, req)
	var hung, access bool
	for _, r := range logs.records(t) {
		if r["level"] == "ERROR" {
			t.Errorf("a hang-up logged as an error: %v", r)
		}
		if r["msg"] == "client hung up" && r["level"] == "INFO" {
			hung = true
		}
		if r["msg"] == "request" && r["status"] == float64(499) && r["hung_up"] == true {
			access = true
		}
	}
	if !hung || !access {
		t.Errorf("want an info line \"client hung up\" and an access line with status 499: %s", logs.buf.String())
	}
}

func TestHealthzChecksTheWriter(t *testing.T) {
	ts := MustOpenServer(t)
	var ok map[string]string
	if code := ts.Do(t, "GET", "/healthz", "", nil, &ok); code != 200 || ok["writer"] != "ok" || ok["reader"] != "ok" {
		t.Fatalf("healthy: %d %v", code, ok)
	}
	// Wedge the single writer: a write transaction that does not end.
	release := make(chan struct{})
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- ts.DB.Write(context.Background(), func(tx *sql.Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	var bad map[string]string
	code := ts.Do(t, "GET", "/healthz", "", nil, &bad)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code != http.StatusServiceUnavailable || bad["status"] != "unavailable" || bad["writer"] == "ok" || bad["reader"] != "ok" {
		t.Fatalf("wedged writer: %d %v", code, bad)
	}
	if code := ts.Do(t, "GET", "/healthz", "", nil, &ok); code != 200 {
		t.Fatalf("after the writer is free again: %d %v", code, ok)
	}
}

// rssMB is this process's resident memory.
func rssMB(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestMeasureHugeLoginBodies reports the memory four concurrent 100 MB
// logins cost over a real socket (ZSC_MEASURE=1; figures in the README). It
// asserts nothing about the figures: they depend on the machine.
func TestMeasureHugeLoginBodies(t *testing.T) {
	if os.Getenv("ZSC_MEASURE") == "" {
		t.Skip("set ZSC_MEASURE=1 to measure")
	}
	ts := MustOpenServer(t)
	addr, err := ts.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ts.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	runtime.GC()
	before := rssMB(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]int{}
	for _, chunked := range []bool{false, false, true, true} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := &endless{n: 100 << 20}
			req, err := http.NewRequest("POST", "http://"+addr+"/api/v1/auth/login", io.NopCloser(body))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			if !chunked {
				req.ContentLength = body.n
			}
			res, err := http.DefaultClient.Do(req)
			mu.Lock()
			defer mu.Unlock()
			key := fmt.Sprintf("chunked=%v sent=%dMB", chunked, body.read>>20)
			if err != nil {
				statuses[key+" err="+err.Error()]++
				return
			}
			res.Body.Close()
			statuses[key+" status="+strconv.Itoa(res.StatusCode)]++
		}()
	}
	wg.Wait()
	time.Sleep(100 * time.Millisecond)
	peak := rssMB(t)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("RSS before %.1f MB, after four concurrent 100 MB logins %.1f MB (heap in use %.1f MB); answers: %v",
		before, peak, float64(ms.HeapInuse)/(1<<20), statuses)
	var ok map[string]any
	if code := ts.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "office", "password": demo.Password}, &ok); code != 200 {
		t.Errorf("a normal login afterwards: %d", code)
	}

	// Two concurrent 100 MB plan uploads (multipart, announced length).
	token := ts.Login(t, "office").AccessToken
	before = rssMB(t)
	statuses = map[string]int{}
	peakDuring := before
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if r := rssMB(t); r > peakDuring {
					peakDuring = r
				}
			}
		}
	}()
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var head bytes.Buffer
			w := multipart.NewWriter(&head)
			if err := w.WriteField("year", "2026"); err != nil {
				t.Error(err)
				return
			}
			if _, err := w.CreateFormFile("file", "plan.csv"); err != nil {
				t.Error(err)
				return
			}
			body := &endless{n: 100 << 20}
			req, err := http.NewRequest("POST", "http://"+addr+"/api/v1/plans/import", io.MultiReader(&head, body))
			if err != nil {
				t.Error(err)
				return
			}
			req.ContentLength = int64(head.Len()) + body.n
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			mu.Lock()
			defer mu.Unlock()
			key := fmt.Sprintf("sent=%dMB", body.read>>20)
			if err != nil {
				statuses[key+" err="+err.Error()]++
				return
			}
			res.Body.Close()
			statuses[key+" status="+strconv.Itoa(res.StatusCode)]++
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	if r := rssMB(t); r > peakDuring {
		peakDuring = r
	}
	t.Logf("RSS before %.1f MB, peak during two concurrent 100 MB plan uploads %.1f MB; answers: %v", before, peakDuring, statuses)
}
