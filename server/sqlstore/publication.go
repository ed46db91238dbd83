package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/report"
)

// PublishRequest is the body of POST /api/v1/publications.
type PublishRequest struct {
	VisitID  string   `json:"visit_id"`
	Dept     string   `json:"dept"`
	Channels []string `json:"channels"`
}

// Publication is one department's publication of its results of one visit (R13).
type Publication struct {
	ID          string   `json:"id"`
	VisitID     string   `json:"visit_id"`
	TaskID      string   `json:"task_id"`
	Dept        string   `json:"dept"`
	DeptName    string   `json:"dept_name"`
	EntityName  string   `json:"entity_name"`
	USCC        string   `json:"uscc"`
	PlanName    string   `json:"plan_name"`
	Region      string   `json:"region"`
	Channels    []string `json:"channels"`
	CompletedOn string   `json:"completed_on"`
	Deadline    string   `json:"deadline"`
	PublishedAt string   `json:"published_at,omitempty"`
	Late        bool     `json:"late"`
	// Status is published, due (not yet published, deadline not passed) or overdue.
	Status string `json:"status"`
	// DaysLeft is the number of working days from today to the deadline
	// (0 on the deadline, negative once overdue).
	DaysLeft int `json:"days_left"`
	// CanPublish, on an unpublished item, says whether the asker may
	// publish it (谁检查、谁公开: the policy's Publish rule).
	CanPublish bool `json:"can_publish,omitempty"`
}

