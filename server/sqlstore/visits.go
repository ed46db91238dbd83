package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/draw"
	"zsc/server/visits"
)

// Member is one inspector of a joint team.
type Member struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Dept   string `json:"dept"`
	CertNo string `json:"cert_no,omitempty"`
	Active bool   `json:"active"`
}

// ChecklistItem is one line of a visit's checklist (R8, R8a): a check
// point (检查内容) of a 抽查事项's template, copied at draw time, or, for a
// 事项 without a template, the 事项 itself (Template nil).
type ChecklistItem struct {
	ID          string       `json:"id"`
	Dept        string       `json:"dept"`
	Ord         int          `json:"ord"`
	Name        string       `json:"name"` // the check point's text, or the 事项 title
	Class       string       `json:"class"`
	CatalogueID string       `json:"catalogue_id"`
	ItemName    string       `json:"item_name"` // the 抽查事项 the point belongs to
	Template    *TemplateRef `json:"template"`
	GroupCode   string       `json:"group_code,omitempty"` // 检查项目代码
	GroupName   string       `json:"group_name,omitempty"` // 检查项目
	Code        string       `json:"code,omitempty"`       // 检查内容代码
	Method      string       `json:"method,omitempty"`     // 参考检查方法
	Key         bool         `json:"key,omitempty"`        // 重点项
	Basis       string       `json:"basis,omitempty"`      // 检查依据
	Violation   string       `json:"violation,omitempty"`  // 违反条款 cited when the point fails
	NoticeText  string       `json:"notice_text,omitempty"`
}

// TemplateRef names the template version a visit's point was copied from.
type TemplateRef struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// checklistCols are the columns scanChecklistItem reads, of checklist_items c.
const checklistCols = `c.id, c.dept, c.ord, c.name, c.class, coalesce(c.catalogue_id, ''), c.item_name, c.template_id, c.template_version,
	c.group_code, c.group_name, c.code, c.method, c.key_point, c.basis, c.violation, c.notice_text`

// checklistDest is where one row of checklistCols is scanned; done fills
// c's template reference and the 事项 title of a row from before templates.
type checklistDest struct {
	c       ChecklistItem
	tmplID  sql.NullString
	tmplVer int
}

func (d *checklistDest) dest() []any {
	c := &d.c
	return []any{&c.ID, &c.Dept, &c.Ord, &c.Name, &c.Class, &c.CatalogueID, &c.ItemName, &d.tmplID, &d.tmplVer,
		&c.GroupCode, &c.GroupName, &c.Code, &c.Method, &c.Key, &c.Basis, &c.Violation, &c.NoticeText}
}

func (d *checklistDest) done() ChecklistItem {
	c := d.c
	c.Template = nil
	if d.tmplID.Valid {
		c.Template = &TemplateRef{ID: d.tmplID.String, Version: d.tmplVer}
	}
	if c.ItemName == "" {
		c.ItemName = c.Name
	}
	return c
}

// Visit is one entity of a task with its joint team and checklist.
type Visit struct {
	ID          string `json:"id"`
	TaskID      string `json:"task_id"`
	DrawID      string `json:"draw_id"`
	Status      string `json:"status"`
	ScheduledOn string `json:"scheduled_on"`
	CompletedAt string `json:"completed_at,omitempty"`
	Version     int    `json:"version"`
	Region      string `json:"region"`
	Plan        struct {
		ID   string `json:"id"`
		Year int    `json:"year"`
		Seq  int    `json:"seq"`
		Name string `json:"name"`
	} `json:"plan"`
	Entity struct {
		ID      string   `json:"id"`
		USCC    string   `json:"uscc"`
		Name    string   `json:"name"`
		Address string   `json:"address"`
		Region  string   `json:"region"`
		Lat     *float64 `json:"lat,omitempty"`
		Lng     *float64 `json:"lng,omitempty"`
	} `json:"entity"`
	Departments []Department    `json:"departments"`
	Team        []Member        `json:"team"`
	Items       []ChecklistItem `json:"items"`
}

