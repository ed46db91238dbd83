package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

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
	err := tx.QueryRow(`SELECT id FROM catalogue_items WHERE ifnull(dept, '') = ? AND name = ?`, dept, it.Name).Scan(&id)
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
	Code        string     `json:"code,omitempty"`
	Name        string     `json:"name"`
	Raw         string     `json:"raw"`
	Placeholder bool       `json:"placeholder"`
	Items       []PlanItem `json:"items"`
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
		return nil, schema.Errorf(schema.ENOTFOUND, "plan %s not found", id)
	} else if err != nil {
		return nil, err
	}
	return p, loadPlanDepartments(tx, `p.id = ?`, id, map[string]*Plan{id: p})
}

func loadPlanDepartments(tx *sql.Tx, where string, arg any, byID map[string]*Plan) error {
	rows, err := tx.Query(`SELECT pd.plan_id, pd.ord, ifnull(pd.dept, ''), ifnull(d.name, pd.raw), pd.raw, pd.placeholder
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
		d.Items = []PlanItem{}
		p := byID[planID]
		p.Departments = append(p.Departments, d)
		order = append(order, key{planID, ord})
	}
	rows.Close()
	for _, k := range order {
		p := byID[k.plan]
		idx[k] = &p.Departments[k.ord-1]
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
		s.Depts = append(s.Depts, d.Code)
	}
	return s
}
