package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"zsc/server/demo"
	zhttp "zsc/server/http"
)

// from sends a request as if from peer, with an X-Forwarded-For (and
// X-Forwarded-Proto) header when given.
func (ts *TestServer) from(t *testing.T, peer, xff, method, path string, body any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = peer + ":40000"
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec.Code
}

func mustCIDRs(t *testing.T, s ...string) []*net.IPNet {
	t.Helper()
	var out []*net.IPNet
	for _, c := range s {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func login(user, pw string) map[string]string {
	return map[string]string{"username": user, "password": pw}
}

// Behind a trusted TLS proxy every client has its own address: a guesser
// locks out their own address (50 failures) and the account they guess at
// (5), never the colleagues behind the same proxy. A peer that is not a
// trusted proxy cannot pick its address with X-Forwarded-For.
func TestLoginLimitThroughTrustedProxy(t *testing.T) {
	ts := MustOpenServer(t)
	ts.TrustProxies(mustCIDRs(t, "10.0.0.0/8"))
	const proxy = "10.1.2.3"
	t.Run("one address guessing locks one account and then itself, not the office", func(t *testing.T) {
		for i := range 50 {
			user := "insp2"
			if i >= 5 {
				user = fmt.Sprintf("nobody%d", i)
			}
			if code := ts.from(t, proxy, "203.0.113.66", "POST", "/api/v1/auth/login", login(user, "wrong-guess")); code != 401 {
				t.Fatalf("failure %d: status %d", i+1, code)
			}
		}
		if code := ts.from(t, proxy, "203.0.113.66", "POST", "/api/v1/auth/login", login("insp3", demo.Password)); code != 429 {
			t.Fatalf("the guessing address after 50 failures: status %d, want 429", code)
		}
		if code := ts.from(t, proxy, "203.0.113.67", "POST", "/api/v1/auth/login", login("insp3", demo.Password)); code != 200 {
			t.Fatalf("a colleague behind the same proxy: status %d, want 200", code)
		}
		if code := ts.from(t, proxy, "203.0.113.67", "POST", "/api/v1/auth/login", login("insp2", demo.Password)); code != 429 {
			t.Fatalf("the guessed account: status %d, want 429 (locked for 30 s)", code)
		}
	})
	t.Run("a spoofed X-Forwarded-For from an untrusted peer is ignored", func(t *testing.T) {
		for i := range 50 {
			xff := fmt.Sprintf("198.51.100.%d", i) // a new "address" each time
			if code := ts.from(t, "192.0.2.50", xff, "POST", "/api/v1/auth/login", login(fmt.Sprintf("ghost%d", i), "wrong-guess")); code != 401 {
				t.Fatalf("failure %d: status %d", i+1, code)
			}
		}
		if code := ts.from(t, "192.0.2.50", "198.51.100.200", "POST", "/api/v1/auth/login", login("insp1", demo.Password)); code != 429 {
			t.Fatalf("the untrusted peer with a fresh X-Forwarded-For: status %d, want 429", code)
		}
	})
}

// The public search limit (PublicRate a minute) counts the client behind a
// trusted proxy, not the proxy.
func TestPublicSearchLimitPerClientBehindProxy(t *testing.T) {
	ts := MustOpenServer(t)
	ts.WireOffice()
	ts.TrustProxies(mustCIDRs(t, "10.0.0.0/8", "fd00::/8"))
	const path = "/api/v1/public/results?q=%E5%85%AC%E5%8F%B8"
	for i := 1; i <= zhttp.PublicRate; i++ {
		if code := ts.from(t, "10.0.0.1", "203.0.113.1", "GET", path, nil); code != 200 {
			t.Fatalf("request %d: status %d", i, code)
		}
	}
	if code := ts.from(t, "10.0.0.1", "203.0.113.1", "GET", path, nil); code != 429 {
		t.Fatalf("client over its limit: status %d", code)
	}
	if code := ts.from(t, "10.0.0.1", "203.0.113.2", "GET", path, nil); code != 200 {
		t.Fatalf("another client through the same proxy: status %d", code)
	}
	if code := ts.from(t, "[fd00::5]", "203.0.113.3", "GET", path, nil); code != 200 {
		t.Fatalf("a third client through an IPv6 proxy: status %d", code)
	}
}

// RequestIsHTTPS believes X-Forwarded-Proto from a trusted proxy only.
func TestRequestIsHTTPS(t *testing.T) {
	ts := MustOpenServer(t)
	ts.TrustProxies(mustCIDRs(t, "10.0.0.0/8"))
	ts.Echo().GET("/test/https", func(c echo.Context) error {
		return c.String(http.StatusOK, fmt.Sprint(ts.RequestIsHTTPS(c.Request())))
	})
	for _, tc := range []struct {
		peer, proto, want string
	}{
		{"10.0.0.1", "https", "true"},
		{"10.0.0.1", "http", "false"},
		{"10.0.0.1", "", "false"},
		{"192.0.2.9", "https", "false"},
	} {
		req := httptest.NewRequest("GET", "/test/https", nil)
		req.RemoteAddr = tc.peer + ":1"
		if tc.proto != "" {
			req.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		if rec.Body.String() != tc.want {
			t.Fatalf("peer %s proto %q: %s, want %s", tc.peer, tc.proto, rec.Body.String(), tc.want)
		}
		// HSTS follows the same judgement: only over TLS, told by a trusted proxy.
		if hsts := rec.Header().Get("Strict-Transport-Security"); (hsts != "") != (tc.want == "true") {
			t.Fatalf("peer %s proto %q: Strict-Transport-Security %q", tc.peer, tc.proto, hsts)
		}
	}
}
