// Package testdata holds the reference and seed data of 掌上查: the 2024 plan
// table of 庆阳市 (附件1, as a faithful TSV), the 30 departments of 附件2 with
// their notice-number short names and aliases, the regions of 庆阳市, and the
// public-holiday calendars. See plans/README.md and holidays/README.md.
package testdata

import "embed"

// FS holds the reference data the server loads: plans/*.tsv (annual plan
// tables), holidays/*.tsv (public holidays and 调休 working days per year),
// departments.tsv (code, name, short, aliases) and regions.tsv (code, name,
// level, parent).
//
//go:embed plans/*.tsv holidays/*.tsv departments.tsv regions.tsv
var FS embed.FS
