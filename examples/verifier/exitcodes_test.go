package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/internal/rekorv1fake"
)

// exitRow is one outcome of one subcommand.
type exitRow struct {
	name string
	args []string
	want int
}

// runRows runs each row through the built binary: the exit code must be
// the README's, within 10 s (every --timeout in the rows is 2 s, and a
// FIFO or device must be refused at once).
func runRows(t *testing.T, rows []exitRow) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, verifierBin, tt.args...)
			cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY=", "NO_COLOR=1")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %s (killed after 15 s)\nstderr:\n%s", d, errb.String())
			}
			var ee *exec.ExitError
			code := 0
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			expectCode(t, result{code, out.String(), errb.String()}, tt.want)
		})
	}
}

// TestExitCodes is the README's exit-code table, row by row, for every
// subcommand: verified 0, rejected 1, bad usage or unusable input 2 (a
// missing file, a FIFO, a directory, a device, an empty or oversized
// file, a refused URL), could not check 3 (a server that refuses the
// connection or does not answer before --timeout, an HTTP error).
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	content := []byte("export const app = 1;\n")
	other := []byte("export const app = 2;\n")
	good := write(t, dir, "app.js", content)
	empty := write(t, dir, "empty.js", nil)
	big := write(t, dir, "big.js", make([]byte, 101))
	fifo := clitest.Mkfifo(t, dir, "fifo")
	missing := filepath.Join(dir, "missing.js")
	devZero := "/dev/zero"
	if _, err := os.Stat(devZero); err != nil {
		devZero = fifo
	}

	local := t.TempDir()
	write(t, local, "app.js", content)
	localFIFO := t.TempDir()
	clitest.Mkfifo(t, localFIFO, "app.js")
	stall := clitest.StallServer(t)
	dead := clitest.DeadURL(t)
	page := func(src, integrity string) string {
		return `<!DOCTYPE html><script src="` + src + `" integrity="` + integrity + `"></script>`
	}
	var many strings.Builder
	for i := range 1024 {
		fmt.Fprintf(&many, `<script src="%s/s%d.js" integrity="%s"></script>`, stall, i, sri384(content))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app.js":
			w.Write(content)
		case "/other.js":
			w.Write(other)
		case "/index.html":
			w.Write([]byte(page("/app.js", sri384(content))))
		case "/tampered.html":
			w.Write([]byte(page("/other.js", sri384(content))))
		case "/many.html":
			w.Write([]byte(many.String()))
		case "/hidden.html":
			// A tokenizer reads <title> as text; inside <svg> a browser's
			// tree builder makes the script an element and runs it.
			w.Write([]byte(page("/app.js", sri384(content)) + `<svg><title><script src="/other.js"></script></title></svg>`))
		case "/utf16.html":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("\xff\xfe<\x00s\x00c\x00r\x00i\x00p\x00t\x00>\x00"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	rows := []exitRow{
		// measure
		{"measure: a file", []string{"measure", good}, 0},
		{"measure: an empty file is measured (its digests are defined)", []string{"measure", empty}, 0},
		{"measure: a URL", []string{"measure", srv.URL + "/app.js"}, 0},
		{"measure: no input", []string{"measure"}, 2},
		{"measure: missing file", []string{"measure", missing}, 2},
		{"measure: FIFO", []string{"measure", fifo}, 2},
		{"measure: directory", []string{"measure", dir}, 2},
		{"measure: device", []string{"measure", devZero}, 2},
		{"measure: file over --max-size", []string{"measure", "--max-size", "100", big}, 2},
		{"measure: plain http to a public host", []string{"measure", "http://example.com/app.js"}, 2},
		{"measure: ftp", []string{"measure", "ftp://example.com/app.js"}, 2},
		{"measure: --timeout 0", []string{"measure", "--timeout", "0s", good}, 2},
		{"measure: unreachable server", []string{"measure", dead + "/app.js"}, 3},
		{"measure: HTTP 404", []string{"measure", srv.URL + "/nope.js"}, 3},
		{"measure: server that never answers, --timeout 2s", []string{"measure", "--timeout", "2s", stall + "/app.js"}, 3},

		// compare
		{"compare: same bytes", []string{"compare", good, srv.URL + "/app.js"}, 0},
		{"compare: other bytes", []string{"compare", good, srv.URL + "/other.js"}, 1},
		{"compare: one argument", []string{"compare", good}, 2},
		{"compare: missing local file", []string{"compare", missing, srv.URL + "/app.js"}, 2},
		{"compare: FIFO", []string{"compare", fifo, srv.URL + "/app.js"}, 2},
		{"compare: directory", []string{"compare", dir, srv.URL + "/app.js"}, 2},
		{"compare: device", []string{"compare", devZero, srv.URL + "/app.js"}, 2},
		{"compare: empty file", []string{"compare", empty, srv.URL + "/app.js"}, 2},
		{"compare: file over --max-size", []string{"compare", "--max-size", "100", big, srv.URL + "/app.js"}, 2},
		{"compare: plain http to a public host", []string{"compare", good, "http://example.com/app.js"}, 2},
		{"compare: unreachable server", []string{"compare", good, dead + "/app.js"}, 3},
		{"compare: server that never answers, --timeout 2s", []string{"compare", "--timeout", "2s", good, stall + "/app.js"}, 3},

		// web
		{"web: page verifies", []string{"web", srv.URL + "/index.html"}, 0},
		{"web: local build compared", []string{"web", "--local", local, srv.URL + "/index.html"}, 0},
		{"web: script changed", []string{"web", srv.URL + "/tampered.html"}, 1},
		{"web: FIFO in the local build is not the build's file", []string{"web", "--local", localFIFO, srv.URL + "/index.html"}, 1},
		{"web: script hidden in <svg><title>, --strict", []string{"web", "--strict", srv.URL + "/hidden.html"}, 1},
		{"web: UTF-16 page", []string{"web", srv.URL + "/utf16.html"}, 3},
		{"web: --report names a FIFO", []string{"web", "--report", fifo, srv.URL + "/index.html"}, 2},
		{"web: --summary names a device", []string{"web", "--summary", "/dev/null", srv.URL + "/index.html"}, 2},
		{"web: no URL", []string{"web"}, 2},
		{"web: plain http to a public host", []string{"web", "http://example.com/"}, 2},
		{"web: ftp", []string{"web", "ftp://example.com/"}, 2},
		{"web: unreachable server", []string{"web", dead + "/index.html"}, 3},
		{"web: page that never comes, --timeout 2s", []string{"web", "--timeout", "2s", stall + "/index.html"}, 3},
		{"web: 1024 subresources that never come, --timeout 2s", []string{"web", "--timeout", "2s", srv.URL + "/many.html"}, 3},
	}
	// A mirror that is not a log at all: every path is a web page.
	htmlSite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!DOCTYPE html><title>Welcome</title><p>not a log</p>"))
	}))
	t.Cleanup(htmlSite.Close)
	rows = append(rows, verifyBundleRows(t, stall, dead, htmlSite.URL, fifo, dir, empty, devZero)...)
	runRows(t, rows)
}

