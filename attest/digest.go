package attest

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// Algorithm names a digest algorithm the way Subresource Integrity and
// in-toto subjects spell it: "sha256", "sha384" or "sha512".
type Algorithm string

// The algorithms [Measure] computes, weakest first.
const (
	SHA256 Algorithm = "sha256"
	SHA384 Algorithm = "sha384"
	SHA512 Algorithm = "sha512"
)

// Algorithms lists the algorithms [Measure] computes, weakest first.
var Algorithms = []Algorithm{SHA256, SHA384, SHA512}

// Size returns the digest length of a in bytes, or 0 if a is not one of
// [SHA256], [SHA384] or [SHA512].
func (a Algorithm) Size() int {
	switch a {
	case SHA256:
		return sha256.Size
	case SHA384:
		return sha512.Size384
	case SHA512:
		return sha512.Size
	}
	return 0
}

// rank orders algorithms by strength for SRI's "strongest wins" rule;
// unknown algorithms rank 0.
func (a Algorithm) rank() int {
	switch a {
	case SHA256:
		return 1
	case SHA384:
		return 2
	case SHA512:
		return 3
	}
	return 0
}

// Digests is what [Measure] learns about a byte stream: its length and its
// SHA-256, SHA-384 and SHA-512 digests, all from one pass over the bytes.
type Digests struct {
	Size   int64
	SHA256 [sha256.Size]byte
	SHA384 [sha512.Size384]byte
	SHA512 [sha512.Size]byte
}

// Sum returns the digest for a, or nil if a is not an algorithm [Measure]
// computes. The slice aliases d's storage only if d is addressable; callers
// must not modify it.
func (d *Digests) Sum(a Algorithm) []byte {
	switch a {
	case SHA256:
		return d.SHA256[:]
	case SHA384:
		return d.SHA384[:]
	case SHA512:
		return d.SHA512[:]
	}
	return nil
}

// Hex returns the lower-case hex digest for a, as sha256sum prints it, or ""
// for an unknown algorithm.
func (d Digests) Hex(a Algorithm) string {
	return hex.EncodeToString(d.Sum(a))
}

// SRI returns the Subresource Integrity string for a, "sha384-<base64>",
// or "" for an unknown algorithm.
func (d Digests) SRI(a Algorithm) string {
	s := d.Sum(a)
	if s == nil {
		return ""
	}
	return string(a) + "-" + base64.StdEncoding.EncodeToString(s)
}

// Equal reports whether d and o describe the same bytes: same size and
// same digests under every algorithm.
func (d Digests) Equal(o Digests) bool {
	return d == o
}

// String returns "<size> bytes sha256:<hex>".
func (d Digests) String() string {
	return fmt.Sprintf("%d bytes sha256:%s", d.Size, d.Hex(SHA256))
}
