package http

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/checklists"
	"zsc/server/directory"
	"zsc/server/planimport"
)

// The middleware of every answer, outermost first (New wires them):
//
//  1. accessLog gives the request its id and logs one JSON line when the
//     answer is written: request id, user, method, route, status, bytes,
//     latency. It runs the error handler itself so that the line carries the
//     status the client got.
//  2. securityHeaders sets the CSP and friends before anything is written.
//  3. limitBody refuses a body larger than its route takes before reading a
//     byte of it (Content-Length) and cuts a chunked one at the cap.

// requestIDKey is where a request's id is kept in the Echo context.
const requestIDKey = "request_id"

// hungUpKey marks a request whose client went away before its answer.
const hungUpKey = "hung_up"

// HeaderRequestID carries a request's id, in and out.
const HeaderRequestID = "X-Request-ID"

// saneRequestID is an id a proxy or client may hand us: short, and nothing a
// log line or a header could be tricked with (no spaces, quotes or newlines).
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// newRequestID makes an id a person can read out over the phone: four groups
// of four digits (10^16 values, so no two requests of a log's lifetime share
// one). Digits only, because the PWA shows it in Chinese error text, where a
// run of Latin letters would read as English.
func newRequestID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e16))
	if err != nil {
		// crypto/rand does not fail on the platforms Go supports; a clock
		// based id still lets the log be searched.
		n = big.NewInt(time.Now().UnixNano() % 1e16)
	}
	s := fmt.Sprintf("%016d", n)
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// requestID is the id of the request being served ("" outside accessLog).
func requestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// accessLog is the first middleware: see the list at the top of this file.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := req.Header.Get(HeaderRequestID)
		if !saneRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Set(requestIDKey, id)
		c.Response().Header().Set(HeaderRequestID, id)
		if err := next(c); err != nil {
			// The error handler writes the answer now, not after we return,
			// so the line below logs the status the client was sent.
			c.Error(err)
		}
		res := c.Response()
		status := res.Status
		hungUp, _ := c.Get(hungUpKey).(bool)
		if hungUp {
			// nginx's "client closed request": nothing was sent.
			status = 499
		}
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", req.Method),
			slog.String("route", routeOf(c)),
			slog.Int("status", status),
			slog.Int64("bytes", res.Size),
			slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("remote", c.RealIP()),
		}
		if u := user(c); u != nil {
			attrs = append(attrs, slog.String("user", u.Username))
		}
		if hungUp {
			attrs = append(attrs, slog.Bool("hung_up", true))
		}
		s.Log.LogAttrs(context.WithoutCancel(req.Context()), slog.LevelInfo, "request", attrs...)
		return nil
	}
}

// routeOf is the route's pattern (/api/v1/visits/:id), never the raw path:
// ids would make every line its own route and put ids in the log's keys.
// A path no route matched is logged as "unmatched".
func routeOf(c echo.Context) string {
	if p := c.Path(); p != "" {
		return p
	}
	return "unmatched"
}

// hungUp reports whether err means the client went away: its request's
// context was cancelled (the connection closed) and the error is that
// cancellation. It is not the server's failure and no one reads the answer.
func hungUp(c echo.Context, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(c.Request().Context().Err(), context.Canceled)
}

// ContentSecurityPolicy is sent with every answer. The PWA passes it (the
// e2e specs run with it, and Chromium reports a violation on the console):
//   - script-src 'self': the built app has no inline script (index.html
//     loads /assets/index-*.js; the service worker is registered from that
//     code, vite-plugin-pwa's injectRegister is off) and nothing calls eval.
//   - style-src 'self' plus style-src-attr 'unsafe-inline': no <style>
//     element or inline stylesheet, but style="" attributes in markup are
//     allowed, because ECharts writes its tooltip as HTML with style
//     attributes (the office dashboard). Vue's and Vant's :style bindings
//     go through the CSSOM and need no allowance.
//   - img-src 'self' data: blob:: photos and signatures are shown from
//     IndexedDB as blob: URLs and canvas data: URLs.
//   - font-src 'self' data:: Vant's icon font is a data: URL in its CSS.
//   - connect-src 'self': the API is same-origin; worker-src and
//     manifest-src 'self' for the service worker and the web manifest.
//   - frame-ancestors 'none' (and X-Frame-Options DENY for old browsers):
//     no one frames the app to trick a tap; object-src and base-uri 'none'.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// hstsMaxAge is one year: browsers then refuse plain HTTP to this host.
const hstsMaxAge = "max-age=31536000"

