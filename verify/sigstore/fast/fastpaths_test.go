package fast

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
	"github.com/ats-run/selfattest/verify/sigstore/internal/differential"
)

// Paths replaces security decisions sigstore-go makes (x509 path
// validation, the RFC 3161 CMS check, SCT checks, bundle parsing) with this
// package's own. These tests hold the opt-in to the default path's verdict:
// every input gets the same verdict class and, when it verifies, the same
// result either way (differential.BothPaths).

// bundleVariants are the bundle itself and the altered bundles
// TestParseBundleMatchesLibrary makes: every media type, a part
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
	cases := differential.Cases(t, 3)
	if len(cases) < 160 {
		t.Fatalf("only %d cases: the corpus is not where it should be", len(cases))
	}
	counts := map[string]int{}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			for i, b := range bundleVariants(t, c.Bundle) {
				class := differential.BothPaths(t, ctx, Paths{}, c.Trusted, sigstore.Options{}, b, c.Artifact, c.Policy)
				if i == 0 && (class == "pass") != (c.Expected == "pass") {
					t.Fatalf("want %s, got %s", c.Expected, class)
				}
				counts[class]++
			}
			// With RFC 3161 timestamps required, the timestamp checks
			// decide more bundles.
			counts[differential.BothPaths(t, ctx, Paths{}, c.Trusted, sigstore.Options{RequireTimestampAuthority: true}, c.Bundle, c.Artifact, c.Policy)]++
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
	byName := map[string]differential.Case{}
	for _, c := range differential.Cases(t, 3) {
		byName[c.Name] = c
	}
	ctx := context.Background()
	var variants int
	counts := map[string]int{}
	scts := sctCases(t)
	for _, sc := range scts[:min(len(scts), 3)] {
		rel, err := filepath.Rel(cases.Corpus(3, ""), sc.name)
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
		if !json.Valid(c.Bundle) || !bytes.Contains(c.Bundle, []byte(old)) {
			t.Fatalf("%s: the leaf is not in the bundle as standard base64", c.Name)
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
				b := bytes.ReplaceAll(c.Bundle, []byte(old), []byte(base64.StdEncoding.EncodeToString(raw)))
				counts[differential.BothPaths(t, ctx, Paths{}, c.Trusted, sigstore.Options{}, b, c.Artifact, c.Policy)]++
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
	var pass []differential.Case
	for _, c := range differential.Cases(f, 3) {
		if c.Expected == "pass" && strings.HasSuffix(c.Name, "/digest") {
			pass = append(pass, c)
		}
	}
	if len(pass) < 20 {
		f.Fatalf("only %d passing cases", len(pass))
	}
	for i, c := range pass {
		f.Add(uint(i), c.Bundle)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, which uint, data []byte) {
		c := pass[which%uint(len(pass))]
		differential.BothPaths(t, ctx, Paths{}, c.Trusted, sigstore.Options{}, data, c.Artifact, c.Policy)
	})
}
