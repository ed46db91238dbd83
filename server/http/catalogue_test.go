package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"zsc/schema"
	"zsc/server/authz"
)

// The bad-input catalogue (issue 13): every route of the server, found by
// walking Echo's routes so that a new one cannot be forgotten, is sent
// malformed JSON, wrong types, trailing data, oversized bodies, huge
// strings, odd Unicode, SQL-like and path-like ids in its path parameters
// and query values, and bad multipart where it takes a file — by a user the
// policy lets call it. Each answer must be a 4xx (a list filtered by a
// query value that matches nothing may answer 200) with a Chinese message
// that does not carry a huge value back, never a 5xx; and the data must be
// what it was before the catalogue (a fingerprint of every table but the
// audit trail).

// oddValues are the ids and values a client should never send.
var oddValues = map[string]string{
	"sql":             `' OR 1=1 --`,
	"sql; drop":       `1; DROP TABLE users; --`,
	"path":            `../../etc/passwd`,
	"nul":             "\x00",
	"percent nul":     "%00",
	"long":            strings.Repeat("a", 10_000),
	"rtl override":    "\u202egpj.exe",
	"emoji":           "😀🏳️‍🌈",
	"full-width year": "２０２４",
	"negative":        "-1",
	"huge number":     "99999999999999999999999999",
	"lone surrogate":  "\xed\xa0\x80", // the UTF-8 bytes of U+D800, which is not UTF-8
}

// catalogueQueryNames are the query parameters the routes read (and a few
// they do not): each is given every odd value at once.
var catalogueQueryNames = []string{"year", "task", "task_id", "visit_id", "visit", "dept", "department", "region", "status",
	"user", "month", "size", "page", "cursor", "client_id", "q", "plan", "id", "kind", "since", "limit", "offset", "role", "channel", "seed"}

// catalogueFields are the JSON fields the routes' bodies name (their json
// tags): each is sent with the wrong type, a huge string and odd Unicode.
var catalogueFields = strings.Fields(`username password refresh_token old_password new_password name role dept region cert_no phone
	disabled plan_id task_id region draw_id seed seed_source kind inspector_id entity_id reason scheduled_on visit_id visit_ids
	item_id value note photos base_version outcome penalty channels status number client_id platform installed app_version
	schema_version mutations seq id at args year month signer witness key text items problems legal_basis deadline`)

// oddJSONString is every odd character at once, escaped as a phone's JSON
// encoder might: a lone surrogate, NUL, an RTL override, a 4-byte emoji and
// full-width digits.
const oddJSONString = `"\ud800 \u0000 \u202e 😀 ２０２４"`

// catalogueCase is one request of the catalogue.
type catalogueCase struct {
	name     string
	target   string // path and query
	ctype    string
	body     []byte
	header   map[string]string
	allow2xx bool   // a list narrowed by a query value that matches nothing
	huge     string // a value the answer must not carry back
}

// englishRE finds English prose: two or more English words in a row.
var englishRE = regexp.MustCompile(`[A-Za-z]{3,}[ ,:]+[A-Za-z]{2,}`)

// quotedRE finds a value quoted back to its sender.
var quotedRE = regexp.MustCompile(`“[^”]*”|"[^"]*"`)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// fill puts values into a route's parameters (Echo's :name).
func fill(path string, v func(name string) string) string {
	return paramRE.ReplaceAllStringFunc(path, func(m string) string { return v(m[1:]) })
}

