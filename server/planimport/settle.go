package planimport

import (
	"slices"

	"zsc/schema"
)

// Settle checks the member departments an office chose for a plan's placeholder department ("待定",
// "相关成员单位", R3a) and returns them without repeats, in the order chosen. The rule: the row must be a
// placeholder; at least one department is chosen; each is a member department (not the 联席办: it inspects
// nothing itself), named by its code in members; none is already one of the plan's named responsible departments
// (it inspects the plan's items already, so choosing it again would say nothing). members maps a member
// department's code to its name, for the messages; named lists the plan's named departments' codes.
func Settle(d Department, named []string, chosen []string, members map[string]string) ([]string, error) {
	if !d.Placeholder {
		return nil, schema.Errorf(schema.EINVALID, "责任部门“%s”不是待定部门，无需确定", d.Raw)
	}
	if len(chosen) == 0 {
		return nil, schema.Errorf(schema.EINVALID, "请为“%s”至少选择一个成员单位", d.Raw)
	}
	out := make([]string, 0, len(chosen))
	for _, code := range chosen {
		name, ok := members[code]
		if !ok {
			return nil, schema.Errorf(schema.EINVALID, "所选部门不是成员单位，不能代替“%s”", d.Raw)
		}
		if slices.Contains(named, code) {
			return nil, schema.Errorf(schema.EINVALID, "%s已是本计划的责任部门，不能再代替“%s”", name, d.Raw)
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out, nil
}
