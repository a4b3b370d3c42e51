package sigstore

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// Options.FastPaths replaces security decisions sigstore-go makes
// (x509 path validation, the RFC 3161 CMS check, SCT checks, bundle
// parsing) with this package's own. These tests hold the opt-in to the
// default path's verdict: every input gets the same verdict class and, when
// it verifies, the same result either way.

// verdictClass is "pass", or the one sentinel err wraps.
func verdictClass(err error) string {
	if err == nil {
		return "pass"
	}
	var got []string
	for _, s := range []struct {
		name string
		err  error
	}{{"rejected", ErrVerification}, {"bad input", ErrBadInput}, {"could not check", ErrCouldNotCheck}} {
		if errors.Is(err, s.err) {
			got = append(got, s.name)
		}
	}
	if len(got) != 1 {
		return fmt.Sprintf("wraps %d sentinels", len(got))
	}
	return got[0]
}

// pathOutcome is what one way of verifying returned.
type pathOutcome struct {
	way string
	res *Result
	err error
}

// verifyWays verifies bundleJSON four ways: Verify (after ParseBundle) and
// VerifyBatch (the JSON), each with the default path and with FastPaths.
// A panic is an outcome of its own, which no class matches.
func verifyWays(ctx context.Context, trusted root.TrustedMaterial, opts Options, bundleJSON []byte, artifact func() SignedArtifact, p Policy) []pathOutcome {
	var out []pathOutcome
	for _, fast := range []bool{false, true} {
		o := opts
		o.FastPaths = fast
		name := "default"
		if fast {
			name = "fast"
		}
		run := func(way string, f func(v *Verifier) (*Result, error)) {
			oc := pathOutcome{way: name + " " + way}
			func() {
				defer func() {
					if r := recover(); r != nil {
						oc.res, oc.err = nil, fmt.Errorf("panic: %v", r)
					}
				}()
				v, err := NewVerifier(trusted, o)
				if err != nil {
					oc.err = err
					return
				}
				oc.res, oc.err = f(v)
			}()
			out = append(out, oc)
		}
		run("Verify", func(v *Verifier) (*Result, error) {
			b, err := ParseBundle(bundleJSON)
			if err != nil {
				return nil, err
			}
			return v.Verify(ctx, b, artifact(), p)
		})
		run("VerifyBatch", func(v *Verifier) (*Result, error) {
			r := v.VerifyBatch(ctx, []BatchItem{{BundleJSON: bundleJSON, Artifact: artifact(), Policy: p}}, BatchOptions{})
			return r[0].Result, r[0].Err
		})
	}
	return out
}

// bothPaths fails t unless every way of verifyWays gets the same verdict
// class and, on pass, the same result; it returns the class.
func bothPaths(t testing.TB, ctx context.Context, trusted root.TrustedMaterial, opts Options, bundleJSON []byte, artifact func() SignedArtifact, p Policy) string {
	t.Helper()
	outs := verifyWays(ctx, trusted, opts, bundleJSON, artifact, p)
	want := outs[0]
	class := verdictClass(want.err)
	for _, o := range outs {
		if c := verdictClass(o.err); c != class || o.err != nil && o.res != nil {
			t.Fatalf("%s: %s (%v); %s: %s (%v)", want.way, class, want.err, o.way, c, o.err)
		}
		if o.err == nil && !reflect.DeepEqual(o.res, want.res) {
			a, _ := json.Marshal(want.res)
			b, _ := json.Marshal(o.res)
			t.Fatalf("the results differ:\n%s: %s\n%s: %s", want.way, a, o.way, b)
		}
	}
	if class != "pass" && class != "rejected" && class != "bad input" && class != "could not check" {
		t.Fatalf("%s: %v", class, want.err)
	}
	return class
}

// BothPaths and VerdictClass are bothPaths and verdictClass for the tests
// of package sigstore_test.
var (
	BothPaths    = bothPaths
	VerdictClass = verdictClass
)

// diffCase is a conformance or real-world case ready for bothPaths: its
// root, bundle, policy and artifact (by path or by digest).
type diffCase struct {
	name     string
	expected string
	trusted  root.TrustedMaterial
	bundle   []byte
	policy   Policy
	artifact func() SignedArtifact
}

// diffCases are every case of testdata/sigstore/{conformance,realworld},
// each by path and by digest. A case whose root, bundle file or policy
// key does not load is a failure the default path already has; it is
// left to TestSigstoreConformance.
func diffCases(t testing.TB) []diffCase {
	t.Helper()
	var rc rootCache
	var out []diffCase
	for _, d := range []string{"conformance", "realworld"} {
		for _, c := range readCases(t, filepath.Join("..", "..", "testdata", "sigstore", d)) {
			tr, err := rc.get(c.path(c.trustedRoot))
			if err != nil {
				continue
			}
			b, err := os.ReadFile(c.path(filepath.Join(c.name, "bundle.sigstore.json")))
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.policy()
			if err != nil {
				continue
			}
			out = append(out, diffCase{d + "/" + c.name + "/path", c.expected, tr, b, p,
				func() SignedArtifact { return ArtifactFile(c.path(c.artifact)) }})
			dig, err := ParseArtifactDigest(c.digest)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, diffCase{d + "/" + c.name + "/digest", c.expected, tr, b, p,
				func() SignedArtifact { return dig }})
		}
	}
	return out
}

