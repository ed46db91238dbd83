package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportChecklistsCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "zsc.db")
	ctx := context.Background()
	if err := Main(ctx, []string{"import-plan", filepath.Join("..", "..", "..", "testdata", "plans", "qingyang-2024.tsv"), "--year", "2024", "--db", db}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	const header = "部门\t抽查事项\t检查项目代码\t检查项目\t检查内容代码\t检查内容\t参考检查方法\t重点项\t检查依据\t违反条款\t通知书表述\n"
	const food = "市市场监管局\t对餐饮服务经营者日常经营行为的行政检查\t1\t资质管理\t"
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("a broken table prints every row error in Chinese and imports nothing", func(t *testing.T) {
		bad := write("bad.tsv", header+food+"1.1\t许可证悬挂\t查看\t★\t\t\t\n"+food+"1.2\t\t查看\t\t\t\t\n"+"市市场监管局\t对未知事项的检查\t1\t资质\t1.1\t内容\t\t\t\t\t\n")
		var stderr strings.Builder
		err := Main(ctx, []string{"import-checklists", bad, "--db", db}, io.Discard, &stderr)
		if err == nil || !strings.Contains(err.Error(), "检查表有 2 处错误，未导入任何内容") {
			t.Fatalf("err = %v", err)
		}
		want := "第 3 行 检查内容：“检查内容”不能为空\n第 4 行 抽查事项：市市场监管局的监管事项清单中没有“对未知事项的检查”，请先导入年度计划\n"
		if stderr.String() != want {
			t.Fatalf("stderr:\n%s\nwant\n%s", stderr.String(), want)
		}
	})
	t.Run("a good table prints its counts", func(t *testing.T) {
		good := write("good.tsv", header+food+"1.1\t许可证悬挂\t查看\t★\t\t\t\n"+food+"1.2\t许可证有效\t查看\t\t\t\t\n")
		var out strings.Builder
		if err := Main(ctx, []string{"import-checklists", "--db", db, good}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if out.String() != "导入检查表 good.tsv：抽查事项 1 个（新版本 1 个，未变 0 个），检查内容 2 条\n" {
			t.Fatalf("out %q", out.String())
		}
	})
}
