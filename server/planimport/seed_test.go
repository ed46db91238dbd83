package planimport

import (
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"zsc/server/tablefile/tabletest"
)

// The seed: the 2024 plan table of 庆阳市 and the 30 departments of its 附件2, both shared with the other packages.
const (
	seedPlans       = "../../testdata/plans/qingyang-2024.tsv"
	seedDepartments = "../../testdata/departments.tsv"
)

// seedIndex finds plans by 序号 and sub-plan, and department codes by name, so the checks below read like the table.
type seedIndex struct {
	plans []Plan
	res   Resolver
}

func (s seedIndex) plan(t *testing.T, seq, sub int) Plan {
	t.Helper()
	for _, p := range s.plans {
		if p.Seq == seq && p.Sub == sub {
			return p
		}
	}
	t.Fatalf("no plan %d.%d", seq, sub)
	return Plan{}
}

func (s seedIndex) code(t *testing.T, name string) string {
	t.Helper()
	code, _, ok := s.res.Resolve(name)
	if !ok || code == "" {
		t.Fatalf("department %q does not resolve", name)
	}
	return code
}

// codes resolves department names in order.
func (s seedIndex) codes(t *testing.T, names ...string) []string {
	t.Helper()
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = s.code(t, n)
	}
	return out
}

func departmentCodes(p Plan) []string {
	out := make([]string, len(p.Departments))
	for i, d := range p.Departments {
		out[i] = d.Code
	}
	return out
}

