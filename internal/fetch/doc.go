// Package fetch downloads untrusted content over HTTPS with every dimension
// bounded: the URL schemes it will speak, the redirects it will follow, the
// bytes it will read and the time it will take. The verifier uses it to
// download a live artifact from a CDN and to fetch an HTML page and its
// subresources, then hashes what it got.
//
// The verb is [Get]. It writes the body to an [io.Writer] the caller
// chooses (a hasher, a file, a buffer) and returns an [Info] describing the
// exchange. [Post] is the same for a read-only query an API offers only as
// a POST with a small body (at most [MaxPostBytes]), such as a search. The
// error is nil only if the whole body, exactly as the server sent it, was
// written:
//
//	h := sha256.New()
//	info, err := fetch.Get(ctx, "https://cdn.example.com/app.js", h, fetch.Options{})
//	var fe *fetch.Error
//	switch {
//	case errors.As(err, &fe) && fe.BadInput():
//		// The URL or options are wrong: the caller's mistake.
//	case err != nil:
//		// Could not fetch: report "could not check", never a match.
//	default:
//		sum := h.Sum(nil) // the digest of info.Received bytes
//	}
//
// On error, w may already hold part of a body; the caller must discard it.
// [Info] is returned on error too, filled in as far as the fetch got, for a
// person to debug with; it is never evidence of a complete body.
//
// # URLs
//
// The URL given to [Get] must parse, be absolute, have a host, and use the
// https scheme. Plain http is allowed only to a loopback host — an IPv4
// literal in 127.0.0.0/8, the IPv6 literal ::1 (also IPv4-mapped, as
// [::ffff:127.0.0.1]), or the name "localhost" in any case — or to any host
// when [Options.InsecureAllowHTTP] is set. Other names are not loopback for
// this rule, even if they resolve there: "*.localhost" and "localhost." are
// resolved by Go through /etc/hosts and DNS like any name, and spellings such
// as 127.1 or 0x7f000001 are refused. The default Transport dials the name
// "localhost" as 127.0.0.1 and then ::1 and never resolves it, so the http
// exception cannot be steered to another machine through the resolver.
// Every other scheme — file, data, javascript, ftp, ws — is refused.
//
// A URL with user information (https://user:password@host/) is refused. This
// package fetches public content, so credentials have no use here, and they
// would leak: URLs are recorded in [Info] and [Error], which end up in
// reports and logs. The form is also a known disguise:
// https://cdn.example.com@evil.example/ fetches from evil.example. Where a
// URL with a password is recorded anyway (a refused URL or redirect target),
// the password is replaced by "xxxxx"; only a URL that does not parse at all
// is recorded as given.
//
// A URL breaking these rules is an [Error] of kind [KindBadURL], returned
// before any connection is made; [Error.BadInput] tells it apart from a
// failure to fetch.
//
// # Redirects
//
// Get follows the redirects 301, 302, 303, 307 and 308 itself, always with a
// GET and without a body, cookies, credentials or a Referer. Before it sends
// anything to a redirect target, it holds the target to the same rules as
// the first URL: an https page redirecting to plain http on a public host is
// refused, and nothing is sent to that host. A redirect to http on a
// loopback host is allowed, as the first URL would be. At most
// [Options.MaxRedirects] redirects are followed (default 10; negative means
// none). A refused redirect is a [KindRedirect] error whose [Error.URL] is
// the refused target. A redirect without a Location header, or with one that
// does not parse, is a [KindRedirect] error too. [Post] follows only 307 and
// 308, sending the same method and body again, and refuses 301, 302 and
// 303. Each target followed is recorded in [Info.Redirects]; [Info.FinalURL]
// is the last URL requested.
//
// # Responses
//
// Only 200 OK is success. Any other final status — 404 and 500, but also
// 203 (a proxy changed the payload), 204, 206 (a partial body; Get never
// asks for ranges) and 304 — is a [KindStatus] error carrying the status
// code, and nothing of its body is read or written.
//
// Get asks for "Accept-Encoding: identity", which also stops net/http from
// asking for gzip and decoding it. A response that is encoded anyway
// (Content-Encoding other than identity) or that a Transport decoded is a
// [KindEncoding] error: the caller hashes bytes, and a gzip body is not the
// artifact.
//
// The body is limited to [Options.MaxBytes] (default 256 MiB). A response
// declaring a larger Content-Length is refused before any of its body is
// read; a body found to be larger while reading is refused once the limit
// is passed. Either is a [KindTooLarge] error, and w never receives more
// than MaxBytes bytes.
//
// A body that ends before its Content-Length, or a chunked body that ends
// without its terminating chunk, is a [KindTruncated] error: a short body is
// never passed off as complete. A response with neither Content-Length nor
// chunked encoding (HTTP/1.0 style, delimited by closing the connection)
// cannot show truncation; Get accepts it, and [Info.ContentLength] is -1.
//
// A 0-byte body is not an error here: Get returns a nil error with
// [Info.Received] 0, and the caller decides whether an empty artifact is
// acceptable.
//
// # Time
//
// [Options.Timeout] (default two minutes) bounds the whole call — connecting,
// TLS, every redirect, the headers and the whole body — as does a deadline
// on the context passed to Get. Running out of time is a [KindTimeout] error
// wrapping [context.DeadlineExceeded]; a slow body is cut off, not waited
// for. Cancelling the context is a [KindCanceled] error wrapping
// [context.Canceled] (and the cancellation cause, if any).
//
// # Transport
//
// With [Options.Transport] nil, each call uses a Transport of its own, built
// from scratch rather than cloned from [http.DefaultTransport] (so nothing
// another package set there is inherited): no proxy (environment variables
// such as HTTPS_PROXY are ignored, so traffic is never silently sent
// elsewhere), certificates verified against the system roots, TLS 1.2 or
// later, and no keep-alive: its connections are closed when Get returns, so
// no connection, and no goroutine serving one, is kept after the call. Get
// starts no goroutine of its own.
//
// A Transport given in Options is used as is, and the caller owns it: its
// proxy, TLS and connection-pool settings, the goroutines of its idle
// connections. It must honour the request's context (net/http's does), or
// Timeout cannot be enforced, and it must deliver bodies as sent. Tests pass
// the Transport of an [net/http/httptest.Server]'s client.
//
// # Errors
//
// Every error Get returns is an [*Error]. Switch on its [Kind], never on its
// message. [KindBadURL] and [KindBadOptions] are the caller's mistake and
// nothing was sent ([Error.BadInput] reports true); every other kind —
// [KindRedirect], [KindStatus], [KindTooLarge], [KindTruncated],
// [KindEncoding], [KindTimeout], [KindCanceled], [KindNetwork], [KindWrite] —
// means the content could not be fetched, and a verifier reports it as
// "could not check". [Error.Status] and [Error.Limit] carry the status code
// and the limit that applied; [Error.Unwrap] gives the cause. The message
// reads "URL: what happened", for example
//
//	https://cdn.example.com/app.js: body exceeds limit of 268435456 bytes
//
// # What it does not do
//
// It does not verify anything about the content: the caller hashes and
// compares. It does not decompress, retry, cache, send conditional or range
// requests, send cookies or credentials, or follow a redirect it has not
// checked. It does not parse HTML or find subresources. It does not protect
// against server-side request forgery: http to loopback is allowed, and
// https to private addresses is not blocked, because the verifier runs on
// the user's own machine for the user. It does not pin certificates, and it
// cannot detect truncation of a body delimited only by closing the
// connection. The header fields in [Info] are copied as the server sent
// them, unchecked.
package fetch
