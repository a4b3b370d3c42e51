package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/loopback"
)

// The body served by /ok, and its headers.
const (
	okBody         = "hello, world\n"
	okETag         = `"v1-abc"`
	okLastModified = "Mon, 02 Jan 2006 15:04:05 GMT"
	okAge          = "42"
	okCacheControl = "public, max-age=300"
	okContentType  = "text/plain; charset=utf-8"
)

// block waits until the request's context ends (the client went away) or a
// safety limit passes, so that no handler outlives a test.
func block(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// testMux serves the routes the tests use. Every route speaks ordinary
// HTTP/1.1 unless it says otherwise.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	// /ok: a cacheable artifact with every header Info records. It answers
	// 400 if the client did not ask for the identity encoding.
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "identity" {
			http.Error(w, "Accept-Encoding is not identity", http.StatusBadRequest)
			return
		}
		h := w.Header()
		h.Set("ETag", okETag)
		h.Set("Last-Modified", okLastModified)
		h.Set("Age", okAge)
		h.Set("Cache-Control", okCacheControl)
		h.Set("Content-Type", okContentType)
		h.Set("Content-Length", strconv.Itoa(len(okBody)))
		io.WriteString(w, okBody)
	})
	// /empty: 200 with a zero-length body.
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "0")
	})
	// /sized?n=N: N bytes with Content-Length.
	mux.HandleFunc("/sized", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.FormValue("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bytes.Repeat([]byte("a"), n))
	})
	// /chunked?n=N&pieces=P&sleep=D: N bytes, chunked (no Content-Length),
	// in P flushed pieces with a pause of D between them.
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.FormValue("n"))
		pieces, _ := strconv.Atoi(r.FormValue("pieces"))
		pieces = max(pieces, 1)
		sleep, _ := time.ParseDuration(r.FormValue("sleep"))
		w.WriteHeader(http.StatusOK)
		for i := range pieces {
			w.Write(bytes.Repeat([]byte("a"), n/pieces+boolInt(i < n%pieces)))
			w.(http.Flusher).Flush()
			if sleep > 0 {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(sleep):
				}
			}
		}
	})
	// /declared-huge: declares a 1 TiB body, sends none of it, and waits
	// for the client to leave.
	mux.HandleFunc("/declared-huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(1<<40, 10))
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		block(r)
	})
	// /truncated: declares 100 bytes, sends 10, closes the connection.
	mux.HandleFunc("/truncated", func(w http.ResponseWriter, r *http.Request) {
		hijackWrite(w, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
	})
	// /truncated-chunked: one chunk, then the connection closes without the
	// terminating zero-length chunk.
	mux.HandleFunc("/truncated-chunked", func(w http.ResponseWriter, r *http.Request) {
		hijackWrite(w, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
	})
	// /slow: sends one byte of the body, then stalls.
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.Write([]byte("x"))
		w.(http.Flusher).Flush()
		block(r)
	})
	// /slow-headers: stalls before sending anything.
	mux.HandleFunc("/slow-headers", func(w http.ResponseWriter, r *http.Request) {
		block(r)
	})
	// /status?code=N: status N with a body that must never be delivered.
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.FormValue("code"))
		w.WriteHeader(code)
		io.WriteString(w, "error page")
	})
	// /redirect?to=URL&code=N: redirect (default 302) to URL.
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.FormValue("code"))
		if code == 0 {
			code = http.StatusFound
		}
		w.Header().Set("Location", r.FormValue("to"))
		w.WriteHeader(code)
	})
	// /loop/N: redirects to /loop/N+1, forever.
	mux.HandleFunc("/loop/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		http.Redirect(w, r, "/loop/"+strconv.Itoa(n+1), http.StatusFound)
	})
	// /gzip: a gzip-encoded body, whatever the client asked for.
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		io.WriteString(zw, okBody)
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		w.Write(b.Bytes())
	})
	// /identity: an explicit "Content-Encoding: identity".
	mux.HandleFunc("/identity", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "identity")
		io.WriteString(w, okBody)
	})
	return mux
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hijackWrite takes over the connection, writes raw as the whole response
// and closes the connection.
func hijackWrite(w http.ResponseWriter, raw string) {
	conn, bufrw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err) // the test servers speak HTTP/1.1, which can hijack
	}
	defer conn.Close()
	bufrw.WriteString(raw)
	bufrw.Flush()
}

