package http

import (
	"net/http"
	"net/url"
	"strconv"
	gosync "sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/report"
	"zsc/server/sqlstore"
	zsync "zsc/sync"
)

// PublicRate is how many requests one address may make to the public
// results per minute.
const PublicRate = 30

// office holds what the office's handlers share: the working-day calendar
// (R13), the sync engine office entry pushes through, and the lock that
// keeps one user's office-web mutations in sequence.
type office struct {
	s    *Server
	cal  *report.Calendar
	sync *zsync.Engine
	// entry serialises office entries, so that two at once never race for
	// the same client's next sequence number.
	entry gosync.Mutex
}

// officeRoutes registers the office's routes: the six targets, 附件3, stale
// devices, office entry of paper results, publication (R13), the public
// results page's API and the audit trail (R15).
func (s *Server) officeRoutes(public, authed *echo.Group) {
	o := &office{s: s, cal: s.Calendar, sync: s.Sync}
	route(authed, http.MethodGet, "/metrics", authz.MetricsRead, o.metrics)
	route(authed, http.MethodGet, "/reports/progress", authz.MetricsRead, o.progress)
	route(authed, http.MethodGet, "/devices/stale", authz.MetricsRead, o.staleDevices)
	route(authed, http.MethodGet, "/office/results", authz.ResultsRead, o.visitResults)
	route(authed, http.MethodPost, "/office/results", authz.ResultsEnter, o.enterResults)
	route(authed, http.MethodPost, "/publications", authz.Publish, o.publish)
	route(authed, http.MethodGet, "/publications", authz.PublicationList, o.publications)
	route(authed, http.MethodGet, "/publications/preview", authz.PublicationList, o.publicationPreview)
	route(authed, http.MethodGet, "/trail", authz.TrailRead, o.trail)

	limiter := middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(PublicRate) / 60), Burst: PublicRate, ExpiresIn: 3 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler: func(c echo.Context, err error) error {
			return schema.Errorf(schema.EFORBIDDEN, "no client address")
		},
		DenyHandler: func(c echo.Context, id string, err error) error {
			// Per client address (c.RealIP: behind a --trusted-proxy, the
			// client's, not the proxy's; clientip.go).
			return &schema.Error{Code: schema.ERATELIMITED, Message: "查询过于频繁：每个地址每分钟最多 " +
				strconv.Itoa(PublicRate) + " 次，请稍后再试", Details: map[string]int{"retry_after": 60 / PublicRate}}
		},
	})
	route(public, http.MethodGet, "/public/results", authz.Public, o.publicResults, limiter)
	route(public, http.MethodGet, "/public/draws", authz.Public, o.publicDraws, limiter) // publicdraws.go, DESIGN §8.7
}

// chinaNow is the server's clock in China time.
func (o *office) chinaNow() time.Time { return o.s.DB.Now().In(report.China) }

// scopeFilter narrows what an office user asks for to what they may see:
// a county office its county, a department's office the plans and tasks its
// department initiates. Asking for more is forbidden, asking for nothing
// gets the user's own scope.
// What the user may see is the policy's (authz.ListFilter of MetricsRead).
func scopeFilter(u *schema.User, region, dept string) (string, string, error) {
	f := authz.ListFilter(u, authz.MetricsRead)
	switch {
	case f.All:
		return region, dept, nil
	case f.None:
		if err := authz.Allow(u, authz.MetricsRead); err != nil {
			return "", "", err
		}
		return "", "", schema.Errorf(schema.EFORBIDDEN, "不能查看指标")
	}
	if f.Region != "" {
		if region == "" {
			region = f.Region
		} else if region != f.Region {
			return "", "", schema.Errorf(schema.EFORBIDDEN, "超出你的管辖区域，不能查看该地区的指标")
		}
	}
	if f.Dept != "" {
		if dept == "" {
			dept = f.Dept
		} else if dept != f.Dept {
			return "", "", schema.Errorf(schema.EFORBIDDEN, "部门办公室只能查看本部门的指标")
		}
	}
	return region, dept, nil
}

