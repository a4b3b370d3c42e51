package sigstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
)

// casePolicy builds the conformance protocol's policy for the case.
func casePolicy(c cases.Case) (Policy, error) {
	if c.Mode == "key" {
		pem, err := os.ReadFile(c.Path(c.IdentityOrKey))
		if err != nil {
			return Policy{}, err
		}
		k, err := ParsePublicKeyPEM(pem)
		return Policy{Key: k}, err
	}
	return Policy{SAN: c.IdentityOrKey, Issuer: c.Issuer}, nil
}

// verifyCase runs one check of a case through the public API, as the
// conformance protocol describes it: a root file, a bundle file, a policy,
// and the artifact as a path or a digest.
func verifyCase(ctx context.Context, rc *cases.RootCache, c cases.Case, byDigest bool) error {
	tr, err := rc.Get(c.Path(c.TrustedRoot))
	if err != nil {
		return errors.Join(ErrBadInput, err)
	}
	v, err := NewVerifier(tr, Options{})
	if err != nil {
		return err
	}
	b, err := LoadBundle(c.Path(filepath.Join(c.Name, "bundle.sigstore.json")))
	if err != nil {
		return err
	}
	p, err := casePolicy(c)
	if err != nil {
		return err
	}
	art := ArtifactFile(c.Path(c.Artifact))
	if byDigest {
		if art, err = ParseArtifactDigest(c.Digest); err != nil {
			return err
		}
	}
	_, err = v.Verify(ctx, b, art, p)
	return err
}

func replay(t *testing.T, dir string, want int) {
	cs := cases.Read(t, dir)
	if got := 2 * len(cs); got != want {
		t.Fatalf("%s holds %d checks, want %d", dir, got, want)
	}
	var rc cases.RootCache
	for _, c := range cs {
		for _, byDigest := range []bool{false, true} {
			kind := "path"
			if byDigest {
				kind = "digest"
			}
			t.Run(c.Name+"/"+c.Expected+"/"+kind, func(t *testing.T) {
				t.Parallel()
				err := verifyCase(context.Background(), &rc, c, byDigest)
				if c.Expected == "pass" {
					if err != nil {
						t.Fatalf("want pass, got %v", err)
					}
					return
				}
				if err == nil {
					t.Fatal("want fail, verified")
				}
				if !errors.Is(err, ErrVerification) && !errors.Is(err, ErrBadInput) {
					t.Fatalf("rejection wraps no sentinel: %v", err)
				}
			})
		}
	}
}

func TestSigstoreConformance(t *testing.T) {
	replay(t, cases.Corpus(2, "conformance"), 140)
}

func TestSigstoreRealWorld(t *testing.T) {
	replay(t, cases.Corpus(2, "realworld"), 28)
}
