package tlog

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// Signed-note algorithm identifiers (C2SP signed-note, "Signature types").
const (
	algEd25519            = 0x01
	algECDSAWithSHA256    = 0x02 // transparency-dev/formats' name for Rekor's ECDSA notes
	algCosignatureV1      = 0x04
	rekorV1OriginSeparate = " - "
)

// A LogKey is one transparency log's checkpoint-signing key. It implements
// golang.org/x/mod/sumdb/note.Verifier. Build it with [NewLogKey] (or,
// from a Sigstore trusted root, with package verify/tlog/sigstoreroot); the
// zero value is not usable.
type LogKey struct {
	name      string
	hash      uint32
	id        []byte
	pub       crypto.PublicKey
	notBefore time.Time
	until     time.Time
	v         note.Verifier
}

// NewLogKey returns the log key with the given signature name (the host name
// a log's checkpoint signature lines carry) and public key: an
// ed25519.PublicKey or an ECDSA P-256 *ecdsa.PublicKey. It has no validity
// window, so [LogKey.CheckValidAt] rejects every time until
// [LogKey.WithValidity] gives it one (package verify/tlog/sigstoreroot
// takes the window from a trusted root).
func NewLogKey(name string, pub crypto.PublicKey) (*LogKey, error) {
	if !isValidName(name) {
		return nil, &PolicyError{Reason: fmt.Sprintf("invalid log key name %q", name)}
	}
	k := &LogKey{name: name, pub: pub}
	switch pk := pub.(type) {
	case ed25519.PublicKey:
		if len(pk) != ed25519.PublicKeySize {
			return nil, &PolicyError{Reason: fmt.Sprintf("Ed25519 log key of %d bytes", len(pk))}
		}
		k.id = ed25519LogID(name, pk)
		vkey, err := note.NewEd25519VerifierKey(name, pk)
		if err != nil {
			return nil, &PolicyError{Reason: err.Error()}
		}
		if k.v, err = note.NewVerifier(vkey); err != nil {
			return nil, &PolicyError{Reason: err.Error()}
		}
	case *ecdsa.PublicKey:
		if pk.Curve != elliptic.P256() {
			return nil, &PolicyError{Reason: "ECDSA log key is not on P-256"}
		}
		der, err := x509.MarshalPKIXPublicKey(pk)
		if err != nil {
			return nil, &PolicyError{Reason: err.Error()}
		}
		sum := sha256.Sum256(der)
		k.id = sum[:]
		vkey := fmt.Sprintf("%s+%08x+%s", name, binary.BigEndian.Uint32(sum[:]),
			base64.StdEncoding.EncodeToString(append([]byte{algECDSAWithSHA256}, der...)))
		if k.v, err = fnote.NewECDSAVerifier(vkey); err != nil {
			return nil, &PolicyError{Reason: err.Error()}
		}
	default:
		return nil, &PolicyError{Reason: fmt.Sprintf("unsupported log key type %T", pub)}
	}
	k.hash = binary.BigEndian.Uint32(k.id)
	if k.v.KeyHash() != k.hash || k.v.Name() != name {
		panic("tlog: key hash disagrees with the note verifier's") // broken invariant
	}
	return k, nil
}

// ed25519LogID is SHA-256(name || "\n" || 0x01 || key): C2SP signed-note's
// key ID for Ed25519 before truncation, and Rekor v2's log ID.
func ed25519LogID(name string, key ed25519.PublicKey) []byte {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write([]byte{algEd25519})
	h.Write(key)
	return h.Sum(nil)
}

// WithValidity returns a copy of k valid from notBefore to until (a zero
// until leaves the window open-ended).
func (k *LogKey) WithValidity(notBefore, until time.Time) *LogKey {
	c := *k
	c.notBefore, c.until = notBefore, until
	return &c
}

// Name returns the name the key's signature lines carry.
func (k *LogKey) Name() string { return k.name }

// KeyHash returns the 4-byte key hash the key's signatures start with.
func (k *LogKey) KeyHash() uint32 { return k.hash }

// Verify reports whether sig is the key's signature of msg.
func (k *LogKey) Verify(msg, sig []byte) bool { return k.v.Verify(msg, sig) }

// LogID returns the key's full 32-byte ID as Rekor computes it: SHA-256 of
// the SPKI DER for ECDSA, SHA-256(name || "\n" || 0x01 || key) for Ed25519.
func (k *LogKey) LogID() []byte { return bytes.Clone(k.id) }

// PublicKey returns the public key.
func (k *LogKey) PublicKey() crypto.PublicKey { return k.pub }

// String returns "name+keyhash", as a signed-note verifier key begins.
func (k *LogKey) String() string { return fmt.Sprintf("%s+%08x", k.name, k.hash) }

// CheckValidAt returns a [*KeyValidityError] unless t is within the key's
// validity window: not before its start (a key with no start is never
// valid, as Sigstore clients require) and not after its end, if it has one.
// Pass the entry's verified time (a signed timestamp), never a time the
// entry merely claims.
func (k *LogKey) CheckValidAt(t time.Time) error {
	if k.notBefore.IsZero() || t.Before(k.notBefore) || (!k.until.IsZero() && t.After(k.until)) {
		return &KeyValidityError{Key: k.String(), At: t, NotBefore: k.notBefore, Until: k.until}
	}
	return nil
}

// RekorV1Origin returns the origin line of a Rekor v1 shard's checkpoints:
// "<host> - <tree id>". Rekor v1 signs them with the name host alone.
func RekorV1Origin(host string, treeID int64) string {
	return host + rekorV1OriginSeparate + strconv.FormatInt(treeID, 10)
}

// isValidName is the signed-note rule for key names: non-empty UTF-8 with
// no Unicode space and no '+'.
func isValidName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}
