package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify/report"
)

// The CLI is tested as a user meets it: the built binary, run as a
// process, judged by its exit code and output.
var verifierBin string

func TestMain(m *testing.M) { clitest.Main(m, "verifier", &verifierBin) }

// The exit codes the verifier documents.
const (
	exitVerified   = 0
	exitRejected   = 1
	exitUsage      = 2
	exitCouldNotCk = 3
)

type result struct {
	code           int
	stdout, stderr string
}

func verifier(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(verifierBin, args...)
	cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY=", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, env...)
	code, stdout, stderr := clitest.Run(t, cmd)
	return result{code, stdout, stderr}
}

func expectCode(t *testing.T, r result, want int) {
	t.Helper()
	clitest.ExpectCode(t, r.code, want, r.stdout, r.stderr)
}

// write makes the file dir/name (and its folders) with b.
var write = clitest.WriteFile

// stdlibHex is what sha256sum, sha384sum and sha512sum print for b,
// computed with Go's standard library: the expected digest where
// coreutils is missing.
var stdlibHex = map[string]func(b []byte) string{
	"sha256sum": func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) },
	"sha384sum": func(b []byte) string { s := sha512.Sum384(b); return hex.EncodeToString(s[:]) },
	"sha512sum": func(b []byte) string { s := sha512.Sum512(b); return hex.EncodeToString(s[:]) },
}

// tool runs a system tool (coreutils' sha*sum) and returns its first
// field. Where the tool is missing, the test does not skip: the expected
// value is the Go standard library's instead, logged.
func tool(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Logf("%s not installed: the expected digest is Go's standard library's", name)
		return stdlibHex[name](stdin)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return strings.Fields(string(out))[0]
}

func TestMeasureMatchesSystemTools(t *testing.T) {
	dir := t.TempDir()
	body := bytes.Repeat([]byte("measure me\x00\xff"), 50_000)
	file := write(t, dir, "kms.mjs", body)
	r := verifier(t, nil, "measure", "--json", "--version", "1.0.1", file)
	expectCode(t, r, 0)
	if r.stderr != "" {
		t.Fatalf("stderr with --json: %q", r.stderr)
	}
	var got struct {
		Input  string            `json:"input"`
		Size   int64             `json:"size"`
		SHA256 string            `json:"sha256"`
		SHA384 string            `json:"sha384"`
		SHA512 string            `json:"sha512"`
		SRI    map[string]string `json:"sri"`
		Name   string            `json:"name"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	want256 := tool(t, body, "sha256sum")
	if got.Input != file || got.Size != int64(len(body)) {
		t.Fatalf("input %q size %d", got.Input, got.Size)
	}
	if got.SHA256 != want256 || got.SHA384 != tool(t, body, "sha384sum") || got.SHA512 != tool(t, body, "sha512sum") {
		t.Fatalf("digests differ from coreutils: %+v", got)
	}
	for _, alg := range []string{"sha256", "sha384", "sha512"} {
		var b64 string
		if _, err := exec.LookPath("openssl"); err != nil {
			// The SRI value is base64 of the digest coreutils (or the
			// standard library) gave above.
			t.Logf("openssl not installed: the expected SRI is base64 of the %ssum digest", alg)
			d, err := hex.DecodeString(tool(t, body, alg+"sum"))
			if err != nil {
				t.Fatal(err)
			}
			b64 = base64.StdEncoding.EncodeToString(d)
		} else {
			openssl := exec.Command("sh", "-c", "openssl dgst -"+alg+" -binary | base64 -w0")
			openssl.Stdin = bytes.NewReader(body)
			out, err := openssl.Output()
			if err != nil {
				t.Fatal(err)
			}
			b64 = strings.TrimSpace(string(out))
		}
		if want := alg + "-" + b64; got.SRI[alg] != want {
			t.Fatalf("sri %s = %q, openssl says %q", alg, got.SRI[alg], want)
		}
	}
	if want := "kms-v1.0.1-" + want256[:8] + ".mjs"; got.Name != want {
		t.Fatalf("name = %q, want %q", got.Name, want)
	}
}

func TestMeasureSeveralAndErrors(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.txt", []byte("a"))
	empty := write(t, dir, "empty.txt", nil)
	r := verifier(t, nil, "measure", "--json", a, empty, filepath.Join(dir, "missing"))
	expectCode(t, r, 2)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 {
		t.Fatalf("want one line per readable input, got %q", r.stdout)
	}
	if !strings.Contains(r.stdout, `"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`) {
		t.Fatalf("the empty file's digest is missing: %s", r.stdout)
	}
	if !strings.Contains(r.stderr, "missing") {
		t.Fatalf("stderr does not name the missing file: %q", r.stderr)
	}
}

