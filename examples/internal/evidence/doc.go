// Package evidence is what the example programs share to keep evidence:
// the anchoring targets and the journal opened from command-line flags,
// files measured into items, batches sealed and anchored, anchors
// upgraded, receipts written and verified, and IPFS archives of evidence.
// The archivist (examples/archivist) is built on it, and so is the
// verifier's verify --anchor (examples/verifier), so that both take the
// same flags, with the same defaults, and write the same receipts.
//
// It is built on the public API of packages anchor, anchor/tlog,
// anchor/eth and anchor/ipfs only.
package evidence

import "github.com/ats-run/selfattest"

// ErrUsage marks an error in the command line: bad input.
var ErrUsage = selfattest.Beneath(selfattest.ErrBadInput, "usage")
