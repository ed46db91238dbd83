package http

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// servePWA serves the embedded app with an SPA fallback: any GET that is not
// an API path and not a file answers index.html, so deep links work and the
// service worker can take over navigations.
func (s *Server) servePWA() {
	if s.PWA == nil {
		return
	}
	files := http.FileServer(http.FS(s.PWA))
	s.e.GET("/*", func(c echo.Context) error {
		p := strings.TrimPrefix(path.Clean(c.Request().URL.Path), "/")
		if strings.HasPrefix(p, "api/") {
			return echo.ErrNotFound
		}
		w := c.Response()
		if p == "" {
			p = "index.html"
		}
		if _, err := fs.Stat(s.PWA, p); err != nil {
			p = "index.html"
			c.Request().URL.Path = "/"
		}
		switch {
		case p == "index.html" || p == "sw.js" || strings.HasSuffix(p, ".webmanifest"):
			// Always revalidate: a stale shell or worker would pin users to an old app.
			w.Header().Set("Cache-Control", "no-cache")
		case strings.HasPrefix(p, "assets/"):
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, c.Request())
		return nil
	})
}
