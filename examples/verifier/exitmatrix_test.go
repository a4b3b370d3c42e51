package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/internal/clitest"
)

// args is a row's command line when it needs no setup of its own.
var args = clitest.Args

// TestExitMatrix is the README's exit-code table, for every subcommand
// the verifier's usage lists and every code, run against the built
// binary: 0 verified, 1 rejected, 2 bad usage or unusable input (a
// missing file, a FIFO, a directory, a device, an empty or oversized
// file, a refused URL), 3 could not check (a server that refuses the
// connection or does not answer before --timeout, an HTTP error). A code
// a subcommand cannot produce has a row that says why.
func TestExitMatrix(t *testing.T) {
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
	// A mirror that is not a log at all: every path is a web page.
	htmlSite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!DOCTYPE html><title>Welcome</title><p>not a log</p>"))
	}))
	t.Cleanup(htmlSite.Close)

	rows := []clitest.Row{
		{Cmd: "measure", Code: 0, Name: "a file", Args: args("measure", good), Want: "sha256:  "},
		{Cmd: "measure", Code: 0, Name: "an empty file is measured (its digests are defined)", Args: args("measure", "--json", empty), Want: `"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`},
		{Cmd: "measure", Code: 0, Name: "a URL", Args: args("measure", srv.URL+"/app.js"), Want: "sri:     sha384-"},
		{Cmd: "measure", Code: 1, Name: "never", Impossible: "measure prints digests and compares them with nothing: its errors are bad input (2) or could not check (3)"},
		{Cmd: "measure", Code: 2, Name: "no input", Args: args("measure"), Want: "usage: verifier measure"},
		{Cmd: "measure", Code: 2, Name: "missing file", Args: args("measure", missing), Want: "no such file"},
		{Cmd: "measure", Code: 2, Name: "FIFO", Args: args("measure", fifo), Want: "not a regular file"},
		{Cmd: "measure", Code: 2, Name: "directory", Args: args("measure", dir), Want: "not a regular file"},
		{Cmd: "measure", Code: 2, Name: "device", Args: args("measure", devZero), Want: "not a regular file"},
		{Cmd: "measure", Code: 2, Name: "file over --max-size", Args: args("measure", "--max-size", "100", big), Want: "larger than the limit of 100 bytes"},
		{Cmd: "measure", Code: 2, Name: "plain http to a public host", Args: args("measure", "http://example.com/app.js"), Want: "refused URL: plain http to non-loopback host"},
		{Cmd: "measure", Code: 2, Name: "ftp", Args: args("measure", "ftp://example.com/app.js"), Want: `refused URL: scheme "ftp" not allowed`},
		{Cmd: "measure", Code: 2, Name: "--timeout 0", Args: args("measure", "--timeout", "0s", good), Want: "--timeout 0s: must be positive"},
		{Cmd: "measure", Code: 2, Name: "a --version that is not a version", Args: args("measure", "--version", "../1", good), Want: `version "../1"`},
		{Cmd: "measure", Code: 3, Name: "unreachable server", Args: args("measure", dead+"/app.js"), Want: "connection refused"},
		{Cmd: "measure", Code: 3, Name: "HTTP 404", Args: args("measure", srv.URL+"/nope.js"), Want: "404"},
		{Cmd: "measure", Code: 3, Name: "server that never answers, --timeout 2s", Args: args("measure", "--timeout", "2s", stall+"/app.js"), Want: "--timeout 2s ran out"},

		{Cmd: "compare", Code: 0, Name: "same bytes", Args: args("compare", good, srv.URL+"/app.js"), Want: "VERIFICATION PASSED"},
		{Cmd: "compare", Code: 1, Name: "other bytes", Args: args("compare", good, srv.URL+"/other.js"), Want: "MISMATCH"},
		{Cmd: "compare", Code: 2, Name: "one argument", Args: args("compare", good), Want: "usage: verifier compare"},
		{Cmd: "compare", Code: 2, Name: "unknown flag", Args: args("compare", "--nope", good, srv.URL+"/app.js"), Want: "flag provided but not defined: -nope"},
		{Cmd: "compare", Code: 2, Name: "missing local file", Args: args("compare", missing, srv.URL+"/app.js"), Want: "no such file"},
		{Cmd: "compare", Code: 2, Name: "FIFO", Args: args("compare", fifo, srv.URL+"/app.js"), Want: "not a regular file"},
		{Cmd: "compare", Code: 2, Name: "directory", Args: args("compare", dir, srv.URL+"/app.js"), Want: "not a regular file"},
		{Cmd: "compare", Code: 2, Name: "device", Args: args("compare", devZero, srv.URL+"/app.js"), Want: "not a regular file"},
		{Cmd: "compare", Code: 2, Name: "empty file", Args: args("compare", empty, srv.URL+"/app.js"), Want: "empty"},
		{Cmd: "compare", Code: 2, Name: "file over --max-size", Args: args("compare", "--max-size", "100", big, srv.URL+"/app.js"), Want: "larger than the limit of 100 bytes"},
		{Cmd: "compare", Code: 2, Name: "plain http to a public host", Args: args("compare", good, "http://example.com/app.js"), Want: "refused URL: plain http to non-loopback host"},
		{Cmd: "compare", Code: 3, Name: "unreachable server", Args: args("compare", good, dead+"/app.js"), Want: "connection refused"},
		{Cmd: "compare", Code: 3, Name: "HTTP 404", Args: args("compare", good, srv.URL+"/nope.js"), Want: "404"},
		{Cmd: "compare", Code: 3, Name: "server that never answers, --timeout 2s", Args: args("compare", "--timeout", "2s", good, stall+"/app.js"), Want: "--timeout 2s ran out"},

		{Cmd: "web", Code: 0, Name: "page verifies", Args: args("web", srv.URL+"/index.html"), Want: "VERIFICATION PASSED"},
		{Cmd: "web", Code: 0, Name: "local build compared", Args: args("web", "--local", local, srv.URL+"/index.html"), Want: "VERIFICATION PASSED"},
		{Cmd: "web", Code: 1, Name: "script changed", Args: args("web", srv.URL+"/tampered.html"), Want: "VERIFICATION FAILED"},
		{Cmd: "web", Code: 1, Name: "FIFO in the local build is not the build's file", Args: args("web", "--local", localFIFO, srv.URL+"/index.html"), Want: "VERIFICATION FAILED"},
		{Cmd: "web", Code: 1, Name: "script hidden in <svg><title>, --strict", Args: args("web", "--strict", srv.URL+"/hidden.html"), Want: "VERIFICATION FAILED"},
		{Cmd: "web", Code: 2, Name: "--report names a FIFO", Args: args("web", "--report", fifo, srv.URL+"/index.html"), Want: "report: opening " + fifo},
		{Cmd: "web", Code: 2, Name: "--summary names a device", Args: args("web", "--summary", "/dev/null", srv.URL+"/index.html"), Want: "not a regular file"},
		{Cmd: "web", Code: 2, Name: "no URL", Args: args("web"), Want: "usage: verifier web"},
		{Cmd: "web", Code: 2, Name: "plain http to a public host", Args: args("web", "http://example.com/"), Want: "refused URL: plain http to non-loopback host"},
		{Cmd: "web", Code: 2, Name: "ftp", Args: args("web", "ftp://example.com/"), Want: `refused URL: scheme "ftp" not allowed`},
		{Cmd: "web", Code: 3, Name: "UTF-16 page", Args: args("web", srv.URL+"/utf16.html"), Want: "UTF-16"},
		{Cmd: "web", Code: 3, Name: "unreachable server", Args: args("web", dead+"/index.html"), Want: "connection refused"},
		{Cmd: "web", Code: 3, Name: "page that never comes, --timeout 2s", Args: args("web", "--timeout", "2s", stall+"/index.html"), Want: "--timeout 2s ran out"},
		{Cmd: "web", Code: 3, Name: "1024 subresources that never come, --timeout 2s", Args: args("web", "--timeout", "2s", srv.URL+"/many.html"), Want: "--timeout 2s ran out"},
	}

	f := newRebuildFixture(t)
	artifact := write(t, dir, "artifact.js", f.app)
	changed := bytes.Clone(f.app)
	changed[0] ^= 1
	tampered := write(t, dir, "tampered.js", changed)
	vb := func(extra ...string) func(*testing.T, string) []string {
		return args(append([]string{"verify-bundle", "--bundle", f.bundle, "--key", f.key, "--trusted-root", f.root}, extra...)...)
	}
	vbWith := func(name, value string) func(*testing.T, string) []string {
		a := map[string]string{"--bundle": f.bundle, "--key": f.key, "--trusted-root": f.root}
		a[name] = value
		return args("verify-bundle", "--bundle", a["--bundle"], "--key", a["--key"], "--trusted-root", a["--trusted-root"], artifact)
	}
	logID := f.logID
	rows = append(rows, []clitest.Row{
		{Cmd: "verify-bundle", Code: 0, Name: "verified", Args: vb(artifact), Want: "Sigstore verification passed"},
		{Cmd: "verify-bundle", Code: 0, Name: "verified and confirmed", Args: vb("--confirm-rekor-v1", logID+"="+f.logURL, artifact), Want: "Transparency Log Confirmation"},
		{Cmd: "verify-bundle", Code: 1, Name: "changed artifact", Args: vb(tampered), Want: "Sigstore verification failed"},
		{Cmd: "verify-bundle", Code: 1, Name: "bundle for other content", Args: vbWith("--bundle", f.otherBundle), Want: "Sigstore verification failed"},
		{Cmd: "verify-bundle", Code: 2, Name: "no --bundle", Args: args("verify-bundle", "--key", f.key, artifact), Want: "usage: verifier verify-bundle"},
		{Cmd: "verify-bundle", Code: 2, Name: "missing artifact", Args: vb(filepath.Join(dir, "missing")), Want: "no such file"},
		{Cmd: "verify-bundle", Code: 2, Name: "artifact FIFO", Args: vb(fifo), Want: "not a regular file"},
		{Cmd: "verify-bundle", Code: 2, Name: "artifact directory", Args: vb(dir), Want: "not a regular file"},
		{Cmd: "verify-bundle", Code: 2, Name: "artifact empty", Args: vb(empty), Want: "empty"},
		{Cmd: "verify-bundle", Code: 2, Name: "artifact device", Args: vb(devZero), Want: "not a regular file"},
		{Cmd: "verify-bundle", Code: 2, Name: "--bundle FIFO", Args: vbWith("--bundle", fifo), Want: "not a regular file"},
		{Cmd: "verify-bundle", Code: 2, Name: "--bundle device", Args: vbWith("--bundle", devZero), Want: "not a regular file"},
		{Cmd: "verify-bundle", Code: 2, Name: "--key FIFO", Args: vbWith("--key", fifo), Want: "not a regular file"},
		{Cmd: "verify-bundle", Code: 2, Name: "--key device", Args: vbWith("--key", devZero), Want: "not a regular file"},
		{Cmd: "verify-bundle", Code: 2, Name: "--trusted-root FIFO", Args: vbWith("--trusted-root", fifo), Want: "not a regular file"},
		{Cmd: "verify-bundle", Code: 2, Name: "--confirm-rekor-v1 plain http to a public host", Args: vb("--confirm-rekor-v1", logID+"=http://example.com/", artifact), Want: "--confirm-rekor-v1: tlog: cannot check: http://example.com/: refused URL"},
		{Cmd: "verify-bundle", Code: 2, Name: "--confirm-tiles ftp", Args: vb("--confirm-tiles", logID+"=ftp://example.com/", artifact), Want: "--confirm-tiles: tlog: cannot check: ftp://example.com/: refused URL"},
		{Cmd: "verify-bundle", Code: 3, Name: "--confirm-rekor-v1 unreachable", Args: vb("--confirm-rekor-v1", logID+"="+dead, artifact), Want: "connection refused"},
		{Cmd: "verify-bundle", Code: 3, Name: "--confirm-rekor-v1 mirror answering web pages", Args: vb("--confirm-rekor-v1", logID+"="+htmlSite.URL, artifact), Want: "served as text/html"},
		{Cmd: "verify-bundle", Code: 3, Name: "--confirm-tiles mirror answering web pages", Args: vb("--confirm-tiles", logID+"="+htmlSite.URL, artifact), Want: "served as text/html"},
		{Cmd: "verify-bundle", Code: 3, Name: "--confirm-tiles mirror that never answers, --timeout 2s", Args: vb("--timeout", "2s", "--confirm-tiles", logID+"="+stall, artifact), Want: "--timeout 2s ran out"},
		{Cmd: "verify-bundle", Code: 3, Name: "--confirm-rekor-v1 mirror that never answers, --timeout 2s", Args: vb("--timeout", "2s", "--confirm-rekor-v1", logID+"="+stall, artifact), Want: "--timeout 2s ran out"},
	}...)

	// verify: the release fixture's command line, with flags appended to
	// override (the flag package keeps the last value).
	verify := func(extra ...string) func(*testing.T, string) []string {
		return func(t *testing.T, dir string) []string { return f.args(filepath.Join(dir, "report.json"), extra...) }
	}
	rows = append(rows, []clitest.Row{
		{Cmd: "verify", Code: 0, Name: "rebuilt, live and signed agree", Args: verify(), Want: "✅ VERIFICATION PASSED"},
		{Cmd: "verify", Code: 0, Name: "--anchor tlog: the evidence anchored after the verdict", Args: func(t *testing.T, dir string) []string {
			return verify("--anchor", "tlog", "--journal", filepath.Join(dir, "archivist.journal"))(t, dir)
		}, Want: "✅ evidence anchored"},
		{Cmd: "verify", Code: 2, Name: "--anchor tlog, --tlog-dir a file: nothing verified", Args: func(t *testing.T, dir string) []string {
			return verify("--anchor", "tlog", "--journal", filepath.Join(dir, "archivist.journal"), "--tlog-dir", write(t, dir, "file", []byte("x")))(t, dir)
		}, Want: "--anchor: the local log"},
		{Cmd: "verify", Code: 3, Name: "--anchor eth, the endpoint down: verified, not anchored", Args: func(t *testing.T, dir string) []string {
			key := filepath.Join(dir, "eth.key")
			if err := os.WriteFile(key, []byte(strings.Repeat("01", 32)), 0o600); err != nil {
				t.Fatal(err)
			}
			return verify("--anchor", "eth", "--journal", filepath.Join(dir, "archivist.journal"), "--eth-rpc", dead, "--chain-id", "1337",
				"--sink", "0x5e1f000000000000000000000000000000a77e57", "--eth-key-file", key)(t, dir)
		}, Want: "the evidence could not be anchored"},
		{Cmd: "verify", Code: 0, Name: "page: every subresource against its integrity and the rebuild", Args: verify("--url", "", "--page", f.srv.URL+"/index.html", "--artifact", "dist", "--signed", "dist/app.js"), Want: "✅ VERIFICATION PASSED"},
		{Cmd: "verify", Code: 1, Name: "bundle for other content", Args: verify("--bundle", f.otherBundle), Want: "❌ VERIFICATION FAILED"},
		{Cmd: "verify", Code: 1, Name: "the rebuild differs from what is live", Args: verify("--build", "mkdir -p dist && echo changed > dist/app.js"), Want: "❌ MISMATCH"},
		{Cmd: "verify", Code: 2, Name: "build fails", Args: verify("--build", "echo 'error: the last words' >&2; exit 7"), Want: "error: the last words"},
		{Cmd: "verify", Code: 2, Name: "build makes no artifact", Args: verify("--build", "mkdir -p dist"), Want: "the build made no --artifact dist/app.js"},
		{Cmd: "verify", Code: 2, Name: "--bundle a FIFO", Args: verify("--bundle", fifo), Want: "not a regular file"},
		{Cmd: "verify", Code: 2, Name: "--url plain http to a public host", Args: verify("--url", "http://example.com/app.js"), Want: "refused URL: plain http to non-loopback host"},
		{Cmd: "verify", Code: 2, Name: "--source-date-epoch -1", Args: verify("--source-date-epoch", "-1"), Want: "--source-date-epoch -1: not a number of seconds"},
		{Cmd: "verify", Code: 3, Name: "live server down", Args: verify("--url", dead+"/app.js"), Want: "COULD NOT VERIFY"},
		{Cmd: "verify", Code: 3, Name: "live server never answers, --timeout 2s", Args: verify("--url", stall+"/app.js", "--timeout", "2s"), Want: "--timeout 2s ran out"},
		{Cmd: "verify", Code: 3, Name: "bundle URL unreachable", Args: verify("--bundle", dead+"/app.js.sigstore.json"), Want: "connection refused"},
		{Cmd: "verify", Code: 3, Name: "log unreachable", Args: verify("--confirm-rekor-v1", logID+"="+dead), Want: "connection refused"},
	}...)

	cmds := clitest.Commands(clitest.Usage(t, verifierBin))
	clitest.Check(t, cmds, rows)
	clitest.Matrix{
		Bin:  verifierBin,
		Env:  func(string) []string { return []string{"GITHUB_STEP_SUMMARY=", "NO_COLOR=1"} },
		Rows: rows,
	}.Run(t)
}
