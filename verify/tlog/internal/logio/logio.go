// Package logio is the HTTP and folder reading shared by package
// verify/tlog's tiles fetchers and package verify/tlog/rekorv1's REST
// fetchers: one set of rules for base URLs, limits, time-outs and retries.
// Its errors are causes only; the callers wrap them in their own
// tlog.FetchError, tlog.AnswerError or tlog.PolicyError.
package logio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/internal/localfile"
)

// HTTP reads under one base URL with normalised options.
type HTTP struct {
	Base      *url.URL
	Timeout   time.Duration
	Retries   int
	Backoff   time.Duration
	Transport http.RoundTripper
	UserAgent string
}

// NewHTTP checks base (an absolute https URL without query, or http to a
// loopback host) and fills the defaults of logfetch.HTTPOptions: a 30-second
// time-out, three retries, a 250ms back-off. Its error is the reason of
// the caller's tlog.PolicyError.
func NewHTTP(base string, timeout time.Duration, retries int, backoff time.Duration, transport http.RoundTripper, userAgent string) (*HTTP, error) {
	u, err := url.Parse(base)
	if err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("tiles base URL %q is not an absolute URL without query", base)
	}
	if err := fetch.CheckURL(base, false); err != nil {
		// Refused now, as the caller's mistake, not at the first fetch as a
		// log that could not be read.
		return nil, err
	}
	if timeout < 0 || backoff < 0 {
		return nil, errors.New("negative HTTPOptions.Timeout or Backoff")
	}
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if retries == 0 {
		retries = 3
	}
	if backoff == 0 {
		backoff = 250 * time.Millisecond
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return &HTTP{Base: u, Timeout: timeout, Retries: retries, Backoff: backoff, Transport: transport, UserAgent: userAgent}, nil
}

// Do sends a GET (post nil) or a JSON POST of post to path under the base
// URL, with query, reading no more than limit bytes, and retries as
// [Retrying] does. It returns the body and its Content-Type.
func (h *HTTP) Do(ctx context.Context, path string, query url.Values, post []byte, limit int64) ([]byte, string, error) {
	u := *h.Base
	u.Path += "/" + path
	u.RawQuery = query.Encode()
	opts := fetch.Options{
		MaxBytes:  limit,
		Timeout:   h.Timeout,
		Transport: h.Transport,
		UserAgent: h.UserAgent,
	}
	var contentType string
	b, err := Retrying(ctx, h.Retries, h.Backoff, func(w io.Writer) error {
		var info fetch.Info
		var err error
		if post == nil {
			info, err = fetch.Get(ctx, u.String(), w, opts)
		} else {
			info, err = fetch.Post(ctx, u.String(), "application/json", post, w, opts)
		}
		contentType = info.ContentType
		return err
	})
	return b, contentType, err
}

// Retrying runs a request (once) until it succeeds, fails for good or its
// retries run out: a 404 is an error wrapping [os.ErrNotExist], only
// [Transient] failures are tried again, after a back-off that doubles,
// and a ctx that ends stops the wait.
func Retrying(ctx context.Context, retries int, backoff time.Duration, once func(io.Writer) error) ([]byte, error) {
	wait := backoff
	for try := 0; ; try++ {
		var buf bytes.Buffer
		err := once(&buf)
		if err == nil {
			return buf.Bytes(), nil
		}
		var fe *fetch.Error
		if errors.As(err, &fe) && fe.Kind == fetch.KindStatus && fe.Status == http.StatusNotFound {
			return nil, fmt.Errorf("%w: %w", os.ErrNotExist, err)
		}
		if try >= retries || !Transient(ctx, err) {
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (while waiting to retry after: %w)", context.Cause(ctx), err)
		case <-t.C:
		}
		wait *= 2
	}
}

// Transient reports whether a failed fetch is worth trying again.
func Transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		return false
	}
	switch fe.Kind {
	case fetch.KindNetwork, fetch.KindTimeout, fetch.KindTruncated:
		return true
	case fetch.KindStatus:
		return fe.Status == http.StatusTooManyRequests || fe.Status >= 500
	}
	return false
}

// HTML returns the media type of an answer served as a web page, which no
// log serves, and "" for any other.
func HTML(contentType string) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return mt
	}
	return ""
}

// ReadIn reads path under root, no more than limit bytes; more is an
// error. A missing file is an error wrapping [os.ErrNotExist].
func ReadIn(ctx context.Context, root *os.Root, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	if root == nil {
		return nil, errors.New("DirFetcher without a root")
	}
	// Not root.Open: a FIFO in the folder would block it forever.
	file, err := localfile.OpenIn(root, path, limit)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	b, err := io.ReadAll(localfile.LimitReader(file, limit))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("more than the limit of %d bytes", limit)
	}
	return b, nil
}
