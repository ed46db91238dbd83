package http_test

import (
	"bufio"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var paramRE = regexp.MustCompile(`:([a-zA-Z0-9_]+)`)

// openAPIRoutes reads "METHOD /path" pairs from schema/openapi.yaml: paths are
// keys at two spaces under "paths:", methods keys at four spaces.
func openAPIRoutes(t *testing.T) map[string]bool {
	f, err := os.Open("../../schema/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	inPaths, path := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case strings.HasPrefix(line, "#"):
		case inPaths && len(line) > 0 && line[0] != ' ':
			inPaths = false
		case inPaths && strings.HasPrefix(line, "  /"):
			path = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case inPaths && path != "" && regexp.MustCompile(`^    (get|post|put|patch|delete|head):`).MatchString(line):
			out[strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(line), ":"))+" "+path] = true
		}
	}
	return out
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	srv := MustOpenServer(t)
	registered := map[string]bool{}
	for _, r := range srv.Echo().Routes() {
		if r.Path == "/*" || strings.HasPrefix(r.Method, "echo_route_") {
			continue // the PWA fallback and Echo's internal any-route
		}
		registered[r.Method+" "+paramRE.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := openAPIRoutes(t)
	var missing, stale []string
	for r := range registered {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !registered[r] {
			stale = append(stale, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes missing from schema/openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("schema/openapi.yaml names routes that do not exist:\n  %s", strings.Join(stale, "\n  "))
	}
	if len(registered) < 8 {
		t.Fatalf("only %d routes registered; the test is not looking at the real router", len(registered))
	}
}
