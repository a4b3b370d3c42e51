// Package differential holds the opt-in fast paths of package
// sigstore/fast to the default path's verdict: it verifies one bundle
// every way (Verify and VerifyBatch, each with and without the fast
// paths) and fails the test unless all agree. It is imported by tests
// only: those of package fast (the corpus, bit flips, fuzzing) and the
// tamper table of package sigstore.
package differential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
)

// Policy builds the conformance protocol's policy for a case: its key,
// or its SAN and issuer.
func Policy(c cases.Case) (sigstore.Policy, error) {
	if c.Mode == "key" {
		k, err := sigstore.ReadPublicKeyPEM(c.Path(c.IdentityOrKey))
		return sigstore.Policy{Key: k}, err
	}
	return sigstore.Policy{SAN: c.IdentityOrKey, Issuer: c.Issuer}, nil
}

// VerdictClass is "pass", or the one sentinel err wraps.
func VerdictClass(err error) string {
	if err == nil {
		return "pass"
	}
	var got []string
	for _, s := range []struct {
		name string
		err  error
	}{{"rejected", sigstore.ErrVerification}, {"bad input", sigstore.ErrBadInput}, {"could not check", sigstore.ErrCouldNotCheck}} {
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
	res *sigstore.Result
	err error
}

// verifyWays verifies bundleJSON four ways: Verify (after sigstore.ParseBundle) and
// VerifyBatch (the JSON), each with the default path and with FastPaths.
// A panic is an outcome of its own, which no class matches.
func verifyWays(ctx context.Context, fast sigstore.FastPaths, trusted root.TrustedMaterial, opts sigstore.Options, bundleJSON []byte, artifact func() sigstore.SignedArtifact, p sigstore.Policy) []pathOutcome {
	var out []pathOutcome
	for _, fp := range []sigstore.FastPaths{nil, fast} {
		o := opts
		o.FastPaths = fp
		name := "default"
		if fp != nil {
			name = "fast"
		}
		run := func(way string, f func(v *sigstore.Verifier) (*sigstore.Result, error)) {
			oc := pathOutcome{way: name + " " + way}
			func() {
				defer func() {
					if r := recover(); r != nil {
						oc.res, oc.err = nil, fmt.Errorf("panic: %v", r)
					}
				}()
				v, err := sigstore.NewVerifier(trusted, o)
				if err != nil {
					oc.err = err
					return
				}
				oc.res, oc.err = f(v)
			}()
			out = append(out, oc)
		}
		run("Verify", func(v *sigstore.Verifier) (*sigstore.Result, error) {
			b, err := sigstore.ParseBundle(bundleJSON)
			if err != nil {
				return nil, err
			}
			return v.Verify(ctx, b, artifact(), p)
		})
		run("VerifyBatch", func(v *sigstore.Verifier) (*sigstore.Result, error) {
			r := v.VerifyBatch(ctx, []sigstore.BatchItem{{BundleJSON: bundleJSON, Artifact: artifact(), Policy: p}}, sigstore.BatchOptions{})
			return r[0].Result, r[0].Err
		})
	}
	return out
}

// BothPaths fails t unless every way of verifyWays gets the same verdict
// class and, on pass, the same result; it returns the class.
func BothPaths(t testing.TB, ctx context.Context, fast sigstore.FastPaths, trusted root.TrustedMaterial, opts sigstore.Options, bundleJSON []byte, artifact func() sigstore.SignedArtifact, p sigstore.Policy) string {
	t.Helper()
	outs := verifyWays(ctx, fast, trusted, opts, bundleJSON, artifact, p)
	want := outs[0]
	class := VerdictClass(want.err)
	for _, o := range outs {
		if c := VerdictClass(o.err); c != class || o.err != nil && o.res != nil {
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

// Case is a conformance or real-world case ready for BothPaths: its
// root, bundle, policy and artifact (by path or by digest).
type Case struct {
	// Name is "<corpus>/<case>/path" or "<corpus>/<case>/digest".
	Name     string
	Expected string
	Trusted  root.TrustedMaterial
	Bundle   []byte
	Policy   sigstore.Policy
	Artifact func() sigstore.SignedArtifact
}

// Cases are every case of testdata/sigstore/{conformance,realworld},
// each by path and by digest. A case whose root, bundle file or policy
// key does not load is a failure the default path already has; it is
// left to TestSigstoreConformance.
func Cases(t testing.TB, depth int) []Case {
	t.Helper()
	var rc cases.RootCache
	var out []Case
	for _, d := range []string{"conformance", "realworld"} {
		for _, c := range cases.Read(t, cases.Corpus(depth, d)) {
			tr, err := rc.Get(c.Path(c.TrustedRoot))
			if err != nil {
				continue
			}
			b, err := os.ReadFile(c.BundlePath())
			if err != nil {
				t.Fatal(err)
			}
			p, err := Policy(c)
			if err != nil {
				continue
			}
			out = append(out, Case{d + "/" + c.Name + "/path", c.Expected, tr, b, p,
				func() sigstore.SignedArtifact { return sigstore.ArtifactFile(c.Path(c.Artifact)) }})
			dig, err := sigstore.ParseArtifactDigest(c.Digest)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, Case{d + "/" + c.Name + "/digest", c.Expected, tr, b, p,
				func() sigstore.SignedArtifact { return dig }})
		}
	}
	return out
}
