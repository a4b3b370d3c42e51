package sigstore

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/ats-run/selfattest/verify/trust"
)

// replayCase is one line of a conformance CASES.tsv (see
// ../../testdata/sigstore/conformance/README.md).
type replayCase struct {
	dir, name, expected, mode, identityOrKey, issuer, artifact, digest, trustedRoot string
}

func readCases(t testing.TB, dir string) []replayCase {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "CASES.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []replayCase
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
		cases = append(cases, replayCase{dir, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]})
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func (c replayCase) path(p string) string { return filepath.Join(c.dir, p) }

// policy builds the conformance protocol's policy for the case.
func (c replayCase) policy() (Policy, error) {
	if c.mode == "key" {
		pem, err := os.ReadFile(c.path(c.identityOrKey))
		if err != nil {
			return Policy{}, err
		}
		k, err := ParsePublicKeyPEM(pem)
		return Policy{Key: k}, err
	}
	return Policy{SAN: c.identityOrKey, Issuer: c.issuer}, nil
}

// rootCache parses each trusted root file once.
type rootCache struct {
	mu    sync.Mutex
	roots map[string]*root.TrustedRoot
	errs  map[string]error
}

func (rc *rootCache) get(path string) (*root.TrustedRoot, error) {
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

// verifyCase runs one check of a case through the public API, as the
// conformance protocol describes it: a root file, a bundle file, a policy,
// and the artifact as a path or a digest.
func verifyCase(ctx context.Context, rc *rootCache, c replayCase, byDigest bool) error {
	tr, err := rc.get(c.path(c.trustedRoot))
	if err != nil {
		return errors.Join(ErrBadInput, err)
	}
	v, err := NewVerifier(tr, Options{})
	if err != nil {
		return err
	}
	b, err := LoadBundle(c.path(filepath.Join(c.name, "bundle.sigstore.json")))
	if err != nil {
		return err
	}
	p, err := c.policy()
	if err != nil {
		return err
	}
	art := ArtifactFile(c.path(c.artifact))
	if byDigest {
		if art, err = ParseArtifactDigest(c.digest); err != nil {
			return err
		}
	}
	_, err = v.Verify(ctx, b, art, p)
	return err
}

func replay(t *testing.T, dir string, want int) {
	cases := readCases(t, dir)
	if got := 2 * len(cases); got != want {
		t.Fatalf("%s holds %d checks, want %d", dir, got, want)
	}
	var rc rootCache
	for _, c := range cases {
		for _, byDigest := range []bool{false, true} {
			kind := "path"
			if byDigest {
				kind = "digest"
			}
			t.Run(c.name+"/"+c.expected+"/"+kind, func(t *testing.T) {
				t.Parallel()
				err := verifyCase(context.Background(), &rc, c, byDigest)
				if c.expected == "pass" {
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
	replay(t, filepath.Join("..", "..", "testdata", "sigstore", "conformance"), 140)
}

func TestSigstoreRealWorld(t *testing.T) {
	replay(t, filepath.Join("..", "..", "testdata", "sigstore", "realworld"), 28)
}
