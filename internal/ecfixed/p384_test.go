package ecfixed

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
	mathrand "math/rand/v2"
	"sync"
	"testing"
)

// checkSame fails the test unless v and crypto/ecdsa.VerifyASN1 with pub
// give the same answer for hash and sig. It returns crypto/ecdsa's answer.
func checkSame(t *testing.T, v *P384Verifier, pub *ecdsa.PublicKey, name string, hash, sig []byte) bool {
	t.Helper()
	want := ecdsa.VerifyASN1(pub, hash, sig)
	if got := v.VerifyASN1(hash, sig); got != want {
		enc, _ := pub.Bytes()
		t.Errorf("%s: ecfixed says %v, crypto/ecdsa says %v\nkey  %x\nhash %x\nsig  %x", name, got, want, enc, hash, sig)
	}
	return want
}

// A variant is an input derived from a valid signature, with the answer
// crypto/ecdsa gives for it. Each variant states its answer so that the
// test would notice crypto/ecdsa changing, not only the two disagreeing.
type variant struct {
	name      string
	hash, sig []byte
	want      bool
}

// variants returns the valid (hash, sig) and the tampered inputs made from
// it: changed values, out-of-range values, and encodings that are not DER.
func variants(t *testing.T, rng *mathrand.Rand, hash, sig []byte) []variant {
	t.Helper()
	n := orderN()
	r, s := splitSig(t, sig)
	rc, sc := intContent(r), intContent(s)
	ri, si := der(0x02, rc), der(0x02, sc)
	add := func(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }
	sub := func(a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }
	flip := func(x *big.Int) *big.Int {
		return new(big.Int).Xor(x, new(big.Int).Lsh(big.NewInt(1), uint(rng.IntN(384))))
	}
	one, zero := big.NewInt(1), big.NewInt(0)
	two384 := new(big.Int).Lsh(one, 384)
	withR := func(x *big.Int) []byte { return encodeSig(x, s) }
	withS := func(x *big.Int) []byte { return encodeSig(r, x) }

	vs := []variant{
		{"valid", hash, sig, true},
		{"high S (n-s)", hash, withS(sub(n, s)), true},

		{"r bit flipped", hash, withR(flip(r)), false},
		{"s bit flipped", hash, withS(flip(s)), false},
		{"r and s swapped", hash, encodeSig(s, r), false},
		{"r = 0", hash, withR(zero), false},
		{"s = 0", hash, withS(zero), false},
		{"r = 1", hash, withR(one), false},
		{"s = 1", hash, withS(one), false},
		{"r = n-1", hash, withR(sub(n, one)), false},
		{"s = n-1", hash, withS(sub(n, one)), false},
		{"r = n", hash, withR(n), false},
		{"s = n", hash, withS(n), false},
		{"r = n+1", hash, withR(add(n, one)), false},
		{"s = n+1", hash, withS(add(n, one)), false},
		{"r + n", hash, withR(add(r, n)), false},
		{"s + n", hash, withS(add(s, n)), false},
		{"r + 2^384 (49 bytes)", hash, withR(add(r, two384)), false},
		{"s + 2^384 (49 bytes)", hash, withS(add(s, two384)), false},
		{"r of 1000 bytes", hash, withR(add(r, new(big.Int).Lsh(one, 8000))), false},
		{"r negative", hash, withR(new(big.Int).Neg(r)), false},
		{"s negative", hash, withS(new(big.Int).Neg(s)), false},
		{"r = -1", hash, withR(big.NewInt(-1)), false},
		{"r - n (negative, r mod n unchanged)", hash, withR(sub(r, n)), false},

		{"r with an extra leading zero", hash, der(0x30, concat(der(0x02, concat([]byte{0}, rc)), si)), false},
		{"s with an extra leading zero", hash, der(0x30, concat(ri, der(0x02, concat([]byte{0}, sc)))), false},
		{"r with a leading 0xff", hash, der(0x30, concat(der(0x02, concat([]byte{0xff}, rc)), si)), false},
		{"r without its sign byte", hash, der(0x30, concat(der(0x02, r.Bytes()), si)), r.Bytes()[0]&0x80 == 0},
		{"empty INTEGER for s", hash, der(0x30, concat(ri, der(0x02, nil))), false},
		{"SEQUENCE length in long form", hash, derLen(0x30, concat(ri, si), 1), false},
		{"SEQUENCE length in 2 bytes", hash, derLen(0x30, concat(ri, si), 2), false},
		{"r length in long form", hash, der(0x30, concat(derLen(0x02, rc, 1), si)), false},
		{"s length in long form", hash, der(0x30, concat(ri, derLen(0x02, sc, 1))), false},
		{"indefinite length", hash, concat([]byte{0x30, 0x80}, ri, si, []byte{0, 0}), false},
		{"SEQUENCE length one too long", hash, concat([]byte{0x30, byte(len(ri) + len(si) + 1)}, ri, si, []byte{0}), false},
		{"SEQUENCE length one too short", hash, concat([]byte{0x30, byte(len(ri) + len(si) - 1)}, ri, si), false},
		{"SET instead of SEQUENCE", hash, der(0x31, concat(ri, si)), false},
		{"constructed INTEGER r", hash, der(0x30, concat(der(0x22, rc), si)), false},
		{"ENUMERATED r", hash, der(0x30, concat(der(0x0a, rc), si)), false},
		{"high tag number form", hash, concat([]byte{0x3f, 0x10}, sig[1:]), false},
		{"SEQUENCE in a SEQUENCE", hash, der(0x30, sig), false},
		{"a third INTEGER", hash, der(0x30, concat(ri, si, []byte{0x02, 0x01, 0x00})), false},
		{"only r", hash, der(0x30, ri), false},
		{"empty SEQUENCE", hash, []byte{0x30, 0x00}, false},
		{"trailing zero byte", hash, concat(sig, []byte{0}), false},
		{"trailing garbage", hash, concat(sig, []byte("garbage")), false},
		{"trailing copy", hash, concat(sig, sig), false},
		{"empty signature", hash, nil, false},
		{"zero-length non-nil signature", hash, []byte{}, false},
		{"truncated to 1 byte", hash, sig[:1], false},
		{"truncated to 2 bytes", hash, sig[:2], false},
		{"truncated to half", hash, sig[:len(sig)/2], false},
		{"truncated by 1 byte", hash, sig[:len(sig)-1], false},
		{"raw r||s (IEEE P1363)", hash, concat(r.FillBytes(make([]byte, 48)), s.FillBytes(make([]byte, 48))), false},
	}

	// A signature of hash is valid for another hash exactly when both
	// give the same integer e: the leftmost 48 bytes, mod n.
	e := hashInt(hash)
	sameE := func(h []byte) bool { return hashInt(h).Cmp(e) == 0 }
	hashVariant := func(name string, h []byte) {
		vs = append(vs, variant{name, h, sig, sameE(h)})
	}
	hashVariant("hash byte appended", concat(hash, []byte{0x5a}))
	hashVariant("hash zero byte prepended", concat([]byte{0}, hash))
	hashVariant("hash empty", nil)
	if en := new(big.Int).Add(e, n); en.BitLen() <= 384 {
		hashVariant("hash is e+n", en.FillBytes(make([]byte, 48)))
	}
	if len(hash) > 0 {
		h := bytes.Clone(hash)
		h[rng.IntN(min(len(h), 48))] ^= 1 << rng.IntN(8)
		hashVariant("hash bit flipped", h)
		hashVariant("hash last byte dropped", hash[:len(hash)-1])
	}
	if len(hash) > 48 {
		h := bytes.Clone(hash)
		h[48+rng.IntN(len(h)-48)] ^= 1 << rng.IntN(8)
		hashVariant("hash bit flipped past byte 48", h)
	}
	return vs
}

