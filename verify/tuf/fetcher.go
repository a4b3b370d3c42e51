package tuf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"

	"github.com/ats-run/selfattest/internal/fetch"

	"github.com/ats-run/selfattest/internal/localfile"
)

// go-tuf's updater reads repository files through a [fetcher.Fetcher],
// whose DownloadFile takes no context and must return a
// *metadata.ErrDownloadHTTP with status 404 for a missing file (it ends
// the walk up the chain of root versions on the first 404). Two
// implementations live here, each made for one call of [Refresh] or
// [Cached] and not kept after it: httpFetcher, which binds the call's
// context and sends every request through internal/fetch, and
// cacheFetcher, which serves the cache directory as if it were the
// repository.

var (
	_ fetcher.Fetcher = (*httpFetcher)(nil)
	_ fetcher.Fetcher = (*cacheFetcher)(nil)
)

// rootFile matches the name of a versioned root in the repository and in
// the cache's roots directory.
var rootFile = regexp.MustCompile(`^[1-9][0-9]{0,18}\.root\.json$`)

// httpFetcher fetches repository files over HTTP(S) with fetch.Get, under
// the context of one [Refresh] call.
type httpFetcher struct {
	ctx  context.Context
	base string // the repository URL with a trailing slash
	opts fetch.Options

	// last is the URL of the last request, for [RefreshError.URL].
	last string
	// roots holds each versioned root.json fetched, by file name. The
	// updater accepts them one by one and stops at the first it refuses,
	// failing the refresh: after a successful refresh, all were accepted.
	roots map[string][]byte
}

// DownloadFile fetches urlPath, reading at most maxLength bytes. The
// timeout argument is deprecated in go-tuf and ignored: the context and
// [Options.Timeout] bound the call.
func (f *httpFetcher) DownloadFile(urlPath string, maxLength int64, _ time.Duration) ([]byte, error) {
	f.last = urlPath
	if maxLength <= 0 {
		// fetch.Get would read 0 as its default limit of 256 MiB. go-tuf
		// passes the signed length of a target here, and only an empty
		// target has length 0: it cannot be a trusted root.
		return nil, &metadata.ErrLengthOrHashMismatch{Msg: fmt.Sprintf("%s: signed length is %d", urlPath, maxLength)}
	}
	o := f.opts
	o.MaxBytes = maxLength
	var buf bytes.Buffer
	if _, err := fetch.Get(f.ctx, urlPath, &buf, o); err != nil {
		var fe *fetch.Error
		if errors.As(err, &fe) && fe.Kind == fetch.KindStatus {
			return nil, &statusError{fe}
		}
		return nil, err
	}
	if name, ok := strings.CutPrefix(urlPath, f.base); ok && rootFile.MatchString(name) {
		if f.roots == nil {
			f.roots = map[string][]byte{}
		}
		f.roots[name] = buf.Bytes()
	}
	return buf.Bytes(), nil
}

// statusError is a [fetch.Error] of kind KindStatus that go-tuf's updater
// also sees as the *metadata.ErrDownloadHTTP it looks for.
type statusError struct{ err *fetch.Error }

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// As makes errors.As find a *metadata.ErrDownloadHTTP in e.
func (e *statusError) As(target any) bool {
	if t, ok := target.(**metadata.ErrDownloadHTTP); ok {
		*t = &metadata.ErrDownloadHTTP{StatusCode: e.err.Status, URL: e.err.URL}
		return true
	}
	return false
}

// cacheFetcher serves a repository's cache directory, as [Refresh] left
// it, in place of the repository: the chain of root versions from the
// roots directory, and the cached timestamp, snapshot and targets roles
// for their versioned and unversioned names. Everything else, targets
// included, is missing. It reads no file beyond maxLength bytes.
type cacheFetcher struct {
	base string // the repository URL with a trailing slash
	dir  string // the repository's cache directory
	last string
}

// DownloadFile returns the cached file for urlPath; a file the cache does
// not hold is a [notCachedError].
func (f *cacheFetcher) DownloadFile(urlPath string, maxLength int64, _ time.Duration) ([]byte, error) {
	name, ok := strings.CutPrefix(urlPath, f.base)
	var p string
	switch {
	case !ok || name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, "."):
		// A target (under targets/) or a name that is not one file.
	case rootFile.MatchString(name):
		p = filepath.Join(f.dir, rootsDir, name)
	default:
		// N.snapshot.json is cached as snapshot.json, and so on; the
		// updater checks the version it reads.
		if i := strings.IndexByte(name, '.'); i > 0 && strings.Trim(name[:i], "0123456789") == "" {
			name = name[i+1:]
		}
		if name != "root.json" {
			p = filepath.Join(f.dir, name)
		}
	}
	if p == "" {
		// For a target, run has already looked for a cached copy that
		// matches the signed metadata, and found none.
		f.last = urlPath
		return nil, &notCachedError{URL: urlPath, Err: fs.ErrNotExist}
	}
	f.last = p
	b, err := readFileMax(p, maxLength)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &notCachedError{URL: urlPath, Err: err}
	}
	return b, err
}

// notCachedError says the cache does not hold a repository file. go-tuf's
// updater sees it as a 404 (see [statusError]).
type notCachedError struct {
	URL string
	Err error // wraps fs.ErrNotExist
}

func (e *notCachedError) Error() string {
	return e.URL + ": no usable copy in the cache: " + e.Err.Error()
}
func (e *notCachedError) Unwrap() error { return e.Err }

// As makes errors.As find a *metadata.ErrDownloadHTTP with status 404 in e.
func (e *notCachedError) As(target any) bool {
	if t, ok := target.(**metadata.ErrDownloadHTTP); ok {
		*t = &metadata.ErrDownloadHTTP{StatusCode: http.StatusNotFound, URL: e.URL}
		return true
	}
	return false
}

// readFileMax reads the regular file at p if it holds at most max bytes.
// Anything else (a larger file, a FIFO, a device: refused without
// blocking) is an *fs.PathError.
func readFileMax(p string, max int64) ([]byte, error) {
	b, err := localfile.ReadFile(p, max)
	var le *localfile.Error
	if errors.As(err, &le) && le.Kind == localfile.KindOpen {
		return nil, le.Err // an *fs.PathError, fs.ErrNotExist for a file not cached
	}
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: p, Err: err}
	}
	return b, nil
}