// LoadVisit reads one visit with its team, departments and checklist.
func LoadVisit(tx *sql.Tx, id string) (*Visit, error) { return loadVisit(tx, id) }

// querier is what loadVisit reads with: a *sql.Tx, or the sync store's
// transaction with its prepared statements.
type querier interface {
	QueryRow(query string, args ...any) *sql.Row
	Query(query string, args ...any) (*sql.Rows, error)
}

func loadVisit(tx querier, id string) (*Visit, error) {
	var v Visit
	err := tx.QueryRow(`SELECT v.id, v.task_id, v.draw_id, v.status, v.scheduled_on, coalesce(v.completed_at, ''), v.version, t.region,
			p.id, p.year, p.seq, p.name, e.id, e.uscc, e.name, e.address, e.region, e.lat, e.lng
		FROM visits v JOIN tasks t ON t.id = v.task_id JOIN plans p ON p.id = t.plan_id JOIN entities e ON e.id = v.entity_id WHERE v.id = ?`, id).
		Scan(&v.ID, &v.TaskID, &v.DrawID, &v.Status, &v.ScheduledOn, &v.CompletedAt, &v.Version, &v.Region,
			&v.Plan.ID, &v.Plan.Year, &v.Plan.Seq, &v.Plan.Name, &v.Entity.ID, &v.Entity.USCC, &v.Entity.Name, &v.Entity.Address, &v.Entity.Region, &v.Entity.Lat, &v.Entity.Lng)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schema.Errorf(schema.ENOTFOUND, "找不到该检查对象")
	} else if err != nil {
		return nil, err
	}
	rows, err := tx.Query(`SELECT d.code, d.name, d.short, d.kind, d.authority FROM task_departments td JOIN departments d ON d.code = td.dept WHERE td.task_id = ? ORDER BY td.ord`, v.TaskID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var d Department
		if err := rows.Scan(&d.Code, &d.Name, &d.Short, &d.Kind, &d.Authority); err != nil {
			rows.Close()
			return nil, err
		}
		v.Departments = append(v.Departments, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(`SELECT m.user_id, u.name, m.dept, u.cert_no, m.active FROM visit_members m JOIN users u ON u.id = m.user_id
		JOIN task_departments td ON td.task_id = ? AND td.dept = m.dept WHERE m.visit_id = ? ORDER BY td.ord, u.username`, v.TaskID, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Name, &m.Dept, &m.CertNo, &m.Active); err != nil {
			rows.Close()
			return nil, err
		}
		v.Team = append(v.Team, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(`SELECT `+checklistCols+` FROM checklist_items c JOIN task_departments td ON td.task_id = ? AND td.dept = c.dept
		WHERE c.visit_id = ? ORDER BY td.ord, c.ord`, v.TaskID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var d checklistDest
	for rows.Next() {
		if err := rows.Scan(d.dest()...); err != nil {
			return nil, err
		}
		v.Items = append(v.Items, d.done())
	}
	return &v, rows.Err()
}

// VisitData is the data of a "visit" change: the visit header, entity, team,
// departments and checklist, as the PWA stores it.
func VisitData(tx *sql.Tx, visitID string) (*Visit, error) { return LoadVisit(tx, visitID) }

// Visits lists a task's visits for a lead or the office.
func (db *DB) Visits(ctx context.Context, u *schema.User, taskID string) ([]*Visit, error) {
	var out []*Visit
	err := db.Read(ctx, func(tx *sql.Tx) error {
		t, err := db.TaskByID(ctx, tx, taskID)
		if err != nil {
			return err
		}
		if err := authz.Check(u, authz.VisitList, t.Scope()); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id FROM visits WHERE task_id = ? AND status != 'replaced' ORDER BY scheduled_on, id`, taskID)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			v, err := LoadVisit(tx, id)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// VisitPatch adjusts a visit: its date, or one inspector swapped for another
// of the same department.
type VisitPatch struct {
	ScheduledOn string `json:"scheduled_on,omitempty"`
	Swap        *struct {
		Dept string `json:"dept"`
		Out  string `json:"out_user_id"`
		In   string `json:"in_user_id"`
	} `json:"swap,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// PatchVisit applies a lead's adjustment without breaking R5: the incoming
// inspector must be of the same department, on duty, certified, not an
// expert, not in conflict with the entity and not already on the team.
func (db *DB) PatchVisit(ctx context.Context, u *schema.User, visitID string, p VisitPatch) (*Visit, error) {
	// The adjustment's own rules are server/visits'; R5's are server/draw's.
	adj := visits.Adjustment{ScheduledOn: p.ScheduledOn, Swap: p.Swap != nil, Reason: p.Reason}
	if err := adj.Asked(); err != nil {
		return nil, err
	}
	var out *Visit
	err := db.Write(ctx, func(tx *sql.Tx) error {
		v, t, err := db.openVisitForLead(ctx, tx, u, authz.VisitPatch, visitID)
		if err != nil {
			return err
		}
		now := db.NowText()
		if err := adj.Check(v.ScheduledOn); err != nil {
			return err
		}
		if adj.Reschedules(v.ScheduledOn) {
			if _, err := tx.Exec(`UPDATE visits SET scheduled_on = ?, version = version + 1 WHERE id = ?`, p.ScheduledOn, visitID); err != nil {
				return err
			}
		}
		if s := p.Swap; s != nil {
			// A lead swaps their own department's inspectors; the office any (server/authz).
			sc := t.Scope()
			sc.Dept = s.Dept
			if err := authz.Check(u, authz.VisitPatch, sc); err != nil {
				return err
			}
			if err := swapMember(tx, t, v, s.Dept, s.Out, s.In); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE visits SET version = version + 1 WHERE id = ?`, visitID); err != nil {
				return err
			}
			if _, err := AppendChange(tx, now, Change{Kind: "visit", Op: "remove", EntityID: visitID, UserID: s.Out}); err != nil {
				return err
			}
			if err := AppendVisitSnapshot(tx, now, visitID, s.In); err != nil {
				return err
			}
		}
		if out, err = LoadVisit(tx, visitID); err != nil {
			return err
		}
		if err := Audit(tx, now, AuditEntry{UserID: u.ID, Channel: schema.ChannelWeb, Action: "visit.adjust", Kind: "visit", EntityID: visitID,
			ParentKind: "task", ParentID: v.TaskID, Before: v, After: out, Reason: p.Reason}); err != nil {
			return err
		}
		return emitVisit(tx, now, visitID)
	})
	return out, err
}

// swapMember puts in on the team of dept in out's place. Whether in may
// take out's seat is R5's one rule (draw.Pool.Join), asked of the same pool
// the draw drew from; this only loads the team, the person and their 回避
// with the entity, as they are now. A re-draw passes its pick through here
// too, so the directory as it is now has the last word.
func swapMember(tx *sql.Tx, t *Task, v *Visit, dept, out, in string) error {
	team := make([]draw.Seat, len(v.Team))
	for i, m := range v.Team {
		team[i] = draw.Seat{ID: m.UserID, Dept: m.Dept, Active: m.Active}
	}
	c := &draw.Candidate{ID: in}
	err := tx.QueryRow(`SELECT role, disabled, dept, region, cert_no != '', expert, on_duty FROM users WHERE id = ?`, in).
		Scan(&c.Role, &c.Disabled, &c.Dept, &c.Region, &c.Cert, &c.Expert, &c.OnDuty)
	if errors.Is(err, sql.ErrNoRows) {
		c = nil
	} else if err != nil {
		return err
	} else if err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM interest_conflicts WHERE user_id = ? AND entity_id = ?)`, in, v.Entity.ID).Scan(&c.Conflict); err != nil {
		return fmt.Errorf("reading the 回避 list: %w", err)
	}
	var ie *draw.IneligibleError
	if err := draw.TaskPool(dept, t.Region).Join(team, out, c); errors.As(err, &ie) {
		return schema.Errorf(schema.EINVALID, "%s", ineligibleMessage(tx, ie, v))
	} else if err != nil {
		return err
	}
	if _, err := tx.Exec(`UPDATE visit_members SET active = 0 WHERE visit_id = ? AND user_id = ?`, v.ID, out); err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO visit_members (visit_id, user_id, dept, active) VALUES (?, ?, ?, 1)
		ON CONFLICT (visit_id, user_id) DO UPDATE SET active = 1, dept = excluded.dept`, v.ID, in, dept)
	return err
}

// ineligibleMessage says, for the lead, why an inspector cannot join the team.
func ineligibleMessage(tx *sql.Tx, e *draw.IneligibleError, v *Visit) string {
	// Its refusals are read by a lead: in Chinese, people and departments
	// by name, never an id or a code.
	who := personName(tx, e.ID)
	switch e.Why {
	case draw.Unknown, draw.Disabled:
		return "要换上的人员不存在或账号已停用，请重新选择"
	case draw.AlreadyOnTeam:
		return fmt.Sprintf("%s已在%s这户检查的检查组中，不能再换上", who, v.Entity.Name)
	case draw.NotOnTeam:
		return fmt.Sprintf("%s已不在%s这户检查的%s检查人员中，无法换下（检查组可能刚被调整过，请刷新后再试）", who, v.Entity.Name, deptName(tx, e.Pool.Dept))
	case draw.NotInspector, draw.OtherDept:
		return fmt.Sprintf("%s不是%s的执法检查人员，只能换上同部门的检查人员", who, deptName(tx, e.Pool.Dept))
	case draw.OtherRegion:
		return fmt.Sprintf("%s属于%s，不在本任务%s的检查人员库中", who, regionName(tx, e.Region), regionName(tx, e.Pool.Region))
	case draw.NoCert:
		return fmt.Sprintf("%s没有执法证号，不能作为执法检查人员", who)
	case draw.IsExpert:
		return fmt.Sprintf("%s是专家，不能计入每个部门的两名执法检查人员", who)
	case draw.OffDuty:
		return fmt.Sprintf("%s不在岗，不能换上", who)
	case draw.Conflicted:
		return fmt.Sprintf("%s与%s有利害关系，须回避，不能换上", who, v.Entity.Name)
	}
	return fmt.Sprintf("%s不能换上这户检查", who)
}

// Redraw replaces one entity (e.g. 对象已注销) or one inspector (回避, 不在岗) of
// a drawn visit by re-running the draw's rule from its seed and snapshot (R6).
// The draw and its result are kept; the replacement is recorded with its reason.
type Redraw struct {
	Kind      string `json:"kind"` // entity or inspector
	Dept      string `json:"dept,omitempty"`
	Inspector string `json:"inspector_id,omitempty"`
	Reason    string `json:"reason"`
}

// RedrawResult names what replaced what.
type RedrawResult struct {
	ID       string `json:"id"`
	VisitID  string `json:"visit_id"`
	Kind     string `json:"kind"`
	Old      string `json:"old"`
	New      string `json:"new"`
	NewVisit string `json:"new_visit_id,omitempty"`
	Reason   string `json:"reason"`
}

// openVisitForLead loads an open visit and its task for a lead or the office
// who may adjust it; adjustments and re-draws share this gate.
func (db *DB) openVisitForLead(ctx context.Context, tx *sql.Tx, u *schema.User, action authz.Action, visitID string) (*Visit, *Task, error) {
	v, err := LoadVisit(tx, visitID)
	if err != nil {
		return nil, nil, err
	}
	t, err := db.TaskByID(ctx, tx, v.TaskID)
	if err != nil {
		return nil, nil, err
	}
	if err := authz.Check(u, action, t.Scope()); err != nil {
		return nil, nil, err
	}
	if err := visits.Adjustable(v.Status, v.Entity.Name); err != nil {
		return nil, nil, err
	}
	return v, t, nil
}

// RedrawVisit performs a re-draw for one visit.
func (db *DB) RedrawVisit(ctx context.Context, u *schema.User, visitID string, r Redraw) (*RedrawResult, error) {
	if r.Reason == "" {
		return nil, schema.Errorf(schema.EINVALID, "重新抽取须写明原因（回避、不在岗、对象已注销…）")
	}
	var out *RedrawResult
	err := db.Write(ctx, func(tx *sql.Tx) error {
		v, t, err := db.openVisitForLead(ctx, tx, u, authz.VisitRedraw, visitID)
		if err != nil {
			return err
		}
		var seedHex, hash, result string
		if err := tx.QueryRow(`SELECT seed, snapshot_hash, result FROM draws WHERE id = ?`, v.DrawID).Scan(&seedHex, &hash, &result); err != nil {
			return err
		}
		raw, err := loadSnapshot(tx, hash)
		if err != nil {
			return err
		}
		snap, err := draw.DecodeSnapshot(raw)
		if err != nil {
			return err
		}
		var res draw.Result
		if err := json.Unmarshal([]byte(result), &res); err != nil {
			return fmt.Errorf("draw %s: stored result: %w", v.DrawID, err)
		}
		// Apply earlier re-draws so the next replacement skips what was used.
		if err := applyRedraws(tx, v.DrawID, &res); err != nil {
			return err
		}
		seed, err := draw.ParseSeed(seedHex)
		if err != nil {
			return fmt.Errorf("draw %s: stored seed: %w", v.DrawID, err)
		}
		now := db.NowText()
		out = &RedrawResult{ID: newID(), VisitID: visitID, Kind: r.Kind, Reason: r.Reason}
		switch r.Kind {
		case "inspector":
			// A lead re-draws their own department's inspectors; the 联席办 any (server/authz).
			sc := t.Scope()
			sc.Dept = r.Dept
			if err := authz.Check(u, authz.VisitRedraw, sc); err != nil {
				return err
			}
			in, err := draw.ReplaceInspector(seed, snap, &res, v.Entity.USCC, r.Dept, r.Inspector)
			if err != nil {
				return redrawError(tx, err, v, r, &res)
			}
			if err := swapMember(tx, t, v, r.Dept, r.Inspector, in); err != nil {
				return err
			}
			out.Old, out.New = r.Inspector, in
			if _, err := AppendChange(tx, now, Change{Kind: "visit", Op: "remove", EntityID: visitID, UserID: r.Inspector}); err != nil {
				return err
			}
			if err := AppendVisitSnapshot(tx, now, visitID, in); err != nil {
				return err
			}
			if err := emitVisit(tx, now, visitID); err != nil {
				return err
			}
		case "entity":
			nv, err := draw.ReplaceEntity(seed, snap, &res, v.Entity.USCC)
			if err != nil {
				return redrawError(tx, err, v, r, &res)
			}
			var entityID string
			if err := tx.QueryRow(`SELECT id FROM entities WHERE uscc = ?`, nv.USCC).Scan(&entityID); err != nil {
				return err
			}
			p, err := db.PlanByID(ctx, tx, t.PlanID)
			if err != nil {
				return err
			}
			newVisit, err := createVisit(tx, now, t, p, v.DrawID, entityID, *nv, v.ScheduledOn)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE visits SET status = 'replaced', version = version + 1 WHERE id = ?`, visitID); err != nil {
				return err
			}
			if _, err := AppendChange(tx, now, Change{Kind: "visit", Op: "remove", EntityID: visitID, VisitID: visitID}); err != nil {
				return err
			}
			out.Old, out.New, out.NewVisit = v.Entity.USCC, nv.USCC, newVisit
		default:
			return schema.Errorf(schema.EINVALID, "重新抽取的类型（kind）只能是 entity（检查对象）或 inspector（检查人员）")
		}
		if _, err := tx.Exec(`INSERT INTO redraws (id, draw_id, visit_id, kind, old_ref, new_ref, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ID, v.DrawID, visitID, r.Kind, out.Old, out.New, r.Reason, u.ID, now); err != nil {
			return err
		}
		return Audit(tx, now, AuditEntry{UserID: u.ID, Channel: schema.ChannelWeb, Action: "draw.redraw", Kind: "visit", EntityID: visitID,
			ParentKind: "draw", ParentID: v.DrawID, After: out, Reason: r.Reason})
	})
	return out, err
}

// applyRedraws folds earlier replacements into res so that ReplaceEntity and
// ReplaceInspector see the draw as it stands now.
func applyRedraws(tx *sql.Tx, drawID string, res *draw.Result) error {
	rows, err := tx.Query(`SELECT r.kind, r.old_ref, r.new_ref, e.uscc, m.dept FROM redraws r JOIN visits v ON v.id = r.visit_id JOIN entities e ON e.id = v.entity_id
		LEFT JOIN visit_members m ON m.visit_id = r.visit_id AND m.user_id = r.new_ref WHERE r.draw_id = ? ORDER BY r.created_at`, drawID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, old, nw, uscc string
		var dept sql.NullString
		if err := rows.Scan(&kind, &old, &nw, &uscc, &dept); err != nil {
			return err
		}
		for i := range res.Visits {
			vv := &res.Visits[i]
			if kind == "entity" && vv.USCC == old {
				res.Visits = append(res.Visits, draw.Visit{USCC: nw, Risk: vv.Risk, Stratum: vv.Stratum, Team: vv.Team})
				break
			}
			if kind == "inspector" && vv.USCC == uscc && dept.Valid {
				for j, id := range vv.Team[dept.String] {
					if id == old {
						vv.Team[dept.String][j] = nw
					}
				}
			}
		}
	}
	return rows.Err()
}

// redrawError says in words why a re-draw of visit v could not be made,
// naming the entity, department and inspector by name (the draw package
// speaks in codes and ids, for the log). A draw that does not replay is the
// server's fault, not the lead's, and stays an internal error.
func redrawError(tx *sql.Tx, err error, v *Visit, r Redraw, res *draw.Result) error {
	var pe *draw.PoolError
	switch {
	case errors.As(err, &pe):
		return &schema.Error{Code: schema.EUNPROCESSABLE, Message: fmt.Sprintf(
			"%s没有可替换的检查人员：%s需要 %d 名持证在岗且无回避的检查人员，只有 %d 名", deptName(tx, pe.Dept), v.Entity.Name, pe.Need, pe.Have)}
	case errors.Is(err, draw.ErrNoReplacement):
		return schema.Errorf(schema.EUNPROCESSABLE, "%s所在的抽取类别已没有未抽中的检查对象，无法重新抽取", v.Entity.Name)
	case errors.Is(err, draw.ErrInvalid) && r.Kind == "inspector" && !onDrawnTeam(res, v.Entity.USCC, r.Dept, r.Inspector):
		return schema.Errorf(schema.EUNPROCESSABLE, "%s不在%s的%s检查人员中，不能替换", personName(tx, r.Inspector), v.Entity.Name, deptName(tx, r.Dept))
	}
	return fmt.Errorf("re-draw of visit %s: %w", v.ID, err)
}

// onDrawnTeam says whether the draw (with its re-draws applied) put
// inspector on dept's team for the entity uscc.
func onDrawnTeam(res *draw.Result, uscc, dept, inspector string) bool {
	for _, dv := range res.Visits {
		if dv.USCC == uscc {
			return slices.Contains(dv.Team[dept], inspector)
		}
	}
	return false
}

// personName names a user for a message a lead reads; an unknown id
// becomes a neutral word, never the id itself.
func personName(tx *sql.Tx, id string) string {
	var n string
	if tx.QueryRow(`SELECT name FROM users WHERE id = ?`, id).Scan(&n) != nil || n == "" {
		return "该人员"
	}
	return n
}

// MemberWork is what one inspector has recorded on a visit so far: what a
// lead is warned about before swapping them out. A swap keeps all of it on
// the visit, attributed to them (swapMember only marks their membership
// inactive); the incoming inspector receives the visit with it; whatever
// they send after the swap is refused, kept and shown to the lead in red.
type MemberWork struct {
	UserID     string `json:"user_id"`
	Name       string `json:"name"`
	Dept       string `json:"dept"`
	Checkins   int    `json:"checkins"`   // 到场签到
	Answered   int    `json:"answered"`   // check points answered by them
	Failed     int    `json:"failed"`     // of which 不符合
	Signatures int    `json:"signatures"` // signatures they took or gave
	Notices    int    `json:"notices"`    // 责令改正通知书 they issued
	Outcomes   int    `json:"outcomes"`   // departments' 检查结果 they recorded
	Finished   bool   `json:"finished"`   // they confirmed 本部门检查完毕
}

// Any says whether there is work to warn about.
func (w *MemberWork) Any() bool {
	return w.Checkins+w.Answered+w.Signatures+w.Notices+w.Outcomes > 0 || w.Finished
}

// VisitMemberWork reads what a team member has recorded on a visit, for the
// lead who may adjust the visit's team (authz.VisitPatch on the task, for
// the member's department).
func (db *DB) VisitMemberWork(ctx context.Context, u *schema.User, visitID, userID string) (*MemberWork, error) {
	if userID == "" {
		return nil, schema.Errorf(schema.EINVALID, "请指明要查看的检查人员（user）")
	}
	var out *MemberWork
	err := db.Read(ctx, func(tx *sql.Tx) error {
		v, err := LoadVisit(tx, visitID)
		if err != nil {
			return err
		}
		t, err := db.TaskByID(ctx, tx, v.TaskID)
		if err != nil {
			return err
		}
		var m *Member
		for i := range v.Team {
			if v.Team[i].UserID == userID {
				m = &v.Team[i]
			}
		}
		if m == nil {
			return schema.Errorf(schema.ENOTFOUND, "%s不在%s这户检查的检查组中", personName(tx, userID), v.Entity.Name)
		}
		sc := t.Scope()
		sc.Dept = m.Dept
		if err := authz.Check(u, authz.VisitPatch, sc); err != nil {
			return err
		}
		w := &MemberWork{UserID: m.UserID, Name: m.Name, Dept: m.Dept}
		err = tx.QueryRow(`SELECT
			(SELECT count(*) FROM checkins WHERE visit_id = ?1 AND user_id = ?2),
			(SELECT count(*) FROM item_results WHERE visit_id = ?1 AND user_id = ?2),
			(SELECT count(*) FROM item_results WHERE visit_id = ?1 AND user_id = ?2 AND value = '不符合'),
			(SELECT count(*) FROM signatures WHERE visit_id = ?1 AND (user_id = ?2 OR signer_id = ?2)),
			(SELECT count(*) FROM notices WHERE visit_id = ?1 AND user_id = ?2),
			(SELECT count(*) FROM outcomes WHERE visit_id = ?1 AND user_id = ?2),
			EXISTS (SELECT 1 FROM dept_finishes WHERE visit_id = ?1 AND user_id = ?2)`, visitID, userID).
			Scan(&w.Checkins, &w.Answered, &w.Failed, &w.Signatures, &w.Notices, &w.Outcomes, &w.Finished)
		if err != nil {
			return fmt.Errorf("reading the work of %s on visit %s: %w", userID, visitID, err)
		}
		out = w
		return nil
	})
	return out, err
}
