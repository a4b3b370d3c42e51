package sigstore_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	ctx509util "github.com/google/certificate-transparency-go/x509util"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekorutil "github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/transparency-dev/merkle/rfc6962"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/fast"
	"github.com/ats-run/selfattest/verify/sigstore/internal/differential"
	"github.com/ats-run/selfattest/verify/trust"
)

// Real data (see ../../testdata/sigstore/realworld/README.md and
// ../../testdata/sigstore/conformance/README.md).
var (
	rwDir = filepath.Join("..", "..", "testdata", "sigstore", "realworld")
	cfDir = filepath.Join("..", "..", "testdata", "sigstore", "conformance")

	npmProvenanceBundle = filepath.Join(rwDir, "npm", "sigstore-1.3.0.provenance", "bundle.sigstore.json")
	npmPublishBundle    = filepath.Join(rwDir, "npm", "sigstore-1.3.0.publish", "bundle.sigstore.json")
	npmPublishKey       = filepath.Join(rwDir, "npm", "npm-publish-key.pub")
	npmTarball          = filepath.Join(rwDir, "npm", "sigstore-1.3.0.tgz")
	jsTarball           = filepath.Join(rwDir, "sigstore-js", "sigstore-1.0.0.tgz")
	cfArtifact          = filepath.Join(cfDir, "a.txt")
)

const (
	npmSAN   = "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"
	ghIssuer = "https://token.actions.githubusercontent.com"
	cfSAN    = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	// rekorV1KeyID is the public-good Rekor v1 log's key id, as bundles
	// and trusted roots spell it.
	rekorV1KeyID = "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="
)

// tamperEnv is everything one verification takes. Its verify method goes
// through the public API only, as a caller would.
type tamperEnv struct {
	trusted    root.TrustedMaterial
	opts       sigstore.Options
	bundle     []byte // parsed with ParseBundle, unless bundlePath is set
	bundlePath string // loaded with LoadBundle
	artifact   func() sigstore.SignedArtifact
	policy     sigstore.Policy
	ctx        context.Context
}

// verify returns the result, or the error and the step that returned it:
// "new" (NewVerifier), "load" (ParseBundle, LoadBundle) or
// "verify". A panic is returned as an error that wraps no sentinel, so
// that it fails its case and not the whole package.
func (e tamperEnv) verify() (res *sigstore.Result, step string, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%s panicked: %v", step, r)
		}
	}()
	step = "new"
	v, err := sigstore.NewVerifier(e.trusted, e.opts)
	if err != nil {
		return nil, step, err
	}
	step = "load"
	var b *bundle.Bundle
	if e.bundlePath != "" {
		b, err = sigstore.LoadBundle(e.bundlePath)
	} else {
		b, err = sigstore.ParseBundle(e.bundle)
	}
	if err != nil {
		return nil, step, err
	}
	ctx := e.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	step = "verify"
	res, err = v.Verify(ctx, b, e.artifact(), e.policy)
	return res, step, err
}

// tamperCase starts from a baseline that verifies, changes one thing, and
// checks the error.
type tamperCase struct {
	name     string
	baseline func(t *testing.T) tamperEnv
	tamper   func(t *testing.T, e *tamperEnv)
	check    func(t *testing.T, step string, err error)
}

