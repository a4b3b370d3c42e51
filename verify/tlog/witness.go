package tlog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// cosignatureSize is a C2SP tlog-cosignature v1 Ed25519 signature after the
// key hash: an 8-byte big-endian Unix timestamp and a 64-byte signature.
const cosignatureSize = 8 + ed25519.SignatureSize

// A WitnessKey is one witness's Ed25519 cosigning key (C2SP
// tlog-cosignature v1). Build it with [NewWitnessKey] or [ParseWitnessKey].
type WitnessKey struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
	v    note.Verifier
}

// NewWitnessKey returns the witness key with the given name and Ed25519
// public key. Its key hash is the first 4 bytes of
// SHA-256(name || "\n" || 0x04 || key).
func NewWitnessKey(name string, pub ed25519.PublicKey) (*WitnessKey, error) {
	if !isValidName(name) {
		return nil, &PolicyError{Reason: fmt.Sprintf("invalid witness name %q", name)}
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, &PolicyError{Reason: fmt.Sprintf("Ed25519 witness key of %d bytes", len(pub))}
	}
	k := &WitnessKey{name: name, pub: bytes.Clone(pub), hash: keyHash(name, algCosignatureV1, pub)}
	// The cosignature format is transparency-dev/formats' implementation,
	// not ours: formats/note.NewVerifierForCosignatureV1.
	v, err := fnote.NewVerifierForCosignatureV1(k.String())
	if err != nil {
		return nil, &PolicyError{Reason: err.Error()}
	}
	if v.KeyHash() != k.hash || v.Name() != name {
		panic("tlog: cosignature key hash disagrees with transparency-dev/formats'") // broken invariant
	}
	k.v = v
	return k, nil
}

// ParseWitnessKey parses a signed-note verifier key "name+hash+base64(key)"
// whose key is an Ed25519 key as a cosignature/v1 key (type 0x04) or as a
// plain note key (type 0x01, which witnesses also publish). The hash must be
// the one the key's type gives.
func ParseWitnessKey(vkey string) (*WitnessKey, error) {
	bad := func(format string, args ...any) error {
		return &PolicyError{Reason: fmt.Sprintf("witness key %q: ", vkey) + fmt.Sprintf(format, args...)}
	}
	name, rest, _ := strings.Cut(vkey, "+")
	hash16, key64, _ := strings.Cut(rest, "+")
	hash, err1 := strconv.ParseUint(hash16, 16, 32)
	key, err2 := base64.StdEncoding.Strict().DecodeString(key64)
	// encoding/base64 skips '\r' and '\n' even when strict.
	if len(hash16) != 8 || err1 != nil || err2 != nil || strings.ContainsAny(key64, "\r\n") || !isValidName(name) || len(key) != 1+ed25519.PublicKeySize {
		return nil, bad("not name+hash+base64 of a type byte and an Ed25519 key")
	}
	alg, pub := key[0], key[1:]
	if alg != algEd25519 && alg != algCosignatureV1 {
		return nil, bad("key type 0x%02x, want 0x01 or 0x04", alg)
	}
	if uint32(hash) != keyHash(name, alg, pub) {
		return nil, bad("key hash does not match the key")
	}
	return NewWitnessKey(name, pub)
}

func keyHash(name string, alg byte, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write([]byte{alg})
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// Name returns the witness's name, as its cosignature lines carry it.
func (k *WitnessKey) Name() string { return k.name }

// KeyHash returns the cosignature key hash.
func (k *WitnessKey) KeyHash() uint32 { return k.hash }

// PublicKey returns the Ed25519 public key.
func (k *WitnessKey) PublicKey() ed25519.PublicKey { return bytes.Clone(k.pub) }

// String returns the cosignature/v1 verifier key "name+hash+base64(0x04||key)".
func (k *WitnessKey) String() string {
	return fmt.Sprintf("%s+%08x+%s", k.name, k.hash,
		base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, k.pub...)))
}

// A WitnessPolicy names the witnesses a caller trusts and how many distinct
// ones must have cosigned a checkpoint. Its zero value requires nothing and
// is therefore refused by [VerifyWitnesses]: not requiring witnesses means
// not calling it.
type WitnessPolicy struct {
	Keys      []*WitnessKey
	Threshold int
}

// A Cosignature is a verified C2SP tlog-cosignature v1 line: the witness,
// and the time it says it cosigned (seconds; the witness's own clock).
type Cosignature struct {
	Name    string         `json:"name"`
	KeyHash uint32         `json:"keyHash"`
	Time    time.Time      `json:"time"`
	Line    note.Signature `json:"line"`
}

// An IgnoredSignature is a signature line that did not count towards a
// witness policy, with the reason.
type IgnoredSignature struct {
	Line   note.Signature `json:"line"`
	Reason string         `json:"reason"` // "unknown key", "invalid", "malformed", "duplicate"
}

