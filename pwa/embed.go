// Package pwa embeds the built offline-first app (pwa/dist, made by
// `npm run build`) so that one zsc binary serves it at /.
package pwa

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app, rooted at its index.html.
func Dist() fs.FS {
	f, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return f
}
