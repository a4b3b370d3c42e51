package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/ats-run/selfattest"
)

// Kind says what a [PageRef] makes the browser do.
type Kind string

// The kinds of reference a page holds. The first group is fetched and can
// carry an integrity attribute; the second is fetched but no integrity
// attribute applies to it; the third is code that runs from the page's own
// bytes and is not fetched at all.
const (
	KindScript        Kind = "script"        // <script src> (HTML), <script href> / <script xlink:href> (SVG)
	KindStylesheet    Kind = "stylesheet"    // <link rel=stylesheet>
	KindModulePreload Kind = "modulepreload" // <link rel=modulepreload>
	KindPreload       Kind = "preload"       // <link rel=preload>

	KindFrame     Kind = "frame"      // <iframe src>, <frame src>: a document with code of its own
	KindObject    Kind = "object"     // <object data>, <embed src>: a document or plug-in
	KindCSSImport Kind = "css-import" // @import in an inline <style>
	KindRefresh   Kind = "refresh"    // <meta http-equiv=refresh>: the page navigates away

	KindInlineScript Kind = "inline-script" // <script> with code inside, including import maps
	KindEventHandler Kind = "event-handler" // an on… attribute
	KindScriptURL    Kind = "script-url"    // a javascript: URL, or a data: URL as a script or frame
	KindAnimation    Kind = "animation"     // an SVG <set>/<animate> that changes a link target
)

// Pinnable reports whether an integrity attribute can apply to a reference
// of this kind.
func (k Kind) Pinnable() bool {
	switch k {
	case KindScript, KindStylesheet, KindModulePreload, KindPreload:
		return true
	}
	return false
}

// Inline reports whether a reference of this kind is code in the page's
// own bytes, not something fetched.
func (k Kind) Inline() bool {
	switch k {
	case KindInlineScript, KindEventHandler, KindScriptURL, KindAnimation:
		return true
	}
	return false
}

// PageRef is one thing on an HTML page that makes a browser run or apply
// code: a subresource it fetches (a script, a stylesheet, a module
// preload, a frame's document, an @import), or code inline in the page
// (a script's text, an event-handler attribute, a javascript: URL).
type PageRef struct {
	// Kind says what the reference does.
	Kind Kind `json:"kind"`
	// Element is the element's local name ("script", "link", "iframe", …)
	// and Namespace its namespace: "" for HTML, "svg" or "math".
	Element   string `json:"element"`
	Namespace string `json:"namespace,omitempty"`
	// Document is "" for the page itself; for a reference inside an
	// <iframe srcdoc> it names the frame, as "srcdoc[1]" (the first srcdoc
	// frame of the page) or "srcdoc[1]/srcdoc[2]" for nested ones.
	Document string `json:"document,omitempty"`
	// Rel is the link's rel attribute, lower-cased ("" for a script).
	Rel string `json:"rel,omitempty"`
	// As is the link's as attribute, lower-cased.
	As string `json:"as,omitempty"`
	// Ref is the URL attribute as written in the page; for inline code, the
	// attribute's name or the script's type.
	Ref string `json:"ref"`
	// URL is Ref resolved against the document's base URL as a browser
	// resolves it; "" when it does not resolve, or for inline code.
	URL string `json:"url"`
	// HasIntegrity reports whether the element has an integrity attribute
	// at all; Integrity is its value.
	HasIntegrity bool   `json:"has_integrity"`
	Integrity    string `json:"integrity,omitempty"`
	// Code is, for inline code, its CSP hash source ('sha256-…'), which a
	// Content-Security-Policy can allow it by.
	Code string `json:"code,omitempty"`
}

// DefaultMaxRefs is the most references [ScanHTML] returns when the caller
// gives no limit.
const DefaultMaxRefs = 1024

// maxSrcdocDepth bounds nested <iframe srcdoc> documents. A deeper page is
// refused rather than scanned in part.
const maxSrcdocDepth = 8

// ErrTooManyRefs is wrapped by [ScanHTML]'s error when a page names more
// references than the limit allows.
var ErrTooManyRefs = selfattest.Beneath(ErrCouldNotCheck, "verify: page references too many subresources")

