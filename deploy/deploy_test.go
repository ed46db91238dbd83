package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serveVariables are the ZSC_* variables of `zsc serve`, read from its
// flags in server/cmd/zsc/run.go (a flag --lease-ttl is ZSC_LEASE_TTL).
func serveVariables(t *testing.T) []string {
	t.Helper()
	src := read(t, filepath.Join("..", "server", "cmd", "zsc", "run.go"))
	i := strings.Index(src, `flag.NewFlagSet("serve"`)
	if i < 0 {
		t.Fatal("run.go has no serve flag set")
	}
	vars := []string{"ZSC_JWT_SECRET"}
	for _, m := range regexp.MustCompile(`fs\.\w*Var\(&[\w.]+, "([a-z-]+)"`).FindAllStringSubmatch(src[i:], -1) {
		vars = append(vars, "ZSC_"+strings.ToUpper(strings.ReplaceAll(m[1], "-", "_")))
	}
	if len(vars) < 5 {
		t.Fatalf("found only %v in run.go's serve flags", vars)
	}
	return vars
}

// checkVariables fails on a ZSC_* variable that zsc serve does not read.
func checkVariables(t *testing.T, name, text string, known []string) {
	t.Helper()
	for _, v := range regexp.MustCompile(`ZSC_[A-Z_]+`).FindAllString(text, -1) {
		if !slices.Contains(known, v) {
			t.Errorf("%s sets %s, which zsc serve does not read (known: %v)", name, v, known)
		}
	}
}

// directive is the value of the last line "key value" or "key=value".
func directive(text, key, sep string) string {
	v := ""
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, key+sep) {
			v = strings.TrimSpace(strings.TrimPrefix(l, key+sep))
		}
	}
	return v
}

// TestDockerfile: the image builds the zsc command into a static binary,
// runs `zsc serve` from it as a user other than root, and keeps the data
// folder it points zsc at in a volume.
func TestDockerfile(t *testing.T) {
	df := read(t, filepath.Join("..", "Dockerfile"))
	build := regexp.MustCompile(`CGO_ENABLED=0 go build [^\n]*-o (\S+) \./server/cmd/zsc\b`).FindStringSubmatch(df)
	if build == nil {
		t.Fatal("no `CGO_ENABLED=0 go build -o BIN ./server/cmd/zsc` in the Dockerfile")
	}
	stages := strings.Split(df, "\nFROM ")
	final := stages[len(stages)-1]
	if !strings.Contains(final, "distroless/static") && !strings.HasPrefix(final, "scratch") {
		t.Errorf("the final image is not distroless/static or scratch: FROM %s", strings.SplitN(final, "\n", 2)[0])
	}
	copied := regexp.MustCompile(`COPY --from=\S+ ` + regexp.QuoteMeta(build[1]) + ` (\S+)`).FindStringSubmatch(final)
	if copied == nil {
		t.Fatalf("the final stage does not copy the built %s", build[1])
	}
	entry := directive(final, "ENTRYPOINT", " ")
	if want := `["` + copied[1] + `", "serve"]`; entry != want {
		t.Errorf("ENTRYPOINT %s, want %s", entry, want)
	}
	user := directive(final, "USER", " ")
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("USER %q: the server must not run as root", user)
	}
	data := regexp.MustCompile(`ZSC_DATA=(\S+)`).FindStringSubmatch(final)
	if data == nil || !strings.Contains(directive(final, "VOLUME", " "), `"`+data[1]+`"`) {
		t.Errorf("the data folder (ZSC_DATA %v) is not the VOLUME %s", data, directive(final, "VOLUME", " "))
	}
	addr := regexp.MustCompile(`ZSC_ADDR=:(\d+)`).FindStringSubmatch(final)
	if addr == nil || directive(final, "EXPOSE", " ") != addr[1] {
		t.Errorf("EXPOSE %q is not the port of ZSC_ADDR %v", directive(final, "EXPOSE", " "), addr)
	}
	if !strings.Contains(final, "TZ=Asia/Shanghai") {
		t.Error("the image does not set TZ=Asia/Shanghai")
	}
	checkVariables(t, "Dockerfile", df, serveVariables(t))
	// The PWA is built in the image, then embedded: never the placeholder.
	if !strings.Contains(df, "npm run build") || !strings.Contains(df, "pwa/dist") {
		t.Error("the Dockerfile does not build the PWA into pwa/dist before go build")
	}
}

// TestSystemdUnit: the service runs `zsc serve` from the installed binary
// as its own user, hardened, writing only its data folder.
func TestSystemdUnit(t *testing.T) {
	unit := read(t, "zsc.service")
	if got := directive(unit, "ExecStart", "="); got != "/usr/local/bin/zsc serve" {
		t.Errorf("ExecStart=%s, want /usr/local/bin/zsc serve", got)
	}
	if u := directive(unit, "User", "="); u == "" || u == "root" {
		t.Errorf("User=%q: the server must run as its own user", u)
	}
	for key, want := range map[string]string{"ProtectSystem": "strict", "NoNewPrivileges": "yes", "StateDirectory": "zsc"} {
		if got := directive(unit, key, "="); got != want {
			t.Errorf("%s=%s, want %s", key, got, want)
		}
	}
	data := ""
	for _, l := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(l, "Environment=ZSC_DATA="); ok {
			data = v
		}
	}
	if data != "/var/lib/zsc" || !slices.Contains(strings.Fields(directive(unit, "ReadWritePaths", "=")), data) {
		t.Errorf("the data folder %q is not /var/lib/zsc (StateDirectory) in ReadWritePaths=%s", data, directive(unit, "ReadWritePaths", "="))
	}
	checkVariables(t, "zsc.service", unit, serveVariables(t))

	backup := read(t, "zsc-backup.service")
	if got := directive(backup, "ExecStart", "="); !strings.Contains(got, "/usr/local/bin/zsc backup ") || !strings.Contains(got, "--db "+data+"/zsc.db") {
		t.Errorf("the backup service's ExecStart=%s does not run zsc backup on %s/zsc.db", got, data)
	}
	if directive(backup, "User", "=") != directive(unit, "User", "=") {
		t.Error("the backup runs as another user than the server")
	}
	if !strings.Contains(read(t, "zsc-backup.timer"), "OnCalendar=") {
		t.Error("the backup timer has no OnCalendar")
	}
}

// TestProxyExamples: Caddy and nginx pass to the address the unit listens
// on, and the unit trusts the proxy's address.
func TestProxyExamples(t *testing.T) {
	unit := read(t, "zsc.service")
	if !strings.Contains(unit, "Environment=ZSC_ADDR=127.0.0.1:8080") || !strings.Contains(unit, "Environment=ZSC_TRUSTED_PROXY=127.0.0.1/32") {
		t.Fatal("the unit does not listen on 127.0.0.1:8080 behind a trusted local proxy")
	}
	if c := read(t, "Caddyfile"); !strings.Contains(c, "reverse_proxy 127.0.0.1:8080") {
		t.Error("the Caddyfile does not proxy to 127.0.0.1:8080")
	}
	n := read(t, "nginx-zsc.conf")
	for _, want := range []string{"proxy_pass http://127.0.0.1:8080;", "proxy_set_header X-Forwarded-For   $remote_addr;", "proxy_set_header X-Forwarded-Proto $scheme;", "listen 443 ssl;"} {
		if !strings.Contains(n, want) {
			t.Errorf("nginx-zsc.conf lacks %q", want)
		}
	}
}