// Publish records that dept published its results of a visit on channels
// (谁检查、谁录入、谁公开: only that department's office or lead, within
// their region). The visit must be complete; the deadline is 20 working
// days after its completion on cal. Publishing again adds channels; the
// first publication time stays. Audited as kind "publication" under the visit.
func (db *DB) Publish(ctx context.Context, u *schema.User, req PublishRequest, cal *report.Calendar) (*Publication, error) {
	if req.VisitID == "" || req.Dept == "" {
		return nil, schema.Errorf(schema.EINVALID, "请指明检查对象（visit_id）和部门（dept）")
	}
	if len(req.Channels) == 0 {
		return nil, schema.Errorf(schema.EINVALID, "channels: choose at least one of %s", strings.Join(report.PublicationChannels, "、"))
	}
	flags, err := channelFlags(req.Channels)
	if err != nil {
		return nil, err
	}
	var out *Publication
	err = db.Write(ctx, func(tx *sql.Tx) error {
		var taskID, region, status string
		var completedAt sql.NullString
		err := tx.QueryRow(`SELECT v.task_id, t.region, v.status, v.completed_at FROM visits v JOIN tasks t ON t.id = v.task_id WHERE v.id = ?`,
			req.VisitID).Scan(&taskID, &region, &status, &completedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return schema.Errorf(schema.ENOTFOUND, "no visit %s", req.VisitID)
		} else if err != nil {
			return err
		}
		// 谁检查、谁公开: one's own department, within one's region (server/authz).
		if err := authz.Check(u, authz.Publish, authz.Scope{Region: region, Dept: req.Dept}); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM task_departments WHERE task_id = ? AND dept = ?`, taskID, req.Dept).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return schema.Errorf(schema.EINVALID, "department %s does not take part in visit %s", req.Dept, req.VisitID)
		}
		if status != "complete" || !completedAt.Valid {
			return schema.Errorf(schema.ECONFLICT, "visit %s is not complete: results are published after completion", req.VisitID)
		}
		now := db.NowText()
		completedOn := report.ChinaDate(completedAt.String)
		today := db.Now().In(report.China).Format(report.DateLayout)
		// R13 (report.DueOf): the deadline, and whether publishing now is late.
		due, err := cal.DueOf(completedOn, today)
		if err != nil {
			return err
		}
		before, err := publicationByVisit(tx, req.VisitID, req.Dept)
		if err != nil {
			return err
		}
		action := "publication.publish"
		if before == nil {
			id := newID()
			if _, err := tx.Exec(`INSERT INTO publications (id, visit_id, task_id, dept, platform, system, website, completed_on, deadline,
					published_at, late, user_id, client_id, channel, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`,
				id, req.VisitID, taskID, req.Dept, flags[0], flags[1], flags[2], completedOn, due.Deadline, now, due.Overdue,
				u.ID, schema.ChannelWeb, now); err != nil {
				return err
			}
		} else {
			action = "publication.channels"
			if _, err := tx.Exec(`UPDATE publications SET platform = CASE WHEN ? = 1 THEN 1 ELSE platform END,
				system = CASE WHEN ? = 1 THEN 1 ELSE system END, website = CASE WHEN ? = 1 THEN 1 ELSE website END, updated_at = ?
				WHERE id = ?`, flags[0], flags[1], flags[2], now, before.ID); err != nil {
				return err
			}
		}
		after, err := publicationByVisit(tx, req.VisitID, req.Dept)
		if err != nil {
			return err
		}
		var b any
		if before != nil {
			b = before
		}
		if err := Audit(tx, now, AuditEntry{UserID: u.ID, Channel: schema.ChannelWeb, Action: action, Kind: "publication",
			EntityID: after.ID, ParentKind: "visit", ParentID: req.VisitID, Before: b, After: after}); err != nil {
			return err
		}
		after.DaysLeft = cal.DueBy(after.Deadline, today).DaysLeft
		out = after
		return nil
	})
	return out, err
}

// channelFlags reads publication channels as the table's three flags
// (platform, system, website).
func channelFlags(channels []string) ([3]bool, error) {
	var flags [3]bool
	for i, c := range channels {
		k := slices.Index(report.PublicationChannels, c)
		if k < 0 {
			return flags, schema.Errorf(schema.EINVALID, "channels[%d]: %q is not one of %s", i, c, strings.Join(report.PublicationChannels, "、"))
		}
		flags[k] = true
	}
	return flags, nil
}

const publicationSelect = `SELECT pb.id, pb.visit_id, pb.task_id, pb.dept, d.name, e.name, e.uscc, p.name, t.region,
	pb.platform, pb.system, pb.website, pb.completed_on, pb.deadline, pb.published_at, pb.late
	FROM publications pb JOIN departments d ON d.code = pb.dept JOIN visits v ON v.id = pb.visit_id
	JOIN entities e ON e.id = v.entity_id JOIN tasks t ON t.id = pb.task_id JOIN plans p ON p.id = t.plan_id`

func scanPublication(sc scanner) (*Publication, error) {
	var p Publication
	var platform, system, website bool
	if err := sc.Scan(&p.ID, &p.VisitID, &p.TaskID, &p.Dept, &p.DeptName, &p.EntityName, &p.USCC, &p.PlanName, &p.Region,
		&platform, &system, &website, &p.CompletedOn, &p.Deadline, &p.PublishedAt, &p.Late); err != nil {
		return nil, err
	}
	p.Channels = joinChannels(platform, system, website)
	p.Status = "published"
	return &p, nil
}

func publicationByVisit(tx *sql.Tx, visitID, dept string) (*Publication, error) {
	p, err := scanPublication(tx.QueryRow(publicationSelect+` WHERE pb.visit_id = ? AND pb.dept = ?`, visitID, dept))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return p, err
}

// PublicationList is the answer of GET /api/v1/publications: the items of
// one status, most pressing first, and how many there are in all.
type PublicationList struct {
	Status string         `json:"status"`
	Today  string         `json:"today"`
	Total  int            `json:"total"`
	Items  []*Publication `json:"items"`
}

// PublicationQuery asks for one status of publications, optionally of one
// department or region (within the asker's scope), at most Limit.
type PublicationQuery struct {
	// Status is due, overdue, unpublished (due and overdue together,
	// overdue first) or published.
	Status string
	Dept   string
	Region string
	Limit  int
}

// Publications lists, within u's scope (region; a department's office or
// lead its own department), the publications of one status: "published"
// (newest first), "due" (complete, not yet published by a department,
// deadline not passed: nearest deadline first), "overdue" (deadline passed:
// oldest first) or "unpublished" (both: oldest deadline first, so the
// overdue lead). q.Dept and q.Region narrow the list; asking for a
// department or region outside one's scope is refused. Each unpublished
// item says whether u may publish it (the policy's Publish rule). Due and
// overdue read the partial index of unpublished completed visits, so they
// stay fast however many visits are published.
func (db *DB) Publications(ctx context.Context, u *schema.User, q PublicationQuery, cal *report.Calendar) (*PublicationList, error) {
	status, limit := q.Status, q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	if q.Dept != "" || q.Region != "" {
		if err := authz.Check(u, authz.PublicationList, authz.Scope{Region: q.Region, Dept: q.Dept}); err != nil {
			return nil, err
		}
	}
	today := db.Now().In(report.China).Format(report.DateLayout)
	out := &PublicationList{Status: status, Today: today, Items: []*Publication{}}
	// What the list shows is the policy's (authz.ListFilter); this writes it as SQL.
	f := authz.ListFilter(u, authz.PublicationList)
	regionSQL, regionArgs := "", []any(nil)
	deptSQL, deptArgs := "", []any(nil)
	if f.None {
		regionSQL = " AND 1 = 0"
	}
	if !f.All && f.Region != "" {
		regionSQL, regionArgs = " AND t.region = ?", []any{f.Region}
	}
	if !f.All && f.Dept != "" {
		deptSQL, deptArgs = " AND %s = ?", []any{f.Dept}
	}
	// The asked-for narrowing, checked above to lie within the scope.
	if q.Region != "" {
		regionSQL, regionArgs = regionSQL+" AND t.region = ?", append(regionArgs, q.Region)
	}
	if q.Dept != "" {
		deptSQL, deptArgs = deptSQL+" AND %s = ?", append(deptArgs, q.Dept)
	}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		switch status {
		case "published":
			where := ` WHERE 1 = 1` + regionSQL + strings.ReplaceAll(deptSQL, "%s", "pb.dept")
			args := append(slices.Clone(regionArgs), deptArgs...)
			if err := tx.QueryRow(`SELECT count(*) FROM publications pb JOIN tasks t ON t.id = pb.task_id`+where, args...).Scan(&out.Total); err != nil {
				return err
			}
			return eachRow(tx, publicationSelect+where+` ORDER BY pb.published_at DESC LIMIT ?`, append(args, limit), func(sc scanner) error {
				p, err := scanPublication(sc)
				if err != nil {
					return err
				}
				p.DaysLeft = cal.DueBy(p.Deadline, today).DaysLeft
				out.Items = append(out.Items, p)
				return nil
			})
		case "due", "overdue", "unpublished":
			cutoff, err := cal.LastCompletionDue(today)
			if err != nil {
				return err
			}
			// A visit completed on or before cutoff is past its 20 working days
			// (R13, computed in report so that the WHERE and each row's
			// status agree: TestLastCompletionDueAgreesWithDueOf).
			cmp, order := `vr.completed_on > ?`, `vr.completed_on, vr.visit_id`
			switch status {
			case "overdue":
				cmp = `vr.completed_on <= ?`
			case "unpublished":
				cmp = `1 = 1`
			}
			joins := ` FROM visit_rollups vr JOIN tasks t ON t.id = vr.task_id JOIN task_departments td ON td.task_id = vr.task_id`
			where := ` WHERE vr.status = 'complete' AND vr.published < vr.depts AND ` + cmp + `
				AND NOT EXISTS (SELECT 1 FROM publications pb WHERE pb.visit_id = vr.visit_id AND pb.dept = td.dept)` +
				regionSQL + strings.ReplaceAll(deptSQL, "%s", "td.dept")
			var args []any
			if status != "unpublished" {
				args = append(args, cutoff)
			}
			args = append(append(args, regionArgs...), deptArgs...)
			if err := tx.QueryRow(`SELECT count(*)`+joins+where, args...).Scan(&out.Total); err != nil {
				return err
			}
			return eachRow(tx, `SELECT vr.visit_id, vr.task_id, td.dept, d.name, e.name, e.uscc, p.name, t.region, vr.completed_on`+
				joins+` JOIN departments d ON d.code = td.dept JOIN visits v ON v.id = vr.visit_id
				JOIN entities e ON e.id = v.entity_id JOIN plans p ON p.id = t.plan_id`+where+
				` ORDER BY `+order+`, td.ord LIMIT ?`, append(args, limit), func(sc scanner) error {
				p := &Publication{Status: "due", Channels: []string{}}
				if err := sc.Scan(&p.VisitID, &p.TaskID, &p.Dept, &p.DeptName, &p.EntityName, &p.USCC, &p.PlanName, &p.Region, &p.CompletedOn); err != nil {
					return err
				}
				due, err := cal.DueOf(p.CompletedOn, today)
				if err != nil {
					return err
				}
				p.Deadline, p.DaysLeft = due.Deadline, due.DaysLeft
				if due.Overdue {
					p.Status = "overdue"
				}
				// 谁检查、谁公开: the screen offers publish only where the policy allows it.
				p.CanPublish = authz.Can(u, authz.Publish, authz.Scope{Region: p.Region, Dept: p.Dept})
				out.Items = append(out.Items, p)
				return nil
			})
		}
		return schema.Errorf(schema.EINVALID, "status 只能是 due、overdue、unpublished 或 published，不能是 %q", status)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PublicResult is one department's published result of one visit, as
// anyone may see it: the entity, the plan, the department, the date, the
// outcome and a summary of the items, the notice numbers. It carries no
// credit-risk class and nothing about the inspectors (DESIGN §3, R13).
type PublicResult struct {
	EntityName    string          `json:"entity_name"`
	USCC          string          `json:"uscc"`
	Address       string          `json:"address"`
	PlanName      string          `json:"plan_name"`
	Department    string          `json:"department"`
	InspectedOn   string          `json:"inspected_on"`
	PublishedOn   string          `json:"published_on"`
	Channels      []string        `json:"channels"`
	Outcome       []string        `json:"outcome"`
	Items         PublicItemCount `json:"items"`
	FailedItems   []string        `json:"failed_items"`
	Notices       []string        `json:"notices"`
	OfficeEntered bool            `json:"office_entered"` // the results were entered by the office from a paper record (channel web)
}

// PublicItemCount counts a department's checklist answers.
type PublicItemCount struct {
	Total         int `json:"total"`
	Compliant     int `json:"compliant"`      // 符合
	NonCompliant  int `json:"non_compliant"`  // 不符合
	NotApplicable int `json:"not_applicable"` // 不涉及
}

// PublicResults finds the published results of entities whose USCC is q or
// whose name contains q, newest first, at most limit. Unpublished results
// never appear: the query starts from the publications.
func (db *DB) PublicResults(ctx context.Context, q string, limit int) ([]PublicResult, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) < 2 {
		return nil, schema.Errorf(schema.EINVALID, "请至少输入名称中的两个字，或统一社会信用代码")
	}
	if len([]rune(q)) > 100 {
		return nil, schema.Errorf(schema.EINVALID, "查询内容过长")
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	out := []PublicResult{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		type key struct{ visit, dept string }
		var keys []key
		if err := eachRow(tx, `SELECT pb.visit_id, pb.dept, `+publicHead+`, pb.completed_on, pb.published_at,
				pb.platform, pb.system, pb.website
			FROM entities e JOIN visits v ON v.entity_id = e.id JOIN publications pb ON pb.visit_id = v.id
			JOIN tasks t ON t.id = v.task_id JOIN plans p ON p.id = t.plan_id JOIN departments d ON d.code = pb.dept
			WHERE e.uscc = ? OR e.name LIKE ? ESCAPE '\'
			ORDER BY pb.published_at DESC, pb.id LIMIT ?`, []any{strings.ToUpper(q), like, limit}, func(sc scanner) error {
			var r PublicResult
			var k key
			var platform, system, website bool
			var published string
			if err := sc.Scan(&k.visit, &k.dept, &r.EntityName, &r.USCC, &r.Address, &r.PlanName, &r.Department, &r.InspectedOn, &published,
				&platform, &system, &website); err != nil {
				return err
			}
			r.PublishedOn = report.ChinaDate(published)
			r.Channels = joinChannels(platform, system, website)
			keys = append(keys, k)
			out = append(out, r)
			return nil
		}); err != nil {
			return err
		}
		for i, k := range keys {
			if err := publicDetail(tx, &out[i], k.visit, k.dept); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// publicHead is what a public result shows of the entity, the plan and the
// department (from entities e, plans p, departments d): nothing else of
// theirs (no risk class) leaves through the public answer.
const publicHead = `e.name, e.uscc, e.address, p.name, d.name`

// publicDetail fills in what the public sees of dept's results of a visit:
// the outcome, the item counts and the names of the items found 不符合, the
// notice numbers, and whether the office entered them from paper. Nothing
// about the inspectors. The public search and the publish preview both
// build their answer here, so the preview is what /public will show.
func publicDetail(tx *sql.Tx, r *PublicResult, visit, dept string) error {
	r.Outcome, r.FailedItems, r.Notices = []string{}, []string{}, []string{}
	var cats, channel string
	err := tx.QueryRow(`SELECT coalesce(categories, '[]'), channel FROM outcomes WHERE visit_id = ? AND dept = ?`, visit, dept).Scan(&cats, &channel)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal([]byte(cats), &r.Outcome); err != nil {
			return fmt.Errorf("visit %s: outcome categories: %w", visit, err)
		}
		r.OfficeEntered = channel == schema.ChannelWeb
	}
	if err := eachRow(tx, `SELECT ci.name, coalesce(ir.value, ''), coalesce(ir.channel, '') FROM checklist_items ci
		LEFT JOIN item_results ir ON ir.item_id = ci.id WHERE ci.visit_id = ? AND ci.dept = ? ORDER BY ci.ord`,
		[]any{visit, dept}, func(sc scanner) error {
			var name, value, channel string
			if err := sc.Scan(&name, &value, &channel); err != nil {
				return err
			}
			r.Items.Total++
			switch value {
			case "符合":
				r.Items.Compliant++
			case "不符合":
				r.Items.NonCompliant++
				r.FailedItems = append(r.FailedItems, name)
			case "不涉及":
				r.Items.NotApplicable++
			}
			if channel == schema.ChannelWeb {
				r.OfficeEntered = true
			}
			return nil
		}); err != nil {
		return err
	}
	return eachRow(tx, `SELECT number_text FROM notices WHERE visit_id = ? AND dept = ? AND number_text <> '' AND voided_at IS NULL ORDER BY number`,
		[]any{visit, dept}, func(sc scanner) error {
			var n string
			if err := sc.Scan(&n); err != nil {
				return err
			}
			r.Notices = append(r.Notices, n)
			return nil
		})
}

// PublicationPreview is what /public will show of dept's results of a
// visit once published today on channels (added to those it already has,
// as Publish does): built by publicDetail, the public search's own code.
// Whoever may read the department's publications may preview them; the
// visit must be complete and the department one of its departments.
func (db *DB) PublicationPreview(ctx context.Context, u *schema.User, visitID, dept string, channels []string) (*PublicResult, error) {
	if visitID == "" || dept == "" {
		return nil, schema.Errorf(schema.EINVALID, "请指明检查对象（visit_id）和部门（dept）")
	}
	flags, err := channelFlags(channels)
	if err != nil {
		return nil, err
	}
	var out PublicResult
	err = db.Read(ctx, func(tx *sql.Tx) error {
		var region, status string
		var completedAt sql.NullString
		err := tx.QueryRow(`SELECT `+publicHead+`, t.region, v.status, v.completed_at
			FROM visits v JOIN entities e ON e.id = v.entity_id JOIN tasks t ON t.id = v.task_id JOIN plans p ON p.id = t.plan_id
			JOIN task_departments td ON td.task_id = t.id AND td.dept = ? JOIN departments d ON d.code = td.dept
			WHERE v.id = ?`, dept, visitID).Scan(&out.EntityName, &out.USCC, &out.Address, &out.PlanName, &out.Department,
			&region, &status, &completedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return schema.Errorf(schema.ENOTFOUND, "找不到该检查对象在该部门的结果")
		} else if err != nil {
			return err
		}
		if err := authz.Check(u, authz.PublicationList, authz.Scope{Region: region, Dept: dept}); err != nil {
			return err
		}
		if status != "complete" || !completedAt.Valid {
			return schema.Errorf(schema.ECONFLICT, "visit %s is not complete: results are published after completion", visitID)
		}
		out.InspectedOn = report.ChinaDate(completedAt.String)
		out.PublishedOn = db.Now().In(report.China).Format(report.DateLayout)
		before, err := publicationByVisit(tx, visitID, dept)
		if err != nil {
			return err
		}
		if before != nil {
			out.PublishedOn = report.ChinaDate(before.PublishedAt)
			for _, c := range before.Channels {
				flags[slices.Index(report.PublicationChannels, c)] = true
			}
		}
		out.Channels = joinChannels(flags[0], flags[1], flags[2])
		return publicDetail(tx, &out, visitID, dept)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
