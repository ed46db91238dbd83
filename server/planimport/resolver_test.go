package planimport

import (
	"strings"
	"testing"
)

func TestResolver(t *testing.T) {
	res := NewResolver([]DepartmentName{
		{Code: "wjw", Name: "市卫生健康委", Aliases: []string{"市卫健委"}},
		{Code: "scjg", Name: "市市场监管局"},
		{Code: "a", Name: "甲局", Aliases: []string{"同名"}},
		{Code: "b", Name: "乙局", Aliases: []string{"同名"}},
		{Code: "", Name: "无代码局"},
	})
	for _, tc := range []struct {
		name, in    string
		code        string
		placeholder bool
		ok          bool
	}{
		{"the canonical name resolves", "市卫生健康委", "wjw", false, true},
		{"an alias resolves to the same code", "市卫健委", "wjw", false, true},
		{"a stray space inside the name is ignored", "市市场监 管局", "scjg", false, true},
		{"full-width spaces, tabs and line breaks are ignored", "\u3000市市场\t监管局\n", "scjg", false, true},
		{"待定 is a placeholder", "待定", "", true, true},
		{"相关成员单位 is a placeholder, spaces and all", "相关 成员单位", "", true, true},
		{"an unknown name does not resolve", "市不存在局", "", false, false},
		{"an empty name does not resolve", "", "", false, false},
		{"a spelling claimed by two departments resolves to neither", "同名", "", false, false},
		{"a department without a code is not listed", "无代码局", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, placeholder, ok := res.Resolve(tc.in)
			if code != tc.code || placeholder != tc.placeholder || ok != tc.ok {
				t.Errorf("Resolve(%q) = %q, %v, %v; want %q, %v, %v", tc.in, code, placeholder, ok, tc.code, tc.placeholder, tc.ok)
			}
		})
	}
}

func TestLoadDepartmentsTSVFormat(t *testing.T) {
	t.Run("columns are found by name, aliases split on |, comments and blank lines skipped", func(t *testing.T) {
		in := "\ufeffname\tcode\taliases\r\n# a comment\n\n市卫生健康委\twjw\t市卫健委| 卫健委 |\n"
		got, err := LoadDepartmentsTSV(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		want := []DepartmentName{{Code: "wjw", Name: "市卫生健康委", Aliases: []string{"市卫健委", "卫健委"}}}
		if dump(got) != dump(want) {
			t.Errorf("got %s, want %s", dump(got), dump(want))
		}
	})
	for _, tc := range []struct{ name, in, contains string }{
		{"a header without code is rejected", "name\tshort\n市局\t庆\n", `"code"`},
		{"a row without name is rejected", "code\tname\nx\t\n", "line 2"},
		{"a duplicate code is rejected", "code\tname\nx\t甲\nx\t乙\n", "line 2"},
		{"an empty file is rejected", "", "no header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadDepartmentsTSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("got %v, want an error containing %q", err, tc.contains)
			}
		})
	}
}
