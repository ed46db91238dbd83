package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"zsc/schema"
	"zsc/server/checklists"
	"zsc/server/sqlstore"
)

// importChecklists is `zsc import-checklists FILE`: it imports checklist
// templates (检查表) as the admin, printing the counts, or every row error in
// Chinese and nothing written.
func importChecklists(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import-checklists", flag.ContinueOnError)
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file or postgres:// URL")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: zsc import-checklists FILE [--db data/zsc.db]")
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := importChecklistFile(ctx, db, pos[0])
	var rows schema.RowErrors
	if errors.As(err, &rows) {
		for _, e := range rows {
			fmt.Fprintln(stderr, rowErrorText(e))
		}
		return fmt.Errorf("%s：检查表有 %d 处错误，未导入任何内容", pos[0], len(rows))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "导入检查表 %s：抽查事项 %d 个（新版本 %d 个，未变 %d 个），检查内容 %d 条\n", res.Source, res.Items, res.Versions, res.Unchanged, res.Points)
	return nil
}

func importChecklistFile(ctx context.Context, db *sqlstore.DB, path string) (*sqlstore.ChecklistImport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res, err := db.Resolver(ctx)
	if err != nil {
		return nil, err
	}
	file, err := checklists.Parse(f, filepath.Base(path), res)
	if err != nil {
		return nil, err
	}
	return db.ImportChecklists(ctx, file, cliUser, schema.ChannelImport)
}

// rowErrorText is a row error as the office reads it: 第 3 行 检查内容：….
func rowErrorText(e schema.RowError) string {
	switch {
	case e.Row > 0 && e.Column != "":
		return fmt.Sprintf("第 %d 行 %s：%s", e.Row, e.Column, e.Message)
	case e.Row > 0:
		return fmt.Sprintf("第 %d 行：%s", e.Row, e.Message)
	case e.Column != "":
		return fmt.Sprintf("%s：%s", e.Column, e.Message)
	}
	return e.Message
}