// Witnessed is the result of [VerifyWitnesses]: the cosignatures that
// counted (one per witness) and the lines that did not.
type Witnessed struct {
	Threshold    int                `json:"threshold"`
	Cosignatures []Cosignature      `json:"cosignatures"`
	Ignored      []IgnoredSignature `json:"ignored,omitempty"`
}

// ParseCosignature decodes a cosignature/v1 signature line into its key hash,
// timestamp and signature bytes, verifying nothing. The line's base64 holds
// key hash (4 bytes) || timestamp (8 bytes, big-endian Unix seconds) ||
// Ed25519 signature (64 bytes) (c2sp.org/tlog-cosignature v1.0.0).
func ParseCosignature(line note.Signature) (t time.Time, sig []byte, err error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(line.Base64)
	if err != nil {
		return time.Time{}, nil, &MalformedError{What: "cosignature", Err: err}
	}
	if len(raw) != 4+cosignatureSize {
		return time.Time{}, nil, &MalformedError{What: "cosignature", Err: fmt.Errorf("%d bytes, want %d", len(raw), 4+cosignatureSize)}
	}
	if binary.BigEndian.Uint32(raw) != line.Hash {
		return time.Time{}, nil, &MalformedError{What: "cosignature", Err: fmt.Errorf("key hash %08x, line says %08x", binary.BigEndian.Uint32(raw), line.Hash)}
	}
	ts := binary.BigEndian.Uint64(raw[4:])
	if ts > math.MaxInt64 {
		return time.Time{}, nil, &MalformedError{What: "cosignature", Err: fmt.Errorf("timestamp %d out of range", ts)}
	}
	return time.Unix(int64(ts), 0).UTC(), raw[4:], nil
}

// VerifyWitnesses checks the cosignatures of a verified checkpoint against
// a witness policy. Each witness of the policy counts at most once however
// many of its lines verify; lines by keys the policy does not name, invalid
// or malformed lines are ignored and reported in [Witnessed.Ignored]. Fewer
// than Threshold distinct witnesses is a [*WitnessError] (wrapping
// [ErrVerification]). A policy that cannot be met (Threshold < 1, more than
// its distinct keys, nil or clashing keys) or a checkpoint not made by
// [VerifyCheckpoint] is a [*PolicyError].
//
// It does not judge the cosignature times: a caller wanting fresh witnessing
// compares [Cosignature.Time] with its own bound.
func VerifyWitnesses(cp *VerifiedCheckpoint, p WitnessPolicy) (*Witnessed, error) {
	if cp == nil || !cp.verified {
		return nil, &PolicyError{Reason: "checkpoint was not verified by VerifyCheckpoint"}
	}
	witnesses := make(map[nameHash]*WitnessKey)
	for _, k := range p.Keys {
		if k == nil || k.v == nil {
			return nil, &PolicyError{Reason: "nil or zero WitnessKey"}
		}
		nh := nameHash{k.name, k.hash}
		if prev, ok := witnesses[nh]; ok && !prev.pub.Equal(k.pub) {
			return nil, &PolicyError{Reason: fmt.Sprintf("two different witness keys named %s+%08x", k.name, k.hash)}
		}
		witnesses[nh] = k
	}
	if p.Threshold < 1 || p.Threshold > len(witnesses) {
		return nil, &PolicyError{Reason: fmt.Sprintf("witness threshold %d with %d distinct witness keys", p.Threshold, len(witnesses))}
	}

	res := &Witnessed{Threshold: p.Threshold}
	counted := make(map[nameHash]bool)
	for _, line := range cp.UnverifiedSigs {
		nh := nameHash{line.Name, line.Hash}
		k, ok := witnesses[nh]
		if !ok {
			res.Ignored = append(res.Ignored, IgnoredSignature{Line: line, Reason: "unknown key"})
			continue
		}
		t, sig, err := ParseCosignature(line)
		if err != nil {
			res.Ignored = append(res.Ignored, IgnoredSignature{Line: line, Reason: "malformed"})
			continue
		}
		if !k.v.Verify([]byte(cp.text), sig) {
			res.Ignored = append(res.Ignored, IgnoredSignature{Line: line, Reason: "invalid"})
			continue
		}
		if counted[nh] {
			res.Ignored = append(res.Ignored, IgnoredSignature{Line: line, Reason: "duplicate"})
			continue
		}
		counted[nh] = true
		res.Cosignatures = append(res.Cosignatures, Cosignature{Name: line.Name, KeyHash: line.Hash, Time: t, Line: line})
	}
	if len(res.Cosignatures) < p.Threshold {
		return nil, &WitnessError{Threshold: p.Threshold, Verified: res.Cosignatures, Ignored: res.Ignored}
	}
	return res, nil
}
