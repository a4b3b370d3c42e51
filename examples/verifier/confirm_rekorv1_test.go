package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/rekorv1fake"
	"github.com/ats-run/selfattest/verify/report"
)

// TestVerifyBundleConfirmRekorV1 runs verify-bundle --confirm-rekor-v1
// against a Rekor v1 log on 127.0.0.1 (internal/rekorv1fake) that has
// grown since the bundle: a bundle with its inclusion proof, the same
// entry as a v0.1 bundle with its promise only, and a log that lies about
// its consistency.
func TestVerifyBundleConfirmRekorV1(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := rekorv1fake.Start(t, 9)
	dir := t.TempDir()
	opts, keyPath := rekorV1Signer(t, f.URL, dir)
	data := []byte("confirmed in a Rekor v1 log by the verifier CLI\n")
	b, err := signing.Artifact(ctx, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	withProof, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(withProof, &m); err != nil {
		t.Fatal(err)
	}
	m["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"
	delete(m["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any), "inclusionProof")
	promiseOnly, _ := json.Marshal(m)
	f.Grow(21)

	artifact := write(t, dir, "artifact.txt", data)
	rootPath := write(t, dir, "trusted_root.json", f.Root().JSON())
	bundles := map[string]string{
		"inclusion proof": write(t, dir, "proof.sigstore.json", withProof),
		"promise only":    write(t, dir, "promise.sigstore.json", promiseOnly),
	}
	lie := func(path string, body []byte) []byte {
		if path != "/api/v1/log/proof" {
			return body
		}
		var p map[string]any
		json.Unmarshal(body, &p)
		hs := p["hashes"].([]any)
		h, _ := hex.DecodeString(hs[0].(string))
		h[0] ^= 1
		hs[0] = hex.EncodeToString(h)
		out, _ := json.Marshal(p)
		return out
	}
	logFlag := "https://" + rekorv1fake.Host + "=" + f.URL
	for _, tc := range []struct {
		name, bundle string
		lie          bool
		want         int
		verdict      report.Verdict
		method       string
	}{
		{"inclusion proof, confirmed", "inclusion proof", false, exitVerified, report.VerdictPass, "extended by consistency"},
		{"promise only, confirmed from the log's entry", "promise only", false, exitVerified, report.VerdictPass, "read by its UUID"},
		{"inclusion proof, log lies about consistency", "inclusion proof", true, exitRejected, report.VerdictFail, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.lie {
				f.SetTamper(lie)
				defer f.SetTamper(nil)
			}
			r := verifier(t, nil, "verify-bundle", "--bundle", bundles[tc.bundle], "--key", keyPath, "--trusted-root", rootPath,
				"--json", "--confirm-rekor-v1", logFlag, artifact)
			expectCode(t, r, tc.want)
			var rep report.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("%v: %s", err, r.stdout)
			}
			var found bool
			for _, c := range rep.Checks {
				if c.Group == report.GroupLogConfirmation {
					found = true
					if c.Verdict != tc.verdict || !strings.Contains(c.Detail, tc.method) {
						t.Errorf("check %+v: want verdict %s and a detail saying %q", c, tc.verdict, tc.method)
					}
				}
			}
			if !found {
				t.Fatalf("no %s check in %s", report.GroupLogConfirmation, r.stdout)
			}
		})
	}
}
