package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
	anchortlog "github.com/ats-run/selfattest/anchor/tlog"
	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify/report"
)

const anchorSink = "0x5e1f000000000000000000000000000000a77e57"

// anchorFixture is a release to verify with --anchor: the demo's, made by
// 'demo --keep' (examples/demo), served on 127.0.0.1 from its release folder,
// and a working folder for the journal, the report and the receipts.
type anchorFixture struct {
	demo, work, url string
	script          string // the released module's path in the release folder
}

func newAnchorFixture(t *testing.T) anchorFixture {
	t.Helper()
	f := anchorFixture{demo: filepath.Join(t.TempDir(), "demo"), work: t.TempDir()}
	expectCode(t, exampleRun(t, "demo", "--keep", f.demo), 0)
	scripts, _ := filepath.Glob(filepath.Join(f.demo, "release", "kms-v1.0.1-*.mjs"))
	if len(scripts) != 1 {
		t.Fatalf("released modules: %v", scripts)
	}
	f.script = scripts[0]
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(f.demo, "release"))))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// args is a verify command line for the fixture's release, its report
// and summary in the working folder.
func (f anchorFixture) args(extra ...string) []string {
	return append([]string{"verify", "--source", filepath.Join(f.demo, "source"), "--source-date-epoch", "1700000000",
		"--build", "sh build.sh", "--artifact", "dist/kms.mjs", "--url", f.url + "/" + filepath.Base(f.script),
		"--bundle", f.url + "/release.intoto.sigstore.json", "--key", filepath.Join(f.demo, "keys", "release.pub.pem"),
		"--trusted-root", filepath.Join(f.demo, "keys", "trusted_root.json"),
		"--report", filepath.Join(f.work, "report.json"), "--summary", filepath.Join(f.work, "summary.md"),
		"--journal", filepath.Join(f.work, "archivist.journal")}, extra...)
}

var (
	examplesMu   sync.Mutex
	examplesBins = map[string]string{}
)

// exampleBin builds the example program examples/<name> once, beside the
// verifier.
func exampleBin(t *testing.T, name string) string {
	t.Helper()
	examplesMu.Lock()
	defer examplesMu.Unlock()
	if p, ok := examplesBins[name]; ok {
		return p
	}
	p := filepath.Join(filepath.Dir(verifierBin), name)
	if out, err := exec.Command("go", "build", "-o", p, "../"+name).CombinedOutput(); err != nil {
		t.Fatalf("building the %s: %v\n%s", name, err, out)
	}
	examplesBins[name] = p
	return p
}

// exampleRun runs the example program examples/<name> with args.
func exampleRun(t *testing.T, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(exampleBin(t, name), args...)
	cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY=", "NO_COLOR=1")
	code, stdout, stderr := clitest.Run(t, cmd)
	return result{code, stdout, stderr}
}

