package anchor

import (
	"context"
	"errors"
	"fmt"
)

// An Anchorer anchors roots at one target: a transparency log, a chain, an
// archive, a fake.
//
// The contract (held by anchortest.Run):
//
//   - Name returns the target's stable name, the "target" of every entry
//     it makes. The [Journal] keys anchors by it.
//   - Anchor submits root and returns its entry, possibly pending. If it
//     anchored root before and that anchor has not failed, it MUST return
//     that anchor's entry rather than anchor again: the journal relies on
//     this to recover from a crash between the target accepting an anchor
//     and the journal recording it.
//   - Check reports the state of entry's anchor of root and, once
//     confirmed or final, the complete entry, which an [AnchorVerifier] of
//     its kind verifies offline. A pending anchor is never reported
//     confirmed. An anchor the target dropped (a re-org, an expired
//     submission) is [StateFailed], with a nil error.
//   - Errors wrap [ErrCouldNotCheck] when the target did not answer or ctx
//     ended (returning promptly), [ErrAnchor] when entry is false or not
//     for root, [ErrBadInput] when it cannot be read.
type Anchorer interface {
	Name() string
	Anchor(ctx context.Context, root Hash) (Entry, error)
	Check(ctx context.Context, root Hash, entry Entry) (Status, error)
}

// A Preparer is an [Anchorer] whose anchor is made before it is sent and
// can be sent again unchanged: a signed transaction. A chain does not
// deduplicate by root as a log can, so a process that crashed after
// sending and restarted knows nothing of what it sent; the [Journal]
// therefore records a Preparer's entry durably before it submits it, and
// after a crash submits that same entry again instead of anchoring anew.
//
// The contract, beside Anchorer's (held by anchortest.Run):
//
//   - Prepare returns the pending entry of an anchor of root without
//     sending it (it may read from the target: a nonce, the fees).
//   - Submit sends a prepared entry. Submitting an entry the target
//     already has, or has already included, is one anchor and not an
//     error; whether it holds is for Check to say.
//   - Anchor is Prepare then Submit, and keeps Anchorer's rule: a second
//     Anchor of a root whose anchor has not failed returns that anchor.
type Preparer interface {
	Anchorer
	Prepare(ctx context.Context, root Hash) (Entry, error)
	Submit(ctx context.Context, root Hash, entry Entry) error
}

// A State is where an anchor stands.
type State int

const (
	// StatePending: accepted by the target, not confirmed yet.
	StatePending State = iota
	// StateConfirmed: confirmed at Status.Depth, and could still be dropped.
	StateConfirmed
	// StateFinal: confirmed and final; it will not be dropped.
	StateFinal
	// StateFailed: dropped or re-orged out; the root must be anchored again.
	StateFailed
)

func (s State) String() string {
	switch s {
	case StatePending:
		return "pending"
	case StateConfirmed:
		return "confirmed"
	case StateFinal:
		return "final"
	case StateFailed:
		return "failed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// A Status is what [Anchorer.Check] learned of an anchor.
type Status struct {
	State State
	// Depth is the number of confirmations (1 when just included) for
	// StateConfirmed and StateFinal; 0 otherwise.
	Depth uint64
	// Entry is the complete entry for StateConfirmed and StateFinal, the
	// entry checked otherwise.
	Entry Entry
}

// An Outcome is what [Run] got from one target: its entry, or its error.
type Outcome struct {
	Target string
	Entry  Entry
	Err    error
}

// Run anchors root at every target, one after the other, and returns one
// [Outcome] per target, in order. A failure at one target does not stop
// the others; the returned error is nil when every target accepted root,
// and otherwise joins a [*TargetError] per failed target (each wrapping
// one sentinel), the outcomes still reporting the targets that succeeded.
func Run(ctx context.Context, root Hash, targets ...Anchorer) ([]Outcome, error) {
	if len(targets) == 0 {
		return nil, badInput("targets", "no target")
	}
	outs := make([]Outcome, len(targets))
	var errs []error
	for i, a := range targets {
		outs[i].Target = a.Name()
		if err := ctx.Err(); err != nil {
			outs[i].Err = fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
		} else {
			e, err := a.Anchor(ctx, root)
			outs[i].Entry, outs[i].Err = e, classify(ownEntry(a, e, err))
		}
		if outs[i].Err != nil {
			outs[i].Entry = Entry{}
			errs = append(errs, &TargetError{Target: outs[i].Target, Err: outs[i].Err})
		}
	}
	return outs, errors.Join(errs...)
}

// UpgradeReceipt completes the pending entries of r, as OpenTimestamps
// upgrades a timestamp: each entry whose target is one of targets is
// checked, and replaced by the complete entry once confirmed or final. It
// returns a new receipt (r is not changed) and the number of entries
// replaced. Entries still pending, and those of other targets, are kept; an
// entry whose anchor failed or was rejected is kept too and reported in
// the error (a [*TargetError] per target, joined), so the caller can
// anchor the root again. The batch part of r is checked first: a receipt
// that does not hold is not upgraded.
func UpgradeReceipt(ctx context.Context, r *Receipt, evidence Evidence, targets ...Anchorer) (*Receipt, int, error) {
	if err := VerifyInclusion(r, evidence); err != nil {
		return nil, 0, err
	}
	byName := make(map[string]Anchorer, len(targets))
	for _, a := range targets {
		byName[a.Name()] = a
	}
	out := *r
	out.Anchors = append([]Entry(nil), r.Anchors...)
	n := 0
	var errs []error
	for i, e := range out.Anchors {
		a, ok := byName[e.Target]
		if !ok {
			continue
		}
		st, err := a.Check(ctx, r.Root, e)
		switch {
		case err != nil:
			errs = append(errs, &TargetError{Target: e.Target, Err: classify(err)})
		case st.State == StateFailed:
			errs = append(errs, &TargetError{Target: e.Target, Err: fmt.Errorf("%w: the anchor was dropped: anchor the root again", ErrAnchor)})
		case st.State == StateConfirmed || st.State == StateFinal:
			if !st.Entry.Equal(e) {
				out.Anchors[i] = st.Entry
				n++
			}
		}
	}
	return &out, n, errors.Join(errs...)
}
