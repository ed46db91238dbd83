package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeDemo runs the real Main as `zsc serve --demo` on a free port, the
// way `make run` does, and signs in as office to read the plan.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--demo", "--demo-entities", "2000", "--db", filepath.Join(dir, "zsc.db"), "--addr", "127.0.0.1:0"}, pw, io.Discard)
		_ = pw.Close() // a pipe writer's Close never fails
	}()
	addr := ""
	sc := bufio.NewScanner(pr)
	re := regexp.MustCompile(`listening on (http://\S+)`)
	var printed strings.Builder
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // drains the log; ends when the server stops
	if addr == "" {
		t.Fatalf("no address printed:\n%s", printed.String())
	}
	if !strings.Contains(printed.String(), "zsc-demo-2024") || !strings.Contains(printed.String(), "insp3") {
		t.Fatalf("demo accounts not printed:\n%s", printed.String())
	}
	body := strings.NewReader(`{"username":"office","password":"zsc-demo-2024"}`)
	resp, err := http.Post(addr+"/api/v1/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", addr+"/api/v1/plans?year=2024", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var plans struct{ Count int }
	if err := json.NewDecoder(resp.Body).Decode(&plans); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if plans.Count != 70 {
		t.Fatalf("%d plans", plans.Count)
	}
	resp, err = http.Get(addr + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
}

func TestImportPlanCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "zsc.db")
	ctx := context.Background()
	seed, err := os.ReadFile("../../../testdata/plans/qingyang-2024.tsv")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a broken table fails naming the row and writes nothing", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.tsv")
		if err := os.WriteFile(bad, []byte(strings.Replace(string(seed), "\t20%以上\t", "\t二成以上\t", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		err := Main(ctx, []string{"import-plan", bad, "--year", "2024", "--db", db}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "抽查比例") {
			t.Fatalf("err = %v", err)
		}
		var out strings.Builder
		if err := Main(ctx, []string{"import-plan", filepath.Join("..", "..", "..", "testdata", "plans", "qingyang-2024.tsv"), "--year", "2024", "--db", db}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "imported 70 plans (68 numbers)") {
			t.Fatalf("output %q", out.String())
		}
	})
	t.Run("user add creates an account that can be listed", func(t *testing.T) {
		var out strings.Builder
		err := Main(ctx, []string{"user", "add", "--db", db, "--username", "zhang", "--password", "long-enough-pw", "--role", "inspector", "--dept", "scjg", "--region", "621002"}, &out, io.Discard)
		if err != nil || !strings.Contains(out.String(), "user zhang added") {
			t.Fatalf("%v %q", err, out.String())
		}
		if err := Main(ctx, []string{"user", "add", "--db", db, "--username", "zhang", "--password", "long-enough-pw", "--role", "inspector", "--dept", "scjg", "--region", "621002"}, io.Discard, io.Discard); err == nil {
			t.Fatal("a duplicate username was accepted")
		}
	})
}
