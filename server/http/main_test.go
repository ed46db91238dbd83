package http_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"zsc/server/auth"
	"zsc/server/demo"
	zhttp "zsc/server/http"
	"zsc/server/sqlstore"
	"zsc/server/sqlstore/storetest"
)

// TestServer is a real server on a temporary database with the demo loaded.
type TestServer struct {
	*zhttp.Server
	DB    *sqlstore.DB
	clock time.Time
}

// Advance moves the server's clock forward.
func (ts *TestServer) Advance(d time.Duration) { ts.clock = ts.clock.Add(d) }

// MustOpenServer opens a server with a small demo directory.
func MustOpenServer(tb testing.TB) *TestServer {
	tb.Helper()
	dir := tb.TempDir()
	db, err := sqlstore.Open(storetest.DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ts := &TestServer{DB: db, clock: time.Date(2024, 6, 3, 2, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return ts.clock }
	ctx := context.Background()
	if err := demo.LoadReference(ctx, db); err != nil {
		tb.Fatal(err)
	}
	if err := demo.Load(ctx, db, demo.Options{Entities: 3000}, io.Discard); err != nil {
		tb.Fatal(err)
	}
	a := auth.New(db, []byte("test-secret-test-secret-test-secret!"))
	ts.Server = zhttp.New(db, a, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, filepath.Join(dir, "blobs"))
	return ts
}

// Do sends a request and decodes a JSON answer into out (if not nil).
func (ts *TestServer) Do(tb testing.TB, method, path, token string, body any, out any) int {
	tb.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case *multipartBody:
		rd, ctype = &b.buf, b.ctype
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			tb.Fatalf("%s %s: decode %q: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec.Code
}

// Login signs in a demo user and returns the token pair.
func (ts *TestServer) Login(tb testing.TB, username string) auth.Tokens {
	tb.Helper()
	var t auth.Tokens
	if code := ts.Do(tb, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": demo.Password}, &t); code != 200 {
		tb.Fatalf("login %s: status %d", username, code)
	}
	return t
}

type multipartBody struct {
	buf   bytes.Buffer
	ctype string
}

// Multipart builds a multipart body with a file and plain fields.
func Multipart(filename string, data []byte, fields map[string]string) *multipartBody {
	mb := &multipartBody{}
	w := multipart.NewWriter(&mb.buf)
	// Writing to a bytes.Buffer cannot fail, so neither can the writer.
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	mb.ctype = w.FormDataContentType()
	return mb
}

// APIError is the error body.
type APIError struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
}

var _ = http.StatusOK

type schemaTx = sql.Tx
