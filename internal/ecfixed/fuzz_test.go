package ecfixed

import (
	"crypto/ecdsa"
	"crypto/sha512"
	"fmt"
	"math/big"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// fuzzKeys returns the fixed keys of FuzzVerifyASN1. Their scalars are
// derived from fixed labels, so an input saved in testdata/fuzz replays
// against the same keys.
func fuzzKeys(tb testing.TB) []*ecdsa.PrivateKey {
	tb.Helper()
	n := orderN()
	var keys []*ecdsa.PrivateKey
	for i := range 2 {
		sum := sha512.Sum384(fmt.Appendf(nil, "ecfixed fuzz key %d", i))
		d := new(big.Int).SetBytes(sum[:])
		d.Mod(d, n)
		keys = append(keys, keyFromScalar(tb, d))
	}
	return keys
}

// The structured mutations the fuzzer can ask for, on top of its own byte
// mutations: each changes a parsed signature or the hash in a way that
// keeps it near a valid one, where a verifier's range and reduction checks
// are tested.
const (
	mutNone = iota
	mutHighS
	mutSwap
	mutRXor
	mutSXor
	mutRAdd
	mutRSub
	mutSAdd
	mutSSub
	mutRPlusN
	mutSPlusN
	mutRSet
	mutSSet
	mutRFromN
	mutSFromN
	mutHashXor
	mutHashPlusN
	mutAppend
	mutLongLength
	mutCount
)

// mutate applies mutation op with argument arg to (hash, sig). It reports
// false when the mutation does not apply (sig does not parse as a
// SEQUENCE of two INTEGERs, or the result would not fit).
func mutate(hash, sig []byte, op uint8, arg []byte) (h, s []byte, ok bool) {
	n := orderN()
	a := new(big.Int).SetBytes(arg)
	switch op % mutCount {
	case mutNone:
		return nil, nil, false
	case mutHashXor:
		h = concat(hash)
		for i := range min(len(h), len(arg)) {
			h[i] ^= arg[i]
		}
		return h, sig, true
	case mutHashPlusN:
		e := new(big.Int).Add(hashInt(hash), n)
		if e.BitLen() > 384 {
			return nil, nil, false
		}
		return e.FillBytes(make([]byte, 48)), sig, true
	case mutAppend:
		return hash, concat(sig, arg), true
	}

	r, sv := new(big.Int), new(big.Int)
	input := cryptobyte.String(sig)
	var inner cryptobyte.String
	if !input.ReadASN1(&inner, asn1.SEQUENCE) ||
		!inner.ReadASN1Integer(r) || !inner.ReadASN1Integer(sv) {
		return nil, nil, false
	}
	switch op % mutCount {
	case mutHighS:
		sv.Sub(n, sv)
	case mutSwap:
		r, sv = sv, r
	case mutRXor:
		r.Xor(r, a)
	case mutSXor:
		sv.Xor(sv, a)
	case mutRAdd:
		r.Add(r, a)
	case mutRSub:
		r.Sub(r, a)
	case mutSAdd:
		sv.Add(sv, a)
	case mutSSub:
		sv.Sub(sv, a)
	case mutRPlusN:
		r.Add(r, n)
	case mutSPlusN:
		sv.Add(sv, n)
	case mutRSet:
		r.Set(a)
	case mutSSet:
		sv.Set(a)
	case mutRFromN:
		r.Sub(n, a)
	case mutSFromN:
		sv.Sub(n, a)
	case mutLongLength:
		// The same integers, with the SEQUENCE length in a long form that
		// DER forbids for lengths under 128.
		body := encodeSig(r, sv)
		_, content, _ := splitHeader(body)
		return hash, derLen(0x30, content, 1+int(a.Uint64()%4)), true
	}
	return hash, encodeSig(r, sv), true
}

// splitHeader returns the tag and content of the DER element b.
func splitHeader(b []byte) (tag asn1.Tag, content []byte, ok bool) {
	s := cryptobyte.String(b)
	var c cryptobyte.String
	if !s.ReadAnyASN1(&c, &tag) {
		return 0, nil, false
	}
	return tag, c, true
}

// FuzzVerifyASN1 checks that P384Verifier.VerifyASN1 gives the answer
// crypto/ecdsa.VerifyASN1 gives, for any hash and signature the fuzzer
// makes, and for a structured mutation of them. The seeds are valid
// signatures by the fixed keys, so the fuzzer starts near valid inputs.
func FuzzVerifyASN1(f *testing.F) {
	keys := fuzzKeys(f)
	verifiers := make([]*P384Verifier, len(keys))
	for i, k := range keys {
		verifiers[i] = newVerifier(f, &k.PublicKey)
	}
	for i, k := range keys {
		for _, l := range []int{0, 1, 20, 32, 47, 48, 49, 64} {
			sum := sha512.Sum512(fmt.Appendf(nil, "ecfixed fuzz hash %d", l))
			hash := sum[:l]
			sig := sign(f, k, hash)
			for op := range mutCount {
				f.Add(uint8(i), hash, sig, uint8(op), []byte{0x01})
			}
			f.Add(uint8(i), hash, sig, uint8(mutRXor), []byte{0x80, 0, 0, 0})
		}
	}
	f.Add(uint8(0), []byte{}, []byte{}, uint8(0), []byte{})
	f.Add(uint8(0), []byte{0}, []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, uint8(0), []byte{})

	f.Fuzz(func(t *testing.T, key uint8, hash, sig []byte, op uint8, arg []byte) {
		k := int(key) % len(keys)
		v, pub := verifiers[k], &keys[k].PublicKey
		check := func(what string, hash, sig []byte) {
			want := ecdsa.VerifyASN1(pub, hash, sig)
			if got := v.VerifyASN1(hash, sig); got != want {
				t.Fatalf("%s: ecfixed says %v, crypto/ecdsa says %v\nkey  %d\nhash %x\nsig  %x", what, got, want, k, hash, sig)
			}
		}
		check("input", hash, sig)
		if h, s, ok := mutate(hash, sig, op, arg); ok {
			check(fmt.Sprintf("mutation %d", op%mutCount), h, s)
		}
	})
}
