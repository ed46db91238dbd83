package sqlstore

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"zsc/schema"
	"zsc/server/planimport"
)

// Department is one of the 30 member departments of 附件2, or the 联席办.
type Department struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Short string `json:"short"`
	Kind  string `json:"kind"`
	// Authority is the 执法主体全称 a notice is issued in (庆阳市市场监督管理局).
	Authority string   `json:"authority"`
	Aliases   []string `json:"aliases,omitempty"`
}

// Region is 庆阳市 or one of its counties.
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Parent string `json:"parent,omitempty"`
}

// LoadReference loads departments and regions from the reference files
// (testdata.FS: departments.tsv, regions.tsv) and adds the 联席办. It is
// idempotent, so every start may call it.
func (db *DB) LoadReference(ctx context.Context, fsys fs.FS) error {
	deptFile, err := fsys.Open("departments.tsv")
	if err != nil {
		return err
	}
	defer deptFile.Close()
	depts, err := planimport.LoadDepartmentsTSV(deptFile)
	if err != nil {
		return fmt.Errorf("departments.tsv: %w", err)
	}
	shorts, err := readColumn(fsys, "departments.tsv", "short")
	if err != nil {
		return err
	}
	// The authority column is read by its header name, so its position in the
	// file does not matter; a file without it loads with empty authorities.
	authorities, err := readColumn(fsys, "departments.tsv", "authority")
	if err != nil {
		return err
	}
	regions, err := readTSV(fsys, "regions.tsv")
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		for _, r := range regions {
			if _, err := tx.Exec(`INSERT INTO regions (code, name, level, parent) VALUES (?, ?, ?, nullif(?, ''))
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent`,
				r["code"], r["name"], r["level"], r["parent"]); err != nil {
				return fmt.Errorf("regions.tsv %s: %w", r["code"], err)
			}
		}
		for i, d := range depts {
			if _, err := tx.Exec(`INSERT INTO departments (code, name, short, kind, ord, authority) VALUES (?, ?, ?, 'member', ?, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, short = excluded.short, ord = excluded.ord, authority = excluded.authority`,
				d.Code, d.Name, shorts[d.Code], i+1, authorities[d.Code]); err != nil {
				return fmt.Errorf("departments.tsv %s: %w", d.Code, err)
			}
			for _, a := range d.Aliases {
				if _, err := tx.Exec(`INSERT INTO department_aliases (alias, dept) VALUES (?, ?) ON CONFLICT (alias) DO UPDATE SET dept = excluded.dept`, a, d.Code); err != nil {
					return err
				}
			}
		}
		_, err := tx.Exec(`INSERT INTO departments (code, name, short, kind, ord) VALUES (?, '联席办', '庆联', 'office', 0) ON CONFLICT (code) DO NOTHING`, schema.OfficeDept)
		return err
	})
}

func readTSV(fsys fs.FS, name string) ([]map[string]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseTSV(f)
}

func parseTSV(r io.Reader) ([]map[string]string, error) {
	sc := bufio.NewScanner(r)
	var header []string
	var rows []map[string]string
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		cells := strings.Split(line, "\t")
		if header == nil {
			header = cells
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(cells) {
				row[h] = strings.TrimSpace(cells[i])
			}
		}
		rows = append(rows, row)
	}
	return rows, sc.Err()
}

func readColumn(fsys fs.FS, name, col string) (map[string]string, error) {
	rows, err := readTSV(fsys, name)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, r := range rows {
		m[r["code"]] = r[col]
	}
	return m, nil
}

// Departments lists every department with its aliases, in 附件2 order.
func (db *DB) Departments(ctx context.Context) ([]Department, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT d.code, d.name, d.short, d.kind, d.authority, coalesce(string_agg(a.alias, '|'), '')
		FROM departments d LEFT JOIN department_aliases a ON a.dept = d.code GROUP BY d.code ORDER BY d.ord`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Department
	for rows.Next() {
		var d Department
		var aliases string
		if err := rows.Scan(&d.Code, &d.Name, &d.Short, &d.Kind, &d.Authority, &aliases); err != nil {
			return nil, err
		}
		if aliases != "" {
			d.Aliases = strings.Split(aliases, "|")
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Regions lists the city and its counties.
func (db *DB) Regions(ctx context.Context) ([]Region, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT code, name, level, coalesce(parent, '') FROM regions ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Region
	for rows.Next() {
		var r Region
		if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.Parent); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Resolver resolves department names as printed to member departments,
// through the canonical names and the alias list (R3a).
func (db *DB) Resolver(ctx context.Context) (planimport.Resolver, error) {
	depts, err := db.Departments(ctx)
	if err != nil {
		return nil, err
	}
	var names []planimport.DepartmentName
	for _, d := range depts {
		if d.Kind != "member" {
			continue
		}
		names = append(names, planimport.DepartmentName{Code: d.Code, Name: d.Name, Aliases: d.Aliases})
	}
	return planimport.NewResolver(names), nil
}