// newTLSServer starts an HTTPS server with testMux on 127.0.0.1.
func newTLSServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(testMux())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// newHTTPServer starts a plain-http server with testMux on 127.0.0.1.
func newHTTPServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(testMux())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// noTransport fails the test if any request is attempted.
func noTransport(t *testing.T) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("request sent to %s; want none", r.URL)
		return nil, errors.New("test transport: no request may be sent")
	})
}

// guard passes to base only requests for loopback IP literals, and fails the
// test on any other: whatever the fetcher under test does, the tests send
// nothing off the machine and resolve no name.
func guard(t *testing.T, base http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if a, err := netip.ParseAddr(r.URL.Hostname()); err != nil || !a.Unmap().IsLoopback() {
			t.Errorf("request for %s; the tests send only to loopback addresses", r.URL)
			return nil, errors.New("test transport: not a loopback address")
		}
		return base.RoundTrip(r)
	})
}

// errRecorded is returned by a recorder without a base Transport.
var errRecorded = errors.New("recorder: request recorded, not sent")

// recorder records every request URL handed to the Transport, then passes
// the request to base, or fails it with errRecorded if base is nil or the
// request is for a host other than only (when set). So even a broken
// fetcher under test never resolves a name or sends a request off the
// machine: the test fails on the recorded URL instead.
type recorder struct {
	base http.RoundTripper
	only string // host[:port]; "" means any
	mu   sync.Mutex
	urls []string
}

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rec.mu.Lock()
	rec.urls = append(rec.urls, r.URL.String())
	rec.mu.Unlock()
	if rec.base == nil || rec.only != "" && r.URL.Host != rec.only {
		return nil, errRecorded
	}
	return rec.base.RoundTrip(r)
}

func (rec *recorder) sent() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.urls...)
}

// asError returns err as an *Error of kind want, or stops the test.
func asError(t *testing.T, err error, want Kind) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil; want a %v error", want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T); want an *Error", err, err)
	}
	if e.Kind != want {
		t.Fatalf("Kind = %v; want %v (err: %v)", e.Kind, want, err)
	}
	if got, wantBad := e.BadInput(), want == KindBadURL || want == KindBadOptions; got != wantBad {
		t.Errorf("BadInput() = %v; want %v", got, wantBad)
	}
	return e
}

