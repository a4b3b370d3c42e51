package ecfixed

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"
	"math/big"

	"filippo.io/nistec"

	"github.com/ats-run/selfattest"
)

// ErrInvalidKey is wrapped by every error of [NewP384Verifier]: the public
// key is nil, not on P-384, or not a valid point of it.
var ErrInvalidKey = selfattest.Beneath(selfattest.ErrBadInput, "ecfixed: invalid P-384 public key")

// P384Verifier verifies ECDSA signatures by one fixed P-384 public key,
// faster than crypto/ecdsa by precomputing multiples of the key.
//
// Make one with [NewP384Verifier]; the zero value rejects every signature.
// A P384Verifier is immutable after it is made, so it is safe for
// concurrent use by many goroutines.
type P384Verifier struct {
	table *fixedTable
	n     *big.Int // the order of the group, a private copy
	pub   []byte   // the key, SEC 1 uncompressed, for PublicKey
}

// NewP384Verifier checks pub and precomputes its table of multiples (see
// the package documentation for its cost and size). It returns an error
// wrapping [ErrInvalidKey] if pub is nil, if pub.Curve is not
// [elliptic.P384] itself, or if the point is not a valid P-384 public key:
// a coordinate missing, negative or too large, the point not on the curve,
// or the point at infinity.
//
// The returned verifier keeps no reference to pub: changing pub afterwards
// does not change the key it verifies with.
func NewP384Verifier(pub *ecdsa.PublicKey) (*P384Verifier, error) {
	if pub == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidKey)
	}
	if pub.Curve != elliptic.P384() {
		return nil, fmt.Errorf("%w: curve is %s, want P-384", ErrInvalidKey, curveName(pub.Curve))
	}
	if pub.X == nil || pub.Y == nil {
		return nil, fmt.Errorf("%w: missing coordinate", ErrInvalidKey)
	}
	// Bytes checks the coordinates' range, that the point is on the curve,
	// and that it is not the point at infinity, as crypto/ecdsa does before
	// it verifies anything.
	enc, err := pub.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	// SetBytes checks again that the point is on the curve; the
	// uncompressed encoding cannot be the point at infinity, but a table of
	// its multiples would be useless, so make sure.
	q, err := nistec.NewP384Point().SetBytes(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	if q.IsInfinity() == 1 {
		return nil, fmt.Errorf("%w: the point at infinity", ErrInvalidKey)
	}
	return &P384Verifier{
		table: newFixedTable(q),
		n:     new(big.Int).Set(elliptic.P384().Params().N),
		pub:   enc,
	}, nil
}

// curveName names c for an error message without trusting its Params.
func curveName(c elliptic.Curve) string {
	if c == nil {
		return "missing"
	}
	if p := c.Params(); p != nil && p.Name != "" {
		return p.Name
	}
	return fmt.Sprintf("an unnamed %T", c)
}

// PublicKey returns a new copy of the key v verifies with, or nil for the
// zero P384Verifier. Changing the copy does not change v.
func (v *P384Verifier) PublicKey() *ecdsa.PublicKey {
	if v == nil || v.pub == nil {
		return nil
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), v.pub)
	if err != nil {
		// v.pub came from a key that PublicKey.Bytes accepted.
		panic("ecfixed: internal error: stored key does not parse: " + err.Error())
	}
	return pub
}

// VerifyASN1 reports whether sig is a valid ASN.1 DER ECDSA signature of
// hash by v's key. It accepts exactly the inputs that
// [ecdsa.VerifyASN1] accepts for the same key:
//
//   - sig is a DER SEQUENCE of two non-negative, minimally encoded
//     INTEGERs r and s with nothing before, between or after them (see
//     parseSignature);
//   - r and s are in [1, n-1], where n is the order of P-384; a "high-S"
//     signature (s > n/2) is valid, as it is for crypto/ecdsa;
//   - hash is truncated to its leftmost 48 bytes (the bit length of n is
//     384) if it is longer, used as is if it is shorter (even empty), and
//     read as a big-endian integer e, reduced mod n;
//   - with w = s⁻¹ mod n, u1 = e·w mod n and u2 = r·w mod n, the point
//     R = u1·G + u2·Q is not the point at infinity, and R.x mod n = r.
//
// hash should be the digest of the message; VerifyASN1 does not hash.
// It never panics on any input and never modifies hash or sig.
func (v *P384Verifier) VerifyASN1(hash, sig []byte) bool {
	if v == nil || v.table == nil {
		return false
	}
	rb, sb, ok := parseSignature(sig)
	if !ok {
		return false
	}
	r, ok := v.scalar(rb)
	if !ok {
		return false
	}
	s, ok := v.scalar(sb)
	if !ok {
		return false
	}

	// SEC 1, Version 2.0, Section 4.1.4; FIPS 186-5, Section 6.4.2.
	e := v.hashToInt(hash)
	w := new(big.Int).ModInverse(s, v.n)
	if w == nil {
		// n is prime and s is in [1, n-1], so s is invertible.
		return false
	}
	u1 := e.Mul(e, w)
	u1.Mod(u1, v.n)
	u2 := w.Mul(r, w)
	u2.Mod(u2, v.n)

	var u1b, u2b [scalarBytes]byte
	u1.FillBytes(u1b[:])
	u2.FillBytes(u2b[:])
	p, err := nistec.NewP384Point().ScalarBaseMult(u1b[:])
	if err != nil {
		// Only a scalar of the wrong length is an error.
		return false
	}
	p.Add(p, v.table.mult(&u2b))

	// BytesX fails for the point at infinity, which never verifies.
	x, err := p.BytesX()
	if err != nil {
		return false
	}
	xn := new(big.Int).SetBytes(x)
	xn.Mod(xn, v.n)
	return xn.Cmp(r) == 0
}

// scalar reads the big-endian magnitude b, as parseSignature returns it,
// and reports whether it is in [1, n-1].
func (v *P384Verifier) scalar(b []byte) (*big.Int, bool) {
	if len(b) > scalarBytes {
		return nil, false // b has no leading zeros, so it is at least 2^384 > n
	}
	k := new(big.Int).SetBytes(b)
	if k.Sign() == 0 || k.Cmp(v.n) >= 0 {
		return nil, false
	}
	return k, true
}

// hashToInt converts a hash to an integer mod n as SEC 1, Version 2.0,
// Section 4.1.3, step 5 and FIPS 186-5, Section 6.4.1 ask: the leftmost
// bits of the hash, as many as n has. n has exactly 384 bits, so that is
// the leftmost 48 bytes with no shift; a shorter hash is taken whole. The
// result is then reduced mod n, as crypto/ecdsa does.
func (v *P384Verifier) hashToInt(hash []byte) *big.Int {
	if len(hash) > scalarBytes {
		hash = hash[:scalarBytes]
	}
	e := new(big.Int).SetBytes(hash)
	return e.Mod(e, v.n)
}
