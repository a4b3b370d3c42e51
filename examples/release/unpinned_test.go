package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReleaseUnpinnedPage: a page that would make a browser load a file
// of the release unpinned (an SVG <script href>, which the rewriter does
// not edit and on which browsers ignore integrity) is refused as bad
// input, exit 2, with nothing written at --out; an SVG script from
// another origin is released and reported as left alone.
func TestReleaseUnpinnedPage(t *testing.T) {
	for _, tt := range []struct {
		name, page string
		code       int
		want       string
	}{
		{"svg script of the release", `<svg><script href="assets/app.js"></script></svg>`, 2,
			`page.html: <svg:script> "assets/app.js" names assets/app.js: the browser loads it, the rewriter cannot pin it: script`},
		{"svg script of another origin", `<svg><script href="https://cdn.example/x.js"></script></svg>`, 0,
			`release: left alone in page.html: <svg:script> "https://cdn.example/x.js": the browser loads it, the rewriter cannot pin it: script (absolute URL)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			priv, _ := keyFiles(t, dir)
			src := filepath.Join(dir, "dist")
			if err := os.CopyFS(src, os.DirFS(dist)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, "page.html"), []byte(tt.page), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runBin(t, dir, nil, releaseBin, "--dist", src, "--version", "1.0.1", "--out", "out", "--key", priv)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, want %d with %q\n%s%s", code, tt.code, tt.want, out, errOut)
			}
			_, err := os.Lstat(filepath.Join(dir, "out"))
			if tt.code != 0 && err == nil {
				t.Error("--out written for a refused release")
			}
		})
	}
}