// TestSigstoreTamper holds Verifier to failing closed: every case
// starts from a baseline that verifies (asserted), changes one thing —
// the artifact, the policy, a byte of a real bundle, or one fact of a
// synthetic one — and must be rejected with the right sentinel (and the
// right typed error where the case is about one).
func TestSigstoreTamper(t *testing.T) {
	rwRoot := loadRoot(t, filepath.Join(rwDir, "trusted_root.json"))
	embedded, err := trust.Embedded(trust.PublicGood)
	if err != nil {
		t.Fatal(err)
	}
	rekor2Root := loadRoot(t, filepath.Join(cfDir, "bundle-verify", "rekor2-happy-path", "trusted_root.json"))
	rwRootNoRekorV1 := rootWithoutLog(t, filepath.Join(rwDir, "trusted_root.json"), rekorV1KeyID)
	fake := newFakeSigstore(t)

	npmTgz := readFile(t, npmTarball)
	jsTgz := readFile(t, jsTarball)
	cfA := readFile(t, cfArtifact)
	npmKey, err := sigstore.ParsePublicKeyPEM(readFile(t, npmPublishKey))
	if err != nil {
		t.Fatal(err)
	}

	// The baselines.
	npmProvenance := func(t *testing.T) tamperEnv {
		return tamperEnv{
			trusted:  rwRoot,
			bundle:   readFile(t, npmProvenanceBundle),
			artifact: fileArtifact(npmTarball),
			policy:   sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer},
		}
	}
	npmProvenanceWith := func(p sigstore.Policy) func(t *testing.T) tamperEnv {
		return func(t *testing.T) tamperEnv {
			e := npmProvenance(t)
			e.policy = p
			return e
		}
	}
	npmGitHub := func(g sigstore.GitHubClaims) func(t *testing.T) tamperEnv {
		return npmProvenanceWith(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, GitHub: g})
	}
	npmPublish := func(t *testing.T) tamperEnv {
		return tamperEnv{
			trusted:  embedded,
			bundle:   readFile(t, npmPublishBundle),
			artifact: fileArtifact(npmTarball),
			policy:   sigstore.Policy{Key: npmKey},
		}
	}
	// hashedrekord (message signature over sha256), Rekor v1 entry with a
	// signed entry timestamp, an inclusion proof and a checkpoint.
	hashedRekordV1 := func(t *testing.T) tamperEnv {
		return tamperEnv{
			trusted:  embedded,
			bundle:   readFile(t, filepath.Join(cfDir, "bundle-verify", "happy-path-v0.3", "bundle.sigstore.json")),
			artifact: fileArtifact(cfArtifact),
			policy:   sigstore.Policy{SAN: cfSAN, Issuer: ghIssuer},
		}
	}
	// hashedrekord v0.0.2 in a Rekor v2 log: an inclusion proof and a
	// checkpoint, no signed entry timestamp, an RFC 3161 timestamp.
	rekorV2 := func(t *testing.T) tamperEnv {
		return tamperEnv{
			trusted:  rekor2Root,
			bundle:   readFile(t, filepath.Join(cfDir, "bundle-verify", "rekor2-happy-path", "bundle.sigstore.json")),
			artifact: fileArtifact(cfArtifact),
			policy:   sigstore.Policy{SAN: cfSAN, Issuer: ghIssuer},
		}
	}
	// hashedRekordV1 with a copy of its entry under the key id of a log
	// the root does not name: sigstore-go skips that entry (the result
	// lists it as unverified), so only our check reads the copy's body.
	hashedRekordV1ForeignCopy := func(t *testing.T) tamperEnv {
		e := hashedRekordV1(t)
		e.bundle = editJSON(t, e.bundle, func(t *testing.T, b map[string]any) {
			entries := jsonAt(t, b, "verificationMaterial", "tlogEntries").([]any)
			j, err := json.Marshal(entries[0])
			if err != nil {
				t.Fatal(err)
			}
			var cp map[string]any
			d := json.NewDecoder(bytes.NewReader(j))
			d.UseNumber()
			if err := d.Decode(&cp); err != nil {
				t.Fatal(err)
			}
			cp["logId"] = map[string]any{"keyId": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x01}, 32))}
			jsonSet(t, b, append(entries, cp), "verificationMaterial", "tlogEntries")
		})
		return e
	}
	synthetic := func(o fakeBundle) func(t *testing.T) tamperEnv {
		return func(t *testing.T) tamperEnv { return fake.env(t, o) }
	}
	reissue := func(o fakeBundle) func(t *testing.T, e *tamperEnv) {
		return func(t *testing.T, e *tamperEnv) { e.bundle = fake.bundle(t, o) }
	}
	withPolicy := func(p sigstore.Policy) func(t *testing.T, e *tamperEnv) {
		return func(t *testing.T, e *tamperEnv) { e.policy = p }
	}
	withBytes := func(b []byte) func(t *testing.T, e *tamperEnv) {
		return func(t *testing.T, e *tamperEnv) {
			e.artifact = func() sigstore.SignedArtifact { return sigstore.ArtifactReader(bytes.NewReader(b)) }
		}
	}
	withDigest := func(alg attest.Algorithm, d []byte) func(t *testing.T, e *tamperEnv) {
		return func(t *testing.T, e *tamperEnv) { e.artifact = digestArtifact(alg, d) }
	}
	editBundle := func(edit func(t *testing.T, b map[string]any)) func(t *testing.T, e *tamperEnv) {
		return func(t *testing.T, e *tamperEnv) { e.bundle = editJSON(t, e.bundle, edit) }
	}

	flipped := bytes.Clone(npmTgz)
	flipped[len(flipped)/2] ^= 0x01
	npm256 := sha256.Sum256(npmTgz)
	npm384 := sha512.Sum384(npmTgz)
	npm512 := sha512.Sum512(npmTgz)
	cf256 := sha256.Sum256(cfA)
	cf512 := sha512.Sum512(cfA)

	evilSAN := fakeSAN + "-evil" // …/release.yml@refs/heads/main-evil
	unanchoredMain := regexp.QuoteMeta(fakeSAN)
	// The regular expression, as sigstore-go would apply it (unanchored),
	// does accept the evil SAN: only our anchoring stops it.
	if !regexp.MustCompile(unanchoredMain).MatchString(evilSAN) {
		t.Fatal("test premise: the unanchored regexp should match the evil SAN")
	}
	npmPrefix := "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/mai"
	if !regexp.MustCompile(npmPrefix).MatchString(npmSAN) {
		t.Fatal("test premise: the unanchored prefix regexp should match the npm SAN")
	}

	cases := []tamperCase{
		// The artifact.
		{"artifact/flipped-byte", npmProvenance, withBytes(flipped), rejected},
		{"artifact/truncated", npmProvenance, withBytes(npmTgz[:len(npmTgz)-1]), rejected},
		{"artifact/empty", npmProvenance, withBytes([]byte{}), rejected},
		{"artifact/another-release", npmProvenance, withBytes(jsTgz), rejected},
		{"digest/sha256-of-tarball-for-sha512-subject",
			func(t *testing.T) tamperEnv {
				e := npmProvenance(t)
				e.artifact = digestArtifact(attest.SHA512, npm512[:])
				return e
			},
			withDigest(attest.SHA256, npm256[:]), rejected},
		{"digest/sha384-of-tarball-for-sha512-subject",
			func(t *testing.T) tamperEnv {
				e := npmProvenance(t)
				e.artifact = digestArtifact(attest.SHA512, npm512[:])
				return e
			},
			withDigest(attest.SHA384, npm384[:]), rejected},
		{"digest/sha512-of-file-for-sha256-hashedrekord",
			func(t *testing.T) tamperEnv {
				e := hashedRekordV1(t)
				e.artifact = digestArtifact(attest.SHA256, cf256[:])
				return e
			},
			withDigest(attest.SHA512, cf512[:]), rejected},

		// The identity.
		{"san/cert-for-main-evil-policy-exact-main", synthetic(fakeBundle{}), reissue(fakeBundle{san: evilSAN}), rejected},
		{"san/cert-for-main-evil-regexp-without-anchors",
			func(t *testing.T) tamperEnv {
				e := fake.env(t, fakeBundle{})
				e.policy = sigstore.Policy{SANRegexp: unanchoredMain, Issuer: ghIssuer}
				return e
			},
			reissue(fakeBundle{san: evilSAN}), rejected},
		{"san/evil-yml", npmProvenance,
			withPolicy(sigstore.Policy{SAN: "https://github.com/sigstore/sigstore-js/.github/workflows/evil.yml@refs/heads/main", Issuer: ghIssuer}), rejected},
		{"san/regexp-prefix-refs-heads-mai",
			npmProvenanceWith(sigstore.Policy{SANRegexp: regexp.QuoteMeta(npmSAN), Issuer: ghIssuer}),
			withPolicy(sigstore.Policy{SANRegexp: npmPrefix, Issuer: ghIssuer}), rejected},
		{"san/regexp-prefix-only",
			npmProvenanceWith(sigstore.Policy{SANRegexp: `https://github\.com/sigstore/.*`, Issuer: ghIssuer}),
			withPolicy(sigstore.Policy{SANRegexp: `https://github\.com/sigstore/`, Issuer: ghIssuer}), rejected},
		{"san/regexp-suffix-only",
			npmProvenanceWith(sigstore.Policy{SANRegexp: `.*release\.yml@refs/heads/main`, Issuer: ghIssuer}),
			withPolicy(sigstore.Policy{SANRegexp: `release\.yml@refs/heads/main`, Issuer: ghIssuer}), rejected},
		{"issuer/mismatch", npmProvenance, withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: "https://accounts.google.com"}), rejected},
		{"issuer/regexp-prefix-only",
			npmProvenanceWith(sigstore.Policy{SAN: npmSAN, IssuerRegexp: `https://token\.actions\.githubusercontent\.com`}),
			withPolicy(sigstore.Policy{SAN: npmSAN, IssuerRegexp: `https://token\.actions\.github`}), rejected},

		// GitHub claims of the npm provenance certificate.
		{"github/repository-mismatch", npmGitHub(sigstore.GitHubClaims{Repository: "sigstore/sigstore-js"}),
			withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{Repository: "sigstore/sigstore-js-evil"}}),
			claimMismatch("github.repository")},
		{"github/repository-prefix", npmGitHub(sigstore.GitHubClaims{Repository: "https://github.com/sigstore/sigstore-js"}),
			withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{Repository: "https://github.com/sigstore/sigstore"}}),
			claimMismatch("github.repository")},
		{"github/ref-mismatch", npmGitHub(sigstore.GitHubClaims{Ref: "refs/heads/main"}),
			withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{Ref: "refs/tags/v1.3.0"}}),
			claimMismatch("github.ref")},
		{"github/trigger-mismatch", npmGitHub(sigstore.GitHubClaims{Trigger: "push"}),
			withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{Trigger: "pull_request_target"}}),
			claimMismatch("github.trigger")},
		{"github/commit-mismatch", npmGitHub(sigstore.GitHubClaims{Commit: "dae8bd8eb433a4147b4655c00fe73e0f22bc0fb1"}),
			withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{Commit: "dae8bd8eb433a4147b4655c00fe73e0f22bc0fb2"}}),
			claimMismatch("github.commit")},
		{"github/workflow-regexp-prefix", npmGitHub(sigstore.GitHubClaims{WorkflowRegexp: `https://github\.com/sigstore/sigstore-js/\.github/workflows/release\.yml@refs/heads/main`}),
			withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{WorkflowRegexp: `https://github\.com/sigstore/sigstore-js/\.github/workflows/release\.yml@refs/heads/mai`}}),
			claimMismatch("github.workflow")},
		{"github/deny-self-hosted", synthetic(fakeBundle{policy: sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer, GitHub: sigstore.GitHubClaims{DenySelfHosted: true}}}),
			reissue(fakeBundle{runner: "self-hosted"}), claimMismatch("github.runner_environment")},
		{"github/claims-on-cert-without-extensions",
			func(t *testing.T) tamperEnv {
				return tamperEnv{
					trusted:  rwRoot,
					bundle:   readFile(t, filepath.Join(rwDir, "sigstore-js", "bundleV03-dsse", "bundle.sigstore.json")),
					artifact: fileArtifact(jsTarball),
					policy:   sigstore.Policy{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"},
				}
			},
			withPolicy(sigstore.Policy{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth", GitHub: sigstore.GitHubClaims{Repository: "sigstore/sigstore-js"}}),
			claimMismatch("github.repository")},

		// The certificate and the trusted time.
		{"cert/from-another-ca", synthetic(fakeBundle{}), reissue(fakeBundle{ca: fake.otherCA}), rejected},
		// Issued in the name of the trusted intermediate — its subject and
		// key id — but signed with another key: without and with the
		// intermediate in the bundle (Verify takes a different path for
		// bundles that carry no intermediates).
		{"cert/forged-issuer", synthetic(fakeBundle{}), reissue(fakeBundle{forgedBy: newKey(t)}), rejected},
		{"cert/forged-issuer-chain-in-bundle", synthetic(fakeBundle{chain: true}), reissue(fakeBundle{chain: true, forgedBy: newKey(t)}), rejected},
		{"cert/intermediate-expired-at-signing-time",
			synthetic(fakeBundle{ca: fake.shortCA, signedAt: fake.now.Add(-2 * time.Hour)}),
			reissue(fakeBundle{ca: fake.shortCA}), rejected},
		// A constraint x509 checks on each leaf, which the opt-in fast
		// path must not skip.
		{"cert/san-outside-intermediate-name-constraints",
			synthetic(fakeBundle{ca: fake.constrainedCA, san: "https://example.org/release", policy: sigstore.Policy{SAN: "https://example.org/release", Issuer: ghIssuer}}),
			func(t *testing.T, e *tamperEnv) {
				// A SAN outside example.org, and a policy that asks for it:
				// only the name constraint stands in the way.
				e.bundle = fake.bundle(t, fakeBundle{ca: fake.constrainedCA})
				e.policy = sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer}
			}, rejected},
		{"cert/not-for-code-signing", synthetic(fakeBundle{}),
			reissue(fakeBundle{eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}), rejected},
		{"cert/sct-missing", synthetic(fakeBundle{}), reissue(fakeBundle{noSCT: true}), rejected},
		{"cert/sct-from-unknown-ct-log", synthetic(fakeBundle{}), reissue(fakeBundle{ctKey: fake.otherCTKey}), rejected},
		{"cert/expired-no-trusted-timestamp",
			synthetic(fakeBundle{signedAt: fake.now.Add(-2 * time.Hour), proof: true}),
			reissue(fakeBundle{signedAt: fake.now.Add(-2 * time.Hour), proof: true, noSET: true}), rejected},
		{"cert/logged-after-expiry",
			synthetic(fakeBundle{signedAt: fake.now.Add(-2 * time.Hour)}),
			reissue(fakeBundle{signedAt: fake.now.Add(-2 * time.Hour), loggedAt: fake.now.Add(-time.Hour)}), rejected},
		{"cert/leaf-of-another-signer",
			npmProvenance,
			editBundle(func(t *testing.T, b map[string]any) {
				var o map[string]any
				if err := json.Unmarshal(readFile(t, filepath.Join(rwDir, "sigstore-js", "bundleV01-dsse-no-proof", "bundle.sigstore.json")), &o); err != nil {
					t.Fatal(err)
				}
				jsonSet(t, b, jsonAt(t, o, "verificationMaterial", "x509CertificateChain", "certificates", 0), "verificationMaterial", "x509CertificateChain", "certificates", 0)
			}), rejected},

		// The transparency log.
		{"tlog/entry-from-unknown-log", npmProvenance,
			func(t *testing.T, e *tamperEnv) { e.trusted = rwRootNoRekorV1 }, rejected},
		{"tlog/entry-from-unknown-log-synthetic", synthetic(fakeBundle{}), reissue(fakeBundle{rekorKey: fake.otherRekorKey}), rejected},
		{"tlog/entries-removed", npmProvenance,
			editBundle(func(t *testing.T, b map[string]any) {
				jsonSet(t, b, []any{}, "verificationMaterial", "tlogEntries")
			}), rejected},
		{"tlog/checkpoint-signed-by-wrong-key", synthetic(fakeBundle{proof: true}),
			reissue(fakeBundle{proof: true, checkpointKey: fake.otherRekorKey}), rejectedBySigstoreGo},
		{"tlog/inclusion-proof-hash-changed", hashedRekordV1,
			editBundle(func(t *testing.T, b map[string]any) {
				flipB64(t, b, "verificationMaterial", "tlogEntries", 0, "inclusionProof", "hashes", 0)
			}), rejectedBySigstoreGo},
		{"tlog/inclusion-proof-hash-changed-rekor-v2", rekorV2,
			editBundle(func(t *testing.T, b map[string]any) {
				flipB64(t, b, "verificationMaterial", "tlogEntries", 0, "inclusionProof", "hashes", 0)
			}), rejectedBySigstoreGo},
		// Rekor v1: sigstore-go checks the proof against its own root hash,
		// then that root hash against the checkpoint's: it rejects before
		// our check runs.
		{"tlog/proof-root-differs-from-checkpoint-rekor-v1", hashedRekordV1,
			editBundle(func(t *testing.T, b map[string]any) {
				flipB64(t, b, "verificationMaterial", "tlogEntries", 0, "inclusionProof", "rootHash")
			}), rejectedBySigstoreGo},
		// Rekor v2: sigstore-go checks the proof against the checkpoint and
		// never reads the proof's own root hash and tree size: our check
		// is what rejects.
		{"tlog/proof-root-differs-from-checkpoint-rekor-v2", rekorV2,
			editBundle(func(t *testing.T, b map[string]any) {
				flipB64(t, b, "verificationMaterial", "tlogEntries", 0, "inclusionProof", "rootHash")
			}), checkpointMismatch},
		{"tlog/proof-size-differs-from-checkpoint-rekor-v2", rekorV2,
			editBundle(func(t *testing.T, b map[string]any) {
				jsonSet(t, b, "737", "verificationMaterial", "tlogEntries", 0, "inclusionProof", "treeSize")
			}), checkpointMismatch},
		// Rekor v1: a proof for index 0 of a 5-leaf tree is also a valid
		// proof for 6 leaves with the same root; sigstore-go compares the
		// root hashes only.
		{"tlog/proof-size-differs-from-checkpoint-rekor-v1", synthetic(fakeBundle{proof: true}),
			reissue(fakeBundle{proof: true, proofSize: 6}), checkpointMismatch},
		// A Rekor v1 entry of a log the root does not name: sigstore-go
		// never checks its proof, ours must still hold its body to it.
		{"tlog/foreign-entry-body-not-its-leaf", hashedRekordV1ForeignCopy,
			editBundle(func(t *testing.T, b map[string]any) {
				path := []any{"verificationMaterial", "tlogEntries", 1, "canonicalizedBody"}
				body, err := base64.StdEncoding.DecodeString(jsonAt(t, b, path...).(string))
				if err != nil {
					t.Fatal(err)
				}
				jsonSet(t, b, base64.StdEncoding.EncodeToString(append(body, ' ')), path...)
			}), rejected},
		{"tlog/integrated-time-edited", npmProvenance,
			editBundle(func(t *testing.T, b map[string]any) {
				jsonSet(t, b, "1681839913", "verificationMaterial", "tlogEntries", 0, "integratedTime")
			}), rejected},
		{"tlog/log-index-edited", npmProvenance,
			editBundle(func(t *testing.T, b map[string]any) {
				jsonSet(t, b, "18300935", "verificationMaterial", "tlogEntries", 0, "logIndex")
			}), rejected},
		{"tlog/signed-entry-timestamp-changed", npmProvenance,
			editBundle(func(t *testing.T, b map[string]any) {
				flipB64(t, b, "verificationMaterial", "tlogEntries", 0, "inclusionPromise", "signedEntryTimestamp")
			}), rejected},
		// A certificate, an SCT and a log entry with its signed entry
		// timestamp, all validly signed, all an hour in the future.
		// sigstore-go v1.3.0 does not compare trusted times with the clock:
		// Verify's own check is what rejects.
		{"tlog/integrated-time-in-future", synthetic(fakeBundle{}),
			reissue(fakeBundle{signedAt: fake.now.Add(time.Hour)}), futureTimestamp},

		// The DSSE envelope and its statement.
		{"dsse/payload-type-changed", npmProvenance,
			editBundle(func(t *testing.T, b map[string]any) {
				jsonSet(t, b, "application/json", "dsseEnvelope", "payloadType")
			}), rejected},
		{"dsse/statement-subject-swapped", npmProvenance,
			editBundle(func(t *testing.T, b map[string]any) {
				js := sha512.Sum512(jsTgz)
				editPayload(t, b, func(st map[string]any) {
					jsonSet(t, st, hex.EncodeToString(js[:]), "subject", 0, "digest", "sha512")
				})
			}), rejected},
		{"dsse/statement-signed-for-another-artifact", synthetic(fakeBundle{}),
			reissue(fakeBundle{subject: []byte("another artifact\n")}), rejected},
		{"dsse/signature-changed", npmProvenance,
			editBundle(func(t *testing.T, b map[string]any) {
				flipB64(t, b, "dsseEnvelope", "signatures", 0, "sig")
			}), rejected},

		// Keys.
		{"key/wrong-key", npmPublish, func(t *testing.T, e *tamperEnv) {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			e.policy = sigstore.Policy{Key: k.Public()}
		}, rejected},
		{"key/identity-policy-on-key-bundle", npmPublish, withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer}), rejected},
		{"key/key-policy-on-certificate-bundle", npmProvenance, withPolicy(sigstore.Policy{Key: npmKey}), rejected},

		// The predicate type.
		{"predicate/type-mismatch",
			npmProvenanceWith(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, PredicateType: "https://slsa.dev/provenance/v0.2"}),
			withPolicy(sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer, PredicateType: "https://slsa.dev/provenance/v1"}),
			claimMismatch("predicate_type")},
		{"predicate/on-message-signature", hashedRekordV1,
			withPolicy(sigstore.Policy{SAN: cfSAN, Issuer: ghIssuer, PredicateType: "https://slsa.dev/provenance/v1"}),
			claimMismatch("predicate_type")},

		// Unusable policies.
		{"policy/key-and-identity", npmPublish, withPolicy(sigstore.Policy{Key: npmKey, SAN: npmSAN, Issuer: ghIssuer}), badInput("verify")},
		{"policy/empty", npmProvenance, withPolicy(sigstore.Policy{}), badInput("verify")},
		{"policy/invalid-regexp", npmProvenance, withPolicy(sigstore.Policy{SANRegexp: `https://(github\.com/`, Issuer: ghIssuer}), badInput("verify")},
		{"policy/san-without-issuer", npmProvenance, withPolicy(sigstore.Policy{SAN: npmSAN}), badInput("verify")},

		// Could not check, or bad input.
		{"input/artifact-file-missing", npmProvenance, func(t *testing.T, e *tamperEnv) {
			e.artifact = fileArtifact(filepath.Join(t.TempDir(), "missing.tgz"))
		}, badInput("verify")},
		{"input/bundle-file-missing", npmProvenance, func(t *testing.T, e *tamperEnv) {
			e.bundlePath = filepath.Join(t.TempDir(), "missing.sigstore.json")
		}, badInput("load")},
		{"input/nil-trusted-root", npmProvenance, func(t *testing.T, e *tamperEnv) { e.trusted = nil }, badInput("new")},
		// What `tr, _ := trust.FromFile(path)` gives when path is wrong: a
		// nil *root.TrustedRoot in a non-nil interface (once accepted, then
		// a nil dereference).
		{"input/typed-nil-trusted-root", npmProvenance, func(t *testing.T, e *tamperEnv) {
			var tr *root.TrustedRoot
			e.trusted = tr
		}, badInput("new")},
		{"input/cancelled-context", npmProvenance, func(t *testing.T, e *tamperEnv) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			e.ctx = ctx
		}, couldNotCheck},
	}

	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Fatalf("two cases named %s", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := c.baseline(t)
			if res, step, err := e.verify(); err != nil || res == nil {
				t.Fatalf("baseline does not verify: %s: %v", step, err)
			}
			c.tamper(t, &e)
			res, step, err := e.verify()
			if err == nil {
				j, _ := json.MarshalIndent(res, "", "  ")
				t.Fatalf("tampered input verified:\n%s", j)
			}
			if res != nil {
				t.Errorf("a result came back with the error %v", err)
			}
			t.Logf("%s: %v", step, err)
			c.check(t, step, err)
			// The opt-in fast paths must decide as the default path, here
			// and on the baseline (a bundle file is loaded before either
			// path is chosen).
			if e.bundlePath == "" {
				ctx := e.ctx
				if ctx == nil {
					ctx = context.Background()
				}
				if got, want := differential.BothPaths(t, ctx, fast.Paths{}, e.trusted, e.opts, e.bundle, e.artifact, e.policy), differential.VerdictClass(err); got != want {
					t.Fatalf("both paths %s, Verify %s", got, want)
				}
				b := c.baseline(t)
				if got := differential.BothPaths(t, context.Background(), fast.Paths{}, b.trusted, b.opts, b.bundle, b.artifact, b.policy); got != "pass" {
					t.Fatalf("baseline: both paths %s", got)
				}
			}
		})
	}
}

