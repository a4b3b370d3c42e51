package logfetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/internal/logio"
)

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
// return a [*tlog.FetchError] on failure and are safe for concurrent use.
//
// An answer that is not the kind of object asked for is an [*tlog.AnswerError]
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
// [*tlog.PolicyError].
func NewHTTPFetcher(base string, opts HTTPOptions) (*HTTPFetcher, error) {
	h, err := logio.NewHTTP(base, opts.Timeout, opts.Retries, opts.Backoff, opts.Transport, opts.UserAgent)
	if err != nil {
		return nil, &tlog.PolicyError{Reason: err.Error()}
	}
	return &HTTPFetcher{h: h}, nil
}

// Checkpoint is a [tlog.CheckpointFetcherFunc].
func (f *HTTPFetcher) Checkpoint(ctx context.Context) ([]byte, error) {
	return f.get(ctx, tlog.CheckpointPath, tlog.MaxCheckpointSize, func(b []byte) error {
		// A signed note: text, a blank line, signature lines starting
		// with an em dash.
		i := bytes.LastIndex(b, []byte("\n\n"))
		if i < 0 || !bytes.HasPrefix(b[i+2:], []byte("\u2014 ")) {
			return errors.New("not a signed note")
		}
		return nil
	})
}

// Tile is a [tlog.TileFetcherFunc].
func (f *HTTPFetcher) Tile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return f.get(ctx, tlog.TilePath(level, index, p), tileSize(p), func(b []byte) error {
		if int64(len(b)) != tileSize(p) {
			return fmt.Errorf("%d bytes, want %d", len(b), tileSize(p))
		}
		return nil
	})
}

// EntryBundle is an [tlog.EntryBundleFetcherFunc].
func (f *HTTPFetcher) EntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return f.get(ctx, tlog.EntryBundlePath(index, p), tlog.MaxEntryBundleSize, func(b []byte) error {
		if _, err := tlog.ParseEntryBundle(b, p); err != nil {
			var me *tlog.MalformedError
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
		return tlog.MaxTileSize
	}
	return int64(p) * tlog.HashSize
}

func (f *HTTPFetcher) get(ctx context.Context, path string, limit int64, shape func([]byte) error) ([]byte, error) {
	b, contentType, err := f.h.Do(ctx, path, nil, nil, limit)
	if err != nil {
		return nil, &tlog.FetchError{Path: path, Err: err}
	}
	if mt := logio.HTML(contentType); mt != "" {
		// No log serves a web page.
		return nil, &tlog.AnswerError{What: "answer", Path: path, Err: fmt.Errorf("served as %s", mt)}
	}
	if err := shape(b); err != nil {
		return nil, &tlog.AnswerError{What: "answer", Path: path, Err: err}
	}
	return b, nil
}

// A DirFetcher reads a tlog-tiles log from a folder (a log's storage
// directory, a mirror, a captured fixture) through an [os.Root], so no
// path can leave it, reading no more than each object's limit. A missing
// file is an error wrapping [os.ErrNotExist]. Its methods return a
// [*tlog.FetchError] on failure.
type DirFetcher struct {
	root *os.Root
}

// NewDirFetcher returns a fetcher reading the log stored under root. The
// caller owns root and closes it after the last call.
func NewDirFetcher(root *os.Root) *DirFetcher { return &DirFetcher{root: root} }

// Checkpoint is a [tlog.CheckpointFetcherFunc].
func (f *DirFetcher) Checkpoint(ctx context.Context) ([]byte, error) {
	return f.read(ctx, tlog.CheckpointPath, tlog.MaxCheckpointSize)
}

// Tile is a [tlog.TileFetcherFunc].
func (f *DirFetcher) Tile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return f.read(ctx, tlog.TilePath(level, index, p), tileSize(p))
}

// EntryBundle is an [tlog.EntryBundleFetcherFunc].
func (f *DirFetcher) EntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return f.read(ctx, tlog.EntryBundlePath(index, p), tlog.MaxEntryBundleSize)
}

func (f *DirFetcher) read(ctx context.Context, path string, limit int64) ([]byte, error) {
	b, err := logio.ReadIn(ctx, f.root, path, limit)
	if err != nil {
		return nil, &tlog.FetchError{Path: path, Err: err}
	}
	return b, nil
}
