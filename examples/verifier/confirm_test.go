package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/internal/rekorv2"
	"github.com/ats-run/selfattest/verify/report"
)

// TestVerifyBundleConfirm signs to a real Rekor v2 server (skipped, naming
// .ci/rekor-server.sh, when it is not built), adds entries after the
// bundle's, and runs verify-bundle --confirm-tiles against the log, a fork
// of it, and nothing. Every URL the verifier reads is on 127.0.0.1.
func TestVerifyBundleConfirm(t *testing.T) {
	_, logKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := rekorv2.Start(t, rekorv2.Options{Key: logKey})
	tsa := rekorv2.StartTSA(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	signTo := func(s *rekorv2.Server, data []byte) []byte {
		t.Helper()
		pb, err := sign.Bundle(&sign.PlainData{Data: data}, kp, sign.BundleOptions{
			Context:              ctx,
			TransparencyLogs:     []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: s.URL, Version: 2, Timeout: 10 * time.Second})},
			TimestampAuthorities: []*sign.TimestampAuthority{sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: tsa.URL, Timeout: 10 * time.Second})},
		})
		if err != nil {
			t.Fatalf("signing: %v", err)
		}
		b, err := (&bundle.Bundle{Bundle: pb}).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	dir := t.TempDir()
	data := []byte("confirmed by the verifier CLI\n")
	artifact := write(t, dir, "artifact.txt", data)
	bundlePath := write(t, dir, "artifact.sigstore.json", signTo(srv, data))
	for i := range 2 {
		signTo(srv, []byte{'x', byte(i)})
	}
	rootPath := write(t, dir, "trusted_root.json", srv.TrustedRootJSON(tsa.Root()))
	der, err := x509.MarshalPKIXPublicKey(kp.GetPublicKey())
	if err != nil {
		t.Fatal(err)
	}
	keyPath := write(t, dir, "key.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	fork := rekorv2.Start(t, rekorv2.Options{Key: logKey, Origin: srv.Origin})
	for i := range 3 {
		signTo(fork, []byte{'f', byte(i)})
	}
	dead := clitest.DeadURL(t)

	logURL := "https://" + srv.Origin
	base := []string{"verify-bundle", "--bundle", bundlePath, "--key", keyPath, "--trusted-root", rootPath, "--json"}
	for _, tc := range []struct {
		name    string
		confirm []string
		want    int
		verdict report.Verdict
	}{
		{"confirmed", []string{"--confirm-tiles", logURL + "=" + srv.TilesURL}, exitVerified, report.VerdictPass},
		{"forked log", []string{"--confirm-tiles", logURL + "=" + fork.TilesURL}, exitRejected, report.VerdictFail},
		{"unreachable log", []string{"--confirm-tiles", logURL + "=" + dead}, exitCouldNotCk, report.VerdictError},
		{"log not in the trusted root", []string{"--confirm-tiles", "https://other.invalid=" + srv.TilesURL}, exitUsage, ""},
		{"log ID without a URL to read it from", []string{"--confirm-tiles", hex.EncodeToString(rekorv2.KeyID(srv.Origin, srv.PublicKey))}, exitUsage, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			summary := filepath.Join(t.TempDir(), "summary.md")
			args := append(append(append([]string{}, base...), "--summary", summary), tc.confirm...)
			r := verifier(t, nil, append(args, artifact)...)
			expectCode(t, r, tc.want)
			if tc.verdict == "" {
				return
			}
			var rep report.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("%v: %s", err, r.stdout)
			}
			var found bool
			for _, c := range rep.Checks {
				if c.Group == report.GroupLogConfirmation {
					found = true
					if c.Verdict != tc.verdict {
						t.Errorf("check %+v: verdict %s, want %s", c, c.Verdict, tc.verdict)
					}
				}
			}
			if !found {
				t.Fatalf("no %s check in %s", report.GroupLogConfirmation, r.stdout)
			}
			md, err := os.ReadFile(summary)
			if err != nil || !strings.Contains(string(md), "Transparency Log Confirmation") {
				t.Errorf("summary %s: %v", md, err)
			}
			t.Logf("stderr: %s", r.stderr)
		})
	}
	t.Run("no confirmation asked", func(t *testing.T) {
		r := verifier(t, nil, append(append([]string{}, base...), artifact)...)
		expectCode(t, r, exitVerified)
		if strings.Contains(r.stdout, report.GroupLogConfirmation) {
			t.Errorf("a confirmation nobody asked for: %s", r.stdout)
		}
	})
}
