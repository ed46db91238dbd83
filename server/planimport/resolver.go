package planimport

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Resolver maps a department name as printed to its canonical code, so that "市卫健委" and "市卫生健康委" are one
// department (R3a); the importer needs nothing else from the department list.
type Resolver interface {
	// Resolve returns the code of the named department, or placeholder=true (and code "") for a name that stands
	// for a department chosen later; ok is false for an unknown name.
	Resolve(name string) (code string, placeholder bool, ok bool)
}

// DepartmentName is one department of 附件2 with the spellings the table may use for it.
type DepartmentName struct {
	Code    string   `json:"code"`              // stable code, e.g. "scjg"
	Name    string   `json:"name"`              // canonical name, e.g. 市市场监管局
	Short   string   `json:"short,omitempty"`   // short name for notice numbers, e.g. 庆市监 (R11)
	Aliases []string `json:"aliases,omitempty"` // other spellings, e.g. 市卫健委 for 市卫生健康委
}

// placeholders are the names the table uses for a department not yet chosen; a task settles them (R3a).
var placeholders = map[string]bool{"待定": true, "相关成员单位": true}

// IsPlaceholder reports whether a printed department name stands for a department chosen when a task is created.
func IsPlaceholder(name string) bool { return placeholders[removeSpace(name)] }

type nameResolver struct {
	codes map[string]string // whitespace-free name or alias -> code; "" marks a name claimed by two departments
}

// NewResolver builds a Resolver from the department list; names and aliases match after stripping all whitespace, and
// a spelling claimed by two departments resolves to neither, because guessing would file items under the wrong one.
func NewResolver(depts []DepartmentName) Resolver {
	r := nameResolver{codes: make(map[string]string)}
	claim := func(name, code string) {
		key := removeSpace(name)
		if key == "" {
			return
		}
		if prev, ok := r.codes[key]; ok && prev != code {
			r.codes[key] = ""
			return
		}
		r.codes[key] = code
	}
	for _, d := range depts {
		if d.Code == "" {
			continue
		}
		claim(d.Name, d.Code)
		for _, a := range d.Aliases {
			claim(a, d.Code)
		}
	}
	return r
}

// Resolve implements Resolver.
func (r nameResolver) Resolve(name string) (code string, placeholder bool, ok bool) {
	key := removeSpace(name)
	if placeholders[key] {
		return "", true, true
	}
	code = r.codes[key]
	return code, false, code != ""
}

// LoadDepartmentsTSV reads the department list in the format of testdata/departments.tsv: a header naming at least
// the columns code and name (short and aliases are optional), aliases separated by "|"; blank lines and lines starting
// with "#" are skipped.
func LoadDepartmentsTSV(r io.Reader) ([]DepartmentName, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var (
		out    []DepartmentName
		col    map[string]int
		seen   = make(map[string]int)
		lineNo int
	)
	get := func(cells []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(cells) {
			return ""
		}
		return trimCell(cells[i])
	}
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if trimCell(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cells := strings.Split(line, "\t")
		if col == nil {
			col = make(map[string]int)
			for i, c := range cells {
				if _, dup := col[trimCell(c)]; !dup {
					col[trimCell(c)] = i
				}
			}
			for _, need := range []string{"code", "name"} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("departments: line %d: the header has no column %q", lineNo, need)
				}
			}
			continue
		}
		d := DepartmentName{Code: get(cells, "code"), Name: get(cells, "name"), Short: get(cells, "short")}
		if d.Code == "" || d.Name == "" {
			return nil, fmt.Errorf("departments: line %d: code and name are required", lineNo)
		}
		if first, dup := seen[d.Code]; dup {
			return nil, fmt.Errorf("departments: line %d: code %q already used on line %d", lineNo, d.Code, first)
		}
		seen[d.Code] = lineNo
		d.Aliases = splitAny(get(cells, "aliases"), "|")
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("departments: %w", err)
	}
	if col == nil {
		return nil, fmt.Errorf("departments: no header line")
	}
	return out, nil
}
