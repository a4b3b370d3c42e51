package sigstore

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/sigstore/sigstore-go/pkg/bundle"
)

// BatchItem is one verification of a batch: a bundle (its JSON, or parsed
// already), the artifact it must sign, and the policy it must meet.
type BatchItem struct {
	// BundleJSON is the bundle in its JSON form; ignored when Bundle is set.
	BundleJSON []byte
	Bundle     *bundle.Bundle
	// Artifact is the item's own: items are verified concurrently, so two
	// items must not share an [ArtifactReader] (a file or a digest may be
	// shared).
	Artifact SignedArtifact
	Policy   Policy
	// Verifier, if set, verifies this item instead of the verifier
	// VerifyBatch was called on: a batch may mix bundles of several
	// Sigstore instances, each with its own trusted root.
	Verifier *Verifier
}

// BatchResult is the outcome of one [BatchItem]: a result, or an error as
// [Verifier.Verify] returns it.
type BatchResult struct {
	Result *Result
	Err    error
}

// BatchOptions tune [Verifier.VerifyBatch]. The zero value uses
// every core.
type BatchOptions struct {
	// Workers is how many items are verified at once; 0 means GOMAXPROCS.
	Workers int
}

// VerifyBatch verifies every item and returns their outcomes in the same
// order. The trusted root was parsed once, when v was made; each item gets
// every check [Verifier.Verify] makes — a batch is never more
// lenient than one verification. A bundle given as JSON is parsed with
// [ParseBundle] or, with [Options].FastPaths, by package fast's parse,
// which keeps the parsed log entries for verification. Items are
// independent: one item's failure does not stop the others. When ctx ends, items not yet started fail with
// [ErrCouldNotCheck]. All workers have stopped when it returns.
func (v *Verifier) VerifyBatch(ctx context.Context, items []BatchItem, opts BatchOptions) []BatchResult {
	out := make([]BatchResult, len(items))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = v.verifyItem(ctx, items[i])
			}
		}()
	}
	for i := range items {
		if err := ctx.Err(); err != nil {
			out[i] = BatchResult{Err: fmt.Errorf("%w: %w", ErrCouldNotCheck, err)}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func (v *Verifier) verifyItem(ctx context.Context, it BatchItem) BatchResult {
	if it.Verifier != nil {
		v = it.Verifier
	}
	if it.Bundle != nil {
		res, err := v.Verify(ctx, it.Bundle, it.Artifact, it.Policy)
		return BatchResult{Result: res, Err: err}
	}
	var m *memoBundle
	if v.fast != nil {
		// Package fast's parse, keeping the parsed log entries for
		// verification.
		b, entries, err := v.fast.ParseBundle(it.BundleJSON)
		if err != nil {
			return BatchResult{Err: err}
		}
		m = &memoBundle{Bundle: b}
		m.entriesOnce.Do(func() { m.entries = entries })
	} else {
		b, err := ParseBundle(it.BundleJSON)
		if err != nil {
			return BatchResult{Err: err}
		}
		m = &memoBundle{Bundle: b}
	}
	res, err := v.verify(ctx, m, it.Artifact, it.Policy)
	return BatchResult{Result: res, Err: err}
}