// catalogueFor is the catalogue of one route.
func catalogueFor(method, path, key string) []catalogueCase {
	const noID = "0190a0b0-0000-7000-8000-000000000000"
	valid := fill(path, func(name string) string {
		if name == "sha256" {
			return strings.Repeat("0", 64)
		}
		return noID
	})
	var cases []catalogueCase
	odd := make([]string, 0, len(oddValues))
	for k := range oddValues {
		odd = append(odd, k)
	}
	sort.Strings(odd)
	for _, k := range odd {
		v := oddValues[k]
		huge := ""
		if len(v) > 1000 {
			huge = v
		}
		if strings.Contains(path, ":") {
			cases = append(cases, catalogueCase{name: "path parameters: " + k, target: fill(path, func(string) string {
				if v == "%00" {
					return v // as sent: a percent-encoded NUL
				}
				return url.PathEscape(v)
			}), huge: huge})
		}
		q := url.Values{}
		for _, n := range catalogueQueryNames {
			q.Set(n, v)
		}
		cases = append(cases, catalogueCase{name: "query values: " + k, target: valid + "?" + q.Encode(), allow2xx: method == "GET" || method == "HEAD", huge: huge})
	}
	writes := method == "POST" || method == "PUT" || method == "PATCH"
	switch {
	case !writes:
	case key == "PUT /api/v1/blobs/{sha256}":
		sum := sha256.Sum256([]byte("catalogue"))
		named := fill(path, func(string) string { return hex.EncodeToString(sum[:]) })
		cases = append(cases,
			catalogueCase{name: "a photo whose bytes are not its name", target: named, ctype: "image/jpeg", body: []byte("not the photo")},
			catalogueCase{name: "a Content-Range that is not one", target: named, ctype: "image/jpeg", body: []byte("x"), header: map[string]string{"Content-Range": "bytes ' OR 1=1 --"}},
			catalogueCase{name: "a Content-Range past its total", target: named, ctype: "image/jpeg", body: []byte("x"), header: map[string]string{"Content-Range": "bytes 5-9/3"}},
			catalogueCase{name: "a Content-Range with a huge total", target: named, ctype: "image/jpeg", body: []byte("x"), header: map[string]string{"Content-Range": "bytes 0-0/99999999999999999999"}},
			catalogueCase{name: "an oversized photo", target: named, ctype: "image/jpeg", body: bytes.Repeat([]byte{0xff}, 11<<20)},
		)
	case strings.HasSuffix(key, "/import"):
		cases = append(cases, multipartCases(valid)...)
	case key == "POST /api/v1/sync/clients/{id}/retire" || key == "POST /api/v1/users/{id}/password":
		// No body of their own: anything sent is ignored or refused.
		cases = append(cases, catalogueCase{name: "malformed JSON", target: valid, ctype: "application/json", body: []byte(`{"a":`)})
	default:
		cases = append(cases, jsonCases(key, valid)...)
	}
	return cases
}

// jsonCases are the bodies every JSON route is sent.
func jsonCases(key, target string) []catalogueCase {
	huge := strings.Repeat("名", 300_000) // 900 KB, under the 1 MB cap
	bodies := []struct{ name, body string }{
		{"malformed JSON", `{"username":`},
		{"a string where an object goes", `"x"`},
		{"trailing data", `{} {"x":1}`},
		{"trailing garbage", `{}x`},
		{"not UTF-8", "{\"name\":\"\xff\xfe\"}"},
		{"deep nesting", strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)},
		{"a huge number", `{"seq":1` + strings.Repeat("0", 10_000) + `}`},
		{"every field a huge string", ""},
		{"oversized", `{"name":"` + strings.Repeat("a", 2<<20) + `"}`},
	}
	var cases []catalogueCase
	for _, b := range bodies {
		if b.name == "every field a huge string" {
			continue
		}
		c := catalogueCase{name: b.name, target: target, ctype: "application/json", body: []byte(b.body)}
		if b.name == "oversized" {
			c.huge = strings.Repeat("a", 2<<20)
		}
		cases = append(cases, c)
	}
	for _, f := range catalogueFields {
		for _, w := range []struct{ name, value string }{
			{"a number", `12345`}, {"an object", `{"x":1}`}, {"an array of numbers", `[1,2]`}, {"true", `true`},
			{"a string", `"x"`}, {"odd Unicode", oddJSONString}, {"SQL", `"' OR 1=1 --"`}, {"a path", `"../../etc/passwd"`},
		} {
			// Logging out a token the server does not know is done already
			// (204): answering otherwise would tell a guesser which exist.
			loggedOut := key == "POST /api/v1/auth/logout" && f == "refresh_token" && strings.HasPrefix(w.value, `"`)
			cases = append(cases, catalogueCase{name: f + " as " + w.name, target: target, ctype: "application/json", body: []byte(`{"` + f + `":` + w.value + `}`),
				allow2xx: loggedOut})
		}
	}
	// Every field a huge string at once (duplicated keys: the last wins, so
	// each field is tried in turn by a body naming only it).
	for _, f := range []string{"username", "name", "reason", "note", "client_id", "visit_id"} {
		cases = append(cases, catalogueCase{name: f + " as a huge string", target: target, ctype: "application/json",
			body: []byte(`{"` + f + `":"` + huge + `"}`), huge: huge})
	}
	return cases
}

