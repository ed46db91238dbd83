package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/directory"
)

// DirectoryResult counts what a directory import wrote.
type DirectoryResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// directoryDiff is what a directory import's audit row records (R15): not
// only counts but who or what was added and what changed, field by field,
// so that anyone reading the trail sees, say, which inspector was marked
// 回避 with which entity, or whose department a file moved.
type directoryDiff struct {
	DirectoryResult
	Added   []any          `json:"added,omitempty"`
	Changed []fieldChanges `json:"changed,omitempty"`
}

// fieldChanges is one changed record: its key (USCC, username, inspector and
// entity) and each changed field's value before and after.
type fieldChanges struct {
	Key    string            `json:"key"`
	Fields map[string][2]any `json:"fields"`
}

// diffFields compares two records field by field (by their JSON names).
func diffFields(key string, before, after map[string]any) (fieldChanges, bool) {
	fc := fieldChanges{Key: key, Fields: map[string][2]any{}}
	for k, a := range after {
		if b := before[k]; fmt.Sprint(b) != fmt.Sprint(a) {
			fc.Fields[k] = [2]any{b, a}
		}
	}
	return fc, len(fc.Fields) > 0
}

// scopeErrors gathers the rows of an import that fall outside the caller's
// scope (server/authz), each with its row, column and a Chinese reason. An
// import with any writes nothing: the transaction is rolled back.
type scopeErrors struct {
	list schema.RowErrors
	more int
}

