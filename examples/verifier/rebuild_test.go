package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/internal/rekorv1fake"
	"github.com/ats-run/selfattest/verify/report"
)

// rebuildFixture is a release as verify meets it: a source folder whose
// build copies src/app.js to dist/app.js, the artifact served on
// 127.0.0.1, and a key bundle over the artifact logged to a Rekor v1 log
// on 127.0.0.1 (internal/rekorv1fake), with the trusted root naming it.
type rebuildFixture struct {
	source, bundle, otherBundle, key, root string
	logID, logURL                          string
	app                                    []byte
	srv                                    *httptest.Server
	mu                                     sync.Mutex
	served                                 []byte // what the server answers for /app.js
}

func newRebuildFixture(t *testing.T) *rebuildFixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := &rebuildFixture{app: []byte("export const app = 'release 1.0.1';\n")}
	f.served = f.app
	f.source = t.TempDir()
	write(t, f.source, "src/app.js", f.app)

	log := rekorv1fake.Start(t, 7)
	d := t.TempDir()
	opts, pub := rekorV1Signer(t, log.URL, d)
	sign1 := func(name string, data []byte) string {
		b, err := signing.Artifact(ctx, data, opts)
		if err != nil {
			t.Fatal(err)
		}
		bj, err := b.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return write(t, d, name, bj)
	}
	f.bundle = sign1("app.js.sigstore.json", f.app)
	f.otherBundle = sign1("other.sigstore.json", []byte("export const app = 'something else';\n"))
	f.key = pub
	f.root = write(t, d, "trusted_root.json", log.Root().JSON())
	f.logID, f.logURL = hex.EncodeToString(log.LogID()), log.URL

	bundleJSON, err := os.ReadFile(f.bundle)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app.js":
			f.mu.Lock()
			b := f.served
			f.mu.Unlock()
			w.Write(b)
		case "/index.html":
			w.Write([]byte(`<!DOCTYPE html><script src="/app.js" integrity="` + sri384(f.app) + `"></script>`))
		case "/app.js.sigstore.json":
			w.Write(bundleJSON)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// args is a verify command line that passes against the fixture; extra
// flags go before the defaults' and replace none of them (the flag
// package takes the last value, so a test overrides by appending).
func (f *rebuildFixture) args(reportPath string, extra ...string) []string {
	a := []string{"verify",
		"--source", f.source,
		"--build", "mkdir -p dist && cp src/app.js dist/app.js",
		"--artifact", "dist/app.js",
		"--url", f.srv.URL + "/app.js",
		"--bundle", f.bundle,
		"--key", f.key,
		"--trusted-root", f.root,
		"--report", reportPath,
		"--timeout", "30s",
	}
	return append(a, extra...)
}

// readReport parses the report verify wrote and checks its status.
func readReport(t *testing.T, path string, want report.Status) *report.Report {
	t.Helper()
	return clitest.ReadReport(t, path, want)
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	clitest.MustContain(t, what, s, wants...)
}