func TestGet(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t)
	plain := newHTTPServer(t)
	q := url.QueryEscape

	tests := []struct {
		name          string
		url           string
		opts          Options
		wantBody      string
		wantLength    int64    // Info.ContentLength
		wantRedirects []string // Info.Redirects; the last one is FinalURL
	}{
		{name: "ok", url: srv.URL + "/ok", wantBody: okBody, wantLength: int64(len(okBody))},
		{name: "empty body", url: srv.URL + "/empty", wantBody: "", wantLength: 0},
		{name: "chunked", url: srv.URL + "/chunked?n=1000&pieces=3", wantBody: strings.Repeat("a", 1000), wantLength: -1},
		{name: "exactly the limit with Content-Length", url: srv.URL + "/sized?n=100",
			opts: Options{MaxBytes: 100}, wantBody: strings.Repeat("a", 100), wantLength: 100},
		{name: "exactly the limit chunked", url: srv.URL + "/chunked?n=100&pieces=4",
			opts: Options{MaxBytes: 100}, wantBody: strings.Repeat("a", 100), wantLength: -1},
		{name: "Content-Encoding identity", url: srv.URL + "/identity", wantBody: okBody, wantLength: int64(len(okBody))},
		{name: "redirect chain https to https",
			url:      srv.URL + "/redirect?to=" + q("/redirect?code=301&to="+q(srv.URL+"/redirect?code=308&to=/ok")),
			wantBody: okBody, wantLength: int64(len(okBody)),
			wantRedirects: []string{
				srv.URL + "/redirect?code=301&to=" + q(srv.URL+"/redirect?code=308&to=/ok"),
				srv.URL + "/redirect?code=308&to=/ok",
				srv.URL + "/ok",
			}},
		{name: "redirect 303 and 307", url: srv.URL + "/redirect?code=303&to=" + q("/redirect?code=307&to=/ok"),
			wantBody: okBody, wantLength: int64(len(okBody)),
			wantRedirects: []string{srv.URL + "/redirect?code=307&to=/ok", srv.URL + "/ok"}},
		{name: "redirect to http on 127.0.0.1", url: srv.URL + "/redirect?to=" + q(plain.URL+"/ok"),
			wantBody: okBody, wantLength: int64(len(okBody)), wantRedirects: []string{plain.URL + "/ok"}},
		{name: "http to 127.0.0.1", url: plain.URL + "/ok", wantBody: okBody, wantLength: int64(len(okBody))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts
			opts.Transport = guard(t, srv.Client().Transport)
			var buf bytes.Buffer
			info, err := Get(t.Context(), tt.url, &buf, opts)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if buf.String() != tt.wantBody {
				t.Errorf("body = %q; want %q", buf.String(), tt.wantBody)
			}
			if info.Received != int64(len(tt.wantBody)) {
				t.Errorf("Received = %d; want %d", info.Received, len(tt.wantBody))
			}
			if info.ContentLength != tt.wantLength {
				t.Errorf("ContentLength = %d; want %d", info.ContentLength, tt.wantLength)
			}
			if info.Status != http.StatusOK {
				t.Errorf("Status = %d; want 200", info.Status)
			}
			if info.URL != tt.url {
				t.Errorf("URL = %q; want %q", info.URL, tt.url)
			}
			wantFinal := tt.url
			if len(tt.wantRedirects) > 0 {
				wantFinal = tt.wantRedirects[len(tt.wantRedirects)-1]
			}
			if info.FinalURL != wantFinal {
				t.Errorf("FinalURL = %q; want %q", info.FinalURL, wantFinal)
			}
			if !equal(info.Redirects, tt.wantRedirects) {
				t.Errorf("Redirects = %q; want %q", info.Redirects, tt.wantRedirects)
			}
			if strings.HasSuffix(wantFinal, "/ok") {
				want := Info{
					URL: info.URL, FinalURL: info.FinalURL, Redirects: info.Redirects,
					Status: 200, ContentLength: int64(len(okBody)), ContentType: okContentType,
					ETag: okETag, LastModified: okLastModified, Age: okAge, CacheControl: okCacheControl,
					Received: int64(len(okBody)),
				}
				if !reflect.DeepEqual(info, want) {
					t.Errorf("Info = %+v\nwant   %+v", info, want)
				}
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGetRefused covers every way a fetch from a live server fails. Each case
// also proves that no request left for any host but the test server.
func TestGetRefused(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t)
	host := srv.Listener.Addr().String()
	q := url.QueryEscape

	tests := []struct {
		name       string
		path       string
		opts       Options
		want       Kind
		wantStatus int
		wantLimit  int64
		wantURL    string // Error.URL; "" means srv.URL+path
		maxWritten int    // most bytes w may have received
		wantSent   int    // requests the Transport saw; 0 means 1
	}{
		{name: "404", path: "/status?code=404", want: KindStatus, wantStatus: 404},
		{name: "500", path: "/status?code=500", want: KindStatus, wantStatus: 500},
		{name: "206 partial content", path: "/status?code=206", want: KindStatus, wantStatus: 206},
		{name: "203 transformed", path: "/status?code=203", want: KindStatus, wantStatus: 203},
		{name: "304 not modified", path: "/status?code=304", want: KindStatus, wantStatus: 304},
		{name: "300 multiple choices", path: "/status?code=300", want: KindStatus, wantStatus: 300},
		{name: "302 without Location", path: "/status?code=302", want: KindRedirect, wantStatus: 302},

		{name: "too large with Content-Length", path: "/sized?n=101", opts: Options{MaxBytes: 100},
			want: KindTooLarge, wantLimit: 100},
		{name: "too large chunked", path: "/chunked?n=101&pieces=3", opts: Options{MaxBytes: 100},
			want: KindTooLarge, wantLimit: 100, maxWritten: 100},
		{name: "too large declared is refused before reading", path: "/declared-huge",
			opts: Options{Timeout: 3 * time.Second}, want: KindTooLarge, wantLimit: DefaultMaxBytes},

		{name: "shorter than Content-Length", path: "/truncated", want: KindTruncated, maxWritten: 10},
		{name: "chunked without end", path: "/truncated-chunked", want: KindTruncated, maxWritten: 5},

		{name: "slow body", path: "/slow", opts: Options{Timeout: 200 * time.Millisecond},
			want: KindTimeout, maxWritten: 1},
		{name: "slow headers", path: "/slow-headers", opts: Options{Timeout: 200 * time.Millisecond},
			want: KindTimeout},

		{name: "gzip", path: "/gzip", want: KindEncoding},

		{name: "redirect to http on a public host", path: "/redirect?to=" + q("http://example.com/x"),
			want: KindRedirect, wantStatus: 302, wantURL: "http://example.com/x"},
		{name: "redirect to http on a public host with 301", path: "/redirect?code=301&to=" + q("http://example.com/x"),
			want: KindRedirect, wantStatus: 301, wantURL: "http://example.com/x"},
		{name: "redirect to file", path: "/redirect?to=" + q("file:///etc/passwd"),
			want: KindRedirect, wantStatus: 302, wantURL: "file:///etc/passwd"},
		{name: "redirect to data", path: "/redirect?to=" + q("data:text/plain,hi"),
			want: KindRedirect, wantStatus: 302, wantURL: "data:text/plain,hi"},
		{name: "redirect with userinfo", path: "/redirect?to=" + q("https://user:secret@"+host+"/ok"),
			want: KindRedirect, wantStatus: 302, wantURL: "https://user:xxxxx@" + host + "/ok"},
		{name: "redirect with a bad Location", path: "/redirect?to=" + q("https://[::1"),
			want: KindRedirect, wantStatus: 302},
		{name: "too many redirects", path: "/loop/0", opts: Options{MaxRedirects: 3},
			want: KindRedirect, wantStatus: 302, wantLimit: 3, wantURL: srv.URL + "/loop/4", wantSent: 4},
		{name: "too many redirects by default", path: "/loop/0",
			want: KindRedirect, wantStatus: 302, wantLimit: DefaultMaxRedirects,
			wantURL: srv.URL + "/loop/11", wantSent: 11},
		{name: "redirects disabled", path: "/redirect?to=/ok", opts: Options{MaxRedirects: -1},
			want: KindRedirect, wantStatus: 302, wantLimit: 0, wantURL: srv.URL + "/ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{base: guard(t, srv.Client().Transport), only: host}
			opts := tt.opts
			opts.Transport = rec
			var buf bytes.Buffer
			start := time.Now()
			info, err := Get(t.Context(), srv.URL+tt.path, &buf, opts)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Get took %v", d)
			}
			e := asError(t, err, tt.want)
			if e.Status != tt.wantStatus {
				t.Errorf("Status = %d; want %d", e.Status, tt.wantStatus)
			}
			if e.Limit != tt.wantLimit {
				t.Errorf("Limit = %d; want %d", e.Limit, tt.wantLimit)
			}
			wantURL := tt.wantURL
			if wantURL == "" {
				wantURL = srv.URL + tt.path
			}
			if e.URL != wantURL {
				t.Errorf("Error.URL = %q; want %q", e.URL, wantURL)
			}
			if strings.Contains(e.URL, "secret") {
				t.Errorf("Error.URL reveals a password: %q", e.URL)
			}
			if buf.Len() > tt.maxWritten {
				t.Errorf("%d bytes written to w; want at most %d", buf.Len(), tt.maxWritten)
			}
			if info.Received != int64(buf.Len()) {
				t.Errorf("Info.Received = %d; %d bytes written", info.Received, buf.Len())
			}
			if tt.want == KindTimeout && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("timeout error does not wrap context.DeadlineExceeded: %v", err)
			}
			sent := rec.sent()
			for _, s := range sent {
				if u, err := url.Parse(s); err != nil || u.Scheme != "https" || u.Host != host {
					t.Errorf("request sent to %s; want only https://%s", s, host)
				}
			}
			wantSent := max(tt.wantSent, 1)
			if len(sent) != wantSent {
				t.Errorf("%d requests sent; want %d: %q", len(sent), wantSent, sent)
			}
			if len(info.Redirects) != wantSent-1 || info.FinalURL != sent[len(sent)-1] {
				t.Errorf("Redirects, FinalURL = %q, %q; want %d redirects ending at the last URL sent, %q",
					info.Redirects, info.FinalURL, wantSent-1, sent[len(sent)-1])
			}
		})
	}
}

