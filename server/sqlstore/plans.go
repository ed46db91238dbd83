package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/planimport"
)

// ImportResult counts what an import wrote.
type ImportResult struct {
	Year        int `json:"year"`
	Plans       int `json:"plans"`
	Numbers     int `json:"numbers"`
	Departments int `json:"departments"`
	Items       int `json:"items"`
	Catalogue   int `json:"catalogue_items"`
	Replaced    int `json:"replaced"`
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// ImportPlans writes a year's parsed plans in one transaction, replacing the
// year's plans only while none of them has a task (a drawn task pins the plan
// it came from); otherwise it fails with ECONFLICT and writes nothing.
// Every plan item also lands in its department's catalogue (监管事项清单).
func (db *DB) ImportPlans(ctx context.Context, year int, plans []planimport.Plan, by *schema.User, channel string) (*ImportResult, error) {
	res := &ImportResult{Year: year}
	now := db.NowText()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var tasks int
		if err := tx.QueryRow(`SELECT count(*) FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE p.year = ?`, year).Scan(&tasks); err != nil {
			return err
		}
		if tasks > 0 {
			return schema.Errorf(schema.ECONFLICT, "%d 年度计划已有 %d 个抽查任务，不能重新导入 (the %d plans already have %d tasks; re-import refused)", year, tasks, year, tasks)
		}
		if err := tx.QueryRow(`SELECT count(*) FROM plans WHERE year = ?`, year).Scan(&res.Replaced); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM plans WHERE year = ?`, year); err != nil {
			return err
		}
		seqs := map[int]bool{}
		for _, p := range plans {
			if err := insertPlan(tx, now, year, p, res); err != nil {
				return err
			}
			seqs[p.Seq] = true
		}
		res.Plans, res.Numbers = len(plans), len(seqs)
		return Audit(tx, now, AuditEntry{UserID: by.ID, Channel: channel, Action: "plan.import", Kind: "plan_year", EntityID: itoa(year), After: res})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func insertPlan(tx *sql.Tx, now string, year int, p planimport.Plan, res *ImportResult) error {
	id := newID()
	ratio, _ := json.Marshal(p.Ratio)
	levels, _ := json.Marshal(p.Levels)
	var start, end string
	if !p.Start.IsZero() {
		start = p.Start.Format("2006-01-02")
	}
	if !p.End.IsZero() {
		end = p.End.Format("2006-01-02")
	}
	if _, err := tx.Exec(`INSERT INTO plans (id, year, seq, sub, domain, target, name, ratio_text, ratio, delegated, levels, initiator, window_text, start_on, end_on, note, source_row, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, year, p.Seq, p.Sub, p.Domain, p.Target, p.Name, p.Ratio.Text, string(ratio), p.Delegated, string(levels), p.Initiator, p.Window, start, end, p.Note, p.Row, now); err != nil {
		return err
	}
	for di, d := range p.Departments {
		if _, err := tx.Exec(`INSERT INTO plan_departments (plan_id, ord, dept, raw, placeholder) VALUES (?, ?, nullif(?, ''), ?, ?)`,
			id, di+1, d.Code, d.Raw, d.Placeholder); err != nil {
			return err
		}
		res.Departments++
		for ii, it := range d.Items {
			catID, created, err := catalogueItem(tx, now, d.Code, it)
			if err != nil {
				return err
			}
			if created {
				res.Catalogue++
			}
			if _, err := tx.Exec(`INSERT INTO plan_items (id, plan_id, dept_ord, catalogue_id, ord) VALUES (?, ?, ?, ?, ?)`,
				newID(), id, di+1, catID, ii+1); err != nil {
				return err
			}
			res.Items++
		}
	}
	return nil
}

func catalogueItem(tx *sql.Tx, now, dept string, it planimport.Item) (string, bool, error) {
	var id string
	err := tx.QueryRow(`SELECT id FROM catalogue_items WHERE coalesce(dept, '') = ? AND name = ?`, dept, it.Name).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", false, err
	}
	id = newID()
	_, err = tx.Exec(`INSERT INTO catalogue_items (id, dept, name, class, created_at) VALUES (?, nullif(?, ''), ?, ?, ?)`, id, dept, it.Name, it.Class, now)
	return id, true, err
}

