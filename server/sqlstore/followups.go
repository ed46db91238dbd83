package sqlstore

import (
	"context"
	"database/sql"
	"slices"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/report"
)

// FollowupDueWithin is how close a deadline must be for a live notice to
// appear on the 复查 due list: its deadline has passed, or comes within this
// many calendar days (the inspector plans the trip back).
const FollowupDueWithin = 3

// FollowupNotice is one correction notice as the 复查 (R12) and 待移交立案
// lists show it: where and whose it is, what it ordered by when, and its
// follow-up once recorded.
type FollowupNotice struct {
	NoticeID string `json:"notice_id"`
	// NumberText is the number to show: the final one, else the provisional one.
	NumberText  string  `json:"number_text"`
	Provisional bool    `json:"provisional"`
	VisitID     string  `json:"visit_id"`
	TaskID      string  `json:"task_id"`
	PlanName    string  `json:"plan_name"`
	Region      string  `json:"region"`
	EntityName  string  `json:"entity_name"`
	USCC        string  `json:"uscc"`
	Address     string  `json:"address"`
	Dept        string  `json:"dept"`
	DeptName    string  `json:"dept_name"`
	Authority   string  `json:"authority"`
	Problems    string  `json:"problems"`
	LegalBasis  string  `json:"legal_basis"`
	IssuedAt    string  `json:"issued_at"`
	Deadline    string  `json:"deadline"`
	Days        int     `json:"days"`
	ServedAt    *string `json:"served_at"`
	ServedTo    string  `json:"served_to"`
	// Status is the notice's: issued, served, corrected or not_corrected.
	Status string `json:"status"`
	// DaysLeft counts the working days from today to the deadline (0 on
	// it, negative once passed); Overdue says the deadline has passed.
	DaysLeft int              `json:"days_left"`
	Overdue  bool             `json:"overdue"`
	Followup *FollowupOutcome `json:"followup"`
}

// FollowupOutcome is the recorded 复查 of a notice.
type FollowupOutcome struct {
	ID        string  `json:"id"`
	Corrected bool    `json:"corrected"`
	Action    string  `json:"action"` // "" | 立案 | 移送
	Penalty   float64 `json:"penalty"`
	Note      string  `json:"note"`
	UserID    string  `json:"user_id"`
	UserName  string  `json:"user_name"`
	Channel   string  `json:"channel"`
	At        string  `json:"at"`
}

// FollowupList answers GET /api/v1/followups and GET /api/v1/referrals.
type FollowupList struct {
	Status string            `json:"status"`
	Today  string            `json:"today"`
	Total  int               `json:"total"`
	Items  []*FollowupNotice `json:"items"`
}

// FollowupQuery says which notices a list wants.
type FollowupQuery struct {
	// Status is due (live, not yet followed up, deadline passed or within
	// FollowupDueWithin days), done (followed up) or referral (not corrected:
	// 立案 or 移送, the office's 待移交立案).
	Status string
	// NoticeID narrows the list to one notice (the browser's 复查 screen).
	NoticeID string
	Limit    int
}

const followupSelect = `SELECT n.id, n.number, n.number_text, n.provisional, n.visit_id, v.task_id, p.name, t.region,
	e.name, e.uscc, e.address, n.dept, d.name, n.authority, n.problems, n.legal_basis, n.issued_at, n.deadline, n.days,
	n.served_at, n.served_to, n.status,
	f.id, f.corrected, f.action, f.penalty, f.note, f.user_id, coalesce(u.name, ''), f.channel, f.at
	FROM notices n
	JOIN visits v ON v.id = n.visit_id
	JOIN tasks t ON t.id = v.task_id
	JOIN plans p ON p.id = t.plan_id
	JOIN entities e ON e.id = v.entity_id
	JOIN departments d ON d.code = n.dept
	LEFT JOIN followups f ON f.notice_id = n.id
	LEFT JOIN users u ON u.id = f.user_id`

// followupScope is the part of the WHERE clause that keeps a list to what u
// may see, with its arguments. The policy decides (authz.ListFilter of the
// list's action: FollowupList, or ReferralList for referrals); this only
// writes its answer as SQL: a notice is in a task's region and of its own
// department, and membership counts through the visit's active team.
func followupScope(u *schema.User, a authz.Action) (string, []any) {
	f := authz.ListFilter(u, a)
	if f.All {
		return "", nil
	}
	member, memberArgs := "1 = 0", []any(nil)
	if f.Members {
		member = `EXISTS (SELECT 1 FROM visit_members m WHERE m.visit_id = n.visit_id AND m.user_id = ? AND m.active = 1)`
		memberArgs = []any{u.ID}
		if f.MemberDept != "" {
			member += ` AND n.dept = ?`
			memberArgs = append(memberArgs, f.MemberDept)
		}
	}
	scope, scopeArgs := "1 = 0", []any(nil)
	if !f.None {
		scope = `(? = '' OR t.region = ?) AND (? = '' OR n.dept = ?)`
		scopeArgs = []any{f.Region, f.Region, f.Dept, f.Dept}
	}
	return ` AND (` + member + ` OR ` + scope + `)`, append(memberArgs, scopeArgs...)
}

