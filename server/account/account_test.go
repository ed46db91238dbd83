package account_test

import (
	"strings"
	"testing"

	"zsc/server/account"
)

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		user, pw, want string
	}{
		{"zhang.san", "short7!", "至少 8 位"},
		{"zhang.san", "ZHANG.SAN", "不能与用户名相同"},
		{"zhang.san", "        ", "空格"},
		{"zhang.san", "好好学习天天向上", ""},
		{"zhang.san", "correct horse", ""},
	} {
		err := account.CheckPassword(tc.user, tc.pw)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckPassword(%q, %q) = %v, want %q", tc.user, tc.pw, err, tc.want)
		}
	}
	if err := account.CheckNewPassword("u", "same-password", "same-password"); err == nil || !strings.Contains(err.Error(), "不能与原密码相同") {
		t.Errorf("an unchanged password: %v", err)
	}
}

func TestFieldsNormalize(t *testing.T) {
	ok := account.Fields{Username: " li.si ", Name: " 李四 ", Role: "inspector", Dept: "scjg", Region: "621002", CertNo: "62100200123"}
	f, err := ok.Normalize()
	if err != nil || f.Username != "li.si" || f.Name != "李四" {
		t.Fatalf("Normalize = %+v, %v", f, err)
	}
	for _, tc := range []struct {
		f    account.Fields
		want string
	}{
		{account.Fields{Username: "李四", Name: "李四", Role: "inspector", Dept: "scjg", Region: "621002"}, "用户名"},
		{account.Fields{Username: "lisi", Role: "inspector", Dept: "scjg", Region: "621002"}, "姓名"},
		{account.Fields{Username: "lisi", Name: "李四", Role: "boss", Dept: "scjg", Region: "621002"}, "角色"},
		{account.Fields{Username: "lisi", Name: "李四", Role: "lead", Region: "621002"}, "部门"},
		{account.Fields{Username: "lisi", Name: "李四", Role: "lead", Dept: "scjg"}, "区域"},
	} {
		if _, err := tc.f.Normalize(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Normalize(%+v) = %v, want %q", tc.f, err, tc.want)
		}
	}
}

func TestOneTimePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p, err := account.OneTimePassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 12 || strings.ContainsAny(p, "0O1lI") || seen[p] {
			t.Fatalf("one-time password %q", p)
		}
		if err := account.CheckPassword("admin", p); err != nil {
			t.Fatalf("a one-time password breaks the rules: %v", err)
		}
		seen[p] = true
	}
}

func TestCheckSelfChange(t *testing.T) {
	me := account.Fields{Username: "office", Name: "王五", Role: "office", Dept: "lxb", Region: "621000"}
	if err := account.CheckSelfChange(me, me, true); err == nil {
		t.Error("disabled oneself")
	}
	up := me
	up.Role = "admin"
	if err := account.CheckSelfChange(me, up, false); err == nil {
		t.Error("changed one's own role")
	}
	renamed := me
	renamed.Name = "王小五"
	if err := account.CheckSelfChange(me, renamed, false); err != nil {
		t.Errorf("renaming oneself: %v", err)
	}
}
