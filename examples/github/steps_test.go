//go:build unix

package github_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// runStep runs a step's script as the runner would (bash -e), in dir,
// with env and a PATH on which `go run ./examples/NAME` is the program
// built from this tree (a stub go that only knows that form). It returns
// the exit code and the output.
func runStep(t *testing.T, s step, dir string, env []string) (int, string) {
	t.Helper()
	bins := programs(t)
	stubs := t.TempDir()
	goStub := `#!/bin/sh
[ "$1" = run ] || { echo "stub go: only go run ./examples/NAME" >&2; exit 97; }
case "$2" in
./examples/release) shift 2; exec "$RELEASE_BIN" "$@";;
./examples/verifier) shift 2; exec "$VERIFIER_BIN" "$@";;
esac
echo "stub go: unknown program $2" >&2
exit 98
`
	if err := os.WriteFile(filepath.Join(stubs, "go"), []byte(goStub), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		// Where openssl is missing (GitHub's runners have it), a stub
		// accepts exactly the workflow's key generation and writes the same
		// kind of key: a fresh ECDSA P-256 key in PKCS#8 PEM.
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		keyFile := filepath.Join(stubs, "key.pem")
		if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		sslStub := `#!/bin/sh
[ "$1 $2 $3 $4 $5 $6" = "genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out" ] && [ $# -eq 7 ] || { echo "stub openssl: unexpected $*" >&2; exit 97; }
cp "` + keyFile + `" "$7"
`
		if err := os.WriteFile(filepath.Join(stubs, "openssl"), []byte(sslStub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-e", "-c", s.Run)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + stubs + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(), "NO_COLOR=1",
		"RELEASE_BIN=" + bins["release"], "VERIFIER_BIN=" + bins["verifier"],
	}, env...)
	for k, v := range s.Env {
		if !strings.Contains(v, "${{") {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("step %q: %v\n%s", s.Name, err, out)
	return -1, ""
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyStepsAgainstALocalSite runs verify.yml's rebuild and check
// steps, as written, against the sample site released by release.yml's
// build step and examples/release and served on 127.0.0.1: they pass on
// the intact site; one byte changed in the served script fails the page
// check (the manifest, unchanged, still compares equal: that is why the
// workflow checks the page too); a changed manifest fails the compare.
// The keyless bundle cannot be made here, so the verify-bundle step is
// held to the verifier's flags by TestVerifyWorkflow only.
func TestVerifyStepsAgainstALocalSite(t *testing.T) {
	w, _ := load(t, "verify.yml")
	rw, _ := load(t, "release.yml")
	j := w.job()
	const tag, epoch = "v1.2.3", "1700000000"

	// The tag's source: what the build step reads.
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "examples", "github"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyTree(t, "site", filepath.Join(src, "examples", "github", "site"))

	// The live site: release.yml's build step, then examples/release with
	// a key of its own, served on 127.0.0.1.
	pubSrc := t.TempDir()
	copyTree(t, src, pubSrc)
	base := []string{"SOURCE_DATE_EPOCH=" + epoch}
	if code, out := runStep(t, rw.job().step(t, "Build the web app"), pubSrc, base); code != 0 {
		t.Fatalf("release.yml's build: exit %d\n%s", code, out)
	}
	site := filepath.Join(t.TempDir(), "site")
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	key := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	rel := exec.Command(programs(t)["release"], "--dist", filepath.Join(pubSrc, "dist"), "--version", tag, "--out", site,
		"--key", key, "--state-dir", t.TempDir())
	rel.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+epoch)
	if out, err := rel.CombinedOutput(); err != nil {
		t.Fatalf("releasing the site: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(site)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	siteURL := "http://" + l.Addr().String()

	// The runner.
	runner := t.TempDir()
	work := t.TempDir() // the job's working directory
	if err := os.Mkdir(filepath.Join(work, "reports"), 0o755); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(runner, "step-summary.md")
	env := []string{
		"RUNNER_TEMP=" + runner, "SITE_URL=" + siteURL, "SOURCE_DATE_EPOCH=" + epoch, "TAG=" + tag,
		"GITHUB_STEP_SUMMARY=" + summary, "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
		"GITHUB_RUN_NUMBER=7", "RUN_URL=https://github.com/octo/site/actions/runs/1",
		"COMMIT_URL=https://github.com/octo/site/commit/0123456789abcdef0123456789abcdef01234567",
	}
	copyTree(t, src, filepath.Join(runner, "src"))
	for _, name := range []string{"Build the web app", "Rebuild the release folder from the tag"} {
		if code, out := runStep(t, j.step(t, name), filepath.Join(runner, "src"), env); code != 0 {
			t.Fatalf("%s: exit %d\n%s", name, code, out)
		}
	}
	compare := j.step(t, "Compare the live manifest with the rebuilt one")
	web := j.step(t, "Check the live page's SRI and each subresource against the rebuild")
	check := func(s step, want int) string {
		t.Helper()
		code, out := runStep(t, s, work, env)
		t.Logf("%s: exit %d\n%s", s.Name, code, out)
		if code != want {
			t.Errorf("%s: exit %d, want %d\n%s", s.Name, code, want, out)
		}
		return out
	}

	check(compare, 0)
	check(web, 0)
	for _, f := range []string{"verification-report.json", "web-report.json"} {
		var r struct{ Status string }
		b, err := os.ReadFile(filepath.Join(work, "reports", f))
		if err != nil || json.Unmarshal(b, &r) != nil || r.Status != "pass" {
			t.Errorf("reports/%s: %v, status %q\n%s", f, err, r.Status, b)
		}
	}
	if b, _ := os.ReadFile(summary); !bytes.Contains(b, []byte("Verification Report")) || !bytes.Contains(b, []byte("Web Integrity Report")) {
		t.Errorf("the job summary does not hold both reports:\n%s", b)
	}

	// One byte of the served script changes: the page check fails.
	scripts, _ := filepath.Glob(filepath.Join(site, "assets", "app-v1.2.3-*.js"))
	if len(scripts) != 1 {
		t.Fatalf("served scripts %q", scripts)
	}
	flip(t, scripts[0], `"yes"`, `"yez"`)
	out := check(web, 1)
	if !strings.Contains(out, filepath.Base(scripts[0])) {
		t.Errorf("the failed page check does not name %s:\n%s", filepath.Base(scripts[0]), out)
	}
	check(compare, 0)

	// The served manifest changes: the compare fails.
	flip(t, filepath.Join(site, "release-manifest.json"), `"version": "1.2.3"`, `"version": "1.2.4"`)
	check(compare, 1)
}

func flip(t *testing.T, file, from, to string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(from)) || len(from) != len(to) {
		t.Fatalf("%s: no %q", file, from)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte(from), []byte(to), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyDraw runs the draw step's script under bash, with shuf and
// sleep replaced by stubs that answer chosen numbers and record their
// arguments: a draw under 12 checks after the jitter, 12 and over does
// not check and does not wait, and a manual run checks at once.
func TestVerifyDraw(t *testing.T) {
	w, _ := load(t, "verify.yml")
	script := w.job().Steps[0].Run
	bin := t.TempDir()
	stub := func(name, body string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	stub("shuf", `echo "shuf $*" >> "$STUB_LOG"
case "$2" in 0-99) echo "$DRAW";; 0-1800) echo "$JITTER";; *) exit 9;; esac
`)
	stub("sleep", `echo "sleep $*" >> "$STUB_LOG"
`)
	for _, c := range []struct {
		event, draw string
		want        string // run=…
		log         []string
	}{
		{"schedule", "0", "true", []string{"shuf -i 0-99 -n 1", "shuf -i 0-1800 -n 1", "sleep 1234"}},
		{"schedule", "11", "true", []string{"shuf -i 0-99 -n 1", "shuf -i 0-1800 -n 1", "sleep 1234"}},
		{"schedule", "12", "false", []string{"shuf -i 0-99 -n 1"}},
		{"schedule", "99", "false", []string{"shuf -i 0-99 -n 1"}},
		{"workflow_dispatch", "99", "true", nil},
	} {
		dir := t.TempDir()
		out, sum, logf := filepath.Join(dir, "output"), filepath.Join(dir, "summary"), filepath.Join(dir, "log")
		cmd := exec.Command("bash", "-e", "-c", script)
		cmd.Env = []string{
			"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
			"GITHUB_EVENT_NAME=" + c.event, "GITHUB_OUTPUT=" + out, "GITHUB_STEP_SUMMARY=" + sum,
			"STUB_LOG=" + logf, "DRAW=" + c.draw, "JITTER=1234",
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s draw %s: %v\n%s", c.event, c.draw, err, b)
		}
		got, _ := os.ReadFile(out)
		if string(got) != "run="+c.want+"\n" {
			t.Errorf("%s draw %s: output %q, want run=%s", c.event, c.draw, got, c.want)
		}
		lb, _ := os.ReadFile(logf)
		if l := strings.Fields(strings.ReplaceAll(string(lb), " ", "_")); !slices.Equal(l, under(c.log)) {
			t.Errorf("%s draw %s: ran %q, want %q", c.event, c.draw, lb, c.log)
		}
	}
}

func under(s []string) []string {
	var o []string
	for _, v := range s {
		o = append(o, strings.ReplaceAll(v, " ", "_"))
	}
	return o
}
