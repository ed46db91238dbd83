package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"zsc/schema"
	"zsc/server/config"
	"zsc/server/photos"
	"zsc/server/sqlstore"
)

// A backup is a folder (DESIGN §8.5):
//
//	manifest.json   what follows, with the SHA-256 and size of each file
//	zsc.db          a consistent copy of the database (VACUUM INTO)
//	blobs/aa/bb/…   the photos, content-addressed as on the server
//	jwt.key         the signing key, when the server keeps one in a file
//
// The database is copied first: a photo is written before the row that
// names it, so every photo the copy names is already on disk when the
// folder is copied after it.
const (
	manifestName   = "manifest.json"
	backupDBName   = "zsc.db"
	backupKeyName  = "jwt.key"
	backupBlobsDir = "blobs"
	manifestFormat = 1
)

// Manifest describes a backup folder; restore refuses a folder that does
// not match it.
type Manifest struct {
	Format        int            `json:"format"`
	CreatedAt     string         `json:"created_at"`
	SchemaVersion int            `json:"schema_version"` // the highest migration the copied database has
	Epoch         string         `json:"epoch"`          // the change log's epoch at the time of the copy
	Files         []ManifestFile `json:"files"`
}

// ManifestFile is one file of a backup, its path relative to the folder
// with forward slashes.
type ManifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// backup runs `zsc backup DIR [--db data/zsc.db]`. It may run beside a
// serving server: the database copy is one read snapshot.
func backup(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	var f Files
	fs.StringVar(&f.DB, "db", "data/zsc.db", "SQLite database file")
	f.flags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: zsc backup DIR [--db data/zsc.db] [--photos DIR] [--key-file FILE]")
	}
	m, err := Backup(ctx, f.resolve(fs), pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup %s: %d files, schema version %d, epoch %s\n", pos[0], len(m.Files), m.SchemaVersion, m.Epoch)
	return nil
}

// Files names what a backup copies and a restore puts back: the database,
// the photo folder and the key file, which `zsc serve` may keep apart
// (--photos, --key-file); by default both sit beside the database, as
// serve's defaults have them.
type Files struct{ DB, Photos, KeyFile string }

// flags adds --photos and --key-file, which read ZSC_PHOTOS and
// ZSC_KEY_FILE when not given, like serve's.
func (f *Files) flags(fs *flag.FlagSet) {
	fs.StringVar(&f.Photos, "photos", "", `photo folder (default: blobs beside --db); "db" when serve keeps them in the database, whose copy holds them [ZSC_PHOTOS]`)
	fs.StringVar(&f.KeyFile, "key-file", "", "session signing key file (default: jwt.key beside --db) [ZSC_KEY_FILE]")
}

// resolve fills what was not given from the environment, then the defaults.
func (f Files) resolve(fs *flag.FlagSet) Files {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if !given["photos"] {
		f.Photos = os.Getenv(config.EnvName("photos"))
	}
	if !given["key-file"] {
		f.KeyFile = os.Getenv(config.EnvName("key-file"))
	}
	if f.Photos == "" {
		f.Photos = filepath.Join(filepath.Dir(f.DB), backupBlobsDir)
	}
	if f.KeyFile == "" {
		f.KeyFile = filepath.Join(filepath.Dir(f.DB), backupKeyName)
	}
	return f
}

