// Package directory reads the three CSV files of the directories a draw needs
// (R4, R5): the entity directory (检查对象名录库), the inspector directory
// (执法检查人员名录库) and the recorded conflicts of interest (回避). It parses
// and validates only; storing is the store's job, and checks across files
// (does this conflict name a known inspector?) are left to the store's
// foreign keys. The formats are described in README.md.
package directory

import (
	"strconv"
	"strings"
)

// Entity is one market entity of the directory, keyed by its 统一社会信用代码.
type Entity struct {
	USCC    string
	Name    string
	Region  string // county region code; equals digits 3–8 of USCC
	Address string
	Tags    []string // target populations (plan 检查对象) the entity belongs to
	Risk    string   // credit-risk class: A, B, C or D
	Status  string   // 存续, 注销, 吊销 or 迁出
	Lat     *float64 // nil when the position is unknown
	Lng     *float64
	Flags   []string // sub-population flags, such as 生产企业 for a 农资 plan's "生产企业100%"
	Row     int      // the row of the file it came from (1 is the header), for errors; 0 when not from a file
}

// Inspector is one person of a department's inspector pool in a region.
type Inspector struct {
	Username     string
	Name         string
	Dept         string // department code, as in testdata/departments.tsv
	Region       string
	CertNo       string // 执法证号; empty means the inspector cannot count toward the two of R5
	Specialities []string
	Expert       bool // experts may join a team but never count toward the two
	OnDuty       bool
	Row          int // the row of the file it came from (1 is the header), for errors; 0 when not from a file
}

// Conflict is a recorded conflict of interest (回避): Inspector is never drawn
// for the entity USCC (R5).
type Conflict struct {
	Inspector string // username
	USCC      string
	Reason    string // for example 亲属关系, 曾任职, 利害关系
	Row       int    // the row of the file it came from (1 is the header), for errors
}

// Risk classes (企业信用风险分类): A low, B general, C higher, D high.
const (
	RiskA = "A"
	RiskB = "B"
	RiskC = "C"
	RiskD = "D"
)

// Statuses of an entity. Only StatusActive entities are drawn (R4).
const (
	StatusActive    = "存续"
	StatusCancelled = "注销"
	StatusRevoked   = "吊销"
	StatusMovedOut  = "迁出"
)

// EntityColumns are the header names of an entity file, in the order the
// writers of this package use. A file may order its columns differently.
var EntityColumns = [...]string{"uscc", "name", "region", "address", "tags", "risk", "status", "lat", "lng", "flags"}

// InspectorColumns are the header names of an inspector file.
var InspectorColumns = [...]string{"username", "name", "dept", "region", "cert_no", "specialities", "expert", "on_duty"}

// ConflictColumns are the header names of a conflict file.
var ConflictColumns = [...]string{"inspector", "uscc", "reason"}

// ListSep separates the values of a list cell (tags, flags, specialities).
// The parser also accepts the full-width ｜.
const ListSep = "|"

// Record returns e as a CSV record in the order of EntityColumns, the inverse
// of ParseEntities.
func (e Entity) Record() []string {
	return []string{e.USCC, e.Name, e.Region, e.Address, strings.Join(e.Tags, ListSep), e.Risk, e.Status,
		formatCoord(e.Lat), formatCoord(e.Lng), strings.Join(e.Flags, ListSep)}
}

// Record returns in as a CSV record in the order of InspectorColumns, the
// inverse of ParseInspectors.
func (in Inspector) Record() []string {
	return []string{in.Username, in.Name, in.Dept, in.Region, in.CertNo, strings.Join(in.Specialities, ListSep),
		formatBool(in.Expert), formatBool(in.OnDuty)}
}

// Record returns c as a CSV record in the order of ConflictColumns.
func (c Conflict) Record() []string {
	return []string{c.Inspector, c.USCC, c.Reason}
}

func formatCoord(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func formatBool(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