// hashInt is the integer e of SEC 1, Section 4.1.4 for a P-384 hash: its
// leftmost 48 bytes, or all of it if shorter, mod n.
func hashInt(hash []byte) *big.Int {
	e := new(big.Int).SetBytes(hash[:min(len(hash), 48)])
	return e.Mod(e, orderN())
}

// testKeys returns 20 random keys (4 with the race detector) and 4 keys
// whose scalars are edge cases (the public key is G, 2G, -G or -2G).
func testKeys(t *testing.T) map[string]*ecdsa.PrivateKey {
	t.Helper()
	n := orderN()
	keys := map[string]*ecdsa.PrivateKey{
		"d=1":   keyFromScalar(t, big.NewInt(1)),
		"d=2":   keyFromScalar(t, big.NewInt(2)),
		"d=n-1": keyFromScalar(t, new(big.Int).Sub(n, big.NewInt(1))),
		"d=n-2": keyFromScalar(t, new(big.Int).Sub(n, big.NewInt(2))),
	}
	random := 20
	if raceEnabled {
		random = 4
	}
	for i := range random {
		keys[fmt.Sprintf("random%02d", i)] = newKey(t)
	}
	return keys
}

// testHashes returns hashes of the lengths the brief names, random, and
// hashes whose integer is at least n, so that it must be reduced.
func testHashes(t *testing.T) map[string][]byte {
	t.Helper()
	n := orderN()
	hashes := map[string][]byte{
		"48 bytes 0xff":  bytes.Repeat([]byte{0xff}, 48),
		"64 bytes 0xff":  bytes.Repeat([]byte{0xff}, 64),
		"n (e = 0)":      n.FillBytes(make([]byte, 48)),
		"n+1 (e = 1)":    new(big.Int).Add(n, big.NewInt(1)).FillBytes(make([]byte, 48)),
		"n then 16 more": concat(n.FillBytes(make([]byte, 48)), randomBytes(t, 16)),
	}
	for _, l := range []int{0, 1, 20, 32, 47, 48, 49, 64} {
		hashes[fmt.Sprintf("%d random bytes", l)] = randomBytes(t, l)
	}
	return hashes
}

