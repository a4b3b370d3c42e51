package release

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/verify"
)

const distDir = "../../testdata/release/dist"

// fixtureProvenance is the provenance of package intoto's fixture
// environment, as a predicate for the releases built here.
func fixtureProvenance(t *testing.T) intoto.SLSAProvenance {
	t.Helper()
	b, err := os.ReadFile("../intoto/testdata/github.env")
	if err != nil {
		t.Fatal(err)
	}
	p, err := intoto.GitHubProvenance(intoto.FromEnviron(strings.Split(strings.TrimSpace(string(b)), "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// release builds testdata/release/dist into a fresh folder and returns it.
func release(t *testing.T, src string, opts Options) (string, *Result) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "release")
	res, err := Build(context.Background(), src, dst, "v1.0.1", fixtureProvenance(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return dst, res
}

// tree reads every file under dir: path → contents, plus modes and times.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		meta := info.Mode().String() + " " + info.ModTime().UTC().Format(time.RFC3339Nano)
		if d.IsDir() {
			out[rel+"/"] = meta
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = meta + "\n" + string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReleaseDeterministic(t *testing.T) {
	epoch, err := SourceDateEpoch("1700000000")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := release(t, distDir, Options{ModTime: epoch})
	b, _ := release(t, distDir, Options{ModTime: epoch})
	ta, tb := tree(t, a), tree(t, b)
	if len(ta) == 0 {
		t.Fatal("empty release")
	}
	for k, v := range ta {
		if tb[k] != v {
			t.Errorf("%s differs between two builds:\n%q\n%q", k, v, tb[k])
		}
	}
	if len(ta) != len(tb) {
		t.Errorf("builds hold %d and %d entries", len(ta), len(tb))
	}
	for k, v := range ta {
		if !strings.Contains(v, "2023-11-14T22:13:20Z") {
			t.Errorf("%s: mtime not SOURCE_DATE_EPOCH: %.40s", k, v)
		}
	}
	var names []string
	for k := range ta {
		names = append(names, k)
	}
	sort.Strings(names)
	t.Logf("release tree: %v", names)
}

func TestReleaseLayout(t *testing.T) {
	dst, res := release(t, distDir, Options{})
	app, err := os.ReadFile(filepath.Join(distDir, "assets/app.js"))
	if err != nil {
		t.Fatal(err)
	}
	css, err := os.ReadFile(filepath.Join(distDir, "assets/style.css"))
	if err != nil {
		t.Fatal(err)
	}
	appName, _ := attest.ContentName("app.js", "1.0.1", attest.MeasureBytes(app))
	cssName, _ := attest.ContentName("style.css", "1.0.1", attest.MeasureBytes(css))
	for _, p := range []string{"assets/" + appName, "assets/" + cssName, "index.html", "about.htm", ManifestName, StatementName} {
		if _, err := os.Stat(filepath.Join(dst, p)); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
	for _, p := range []string{"assets/app.js", "assets/style.css"} {
		if _, err := os.Stat(filepath.Join(dst, p)); err == nil {
			t.Errorf("%s released under its own name", p)
		}
	}
	m := res.Manifest
	if len(m.Files) != 4 || m.Files[0].Path != "about.htm" || m.Files[2].Path != "assets/style.css" || m.Version != "1.0.1" {
		t.Fatalf("manifest: %+v", m)
	}
	mb, err := os.ReadFile(filepath.Join(dst, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseManifest(mb)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Files) != 4 {
		t.Fatal(back)
	}
	// Subjects: 4 copies, 2 entry points, the manifest.
	if n := len(res.Statement.GetSubject()); n != 7 {
		t.Fatalf("%d subjects", n)
	}
	want := map[string]string{
		"index.html favicon.ico":                       "not in the release",
		"index.html https://cdn.example.net/vendor.js": "absolute URL",
		"about.htm index.html":                         "HTML files keep their names",
	}
	for _, u := range res.Unrewritten {
		k := u.Page + " " + u.Ref
		if want[k] != u.Reason {
			t.Errorf("unexpected %+v", u)
		}
		delete(want, k)
	}
	if len(want) != 0 {
		t.Errorf("not reported: %v", want)
	}
	if _, err := Check(context.Background(), dst, CheckOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestReleaseHTMLEdits checks the pages byte for byte: the expected pages
// are built here by replacing the exact attribute texts of the originals.
func TestReleaseHTMLEdits(t *testing.T) {
	dst, res := release(t, distDir, Options{})
	byPath := map[string]ManifestFile{}
	for _, f := range res.Manifest.Files {
		byPath[f.Path] = f
	}
	app, css := byPath["assets/app.js"], byPath["assets/style.css"]
	appName, cssName := filepath.Base(app.ContentPath), filepath.Base(css.ContentPath)
	for _, tc := range []struct {
		page  string
		edits [][2]string // old, new: each old must occur exactly once
	}{
		{"index.html", [][2]string{
			{`href=/assets/style.css>`, `href="/assets/` + cssName + `" integrity="` + css.Integrity + `">`},
			{`<script type="module" src="assets/app.js">`, `<script type="module" src="assets/` + appName + `" integrity="` + app.Integrity + `">`},
		}},
		{"about.htm", [][2]string{
			{`href='assets/style.css' integrity=''`, `href='assets/` + cssName + `' integrity='` + css.Integrity + `'`},
			{`integrity="sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" src="./assets/app.js"`, `integrity="` + app.Integrity + `" src="./assets/` + appName + `"`},
		}},
	} {
		t.Run(tc.page, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join(distDir, tc.page))
			if err != nil {
				t.Fatal(err)
			}
			want := string(orig)
			for _, e := range tc.edits {
				if strings.Count(want, e[0]) != 1 {
					t.Fatalf("fixture changed: %q not found once", e[0])
				}
				want = strings.Replace(want, e[0], e[1], 1)
			}
			for _, p := range []string{tc.page, byPath[tc.page].ContentPath} {
				got, err := os.ReadFile(filepath.Join(dst, p))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Fatalf("%s:\n%s\nwant:\n%s", p, got, want)
				}
			}
		})
	}
}

// copyDist copies testdata/release/dist to a temporary folder.
func copyDist(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(distDir)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReleaseRejects(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		opts  Options
	}{
		{"symlink", func(t *testing.T, dir string) {
			if err := os.Symlink("/etc/passwd", filepath.Join(dir, "assets/evil.js")); err != nil {
				t.Skip(err)
			}
		}, Options{}},
		{"symlink inside", func(t *testing.T, dir string) {
			if err := os.Symlink("app.js", filepath.Join(dir, "assets/alias.js")); err != nil {
				t.Skip(err)
			}
		}, Options{}},
		{"too many files", nil, Options{MaxFiles: 3}},
		{"file too large", nil, Options{MaxFileSize: 50}},
		{"page too large", nil, Options{MaxHTMLSize: 100}},
		{"base href", func(t *testing.T, dir string) {
			writeFile(t, dir, "base.html", `<base href="https://cdn.example/"><script src="assets/app.js"></script>`)
		}, Options{}},
		{"reserved name", func(t *testing.T, dir string) {
			writeFile(t, dir, ManifestName, `{}`)
		}, Options{}},
		{"backslash in name", func(t *testing.T, dir string) {
			writeFile(t, dir, `a\b.js`, `1`)
		}, Options{}},
		{"empty dist", func(t *testing.T, dir string) {
			for _, p := range []string{"index.html", "about.htm", "assets"} {
				os.RemoveAll(filepath.Join(dir, p))
			}
		}, Options{}},
		{"bad algorithm", nil, Options{Integrity: "md5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := copyDist(t)
			if tt.setup != nil {
				tt.setup(t, src)
			}
			parent := t.TempDir()
			dst := filepath.Join(parent, "release")
			_, err := Build(context.Background(), src, dst, "1.0.1", fixtureProvenance(t), tt.opts)
			if !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
	t.Run("destination exists", func(t *testing.T) {
		dst := t.TempDir()
		if _, err := Build(context.Background(), distDir, dst, "1.0.1", fixtureProvenance(t), Options{}); !errors.Is(err, attest.ErrBadInput) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad version", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "r")
		if _, err := Build(context.Background(), distDir, dst, "1.0/../x", fixtureProvenance(t), Options{}); !errors.Is(err, attest.ErrBadInput) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		parent := t.TempDir()
		if _, err := Build(ctx, distDir, filepath.Join(parent, "r"), "1.0.1", fixtureProvenance(t), Options{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if entries, _ := os.ReadDir(parent); len(entries) != 0 {
			t.Fatalf("left behind: %v", entries)
		}
	})
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckReleaseTamper(t *testing.T) {
	type tamper func(t *testing.T, dir string, m *Manifest)
	rewrite := func(name string, f func(string) string) tamper {
		return func(t *testing.T, dir string, m *Manifest) {
			p := filepath.Join(dir, name)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			after := f(string(b))
			if after == string(b) {
				t.Fatalf("tamper of %s changed nothing", name)
			}
			if err := os.WriteFile(p, []byte(after), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	find := func(m *Manifest, path string) ManifestFile {
		for _, f := range m.Files {
			if f.Path == path {
				return f
			}
		}
		panic("fixture lost " + path)
	}
	tests := []struct {
		name string
		do   tamper
	}{
		{"manifest size edited", func(t *testing.T, dir string, m *Manifest) {
			f := find(m, "assets/app.js")
			rewrite(ManifestName, func(s string) string {
				return strings.Replace(s, `"size": `+itoa(f.Digests.Size), `"size": `+itoa(f.Digests.Size+1), 1)
			})(t, dir, m)
		}},
		{"manifest digest edited", func(t *testing.T, dir string, m *Manifest) {
			h := find(m, "assets/app.js").Digests.Hex(attest.SHA384)
			rewrite(ManifestName, func(s string) string { return strings.Replace(s, h, strings.Repeat("0", len(h)), 1) })(t, dir, m)
		}},
		{"manifest integrity edited", func(t *testing.T, dir string, m *Manifest) {
			sri := find(m, "assets/style.css").Integrity
			rewrite(ManifestName, func(s string) string {
				return strings.Replace(s, sri, attest.FormatIntegrity(attest.MeasureBytes(nil), attest.SHA384), 1)
			})(t, dir, m)
		}},
		{"manifest entry removed", func(t *testing.T, dir string, m *Manifest) {
			m2 := *m
			m2.Files = nil
			for _, f := range m.Files {
				if f.Path != "assets/style.css" {
					m2.Files = append(m2.Files, f)
				}
			}
			b, err := FormatManifest(&m2)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, ManifestName), b, 0o644)
		}},
		{"manifest reformatted", rewrite(ManifestName, func(s string) string { return strings.Replace(s, "  ", "\t", 1) })},
		{"HTML integrity edited", func(t *testing.T, dir string, m *Manifest) {
			sri := find(m, "assets/app.js").Integrity
			rewrite("index.html", func(s string) string {
				return strings.Replace(s, sri, attest.FormatIntegrity(attest.MeasureBytes(nil), attest.SHA384), 1)
			})(t, dir, m)
		}},
		{"HTML integrity edited in both copies", func(t *testing.T, dir string, m *Manifest) {
			sri := find(m, "assets/app.js").Integrity
			bad := attest.FormatIntegrity(attest.MeasureBytes(nil), attest.SHA384)
			rewrite("index.html", func(s string) string { return strings.Replace(s, sri, bad, 1) })(t, dir, m)
			rewrite(find(m, "index.html").ContentPath, func(s string) string { return strings.Replace(s, sri, bad, 1) })(t, dir, m)
		}},
		{"content-addressed file changed", func(t *testing.T, dir string, m *Manifest) {
			rewrite(find(m, "assets/app.js").ContentPath, func(s string) string { return s + "alert(1);\n" })(t, dir, m)
		}},
		{"content-addressed file missing", func(t *testing.T, dir string, m *Manifest) {
			os.Remove(filepath.Join(dir, find(m, "assets/style.css").ContentPath))
		}},
		{"entry point missing", func(t *testing.T, dir string, m *Manifest) {
			os.Remove(filepath.Join(dir, "about.htm"))
		}},
		{"manifest missing", func(t *testing.T, dir string, m *Manifest) {
			os.Remove(filepath.Join(dir, ManifestName))
		}},
		{"statement missing", func(t *testing.T, dir string, m *Manifest) {
			os.Remove(filepath.Join(dir, StatementName))
		}},
		{"extra file", func(t *testing.T, dir string, m *Manifest) {
			writeFile(t, dir, "assets/evil.js", "alert(1)")
		}},
		{"symlink added", func(t *testing.T, dir string, m *Manifest) {
			if err := os.Symlink(find(m, "assets/app.js").ContentPath, filepath.Join(dir, "app.js")); err != nil {
				t.Skip(err)
			}
		}},
		{"statement subject digest edited", func(t *testing.T, dir string, m *Manifest) {
			h := find(m, "assets/app.js").Digests.Hex(attest.SHA256)
			rewrite(StatementName, func(s string) string { return strings.Replace(s, h, strings.Repeat("1", 64), 1) })(t, dir, m)
		}},
		{"statement subject renamed", func(t *testing.T, dir string, m *Manifest) {
			rewrite(StatementName, func(s string) string { return strings.Replace(s, `"about.htm"`, `"about2.htm"`, 1) })(t, dir, m)
		}},
		{"statement garbage", rewrite(StatementName, func(s string) string { return s[:len(s)/2] })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst, res := release(t, distDir, Options{})
			tt.do(t, dst, res.Manifest)
			_, err := Check(context.Background(), dst, CheckOptions{})
			var re *MismatchError
			if !errors.Is(err, ErrMismatch) || !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *MismatchError wrapping ErrMismatch", err)
			}
			if errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("a rejection also wraps ErrBadInput: %v", err)
			}
			t.Logf("rejected: %v", err)
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// reseal recomputes the pages' entries, the manifest and the statement
// of a release folder after its pages were edited: the forgery a
// consistent attacker without the signing key would make. Only the page
// integrity check can then catch a wrong integrity attribute.
func reseal(t *testing.T, dir string, m *Manifest) {
	t.Helper()
	for i := range m.Files {
		f := &m.Files[i]
		if !f.EntryPoint {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(dir, f.ContentPath))
		f.Digests = attest.MeasureBytes(b)
		f.Integrity = attest.FormatIntegrity(f.Digests, attest.SHA384)
		if f.ContentPath, err = contentPath(f.Path, m.Version, f.Digests); err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, f.ContentPath, string(b))
	}
	mb, err := FormatManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, ManifestName, string(mb))
	subjects := []intoto.Subject{{Name: ManifestName, Digests: attest.MeasureBytes(mb)}}
	for _, f := range m.Files {
		subjects = append(subjects, intoto.Subject{Name: f.ContentPath, Digests: f.Digests})
		if f.EntryPoint {
			subjects = append(subjects, intoto.Subject{Name: f.Path, Digests: f.Digests})
		}
	}
	sort.Slice(subjects, func(i, j int) bool { return subjects[i].Name < subjects[j].Name })
	st, err := intoto.NewStatement(fixtureProvenance(t), subjects...)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := intoto.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, StatementName, string(sb))
}

func TestCheckReleaseResealedPage(t *testing.T) {
	edits := map[string][2]string{
		"integrity edited":  {`integrity="sha384-`, `integrity="sha384-A`},
		"integrity removed": {` integrity="sha384-`, ` data-x="sha384-`},
	}
	for name, e := range edits {
		t.Run(name, func(t *testing.T) {
			dst, res := release(t, distDir, Options{})
			reseal(t, dst, res.Manifest) // resealing an untouched release changes nothing
			if _, err := Check(context.Background(), dst, CheckOptions{}); err != nil {
				t.Fatalf("resealed untouched release: %v", err)
			}
			p := filepath.Join(dst, "index.html")
			b, _ := os.ReadFile(p)
			if !strings.Contains(string(b), e[0]) {
				t.Fatal("fixture changed")
			}
			writeFile(t, dst, "index.html", strings.Replace(string(b), e[0], e[1], 1))
			reseal(t, dst, res.Manifest)
			_, err := Check(context.Background(), dst, CheckOptions{})
			var re *MismatchError
			if !errors.As(err, &re) || !errors.Is(err, ErrMismatch) || re.Path != "index.html" || !strings.Contains(re.Problem, "integrity") {
				t.Fatalf("err = %v, want a page integrity rejection", err)
			}
		})
	}
}

func TestSourceDateEpoch(t *testing.T) {
	if tm, err := SourceDateEpoch(""); err != nil || !tm.IsZero() {
		t.Fatalf(`"" = %v, %v`, tm, err)
	}
	if tm, err := SourceDateEpoch("1700000000"); err != nil || tm.Unix() != 1700000000 || tm.Location().String() != "UTC" {
		t.Fatalf("= %v, %v", tm, err)
	}
	for _, bad := range []string{"-1", "+5", "1.5", "x", "99999999999999999999", " 1"} {
		if _, err := SourceDateEpoch(bad); !errors.Is(err, attest.ErrBadInput) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

// TestCheckReleaseRefusesAPageABrowserMayReadOtherwise: a resealed page
// that a browser could decode otherwise than as UTF-8 (here a UTF-16
// byte-order mark) cannot be read as a browser reads it, so Check rejects
// it rather than passing what it could not model.
func TestCheckReleaseRefusesAPageABrowserMayReadOtherwise(t *testing.T) {
	dst, res := release(t, distDir, Options{})
	b, err := os.ReadFile(filepath.Join(dst, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, "index.html", "\xfe\xff"+string(b))
	reseal(t, dst, res.Manifest)
	_, err = Check(context.Background(), dst, CheckOptions{})
	var re *MismatchError
	if !errors.As(err, &re) || !errors.Is(err, ErrMismatch) || re.Path != "index.html" || !errors.Is(re.Err, verify.ErrUnsupportedPage) {
		t.Fatalf("Check = %v, want a rejection of index.html whose Err wraps verify.ErrUnsupportedPage", err)
	}
}

// TestCheckReleaseReadsPagesAsABrowser: a resealed release whose page
// loads a released file where the rewriter's tokenizer sees no script —
// an HTML script the tree builder makes inside <svg><title>, an SVG
// script (whose integrity browsers ignore), an <iframe srcdoc> script —
// is rejected by Check, whatever integrity it carries; the same script
// element in plain HTML with the right integrity passes.
func TestCheckReleaseReadsPagesAsABrowser(t *testing.T) {
	_, res := release(t, distDir, Options{})
	var name, sri string
	for _, f := range res.Manifest.Files {
		if f.Path == "assets/app.js" {
			name, sri = f.ContentPath, f.Integrity
		}
	}
	if name == "" {
		t.Fatal("fixture changed: no assets/app.js")
	}
	for _, tc := range []struct {
		name, markup string
		ok           bool
	}{
		{"control: html script, right integrity", `<script src="` + name + `" integrity="` + sri + `"></script>`, true},
		{"svg title, wrong integrity", `<svg><title><script src="` + name + `" integrity="sha384-AAAA"></script></title></svg>`, false},
		{"svg title, no integrity", `<svg><title><script src="` + name + `"></script></title></svg>`, false},
		{"svg script, right integrity", `<svg><script href="` + name + `" integrity="` + sri + `"></script></svg>`, false},
		{"iframe srcdoc script", `<iframe srcdoc="<script src=&quot;/` + name + `&quot;></script>"></iframe>`, false},
		{"style @import", `<style>@import url("/` + name + `");</style>`, false},
		{"iframe src", `<iframe src="/` + name + `"></iframe>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst, res := release(t, distDir, Options{})
			p := filepath.Join(dst, "index.html")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dst, "index.html", strings.Replace(string(b), "</body>", tc.markup+"</body>", 1))
			reseal(t, dst, res.Manifest)
			_, err = Check(context.Background(), dst, CheckOptions{})
			if tc.ok {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				return
			}
			var re *MismatchError
			if !errors.As(err, &re) || !errors.Is(err, ErrMismatch) || re.Path != "index.html" {
				t.Fatalf("Check = %v, want a rejection of index.html", err)
			}
		})
	}
}

// TestReleaseAtTheLargestLimits: limits of math.MaxInt64 bound nothing
// (they read every byte, never wrap round to reading none): the release
// is the one the defaults make, and Check with those limits passes it.
func TestReleaseAtTheLargestLimits(t *testing.T) {
	epoch, err := SourceDateEpoch("1700000000")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := release(t, distDir, Options{ModTime: epoch})
	b, _ := release(t, distDir, Options{ModTime: epoch, MaxFileSize: math.MaxInt64, MaxHTMLSize: math.MaxInt64})
	ta, tb := tree(t, a), tree(t, b)
	if len(ta) == 0 || len(ta) != len(tb) {
		t.Fatalf("releases hold %d and %d entries", len(ta), len(tb))
	}
	for k, v := range ta {
		if tb[k] != v {
			t.Errorf("%s differs at the largest limits:\n%q\n%q", k, v, tb[k])
		}
	}
	if _, err := Check(context.Background(), b, CheckOptions{MaxFileSize: math.MaxInt64, MaxHTMLSize: math.MaxInt64}); err != nil {
		t.Errorf("Check at the largest limits: %v", err)
	}
}