// PlanItem is one inspection item of a plan department.
type PlanItem struct {
	ID          string `json:"id"`
	CatalogueID string `json:"catalogue_id"`
	Name        string `json:"name"`
	Class       string `json:"class"`
}

// PlanDepartment is a responsible department of a plan with its items.
type PlanDepartment struct {
	Ord         int        `json:"ord"` // its place in the plan, 1-based: names a placeholder to settle
	Code        string     `json:"code,omitempty"`
	Name        string     `json:"name"`
	Raw         string     `json:"raw"`
	Placeholder bool       `json:"placeholder"`
	Items       []PlanItem `json:"items"`
	// Settled: for a placeholder, the member departments the office chose
	// for it (SettlePlaceholder), in the order chosen; empty until then.
	Settled []SettledDept `json:"settled,omitempty"`
}

// SettledDept is a member department chosen for a placeholder.
type SettledDept struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Plan is a plan as the API shows it.
type Plan struct {
	ID            string           `json:"id"`
	Year          int              `json:"year"`
	Seq           int              `json:"seq"`
	Sub           int              `json:"sub"`
	Domain        string           `json:"domain"`
	Target        string           `json:"target"`
	Tag           string           `json:"tag"`
	Name          string           `json:"name"`
	RatioText     string           `json:"ratio_text"`
	Ratio         json.RawMessage  `json:"ratio"`
	ClassRatios   json.RawMessage  `json:"class_ratios,omitempty"`
	Delegated     bool             `json:"delegated"`
	Levels        json.RawMessage  `json:"levels"`
	Initiator     string           `json:"initiator"`
	InitiatorName string           `json:"initiator_name"`
	Window        string           `json:"window"`
	Start         string           `json:"start,omitempty"`
	End           string           `json:"end,omitempty"`
	Note          string           `json:"note"`
	Departments   []PlanDepartment `json:"departments"`
}

const planCols = `p.id, p.year, p.seq, p.sub, p.domain, p.target, p.name, p.ratio_text, p.ratio, p.class_ratios, p.delegated, p.levels, p.initiator, d.name, p.window_text, p.start_on, p.end_on, p.note`

func scanPlan(row interface{ Scan(...any) error }) (*Plan, error) {
	var p Plan
	var ratio, classes, levels string
	if err := row.Scan(&p.ID, &p.Year, &p.Seq, &p.Sub, &p.Domain, &p.Target, &p.Name, &p.RatioText, &ratio, &classes, &p.Delegated, &levels, &p.Initiator, &p.InitiatorName, &p.Window, &p.Start, &p.End, &p.Note); err != nil {
		return nil, err
	}
	p.Ratio, p.Levels = json.RawMessage(ratio), json.RawMessage(levels)
	if classes != "" {
		p.ClassRatios = json.RawMessage(classes)
	}
	p.Tag = schema.TargetTag(p.Target)
	return &p, nil
}

// Plans lists a year's plans in table order with departments and items.
func (db *DB) Plans(ctx context.Context, year int) ([]*Plan, error) {
	var out []*Plan
	err := db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT `+planCols+` FROM plans p JOIN departments d ON d.code = p.initiator WHERE p.year = ? ORDER BY p.seq, p.sub`, year)
		if err != nil {
			return err
		}
		byID := map[string]*Plan{}
		for rows.Next() {
			p, err := scanPlan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, p)
			byID[p.ID] = p
		}
		rows.Close()
		return loadPlanDepartments(tx, `p.year = ?`, year, byID)
	})
	return out, err
}

// PlanByID loads one plan with departments and items.
func (db *DB) PlanByID(ctx context.Context, tx *sql.Tx, id string) (*Plan, error) {
	p, err := scanPlan(tx.QueryRow(`SELECT `+planCols+` FROM plans p JOIN departments d ON d.code = p.initiator WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schema.Errorf(schema.ENOTFOUND, "找不到该抽查计划")
	} else if err != nil {
		return nil, err
	}
	return p, loadPlanDepartments(tx, `p.id = ?`, id, map[string]*Plan{id: p})
}

