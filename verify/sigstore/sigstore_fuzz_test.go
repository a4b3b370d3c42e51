package sigstore_test

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/trust"
)

// oneSentinel fails the test unless err wraps exactly one of the three
// sentinels, and returns it.
func oneSentinel(t *testing.T, err error) error {
	t.Helper()
	var got []error
	for _, s := range []error{sigstore.ErrVerification, sigstore.ErrBadInput, sigstore.ErrCouldNotCheck} {
		if errors.Is(err, s) {
			got = append(got, s)
		}
	}
	if len(got) != 1 {
		t.Fatalf("error wraps %d sentinels, want exactly one: %v", len(got), err)
	}
	return got[0]
}

// fuzzScenario is one verification a mutated bundle gets: a trusted root,
// an artifact and a policy, and what the unmutated seed bundles verified
// under it.
type fuzzScenario struct {
	name     string
	seed     string // the bundle file made for it
	v        *sigstore.Verifier
	artifact sigstore.SignedArtifact // a digest: reusable, and no I/O
	policy   sigstore.Policy
	want     []*sigstore.Result
}

// sameFacts reports how got, verified from a mutated bundle, differs from
// what the original bundle verified: the signer, the statement, and each
// verified log entry's log, index, kind and integrated time must all be
// the same.
func sameFacts(want, got *sigstore.Result) string {
	j := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	if a, b := j(want.Signer), j(got.Signer); a != b {
		return "signer " + b + ", was " + a
	}
	if a, b := j(want.Statement), j(got.Statement); a != b {
		return "statement " + b + ", was " + a
	}
	if len(got.LogEntries) != len(want.LogEntries) {
		return "log entries " + j(got.LogEntries) + ", were " + j(want.LogEntries)
	}
	for i, g := range got.LogEntries {
		w := want.LogEntries[i]
		if g.LogID != w.LogID || g.Index != w.Index || g.Kind != w.Kind || g.Version != w.Version || !reflect.DeepEqual(g.IntegratedTime, w.IntegratedTime) {
			return "log entry " + j(g) + ", was " + j(w)
		}
	}
	return ""
}

func FuzzSigstoreBundle(f *testing.F) {
	rwRoot := loadRoot(f, filepath.Join(rwDir, "trusted_root.json"))
	embedded, err := trust.Embedded(trust.PublicGood)
	if err != nil {
		f.Fatal(err)
	}
	rekor2Dir := filepath.Join(cfDir, "bundle-verify", "rekor2-happy-path")
	rekor2Root := loadRoot(f, filepath.Join(rekor2Dir, "trusted_root.json"))
	npmKey, err := sigstore.ParsePublicKeyPEM(readFile(f, npmPublishKey))
	if err != nil {
		f.Fatal(err)
	}
	npm := sha512.Sum512(readFile(f, npmTarball))
	js := sha512.Sum512(readFile(f, jsTarball))
	a := sha256.Sum256(readFile(f, cfArtifact))
	brian := sigstore.Policy{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"}
	cf := sigstore.Policy{SAN: cfSAN, Issuer: ghIssuer}

	mustVerifier := func(v *sigstore.Verifier, err error) *sigstore.Verifier {
		f.Helper()
		if err != nil {
			f.Fatal(err)
		}
		return v
	}
	rw := mustVerifier(sigstore.NewVerifier(rwRoot, sigstore.Options{}))
	prod := mustVerifier(sigstore.NewVerifier(embedded, sigstore.Options{}))
	r2 := mustVerifier(sigstore.NewVerifier(rekor2Root, sigstore.Options{}))

	scenarios := []*fuzzScenario{
		{name: "npm-provenance", seed: npmProvenanceBundle, v: rw, artifact: sigstore.ArtifactDigest(attest.SHA512, npm[:]), policy: sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer}},
		{name: "npm-publish", seed: npmPublishBundle, v: rw, artifact: sigstore.ArtifactDigest(attest.SHA512, npm[:]), policy: sigstore.Policy{Key: npmKey}},
		{name: "sigstore-js-v01-dsse-with-proof", seed: filepath.Join(rwDir, "sigstore-js", "bundleV01-dsse-with-proof", "bundle.sigstore.json"), v: rw, artifact: sigstore.ArtifactDigest(attest.SHA512, js[:]), policy: brian},
		{name: "sigstore-js-v03-intoto", seed: filepath.Join(rwDir, "sigstore-js", "bundleV03-intoto", "bundle.sigstore.json"), v: rw, artifact: sigstore.ArtifactDigest(attest.SHA512, js[:]), policy: brian},
		{name: "hashedrekord-v1", seed: filepath.Join(cfDir, "bundle-verify", "happy-path-v0.3", "bundle.sigstore.json"), v: prod, artifact: sigstore.ArtifactDigest(attest.SHA256, a[:]), policy: cf},
		{name: "hashedrekord-rekor-v2", seed: filepath.Join(rekor2Dir, "bundle.sigstore.json"), v: r2, artifact: sigstore.ArtifactDigest(attest.SHA256, a[:]), policy: cf},
	}
	// Two seeds can verify under one scenario (sigstore-js signed the same
	// tarball more than once): a mutated bundle that verifies must state
	// the facts of one of them.
	ctx := context.Background()
	for _, s := range scenarios {
		seed := readFile(f, s.seed)
		f.Add(seed)
		for _, other := range scenarios {
			b, err := sigstore.ParseBundle(readFile(f, other.seed))
			if err != nil {
				f.Fatalf("%s: %v", other.name, err)
			}
			res, err := s.v.Verify(ctx, b, s.artifact, s.policy)
			if err == nil {
				s.want = append(s.want, res)
			} else if other == s {
				f.Fatalf("%s: the seed does not verify: %v", s.name, err)
			}
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := sigstore.ParseBundle(data)
		if err != nil {
			if oneSentinel(t, err) != sigstore.ErrVerification {
				t.Fatalf("a bundle that does not parse is evidence that is wrong: %v", err)
			}
			return
		}
		for _, s := range scenarios {
			res, err := s.v.Verify(ctx, b, s.artifact, s.policy)
			if err != nil {
				if res != nil {
					t.Fatalf("%s: a result came back with the error %v", s.name, err)
				}
				oneSentinel(t, err)
				continue
			}
			var diffs []string
			for _, w := range s.want {
				diff := sameFacts(w, res)
				if diff == "" {
					diffs = nil
					break
				}
				diffs = append(diffs, diff)
			}
			if diffs != nil {
				t.Fatalf("%s: a mutated bundle verified with facts no seed has: %v", s.name, diffs)
			}
		}
	})
}

