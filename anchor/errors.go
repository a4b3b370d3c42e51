package anchor

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ats-run/selfattest"
)

// The sentinels. Every error this package returns wraps exactly one of
// them (see "Verification, and failing closed" in the package
// documentation), and so must every error an [Anchorer] or an
// [AnchorVerifier] returns.
var (
	// ErrAnchor is wrapped by every rejection: the receipt, the evidence
	// or an anchor is wrong.
	ErrAnchor = selfattest.Beneath(selfattest.ErrRejected, "anchor: rejected")
	// ErrPending is wrapped when an anchor exists but is not confirmed
	// yet, or a receipt has no anchor yet: not yet, rather than no.
	ErrPending = selfattest.Beneath(selfattest.ErrCouldNotCheck, "anchor: not anchored yet")
	// ErrCouldNotCheck is wrapped when a check could not be made: no
	// verifier for an entry's kind, a target that did not answer, a
	// cancelled context. It is never a pass.
	ErrCouldNotCheck = selfattest.Beneath(selfattest.ErrCouldNotCheck, "anchor: could not check")
	// ErrBadInput is wrapped when an argument, a receipt or an entry is
	// malformed; nothing was checked.
	ErrBadInput = selfattest.Beneath(selfattest.ErrBadInput, "anchor: bad input")
)

// A FormatError reports malformed input: a receipt or entry that does not
// follow the format, or an argument that cannot be used. Field names the
// member or argument.
type FormatError struct {
	Field  string
	Reason string
	Err    error // the cause, if any
}

func (e *FormatError) Error() string {
	s := "anchor: bad input: " + e.Field + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [ErrBadInput] and the cause.
func (e *FormatError) Unwrap() []error { return withCause(ErrBadInput, e.Err) }

func badInput(field, reason string) error { return &FormatError{Field: field, Reason: reason} }

// A ProofError reports a receipt whose batch part does not hold for the
// evidence given: the evidence is not the item the receipt names, or the
// inclusion proof from the leaf does not lead to the receipt's root.
// Expected is the root the receipt states; Got the root the proof leads to
// from the leaf of the evidence (zero when no root could be computed).
type ProofError struct {
	Reason    string
	LeafIndex uint64
	TreeSize  uint64
	Expected  Hash
	Got       Hash
	Err       error // the cause, if any
}

func (e *ProofError) Error() string {
	s := fmt.Sprintf("anchor: rejected: %s (leaf %d of %d, root %s", e.Reason, e.LeafIndex, e.TreeSize, e.Expected)
	if e.Got != (Hash{}) {
		s += ", computed " + e.Got.String()
	}
	s += ")"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [ErrAnchor] and the cause.
func (e *ProofError) Unwrap() []error { return withCause(ErrAnchor, e.Err) }

// An EntryError reports an anchor entry that did not verify. Index is its
// place in the receipt's anchors; Err is what its verifier returned (or why
// none could run), and wraps exactly one of the sentinels: an error from a
// verifier that wraps none is treated as [ErrCouldNotCheck].
type EntryError struct {
	Index  int
	Kind   string
	Target string
	Err    error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("anchor %d (kind %q, target %q): %v", e.Index, e.Kind, e.Target, e.Err)
}

// Unwrap returns the cause.
func (e *EntryError) Unwrap() error { return e.Err }

// An EntriesError lists the anchor entries of a receipt that did not
// verify. It wraps the most serious of their sentinels only: [ErrAnchor]
// before [ErrBadInput] before [ErrCouldNotCheck] before [ErrPending].
type EntriesError struct {
	Entries []*EntryError
}

func (e *EntriesError) Error() string {
	parts := make([]string, len(e.Entries))
	for i, x := range e.Entries {
		parts[i] = x.Error()
	}
	return e.worst().Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap returns the most serious sentinel among the entries.
func (e *EntriesError) Unwrap() error { return e.worst() }

func (e *EntriesError) worst() error {
	for _, s := range []error{ErrAnchor, ErrBadInput, ErrCouldNotCheck, ErrPending} {
		for _, x := range e.Entries {
			if errors.Is(x, s) {
				return s
			}
		}
	}
	return ErrCouldNotCheck
}

// A TargetError reports what went wrong at one target in [Run],
// [UpgradeReceipt] or the [Journal]. Err wraps one of the sentinels.
type TargetError struct {
	Target string
	Err    error
}

func (e *TargetError) Error() string { return fmt.Sprintf("anchor: target %q: %v", e.Target, e.Err) }

// Unwrap returns the cause.
func (e *TargetError) Unwrap() error { return e.Err }

// classify makes err wrap one of the sentinels: an error that wraps none
// is reported as could not check, never as a pass.
func classify(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{ErrAnchor, ErrBadInput, ErrCouldNotCheck, ErrPending} {
		if errors.Is(err, s) {
			return err
		}
	}
	return fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
}

func withCause(sentinel, cause error) []error {
	if cause == nil {
		return []error{sentinel}
	}
	return []error{sentinel, cause}
}
