package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by [Get] to zero fields of [Options].
const (
	DefaultMaxBytes     int64 = 256 << 20 // 256 MiB
	DefaultTimeout            = 2 * time.Minute
	DefaultMaxRedirects       = 10
)

// progressInterval is the least time between two calls of
// [Options.Progress] while a body arrives.
const progressInterval = 250 * time.Millisecond

// Options tunes [Get]. The zero value is safe: https only (http to loopback
// hosts), a 256 MiB body limit, a two-minute timeout, at most ten redirects
// and a private Transport that uses no proxy.
type Options struct {
	// MaxBytes is the largest body accepted, in bytes. 0 means
	// [DefaultMaxBytes]; a negative value is a [KindBadOptions] error.
	MaxBytes int64

	// Timeout bounds the whole call: connecting, every redirect, the
	// headers and the body. 0 means [DefaultTimeout]; a negative value is a
	// [KindBadOptions] error. A deadline on the context passed to [Get]
	// applies as well; the earlier wins.
	Timeout time.Duration

	// MaxRedirects is the number of redirects followed. 0 means
	// [DefaultMaxRedirects]; a negative value means none: any redirect is a
	// [KindRedirect] error.
	MaxRedirects int

	// InsecureAllowHTTP allows plain http to any host, for the URL given
	// to [Get] and for redirect targets, including a redirect from https
	// down to http. Without it, http is allowed only to loopback hosts.
	// Content fetched over plain http can be changed by anyone on the path.
	InsecureAllowHTTP bool

	// Transport sends the requests. nil means a Transport private to the
	// call (see the package documentation). A Transport given here is used
	// as is: its proxy, TLS and connection-pool settings are the caller's,
	// and it must deliver bodies as the server sent them (no decoding).
	Transport http.RoundTripper

	// Progress, if not nil, is called from the goroutine running [Get] with
	// the number of body bytes written so far and the declared length
	// (-1 when unknown): once when the headers have been accepted (with
	// received 0), at most four times a second while the body arrives, and
	// once when the whole body has been written. It is not called after a
	// failure. Time spent in it counts against Timeout.
	Progress func(received, total int64)

	// UserAgent is sent as the User-Agent header; empty means Go's
	// default. Control characters are a [KindBadOptions] error.
	UserAgent string
}

