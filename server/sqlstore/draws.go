package sqlstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/draw"
	"zsc/server/planimport"
	"zsc/server/visits"
)

// Task is a plan instantiated for one region and batch.
type Task struct {
	ID          string   `json:"id"`
	PlanID      string   `json:"plan_id"`
	PlanSeq     int      `json:"plan_seq"`
	PlanName    string   `json:"plan_name"`
	Region      string   `json:"region"`
	Batch       int      `json:"batch"`
	Level       string   `json:"level"`
	Tag         string   `json:"tag"`
	Initiator   string   `json:"initiator"`
	Departments []string `json:"departments"`
	DrawID      string   `json:"draw_id,omitempty"`
	Visits      int      `json:"visits"`
	Done        int      `json:"done"` // visits complete
	CreatedAt   string   `json:"created_at"`
}

// NewTask is a request to create a task.
type NewTask struct {
	PlanID string   `json:"plan_id"`
	Region string   `json:"region"`
	Batch  int      `json:"batch"`
	Level  string   `json:"level"`  // 市级 or 县区级; default from the caller's region
	Settle []string `json:"settle"` // departments that take a placeholder's place (R3a)
}

// CreateTask makes a task of a plan for a region and batch. Placeholder
// departments ("待定", "相关成员单位") must be settled here by naming real
// departments; the caller must cover the region, and a department's office
// may only create tasks of plans its department initiates.
func (db *DB) CreateTask(ctx context.Context, by *schema.User, req NewTask) (*Task, error) {
	var t *Task
	err := db.Write(ctx, func(tx *sql.Tx) error {
		p, err := db.PlanByID(ctx, tx, req.PlanID)
		if err != nil {
			return err
		}
		t, err = db.createTask(tx, by, p, req)
		return err
	})
	return t, err
}

// NewTasks asks for a plan's tasks in every region of a level at once:
// 市级 is the city, 县区级 every county the caller covers.
type NewTasks struct {
	PlanID string   `json:"plan_id"`
	Batch  int      `json:"batch"`
	Level  string   `json:"level"`
	Settle []string `json:"settle"`
}

// TaskBatch is what CreateTasks made, and the regions it left alone
// because the plan already has that batch there.
type TaskBatch struct {
	Created []*Task         `json:"created"`
	Skipped []SkippedRegion `json:"skipped"`
}

// SkippedRegion is a region CreateTasks did not create a task in, and why.
type SkippedRegion struct {
	Region string `json:"region"`
	Reason string `json:"reason"`
	TaskID string `json:"task_id"`
}