// The checks. None reads an error's text.

func rejected(t *testing.T, step string, err error) {
	t.Helper()
	if !errors.Is(err, sigstore.ErrVerification) || errors.Is(err, sigstore.ErrBadInput) || errors.Is(err, sigstore.ErrCouldNotCheck) {
		t.Fatalf("%s: want an error wrapping ErrVerification only, got %v", step, err)
	}
}

// rejectedBySigstoreGo is a rejection that sigstore-go made, before any
// check of ours ran.
func rejectedBySigstoreGo(t *testing.T, step string, err error) {
	t.Helper()
	rejected(t, step, err)
	var cm *sigstore.ClaimMismatchError
	var cp *sigstore.CheckpointMismatchError
	if errors.As(err, &cm) || errors.As(err, &cp) {
		t.Fatalf("want sigstore-go's own rejection, got %T: %v", err, err)
	}
}

func claimMismatch(claim string) func(t *testing.T, step string, err error) {
	return func(t *testing.T, step string, err error) {
		t.Helper()
		rejected(t, step, err)
		var cm *sigstore.ClaimMismatchError
		if !errors.As(err, &cm) {
			t.Fatalf("want a *ClaimMismatchError, got %v", err)
		}
		if cm.Claim != claim || cm.Want == "" {
			t.Fatalf("ClaimMismatchError %+v, want claim %q with the policy's value", cm, claim)
		}
	}
}

