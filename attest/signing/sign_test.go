package signing_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/trust"
)

// loopbackOnly passes requests to loopback IP addresses on and fails the
// test on any other, so that no test's traffic can leave the machine.
type loopbackOnly struct {
	t    testing.TB
	next http.RoundTripper
}

func (l loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if ip, err := netip.ParseAddr(r.URL.Hostname()); err != nil || !ip.IsLoopback() {
		l.t.Errorf("a request to %s was about to leave the machine", r.URL)
		return nil, errors.New("test transport: only loopback addresses")
	}
	next := l.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

func loopback(t testing.TB) signing.ServiceOptions {
	return signing.ServiceOptions{Transport: loopbackOnly{t: t}, Timeout: 20 * time.Second}
}

// testPredicate is a minimal predicate.
type testPredicate struct{}

func (testPredicate) PredicateType() string          { return "https://github.com/ats-run/selfattest/test/v1" }
func (testPredicate) PredicateJSON() ([]byte, error) { return []byte(`{"test":true}`), nil }

// keyPEM returns a new key of kind "ecdsa" or "ed25519" as PKCS#8 PEM.
func keyPEM(t testing.TB, kind string) []byte {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "ecdsa":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func signingKey(t testing.TB, kind string) *signing.Key {
	t.Helper()
	k, err := signing.ParseKey(keyPEM(t, kind))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeRoot writes a trusted root file and loads it, as a user would.
func writeRoot(t testing.TB, r rekorv2.Root) *sigstore.Verifier {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(path, r.JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := trust.FromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigstore.NewVerifier(tr, sigstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func marshal(t testing.TB, b *bundle.Bundle) []byte {
	t.Helper()
	j, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// editBundle decodes a bundle's JSON, edits it and encodes it again.
func editBundle(t testing.TB, data []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func envelope(m map[string]any) map[string]any { return m["dsseEnvelope"].(map[string]any) }

// editPayload edits the statement inside a DSSE bundle.
func editPayload(t testing.TB, m map[string]any, edit func(st map[string]any)) {
	t.Helper()
	env := envelope(m)
	p, err := base64.StdEncoding.DecodeString(env["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(p, &st); err != nil {
		t.Fatal(err)
	}
	edit(st)
	p, err = json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	env["payload"] = base64.StdEncoding.EncodeToString(p)
}

func verifyBundle(ctx context.Context, t testing.TB, v *sigstore.Verifier, data []byte, art sigstore.SignedArtifact, p sigstore.Policy) error {
	t.Helper()
	b, err := sigstore.ParseBundle(data)
	if err != nil {
		return err
	}
	_, err = v.Verify(ctx, b, art, p)
	return err
}

// TestSignRekorV2 signs statements and artifacts with ECDSA P-256 and
// Ed25519 keys read from PKCS#8 PEM, logs them to a real Rekor v2 server
// on 127.0.0.1, timestamps them with an RFC 3161 authority on 127.0.0.1,
// and verifies the bundles with package verify/sigstore against a trusted root file
// naming that log and authority: as signed, then tampered with.
func TestSignRekorV2(t *testing.T) {
	srv := rekorv2.Start(t, rekorv2.Options{})
	tsa := rekorv2.StartTSA(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	rekor, err := signing.NewRekor(srv.URL, 2, loopback(t))
	if err != nil {
		t.Fatal(err)
	}
	opts := func(k *signing.Key) signing.Options {
		return signing.Options{
			Key:                  k,
			TransparencyLogs:     []sign.Transparency{rekor},
			TimestampAuthorities: []*sign.TimestampAuthority{signing.NewTimestampAuthority(tsa.URL, loopback(t))},
		}
	}
	v := writeRoot(t, srv.Root().Merge(tsa.Root()))

	artifact := []byte("selfattest: an artifact signed by attest and logged to Rekor v2\n")
	other := []byte("selfattest: another artifact\n")
	st, err := intoto.NewStatement(testPredicate{}, intoto.Subject{Name: "app.js", Digests: attest.MeasureBytes(artifact)})
	if err != nil {
		t.Fatal(err)
	}
	otherSt, err := intoto.NewStatement(testPredicate{}, intoto.Subject{Name: "app.js", Digests: attest.MeasureBytes(other)})
	if err != nil {
		t.Fatal(err)
	}
	d := attest.MeasureBytes(artifact)
	byDigest := sigstore.ArtifactDigest(attest.SHA256, d.Sum(attest.SHA256))

	for _, kind := range []string{"ecdsa", "ed25519"} {
		t.Run(kind, func(t *testing.T) {
			key, otherKey := signingKey(t, kind), signingKey(t, kind)
			policy := sigstore.Policy{Key: key.Public(), PredicateType: testPredicate{}.PredicateType()}

			sb, err := signing.Statement(ctx, st, opts(key))
			if err != nil {
				t.Fatalf("Statement: %v", err)
			}
			signed := marshal(t, sb)
			var m map[string]any
			if err := json.Unmarshal(signed, &m); err != nil {
				t.Fatal(err)
			}
			if m["mediaType"] != signing.BundleMediaType {
				t.Fatalf("mediaType %v", m["mediaType"])
			}
			if pt := envelope(m)["payloadType"]; pt != signing.InTotoPayloadType {
				t.Fatalf("payloadType %v", pt)
			}
			if err := verifyBundle(ctx, t, v, signed, byDigest, policy); err != nil {
				t.Fatalf("statement bundle does not verify: %v", err)
			}
			if kind == "ed25519" {
				// sigstore-go, with the key loaded as Ed25519ph (the
				// variant Rekor v2 demands), agrees.
				verifyEd25519ph(t, signed, srv.Root().Merge(tsa.Root()), key.Public(), d.Sum(attest.SHA256))
			}

			ab, err := signing.Artifact(ctx, artifact, opts(key))
			if err != nil {
				t.Fatalf("Artifact: %v", err)
			}
			artSigned := marshal(t, ab)
			if err := verifyBundle(ctx, t, v, artSigned, sigstore.ArtifactReader(bytes.NewReader(artifact)), sigstore.Policy{Key: key.Public()}); err != nil {
				t.Fatalf("artifact bundle does not verify: %v", err)
			}

			// Material for the tampers: a signature over another statement,
			// and the same statement signed by another key.
			ob, err := signing.Statement(ctx, otherSt, opts(key))
			if err != nil {
				t.Fatal(err)
			}
			var om map[string]any
			if err := json.Unmarshal(marshal(t, ob), &om); err != nil {
				t.Fatal(err)
			}
			rb, err := signing.Statement(ctx, st, opts(otherKey))
			if err != nil {
				t.Fatal(err)
			}

			for _, tc := range []struct {
				name   string
				data   []byte
				art    *sigstore.SignedArtifact
				policy sigstore.Policy
			}{
				{
					name: "subject digest swapped after signing",
					data: editBundle(t, signed, func(m map[string]any) {
						od := attest.MeasureBytes(other)
						editPayload(t, m, func(st map[string]any) {
							st["subject"].([]any)[0].(map[string]any)["digest"] = map[string]any{"sha256": od.Hex(attest.SHA256), "sha512": od.Hex(attest.SHA512)}
						})
					}),
					art: func() *sigstore.SignedArtifact {
						od := attest.MeasureBytes(other)
						a := sigstore.ArtifactDigest(attest.SHA256, od.Sum(attest.SHA256))
						return &a
					}(),
				},
				{
					name: "DSSE payload type changed",
					data: editBundle(t, signed, func(m map[string]any) { envelope(m)["payloadType"] = "application/json" }),
				},
				{
					name: "signature over a different payload",
					data: editBundle(t, signed, func(m map[string]any) {
						envelope(m)["signatures"] = envelope(om)["signatures"]
					}),
				},
				{
					name: "signature and log entry of a different payload",
					data: editBundle(t, signed, func(m map[string]any) {
						envelope(m)["signatures"] = envelope(om)["signatures"]
						m["verificationMaterial"] = om["verificationMaterial"]
					}),
				},
				{
					name: "statement re-signed by another key",
					data: marshal(t, rb),
				},
				{
					name:   "artifact bytes changed",
					data:   artSigned,
					art:    ptr(sigstore.ArtifactReader(bytes.NewReader(other))),
					policy: sigstore.Policy{Key: key.Public()},
				},
				{
					name:   "artifact signed by another key",
					data:   artSigned,
					art:    ptr(sigstore.ArtifactReader(bytes.NewReader(artifact))),
					policy: sigstore.Policy{Key: otherKey.Public()},
				},
			} {
				t.Run(tc.name, func(t *testing.T) {
					art, p := byDigest, tc.policy
					if tc.art != nil {
						art = *tc.art
					}
					if p.Key == nil {
						p = policy
					}
					err := verifyBundle(ctx, t, v, tc.data, art, p)
					if !errors.Is(err, sigstore.ErrVerification) {
						t.Fatalf("got %v, want an error wrapping sigstore.ErrVerification", err)
					}
					t.Logf("rejected: %v", err)
				})
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// verifyEd25519ph verifies a key-signed bundle with sigstore-go alone,
// loading the Ed25519 key in its pre-hashed variant, with the log and
// timestamp thresholds package verify/sigstore uses.
func verifyEd25519ph(t testing.TB, data []byte, r rekorv2.Root, pub crypto.PublicKey, sha256 []byte) {
	t.Helper()
	tr, err := trust.FromJSON(r.JSON())
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadVerifierWithOpts(pub, options.WithED25519ph())
	if err != nil {
		t.Fatal(err)
	}
	km := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
	})
	sev, err := sgverify.NewVerifier(root.TrustedMaterialCollection{km, tr}, sgverify.WithTransparencyLog(1), sgverify.WithSignedTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sigstore.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sev.Verify(b, sgverify.NewPolicy(sgverify.WithArtifactDigest("sha256", sha256), sgverify.WithKey())); err != nil {
		t.Fatalf("sigstore-go with an Ed25519ph key: %v", err)
	}
}

// unusedLog is a transparency log a test expects never to be asked.
type unusedLog struct{ t testing.TB }

func (u unusedLog) GetTransparencyLogEntry(context.Context, []byte, *protobundle.Bundle) error {
	u.t.Error("the transparency log was asked")
	return errors.New("unused")
}

func rsaPEM(t testing.TB) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func p384PEM(t testing.TB) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