func TestVerifyRebuild(t *testing.T) {
	f := newRebuildFixture(t)
	out := t.TempDir()
	rep := filepath.Join(out, "report.json")

	t.Run("passes", func(t *testing.T) {
		sum := filepath.Join(out, "summary.md")
		step := write(t, out, "step.md", []byte("earlier step\n"))
		r := verifier(t, []string{"GITHUB_STEP_SUMMARY=" + step}, f.args(rep, "--summary", sum, "--confirm-rekor-v1", f.logID+"="+f.logURL)...)
		expectCode(t, r, 0)
		t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		mustContain(t, "stdout", r.stdout,
			"🔐 selfattest verify", "Hash Comparison", "SHA-256", "SRI", "Size",
			"✅ Sigstore verification passed", "Rekor entry:", "Timestamp (tlog)", "Transparency log",
			"✅ VERIFICATION PASSED")
		mustContain(t, "stderr", r.stderr, "verifier: build: $ mkdir -p dist && cp src/app.js dist/app.js", "verifier: build: done in")
		got := readReport(t, rep, report.StatusPass)
		if got.Sigstore == nil || got.Sigstore.Signature != report.VerdictPass || got.Sigstore.RekorLogIndex == nil {
			t.Fatalf("report's Sigstore section: %+v", got.Sigstore)
		}
		md, _ := os.ReadFile(sum)
		mustContain(t, "summary", string(md), "## Hash Comparison", "✅")
		stepMD, _ := os.ReadFile(step)
		if !bytes.HasPrefix(stepMD, []byte("earlier step\n")) || !bytes.Contains(stepMD, []byte("## Hash Comparison")) {
			t.Fatalf("GITHUB_STEP_SUMMARY not appended:\n%s", stepMD)
		}
		if _, err := os.Stat(filepath.Join(f.source, "dist")); !os.IsNotExist(err) {
			t.Fatalf("the build ran in --source itself, not in a copy: %v", err)
		}
	})

	t.Run("one byte changed on the server", func(t *testing.T) {
		changed := bytes.Clone(f.app)
		changed[len(changed)-3] ^= 1
		f.mu.Lock()
		f.served = changed
		f.mu.Unlock()
		defer func() { f.mu.Lock(); f.served = f.app; f.mu.Unlock() }()
		r := verifier(t, nil, f.args(rep)...)
		expectCode(t, r, 1)
		mustContain(t, "stdout", r.stdout, "❌ MISMATCH", "❌ VERIFICATION FAILED: ")
		got := readReport(t, rep, report.StatusFail)
		var failed []string
		for _, c := range got.Checks {
			if c.Verdict == report.VerdictFail {
				failed = append(failed, c.Name)
			}
		}
		if !strings.Contains(strings.Join(failed, ","), "SHA-256") {
			t.Fatalf("failed rows %v: no SHA-256", failed)
		}
	})

	t.Run("server down", func(t *testing.T) {
		dead := clitest.DeadURL(t)
		r := verifier(t, nil, f.args(rep, "--url", dead+"/app.js")...)
		expectCode(t, r, 3)
		mustContain(t, "stdout", r.stdout, "COULD NOT VERIFY")
		readReport(t, rep, report.StatusError)
	})

	t.Run("server that never answers, --timeout 2s", func(t *testing.T) {
		stall := clitest.StallServer(t)
		r := verifier(t, nil, f.args(rep, "--url", stall+"/app.js", "--timeout", "2s")...)
		expectCode(t, r, 3)
		readReport(t, rep, report.StatusError)
	})

	t.Run("build fails", func(t *testing.T) {
		build := `for i in $(seq 1 40); do echo "build line $i"; done; echo "error: the last words" >&2; exit 7`
		r := verifier(t, nil, f.args(rep, "--build", build)...)
		expectCode(t, r, 2)
		t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		mustContain(t, "stderr", r.stderr, "exit status 7", "build line 40", "error: the last words")
		if strings.Contains(r.stderr, "build line 20\n") {
			t.Fatalf("more than the last 20 lines shown:\n%s", r.stderr)
		}
		got := readReport(t, rep, report.StatusError)
		mustContain(t, "report's build error", got.Details.Extra["build_error"], "error: the last words")
	})

	t.Run("build makes no artifact", func(t *testing.T) {
		r := verifier(t, nil, f.args(rep, "--build", "mkdir -p dist")...)
		expectCode(t, r, 2)
		mustContain(t, "stderr", r.stderr, "the build made no --artifact dist/app.js")
		readReport(t, rep, report.StatusError)
	})

	t.Run("artifact is a link out of the copy", func(t *testing.T) {
		outside := write(t, t.TempDir(), "app.js", f.app)
		r := verifier(t, nil, f.args(rep, "--build", "mkdir -p dist && ln -s "+outside+" dist/app.js")...)
		expectCode(t, r, 2)
		readReport(t, rep, report.StatusError)
	})

	t.Run("bundle for other content", func(t *testing.T) {
		r := verifier(t, nil, f.args(rep, "--bundle", f.otherBundle)...)
		expectCode(t, r, 1)
		mustContain(t, "stdout", r.stdout, "✅ MATCH", "❌ Sigstore verification failed", "❌ VERIFICATION FAILED")
		got := readReport(t, rep, report.StatusFail)
		if got.Sigstore == nil || got.Sigstore.Signature != report.VerdictFail {
			t.Fatalf("report's Sigstore section: %+v", got.Sigstore)
		}
	})

	t.Run("--json: the report on stdout, no header", func(t *testing.T) {
		r := verifier(t, nil, f.args(rep, "--json")...)
		expectCode(t, r, 0)
		got, err := report.Parse([]byte(r.stdout))
		if err != nil || got.Status != report.StatusPass {
			t.Fatalf("stdout is not a pass report: %v\n%s", err, r.stdout)
		}
	})

	t.Run("bundle from a URL", func(t *testing.T) {
		r := verifier(t, nil, f.args(rep, "--bundle", f.srv.URL+"/app.js.sigstore.json")...)
		expectCode(t, r, 0)
		readReport(t, rep, report.StatusPass)
	})

	t.Run("bundle URL not found", func(t *testing.T) {
		r := verifier(t, nil, f.args(rep, "--bundle", f.srv.URL+"/missing.sigstore.json")...)
		expectCode(t, r, 3)
		readReport(t, rep, report.StatusError)
	})

	t.Run("bundle URL unreachable", func(t *testing.T) {
		r := verifier(t, nil, f.args(rep, "--bundle", clitest.DeadURL(t)+"/app.js.sigstore.json")...)
		expectCode(t, r, 3)
		readReport(t, rep, report.StatusError)
	})

	t.Run("confirmed online", func(t *testing.T) {
		r := verifier(t, nil, f.args(rep, "--confirm-rekor-v1", f.logID+"="+f.logURL)...)
		expectCode(t, r, 0)
		mustContain(t, "stdout", r.stdout, "Transparency Log Confirmation")
		readReport(t, rep, report.StatusPass)
	})

	t.Run("log unreachable", func(t *testing.T) {
		r := verifier(t, nil, f.args(rep, "--confirm-rekor-v1", f.logID+"="+clitest.DeadURL(t))...)
		expectCode(t, r, 3)
		readReport(t, rep, report.StatusError)
	})

	t.Run("changed byte and unreachable log: the rejection wins", func(t *testing.T) {
		changed := bytes.Clone(f.app)
		changed[0] ^= 1
		f.mu.Lock()
		f.served = changed
		f.mu.Unlock()
		defer func() { f.mu.Lock(); f.served = f.app; f.mu.Unlock() }()
		r := verifier(t, nil, f.args(rep, "--confirm-rekor-v1", f.logID+"="+clitest.DeadURL(t))...)
		expectCode(t, r, 1)
		readReport(t, rep, report.StatusFail)
	})

	t.Run("page: every subresource against its integrity and the rebuild", func(t *testing.T) {
		a := f.args(rep, "--url", "", "--page", f.srv.URL+"/index.html", "--artifact", "dist", "--signed", "dist/app.js")
		r := verifier(t, nil, a...)
		expectCode(t, r, 0)
		mustContain(t, "stdout", r.stdout, "Subresources", "Local Build", "✅ VERIFICATION PASSED")
		readReport(t, rep, report.StatusPass)

		changed := bytes.Clone(f.app)
		changed[5] ^= 1
		f.mu.Lock()
		f.served = changed
		f.mu.Unlock()
		defer func() { f.mu.Lock(); f.served = f.app; f.mu.Unlock() }()
		r = verifier(t, nil, a...)
		expectCode(t, r, 1)
		readReport(t, rep, report.StatusFail)
	})

	t.Run("bad usage", func(t *testing.T) {
		fifo := clitest.Mkfifo(t, t.TempDir(), "fifo")
		for name, extra := range map[string][]string{
			"--bundle a FIFO":        {"--bundle", fifo},
			"--bundle a device":      {"--bundle", "/dev/zero"},
			"--key a FIFO":           {"--key", fifo},
			"--trusted-root a FIFO":  {"--trusted-root", fifo},
			"--bundle ftp":           {"--bundle", "ftp://127.0.0.1/app.js.sigstore.json"},
			"--url plain http afar":  {"--url", "http://example.com/app.js"},
			"--source-date-epoch -1": {"--source-date-epoch", "-1"},
			"no live artifact":       {"--url", ""},
			"both --url and --page":  {"--page", f.srv.URL + "/index.html"},
			"artifact outside":       {"--artifact", "../app.js"},
			"source is not a folder": {"--source", f.key},
			"page without --signed":  {"--url", "", "--page", f.srv.URL + "/index.html", "--artifact", "dist"},
			"bad epoch":              {"--source-date-epoch", "yesterday"},
		} {
			t.Run(name, func(t *testing.T) {
				expectCode(t, verifier(t, nil, f.args(rep, extra...)...), 2)
				readReport(t, rep, report.StatusError)
			})
		}
	})
}

