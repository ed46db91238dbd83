package http

import (
	"fmt"
	"net/http"
	"strconv"
	gosync "sync"
	"time"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// syncRoutes registers the offline sync protocol (DESIGN §5; the exact
// wire format is sync/PROTOCOL.md): clients, push, pull, photos, conflicts
// and a visit's whole state. Scope is the engine's job: every signed-in user
// may call these, and each sees and touches only their own scope.
func (s *Server) syncRoutes(authed *echo.Group) {
	if s.Sync == nil {
		s.Sync = zsync.NewEngine(sqlstore.NewSyncStore(s.DB), func() time.Time { return s.DB.Now() })
	}
	route(authed, http.MethodPost, "/sync/clients", authz.SyncClient, s.registerClient)
	route(authed, http.MethodPost, "/sync/clients/:id/retire", authz.SyncClient, s.retireClient)
	route(authed, http.MethodPost, "/sync/push", authz.SyncPush, s.push)
	route(authed, http.MethodGet, "/sync/pull", authz.SyncPull, s.pull)
	route(authed, http.MethodPut, "/blobs/:sha256", authz.BlobWrite, s.putBlob)
	route(authed, http.MethodHead, "/blobs/:sha256", authz.BlobWrite, s.headBlob)
	route(authed, http.MethodGet, "/blobs/:sha256", authz.VisitRead, s.getBlob)
	route(authed, http.MethodGet, "/conflicts", authz.ConflictList, s.conflicts)
	route(authed, http.MethodGet, "/visits/:id/state", authz.VisitRead, s.visitState)
	route(authed, http.MethodGet, "/visits/:id/refused", authz.ConflictList, s.visitRefused)
}

// visitRefused answers GET /api/v1/visits/{id}/refused: what inspectors
// taken off the visit's team sent for it afterwards, kept for the lead.
func (s *Server) visitRefused(c echo.Context) error {
	out, err := s.Sync.Refused(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return fmt.Errorf("refused records of a visit: %w", err)
	}
	return c.JSON(http.StatusOK, out)
}

// registerClient answers POST /api/v1/sync/clients (§5 step 1).
func (s *Server) registerClient(c echo.Context) error {
	var req zsync.RegisterRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	cl, err := s.Sync.Register(c.Request().Context(), user(c), req)
	if err != nil {
		return fmt.Errorf("registering a client: %w", err)
	}
	return c.JSON(http.StatusOK, cl)
}

// retireClient answers POST /api/v1/sync/clients/{id}/retire.
func (s *Server) retireClient(c echo.Context) error {
	cl, err := s.Sync.Retire(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return fmt.Errorf("retiring a client: %w", err)
	}
	return c.JSON(http.StatusOK, cl)
}

// push answers POST /api/v1/sync/push (§5 step 3). The body is capped
// before it is decoded; a body that is too large or malformed applies
// nothing.
func (s *Server) push(c echo.Context) error {
	req, err := zsync.Decode(c.Request().Body, s.Sync.MaxPushBytes)
	if err != nil {
		return fmt.Errorf("decoding a push: %w", err)
	}
	resp, err := s.Sync.Push(c.Request().Context(), user(c), req)
	if err != nil {
		return fmt.Errorf("push of client %s: %w", req.ClientID, err)
	}
	c.Set(PushAnswerKey, resp)
	return c.JSON(http.StatusOK, resp)
}

// PushAnswerKey is where push leaves its answer (*zsync.PushResponse) in
// the Echo context, for the metrics middleware to count the fates
// (server/metrics) without this package knowing about metrics.
const PushAnswerKey = "push_answer"

// pull answers GET /api/v1/sync/pull?client_id=&cursor=[&limit=][&pending=][&epoch=][&held=][&issued=][&bootstrap=] (§5 step 4).
func (s *Server) pull(c echo.Context) error {
	// epoch, held and issued: the restore's re-bootstrap and number fence (DESIGN §8.5).
	// bootstrap: the token of a paged bootstrap's next page (PROTOCOL §3).
	req := zsync.PullRequest{ClientID: c.QueryParam("client_id"), Epoch: c.QueryParam("epoch"),
		Held: c.QueryParam("held"), Issued: c.QueryParam("issued"), Bootstrap: c.QueryParam("bootstrap")}
	var err error
	if req.Cursor, err = queryInt(c, "cursor"); err != nil {
		return err
	}
	limit, err := queryInt(c, "limit")
	if err != nil {
		return err
	}
	req.Limit = int(limit)
	if c.QueryParam("pending") != "" {
		n, err := queryInt(c, "pending")
		if err != nil {
			return err
		}
		p := int(n)
		req.Pending = &p
	}
	resp, err := s.Sync.Pull(c.Request().Context(), user(c), req)
	if err != nil {
		return fmt.Errorf("pull of client %s from cursor %d: %w", req.ClientID, req.Cursor, err)
	}
	if _, pretty := c.QueryParams()["pretty"]; pretty || c.Echo().Debug {
		return c.JSON(http.StatusOK, resp)
	}
	// The same bytes as c.JSON (with its newline), without encoding/json
	// compacting every change's data once more: see PullResponse.AppendJSON.
	bp := pullBuffers.Get().(*[]byte)
	b, err := resp.AppendJSON((*bp)[:0])
	if err != nil {
		return fmt.Errorf("encoding a pull answer: %w", err)
	}
	b = append(b, '\n')
	err = c.JSONBlob(http.StatusOK, b)
	if cap(b) <= maxPooledPull {
		*bp = b
		pullBuffers.Put(bp)
	}
	return err
}

// pullBuffers recycles the buffers pull answers are written into: a
// bootstrap is a few hundred kilobytes, garbage on every pull otherwise.
var pullBuffers = gosync.Pool{New: func() any { return new([]byte) }}

// maxPooledPull keeps the buffer of an outsized answer (an admin's
// bootstrap) from staying in the pool.
const maxPooledPull = 4 << 20

// queryInt reads a non-negative integer query parameter; absent is 0.
func queryInt(c echo.Context, name string) (int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, schema.Errorf(schema.EINVALID, "%s 应为非负整数，而不是“%s”", name, v)
	}
	return n, nil
}

// conflicts answers GET /api/v1/conflicts?status=open|settled: the
// conflicts of the visits the caller sees, with both values, authors and
// times (§5 step 5).
func (s *Server) conflicts(c echo.Context) error {
	cs, err := s.Sync.Conflicts(c.Request().Context(), user(c), c.QueryParam("status"))
	if err != nil {
		return fmt.Errorf("listing conflicts: %w", err)
	}
	return c.JSON(http.StatusOK, cs)
}

// visitState answers GET /api/v1/visits/{id}/state: the whole server state
// of one visit the caller sees.
func (s *Server) visitState(c echo.Context) error {
	st, err := s.Sync.VisitState(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return fmt.Errorf("state of a visit: %w", err)
	}
	return c.JSON(http.StatusOK, st)
}
