// Package redact keeps the secrets an endpoint URL carries out of
// messages. RPC providers put API keys in the URL — in its path
// (https://mainnet.infura.io/v3/KEY), its query (?apikey=KEY) or its user
// information (https://user:password@host/) — and clients copy the URL
// into their errors (net/http's *url.Error reads `Post "URL": ...`).
// Errors reach terminals, logs, JSON output and CI transcripts, so a
// program names such an endpoint only by [URL]'s redacted form, and wraps
// every error that may hold the URL with [Wrap].
//
// It is the one place that decides what of an endpoint URL may be shown:
// its scheme, host and port. Everything else is elided.
package redact

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Elided is what stands for the parts of a URL (or the secrets in a
// message) that are not shown.
const Elided = "…"

// NotShown names an endpoint that is not an absolute URL with a host (a
// typing mistake, an IPC path): nothing of it can be shown safely.
const NotShown = "<not an absolute URL: not shown>"

// minPiece is the shortest part of a URL (a path segment, a query value,
// a user name or password) that [String] also removes when it appears on
// its own. Shorter parts ("v3", "1") are too common in messages to
// replace and too short to be keys; they still go with the whole URL.
const minPiece = 8

// URL returns how a message may name the endpoint raw:
// scheme://host[:port], followed by "/…" when anything else was given
// (user information, a path other than "/", a query or a fragment), so a
// reader can tell that something was elided. A string that does not parse
// as an absolute URL with a host is [NotShown].
func URL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return NotShown
	}
	// The host as parsed; a host holding a character a URL cannot show is
	// refused rather than shown.
	host := u.Host
	if strings.ContainsAny(host, " \t\r\n\"'<>\\`{}|^%@") || !isPrintable(host) {
		return NotShown
	}
	s := strings.ToLower(u.Scheme) + "://" + host
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawPath != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return s + "/" + Elided
	}
	return s + "/"
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x21 || r == 0x7f || !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// String returns s as it is when raw is scheme://host[:port][/] (nothing
// of it is secret); otherwise s with every spelling of the URL raw — as
// given, as net/url prints it (also with its password masked as net/http
// does, or dropped), quoted as %q prints it, query- and path-escaped, its
// escapes' hex digits in either case — replaced by URL(raw), and then
// every secret-looking part of it (user information, the query, path
// segments and query parameters' values and names of 8 bytes or more)
// replaced by [Elided]. A caller redacting many messages for one URL
// makes a [Redactor] once instead.
func String(s, raw string) string {
	if raw == "" || s == "" {
		return s
	}
	return New(raw).String(s)
}

// A Redactor is [String] for one URL, its spellings worked out once: for
// a caller that cleans every message of an endpoint (a transport
// redacting each answer's body).
type Redactor struct {
	shown         string   // URL(raw)
	forms, pieces []string // spellings(raw); none when nothing is secret
}

// New returns the [Redactor] of the URL raw.
func New(raw string) *Redactor {
	r := &Redactor{shown: URL(raw)}
	if raw == "" || (r.shown != NotShown && !strings.HasSuffix(r.shown, Elided)) {
		// scheme://host[:port][/]: nothing to hide, and replacing
		// "http://h:1" in a message's "http://h:1/" made "http://h:1//".
		return r
	}
	r.forms, r.pieces = spellings(raw)
	// A piece that is part of what is shown (the host) stays.
	r.pieces = slices.DeleteFunc(r.pieces, func(p string) bool { return strings.Contains(r.shown, p) })
	return r
}

// String returns s redacted as [String](s, raw) does.
func (r *Redactor) String(s string) string {
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, r.shown)
	}
	for _, p := range r.pieces {
		s = strings.ReplaceAll(s, p, Elided)
	}
	return s
}

