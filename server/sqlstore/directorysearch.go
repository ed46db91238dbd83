package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"zsc/server/authz"
)

// The directories' search at the desk (名录库): entities, inspectors and
// 回避 pairs, a page at a time. Which rows a user sees is the policy's answer
// (authz.ListFilter of DirectoryRead): a county office its county, a
// department's office its department's inspectors; entities belong to a
// region only.

// PageSize bounds a directory page.
const maxPageSize = 100

// Page is one page of a directory search.
type Page[T any] struct {
	Total int `json:"total"`
	Page  int `json:"page"` // from 1
	Size  int `json:"size"`
	Items []T `json:"items"`
}

// EntityQuery narrows the entity search; empty fields match everything.
type EntityQuery struct {
	Q      string // part of the name, or the start of the USCC
	Region string
	Risk   string
	Page   int
	Size   int
}

// EntityInfo is one entity of the directory as the desk shows it.
type EntityInfo struct {
	USCC       string   `json:"uscc"`
	Name       string   `json:"name"`
	Region     string   `json:"region"`
	RegionName string   `json:"region_name"`
	Address    string   `json:"address"`
	Risk       string   `json:"risk"`
	Status     string   `json:"status"`
	Tags       []string `json:"tags"`
	Flags      []string `json:"flags"`
	UpdatedAt  string   `json:"updated_at"`
	Conflicts  []Pair   `json:"conflicts"`
}

// Pair is one 回避: an inspector never drawn for an entity (R5).
type Pair struct {
	Username   string `json:"username"`
	Inspector  string `json:"inspector"` // the inspector's name
	DeptName   string `json:"dept_name"`
	USCC       string `json:"uscc"`
	EntityName string `json:"entity_name"`
	RegionName string `json:"region_name"` // the entity's region
	Reason     string `json:"reason"`
}

func pageOf(page, size int) (int, int) {
	if size <= 0 || size > maxPageSize {
		size = 20
	}
	if page < 1 {
		page = 1
	}
	return page, size
}

// like escapes s for a LIKE pattern with ESCAPE '\'.
func like(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func splitBar(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "|")
}