func (e *scopeErrors) add(row int, column, format string, args ...any) {
	if len(e.list) >= directory.MaxErrors {
		e.more++
		return
	}
	e.list = append(e.list, schema.RowError{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
}

// err is the import's answer when rows were refused: 422 with every row.
func (e *scopeErrors) err() error {
	if len(e.list) == 0 {
		return nil
	}
	if e.more > 0 {
		e.list = append(e.list, schema.RowError{Message: fmt.Sprintf("另有 %d 行超出范围，未逐一列出", e.more)})
	}
	return &schema.Error{Code: schema.EUNPROCESSABLE, Message: e.list.Error(), Details: e.list}
}

// rowOf is the file row of the i-th record, or its place after a header
// when it did not come from a file.
func rowOf(row, i int) int {
	if row == 0 {
		return i + 2
	}
	return row
}

// RegionSet returns a membership test of known region codes.
func (db *DB) RegionSet(ctx context.Context) (func(string) bool, error) {
	rs, err := db.Regions(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, r := range rs {
		m[r.Code] = true
	}
	return func(c string) bool { return m[c] }, nil
}

// DeptSet returns a membership test of member department codes.
func (db *DB) DeptSet(ctx context.Context) (func(string) bool, error) {
	ds, err := db.Departments(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, d := range ds {
		m[d.Code] = true
	}
	return func(c string) bool { return m[c] }, nil
}

type entityRow struct {
	ID      string   `json:"-"`
	Name    string   `json:"name"`
	Region  string   `json:"region"`
	Address string   `json:"address"`
	Risk    string   `json:"risk"`
	Status  string   `json:"status"`
	Lat     *float64 `json:"lat,omitempty"`
	Lng     *float64 `json:"lng,omitempty"`
	Flags   string   `json:"flags"`
	Tags    string   `json:"tags"`
}

func (r entityRow) fields() map[string]any {
	m := map[string]any{"name": r.Name, "region": r.Region, "address": r.Address, "risk": r.Risk, "status": r.Status, "flags": r.Flags, "tags": r.Tags}
	m["lat"], m["lng"] = floatOrNil(r.Lat), floatOrNil(r.Lng)
	return m
}

func floatOrNil(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// DirectoryPreview is what a directory import does, or in a dry run would do:
// the counts, and the first rows of each kind for a person to read before
// confirming (添加、变更、文件中没有). The dry run and the import are one code
// path, so that what the preview shows is what the import writes.
type DirectoryPreview struct {
	DirectoryResult
	DryRun bool `json:"dry_run"`
	// Absent counts the records of the regions (entities), pools (inspectors)
	// or inspectors (回避) the file covers that it does not list: an import
	// never removes them, but a person should see them (a county's file
	// missing half its entities is the wrong file). Counted in a dry run only.
	Absent     int             `json:"absent"`
	Added      []PreviewRow    `json:"added"`
	Changed    []PreviewChange `json:"changed"`
	AbsentRows []PreviewRow    `json:"absent_rows"`
}

// PreviewRows is how many rows of each kind a preview lists.
const PreviewRows = 50

// PreviewRow is one record of a preview: an entity (key USCC), an inspector
// (key username) or a 回避 pair (key username × USCC).
type PreviewRow struct {
	Row    int    `json:"row,omitempty"` // the file's row; 0 for an absent record
	Key    string `json:"key"`
	Name   string `json:"name"`
	Region string `json:"region,omitempty"` // region name
	Dept   string `json:"dept,omitempty"`   // department name
	Detail string `json:"detail,omitempty"` // risk class and status, 执法证号, the reason
}

// PreviewChange is one changed record with each changed field (its column
// name in the file) before and after, as text.
type PreviewChange struct {
	Row    int           `json:"row"`
	Key    string        `json:"key"`
	Name   string        `json:"name"`
	Fields []FieldChange `json:"fields"`
}

// FieldChange is one field of a PreviewChange.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

func (p *DirectoryPreview) added(r PreviewRow) {
	if len(p.Added) < PreviewRows {
		p.Added = append(p.Added, r)
	}
}

func (p *DirectoryPreview) changed(row int, name string, fc fieldChanges, order []string) {
	if len(p.Changed) >= PreviewRows {
		return
	}
	pc := PreviewChange{Row: row, Key: fc.Key, Name: name}
	for _, f := range order {
		if v, ok := fc.Fields[f]; ok {
			pc.Fields = append(pc.Fields, FieldChange{Field: f, Before: text(v[0]), After: text(v[1])})
		}
	}
	p.Changed = append(p.Changed, pc)
}

func (p *DirectoryPreview) absent(r PreviewRow) {
	p.Absent++
	if len(p.AbsentRows) < PreviewRows {
		p.AbsentRows = append(p.AbsentRows, r)
	}
}

// text shows a field's value in a preview: nothing for nil, 是/否 for a flag.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "是"
		}
		return "否"
	}
	return fmt.Sprint(v)
}

// directoryRun runs fn in one write transaction, or in a dry run in a
// read-only one (fn then writes nothing: it is told so).
func (db *DB) directoryRun(ctx context.Context, dry bool, fn func(tx *sql.Tx) error) error {
	if dry {
		return db.Read(ctx, fn)
	}
	return db.Write(ctx, fn)
}

func newPreview(dry bool) *DirectoryPreview {
	return &DirectoryPreview{DryRun: dry, Added: []PreviewRow{}, Changed: []PreviewChange{}, AbsentRows: []PreviewRow{}}
}

var entityFieldOrder = []string{"name", "region", "address", "tags", "risk", "status", "lat", "lng", "flags"}

// ImportEntities writes the entity directory in one transaction. Entities are
// matched by USCC: a new one is created, a changed one is updated and its
// previous version kept in entity_history, so a past draw's snapshot stays
// explainable. The caller must cover the region of every row and, for an
// entity already in the directory, its present region too (authz
// EntityImport): a county office cannot move another county's entity or
// change its risk class. Rows outside are refused with their row and nothing
// is written; the audit row lists the USCCs added and each change.
func (db *DB) ImportEntities(ctx context.Context, es []directory.Entity, by *schema.User, channel string) (*DirectoryResult, error) {
	p, err := db.importEntities(ctx, es, by, channel, false)
	if err != nil {
		return nil, err
	}
	return &p.DirectoryResult, nil
}

// EntityImport is ImportEntities answering with a preview; with dry set it
// is a dry run: the same checks and the same diff in a read-only transaction,
// nothing written, plus the entities of the file's regions the file leaves out.
func (db *DB) EntityImport(ctx context.Context, es []directory.Entity, by *schema.User, channel string, dry bool) (*DirectoryPreview, error) {
	return db.importEntities(ctx, es, by, channel, dry)
}

func (db *DB) importEntities(ctx context.Context, es []directory.Entity, by *schema.User, channel string, dry bool) (*DirectoryPreview, error) {
	diff := &directoryDiff{}
	p := newPreview(dry)
	now := db.NowText()
	err := db.directoryRun(ctx, dry, func(tx *sql.Tx) error {
		*diff, *p = directoryDiff{}, *newPreview(dry) // a retried write starts afresh
		res := &p.DirectoryResult
		_, regions, err := names(tx)
		if err != nil {
			return err
		}
		sel, err := tx.Prepare(`SELECT id, name, region, address, risk, status, lat, lng, flags, tags FROM entities WHERE uscc = ?`)
		if err != nil {
			return err
		}
		defer sel.Close()
		var ins, tag *sql.Stmt
		if !dry {
			if ins, err = tx.Prepare(`INSERT INTO entities (id, uscc, name, region, address, risk, status, lat, lng, flags, tags, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
				return err
			}
			defer ins.Close()
			if tag, err = tx.Prepare(`INSERT INTO entity_tags (tag, region, entity_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`); err != nil {
				return err
			}
			defer tag.Close()
		}
		var refused scopeErrors
		for i, e := range es {
			row := entityRow{Name: e.Name, Region: e.Region, Address: e.Address, Risk: e.Risk, Status: e.Status, Lat: e.Lat, Lng: e.Lng,
				Flags: strings.Join(e.Flags, "|"), Tags: strings.Join(e.Tags, "|")}
			if authz.Check(by, authz.EntityImport, authz.Scope{Region: e.Region}) != nil {
				refused.add(rowOf(e.Row, i), "region", "%s不在你的管辖区域（%s）内，不能导入该地区的检查对象", nameOf(regions, e.Region), nameOf(regions, by.Region))
				continue
			}
			var old entityRow
			err := sel.QueryRow(e.USCC).Scan(&old.ID, &old.Name, &old.Region, &old.Address, &old.Risk, &old.Status, &old.Lat, &old.Lng, &old.Flags, &old.Tags)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if len(refused.list) > 0 {
					continue // refused already: only look for more refusals
				}
				res.Created++
				p.added(PreviewRow{Row: rowOf(e.Row, i), Key: e.USCC, Name: e.Name, Region: nameOf(regions, e.Region), Detail: e.Risk + " 类 · " + e.Status})
				if dry {
					continue
				}
				row.ID = newID()
				if _, err := ins.Exec(row.ID, e.USCC, row.Name, row.Region, row.Address, row.Risk, row.Status, row.Lat, row.Lng, row.Flags, row.Tags, now); err != nil {
					return err
				}
				diff.Added = append(diff.Added, e.USCC)
			case err != nil:
				return err
			default:
				if authz.Check(by, authz.EntityImport, authz.Scope{Region: old.Region}) != nil {
					refused.add(rowOf(e.Row, i), "uscc", "%s（%s）现属%s，不在你的管辖区域内，不能修改", old.Name, e.USCC, nameOf(regions, old.Region))
					continue
				}
				if len(refused.list) > 0 {
					continue
				}
				row.ID = old.ID
				change, changed := diffFields(e.USCC, old.fields(), row.fields())
				if !changed {
					res.Unchanged++
					continue
				}
				res.Updated++
				p.changed(rowOf(e.Row, i), e.Name, change, entityFieldOrder)
				if dry {
					continue
				}
				before, err := json.Marshal(old)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(`INSERT INTO entity_history (entity_id, replaced_at, before) VALUES (?, ?, ?)`, old.ID, now, string(before)); err != nil {
					return err
				}
				if _, err := tx.Exec(`UPDATE entities SET name = ?, region = ?, address = ?, risk = ?, status = ?, lat = ?, lng = ?, flags = ?, tags = ?, updated_at = ? WHERE id = ?`,
					row.Name, row.Region, row.Address, row.Risk, row.Status, row.Lat, row.Lng, row.Flags, row.Tags, now, old.ID); err != nil {
					return err
				}
				if _, err := tx.Exec(`DELETE FROM entity_tags WHERE entity_id = ?`, old.ID); err != nil {
					return err
				}
				diff.Changed = append(diff.Changed, change)
			}
			for _, t := range e.Tags {
				if _, err := tag.Exec(t, e.Region, row.ID); err != nil {
					return err
				}
			}
		}
		if err := refused.err(); err != nil {
			return err
		}
		if dry {
			return absentEntities(tx, es, regions, p)
		}
		diff.DirectoryResult = *res
		return Audit(tx, now, AuditEntry{UserID: by.ID, Channel: channel, Action: "entities.import", Kind: "directory", EntityID: "entities", After: diff})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// absentEntities adds to p the entities of the file's regions that the file
// does not list.
func absentEntities(tx *sql.Tx, es []directory.Entity, regions map[string]string, p *DirectoryPreview) error {
	listed := make(map[string]struct{}, len(es))
	var inFile []string
	seen := map[string]bool{}
	for _, e := range es {
		listed[e.USCC] = struct{}{}
		if !seen[e.Region] {
			seen[e.Region] = true
			inFile = append(inFile, e.Region)
		}
	}
	sort.Strings(inFile)
	for _, region := range inFile {
		err := eachRow(tx, `SELECT uscc, name, risk, status FROM entities WHERE region = ? ORDER BY uscc`, []any{region}, func(sc scanner) error {
			var uscc, name, risk, status string
			if err := sc.Scan(&uscc, &name, &risk, &status); err != nil {
				return err
			}
			if _, ok := listed[uscc]; !ok {
				p.absent(PreviewRow{Key: uscc, Name: name, Region: nameOf(regions, region), Detail: risk + " 类 · " + status})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

var inspectorFieldOrder = []string{"name", "dept", "region", "cert_no", "specialities", "expert", "on_duty"}

// ImportInspectors creates or updates inspector accounts (role inspector)
// with their 执法证号, specialities, expert flag and duty status. New accounts
// get passwordHash; existing ones keep theirs. The caller must act for the
// department and cover the region of every row and, for an account that
// exists, of its present department and region too (authz InspectorImport):
// a county 卫健委 office can neither create a 市场监管 inspector nor move the
// city 市场监管 lead. Rows outside are refused with their row and nothing is
// written; the audit row lists the usernames added and each change.
func (db *DB) ImportInspectors(ctx context.Context, ins []directory.Inspector, passwordHash string, by *schema.User, channel string) (*DirectoryResult, error) {
	p, err := db.importInspectors(ctx, ins, passwordHash, by, channel, false)
	if err != nil {
		return nil, err
	}
	return &p.DirectoryResult, nil
}

// InspectorImport is ImportInspectors answering with a preview; with dry set
// it is a dry run (nothing written), plus the inspectors of the file's pools
// (department and region) that the file leaves out.
func (db *DB) InspectorImport(ctx context.Context, ins []directory.Inspector, passwordHash string, by *schema.User, channel string, dry bool) (*DirectoryPreview, error) {
	return db.importInspectors(ctx, ins, passwordHash, by, channel, dry)
}

func (db *DB) importInspectors(ctx context.Context, ins []directory.Inspector, passwordHash string, by *schema.User, channel string, dry bool) (*DirectoryPreview, error) {
	diff := &directoryDiff{}
	p := newPreview(dry)
	now := db.NowText()
	err := db.directoryRun(ctx, dry, func(tx *sql.Tx) error {
		*diff, *p = directoryDiff{}, *newPreview(dry)
		res := &p.DirectoryResult
		depts, regions, err := names(tx)
		if err != nil {
			return err
		}
		var refused scopeErrors
		for i, in := range ins {
			row := rowOf(in.Row, i)
			if err := authz.Check(by, authz.InspectorImport, authz.Scope{Dept: in.Dept, Region: in.Region}); err != nil {
				if !authz.ActsFor(by, in.Dept) {
					refused.add(row, "dept", "只能导入本部门（%s）的执法检查人员，不能导入%s的", nameOf(depts, by.Dept), nameOf(depts, in.Dept))
				} else {
					refused.add(row, "region", "%s不在你的管辖区域（%s）内，不能导入该地区的执法检查人员", nameOf(regions, in.Region), nameOf(regions, by.Region))
				}
				continue
			}
			after := map[string]any{"name": in.Name, "dept": in.Dept, "region": in.Region, "cert_no": in.CertNo,
				"specialities": strings.Join(in.Specialities, "|"), "expert": in.Expert, "on_duty": in.OnDuty}
			var id, role, name, dept, region, cert, specs string
			var expert, onDuty bool
			err := tx.QueryRow(`SELECT id, role, name, dept, region, cert_no, specialities, expert, on_duty FROM users WHERE username = ?`, in.Username).
				Scan(&id, &role, &name, &dept, &region, &cert, &specs, &expert, &onDuty)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if len(refused.list) > 0 {
					continue
				}
				res.Created++
				p.added(PreviewRow{Row: row, Key: in.Username, Name: in.Name, Region: nameOf(regions, in.Region), Dept: nameOf(depts, in.Dept), Detail: in.CertNo})
				if dry {
					continue
				}
				if err := insertUser(tx, now, newID(), NewUser{Username: in.Username, Name: in.Name, PasswordHash: passwordHash, Role: schema.RoleInspector,
					Dept: in.Dept, Region: in.Region, CertNo: in.CertNo, Specialities: in.Specialities, Expert: in.Expert, OnDuty: in.OnDuty}); err != nil {
					return err
				}
				diff.Added = append(diff.Added, in.Username)
			case err != nil:
				return err
			default:
				if role != schema.RoleInspector && role != schema.RoleLead {
					refused.add(row, "username", "账号 %s 不是执法检查人员，不能由名录导入修改", in.Username)
					continue
				}
				if authz.Check(by, authz.InspectorImport, authz.Scope{Dept: dept, Region: region}) != nil {
					refused.add(row, "username", "账号 %s 现属%s（%s），不在你的部门或管辖区域内，不能修改", in.Username, nameOf(depts, dept), nameOf(regions, region))
					continue
				}
				if len(refused.list) > 0 {
					continue
				}
				before := map[string]any{"name": name, "dept": dept, "region": region, "cert_no": cert, "specialities": specs, "expert": expert, "on_duty": onDuty}
				change, changed := diffFields(in.Username, before, after)
				if !changed {
					res.Unchanged++
					continue
				}
				res.Updated++
				p.changed(row, in.Name, change, inspectorFieldOrder)
				if dry {
					continue
				}
				if _, err := tx.Exec(`UPDATE users SET name = ?, dept = ?, region = ?, cert_no = ?, specialities = ?, expert = ?, on_duty = ? WHERE id = ?`,
					in.Name, in.Dept, in.Region, in.CertNo, strings.Join(in.Specialities, "|"), in.Expert, in.OnDuty, id); err != nil {
					return err
				}
				diff.Changed = append(diff.Changed, change)
			}
		}
		if err := refused.err(); err != nil {
			return err
		}
		if dry {
			return absentInspectors(tx, ins, depts, regions, p)
		}
		diff.DirectoryResult = *res
		return Audit(tx, now, AuditEntry{UserID: by.ID, Channel: channel, Action: "inspectors.import", Kind: "directory", EntityID: "inspectors", After: diff})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// absentInspectors adds to p the active inspectors and leads of the file's
// pools (department and region) that the file does not list.
func absentInspectors(tx *sql.Tx, ins []directory.Inspector, depts, regions map[string]string, p *DirectoryPreview) error {
	type pool struct{ dept, region string }
	listed := make(map[string]bool, len(ins))
	var pools []pool
	seen := map[pool]bool{}
	for _, in := range ins {
		listed[in.Username] = true
		if k := (pool{in.Dept, in.Region}); !seen[k] {
			seen[k] = true
			pools = append(pools, k)
		}
	}
	sort.Slice(pools, func(i, j int) bool {
		return pools[i].dept < pools[j].dept || pools[i].dept == pools[j].dept && pools[i].region < pools[j].region
	})
	for _, pl := range pools {
		err := eachRow(tx, `SELECT username, name, cert_no FROM users WHERE dept = ? AND region = ? AND role IN ('inspector', 'lead') AND disabled = 0 ORDER BY username`,
			[]any{pl.dept, pl.region}, func(sc scanner) error {
				var username, name, cert string
				if err := sc.Scan(&username, &name, &cert); err != nil {
					return err
				}
				if !listed[username] {
					p.absent(PreviewRow{Key: username, Name: name, Region: nameOf(regions, pl.region), Dept: nameOf(depts, pl.dept), Detail: cert})
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// conflictKey names a 回避 record in an import's audit row.
type conflictKey struct {
	Inspector string `json:"inspector"`
	USCC      string `json:"uscc"`
	Reason    string `json:"reason"`
}

// ImportConflicts records conflicts of interest (回避). An unknown inspector or
// entity is an error naming its row; so is an inspector outside the caller's
// department or region, or an entity outside their region (authz
// ConflictImport): a county 卫健委 office cannot mark a 市场监管 inspector.
// Nothing is written then. The audit row lists each pair added and each
// reason changed.
func (db *DB) ImportConflicts(ctx context.Context, cs []directory.Conflict, by *schema.User, channel string) (*DirectoryResult, error) {
	p, err := db.importConflicts(ctx, cs, by, channel, false)
	if err != nil {
		return nil, err
	}
	return &p.DirectoryResult, nil
}

// ConflictImport is ImportConflicts answering with a preview; with dry set it
// is a dry run (nothing written), plus the recorded 回避 of the file's
// inspectors that the file leaves out.
func (db *DB) ConflictImport(ctx context.Context, cs []directory.Conflict, by *schema.User, channel string, dry bool) (*DirectoryPreview, error) {
	return db.importConflicts(ctx, cs, by, channel, dry)
}

func (db *DB) importConflicts(ctx context.Context, cs []directory.Conflict, by *schema.User, channel string, dry bool) (*DirectoryPreview, error) {
	diff := &directoryDiff{}
	p := newPreview(dry)
	now := db.NowText()
	err := db.directoryRun(ctx, dry, func(tx *sql.Tx) error {
		*diff, *p = directoryDiff{}, *newPreview(dry)
		res := &p.DirectoryResult
		depts, regions, err := names(tx)
		if err != nil {
			return err
		}
		var refused scopeErrors
		for i, c := range cs {
			row := rowOf(c.Row, i)
			var uid, uname, udept, uregion string
			err := tx.QueryRow(`SELECT id, name, dept, region FROM users WHERE username = ?`, c.Inspector).Scan(&uid, &uname, &udept, &uregion)
			if errors.Is(err, sql.ErrNoRows) {
				refused.add(row, "inspector", "找不到执法检查人员 %s", c.Inspector)
				continue
			} else if err != nil {
				return err
			}
			var eid, ename, eregion string
			err = tx.QueryRow(`SELECT id, name, region FROM entities WHERE uscc = ?`, c.USCC).Scan(&eid, &ename, &eregion)
			if errors.Is(err, sql.ErrNoRows) {
				refused.add(row, "uscc", "名录中没有统一社会信用代码为 %s 的检查对象", c.USCC)
				continue
			} else if err != nil {
				return err
			}
			if authz.Check(by, authz.ConflictImport, authz.Scope{Dept: udept, Region: uregion}) != nil {
				refused.add(row, "inspector", "执法检查人员 %s 属%s（%s），不在你的部门或管辖区域内，不能登记其回避", c.Inspector, nameOf(depts, udept), nameOf(regions, uregion))
				continue
			}
			if authz.Check(by, authz.ConflictImport, authz.Scope{Dept: udept, Region: eregion}) != nil {
				refused.add(row, "uscc", "%s属%s，不在你的管辖区域内，不能登记与它的回避", ename, nameOf(regions, eregion))
				continue
			}
			if len(refused.list) > 0 {
				continue
			}
			var old string
			err = tx.QueryRow(`SELECT reason FROM interest_conflicts WHERE user_id = ? AND entity_id = ?`, uid, eid).Scan(&old)
			key := conflictKey{Inspector: c.Inspector, USCC: c.USCC, Reason: c.Reason}
			pair := c.Inspector + " × " + c.USCC
			who := uname + " × " + ename
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res.Created++
				p.added(PreviewRow{Row: row, Key: pair, Name: who, Dept: nameOf(depts, udept), Region: nameOf(regions, eregion), Detail: c.Reason})
				if dry {
					continue
				}
				if _, err := tx.Exec(`INSERT INTO interest_conflicts (user_id, entity_id, reason) VALUES (?, ?, ?)`, uid, eid, c.Reason); err != nil {
					return err
				}
				diff.Added = append(diff.Added, key)
			case err != nil:
				return err
			case old == c.Reason:
				res.Unchanged++
			default:
				res.Updated++
				change := fieldChanges{Key: pair, Fields: map[string][2]any{"reason": {old, c.Reason}}}
				p.changed(row, who, change, []string{"reason"})
				if dry {
					continue
				}
				if _, err := tx.Exec(`UPDATE interest_conflicts SET reason = ? WHERE user_id = ? AND entity_id = ?`, c.Reason, uid, eid); err != nil {
					return err
				}
				diff.Changed = append(diff.Changed, change)
			}
		}
		if err := refused.err(); err != nil {
			return err
		}
		if dry {
			return absentConflicts(tx, cs, depts, regions, p)
		}
		diff.DirectoryResult = *res
		return Audit(tx, now, AuditEntry{UserID: by.ID, Channel: channel, Action: "conflicts.import", Kind: "directory", EntityID: "conflicts", After: diff})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// absentConflicts adds to p the recorded 回避 of the file's inspectors that
// the file does not list.
func absentConflicts(tx *sql.Tx, cs []directory.Conflict, depts, regions map[string]string, p *DirectoryPreview) error {
	listed := make(map[[2]string]bool, len(cs))
	var inspectors []string
	seen := map[string]bool{}
	for _, c := range cs {
		listed[[2]string{c.Inspector, c.USCC}] = true
		if !seen[c.Inspector] {
			seen[c.Inspector] = true
			inspectors = append(inspectors, c.Inspector)
		}
	}
	sort.Strings(inspectors)
	for _, username := range inspectors {
		err := eachRow(tx, `SELECT u.name, u.dept, e.uscc, e.name, e.region, c.reason FROM interest_conflicts c
				JOIN users u ON u.id = c.user_id JOIN entities e ON e.id = c.entity_id
				WHERE u.username = ? ORDER BY e.uscc`, []any{username}, func(sc scanner) error {
			var uname, udept, uscc, ename, eregion, reason string
			if err := sc.Scan(&uname, &udept, &uscc, &ename, &eregion, &reason); err != nil {
				return err
			}
			if !listed[[2]string{username, uscc}] {
				p.absent(PreviewRow{Key: username + " × " + uscc, Name: uname + " × " + ename, Dept: nameOf(depts, udept), Region: nameOf(regions, eregion), Detail: reason})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
