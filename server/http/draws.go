package http

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/auth"
	"zsc/server/authz"
	"zsc/server/directory"
	"zsc/server/sqlstore"
)

// maxDirectoryUpload caps a directory CSV upload.
const maxDirectoryUpload = 200 << 20

func (s *Server) drawRoutes(authed *echo.Group) {
	route(authed, http.MethodPost, "/entities/import", authz.EntityImport, s.importEntities)
	route(authed, http.MethodPost, "/inspectors/import", authz.InspectorImport, s.importInspectors)
	route(authed, http.MethodPost, "/conflicts/import", authz.ConflictImport, s.importConflicts)
	route(authed, http.MethodGet, "/tasks", authz.TaskList, s.listTasks)
	route(authed, http.MethodPost, "/tasks", authz.TaskCreate, s.createTask)
	route(authed, http.MethodPost, "/tasks/batch", authz.TaskCreate, s.createTasks)
	route(authed, http.MethodGet, "/tasks/:id/population", authz.DrawRead, s.taskPopulation)
	route(authed, http.MethodGet, "/draws/:id", authz.DrawRead, s.drawDetail, inScope(authz.DrawRead, s.DB.DrawScope))
	route(authed, http.MethodPost, "/tasks/:id/draw", authz.DrawRun, s.runDraw)
	route(authed, http.MethodGet, "/draws/:id/verify", authz.DrawVerify, s.verifyDraw, inScope(authz.DrawVerify, s.DB.DrawScope))
	route(authed, http.MethodGet, "/draws/:id/snapshot", authz.DrawVerify, s.drawSnapshot, inScope(authz.DrawVerify, s.DB.DrawScope))
	route(authed, http.MethodGet, "/visits", authz.VisitList, s.listVisits)
	route(authed, http.MethodPatch, "/visits/:id", authz.VisitPatch, s.patchVisit)
	route(authed, http.MethodGet, "/visits/:id/work", authz.VisitPatch, s.visitMemberWork)
	route(authed, http.MethodPost, "/visits/:id/redraw", authz.VisitRedraw, s.redrawVisit)
}

func (s *Server) importEntities(c echo.Context) error {
	name, data, err := readUpload(c, maxDirectoryUpload)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	valid, err := s.DB.RegionSet(ctx)
	if err != nil {
		return err
	}
	u := user(c)
	// Whether each row is within the caller's scope is the store's to say,
	// row by row, against the policy (authz.EntityImport).
	es, err := directory.ParseEntitiesFile(data, name, func(r string) bool { return valid(r) && r != schema.CityRegion })
	if err != nil {
		return tableError(name, err)
	}
	dry, err := dryRun(c)
	if err != nil {
		return err
	}
	res, err := s.DB.EntityImport(ctx, es, u, schema.ChannelWeb, dry)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) importInspectors(c echo.Context) error {
	name, data, err := readUpload(c, maxDirectoryUpload)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	regions, err := s.DB.RegionSet(ctx)
	if err != nil {
		return err
	}
	depts, err := s.DB.DeptSet(ctx)
	if err != nil {
		return err
	}
	u := user(c)
	// Scope is checked by the store, row by row (authz.InspectorImport).
	ins, err := directory.ParseInspectorsFile(data, name, depts, regions)
	if err != nil {
		return tableError(name, err)
	}
	dry, err := dryRun(c)
	if err != nil {
		return err
	}
	hash := ""
	if !dry {
		// New inspector accounts get an unusable random password until an admin sets one.
		if hash, err = auth.HashPassword(newSecret()); err != nil {
			return err
		}
	}
	res, err := s.DB.InspectorImport(ctx, ins, hash, u, schema.ChannelWeb, dry)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) importConflicts(c echo.Context) error {
	name, data, err := readUpload(c, maxDirectoryUpload)
	if err != nil {
		return err
	}
	cs, err := directory.ParseConflictsFile(data, name)
	if err != nil {
		return tableError(name, err)
	}
	dry, err := dryRun(c)
	if err != nil {
		return err
	}
	res, err := s.DB.ConflictImport(c.Request().Context(), cs, user(c), schema.ChannelWeb, dry)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) listTasks(c echo.Context) error {
	year, err := queryInt(c, "year")
	if err != nil {
		return err
	}
	ts, err := s.DB.Tasks(c.Request().Context(), user(c), int(year))
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []*sqlstore.Task{}
	}
	return c.JSON(http.StatusOK, ts)
}