func checkpointMismatch(t *testing.T, step string, err error) {
	t.Helper()
	rejected(t, step, err)
	var cp *sigstore.CheckpointMismatchError
	if !errors.As(err, &cp) {
		t.Fatalf("want a *CheckpointMismatchError, got %v", err)
	}
	if cp.ProofRootHash == cp.Checkpoint.RootHash && uint64(cp.ProofSize) == cp.Checkpoint.Size {
		t.Fatalf("CheckpointMismatchError %+v carries no mismatch", cp)
	}
}

func futureTimestamp(t *testing.T, step string, err error) {
	t.Helper()
	rejected(t, step, err)
	var ft *sigstore.FutureTimestampError
	if !errors.As(err, &ft) {
		t.Fatalf("want a *FutureTimestampError, got %v", err)
	}
	if !ft.Time.After(ft.Now.Add(sigstore.MaxClockSkew)) {
		t.Fatalf("FutureTimestampError %+v: the time is not beyond the allowed skew", ft)
	}
}

func badInput(wantStep string) func(t *testing.T, step string, err error) {
	return func(t *testing.T, step string, err error) {
		t.Helper()
		if !errors.Is(err, sigstore.ErrBadInput) || errors.Is(err, sigstore.ErrVerification) || errors.Is(err, sigstore.ErrCouldNotCheck) {
			t.Fatalf("%s: want an error wrapping ErrBadInput only, got %v", step, err)
		}
		if step != wantStep {
			t.Fatalf("ErrBadInput from %s, want from %s: %v", step, wantStep, err)
		}
	}
}

