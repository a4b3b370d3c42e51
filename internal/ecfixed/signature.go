package ecfixed

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// parseSignature splits an ASN.1 DER ECDSA signature,
//
//	Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
//
// into the big-endian magnitudes of r and s. It is a copy of the unexported
// parseSignature of crypto/ecdsa (Go 1.26, crypto/ecdsa/ecdsa.go), which
// uses the standard library's vendored copy of this same cryptobyte code,
// so it accepts exactly the encodings crypto/ecdsa.VerifyASN1 accepts:
//
//   - DER only: lengths in their shortest form, no indefinite length,
//     low tag numbers only (cryptobyte's ReadASN1);
//   - nothing after the SEQUENCE, and nothing after s inside it;
//   - each INTEGER at least one byte long and minimally encoded (no
//     leading 0x00 before a byte whose top bit is clear, no leading 0xff
//     before one whose top bit is set);
//   - no negative INTEGER (ReadASN1Integer into a *[]byte refuses a set
//     sign bit).
//
// The returned slices alias sig and have no leading zero bytes, except
// the single byte 0x00 for zero.
func parseSignature(sig []byte) (r, s []byte, ok bool) {
	var inner cryptobyte.String
	input := cryptobyte.String(sig)
	if !input.ReadASN1(&inner, asn1.SEQUENCE) ||
		!input.Empty() ||
		!inner.ReadASN1Integer(&r) ||
		!inner.ReadASN1Integer(&s) ||
		!inner.Empty() {
		return nil, nil, false
	}
	return r, s, true
}