// TestMatchesCryptoECDSA signs random and edge-case hashes with random
// and edge-case keys, tampers with each signature and hash, and checks
// that the verifier answers every input as crypto/ecdsa.VerifyASN1 does.
func TestMatchesCryptoECDSA(t *testing.T) {
	for name, priv := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rng := mathrand.New(mathrand.NewPCG(1, uint64(len(name))))
			pub := &priv.PublicKey
			v := newVerifier(t, pub)
			checked := 0
			for hname, hash := range testHashes(t) {
				sig := sign(t, priv, hash)
				for _, c := range variants(t, rng, hash, sig) {
					checked++
					label := hname + ": " + c.name
					if got := checkSame(t, v, pub, label, c.hash, c.sig); got != c.want {
						t.Errorf("%s: crypto/ecdsa says %v, the test expects %v (hash %x, sig %x)", label, got, c.want, c.hash, c.sig)
					}
				}
			}
			t.Logf("%d inputs checked", checked)
		})
	}
}

// TestOtherKeyRejected checks that a signature valid for one key does not
// verify with another key's verifier.
func TestOtherKeyRejected(t *testing.T) {
	a, b := newKey(t), newKey(t)
	va, vb := newVerifier(t, &a.PublicKey), newVerifier(t, &b.PublicKey)
	for _, l := range []int{0, 32, 48, 64} {
		t.Run(fmt.Sprintf("hash of %d bytes", l), func(t *testing.T) {
			hash := randomBytes(t, l)
			sig := sign(t, a, hash)
			if !checkSame(t, va, &a.PublicKey, "key A", hash, sig) {
				t.Error("key A rejects its own signature")
			}
			if checkSame(t, vb, &b.PublicKey, "key B", hash, sig) {
				t.Error("key B accepts key A's signature")
			}
		})
	}
}

// TestInfinity makes R = u1·G + u2·Q the point at infinity, which must be
// rejected: with Q = d·G, R = (u1 + u2·d)·G is infinity when
// e ≡ -r·d (mod n), for any r and s.
func TestInfinity(t *testing.T) {
	n := orderN()
	priv := newKey(t)
	d := new(big.Int).SetBytes(mustBytes(t, priv))
	v := newVerifier(t, &priv.PublicKey)
	for i := range 8 {
		r := new(big.Int).Add(new(big.Int).SetBytes(randomBytes(t, 40)), big.NewInt(1))
		s := new(big.Int).Add(new(big.Int).SetBytes(randomBytes(t, 40)), big.NewInt(1))
		e := new(big.Int).Mul(r, d)
		e.Neg(e).Mod(e, n)
		hash := e.FillBytes(make([]byte, 48))
		sig := encodeSig(r, s)

		// Make sure the input does what it claims.
		w := new(big.Int).ModInverse(s, n)
		u1 := new(big.Int).Mod(new(big.Int).Mul(e, w), n)
		u2 := new(big.Int).Mod(new(big.Int).Mul(r, w), n)
		if new(big.Int).Mod(new(big.Int).Add(u1, new(big.Int).Mul(u2, d)), n).Sign() != 0 {
			t.Fatal("u1 + u2·d is not 0 mod n: the test is wrong")
		}
		if checkSame(t, v, &priv.PublicKey, fmt.Sprintf("infinity %d", i), hash, sig) {
			t.Errorf("R at infinity accepted: hash %x sig %x", hash, sig)
		}
	}
}

