package http

import (
	"bytes"
	"errors"
	"fmt"
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
		return "", nil, schema.Errorf(schema.EINVALID, "请选择要上传的文件（表单字段 file）")
	}
	if fh.Size > max {
		return "", nil, schema.Errorf(schema.ETOOLARGE, "文件 %s 有 %d 字节，超过上限 %d 字节", fh.Filename, fh.Size, max)
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
		return "", nil, schema.Errorf(schema.ETOOLARGE, "文件 %s 超过上限 %d 字节", fh.Filename, max)
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
		return schema.Errorf(schema.EINVALID, "年度：应为四位年份，如 2024，而不是“%s”", c.FormValue("year"))
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
	// ?dry_run=1 is the preview: the same parse and checks, then what the
	// import would do, and nothing written; the user confirms by sending
	// the same file without it.
	switch c.QueryParam("dry_run") {
	case "1", "true":
		out, err := s.DB.PreviewPlans(ctx, year, plans)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	case "", "0", "false":
	default:
		return schema.Errorf(schema.EINVALID, "dry_run 须为 1 或 0，收到的是 %q", c.QueryParam("dry_run"))
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
		return &schema.Error{Code: schema.EUNPROCESSABLE, Message: fmt.Sprintf("%s 有 %d 处错误，未导入任何内容", name, len(rows)), Details: rows}
	}
	var de *schema.Error
	if errors.As(err, &de) {
		return de
	}
	return schema.Errorf(schema.EUNPROCESSABLE, "%s: %v", name, err)
}

func (s *Server) listPlans(c echo.Context) error {
	// years lists the years with plans, so that a year picker has them;
	// without ?year= the newest of them is listed.
	years, err := s.DB.PlanYears(c.Request().Context())
	if err != nil {
		return err
	}
	var year int
	if q := c.QueryParam("year"); q != "" {
		if year, err = strconv.Atoi(q); err != nil {
			return schema.Errorf(schema.EINVALID, "year 须为年份，如 ?year=2024，收到的是 %q", q)
		}
	} else if len(years) > 0 {
		year = years[0]
	} else {
		year = s.DB.Now().Year()
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
	return c.JSON(http.StatusOK, map[string]any{"year": year, "years": years, "count": len(plans), "plans": plans})
}

// settleRequest names the placeholder department of a plan (its ord) and
// the member departments chosen for it.
type settleRequest struct {
	Ord         int      `json:"ord"`
	Departments []string `json:"departments"`
}

// settlePlan stores the departments chosen for a plan's placeholder (R3a);
// the store asks the policy (authz.PlanSettle) once it has the plan, and
// planimport.Settle what may be chosen.
func (s *Server) settlePlan(c echo.Context) error {
	var req settleRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	p, err := s.DB.SettlePlaceholder(c.Request().Context(), user(c), c.Param("id"), req.Ord, req.Departments)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
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
