package release

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/verify"
)

// appCopy is the content-addressed name and SRI of the fixture's
// assets/app.js, computed from its bytes by package attest, not by Build.
func appCopy(t *testing.T) (name, sri string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(distDir, "assets/app.js"))
	if err != nil {
		t.Fatal(err)
	}
	d := attest.MeasureBytes(b)
	name, err = attest.ContentName("app.js", "1.0.1", d)
	if err != nil {
		t.Fatal(err)
	}
	return name, attest.FormatIntegrity(d, attest.SHA384)
}

// buildPage releases the fixture dist folder with one more page,
// page.html, holding body.
func buildPage(t *testing.T, body string) (string, *Result, error) {
	t.Helper()
	src := copyDist(t)
	writeFile(t, src, "page.html", body)
	parent := t.TempDir()
	dst := filepath.Join(parent, "release")
	res, err := Build(context.Background(), src, dst, "1.0.1", fixtureProvenance(t), Options{})
	if err != nil {
		if entries, _ := os.ReadDir(parent); len(entries) != 0 {
			t.Fatalf("left behind: %v", entries)
		}
	}
	return dst, res, err
}

// pageLeft is what Result.Unrewritten lists for page.html.
func pageLeft(res *Result) []Unrewritten {
	var out []Unrewritten
	for _, u := range res.Unrewritten {
		if u.Page == "page.html" {
			out = append(out, u)
		}
	}
	return out
}

// TestBuildRefusesWhatTheBrowserLoadsUnpinned: a page whose markup makes a
// browser load a file of the release that the rewriter does not see (so
// cannot pin) is refused at release time.
func TestBuildRefusesWhatTheBrowserLoadsUnpinned(t *testing.T) {
	name, sri := appCopy(t)
	tests := []struct{ name, page string }{
		{"svg script href", `<!doctype html><svg><script href="assets/app.js"></script></svg>`},
		{"svg script xlink:href", `<!doctype html><svg xmlns:xlink="http://www.w3.org/1999/xlink"><script xlink:href="assets/app.js"></script></svg>`},
		// An SVG script's integrity attribute is ignored by browsers: even
		// the right one does not pin it.
		{"svg script href with integrity", `<!doctype html><svg><script href="assets/` + name + `" integrity="` + sri + `"></script></svg>`},
		// svg:title is an HTML integration point: the tree builder makes
		// this an HTML script, the tokenizer reads it as title text.
		{"html script in svg title", `<!doctype html><svg><title><script src="assets/app.js"></script></title></svg>`},
		// svg:style is markup in foreign content, raw text to the tokenizer.
		{"script in svg style", `<!doctype html><svg><style><script src="assets/app.js"></script></style></svg>`},
		{"srcdoc frame", `<!doctype html><iframe srcdoc="<script src=assets/app.js></script>"></iframe>`},
		{"style @import", `<!doctype html><style>@import url("assets/style.css");</style>`},
		{"object data", `<!doctype html><object data="assets/app.js"></object>`},
		{"copy with a wrong integrity", `<!doctype html><svg><title><script src="assets/` + name + `" integrity="sha384-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"></script></title></svg>`},
		{"copy with no integrity", `<!doctype html><svg><title><script src="assets/` + name + `"></script></title></svg>`},
		{"copy as a frame", `<!doctype html><iframe src="assets/` + name + `"></iframe>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := buildPage(t, tt.page)
			if !errors.Is(err, ErrUnpinned) || !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("err = %v, want ErrUnpinned and attest.ErrBadInput", err)
			}
			if !strings.Contains(err.Error(), "page.html") {
				t.Errorf("error does not name the page: %v", err)
			}
		})
	}
}

// TestBuildPinsWhatTheRewriterSees: references the rewriter sees are
// pinned, and the browser's parse agrees.
func TestBuildPinsWhatTheRewriterSees(t *testing.T) {
	name, sri := appCopy(t)
	tests := []struct{ name, page, want string }{
		{"modulepreload",
			`<link rel="modulepreload" href="assets/app.js">`,
			`<link rel="modulepreload" href="assets/` + name + `" integrity="` + sri + `">`},
		{"script in template",
			`<template><script src="assets/app.js"></script></template>`,
			`<template><script src="assets/` + name + `" integrity="` + sri + `"></script></template>`},
		// The tree builder makes an HTML script of it; its integrity is
		// the release's, so the browser's parse finds it pinned.
		{"copy in svg title with the right integrity",
			`<svg><title><script src="assets/` + name + `" integrity="` + sri + `"></script></title></svg>`,
			`<svg><title><script src="assets/` + name + `" integrity="` + sri + `"></script></title></svg>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst, res, err := buildPage(t, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dst, "page.html"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("page:\n got %s\nwant %s", got, tt.want)
			}
			if l := pageLeft(res); len(l) != 0 {
				t.Errorf("listed: %+v", l)
			}
		})
	}
}

