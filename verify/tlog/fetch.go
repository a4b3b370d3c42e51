package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/verify/tlog/internal/logio"
)

// Fetching a tlog-tiles log. The verifying functions ([FetchCheckpoint],
// [InclusionProof], [ConsistencyProof], [FetchEntry]) read through the func
// types below, so a caller can plug in any store; [HTTPFetcher] and
// [DirFetcher] are the two implementations this package provides. Their
// methods have the signatures of the func types, so a method value is one:
//
//	f, err := tlog.NewHTTPFetcher("https://log2025-1.rekor.sigstore.dev", tlog.HTTPOptions{})
//	cp, err := tlog.FetchCheckpoint(ctx, f.Checkpoint, origin, keys...)
//	entry, err := tlog.FetchEntry(ctx, cp, index, f.Tile, f.EntryBundle)
//
// Every fetcher returns the object's bytes exactly as stored and checks
// nothing but its size: the verifying functions check the bytes.

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

// HTTPOptions tune an [HTTPFetcher]. The zero value is safe: https (or http
// to a loopback host) only, a 30-second limit per request, three retries
// starting at 250ms, a private Transport without proxy.
type HTTPOptions struct {
	// Timeout bounds one request, body included. 0 means 30s.
	Timeout time.Duration
	// Retries is how many times a request that could not complete is
	// tried again: a network error, a time-out of the request (not of ctx),
	// a truncated body, HTTP 429 or 5xx. Nothing else is retried: not a
	// 404, not another status, not an oversized object, not a cancelled
	// ctx. 0 means 3; negative means none.
	Retries int
	// Backoff is the wait before the first retry; it doubles for each
	// next one. 0 means 250ms.
	Backoff time.Duration
	// Transport sends the requests; nil means a private one per request
	// (see internal/fetch).
	Transport http.RoundTripper
	// UserAgent is sent as the User-Agent header; empty means Go's default.
	UserAgent string
}

// An HTTPFetcher reads a tlog-tiles log over HTTP(S) through
// internal/fetch: bounded bodies (each object's own limit), a time-out per
// request, no redirect to plain http, retries with back-off on transient
// failures only. A 404 is an error wrapping [os.ErrNotExist]. Its methods
// return a [*FetchError] on failure and are safe for concurrent use.
//
// An answer that is not the kind of object asked for is an [*AnswerError]
// (could not check), so that a server that is not the log (a captive
// portal, a proxy's error page) is not taken for a log that lies: a body
// served as text/html, a checkpoint that is not a signed note (no blank
// line followed by a signature line), a hash tile not of the exact length
// its path names, an entry bundle that does not split into the entries its
// path names. Only the shape is checked: whether a checkpoint, a tile or
// an entry is the log's is for the verifying functions to prove. A
// [DirFetcher] checks no shape: a folder holds what was written to it, and
// a damaged object there is a rejection.
type HTTPFetcher struct {
	h *logio.HTTP
}

// NewHTTPFetcher returns a fetcher for the log whose tlog-tiles prefix is
// base (the URL under which "checkpoint" and "tile/" live). base must be an
// absolute https URL, or http to a loopback host; any other is a
// [*PolicyError].
func NewHTTPFetcher(base string, opts HTTPOptions) (*HTTPFetcher, error) {
	h, err := logio.NewHTTP(base, opts.Timeout, opts.Retries, opts.Backoff, opts.Transport, opts.UserAgent)
	if err != nil {
		return nil, &PolicyError{Reason: err.Error()}
	}
	return &HTTPFetcher{h: h}, nil
}

// Checkpoint is a [CheckpointFetcherFunc].
func (f *HTTPFetcher) Checkpoint(ctx context.Context) ([]byte, error) {
	return f.get(ctx, CheckpointPath, MaxCheckpointSize, func(b []byte) error {
		// A signed note: text, a blank line, signature lines starting
		// with an em dash.
		i := bytes.LastIndex(b, []byte("\n\n"))
		if i < 0 || !bytes.HasPrefix(b[i+2:], []byte("\u2014 ")) {
			return errors.New("not a signed note")
		}
		return nil
	})
}

// Tile is a [TileFetcherFunc].
func (f *HTTPFetcher) Tile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return f.get(ctx, TilePath(level, index, p), tileSize(p), func(b []byte) error {
		if int64(len(b)) != tileSize(p) {
			return fmt.Errorf("%d bytes, want %d", len(b), tileSize(p))
		}
		return nil
	})
}

// EntryBundle is an [EntryBundleFetcherFunc].
func (f *HTTPFetcher) EntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return f.get(ctx, EntryBundlePath(index, p), MaxEntryBundleSize, func(b []byte) error {
		if _, err := ParseEntryBundle(b, p); err != nil {
			var me *MalformedError
			if errors.As(err, &me) {
				return me.Err // the cause only: this is no rejection
			}
			return errors.New("not an entry bundle")
		}
		return nil
	})
}

func tileSize(p uint8) int64 {
	if p == 0 {
		return MaxTileSize
	}
	return int64(p) * HashSize
}

func (f *HTTPFetcher) get(ctx context.Context, path string, limit int64, shape func([]byte) error) ([]byte, error) {
	b, contentType, err := f.h.Do(ctx, path, nil, nil, limit)
	if err != nil {
		return nil, &FetchError{Path: path, Err: err}
	}
	if mt := logio.HTML(contentType); mt != "" {
		// No log serves a web page.
		return nil, &AnswerError{What: "answer", Path: path, Err: fmt.Errorf("served as %s", mt)}
	}
	if err := shape(b); err != nil {
		return nil, &AnswerError{What: "answer", Path: path, Err: err}
	}
	return b, nil
}

// A DirFetcher reads a tlog-tiles log from a folder (a log's storage
// directory, a mirror, a captured fixture) through an [os.Root], so no
// path can leave it, reading no more than each object's limit. A missing
// file is an error wrapping [os.ErrNotExist]. Its methods return a
// [*FetchError] on failure.
type DirFetcher struct {
	root *os.Root
}

// NewDirFetcher returns a fetcher reading the log stored under root. The
// caller owns root and closes it after the last call.
func NewDirFetcher(root *os.Root) *DirFetcher { return &DirFetcher{root: root} }

// Checkpoint is a [CheckpointFetcherFunc].
func (f *DirFetcher) Checkpoint(ctx context.Context) ([]byte, error) {
	return f.read(ctx, CheckpointPath, MaxCheckpointSize)
}

// Tile is a [TileFetcherFunc].
func (f *DirFetcher) Tile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return f.read(ctx, TilePath(level, index, p), tileSize(p))
}

// EntryBundle is an [EntryBundleFetcherFunc].
func (f *DirFetcher) EntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return f.read(ctx, EntryBundlePath(index, p), MaxEntryBundleSize)
}

func (f *DirFetcher) read(ctx context.Context, path string, limit int64) ([]byte, error) {
	b, err := logio.ReadIn(ctx, f.root, path, limit)
	if err != nil {
		return nil, &FetchError{Path: path, Err: err}
	}
	return b, nil
}
