package directory

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"zsc/schema"
)

// Entity file columns, in the order of EntityColumns.
const (
	eUSCC = iota
	eName
	eRegion
	eAddress
	eTags
	eRisk
	eStatus
	eLat
	eLng
	eFlags
)

var entitySpec = []column{
	{name: "uscc", required: true, aliases: []string{"统一社会信用代码"}},
	{name: "name", required: true, aliases: []string{"名称", "企业名称", "主体名称"}},
	{name: "region", required: true, aliases: []string{"区划代码", "行政区划代码"}},
	{name: "address", aliases: []string{"地址", "住所"}},
	{name: "tags", required: true, aliases: []string{"检查对象"}},
	{name: "risk", required: true, aliases: []string{"信用风险分类", "风险分类"}},
	{name: "status", required: true, aliases: []string{"登记状态", "状态"}},
	{name: "lat", aliases: []string{"纬度"}},
	{name: "lng", aliases: []string{"经度"}},
	{name: "flags", aliases: []string{"子类"}},
}

// Coordinates must fall within China's extent, so that swapped or
// projected (non-WGS84-degree) values are caught.
const (
	minLat, maxLat = 3.0, 54.0
	minLng, maxLng = 73.0, 136.0
)

// statusAliases maps the status words of 国家企业信用信息公示系统 exports to
// the four statuses.
var statusAliases = map[string]string{
	StatusActive: StatusActive, "在营": StatusActive, "开业": StatusActive, "在册": StatusActive,
	"存续（在营、开业、在册）": StatusActive, "存续(在营、开业、在册)": StatusActive,
	StatusCancelled: StatusCancelled, "已注销": StatusCancelled,
	StatusRevoked: StatusRevoked, "吊销，未注销": StatusRevoked, "吊销,未注销": StatusRevoked, "已吊销": StatusRevoked,
	StatusMovedOut: StatusMovedOut, "已迁出": StatusMovedOut,
}

// ParseEntities reads an entity file (README.md). validRegion says whether a
// region code is one of ours; nil accepts any. Every problem is reported, as
// Errors, and then no entities are returned: the region must be known and
// equal to the USCC's digits 3–8, the USCC valid (schema.ValidUSCC) and not
// repeated, risk one of A–D, status one of 存续/注销/吊销/迁出 (or a common
// alias), lat and lng both empty or both decimal degrees within China.
// Input over MaxSize fails with ErrTooLarge.
func ParseEntities(r io.Reader, validRegion func(string) bool) ([]Entity, error) {
	return parseEntities(newCSVSource(r), validRegion)
}

// ParseEntitiesFile is ParseEntities of an uploaded file, which may also be
// an XLSX workbook or a TSV file (by its content and the name's extension).
func ParseEntitiesFile(data []byte, filename string, validRegion func(string) bool) ([]Entity, error) {
	src, err := open(data, filename)
	if err != nil {
		return nil, err
	}
	return parseEntities(src, validRegion)
}