// TestXAboveN makes a key and a signature whose point R has an
// x-coordinate in [n, p), so that r = x - n: it is valid, because r is
// compared with x mod n, while the signature with r = x is out of range.
//
// With the empty hash, u1 = 0 and R = u2·Q. Pick R with x ≥ n and any s;
// then u2 = r·s⁻¹ and Q = u2⁻¹·R.
func TestXAboveN(t *testing.T) {
	n := orderN()
	one := big.NewInt(1)
	found := 0
	for k := int64(0); found < 4 && k < 200; k++ {
		x := new(big.Int).Add(n, big.NewInt(k))
		R, err := nistecPointFromX(x)
		if err != nil {
			continue // x is not the x-coordinate of a point
		}
		found++
		r := big.NewInt(k)
		if k == 0 {
			continue // r = 0 is never valid
		}
		s := new(big.Int).Add(new(big.Int).SetBytes(randomBytes(t, 40)), one)
		// Q = u2⁻¹·R = s·r⁻¹·R.
		c := new(big.Int).Mul(s, new(big.Int).ModInverse(r, n))
		c.Mod(c, n)
		pub := scalarMultToKey(t, R, c)
		v := newVerifier(t, pub)
		if !checkSame(t, v, pub, fmt.Sprintf("x = n+%d, r = x-n", k), nil, encodeSig(r, s)) {
			t.Errorf("x = n+%d: the signature with r = x mod n is rejected", k)
		}
		if checkSame(t, v, pub, fmt.Sprintf("x = n+%d, r = x", k), nil, encodeSig(x, s)) {
			t.Errorf("x = n+%d: the signature with r = x ≥ n is accepted", k)
		}
	}
	if found < 2 {
		t.Fatalf("found %d points with x just above n, want at least 2", found)
	}
}

// TestConcurrentVerify uses one verifier from many goroutines, for the
// race detector.
func TestConcurrentVerify(t *testing.T) {
	priv := newKey(t)
	v := newVerifier(t, &priv.PublicKey)
	hash := sha512.Sum384([]byte("concurrent"))
	sig := sign(t, priv, hash[:])
	bad := bytes.Clone(sig)
	bad[len(bad)-1] ^= 1
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 4 {
				if !v.VerifyASN1(hash[:], sig) {
					t.Error("valid signature rejected")
				}
				if v.VerifyASN1(hash[:], bad) {
					t.Error("tampered signature accepted")
				}
			}
		})
	}
	wg.Wait()
}

// TestInputsUnchanged checks that VerifyASN1 does not write to its inputs.
func TestInputsUnchanged(t *testing.T) {
	priv := newKey(t)
	v := newVerifier(t, &priv.PublicKey)
	hash := randomBytes(t, 64)
	sig := sign(t, priv, hash)
	h, s := bytes.Clone(hash), bytes.Clone(sig)
	if !v.VerifyASN1(h, s) {
		t.Fatal("valid signature rejected")
	}
	if !bytes.Equal(h, hash) || !bytes.Equal(s, sig) {
		t.Fatal("VerifyASN1 changed its inputs")
	}
}

func TestNewP384VerifierErrors(t *testing.T) {
	good := newKey(t).PublicKey
	p := elliptic.P384().Params().P
	tests := []struct {
		name string
		pub  *ecdsa.PublicKey
	}{
		{"nil key", nil},
		{"nil curve", &ecdsa.PublicKey{X: good.X, Y: good.Y}},
		{"P-224 key", &newP(t, elliptic.P224()).PublicKey},
		{"P-256 key", &newP(t, elliptic.P256()).PublicKey},
		{"P-521 key", &newP(t, elliptic.P521()).PublicKey},
		{"P-384 point with a P-256 curve", &ecdsa.PublicKey{Curve: elliptic.P256(), X: good.X, Y: good.Y}},
		{"P-384 params behind another Curve", &ecdsa.PublicKey{Curve: wrappedCurve{elliptic.P384()}, X: good.X, Y: good.Y}},
		{"custom curve", &ecdsa.PublicKey{Curve: elliptic.P384().Params(), X: good.X, Y: good.Y}},
		{"nil X", &ecdsa.PublicKey{Curve: elliptic.P384(), Y: good.Y}},
		{"nil Y", &ecdsa.PublicKey{Curve: elliptic.P384(), X: good.X}},
		{"not on the curve", &ecdsa.PublicKey{Curve: elliptic.P384(), X: good.X, Y: new(big.Int).Add(good.Y, big.NewInt(1))}},
		{"point at infinity as (0, 0)", &ecdsa.PublicKey{Curve: elliptic.P384(), X: new(big.Int), Y: new(big.Int)}},
		{"negative Y (-Y is the other root)", &ecdsa.PublicKey{Curve: elliptic.P384(), X: good.X, Y: new(big.Int).Neg(new(big.Int).Sub(p, good.Y))}},
		{"X + p", &ecdsa.PublicKey{Curve: elliptic.P384(), X: new(big.Int).Add(good.X, p), Y: good.Y}},
		{"Y + p", &ecdsa.PublicKey{Curve: elliptic.P384(), X: good.X, Y: new(big.Int).Add(good.Y, p)}},
		{"Y = p (X, Y mod p not reduced)", &ecdsa.PublicKey{Curve: elliptic.P384(), X: good.X, Y: new(big.Int).Set(p)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewP384Verifier(tt.pub)
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("NewP384Verifier: error %v, want one wrapping ErrInvalidKey", err)
			}
			if v != nil {
				t.Fatal("NewP384Verifier returned a verifier with its error")
			}
		})
	}
}

