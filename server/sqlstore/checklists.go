package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"zsc/schema"
	"zsc/server/authz"
	"zsc/server/checklists"
)

// ChecklistImport counts what an import of checklist templates did.
type ChecklistImport struct {
	Source    string `json:"source"`    // the imported file's name
	Items     int    `json:"items"`     // 抽查事项 in the file
	Versions  int    `json:"versions"`  // new template versions written
	Unchanged int    `json:"unchanged"` // 事项 whose points equal their latest version
	Points    int    `json:"points"`    // check points in the file
}

// ImportChecklists writes the templates of a parsed checklist table in one
// transaction (R8a). For each 抽查事项 of the file it compares the canonical
// hash of its points with the latest version's: a difference adds a version
// (latest+1) with its points, an identical set adds nothing. Any problem —
// the parser's, a 事项 missing from its department's catalogue, a department
// outside the importer's scope (the office and admins import for every
// department, anyone else for their own) — fails the whole import with every
// problem listed (schema.RowErrors) and writes nothing.
func (db *DB) ImportChecklists(ctx context.Context, f *checklists.File, by *schema.User, channel string) (*ChecklistImport, error) {
	res := &ChecklistImport{Source: f.Name, Items: len(f.Items), Points: f.Points()}
	now := db.NowText()
	err := db.Write(ctx, func(tx *sql.Tx) error {
		depts, _, err := names(tx)
		if err != nil {
			return err
		}
		errs := append(schema.RowErrors(nil), f.Errors...)
		catIDs := make([]string, len(f.Items))
		firstRow := map[string]int{} // catalogue id -> row of the 事项 that named it first
		catalogues := map[string]*catalogue{}
		for i, it := range f.Items {
			if authz.Check(by, authz.ChecklistImport, authz.Scope{Dept: it.Dept}) != nil {
				errs = append(errs, schema.RowError{Row: it.Row, Column: checklists.ColDept,
					Message: fmt.Sprintf("只能导入本部门（%s）的检查表，不能导入%s的", nameOf(depts, by.Dept), nameOf(depts, it.Dept))})
				continue
			}
			cat := catalogues[it.Dept]
			if cat == nil {
				if cat, err = loadCatalogue(tx, it.Dept); err != nil {
					return err
				}
				catalogues[it.Dept] = cat
			}
			id, ok := cat.find(it.Title)
			if !ok {
				errs = append(errs, schema.RowError{Row: it.Row, Column: checklists.ColItem,
					Message: fmt.Sprintf("%s的监管事项清单中没有“%s”，请先导入年度计划", nameOf(depts, it.Dept), it.Title)})
				continue
			}
			if first, dup := firstRow[id]; dup {
				errs = append(errs, schema.RowError{Row: it.Row, Column: checklists.ColItem,
					Message: fmt.Sprintf("“%s”与第 %d 行是同一抽查事项（写法不同）：请统一写法", it.Title, first)})
				continue
			}
			firstRow[id] = it.Row
			catIDs[i] = id
		}
		if len(errs) > 0 {
			checklists.Sort(errs)
			return errs
		}
		for i := range f.Items {
			created, err := importTemplate(tx, now, &f.Items[i], catIDs[i], f.Name, by, channel)
			if err != nil {
				return err
			}
			if created {
				res.Versions++
			} else {
				res.Unchanged++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func nameOf(depts map[string]string, code string) string {
	if n := depts[code]; n != "" {
		return n
	}
	return code
}

// catalogue is one department's 监管事项清单, for matching titles.
type catalogue struct {
	exact map[string]string // name -> id
	loose map[string]string // name without any whitespace -> id; "" when two names collide
}

func loadCatalogue(tx *sql.Tx, dept string) (*catalogue, error) {
	c := &catalogue{exact: map[string]string{}, loose: map[string]string{}}
	err := eachRow(tx, `SELECT id, name FROM catalogue_items WHERE dept = ?`, []any{dept}, func(sc scanner) error {
		var id, name string
		if err := sc.Scan(&id, &name); err != nil {
			return err
		}
		c.exact[name] = id
		k := stripSpace(name)
		if prev, ok := c.loose[k]; ok && prev != id {
			c.loose[k] = ""
		} else {
			c.loose[k] = id
		}
		return nil
	})
	return c, err
}

// find matches a title as the plan prints it; failing that, ignoring
// whitespace, because a spreadsheet cell easily gains a line break or a space
// the plan table does not have.
func (c *catalogue) find(title string) (string, bool) {
	if id, ok := c.exact[title]; ok {
		return id, true
	}
	id := c.loose[stripSpace(title)]
	return id, id != ""
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return r
	}, s)
}

// templateHead is a template version without its points.
type templateHead struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Hash    string `json:"points_hash"`
}

// latestTemplate is the current version of a catalogue item's template, or
// nil when it has none.
func latestTemplate(tx *sql.Tx, catalogueID string) (*templateHead, error) {
	var t templateHead
	err := tx.QueryRow(`SELECT id, version, points_hash FROM checklist_templates WHERE catalogue_id = ? ORDER BY version DESC LIMIT 1`, catalogueID).
		Scan(&t.ID, &t.Version, &t.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// importTemplate adds a version of one 事项's template unless its points
// equal the latest version's, and audits it (R15).
func importTemplate(tx *sql.Tx, now string, it *checklists.Item, catalogueID, source string, by *schema.User, channel string) (bool, error) {
	hash := it.Hash()
	prev, err := latestTemplate(tx, catalogueID)
	if err != nil {
		return false, err
	}
	if prev != nil && prev.Hash == hash {
		return false, nil
	}
	t := templateHead{ID: newID(), Version: 1, Hash: hash}
	if prev != nil {
		t.Version = prev.Version + 1
	}
	if _, err := tx.Exec(`INSERT INTO checklist_templates (id, catalogue_id, version, points_hash, source, created_by, created_at) VALUES (?, ?, ?, ?, ?, nullif(?, ''), ?)`,
		t.ID, catalogueID, t.Version, hash, source, by.ID, now); err != nil {
		return false, err
	}
	stmt, err := tx.Prepare(`INSERT INTO checklist_template_points (template_id, ord, group_code, group_name, code, text, method, key_point, basis, violation, notice_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return false, err
	}
	defer stmt.Close()
	for i, p := range it.Points {
		if _, err := stmt.Exec(t.ID, i+1, p.GroupCode, p.GroupName, p.Code, p.Text, p.Method, p.Key, p.Basis, p.Violation, p.NoticeText); err != nil {
			return false, err
		}
	}
	var before any
	if prev != nil {
		before = prev
	}
	after := map[string]any{"id": t.ID, "catalogue_id": catalogueID, "dept": it.Dept, "item_name": it.Title, "version": t.Version,
		"points": len(it.Points), "points_hash": hash, "source": source}
	return true, Audit(tx, now, AuditEntry{UserID: by.ID, Channel: channel, Action: "checklists.import", Kind: "checklist_template", EntityID: t.ID,
		ParentKind: "catalogue_item", ParentID: catalogueID, Before: before, After: after})
}

// TemplatePoint is one check point of a template version.
type TemplatePoint struct {
	Ord        int    `json:"ord"`
	GroupCode  string `json:"group_code"`  // 检查项目代码
	GroupName  string `json:"group_name"`  // 检查项目
	Code       string `json:"code"`        // 检查内容代码
	Text       string `json:"text"`        // 检查内容
	Method     string `json:"method"`      // 参考检查方法
	Key        bool   `json:"key"`         // 重点项
	Basis      string `json:"basis"`       // 检查依据
	Violation  string `json:"violation"`   // 违反条款
	NoticeText string `json:"notice_text"` // 通知书表述
}

// TemplateVersion is one version of a 事项's template, without its points.
type TemplateVersion struct {
	ID         string `json:"id"`
	Version    int    `json:"version"`
	PointCount int    `json:"point_count"`
	Source     string `json:"source"`
	CreatedAt  string `json:"created_at"`
}

// ChecklistTemplate is a 事项's template as the API shows it: in a list, its
// latest version with the number of points; alone, a version with its
// points and the 事项's other versions.
type ChecklistTemplate struct {
	ID            string            `json:"id"`
	CatalogueID   string            `json:"catalogue_id"`
	Dept          string            `json:"dept"`
	DeptName      string            `json:"dept_name"`
	ItemName      string            `json:"item_name"` // the 抽查事项 as the plan prints it
	Class         string            `json:"class"`     // 一般检查 | 重点检查
	Version       int               `json:"version"`
	Latest        bool              `json:"latest"` // no later version exists
	PointCount    int               `json:"point_count"`
	KeyCount      int               `json:"key_count"` // 重点项 among the points
	Source        string            `json:"source"`
	CreatedBy     string            `json:"created_by,omitempty"`
	CreatedByName string            `json:"created_by_name"`
	CreatedAt     string            `json:"created_at"`
	Points        []TemplatePoint   `json:"points,omitempty"`
	Versions      []TemplateVersion `json:"versions,omitempty"`
}

const templateCols = `t.id, t.catalogue_id, coalesce(c.dept, ''), coalesce(d.name, ''), c.name, c.class, t.version,
	t.version = (SELECT max(version) FROM checklist_templates t2 WHERE t2.catalogue_id = t.catalogue_id),
	(SELECT count(*) FROM checklist_template_points p WHERE p.template_id = t.id),
	(SELECT count(*) FROM checklist_template_points p WHERE p.template_id = t.id AND p.key_point = 1),
	t.source, coalesce(t.created_by, ''), coalesce(u.name, ''), t.created_at
	FROM checklist_templates t JOIN catalogue_items c ON c.id = t.catalogue_id
	LEFT JOIN departments d ON d.code = c.dept LEFT JOIN users u ON u.id = t.created_by`

func scanTemplate(sc scanner) (*ChecklistTemplate, error) {
	var t ChecklistTemplate
	err := sc.Scan(&t.ID, &t.CatalogueID, &t.Dept, &t.DeptName, &t.ItemName, &t.Class, &t.Version, &t.Latest, &t.PointCount, &t.KeyCount,
		&t.Source, &t.CreatedBy, &t.CreatedByName, &t.CreatedAt)
	return &t, err
}

// ChecklistTemplates lists, per 抽查事项 with a template, its latest version
// with its point count, in 附件2's department order; dept "" lists every
// department's.
func (db *DB) ChecklistTemplates(ctx context.Context, dept string) ([]*ChecklistTemplate, error) {
	out := []*ChecklistTemplate{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return eachRow(tx, `SELECT `+templateCols+`
			WHERE t.version = (SELECT max(version) FROM checklist_templates t2 WHERE t2.catalogue_id = t.catalogue_id)
			AND (? = '' OR c.dept = ?) ORDER BY d.ord, c.name`, []any{dept, dept}, func(sc scanner) error {
			t, err := scanTemplate(sc)
			out = append(out, t)
			return err
		})
	})
	return out, err
}

// ChecklistTemplate loads one template version with its points in order and
// the list of its 事项's versions.
func (db *DB) ChecklistTemplate(ctx context.Context, id string) (*ChecklistTemplate, error) {
	var t *ChecklistTemplate
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanTemplate(tx.QueryRow(`SELECT `+templateCols+` WHERE t.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return schema.Errorf(schema.ENOTFOUND, "没有这份检查表")
		}
		if err != nil {
			return err
		}
		if t.Points, err = templatePoints(tx, id); err != nil {
			return err
		}
		return eachRow(tx, `SELECT t.id, t.version, (SELECT count(*) FROM checklist_template_points p WHERE p.template_id = t.id), t.source, t.created_at
			FROM checklist_templates t WHERE t.catalogue_id = ? ORDER BY t.version DESC`, []any{t.CatalogueID}, func(sc scanner) error {
			var v TemplateVersion
			err := sc.Scan(&v.ID, &v.Version, &v.PointCount, &v.Source, &v.CreatedAt)
			t.Versions = append(t.Versions, v)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// templatePoints reads a template version's points in order.
func templatePoints(tx *sql.Tx, templateID string) ([]TemplatePoint, error) {
	out := []TemplatePoint{}
	err := eachRow(tx, `SELECT ord, group_code, group_name, code, text, method, key_point, basis, violation, notice_text
		FROM checklist_template_points WHERE template_id = ? ORDER BY ord`, []any{templateID}, func(sc scanner) error {
		var p TemplatePoint
		err := sc.Scan(&p.Ord, &p.GroupCode, &p.GroupName, &p.Code, &p.Text, &p.Method, &p.Key, &p.Basis, &p.Violation, &p.NoticeText)
		out = append(out, p)
		return err
	})
	return out, err
}