// TestVerifySourceDateEpoch: the build sees SOURCE_DATE_EPOCH from the
// flag, or from the git checkout's HEAD commit time; the build writes it
// into the artifact, and the live artifact holds the expected time.
func TestVerifySourceDateEpoch(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to build a checkout (CI has it)")
	}
	const epoch = "1700000000"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(epoch))
	}))
	t.Cleanup(srv.Close)
	src := t.TempDir()
	write(t, src, "README", []byte("a release\n"))
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", src}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=@"+epoch+" +0000", "GIT_COMMITTER_DATE=@"+epoch+" +0000",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid",
			"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", "README")
	git("commit", "-q", "-m", "release")

	// The bundle does not matter here: the rows below are about the
	// build, and a missing bundle file is bad input (2) whatever the
	// comparison, while a rejected comparison (1) outranks it.
	rep := filepath.Join(t.TempDir(), "report.json")
	base := []string{"verify", "--source", src, "--build", `printf %s "$SOURCE_DATE_EPOCH" > out.txt`,
		"--artifact", "out.txt", "--url", srv.URL + "/out.txt", "--bundle", filepath.Join(src, "none.json"),
		"--key", filepath.Join(src, "none.pem"), "--report", rep}
	for _, tt := range []struct {
		name  string
		extra []string
		want  int
	}{
		{"from the git commit", nil, 2},
		{"from the flag", []string{"--source-date-epoch", epoch}, 2},
		{"another time from the flag", []string{"--source-date-epoch", "1600000000"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := verifier(t, []string{"SOURCE_DATE_EPOCH="}, append(append([]string{}, base...), tt.extra...)...)
			expectCode(t, r, tt.want)
			if tt.want == 2 {
				mustContain(t, "stdout", r.stdout, "✅ MATCH")
				mustContain(t, "stderr", r.stderr, "SOURCE_DATE_EPOCH="+epoch)
				readReport(t, rep, report.StatusError)
			} else {
				mustContain(t, "stdout", r.stdout, "❌ MISMATCH")
				readReport(t, rep, report.StatusFail)
			}
		})
	}
}