// ErrUnsupportedPage is wrapped by [ScanHTML]'s error when a page cannot be
// read as a browser would read it: an encoding other than UTF-8 (or plain
// ASCII under a windows-1252 label), or srcdoc frames nested too deep. Such
// a page is never passed.
var ErrUnsupportedPage = selfattest.Beneath(ErrCouldNotCheck, "verify: page cannot be read as a browser reads it")

// ScanHTML builds the page's document as a browser does (the HTML5 tree
// builder, golang.org/x/net/html.Parse, with scripting enabled) and
// returns, in document order, every reference that makes a browser run or
// apply code, in every namespace:
//
//   - HTML <script src>; SVG <script href> and <script xlink:href>;
//   - <link> whose rel names stylesheet, modulepreload or preload;
//   - <iframe src>, <frame src>, <object data>, <embed src>, and the
//     references inside each <iframe srcdoc> document (scanned as a page of
//     its own, to a depth of 8);
//   - @import rules in inline <style> elements (HTML or SVG);
//   - <meta http-equiv=refresh> with a URL;
//   - inline code: <script> text (import maps included), on… event-handler
//     attributes, javascript: URLs (and data: URLs as scripts or frames),
//     and SVG animations that change a link's target.
//
// Tags that a tokenizer would read as text but a tree builder makes into
// elements (inside <svg> or <math>, a <title>, <style> or <textarea> is
// markup) are found because the tree is built first. Contents a browser
// never parses as markup (<script> text, comments, <noscript> with
// scripting on) are not scanned. <template> contents are scanned although
// a browser leaves them inert until a script uses them.
//
// URLs resolve against pageURL, or against the document's first <base
// href> for the references that follow it, after the URL standard's
// clean-up of tabs, newlines, backslashes and extra slashes. A reference
// that is empty or does not resolve is returned with an empty URL, so the
// caller reports it rather than skipping it.
//
// contentType is the page's Content-Type header ("" if none). Only
// text/html is scanned (with no Content-Type, a page that does not start
// like XML): a browser parses XHTML, SVG and XML with its XML parser. Only
// UTF-8 pages, and pure-ASCII pages labelled windows-1252 or ISO-8859-1,
// are scanned: another encoding, or a byte sequence a browser could decode
// otherwise (an ISO-2022 escape, a UTF-16 byte-order mark), is an error
// wrapping [ErrUnsupportedPage]. More than maxRefs references (0 means
// [DefaultMaxRefs]) is an error wrapping [ErrTooManyRefs].
//
// It reads the whole of r, so r must be bounded by the caller.
func ScanHTML(r io.Reader, pageURL, contentType string, maxRefs int) ([]PageRef, error) {
	page, err := url.Parse(pageURL)
	if err != nil || !page.IsAbs() {
		return nil, fmt.Errorf("%w: page URL %q is not absolute", ErrBadInput, pageURL)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrBadInput, pageURL, err)
	}
	return scanPage(body, page, contentType, maxRefs)
}

// scanPage is [ScanHTML] over a page already in memory.
func scanPage(body []byte, page *url.URL, contentType string, maxRefs int) ([]PageRef, error) {
	if maxRefs <= 0 {
		maxRefs = DefaultMaxRefs
	}
	pageURL := page.String()
	body, err := pageText(body, contentType)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnsupportedPage, pageURL, err)
	}
	s := &scanner{max: maxRefs}
	if err := s.document(string(body), page, "", 0); err != nil {
		return nil, fmt.Errorf("%s: %w", pageURL, err)
	}
	return s.refs, nil
}

type scanner struct {
	refs   []PageRef
	max    int
	srcdoc int
}

func (s *scanner) add(r PageRef) error {
	s.refs = append(s.refs, r)
	if len(s.refs) > s.max {
		return fmt.Errorf("%w: more than %d", ErrTooManyRefs, s.max)
	}
	return nil
}

// document scans one HTML document: the page, or an <iframe srcdoc>.
func (s *scanner) document(text string, fallback *url.URL, name string, depth int) error {
	if depth > maxSrcdocDepth {
		return fmt.Errorf("%w: srcdoc frames nested deeper than %d", ErrUnsupportedPage, maxSrcdocDepth)
	}
	doc, err := html.ParseWithOptions(strings.NewReader(text), html.ParseOptionEnableScripting(true))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnsupportedPage, err)
	}
	d := &docScan{scanner: s, name: name, depth: depth, base: fallback, fallback: fallback}
	return d.walk(doc)
}

