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
// when the node tells them within a quarter of wait, at most 10 s) and
// waits until p says it is pinned, all of it within wait (5 minutes if
// 0; ctx's deadline if sooner); [Anchorer.Check]
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
// until it is pinned. The whole of it, the node's addresses included,
// runs under the one deadline of the wait (pinWait, or ctx's if sooner).
func (a *Anchorer) pinRemote(ctx context.Context, root anchor.Hash, c cid.Cid) error {
	ctx, cancel := context.WithTimeout(ctx, a.pinWait)
	defer cancel()
	// The node's addresses are provider hints: without them the service
	// finds the record through routing, so an error here is not one. A
	// node that does not answer in a quarter of the wait (10 s at most;
	// a node on loopback answers in milliseconds) is not waited for
	// either: its Timeout, 10 minutes by default, would leave the pin no
	// time.
	actx, acancel := context.WithTimeout(ctx, addrsWait(ctx))
	origins, _ := a.kubo.Addrs(actx)
	acancel()
	_, err := a.pinning.Pin(ctx, c, pinName(root), origins)
	return err
}

// addrsWait is how long pinRemote waits for the node's addresses: a
// quarter of the time ctx leaves, at most 10 seconds.
func addrsWait(ctx context.Context) time.Duration {
	wait := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(d)/4)
	}
	return wait
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
