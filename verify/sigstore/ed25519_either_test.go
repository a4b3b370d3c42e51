package sigstore

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// TestEd25519Either checks both kinds of Ed25519 signature by a policy
// key, within and past the pure-Ed25519 bound.
func TestEd25519Either(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pure, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	ph, err := signature.LoadED25519phVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	small := bytes.Repeat([]byte("s"), 1000)
	large := bytes.Repeat([]byte("l"), 5000)
	pureSig := func(m []byte) []byte { return ed25519.Sign(priv, m) }
	phSig := func(m []byte) []byte {
		d := sha512.Sum512(m)
		s, err := priv.Sign(rand.Reader, d[:], &ed25519.Options{Hash: crypto.SHA512})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	either := func() (ed25519Either, *pureLimit) {
		l := &pureLimit{max: 4096}
		return ed25519Either{pure: pure, ph: ph, limit: l}, l
	}
	for _, tt := range []struct {
		name        string
		sig, msg    []byte
		ok, skipped bool
	}{
		{"pure within the bound", pureSig(small), small, true, false},
		{"Ed25519ph within the bound", phSig(small), small, true, false},
		{"Ed25519ph past the bound, streamed", phSig(large), large, true, false},
		{"pure past the bound: not checked", pureSig(large), large, false, true},
		{"pure over another message", pureSig(small), large[:1000], false, false},
		{"Ed25519ph over another message past the bound", phSig(small), large, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, l := either()
			err := e.VerifySignature(bytes.NewReader(tt.sig), bytes.NewReader(tt.msg))
			if (err == nil) != tt.ok || l.skipped != tt.skipped {
				t.Fatalf("err = %v, skipped = %v; want ok %v, skipped %v", err, l.skipped, tt.ok, tt.skipped)
			}
		})
	}
	t.Run("Ed25519ph by digest", func(t *testing.T) {
		e, _ := either()
		d := sha512.Sum512(large)
		if err := e.VerifySignature(bytes.NewReader(phSig(large)), bytes.NewReader(nil), options.WithDigest(d[:])); err != nil {
			t.Fatal(err)
		}
		d[0] ^= 1
		if err := e.VerifySignature(bytes.NewReader(phSig(large)), bytes.NewReader(nil), options.WithDigest(d[:])); err == nil {
			t.Fatal("another digest verified")
		}
	})
	t.Run("no message and no digest", func(t *testing.T) {
		e, _ := either()
		if err := e.VerifySignature(bytes.NewReader(pureSig(nil)), nil); err == nil {
			t.Fatal("verified a signature with no message")
		}
	})
}

func TestAppendCapped(t *testing.T) {
	var b []byte
	chunk := bytes.Repeat([]byte("x"), 1000)
	for range 100 {
		b = appendCapped(b, chunk, 100_000)
		if cap(b) > 100_000 {
			t.Fatalf("cap %d past the limit 100000", cap(b))
		}
	}
	if len(b) != 100_000 || !bytes.Equal(b[:1000], chunk) {
		t.Fatalf("len %d", len(b))
	}
}
