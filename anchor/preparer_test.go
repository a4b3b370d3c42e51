package anchor_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// preparer is a Memory target seen as a Preparer: Prepare makes the
// entry (Memory's Anchor; it deduplicates by root, so making it early is
// harmless here), Submit records what it was given and fails while
// failSubmit is set, as a crash or a node that is down would.
type preparer struct {
	*anchortest.Memory
	prepared   int
	submitted  []string
	failSubmit bool
}

func (p *preparer) Prepare(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	p.prepared++
	return p.Memory.Anchor(ctx, root)
}

func (p *preparer) Submit(ctx context.Context, root anchor.Hash, e anchor.Entry) error {
	if p.failSubmit {
		return anchor.ErrCouldNotCheck
	}
	p.submitted = append(p.submitted, string(e.JSON()))
	return nil
}

var _ anchor.Preparer = (*preparer)(nil)

// TestJournalPreparer: the journal records a Preparer's entry before it
// submits it; a Submit that did not return (here: failed) leaves it
// recorded unsent, out of every receipt, skipped by Upgrade, and the next
// AnchorPending submits that same entry, preparing nothing new.
func TestJournalPreparer(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openJournal(t, path)
	p := &preparer{Memory: fake(t, anchortest.MemoryOptions{Name: "chain", FinalDepth: 1}), failSubmit: true}
	evs := items(3)
	ids, err := j.AddAll(evs)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	if err := j.AnchorPending(ctx, p); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Fatalf("AnchorPending with Submit failing = %v, want ErrCouldNotCheck", err)
	}
	bs, err := j.Batches()
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || len(bs[0].Anchors) != 1 || !bs[0].Anchors[0].Unsent || bs[0].Anchors[0].Attempts != 1 {
		t.Fatalf("after a failed Submit: %+v, want one attempt recorded unsent", bs)
	}
	r, err := j.Receipt(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Anchors) != 0 {
		t.Fatalf("a receipt names an unsent anchor: %d entries", len(r.Anchors))
	}
	mine(t, p.Memory)
	if err := j.Upgrade(ctx, p); err != nil {
		t.Fatalf("Upgrade with an unsent anchor: %v", err)
	}
	if bs, _ := j.Batches(); !bs[0].Anchors[0].Unsent || bs[0].Anchors[0].State != anchor.StatePending {
		t.Fatalf("Upgrade changed an unsent anchor: %+v", bs[0].Anchors[0])
	}

	// The process restarts: a new journal handle on the same file.
	j.Close()
	j = openJournal(t, path)
	p.failSubmit = false
	if err := j.AnchorPending(ctx, p); err != nil {
		t.Fatalf("AnchorPending after the restart: %v", err)
	}
	if p.prepared != 1 || len(p.submitted) != 1 {
		t.Fatalf("prepared %d, submitted %d; want the recorded entry submitted, nothing prepared again", p.prepared, len(p.submitted))
	}
	bs, _ = j.Batches()
	if bs[0].Anchors[0].Unsent || bs[0].Anchors[0].Attempts != 1 {
		t.Fatalf("after Submit: %+v, want one attempt, sent", bs[0].Anchors[0])
	}
	if err := j.AnchorPending(ctx, p); err != nil || len(p.submitted) != 1 || p.prepared != 1 {
		t.Fatalf("a second AnchorPending: %v, prepared %d, submitted %d; want nothing done", err, p.prepared, len(p.submitted))
	}
	if err := j.Upgrade(ctx, p); err != nil {
		t.Fatal(err)
	}
	verifyAll(t, j, evs, ids, p.Verifier())
	if p.Submissions() != 1 {
		t.Fatalf("the target holds %d anchors, want 1", p.Submissions())
	}
}

// TestJournalUnsentNeedsPreparer: an anchor recorded unsent can only be
// submitted by a Preparer; offered a target of that name that is not one,
// AnchorPending refuses (bad input) rather than anchor again.
func TestJournalUnsentNeedsPreparer(t *testing.T) {
	ctx := t.Context()
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	p := &preparer{Memory: fake(t, anchortest.MemoryOptions{Name: "chain"}), failSubmit: true}
	if _, err := j.AddAll(items(2)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	if err := j.AnchorPending(ctx, p); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Fatalf("AnchorPending with Submit failing = %v", err)
	}
	if err := j.AnchorPending(ctx, p.Memory); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("AnchorPending at a non-Preparer with an unsent anchor = %v, want ErrBadInput", err)
	}
	if p.Submissions() != 1 || p.prepared != 1 {
		t.Fatalf("%d anchors at the target, %d prepared; want the one prepared, nothing more", p.Submissions(), p.prepared)
	}
}
