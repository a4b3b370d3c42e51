package depguard

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The bound on what verify and verify/report compile outside this module
// and the standard library: golang.org/x/net/html and its atom package
// (2 when verify was split from verify/sigstore), plus a small margin. A
// caller who compares two files, checks a page or renders a report must
// not compile Sigstore.
const maxCompareNonStd = 5

// What the packages beside verify/sigstore may compile beyond it: the
// signed-note, tlog proof and ML-DSA witness-key packages of verify/tlog
// (confirm reads logs; watch works on a monitor's entries), and
// filippo.io/nistec for internal/ecfixed (fast). A program that only
// verifies bundles compiles none of them.
var beyondSigstore = map[string][]string{
	"github.com/ats-run/selfattest/verify/sigstore/confirm": tlogNote,
	"github.com/ats-run/selfattest/verify/sigstore/watch":   tlogNote,
	"github.com/ats-run/selfattest/verify/sigstore/fast": {
		"filippo.io/nistec",
		"filippo.io/nistec/internal/byteorder",
		"filippo.io/nistec/internal/fiat",
		"filippo.io/nistec/internal/subtle",
	},
}

var tlogNote = []string{
	"filippo.io/mldsa",
	"filippo.io/mldsa/internal/byteorder",
	"filippo.io/mldsa/internal/constanttime",
	"filippo.io/mldsa/internal/fips140",
	"filippo.io/mldsa/internal/fips140/mldsa",
	"filippo.io/mldsa/mldsacrypto",
	"github.com/transparency-dev/formats/note",
	"golang.org/x/mod/sumdb/tlog",
}

// deps lists every non-standard package the given packages compile, this
// module's included, with GOWORK=off so that the root go.mod decides.
func deps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: this test runs wherever the module is built with go test")
	}
	args := append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(cmd.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %v: %v\n%s", pkgs, err, stderr)
	}
	ds := strings.Fields(string(out))
	for _, p := range pkgs {
		if !slices.Contains(ds, p) {
			t.Fatalf("go list -deps %v did not list %s itself: the query is broken", pkgs, p)
		}
	}
	return ds
}

func ownPackage(p string) bool {
	return p == "github.com/ats-run/selfattest" || strings.HasPrefix(p, "github.com/ats-run/selfattest/")
}

// TestCompareCompilesNoSigstore: verify (Compare, CheckPage, the
// sentinels) and verify/report (a comparison or page report, and its
// renderers) compile golang.org/x/net/html and nothing of Sigstore.
func TestCompareCompilesNoSigstore(t *testing.T) {
	for _, pkg := range []string{
		"github.com/ats-run/selfattest/verify",
		"github.com/ats-run/selfattest/verify/report",
	} {
		t.Run(strings.TrimPrefix(pkg, "github.com/ats-run/selfattest/"), func(t *testing.T) {
			var ns []string
			for _, p := range deps(t, pkg) {
				if p == "github.com/ats-run/selfattest/verify/sigstore" || strings.HasPrefix(p, "github.com/ats-run/selfattest/verify/tlog") {
					t.Errorf("%s depends on %s", pkg, p)
				}
				if strings.HasPrefix(p, "github.com/sigstore/") {
					t.Errorf("%s compiles Sigstore (%s)", pkg, p)
				}
				if !ownPackage(p) {
					ns = append(ns, p)
				}
			}
			t.Logf("non-standard packages compiled by %s: %d %v", pkg, len(ns), ns)
			if len(ns) > maxCompareNonStd {
				t.Errorf("%s compiles %d non-standard packages, more than %d: %v", pkg, len(ns), maxCompareNonStd, ns)
			}
		})
	}
}

// TestSigstoreCompilesSigstoreGoOnly: verify/sigstore compiles nothing
// beyond sigstore-go's pkg/verify and pkg/bundle, the floor of any
// verifier of Sigstore bundles built on sigstore-go (pkg/verify does not
// import the bundle parser, pkg/bundle, nor its protobuf types); so it
// compiles at most as many non-standard packages as those two. Its
// neighbours confirm, watch and fast compile only what beyondSigstore
// names beyond verify/sigstore.
func TestSigstoreCompilesSigstoreGoOnly(t *testing.T) {
	const (
		ours     = "github.com/ats-run/selfattest/verify/sigstore"
		sgVerify = "github.com/sigstore/sigstore-go/pkg/verify"
		sgBundle = "github.com/sigstore/sigstore-go/pkg/bundle"
	)
	floorVerify := deps(t, sgVerify)
	floor := deps(t, sgVerify, sgBundle)
	var ns []string
	for _, p := range deps(t, ours) {
		if ownPackage(p) {
			continue
		}
		ns = append(ns, p)
		if !slices.Contains(floor, p) {
			t.Errorf("%s compiles %s, which neither sigstore-go's pkg/verify nor pkg/bundle does", ours, p)
		}
		if p == "github.com/sigstore/sigstore-go/pkg/sign" || strings.HasPrefix(p, "github.com/sigstore/sigstore-go/pkg/sign/") {
			t.Errorf("%s links the signing stack (%s): keep signing in attest/signing", ours, p)
		}
	}
	t.Logf("non-standard packages compiled by sigstore-go's pkg/verify: %d; with pkg/bundle: %d; by %s: %d",
		len(floorVerify), len(floor), ours, len(ns))
	if len(ns) > len(floor) {
		t.Errorf("%s compiles %d non-standard packages, more than sigstore-go's pkg/verify and pkg/bundle (%d)", ours, len(ns), len(floor))
	}
	for pkg, extra := range beyondSigstore {
		t.Run(strings.TrimPrefix(pkg, ours+"/"), func(t *testing.T) {
			var n int
			for _, p := range deps(t, pkg) {
				if ownPackage(p) {
					continue
				}
				n++
				if !slices.Contains(ns, p) && !slices.Contains(extra, p) {
					t.Errorf("%s compiles %s, which neither verify/sigstore nor its allow-list does", pkg, p)
				}
			}
			t.Logf("non-standard packages compiled by %s: %d", pkg, n)
		})
	}
}