// viaTLS reports whether the request reached us over TLS. The hook
// Server.ViaTLS decides when set (a TLS reverse proxy that says so in
// X-Forwarded-Proto, believed only from a trusted proxy); without it, only
// a TLS connection to this server counts.
func (s *Server) viaTLS(r *http.Request) bool {
	if s.ViaTLS != nil {
		return s.ViaTLS(r)
	}
	return r.TLS != nil
}

// securityHeaders is the second middleware: see the list at the top.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		// HSTS over plain HTTP is ignored by browsers and, behind a proxy
		// that only sometimes speaks TLS, would lock users out: only over TLS.
		if s.viaTLS(c.Request()) {
			h.Set("Strict-Transport-Security", hstsMaxAge)
		}
		return next(c)
	}
}

// multipartSlack is what a multipart envelope adds to the file it carries
// (boundaries, part headers, a few form fields such as year).
const multipartSlack = 64 << 10

// bodyLimit is what a route takes: at most max bytes of what (the thing
// the 413 names: 请求体, 同步数据, 上传的文件, 照片), with a hint of what to do.
// lengthChecked: the handler itself refuses by Content-Length before
// reading, with its own message (a photo, blobs.go), so only the cut while
// reading is left to limitBody.
type bodyLimit struct {
	max           int64
	what, hint    string
	lengthChecked bool
}

// bodyCap is how many body bytes a route takes: a JSON body at most
// MaxJSONBody, the documented uploads their own cap (README "Running it:
// limits, headers, logs"). Keys are method and route pattern.
func (s *Server) bodyCap(c echo.Context) bodyLimit {
	switch c.Request().Method + " " + c.Path() {
	case "POST /api/v1/sync/push":
		if s.Sync != nil {
			return bodyLimit{max: s.Sync.MaxPushBytes, what: "同步数据", hint: "，请分批发送"}
		}
	case "PUT /api/v1/blobs/:sha256":
		if s.Sync != nil {
			return bodyLimit{max: s.Sync.MaxBlobBytes, what: "照片", hint: "，请在手机上缩小后再传", lengthChecked: true}
		}
	case "POST /api/v1/plans/import":
		return bodyLimit{max: planimport.MaxSize + multipartSlack, what: "上传的文件"}
	case "POST /api/v1/checklists/import":
		return bodyLimit{max: checklists.MaxSize + multipartSlack, what: "上传的文件"}
	case "POST /api/v1/entities/import", "POST /api/v1/inspectors/import", "POST /api/v1/conflicts/import":
		return bodyLimit{max: directory.MaxSize + multipartSlack, what: "上传的文件"}
	}
	return bodyLimit{max: MaxJSONBody, what: "请求体"}
}

// cappedBody is http.MaxBytesReader that remembers being hit, so that
// whatever a handler made of the cut read (a JSON error, a missing
// multipart field) the answer is 413.
type cappedBody struct {
	io.ReadCloser
	hit bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.hit = true
	}
	return n, err
}

// tooLarge is the answer to a body over its route's cap, in Chinese:
// "请求体超过上限 1 MB（1048576 字节）".
func tooLarge(l bodyLimit) error {
	return schema.Errorf(schema.ETOOLARGE, "%s超过上限 %s%s", l.what, sizeText(l.max), l.hint)
}

// sizeText writes a byte count as people say it, exact in brackets:
// 1 MB（1048576 字节）, 64 KB（65536 字节）, 1000 字节.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB（%d 字节）", (n+(1<<20)-1)>>20, n)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB（%d 字节）", (n+(1<<10)-1)>>10, n)
	}
	return fmt.Sprintf("%d 字节", n)
}

// limitBody is the third middleware: see the list at the top. A multipart
// upload is capped here too, before Echo's FormFile parses it (which keeps
// 32 MB in memory and spills the rest to temporary files).
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit := s.bodyCap(c)
		if req.ContentLength > limit.max && !limit.lengthChecked {
			// Refused before a byte is read: the server then closes the
			// connection rather than drain a body it will never use.
			return tooLarge(limit)
		}
		if req.Body == nil || req.Body == http.NoBody {
			return next(c)
		}
		body := &cappedBody{ReadCloser: http.MaxBytesReader(c.Response().Writer, req.Body, limit.max)}
		req.Body = body
		err := next(c)
		if body.hit && !c.Response().Committed {
			return tooLarge(limit)
		}
		return err
	}
}