// Followups lists, within u's scope, the notices of one status (see
// FollowupQuery), most pressing first: due by deadline, done and referral by
// the follow-up's time, newest first. Working days left are counted on cal.
func (db *DB) Followups(ctx context.Context, u *schema.User, q FollowupQuery, cal *report.Calendar) (*FollowupList, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	now := db.Now().In(report.China)
	today := now.Format(report.DateLayout)
	var where, order string
	var args []any
	switch q.Status {
	case "due":
		horizon := now.AddDate(0, 0, FollowupDueWithin).Format(report.DateLayout)
		where = ` WHERE n.voided_at IS NULL AND n.status IN ('issued', 'served') AND n.deadline <= ?`
		args = []any{horizon}
		order = ` ORDER BY n.deadline, n.issued_at, n.id`
	case "done":
		where = ` WHERE n.status IN ('corrected', 'not_corrected') AND f.id IS NOT NULL`
		order = ` ORDER BY f.at DESC, n.id`
	case "referral":
		where = ` WHERE n.status = 'not_corrected' AND f.corrected = 0 AND f.action IN ('立案', '移送')`
		order = ` ORDER BY f.at DESC, n.id`
	default:
		return nil, schema.Errorf(schema.EINVALID, "复查列表只能是待复查或已复查的通知书，不能是“%s”", q.Status)
	}
	if q.NoticeID != "" {
		where += ` AND n.id = ?`
		args = append(args, q.NoticeID)
	}
	action := authz.FollowupList
	if q.Status == "referral" {
		action = authz.ReferralList
	}
	scopeSQL, scopeArgs := followupScope(u, action)
	where += scopeSQL
	args = append(args, scopeArgs...)
	out := &FollowupList{Status: q.Status, Today: today, Items: []*FollowupNotice{}}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRow(`SELECT count(*) FROM (`+followupSelect+where+`) AS listed`, args...).Scan(&out.Total); err != nil {
			return err
		}
		return eachRow(tx, followupSelect+where+order+` LIMIT ?`, append(slices.Clone(args), q.Limit), func(sc scanner) error {
			n, err := scanFollowupNotice(sc)
			if err != nil {
				return err
			}
			due := cal.DueBy(n.Deadline, today)
			n.DaysLeft = due.DaysLeft
			n.Overdue = due.Overdue && (n.Status == "issued" || n.Status == "served")
			out.Items = append(out.Items, n)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func scanFollowupNotice(sc scanner) (*FollowupNotice, error) {
	n := &FollowupNotice{}
	var number sql.NullInt64
	var numberText, provisional string
	var served sql.NullString
	var fID, fAction, fNote, fUser, fChannel, fAt sql.NullString
	var fCorrected sql.NullBool
	var fPenalty sql.NullFloat64
	var fUserName string
	err := sc.Scan(&n.NoticeID, &number, &numberText, &provisional, &n.VisitID, &n.TaskID, &n.PlanName, &n.Region,
		&n.EntityName, &n.USCC, &n.Address, &n.Dept, &n.DeptName, &n.Authority, &n.Problems, &n.LegalBasis, &n.IssuedAt,
		&n.Deadline, &n.Days, &served, &n.ServedTo, &n.Status,
		&fID, &fCorrected, &fAction, &fPenalty, &fNote, &fUser, &fUserName, &fChannel, &fAt)
	if err != nil {
		return nil, err
	}
	// A number exists once the server numbered the notice; until then only
	// the phone's provisional text does (R11).
	n.NumberText, n.Provisional = numberText, false
	if !number.Valid || numberText == "" {
		n.NumberText, n.Provisional = provisional, true
	}
	if served.Valid {
		n.ServedAt = &served.String
	}
	if fID.Valid {
		n.Followup = &FollowupOutcome{ID: fID.String, Corrected: fCorrected.Bool, Action: fAction.String, Penalty: fPenalty.Float64,
			Note: fNote.String, UserID: fUser.String, UserName: fUserName, Channel: fChannel.String, At: fAt.String}
	}
	return n, nil
}
