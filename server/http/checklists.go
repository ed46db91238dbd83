package http

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/checklists"
)

// checklistRoutes serves the checklist templates (检查表, R8a): the office
// and admins import and read every department's; a lead imports and reads
// their own department's; an inspector reads their department's.
func (s *Server) checklistRoutes(authed *echo.Group) {
	route(authed, http.MethodPost, "/checklists/import", authz.ChecklistImport, s.importChecklists)
	route(authed, http.MethodGet, "/checklists", authz.ChecklistRead, s.listChecklists)
	route(authed, http.MethodGet, "/checklists/:id", authz.ChecklistRead, s.getChecklist)
}

// importChecklists takes a checklist table (multipart "file": TSV, CSV or
// XLSX) and answers the counts, or 422 with every row error; all or nothing.
// Which departments' rows the caller may import is the store's check, so
// that it is made in the same transaction as the write.
func (s *Server) importChecklists(c echo.Context) error {
	name, data, err := readUpload(c, checklists.MaxSize)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	res, err := s.DB.Resolver(ctx)
	if err != nil {
		return err
	}
	f, err := checklists.Parse(bytes.NewReader(data), name, res)
	if err != nil {
		return tableError(name, err)
	}
	out, err := s.DB.ImportChecklists(ctx, f, user(c), schema.ChannelWeb)
	if err != nil {
		return tableError(name, err)
	}
	return c.JSON(http.StatusOK, out)
}

// listChecklists lists, per 抽查事项 with a template, its latest version and
// point count: a department's (?dept=code), or every department's for the
// office and admins when dept is not given.
func (s *Server) listChecklists(c echo.Context) error {
	u := user(c)
	dept := c.QueryParam("dept")
	// Whose templates u reads is the policy's (authz.ChecklistRead): the
	// 联席办 every department's, anyone else their own.
	if f := authz.ListFilter(u, authz.ChecklistRead); f.Dept != "" {
		if dept != "" && dept != f.Dept {
			return schema.Errorf(schema.EFORBIDDEN, "只能查看本部门的检查表")
		}
		dept = f.Dept
	}
	list, err := s.DB.ChecklistTemplates(c.Request().Context(), dept)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"count": len(list), "templates": list})
}

// getChecklist answers one template version with its points and the list of
// its 事项's versions.
func (s *Server) getChecklist(c echo.Context) error {
	t, err := s.DB.ChecklistTemplate(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if u := user(c); authz.Check(u, authz.ChecklistRead, authz.Scope{Dept: t.Dept}) != nil {
		return schema.Errorf(schema.EFORBIDDEN, "只能查看本部门的检查表，这份是%s的", t.DeptName)
	}
	return c.JSON(http.StatusOK, t)
}