// verifyBundleRows: a key bundle logged to a Rekor v1 log on 127.0.0.1
// (internal/rekorv1fake), verified, rejected, refused and unconfirmed.
func verifyBundleRows(t *testing.T, stall, dead, htmlSite, fifo, dir, empty, devZero string) []exitRow {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := rekorv1fake.Start(t, 5)
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	rekor, err := signing.NewRekor(f.URL, 1, signing.ServiceOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("an artifact for the exit-code table\n")
	b, err := signing.Artifact(ctx, data, signing.Options{Key: key, TransparencyLogs: []sign.Transparency{rekor}})
	if err != nil {
		t.Fatal(err)
	}
	bj, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	d := t.TempDir()
	bundle := write(t, d, "artifact.sigstore.json", bj)
	artifact := write(t, d, "artifact.txt", data)
	changed := []byte(string(data))
	changed[0] ^= 1
	tampered := write(t, d, "tampered.txt", changed)
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	pub := write(t, d, "key.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	root := write(t, d, "trusted_root.json", f.Root().JSON())
	logID := hex.EncodeToString(f.LogID())
	vb := func(extra ...string) []string {
		args := []string{"verify-bundle", "--bundle", bundle, "--key", pub, "--trusted-root", root}
		return append(args, extra...)
	}
	return []exitRow{
		{"verify-bundle: verified", vb(artifact), 0},
		{"verify-bundle: verified and confirmed", vb("--confirm-rekor-v1", logID+"="+f.URL, artifact), 0},
		{"verify-bundle: changed artifact", vb(tampered), 1},
		{"verify-bundle: no --bundle", []string{"verify-bundle", "--key", pub, artifact}, 2},
		{"verify-bundle: missing artifact", vb(filepath.Join(d, "missing")), 2},
		{"verify-bundle: artifact FIFO", vb(fifo), 2},
		{"verify-bundle: artifact directory", vb(dir), 2},
		{"verify-bundle: artifact empty", vb(empty), 2},
		{"verify-bundle: artifact device", vb(devZero), 2},
		{"verify-bundle: --bundle FIFO", []string{"verify-bundle", "--bundle", fifo, "--key", pub, "--trusted-root", root, artifact}, 2},
		{"verify-bundle: --bundle device", []string{"verify-bundle", "--bundle", devZero, "--key", pub, "--trusted-root", root, artifact}, 2},
		{"verify-bundle: --key FIFO", []string{"verify-bundle", "--bundle", bundle, "--key", fifo, "--trusted-root", root, artifact}, 2},
		{"verify-bundle: --key device", []string{"verify-bundle", "--bundle", bundle, "--key", devZero, "--trusted-root", root, artifact}, 2},
		{"verify-bundle: --trusted-root FIFO", []string{"verify-bundle", "--bundle", bundle, "--key", pub, "--trusted-root", fifo, artifact}, 2},
		{"verify-bundle: --confirm-rekor-v1 plain http to a public host", vb("--confirm-rekor-v1", logID+"=http://example.com/", artifact), 2},
		{"verify-bundle: --confirm-tiles ftp", vb("--confirm-tiles", logID+"=ftp://example.com/", artifact), 2},
		{"verify-bundle: --confirm-rekor-v1 unreachable", vb("--confirm-rekor-v1", logID+"="+dead, artifact), 3},
		{"verify-bundle: --confirm-rekor-v1 mirror answering web pages", vb("--confirm-rekor-v1", logID+"="+htmlSite, artifact), 3},
		{"verify-bundle: --confirm-tiles mirror answering web pages", vb("--confirm-tiles", logID+"="+htmlSite, artifact), 3},
		{"verify-bundle: --confirm-tiles mirror that never answers, --timeout 2s", vb("--timeout", "2s", "--confirm-tiles", logID+"="+stall, artifact), 3},
		{"verify-bundle: --confirm-rekor-v1 mirror that never answers, --timeout 2s", vb("--timeout", "2s", "--confirm-rekor-v1", logID+"="+stall, artifact), 3},
	}
}