// metrics answers GET /api/v1/metrics: the six targets of DESIGN §3 and,
// with by=department|region|plan|month, the drill-down rows.
func (o *office) metrics(c echo.Context) error {
	u := user(c)
	year := o.chinaNow().Year()
	month := c.QueryParam("month")
	if month != "" {
		if !report.ValidMonth(month) {
			return schema.Errorf(schema.EINVALID, "月份应为“年-月”，如 2024-06，而不是“%s”", month)
		}
		year, _ = strconv.Atoi(month[:4]) // ValidMonth checked the four digits
	}
	if y := c.QueryParam("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			return schema.Errorf(schema.EINVALID, "year must be a year such as 2024, not %q", y)
		}
		if month != "" && n != year {
			return schema.Errorf(schema.EINVALID, "month %s is not in year %d", month, n)
		}
		year = n
	}
	region, dept, err := scopeFilter(u, c.QueryParam("region"), c.QueryParam("department"))
	if err != nil {
		return err
	}
	facts, err := o.s.DB.MetricsFacts(c.Request().Context(), year)
	if err != nil {
		return err
	}
	m, err := report.Compute(facts, report.Filter{Region: region, Dept: dept, Plan: c.QueryParam("plan"), Month: month}, c.QueryParam("by"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// progress answers GET /api/v1/reports/progress: 附件3 as JSON, CSV or XLSX.
func (o *office) progress(c echo.Context) error {
	u := user(c)
	now := o.chinaNow()
	month := c.QueryParam("month")
	if month == "" {
		month = now.Format("2006-01")
	}
	if !report.ValidMonth(month) {
		return schema.Errorf(schema.EINVALID, "月份应为“年-月”，如 2024-06，而不是“%s”", month)
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" && format != "xlsx" {
		return schema.Errorf(schema.EINVALID, "format must be json, csv or xlsx, not %q", format)
	}
	region, dept, err := scopeFilter(u, c.QueryParam("region"), c.QueryParam("department"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	unit, err := o.s.DB.UnitName(ctx, u)
	if err != nil {
		return err
	}
	facts, err := o.s.DB.ProgressFacts(ctx, sqlstore.ProgressScope{Month: month, Region: region, Dept: dept,
		Unit: unit, Date: now.Format(report.DateLayout)})
	if err != nil {
		return err
	}
	p := report.BuildProgress(facts)
	name := "附件3-双随机抽查任务进展情况统计表-" + month
	switch format {
	case "csv":
		b, err := p.CSV()
		if err != nil {
			return err
		}
		return attachment(c, name+".csv", "text/csv; charset=utf-8", b)
	case "xlsx":
		b, err := p.XLSX()
		if err != nil {
			return err
		}
		return attachment(c, name+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
	}
	return c.JSON(http.StatusOK, p)
}

// attachment sends a download with its UTF-8 file name (RFC 6266).
func attachment(c echo.Context, name, ctype string, b []byte) error {
	c.Response().Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	return c.Blob(http.StatusOK, ctype, b)
}

// staleDevices answers GET /api/v1/devices/stale.
func (o *office) staleDevices(c echo.Context) error {
	ds, err := o.s.DB.StaleDevices(c.Request().Context(), user(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"stale_after_days": int(sqlstore.StaleAfter / (24 * time.Hour)), "devices": ds})
}

// publish answers POST /api/v1/publications (R13).
func (o *office) publish(c echo.Context) error {
	var req sqlstore.PublishRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	p, err := o.s.DB.Publish(c.Request().Context(), user(c), req, o.cal)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// publications answers GET /api/v1/publications?status=due|overdue|unpublished|published[&dept=][&region=].
func (o *office) publications(c echo.Context) error {
	status := c.QueryParam("status")
	if status == "" {
		status = "due"
	}
	limit, err := queryInt(c, "limit")
	if err != nil {
		return err
	}
	l, err := o.s.DB.Publications(c.Request().Context(), user(c), sqlstore.PublicationQuery{
		Status: status, Dept: c.QueryParam("dept"), Region: c.QueryParam("region"), Limit: int(min(limit, 10000)),
	}, o.cal)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// publicationPreview answers GET /api/v1/publications/preview?visit_id=&dept=[&channels=...]:
// what /public will show of the result once published.
func (o *office) publicationPreview(c echo.Context) error {
	r, err := o.s.DB.PublicationPreview(c.Request().Context(), user(c), c.QueryParam("visit_id"), c.QueryParam("dept"),
		c.QueryParams()["channels"])
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// publicResults answers GET /api/v1/public/results?q=: anyone, no login,
// rate-limited per address.
func (o *office) publicResults(c echo.Context) error {
	rs, err := o.s.DB.PublicResults(c.Request().Context(), c.QueryParam("q"), 50)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"q": c.QueryParam("q"), "count": len(rs), "results": rs})
}

// trail answers GET /api/v1/trail?kind=&id=[&format=csv] (R15).
func (o *office) trail(c echo.Context) error {
	t, err := o.s.DB.Trail(c.Request().Context(), user(c), c.QueryParam("kind"), c.QueryParam("id"))
	if err != nil {
		return err
	}
	switch c.QueryParam("format") {
	case "", "json":
		return c.JSON(http.StatusOK, t)
	case "csv":
		b, err := t.CSV()
		if err != nil {
			return err
		}
		return attachment(c, "追溯-"+t.Kind+"-"+t.ID+".csv", "text/csv; charset=utf-8", b)
	}
	return schema.Errorf(schema.EINVALID, "format must be json or csv")
}
