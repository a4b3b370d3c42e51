package tlog

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// Input bounds. A checkpoint is a few hundred bytes; these leave room for
// many extension lines and witnesses while keeping hostile input cheap.
const (
	// MaxCheckpointSize bounds a signed checkpoint note, in bytes.
	MaxCheckpointSize = 1 << 20
	// MaxSignatures bounds the signature lines of a note (x/mod's note.Open
	// stops at the same number).
	MaxSignatures = 100
	// HashSize is the size of a SHA-256 tree or leaf hash.
	HashSize = 32
)

// MaxTreeSize is the largest tree size this package accepts in a checkpoint:
// 2^62 − 1 leaves. A log that appended a billion entries a second would
// take 146 years to reach it; the largest public logs hold a few billion.
//
// It is the largest size at which every tree computation this package
// makes ends. golang.org/x/mod/sumdb/tlog, whose tile arithmetic builds
// proofs from tiles, takes sizes as int64 and finds the largest power of
// two below a number with a loop (maxpow2) that never ends once that
// number is above 2^62: reading the hashes of a tree of 2^62 leaves or
// more, or proving anything in it, spins forever. Below it, every stored
// hash index x/mod computes (less than twice the size) fits in an int64,
// and the proof verification of github.com/transparency-dev/merkle works
// on any uint64. [VerifyCheckpoint] rejects a larger size with a
// [*TreeSizeError] before any proof or tile is computed, and every
// function that computes on a [VerifiedCheckpoint]'s size checks it again.
const MaxTreeSize = 1<<62 - 1

// A Checkpoint is the body of a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint):
//
//	<origin>\n
//	<tree size, decimal, no leading zeros>\n
//	<root hash, standard base64 of 32 bytes>\n
//	<extension line>\n ... (optional, each non-empty)
//
// A Checkpoint on its own is unverified data; only a [VerifiedCheckpoint]
// says that a log signed it.
type Checkpoint struct {
	Origin     string   `json:"origin"`
	Size       uint64   `json:"size"`
	Hash       []byte   `json:"hash"`
	Extensions []string `json:"extensions,omitempty"`
}

// ParseCheckpoint parses a checkpoint body (the text of the signed note,
// without signatures). It is strict: exactly one encoding of each field is
// accepted, so FormatCheckpoint(ParseCheckpoint(b)) == b. It checks syntax
// only; it verifies nothing.
func ParseCheckpoint(text []byte) (*Checkpoint, error) {
	bad := func(format string, args ...any) error {
		return &MalformedError{What: "checkpoint", Err: fmt.Errorf(format, args...)}
	}
	if len(text) > MaxCheckpointSize {
		return nil, bad("%d bytes, more than %d", len(text), MaxCheckpointSize)
	}
	if err := checkNoteChars(text); err != nil {
		return nil, bad("%w", err)
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return nil, bad("does not end in a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return nil, bad("%d lines, want at least 3", len(lines))
	}
	c := &Checkpoint{Origin: lines[0]}
	if c.Origin == "" {
		return nil, bad("empty origin line")
	}
	size, err := parseDecimal(lines[1])
	if err != nil {
		return nil, bad("tree size: %w", err)
	}
	c.Size = size
	if c.Hash, err = parseHash(lines[2]); err != nil {
		return nil, bad("root hash: %w", err)
	}
	for i, ext := range lines[3:] {
		if ext == "" {
			return nil, bad("extension line %d is empty", i+1)
		}
		c.Extensions = append(c.Extensions, ext)
	}
	return c, nil
}

// FormatCheckpoint returns the checkpoint body of c, the text a log signs.
// It fails on a Checkpoint that [ParseCheckpoint] would not accept back.
func FormatCheckpoint(c *Checkpoint) ([]byte, error) {
	if c == nil {
		return nil, &PolicyError{Reason: "nil checkpoint"}
	}
	if c.Origin == "" || strings.Contains(c.Origin, "\n") {
		return nil, &PolicyError{Reason: fmt.Sprintf("invalid origin %q", c.Origin)}
	}
	if len(c.Hash) != HashSize {
		return nil, &PolicyError{Reason: fmt.Sprintf("root hash of %d bytes", len(c.Hash))}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash))
	for _, ext := range c.Extensions {
		if ext == "" || strings.Contains(ext, "\n") {
			return nil, &PolicyError{Reason: fmt.Sprintf("invalid extension line %q", ext)}
		}
		b.WriteString(ext)
		b.WriteByte('\n')
	}
	if err := checkNoteChars(b.Bytes()); err != nil {
		return nil, &PolicyError{Reason: err.Error()}
	}
	return b.Bytes(), nil
}

// parseDecimal accepts the canonical decimal form of a uint64 only.
func parseDecimal(s string) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%q is not a canonical decimal", s)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a canonical decimal", s)
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// parseHash accepts the canonical standard base64 of a 32-byte hash only.
func parseHash(s string) ([]byte, error) {
	h, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(h) != HashSize {
		return nil, fmt.Errorf("%d bytes, want %d", len(h), HashSize)
	}
	return h, nil
}

// checkNoteChars applies the signed-note character rule: valid UTF-8 and no
// ASCII control character but newline.
func checkNoteChars(b []byte) error {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r < 0x20 && r != '\n' || r == utf8.RuneError && size == 1 {
			return fmt.Errorf("invalid character at byte %d", i)
		}
		i += size
	}
	return nil
}