type docScan struct {
	*scanner
	name     string
	depth    int
	base     *url.URL
	fallback *url.URL
	sawBase  bool
}

func (d *docScan) walk(n *html.Node) error {
	if n.Type == html.ElementNode {
		if err := d.element(n); err != nil {
			return err
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := d.walk(c); err != nil {
			return err
		}
	}
	return nil
}

// attr returns the first attribute named key with no namespace (the parser
// keeps only the first of repeated attributes), and whether it was there.
func attr(n *html.Node, ns, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == ns && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func (d *docScan) ref(n *html.Node, kind Kind, raw string) PageRef {
	r := PageRef{Kind: kind, Element: n.Data, Namespace: n.Namespace, Document: d.name, Ref: raw}
	if kind.Pinnable() && n.Namespace == "" {
		// Browsers enforce integrity on HTML elements only: an SVG
		// script's integrity attribute protects nothing.
		r.Integrity, r.HasIntegrity = attr(n, "", "integrity")
	}
	return r
}

// fetched adds a reference to something fetched, or, for a javascript: or
// data: URL, to inline code.
func (d *docScan) fetched(n *html.Node, kind Kind, raw string) error {
	r := d.ref(n, kind, raw)
	switch scheme := refScheme(raw); scheme {
	case "javascript", "data":
		if kind != KindScript && kind != KindFrame && kind != KindObject && scheme == "data" {
			break // a data: stylesheet or preload holds no code that runs
		}
		r.Kind, r.HasIntegrity, r.Integrity = KindScriptURL, false, ""
		r.Code = cspHash(raw)
		return d.add(r)
	case "about":
		if kind == KindFrame || kind == KindObject {
			// about:blank and about:srcdoc load nothing.
			return nil
		}
	}
	r.URL = resolveURL(d.base, raw)
	return d.add(r)
}

func (d *docScan) inline(n *html.Node, kind Kind, ref, code string) error {
	r := d.ref(n, kind, ref)
	r.Code = cspHash(code)
	return d.add(r)
}

func (d *docScan) element(n *html.Node) error {
	// Event handlers and javascript: URLs, on any element of any namespace.
	for _, a := range n.Attr {
		key := a.Key
		if a.Namespace != "" {
			key = a.Namespace + ":" + a.Key
		}
		if len(a.Key) > 2 && strings.EqualFold(a.Key[:2], "on") && a.Namespace == "" {
			if err := d.inline(n, KindEventHandler, key, a.Val); err != nil {
				return err
			}
			continue
		}
		if refScheme(a.Val) == "javascript" && !isFetchAttr(n, a) && !(n.Namespace == "" && n.Data == "base") {
			if err := d.inline(n, KindScriptURL, key, a.Val); err != nil {
				return err
			}
		}
	}

	if n.Data == "script" {
		return d.script(n)
	}
	switch n.Namespace {
	case "":
		return d.htmlElement(n)
	case "svg":
		return d.svgElement(n)
	}
	return nil
}

// isFetchAttr reports whether a is the attribute element() leaves to
// htmlElement or svgElement, so that a javascript: URL there is reported
// once.
func isFetchAttr(n *html.Node, a html.Attribute) bool {
	if n.Data == "script" {
		for _, s := range scriptURLAttrs {
			if a.Namespace == s.Namespace && a.Key == s.Key {
				return true
			}
		}
		return false
	}
	switch n.Namespace + ":" + n.Data {
	case ":iframe", ":frame", ":embed":
		return a.Namespace == "" && a.Key == "src"
	case ":object":
		return a.Namespace == "" && a.Key == "data"
	}
	return false
}

// script reports a script element of any namespace: an HTML script loads
// src, an SVG script href (SVG 2) or xlink:href; every one of the three
// that is present is reported, so whichever a browser takes was checked.
// A script with none of them is inline code.
func (d *docScan) script(n *html.Node) error {
	found := false
	for _, a := range scriptURLAttrs {
		if v, ok := attr(n, a.Namespace, a.Key); ok {
			found = true
			if err := d.fetched(n, KindScript, v); err != nil {
				return err
			}
		}
	}
	if found {
		return nil
	}
	code := text(n)
	if strings.TrimSpace(code) == "" {
		return nil
	}
	typ, _ := attr(n, "", "type")
	return d.inline(n, KindInlineScript, strings.ToLower(strings.TrimSpace(typ)), code)
}

var scriptURLAttrs = []html.Attribute{{Key: "src"}, {Key: "href"}, {Namespace: "xlink", Key: "href"}}

func (d *docScan) htmlElement(n *html.Node) error {
	switch n.Data {
	case "base":
		href, ok := attr(n, "", "href")
		if d.sawBase || !ok {
			return nil
		}
		d.sawBase = true
		if b := resolveURL(d.fallback, href); b != "" {
			if u, err := url.Parse(b); err == nil {
				d.base = u
			}
		}
	case "link":
		rel, _ := attr(n, "", "rel")
		rel = strings.ToLower(rel)
		kind := linkKind(rel)
		if kind == "" {
			return nil
		}
		href, _ := attr(n, "", "href")
		r := d.ref(n, kind, href)
		r.Rel = rel
		as, _ := attr(n, "", "as")
		r.As = strings.ToLower(as)
		r.URL = resolveURL(d.base, href)
		return d.add(r)
	case "iframe", "frame":
		if n.Data == "iframe" {
			if doc, ok := attr(n, "", "srcdoc"); ok {
				// A srcdoc document replaces src, and resolves its URLs
				// against this document's base URL.
				d.srcdoc++
				name := fmt.Sprintf("srcdoc[%d]", d.srcdoc)
				if d.name != "" {
					name = d.name + "/" + name
				}
				return d.document(doc, d.base, name, d.depth+1)
			}
		}
		if src, ok := attr(n, "", "src"); ok {
			return d.fetched(n, KindFrame, src)
		}
	case "object":
		if data, ok := attr(n, "", "data"); ok {
			return d.fetched(n, KindObject, data)
		}
	case "embed":
		if src, ok := attr(n, "", "src"); ok {
			return d.fetched(n, KindObject, src)
		}
	case "style":
		return d.styleImports(n)
	case "meta":
		equiv, _ := attr(n, "", "http-equiv")
		if !strings.EqualFold(strings.TrimSpace(equiv), "refresh") {
			return nil
		}
		content, _ := attr(n, "", "content")
		target, ok := refreshURL(content)
		if !ok {
			return nil // a plain reload of the same page
		}
		return d.fetched(n, KindRefresh, target)
	}
	return nil
}

func (d *docScan) svgElement(n *html.Node) error {
	switch n.Data {
	case "style":
		return d.styleImports(n)
	case "set", "animate":
		// <set attributeName=href to=javascript:…> turns a link into code.
		name, _ := attr(n, "", "attributeName")
		if strings.HasSuffix(strings.ToLower(strings.TrimSpace(name)), "href") {
			to, _ := attr(n, "", "to")
			values, _ := attr(n, "", "values")
			return d.inline(n, KindAnimation, "attributeName="+name, to+values)
		}
	}
	return nil
}

// styleImports reports each @import of an inline style sheet.
func (d *docScan) styleImports(n *html.Node) error {
	imports, ok := cssImports(text(n))
	if !ok {
		// An @import whose URL this scanner cannot read is reported with
		// no URL, so it fails rather than passes.
		return d.add(d.ref(n, KindCSSImport, "@import"))
	}
	for _, imp := range imports {
		if err := d.fetched(n, KindCSSImport, imp); err != nil {
			return err
		}
	}
	return nil
}

// text is the concatenated text of n's children.
func text(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

func linkKind(rel string) Kind {
	var kind Kind
	for _, r := range strings.Fields(rel) {
		switch r {
		case "stylesheet":
			return KindStylesheet
		case "modulepreload":
			kind = KindModulePreload
		case "preload":
			if kind == "" {
				kind = KindPreload
			}
		}
	}
	return kind
}

func cspHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// refreshURL returns the URL of a meta refresh's content ("5; url=next"),
// and false when it names none (a reload of the page itself).
func refreshURL(content string) (string, bool) {
	s := strings.TrimLeft(content, " \t\n\f\r")
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	s = strings.TrimLeft(s[i:], " \t\n\f\r")
	if s == "" {
		return "", false
	}
	if s[0] != ';' && s[0] != ',' {
		if i == 0 {
			return "", false
		}
	} else {
		s = strings.TrimLeft(s[1:], " \t\n\f\r")
	}
	if len(s) >= 3 && strings.EqualFold(s[:3], "url") {
		rest := strings.TrimLeft(s[3:], " \t\n\f\r")
		if strings.HasPrefix(rest, "=") {
			s = strings.TrimLeft(rest[1:], " \t\n\f\r")
		}
	}
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		q := s[0]
		s = s[1:]
		if j := strings.IndexByte(s, q); j >= 0 {
			s = s[:j]
		}
	}
	if s == "" {
		return "", false
	}
	return s, true
}

// pageText returns the page as the UTF-8 text the tree builder reads, or
// an error when a browser could decode its bytes otherwise.
func pageText(b []byte, contentType string) ([]byte, error) {
	// A browser parses only text/html with the HTML parser: XHTML, SVG or
	// XML pages go to its XML parser (CDATA, processing instructions such
	// as xml-stylesheet, namespaces by xmlns), which this scanner does not
	// model. With no Content-Type the browser sniffs; a page that starts
	// like XML is refused.
	mediaType := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	switch {
	case mediaType == "text/html":
	case mediaType == "" && !bytes.HasPrefix(bytes.TrimLeft(b, " \t\n\f\r\xef\xbb\xbf"), []byte("<?xml")):
	default:
		return nil, fmt.Errorf("served as %q, not text/html", contentType)
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		// A UTF-8 byte-order mark outranks every label.
		b = b[3:]
		if !utf8.Valid(b) {
			return nil, errors.New("invalid UTF-8 after a UTF-8 byte-order mark")
		}
		return b, nil
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}), bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return nil, errors.New("UTF-16 page")
	}
	if bytes.IndexByte(b, 0x1B) >= 0 {
		// An escape byte lets a browser detect ISO-2022-JP, in which ASCII
		// bytes become parts of other characters.
		return nil, errors.New("escape byte (0x1B) in the page")
	}
	// Every label must name UTF-8 or windows-1252: the header's, and every
	// <meta>'s, since a browser may re-decode the page on a late one.
	ascii := false
	for _, label := range append([]string{charsetParam(contentType)}, metaCharsets(b)...) {
		switch encodingOf(label) {
		case "", "utf-8":
		case "windows-1252":
			ascii = true
		default:
			return nil, fmt.Errorf("unsupported charset %q", label)
		}
	}
	if ascii {
		for _, c := range b {
			if c >= 0x80 {
				return nil, errors.New("non-ASCII bytes in a page labelled windows-1252")
			}
		}
	}
	if !utf8.Valid(b) {
		return nil, errors.New("bytes that are not UTF-8")
	}
	return b, nil
}

