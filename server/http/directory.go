package http

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/sqlstore"
)

// The desk's 名录库 (directories): search and read the entities, the
// inspectors with their tags (执法证号, 专业领域) and the 回避 pairs. The
// imports are in draws.go; their dry run (?dry_run=1) is the preview.
func (s *Server) directoryRoutes(authed *echo.Group) {
	route(authed, http.MethodGet, "/entities", authz.DirectoryRead, s.searchEntities)
	route(authed, http.MethodGet, "/inspectors", authz.DirectoryRead, s.searchInspectors)
	route(authed, http.MethodGet, "/recusals", authz.DirectoryRead, s.searchConflicts)
}

// dryRun reads an import's ?dry_run: 1 or true previews (nothing is
// written), absent or 0 imports.
func dryRun(c echo.Context) (bool, error) {
	switch v := c.QueryParam("dry_run"); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, schema.Errorf(schema.EINVALID, "dry_run 应为 1 或 0，而不是“%s”", v)
	}
}

// paging reads ?page and ?size (both optional, positive).
func paging(c echo.Context) (page, size int, err error) {
	for _, p := range []struct {
		name string
		to   *int
	}{{"page", &page}, {"size", &size}} {
		if v := c.QueryParam(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return 0, 0, schema.Errorf(schema.EINVALID, "%s 应为正整数，而不是“%s”", p.name, v)
			}
			*p.to = n
		}
	}
	return page, size, nil
}

func (s *Server) searchEntities(c echo.Context) error {
	page, size, err := paging(c)
	if err != nil {
		return err
	}
	q := sqlstore.EntityQuery{Q: c.QueryParam("q"), Region: c.QueryParam("region"), Risk: c.QueryParam("risk"), Page: page, Size: size}
	switch q.Risk {
	case "", "A", "B", "C", "D":
	default:
		return schema.Errorf(schema.EINVALID, "risk 应为 A、B、C 或 D，而不是“%s”", q.Risk)
	}
	out, err := s.DB.SearchEntities(c.Request().Context(), authz.ListFilter(user(c), authz.DirectoryRead), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) searchInspectors(c echo.Context) error {
	page, size, err := paging(c)
	if err != nil {
		return err
	}
	q := sqlstore.InspectorQuery{Q: c.QueryParam("q"), Dept: c.QueryParam("dept"), Region: c.QueryParam("region"), Tag: c.QueryParam("tag"), Page: page, Size: size}
	out, err := s.DB.SearchInspectors(c.Request().Context(), authz.ListFilter(user(c), authz.DirectoryRead), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) searchConflicts(c echo.Context) error {
	page, size, err := paging(c)
	if err != nil {
		return err
	}
	out, err := s.DB.SearchConflicts(c.Request().Context(), authz.ListFilter(user(c), authz.DirectoryRead), sqlstore.ConflictQuery{Q: c.QueryParam("q"), Page: page, Size: size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