// bundleVariants are the bundle itself and the altered bundles
// TestParseMemoBundleMatchesLibrary makes: every media type, a part
// removed, cut in half, a byte too many.
func bundleVariants(t *testing.T, b []byte) [][]byte {
	t.Helper()
	vs := [][]byte{b}
	for _, mt := range []string{
		"application/vnd.dev.sigstore.bundle+json;version=0.1",
		"application/vnd.dev.sigstore.bundle+json;version=0.2",
		"application/vnd.dev.sigstore.bundle.v0.3+json",
		"application/vnd.dev.sigstore.bundle.v0.4+json",
		"application/json",
	} {
		vs = append(vs, withField(t, b, "mediaType", mt))
	}
	for _, f := range []string{"verificationMaterial", "messageSignature", "dsseEnvelope"} {
		vs = append(vs, withoutField(t, b, f))
	}
	return append(vs, b[:len(b)/2], append(append([]byte(nil), b...), '}'))
}

// TestFastPathsMatchDefault runs every conformance and real-world case
// (by path and by digest, and again requiring a timestamp authority) and
// the altered bundles of bundleVariants through the default path and
// FastPaths, Verify and VerifyBatch.
func TestFastPathsMatchDefault(t *testing.T) {
	cases := diffCases(t)
	if len(cases) < 160 {
		t.Fatalf("only %d cases: the corpus is not where it should be", len(cases))
	}
	counts := map[string]int{}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i, b := range bundleVariants(t, c.bundle) {
				class := bothPaths(t, ctx, c.trusted, Options{}, b, c.artifact, c.policy)
				if i == 0 && (class == "pass") != (c.expected == "pass") {
					t.Fatalf("want %s, got %s", c.expected, class)
				}
				counts[class]++
			}
			// With RFC 3161 timestamps required, the timestamp checks
			// decide more bundles.
			counts[bothPaths(t, ctx, c.trusted, Options{RequireTimestampAuthority: true}, c.bundle, c.artifact, c.policy)]++
		})
	}
	if counts["pass"] < 50 || counts["rejected"] < 500 {
		t.Fatalf("verdicts %v: not a meaningful sample", counts)
	}
	t.Logf("%d bundles alike: %v", counts["pass"]+counts["rejected"]+counts["bad input"]+counts["could not check"], counts)
}

// TestFastPathsMatchDefaultBitFlips puts the bit-flipped leaves of
// TestSCTBitFlips back into their bundles (one bit of every few bytes of
// the leaf, every bit of a stretch of its SCT list) and holds both paths
// to the same verdict.
func TestFastPathsMatchDefaultBitFlips(t *testing.T) {
	byName := map[string]diffCase{}
	for _, c := range diffCases(t) {
		byName[c.name] = c
	}
	ctx := context.Background()
	var variants int
	counts := map[string]int{}
	scts := sctCases(t)
	for _, sc := range scts[:min(len(scts), 3)] {
		rel, err := filepath.Rel(filepath.Join("..", "..", "testdata", "sigstore"), sc.name)
		if err != nil {
			t.Fatal(err)
		}
		c, ok := byName[filepath.ToSlash(rel)+"/digest"]
		if !ok {
			t.Fatalf("no case for %s", rel)
		}
		leaf := sc.chains[0][0]
		lo, hi := sctExtensionSpan(t, leaf)
		old := base64.StdEncoding.EncodeToString(leaf.Raw)
		if !json.Valid(c.bundle) || !bytes.Contains(c.bundle, []byte(old)) {
			t.Fatalf("%s: the leaf is not in the bundle as standard base64", c.name)
		}
		for i := range leaf.Raw {
			var bits []int
			switch {
			case i >= lo && i < min(hi, lo+16):
				bits = []int{0, 1, 2, 3, 4, 5, 6, 7}
			case i%5 == 0:
				bits = []int{i % 8}
			}
			for _, bit := range bits {
				raw := append([]byte(nil), leaf.Raw...)
				raw[i] ^= 1 << bit
				if _, err := x509.ParseCertificate(raw); err != nil {
					continue
				}
				b := bytes.ReplaceAll(c.bundle, []byte(old), []byte(base64.StdEncoding.EncodeToString(raw)))
				counts[bothPaths(t, ctx, c.trusted, Options{}, b, c.artifact, c.policy)]++
				variants++
			}
		}
	}
	if variants < 300 || counts["rejected"] < variants/2 {
		t.Fatalf("%d variants, verdicts %v: not a meaningful sample", variants, counts)
	}
	t.Logf("%d bit-flipped leaves alike: %v", variants, counts)
}

// FuzzFastPathDifferential mutates real bundles — every passing
// conformance and real-world case, by digest — and holds FastPaths to the
// default path's verdict and result on each mutation.
func FuzzFastPathDifferential(f *testing.F) {
	var pass []diffCase
	for _, c := range diffCases(f) {
		if c.expected == "pass" && strings.HasSuffix(c.name, "/digest") {
			pass = append(pass, c)
		}
	}
	if len(pass) < 20 {
		f.Fatalf("only %d passing cases", len(pass))
	}
	for i, c := range pass {
		f.Add(uint(i), c.bundle)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, which uint, data []byte) {
		c := pass[which%uint(len(pass))]
		bothPaths(t, ctx, c.trusted, Options{}, data, c.artifact, c.policy)
	})
}
