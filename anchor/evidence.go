package anchor

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"unicode/utf8"
)

// A Hash is a SHA-256 value: a leaf, a node or a root of a batch's tree.
type Hash [32]byte

// String returns h in lowercase hexadecimal.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// The digest algorithms an [Evidence] may name.
const (
	SHA256 = "sha256"
	SHA384 = "sha384"
	SHA512 = "sha512"
)

// Limits of the leaf encoding (see "The leaf" in the package documentation).
const (
	MaxNameLen      = 1024
	MaxMediaTypeLen = 255
)

// leafDomain starts every leaf's data: no other kind of leaf starts so.
const leafDomain = "selfattest/anchor/evidence/v1\x00"

// An Evidence is one item a batch commits to: the digest of its content,
// its media type and its name. The content itself is not kept.
type Evidence struct {
	Name      string
	MediaType string
	Algorithm string // SHA256, SHA384 or SHA512
	Digest    []byte
}

// NewEvidence returns the Evidence of content: its SHA-256 digest, with
// the name and media type given. They are checked when the item is used
// ([NewBatch], [VerifyReceipt], [Journal.Add]).
func NewEvidence(name, mediaType string, content []byte) Evidence {
	d := sha256.Sum256(content)
	return Evidence{Name: name, MediaType: mediaType, Algorithm: SHA256, Digest: d[:]}
}

// EvidenceFromDigest returns the Evidence of content known only by its
// digest under alg (SHA256, SHA384 or SHA512). It returns an error
// wrapping [ErrBadInput] if the algorithm, the digest's length, the media
// type or the name cannot be used.
func EvidenceFromDigest(name, mediaType, alg string, digest []byte) (Evidence, error) {
	e := Evidence{Name: name, MediaType: mediaType, Algorithm: alg, Digest: append([]byte(nil), digest...)}
	return e, e.check()
}

// digestLen returns the length of alg's digests, 0 for an unknown alg.
func digestLen(alg string) int {
	switch alg {
	case SHA256:
		return sha256.Size
	case SHA384:
		return sha512.Size384
	case SHA512:
		return sha512.Size
	}
	return 0
}

func (e Evidence) check() error {
	n := digestLen(e.Algorithm)
	if n == 0 {
		return badInput("evidence.digest.alg", "not sha256, sha384 or sha512")
	}
	if len(e.Digest) != n {
		return badInput("evidence.digest", "wrong length for "+e.Algorithm)
	}
	if len(e.MediaType) == 0 || len(e.MediaType) > MaxMediaTypeLen {
		return badInput("evidence.mediaType", "empty or longer than 255 bytes")
	}
	for i := 0; i < len(e.MediaType); i++ {
		if c := e.MediaType[i]; c < 0x21 || c > 0x7e {
			return badInput("evidence.mediaType", "not printable ASCII without spaces")
		}
	}
	if len(e.Name) > MaxNameLen {
		return badInput("evidence.name", "longer than 1024 bytes")
	}
	if !utf8.ValidString(e.Name) {
		return badInput("evidence.name", "not UTF-8")
	}
	return nil
}

// Equal reports whether e and o name the same item.
func (e Evidence) Equal(o Evidence) bool {
	return e.Name == o.Name && e.MediaType == o.MediaType && e.Algorithm == o.Algorithm && string(e.Digest) == string(o.Digest)
}

// LeafHash returns the leaf of e in a batch's tree (see "The leaf" in the
// package documentation), or an error wrapping [ErrBadInput].
func (e Evidence) LeafHash() (Hash, error) {
	if err := e.check(); err != nil {
		return Hash{}, err
	}
	var buf [1 + len(leafDomain) + 16 + 6 + 64 + MaxMediaTypeLen + MaxNameLen]byte
	return e.leafHash(buf[:0]), nil
}

// leafHash hashes e, already checked, using buf's storage.
func (e Evidence) leafHash(buf []byte) Hash {
	buf = append(buf, 0x00)
	buf = append(buf, leafDomain...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(e.Algorithm)))
	buf = append(buf, e.Algorithm...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(e.Digest)))
	buf = append(buf, e.Digest...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(e.MediaType)))
	buf = append(buf, e.MediaType...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(e.Name)))
	buf = append(buf, e.Name...)
	return sha256.Sum256(buf)
}

// MarshalJSON writes e as a receipt's "evidence" member:
// {"name": …, "mediaType": …, "digest": {"alg": …, "hex": …}}.
func (e Evidence) MarshalJSON() ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	dst := append([]byte(nil), `{"name":`...)
	dst = appendString(dst, e.Name)
	dst = append(dst, `,"mediaType":`...)
	dst = appendString(dst, e.MediaType)
	dst = append(dst, `,"digest":{"alg":"`...)
	dst = append(dst, e.Algorithm...)
	dst = append(dst, `","hex":"`...)
	dst = appendHex(dst, e.Digest)
	return append(dst, `"}}`...), nil
}