// Backup copies the database, the photos and the key file named by f into
// dir, which must not exist or be empty, and writes the manifest last: a
// folder without manifest.json is an unfinished backup.
func Backup(ctx context.Context, f Files, dir string) (*Manifest, error) {
	dbPath := f.DB
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("backup folder %s is not empty", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if _, err := os.Stat(dbPath); err != nil {
		return nil, fmt.Errorf("database %s: %w", dbPath, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(dbPath)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: manifestFormat, CreatedAt: time.Now().UTC().Format(time.RFC3339)}
	err = db.BackupTo(ctx, filepath.Join(dir, backupDBName))
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("copy the database: %w", err)
	}
	if m.SchemaVersion, m.Epoch, err = dbVersion(filepath.Join(dir, backupDBName)); err != nil {
		return nil, err
	}
	// Photos kept in the database (serve --photos db) are in its copy.
	if f.Photos != photos.InDB {
		if err := copyTree(f.Photos, filepath.Join(dir, backupBlobsDir)); err != nil {
			return nil, fmt.Errorf("copy the photos: %w", err)
		}
	}
	if err := copyFile(f.KeyFile, filepath.Join(dir, backupKeyName), 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("copy jwt.key: %w", err)
	}
	if m.Files, err = hashTree(dir); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeSynced(filepath.Join(dir, manifestName), append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	return m, nil
}

// dbVersion reads the highest applied migration and the epoch of a
// database file without migrating it (a backup newer than this binary must
// not be touched).
func dbVersion(path string) (version int, epoch string, err error) {
	if _, err := os.Stat(path); err != nil {
		return 0, "", err
	}
	// Read-only and immutable: no migration, no WAL files left behind in
	// the backup folder (they would not be in its manifest).
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, "", fmt.Errorf("%s: schema version: %w", path, err)
	}
	// The epoch exists from migration 0012 on; an older copy has none.
	if err := db.QueryRow(`SELECT epoch FROM change_epoch WHERE id = 1`).Scan(&epoch); err != nil && version >= 12 {
		return 0, "", fmt.Errorf("%s: epoch: %w", path, err)
	}
	return version, epoch, nil
}

// restore runs `zsc restore DIR --db PATH`: with the server stopped, it
// checks the backup against its manifest, then puts the database, the
// photos and jwt.key in place and stamps a new epoch.
func restore(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	var f Files
	fs.StringVar(&f.DB, "db", "", "the database file to restore into (the server must be stopped)")
	f.flags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || f.DB == "" {
		return errors.New("usage: zsc restore DIR --db PATH [--photos DIR] [--key-file FILE]")
	}
	dbPath := &f.DB
	m, epoch, err := Restore(ctx, pos[0], f.resolve(fs))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s (made %s, schema version %d) into %s; new epoch %s: phones re-bootstrap and report their notice numbers on their next pull\n",
		pos[0], m.CreatedAt, m.SchemaVersion, *dbPath, epoch)
	return nil
}

// CheckBackup reads dir's manifest and checks every file it lists (present,
// same size and SHA-256), that no other file is there, and that the
// database's schema is not newer than this binary's. The error names the
// file at fault.
func CheckBackup(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, fmt.Errorf("backup %s has no readable manifest.json (an unfinished or foreign folder): %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("backup %s: manifest.json: %w", dir, err)
	}
	if m.Format != manifestFormat {
		return nil, fmt.Errorf("backup %s: manifest format %d, this zsc reads %d", dir, m.Format, manifestFormat)
	}
	ms, err := schema.Migrations()
	if err != nil {
		return nil, err
	}
	if newest := ms[len(ms)-1].Version; m.SchemaVersion > newest {
		return nil, fmt.Errorf("backup %s: its database has schema version %d, newer than this zsc's %d: restore it with a newer zsc", dir, m.SchemaVersion, newest)
	}
	listed := map[string]ManifestFile{}
	for _, f := range m.Files {
		listed[f.Path] = f
	}
	if _, ok := listed[backupDBName]; !ok {
		return nil, fmt.Errorf("backup %s: manifest.json lists no %s", dir, backupDBName)
	}
	have, err := hashTree(dir)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, f := range have {
		if f.Path == manifestName {
			continue
		}
		want, ok := listed[f.Path]
		switch {
		case !ok:
			return nil, fmt.Errorf("backup %s: %s is not in manifest.json", dir, f.Path)
		case want.Size != f.Size || want.SHA256 != f.SHA256:
			return nil, fmt.Errorf("backup %s: %s does not match manifest.json (sha256 %s, %d bytes; manifest says %s, %d bytes)",
				dir, f.Path, f.SHA256, f.Size, want.SHA256, want.Size)
		}
		found[f.Path] = true
	}
	for _, f := range m.Files {
		if !found[f.Path] {
			return nil, fmt.Errorf("backup %s: %s is missing", dir, f.Path)
		}
	}
	// The manifest may lie about the schema: ask the database itself.
	v, _, err := dbVersion(filepath.Join(dir, backupDBName))
	if err != nil {
		return nil, err
	}
	if v != m.SchemaVersion {
		return nil, fmt.Errorf("backup %s: %s has schema version %d, manifest.json says %d", dir, backupDBName, v, m.SchemaVersion)
	}
	return &m, nil
}

