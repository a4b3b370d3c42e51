package attest

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
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

// digestsJSON is the JSON form of [Digests]: in-toto's DigestSet spelling,
// lower-case hex keyed by algorithm, with the size beside it.
type digestsJSON struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	SHA384 string `json:"sha384"`
	SHA512 string `json:"sha512"`
}

// MarshalJSON encodes d as {"size":N,"sha256":"<hex>","sha384":"<hex>","sha512":"<hex>"}.
func (d Digests) MarshalJSON() ([]byte, error) {
	return json.Marshal(digestsJSON{d.Size, d.Hex(SHA256), d.Hex(SHA384), d.Hex(SHA512)})
}

// UnmarshalJSON decodes the form [Digests.MarshalJSON] writes. Every
// field is required; a digest must be lower-case hex of its algorithm's
// length and the size must not be negative.
func (d *Digests) UnmarshalJSON(b []byte) error {
	var j digestsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("attest: digests: %w", err)
	}
	if j.Size < 0 {
		return fmt.Errorf("attest: digests: negative size %d", j.Size)
	}
	var out Digests
	out.Size = j.Size
	for _, f := range []struct {
		alg Algorithm
		hex string
	}{{SHA256, j.SHA256}, {SHA384, j.SHA384}, {SHA512, j.SHA512}} {
		dst := out.Sum(f.alg)
		if len(f.hex) != 2*len(dst) || strings.ToLower(f.hex) != f.hex {
			return fmt.Errorf("attest: digests: %s: want %d lower-case hex digits", f.alg, 2*len(dst))
		}
		if _, err := hex.Decode(dst, []byte(f.hex)); err != nil {
			return fmt.Errorf("attest: digests: %s: %w", f.alg, err)
		}
	}
	*d = out
	return nil
}
