package main

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
	"github.com/ats-run/selfattest/anchor/ipfs"
	anchortlog "github.com/ats-run/selfattest/anchor/tlog"
	"github.com/ats-run/selfattest/verify/report"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
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
	r := verifier(t, nil, "demo", "--keep", dir)
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
	checkReceipts(t, filepath.Join(dir, "receipts"), files, filepath.Join(dir, "archivist.journal.tlog.pub"),
		1337, "0x5e1f000000000000000000000000000000a77e57", []string{"tlog", "eth"})
}

// checkReceipts verifies every receipt in dir against its file (files, by
// evidence name) with package anchor, the local log's public key file, the
// chain's verifier and the ipfs entries' offline verifier: each must verify, with anchors of the kinds
// wantKinds, and the file with one byte changed must be rejected.
func checkReceipts(t *testing.T, dir string, files map[string]string, tlogPub string, chainID uint64, sink string, wantKinds []string) {
	t.Helper()
	pub, err := os.ReadFile(tlogPub)
	if err != nil {
		t.Fatal(err)
	}
	k, err := vtlog.ParseLogKey(strings.TrimSpace(string(pub)))
	if err != nil {
		t.Fatal(err)
	}
	tv, err := anchortlog.NewVerifier(k.Name(), []*vtlog.LogKey{k}, anchortlog.VerifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vs := []anchor.AnchorVerifier{tv, eth.NewVerifier(chainID, common.HexToAddress(sink)), &ipfs.Verifier{}}
	receipts, _ := filepath.Glob(filepath.Join(dir, "*.receipt.json"))
	if len(receipts) != len(files) {
		t.Fatalf("%d receipts in %s, want %d", len(receipts), dir, len(files))
	}
	for _, p := range receipts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := anchor.ParseReceipt(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		file, ok := files[rc.Evidence.Name]
		if !ok {
			t.Fatalf("%s: a receipt for %q, which is no evidence item", p, rc.Evidence.Name)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		evidenceOf := func(b []byte) anchor.Evidence {
			d := sha256.Sum256(b)
			ev, err := anchor.EvidenceFromDigest(rc.Evidence.Name, rc.Evidence.MediaType, anchor.SHA256, d[:])
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		res, err := anchor.VerifyReceipt(rc, evidenceOf(b), vs...)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var kinds []string
		for _, a := range res.Anchors {
			kinds = append(kinds, a.Kind)
		}
		if strings.Join(kinds, ",") != strings.Join(wantKinds, ",") {
			t.Errorf("%s: anchors %v, want %v", p, kinds, wantKinds)
		}
		b[len(b)/2] ^= 1
		if _, err := anchor.VerifyReceipt(rc, evidenceOf(b), vs...); !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("%s with one byte of %s changed: %v, want rejected", p, rc.Evidence.Name, err)
		}
	}
}
