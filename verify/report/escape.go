package report

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// clean returns s in printable ASCII, so that no value of a report can
// carry a control character, a terminal escape sequence, an invisible or
// bidirectional Unicode character, an emoji or a backtick into a rendering.
// A newline, carriage return and tab are written \n, \r, \t; other control
// bytes and invalid UTF-8 \xNN; the backtick \x60 and the backslash \\;
// other non-ASCII characters \uNNNN or \UNNNNNNNN; and a space at either
// end \x20, so that it stays visible.
func clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '`':
			b.WriteString(`\x60`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += n
	}
	out := b.String()
	inner := strings.TrimLeft(out, " ")
	lead := len(out) - len(inner)
	out = inner
	inner = strings.TrimRight(out, " ")
	trail := len(out) - len(inner)
	if lead == 0 && trail == 0 {
		return inner
	}
	return strings.Repeat(`\x20`, lead) + inner + strings.Repeat(`\x20`, trail)
}

// none stands for an empty value in the renderings. A value of "—" is
// written \u2014, so the two cannot be confused.
const none = "—"

// code renders s as Markdown inline code. Inside a code span Markdown,
// HTML, links and :emoji: codes are not interpreted, and after clean it
// holds no backtick or line break, so nothing can end it early. In a table
// cell "|" is escaped as "\|" (GFM reads a backslash-escaped pipe as part of
// the cell, even in code); since clean doubles every backslash, the pipe
// cannot be "un-escaped" by a backslash before it.
func code(s string, inTable bool) string {
	c := clean(s)
	if c == "" {
		return none
	}
	if inTable {
		c = strings.ReplaceAll(c, "|", `\|`)
	}
	return "`" + c + "`"
}

// prose renders s as Markdown text: as itself when it is plain words
// (see plain), otherwise as inline code. Empty stays empty.
func prose(s string, inTable bool) string {
	if s == "" {
		return ""
	}
	if c := clean(s); plain(c) {
		return c
	}
	return code(s, inTable)
}

// plain reports whether s means the same as Markdown text as it does as
// plain text on GitHub: made only of letters, digits, spaces and
// ,.;:'"/=?%()- (no emphasis, link, HTML, entity, math, table or escape
// syntax), with nothing GitHub would turn into a link ("://", "www.") or an
// emoji (":name:").
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(` ,.;:'"/=?%()-`, c) >= 0:
		default:
			return false
		}
	}
	l := strings.ToLower(s)
	return !strings.Contains(l, "://") && !strings.Contains(l, "www.") && !hasShortcode(s)
}

// hasShortcode reports whether s holds something like ":white_check_mark:",
// which GitHub renders as an emoji outside code.
func hasShortcode(s string) bool {
	for {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			return false
		}
		s = s[i+1:]
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return false
		}
		if j > 0 && !strings.ContainsAny(s[:j], " \t") {
			return true
		}
	}
}

// safeURL reports whether s may be written as a Markdown link destination
// or a bare autolink: an absolute http or https URL with a host, made only
// of characters that cannot end a link, open markup, form an HTML entity
// (";") or GitHub math ("$"), and holding no :emoji: code.
func safeURL(s string) bool {
	if len(s) > 2048 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(`-._:/?#@!&+,=%`, c) >= 0:
		default:
			return false
		}
	}
	if hasShortcode(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// link renders a link with the given (already rendered) text to target, or
// the text followed by the target as code when target is not a safe URL.
func link(text, target string) string {
	if safeURL(target) {
		return "[" + text + "](" + target + ")"
	}
	return text + " (" + code(target, false) + ")"
}

// bareURL renders u as a bare autolink when it is safe, else as code.
func bareURL(u string) string {
	if safeURL(u) {
		return u
	}
	return code(u, false)
}

// shorten cuts a long digest for a table cell: a hex digest to its first
// 16 digits and "...", an SRI value ("sha384-<base64>") to its algorithm
// and first 11 base64 characters and "..." (64 bits either way). Any other
// value is returned as it is.
func shorten(v string) string {
	if len(v) > 16 && isHex(v) {
		return v[:16] + "..."
	}
	alg, b64, ok := strings.Cut(v, "-")
	if ok && (alg == "sha256" || alg == "sha384" || alg == "sha512") && len(b64) > 11 && isBase64(b64) {
		return alg + "-" + b64[:11] + "..."
	}
	return v
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("+/=-_", c) >= 0) {
			return false
		}
	}
	return true
}

// isSize reports whether v reads "123456 bytes", which tables show as
// plain text.
func isSize(v string) bool {
	n, ok := strings.CutSuffix(v, " bytes")
	if !ok || n == "" || len(n) > 19 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// valueCells renders the expected and actual values of a table row,
// shortened unless shortening would make different values look equal.
func valueCells(expected, actual string) (string, string) {
	e, a := shorten(expected), shorten(actual)
	if e == a && expected != actual {
		e, a = expected, actual
	}
	return valueCell(e), valueCell(a)
}

func valueCell(v string) string {
	if isSize(v) {
		return v
	}
	return code(v, true)
}
