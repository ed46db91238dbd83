package pwa

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const placeholder = "<html><title>掌上查：应用尚未构建</title><p>make build</p></html>"

// TestPlaceholderWithoutBuild: a binary compiled before `npm run build` (no
// dist folder in the embed) serves the placeholder page that says how to
// build the app.
func TestPlaceholderWithoutBuild(t *testing.T) {
	fresh := fstest.MapFS{"dist-placeholder/index.html": {Data: []byte(placeholder)}}
	if built(fresh) {
		t.Fatal("a tree without dist reports the app as built")
	}
	body := serve(t, choose(fresh))
	if !strings.Contains(body, "应用尚未构建") || !strings.Contains(body, "make build") {
		t.Fatalf("served %q, want the placeholder", body)
	}
}

// TestBuildWinsOverPlaceholder: with the PWA built, its index.html is served.
func TestBuildWinsOverPlaceholder(t *testing.T) {
	builtFS := fstest.MapFS{
		"dist-placeholder/index.html": {Data: []byte(placeholder)},
		"dist/index.html":             {Data: []byte("<html>the app</html>")},
		"dist/assets/app.js":          {Data: []byte("console.log(1)")},
	}
	if !built(builtFS) {
		t.Fatal("a tree with dist/index.html reports the app as not built")
	}
	app := choose(builtFS)
	if body := serve(t, app); body != "<html>the app</html>" {
		t.Fatalf("served %q, want the built app", body)
	}
	if _, err := fs.Stat(app, "assets/app.js"); err != nil {
		t.Fatalf("the built app's assets are not at its root: %v", err)
	}
}

// TestCommittedPlaceholder: the real embed always holds the placeholder,
// in Chinese, naming the command that builds the app.
func TestCommittedPlaceholder(t *testing.T) {
	b, err := fs.ReadFile(files, "dist-placeholder/index.html")
	if err != nil {
		t.Fatalf("the placeholder is not embedded: %v", err)
	}
	for _, want := range []string{`lang="zh-CN"`, "应用尚未构建", "make build"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the placeholder lacks %q", want)
		}
	}
	if Built() {
		if _, err := fs.Stat(Dist(), "index.html"); err != nil {
			t.Fatalf("built, but Dist has no index.html: %v", err)
		}
	} else if got := serve(t, Dist()); !strings.Contains(got, "应用尚未构建") {
		t.Fatalf("not built, but Dist serves %q", got)
	}
}

func serve(t *testing.T, f fs.FS) string {
	t.Helper()
	rec := httptest.NewRecorder()
	http.FileServerFS(f).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / answered %d", rec.Code)
	}
	b, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
