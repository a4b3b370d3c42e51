package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/internal/rekorv2"
)

var monitorBin string

func TestMain(m *testing.M) { clitest.Main(m, "monitor", &monitorBin) }

// runMonitor runs the built binary and returns its exit code and output.
func runMonitor(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(monitorBin, args...)
	return clitest.Run(t, cmd)
}

const (
	release  = "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.0.1"
	ghIssuer = "https://token.actions.githubusercontent.com"
)

// testCA issues Fulcio-like certificates with an issuer and a SAN.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test fulcio"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: c, key: k}
}

// provider plays Fulcio for sign.Bundle.
type provider struct {
	ca  *testCA
	san string
}

func (p provider) GetCertificate(_ context.Context, kp sign.Keypair, _ *sign.CertificateProviderOptions) ([]byte, error) {
	u, err := url.Parse(p.san)
	if err != nil {
		return nil, err
	}
	iss, err := asn1.MarshalWithParams(ghIssuer, "utf8")
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, err
	}
	return x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: serial, NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		URIs:            []*url.URL{u},
		ExtraExtensions: []pkix.Extension{{Id: certificate.OIDIssuerV2, Value: iss}},
	}, p.ca.cert, kp.GetPublicKey(), p.ca.key)
}

// logAll signs one artifact per SAN to the server, all at once, and
// returns the log index of each.
func logAll(t *testing.T, srv *rekorv2.Server, ca *testCA, tag string, sans []string) []int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	idx := make([]int64, len(sans))
	errs := make([]error, len(sans))
	var wg sync.WaitGroup
	for i, san := range sans {
		wg.Go(func() {
			kp, err := sign.NewEphemeralKeypair(nil)
			if err != nil {
				errs[i] = err
				return
			}
			pb, err := sign.Bundle(&sign.PlainData{Data: []byte(fmt.Sprintf("%s artifact %d", tag, i))}, kp, sign.BundleOptions{
				Context:             ctx,
				CertificateProvider: provider{ca: ca, san: san},
				TransparencyLogs:    []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: srv.URL, Version: 2, Timeout: 10 * time.Second})},
			})
			if err != nil {
				errs[i] = err
				return
			}
			idx[i] = pb.GetVerificationMaterial().GetTlogEntries()[0].GetLogIndex()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return idx
}

func vkey(t *testing.T, origin string, pub ed25519.PublicKey) string {
	t.Helper()
	k, err := note.NewEd25519VerifierKey(origin, pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestMonitorCLI runs the monitor against real Rekor v2 servers: it finds
// the release identity's entry, then goes on where it stopped, and when a
// second server with the same key and origin shows another tree — a
// forked log — it exits 1 with the split view's evidence and keeps its
// state.
func TestMonitorCLI(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	opts := rekorv2.Options{Key: key, CheckpointInterval: 200 * time.Millisecond}
	srv := rekorv2.Start(t, opts)
	ca := newTestCA(t)
	sans := []string{
		"https://github.com/other/app/.github/workflows/release.yml@refs/tags/v1",
		release,
		"https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.0.1-evil",
		"https://github.com/third/app/.github/workflows/ci.yml@refs/heads/main",
	}
	idx := logAll(t, srv, ca, "honest", sans)
	state := filepath.Join(t.TempDir(), "state.json")
	vk := vkey(t, srv.Origin, srv.PublicKey)
	args := func(log string, extra ...string) []string {
		return append([]string{"--log", log, "--origin", srv.Origin, "--log-key", vk, "--state", state,
			"--san", release, "--issuer", ghIssuer}, extra...)
	}

	code, out, errOut := runMonitor(t, args(srv.TilesURL)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if want := fmt.Sprintf("MATCH entry %d ", idx[1]); !strings.Contains(out, want) || strings.Count(out, "MATCH") != 1 {
		t.Fatalf("want one %q:\n%s", want, out)
	}

	more := logAll(t, srv, ca, "honest 2", []string{release, sans[0]})
	code, out, errOut = runMonitor(t, args(srv.TilesURL, "--json", "--fail-on-match")...)
	if code != 1 {
		t.Fatalf("--fail-on-match with a match: exit %d\n%s%s", code, out, errOut)
	}
	var run struct {
		From, To uint64
		Previous *struct{ Size uint64 }
		Matches  []struct{ Index int64 }
	}
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if run.Previous == nil || run.Previous.Size != uint64(len(sans)) || run.From != uint64(len(sans)) || len(run.Matches) != 1 || run.Matches[0].Index != more[0] {
		t.Fatalf("second run %+v, want entries %d on and a match at %d", run, len(sans), more[0])
	}
	before, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}

	// The same key and origin, another tree: a fork.
	fork := rekorv2.Start(t, opts)
	logAll(t, fork, ca, "forked", []string{sans[0], sans[0], release, sans[3], sans[0], sans[0], sans[3], sans[0]})
	code, out, errOut = runMonitor(t, args(fork.TilesURL, "--json")...)
	if code != 1 || !strings.Contains(errOut, "SPLIT VIEW") {
		t.Fatalf("fork: exit %d\n%s%s", code, out, errOut)
	}
	var ev struct {
		Old, New struct {
			Size uint64
			Root string `json:"root_hash"`
		}
		Proof []string
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if ev.Old.Size != uint64(len(sans)+2) || ev.New.Size != 8 || ev.Old.Root == "" || ev.New.Root == "" {
		t.Fatalf("evidence %+v", ev)
	}
	after, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("the state changed after a split view")
	}

	// Another log key: with a fresh state the log's checkpoint is
	// rejected; with the old state, the stored checkpoint no longer
	// verifies, which is the state's problem (exit 2), not the log's.
	other, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey := func() []string {
		a := args(srv.TilesURL)
		a[5] = vkey(t, srv.Origin, other)
		return a
	}
	if code, out, errOut := runMonitor(t, wrongKey()...); code != 2 || !strings.Contains(errOut, "stored checkpoint") {
		t.Fatalf("wrong log key, old state: exit %d\n%s%s", code, out, errOut)
	}
	state = filepath.Join(t.TempDir(), "fresh.json")
	if code, out, errOut := runMonitor(t, wrongKey()...); code != 1 {
		t.Fatalf("wrong log key: exit %d\n%s%s", code, out, errOut)
	}

	// Usage errors beyond TestExitMatrix's rows (which also hold a log
	// that does not answer and a malformed --log-key).
	for _, bad := range [][]string{
		{"--log", srv.TilesURL, "--origin", srv.Origin, "--state", state, "--san", release, "--issuer", ghIssuer},
		args(srv.TilesURL, "--start", "soon"),
		append(args(srv.TilesURL), "extra"),
		{"--log", srv.TilesURL, "--origin", srv.Origin, "--log-key", vk, "--state", state},
	} {
		if code, out, errOut := runMonitor(t, bad...); code != 2 {
			t.Fatalf("%q: exit %d\n%s%s", bad, code, out, errOut)
		}
	}
}
