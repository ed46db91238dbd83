package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"zsc/server/sqlstore"
)

// drawTask runs `zsc draw TASK_ID --as USERNAME [--seed HEX]`: the draw of a
// task from the command line, as the named office user. Without --seed the
// server makes the seed after the snapshot is stored, as over HTTP; with
// one the draw is recorded as supplied, and verify and /public say so
// (DESIGN §8.7): a chosen seed reproduces but proves nothing.
func drawTask(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("draw", flag.ContinueOnError)
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file or postgres:// URL")
	as := fs.String("as", "", "username of the office user who runs the draw")
	seed := fs.String("seed", "", "64 hex digits; recorded as supplied (种子由操作人指定)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *as == "" {
		return errors.New("usage: zsc draw TASK_ID --as USERNAME [--seed HEX] [--db data/zsc.db]")
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByUsername(ctx, *as)
	if err != nil {
		return fmt.Errorf("--as %s: %w", *as, err)
	}
	rec, err := db.RunDraw(ctx, u, pos[0], *seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "draw %s of task %s: %d of %d drawn, %d visits\n", rec.ID, rec.TaskID, rec.Drawn, rec.Population, len(rec.Visits))
	fmt.Fprintf(stdout, "algorithm %s\nsnapshot  %s\nseed      %s (%s)\n", rec.Algorithm, rec.SnapshotHash, rec.Seed, seedSourceText(rec.SeedSource))
	return nil
}

// verifyDraw runs `zsc verify DRAW_ID`; it fails unless the draw reproduces
// from a seed the server made.
func verifyDraw(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	dbPath := fs.String("db", "data/zsc.db", "SQLite database file or postgres:// URL")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: zsc verify DRAW_ID [--db data/zsc.db]")
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.VerifyDraw(ctx, pos[0])
	if err != nil {
		return err
	}
	return printVerification(stdout, v)
}

func printVerification(w io.Writer, v *sqlstore.Verification) error {
	fmt.Fprintf(w, "draw %s: algorithm %s, %d visits\nsnapshot  %s\nseed      %s (%s)\n", v.DrawID, v.Algorithm, v.Visits, v.SnapshotHash, v.Seed, seedSourceText(v.SeedSource))
	switch {
	case v.Match:
		fmt.Fprintln(w, "一致：结果由快照和服务器随机生成的种子复现 (match)")
		return nil
	case v.Reproduced:
		fmt.Fprintf(w, "可复现但不能证明未被操纵：%s\n", v.Reason)
		return errors.New("verify: the draw reproduces, but its seed was not made by the server (种子由操作人指定)")
	}
	fmt.Fprintf(w, "不一致：%s\n", v.Reason)
	return errors.New("verify: the stored draw does not reproduce")
}

func seedSourceText(s string) string {
	switch s {
	case "random":
		return "服务器随机生成 random"
	case "witnessed":
		return "随机数与见证人代码混合 witnessed"
	case "supplied":
		return "种子由操作人指定 supplied"
	}
	return "来源未记录 unknown"
}
