package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/internal/inputname"
	"github.com/ats-run/selfattest/internal/localfile"
)

// FetchOptions bound every URL fetch the verifier makes. The zero value is
// safe: https only (http only to loopback hosts), at most 256 MiB a body,
// a time limit per fetch, at most 10 redirects each allowed by the same
// scheme rule, no proxy from the environment.
type FetchOptions struct {
	// MaxBytes is the largest body accepted; 0 means 256 MiB. A larger
	// body is not measured: the fetch fails with ErrCouldNotCheck. It
	// bounds a local file as well, which is refused with ErrBadInput: the
	// file is the caller's, and trying again will not shrink it.
	MaxBytes int64
	// Timeout bounds each fetch, body included; 0 means the fetcher's
	// default (see internal/fetch).
	Timeout time.Duration
	// InsecureAllowHTTP allows plain http to hosts other than loopback,
	// for the first URL and for redirects. Bytes fetched over plain http
	// can be changed by anyone on the path.
	InsecureAllowHTTP bool
	// Transport carries the requests; nil means a transport that ignores
	// proxy environment variables. Tests pass an httptest server's.
	Transport http.RoundTripper
	// Progress, if set, is called as bodies arrive, with the URL, the bytes
	// received so far, and the total (-1 when the server did not say).
	Progress func(url string, received, total int64)
}

func (o FetchOptions) forURL(u string) fetch.Options {
	f := fetch.Options{
		MaxBytes:          o.MaxBytes,
		Timeout:           o.Timeout,
		InsecureAllowHTTP: o.InsecureAllowHTTP,
		Transport:         o.Transport,
	}
	if o.Progress != nil {
		f.Progress = func(received, total int64) { o.Progress(u, received, total) }
	}
	return f
}

// FetchInfo is what a fetch learned about the server's answer: the final
// URL after redirects, the status, and the caching headers a person
// debugging a CDN wants (Content-Length, ETag, Last-Modified, Age).
type FetchInfo = fetch.Info

// Artifact is one measured input: a local file or a fetched URL.
type Artifact struct {
	// Input is the path or URL as the caller gave it.
	Input string `json:"input"`
	// Digests are the size and digests of the bytes read.
	Digests attest.Digests `json:"digests"`
	// Fetch describes the HTTP exchange; nil for a local file.
	Fetch *FetchInfo `json:"fetch,omitempty"`
}

// IsURL reports whether input names a URL (it has a scheme followed by
// "://") rather than a local path.
func IsURL(input string) bool { return inputname.IsURL(input) }

// MeasureInput measures a local file or, if input is a URL, the body the
// server returns for it, within opts' limits. A local path must name a
// regular file (a directory, a FIFO or a device is refused with
// ErrBadInput, without blocking). An empty input is refused
// (a file with ErrBadInput, a response with ErrCouldNotCheck): there is
// nothing to verify in zero bytes, and two empty inputs must never
// "match".
func MeasureInput(ctx context.Context, input string, opts FetchOptions) (Artifact, error) {
	if IsURL(input) {
		return measureURL(ctx, input, opts)
	}
	return measureFile(input, opts.maxBytes())
}

func (o FetchOptions) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return fetch.DefaultMaxBytes
}

func measureFile(path string, max int64) (Artifact, error) {
	f, err := localfile.Open(path, max)
	if err != nil {
		return Artifact{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	defer f.Close()
	d, err := attest.Measure(f)
	if err != nil {
		return Artifact{}, fmt.Errorf("%w: %s: %w", ErrBadInput, path, err)
	}
	if d.Size == 0 {
		return Artifact{}, fmt.Errorf("%w: %s is empty", ErrBadInput, path)
	}
	return Artifact{Input: path, Digests: d}, nil
}

// fetchMeasure streams the body of u into Measure, so memory stays
// constant whatever the body's size.
func fetchMeasure(ctx context.Context, u string, opts fetch.Options) (attest.Digests, fetch.Info, error) {
	pr, pw := io.Pipe()
	type got struct {
		info fetch.Info
		err  error
	}
	done := make(chan got, 1)
	go func() {
		info, err := fetch.Get(ctx, u, pw, opts)
		pw.CloseWithError(err) // nil err closes with io.EOF
		done <- got{info, err}
	}()
	d, merr := attest.Measure(pr)
	pr.CloseWithError(errors.New("measure stopped")) // unblock the writer if Measure stopped early
	g := <-done
	if g.err != nil {
		return attest.Digests{}, g.info, g.err
	}
	if merr != nil {
		return attest.Digests{}, g.info, merr
	}
	return d, g.info, nil
}

func measureURL(ctx context.Context, u string, opts FetchOptions) (Artifact, error) {
	d, info, err := fetchMeasure(ctx, u, opts.forURL(u))
	if err != nil {
		return Artifact{}, classifyFetch(err)
	}
	if d.Size == 0 {
		return Artifact{}, fmt.Errorf("%w: %s: empty response (status %d)", ErrCouldNotCheck, u, info.Status)
	}
	return Artifact{Input: u, Digests: d, Fetch: &info}, nil
}
