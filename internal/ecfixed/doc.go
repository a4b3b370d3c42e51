// Package ecfixed verifies ECDSA P-384 signatures by one fixed public key,
// about three times as fast as crypto/ecdsa, by precomputing multiples of
// the key once.
//
// Verifying a Sigstore bundle checks an ECDSA P-384 signature by the
// Fulcio intermediate CA, a key that is trusted material and the same for
// every bundle. crypto/ecdsa spends most of a P-384 verification on u2·Q,
// a scalar multiplication by a point it has never seen before: 384 point
// doublings and 96 additions. A [P384Verifier] knows Q in advance and
// keeps a table of its multiples, so it computes u2·Q with at most 96
// additions and no doubling, as crypto/ecdsa already does for u1·G with
// the generator G.
//
//	v, err := ecfixed.NewP384Verifier(caKey) // once per key: ~2 ms, ~250 KiB
//	if err != nil {
//		return err // not a valid P-384 key; errors.Is(err, ecfixed.ErrInvalidKey)
//	}
//	for _, b := range bundles {
//		if !v.VerifyASN1(b.Digest, b.Signature) { // ~0.27 ms instead of ~0.8 ms
//			return errRejected
//		}
//	}
//
// # Semantics
//
// [P384Verifier.VerifyASN1] gives the answer that [ecdsa.VerifyASN1] gives
// for the same key, on every input; the tests hold it to that (see
// Testing below). It follows SEC 1, Version 2.0, Section 4.1.4 and
// FIPS 186-5, Section 6.4.2:
//
//  1. The signature is parsed as crypto/ecdsa parses it, with the same
//     code: golang.org/x/crypto/cryptobyte, of which the standard library
//     vendors an identical copy, reading
//     SEQUENCE { r INTEGER, s INTEGER } in DER. Lengths must be minimal
//     and definite, the INTEGERs minimal and non-negative, and nothing may
//     follow s or the SEQUENCE. BER, IEEE P1363 (raw r||s) and trailing
//     data are rejected.
//  2. r and s must be in [1, n-1], n the order of P-384. A "high-S"
//     signature (s > n/2, the twin n-s of a valid s) is accepted, as
//     crypto/ecdsa accepts it: ECDSA signatures are malleable, and callers
//     must not use a signature's bytes as an identifier.
//  3. The hash is truncated to the bit length of n, 384 bits: a hash
//     longer than 48 bytes is cut to its leftmost 48, a shorter one
//     (even an empty one) is used as is. Its big-endian value e is
//     reduced mod n.
//  4. With w = s⁻¹, u1 = e·w and u2 = r·w mod n, R = u1·G + u2·Q. The
//     point at infinity is rejected; otherwise the signature is valid if
//     and only if R.x mod n = r.
//
// # Algorithm
//
// The curve arithmetic is filippo.io/nistec, the exported copy of the
// standard library's crypto/internal/fips140/nistec: its P384Point with
// complete addition formulas (Renes, Costello and Batina, 2015), correct
// for every pair of points, including equal and opposite points and the
// point at infinity. No field arithmetic is written here. The scalar
// arithmetic mod n (s⁻¹, u1, u2, R.x mod n) uses math/big.
//
// u1·G is nistec's ScalarBaseMult: 96 additions of entries from a table of
// multiples of G, each selected in constant time. u2·Q comes from this
// package's table of Q, read directly at the entry each nibble of u2
// names, skipping zero nibbles. Then one addition and one field inversion
// give R.x.
//
// # Table layout and size
//
// The scalar u2 is split into 96 nibbles (4-bit windows), d_0 the least
// significant. For window i in [0, 96) and multiple j in [1, 15] the table
// holds the point j·16^i·Q, at [i][j-1]; j = 0 is the point at infinity and
// is not stored. Then u2·Q is the sum over the nonzero nibbles of the
// entries [i][d_i-1]. The table has 96 × 15 = 1440 points, each a nistec
// P384Point in projective coordinates (three field elements of 48 bytes,
// plus the struct pointing to them), so 1440 × 168 bytes. With the index
// of pointers, the key and n, NewP384Verifier allocates 254,696 bytes in
// 5,770 allocations, all kept as long as the verifier is. The table is
// built with 96 × 7 additions and 96 × 8 doublings.
//
// nistec keeps its own table of multiples of G, of the same size (254,256
// bytes), once per process: it is built the first time any code in the
// process calls its P-384 ScalarBaseMult (here, the first verification),
// in about 3 to 5 ms.
//
// # Cost
//
// Measured on the project's machine (2-core AMD EPYC, amd64, Go 1.26,
// nistec v0.0.4; run BenchmarkECDSAVerifyP384, BenchmarkFixedVerifyP384
// and BenchmarkNewP384Verifier to measure again):
//
//   - crypto/ecdsa.VerifyASN1, P-384: about 0.80 ms, 808 bytes allocated;
//   - P384Verifier.VerifyASN1: about 0.27 ms, 1.9 KB allocated: about 3
//     times faster (2.7 to 3.7 in six alternating runs; 2.2 in a run
//     while other jobs loaded the machine);
//   - NewP384Verifier: about 1.8 ms and 254,696 bytes, so it pays for
//     itself from the fourth signature.
//
// # Not constant time
//
// u2·Q reads table entries, and makes additions, according to the bits
// of u2, and math/big is not constant time either, so the time a
// verification takes depends on its inputs. That is acceptable here, and
// only here, because everything a verification touches is public: the
// signature, the hash and the public key. No secret ever enters this
// package: it verifies, it never signs, and it holds no private key.
// Do not reuse its table code with a secret scalar.
//
// # What it does not do
//
//   - It does not sign, and it cannot hold a private key.
//   - It supports P-384 only, and only the ASN.1 DER signature encoding.
//   - It does not hash: the caller hashes the message with the algorithm
//     that the signature names (SHA-384 for ecdsa-with-SHA384) and passes
//     the digest.
//   - It does not decide whether a key is trusted: NewP384Verifier checks
//     only that the key is a valid P-384 point. The caller names the key.
//   - It does not replace crypto/ecdsa for keys seen once or a few times:
//     the table costs about two crypto/ecdsa verifications to build, and
//     a quarter of a megabyte to keep.
//
// # Testing
//
// The tests compare every answer with crypto/ecdsa.VerifyASN1, the
// reference: valid signatures by random keys and by the keys G, 2G, -G
// and -2G, over hashes of 0 to 64 bytes and hashes whose value is n or
// more, each then tampered with in about sixty ways (values flipped, out
// of range, negative or oversized, BER, trailing data, truncations, hash
// changes that do and do not change e). They also build the inputs that
// reach the rare branches: R at infinity, R.x in [n, p), s small enough
// that s+n fits in 48 bytes. They run the Wycheproof ECDSA P-384 vectors
// (testdata/wycheproof, see SOURCE.md there), and FuzzVerifyASN1 checks
// the verifier against crypto/ecdsa on fuzzed and mutated signatures.
package ecfixed