func couldNotCheck(t *testing.T, step string, err error) {
	t.Helper()
	if !errors.Is(err, sigstore.ErrCouldNotCheck) || errors.Is(err, sigstore.ErrVerification) || errors.Is(err, sigstore.ErrBadInput) {
		t.Fatalf("%s: want an error wrapping ErrCouldNotCheck only, got %v", step, err)
	}
}

// Helpers for real data.

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadRoot(t testing.TB, path string) *root.TrustedRoot {
	t.Helper()
	tr, err := trust.FromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// rootWithoutLog is the trusted root at path without the transparency
// log whose key id (base64) is keyID.
func rootWithoutLog(t *testing.T, path, keyID string) *root.TrustedRoot {
	t.Helper()
	var dropped bool
	b := editJSON(t, readFile(t, path), func(t *testing.T, r map[string]any) {
		var keep []any
		for _, l := range jsonAt(t, r, "tlogs").([]any) {
			if jsonAt(t, l, "logId", "keyId") == keyID {
				dropped = true
				continue
			}
			keep = append(keep, l)
		}
		r["tlogs"] = keep
	})
	if !dropped {
		t.Fatalf("%s has no log %s", path, keyID)
	}
	tr, err := trust.FromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func fileArtifact(path string) func() sigstore.SignedArtifact {
	return func() sigstore.SignedArtifact { return sigstore.ArtifactFile(path) }
}

func digestArtifact(alg attest.Algorithm, d []byte) func() sigstore.SignedArtifact {
	return func() sigstore.SignedArtifact { return sigstore.ArtifactDigest(alg, d) }
}

// editJSON decodes a JSON object, lets edit change it (nil: no change),
// and encodes it again.
func editJSON(t *testing.T, data []byte, edit func(t *testing.T, m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(t, m)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jsonAt walks a decoded JSON value by object keys and array indexes.
func jsonAt(t testing.TB, v any, path ...any) any {
	t.Helper()
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object", path[:i+1])
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("%v: no such key", path[:i+1])
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("%v: not an array of more than %d", path[:i+1], k)
			}
			v = a[k]
		}
	}
	return v
}

// jsonSet sets the value at path, which must exist.
func jsonSet(t testing.TB, v any, val any, path ...any) {
	t.Helper()
	parent := jsonAt(t, v, path[:len(path)-1]...)
	switch k := path[len(path)-1].(type) {
	case string:
		m := parent.(map[string]any)
		if _, ok := m[k]; !ok {
			t.Fatalf("%v: no such key", path)
		}
		m[k] = val
	case int:
		parent.([]any)[k] = val
	}
}

// flipB64 flips one bit of the base64 bytes at path.
func flipB64(t testing.TB, v any, path ...any) {
	t.Helper()
	s, ok := jsonAt(t, v, path...).(string)
	if !ok {
		t.Fatalf("%v: not a string", path)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		t.Fatalf("%v: not base64: %v", path, err)
	}
	b[len(b)/2] ^= 0x01
	jsonSet(t, v, base64.StdEncoding.EncodeToString(b), path...)
}

// editPayload edits the in-toto statement of a DSSE bundle, leaving the
// signature as it was.
func editPayload(t *testing.T, b map[string]any, edit func(st map[string]any)) {
	t.Helper()
	p, err := base64.StdEncoding.DecodeString(jsonAt(t, b, "dsseEnvelope", "payload").(string))
	if err != nil {
		t.Fatal(err)
	}
	jsonSet(t, b, base64.StdEncoding.EncodeToString(editJSON(t, p, func(t *testing.T, st map[string]any) { edit(st) })), "dsseEnvelope", "payload")
}

// Synthetic data: a fake Sigstore for what real bundles cannot express.
//
// sigstore-go's ca.VirtualSigstore signs certificates without signed
// certificate timestamps, which Verifier always requires (there is
// no opt-out), so no bundle it makes can verify here. fakeSigstore
// therefore has its own Fulcio-like CA that embeds SCTs from its own CT
// log, its own Rekor-like log key (signed entry timestamps, checkpoints
// it signs with a consistent tree size), and uses VirtualSigstore only to
// build canonical Rekor dsse entry bodies.

const (
	fakeSAN          = "https://github.com/example/app/.github/workflows/release.yml@refs/heads/main"
	fakeRekorURL     = "https://rekor.localhost"
	fakeRekorOrigin  = "rekor.localhost"
	fakeRekorTreeID  = 123
	fakeCheckpointSz = 5 // the proof is for leaf 0 of a 5-leaf tree
)

var fakeArtifact = []byte("selfattest tamper-test artifact\n")

type fakeCA struct {
	root, inter *x509.Certificate
	interKey    *ecdsa.PrivateKey
}

type fakeSigstore struct {
	now         time.Time
	ca, otherCA *fakeCA
	shortCA     *fakeCA // trusted; its intermediate expired an hour ago
	// constrainedCA is trusted; its intermediate permits URI SANs in
	// example.org only (an x509 name constraint).
	constrainedCA *fakeCA
	ctKey         *ecdsa.PrivateKey
	otherCTKey    *ecdsa.PrivateKey
	rekorKey      *ecdsa.PrivateKey
	otherRekorKey *ecdsa.PrivateKey
	vs            *ca.VirtualSigstore
	trustedRoot   *root.TrustedRoot // ca, ctKey and rekorKey
}

// fakeBundle says how to make a bundle; the zero value makes one that
// verifies against fakeSigstore's trusted root with fakeBundle.policy's
// default.
type fakeBundle struct {
	san    string  // the certificate's URI SAN; fakeSAN
	runner string  // runner environment; "github-hosted"
	ca     *fakeCA // the issuing CA; the trusted one
	noSCT  bool    // no SCT in the certificate
	// forgedBy, if set, signs the certificate in the name of ca's
	// intermediate: same issuer name, same authority key id, other key.
	forgedBy *ecdsa.PrivateKey
	eku      []x509.ExtKeyUsage // the certificate's; CodeSigning
	chain    bool               // the bundle carries ca's intermediate (v0.1 only)
	ctKey    *ecdsa.PrivateKey  // the CT log that signs the SCT; the trusted one
	signedAt time.Time          // the certificate's NotBefore (valid 10 minutes); now - 5m
	loggedAt time.Time          // the integrated time; signedAt + 1m
	rekorKey *ecdsa.PrivateKey  // the log; the trusted one
	noSET    bool               // no signed entry timestamp
	proof    bool               // an inclusion proof and a checkpoint (bundle v0.3)
	// proofSize is the tree size the inclusion proof states; the
	// checkpoint's (5) if 0.
	proofSize     int64
	checkpointKey *ecdsa.PrivateKey // signs the checkpoint; rekorKey
	subject       []byte            // the artifact the statement names; fakeArtifact
	policy        sigstore.Policy   // the baseline's policy; SAN fakeSAN, GitHub issuer
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newFakeSigstore(t testing.TB) *fakeSigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSigstore{
		now:           time.Now().Truncate(time.Second),
		ctKey:         newKey(t),
		otherCTKey:    newKey(t),
		rekorKey:      newKey(t),
		otherRekorKey: newKey(t),
		vs:            vs,
	}
	f.ca = newFakeCA(t, f.now, "fake-fulcio", f.now.Add(48*time.Hour))
	f.otherCA = newFakeCA(t, f.now, "fake-fulcio", f.now.Add(48*time.Hour)) // same names, other keys
	f.shortCA = newFakeCA(t, f.now, "fake-fulcio-short", f.now.Add(-time.Hour))
	f.constrainedCA = newFakeCAWith(t, f.now, "fake-fulcio-constrained", f.now.Add(48*time.Hour), func(inter *x509.Certificate) {
		inter.PermittedURIDomains = []string{"example.org"}
	})
	validFrom := f.now.Add(-48 * time.Hour)
	var cas []root.CertificateAuthority
	for _, c := range []*fakeCA{f.ca, f.shortCA, f.constrainedCA} {
		cas = append(cas, &root.FulcioCertificateAuthority{
			Root:                c.root,
			Intermediates:       []*x509.Certificate{c.inter},
			ValidityPeriodStart: validFrom,
			URI:                 "https://fulcio.localhost",
		})
	}
	tlogs := map[string]*root.TransparencyLog{}
	ctlogs := map[string]*root.TransparencyLog{}
	for _, l := range []struct {
		m   map[string]*root.TransparencyLog
		key *ecdsa.PrivateKey
		url string
	}{{tlogs, f.rekorKey, fakeRekorURL}, {ctlogs, f.ctKey, "https://ctfe.localhost"}} {
		id := logID(t, l.key)
		l.m[hex.EncodeToString(id)] = &root.TransparencyLog{
			BaseURL:             l.url,
			ID:                  id,
			ValidityPeriodStart: validFrom, // no end, as the public-good root's active logs
			HashFunc:            crypto.SHA256,
			PublicKey:           l.key.Public(),
			SignatureHashFunc:   crypto.SHA256,
		}
	}
	f.trustedRoot, err = root.NewTrustedRoot(root.TrustedRootMediaType01, cas, ctlogs, nil, tlogs)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// newFakeCA makes a root and an intermediate valid from 48 hours ago, the
// root for 96 hours, the intermediate until interNotAfter.
func newFakeCA(t testing.TB, now time.Time, name string, interNotAfter time.Time) *fakeCA {
	t.Helper()
	return newFakeCAWith(t, now, name, interNotAfter, func(*x509.Certificate) {})
}

// newFakeCAWith is newFakeCA with the intermediate's template changed.
func newFakeCAWith(t testing.TB, now time.Time, name string, interNotAfter time.Time, change func(inter *x509.Certificate)) *fakeCA {
	t.Helper()
	rootKey, interKey := newKey(t), newKey(t)
	tmpl := func(serial int64, cn string) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber:          big.NewInt(serial),
			Subject:               pkix.Name{CommonName: cn, Organization: []string{"selfattest tests"}},
			NotBefore:             now.Add(-48 * time.Hour),
			NotAfter:              now.Add(48 * time.Hour),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
	}
	rootTmpl := tmpl(1, name+"-root")
	rootCert := createCert(t, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	interTmpl := tmpl(2, name+"-intermediate")
	interTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	interTmpl.NotAfter = interNotAfter
	change(interTmpl)
	return &fakeCA{root: rootCert, inter: createCert(t, interTmpl, rootCert, interKey.Public(), rootKey), interKey: interKey}
}

func createCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, priv crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// logID is a log's key id: the SHA-256 of its PKIX public key.
func logID(t testing.TB, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(der)
	return s[:]
}

func derString(t testing.TB, s string) []byte {
	t.Helper()
	b, err := asn1.MarshalWithParams(s, "utf8")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// leaf issues a GitHub Actions-like certificate for key, with an embedded
// SCT unless o.noSCT.
func (f *fakeSigstore) leaf(t testing.TB, o fakeBundle, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	san, err := url.Parse(o.san)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	repo := "https://github.com/example/app"
	exts := []pkix.Extension{
		{Id: certificate.OIDIssuerV2, Value: derString(t, ghIssuer)},
		{Id: certificate.OIDBuildSignerURI, Value: derString(t, o.san)},
		{Id: certificate.OIDRunnerEnvironment, Value: derString(t, o.runner)},
		{Id: certificate.OIDSourceRepositoryURI, Value: derString(t, repo)},
		{Id: certificate.OIDSourceRepositoryRef, Value: derString(t, "refs/heads/main")},
		{Id: certificate.OIDBuildTrigger, Value: derString(t, "push")},
	}
	tmpl := &x509.Certificate{
		SerialNumber:    serial,
		NotBefore:       o.signedAt,
		NotAfter:        o.signedAt.Add(10 * time.Minute),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     o.eku,
		URIs:            []*url.URL{san},
		ExtraExtensions: exts,
	}
	parent, parentKey := o.ca.inter, o.ca.interKey
	if o.forgedBy != nil {
		p := *o.ca.inter
		p.PublicKey = o.forgedBy.Public()
		parent, parentKey = &p, o.forgedBy
	}
	pre := createCert(t, tmpl, parent, key.Public(), parentKey)
	if o.noSCT {
		return pre
	}
	// The SCT signs the certificate's TBS without the SCT list
	// extension, with the issuer's key hash (RFC 6962 §3.2).
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: [32]byte(logID(t, o.ctKey))}, Timestamp: uint64(o.signedAt.UnixMilli())}
	entry := ct.LogEntry{Leaf: ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			Timestamp: sct.Timestamp,
			EntryType: ct.PrecertLogEntryType,
			PrecertEntry: &ct.PreCert{
				IssuerKeyHash:  sha256.Sum256(o.ca.inter.RawSubjectPublicKeyInfo),
				TBSCertificate: pre.RawTBSCertificate,
			},
		},
	}}
	input, err := ct.SerializeSCTSignatureInput(sct, entry)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(input)
	sig, err := ecdsa.SignASN1(rand.Reader, o.ctKey, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sct.Signature = ct.DigitallySigned{Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA}, Signature: sig}
	list, err := ctx509util.MarshalSCTsIntoSCTList([]*ct.SignedCertificateTimestamp{&sct})
	if err != nil {
		t.Fatal(err)
	}
	listBytes, err := cttls.Marshal(*list)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := asn1.Marshal(listBytes)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.ExtraExtensions = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier(ctx509.OIDExtensionCTSCT), Value: ext})
	c := createCert(t, tmpl, parent, key.Public(), parentKey)
	if tbs, err := ctx509.RemoveSCTList(c.RawTBSCertificate); err != nil || !bytes.Equal(tbs, pre.RawTBSCertificate) {
		t.Fatalf("fake CA: the certificate without its SCT list is not the one the SCT signs (%v)", err)
	}
	return c
}

