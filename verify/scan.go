package verify

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// PageRef is one subresource an HTML page loads: a <script src> or a
// <link href> whose rel is stylesheet, modulepreload or preload.
type PageRef struct {
	// Element is "script" or "link".
	Element string `json:"element"`
	// Rel is the link's rel attribute, lower-cased ("" for a script).
	Rel string `json:"rel,omitempty"`
	// As is the link's as attribute, lower-cased.
	As string `json:"as,omitempty"`
	// Ref is the src or href attribute as written in the page.
	Ref string `json:"ref"`
	// URL is Ref resolved against the page's base URL.
	URL string `json:"url"`
	// HasIntegrity reports whether the element has an integrity attribute
	// at all; Integrity is its value.
	HasIntegrity bool   `json:"has_integrity"`
	Integrity    string `json:"integrity,omitempty"`
}

// DefaultMaxRefs is the most subresources [ScanHTML] returns when the
// caller gives no limit.
const DefaultMaxRefs = 1024

// ErrTooManyRefs is wrapped by [ScanHTML]'s error when a page names more
// subresources than the limit allows.
var ErrTooManyRefs = errors.New("verify: page references too many subresources")

// ScanHTML tokenizes an HTML page and returns, in document order, every
// <script> with a src and every <link> whose rel names stylesheet,
// modulepreload or preload, with its URL resolved against pageURL — or
// against the page's first <base href>, for the elements that follow it,
// as a browser's parser does.
//
// It reads the whole of r, so r must be bounded by the caller. It uses
// the HTML5 tokenizer, so the contents of <script>, <style> and comments
// are never mistaken for tags, and broken markup is scanned as a browser
// would tokenize it rather than rejected. A script or link with an empty
// src or href, or one whose URL cannot be parsed, is returned with an
// empty URL, so the caller reports it rather than skipping it. More than
// maxRefs references (0 means [DefaultMaxRefs]) is an error wrapping
// [ErrTooManyRefs].
func ScanHTML(r io.Reader, pageURL string, maxRefs int) ([]PageRef, error) {
	if maxRefs <= 0 {
		maxRefs = DefaultMaxRefs
	}
	page, err := url.Parse(pageURL)
	if err != nil || !page.IsAbs() {
		return nil, fmt.Errorf("%w: page URL %q is not absolute", ErrBadInput, pageURL)
	}
	base := page
	sawBase := false
	var refs []PageRef
	z := html.NewTokenizer(r)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return refs, nil
			}
			return nil, fmt.Errorf("verify: scanning %s: %w", pageURL, z.Err())
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		tag := string(name)
		if tag != "script" && tag != "link" && tag != "base" {
			continue
		}
		attrs := readAttrs(z)
		switch tag {
		case "base":
			href, ok := attrs["href"]
			if sawBase || !ok {
				continue
			}
			sawBase = true
			if b, err := page.Parse(strings.TrimSpace(href)); err == nil && (b.Scheme == "https" || b.Scheme == "http") {
				base = b
			}
			continue
		case "script":
			src, ok := attrs["src"]
			if !ok {
				continue // inline script: nothing to fetch
			}
			ref := PageRef{Element: "script", Ref: src}
			ref.Integrity, ref.HasIntegrity = attrs["integrity"]
			ref.URL = resolve(base, src)
			refs = append(refs, ref)
		case "link":
			rel := strings.ToLower(attrs["rel"])
			if !relWanted(rel) {
				continue
			}
			href := attrs["href"]
			ref := PageRef{Element: "link", Rel: rel, As: strings.ToLower(attrs["as"]), Ref: href}
			ref.Integrity, ref.HasIntegrity = attrs["integrity"]
			ref.URL = resolve(base, href)
			refs = append(refs, ref)
		}
		if len(refs) > maxRefs {
			return nil, fmt.Errorf("%w: more than %d in %s", ErrTooManyRefs, maxRefs, pageURL)
		}
	}
}

// readAttrs returns the current tag's attributes; for a repeated
// attribute the first wins, as in the HTML parser.
func readAttrs(z *html.Tokenizer) map[string]string {
	attrs := map[string]string{}
	for {
		k, v, more := z.TagAttr()
		if _, dup := attrs[string(k)]; !dup {
			attrs[string(k)] = string(v)
		}
		if !more {
			return attrs
		}
	}
}

func relWanted(rel string) bool {
	for _, r := range strings.Fields(rel) {
		switch r {
		case "stylesheet", "modulepreload", "preload":
			return true
		}
	}
	return false
}

// resolve follows the URL standard's habit of trimming surrounding ASCII
// whitespace; an empty or unparsable reference resolves to "".
func resolve(base *url.URL, ref string) string {
	ref = strings.Trim(ref, " \t\n\f\r")
	if ref == "" {
		return ""
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ""
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}
