// Package testdata holds the reference and seed data of 掌上查: the 2024 plan
// table of 庆阳市 (附件1, as a faithful TSV), the 30 departments of 附件2 with
// their notice-number short names, aliases and 执法主体全称, the regions of
// 庆阳市, the public-holiday calendars, and the check-point templates (检查表)
// of the 抽查事项 the demo draws. See plans/README.md, holidays/README.md and
// checklists/README.md.
package testdata

import "embed"

// FS holds the reference data the server loads: plans/*.tsv (annual plan
// tables), holidays/*.tsv (public holidays and 调休 working days per year),
// checklists/*.tsv (check-point templates per 抽查事项, in the format of
// checklists/README.md), departments.tsv (code, name, short, aliases,
// authority) and regions.tsv (code, name, level, parent).
//
//go:embed plans/*.tsv holidays/*.tsv checklists/*.tsv departments.tsv regions.tsv
var FS embed.FS