// CreateTasks creates a plan's tasks in every region of the level the caller
// covers, in one transaction: each is checked as CreateTask checks one, and
// any refusal writes none of them. A region where the plan already has the
// batch is skipped and named, so that the office may run it again after
// adding a region, and nothing is created twice. A batch in which nothing
// is left to create is refused.
func (db *DB) CreateTasks(ctx context.Context, by *schema.User, req NewTasks) (*TaskBatch, error) {
	if req.PlanID == "" || req.Level == "" {
		return nil, schema.Errorf(schema.EINVALID, "请选择计划和层级（市级或县区级） (plan_id, level)")
	}
	if req.Level != "市级" && req.Level != "县区级" {
		return nil, schema.Errorf(schema.EINVALID, "层级只能是市级或县区级，不能是“%s” (level)", req.Level)
	}
	if req.Batch == 0 {
		req.Batch = 1
	}
	out := &TaskBatch{Created: []*Task{}, Skipped: []SkippedRegion{}}
	err := db.Write(ctx, func(tx *sql.Tx) error {
		p, err := db.PlanByID(ctx, tx, req.PlanID)
		if err != nil {
			return err
		}
		kind := "county"
		if req.Level == "市级" {
			kind = "city"
		}
		rows, err := tx.Query(`SELECT code FROM regions WHERE level = ? ORDER BY code`, kind)
		if err != nil {
			return err
		}
		var regions []string
		for rows.Next() {
			var code string
			if err := rows.Scan(&code); err != nil {
				rows.Close()
				return err
			}
			regions = append(regions, code)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		// The regions are those the policy lets the caller create a task in;
		// when it lets them into none, its refusal is the answer.
		var mine []string
		var refusal error
		for _, r := range regions {
			if err := authz.Check(by, authz.TaskCreate, authz.Scope{Region: r, Initiator: p.Initiator}); err != nil {
				if refusal == nil {
					refusal = err
				}
				continue
			}
			mine = append(mine, r)
		}
		if len(mine) == 0 {
			if refusal == nil {
				refusal = schema.Errorf(schema.EINVALID, "没有%s的地区", req.Level)
			}
			return refusal
		}
		for _, r := range mine {
			var existing string
			err := tx.QueryRow(`SELECT id FROM tasks WHERE plan_id = ? AND region = ? AND batch = ?`, p.ID, r, req.Batch).Scan(&existing)
			if err == nil {
				out.Skipped = append(out.Skipped, SkippedRegion{Region: r, TaskID: existing, Reason: fmt.Sprintf("第%d批已有任务", req.Batch)})
				continue
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			t, err := db.createTask(tx, by, p, NewTask{PlanID: p.ID, Region: r, Batch: req.Batch, Level: req.Level, Settle: req.Settle})
			if err != nil {
				return err
			}
			out.Created = append(out.Created, t)
		}
		if len(out.Created) == 0 {
			return schema.Errorf(schema.ECONFLICT, "计划第%d项在%s的每个地区都已有第%d批任务", p.Seq, req.Level, req.Batch)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// createTask is CreateTask inside the caller's transaction, for one region.
func (db *DB) createTask(tx *sql.Tx, by *schema.User, p *Plan, req NewTask) (*Task, error) {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM regions WHERE code = ?`, req.Region).Scan(&n); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, schema.Errorf(schema.EINVALID, "地区代码 %s 不存在 (unknown region)", req.Region)
	}
	if err := authz.Check(by, authz.TaskCreate, authz.Scope{Region: req.Region, Initiator: p.Initiator}); err != nil {
		return nil, err
	}
	if req.Batch == 0 {
		req.Batch = 1
	}
	if req.Level == "" {
		req.Level = "县区级"
		if by.Region == schema.CityRegion {
			req.Level = "市级"
		}
	}
	var levels []string
	if err := json.Unmarshal(p.Levels, &levels); err != nil {
		return nil, fmt.Errorf("plan %d: stored levels: %w", p.Seq, err)
	}
	if slices.Contains(levels, "市县级") { // plan 29 of the seed writes both levels as one
		levels = append(levels, "市级", "县区级")
	}
	if !slices.Contains(levels, req.Level) {
		return nil, schema.Errorf(schema.EINVALID, "计划第%d项的层级是%s，不能按%s创建任务", p.Seq, strings.Join(levels, "、"), req.Level)
	}
	depts, err := settleDepartments(tx, p, req.Settle)
	if err != nil {
		return nil, err
	}
	t := &Task{ID: newID(), PlanID: p.ID, PlanSeq: p.Seq, PlanName: p.Name, Region: req.Region, Batch: req.Batch, Level: req.Level,
		Tag: p.Tag, Initiator: p.Initiator, Departments: depts, CreatedAt: db.NowText()}
	if _, err := tx.Exec(`INSERT INTO tasks (id, plan_id, region, batch, level, tag, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.PlanID, t.Region, t.Batch, t.Level, t.Tag, by.ID, t.CreatedAt); err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return nil, schema.Errorf(schema.ECONFLICT, "计划第%d项在%s已有第%d批任务", p.Seq, regionName(tx, req.Region), req.Batch)
		}
		return nil, err
	}
	for i, d := range depts {
		if _, err := tx.Exec(`INSERT INTO task_departments (task_id, ord, dept) VALUES (?, ?, ?)`, t.ID, i+1, d); err != nil {
			return nil, err
		}
	}
	return t, Audit(tx, t.CreatedAt, AuditEntry{UserID: by.ID, Channel: schema.ChannelWeb, Action: "task.create", Kind: "task", EntityID: t.ID,
		ParentKind: "plan", ParentID: p.ID, After: t})
}

func settleDepartments(tx *sql.Tx, p *Plan, settle []string) ([]string, error) {
	var depts []string
	hasPlaceholder := false
	for _, d := range p.Departments {
		if d.Placeholder {
			hasPlaceholder = true
			continue
		}
		if !slices.Contains(depts, d.Code) {
			depts = append(depts, d.Code)
		}
	}
	if hasPlaceholder && len(settle) == 0 {
		// The office may have settled the plan's placeholders once for all
		// its tasks (SettlePlaceholder); a task naming others overrides it.
		for _, d := range p.Departments {
			for _, sd := range d.Settled {
				settle = append(settle, sd.Code)
			}
		}
	}
	// A placeholder the office settled on the plan (年度计划, SettlePlaceholder)
	// needs no settle of its own: every task of the plan takes those departments.
	if hasPlaceholder && len(settle) == 0 {
		for _, d := range p.Departments {
			if !d.Placeholder {
				continue
			}
			if len(d.Settled) == 0 {
				settle = nil
				break
			}
			for _, sd := range d.Settled {
				settle = append(settle, sd.Code)
			}
		}
	}
	if hasPlaceholder && len(settle) == 0 {
		return nil, schema.Errorf(schema.EINVALID, "计划第%d项有待定的部门（待定/相关成员单位）：请先在年度计划中确定由哪些部门参加 (settle)", p.Seq)
	}
	if !hasPlaceholder && len(settle) > 0 {
		return nil, schema.Errorf(schema.EINVALID, "计划第%d项没有待定的部门，不需要选定参加部门 (settle)", p.Seq)
	}
	for _, code := range settle {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM departments WHERE code = ? AND kind = 'member'`, code).Scan(&n); err != nil {
			return nil, err
		} else if n == 0 {
			return nil, schema.Errorf(schema.EINVALID, "选定的参加部门 %s 不存在 (settle: unknown department)", code)
		}
		if !slices.Contains(depts, code) {
			depts = append(depts, code)
		}
	}
	return depts, nil
}

// TaskByID loads a task.
func (db *DB) TaskByID(ctx context.Context, tx *sql.Tx, id string) (*Task, error) {
	var t Task
	err := tx.QueryRow(`SELECT t.id, t.plan_id, p.seq, p.name, t.region, t.batch, t.level, t.tag, p.initiator, t.created_at, coalesce(d.id, ''),
			(SELECT count(*) FROM visits v WHERE v.task_id = t.id AND v.status != 'replaced'),
			(SELECT count(*) FROM visits v WHERE v.task_id = t.id AND v.status = 'complete')
		FROM tasks t JOIN plans p ON p.id = t.plan_id LEFT JOIN draws d ON d.task_id = t.id WHERE t.id = ?`, id).
		Scan(&t.ID, &t.PlanID, &t.PlanSeq, &t.PlanName, &t.Region, &t.Batch, &t.Level, &t.Tag, &t.Initiator, &t.CreatedAt, &t.DrawID, &t.Visits, &t.Done)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schema.Errorf(schema.ENOTFOUND, "找不到该检查任务")
	} else if err != nil {
		return nil, err
	}
	rows, err := tx.Query(`SELECT dept FROM task_departments WHERE task_id = ? ORDER BY ord`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		t.Departments = append(t.Departments, d)
	}
	return &t, rows.Err()
}

// Tasks lists the tasks the user may see: the office its region (and, for a
// department's office, its department's plans); a lead the tasks their
// department takes part in within their region.
func (db *DB) Tasks(ctx context.Context, u *schema.User, year int) ([]*Task, error) {
	var out []*Task
	err := db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT t.id FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE (? = 0 OR p.year = ?) ORDER BY p.seq, p.sub, t.region, t.batch`, year, year)
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
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, id := range ids {
			t, err := db.TaskByID(ctx, tx, id)
			if err != nil {
				return err
			}
			if authz.Can(u, authz.TaskList, t.Scope()) {
				out = append(out, t)
			}
		}
		return nil
	})
	return out, err
}

// DrawRecord is what a draw stored (R6).
type DrawRecord struct {
	ID             string          `json:"id"`
	TaskID         string          `json:"task_id"`
	Algorithm      string          `json:"algorithm"`
	Seed           string          `json:"seed"`
	SeedSource     string          `json:"seed_source"` // random, supplied, witnessed (§8.7)
	SnapshotHash   string          `json:"snapshot_hash"`
	Population     int             `json:"population"`
	Drawn          int             `json:"drawn"`
	Strata         json.RawMessage `json:"strata"`
	RiskApplicable bool            `json:"risk_applicable"`
	RiskStratified bool            `json:"risk_stratified"`
	CreatedAt      string          `json:"created_at"`
	Visits         []string        `json:"visit_ids,omitempty"`
}

// ratioSpec turns a plan's parsed ratio and class ratios into a draw spec.
func ratioSpec(p *Plan, depts []string) (draw.Spec, error) {
	var r planimport.Ratio
	if err := json.Unmarshal(p.Ratio, &r); err != nil {
		return draw.Spec{}, err
	}
	spec := draw.Spec{Percent: r.Percent, Floor: r.Floor, Depts: depts, PerDept: 2}
	for _, o := range r.Overrides {
		spec.Overrides = append(spec.Overrides, draw.Override{Population: o.Population, Percent: o.Percent})
	}
	if len(p.ClassRatios) > 0 {
		var m map[string]float64
		if err := json.Unmarshal(p.ClassRatios, &m); err != nil {
			return draw.Spec{}, err
		}
		spec.Classes = map[draw.Risk]float64{}
		for k, v := range m {
			if len(k) == 1 {
				spec.Classes[draw.Risk(k[0])] = v
			}
		}
	}
	return spec, nil
}

// snapshot reads the population and the pools of a task (R4, R5).
func snapshotOf(tx *sql.Tx, t *Task, spec draw.Spec) (*draw.Snapshot, map[string]string, error) {
	s := &draw.Snapshot{Spec: spec}
	usccID := map[string]string{}
	q := `SELECT e.id, e.uscc, e.risk, e.flags FROM entity_tags g JOIN entities e ON e.id = g.entity_id WHERE g.tag = ? AND e.status = '存续'`
	args := []any{t.Tag}
	if t.Region != schema.CityRegion {
		q += ` AND g.region = ?`
		args = append(args, t.Region)
	}
	// Sorted input halves the draw's own sorting (server/draw ALGORITHM.md).
	rows, err := tx.Query(q+` ORDER BY e.uscc`, args...)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id, uscc, risk, flags string
		if err := rows.Scan(&id, &uscc, &risk, &flags); err != nil {
			rows.Close()
			return nil, nil, err
		}
		e := draw.Entity{USCC: uscc, Risk: draw.Risk(risk[0])}
		if flags != "" {
			e.Flags = strings.Split(flags, "|")
		}
		s.Entities = append(s.Entities, e)
		usccID[uscc] = id
	}
	if err := closeRows(rows); err != nil {
		return nil, nil, err
	}
	// Pools: each participating department's inspectors in the task's region
	// (a city task draws from the whole city). Membership is R5's rule
	// (draw.Pool.InPool: enabled, inspector, department, region), the one
	// the swap asks too; the SQL only narrows by department.
	for _, d := range spec.Depts {
		pool := draw.TaskPool(d, t.Region)
		rows, err := tx.Query(`SELECT id, role, disabled, region, cert_no != '', expert, on_duty FROM users WHERE dept = ?`, d)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			c := draw.Candidate{Dept: d}
			if err := rows.Scan(&c.ID, &c.Role, &c.Disabled, &c.Region, &c.Cert, &c.Expert, &c.OnDuty); err != nil {
				rows.Close()
				return nil, nil, err
			}
			if pool.InPool(c) == nil {
				s.Inspectors = append(s.Inspectors, draw.Inspector{ID: c.ID, Dept: d, Cert: c.Cert, Expert: c.Expert, OnDuty: c.OnDuty})
			}
		}
		if err := closeRows(rows); err != nil {
			return nil, nil, err
		}
	}
	pool := map[string]bool{}
	for _, in := range s.Inspectors {
		pool[in.ID] = true
	}
	// A 回避 row that cannot be read fails the draw: dropped, it would let
	// the conflicted inspector be drawn and the draw would still verify.
	rows, err = tx.Query(`SELECT c.user_id, e.uscc FROM interest_conflicts c JOIN entities e ON e.id = c.entity_id`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var c draw.Conflict
		if err := rows.Scan(&c.InspectorID, &c.USCC); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("reading the 回避 list: %w", err)
		}
		if pool[c.InspectorID] && usccID[c.USCC] != "" {
			s.Conflicts = append(s.Conflicts, c)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, nil, err
	}
	// Previous: the team of each entity's latest earlier visit of the same target.
	rows, err = tx.Query(`SELECT e.uscc, m.user_id FROM visits v JOIN tasks t ON t.id = v.task_id JOIN entities e ON e.id = v.entity_id
		JOIN visit_members m ON m.visit_id = v.id
		WHERE t.tag = ? AND v.created_at = (SELECT max(v2.created_at) FROM visits v2 WHERE v2.entity_id = v.entity_id AND v2.task_id IN (SELECT id FROM tasks WHERE tag = ?))`, t.Tag, t.Tag)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var p draw.Previous
		if err := rows.Scan(&p.USCC, &p.InspectorID); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("reading the previous draw's teams: %w", err)
		}
		if usccID[p.USCC] != "" && pool[p.InspectorID] {
			s.Previous = append(s.Previous, p)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, nil, err
	}
	return s, usccID, nil
}

