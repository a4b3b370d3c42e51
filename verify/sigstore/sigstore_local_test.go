//go:build unix

package sigstore_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
	"github.com/ats-run/selfattest/internal/rekorv1fake"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/trust"
)

// ed25519Fixture: an artifact signed (message signature, Ed25519ph as
// attest/signing signs) by an Ed25519 key, logged to a Rekor v1 log on
// 127.0.0.1, and a trusted root naming the log.
type ed25519Fixture struct {
	pub      ed25519.PublicKey
	artifact []byte
	signed   *bundle.Bundle
	root     string // trusted root file
}

func newEd25519Fixture(t *testing.T, artifact []byte) *ed25519Fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l := rekorv1fake.Start(t, 3)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	rekor, err := signing.NewRekor(l.URL, 1, signing.ServiceOptions{Transport: confirmTransport(t), Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	fx := &ed25519Fixture{pub: pub, artifact: artifact}
	if fx.signed, err = signing.Artifact(ctx, artifact, signing.Options{Key: key, TransparencyLogs: []sign.Transparency{rekor}}); err != nil {
		t.Fatal(err)
	}
	fx.root = filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(fx.root, l.Root().JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *ed25519Fixture) verifier(t *testing.T, o sigstore.Options) *sigstore.Verifier {
	t.Helper()
	tr, err := trust.FromFile(fx.root)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigstore.NewVerifier(tr, o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestEd25519MessageStreams verifies an Ed25519ph message signature over
// an artifact eight times the pure-Ed25519 bound: the artifact is hashed
// as it streams, never held (the whole message was read into memory
// before).
func TestEd25519MessageStreams(t *testing.T) {
	art := bytes.Repeat([]byte("streamed artifact\n"), (8<<20)/18)
	fx := newEd25519Fixture(t, art)
	v := fx.verifier(t, sigstore.Options{MaxPureEd25519Size: 64 << 10})
	p := sigstore.Policy{Key: fx.pub}
	ctx := context.Background()
	// Warm up the verifier's caches, then measure one verification.
	if _, err := v.Verify(ctx, fx.signed, sigstore.ArtifactReader(bytes.NewReader(art)), p); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := v.Verify(ctx, fx.signed, sigstore.ArtifactReader(bytes.NewReader(art)), p); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(len(art))/4 {
		t.Errorf("verifying a %d-byte artifact allocated %d bytes: the artifact was held in memory", len(art), got)
	}

	t.Run("by its SHA-512 digest", func(t *testing.T) {
		sum := sha512.Sum512(art)
		if _, err := v.Verify(ctx, fx.signed, sigstore.ArtifactDigest(attest.SHA512, sum[:]), p); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		sum[0] ^= 1
		if _, err := v.Verify(ctx, fx.signed, sigstore.ArtifactDigest(attest.SHA512, sum[:]), p); !errors.Is(err, sigstore.ErrVerification) {
			t.Fatalf("another digest: err = %v; want ErrVerification", err)
		}
	})
	t.Run("a changed artifact is rejected", func(t *testing.T) {
		small := bytes.Clone(art[:1<<10])
		_, err := v.Verify(ctx, fx.signed, sigstore.ArtifactReader(bytes.NewReader(small)), p)
		if !errors.Is(err, sigstore.ErrVerification) {
			t.Fatalf("err = %v; want ErrVerification", err)
		}
	})
	t.Run("over the pure bound and not Ed25519ph: not checked, bad input", func(t *testing.T) {
		other := bytes.Clone(art)
		other[len(other)-1] ^= 1
		_, err := v.Verify(ctx, fx.signed, sigstore.ArtifactReader(bytes.NewReader(other)), p)
		if !errors.Is(err, sigstore.ErrBadInput) || errors.Is(err, sigstore.ErrVerification) {
			t.Fatalf("err = %v; want ErrBadInput only", err)
		}
	})
	t.Run("over MaxArtifactSize: bad input", func(t *testing.T) {
		small := fx.verifier(t, sigstore.Options{MaxArtifactSize: 1 << 20})
		_, err := small.Verify(ctx, fx.signed, sigstore.ArtifactReader(bytes.NewReader(art)), p)
		if !errors.Is(err, sigstore.ErrBadInput) || errors.Is(err, sigstore.ErrVerification) {
			t.Fatalf("reader: err = %v; want ErrBadInput only", err)
		}
		path := filepath.Join(t.TempDir(), "art")
		if err := os.WriteFile(path, art, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = small.Verify(ctx, fx.signed, sigstore.ArtifactFile(path), p)
		if !errors.Is(err, sigstore.ErrBadInput) || errors.Is(err, sigstore.ErrVerification) {
			t.Fatalf("file: err = %v; want ErrBadInput only", err)
		}
	})
}

// endless is /dev/zero as a reader, for systems without it.
type endless struct{}

func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestVerifyLocalInputsRefused: every local input that is not a
// non-empty regular file within the limit is refused as bad input,
// promptly: FIFOs with no writer and /dev/zero used to block or read
// forever, a directory or an empty file was a rejection.
func TestVerifyLocalInputsRefused(t *testing.T) {
	fx := newEd25519Fixture(t, []byte("local input artifact\n"))
	v := fx.verifier(t, sigstore.Options{MaxArtifactSize: 1 << 20})
	p := sigstore.Policy{Key: fx.pub}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 1<<20+1), 0o644); err != nil {
		t.Fatal(err)
	}
	arts := map[string]sigstore.SignedArtifact{
		"FIFO":           sigstore.ArtifactFile(fifo),
		"directory":      sigstore.ArtifactFile(dir),
		"empty file":     sigstore.ArtifactFile(empty),
		"over the limit": sigstore.ArtifactFile(big),
		"endless reader": sigstore.ArtifactReader(endless{}),
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		arts["/dev/zero"] = sigstore.ArtifactFile("/dev/zero")
	}
	for name, a := range arts {
		t.Run("artifact "+name, func(t *testing.T) {
			err := localfiletest.Within(t, 5*time.Second, func() error { _, err := v.Verify(context.Background(), fx.signed, a, p); return err })
			if !errors.Is(err, sigstore.ErrBadInput) || errors.Is(err, sigstore.ErrVerification) {
				t.Fatalf("err = %v; want ErrBadInput only", err)
			}
		})
	}
	for _, path := range []string{fifo, dir, "/dev/zero"} {
		t.Run("bundle "+path, func(t *testing.T) {
			err := localfiletest.Within(t, 5*time.Second, func() error { _, err := sigstore.LoadBundle(path); return err })
			if !errors.Is(err, sigstore.ErrBadInput) {
				t.Fatalf("err = %v; want ErrBadInput", err)
			}
		})
		t.Run("trusted root "+path, func(t *testing.T) {
			err := localfiletest.Within(t, 5*time.Second, func() error { _, err := trust.FromFile(path); return err })
			if err == nil {
				t.Fatal("accepted")
			}
		})
	}
	var _ io.Reader = endless{}
}

// TestArtifactReaderLimitDSSE: sigstore-go hashes a DSSE bundle's
// artifact with io.Copy, which takes an in-memory artifact in one write
// (boundedReader.WriteTo) and any other reader through Read; either way an
// artifact of exactly MaxArtifactSize bytes verifies and one byte more is
// bad input, never a rejection.
func TestArtifactReaderLimitDSSE(t *testing.T) {
	tr := loadRoot(t, filepath.Join(rwDir, "trusted_root.json"))
	b, err := sigstore.ParseBundle(readFile(t, npmProvenanceBundle))
	if err != nil {
		t.Fatal(err)
	}
	tgz := readFile(t, npmTarball)
	p := sigstore.Policy{SAN: npmSAN, Issuer: ghIssuer}
	readers := map[string]func() io.Reader{
		"bytes.Reader":   func() io.Reader { return bytes.NewReader(tgz) },
		"a plain reader": func() io.Reader { return iotest.HalfReader(bytes.NewReader(tgz)) },
	}
	for name, r := range readers {
		t.Run(name, func(t *testing.T) {
			for _, limit := range []int64{int64(len(tgz)), int64(len(tgz)) - 1, 1} {
				v, err := sigstore.NewVerifier(tr, sigstore.Options{MaxArtifactSize: limit})
				if err != nil {
					t.Fatal(err)
				}
				_, err = v.Verify(context.Background(), b, sigstore.ArtifactReader(r()), p)
				switch {
				case limit == int64(len(tgz)) && err != nil:
					t.Fatalf("limit %d, artifact of as many bytes: %v", limit, err)
				case limit < int64(len(tgz)) && (!errors.Is(err, sigstore.ErrBadInput) || errors.Is(err, sigstore.ErrVerification)):
					t.Fatalf("limit %d, artifact of %d bytes: err = %v; want ErrBadInput only", limit, len(tgz), err)
				}
			}
		})
	}
}
