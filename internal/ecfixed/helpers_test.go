package ecfixed

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// orderN returns a fresh copy of n, the order of P-384.
func orderN() *big.Int {
	return new(big.Int).Set(elliptic.P384().Params().N)
}

// keyFromScalar makes the P-384 key with private scalar d.
func keyFromScalar(t testing.TB, d *big.Int) *ecdsa.PrivateKey {
	t.Helper()
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P384(), d.FillBytes(make([]byte, scalarBytes)))
	if err != nil {
		t.Fatalf("ParseRawPrivateKey(%x): %v", d, err)
	}
	return priv
}

// newKey makes a random P-384 key.
func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// newVerifier makes the P384Verifier of pub, failing the test on error.
func newVerifier(t testing.TB, pub *ecdsa.PublicKey) *P384Verifier {
	t.Helper()
	v, err := NewP384Verifier(pub)
	if err != nil {
		t.Fatalf("NewP384Verifier: %v", err)
	}
	return v
}

// sign makes a signature of hash by priv that crypto/ecdsa accepts.
func sign(t testing.TB, priv *ecdsa.PrivateKey, hash []byte) []byte {
	t.Helper()
	sig, err := ecdsa.SignASN1(rand.Reader, priv, hash)
	if err != nil {
		t.Fatalf("SignASN1: %v", err)
	}
	if !ecdsa.VerifyASN1(&priv.PublicKey, hash, sig) {
		t.Fatalf("crypto/ecdsa rejects its own signature %x of %x", sig, hash)
	}
	return sig
}

// randomBytes returns n random bytes.
func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// splitSig parses a DER signature made by crypto/ecdsa into r and s.
func splitSig(t testing.TB, sig []byte) (r, s *big.Int) {
	t.Helper()
	r, s = new(big.Int), new(big.Int)
	input := cryptobyte.String(sig)
	var inner cryptobyte.String
	if !input.ReadASN1(&inner, asn1.SEQUENCE) || !input.Empty() ||
		!inner.ReadASN1Integer(r) || !inner.ReadASN1Integer(s) || !inner.Empty() {
		t.Fatalf("signature %x does not parse", sig)
	}
	return r, s
}

// encodeSig encodes r and s, which may be negative or of any size, as a
// DER signature.
func encodeSig(r, s *big.Int) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.BytesOrPanic()
}

// der encodes one element with tag and content, with the length in its
// minimal DER form.
func der(tag byte, content []byte) []byte {
	return derLen(tag, content, 0)
}

// derLen encodes one element with tag and content. lenBytes 0 writes the
// length in its minimal DER form; lenBytes 1 to 4 write it in the long form
// with that many bytes, which is BER, not DER, when shorter would do.
func derLen(tag byte, content []byte, lenBytes int) []byte {
	n := len(content)
	out := []byte{tag}
	switch {
	case lenBytes == 0 && n < 0x80:
		out = append(out, byte(n))
	case lenBytes == 0:
		var l []byte
		for x := n; x > 0; x >>= 8 {
			l = append([]byte{byte(x)}, l...)
		}
		out = append(out, 0x80|byte(len(l)))
		out = append(out, l...)
	default:
		out = append(out, 0x80|byte(lenBytes))
		for i := lenBytes - 1; i >= 0; i-- {
			out = append(out, byte(n>>(8*i)))
		}
	}
	return append(out, content...)
}

// intContent returns the minimal DER INTEGER content of x >= 0.
func intContent(x *big.Int) []byte {
	b := x.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// concat joins byte slices into a new one.
func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