// TestGetBadInput checks that URLs and options breaking the rules are refused
// as the caller's mistake, before any request is made.
func TestGetBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		opts Options
		want Kind
	}{
		{name: "http to a public host", url: "http://example.com/x", want: KindBadURL},
		{name: "http upper case", url: "HTTP://EXAMPLE.COM/x", want: KindBadURL},
		{name: "http to a private address", url: "http://10.0.0.1/x", want: KindBadURL},
		{name: "http to a subdomain of localhost", url: "http://cdn.localhost/x", want: KindBadURL},
		{name: "http to localhost with a trailing dot", url: "http://localhost./x", want: KindBadURL},
		{name: "http to a name that resolves to loopback", url: "http://127.0.0.1.nip.io/x", want: KindBadURL},
		{name: "http to short-form 127.1", url: "http://127.1/x", want: KindBadURL},
		{name: "http to hex loopback", url: "http://0x7f000001/x", want: KindBadURL},
		{name: "http to 0.0.0.0", url: "http://0.0.0.0/x", want: KindBadURL},
		{name: "file", url: "file:///etc/passwd", want: KindBadURL},
		{name: "file on localhost", url: "file://localhost/etc/passwd", want: KindBadURL},
		{name: "data", url: "data:text/plain,hello", want: KindBadURL},
		{name: "javascript", url: "javascript:alert(1)", want: KindBadURL},
		{name: "ftp", url: "ftp://example.com/x", want: KindBadURL},
		{name: "ws", url: "ws://localhost/x", want: KindBadURL},
		{name: "user and password", url: "https://user:secret@example.com/x", want: KindBadURL},
		{name: "user only", url: "https://user@example.com/x", want: KindBadURL},
		{name: "deceptive userinfo", url: "https://cdn.example.com@evil.example/x", want: KindBadURL},
		{name: "userinfo on loopback", url: "http://user:secret@127.0.0.1/x", want: KindBadURL},
		{name: "empty", url: "", want: KindBadURL},
		{name: "relative path", url: "/x/y", want: KindBadURL},
		{name: "scheme-relative", url: "//example.com/x", want: KindBadURL},
		{name: "no scheme", url: "example.com/x", want: KindBadURL},
		{name: "no host", url: "https:///x", want: KindBadURL},
		{name: "opaque", url: "https:example.com", want: KindBadURL},
		{name: "port only", url: "https://:443/x", want: KindBadURL},
		{name: "does not parse", url: "https://[::1/x", want: KindBadURL},
		{name: "control character", url: "https://example.com/\x00", want: KindBadURL},
		{name: "space in host", url: "https://exa mple.com/", want: KindBadURL},
		{name: "negative MaxBytes", url: "https://example.com/x", opts: Options{MaxBytes: -1}, want: KindBadOptions},
		{name: "negative Timeout", url: "https://example.com/x", opts: Options{Timeout: -time.Second}, want: KindBadOptions},
		{name: "UserAgent with a newline", url: "https://example.com/x",
			opts: Options{UserAgent: "ua\r\nX-Injected: 1"}, want: KindBadOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts
			opts.Transport = noTransport(t)
			var buf bytes.Buffer
			_, err := Get(t.Context(), tt.url, &buf, opts)
			e := asError(t, err, tt.want)
			if strings.Contains(e.URL, "secret") || strings.Contains(err.Error(), "secret") {
				t.Errorf("error reveals a password: URL %q, message %v", e.URL, err)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written", buf.Len())
			}
		})
	}
	t.Run("nil writer", func(t *testing.T) {
		t.Parallel()
		_, err := Get(t.Context(), "https://example.com/x", nil, Options{Transport: noTransport(t)})
		asError(t, err, KindBadOptions)
	})
}

