package sigstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/ats-run/selfattest/verify/trust"

	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
)

// A Rekor v2 entry from a log whose key's validFor.end passed before the
// signature existed must be rejected. sigstore-go v1.3.0 checks the window
// only through signed entry timestamps, which Rekor v2 entries lack: this
// test shows it accepts the case, and that Verify does not.
func TestRekorV2LogKeyExpired(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "sigstore", "conformance", "bundle-verify", "rekor2-happy-path")
	rootJSON, err := os.ReadFile(filepath.Join(dir, "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadBundle(filepath.Join(dir, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	artifact, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sigstore", "conformance", "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cs := cases.Read(t, cases.Corpus(2, "conformance"))
	var p Policy
	for _, c := range cs {
		if c.Name == "bundle-verify/rekor2-happy-path" {
			p = Policy{SAN: c.IdentityOrKey, Issuer: c.Issuer}
		}
	}
	ctx := context.Background()

	// Baseline: verifies, with a Rekor v2 entry and a TSA time.
	tr, err := trust.FromJSON(rootJSON)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := NewVerifier(tr, Options{})
	res, err := v.Verify(ctx, b, ArtifactReader(bytes.NewReader(artifact)), p)
	if err != nil {
		t.Fatalf("baseline: %v", err)
	}
	if len(res.LogEntries) != 1 || res.LogEntries[0].IntegratedTime != nil || len(res.Timestamps) == 0 {
		t.Fatalf("baseline is not a Rekor v2 entry with a TSA time: %+v", res)
	}
	logID, tsaTime := res.LogEntries[0].LogID, res.Timestamps[0].Time

	// The same root, with the v2 log's key window ending an hour before.
	var raw map[string]any
	if err := json.Unmarshal(rootJSON, &raw); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tl := range raw["tlogs"].([]any) {
		m := tl.(map[string]any)
		id, _ := base64.StdEncoding.DecodeString(m["logId"].(map[string]any)["keyId"].(string))
		if hex.EncodeToString(id) == logID {
			m["publicKey"].(map[string]any)["validFor"].(map[string]any)["end"] = tsaTime.Add(-time.Hour).Format(time.RFC3339)
			found = true
		}
	}
	if !found {
		t.Fatal("the entry's log is not in the root")
	}
	expired, _ := json.Marshal(raw)
	tr2, err := trust.FromJSON(expired)
	if err != nil {
		t.Fatal(err)
	}

	// sigstore-go alone lets it through (the gap this check closes).
	sev, err := sgverify.NewVerifier(tr2, sgverify.WithSignedCertificateTimestamps(1), sgverify.WithTransparencyLog(1), sgverify.WithObserverTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := sgverify.NewShortCertificateIdentity(p.Issuer, "", p.SAN, "")
	if _, err := sev.Verify(b, sgverify.NewPolicy(sgverify.WithArtifact(bytes.NewReader(artifact)), sgverify.WithCertificateIdentity(id))); err != nil {
		t.Logf("sigstore-go now rejects it too: %v", err)
	}

	v2, _ := NewVerifier(tr2, Options{})
	_, err = v2.Verify(ctx, b, ArtifactReader(bytes.NewReader(artifact)), p)
	var ke *LogKeyValidityError
	if !errors.As(err, &ke) || !errors.Is(err, ErrVerification) {
		t.Fatalf("expired log key: err = %v, want a *LogKeyValidityError", err)
	}
}