// Restore checks dir (CheckBackup) before it touches anything at dbPath;
// then it prepares the restored database beside dbPath (migrated to this
// binary, with a new epoch), moves what was there aside (*.before-restore-TIME)
// and renames the new files into place. Photos are merged: they are
// content-addressed, so one already there is the same photo.
func Restore(ctx context.Context, dir string, f Files) (*Manifest, string, error) {
	dbPath := f.DB
	m, err := CheckBackup(dir)
	if err != nil {
		return nil, "", err
	}
	if _, err := os.Stat(filepath.Join(dir, backupBlobsDir)); err == nil && f.Photos == photos.InDB {
		// Checked before anything changes: the photos of a folder cannot
		// go into the database this way.
		return nil, "", fmt.Errorf("restore: the backup holds a photo folder (%s) but --photos is %q: restore with --photos DIR and serve with that folder", backupBlobsDir, photos.InDB)
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
		return nil, "", err
	}
	// The lock serve holds: replacing the database under a running server
	// would leave it writing to the renamed file.
	release, err := lockDatabase(dbPath)
	if err != nil {
		return nil, "", fmt.Errorf("restore: %w", err)
	}
	// Closing the lock file cannot undo the restore, and the kernel drops
	// the lock when the process ends whatever happens.
	defer func() { _ = release() }()
	home := filepath.Dir(dbPath)
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, "", err
	}
	staged := dbPath + ".restoring"
	for _, p := range []string{staged, staged + "-wal", staged + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, "", err
		}
	}
	if err := copyFile(filepath.Join(dir, backupDBName), staged, 0o600); err != nil {
		return nil, "", err
	}
	db, err := sqlstore.Open(staged)
	if err != nil {
		return nil, "", fmt.Errorf("open the restored database: %w", err)
	}
	// The restored log hands its numbers after the backup's head out again:
	// a new epoch makes every phone that pulled past it re-bootstrap, and
	// report its notice numbers before any phone is leased new ones.
	epoch, err := db.StampNewEpoch(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, "", fmt.Errorf("stamp a new epoch: %w", err)
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	aside := func(p string) error {
		if err := os.Rename(p, p+".before-restore-"+stamp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		if err := aside(p); err != nil {
			return nil, "", err
		}
	}
	if err := os.Rename(staged, dbPath); err != nil {
		return nil, "", err
	}
	// Photos kept in the database came back with it.
	if f.Photos != photos.InDB {
		if err := copyTree(filepath.Join(dir, backupBlobsDir), f.Photos); err != nil {
			return nil, "", fmt.Errorf("restore the photos: %w", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, backupKeyName)); err == nil {
		key := f.KeyFile
		if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
			return nil, "", err
		}
		if err := aside(key); err != nil {
			return nil, "", err
		}
		if err := copyFile(filepath.Join(dir, backupKeyName), key, 0o600); err != nil {
			return nil, "", err
		}
	}
	return m, epoch, nil
}

// hashTree lists every regular file under dir with its SHA-256, sorted.
func hashTree(dir string) ([]ManifestFile, error) {
	var out []ManifestFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, ManifestFile{Path: filepath.ToSlash(rel), SHA256: hex.EncodeToString(h.Sum(nil)), Size: n})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// copyTree copies the files under src into dst, skipping partial uploads
// (tmp/) and files already at dst; a missing src is no photos.
func copyTree(src, dst string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == "tmp" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) {
			return nil
		}
		if _, err := os.Stat(filepath.Join(dst, rel)); err == nil {
			return nil
		}
		return copyFile(p, filepath.Join(dst, rel), 0o644)
	})
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(src); errors.Is(serr, fs.ErrNotExist) {
			return nil
		}
	}
	return err
}

// copyFile copies src to dst through a temporary file renamed into place
// after an fsync, so dst is whole or absent.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name()) // best effort: the error that matters is err
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}

func writeSynced(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