// TestVerifyAnchor: a release that verifies, its evidence anchored at a
// local log, a chain served on 127.0.0.1 and a Kubo node, and (ipfs being
// a target) archived by default, the archive's CAR anchored with it. The report is written, the
// eth anchor is pending (no block yet), verify exits 0 and says how to
// complete it; archivist upgrade does, and every receipt then verifies
// offline with package anchor and with archivist verify. A release
// changed on the server still fails (1), its evidence anchored too.
func TestVerifyAnchor(t *testing.T) {
	f := newAnchorFixture(t)
	node := kubotest.Start(t, kubotest.Options{})
	chain := evidencetest.NewHTTPChain(t, f.work)
	targetFlags := []string{"--eth-rpc", chain.URL, "--chain-id", "1337", "--sink", anchorSink, "--final-depth", "3",
		"--kubo-api", node.APIURL, "--ipfs-gateway", node.GatewayURL}
	args := f.args(append([]string{"--anchor", "tlog,eth,ipfs", "--eth-key-file", chain.KeyFile}, targetFlags...)...)
	r := verifier(t, nil, args...)
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	expectCode(t, r, 0)
	verdict := strings.Index(r.stdout, "✅ VERIFICATION PASSED")
	anchored := strings.Index(r.stdout, "⚓ Anchoring the evidence")
	if verdict < 0 || anchored < verdict {
		t.Fatalf("the anchoring is not said after the verdict")
	}
	mustContain(t, "stdout", r.stdout, "archivist.local: final", "eth:1337:"+anchorSink[2:]+": pending", "ipfs: final at depth 1",
		"published to "+node.APIURL+" and pinned", "4 receipt(s) written to "+filepath.Join(f.work, "receipts"), "'archivist upgrade --journal", "✅ evidence anchored")
	readReport(t, filepath.Join(f.work, "report.json"), report.StatusPass)
	bundleCopy := filepath.Join(f.work, "report.bundle.sigstore.json")
	served, err := os.ReadFile(filepath.Join(f.demo, "release", "release.intoto.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	if kept, err := os.ReadFile(bundleCopy); err != nil || string(kept) != string(served) {
		t.Fatalf("the kept bundle is not the one served: %v", err)
	}

	for range 3 {
		chain.Commit(t)
	}
	up := exampleRun(t, "archivist", append([]string{"upgrade", "--journal", filepath.Join(f.work, "archivist.journal"), "--to", "tlog,eth,ipfs"}, targetFlags...)...)
	if up.code != 0 {
		t.Fatalf("archivist upgrade: exit %d\n%s\n%s", up.code, up.stdout, up.stderr)
	}
	cars, _ := filepath.Glob(filepath.Join(f.work, "archivist.journal.archives", "*.car"))
	if len(cars) != 1 {
		t.Fatalf("archives: %v", cars)
	}
	files := map[string]string{
		filepath.Join(f.work, "report.json"): filepath.Join(f.work, "report.json"),
		bundleCopy:                           bundleCopy,
		filepath.Join(f.work, "summary.md"):  filepath.Join(f.work, "summary.md"),
		filepath.Base(cars[0]):               cars[0],
	}
	tlogPub := filepath.Join(f.work, "archivist.journal.tlog.pub")
	evidencetest.CheckReceipts(t, filepath.Join(f.work, "receipts"), files, tlogPub, 1337, anchorSink, []string{"tlog", "eth", "ipfs"})
	root, err := cid.Decode(strings.TrimSuffix(filepath.Base(cars[0]), ".car"))
	if err != nil {
		t.Fatal(err)
	}
	if pinned, err := (&ipfs.Kubo{URL: node.APIURL}).Pinned(context.Background(), root); err != nil || !pinned {
		t.Fatalf("the archive %s is not pinned at the node: %v", root, err)
	}
	receipts, _ := filepath.Glob(filepath.Join(f.work, "receipts", "*-report.json.receipt.json"))
	if len(receipts) != 1 {
		t.Fatalf("the report's receipt: %v", receipts)
	}
	v := exampleRun(t, "archivist", "verify", "--tlog-key", tlogPub, "--chain-id", "1337", "--sink", anchorSink, "--ipfs", receipts[0], filepath.Join(f.work, "report.json"))
	if v.code != 0 {
		t.Fatalf("archivist verify: exit %d\n%s\n%s", v.code, v.stdout, v.stderr)
	}

	// The served module changes: the verdict is FAIL (1), and the failed
	// run's evidence is anchored all the same.
	b, err := os.ReadFile(f.script)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(f.script, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r = verifier(t, nil, args...)
	expectCode(t, r, 1)
	mustContain(t, "stdout", r.stdout, "❌ VERIFICATION FAILED", "7 receipt(s) written to", "✅ evidence anchored")
	readReport(t, filepath.Join(f.work, "report.json"), report.StatusFail)

	// With ipfs among the targets the evidence was archived by default;
	// --no-archive anchors it without an archive.
	cars, _ = filepath.Glob(filepath.Join(f.work, "archivist.journal.archives", "*.car"))
	if len(cars) != 2 {
		t.Fatalf("archives after the second run: %v", cars)
	}
	r = verifier(t, nil, append(args, "--no-archive")...)
	expectCode(t, r, 1)
	mustContain(t, "stdout", r.stdout, "✅ evidence anchored")
	if strings.Contains(r.stdout, "archive ") {
		t.Errorf("--no-archive archived:\n%s", r.stdout)
	}
	if again, _ := filepath.Glob(filepath.Join(f.work, "archivist.journal.archives", "*.car")); len(again) != 2 {
		t.Errorf("--no-archive wrote a CAR: %v", again)
	}
}

// TestVerifyAnchorFails: what --anchor cannot do. A command line or a
// log folder it cannot use stops verify before anything is verified (2,
// no report); a log folder in use or an eth endpoint that does not answer
// lets the verification run and its report be written, and turns its
// PASS into 3, said after the verdict.
func TestVerifyAnchorFails(t *testing.T) {
	f := newAnchorFixture(t)
	rep := filepath.Join(f.work, "report.json")
	noReport := func(t *testing.T) {
		t.Helper()
		if _, err := os.Stat(rep); err == nil {
			t.Fatal("a report was written")
		}
	}

	t.Run("anchor without report", func(t *testing.T) {
		a := f.args("--anchor", "tlog")
		for i, s := range a {
			if s == "--report" {
				a = append(a[:i:i], a[i+2:]...)
				break
			}
		}
		r := verifier(t, nil, a...)
		expectCode(t, r, 2)
		mustContain(t, "stderr", r.stderr, "--anchor needs --report")
	})
	t.Run("unknown target", func(t *testing.T) {
		expectCode(t, verifier(t, nil, f.args("--anchor", "tlog,moon")...), 2)
		noReport(t)
	})
	t.Run("tlog dir is a file", func(t *testing.T) {
		notDir := write(t, f.work, "not-a-folder", []byte("x"))
		r := verifier(t, nil, f.args("--anchor", "tlog", "--tlog-dir", notDir)...)
		expectCode(t, r, 2)
		mustContain(t, "stderr", r.stderr, "--anchor: the local log "+notDir)
		noReport(t)
	})
	t.Run("tlog folder in use", func(t *testing.T) {
		// Another process holds the log (here: this one): the log could
		// not be checked, so the verification runs, its report is written,
		// and its PASS becomes 3.
		logDir := filepath.Join(t.TempDir(), "log")
		key, _, err := anchortlog.LoadOrCreateKey(logDir+".key", "archivist.local")
		if err != nil {
			t.Fatal(err)
		}
		l, err := anchortlog.Open(context.Background(), logDir, "archivist.local", key, anchortlog.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close(context.Background()) })
		r := verifier(t, nil, f.args("--anchor", "tlog", "--tlog-dir", logDir)...)
		expectCode(t, r, 3)
		mustContain(t, "stdout", r.stdout, "✅ VERIFICATION PASSED", "❌ the evidence could not be anchored: nothing was anchored", "log folder is in use")
		readReport(t, rep, report.StatusPass)
		os.Remove(rep)
	})
	t.Run("eth without key", func(t *testing.T) {
		chain := evidencetest.NewHTTPChain(t, t.TempDir())
		expectCode(t, verifier(t, nil, f.args("--anchor", "eth", "--eth-rpc", chain.URL, "--chain-id", "1337", "--sink", anchorSink)...), 2)
		noReport(t)
	})
	t.Run("eth endpoint down", func(t *testing.T) {
		key := evidencetest.NewHTTPChain(t, t.TempDir()).KeyFile
		a := f.args("--anchor", "tlog,eth", "--eth-rpc", clitest.DeadURL(t), "--chain-id", "1337", "--sink", anchorSink, "--eth-key-file", key)
		r := verifier(t, nil, a...)
		t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		expectCode(t, r, 3)
		readReport(t, rep, report.StatusPass)
		verdict := strings.Index(r.stdout, "✅ VERIFICATION PASSED")
		failed := strings.Index(r.stdout, "❌ the evidence could not be anchored: nothing was anchored")
		if verdict < 0 || failed < verdict {
			t.Fatalf("the failure to anchor is not said after the verdict")
		}
		mustContain(t, "stdout", r.stdout, "verify exits 3 because its evidence is not kept")
		if _, err := os.Stat(filepath.Join(f.work, "receipts")); err == nil {
			t.Error("receipts written, though nothing was anchored")
		}
	})
}

// With --json, stdout is the JSON report alone: what --anchor did goes to
// stderr.
func TestVerifyAnchorJSON(t *testing.T) {
	f := newAnchorFixture(t)
	r := verifier(t, nil, f.args("--json", "--anchor", "tlog")...)
	expectCode(t, r, 0)
	rep, err := report.Parse([]byte(r.stdout))
	if err != nil || rep.Status != report.StatusPass {
		t.Fatalf("stdout is not the passing JSON report: %v\n%s", err, r.stdout)
	}
	mustContain(t, "stderr", r.stderr, "⚓ Anchoring the evidence (--anchor tlog)", "archivist.local: final", "✅ evidence anchored")
}