// A VerifiedCheckpoint is a checkpoint whose log signature [VerifyCheckpoint]
// verified. Only VerifyCheckpoint makes one that the proof and witness
// functions accept; a VerifiedCheckpoint built any other way (a literal, a
// JSON decoding) is refused by them, so stored checkpoints must be verified
// again.
type VerifiedCheckpoint struct {
	Checkpoint
	// Note is the signed note exactly as verified: evidence to keep.
	Note []byte `json:"note"`
	// Sigs are the verified signatures by the log keys given, at least one.
	Sigs []note.Signature `json:"sigs"`
	// UnverifiedSigs are the other signature lines: witness cosignatures,
	// keys not given. VerifyCheckpoint checked none of them.
	UnverifiedSigs []note.Signature `json:"unverifiedSigs,omitempty"`

	text     string // the signed text, for cosignature checks
	verified bool
}

// VerifyCheckpoint verifies a signed checkpoint note (a bundle's
// inclusionProof.checkpoint.envelope, a log's /checkpoint) against the log
// keys the caller trusts for the log whose origin line is origin.
//
// Only keys named for that origin take part: a key whose name is the origin
// (C2SP logs, Rekor v2) or, for Rekor v1, whose name is the host of a
// "<host> - <tree id>" origin. At least one signature by one of them must
// verify; signatures by other keys are kept, unverified, in
// UnverifiedSigs (the log's signature need not be the first line). A line
// that names a given key by name and key hash but does not verify rejects the
// whole note, as golang.org/x/mod/sumdb/note.Open does.
//
// Rejections wrap [ErrVerification]: [*MalformedError] (oversize, too many
// signature lines, bad note or body syntax), [*SignatureError] (forged, or no
// signature by a given key), [*OriginError] (another origin),
// [*TreeSizeError] (a tree larger than [MaxTreeSize], signed by the log).
// Giving no key for origin is a [*PolicyError].
func VerifyCheckpoint(msg []byte, origin string, logKeys ...*LogKey) (*VerifiedCheckpoint, error) {
	if origin == "" {
		return nil, &PolicyError{Reason: "no origin named"}
	}
	known := make(map[nameHash]*LogKey)
	for _, k := range logKeys {
		if k == nil || k.v == nil {
			return nil, &PolicyError{Reason: "nil or zero LogKey"}
		}
		if !keyServesOrigin(k.name, origin) {
			continue
		}
		nh := nameHash{k.name, k.hash}
		if prev, ok := known[nh]; ok && !bytes.Equal(prev.id, k.id) {
			return nil, &PolicyError{Reason: fmt.Sprintf("two different log keys named %s", k)}
		}
		known[nh] = k
	}
	if len(known) == 0 {
		return nil, &PolicyError{Reason: fmt.Sprintf("no log key given for origin %q", origin)}
	}
	if len(msg) > MaxCheckpointSize {
		return nil, &MalformedError{What: "signed note", Err: fmt.Errorf("%d bytes, more than %d", len(msg), MaxCheckpointSize)}
	}
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return nil, &MalformedError{What: "signed note", Err: errors.New("no blank line before the signatures")}
	}
	if n := bytes.Count(msg[split+2:], []byte("\n")); n > MaxSignatures {
		return nil, &MalformedError{What: "signed note", Err: fmt.Errorf("%d signature lines, more than %d", n, MaxSignatures)}
	}

	n, err := note.Open(msg, verifierMap(known))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return nil, &SignatureError{Unverified: unverified.Note.UnverifiedSigs}
		case errors.As(err, &invalid):
			return nil, &SignatureError{Forged: true, Name: invalid.Name, KeyHash: invalid.Hash}
		default:
			return nil, &MalformedError{What: "signed note", Err: err}
		}
	}
	cp, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return nil, err
	}
	if cp.Origin != origin {
		return nil, &OriginError{Want: origin, Got: cp.Origin}
	}
	if cp.Size > MaxTreeSize {
		return nil, &TreeSizeError{Origin: cp.Origin, Size: cp.Size, Note: bytes.Clone(msg)}
	}
	return &VerifiedCheckpoint{
		Checkpoint:     *cp,
		Note:           bytes.Clone(msg),
		Sigs:           n.Sigs,
		UnverifiedSigs: n.UnverifiedSigs,
		text:           n.Text,
		verified:       true,
	}, nil
}

// keyServesOrigin reports whether a key named name signs checkpoints with
// this origin: the name itself, or Rekor v1's "<name> - <decimal tree id>".
// checkSize refuses a verified checkpoint whose size a caller changed to
// one above [MaxTreeSize] after [VerifyCheckpoint] checked it.
func checkSize(cp *VerifiedCheckpoint) error {
	if cp.Size > MaxTreeSize {
		return &TreeSizeError{Origin: cp.Origin, Size: cp.Size, Note: bytes.Clone(cp.Note)}
	}
	return nil
}

func keyServesOrigin(name, origin string) bool {
	if origin == name {
		return true
	}
	id, ok := strings.CutPrefix(origin, name+rekorV1OriginSeparate)
	if !ok {
		return false
	}
	_, err := parseDecimal(id)
	return err == nil
}

type nameHash struct {
	name string
	hash uint32
}

// verifierMap is a note.Verifiers over keys that are already unique by
// name and hash.
type verifierMap map[nameHash]*LogKey

func (m verifierMap) Verifier(name string, hash uint32) (note.Verifier, error) {
	if k, ok := m[nameHash{name, hash}]; ok {
		return k, nil
	}
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}
