// Package http serves the 掌上查 API with Echo v4, and the embedded PWA.
// Handlers decode, check the caller's scope, call the store and encode;
// they return errors and never write error JSON themselves.
package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"zsc/server/sqlite"
	zsync "zsc/sync"
)

// Server is the HTTP front of zsc.
type Server struct {
	DB   *sqlite.DB
	Auth *auth.Service
	Log  *slog.Logger
	// PWA is the built app (pwa/dist); nil serves no UI.
	PWA fs.FS
	// BlobDir holds photos by sha256, beside the database.
	BlobDir string
	// Sync is the sync engine (DESIGN §5); syncRoutes makes one if nil.
	Sync *zsync.Engine

	e  *echo.Echo
	ln net.Listener
	hs *http.Server
}

// New wires the routes.
func New(db *sqlite.DB, a *auth.Service, log *slog.Logger, pwa fs.FS, blobDir string) *Server {
	s := &Server{DB: db, Auth: a, Log: log, PWA: pwa, BlobDir: blobDir}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(middleware.Recover())
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
		return "", err
	}
	s.ln = ln
	s.hs = &http.Server{Handler: s.e, ReadHeaderTimeout: 10 * time.Second}
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
	s.checklistRoutes(authed)
	s.directoryRoutes(authed)
	s.syncRoutes(authed)
	s.officeRoutes(api, authed)
	s.followupRoutes(authed)
	s.userRoutes(authed)
	s.servePWA()
}

func (s *Server) healthz(c echo.Context) error {
	if err := s.DB.Reader().PingContext(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
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
