package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/examples/internal/simchain"
	"github.com/ats-run/selfattest/verify/report"
)

// demoBudget is the README's promise for the first command: the whole
// story in under a minute once built.
const demoBudget = time.Minute

// TestDemo runs the README's first command as a user does, through the
// built binary, and holds it to its story: the release verifies (the
// PASS verdict and the Sigstore section), the changed byte fails verify
// on the changed file's rows, every receipt is verified, every path it
// prints exists, and all of it within demoBudget. The receipts are
// verified again here with package anchor alone, and one changed byte of
// the evidence is rejected.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	start := time.Now()
	r := demo(t, "--keep", dir)
	took := time.Since(start)
	t.Logf("demo: %s (budget %s)\nstdout:\n%s\nstderr:\n%s", took, demoBudget, r.stdout, r.stderr)
	expectCode(t, r, 0)
	if took >= demoBudget {
		t.Errorf("the demo took %s: over the %s the README promises", took, demoBudget)
	}
	mustContain(t, "stdout", r.stdout,
		"Transparency log:", "log.demo.selfattest.invalid entry 0", "Timestamp (tsa)", "Signing key:",
		"✅ Sigstore verification passed", "✅ VERIFICATION PASSED", "❌ MISMATCH", "✅ DEMO PASSED")

	// The FAIL verdict names the changed file: the released module.
	fail := regexp.MustCompile(`(?m)^❌ VERIFICATION FAILED: .*$`).FindString(r.stdout)
	if !regexp.MustCompile(`kms-v1\.0\.1-[0-9a-f]{8}\.mjs differ \(SHA-256, SRI, SHA-512\)$`).MatchString(fail) {
		t.Errorf("the FAIL line %q does not name the changed module's rows", fail)
	}
	if n := strings.Count(r.stdout, "✅ VERIFICATION PASSED"); n != 1 {
		t.Errorf("%d PASS verdicts, want 1 (the tampered run must not pass)", n)
	}

	// Four evidence files and their archive's CAR: five receipts.
	if n := strings.Count(r.stdout, "✅ receipt verified: "); n != 5 {
		t.Errorf("%d receipts verified, want 5", n)
	}
	mustContain(t, "stdout", r.stdout, "✅ CAR verified: ")

	// Every path under "Where things are" exists.
	where := r.stdout[strings.Index(r.stdout, "── Where things are"):]
	paths := regexp.MustCompile(`(?m)^  [a-z]+: +(/\S+)$`).FindAllStringSubmatch(where, -1)
	if len(paths) != 6 {
		t.Fatalf("%d paths printed, want 6:\n%s", len(paths), where)
	}
	for _, m := range paths {
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("printed path: %v", err)
		}
	}
	rep := readReport(t, filepath.Join(dir, "verification-report.json"), report.StatusPass)
	if rep.Sigstore == nil {
		t.Fatal("the report has no Sigstore section")
	}
	readReport(t, filepath.Join(dir, "tampered-report.json"), report.StatusFail)

	// The receipts, with package anchor and the two verifiers alone.
	cars, _ := filepath.Glob(filepath.Join(dir, "archivist.journal.archives", "*.car"))
	if len(cars) != 1 {
		t.Fatalf("archives: %v", cars)
	}
	files := map[string]string{
		"verification-report.json":     filepath.Join(dir, "verification-report.json"),
		"verification-summary.md":      filepath.Join(dir, "verification-summary.md"),
		"release.intoto.sigstore.json": filepath.Join(dir, "release", "release.intoto.sigstore.json"),
		"release-manifest.json":        filepath.Join(dir, "release", "release-manifest.json"),
		filepath.Base(cars[0]):         cars[0],
	}
	evidencetest.CheckReceipts(t, filepath.Join(dir, "receipts"), files, filepath.Join(dir, "archivist.journal.tlog.pub"),
		simchain.ChainID, simchain.Sink.Hex(), []string{"tlog", "eth"})

	// Run again into the same folder: refused as bad usage (2) before
	// anything is written, the folder named; the first run's evidence is
	// left as it was.
	before, err := os.ReadFile(filepath.Join(dir, "verification-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	again := demo(t, "--keep", dir)
	expectCode(t, again, 2)
	mustContain(t, "stderr", again.stderr, "--keep "+dir+": ", "already holds a demo's evidence", "rm -r "+dir)
	if strings.Contains(again.stdout, "DEMO") {
		t.Errorf("the refused run told a story:\n%s", again.stdout)
	}
	if after, err := os.ReadFile(filepath.Join(dir, "verification-report.json")); err != nil || string(after) != string(before) {
		t.Errorf("the refused run changed the first run's report (%v)", err)
	}
}