func parseEntities(src source, validRegion func(string) bool) ([]Entity, error) {
	var c collector
	var out collect[Entity]
	seen := make(map[string]int)
	err := readSource(src, entitySpec, &c, func(rw row) {
		e, ok := parseEntity(rw, validRegion, &c)
		if e.USCC != "" {
			if first, dup := seen[e.USCC]; dup {
				c.add(rw.line, "uscc", "%s 重复：第 %d 行已有", e.USCC, first)
				ok = false
			} else {
				seen[e.USCC] = rw.line
			}
		}
		if ok && len(c.list) == 0 {
			out.add(e)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return out.slice(), nil
}

// parseEntity reads one row. USCC is set only when the code is valid, for
// the duplicate check. ok is false when the row has a problem.
func parseEntity(rw row, validRegion func(string) bool, c *collector) (e Entity, ok bool) {
	ok = true
	bad := func(col, format string, args ...any) {
		c.add(rw.line, col, format, args...)
		ok = false
	}

	code := rw.get(eUSCC)
	codeRegion := ""
	switch err := schema.ValidUSCC(code); {
	case code == "":
		bad("uscc", "不能为空")
	case err != nil:
		bad("uscc", "%s：%s", code, usccReason(code, err))
	default:
		e.USCC = code
		codeRegion = schema.USCCRegion(code)
	}

	if e.Name = rw.get(eName); e.Name == "" {
		bad("name", "不能为空")
	}

	switch e.Region = rw.get(eRegion); {
	case e.Region == "":
		bad("region", "不能为空")
	case validRegion != nil && !validRegion(e.Region):
		bad("region", "未知的区县代码 %s", e.Region)
	case codeRegion != "" && e.Region != codeRegion:
		bad("region", "%s 与统一社会信用代码 %s 第 3–8 位的区划代码 %s 不一致", e.Region, code, codeRegion)
	}

	e.Address = rw.get(eAddress)
	e.Tags = splitList(rw.get(eTags))

	switch risk := strings.ToUpper(rw.get(eRisk)); risk {
	case RiskA, RiskB, RiskC, RiskD:
		e.Risk = [...]string{RiskA, RiskB, RiskC, RiskD}[risk[0]-'A'] // a constant, not a piece of the line
	case "":
		bad("risk", "不能为空：应为 A、B、C 或 D")
	default:
		bad("risk", "“%s”不是信用风险分类：应为 A、B、C 或 D", rw.get(eRisk))
	}

	status := rw.get(eStatus)
	if s, known := statusAliases[status]; known {
		e.Status = s
	} else if status == "" {
		bad("status", "不能为空：应为 存续、注销、吊销 或 迁出")
	} else {
		bad("status", "“%s”不是登记状态：应为 存续、注销、吊销 或 迁出", status)
	}

	lat, lng := rw.get(eLat), rw.get(eLng)
	switch {
	case lat == "" && lng == "":
	case lat == "":
		bad("lat", "填了经度却没有纬度：两者同时填写或同时留空")
	case lng == "":
		bad("lng", "填了纬度却没有经度：两者同时填写或同时留空")
	default:
		la, errLa := parseCoord(lat, minLat, maxLat)
		ln, errLn := parseCoord(lng, minLng, maxLng)
		if errLa != "" {
			bad("lat", "“%s”%s", lat, errLa)
		}
		if errLn != "" {
			bad("lng", "“%s”%s", lng, errLn)
		}
		if errLa != "" && errLn != "" {
			if _, e1 := parseCoord(lat, minLng, maxLng); e1 == "" {
				if _, e2 := parseCoord(lng, minLat, maxLat); e2 == "" {
					bad("lat", "纬度和经度似乎填反了")
				}
			}
		}
		if errLa == "" && errLn == "" {
			p := &[2]float64{la, ln} // one allocation for both
			e.Lat, e.Lng = &p[0], &p[1]
		}
	}

	e.Flags = splitList(rw.get(eFlags))
	e.Row = rw.line
	return e, ok
}

// usccReason says in Chinese what is wrong with a USCC (schema's errors are
// English, for logs and tests).
func usccReason(code string, err error) string {
	var ue *schema.USCCError
	if !errors.As(err, &ue) {
		return "不是有效的统一社会信用代码"
	}
	switch {
	case utf8.RuneCountInString(code) != schema.USCCLen:
		return fmt.Sprintf("长度为 %d 位，应为 18 位", utf8.RuneCountInString(code))
	case ue.Pos == schema.USCCLen && strings.HasPrefix(ue.Msg, "check character"):
		want, err := schema.USCCCheckChar(code[:schema.USCCLen-1])
		if err == nil {
			return fmt.Sprintf("校验位（第 18 位）应为 %c，而不是 %c", want, code[schema.USCCLen-1])
		}
	case ue.Pos > 0:
		r := []rune(code)[ue.Pos-1]
		switch {
		case ue.Pos >= 3 && ue.Pos <= 8:
			return fmt.Sprintf("第 %d 位“%c”不对：第 3–8 位是区划代码，只能是数字", ue.Pos, r)
		case r >= 'a' && r <= 'z':
			return fmt.Sprintf("第 %d 位“%c”应为大写字母", ue.Pos, r)
		case r == 'I' || r == 'O' || r == 'Z' || r == 'S' || r == 'V':
			return fmt.Sprintf("第 %d 位“%c”不对：统一社会信用代码不用 I、O、Z、S、V", ue.Pos, r)
		}
		return fmt.Sprintf("第 %d 位“%c”不是统一社会信用代码使用的字符", ue.Pos, r)
	}
	return "不是有效的统一社会信用代码"
}

// parseCoord parses decimal degrees within [lo, hi]; the string is the
// problem, or "".
func parseCoord(s string, lo, hi float64) (float64, string) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, "不是十进制度数"
	}
	if !(v >= lo && v <= hi) { // also false for NaN
		return 0, "超出中国范围（" + strconv.FormatFloat(lo, 'f', -1, 64) + " 至 " + strconv.FormatFloat(hi, 'f', -1, 64) + "）"
	}
	return v, ""
}

// Inspector file columns, in the order of InspectorColumns.
const (
	iUsername = iota
	iName
	iDept
	iRegion
	iCertNo
	iSpecialities
	iExpert
	iOnDuty
)

var inspectorSpec = []column{
	{name: "username", required: true, aliases: []string{"用户名", "账号"}},
	{name: "name", required: true, aliases: []string{"姓名"}},
	{name: "dept", required: true, aliases: []string{"部门"}},
	{name: "region", required: true, aliases: []string{"区划代码", "行政区划代码"}},
	{name: "cert_no", required: true, aliases: []string{"执法证号"}},
	{name: "specialities", aliases: []string{"专长", "执法领域"}},
	{name: "expert", aliases: []string{"专家"}},
	{name: "on_duty", aliases: []string{"在岗"}},
}

// ParseInspectors reads an inspector file (README.md). validDept and
// validRegion say whether a department or region code is one of ours; nil
// accepts any. An empty cert_no is allowed (the inspector cannot count
// toward the two of R5); an empty expert reads as 0 and an empty on_duty
// as 1. Usernames must not repeat. Every problem is reported, as Errors.
func ParseInspectors(r io.Reader, validDept, validRegion func(string) bool) ([]Inspector, error) {
	return parseInspectors(newCSVSource(r), validDept, validRegion)
}

// ParseInspectorsFile is ParseInspectors of an uploaded file (CSV, TSV or XLSX).
func ParseInspectorsFile(data []byte, filename string, validDept, validRegion func(string) bool) ([]Inspector, error) {
	src, err := open(data, filename)
	if err != nil {
		return nil, err
	}
	return parseInspectors(src, validDept, validRegion)
}

func parseInspectors(src source, validDept, validRegion func(string) bool) ([]Inspector, error) {
	var c collector
	var out collect[Inspector]
	seen := make(map[string]int)
	err := readSource(src, inspectorSpec, &c, func(rw row) {
		ok := true
		bad := func(col, format string, args ...any) {
			c.add(rw.line, col, format, args...)
			ok = false
		}
		in := Inspector{
			Row:          rw.line,
			Username:     rw.get(iUsername),
			Name:         rw.get(iName),
			Dept:         rw.get(iDept),
			Region:       rw.get(iRegion),
			CertNo:       rw.get(iCertNo),
			Specialities: splitList(rw.get(iSpecialities)),
		}
		switch {
		case in.Username == "":
			bad("username", "不能为空")
		case strings.IndexFunc(in.Username, unicode.IsSpace) >= 0:
			bad("username", "“%s”含有空格", in.Username)
		default:
			if first, dup := seen[in.Username]; dup {
				bad("username", "%s 重复：第 %d 行已有", in.Username, first)
			} else {
				seen[in.Username] = rw.line
			}
		}
		if in.Name == "" {
			bad("name", "不能为空")
		}
		switch {
		case in.Dept == "":
			bad("dept", "不能为空")
		case validDept != nil && !validDept(in.Dept):
			bad("dept", "未知的部门代码 %s", in.Dept)
		}
		switch {
		case in.Region == "":
			bad("region", "不能为空")
		case validRegion != nil && !validRegion(in.Region):
			bad("region", "未知的区划代码 %s", in.Region)
		}
		if strings.IndexFunc(in.CertNo, unicode.IsSpace) >= 0 || len(in.CertNo) > 40 {
			bad("cert_no", "“%s”不是执法证号（不能含空格，最长 40 个字符）", in.CertNo)
		}
		var msg string
		if in.Expert, msg = parseBool(rw.get(iExpert), false); msg != "" {
			bad("expert", "%s", msg)
		}
		if in.OnDuty, msg = parseBool(rw.get(iOnDuty), true); msg != "" {
			bad("on_duty", "%s", msg)
		}
		if ok && len(c.list) == 0 {
			out.add(in)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return out.slice(), nil
}

// parseBool accepts 1/0, 是/否, true/false, yes/no and y/n; empty gives def.
func parseBool(s string, def bool) (bool, string) {
	switch strings.ToLower(s) {
	case "":
		return def, ""
	case "1", "是", "true", "yes", "y":
		return true, ""
	case "0", "否", "false", "no", "n":
		return false, ""
	}
	return false, "“" + s + "”应为 1/0、是/否 或 true/false"
}

var conflictSpec = []column{
	{name: "inspector", required: true, aliases: []string{"检查人员", "用户名"}},
	{name: "uscc", required: true, aliases: []string{"统一社会信用代码"}},
	{name: "reason", required: true, aliases: []string{"回避原因", "原因"}},
}

// ParseConflicts reads a conflict-of-interest file (README.md). The USCC
// must be valid and the reason given; a repeated inspector–entity pair is an
// error. Whether the inspector and the entity exist is for the store to
// check. Every problem is reported, as Errors.
func ParseConflicts(r io.Reader) ([]Conflict, error) {
	return parseConflicts(newCSVSource(r))
}

// ParseConflictsFile is ParseConflicts of an uploaded file (CSV, TSV or XLSX).
func ParseConflictsFile(data []byte, filename string) ([]Conflict, error) {
	src, err := open(data, filename)
	if err != nil {
		return nil, err
	}
	return parseConflicts(src)
}

func parseConflicts(src source) ([]Conflict, error) {
	var c collector
	var out collect[Conflict]
	type pair struct{ inspector, uscc string }
	seen := make(map[pair]int)
	err := readSource(src, conflictSpec, &c, func(rw row) {
		ok := true
		bad := func(col, format string, args ...any) {
			c.add(rw.line, col, format, args...)
			ok = false
		}
		cf := Conflict{Inspector: rw.get(0), USCC: rw.get(1), Reason: rw.get(2), Row: rw.line}
		if cf.Inspector == "" {
			bad("inspector", "不能为空")
		}
		switch err := schema.ValidUSCC(cf.USCC); {
		case cf.USCC == "":
			bad("uscc", "不能为空")
		case err != nil:
			bad("uscc", "%s：%s", cf.USCC, usccReason(cf.USCC, err))
		}
		if cf.Reason == "" {
			bad("reason", "不能为空，例如 亲属关系、曾任职、利害关系")
		}
		if ok {
			k := pair{cf.Inspector, cf.USCC}
			if first, dup := seen[k]; dup {
				bad("", "%s 与 %s 的回避重复：第 %d 行已有", cf.Inspector, cf.USCC, first)
			} else {
				seen[k] = rw.line
			}
		}
		if ok && len(c.list) == 0 {
			out.add(cf)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return out.slice(), nil
}