// TestUsage: a command line naming no command, or one the verifier does
// not have, is bad usage (2), and --help documents the exit codes. A
// subcommand's own bad usage (an unknown flag, a missing argument, a bad
// --version) is a row of its TestExitMatrix.
func TestUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no command":      nil,
		"unknown command": {"frobnicate"},
	} {
		t.Run(name, func(t *testing.T) {
			expectCode(t, verifier(t, nil, args...), 2)
		})
	}
	r := verifier(t, nil, "--help")
	expectCode(t, r, 0)
	for _, want := range []string{"0  verified", "1  rejected", "2  bad usage", "3  could not check"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("--help does not document %q", want)
		}
	}
}

// TestNoDemo: the demo is a program of its own (examples/demo), which
// links the in-process chain; the verifier neither lists nor runs it.
func TestNoDemo(t *testing.T) {
	r := verifier(t, nil, "demo")
	expectCode(t, r, exitUsage)
	mustContain(t, "stderr", r.stderr, `unknown command "demo"`)
	if strings.Contains(verifier(t, nil, "--help").stdout, "demo") {
		t.Error("--help mentions the demo")
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	body := []byte("export const kms = 1;\n")
	flipped := bytes.Clone(body)
	flipped[3] ^= 1
	local := write(t, dir, "local.mjs", body)
	same := write(t, dir, "same.mjs", body)
	diff := write(t, dir, "diff.mjs", flipped)
	empty := write(t, dir, "empty.mjs", nil)

	mux := http.NewServeMux()
	mux.HandleFunc("/kms.mjs", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	mux.HandleFunc("/evil.mjs", func(w http.ResponseWriter, r *http.Request) { w.Write(flipped) })
	mux.HandleFunc("/empty.mjs", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/long.mjs", func(w http.ResponseWriter, r *http.Request) { w.Write(append(bytes.Clone(body), body...)) })
	mux.HandleFunc("/slow.mjs", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body[:4])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	srv := httptest.NewServer(mux) // plain http on 127.0.0.1: allowed for loopback
	defer srv.Close()

	tests := []struct {
		name string
		args []string
		want int
	}{
		{"identical files", []string{local, same}, 0},
		{"one byte differs", []string{local, diff}, 1},
		{"live URL identical", []string{local, srv.URL + "/kms.mjs"}, 0},
		{"live URL one byte differs", []string{local, srv.URL + "/evil.mjs"}, 1},
		{"empty local", []string{empty, same}, 2},
		{"missing local", []string{filepath.Join(dir, "nope"), same}, 2},
		{"live 404", []string{local, srv.URL + "/nope.mjs"}, 3},
		{"live 0 bytes", []string{local, srv.URL + "/empty.mjs"}, 3},
		{"live over the size limit", []string{"--max-size", fmt.Sprint(len(body)), local, srv.URL + "/long.mjs"}, 3},
		{"local over the size limit", []string{"--max-size", "5", local, srv.URL + "/kms.mjs"}, 2},
		{"live past the time limit", []string{"--timeout", "300ms", local, srv.URL + "/slow.mjs"}, 3},
		{"ftp URL", []string{local, "ftp://127.0.0.1/kms.mjs"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := verifier(t, nil, append([]string{"compare"}, tt.args...)...)
			expectCode(t, r, tt.want)
			if tt.want == 0 && !strings.Contains(r.stdout, "VERIFICATION PASSED") {
				t.Fatalf("stdout: %s", r.stdout)
			}
			if tt.want == 1 && !strings.Contains(r.stdout, "MISMATCH") {
				t.Fatalf("stdout: %s", r.stdout)
			}
		})
	}

	t.Run("reports", func(t *testing.T) {
		out := t.TempDir()
		step := write(t, out, "step-summary.md", []byte("earlier step\n"))
		rep, sum := filepath.Join(out, "report.json"), filepath.Join(out, "summary.md")
		r := verifier(t, []string{"GITHUB_STEP_SUMMARY=" + step}, "compare", "--json", "--report", rep, "--summary", sum, local, diff)
		expectCode(t, r, 1)
		for _, f := range []string{rep} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := report.Parse(b)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if parsed.Status != report.StatusFail {
				t.Fatalf("report status %s, want fail", parsed.Status)
			}
		}
		if stdoutReport, err := report.Parse([]byte(r.stdout)); err != nil || stdoutReport.Status != report.StatusFail {
			t.Fatalf("--json stdout is not a fail report: %v", err)
		}
		md, _ := os.ReadFile(sum)
		if !bytes.Contains(md, []byte("## Hash Comparison")) || !bytes.Contains(md, []byte("❌")) {
			t.Fatalf("summary:\n%s", md)
		}
		stepMD, _ := os.ReadFile(step)
		if !bytes.HasPrefix(stepMD, []byte("earlier step\n")) || !bytes.Contains(stepMD, []byte("## Hash Comparison")) {
			t.Fatalf("GITHUB_STEP_SUMMARY not appended:\n%s", stepMD)
		}
	})
}

func TestCompareProgress(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 1000)
	local := write(t, t.TempDir(), "local.bin", body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		for i := 0; i < 10; i++ {
			w.Write(body[:100])
			w.(http.Flusher).Flush()
			time.Sleep(180 * time.Millisecond)
		}
	}))
	defer srv.Close()
	r := verifier(t, nil, "compare", local, srv.URL+"/slow.bin")
	expectCode(t, r, 0)
	if !strings.Contains(r.stderr, "%") {
		t.Fatalf("no progress on stderr for a ~2 s transfer: %q", r.stderr)
	}
	r = verifier(t, nil, "compare", "--json", local, srv.URL+"/slow.bin")
	expectCode(t, r, 0)
	if r.stderr != "" {
		t.Fatalf("stderr with --json: %q", r.stderr)
	}
}

