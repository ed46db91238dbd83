package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zsc/server/sqlstore"
)

// zsc backup copies the database, the photos and jwt.key with a manifest;
// zsc restore checks every file against it before it replaces anything,
// and stamps a new epoch (DESIGN §8.5).
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	dbPath := filepath.Join(home, "zsc.db")
	if err := Main(ctx, []string{"user", "add", "--db", dbPath, "--username", "zhang", "--password", "long-enough-pw", "--role", "inspector", "--dept", "scjg", "--region", "621002"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	photo := []byte("a photo's bytes")
	sum := sha256.Sum256(photo)
	hexSum := hex.EncodeToString(sum[:])
	photoRel := filepath.Join("blobs", hexSum[:2], hexSum[2:4], hexSum)
	mustWrite(t, filepath.Join(home, photoRel), photo)
	mustWrite(t, filepath.Join(home, "blobs", "tmp", "x.part"), []byte("partial upload"))
	mustWrite(t, filepath.Join(home, "jwt.key"), []byte(strings.Repeat("ab", 32)+"\n"))
	epochBefore := epochOf(t, dbPath)

	dir := filepath.Join(t.TempDir(), "backup")
	var out strings.Builder
	if err := Main(ctx, []string{"backup", dir, "--db", dbPath}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	paths := []string{}
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	want := []string{filepath.ToSlash(photoRel), "jwt.key", "zsc.db"}
	if strings.Join(paths, " ") != strings.Join(want, " ") || m.SchemaVersion < 12 || m.Epoch != epochBefore || m.CreatedAt == "" {
		t.Fatalf("manifest %+v; want files %v, schema ≥ 12, epoch %s", m, want, epochBefore)
	}

	t.Run("a tampered file is refused by name and nothing is replaced", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "live")
		livePath := filepath.Join(target, "zsc.db")
		mustWrite(t, livePath, []byte("the live database"))
		bad := filepath.Join(t.TempDir(), "bad")
		if err := copyTree(dir, bad); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(bad, photoRel), []byte("another photo"))
		err := Main(ctx, []string{"restore", bad, "--db", livePath}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), filepath.ToSlash(photoRel)) || !strings.Contains(err.Error(), "does not match") {
			t.Fatalf("restore of a tampered backup: %v; want a refusal naming %s", err, photoRel)
		}
		entries, err := os.ReadDir(target)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(livePath); err != nil || string(got) != "the live database" || len(entries) != 1 {
			t.Fatalf("the live folder changed: %q, %d entries", got, len(entries))
		}
	})

	t.Run("a backup newer than this binary is refused", func(t *testing.T) {
		newer := filepath.Join(t.TempDir(), "newer")
		if err := copyTree(dir, newer); err != nil {
			t.Fatal(err)
		}
		m2 := m
		m2.SchemaVersion = 9999
		b, err := json.Marshal(m2)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(newer, "manifest.json"), b)
		err = Main(ctx, []string{"restore", newer, "--db", filepath.Join(t.TempDir(), "zsc.db")}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "schema version 9999") {
			t.Fatalf("restore of a newer backup: %v", err)
		}
	})

	t.Run("a database a server is serving is not replaced", func(t *testing.T) {
		livePath := filepath.Join(t.TempDir(), "zsc.db")
		mustWrite(t, livePath, []byte("the live database"))
		release, err := lockDatabase(livePath) // what a running serve holds
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := release(); err != nil {
				t.Error(err)
			}
		}()
		err = Main(ctx, []string{"restore", dir, "--db", livePath}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "already serving") {
			t.Fatalf("restore under a running server: %v", err)
		}
		if got, err := os.ReadFile(livePath); err != nil || string(got) != "the live database" {
			t.Fatalf("the live database changed: %q %v", got, err)
		}
	})

	t.Run("round trip", func(t *testing.T) {
		target := t.TempDir()
		livePath := filepath.Join(target, "zsc.db")
		mustWrite(t, livePath, []byte("the live database"))
		out.Reset()
		if err := Main(ctx, []string{"restore", dir, "--db", livePath}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(target, photoRel)); err != nil || string(got) != string(photo) {
			t.Fatalf("photo after restore: %q %v", got, err)
		}
		if got, err := os.ReadFile(filepath.Join(target, "jwt.key")); err != nil || !strings.HasPrefix(string(got), "abab") {
			t.Fatalf("jwt.key after restore: %q %v", got, err)
		}
		aside, err := filepath.Glob(livePath + ".before-restore-*")
		if err != nil || len(aside) != 1 {
			t.Fatalf("the replaced database was not kept aside: %v %v", aside, err)
		}
		db, err := sqlstore.Open(livePath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.UserByUsername(ctx, "zhang"); err != nil {
			t.Fatalf("the restored database lacks its user: %v", err)
		}
		var epoch string
		if err := db.Reader().QueryRow(`SELECT epoch FROM change_epoch`).Scan(&epoch); err != nil {
			t.Fatal(err)
		}
		if epoch == epochBefore || !strings.Contains(out.String(), epoch) {
			t.Fatalf("epoch after restore %q (before %q); output %q", epoch, epochBefore, out.String())
		}
	})

	// serve may keep the photos and the key apart from the database
	// (--photos, --key-file); backup and restore take the same flags.
	t.Run("photos and key kept apart from the database", func(t *testing.T) {
		apart := t.TempDir()
		photos, key := filepath.Join(apart, "photos"), filepath.Join(apart, "secrets", "zsc.key")
		if err := copyTree(filepath.Join(home, "blobs"), photos); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, key, []byte(strings.Repeat("cd", 32)+"\n"))
		dir2 := filepath.Join(t.TempDir(), "backup")
		if err := Main(ctx, []string{"backup", dir2, "--db", dbPath, "--photos", photos, "--key-file", key}, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(dir2, "jwt.key")); err != nil || !strings.HasPrefix(string(got), "cdcd") {
			t.Fatalf("the backup's key: %q %v; want the one --key-file names", got, err)
		}
		target := t.TempDir()
		photos2, key2 := filepath.Join(target, "p"), filepath.Join(target, "k", "zsc.key")
		if err := Main(ctx, []string{"restore", dir2, "--db", filepath.Join(target, "db", "zsc.db"), "--photos", photos2, "--key-file", key2}, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(photos2, strings.TrimPrefix(photoRel, "blobs"+string(filepath.Separator)))); err != nil || string(got) != string(photo) {
			t.Fatalf("photo restored into --photos: %q %v", got, err)
		}
		if got, err := os.ReadFile(key2); err != nil || !strings.HasPrefix(string(got), "cdcd") {
			t.Fatalf("key restored into --key-file: %q %v", got, err)
		}
	})
}

func epochOf(t *testing.T, path string) string {
	t.Helper()
	_, e, err := dbVersion(path)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