// TestGetHTTPLoopback checks the plain-http exception for loopback hosts,
// including the name localhost through the default Transport.
func TestGetHTTPLoopback(t *testing.T) {
	t.Parallel()
	plain := newHTTPServer(t)
	_, port, _ := net.SplitHostPort(plain.Listener.Addr().String())
	tests := []struct {
		name             string
		url              string
		defaultTransport bool // Options.Transport nil, else the test server's
	}{
		{name: "127.0.0.1", url: plain.URL + "/ok"},
		{name: "localhost with the default Transport", url: "http://localhost:" + port + "/ok", defaultTransport: true},
		{name: "LOCALHOST with the default Transport", url: "http://LOCALHOST:" + port + "/ok", defaultTransport: true},
		{name: "IPv4-mapped loopback", url: "http://[::ffff:127.0.0.1]:" + port + "/ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts Options
			if !tt.defaultTransport {
				opts.Transport = guard(t, plain.Client().Transport)
			}
			var buf bytes.Buffer
			info, err := Get(t.Context(), tt.url, &buf, opts)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if buf.String() != okBody || info.Received != int64(len(okBody)) {
				t.Errorf("body = %q, Received = %d; want %q", buf.String(), info.Received, okBody)
			}
		})
	}
}

// TestLoopbackLocalhost checks that the default Transport dials "localhost"
// on loopback addresses and never hands the name to a resolver.
func TestLoopbackLocalhost(t *testing.T) {
	t.Parallel()
	var dialled []string
	dial := loopback.Localhost(func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialled = append(dialled, addr)
		return nil, errors.New("refused")
	})
	for _, addr := range []string{"localhost:80", "LocalHost:80", "example.com:443"} {
		dial(t.Context(), "tcp", addr)
	}
	want := []string{"127.0.0.1:80", "[::1]:80", "127.0.0.1:80", "[::1]:80", "example.com:443"}
	if !equal(dialled, want) {
		t.Errorf("dialled %q; want %q", dialled, want)
	}
}

