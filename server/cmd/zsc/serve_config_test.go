package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"zsc/schema"
	"zsc/server/config"
	"zsc/server/sqlstore"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// Every setting is a flag and a ZSC_* variable; the flag wins.
func TestServeConfigFlagAndEnv(t *testing.T) {
	env := map[string]string{
		"ZSC_DATA": "/srv/zsc", "ZSC_ADDR": ":9000", "ZSC_LOGIN_LOCKOUT": "1m", "ZSC_LOGIN_ADDRESS_FAILURES": "80",
		"ZSC_TRUSTED_PROXY": "10.0.0.0/8, fd00::/8", "ZSC_LEASE_SIZE": "7", "ZSC_LEASE_TTL": "240h",
		"ZSC_LOG_FORMAT": "json", "ZSC_DEMO": "true", "ZSC_PHOTO_QUOTA_MB": "50", "ZSC_PHOTO_TTL": "72h",
	}
	c, err := parseServe([]string{"--addr", ":7000", "--log-format", "text"}, envOf(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":7000" || c.LogFormat != "text" {
		t.Fatalf("a flag did not win over its variable: addr %q, log format %q", c.Addr, c.LogFormat)
	}
	if c.Login.Lockout != time.Minute || c.Login.AddressFailures != 80 || c.Login.AccountFailures != 5 ||
		c.LeaseSize != 7 || c.LeaseTTL != 240*time.Hour || c.PhotoQuotaMB != 50 || c.PhotoTTL != 72*time.Hour || !c.Demo || c.TrustedProxies.String() != "10.0.0.0/8,fd00::/8" {
		t.Fatalf("variables not applied: %+v", c)
	}
	if c.DB != "/srv/zsc/zsc.db" || c.Photos != "/srv/zsc/blobs" || c.KeyFile != "/srv/zsc/jwt.key" {
		t.Fatalf("paths in the data folder: %q %q %q", c.DB, c.Photos, c.KeyFile)
	}
	c, err = parseServe([]string{"--trusted-proxy", "192.0.2.0/24", "--trusted-proxy", "198.51.100.7", "--photos", "/mnt/photos"}, envOf(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.TrustedProxies.String() != "192.0.2.0/24,198.51.100.7/32" || c.Photos != "/mnt/photos" {
		t.Fatalf("flags: proxies %s photos %s", c.TrustedProxies.String(), c.Photos)
	}
	// --db alone keeps the photos and the key beside it, as before.
	c, err = parseServe([]string{"--db", "/var/lib/zsc/main.db"}, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Photos != "/var/lib/zsc/blobs" || c.KeyFile != "/var/lib/zsc/jwt.key" || c.Addr != ":8080" {
		t.Fatalf("--db alone: %+v", c)
	}
	for _, bad := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"ZSC_LOGIN_WINDOW": "soon"}, nil, "ZSC_LOGIN_WINDOW"},
		{map[string]string{"ZSC_TRUSTED_PROXY": "10.0.0.0/8,office"}, nil, `"office" is neither an address range`},
		{nil, []string{"--trusted-proxy", "10.0.0.0/33"}, "not an address range"},
		{nil, []string{"--log-format", "xml"}, "--log-format must be text or json"},
		{nil, []string{"--login-lockout", "10m"}, "shorter than the first lockout"},
		{nil, []string{"--lease-ttl", "1h"}, "--lease-ttl must be at least 48h"},
		{nil, []string{"--photo-quota-mb", "5"}, "--photo-quota-mb must be at least 10"},
		{nil, []string{"--photo-ttl", "1h"}, "--photo-ttl must be at least 24h"},
		{nil, []string{"extra"}, `unexpected argument "extra"`},
	} {
		if _, err := parseServe(bad.args, envOf(bad.env), io.Discard); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v %v: err = %v, want %q", bad.env, bad.args, err, bad.want)
		}
	}
}

// zsc serve --help lists every setting with its variable.
func TestServeHelpListsEverySetting(t *testing.T) {
	var out strings.Builder
	if err := Main(context.Background(), []string{"serve", "--help"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"data", "db", "photos", "key-file", "addr", "login-account-failures", "login-address-failures",
		"login-window", "login-lockout", "login-lockout-max", "login-max-entries", "lease-size", "lease-ttl", "photo-quota-mb", "photo-ttl", "trusted-proxy",
		"log-format", "log-level", "demo"} {
		re := regexp.MustCompile(`(?m)^  -` + regexp.QuoteMeta(name) + `\b[^\n]*\n[^\n]*\[` + config.EnvName(name) + `\]`)
		if !re.MatchString(out.String()) {
			t.Errorf("--%s with [%s] not in:\n%s", name, config.EnvName(name), out.String())
		}
	}
}

// startServe runs Main serve until the returned stop is called; it returns
// the address it listens on.
func startServe(t *testing.T, args ...string) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve"}, args...), pw, io.Discard)
		_ = pw.Close() // a pipe writer's Close never fails
	}()
	sc := bufio.NewScanner(pr)
	re := regexp.MustCompile(`listening on http://(\S+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if addr == "" {
		cancel()
		t.Fatalf("serve did not start: %v", <-done)
	}
	return addr, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop")
			return nil
		}
	}
}

// The paths come from variables (the flag --addr winning over a broken
// ZSC_ADDR); a second serve on the same database is refused while the
// first runs, and starts once it has stopped.
func TestServeLocksTheDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "db", "zsc.db")
	t.Setenv("ZSC_JWT_SECRET", "")
	t.Setenv("ZSC_DB", db)
	t.Setenv("ZSC_KEY_FILE", filepath.Join(dir, "secrets", "jwt.key"))
	t.Setenv("ZSC_PHOTOS", filepath.Join(dir, "photos"))
	t.Setenv("ZSC_ADDR", "no such address")
	_, stop := startServe(t, "--addr", "127.0.0.1:0")
	if fi, err := os.Stat(filepath.Join(dir, "secrets", "jwt.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file from ZSC_KEY_FILE: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "db", "jwt.key")); err == nil {
		t.Fatal("a key file was made beside the database too")
	}
	err := Main(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already serving "+db) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second serve: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop = startServe(t, "--addr", "127.0.0.1:0")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// serve refuses a database a newer zsc has migrated, naming both versions.
func TestServeRefusesNewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zsc.db")
	db, err := sqlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := schema.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	newest := ms[len(ms)-1].Version
	err = db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', '2030-01-01T00:00:00.000Z')`, newest+1)
		return err
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	err = Main(context.Background(), []string{"serve", "--db", path, "--addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "schema version "+strconv.Itoa(newest+1)) || !strings.Contains(err.Error(), "newest migration "+strconv.Itoa(newest)) {
		t.Fatalf("err = %v", err)
	}
}
