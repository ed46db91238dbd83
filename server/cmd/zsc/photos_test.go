package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"zsc/server/photos"
	"zsc/server/sqlstore"
)

// TestServePhotosWhere: the photos go to a folder by default, to the
// database with --photos db or ZSC_PHOTOS=db, and to the database by
// default on PostgreSQL, where several instances share it.
func TestServePhotosWhere(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, filepath.Join("data", "blobs")},
		{[]string{"--photos", "db"}, nil, photos.InDB},
		{nil, map[string]string{"ZSC_PHOTOS": "db"}, photos.InDB},
		{[]string{"--db", "postgres://zsc@db.example/zsc"}, nil, photos.InDB},
		{[]string{"--db", "postgres://zsc@db.example/zsc", "--photos", "/mnt/photos"}, nil, "/mnt/photos"},
	} {
		cfg, err := parseServe(c.args, envOf(c.env), io.Discard)
		if err != nil {
			t.Fatalf("%v %v: %v", c.args, c.env, err)
		}
		if cfg.Photos != c.want {
			t.Errorf("%v %v: photos %q, want %q", c.args, c.env, cfg.Photos, c.want)
		}
	}
}

// TestBackupPhotosInDB: with the photos in the database, a backup copies
// no photo folder (the database's copy holds them), and a restore refuses
// a backup that has one before it changes anything.
func TestBackupPhotosInDB(t *testing.T) {
	home := t.TempDir()
	db := filepath.Join(home, "zsc.db")
	store, err := sqlstore.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	// A stray folder beside the database is not the photos.
	if err := os.MkdirAll(filepath.Join(home, "blobs", "ab"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "blobs", "ab", "x"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if _, err := Backup(t.Context(), Files{DB: db, Photos: photos.InDB, KeyFile: filepath.Join(home, "jwt.key")}, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, backupBlobsDir)); !os.IsNotExist(err) {
		t.Fatalf("the backup has a photo folder: %v", err)
	}
	if _, _, err := Restore(t.Context(), dir, Files{DB: filepath.Join(t.TempDir(), "zsc.db"), Photos: photos.InDB}); err != nil {
		t.Fatalf("restore with the photos in the database: %v", err)
	}

	folder := filepath.Join(t.TempDir(), "b")
	if _, err := Backup(t.Context(), Files{DB: db, Photos: filepath.Join(home, "blobs"), KeyFile: filepath.Join(home, "jwt.key")}, folder); err != nil {
		t.Fatal(err)
	}
	into := filepath.Join(t.TempDir(), "zsc.db")
	if _, _, err := Restore(t.Context(), folder, Files{DB: into, Photos: photos.InDB}); err == nil {
		t.Fatal("a backup with a photo folder restored into photos in the database")
	}
	if _, err := os.Stat(into); !os.IsNotExist(err) {
		t.Fatalf("the refused restore left a database: %v", err)
	}
}
