package ipfs

import (
	"context"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor"
)

// An AnchorerOption tunes [NewAnchorer].
type AnchorerOption func(*Anchorer)

// WithPinningService makes the Anchorer keep its records at a pinning
// service too: [Anchorer.Anchor], once the record is imported and pinned
// on the node, pins it through p (with the node's addresses as origins,
// when the node tells them) and waits until p says it is pinned, for at
// most wait (5 minutes if 0; ctx's deadline if sooner); [Anchorer.Check]
// then asks p, not the node, whether the record is pinned: pending while
// p has it queued or pinning, failed when p failed it or no longer has
// it, and final only when p says pinned and the gateway serves the
// record and it verifies.
func WithPinningService(p *PinningService, wait time.Duration) AnchorerOption {
	return func(a *Anchorer) {
		if wait <= 0 {
			wait = 5 * time.Minute
		}
		a.pinning, a.pinWait = p, wait
	}
}

// PinningService returns the pinning service the Anchorer keeps its
// records at, or nil.
func (a *Anchorer) PinningService() *PinningService { return a.pinning }

// pinName is the name a record's pin has at a pinning service.
func pinName(root anchor.Hash) string { return "selfattest-anchor-ipfs-v1-" + root.String() }

// pinRemote pins the record c of root at the pinning service and waits
// until it is pinned.
func (a *Anchorer) pinRemote(ctx context.Context, root anchor.Hash, c cid.Cid) error {
	// The node's addresses are provider hints: without them the service
	// finds the record through routing, so an error here is not one.
	origins, _ := a.kubo.Addrs(ctx)
	ctx, cancel := context.WithTimeout(ctx, a.pinWait)
	defer cancel()
	_, err := a.pinning.Pin(ctx, c, pinName(root), origins)
	return err
}

// remoteState is the state of the record c's pin at the pinning service:
// final (to be confirmed by the gateway) when pinned, pending while queued
// or pinning, failed otherwise.
func (a *Anchorer) remoteState(ctx context.Context, c cid.Cid) (anchor.State, error) {
	info, err := a.pinning.Status(ctx, c)
	if err != nil {
		return 0, err
	}
	switch {
	case info.Status == PinPinned:
		return anchor.StateFinal, nil
	case info.Status.Pending():
		return anchor.StatePending, nil
	}
	return anchor.StateFailed, nil
}
