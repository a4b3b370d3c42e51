package main

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"text/template"

	"github.com/ats-run/selfattest/attest"
)

//go:embed demo
var demoFS embed.FS

// demo runs the whole story offline: it "releases" the embedded sample
// (content-addressed names, SRI in the HTML), serves it as a CDN on
// 127.0.0.1, verifies the live copy with compare and web, then changes one
// byte on the CDN and shows that both checks reject it. It exits 0 only
// if the good release verified and the tampered one was rejected. When a
// check ends otherwise the demo's story does not hold: that is no
// rejection of anything, so it exits 3 (could not check), never 1.
func (e env) demo(ctx context.Context, args []string) int {
	fs := e.newFlagSet("demo", "[--keep DIR]")
	keep := fs.String("keep", "", "write the release and reports to `DIR` (default: a temporary folder, removed)")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "verifier-demo-")
		if err != nil {
			fmt.Fprintf(e.stderr, "verifier: %v\n", err)
			return exitUsage
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	dist := filepath.Join(dir, "dist")
	files, err := demoRelease(dist, "1.0.1")
	if err != nil {
		fmt.Fprintf(e.stderr, "verifier: demo release: %v\n", err)
		return exitUsage
	}

	cdn := &demoCDN{}
	if err := cdn.load(dist, files); err != nil {
		fmt.Fprintf(e.stderr, "verifier: demo: %v\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(e.stderr, "verifier: %v\n", err)
		return exitCouldNotCk
	}
	srv := &http.Server{Handler: cdn}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	kms := files["kms"]

	fmt.Fprintf(e.stdout, "🔐 selfattest demo: a release served on %s\n\n", base)
	step := func(title string, want int, args ...string) bool {
		fmt.Fprintf(e.stdout, "── %s\n$ verifier %s\n", title, joinArgs(args))
		got := run(ctx, args, e.stdout, e.stderr, e.getenv)
		ok := got == want
		mark := "✅"
		if !ok {
			mark = "❌"
		}
		fmt.Fprintf(e.stdout, "%s exit %d (expected %d)\n\n", mark, got, want)
		return ok
	}
	ok := step("live artifact against the local build", exitVerified,
		"compare", "--summary", filepath.Join(dir, "summary.md"), filepath.Join(dist, kms), base+"/"+kms)
	ok = step("live page: every script and stylesheet against its integrity and the local build", exitVerified,
		"web", "--strict", "--local", dist, base+"/kms.html") && ok

	cdn.tamper("/" + kms)
	fmt.Fprintf(e.stdout, "⚠️  the CDN now serves %s with one byte changed\n\n", kms)
	ok = step("tampered live artifact", exitRejected, "compare", filepath.Join(dist, kms), base+"/"+kms) && ok
	ok = step("tampered live page", exitRejected, "web", "--local", dist, base+"/kms.html") && ok

	if !ok {
		fmt.Fprintln(e.stdout, "❌ DEMO FAILED: a check did not end as expected")
		return exitCouldNotCk
	}
	fmt.Fprintln(e.stdout, "✅ DEMO PASSED: the release verified, and the tampered copy was rejected")
	return exitVerified
}

// demoRelease writes the embedded sample to dist as a release: the module
// and stylesheet under content-addressed names, and kms.html naming them
// with integrity attributes. It returns the released names by role.
func demoRelease(dist, version string) (map[string]string, error) {
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return nil, err
	}
	names := map[string]string{}
	page := struct{ KMS, KMSIntegrity, CSS, CSSIntegrity string }{}
	for role, src := range map[string]string{"kms": "kms.mjs", "css": "app.css"} {
		b, err := demoFS.ReadFile("demo/" + src)
		if err != nil {
			return nil, err
		}
		d := attest.MeasureBytes(b)
		name, err := attest.ContentName(src, version, d)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dist, name), b, 0o644); err != nil {
			return nil, err
		}
		names[role] = name
		if role == "kms" {
			page.KMS, page.KMSIntegrity = name, attest.FormatIntegrity(d, attest.SHA384)
		} else {
			page.CSS, page.CSSIntegrity = name, attest.FormatIntegrity(d, attest.SHA384)
		}
	}
	tmpl, err := template.ParseFS(demoFS, "demo/kms.html.tmpl")
	if err != nil {
		return nil, err
	}
	var html bytes.Buffer
	if err := tmpl.Execute(&html, page); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dist, "kms.html"), html.Bytes(), 0o644); err != nil {
		return nil, err
	}
	names["html"] = "kms.html"
	return names, nil
}

// demoCDN serves the release folder's files by name, from memory once
// read, so the demo can change a byte "on the CDN" without touching the
// local build.
type demoCDN struct {
	mu   sync.Mutex
	body map[string][]byte
}

func (c *demoCDN) load(dist string, files map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.body = map[string][]byte{}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			return err
		}
		c.body["/"+name] = b
	}
	return nil
}

func (c *demoCDN) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	b, ok := c.body[r.URL.Path]
	c.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

func (c *demoCDN) tamper(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := bytes.Clone(c.body[path])
	b[len(b)/2] ^= 0x01
	c.body[path] = b
}

func joinArgs(args []string) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a)
	}
	return b.String()
}
