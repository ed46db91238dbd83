// Package http serves the 掌上查 API with Echo v4, and the embedded PWA.
// Handlers decode, check the caller's scope, call the store and encode;
// they return errors and never write error JSON themselves.
package http

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"zsc/schema"
	"zsc/server/auth"
	"zsc/server/authz"
	"zsc/server/photos"
	"zsc/server/report"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
	"zsc/testdata"
)

// Server is the HTTP front of zsc.
type Server struct {
	DB   *sqlstore.DB
	Auth *auth.Service
	Log  *slog.Logger
	// PWA is the built app (pwa/dist); nil serves no UI.
	PWA fs.FS
	// BlobDir is the photo folder New was given ("" for none); Photos
	// is the store handlers use.
	BlobDir string
	// Photos holds the photos' bytes (server/photos): the folder BlobDir
	// by default; photos.DB for several instances on one database.
	Photos photos.Store
	// Sync is the sync engine (DESIGN §5); syncRoutes makes one if nil.
	Sync *zsync.Engine
	// Calendar is the holiday calendar (testdata/holidays, embedded) that
	// counts working days for publication deadlines and 复查 due dates.
	Calendar *report.Calendar
	// ViaTLS says whether a request reached the server over TLS, for HSTS
	// (middleware.go). Nil judges the connection only (r.TLS); behind a
	// TLS reverse proxy, set it to believe X-Forwarded-Proto from trusted
	// proxies only (--trusted-proxy).
	ViaTLS func(r *http.Request) bool

	e  *echo.Echo
	ln net.Listener
	hs *http.Server
}

// New wires the routes. Photos live in the folder blobDir; with "" the
// caller sets Photos (photos.DB) before serving.
func New(db *sqlstore.DB, a *auth.Service, log *slog.Logger, pwa fs.FS, blobDir string) *Server {
	cal, err := report.LoadCalendar(testdata.FS, "holidays")
	if err != nil {
		// The calendar is embedded in the binary: a bad file is a build
		// mistake that tests catch, never a runtime condition.
		panic("holiday calendar: " + err.Error())
	}
	s := &Server{DB: db, Auth: a, Log: log, PWA: pwa, BlobDir: blobDir, Calendar: cal}
	if blobDir != "" {
		s.Photos = dirStore(blobDir)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = echo.ExtractIPDirect()
	// Outermost first; middleware.go says what each does and why.
	e.Use(s.accessLog, s.securityHeaders, middleware.Recover(), s.limitBody)
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 1, Skipper: func(c echo.Context) bool {
		return strings.HasPrefix(c.Request().URL.Path, "/api/v1/blobs/")
	}}))
	s.e = e
	s.routes()
	return s
}

// Handler returns the http.Handler, for tests with httptest.
func (s *Server) Handler() http.Handler { return s.e }

// Echo exposes the router, for the OpenAPI test that lists routes.
func (s *Server) Echo() *echo.Echo { return s.e }