func TestInsecureAllowHTTP(t *testing.T) {
	t.Parallel()
	plain := newHTTPServer(t)

	t.Run("loopback server", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		_, err := Get(t.Context(), plain.URL+"/ok", &buf,
			Options{InsecureAllowHTTP: true, Transport: guard(t, plain.Client().Transport)})
		if err != nil || buf.String() != okBody {
			t.Fatalf("Get = %q, %v; want %q, nil", buf.String(), err, okBody)
		}
	})

	// A public name: the request must reach the Transport (which records it
	// and fails it; nothing is resolved or sent).
	t.Run("public host is attempted", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{}
		_, err := Get(t.Context(), "http://example.com/artifact", io.Discard,
			Options{InsecureAllowHTTP: true, Transport: rec})
		asError(t, err, KindNetwork)
		if !errors.Is(err, errRecorded) {
			t.Errorf("err = %v; want it to wrap the Transport's error", err)
		}
		if sent := rec.sent(); !equal(sent, []string{"http://example.com/artifact"}) {
			t.Errorf("sent %q; want the http URL", sent)
		}
	})

	// A fake CDN redirects https down to http on a public host.
	for _, insecure := range []bool{false, true} {
		t.Run(fmt.Sprintf("https to http redirect with InsecureAllowHTTP=%v", insecure), func(t *testing.T) {
			t.Parallel()
			rec := &recorder{base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if r.URL.Scheme != "https" {
					return nil, errRecorded
				}
				h := http.Header{"Location": {"http://cdn.example/x"}}
				return &http.Response{StatusCode: 302, Header: h, Body: http.NoBody, ContentLength: 0, Request: r}, nil
			})}
			_, err := Get(t.Context(), "https://cdn.example/start", io.Discard,
				Options{InsecureAllowHTTP: insecure, Transport: rec})
			want := []string{"https://cdn.example/start"}
			if insecure {
				asError(t, err, KindNetwork)
				want = append(want, "http://cdn.example/x")
			} else {
				asError(t, err, KindRedirect)
			}
			if sent := rec.sent(); !equal(sent, want) {
				t.Errorf("sent %q; want %q", sent, want)
			}
		})
	}
}

