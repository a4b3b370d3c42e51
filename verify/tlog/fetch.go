package tlog

import (
	"context"
	"fmt"

	"github.com/ats-run/selfattest"
)

// Fetching a tlog-tiles log. The verifying functions ([FetchCheckpoint],
// [InclusionProof], [ConsistencyProof], [FetchEntry]) read through the func
// types below, so a caller can plug in any store; package
// [github.com/ats-run/selfattest/verify/tlog/logfetch] has the two this
// module provides, over HTTP(S) and from a folder. Their methods have the
// signatures of the func types, so a method value is one:
//
//	f, err := logfetch.NewHTTPFetcher("https://log2025-1.rekor.sigstore.dev", logfetch.HTTPOptions{})
//	cp, err := tlog.FetchCheckpoint(ctx, f.Checkpoint, origin, keys...)
//	entry, err := tlog.FetchEntry(ctx, cp, index, f.Tile, f.EntryBundle)
//
// A fetcher returns the object's bytes as stored: the verifying functions
// check them.

// ErrUnavailable is wrapped by every "could not check" error of this
// package's fetching functions: an object that is missing (wrapping
// [os.ErrNotExist] too), a network failure, a time-out, a cancelled context,
// an object too large to read. It is never wrapped together with
// [ErrVerification]: a caller that sees it knows nothing was proven either
// way, and must report "could not check", never "verified" and never
// "rejected".
var ErrUnavailable = selfattest.Beneath(selfattest.ErrCouldNotCheck, "tlog: could not check: log data unavailable")

// A FetchError reports an object of a log that could not be read. Path is its
// tlog-tiles path ([CheckpointPath], [TilePath], [EntryBundlePath]); Err is the
// cause (an [*internal/fetch.Error] for HTTP, an [*os.PathError] for a
// folder). errors.Is(err, os.ErrNotExist) reports a missing object.
// A FetchError wraps [ErrUnavailable], never [ErrVerification].
type FetchError struct {
	Path string
	Err  error
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("tlog: could not read %s: %v", e.Path, e.Err)
}

// Unwrap returns [ErrUnavailable] and the cause.
func (e *FetchError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// An AnswerError reports an answer from a log's server that is not the
// object the log's protocol defines: a Rekor v1 response that is not the
// API's JSON (an HTML page, a truncated body, a field missing or of the
// wrong type or form), a checkpoint that is not a signed note, a hash tile
// or entry bundle of the wrong length. What names the object, Path its
// path when known, Err the cause.
//
// It wraps [ErrUnavailable], never [ErrVerification]: nothing was proven
// either way. A server that is not the log at all (a captive portal, a
// misconfigured mirror, a proxy's error page) answers so, and a log that
// wanted to hide something could as well not answer. An answer that is
// well-formed but false (a signature, a signed entry timestamp or a proof
// that does not verify, a tile that does not hash to the checkpoint's
// root, an entry that is not the one asked for) is a rejection.
type AnswerError struct {
	What string
	Path string
	Err  error
}

func (e *AnswerError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("tlog: could not check: %s is not what the log's protocol defines: %v", e.What, e.Err)
	}
	return fmt.Sprintf("tlog: could not check: %s %s is not what the log's protocol defines: %v", e.What, e.Path, e.Err)
}

// Unwrap returns [ErrUnavailable] and the cause.
func (e *AnswerError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// CheckpointFetcherFunc returns a log's latest signed checkpoint note
// ([CheckpointPath]), as stored, unverified.
//
// Contract: it MUST honour ctx, MUST NOT return more than
// [MaxCheckpointSize] bytes (a larger object is an error), and MUST return an
// error wrapping [os.ErrNotExist] when the log has no checkpoint. Any error
// means "could not read"; an error from it is reported wrapped in a
// [*FetchError].
type CheckpointFetcherFunc func(ctx context.Context) ([]byte, error)

// TileFetcherFunc returns the hash tile at level and index ([TilePath]);
// p is the width of a partial tile (1–255), 0 for a full tile.
//
// Contract: it MUST honour ctx, MUST NOT return more than [MaxTileSize]
// bytes, and MUST return an error wrapping [os.ErrNotExist] when the tile
// does not exist (logs may delete a partial tile once the full one exists;
// callers then ask for the full tile). Any error means "could not read"; an
// error from it is reported wrapped in a [*FetchError].
type TileFetcherFunc func(ctx context.Context, level, index uint64, p uint8) ([]byte, error)

// EntryBundleFetcherFunc returns the entry bundle at index
// ([EntryBundlePath]); p is the width of a partial bundle (1–255), 0 for a
// full one.
//
// Contract: as [TileFetcherFunc], with the limit [MaxEntryBundleSize].
type EntryBundleFetcherFunc func(ctx context.Context, index uint64, p uint8) ([]byte, error)