// Listen starts serving on addr (":0" picks a free port) and returns once the
// listener is open, so callers know the address.
func (s *Server) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listening on %s: %w", addr, err)
	}
	s.ln = ln
	s.hs = &http.Server{
		Handler: s.e,
		// A slow or stalled client must not hold a connection (and its
		// goroutine and buffers) for ever. The header gets 10 s.
		ReadHeaderTimeout: 10 * time.Second,
		// The whole request, body included: the largest body is a directory
		// file (200 MB, README), which on a 100 Mbit/s office line takes
		// about 17 s; a photo is at most 10 MB and the phone sends it in
		// resumable chunks, so a slow mobile link retries a chunk, not the
		// photo. 2 minutes covers both with room to spare.
		ReadTimeout: 2 * time.Minute,
		// From the end of the header to the last byte of the answer: the
		// handler's work and the transfer. The longest are a lead's first
		// bootstrap and a year's 附件3 export (seconds of work, then tens of
		// MB to a phone on a slow link): 10 minutes lets them finish, while
		// a client that stops reading still lets go of the connection.
		WriteTimeout: 10 * time.Minute,
		// A kept-alive connection with no request: phones sync every few
		// minutes, so holding idle ones longer only costs sockets.
		IdleTimeout: 2 * time.Minute,
		// Errors of the server's own (TLS handshakes, bad requests before
		// a handler) go to the structured log too.
		ErrorLog: slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	go func() {
		// Serve returns ErrServerClosed after Shutdown; anything else means
		// the listener failed and the server no longer answers: say so.
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Log.Error("http server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return ln.Addr().String(), nil
}

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.hs == nil {
		return nil
	}
	return s.hs.Shutdown(ctx)
}

func (s *Server) routes() {
	e := s.e
	e.GET("/healthz", s.healthz).Name = string(authz.Public)
	api := e.Group("/api/v1")
	route(api, http.MethodPost, "/auth/login", authz.Public, s.login)
	route(api, http.MethodPost, "/auth/refresh", authz.Public, s.refresh)
	route(api, http.MethodPost, "/auth/logout", authz.Public, s.logout)

	authed := api.Group("", s.authenticate)
	route(authed, http.MethodGet, "/me", authz.SignedIn, s.me)
	route(authed, http.MethodGet, "/departments", authz.SignedIn, s.departments)
	route(authed, http.MethodGet, "/regions", authz.SignedIn, s.regions)
	route(authed, http.MethodPost, "/plans/import", authz.PlanImport, s.importPlans)
	route(authed, http.MethodGet, "/plans", authz.PlanList, s.listPlans)
	route(authed, http.MethodPost, "/plans/:id/settle", authz.PlanSettle, s.settlePlan)

	s.drawRoutes(authed)
	s.directoryRoutes(authed)
	s.checklistRoutes(authed)
	s.syncRoutes(authed)
	s.officeRoutes(api, authed)
	s.followupRoutes(authed)
	s.userRoutes(authed)
	s.servePWA()
}

// healthTimeout bounds each check of /healthz: a load balancer asks often
// and must hear "unavailable" rather than wait on a wedged writer.
const healthTimeout = 2 * time.Second

// healthz answers 200 {"status":"ok"} when the database answers a read and
// the single writer runs a write transaction, 503 saying which failed
// otherwise. The write is a no-op that takes SQLite's write lock (a DELETE
// matching no row), through the group-commit queue: a writer stuck on a
// long transaction, a crashed writer goroutine or another process holding
// the lock all show here, while nothing is written and nothing is fsynced.
func (s *Server) healthz(c echo.Context) error {
	ctx := c.Request().Context()
	answer := map[string]string{"status": "ok", "reader": "ok", "writer": "ok"}
	rctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	if err := s.DB.Reader().PingContext(rctx); err != nil {
		s.Log.Warn("healthz: the reader failed", "request_id", requestID(c), "err", err)
		answer["status"], answer["reader"] = "unavailable", clipText(err.Error(), 120)
	}
	wctx, wcancel := context.WithTimeout(ctx, healthTimeout)
	defer wcancel()
	err := s.DB.Write(wctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM schema_migrations WHERE 1 = 0`); err != nil {
			return fmt.Errorf("healthz write: %w", err)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("the writer did not run a write within %s", healthTimeout)
		}
		s.Log.Warn("healthz: the writer failed", "request_id", requestID(c), "err", err)
		answer["status"], answer["writer"] = "unavailable", clipText(err.Error(), 120)
	}
	if answer["status"] != "ok" {
		// A status report, not an error: the probe reads which part failed.
		return c.JSON(http.StatusServiceUnavailable, answer)
	}
	return c.JSON(http.StatusOK, answer)
}

func itoa(n int) string { return strconv.Itoa(n) }

// MaxJSONBody caps a JSON request body (push has its own, larger cap).
const MaxJSONBody = 1 << 20

// bind decodes the JSON body into v strictly (DESIGN §8.10): exactly one
// JSON object, nothing after it, no field v does not name, every number in
// the range of its field, at most MaxJSONBody bytes. Anything else is
// EINVALID (ETOOLARGE for size) naming what and where, and the handler never
// runs on a half-understood request: a field a client misspells is refused
// instead of silently ignored.
func bind(c echo.Context, v any) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return schema.Errorf(schema.EINVALID, "请求体须为 JSON（Content-Type: application/json），收到的是 %s", clipText(ct, 60))
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, MaxJSONBody+1))
	if err != nil {
		return schema.Errorf(schema.EINVALID, "读取请求体失败")
	}
	if len(body) > MaxJSONBody {
		return schema.Errorf(schema.ETOOLARGE, "请求体超过 %d 字节", MaxJSONBody)
	}
	return decodeStrict(body, v)
}

// decodeStrict is bind's decoder, apart so that its rules read in one place.
func decodeStrict(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return schema.Errorf(schema.EINVALID, "请求体为空，须为一个 JSON 对象")
	}
	if trimmed[0] != '{' {
		// null, an array, a string or a number: never a request.
		return schema.Errorf(schema.EINVALID, "请求体须为一个 JSON 对象，收到的是 %s", clipText(string(trimmed), 20))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return schema.Errorf(schema.EINVALID, "JSON 格式错误（第 %d 字节）", syn.Offset)
		case errors.As(err, &typ):
			return schema.Errorf(schema.EINVALID, "字段 %s 的值 %s 不合要求（须为 %s，且在其取值范围内）", typ.Field, typ.Value, typ.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return schema.Errorf(schema.EINVALID, "未知字段 %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return schema.Errorf(schema.EINVALID, "JSON 不完整")
		}
		return schema.Errorf(schema.EINVALID, "JSON 格式错误：%s", clipText(err.Error(), 120))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return schema.Errorf(schema.EINVALID, "请求体只能有一个 JSON 对象，其后还有多余内容")
	}
	return nil
}

// clipText shortens s for a message.
func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