func (s *Server) createTask(c echo.Context) error {
	var req sqlstore.NewTask
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.PlanID == "" || req.Region == "" {
		return schema.Errorf(schema.EINVALID, "请选择计划和地区 (plan_id, region)")
	}
	t, err := s.DB.CreateTask(c.Request().Context(), user(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

// createTasks answers POST /tasks/batch: a plan's tasks in every region of
// a level the caller covers, in one transaction.
func (s *Server) createTasks(c echo.Context) error {
	var req sqlstore.NewTasks
	if err := bind(c, &req); err != nil {
		return err
	}
	out, err := s.DB.CreateTasks(c.Request().Context(), user(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// taskPopulation answers GET /tasks/{id}/population: what a draw of the
// task would draw from, per risk class, and how many; it writes nothing.
func (s *Server) taskPopulation(c echo.Context) error {
	p, err := s.DB.DrawPreview(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// drawDetail answers GET /draws/{id}: the draw's record, visits, teams and
// re-draws (the 抽取记录).
func (s *Server) drawDetail(c echo.Context) error {
	d, err := s.DB.DrawDetail(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// runDraw answers POST /tasks/{id}/draw. The request names no seed: the
// server makes it from crypto/rand once the snapshot is stored (DESIGN
// §8.7). A request that carries one, in the body or the query, is refused
// rather than ignored, so that a client that thinks it chose the seed learns
// it did not.
func (s *Server) runDraw(c echo.Context) error {
	var req struct {
		Seed *json.RawMessage `json:"seed"`
	}
	if c.Request().ContentLength != 0 {
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	if req.Seed != nil || c.QueryParams().Has("seed") {
		return schema.Errorf(schema.EINVALID, "种子（seed）由服务器在快照固定后随机生成，不能指定")
	}
	rec, err := s.DB.RunDraw(c.Request().Context(), user(c), c.Param("id"), "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, rec)
}

func (s *Server) verifyDraw(c echo.Context) error {
	v, err := s.DB.VerifyDraw(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) drawSnapshot(c echo.Context) error {
	b, err := s.DB.Snapshot(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="draw-`+c.Param("id")+`.snapshot.txt"`)
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", b)
}

func (s *Server) listVisits(c echo.Context) error {
	task := c.QueryParam("task")
	if task == "" {
		return schema.Errorf(schema.EINVALID, "query parameter task is required")
	}
	vs, err := s.DB.Visits(c.Request().Context(), user(c), task)
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []*sqlstore.Visit{}
	}
	return c.JSON(http.StatusOK, vs)
}

func (s *Server) patchVisit(c echo.Context) error {
	var p sqlstore.VisitPatch
	if err := bind(c, &p); err != nil {
		return err
	}
	v, err := s.DB.PatchVisit(c.Request().Context(), user(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// visitMemberWork answers GET /visits/{id}/work?user=: what one team member
// has recorded on the visit, so that the lead is warned before swapping
// them out.
func (s *Server) visitMemberWork(c echo.Context) error {
	w, err := s.DB.VisitMemberWork(c.Request().Context(), user(c), c.Param("id"), c.QueryParam("user"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Server) redrawVisit(c echo.Context) error {
	var r sqlstore.Redraw
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := s.DB.RedrawVisit(c.Request().Context(), user(c), c.Param("id"), r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}
