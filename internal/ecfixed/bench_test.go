package ecfixed

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"testing"
)

// benchKey makes the key, hash and signature that both verification
// benchmarks use, and checks that both verifiers accept them.
func benchKey(b *testing.B) (*ecdsa.PublicKey, []byte, []byte) {
	b.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	h := sha512.Sum384([]byte("benchmark"))
	sig, err := ecdsa.SignASN1(rand.Reader, priv, h[:])
	if err != nil {
		b.Fatal(err)
	}
	if !ecdsa.VerifyASN1(&priv.PublicKey, h[:], sig) {
		b.Fatal("crypto/ecdsa rejects the benchmark signature")
	}
	return &priv.PublicKey, h[:], sig
}

func BenchmarkECDSAVerifyP384(b *testing.B) {
	pub, hash, sig := benchKey(b)
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.VerifyASN1(pub, hash, sig) {
			b.Fatal("rejected")
		}
	}
}

func BenchmarkFixedVerifyP384(b *testing.B) {
	pub, hash, sig := benchKey(b)
	v, err := NewP384Verifier(pub)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !v.VerifyASN1(hash, sig) {
			b.Fatal("rejected")
		}
	}
}

func BenchmarkNewP384Verifier(b *testing.B) {
	pub, _, _ := benchKey(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewP384Verifier(pub); err != nil {
			b.Fatal(err)
		}
	}
}
