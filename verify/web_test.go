package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// site is a small web app: a page, a module script with integrity, a
// stylesheet with integrity, and a preload with none.
type site struct {
	kms, css, font []byte
}

func newSite() site {
	return site{
		kms:  bytes.Repeat([]byte("export const kms = 1;\n"), 9000),
		css:  []byte("body { color: #111 }\n"),
		font: []byte("wOF2 not really a font"),
	}
}

func (s site) page(kmsIntegrity, cssIntegrity string) []byte {
	return fmt.Appendf(nil, `<!DOCTYPE html>
<html><head><title>KMS</title>
<link rel="stylesheet" href="css/app.css" %s>
<link rel="preload" as="font" href="/app/font.woff2">
</head><body>
<script type="module" %s src="/app/kms-v1.0.1-7f8a9b0c.mjs"></script>
</body></html>`, cssIntegrity, kmsIntegrity)
}

func (s site) files(page []byte) files {
	return files{
		"/app/index.html":              page,
		"/app/kms-v1.0.1-7f8a9b0c.mjs": s.kms,
		"/app/css/app.css":             s.css,
		"/app/font.woff2":              s.font,
	}
}

func (s site) localDir(t *testing.T) string {
	dir := t.TempDir()
	writeTemp(t, dir, "kms-v1.0.1-7f8a9b0c.mjs", s.kms)
	writeTemp(t, dir, "css/app.css", s.css)
	writeTemp(t, dir, "font.woff2", s.font)
	return dir
}

func integrity(v string) string { return `integrity="` + v + `"` }

func TestCheckPage(t *testing.T) {
	s := newSite()
	good := s.page(integrity(sri384(s.kms)), integrity(sri384(s.css)))
	srv, fo := tlsServer(t, s.files(good))
	res, err := CheckPage(context.Background(), srv.URL+"/app/index.html", PageOptions{Fetch: fo, LocalDir: s.localDir(t)})
	if err != nil {
		t.Fatalf("CheckPage: %v", err)
	}
	want := []struct {
		url     string
		verdict Verdict
		outcome Outcome
	}{
		{srv.URL + "/app/css/app.css", VerdictMatch, OutcomePass},
		{srv.URL + "/app/font.woff2", VerdictNoIntegrity, OutcomeWarn},
		{srv.URL + "/app/kms-v1.0.1-7f8a9b0c.mjs", VerdictMatch, OutcomePass},
	}
	if len(res.Subresources) != len(want) {
		t.Fatalf("%d subresources, want %d: %+v", len(res.Subresources), len(want), res.Subresources)
	}
	for i, w := range want {
		got := res.Subresources[i]
		if got.URL != w.url || got.Verdict != w.verdict || got.Outcome != w.outcome {
			t.Errorf("subresource %d = %s %s %s, want %s %s %s", i, got.URL, got.Verdict, got.Outcome, w.url, w.verdict, w.outcome)
		}
		if got.Local == nil || !got.Local.Match {
			t.Errorf("subresource %d: local = %+v, want a match", i, got.Local)
		}
	}
}

func TestCheckPageRejects(t *testing.T) {
	s := newSite()
	good := s.page(integrity(sri384(s.kms)), integrity(sri384(s.css)))
	evilKMS := bytes.Clone(s.kms)
	evilKMS[100] ^= 1
	sha1Only := s.page(`integrity="sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk="`, integrity(sri384(s.css)))
	weakMatch := s.page(`integrity="`+sri384(s.kms)+` sha512-`+sri384(s.kms)[7:]+`AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="`, integrity(sri384(s.css)))

	tests := []struct {
		name    string
		serve   func(files)
		page    []byte
		opts    PageOptions
		local   bool
		want    error
		index   int // the subresource that must fail
		verdict Verdict
	}{
		{name: "one byte of the script changed", page: good, serve: func(f files) { f["/app/kms-v1.0.1-7f8a9b0c.mjs"] = evilKMS }, want: ErrVerification, index: 2, verdict: VerdictMismatch},
		{name: "integrity edited in the page", page: s.page(integrity(sri384(evilKMS)), integrity(sri384(s.css))), want: ErrVerification, index: 2, verdict: VerdictMismatch},
		{name: "only an unknown algorithm", page: sha1Only, want: ErrVerification, index: 2, verdict: VerdictUnusableIntegrity},
		{name: "empty integrity attribute", page: s.page(`integrity=""`, integrity(sri384(s.css))), want: ErrVerification, index: 2, verdict: VerdictUnusableIntegrity},
		{name: "weaker token matches, strongest does not", page: weakMatch, want: ErrVerification, index: 2, verdict: VerdictMismatch},
		{name: "no integrity under strict", page: good, opts: PageOptions{Strict: true}, want: ErrVerification, index: 1, verdict: VerdictNoIntegrity},
		{name: "stylesheet 404", page: good, serve: func(f files) { delete(f, "/app/css/app.css") }, want: ErrCouldNotCheck, index: 0, verdict: VerdictUnchecked},
		{name: "served bytes differ from the local build", page: good, serve: func(f files) { f["/app/font.woff2"] = []byte("other") }, local: true, want: ErrVerification, index: 1, verdict: VerdictLocalMismatch},
		{name: "subresource missing from the local build", page: append(bytes.Clone(good), `<script src="/app/extra.js"></script>`...), serve: func(f files) { f["/app/extra.js"] = []byte("x") }, local: true, want: ErrVerification, index: 3, verdict: VerdictLocalMissing},
		{name: "subresource outside the page folder", page: append(bytes.Clone(good), `<script src="/secret.js"></script>`...), serve: func(f files) { f["/secret.js"] = []byte("x") }, local: true, want: ErrVerification, index: 3, verdict: VerdictLocalMissing},
		{name: "traversal out of the local build", page: append(bytes.Clone(good), `<script src="/app/%2e%2e/escape.js"></script>`...), serve: func(f files) { f["/escape.js"] = []byte("x") }, local: true, want: ErrVerification, index: 3, verdict: VerdictLocalMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := s.files(tt.page)
			if tt.serve != nil {
				tt.serve(f)
			}
			srv, fo := tlsServer(t, f)
			opts := tt.opts
			opts.Fetch = fo
			if tt.local {
				opts.LocalDir = s.localDir(t)
				// a file just outside the build folder, which must stay out of reach
				os.WriteFile(filepath.Join(filepath.Dir(opts.LocalDir), "escape.js"), []byte("x"), 0o644)
			}
			res, err := CheckPage(context.Background(), srv.URL+"/app/index.html", opts)
			if !errors.Is(err, tt.want) || res != nil {
				t.Fatalf("CheckPage = %v, %v; want nil, %v", res, err, tt.want)
			}
			var pe *PageError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *PageError", err)
			}
			subs := pe.Result.Subresources
			if tt.index >= len(subs) {
				t.Fatalf("only %d subresources: %+v", len(subs), subs)
			}
			if got := subs[tt.index]; got.Verdict != tt.verdict {
				t.Fatalf("subresource %d (%s): verdict %s, want %s", tt.index, got.URL, got.Verdict, tt.verdict)
			}
			if tt.want == ErrVerification && errors.Is(err, ErrCouldNotCheck) {
				t.Fatal("a rejection also wraps ErrCouldNotCheck")
			}
		})
	}
}