func TestParseSeedTable(t *testing.T) {
	res := MustResolver(t, seedDepartments)
	s := seedIndex{plans: MustParseFile(t, seedPlans, res), res: res}

	t.Run("the table holds 70 plans under 68 numbers, 186 department rows and 272 items", func(t *testing.T) {
		seqs := map[int]bool{}
		depts, items := 0, 0
		for _, p := range s.plans {
			seqs[p.Seq] = true
			depts += len(p.Departments)
			for _, d := range p.Departments {
				items += len(d.Items)
			}
		}
		if len(s.plans) != 70 || len(seqs) != 68 || depts != 186 || items != 272 {
			t.Errorf("got %d plans, %d numbers, %d department rows, %d items; want 70, 68, 186, 272", len(s.plans), len(seqs), depts, items)
		}
		if seqs[14] || seqs[15] {
			t.Error("the seed has no plans 14 and 15")
		}
	})

	t.Run("plan 3 holds three plans with their own names and departments", func(t *testing.T) {
		for _, tc := range []struct {
			sub    int
			target string
			name   string
			depts  []string
		}{
			{1, "全市中小学", "庆阳市2024年中小学办学情况联合检查", []string{"市教育局", "市市场监管局"}},
			{2, "全市民办学校", "庆阳市2024年民办学校联合检查", []string{"市教育局", "市民政局", "市卫生健康委"}},
			{3, "全市校外培训机构", "庆阳市2024年校外培训机构联合检查", []string{"市教育局", "市市场监管局"}},
		} {
			p := s.plan(t, 3, tc.sub)
			if p.Target != tc.target || p.Name != tc.name || p.Domain != "学校办学情况" {
				t.Errorf("plan 3.%d: got %q / %q / %q", tc.sub, p.Domain, p.Target, p.Name)
			}
			if got, want := departmentCodes(p), s.codes(t, tc.depts...); !reflect.DeepEqual(got, want) {
				t.Errorf("plan 3.%d departments %v, want %v", tc.sub, got, want)
			}
		}
		if _, extra := func() (Plan, bool) {
			for _, p := range s.plans {
				if p.Seq == 3 && p.Sub == 4 {
					return p, true
				}
			}
			return Plan{}, false
		}(); extra {
			t.Error("plan 3 has a fourth plan")
		}
	})

	t.Run("plan 21 has seven departments, 市卫健委 among them", func(t *testing.T) {
		p := s.plan(t, 21, 1)
		want := s.codes(t, "市商务局", "市文体广电旅游局", "市人社局", "市民政局", "市卫生健康委", "市交通运输局", "市市场监管局")
		if got := departmentCodes(p); !reflect.DeepEqual(got, want) {
			t.Errorf("departments %v, want %v", got, want)
		}
		if p.Departments[4].Raw != "市卫健委" {
			t.Errorf("raw name %q, want the printed 市卫健委", p.Departments[4].Raw)
		}
	})

	t.Run("plan 66 is 市市场监管局, 市住建局 and 市卫生健康委, all 重点检查", func(t *testing.T) {
		p := s.plan(t, 66, 1)
		if got, want := departmentCodes(p), s.codes(t, "市市场监管局", "市住建局", "市卫生健康委"); !reflect.DeepEqual(got, want) {
			t.Errorf("departments %v, want %v", got, want)
		}
		for _, d := range p.Departments {
			for _, it := range d.Items {
				if it.Class != ClassKey {
					t.Errorf("%s: item %q is %s", d.Raw, it.Name, it.Class)
				}
			}
		}
	})

	t.Run("every department resolves and placeholders occur only in the open plans", func(t *testing.T) {
		var withPlaceholder []int
		for _, p := range s.plans {
			if p.Initiator == "" {
				t.Errorf("plan %d.%d: initiator %q unresolved", p.Seq, p.Sub, p.InitiatorRaw)
			}
			for _, d := range p.Departments {
				switch {
				case d.Placeholder:
					withPlaceholder = append(withPlaceholder, p.Seq)
				case d.Code == "":
					t.Errorf("plan %d.%d: %q unresolved", p.Seq, p.Sub, d.Raw)
				}
			}
		}
		sort.Ints(withPlaceholder)
		// 待定 in 60–63, 67 and 68; 相关成员单位 in 70.
		if want := []int{60, 61, 62, 63, 67, 68, 70}; !reflect.DeepEqual(withPlaceholder, want) {
			t.Errorf("placeholders in plans %v, want %v", withPlaceholder, want)
		}
	})

	t.Run("name variants and stray spaces resolve to the departments of 附件2", func(t *testing.T) {
		for _, tc := range []struct {
			seq, index int
			raw, name  string
		}{
			{2, 0, "市发改委", "市发展改革委"},
			{2, 2, "农发行", "农发行庆阳市分行"},
			{4, 2, "市消防救援支队", "庆阳市消防救援支队"},
			{29, 0, "市应急管理局", "市应急局"},
			{43, 3, "市市场监 管局", "市市场监管局"},
		} {
			d := s.plan(t, tc.seq, 1).Departments[tc.index]
			if d.Raw != tc.raw || d.Code != s.code(t, tc.name) {
				t.Errorf("plan %d department %d: %q -> %q, want %q -> %s", tc.seq, tc.index, d.Raw, d.Code, tc.raw, tc.name)
			}
		}
		if p := s.plan(t, 43, 1); p.InitiatorRaw != "市委宣 传部" || p.Initiator != s.code(t, "市委宣传部") {
			t.Errorf("plan 43 initiator %q -> %q", p.InitiatorRaw, p.Initiator)
		}
	})

	t.Run("the ratios with floors and sub-population rules parse where they appear", func(t *testing.T) {
		production := []Override{{Population: "生产企业", Percent: 100}}
		for _, tc := range []struct {
			seq  int
			want Ratio
		}{
			{19, Ratio{Text: "10%（生产企业100%抽查）", Percent: 10, Overrides: production}},
			{33, Ratio{Text: "20%以上", Percent: 20, Floor: true}},
			{37, Ratio{Text: "20%以上", Percent: 20, Floor: true}},
			{55, Ratio{Text: "10%（批发商100%抽查）", Percent: 10, Overrides: []Override{{Population: "批发商", Percent: 100}}}},
			{65, Ratio{Text: "10% (生产企业100%抽查)", Percent: 10, Overrides: production}},
			{68, Ratio{Text: "10%以上(生产企业100%抽查)", Percent: 10, Floor: true, Overrides: production}},
			{70, Ratio{Text: "3%以上", Percent: 3, Floor: true}},
		} {
			if got := s.plan(t, tc.seq, 1).Ratio; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("plan %d ratio %s, want %s", tc.seq, dump(got), dump(tc.want))
			}
		}
	})

	t.Run("windows read as first and last day, the unreadable one stays text", func(t *testing.T) {
		for _, tc := range []struct {
			seq        int
			start, end string
		}{
			{1, "2024-05-01", "2024-09-30"},  // 5月开始，10月前结束
			{3, "2024-04-01", "2024-10-31"},  // 11月前结束
			{31, "2024-07-01", "2024-10-31"}, // printed cut off: 11月前结
			{55, "2024-04-01", "2024-11-30"}, // 12月前结束
			{42, "", ""},                     // 2024年12月中旬前结束: no start
		} {
			p := s.plan(t, tc.seq, 1)
			got := [2]string{}
			if !p.Start.IsZero() {
				got = [2]string{p.Start.Format("2006-01-02"), p.End.Format("2006-01-02")}
			}
			if got != [2]string{tc.start, tc.end} {
				t.Errorf("plan %d window %q -> %v, want %s..%s", tc.seq, p.Window, got, tc.start, tc.end)
			}
		}
	})

	t.Run("是否下发 and 抽查层级 are read as printed", func(t *testing.T) {
		if p := s.plan(t, 1, 1); p.Delegated || !reflect.DeepEqual(p.Levels, []string{"市级"}) {
			t.Errorf("plan 1: %v %q", p.Delegated, p.Levels)
		}
		if p := s.plan(t, 2, 1); !p.Delegated || !reflect.DeepEqual(p.Levels, []string{"市级", "县区级"}) {
			t.Errorf("plan 2: %v %q", p.Delegated, p.Levels)
		}
		if p := s.plan(t, 29, 1); !reflect.DeepEqual(p.Levels, []string{"市县级"}) {
			t.Errorf("plan 29 levels %q, want the printed 市县级", p.Levels)
		}
	})
}

func TestParseSeedTableInEveryFormat(t *testing.T) {
	res := MustResolver(t, seedDepartments)
	want := MustParseFile(t, seedPlans, res)
	rows := tabletest.ReadTSV(t, seedPlans)
	dir := t.TempDir()

	t.Run("the seed written as CSV parses to the identical plans", func(t *testing.T) {
		path := filepath.Join(dir, "qingyang-2024.csv")
		writeFile(t, path, tabletest.CSV(t, rows))
		samePlans(t, MustParseFile(t, path, res), want)
	})
	t.Run("the seed written as XLSX parses to the identical plans", func(t *testing.T) {
		path := filepath.Join(dir, "qingyang-2024.xlsx")
		writeFile(t, path, tabletest.XLSX(t, rows))
		samePlans(t, MustParseFile(t, path, res), want)
	})
}

func TestLoadDepartmentsTSV(t *testing.T) {
	t.Run("the seed lists the 30 departments of 附件2 with unique codes and short names", func(t *testing.T) {
		f := mustOpen(t, seedDepartments)
		depts, err := LoadDepartmentsTSV(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(depts) != 30 {
			t.Errorf("got %d departments, want 30", len(depts))
		}
		for _, d := range depts {
			if d.Short == "" {
				t.Errorf("%s has no short name", d.Name)
			}
		}
	})
}