// Info records one fetch, for a person debugging a server or CDN. Header
// fields are copied from the final response as the server sent them,
// unchecked; they are empty when absent.
//
// [Get] returns Info on failure too, filled in as far as the fetch got: a
// record of what happened, never evidence that the body is complete. Only a
// nil error says that.
type Info struct {
	// URL is the URL requested first, FinalURL the URL of the last request
	// made. Redirects lists each redirect target followed, in order; when
	// it is not empty its last element equals FinalURL.
	URL       string   `json:"url"`
	FinalURL  string   `json:"final_url"`
	Redirects []string `json:"redirects,omitempty"`

	// Status is the status code of the last response received.
	Status int `json:"status"`

	// ContentLength is the length the final response declared, or -1
	// when it declared none (chunked, HTTP/2 without content-length, or a
	// body delimited by closing the connection).
	ContentLength int64 `json:"content_length"`

	ContentType  string `json:"content_type,omitempty"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Age          string `json:"age,omitempty"`
	CacheControl string `json:"cache_control,omitempty"`

	// Received is the number of body bytes written to the writer.
	Received int64 `json:"received"`
}

// Get fetches rawURL with a GET request and writes the response body to w.
//
// It returns a nil error only when the final response was 200 OK, with
// identity encoding, and its whole body — no more than [Options.MaxBytes],
// and exactly its Content-Length if it declared one — was written to w
// within the time limit. Any failure is an [*Error]; w may then hold part
// of a body, which the caller must discard. See the package documentation
// for the rules.
func Get(ctx context.Context, rawURL string, w io.Writer, opts Options) (Info, error) {
	return fetchURL(ctx, rawURL, nil, w, opts)
}

// MaxPostBytes bounds the request body [Post] sends: it is meant for small
// queries (a JSON search request), not uploads.
const MaxPostBytes = 64 << 10

// Post sends body with a POST request to rawURL, with the Content-Type
// header contentType, and writes the response body to w. It is for
// read-only queries that an API only offers as a POST (a search), and
// follows every rule of [Get] for the URL, the response, the limits and the
// time, with two differences:
//
//   - body must be at most [MaxPostBytes] bytes and contentType must be a
//     non-empty header value without control characters; otherwise the
//     error is of kind [KindBadOptions] and nothing is sent.
//   - Only the redirects 307 and 308 are followed, sending the same method
//     and body to the target (checked as for Get). A 301, 302 or 303 is a
//     [KindRedirect] error: following it would turn the query into a GET
//     of another resource.
//
// It does not retry: a caller that knows its query is safe to repeat does.
func Post(ctx context.Context, rawURL, contentType string, body []byte, w io.Writer, opts Options) (Info, error) {
	return fetchURL(ctx, rawURL, &postRequest{contentType: contentType, body: body}, w, opts)
}

// postRequest is what [Post] adds to a request.
type postRequest struct {
	contentType string
	body        []byte
}

func (p *postRequest) check() error {
	if len(p.body) > MaxPostBytes {
		return fmt.Errorf("request body of %d bytes, more than %d", len(p.body), MaxPostBytes)
	}
	if p.contentType == "" {
		return errors.New("empty Content-Type")
	}
	if i := strings.IndexFunc(p.contentType, func(r rune) bool {
		return r < 0x20 && r != '\t' || r == 0x7f
	}); i >= 0 {
		return fmt.Errorf("Content-Type has a control character at byte %d", i)
	}
	return nil
}

// fetchURL is [Get] when post is nil, else [Post].
func fetchURL(ctx context.Context, rawURL string, post *postRequest, w io.Writer, opts Options) (Info, error) {
	info := Info{URL: rawURL, ContentLength: -1}

	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue repeats the URL, which Error.URL holds already
		}
		return info, &Error{Kind: KindBadURL, URL: rawURL, Err: err}
	}
	info.URL = u.Redacted()
	if err := checkURL(u, opts.InsecureAllowHTTP); err != nil {
		return info, &Error{Kind: KindBadURL, URL: u.Redacted(), Err: err}
	}
	if err := opts.check(); err != nil {
		return info, &Error{Kind: KindBadOptions, URL: u.Redacted(), Err: err}
	}
	if post != nil {
		if err := post.check(); err != nil {
			return info, &Error{Kind: KindBadOptions, URL: u.Redacted(), Err: err}
		}
	}
	if ctx == nil || w == nil {
		return info, &Error{Kind: KindBadOptions, URL: u.Redacted(), Err: errors.New("nil context or writer")}
	}
	maxBytes := opts.MaxBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	maxRedirects := opts.MaxRedirects
	switch {
	case maxRedirects == 0:
		maxRedirects = DefaultMaxRedirects
	case maxRedirects < 0:
		maxRedirects = 0
	}
	rt := opts.Transport
	if rt == nil {
		t := newTransport()
		defer t.CloseIdleConnections()
		rt = t
	}

	f := &fetcher{parent: ctx, timeout: timeout, transport: rt, userAgent: opts.UserAgent, post: post}
	var cancel context.CancelFunc
	f.ctx, cancel = context.WithTimeout(ctx, timeout)
	defer cancel()

	resp, err := f.follow(u, maxRedirects, opts.InsecureAllowHTTP, &info)
	if err != nil {
		return info, err
	}
	defer resp.Body.Close()
	final := info.FinalURL

	if resp.StatusCode != http.StatusOK {
		return info, &Error{Kind: KindStatus, URL: final, Status: resp.StatusCode}
	}
	if err := checkEncoding(resp); err != nil {
		return info, &Error{Kind: KindEncoding, URL: final, Err: err}
	}
	if resp.ContentLength > maxBytes {
		return info, &Error{Kind: KindTooLarge, URL: final, Limit: maxBytes,
			Err: fmt.Errorf("Content-Length is %d", resp.ContentLength)}
	}

	cw := &countingWriter{w: w, progress: opts.Progress, total: resp.ContentLength}
	if cw.progress != nil {
		cw.progress(0, cw.total)
		cw.last = time.Now()
	}
	_, err = io.Copy(cw, io.LimitReader(resp.Body, maxBytes))
	info.Received = cw.n
	if err == nil {
		// The limit was reached or the body ended: one more byte tells
		// which, so that a body over the limit is never taken for a whole
		// one and w never receives more than maxBytes.
		var probe [1]byte
		var n int
		n, err = io.ReadFull(resp.Body, probe[:])
		switch {
		case n > 0:
			return info, &Error{Kind: KindTooLarge, URL: final, Limit: maxBytes}
		case errors.Is(err, io.EOF):
			err = nil
		}
	}
	if err == nil && f.ctx.Err() != nil {
		// net/http may end a body cut short by the deadline or a cancel
		// with a plain io.EOF (seen here with HTTP/1.1 chunked bodies): a
		// body that ends after the context did is never taken as whole.
		err = f.ctx.Err()
	}
	if err != nil {
		if cw.err != nil {
			return info, &Error{Kind: KindWrite, URL: final, Err: cw.err}
		}
		if e := f.contextError(final); e != nil {
			return info, e
		}
		if resp.ContentLength >= 0 && cw.n < resp.ContentLength || errors.Is(err, io.ErrUnexpectedEOF) {
			return info, &Error{Kind: KindTruncated, URL: final, Err: truncated(resp.ContentLength, cw.n, err)}
		}
		return info, f.transportError(final, err)
	}
	if resp.ContentLength >= 0 && cw.n != resp.ContentLength {
		// Only a Transport that does not enforce Content-Length gets here.
		return info, &Error{Kind: KindTruncated, URL: final, Err: truncated(resp.ContentLength, cw.n, nil)}
	}
	if cw.progress != nil {
		cw.progress(cw.n, cw.total)
	}
	return info, nil
}

// truncated describes a body of got bytes that does not match its declared
// length want (-1 for none), ended by err (nil for a clean end).
func truncated(want, got int64, err error) error {
	var msg string
	switch {
	case want < 0:
		msg = fmt.Sprintf("the body ended unexpectedly after %d bytes", got)
	case got > want:
		msg = fmt.Sprintf("Content-Length is %d but the body has more bytes", want)
	default:
		msg = fmt.Sprintf("received %d of the %d bytes declared by Content-Length", got, want)
	}
	if err == nil {
		return errors.New(msg)
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// check reports an out-of-range field of o.
func (o *Options) check() error {
	if o.MaxBytes < 0 {
		return fmt.Errorf("MaxBytes is negative (%d)", o.MaxBytes)
	}
	if o.Timeout < 0 {
		return fmt.Errorf("Timeout is negative (%v)", o.Timeout)
	}
	if i := strings.IndexFunc(o.UserAgent, func(r rune) bool {
		return r < 0x20 && r != '\t' || r == 0x7f
	}); i >= 0 {
		return fmt.Errorf("UserAgent has a control character at byte %d", i)
	}
	return nil
}

// fetcher holds the state of one call to [Get].
type fetcher struct {
	parent    context.Context // the caller's context
	ctx       context.Context // parent with Options.Timeout applied
	timeout   time.Duration
	transport http.RoundTripper
	userAgent string
	post      *postRequest // nil for a GET
}

// follow sends the request for u and follows redirects, checking each target before
// sending anything to it. It returns the first response that is not a
// redirect it follows, with an open body; it records the chain in info.
func (f *fetcher) follow(u *url.URL, maxRedirects int, insecureHTTP bool, info *Info) (*http.Response, error) {
	for redirects := 0; ; redirects++ {
		info.FinalURL = u.Redacted()
		resp, err := f.do(u)
		if err != nil {
			return nil, err
		}
		info.Status = resp.StatusCode
		info.ContentLength = resp.ContentLength
		h := resp.Header
		info.ContentType = h.Get("Content-Type")
		info.ETag = h.Get("ETag")
		info.LastModified = h.Get("Last-Modified")
		info.Age = h.Get("Age")
		info.CacheControl = h.Get("Cache-Control")

		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			return resp, nil
		}
		// A redirect. Its body is not read: closing it is enough.
		resp.Body.Close()
		if f.post != nil && resp.StatusCode != http.StatusTemporaryRedirect && resp.StatusCode != http.StatusPermanentRedirect {
			return nil, &Error{Kind: KindRedirect, URL: u.Redacted(), Status: resp.StatusCode,
				Err: errors.New("a POST follows only 307 and 308 redirects")}
		}
		loc := h.Get("Location")
		if loc == "" {
			return nil, &Error{Kind: KindRedirect, URL: u.Redacted(), Status: resp.StatusCode,
				Err: errors.New("no Location header")}
		}
		next, err := u.Parse(loc)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, &Error{Kind: KindRedirect, URL: u.Redacted(), Status: resp.StatusCode,
				Err: fmt.Errorf("bad Location header %q: %w", loc, err)}
		}
		if err := checkURL(next, insecureHTTP); err != nil {
			return nil, &Error{Kind: KindRedirect, URL: next.Redacted(), Status: resp.StatusCode,
				Err: fmt.Errorf("from %s: %w", u.Redacted(), err)}
		}
		if redirects >= maxRedirects {
			return nil, &Error{Kind: KindRedirect, URL: next.Redacted(), Status: resp.StatusCode,
				Limit: int64(maxRedirects),
				Err:   fmt.Errorf("from %s: more than %d redirects", u.Redacted(), maxRedirects)}
		}
		info.Redirects = append(info.Redirects, next.Redacted())
		u = next
	}
}

// do sends one request for u: a GET, or the POST of f.post.
func (f *fetcher) do(u *url.URL) (*http.Response, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if f.post != nil {
		method, body = http.MethodPost, bytes.NewReader(f.post.body)
	}
	req, err := http.NewRequestWithContext(f.ctx, method, u.String(), body)
	if err != nil {
		// u passed checkURL, so this is not expected; it is still not
		// the network's fault.
		return nil, &Error{Kind: KindBadURL, URL: u.Redacted(), Err: err}
	}
	if f.post != nil {
		req.Header.Set("Content-Type", f.post.contentType)
	}
	// Ask for the body exactly as stored. Setting the header also stops
	// net/http's Transport from asking for gzip and decoding it.
	req.Header.Set("Accept-Encoding", "identity")
	if f.userAgent != "" {
		req.Header.Set("User-Agent", f.userAgent)
	}
	// The Transport is called directly, not through an http.Client: the
	// Client would parse Location headers and add Referer and credentials
	// by rules of its own, and Get follows redirects itself.
	resp, err := f.transport.RoundTrip(req)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if e := f.contextError(u.Redacted()); e != nil {
			return nil, e
		}
		return nil, f.transportError(u.Redacted(), err)
	}
	if resp == nil {
		return nil, &Error{Kind: KindNetwork, URL: u.Redacted(),
			Err: fmt.Errorf("Transport %T returned neither a response nor an error", f.transport)}
	}
	if resp.Body == nil {
		if resp.ContentLength > 0 {
			return nil, &Error{Kind: KindNetwork, URL: u.Redacted(),
				Err: fmt.Errorf("Transport %T returned a nil body with Content-Length %d", f.transport, resp.ContentLength)}
		}
		resp.Body = http.NoBody
	}
	return resp, nil
}

// contextError returns the error for a failure caused by the caller's
// context or by Options.Timeout, or nil if neither has ended.
func (f *fetcher) contextError(u string) *Error {
	if err := f.parent.Err(); err != nil {
		kind := KindTimeout
		if errors.Is(err, context.Canceled) {
			kind = KindCanceled
		}
		if cause := context.Cause(f.parent); cause != nil && cause != err {
			err = fmt.Errorf("%w: %w", err, cause)
		}
		return &Error{Kind: kind, URL: u, Err: err}
	}
	if f.ctx.Err() != nil {
		return &Error{Kind: KindTimeout, URL: u,
			Err: fmt.Errorf("no complete response within %v: %w", f.timeout, context.DeadlineExceeded)}
	}
	return nil
}

// transportError classifies an error from the Transport or from reading the
// body that is not due to a context.
func (f *fetcher) transportError(u string, err error) *Error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &Error{Kind: KindTimeout, URL: u, Err: err}
	}
	return &Error{Kind: KindNetwork, URL: u, Err: err}
}

// checkEncoding refuses a response whose body is not the identity encoding
// of the entity: one with a Content-Encoding other than identity, or one a
// Transport has decoded.
func checkEncoding(resp *http.Response) error {
	if resp.Uncompressed {
		return errors.New("the Transport decoded a compressed body")
	}
	for _, v := range resp.Header.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			c = strings.TrimSpace(c)
			if c != "" && !strings.EqualFold(c, "identity") {
				return fmt.Errorf("Content-Encoding is %q, not identity", v)
			}
		}
	}
	return nil
}

// countingWriter counts the bytes written to w, remembers w's error, and
// reports progress at most every progressInterval.
type countingWriter struct {
	w        io.Writer
	n        int64
	err      error
	progress func(received, total int64)
	total    int64
	last     time.Time
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if n < 0 || n > len(p) {
		n, err = 0, fmt.Errorf("writer returned invalid count %d for %d bytes", n, len(p))
	}
	c.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		c.err = err
		return n, err
	}
	if c.progress != nil {
		if now := time.Now(); now.Sub(c.last) >= progressInterval {
			c.last = now
			c.progress(c.n, c.total)
		}
	}
	return n, nil
}