func TestCheckPageFetchFailures(t *testing.T) {
	s := newSite()
	mux := http.NewServeMux()
	mux.Handle("/app/", s.files(s.page("", "")))
	mux.HandleFunc("/empty.html", func(w http.ResponseWriter, r *http.Request) {})
	srv, fo := tlsServer(t, mux)
	tests := []struct {
		name string
		url  string
		want error
	}{
		{"page 404", srv.URL + "/nope.html", ErrCouldNotCheck},
		{"empty page", srv.URL + "/empty.html", ErrCouldNotCheck},
		{"http page on a public host", "http://www.example.com/", ErrBadInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := CheckPage(context.Background(), tt.url, PageOptions{Fetch: fo}); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := CheckPage(context.Background(), srv.URL+"/app/index.html", PageOptions{Fetch: fo, LocalDir: "/does/not/exist"}); !errors.Is(err, ErrBadInput) {
		t.Fatalf("missing local dir: err = %v, want ErrBadInput", err)
	}
}

// TestCheckPageUnpinnedAndInline: a frame (which no integrity attribute can
// pin) and inline code (which can load anything at run time) are reported
// as warnings, and rejected under Strict; a script hidden from a tokenizer
// inside <svg><title> is found and checked like any other.
func TestCheckPageUnpinnedAndInline(t *testing.T) {
	s := newSite()
	good := s.page(integrity(sri384(s.kms)), integrity(sri384(s.css)))
	page := append(bytes.Clone(good), `<iframe src="/app/frame.html"></iframe><script>import("./x.js")</script><svg><title><script src="/app/hidden.js"></script></title></svg>`...)
	f := s.files(page)
	f["/app/frame.html"] = []byte("<p>frame</p>")
	f["/app/hidden.js"] = []byte("alert(1)")
	srv, fo := tlsServer(t, f)

	res, err := CheckPage(context.Background(), srv.URL+"/app/index.html", PageOptions{Fetch: fo})
	if err != nil {
		t.Fatalf("CheckPage: %v", err)
	}
	want := map[string]Verdict{
		srv.URL + "/app/frame.html": VerdictUnpinned,
		"":                          VerdictInlineCode,
		srv.URL + "/app/hidden.js":  VerdictNoIntegrity,
	}
	for u, v := range want {
		found := false
		for _, sub := range res.Subresources {
			if sub.URL == u && sub.Verdict == v && sub.Outcome == OutcomeWarn {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s subresource %q with a warning in %+v", v, u, res.Subresources)
		}
	}

	_, err = CheckPage(context.Background(), srv.URL+"/app/index.html", PageOptions{Fetch: fo, Strict: true})
	var pe *PageError
	if !errors.Is(err, ErrVerification) || !errors.As(err, &pe) {
		t.Fatalf("strict: err = %v, want a PageError wrapping ErrVerification", err)
	}
	failed := 0
	for _, sub := range pe.Result.Subresources {
		if sub.Outcome == OutcomeFail {
			failed++
		}
	}
	if failed != 4 {
		t.Fatalf("strict: %d failed subresources, want 4 (font preload, frame, inline script, hidden script): %+v", failed, pe.Result.Subresources)
	}
}