// TestBuildListsWhatItLeaves: what the browser loads that is not a file
// of the release, or is a page (pages keep their names), is released and
// listed in Result.Unrewritten.
func TestBuildListsWhatItLeaves(t *testing.T) {
	tests := []struct {
		name, page string
		want       []Unrewritten
	}{
		// With scripting on (as browsers run release pages), <noscript>
		// is text: neither the rewriter nor the browser sees this script.
		{"noscript", `<noscript><script src="assets/app.js"></script></noscript>`, nil},
		{"svg script on another origin", `<svg><script href="https://cdn.example/x.js"></script></svg>`,
			[]Unrewritten{{Page: "page.html", Element: "svg:script", Ref: "https://cdn.example/x.js",
				Reason: "the browser loads it, the rewriter cannot pin it: script (absolute URL)"}}},
		{"frame of a page", `<iframe src="about.htm"></iframe>`,
			[]Unrewritten{{Page: "page.html", Element: "iframe", Ref: "about.htm",
				Reason: "the browser loads it, the rewriter cannot pin it: frame (HTML files keep their names)"}}},
		{"svg script not in the release", `<svg><script href=" missing.js "></script></svg>`,
			[]Unrewritten{{Page: "page.html", Element: "svg:script", Ref: "missing.js",
				Reason: "the browser loads it, the rewriter cannot pin it: script (not in the release)"}}},
		// Listed once, by the rewriter, with its reason.
		{"script on another origin", `<script src="https://cdn.example/x.js"></script>`,
			[]Unrewritten{{Page: "page.html", Element: "script", Ref: "https://cdn.example/x.js", Reason: "absolute URL"}}},
		{"script with a query", `<script src="assets/app.js?v=1"></script>`,
			[]Unrewritten{{Page: "page.html", Element: "script", Ref: "assets/app.js?v=1", Reason: "has a query or fragment"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst, res, err := buildPage(t, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			got := pageLeft(res)
			if len(got) != len(tt.want) {
				t.Fatalf("listed %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("listed %+v, want %+v", got[i], tt.want[i])
				}
			}
			b, err := os.ReadFile(filepath.Join(dst, "page.html"))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.page {
				t.Errorf("page changed:\n got %s\nwant %s", b, tt.page)
			}
		})
	}
}

// TestBuildControlPage: the fixture releases exactly as before the
// browser's parse was added: its pages as the rewriter writes them, and
// the same Unrewritten.
func TestBuildControlPage(t *testing.T) {
	name, sri := appCopy(t)
	dst, res := release(t, distDir, Options{})
	css, err := os.ReadFile(filepath.Join(distDir, "assets/style.css"))
	if err != nil {
		t.Fatal(err)
	}
	cssD := attest.MeasureBytes(css)
	cssName, _ := attest.ContentName("style.css", "1.0.1", cssD)
	cssSRI := attest.FormatIntegrity(cssD, attest.SHA384)
	src, err := os.ReadFile(filepath.Join(distDir, "about.htm"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		`href='assets/style.css' integrity=''`, `href='assets/`+cssName+`' integrity='`+cssSRI+`'`,
		`integrity="sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" src="./assets/app.js"`, `integrity="`+sri+`" src="./assets/`+name+`"`,
	).Replace(string(src))
	got, err := os.ReadFile(filepath.Join(dst, "about.htm"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("about.htm:\n got %s\nwant %s", got, want)
	}
	wantLeft := []Unrewritten{
		{Page: "about.htm", Element: "link", Ref: "index.html", Reason: "HTML files keep their names"},
		{Page: "index.html", Element: "link", Ref: "favicon.ico", Reason: "not in the release"},
		{Page: "index.html", Element: "script", Ref: "https://cdn.example.net/vendor.js", Reason: "absolute URL"},
	}
	if len(res.Unrewritten) != len(wantLeft) {
		t.Fatalf("Unrewritten = %+v", res.Unrewritten)
	}
	for i := range wantLeft {
		if res.Unrewritten[i] != wantLeft[i] {
			t.Errorf("Unrewritten[%d] = %+v, want %+v", i, res.Unrewritten[i], wantLeft[i])
		}
	}
}

// TestBuildRefusesPagesABrowserMayReadOtherwise: a page whose parse a
// browser could make differently (another encoding) cannot be checked,
// so it is not released.
func TestBuildRefusesPagesABrowserMayReadOtherwise(t *testing.T) {
	for _, page := range []string{
		`<meta charset="shift_jis"><script src="assets/app.js"></script>`,
		"\xfe\xff<script src=\"assets/app.js\"></script>",
	} {
		_, _, err := buildPage(t, page)
		if !errors.Is(err, attest.ErrBadInput) || !errors.Is(err, verify.ErrUnsupportedPage) {
			t.Errorf("%q: err = %v, want attest.ErrBadInput and verify.ErrUnsupportedPage", page, err)
		}
	}
}

// FuzzCheckPinned runs the rewriter and then the browser's parse over
// arbitrary pages, against a fixed release: never a panic, and every
// refusal is bad input.
func FuzzCheckPinned(f *testing.F) {
	for _, s := range []string{
		`<svg><script href="a.js"></script></svg>`,
		`<svg><title><script src="a-v1-00000000.js" integrity="sha384-x"></script></title></svg>`,
		`<iframe srcdoc="<script src=a.js></script>"></iframe><script src=a.js></script>`,
		`<style>@import "a.js";</style><link rel=modulepreload href=/a.js>`,
		`<template><script src=a.js></script></template><noscript><script src=a.js></script></noscript>`,
	} {
		f.Add(s)
	}
	a := &ManifestFile{Path: "a.js", ContentPath: "a-v1-00000000.js", Integrity: "sha384-x"}
	f.Fuzz(func(t *testing.T, page string) {
		b := &builder{
			byPath:    map[string]*ManifestFile{"a.js": a},
			byContent: map[string]*ManifestFile{"a-v1-00000000.js": a},
			pages:     map[string]bool{"index.html": true},
		}
		out, left, err := rewritePage([]byte(page), func(ref string) (string, string, string, bool) {
			return b.target("index.html", ref)
		})
		if err != nil {
			return
		}
		if _, err := b.checkPinned("index.html", out, left); err != nil && !errors.Is(err, attest.ErrBadInput) {
			t.Fatalf("err = %v, not bad input", err)
		}
	})
}