// closeRows closes rows and returns the error that ended their iteration, if any.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// RunDraw draws a task's entities and inspectors (R4–R6) and creates its
// joint visits with checklists (R8), all in one transaction: a pool too small
// for R5 fails with the department and region named and writes nothing.
//
// suppliedSeed is empty for every draw the office runs: the server makes
// the seed from crypto/rand once the snapshot is stored. The command line
// and the demo may pass one (64 hex digits); it is recorded as "supplied",
// and verify and the public record say so.
func (db *DB) RunDraw(ctx context.Context, by *schema.User, taskID string, suppliedSeed string) (*DrawRecord, error) {
	var rec *DrawRecord
	err := db.Write(ctx, func(tx *sql.Tx) error {
		t, err := db.TaskByID(ctx, tx, taskID)
		if err != nil {
			return err
		}
		if err := authz.Check(by, authz.DrawRun, t.Scope()); err != nil {
			return err
		}
		if t.DrawID != "" {
			return schema.Errorf(schema.ECONFLICT, "该任务已经抽取过，不能再次抽取；个别检查户或人员需要更换时，请写明理由后重新抽取该户 (task %s, draw %s)", taskID, t.DrawID)
		}
		p, err := db.PlanByID(ctx, tx, t.PlanID)
		if err != nil {
			return err
		}
		spec, err := ratioSpec(p, t.Departments)
		if err != nil {
			return err
		}
		// The snapshot is read, encoded and stored before any seed exists, so
		// nobody — the server included — can fit one to the other (§8.7).
		snap, usccID, err := snapshotOf(tx, t, spec)
		if err != nil {
			return err
		}
		if len(snap.Entities) == 0 {
			return schema.Errorf(schema.EINVALID, "%s没有标记为“%s”的存续检查对象，请先导入检查对象名录 (no entity tagged %q in region %s)", regionName(tx, t.Region), t.Tag, t.Tag, t.Region)
		}
		encoded := snap.Encode()
		sum := sha256.Sum256(encoded)
		snapshotHash := hex.EncodeToString(sum[:])
		if err := storeSnapshot(tx, snapshotHash, encoded); err != nil {
			return err
		}
		seed, source := [32]byte{}, draw.SeedRandom
		if suppliedSeed != "" {
			if seed, err = draw.ParseSeed(suppliedSeed); err != nil {
				return schema.Errorf(schema.EINVALID, "种子须为 64 位十六进制数字（32 字节）")
			}
			source = draw.SeedSupplied
		} else if seed, err = draw.NewSeed(); err != nil {
			return err
		}
		res, err := draw.Run(seed, snap)
		if err != nil {
			var pe *draw.PoolError
			if errors.As(err, &pe) {
				return &schema.Error{Code: schema.EUNPROCESSABLE, Message: fmt.Sprintf("%s 在 %s 的执法人员库不足：需要 %d 名持证在岗且无回避的检查人员，只有 %d 名 (department %s, region %s: pool too small for R5)",
					deptName(tx, pe.Dept), regionName(tx, t.Region), pe.Need, pe.Have, pe.Dept, t.Region), Details: pe}
			}
			return schema.Errorf(schema.EINVALID, "抽取参数有误：%v", err)
		}
		if res.SnapshotHash != snapshotHash {
			return fmt.Errorf("draw: the run hashed snapshot %s, the stored one is %s", res.SnapshotHash, snapshotHash)
		}
		now := db.NowText()
		strata, err := json.Marshal(res.Strata)
		if err != nil {
			return err
		}
		result, err := json.Marshal(res)
		if err != nil {
			return err
		}
		rec = &DrawRecord{ID: newID(), TaskID: t.ID, Algorithm: res.Algorithm, Seed: res.Seed, SeedSource: string(source), SnapshotHash: res.SnapshotHash,
			Population: len(snap.Entities), Drawn: len(res.Visits), Strata: strata, RiskApplicable: res.RiskApplicable, RiskStratified: res.RiskStratified, CreatedAt: now}
		if _, err := tx.Exec(`INSERT INTO draws (id, task_id, algorithm, seed, seed_source, snapshot_hash, population, drawn, strata, result, risk_applicable, risk_stratified, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rec.ID, t.ID, rec.Algorithm, rec.Seed, rec.SeedSource, rec.SnapshotHash, rec.Population, rec.Drawn,
			string(strata), string(result), rec.RiskApplicable, rec.RiskStratified, by.ID, now); err != nil {
			return err
		}
		if err := Audit(tx, now, AuditEntry{UserID: by.ID, Channel: schema.ChannelWeb, Action: "draw.run", Kind: "draw", EntityID: rec.ID,
			ParentKind: "task", ParentID: t.ID, After: rec}); err != nil {
			return err
		}
		base := db.Now()
		for i, v := range res.Visits {
			day := visits.ScheduleDay(base, i)
			id, err := createVisit(tx, now, t, p, rec.ID, usccID[v.USCC], v, day)
			if err != nil {
				return err
			}
			rec.Visits = append(rec.Visits, id)
		}
		return nil
	})
	return rec, err
}

func createVisit(tx *sql.Tx, now string, t *Task, p *Plan, drawID, entityID string, v draw.Visit, day string) (string, error) {
	id := newID()
	if _, err := tx.Exec(`INSERT INTO visits (id, task_id, draw_id, entity_id, risk, stratum, scheduled_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, t.ID, drawID, entityID, string(v.Risk), v.Stratum, day, now); err != nil {
		return "", err
	}
	for _, d := range t.Departments {
		for _, uid := range v.Team[d] {
			if _, err := tx.Exec(`INSERT INTO visit_members (visit_id, user_id, dept) VALUES (?, ?, ?)`, id, uid, d); err != nil {
				return "", err
			}
		}
	}
	if err := insertChecklist(tx, id, t, p); err != nil {
		return "", err
	}
	return id, emitVisit(tx, now, id)
}

// insertChecklist copies every participating department's items (R8); a
// department that settled a placeholder takes the placeholder's items. A
// 事项 with a checklist template becomes one line per check point of the
// template's latest version (R8a), copied, so that a later version changes
// later draws only; a 事项 without one stays a single line named as the plan
// prints it, template_id NULL. ord runs across a department's lines. A
// visit made by an entity re-draw is drawn then, so it takes the version
// current then.
func insertChecklist(tx *sql.Tx, visitID string, t *Task, p *Plan) error {
	var placeholderItems []PlanItem
	for _, d := range p.Departments {
		if d.Placeholder {
			placeholderItems = append(placeholderItems, d.Items...)
		}
	}
	stmt, err := tx.Prepare(`INSERT INTO checklist_items (id, visit_id, dept, ord, catalogue_id, name, class, item_name, template_id, template_version,
		group_code, group_name, code, method, key_point, basis, violation, notice_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, code := range t.Departments {
		var items []PlanItem
		for _, d := range p.Departments {
			if d.Code == code {
				items = append(items, d.Items...)
			}
		}
		if len(items) == 0 {
			items = placeholderItems
		}
		ord := 0
		for _, it := range items {
			tpl, err := latestTemplate(tx, it.CatalogueID)
			if err != nil {
				return err
			}
			if tpl == nil {
				ord++
				if _, err := stmt.Exec(newID(), visitID, code, ord, it.CatalogueID, it.Name, it.Class, it.Name, nil, 0,
					"", "", "", "", false, "", "", ""); err != nil {
					return err
				}
				continue
			}
			points, err := templatePoints(tx, tpl.ID)
			if err != nil {
				return err
			}
			for _, pt := range points {
				ord++
				if _, err := stmt.Exec(newID(), visitID, code, ord, it.CatalogueID, pt.Text, it.Class, it.Name, tpl.ID, tpl.Version,
					pt.GroupCode, pt.GroupName, pt.Code, pt.Method, pt.Key, pt.Basis, pt.Violation, pt.NoticeText); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func emitVisit(tx *sql.Tx, now, visitID string) error {
	data, err := VisitData(tx, visitID)
	if err != nil {
		return err
	}
	_, err = AppendChange(tx, now, Change{Kind: "visit", Op: "put", EntityID: visitID, VisitID: visitID, Data: data})
	return err
}

func storeSnapshot(tx *sql.Tx, hash string, b []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := zw.Write(b); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO draw_snapshots (hash, data) VALUES (?, ?) ON CONFLICT DO NOTHING`, hash, buf.Bytes())
	return err
}

func loadSnapshot(tx *sql.Tx, hash string) ([]byte, error) {
	var z []byte
	if err := tx.QueryRow(`SELECT data FROM draw_snapshots WHERE hash = ?`, hash).Scan(&z); err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// Snapshot returns a draw's canonical snapshot, for outside auditors.
func (db *DB) Snapshot(ctx context.Context, drawID string) (b []byte, err error) {
	err = db.Read(ctx, func(tx *sql.Tx) error {
		var hash string
		if err := tx.QueryRow(`SELECT snapshot_hash FROM draws WHERE id = ?`, drawID).Scan(&hash); err != nil {
			return schema.Errorf(schema.ENOTFOUND, "找不到该抽取记录")
		}
		b, err = loadSnapshot(tx, hash)
		return err
	})
	return b, err
}

// Verification is the answer of a verify (R6). Reproduced says the stored
// result follows from the stored seed and snapshot; Match says more: it
// reproduces and the seed was made by the server after the snapshot was
// fixed, so nobody could have tried seeds until one drew whom they wanted.
type Verification struct {
	DrawID       string `json:"draw_id"`
	Match        bool   `json:"match"`
	Reproduced   bool   `json:"reproduced"`
	Reason       string `json:"reason,omitempty"`
	Algorithm    string `json:"algorithm"`
	Seed         string `json:"seed"`
	SeedSource   string `json:"seed_source"`
	SnapshotHash string `json:"snapshot_hash"`
	Visits       int    `json:"visits"`
}

// Reasons verify gives for a draw that reproduces but whose seed proves nothing.
const (
	reasonSupplied = "种子由操作人指定（seed_source supplied）：结果可以由种子和快照复现，但种子不是服务器在快照固定后随机生成的，不能排除反复试种子挑选结果"
	reasonUnknown  = "种子来源未记录（seed_source unknown，记录种子来源之前的抽取）：结果可以复现，但不能证明种子不是人为指定的"
)

// VerifyDraw re-runs a draw from its stored seed and snapshot and compares
// the result with the stored one.
func (db *DB) VerifyDraw(ctx context.Context, drawID string) (*Verification, error) {
	var v Verification
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var result string
		err := tx.QueryRow(`SELECT id, algorithm, seed, seed_source, snapshot_hash, result FROM draws WHERE id = ?`, drawID).
			Scan(&v.DrawID, &v.Algorithm, &v.Seed, &v.SeedSource, &v.SnapshotHash, &result)
		if errors.Is(err, sql.ErrNoRows) {
			return schema.Errorf(schema.ENOTFOUND, "找不到该抽取记录")
		} else if err != nil {
			return err
		}
		var stored draw.Result
		if err := json.Unmarshal([]byte(result), &stored); err != nil {
			return err
		}
		v.Visits = len(stored.Visits)
		snap, err := loadSnapshot(tx, v.SnapshotHash)
		if err != nil {
			return err
		}
		seed, err := draw.ParseSeed(v.Seed)
		if err != nil {
			v.Reason = "stored seed: " + err.Error()
			return nil
		}
		if v.Reproduced, v.Reason, err = draw.Verify(seed, snap, &stored); err != nil || !v.Reproduced {
			return err
		}
		switch source := draw.SeedSource(v.SeedSource); {
		case source.Trusted():
			v.Match = true
		case source == draw.SeedSupplied:
			v.Reason = reasonSupplied
		default:
			v.Reason = reasonUnknown
		}
		return nil
	})
	return &v, err
}

// PublicDraw is the record of one draw anyone may read on /public (§8.7):
// enough to check, with the algorithm and the snapshot's bytes from an
// auditor, that the published visits follow from a seed nobody chose.
type PublicDraw struct {
	ID           string       `json:"id"`
	TaskID       string       `json:"task_id"`
	PlanSeq      int          `json:"plan_seq"`
	PlanName     string       `json:"plan_name"`
	Year         int          `json:"year"`
	Batch        int          `json:"batch"`
	Region       string       `json:"region"`
	RegionName   string       `json:"region_name"`
	Departments  []PublicDept `json:"departments"`
	Algorithm    string       `json:"algorithm"`
	SnapshotHash string       `json:"snapshot_hash"`
	// Seed is empty until the task has no open visit: published at once,
	// it would tell anyone who knows the directory which entities are to be
	// inspected before the inspectors arrive. SeedSHA256 is published at
	// once instead (a commitment): once the seed appears, anyone checks
	// that it hashes to the value published on the day of the draw.
	Seed           string          `json:"seed"`
	SeedSHA256     string          `json:"seed_sha256"`
	SeedRevealed   bool            `json:"seed_revealed"`
	SeedSource     string          `json:"seed_source"`
	Population     int             `json:"population"`
	Drawn          int             `json:"drawn"`
	Strata         json.RawMessage `json:"strata"`
	RiskStratified bool            `json:"risk_stratified"`
	CreatedAt      string          `json:"created_at"`
}

// PublicDept names a participating department.
type PublicDept struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PublicDraws lists the latest draws, newest first, at most limit.
func (db *DB) PublicDraws(ctx context.Context, limit int) ([]PublicDraw, error) {
	out := []PublicDraw{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT d.id, d.task_id, p.seq, p.name, p.year, t.batch, t.region, coalesce(r.name, t.region), d.algorithm, d.snapshot_hash, d.seed, d.seed_source,
				d.population, d.drawn, d.strata, d.risk_stratified, d.created_at,
				NOT EXISTS (SELECT 1 FROM visits v WHERE v.task_id = d.task_id AND v.status = 'open')
			FROM draws d JOIN tasks t ON t.id = d.task_id JOIN plans p ON p.id = t.plan_id LEFT JOIN regions r ON r.code = t.region
			ORDER BY d.created_at DESC, d.id LIMIT ?`, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d PublicDraw
			var strata string
			if err := rows.Scan(&d.ID, &d.TaskID, &d.PlanSeq, &d.PlanName, &d.Year, &d.Batch, &d.Region, &d.RegionName, &d.Algorithm, &d.SnapshotHash, &d.Seed, &d.SeedSource,
				&d.Population, &d.Drawn, &strata, &d.RiskStratified, &d.CreatedAt, &d.SeedRevealed); err != nil {
				rows.Close()
				return err
			}
			d.SeedSHA256 = draw.SeedCommitment(d.Seed)
			if !d.SeedRevealed {
				d.Seed = ""
			}
			d.Strata = json.RawMessage(strata)
			out = append(out, d)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for i := range out {
			drows, err := tx.Query(`SELECT td.dept, coalesce(dp.name, td.dept) FROM task_departments td LEFT JOIN departments dp ON dp.code = td.dept WHERE td.task_id = ? ORDER BY td.ord`, out[i].TaskID)
			if err != nil {
				return err
			}
			for drows.Next() {
				var pd PublicDept
				if err := drows.Scan(&pd.Code, &pd.Name); err != nil {
					drows.Close()
					return err
				}
				out[i].Departments = append(out[i].Departments, pd)
			}
			if err := closeRows(drows); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func deptName(tx *sql.Tx, code string) string {
	var n string
	if tx.QueryRow(`SELECT name FROM departments WHERE code = ?`, code).Scan(&n) != nil {
		return code
	}
	return n
}

func regionName(tx *sql.Tx, code string) string {
	var n string
	if tx.QueryRow(`SELECT name FROM regions WHERE code = ?`, code).Scan(&n) != nil {
		return code
	}
	return n
}
