// Package cases reads the Sigstore test corpus of the repository — the
// conformance and real-world cases under testdata/sigstore, one line of a
// CASES.tsv each (see testdata/sigstore/conformance/README.md) — for the
// tests of package sigstore and of its subpackages. It is imported by
// tests only.
package cases

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/trust"
)

// Case is one line of a CASES.tsv: a bundle, the policy and artifact it
// is checked against, its trusted root, and the expected outcome.
type Case struct {
	// Dir is the folder of the CASES.tsv; the other paths are relative
	// to it.
	Dir, Name, Expected, Mode, IdentityOrKey, Issuer, Artifact, Digest, TrustedRoot string
}

// Path joins p to the case's folder.
func (c Case) Path(p string) string { return filepath.Join(c.Dir, p) }

// BundlePath is the case's bundle file.
func (c Case) BundlePath() string { return c.Path(filepath.Join(c.Name, "bundle.sigstore.json")) }

// Read returns the cases of dir's CASES.tsv, failing t if it cannot be
// read or a line does not have its 8 fields.
func Read(t testing.TB, dir string) []Case {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "CASES.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []Case
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 8 {
			t.Fatalf("CASES.tsv line %q has %d fields", line, len(c))
		}
		cases = append(cases, Case{dir, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]})
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// Corpus is testdata/sigstore/<name> (conformance, realworld) seen from a
// package depth levels below the repository root.
func Corpus(depth int, name string) string {
	parts := make([]string, 0, depth+3)
	for range depth {
		parts = append(parts, "..")
	}
	return filepath.Join(append(parts, "testdata", "sigstore", name)...)
}

// RootCache parses each trusted root file once; it is safe for
// concurrent use.
type RootCache struct {
	mu    sync.Mutex
	roots map[string]*root.TrustedRoot
	errs  map[string]error
}

// Get returns the trusted root at path, parsed with trust.FromFile.
func (rc *RootCache) Get(path string) (*root.TrustedRoot, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.roots == nil {
		rc.roots, rc.errs = map[string]*root.TrustedRoot{}, map[string]error{}
	}
	if r, ok := rc.roots[path]; ok {
		return r, rc.errs[path]
	}
	r, err := trust.FromFile(path)
	rc.roots[path], rc.errs[path] = r, err
	return r, err
}