// TestVerifyReleasedSite is the seed's flow end to end on 127.0.0.1: the
// sample site released by examples/release (content-addressed names, SRI
// in the HTML, an in-toto statement signed with a key into the local
// transparency log with the local timestamp authority) and served; verify
// rebuilds the release from the source with the same tool and a
// throwaway key, checks every subresource of the live page against its
// integrity and the rebuild, and verifies the published bundle (fetched
// by URL) against the rebuilt manifest. Then one byte of the served
// script changes, and verify fails.
func TestVerifyReleasedSite(t *testing.T) {
	const epoch, version = "1700000000", "1.0.1"
	bin := t.TempDir()
	release := filepath.Join(bin, "release")
	if out, err := exec.Command("go", "build", "-o", release, "../release").CombinedOutput(); err != nil {
		t.Fatalf("building examples/release: %v\n%s", err, out)
	}
	keys := t.TempDir()
	newKey := func(name string) (priv, pub string) {
		return clitest.KeyFiles(t, keys, name+".pem", name+".pub.pem")
	}
	releaseKey, releasePub := newKey("release")
	throwaway, _ := newKey("throwaway")

	// The tag's source, and the published release built from it.
	src := t.TempDir()
	if err := os.CopyFS(filepath.Join(src, "site"), os.DirFS(filepath.Join("..", "github", "site"))); err != nil {
		t.Fatal(err)
	}
	site, state := filepath.Join(t.TempDir(), "site"), t.TempDir()
	rel := exec.Command(release, "--dist", filepath.Join(src, "site"), "--version", version, "--out", site,
		"--key", releaseKey, "--state-dir", state)
	rel.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+epoch)
	if out, err := rel.CombinedOutput(); err != nil {
		t.Fatalf("releasing the site: %v\n%s", err, out)
	}
	trustedRoot := filepath.Join(state, "transparency-log.trusted_root.json")
	srv := httptest.NewServer(http.FileServer(http.Dir(site)))
	t.Cleanup(srv.Close)

	rep := filepath.Join(t.TempDir(), "verification-report.json")
	args := []string{"verify", "--source", src, "--source-date-epoch", epoch,
		"--build", release + " --dist site --version " + version + " --out rebuilt --key " + throwaway + " --state-dir " + t.TempDir(),
		"--page", srv.URL + "/index.html", "--strict", "--artifact", "rebuilt", "--signed", "rebuilt/release-manifest.json",
		"--bundle", srv.URL + "/release.intoto.sigstore.json", "--key", releasePub, "--trusted-root", trustedRoot,
		"--report", rep}
	r := verifier(t, nil, args...)
	expectCode(t, r, 0)
	t.Logf("stdout:\n%s", r.stdout)
	mustContain(t, "stdout", r.stdout, "Subresources", "Local Build", "Timestamp (tsa)", "Statement", "✅ Sigstore verification passed", "✅ VERIFICATION PASSED")
	readReport(t, rep, report.StatusPass)

	scripts, _ := filepath.Glob(filepath.Join(site, "assets", "app-v"+version+"-*.js"))
	if len(scripts) != 1 {
		t.Fatalf("released scripts: %v", scripts)
	}
	b, err := os.ReadFile(scripts[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(scripts[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	r = verifier(t, nil, args...)
	expectCode(t, r, 1)
	mustContain(t, "stdout", r.stdout, "❌ MISMATCH", "✅ Sigstore verification passed", "❌ VERIFICATION FAILED")
	readReport(t, rep, report.StatusFail)
}

// TestVerifyKeyless: a real keyless bundle (npm's sigstore 1.3.0, signed
// by a GitHub workflow, logged in the public Rekor) verified offline with
// the embedded public-good root: the terminal shows the Rekor entry, its
// integrated time and the identity (issuer, SAN). A slow server shows
// fetch progress on stderr.
func TestVerifyKeyless(t *testing.T) {
	rw := filepath.Join("..", "..", "testdata", "sigstore", "realworld")
	bundle, err := filepath.Abs(filepath.Join(rw, "npm", "sigstore-1.3.0.provenance", "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := os.ReadFile(filepath.Join(rw, "npm", "sigstore-1.3.0.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	san := "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"
	iss := "https://token.actions.githubusercontent.com"
	src := t.TempDir()
	write(t, src, "package/sigstore-1.3.0.tgz", tgz)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(tgz)))
		// About 2 s in ten pieces, the last 1.8 s after the first: long
		// enough for a progress line (printed 1 s after the first bytes
		// are read) even when the client reads the first piece late.
		for i := range 10 {
			w.Write(tgz[i*len(tgz)/10 : (i+1)*len(tgz)/10])
			w.(http.Flusher).Flush()
			time.Sleep(200 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	rep := filepath.Join(t.TempDir(), "report.json")
	args := []string{"verify", "--source", src, "--source-date-epoch", "0",
		"--build", "mkdir -p dist && cp package/sigstore-1.3.0.tgz dist/",
		"--artifact", "dist/sigstore-1.3.0.tgz", "--url", srv.URL + "/sigstore-1.3.0.tgz", "--bundle", bundle,
		"--certificate-identity", san, "--certificate-oidc-issuer", iss, "--report", rep}
	r := verifier(t, nil, args...)
	expectCode(t, r, 0)
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	mustContain(t, "stdout", r.stdout, "Rekor entry:", "Timestamp (tlog)", "Issuer:      "+iss, "Identity:    "+san, "✅ VERIFICATION PASSED")
	mustContain(t, "stderr", r.stderr, "%")
	got := readReport(t, rep, report.StatusPass)
	if got.Sigstore.Identity != san || got.Sigstore.CertificateIssuer != iss {
		t.Fatalf("report's identity: %+v", got.Sigstore)
	}

	r = verifier(t, nil, append(args, "--certificate-identity", san+"x")...)
	expectCode(t, r, 1)
	readReport(t, rep, report.StatusFail)
}