func (o fakeBundle) withDefaults(f *fakeSigstore) fakeBundle {
	if o.san == "" {
		o.san = fakeSAN
	}
	if o.runner == "" {
		o.runner = "github-hosted"
	}
	if o.ca == nil {
		o.ca = f.ca
	}
	if o.ctKey == nil {
		o.ctKey = f.ctKey
	}
	if o.eku == nil {
		o.eku = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	if o.signedAt.IsZero() {
		o.signedAt = f.now.Add(-5 * time.Minute)
	}
	if o.loggedAt.IsZero() {
		o.loggedAt = o.signedAt.Add(time.Minute)
	}
	if o.rekorKey == nil {
		o.rekorKey = f.rekorKey
	}
	if o.checkpointKey == nil {
		o.checkpointKey = o.rekorKey
	}
	if o.proofSize == 0 {
		o.proofSize = fakeCheckpointSz
	}
	if o.subject == nil {
		o.subject = fakeArtifact
	}
	if o.policy.SAN == "" && o.policy.SANRegexp == "" {
		o.policy = sigstore.Policy{SAN: fakeSAN, Issuer: ghIssuer}
	}
	return o
}

// env is a baseline over fakeArtifact.
func (f *fakeSigstore) env(t testing.TB, o fakeBundle) tamperEnv {
	t.Helper()
	return tamperEnv{
		trusted:  f.trustedRoot,
		bundle:   f.bundle(t, o),
		artifact: func() sigstore.SignedArtifact { return sigstore.ArtifactReader(bytes.NewReader(fakeArtifact)) },
		policy:   o.withDefaults(f).policy,
	}
}

// bundle makes a DSSE bundle (an in-toto statement over o.subject) in
// its JSON form: v0.1 with a certificate chain, or v0.3 with a
// certificate when it has an inclusion proof.
func (f *fakeSigstore) bundle(t testing.TB, o fakeBundle) []byte {
	t.Helper()
	o = o.withDefaults(f)
	key := newKey(t)
	cert := f.leaf(t, o, key)

	subject := sha256.Sum256(o.subject)
	payload, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": "artifact.txt", "digest": map[string]string{"sha256": hex.EncodeToString(subject[:])}}},
		"predicateType": "https://slsa.dev/provenance/v1",
		"predicate":     map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	const payloadType = "application/vnd.in-toto+json"
	pae := sha256.Sum256(dsse.PAE(payloadType, payload))
	sig, err := ecdsa.SignASN1(rand.Reader, key, pae[:])
	if err != nil {
		t.Fatal(err)
	}
	env := &dsse.Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	}
	// VirtualSigstore builds the canonical Rekor dsse entry body; its own
	// log signature is not used.
	vsEntry, err := f.vs.GenerateTlogEntry(cert, env, sig, o.loggedAt.Unix(), false)
	if err != nil {
		t.Fatal(err)
	}
	body := vsEntry.TransparencyLogEntry().GetCanonicalizedBody()

	id := logID(t, o.rekorKey)
	const index = 0
	tle := &protorekor.TransparencyLogEntry{
		LogIndex:          index,
		LogId:             &protocommon.LogId{KeyId: id},
		KindVersion:       &protorekor.KindVersion{Kind: "dsse", Version: "0.0.1"},
		IntegratedTime:    o.loggedAt.Unix(),
		CanonicalizedBody: body,
	}
	if !o.noSET {
		set, err := json.Marshal(tlog.RekorPayload{
			Body:           base64.StdEncoding.EncodeToString(body),
			IntegratedTime: o.loggedAt.Unix(),
			LogIndex:       index,
			LogID:          hex.EncodeToString(id),
		})
		if err != nil {
			t.Fatal(err)
		}
		canon, err := jsoncanonicalizer.Transform(set)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(canon)
		setSig, err := ecdsa.SignASN1(rand.Reader, o.rekorKey, h[:])
		if err != nil {
			t.Fatal(err)
		}
		tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: setSig}
	}
	mediaType := "application/vnd.dev.sigstore.bundle+json;version=0.1"
	vm := &protobundle.VerificationMaterial{
		Content: &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: &protocommon.X509CertificateChain{
			Certificates: []*protocommon.X509Certificate{{RawBytes: cert.Raw}},
		}},
		TlogEntries: []*protorekor.TransparencyLogEntry{tle},
	}
	if o.chain {
		c := vm.GetX509CertificateChain()
		c.Certificates = append(c.Certificates, &protocommon.X509Certificate{RawBytes: o.ca.inter.Raw})
	}
	if o.proof {
		// Leaf 0 of a 5-leaf tree: the proof is [l1, h(l2,l3), l4].
		hs := rfc6962.DefaultHasher
		l := [fakeCheckpointSz][]byte{hs.HashLeaf(body)}
		for i := 1; i < fakeCheckpointSz; i++ {
			l[i] = hs.HashLeaf([]byte(fmt.Sprintf("another entry %d", i)))
		}
		h23 := hs.HashChildren(l[2], l[3])
		rootHash := hs.HashChildren(hs.HashChildren(hs.HashChildren(l[0], l[1]), h23), l[4])
		signer, err := signature.LoadECDSASignerVerifier(o.checkpointKey, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := rekorutil.CreateAndSignCheckpoint(context.Background(), fakeRekorOrigin, fakeRekorTreeID, fakeCheckpointSz, rootHash, signer)
		if err != nil {
			t.Fatal(err)
		}
		tle.InclusionProof = &protorekor.InclusionProof{
			LogIndex:   index,
			RootHash:   rootHash,
			TreeSize:   o.proofSize,
			Hashes:     [][]byte{l[1], h23, l[4]},
			Checkpoint: &protorekor.Checkpoint{Envelope: string(cp)},
		}
		mediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
		vm.Content = &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: cert.Raw}}
	}
	b, err := protojson.Marshal(&protobundle.Bundle{
		MediaType:            mediaType,
		VerificationMaterial: vm,
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     payload,
			PayloadType: payloadType,
			Signatures:  []*protodsse.Signature{{Sig: sig}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
