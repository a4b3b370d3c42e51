package anchor_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// Run anchors at every target and records each failure per target.
func TestRunPartialFailure(t *testing.T) {
	up := fake(t, anchortest.MemoryOptions{Name: "up"})
	down := fake(t, anchortest.MemoryOptions{Name: "down"})
	down.SetUnavailable(true)
	b := mustBatch(t, items(3))
	outs, err := anchor.Run(t.Context(), b.Root(), down, up)
	if len(outs) != 2 || outs[0].Target != "down" || outs[1].Target != "up" {
		t.Fatalf("outcomes %+v", outs)
	}
	if outs[1].Err != nil || outs[1].Entry.IsZero() {
		t.Fatalf("the target that answered: %+v", outs[1])
	}
	if !outs[0].Entry.IsZero() || !errors.Is(outs[0].Err, anchor.ErrCouldNotCheck) {
		t.Fatalf("the target that did not: %+v", outs[0])
	}
	var te *anchor.TargetError
	if !errors.As(err, &te) || te.Target != "down" || !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
		t.Fatalf("Run error %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := anchor.Run(ctx, b.Root(), up); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Fatalf("Run(cancelled) = %v, want ErrCouldNotCheck", err)
	}
	if _, err := anchor.Run(t.Context(), b.Root()); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("Run(no target) = %v, want ErrBadInput", err)
	}
}

// imposter returns another target's entries as its own.
type imposter struct {
	*anchortest.Memory
	other *anchortest.Memory
}

func (i imposter) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	return i.other.Anchor(ctx, root)
}

func TestRunRefusesAnEntryOfAnotherTarget(t *testing.T) {
	a, b := fake(t, anchortest.MemoryOptions{Name: "a"}), fake(t, anchortest.MemoryOptions{Name: "b"})
	_, err := anchor.Run(t.Context(), mustBatch(t, items(1)).Root(), imposter{a, b})
	if !errors.Is(err, anchor.ErrAnchor) {
		t.Fatalf("Run = %v, want ErrAnchor", err)
	}
}

func TestUpgradeReceipt(t *testing.T) {
	ctx := t.Context()
	evs := items(4)
	b := mustBatch(t, evs)
	m := fake(t, anchortest.MemoryOptions{})
	outs, err := anchor.Run(ctx, b.Root(), m)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := b.Receipt(2, outs[0].Entry)

	// Still pending: nothing replaced, no error.
	r2, n, err := anchor.UpgradeReceipt(ctx, r, evs[2], m)
	if err != nil || n != 0 || !r2.Anchors[0].Equal(r.Anchors[0]) {
		t.Fatalf("UpgradeReceipt(pending) = %d, %v", n, err)
	}
	// Another item's evidence: not upgraded.
	if _, _, err := anchor.UpgradeReceipt(ctx, r, evs[1], m); !errors.Is(err, anchor.ErrAnchor) {
		t.Fatalf("UpgradeReceipt(other evidence) = %v, want ErrAnchor", err)
	}
	// Target down: could not check, entry kept.
	m.SetUnavailable(true)
	if r2, _, err := anchor.UpgradeReceipt(ctx, r, evs[2], m); !errors.Is(err, anchor.ErrCouldNotCheck) || !r2.Anchors[0].Equal(r.Anchors[0]) {
		t.Fatalf("UpgradeReceipt(down) = %v", err)
	}
	m.SetUnavailable(false)
	// Confirmed: replaced by the complete entry; r itself unchanged.
	mine(t, m)
	r3, n, err := anchor.UpgradeReceipt(ctx, r, evs[2], m)
	if err != nil || n != 1 || r3.Anchors[0].Equal(r.Anchors[0]) {
		t.Fatalf("UpgradeReceipt(confirmed) = %d, %v", n, err)
	}
	if _, err := anchor.VerifyReceipt(r, evs[2], m.Verifier()); !errors.Is(err, anchor.ErrPending) {
		t.Fatalf("the original receipt changed: %v", err)
	}
	if _, err := anchor.VerifyReceipt(r3, evs[2], m.Verifier()); err != nil {
		t.Fatalf("upgraded receipt: %v", err)
	}
	// Dropped: reported, so the caller anchors again.
	m2 := fake(t, anchortest.MemoryOptions{Name: "m2"})
	outs, _ = anchor.Run(ctx, b.Root(), m2)
	rd, _ := b.Receipt(2, outs[0].Entry)
	m2.Reorg(1)
	_, _, err = anchor.UpgradeReceipt(ctx, rd, evs[2], m2)
	var te *anchor.TargetError
	if !errors.Is(err, anchor.ErrAnchor) || !errors.As(err, &te) || te.Target != "m2" {
		t.Fatalf("UpgradeReceipt(dropped) = %v, want a *TargetError wrapping ErrAnchor", err)
	}
}