// encodingOf maps an encoding label to the two encodings the scanner reads
// ("utf-8", "windows-1252"), "" for no label, or "other".
func encodingOf(label string) string {
	switch strings.ToLower(strings.Trim(label, " \t\n\f\r")) {
	case "":
		return ""
	case "utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8":
		return "utf-8"
	case "us-ascii", "ascii", "ansi_x3.4-1968", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
		"windows-1252", "cp1252", "x-cp1252", "cp819", "csisolatin1", "ibm819", "iso-ir-100", "iso88591", "iso_8859-1:1987":
		return "windows-1252"
	}
	return "other"
}

// charsetParam returns a Content-Type's charset parameter.
func charsetParam(contentType string) string {
	for _, p := range strings.Split(contentType, ";")[1:] {
		k, v, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "charset") {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

// metaCharsets returns the encoding labels the page's <meta> elements
// declare (charset, or the charset parameter of http-equiv=content-type),
// wherever they are.
func metaCharsets(b []byte) []string {
	var labels []string
	z := html.NewTokenizer(bytes.NewReader(b))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return labels
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			if string(name) != "meta" || !more {
				continue
			}
			var equiv, content string
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "charset":
					labels = append(labels, string(v))
				case "http-equiv":
					equiv = string(v)
				case "content":
					content = string(v)
				}
			}
			if strings.EqualFold(strings.TrimSpace(equiv), "content-type") {
				labels = append(labels, charsetParam(content))
			}
		}
	}
}