func loadPlanDepartments(tx *sql.Tx, where string, arg any, byID map[string]*Plan) error {
	rows, err := tx.Query(`SELECT pd.plan_id, pd.ord, coalesce(pd.dept, ''), coalesce(d.name, pd.raw), pd.raw, pd.placeholder
		FROM plan_departments pd JOIN plans p ON p.id = pd.plan_id LEFT JOIN departments d ON d.code = pd.dept
		WHERE `+where+` ORDER BY pd.plan_id, pd.ord`, arg)
	if err != nil {
		return err
	}
	type key struct {
		plan string
		ord  int
	}
	idx := map[key]*PlanDepartment{}
	var order []key
	for rows.Next() {
		var planID string
		var ord int
		var d PlanDepartment
		if err := rows.Scan(&planID, &ord, &d.Code, &d.Name, &d.Raw, &d.Placeholder); err != nil {
			rows.Close()
			return err
		}
		d.Ord = ord
		d.Items = []PlanItem{}
		p := byID[planID]
		p.Departments = append(p.Departments, d)
		order = append(order, key{planID, ord})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range order {
		p := byID[k.plan]
		idx[k] = &p.Departments[k.ord-1]
	}
	rows, err = tx.Query(`SELECT ps.plan_id, ps.ord, ps.dept, d.name FROM plan_settlements ps JOIN plans p ON p.id = ps.plan_id
		JOIN departments d ON d.code = ps.dept WHERE `+where+` ORDER BY ps.plan_id, ps.ord, ps.pos`, arg)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k key
		var sd SettledDept
		if err := rows.Scan(&k.plan, &k.ord, &sd.Code, &sd.Name); err != nil {
			rows.Close()
			return err
		}
		if d := idx[k]; d != nil {
			d.Settled = append(d.Settled, sd)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Query(`SELECT pi.plan_id, pi.dept_ord, pi.id, c.id, c.name, c.class FROM plan_items pi JOIN plans p ON p.id = pi.plan_id
		JOIN catalogue_items c ON c.id = pi.catalogue_id WHERE `+where+` ORDER BY pi.plan_id, pi.dept_ord, pi.ord`, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var it PlanItem
		if err := rows.Scan(&k.plan, &k.ord, &it.ID, &it.CatalogueID, &it.Name, &it.Class); err != nil {
			return err
		}
		if d := idx[k]; d != nil {
			d.Items = append(d.Items, it)
		}
	}
	return rows.Err()
}

func itoa(n int) string { return fmtInt(int64(n)) }

// Scope is the plan as the policy judges it (authz.PlanList): like a task,
// by its initiating and responsible departments.
func (p *Plan) Scope() authz.Scope {
	s := authz.Scope{Initiator: p.Initiator}
	for _, d := range p.Departments {
		if d.Code != "" {
			s.Depts = append(s.Depts, d.Code)
		}
		// A department chosen for a placeholder takes part in the plan.
		for _, sd := range d.Settled {
			s.Depts = append(s.Depts, sd.Code)
		}
	}
	return s
}

// parsed is the plan as the table reads, for comparing a stored year with
// a new table (planimport.Diff).
func (p *Plan) parsed() (planimport.Plan, error) {
	out := planimport.Plan{Seq: p.Seq, Sub: p.Sub, Domain: p.Domain, Target: p.Target, Name: p.Name, Delegated: p.Delegated,
		Initiator: p.Initiator, Window: p.Window, Note: p.Note}
	out.Ratio.Text = p.RatioText
	if err := json.Unmarshal(p.Levels, &out.Levels); err != nil {
		return out, fmt.Errorf("plan %d: stored levels: %w", p.Seq, err)
	}
	for _, d := range p.Departments {
		pd := planimport.Department{Raw: d.Raw, Code: d.Code, Placeholder: d.Placeholder}
		for _, it := range d.Items {
			pd.Items = append(pd.Items, planimport.Item{Name: it.Name, Class: it.Class})
		}
		out.Departments = append(out.Departments, pd)
	}
	return out, nil
}

// PlanPreview is what importing a table for a year would do, written by
// nothing: the table's counts, the plans it holds, and against the plans
// the year has now, what changes. Tasks > 0 means the import would be
// refused (a drawn task pins its plan; ImportPlans says so too).
type PlanPreview struct {
	Year int `json:"year"`
	planimport.Summary
	Existing int                 `json:"existing"` // plans the year has now
	Tasks    int                 `json:"tasks"`    // tasks of the year's plans
	Settled  int                 `json:"settled"`  // placeholders settled now, lost on import
	Changes  []planimport.Change `json:"changes"`
	Parsed   []planimport.Plan   `json:"parsed"` // the table as read, in table order
}

// PreviewPlans answers what ImportPlans would do with plans for year,
// reading only.
func (db *DB) PreviewPlans(ctx context.Context, year int, plans []planimport.Plan) (*PlanPreview, error) {
	out := &PlanPreview{Year: year, Summary: planimport.Summarize(plans), Parsed: plans}
	existing, err := db.Plans(ctx, year)
	if err != nil {
		return nil, err
	}
	old := make([]planimport.Plan, 0, len(existing))
	for _, p := range existing {
		op, err := p.parsed()
		if err != nil {
			return nil, err
		}
		old = append(old, op)
		for _, d := range p.Departments {
			if len(d.Settled) > 0 {
				out.Settled++
			}
		}
	}
	out.Existing = len(existing)
	out.Changes = planimport.Diff(old, plans)
	err = db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE p.year = ?`, year).Scan(&out.Tasks)
	})
	return out, err
}

// PlanYears lists the years that have plans, newest first.
func (db *DB) PlanYears(ctx context.Context) ([]int, error) {
	years := []int{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT DISTINCT year FROM plans ORDER BY year DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var y int
			if err := rows.Scan(&y); err != nil {
				return err
			}
			years = append(years, y)
		}
		return rows.Err()
	})
	return years, err
}

// SettlePlaceholder stores the member departments the office chose for the
// placeholder department at ord of a plan (R3a), replacing an earlier
// choice, audited with the choice before and after. Who may is the
// policy's (authz.PlanSettle: who may create the plan's tasks); what may be
// chosen is planimport.Settle's. Tasks created afterwards take these
// departments; tasks created before keep theirs.
func (db *DB) SettlePlaceholder(ctx context.Context, by *schema.User, planID string, ord int, codes []string) (*Plan, error) {
	var out *Plan
	err := db.Write(ctx, func(tx *sql.Tx) error {
		p, err := db.PlanByID(ctx, tx, planID)
		if err != nil {
			return err
		}
		if err := authz.Check(by, authz.PlanSettle, p.Scope()); err != nil {
			return err
		}
		if ord < 1 || ord > len(p.Departments) {
			return schema.Errorf(schema.EINVALID, "计划“%s”没有第 %d 个责任部门", p.Name, ord)
		}
		d := p.Departments[ord-1]
		var named []string
		for _, x := range p.Departments {
			if !x.Placeholder {
				named = append(named, x.Code)
			}
		}
		members := map[string]string{}
		rows, err := tx.Query(`SELECT code, name FROM departments WHERE kind = 'member'`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var code, name string
			if err := rows.Scan(&code, &name); err != nil {
				rows.Close()
				return err
			}
			members[code] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		settled, err := planimport.Settle(planimport.Department{Raw: d.Raw, Code: d.Code, Placeholder: d.Placeholder}, named, codes, members)
		if err != nil {
			return err
		}
		before := make([]string, 0, len(d.Settled))
		for _, sd := range d.Settled {
			before = append(before, sd.Code)
		}
		if slices.Equal(before, settled) {
			return schema.Errorf(schema.EINVALID, "“%s”已确定为所选部门，没有变化", d.Raw)
		}
		if _, err := tx.Exec(`DELETE FROM plan_settlements WHERE plan_id = ? AND ord = ?`, p.ID, ord); err != nil {
			return err
		}
		for i, code := range settled {
			if _, err := tx.Exec(`INSERT INTO plan_settlements (plan_id, ord, dept, pos) VALUES (?, ?, ?, ?)`, p.ID, ord, code, i+1); err != nil {
				return err
			}
		}
		type choice struct {
			Ord         int      `json:"ord"`
			Raw         string   `json:"raw"`
			Departments []string `json:"departments"`
		}
		var was any
		if len(before) > 0 {
			was = choice{ord, d.Raw, before}
		}
		if err := Audit(tx, db.NowText(), AuditEntry{UserID: by.ID, Channel: schema.ChannelWeb, Action: "plan.settle", Kind: "plan", EntityID: p.ID,
			Before: was, After: choice{ord, d.Raw, settled}}); err != nil {
			return err
		}
		out, err = db.PlanByID(ctx, tx, p.ID)
		return err
	})
	return out, err
}
