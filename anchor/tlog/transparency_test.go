package tlog

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/intoto"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/trust"
)

// loopbackOnly fails the test on any request to a host that is not a
// loopback IP address.
type loopbackOnly struct{ t testing.TB }

func (l loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if ip, err := netip.ParseAddr(r.URL.Hostname()); err != nil || !ip.IsLoopback() {
		l.t.Errorf("a request to %s was about to leave the machine", r.URL)
		return nil, errors.New("test transport: only loopback addresses")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestTransparencyVerifies signs a statement and an artifact with a key,
// logs them to a local log through the Transparency adapter, timestamps
// them with an RFC 3161 authority on 127.0.0.1, and verifies the bundles
// with package verify/sigstore against a trusted root file made by TrustedRoot;
// then tampers with the proof and the trust.
func TestTransparencyVerifies(t *testing.T) {
	ctx := testCtx(t)
	logKey := testKey("transparency")
	l := openLog(t, t.TempDir(), logKey, Options{})
	tr, err := NewTransparency(l)
	if err != nil {
		t.Fatal(err)
	}
	tsa := rekorv2.StartTSA(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	opts := signing.Options{
		Key:                  key,
		TransparencyLogs:     []sign.Transparency{tr},
		TimestampAuthorities: []*sign.TimestampAuthority{signing.NewTimestampAuthority(tsa.URL, signing.ServiceOptions{Transport: loopbackOnly{t}})},
	}

	// A filler entry first, so that the signed entry's proof has a hash.
	if _, err := l.Append(ctx, []byte("filler")); err != nil {
		t.Fatal(err)
	}
	artifact := []byte("selfattest: an artifact logged to a local log\n")
	ab, err := signing.Artifact(ctx, artifact, opts)
	if err != nil {
		t.Fatalf("Artifact: %v", err)
	}
	signed, err := ab.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	st, err := intoto.NewStatement(testPredicate{}, intoto.Subject{Name: "a.txt", Digests: attest.MeasureBytes(artifact)})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := signing.Statement(ctx, st, opts)
	if err != nil {
		t.Fatalf("Statement: %v", err)
	}
	stSigned, err := sb.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}

	tsaRoot := &root.SigstoreTimestampingAuthority{Root: tsa.Chain[1], Leaf: tsa.Chain[0], URI: tsa.URL, ValidityPeriodStart: tsa.Started.Add(-time.Minute)}
	verifier := func(t *testing.T, origin string, pub ed25519.PublicKey, tsas ...root.TimestampingAuthority) *sigstore.Verifier {
		t.Helper()
		tl, err := TrustedRootLog(origin, pub, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		r, err := TrustedRoot([]*root.TransparencyLog{tl}, tsas...)
		if err != nil {
			t.Fatal(err)
		}
		j, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "trusted_root.json")
		if err := os.WriteFile(path, j, 0o644); err != nil {
			t.Fatal(err)
		}
		trusted, err := trust.FromFile(path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := sigstore.NewVerifier(trusted, sigstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	good := verifier(t, testOrigin, logKey.Public().(ed25519.PublicKey), tsaRoot)
	policy := sigstore.Policy{Key: ecKey.Public()}
	check := func(v *sigstore.Verifier, data []byte, p sigstore.Policy) error {
		b, err := sigstore.ParseBundle(data)
		if err != nil {
			return err
		}
		_, err = v.Verify(ctx, b, sigstore.ArtifactDigest(attest.SHA256, sha256Of(artifact)), p)
		return err
	}

	t.Run("artifact verifies", func(t *testing.T) {
		if err := check(good, signed, policy); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
	t.Run("statement verifies", func(t *testing.T) {
		if err := check(good, stSigned, sigstore.Policy{Key: ecKey.Public(), PredicateType: testPredicate{}.PredicateType()}); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
	t.Run("entry is what the log holds", func(t *testing.T) {
		var m struct {
			VerificationMaterial struct {
				TlogEntries []struct {
					LogIndex          string `json:"logIndex"`
					CanonicalizedBody []byte `json:"canonicalizedBody"`
					LogID             struct {
						KeyID []byte `json:"keyId"`
					} `json:"logId"`
					KindVersion struct{ Kind, Version string } `json:"kindVersion"`
				} `json:"tlogEntries"`
			} `json:"verificationMaterial"`
		}
		if err := json.Unmarshal(signed, &m); err != nil {
			t.Fatal(err)
		}
		e := m.VerificationMaterial.TlogEntries[0]
		if e.LogIndex != "1" || e.KindVersion.Kind != "hashedrekord" || e.KindVersion.Version != "0.0.2" || string(e.LogID.KeyID) != string(l.LogKey().LogID()) {
			t.Errorf("entry %+v", e)
		}
		inc, err := l.Prove(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if string(inc.Entry) != string(e.CanonicalizedBody) {
			t.Errorf("log holds %s, bundle says %s", inc.Entry, e.CanonicalizedBody)
		}
	})

	otherKey := testKey("other")
	for _, tc := range []struct {
		name string
		data []byte
		v    *sigstore.Verifier
	}{
		{name: "flipped inclusion proof hash", data: editJSON(t, signed, func(e map[string]any) {
			p := e["inclusionProof"].(map[string]any)
			p["hashes"].([]any)[0] = flipB64(t, p["hashes"].([]any)[0].(string))
		})},
		{name: "changed inclusion proof root hash", data: editJSON(t, signed, func(e map[string]any) {
			p := e["inclusionProof"].(map[string]any)
			p["rootHash"] = flipB64(t, p["rootHash"].(string))
		})},
		{name: "changed log index", data: editJSON(t, signed, func(e map[string]any) {
			e["logIndex"] = "0"
			e["inclusionProof"].(map[string]any)["logIndex"] = "0"
		})},
		{name: "flipped checkpoint signature", data: editJSON(t, signed, func(e map[string]any) {
			cp := e["inclusionProof"].(map[string]any)["checkpoint"].(map[string]any)
			text, sig, _ := strings.Cut(cp["envelope"].(string), "\n\n")
			i := strings.LastIndex(sig, " ")
			cp["envelope"] = text + "\n\n" + sig[:i+1] + flipB64(t, strings.TrimSuffix(sig[i+1:], "\n")) + "\n"
		})},
		{name: "trusted root naming another log key", data: signed, v: verifier(t, testOrigin, otherKey.Public().(ed25519.PublicKey), tsaRoot)},
		{name: "trusted root naming another origin", data: signed, v: verifier(t, "other."+testOrigin, logKey.Public().(ed25519.PublicKey), tsaRoot)},
		{name: "trusted root without the timestamp authority", data: signed, v: verifier(t, testOrigin, logKey.Public().(ed25519.PublicKey))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := good
			if tc.v != nil {
				v = tc.v
			}
			err := check(v, tc.data, policy)
			if !errors.Is(err, sigstore.ErrVerification) {
				t.Fatalf("got %v, want an error wrapping sigstore.ErrVerification", err)
			}
			t.Logf("rejected: %v", err)
		})
	}
}

// TestTransparencyRefuses checks that Add logs nothing it should not.
func TestTransparencyRefuses(t *testing.T) {
	ctx := testCtx(t)
	l := openLog(t, t.TempDir(), testKey("refuses"), Options{})
	tr, err := NewTransparency(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		entry any
	}{
		{"not a hashedrekord request", "an entry"},
		{"empty request", &rekortilespb.HashedRekordRequestV002{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tr.Add(ctx, tc.entry); !errors.Is(err, ErrInvalidEntry) {
				t.Fatalf("got %v, want ErrInvalidEntry", err)
			}
		})
	}
	if _, err := NewTransparency(nil); !errors.Is(err, ErrConfig) {
		t.Errorf("NewTransparency(nil): %v", err)
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 0 {
		t.Errorf("log size %d after refusals, want 0", cp.Size)
	}
}

type testPredicate struct{}

func (testPredicate) PredicateType() string          { return "https://github.com/ats-run/selfattest/test/v1" }
func (testPredicate) PredicateJSON() ([]byte, error) { return []byte(`{"test":true}`), nil }

func sha256Of(b []byte) []byte {
	d := attest.MeasureBytes(b)
	return d.Sum(attest.SHA256)
}

// editJSON edits the first transparency log entry of a bundle.
func editJSON(t testing.TB, data []byte, edit func(entry map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any))
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func flipB64(t testing.TB, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		t.Fatalf("%q: %v", s, err)
	}
	b[len(b)-1] ^= 1
	return base64.StdEncoding.EncodeToString(b)
}
