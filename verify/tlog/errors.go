package tlog

import (
	"encoding/hex"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest"
)

// ErrVerification is wrapped by every rejection this package returns: a
// malformed, forged, unknown-key, wrong-origin or under-witnessed checkpoint,
// and every failed proof. It is never wrapped by a [*PolicyError].
var ErrVerification = selfattest.Beneath(selfattest.ErrRejected, "tlog: verification failed")

// A PolicyError reports a caller error that makes a check impossible: no log
// keys, a witness policy that requires nothing, a key that cannot be used. It
// does not wrap [ErrVerification]: nothing was checked. It wraps
// [selfattest.ErrBadInput].
type PolicyError struct {
	Reason string
}

func (e *PolicyError) Error() string { return "tlog: cannot check: " + e.Reason }

func (e *PolicyError) Unwrap() error { return selfattest.ErrBadInput }

// A MalformedError reports input that does not parse: a note, a checkpoint
// body, a cosignature or a proof. What names the part; Err is the cause.
type MalformedError struct {
	What string
	Err  error
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("tlog: malformed %s: %v", e.What, e.Err)
}

// Unwrap returns [ErrVerification] and the cause.
func (e *MalformedError) Unwrap() []error { return []error{ErrVerification, e.Err} }

// An OriginError reports a checkpoint whose origin line is not the one the
// caller expected (another log, another Rekor v1 shard), or two checkpoints
// from different logs compared with each other.
type OriginError struct {
	Want, Got string
}

func (e *OriginError) Error() string {
	return fmt.Sprintf("tlog: checkpoint origin %q, want %q", e.Got, e.Want)
}

// Unwrap returns [ErrVerification].
func (e *OriginError) Unwrap() error { return ErrVerification }

// A SignatureError reports a checkpoint that carries no valid signature by
// any of the log keys given. Forged is set when a signature line named a
// trusted key (by name and key hash) and did not verify; otherwise no line
// named a trusted key at all. Unverified holds the lines that named no
// trusted key, as evidence.
type SignatureError struct {
	Forged     bool
	Name       string // the key name of the forged line, if Forged
	KeyHash    uint32 // the key hash of the forged line, if Forged
	Unverified []note.Signature
}

func (e *SignatureError) Error() string {
	if e.Forged {
		return fmt.Sprintf("tlog: invalid checkpoint signature by trusted key %s+%08x", e.Name, e.KeyHash)
	}
	return fmt.Sprintf("tlog: checkpoint not signed by any trusted log key (%d signatures by unknown keys)", len(e.Unverified))
}

// Unwrap returns [ErrVerification].
func (e *SignatureError) Unwrap() error { return ErrVerification }

// A WitnessError reports a checkpoint cosigned by fewer distinct witnesses
// than the policy's threshold. Verified lists the cosignatures that did
// verify (one per witness), Ignored every other signature line but the
// log's own, with the reason it did not count.
type WitnessError struct {
	Threshold int
	Verified  []Cosignature
	Ignored   []IgnoredSignature
}

func (e *WitnessError) Error() string {
	return fmt.Sprintf("tlog: %d of %d required witness cosignatures verified (%d signature lines ignored)",
		len(e.Verified), e.Threshold, len(e.Ignored))
}

// Unwrap returns [ErrVerification].
func (e *WitnessError) Unwrap() error { return ErrVerification }

// An InclusionError reports an inclusion proof that does not lead from the
// entry's leaf hash to the checkpoint's root.
type InclusionError struct {
	Index    uint64
	Size     uint64
	LeafHash []byte // recomputed from the entry body
	Root     []byte // the verified checkpoint's root
	Proof    [][]byte
	Err      error
}

func (e *InclusionError) Error() string {
	return fmt.Sprintf("tlog: entry %d (leaf %s) not included in tree of size %d with root %s: %v",
		e.Index, hex.EncodeToString(e.LeafHash), e.Size, hex.EncodeToString(e.Root), e.Err)
}

// Unwrap returns [ErrVerification] and the cause.
func (e *InclusionError) Unwrap() []error { return []error{ErrVerification, e.Err} }

// An InconsistencyError is evidence of a split view: two checkpoints, each
// signed by the log, that no append-only log could have produced. Either the
// consistency Proof from Old to New fails, or both have one size and two
// roots (Proof is then empty). Keep all three: they prove the log misbehaved.
type InconsistencyError struct {
	Old, New *VerifiedCheckpoint
	Proof    [][]byte
	Err      error
}

func (e *InconsistencyError) Error() string {
	return fmt.Sprintf("tlog: checkpoints of %s at sizes %d and %d are inconsistent: %v",
		e.New.Origin, e.Old.Size, e.New.Size, e.Err)
}

// Unwrap returns [ErrVerification] and the cause.
func (e *InconsistencyError) Unwrap() []error { return []error{ErrVerification, e.Err} }

// A TreeSizeError reports a checkpoint, signed by the log, whose tree is
// larger than [MaxTreeSize]: no real log is that large, and the tree
// arithmetic of the proofs cannot be trusted to end on it. The log signed
// a size it cannot have. Note is the signed note, as evidence.
type TreeSizeError struct {
	Origin string
	Size   uint64
	Note   []byte
}

func (e *TreeSizeError) Error() string {
	return fmt.Sprintf("tlog: checkpoint of %s has tree size %d, more than %d", e.Origin, e.Size, uint64(MaxTreeSize))
}

// Unwrap returns [ErrVerification].
func (e *TreeSizeError) Unwrap() error { return ErrVerification }

// A RollbackError reports a checkpoint smaller than one already verified:
// the log, or whoever serves it, went back in time.
type RollbackError struct {
	Old, New *VerifiedCheckpoint
}

func (e *RollbackError) Error() string {
	return fmt.Sprintf("tlog: tree size of %s went backwards from %d to %d", e.New.Origin, e.Old.Size, e.New.Size)
}

// Unwrap returns [ErrVerification].
func (e *RollbackError) Unwrap() error { return ErrVerification }

// A KeyValidityError reports a log key used outside its validity window.
type KeyValidityError struct {
	Key              string // name+hash of the key
	At               time.Time
	NotBefore, Until time.Time // Until is zero when the window is open-ended
}

func (e *KeyValidityError) Error() string {
	if e.Until.IsZero() {
		return fmt.Sprintf("tlog: log key %s not valid at %s (valid from %s)", e.Key, e.At.UTC().Format(time.RFC3339), e.NotBefore.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("tlog: log key %s not valid at %s (valid %s to %s)", e.Key, e.At.UTC().Format(time.RFC3339),
		e.NotBefore.UTC().Format(time.RFC3339), e.Until.UTC().Format(time.RFC3339))
}

// Unwrap returns [ErrVerification].
func (e *KeyValidityError) Unwrap() error { return ErrVerification }
