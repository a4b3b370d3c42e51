package release

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ats-run/selfattest/attest"
	"golang.org/x/net/html"
)

// maxPageRefs bounds the <script> and <link> elements one page may hold.
const maxPageRefs = 4096

// span locates one attribute of a tag in a page, as byte offsets into the
// page.
type span struct {
	keyEnd           int  // just after the attribute's name
	valStart, valEnd int  // the value, inside its quotes if quoted
	quote            byte // '"', '\'' or 0 (unquoted, or no value)
	hasValue         bool // the attribute has "=" and a value
}

// pageRef is a <script src> or <link href> of a page.
type pageRef struct {
	tag          string // "script" or "link"
	ref          string // the src or href value, decoded, surrounding whitespace trimmed
	refAt        span
	integrity    string // the integrity value, decoded
	hasIntegrity bool
	integrityAt  span
}

// rawAttr is one attribute as lexAttrs finds it in a tag's raw bytes.
type rawAttr struct {
	key string // lower-cased, NUL as U+FFFD, as the tokenizer reports it
	at  span   // offsets relative to the tag's start
}

// scanPage finds every <script src> and <link href> of page with the exact
// byte offsets of their src, href and integrity values. It tokenizes with
// golang.org/x/net/html, so script bodies, comments and broken markup are
// read as a browser reads them, and locates the attributes by lexing each
// tag's raw bytes the way that tokenizer does; if the two ever disagree
// on a tag's attributes the page is refused rather than edited at a
// guessed place. A page with <base href> is refused: its references
// resolve against a URL this package does not know. Errors wrap
// [attest.ErrBadInput].
func scanPage(page []byte) ([]pageRef, error) {
	z := html.NewTokenizer(bytes.NewReader(page))
	var refs []pageRef
	off := 0
	for {
		tt := z.Next()
		start := off
		off += len(z.Raw())
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				return nil, fmt.Errorf("%w: html: %w", attest.ErrBadInput, z.Err())
			}
			if off != len(page) {
				return nil, fmt.Errorf("%w: html: tokens cover %d of %d bytes", attest.ErrBadInput, off, len(page))
			}
			return refs, nil
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		if off > len(page) {
			return nil, fmt.Errorf("%w: html: tokens run past the page", attest.ErrBadInput)
		}
		raw := page[start:off]
		name, hasAttr := z.TagName()
		tag := string(name)
		if tag != "script" && tag != "link" && tag != "base" {
			continue
		}
		var keys, vals []string
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			keys = append(keys, string(k))
			vals = append(vals, string(v))
		}
		attrs := lexAttrs(raw)
		var first []rawAttr
		seen := map[string]bool{}
		for _, a := range attrs {
			if a.key != "" && !seen[a.key] {
				seen[a.key] = true
				first = append(first, a)
			}
		}
		if len(first) != len(keys) {
			return nil, fmt.Errorf("%w: html: cannot locate the attributes of the <%s> at byte %d", attest.ErrBadInput, tag, start)
		}
		for i := range first {
			if first[i].key != keys[i] {
				return nil, fmt.Errorf("%w: html: cannot locate the attributes of the <%s> at byte %d", attest.ErrBadInput, tag, start)
			}
		}
		find := func(key string) (string, span, bool) {
			for i, a := range first {
				if a.key == key {
					at := a.at
					at.keyEnd += start
					at.valStart += start
					at.valEnd += start
					return vals[i], at, true
				}
			}
			return "", span{}, false
		}
		refKey := "src"
		switch tag {
		case "base":
			if _, _, ok := find("href"); ok {
				return nil, fmt.Errorf("%w: html: <base href> at byte %d: references cannot be resolved", attest.ErrBadInput, start)
			}
			continue
		case "link":
			refKey = "href"
		}
		v, at, ok := find(refKey)
		if !ok {
			continue // an inline script, or a link with no href
		}
		r := pageRef{tag: tag, ref: strings.Trim(v, " \t\n\f\r"), refAt: at}
		r.integrity, r.integrityAt, r.hasIntegrity = find("integrity")
		refs = append(refs, r)
		if len(refs) > maxPageRefs {
			return nil, fmt.Errorf("%w: html: more than %d scripts and links", attest.ErrBadInput, maxPageRefs)
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }

// lexAttrs lexes the attributes of a complete start tag ("<name …>"),
// following golang.org/x/net/html's readTag step by step, and returns all
// of them, repeated and empty names included.
func lexAttrs(raw []byte) []rawAttr {
	i := 2 // "<" and the tag name's first byte
	n := len(raw)
	// readTagName
	for i < n {
		c := raw[i]
		if isSpace(c) {
			i++
			break
		}
		if c == '/' || c == '>' {
			break
		}
		i++
	}
	skip := func() {
		for i < n && isSpace(raw[i]) {
			i++
		}
	}
	skip()
	var attrs []rawAttr
	for i < n {
		if raw[i] == '>' {
			break
		}
		// readTagAttrKey
		ks := i
		for i < n {
			c := raw[i]
			i++
			if c == '=' && i == ks+1 {
				continue
			}
			if c == '=' || isSpace(c) || c == '/' || c == '>' {
				i--
				break
			}
		}
		a := rawAttr{key: attrKey(raw[ks:i])}
		a.at.keyEnd = i
		a.at.valStart, a.at.valEnd = i, i
		// readTagAttrVal
		func() {
			skip()
			if i >= n {
				return
			}
			c := raw[i]
			i++
			if c == '/' {
				return
			}
			if c != '=' {
				i--
				return
			}
			skip()
			if i >= n {
				return
			}
			q := raw[i]
			i++
			switch q {
			case '>':
				i--
				a.at.valStart, a.at.valEnd = i, i // replace "=" and spaces too
			case '"', '\'':
				a.at.quote, a.at.hasValue = q, true
				a.at.valStart = i
				for i < n && raw[i] != q {
					i++
				}
				a.at.valEnd = i
				if i < n {
					i++
				}
			default:
				a.at.hasValue = true
				a.at.valStart = i - 1
				for i < n && !isSpace(raw[i]) && raw[i] != '>' {
					i++
				}
				a.at.valEnd = i
				if i < n && isSpace(raw[i]) {
					i++
				}
			}
		}()
		attrs = append(attrs, a)
		skip()
	}
	return attrs
}

// attrKey spells an attribute name as the tokenizer's TagAttr does.
func attrKey(b []byte) string {
	var s strings.Builder
	for _, r := range string(b) {
		switch {
		case r == 0:
			r = '\uFFFD'
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		}
		s.WriteRune(r)
	}
	return s.String()
}

// edit replaces page[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// applyEdits returns page with edits applied; edits must not overlap.
func applyEdits(page []byte, edits []edit) ([]byte, error) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end < edits[j].end
	})
	var out bytes.Buffer
	at := 0
	for _, e := range edits {
		if e.start < at || e.end < e.start || e.end > len(page) {
			return nil, fmt.Errorf("attest: html: overlapping edits at byte %d", e.start)
		}
		out.Write(page[at:e.start])
		out.WriteString(e.text)
		at = e.end
	}
	out.Write(page[at:])
	return out.Bytes(), nil
}

// setValue returns the edit that makes the attribute at a hold value,
// keeping its quote character (an unquoted or empty value is written
// double-quoted).
func setValue(a span, value string) edit {
	esc := html.EscapeString(value)
	switch {
	case !a.hasValue:
		// "integrity" or "integrity=" with nothing after: replace from the
		// end of the name up to where a value would be.
		return edit{a.keyEnd, a.valEnd, `="` + esc + `"`}
	case a.quote == 0:
		return edit{a.valStart, a.valEnd, `"` + esc + `"`}
	}
	return edit{a.valStart, a.valEnd, esc}
}

// afterValue is the offset just past the attribute at a, closing quote
// included.
func afterValue(a span) int {
	if a.quote != 0 {
		return a.valEnd + 1
	}
	return a.valEnd
}

// rewritePage rewrites every reference of page for which target returns a
// new reference and integrity (ok), and reports the others with target's
// reason. Only the bytes of src, href and integrity values change; a
// missing integrity attribute is inserted after src or href.
func rewritePage(page []byte, target func(ref string) (newRef, integrity, reason string, ok bool)) ([]byte, []Unrewritten, error) {
	refs, err := scanPage(page)
	if err != nil {
		return nil, nil, err
	}
	var edits []edit
	var left []Unrewritten
	for _, r := range refs {
		newRef, sri, reason, ok := target(r.ref)
		if !ok {
			left = append(left, Unrewritten{Element: r.tag, Ref: r.ref, Reason: reason})
			continue
		}
		edits = append(edits, setValue(r.refAt, newRef))
		if r.hasIntegrity {
			edits = append(edits, setValue(r.integrityAt, sri))
		} else {
			p := afterValue(r.refAt)
			edits = append(edits, edit{p, p, ` integrity="` + html.EscapeString(sri) + `"`})
		}
	}
	out, err := applyEdits(page, edits)
	if err != nil {
		return nil, nil, err
	}
	return out, left, nil
}