// TestGetMisbehavingTransport holds Get to its contract when the Transport,
// not the server, breaks the rules.
func TestGetMisbehavingTransport(t *testing.T) {
	t.Parallel()
	respond := func(code int, length int64, body string, h http.Header, uncompressed bool) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if h == nil {
				h = http.Header{}
			}
			return &http.Response{StatusCode: code, Header: h, ContentLength: length,
				Body: io.NopCloser(strings.NewReader(body)), Uncompressed: uncompressed, Request: r}, nil
		})
	}
	tests := []struct {
		name      string
		transport http.RoundTripper
		want      Kind // 0 means success
	}{
		{name: "decoded body", transport: respond(200, -1, okBody, nil, true), want: KindEncoding},
		{name: "br", transport: respond(200, -1, okBody, http.Header{"Content-Encoding": {"br"}}, false), want: KindEncoding},
		{name: "identity then gzip", transport: respond(200, -1, okBody, http.Header{"Content-Encoding": {"identity, gzip"}}, false), want: KindEncoding},
		{name: "second Content-Encoding line", transport: respond(200, -1, okBody, http.Header{"Content-Encoding": {"identity", "gzip"}}, false), want: KindEncoding},
		{name: "longer than Content-Length", transport: respond(200, 5, okBody, nil, false), want: KindTruncated},
		{name: "clean EOF before Content-Length", transport: respond(200, 100, okBody, nil, false), want: KindTruncated},
		{name: "204 no content", transport: respond(204, 0, "", nil, false), want: KindStatus},
		{name: "nil body", transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: 0, Request: r}, nil
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			info, err := Get(t.Context(), "https://cdn.example/x", &buf, Options{Transport: tt.transport})
			if tt.want == 0 {
				if err != nil || info.Received != 0 {
					t.Fatalf("Get = %+v, %v; want success with nothing received", info, err)
				}
				return
			}
			asError(t, err, tt.want)
		})
	}
}

func TestGetContext(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t)

	t.Run("canceled before the call", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := Get(ctx, srv.URL+"/ok", io.Discard, Options{Transport: guard(t, srv.Client().Transport)})
		asError(t, err, KindCanceled)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v; want it to wrap context.Canceled", err)
		}
	})

	t.Run("canceled during the body", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancelCause(t.Context())
		errShutdown := errors.New("shutting down")
		start := time.Now()
		_, err := Get(ctx, srv.URL+"/slow", io.Discard, Options{
			Transport: guard(t, srv.Client().Transport),
			// The first call comes once the headers are accepted.
			Progress: func(int64, int64) { cancel(errShutdown) },
		})
		asError(t, err, KindCanceled)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errShutdown) {
			t.Errorf("err = %v; want it to wrap context.Canceled and the cause", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Get took %v after cancel", d)
		}
	})

	t.Run("caller's deadline", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := Get(ctx, srv.URL+"/slow", io.Discard, Options{Transport: guard(t, srv.Client().Transport)})
		asError(t, err, KindTimeout)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v; want it to wrap context.DeadlineExceeded", err)
		}
	})
}

