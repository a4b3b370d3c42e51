package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	rekorpb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	anchortlog "github.com/ats-run/selfattest/anchor/tlog"
)

// hashedRekord is a Rekor v2 hashedrekord entry, as a Rekor v2 log stores
// it, signed by a certificate for san.
func hashedRekord(t *testing.T, ca *testCA, san string, artifact []byte) []byte {
	t.Helper()
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := provider{ca: ca, san: san}.GetCertificate(context.Background(), kp, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, digest, err := kp.SignData(context.Background(), artifact)
	if err != nil {
		t.Fatal(err)
	}
	d := [32]byte(digest)
	e := &rekorpb.Entry{Kind: "hashedrekord", ApiVersion: "0.0.2", Spec: &rekorpb.Spec{Spec: &rekorpb.Spec_HashedRekordV002{HashedRekordV002: &rekorpb.HashedRekordLogEntryV002{
		Data: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: d[:]},
		Signature: &rekorpb.Signature{Content: sig, Verifier: &rekorpb.Verifier{
			Verifier:   &rekorpb.Verifier_X509Certificate{X509Certificate: &protocommon.X509Certificate{RawBytes: der}},
			KeyDetails: protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256,
		}},
	}}}}
	b, err := protojson.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMonitorTessera fills a real tessera POSIX log (anchor/tlog) with
// 10,000 Rekor v2 entries, one of them signed by the release identity,
// and runs the monitor CLI over its folder: it must find that one entry.
func TestMonitorTessera(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a 10,000-entry log; runs without -short (CI runs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ca := newTestCA(t)
	// 64 signers share the 10,000 entries; the release identity signs one.
	var others [][]byte
	for i := range 64 {
		others = append(others, hashedRekord(t, ca, fmt.Sprintf("https://github.com/other%d/app/.github/workflows/release.yml@refs/heads/main", i), []byte(fmt.Sprint(i))))
	}
	entries := make([][]byte, 10000)
	for i := range entries {
		entries[i] = others[i%64] // a log need not deduplicate
	}
	planted := hashedRekord(t, ca, release, []byte("the release"))
	entries[7777] = planted

	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const origin = "tessera.selfattest.test"
	l, err := anchortlog.Open(ctx, dir, origin, key, anchortlog.Options{BatchMaxSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := l.AppendBatch(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Await(ctx, 9999); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	code, out, errOut := runMonitor(t, "--log", dir, "--origin", origin, "--log-key", vkey(t, origin, key.Public().(ed25519.PublicKey)),
		"--state", state, "--san", release, "--issuer", ghIssuer)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if want := fmt.Sprintf("MATCH entry %d ", idx[7777]); !strings.Contains(out, want) || strings.Count(out, "MATCH") != 1 {
		t.Fatalf("want one %q:\n%s", want, out)
	}
	if !strings.Contains(out, "scanned entries 0 to 10000: 1 matches, 0 unreadable") {
		t.Fatalf("summary:\n%s", out)
	}

	// A new monitor that starts at the log's end scans nothing; one that
	// starts at 7000 with a limit scans only that much, and says so.
	fresh := func() string { return filepath.Join(t.TempDir(), "state.json") }
	base := []string{"--log", dir, "--origin", origin, "--log-key", vkey(t, origin, key.Public().(ed25519.PublicKey)), "--san", release, "--issuer", ghIssuer}
	code, out, errOut = runMonitor(t, append(base, "--state", fresh(), "--start", "latest")...)
	if code != 0 || !strings.Contains(out, "scanned entries 10000 to 10000: 0 matches") {
		t.Fatalf("--start latest: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runMonitor(t, append(base, "--state", fresh(), "--start", "7000", "--max-entries", "500")...)
	if code != 0 || !strings.Contains(out, "scanned entries 7000 to 7500: 0 matches, 0 unreadable, 2500 left for the next run") {
		t.Fatalf("--start 7000 --max-entries 500: exit %d\n%s%s", code, out, errOut)
	}
}