// wholeMatch reports whether re matches all of s, independently of how
// the verifier anchors it: under leftmost-longest semantics a match of
// the whole string, if there is one, is the one found.
func wholeMatch(t *testing.T, re, s string) bool {
	t.Helper()
	r, err := regexp.Compile(re)
	if err != nil {
		t.Fatalf("a policy passed with a regexp that does not compile: %q: %v", re, err)
	}
	r.Longest()
	loc := r.FindStringIndex(s)
	return loc != nil && loc[0] == 0 && loc[1] == len(s)
}

func FuzzPolicyRegexp(f *testing.F) {
	v, err := sigstore.NewVerifier(loadRoot(f, filepath.Join(rwDir, "trusted_root.json")), sigstore.Options{})
	if err != nil {
		f.Fatal(err)
	}
	b, err := sigstore.ParseBundle(readFile(f, npmProvenanceBundle))
	if err != nil {
		f.Fatal(err)
	}
	npm := sha512.Sum512(readFile(f, npmTarball))
	art := sigstore.ArtifactDigest(attest.SHA512, npm[:])
	ctx := context.Background()
	if _, err := v.Verify(ctx, b, art, sigstore.Policy{SANRegexp: regexp.QuoteMeta(npmSAN), IssuerRegexp: regexp.QuoteMeta(ghIssuer)}); err != nil {
		f.Fatalf("the seed policy does not verify: %v", err)
	}

	for _, s := range [][2]string{
		{regexp.QuoteMeta(npmSAN), regexp.QuoteMeta(ghIssuer)},
		{npmSAN, ghIssuer},
		{`https://github\.com/sigstore/.*`, `.*`},
		{`.*`, `.*`},
		{`https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/mai`, ghIssuer},
		{`release\.yml@refs/heads/main`, `githubusercontent`},
		{`x)|(.*`, `.*`},
		{`x|.*`, `.*`},
		{`\Q` + npmSAN, `.*`},
		{`(?m)^.*$`, `(?s).*`},
		{`(?i)HTTPS://GITHUB\.COM/.*`, `(?U).*`},
		{`[`, `.*`},
		{``, `.*`},
		{`^` + npmSAN + `$`, `^.*$`},
	} {
		f.Add(s[0], s[1])
	}

	f.Fuzz(func(t *testing.T, sanRe, issuerRe string) {
		_, sanErr := regexp.Compile(sanRe)
		_, issuerErr := regexp.Compile(issuerRe)
		res, err := v.Verify(ctx, b, art, sigstore.Policy{SANRegexp: sanRe, IssuerRegexp: issuerRe})
		if err != nil {
			if res != nil {
				t.Fatalf("a result came back with the error %v", err)
			}
			got := oneSentinel(t, err)
			if (sanErr != nil || issuerErr != nil) && got != sigstore.ErrBadInput {
				t.Fatalf("invalid regexp %q / %q: want ErrBadInput, got %v", sanRe, issuerRe, err)
			}
			return
		}
		if sanErr != nil || issuerErr != nil {
			t.Fatalf("invalid regexp %q / %q verified", sanRe, issuerRe)
		}
		if res.Signer.Certificate == nil || res.Signer.Certificate.SubjectAlternativeName != npmSAN || res.Signer.Certificate.Issuer != ghIssuer {
			t.Fatalf("verified signer %+v is not the bundle's", res.Signer)
		}
		for _, c := range []struct{ re, value string }{{sanRe, npmSAN}, {issuerRe, ghIssuer}} {
			anchored, err := regexp.MatchString(`^(?:`+c.re+`)$`, c.value)
			if err != nil || !anchored || !wholeMatch(t, c.re, c.value) {
				t.Fatalf("regexp %q passed but does not match all of %q (anchored: %v, %v)", c.re, c.value, anchored, err)
			}
		}
	})
}