// wrappedCurve is a Curve that is not elliptic.P384 but says it is.
type wrappedCurve struct{ elliptic.Curve }

// newP makes a random key on curve c.
func newP(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func TestPublicKey(t *testing.T) {
	priv := newKey(t)
	pub := priv.PublicKey // a copy the test may change
	v := newVerifier(t, &pub)
	got := v.PublicKey()
	if !got.Equal(&priv.PublicKey) {
		t.Fatal("PublicKey is not the key the verifier was made with")
	}

	hash := randomBytes(t, 48)
	sig := sign(t, priv, hash)

	// Changing the caller's key or the returned copy changes nothing.
	pub.X = new(big.Int).Add(pub.X, big.NewInt(1))
	got.Y.SetInt64(7)
	if !v.PublicKey().Equal(&priv.PublicKey) {
		t.Fatal("PublicKey changed with the caller's copy")
	}
	if !v.VerifyASN1(hash, sig) {
		t.Fatal("the verifier changed with the caller's copy of the key")
	}
}

func TestZeroVerifier(t *testing.T) {
	priv := newKey(t)
	hash := randomBytes(t, 48)
	sig := sign(t, priv, hash)
	for name, v := range map[string]*P384Verifier{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			if v.VerifyASN1(hash, sig) {
				t.Error("VerifyASN1 accepts")
			}
			if v.PublicKey() != nil {
				t.Error("PublicKey is not nil")
			}
		})
	}
}

func mustBytes(t *testing.T, priv *ecdsa.PrivateKey) []byte {
	t.Helper()
	d, err := priv.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSmallS makes valid signatures with a small s, so that s+n still
// fits in 48 bytes and only the range check can reject it: with a known
// private key d, pick k and s, let r = x(k·G) mod n, and solve
// s = k⁻¹(e + r·d) for the hash: e = s·k - r·d mod n.
func TestSmallS(t *testing.T) {
	n := orderN()
	priv := newKey(t)
	d := new(big.Int).SetBytes(mustBytes(t, priv))
	v := newVerifier(t, &priv.PublicKey)
	one := big.NewInt(1)
	for _, s := range []*big.Int{one, big.NewInt(2), new(big.Int).Lsh(one, 100), new(big.Int).Lsh(one, 189)} {
		t.Run(fmt.Sprintf("s=%x", s), func(t *testing.T) {
			k := new(big.Int).Add(new(big.Int).SetBytes(randomBytes(t, 40)), one)
			kG := keyFromScalar(t, k).PublicKey
			r := new(big.Int).Mod(kG.X, n)
			e := new(big.Int).Sub(new(big.Int).Mul(s, k), new(big.Int).Mul(r, d))
			e.Mod(e, n)
			hash := e.FillBytes(make([]byte, 48))
			if !checkSame(t, v, &priv.PublicKey, "small s", hash, encodeSig(r, s)) {
				t.Fatal("the signature with a small s is rejected")
			}
			sn := new(big.Int).Add(s, n)
			if sn.BitLen() > 384 {
				t.Fatal("s+n does not fit in 48 bytes: the test is wrong")
			}
			if checkSame(t, v, &priv.PublicKey, "small s + n", hash, encodeSig(r, sn)) {
				t.Fatal("the signature with s+n is accepted")
			}
		})
	}
}