func TestProgress(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t)
	tests := []struct {
		name      string
		path      string
		n         int64
		wantTotal int64
		maxCalls  int
	}{
		{name: "total known", path: "/sized?n=100000", n: 100000, wantTotal: 100000, maxCalls: 3},
		{name: "total unknown", path: "/chunked?n=100000&pieces=10", n: 100000, wantTotal: -1, maxCalls: 3},
		// 40 pieces 10ms apart: about 400ms, so at most about two
		// throttled calls besides the first and the last.
		{name: "throttled", path: "/chunked?n=4000&pieces=40&sleep=10ms", n: 4000, wantTotal: -1, maxCalls: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			type call struct{ received, total int64 }
			var calls []call
			info, err := Get(t.Context(), srv.URL+tt.path, io.Discard, Options{
				Transport: guard(t, srv.Client().Transport),
				Progress:  func(received, total int64) { calls = append(calls, call{received, total}) },
			})
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if info.Received != tt.n {
				t.Errorf("Received = %d; want %d", info.Received, tt.n)
			}
			if len(calls) < 2 || len(calls) > tt.maxCalls {
				t.Fatalf("%d calls %v; want 2 to %d", len(calls), calls, tt.maxCalls)
			}
			if first, last := calls[0], calls[len(calls)-1]; first != (call{0, tt.wantTotal}) || last != (call{tt.n, tt.wantTotal}) {
				t.Errorf("first, last call = %v, %v; want %v, %v", first, last, call{0, tt.wantTotal}, call{tt.n, tt.wantTotal})
			}
			for i := 1; i < len(calls); i++ {
				if calls[i].received < calls[i-1].received || calls[i].total != tt.wantTotal {
					t.Errorf("calls %v: not monotonic or total changed", calls)
				}
			}
		})
	}
}

func TestWriterError(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t)
	errFull := errors.New("disk full")
	w := writerFunc(func(p []byte) (int, error) { return 0, errFull })
	_, err := Get(t.Context(), srv.URL+"/ok", w, Options{Transport: guard(t, srv.Client().Transport)})
	asError(t, err, KindWrite)
	if !errors.Is(err, errFull) {
		t.Errorf("err = %v; want it to wrap the writer's error", err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestNoConnectionLeft checks that the default Transport leaves no
// connection goroutine behind, on success and on failure. It is not parallel
// so that no other test's connections are counted.
func TestNoConnectionLeft(t *testing.T) {
	plain := newHTTPServer(t)
	_, port, _ := net.SplitHostPort(plain.Listener.Addr().String())
	base := "http://localhost:" + port
	for _, path := range []string{"/ok", "/sized?n=101", "/slow", "/status?code=404"} {
		Get(t.Context(), base+path, io.Discard, Options{MaxBytes: 100, Timeout: 100 * time.Millisecond})
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "persistConn") && !strings.Contains(stacks, "http2ClientConn") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("client connection goroutines still running:\n%s", stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestKindString(t *testing.T) {
	seen := map[string]bool{}
	for k := KindBadURL; k <= KindWrite; k++ {
		s := k.String()
		if s == "" || strings.HasPrefix(s, "Kind(") || seen[s] {
			t.Errorf("Kind %d has name %q", int(k), s)
		}
		seen[s] = true
	}
	if s := Kind(0).String(); s != "Kind(0)" {
		t.Errorf("Kind(0).String() = %q", s)
	}
}

// FuzzCheckURL checks that no URL checkURL accepts breaks the rules, however
// odd its spelling.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/x", "http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]/",
		"http://example.com/x", "http://cdn.localhost/", "https://u:p@example.com/", "file:///etc/passwd",
		"data:text/plain,x", "//example.com", "https:example.com", "http://[::ffff:127.0.0.1]/", "http://127.1/",
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, insecure bool) {
		u, err := url.Parse(s)
		if err != nil || checkURL(u, insecure) != nil {
			return
		}
		if u.User != nil || u.Hostname() == "" || u.Opaque != "" {
			t.Fatalf("accepted %q: userinfo, empty host or opaque", s)
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && (insecure || isLoopbackHost(u.Hostname())):
		default:
			t.Fatalf("accepted %q (insecure=%v)", s, insecure)
		}
		if !insecure && u.Scheme == "http" {
			// The loopback exception must name loopback without a resolver.
			h := u.Hostname()
			if !strings.EqualFold(h, "localhost") {
				if ip := net.ParseIP(strings.Split(h, "%")[0]); ip == nil || !ip.IsLoopback() {
					t.Fatalf("accepted http to %q, not a loopback literal", h)
				}
			}
		}
	})
}
