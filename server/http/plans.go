package http

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/planimport"
)

// readUpload reads the multipart "file" field, capped at max bytes.
func readUpload(c echo.Context, max int64) (name string, data []byte, err error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, schema.Errorf(schema.EINVALID, "multipart field \"file\" is required")
	}
	if fh.Size > max {
		return "", nil, schema.Errorf(schema.ETOOLARGE, "%s is %d bytes; the limit is %d", fh.Filename, fh.Size, max)
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return "", nil, err
	}
	if int64(len(data)) > max {
		return "", nil, schema.Errorf(schema.ETOOLARGE, "%s is larger than %d bytes", fh.Filename, max)
	}
	return fh.Filename, data, nil
}

func (s *Server) importPlans(c echo.Context) error {
	u := user(c)
	// The annual plan is the 联席办's own (authz.PlanImport).
	if err := authz.Check(u, authz.PlanImport, authz.Scope{Dept: schema.OfficeDept}); err != nil {
		return err
	}
	year, err := strconv.Atoi(c.FormValue("year"))
	if err != nil || year < 2000 || year > 2100 {
		return schema.Errorf(schema.EINVALID, "year must be a year such as 2024, got %q", c.FormValue("year"))
	}
	name, data, err := readUpload(c, planimport.MaxSize)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	res, err := s.DB.Resolver(ctx)
	if err != nil {
		return err
	}
	plans, err := planimport.Parse(bytes.NewReader(data), name, res)
	if err != nil {
		return tableError(name, err)
	}
	out, err := s.DB.ImportPlans(ctx, year, plans, u, schema.ChannelWeb)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// tableError turns parser row errors into a 422 that lists every row.
func tableError(name string, err error) error {
	var rows schema.RowErrors
	if errors.As(err, &rows) {
		return &schema.Error{Code: schema.EUNPROCESSABLE, Message: name + ": " + rows.Error(), Details: rows}
	}
	var de *schema.Error
	if errors.As(err, &de) {
		return de
	}
	return schema.Errorf(schema.EUNPROCESSABLE, "%s: %v", name, err)
}

func (s *Server) listPlans(c echo.Context) error {
	year, err := strconv.Atoi(c.QueryParam("year"))
	if err != nil {
		return schema.Errorf(schema.EINVALID, "query parameter year is required, e.g. ?year=2024")
	}
	plans, err := s.DB.Plans(c.Request().Context(), year)
	if err != nil {
		return err
	}
	// Which plans u sees is the policy's (authz.PlanList): the 联席办
	// every plan, a department those it initiates or takes part in.
	u := user(c)
	kept := plans[:0]
	for _, p := range plans {
		if authz.Can(u, authz.PlanList, p.Scope()) {
			kept = append(kept, p)
		}
	}
	plans = kept
	return c.JSON(http.StatusOK, map[string]any{"year": year, "count": len(plans), "plans": plans})
}

func (s *Server) departments(c echo.Context) error {
	d, err := s.DB.Departments(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) regions(c echo.Context) error {
	r, err := s.DB.Regions(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
