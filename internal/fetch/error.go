package fetch

import (
	"fmt"
	"net/http"
)

// Kind classifies an [Error]. The zero Kind is not used by this package.
type Kind int

// The kinds of [Error]. Only [KindBadURL] and [KindBadOptions] are the
// caller's fault (see [Error.BadInput]); every other kind describes what the
// server, the network or the caller's writer did.
const (
	// KindBadURL: the URL passed to [Get] was refused before any
	// connection was made: it does not parse, is not absolute, has a scheme
	// other than https (or http to a loopback host, or http with
	// [Options.InsecureAllowHTTP]), or carries user information.
	KindBadURL Kind = iota + 1

	// KindBadOptions: a field of [Options] is out of range (a negative
	// MaxBytes or Timeout, a UserAgent with control characters), or the
	// context or writer is nil. Nothing was sent.
	KindBadOptions

	// KindRedirect: a redirect was refused, before it was followed: its
	// Location is missing or does not parse, its target breaks the rules for
	// URLs, or following it would exceed [Options.MaxRedirects].
	// [Error.URL] is the refused target (when it parsed) and [Error.Status]
	// the redirect's status code.
	KindRedirect

	// KindStatus: the final response's status is not 200 OK. [Error.Status]
	// holds it. No body was read or written.
	KindStatus

	// KindTooLarge: the body is longer than [Options.MaxBytes] (either
	// declared so by Content-Length, in which case nothing was read, or found
	// so while reading). [Error.Limit] holds the limit.
	KindTooLarge

	// KindTruncated: the body ended before the length the server declared
	// (Content-Length, or the end marker of the chunked encoding), or a
	// misbehaving Transport returned a body whose length disagrees with
	// Content-Length.
	KindTruncated

	// KindEncoding: the response has a Content-Encoding other than identity
	// (gzip, br, …) or was decoded by the Transport. The bytes on the wire
	// are not the entity being fetched, so they are refused rather than
	// decoded.
	KindEncoding

	// KindTimeout: the request did not complete, body included, within
	// [Options.Timeout] or before the deadline of the caller's context, or
	// the Transport reported a timeout of its own. The error wraps
	// [context.DeadlineExceeded] when a deadline was the cause.
	KindTimeout

	// KindCanceled: the caller's context was canceled. The error wraps
	// [context.Canceled].
	KindCanceled

	// KindNetwork: the request failed in transit: DNS, connect, TLS
	// (including certificate verification), a malformed response, a reset
	// connection.
	KindNetwork

	// KindWrite: writing the body to the caller's [io.Writer] failed.
	KindWrite
)

var kindNames = [...]string{
	KindBadURL:     "bad-url",
	KindBadOptions: "bad-options",
	KindRedirect:   "redirect",
	KindStatus:     "status",
	KindTooLarge:   "too-large",
	KindTruncated:  "truncated",
	KindEncoding:   "encoding",
	KindTimeout:    "timeout",
	KindCanceled:   "canceled",
	KindNetwork:    "network",
	KindWrite:      "write",
}

// String returns a short lower-case name for k, such as "too-large", or
// "Kind(n)" for a value that is not one of the constants.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is the only error type [Get] returns: every failure is an *Error.
// Use [errors.As] to get at it and switch on Kind; do not match the message.
type Error struct {
	// Kind says what went wrong.
	Kind Kind

	// URL is the URL the failure concerns: the request's URL, or for
	// KindRedirect the refused redirect target. A password in it is
	// replaced by "xxxxx". For a URL that did not parse it is the string
	// given.
	URL string

	// Status is the HTTP status code for KindStatus and KindRedirect,
	// otherwise 0.
	Status int

	// Limit is the byte limit for KindTooLarge and the redirect limit when
	// KindRedirect is due to too many redirects; otherwise 0.
	Limit int64

	// Err is the underlying cause, if any. For KindTimeout and KindCanceled
	// it wraps the context error.
	Err error
}

// Error returns a message for a person, of the form "URL: what happened".
func (e *Error) Error() string {
	var what string
	switch e.Kind {
	case KindBadURL:
		what = "refused URL"
	case KindBadOptions:
		what = "invalid options"
	case KindRedirect:
		what = "refused redirect"
		if e.Status != 0 {
			what = fmt.Sprintf("refused redirect (HTTP %d)", e.Status)
		}
	case KindStatus:
		what = fmt.Sprintf("HTTP status %d", e.Status)
		if t := http.StatusText(e.Status); t != "" {
			what += " " + t
		}
	case KindTooLarge:
		what = fmt.Sprintf("body exceeds limit of %d bytes", e.Limit)
	case KindTruncated:
		what = "body truncated"
	case KindEncoding:
		what = "refused content encoding"
	case KindTimeout:
		what = "timed out"
	case KindCanceled:
		what = "canceled"
	case KindNetwork:
		what = "request failed"
	case KindWrite:
		what = "writing body failed"
	default:
		what = e.Kind.String()
	}
	msg := what
	if e.URL != "" {
		msg = e.URL + ": " + what
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// BadInput reports whether the error is the caller's mistake (KindBadURL or
// KindBadOptions), found before anything was sent. Every other kind is a
// failure to fetch the content, not a mistake in the call.
func (e *Error) BadInput() bool {
	return e.Kind == KindBadURL || e.Kind == KindBadOptions
}