func sri384(b []byte) string {
	s := sha512.Sum384(b)
	return "sha384-" + base64.StdEncoding.EncodeToString(s[:])
}

func TestWeb(t *testing.T) {
	kms := []byte("export const kms = 1;\n")
	css := []byte("body{}\n")
	page := func(kmsAttr string) []byte {
		return []byte(`<!DOCTYPE html><html><head><link rel="stylesheet" href="app.css" integrity="` + sri384(css) + `"></head>
<body><script type="module" ` + kmsAttr + ` src="/kms.mjs"></script></body></html>`)
	}
	serve := func(pageBody, kmsBody []byte) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/index.html":
				w.Write(pageBody)
			case "/kms.mjs":
				w.Write(kmsBody)
			case "/app.css":
				w.Write(css)
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	local := t.TempDir()
	write(t, local, "kms.mjs", kms)
	write(t, local, "app.css", css)
	tampered := bytes.Clone(kms)
	tampered[0] ^= 1

	tests := []struct {
		name      string
		page, kms []byte
		args      []string
		want      int
	}{
		{"page verifies", page(`integrity="` + sri384(kms) + `"`), kms, nil, 0},
		{"one byte of the script changed", page(`integrity="` + sri384(kms) + `"`), tampered, nil, 1},
		{"local build compared", page(`integrity="` + sri384(kms) + `"`), kms, []string{"--local", local}, 0},
		{"no integrity, not strict", page(""), kms, nil, 0},
		{"nothing protected, not strict: nothing was checked", []byte(`<script src="/kms.mjs"></script>`), kms, nil, 3},
		{"no subresources at all", []byte(`<p>hello</p>`), kms, nil, 3},
		{"no integrity, strict", page(""), kms, []string{"--strict"}, 1},
		{"no integrity, local build differs", page(""), tampered, []string{"--local", local}, 1},
		{"unknown algorithm only", page(`integrity="sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk="`), kms, nil, 1},
		{"broken markup", []byte(`<html><head><script src="/kms.mjs" integrity="` + sri384(kms) + `"<body><<<`), kms, nil, 0},
		{"broken markup, changed script", []byte(`<html><head><script src="/kms.mjs" integrity="` + sri384(kms) + `"<body><<<`), tampered, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(tt.page, tt.kms)
			r := verifier(t, nil, append(append([]string{"web"}, tt.args...), srv.URL+"/index.html")...)
			expectCode(t, r, tt.want)
		})
	}
	t.Run("page 404", func(t *testing.T) {
		srv := serve(nil, kms)
		expectCode(t, verifier(t, nil, "web", srv.URL+"/missing.html"), 3)
	})
	t.Run("json", func(t *testing.T) {
		srv := serve(page(`integrity="`+sri384(kms)+`"`), kms)
		r := verifier(t, nil, "web", "--json", srv.URL+"/index.html")
		expectCode(t, r, 0)
		rep, err := report.Parse([]byte(r.stdout))
		if err != nil || rep.Status != report.StatusPass || len(rep.Checks) != 2 {
			t.Fatalf("report %+v, %v", rep, err)
		}
	})
}