// multipartCases are the bad uploads every import route is sent.
func multipartCases(target string) []catalogueCase {
	form := func(fields map[string]string, file string, data []byte) ([]byte, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			_ = w.WriteField(k, fields[k]) // a bytes.Buffer cannot fail
		}
		if file != "" {
			fw, _ := w.CreateFormFile("file", file)
			_, _ = fw.Write(data)
		}
		_ = w.Close()
		return b.Bytes(), w.FormDataContentType()
	}
	hugeYear := strings.Repeat("9", 1<<20)
	var cases []catalogueCase
	add := func(name string, fields map[string]string, file string, data []byte, huge string) {
		b, ct := form(fields, file, data)
		cases = append(cases, catalogueCase{name: name, target: target, ctype: ct, body: b, huge: huge})
	}
	cases = append(cases,
		catalogueCase{name: "multipart without a boundary", target: target, ctype: "multipart/form-data", body: []byte("--x\r\n\r\n")},
		catalogueCase{name: "multipart cut short", target: target, ctype: "multipart/form-data; boundary=x", body: []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.tsv\"\r\n\r\nabc")},
		catalogueCase{name: "JSON instead of a file", target: target, ctype: "application/json", body: []byte(`{"file":"x"}`)},
		catalogueCase{name: "no body", target: target},
	)
	add("no file field", map[string]string{"year": "2024"}, "", nil, "")
	add("a huge field", map[string]string{"year": hugeYear}, "a.tsv", []byte("x\ty\n"), hugeYear)
	add("an odd year", map[string]string{"year": "２０２４"}, "a.tsv", []byte("x\ty\n"), "")
	add("a path for a file name", map[string]string{"year": "2024"}, "../../etc/passwd", []byte("x\ty\n"), "")
	add("binary garbage", map[string]string{"year": "2024"}, "a.xlsx", []byte("PK\x03\x04\x00\x00garbage"), "")
	add("odd Unicode in a file", map[string]string{"year": "2024"}, "a.tsv", []byte("\xed\xa0\x80\t\x00\t\u202e\t😀\n"), "")
	add("an oversized file", map[string]string{"year": "2024"}, "a.tsv", bytes.Repeat([]byte("a\tb\n"), 3<<20), "")
	return cases
}

