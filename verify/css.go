package verify

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// cssImports returns the URL of every @import rule in a style sheet's
// text, as written (CSS escapes decoded). It skips comments and strings,
// and decodes escapes in the at-keyword ("@\69mport" is "@import") and in
// the URL. ok is false when an @import is there but its URL cannot be read,
// so the caller reports it rather than passing the page. It is not a CSS
// parser: an @import anywhere (even where a browser would ignore it) is
// returned.
func cssImports(css string) (urls []string, ok bool) {
	for i := 0; i < len(css); {
		switch c := css[i]; {
		case c == '/' && strings.HasPrefix(css[i:], "/*"):
			end := strings.Index(css[i+2:], "*/")
			if end < 0 {
				return urls, true
			}
			i += 2 + end + 2
		case c == '"' || c == '\'':
			_, n := cssString(css[i:])
			i += n
		case c == '\\':
			i += 2
		case c == '@':
			name, n := cssIdent(css[i+1:])
			i += 1 + n
			if !strings.EqualFold(name, "import") {
				continue
			}
			u, n, found := cssImportURL(css[i:])
			if !found {
				return urls, false
			}
			i += n
			urls = append(urls, u)
		default:
			i++
		}
	}
	return urls, true
}

// cssImportURL reads the string or url() that follows @import.
func cssImportURL(s string) (string, int, bool) {
	i := skipCSSSpace(s, 0)
	if i >= len(s) {
		return "", i, false
	}
	if s[i] == '"' || s[i] == '\'' {
		v, n := cssString(s[i:])
		return v, i + n, true
	}
	name, n := cssIdent(s[i:])
	if !strings.EqualFold(name, "url") || i+n >= len(s) || s[i+n] != '(' {
		return "", i, false
	}
	i = skipCSSSpace(s, i+n+1)
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		v, n := cssString(s[i:])
		return v, i + n, true
	}
	var b strings.Builder
	for i < len(s) && s[i] != ')' {
		if s[i] == '\\' {
			r, n := cssEscape(s[i+1:])
			b.WriteRune(r)
			i += 1 + n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	if i >= len(s) {
		return "", i, false
	}
	return strings.TrimRight(b.String(), " \t\n\f\r"), i + 1, true
}

func skipCSSSpace(s string, i int) int {
	for i < len(s) && strings.IndexByte(" \t\n\f\r", s[i]) >= 0 {
		i++
	}
	return i
}

// cssString decodes the string that starts s (with its quote) and returns
// its value and the bytes read. An unterminated string ends at a newline
// or the end, as in the CSS tokenizer.
func cssString(s string) (string, int) {
	q := s[0]
	var b strings.Builder
	i := 1
	for i < len(s) {
		switch c := s[i]; c {
		case q:
			return b.String(), i + 1
		case '\n':
			return b.String(), i
		case '\\':
			if i+1 < len(s) && strings.IndexByte("\n\f\r", s[i+1]) >= 0 {
				i += 2 // an escaped newline continues the string
				continue
			}
			r, n := cssEscape(s[i+1:])
			b.WriteRune(r)
			i += 1 + n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), i
}

// cssIdent decodes the identifier that starts s and returns it and the
// bytes read.
func cssIdent(s string) (string, int) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 0x80:
			b.WriteByte(c)
			i++
		case c == '\\' && i+1 < len(s) && s[i+1] != '\n':
			r, n := cssEscape(s[i+1:])
			b.WriteRune(r)
			i += 1 + n
		default:
			return b.String(), i
		}
	}
	return b.String(), i
}

// cssEscape decodes the escape after a backslash: up to six hex digits and
// one whitespace, or one code point.
func cssEscape(s string) (rune, int) {
	if s == "" {
		return utf8.RuneError, 0
	}
	n := 0
	for n < len(s) && n < 6 && strings.IndexByte("0123456789abcdefABCDEF", s[n]) >= 0 {
		n++
	}
	if n == 0 {
		r, size := utf8.DecodeRuneInString(s)
		return r, size
	}
	v, _ := strconv.ParseUint(s[:n], 16, 32)
	if n < len(s) && strings.IndexByte(" \t\n\f\r", s[n]) >= 0 {
		n++
	}
	if v == 0 || v > utf8.MaxRune || v >= 0xD800 && v <= 0xDFFF {
		return utf8.RuneError, n
	}
	return rune(v), n
}