// TestConformanceReplay runs the Sigstore conformance suite's own runner,
// replay.sh, against the built verifier: 140 checks of the conformance
// cases and 28 of the real-world ones. Every outcome must match, and a
// rejection must be a clean non-zero exit (replay.sh counts a time-out or
// a crash by signal as a mismatch).
//
// replay.sh needs bash and coreutils' timeout, which every Debian or
// Ubuntu machine has (both are essential packages) and so do the CI
// runners. Without them the test fails, saying what to install, rather
// than skip: a skip would pass a run in which the verifier was never held
// to the suite.
func TestConformanceReplay(t *testing.T) {
	for _, tool := range []string{"bash", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%v: replay.sh, the conformance suite's runner, needs bash and coreutils' timeout on PATH (Debian: apt-get install bash coreutils; macOS: brew install bash coreutils, with coreutils' gnubin folder on PATH for timeout)", err)
		}
	}
	data := filepath.Join("..", "..", "testdata", "sigstore")
	for _, tc := range []struct {
		name, cases, want string
	}{
		{"conformance", filepath.Join(data, "conformance", "CASES.tsv"), "140 passed, 0 failed"},
		{"realworld", filepath.Join(data, "realworld", "CASES.tsv"), "28 passed, 0 failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("bash", filepath.Join(data, "conformance", "replay.sh"), verifierBin, tc.cases)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), tc.want) {
				t.Fatalf("replay: %v\n%s", err, out)
			}
		})
	}
}

func TestVerifyBundleExitCodes(t *testing.T) {
	rw := filepath.Join("..", "..", "testdata", "sigstore", "realworld")
	bundle := filepath.Join(rw, "npm", "sigstore-1.3.0.provenance", "bundle.sigstore.json")
	tgz := filepath.Join(rw, "npm", "sigstore-1.3.0.tgz")
	san := "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"
	iss := "https://token.actions.githubusercontent.com"
	base := []string{"verify-bundle", "--bundle", bundle, "--certificate-identity", san, "--certificate-oidc-issuer", iss}
	dir := t.TempDir()
	flipped, _ := os.ReadFile(tgz)
	flipped[100] ^= 1
	evil := write(t, dir, "evil.tgz", flipped)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"verified with the embedded root", append(base, tgz), 0},
		{"verified by sha512 digest", append(base, "sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"), 0},
		{"github claims", append(append([]string{}, base...), "--github-repository", "sigstore/sigstore-js", "--github-ref", "refs/heads/main", "--deny-self-hosted-runners", tgz), 0},
		{"wrong repository claim", append(append([]string{}, base...), "--github-repository", "sigstore/sigstore-jsx", tgz), 1},
		{"tampered tarball", append(base, evil), 1},
		{"unanchored regexp prefix does not match", []string{"verify-bundle", "--bundle", bundle, "--certificate-identity-regexp", "https://github.com/sigstore/sigstore-js/", "--certificate-oidc-issuer", iss, tgz}, 1},
		{"missing artifact", append(base, filepath.Join(dir, "missing.tgz")), 2},
		{"missing bundle", []string{"verify-bundle", "--bundle", filepath.Join(dir, "none.json"), "--certificate-identity", san, "--certificate-oidc-issuer", iss, tgz}, 2},
		{"no identity and no key", []string{"verify-bundle", "--bundle", bundle, tgz}, 2},
		{"missing trusted root", append(append([]string{}, base...), "--trusted-root", filepath.Join(dir, "none.json"), tgz), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectCode(t, verifier(t, nil, tt.args...), tt.want)
		})
	}
}
