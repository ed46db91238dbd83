package schema

import "strings"

// TargetTag is the directory tag of a plan's target population (检查对象):
// the target without the "全市" prefix, e.g. "全市宾馆旅店" → "宾馆旅店".
// Entities carry these tags, and a draw's population is the entities tagged
// with its plan's target.
func TargetTag(target string) string {
	t := strings.Join(strings.Fields(target), "")
	return strings.TrimPrefix(t, "全市")
}