// fingerprint hashes every row of every table but the audit trail, whose
// rows a refused request may add (a refusal is worth recording).
func fingerprint(t *testing.T, ts *TestServer) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := ts.DB.Write(context.Background(), func(tx *sql.Tx) error {
		tablesQuery := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
		if ts.DB.Postgres {
			tablesQuery = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
		}
		rows, err := tx.Query(tablesQuery)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			tables = append(tables, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, tb := range tables {
			if catalogueUnhashed[tb] {
				continue
			}
			h := sha256.New()
			// Rows are hashed in sorted order: neither store promises one
			// without ORDER BY, and PostgreSQL has no rowid to order by.
			rows, err := tx.Query(`SELECT * FROM "` + tb + `"`)
			if err != nil {
				return fmt.Errorf("%s: %w", tb, err)
			}
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return err
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			n := 0
			var lines []string
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				lines = append(lines, fmt.Sprintf("%v", vals))
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			slices.Sort(lines)
			for _, l := range lines {
				fmt.Fprintf(h, "%s\x00", l)
			}
			out[tb] = fmt.Sprintf("%d rows %x", n, h.Sum(nil)[:8])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// catalogueUnhashed are the tables a refused request may write to: the
// audit trail (refusals such as a failed sign-in are recorded).
var catalogueUnhashed = map[string]bool{"audit": true, "audit_log": true}

func TestBadInputCatalogue(t *testing.T) {
	ts := MustOpenServer(t)
	addPolicyUsers(t, ts)
	candidates := []string{"insp1", "lead", "office", "admin"}
	for _, u := range policyUsers {
		candidates = append(candidates, u.Username)
	}
	tokens := map[string]string{}
	users := map[string]*schema.User{}
	for _, name := range candidates {
		tokens[name] = ts.Login(t, name).AccessToken
		u, err := ts.DB.UserByUsername(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	before := fingerprint(t, ts)
	type route struct{ method, path, key, action string }
	var routes []route
	for _, r := range ts.Echo().Routes() {
		if r.Path == "/*" || strings.HasPrefix(r.Method, "echo_route_") {
			continue // the PWA fallback and Echo's internal any-route
		}
		routes = append(routes, route{r.Method, r.Path, routeKey(r.Method, r.Path), r.Name})
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].key < routes[j].key })
	total := 0
	for _, r := range routes {
		caller := ""
		for _, name := range candidates {
			if authz.Allow(users[name], authz.Action(r.action)) == nil {
				caller = name
				break
			}
		}
		if caller == "" {
			t.Errorf("%s: no user of the test may call it (%s)", r.key, r.action)
			continue
		}
		t.Run(r.key, func(t *testing.T) {
			// Each distinct answer once: one English message would otherwise
			// be reported for every case that provokes it.
			seen := map[string]int{}
			for _, c := range catalogueFor(r.method, r.path, r.key) {
				total++
				if msg := catalogueCheck(ts, r.method, tokens[caller], c); msg != "" {
					if seen[msg]++; seen[msg] == 1 {
						t.Errorf("%s as %s: %s", c.name, caller, msg)
					}
				}
			}
		})
	}
	t.Logf("%d routes, %d requests", len(routes), total)
	after := fingerprint(t, ts)
	for tb, h := range before {
		if after[tb] != h {
			t.Errorf("table %s changed: %s before the catalogue, %s after", tb, h, after[tb])
		}
	}
	for tb := range after {
		if _, ok := before[tb]; !ok {
			t.Errorf("table %s appeared", tb)
		}
	}
}

// catalogueCheck sends one case and says what is wrong with the answer.
func catalogueCheck(ts *TestServer, method, token string, c catalogueCase) string {
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req := httptest.NewRequest(method, c.target, body)
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.RemoteAddr = "192.0.2.13:1234"
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	code, out := rec.Code, rec.Body.String()
	short := out
	if len(short) > 200 {
		short = short[:200] + "…"
	}
	switch {
	case code >= 500:
		return fmt.Sprintf("status %d: %s", code, short)
	case code < 400 && !c.allow2xx:
		return fmt.Sprintf("status %d, want a 4xx: %s", code, short)
	case code < 400:
		return ""
	}
	if c.huge != "" && strings.Contains(out, c.huge[:min(len(c.huge), 300)]) {
		return fmt.Sprintf("status %d carries the huge value back (%d bytes)", code, len(out))
	}
	if method == "HEAD" {
		return "" // no body to read
	}
	var e APIError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		return fmt.Sprintf("status %d, not a JSON error: %s", code, short)
	}
	// What the user sent, quoted back (“…” or "…"), is theirs, not the server's English.
	prose := quotedRE.ReplaceAllString(e.Message, "")
	if !hasHan(e.Message) || englishRE.MatchString(prose) {
		return fmt.Sprintf("status %d, not a Chinese message: %q", code, e.Message)
	}
	if len(e.Message) > 600 {
		return fmt.Sprintf("status %d, a message of %d bytes", code, len(e.Message))
	}
	return ""
}
