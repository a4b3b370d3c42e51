package sigstore_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/rekorv1fake"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/confirm"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
	"github.com/ats-run/selfattest/verify/trust"
)

// v1Fixture is a Rekor v1 log (internal/rekorv1fake) holding seed
// entries, a P-256 key, a bundle of artifact signed with the key and
// logged there, and a verifier whose trusted root names the log.
type v1Fixture struct {
	log      *rekorv1fake.Log
	priv     *ecdsa.PrivateKey
	artifact []byte
	signed   *bundle.Bundle
	v        *sigstore.Verifier
}

func newV1Fixture(t *testing.T, ctx context.Context, seed int, artifact string) *v1Fixture {
	t.Helper()
	fx := &v1Fixture{log: rekorv1fake.Start(t, seed), artifact: []byte(artifact)}
	var err error
	if fx.priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey(fx.priv)
	if err != nil {
		t.Fatal(err)
	}
	rekor, err := signing.NewRekor(fx.log.URL, 1, signing.ServiceOptions{Transport: confirmTransport(t), Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if fx.signed, err = signing.Artifact(ctx, fx.artifact, signing.Options{Key: key, TransparencyLogs: []sign.Transparency{rekor}}); err != nil {
		t.Fatal(err)
	}
	rootPath := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(rootPath, fx.log.Root().JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := trust.FromFile(rootPath)
	if err != nil {
		t.Fatal(err)
	}
	if fx.v, err = sigstore.NewVerifier(tr, sigstore.Options{}); err != nil {
		t.Fatal(err)
	}
	return fx
}

// verify verifies b (a bundle of fx.artifact by fx's key).
func (fx *v1Fixture) verify(t *testing.T, ctx context.Context, b *bundle.Bundle) *sigstore.Result {
	t.Helper()
	res, err := fx.v.Verify(ctx, b, sigstore.ArtifactReader(bytes.NewReader(fx.artifact)), sigstore.Policy{Key: fx.priv.Public()})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return res
}

// source reads the log over HTTP, entries by UUID included.
func (fx *v1Fixture) source(t *testing.T) confirm.LogSource {
	hf, err := rekorv1.NewHTTPFetcher(fx.log.URL, logfetch.HTTPOptions{Transport: confirmTransport(t), Retries: -1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return confirm.RekorV1Log(hex.EncodeToString(fx.log.LogID()), hf)
}

// TestConfirmRekorV1GrownLog confirms a bundle logged to a Rekor v1 log
// (internal/rekorv1fake: rekor's own entry types and checkpoint signing)
// after the log has grown past the bundle's checkpoint: the entry is
// proven in the latest signed tree head by the bundle's inclusion proof
// and the consistency proof the log serves. Then the log lies: a
// consistency proof with a hash flipped, one for another tree, and a
// signed tree head from a fork.
func TestConfirmRekorV1GrownLog(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fx := newV1Fixture(t, ctx, 11, "grown log artifact\n")
	f, v, b := fx.log, fx.v, fx.signed
	res := fx.verify(t, ctx, b)
	bundleSize := uint64(res.LogEntries[0].Checkpoint.Size)

	f.Grow(29) // the log moves on
	latest := f.Size()
	if latest <= bundleSize {
		t.Fatalf("log size %d, bundle checkpoint %d", latest, bundleSize)
	}
	fetcher := fx.source

	t.Run("confirmed at the latest size", func(t *testing.T) {
		c, err := confirm.Confirm(ctx, v, b, res, fetcher(t))
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		e := c.Entries[0]
		if e.Status != confirm.StatusConfirmed || e.Method != confirm.MethodRekorV1 || e.Latest.Size != latest ||
			e.Bundle.Size != bundleSize || len(e.ConsistencyProof) == 0 {
			t.Fatalf("entry %+v", e)
		}
		if e.Latest.Origin != f.Origin() {
			t.Fatalf("latest checkpoint origin %q, want %q", e.Latest.Origin, f.Origin())
		}
	})

	editProof := func(edit func(p map[string]any)) func(string, []byte) []byte {
		return func(path string, body []byte) []byte {
			if path != "/api/v1/log/proof" {
				return body
			}
			var p map[string]any
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			edit(p)
			out, _ := json.Marshal(p)
			return out
		}
	}
	flipHex := func(s string) string {
		b, _ := hex.DecodeString(s)
		b[len(b)/2] ^= 1
		return hex.EncodeToString(b)
	}
	fork := rekorv1fake.Start(t, 0) // another log, signing with its own key
	for _, tc := range []struct {
		name   string
		tamper func(string, []byte) []byte
		target any
	}{
		{"consistency proof with a hash flipped", editProof(func(p map[string]any) {
			hs := p["hashes"].([]any)
			hs[len(hs)/2] = flipHex(hs[len(hs)/2].(string))
		}), new(*tlog.InconsistencyError)},
		{"consistency proof with a hash left out", editProof(func(p map[string]any) {
			hs := p["hashes"].([]any)
			p["hashes"] = hs[:len(hs)-1]
		}), new(*tlog.InconsistencyError)},
		{"signed tree head by another key", func(path string, body []byte) []byte {
			if path != "/api/v1/log" {
				return body
			}
			fork.Grow(int(latest))
			var info map[string]any
			json.Unmarshal(body, &info)
			// The other log's signed tree head at the same size, under
			// this log's origin: its signature is by a key the root does
			// not name for this log.
			r := fork.ReadLogInfo(t)
			info["signedTreeHead"] = strings.Replace(r["signedTreeHead"].(string), fork.Origin(), f.Origin(), 1)
			info["rootHash"] = r["rootHash"]
			out, _ := json.Marshal(info)
			return out
		}, new(*tlog.SignatureError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.SetTamper(tc.tamper)
			defer f.SetTamper(nil)
			c, err := confirm.Confirm(ctx, v, b, res, fetcher(t))
			if c != nil {
				t.Fatalf("accepted: %+v", c)
			}
			wantConfirmRejected(t, err, tc.target)
		})
	}
}

// TestConfirmRekorV1Promise confirms a v0.1 bundle that carries only an
// inclusion promise (a signed entry timestamp, no inclusion proof) by
// reading its entry from the log by UUID: the entry's own inclusion proof
// at a checkpoint the log signed, then the latest checkpoint. A log that
// serves another entry, a broken signed entry timestamp or a broken
// inclusion proof for it is rejected.
func TestConfirmRekorV1Promise(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fx := newV1Fixture(t, ctx, 6, "promise only artifact\n")
	f, v, signed := fx.log, fx.v, fx.signed
	// The same entry as a v0.1 bundle with its promise only.
	j, err := signed.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	m["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"
	e0 := m["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any)
	delete(e0, "inclusionProof")
	j, _ = json.Marshal(m)
	b, err := sigstore.ParseBundle(j)
	if err != nil {
		t.Fatal(err)
	}
	res := fx.verify(t, ctx, b)
	if res.LogEntries[0].Checkpoint != nil {
		t.Fatalf("the promise-only bundle verified with a checkpoint: %+v", res.LogEntries[0])
	}
	f.Grow(17)
	source := fx.source

	t.Run("confirmed through the log's entry", func(t *testing.T) {
		c, err := confirm.Confirm(ctx, v, b, res, source(t))
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		e := c.Entries[0]
		if e.Status != confirm.StatusConfirmed || e.Method != confirm.MethodRekorV1Entry || e.Bundle != nil || e.Entry == nil ||
			e.Latest.Size != f.Size() || e.InclusionSize != e.Entry.Size || len(e.InclusionProof) == 0 {
			t.Fatalf("entry %+v", e)
		}
	})

	other := f.Leaf(2) // a seed entry: another body
	editEntry := func(edit func(e map[string]any)) func(string, []byte) []byte {
		return func(path string, body []byte) []byte {
			if !strings.HasPrefix(path, "/api/v1/log/entries/") {
				return body
			}
			var m map[string]map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			for _, e := range m {
				edit(e)
			}
			out, _ := json.Marshal(m)
			return out
		}
	}
	for _, tc := range []struct {
		name   string
		tamper func(string, []byte) []byte
		target any
	}{
		{"another entry's body under our UUID", editEntry(func(e map[string]any) {
			e["body"] = base64.StdEncoding.EncodeToString(other)
		}), new(*rekorv1.Error)},
		{"signed entry timestamp flipped", editEntry(func(e map[string]any) {
			v := e["verification"].(map[string]any)
			set, _ := base64.StdEncoding.DecodeString(v["signedEntryTimestamp"].(string))
			set[len(set)/2] ^= 1
			v["signedEntryTimestamp"] = base64.StdEncoding.EncodeToString(set)
		}), new(*rekorv1.Error)},
		{"inclusion proof hash flipped", editEntry(func(e map[string]any) {
			ip := e["verification"].(map[string]any)["inclusionProof"].(map[string]any)
			hs := ip["hashes"].([]any)
			h, _ := hex.DecodeString(hs[0].(string))
			h[0] ^= 1
			hs[0] = hex.EncodeToString(h)
		}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.SetTamper(tc.tamper)
			defer f.SetTamper(nil)
			c, err := confirm.Confirm(ctx, v, b, res, source(t))
			if c != nil {
				t.Fatalf("accepted: %+v", c)
			}
			wantConfirmRejected(t, err, tc.target)
		})
	}
}