// SearchEntities lists the entities f lets the user see that match q, by
// USCC, with each one's 回避 pairs.
func (db *DB) SearchEntities(ctx context.Context, f authz.Filter, q EntityQuery) (*Page[EntityInfo], error) {
	page, size := pageOf(q.Page, q.Size)
	out := &Page[EntityInfo]{Page: page, Size: size, Items: []EntityInfo{}}
	if f.None {
		return out, nil
	}
	var where []string
	var args []any
	if f.Region != "" {
		where, args = append(where, "e.region = ?"), append(args, f.Region)
	}
	if q.Region != "" {
		where, args = append(where, "e.region = ?"), append(args, q.Region)
	}
	if q.Risk != "" {
		where, args = append(where, "e.risk = ?"), append(args, strings.ToUpper(q.Risk))
	}
	if s := strings.TrimSpace(q.Q); s != "" {
		where = append(where, `(e.name LIKE ? ESCAPE '\' OR e.uscc LIKE ? ESCAPE '\')`)
		args = append(args, "%"+like(s)+"%", like(strings.ToUpper(s))+"%")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		depts, regions, err := names(tx)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT count(*) FROM entities e`+cond, args...).Scan(&out.Total); err != nil {
			return err
		}
		index := map[string]int{}
		err = eachRow(tx, `SELECT e.id, e.uscc, e.name, e.region, e.address, e.risk, e.status, e.tags, e.flags, e.updated_at FROM entities e`+cond+
			` ORDER BY e.region, e.name, e.uscc LIMIT ? OFFSET ?`, append(args, size, (page-1)*size), func(sc scanner) error {
			var id, tags, flags string
			var e EntityInfo
			if err := sc.Scan(&id, &e.USCC, &e.Name, &e.Region, &e.Address, &e.Risk, &e.Status, &tags, &flags, &e.UpdatedAt); err != nil {
				return err
			}
			e.RegionName, e.Tags, e.Flags, e.Conflicts = nameOf(regions, e.Region), splitBar(tags), splitBar(flags), []Pair{}
			index[id] = len(out.Items)
			out.Items = append(out.Items, e)
			return nil
		})
		if err != nil || len(index) == 0 {
			return err
		}
		ids := make([]any, 0, len(index))
		for id := range index {
			ids = append(ids, id)
		}
		return eachRow(tx, `SELECT c.entity_id, u.username, u.name, u.dept, c.reason FROM interest_conflicts c JOIN users u ON u.id = c.user_id
				WHERE c.entity_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY u.username`, ids, func(sc scanner) error {
			var id string
			var p Pair
			if err := sc.Scan(&id, &p.Username, &p.Inspector, &p.DeptName, &p.Reason); err != nil {
				return err
			}
			e := &out.Items[index[id]]
			p.DeptName, p.USCC, p.EntityName, p.RegionName = nameOf(depts, p.DeptName), e.USCC, e.Name, e.RegionName
			e.Conflicts = append(e.Conflicts, p)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// InspectorQuery narrows the inspector search; empty fields match everything.
type InspectorQuery struct {
	Q      string // part of the name, the username or the 执法证号
	Dept   string
	Region string
	Tag    string // one 专业领域 (speciality), exactly
	Page   int
	Size   int
}

// InspectorInfo is one person of the inspector directory as the desk shows
// it, with their tags (执法证号, 专业领域) and 回避 pairs.
type InspectorInfo struct {
	Username     string   `json:"username"`
	Name         string   `json:"name"`
	Role         string   `json:"role"`
	Dept         string   `json:"dept"`
	DeptName     string   `json:"dept_name"`
	Region       string   `json:"region"`
	RegionName   string   `json:"region_name"`
	CertNo       string   `json:"cert_no"`
	Specialities []string `json:"specialities"`
	Expert       bool     `json:"expert"`
	OnDuty       bool     `json:"on_duty"`
	Disabled     bool     `json:"disabled"`
	Conflicts    []Pair   `json:"conflicts"`
}

// SearchInspectors lists the inspectors and leads f lets the user see that
// match q, by department, region and name, with each one's 回避 pairs.
func (db *DB) SearchInspectors(ctx context.Context, f authz.Filter, q InspectorQuery) (*Page[InspectorInfo], error) {
	page, size := pageOf(q.Page, q.Size)
	out := &Page[InspectorInfo]{Page: page, Size: size, Items: []InspectorInfo{}}
	if f.None {
		return out, nil
	}
	where := []string{"u.role IN ('inspector', 'lead')"}
	var args []any
	for _, c := range []struct{ col, v string }{{"u.region", f.Region}, {"u.dept", f.Dept}, {"u.region", q.Region}, {"u.dept", q.Dept}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	if t := strings.TrimSpace(q.Tag); t != "" {
		where, args = append(where, `('|' || u.specialities || '|') LIKE ? ESCAPE '\'`), append(args, "%|"+like(t)+"|%")
	}
	if s := strings.TrimSpace(q.Q); s != "" {
		where = append(where, `(u.name LIKE ? ESCAPE '\' OR u.username LIKE ? ESCAPE '\' OR u.cert_no LIKE ? ESCAPE '\')`)
		pat := "%" + like(s) + "%"
		args = append(args, pat, pat, pat)
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	err := db.Read(ctx, func(tx *sql.Tx) error {
		depts, regions, err := names(tx)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT count(*) FROM users u`+cond, args...).Scan(&out.Total); err != nil {
			return err
		}
		index := map[string]int{}
		err = eachRow(tx, `SELECT u.id, u.username, u.name, u.role, u.dept, u.region, u.cert_no, u.specialities, u.expert, u.on_duty, u.disabled FROM users u`+cond+
			` ORDER BY u.dept, u.region, u.username LIMIT ? OFFSET ?`, append(args, size, (page-1)*size), func(sc scanner) error {
			var id, specs string
			var in InspectorInfo
			if err := sc.Scan(&id, &in.Username, &in.Name, &in.Role, &in.Dept, &in.Region, &in.CertNo, &specs, &in.Expert, &in.OnDuty, &in.Disabled); err != nil {
				return err
			}
			in.DeptName, in.RegionName, in.Specialities, in.Conflicts = nameOf(depts, in.Dept), nameOf(regions, in.Region), splitBar(specs), []Pair{}
			index[id] = len(out.Items)
			out.Items = append(out.Items, in)
			return nil
		})
		if err != nil || len(index) == 0 {
			return err
		}
		ids := make([]any, 0, len(index))
		for id := range index {
			ids = append(ids, id)
		}
		return eachRow(tx, `SELECT c.user_id, e.uscc, e.name, e.region, c.reason FROM interest_conflicts c JOIN entities e ON e.id = c.entity_id
				WHERE c.user_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY e.uscc`, ids, func(sc scanner) error {
			var id, region string
			var p Pair
			if err := sc.Scan(&id, &p.USCC, &p.EntityName, &region, &p.Reason); err != nil {
				return err
			}
			in := &out.Items[index[id]]
			p.Username, p.Inspector, p.DeptName, p.RegionName = in.Username, in.Name, in.DeptName, nameOf(regions, region)
			in.Conflicts = append(in.Conflicts, p)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ConflictQuery narrows the 回避 search.
type ConflictQuery struct {
	Q    string // part of the inspector's name or username, the entity's name, or the start of its USCC
	Page int
	Size int
}

// SearchConflicts lists the recorded 回避 of the inspectors f lets the user
// see (their department and region, as ConflictImport judges them).
func (db *DB) SearchConflicts(ctx context.Context, f authz.Filter, q ConflictQuery) (*Page[Pair], error) {
	page, size := pageOf(q.Page, q.Size)
	out := &Page[Pair]{Page: page, Size: size, Items: []Pair{}}
	if f.None {
		return out, nil
	}
	where := []string{"1 = 1"}
	var args []any
	if f.Region != "" {
		where, args = append(where, "u.region = ?"), append(args, f.Region)
	}
	if f.Dept != "" {
		where, args = append(where, "u.dept = ?"), append(args, f.Dept)
	}
	if s := strings.TrimSpace(q.Q); s != "" {
		pat := "%" + like(s) + "%"
		where = append(where, `(u.name LIKE ? ESCAPE '\' OR u.username LIKE ? ESCAPE '\' OR e.name LIKE ? ESCAPE '\' OR e.uscc LIKE ? ESCAPE '\')`)
		args = append(args, pat, pat, pat, like(strings.ToUpper(s))+"%")
	}
	from := ` FROM interest_conflicts c JOIN users u ON u.id = c.user_id JOIN entities e ON e.id = c.entity_id WHERE ` + strings.Join(where, " AND ")
	err := db.Read(ctx, func(tx *sql.Tx) error {
		depts, regions, err := names(tx)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT count(*)`+from, args...).Scan(&out.Total); err != nil {
			return err
		}
		return eachRow(tx, `SELECT u.username, u.name, u.dept, e.uscc, e.name, e.region, c.reason`+from+` ORDER BY u.username, e.uscc LIMIT ? OFFSET ?`,
			append(args, size, (page-1)*size), func(sc scanner) error {
				var p Pair
				var dept, region string
				if err := sc.Scan(&p.Username, &p.Inspector, &dept, &p.USCC, &p.EntityName, &region, &p.Reason); err != nil {
					return err
				}
				p.DeptName, p.RegionName = nameOf(depts, dept), nameOf(regions, region)
				out.Items = append(out.Items, p)
				return nil
			})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
