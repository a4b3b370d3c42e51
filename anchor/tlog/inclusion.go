package tlog

import (
	"context"
	"fmt"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// InclusionSchema is the schema string of an [Inclusion].
const InclusionSchema = "https://github.com/ats-run/selfattest/anchor/tlog/inclusion/v1"

// An Inclusion is the proof that an entry is in the log: what a Sigstore
// bundle's transparency log entry carries (log index, canonicalized body,
// inclusion proof with its checkpoint). Every field was read back from the
// log's folder and verified with verify/tlog; [Log.Prove] returns one only
// on success. Its JSON form is described in the package documentation.
type Inclusion struct {
	// Schema is [InclusionSchema].
	Schema string `json:"schema"`
	// Index is the entry's index in the log.
	Index uint64 `json:"index"`
	// Entry is the entry's bytes as read from its entry bundle.
	Entry []byte `json:"entry"`
	// Checkpoint is the signed checkpoint the proof leads to; its Note is
	// the signed note to put in a bundle.
	Checkpoint *vtlog.VerifiedCheckpoint `json:"checkpoint"`
	// Proof is the RFC 6962 inclusion proof from the entry's leaf hash to
	// Checkpoint's root, leaf end first.
	Proof [][]byte `json:"proof"`
}

// Prove waits for a checkpoint that commits to entry index (as [Log.Await])
// and returns the entry's [Inclusion] under it, built from the log's tiles
// and entry bundles and checked by verify/tlog: the checkpoint's signature
// and consistency with the ones seen before, every tile against the
// checkpoint's root, and the entry's inclusion. A failed check wraps
// verify/tlog's ErrVerification; the log's output is never taken on trust.
func (l *Log) Prove(ctx context.Context, index uint64) (*Inclusion, error) {
	if err := l.begin(); err != nil {
		return nil, err
	}
	defer l.inflight.Done()
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	cp, err := l.await(ctx, index)
	if err != nil {
		return nil, err
	}
	entry, err := vtlog.FetchEntry(ctx, cp, index, l.fetch.Tile, l.fetch.EntryBundle)
	if err != nil {
		return nil, fmt.Errorf("anchor/tlog: entry %d: %w", index, err)
	}
	proof, err := vtlog.InclusionProof(ctx, cp, index, l.fetch.Tile)
	if err != nil {
		return nil, fmt.Errorf("anchor/tlog: inclusion proof of entry %d: %w", index, err)
	}
	if err := vtlog.VerifyInclusion(cp, index, entry, proof); err != nil {
		return nil, fmt.Errorf("anchor/tlog: inclusion proof of entry %d: %w", index, err)
	}
	return &Inclusion{Schema: InclusionSchema, Index: index, Entry: entry, Checkpoint: cp, Proof: proof}, nil
}
