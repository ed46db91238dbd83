// Package pwa embeds the built offline-first app (pwa/dist, made by
// `npm run build`) so that one zsc binary serves it at /.
//
// A fresh clone has no pwa/dist, and an embed pattern that matches nothing
// fails the build (and `go vet ./...`). The pattern `all:dist*` matches the
// committed dist-placeholder folder always and the built dist folder when
// it exists, so `go build ./server/cmd/zsc` works before the PWA is built:
// such a binary serves a page that says how to build it (`make build`).
package pwa

import (
	"embed"
	"io/fs"
)

//go:embed all:dist*
var files embed.FS

// Dist returns the built app, rooted at its index.html, or the placeholder
// page when the binary was compiled without the PWA.
func Dist() fs.FS { return choose(files) }

// Built reports whether the binary embeds the built app (not the placeholder).
func Built() bool { return built(files) }

func built(f fs.FS) bool {
	_, err := fs.Stat(f, "dist/index.html")
	return err == nil
}

// choose roots f at dist when the build is there, else at dist-placeholder.
func choose(f fs.FS) fs.FS {
	dir := "dist-placeholder"
	if built(f) {
		dir = "dist"
	}
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // fs.Sub fails only on an invalid name, and both are valid
	}
	return sub
}
