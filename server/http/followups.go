package http

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/report"
	"zsc/server/sqlstore"
)

// followups serves the browser's 复查 (R12): the notices due for follow-up
// or followed up, and the office's 待移交立案 (notices found not corrected,
// marked 立案 or 移送). Recording a follow-up stays the sync mutation
// followup.record, from a phone or a desk browser alike.
type followups struct {
	s   *Server
	cal *report.Calendar
}

// followupRoutes registers GET /followups (lead, office, inspector: each in
// their scope, see sqlite.followupScope) and GET /referrals (office, lead).
func (s *Server) followupRoutes(authed *echo.Group) {
	f := &followups{s: s, cal: s.Calendar}
	route(authed, http.MethodGet, "/followups", authz.FollowupList, f.list)
	route(authed, http.MethodGet, "/referrals", authz.ReferralList, f.referrals)
}

// list answers GET /api/v1/followups?status=due|done[&notice_id=][&limit=].
func (f *followups) list(c echo.Context) error {
	status := c.QueryParam("status")
	if status == "" {
		status = "due"
	}
	if status != "due" && status != "done" {
		return schema.Errorf(schema.EINVALID, "复查列表只能是待复查或已复查的通知书，不能是“%s”", status)
	}
	return f.answer(c, status)
}

// referrals answers GET /api/v1/referrals: notices whose follow-up found
// them not corrected, for 立案 or 移送.
func (f *followups) referrals(c echo.Context) error { return f.answer(c, "referral") }

func (f *followups) answer(c echo.Context, status string) error {
	limit := 0
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return schema.Errorf(schema.EINVALID, "每次查询的条数应为 1–1000 的整数，不能是“%s”", l)
		}
		limit = n
	}
	list, err := f.s.DB.Followups(c.Request().Context(), user(c), sqlstore.FollowupQuery{
		Status: status, NoticeID: c.QueryParam("notice_id"), Limit: limit,
	}, f.cal)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}
