package eth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/internal/redact"
)

// maxErrorBody bounds the body of a non-2xx answer [Dial]'s client reads.
const maxErrorBody = 64 << 10

// Dial connects to the JSON-RPC endpoint rawURL as ethclient.DialContext
// does, but keeps the secrets such a URL carries (an API key in its path
// or query, a user and password) out of every error the client returns:
//
//   - over http(s), the RPC client is given only scheme://host[:port]/,
//     and a transport of Dial's own puts the path, query and credentials
//     (as HTTP basic authentication) back on the request it sends; the
//     client's errors (net/http's `Post "URL": ...`) therefore name the
//     host only. The body of a non-2xx answer, which go-ethereum copies
//     into its error, is read up to 64 KiB and any spelling of the URL or
//     its long parts in it (and of the basic credentials sent) is elided,
//     as in the status line and in a JSON-RPC error of a 2xx answer of at
//     most 64 KiB. Redirects
//     are not followed: the credentials go to the endpoint given and
//     nowhere else.
//   - an http(s) URL without a host ("https:/host/v3/KEY", a slash
//     missing) is refused as bad input ([anchor.ErrBadInput]).
//   - over ws(s) and IPC, the URL is the client's; only the dial (and a
//     reconnection's dial, whose error a call returns) can name it, and
//     Dial's error is redacted. The frames are not Dial's to read: a
//     JSON-RPC error in which a ws(s) endpoint repeats its key reaches
//     the call's error as sent. A program that shows such errors passes
//     its output through [Redact] for the URL (the example programs,
//     archivist and verifier, pass everything they write through it);
//     otherwise prefer https for a keyed endpoint.
//
// Name an endpoint in messages by [EndpointName], never by rawURL. For an
// http(s) URL nothing is sent until the first call.
func Dial(ctx context.Context, rawURL string) (*ethclient.Client, error) {
	trimmed := strings.TrimSpace(rawURL)
	u, err := url.Parse(trimmed)
	if isHTTP(trimmed) && (err != nil || u.Host == "" || u.Opaque != "") {
		// go-ethereum would take it and put it whole in every call's
		// error (`Post "https:/host/v3/KEY": http: no Host in request URL`).
		return nil, fmt.Errorf("%w: eth: RPC endpoint %s: an http(s) URL without a host", anchor.ErrBadInput, EndpointName(rawURL))
	}
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		c, err := ethclient.DialContext(ctx, rawURL)
		if err != nil {
			return nil, redact.Wrap(err, rawURL)
		}
		return c, nil
	}
	t := newSecretURLTransport(http.DefaultTransport, u, rawURL)
	hc := &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errRedirect
		},
	}
	rc, err := rpc.DialOptions(ctx, t.public, rpc.WithHTTPClient(hc))
	if err != nil {
		return nil, redact.Wrap(err, rawURL)
	}
	return ethclient.NewClient(rc), nil
}

// isHTTP reports whether raw's scheme is http or https, in any case.
func isHTTP(raw string) bool {
	scheme, _, ok := strings.Cut(raw, ":")
	return ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https"))
}

// EndpointName is how a message names the endpoint rawURL: its scheme,
// host and port, and "/…" if a path, query or user information was left
// out (https://mainnet.infura.io/…).
func EndpointName(rawURL string) string { return redact.URL(rawURL) }

// Redact returns s with every spelling of the endpoint URL rawURL (as
// given, as net/url prints it, quoted, escaped) replaced by
// [EndpointName]'s form, and then each long part of it that may be a key
// (a path segment, a query value or name, a user or password of 8 bytes
// or more) by "…"; s as it is when rawURL is only scheme://host[:port]
// (nothing of it is secret). It is what Dial's errors pass through, for a
// program to pass its output through as well: the messages of a ws(s)
// endpoint reach a call's error as the endpoint sent them.
func Redact(s, rawURL string) string { return redact.String(s, rawURL) }

var errRedirect = errors.New("eth: the RPC endpoint answered with a redirect, not followed")

// secretURLTransport sends the requests the RPC client makes to public
// (all of them) to the real URL, credentials included.
type secretURLTransport struct {
	base   http.RoundTripper
	public string
	real   *url.URL
	raw    string
	names  *redact.Redactor // raw's spellings, worked out once
	cred   string           // the basic credentials made from real's user, base64
}

// newSecretURLTransport returns the transport sending the RPC client's
// requests for real's public URL to real (raw as given), over base.
func newSecretURLTransport(base http.RoundTripper, real *url.URL, raw string) *secretURLTransport {
	// As the client's request URL will print: an IPv6 zone escaped
	// ([::1%25lo]), an empty port dropped (as http.NewRequest does).
	public := (&url.URL{Scheme: real.Scheme, Host: strings.TrimSuffix(real.Host, ":"), Path: "/"}).String()
	t := &secretURLTransport{base: base, public: public, real: real, raw: raw, names: redact.New(raw)}
	if real.User != nil {
		pw, _ := real.User.Password()
		// As an echoed Authorization header shows it (padding aside).
		t.cred = strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(real.User.Username()+":"+pw)), "=")
	}
	return t
}

// redact elides from s the URL's spellings and long parts, and the
// basic credentials made from its user and password (an error page
// repeating the request's headers shows them).
func (t *secretURLTransport) redact(s string) string {
	s = t.names.String(s)
	if len(t.cred) >= 8 {
		s = strings.ReplaceAll(s, t.cred, redact.Elided)
	}
	return s
}

func (t *secretURLTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() != t.public {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("eth: a request to %s, not the RPC endpoint: not sent", redact.URL(req.URL.String()))
	}
	r := req.Clone(req.Context())
	u := *t.real
	u.User = nil
	r.URL = &u
	if t.real.User != nil && r.Header.Get("Authorization") == "" {
		pw, _ := t.real.User.Password()
		r.SetBasicAuth(t.real.User.Username(), pw)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, redact.Wrap(err, t.raw)
	}
	resp.Request = req
	// rpc.HTTPError copies the status line, reason phrase included.
	resp.Status = t.redact(resp.Status)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		if err != nil {
			return nil, redact.Wrap(err, t.raw)
		}
		body = []byte(t.redact(string(body)))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
		resp.Header.Del("Location")
		return resp, nil
	}
	return t.redactRPCError(resp)
}

// redactRPCError elides the URL's keys from a 2xx answer that holds a
// JSON-RPC error: go-ethereum puts the error's message and data in the
// call's error, and a provider refusing a call may name the key there
// ("project KEY over quota"). Only an answer of at most maxErrorBody bytes
// holding `"error"` is rewritten, elisions standing in JSON strings; a
// result is passed as it came, so no answer is altered unless it is an
// error (or a batch holding one) that repeats the key.
func (t *secretURLTransport) redactRPCError(resp *http.Response) (*http.Response, error) {
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	if err != nil {
		resp.Body.Close()
		return nil, redact.Wrap(err, t.raw)
	}
	if len(head) > maxErrorBody || !bytes.Contains(head, []byte(`"error"`)) {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	body := t.redact(string(head))
	if body != string(head) {
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
	}
	resp.Body = io.NopCloser(strings.NewReader(body))
	return resp, nil
}