// spellings returns the forms of the whole URL raw a message may hold,
// and its secret-looking parts, each list longest first.
func spellings(raw string) (forms, pieces []string) {
	add := func(list *[]string, v string) {
		if v != "" && !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	addQuoted := func(list *[]string, v string) {
		add(list, v)
		if q := strconv.Quote(v); len(q) > 2 {
			add(list, q[1:len(q)-1])
		}
		add(list, url.QueryEscape(v))
		add(list, url.PathEscape(v))
		// An echo may spell an escape's hex digits in either case.
		add(list, escapesCased(v, false))
		add(list, escapesCased(v, true))
	}
	addQuoted(&forms, raw)
	addQuoted(&forms, strings.TrimSpace(raw))
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil {
		addQuoted(&forms, u.String())
		addQuoted(&forms, u.Redacted())
		if u.User != nil {
			// net/http's *url.Error masks a password as "***".
			m := *u
			if _, ok := u.User.Password(); ok {
				m.User = url.UserPassword(u.User.Username(), "***")
				addQuoted(&forms, m.String())
			}
			m.User = nil
			addQuoted(&forms, m.String())
			addPiece := func(v string) {
				if len(v) >= minPiece {
					addQuoted(&pieces, v)
				}
			}
			addPiece(u.User.String())
			addPiece(u.User.Username())
			if p, ok := u.User.Password(); ok {
				addPiece(p)
			}
		}
		for _, p := range []string{u.EscapedPath(), u.Path, u.RawQuery, u.Fragment} {
			if len(p) >= minPiece {
				addQuoted(&pieces, p)
			}
		}
		for seg := range strings.SplitSeq(u.EscapedPath(), "/") {
			if len(seg) >= minPiece {
				addQuoted(&pieces, seg)
				if v, err := url.PathUnescape(seg); err == nil {
					addQuoted(&pieces, v)
				}
			}
		}
		if q, err := url.ParseQuery(u.RawQuery); err == nil {
			for _, vs := range q {
				for _, v := range vs {
					if len(v) >= minPiece {
						addQuoted(&pieces, v)
					}
				}
			}
		}
		// Each parameter's name and value as given, split at & and ; (which
		// ParseQuery refuses): a key may stand without a name
		// (?network=mainnet&KEY) or be the name.
		for kv := range strings.FieldsFuncSeq(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
			name, v, _ := strings.Cut(kv, "=")
			for _, p := range []string{name, v} {
				if len(p) >= minPiece {
					addQuoted(&pieces, p)
					if d, err := url.QueryUnescape(p); err == nil {
						addQuoted(&pieces, d)
					}
				}
			}
		}
	}
	byLength := func(a, b string) int { return len(b) - len(a) }
	slices.SortStableFunc(forms, byLength)
	slices.SortStableFunc(pieces, byLength)
	return forms, pieces
}

// An Error is an error whose message may hold a secret-bearing URL, shown
// with every spelling of that URL replaced as [String] does. It wraps the
// original: errors.Is and errors.As find the sentinels and causes beneath
// it as before.
type Error struct {
	Err error  // the original error
	raw string // the URL to keep out of the message
}

// Wrap returns err as an [*Error] keeping the URL raw out of its message;
// nil for a nil err.
func Wrap(err error, raw string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, raw: raw}
}

// Error returns the original message with the URL redacted.
func (e *Error) Error() string { return String(e.Err.Error(), e.raw) }

// Unwrap returns the original error.
func (e *Error) Unwrap() error { return e.Err }

// escapesCased returns v with the hex digits of each percent-escape
// (%2f) in lower or upper case.
func escapesCased(v string, upper bool) string {
	if !strings.Contains(v, "%") {
		return v
	}
	b := []byte(v)
	for i := 0; i+2 < len(b); i++ {
		if b[i] != '%' || !isHex(b[i+1]) || !isHex(b[i+2]) {
			continue
		}
		for j := i + 1; j <= i+2; j++ {
			if upper && b[j] >= 'a' && b[j] <= 'f' {
				b[j] -= 'a' - 'A'
			} else if !upper && b[j] >= 'A' && b[j] <= 'F' {
				b[j] += 'a' - 'A'
			}
		}
		i += 2
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
