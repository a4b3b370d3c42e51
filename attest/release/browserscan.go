package release

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/verify"
)

// ErrUnpinned is wrapped by [Build]'s error when a rewritten page would
// make a browser load a file of the release that no integrity attribute
// pins: markup the rewriter does not edit (an SVG <script href>, a script
// the tree builder finds where a tokenizer reads text, an <iframe srcdoc>,
// an inline @import, an <object data>), or a pinnable reference whose
// integrity is not the manifest's. It wraps [attest.ErrBadInput]: the page
// must be changed, e.g. to load the file with an HTML <script src>.
var ErrUnpinned = selfattest.Beneath(attest.ErrBadInput, "attest: release: page loads a file of the release unpinned")

// scanScheme and scanHost are the origin the rewritten pages are parsed
// at. The .invalid name (RFC 2606) is never a real host, so a page's
// absolute URLs never name the release by chance.
const (
	scanScheme = "https"
	scanHost   = "release.invalid"
)

// maxScanRefs bounds what the browser's parse of one page may report:
// four times the rewriter's bound on scripts and links, for frames,
// imports and inline code too. A page over it is refused.
const maxScanRefs = 4 * maxPageRefs

// checkPinned parses the rewritten page out as a browser does
// ([builder.scanAsBrowser]) and checks every subresource it reports:
//
//   - one that resolves to the content-addressed copy of a released file
//     must be pinnable (a script, stylesheet, module preload or preload),
//     in the HTML namespace (browsers ignore an SVG script's integrity),
//     and carry exactly the manifest's integrity string;
//   - one the rewriter left alone (left, matched by element and reference)
//     stays as it was reported;
//   - one that resolves to a released file under its dist name is an
//     error: the release holds that file only under its content-addressed
//     name, so the reference is both broken and unpinned;
//   - any other (another origin, a page, a file not in the release) is
//     returned, to be listed in [Result].Unrewritten.
//
// Errors wrap [ErrUnpinned], or [attest.ErrBadInput] for a page a
// browser's parse cannot be modelled for (see [verify.ScanHTML]).
func (b *builder) checkPinned(page string, out []byte, left []Unrewritten) ([]Unrewritten, error) {
	refs, err := b.scanAsBrowser(page, out)
	if err != nil {
		return nil, fmt.Errorf("%w: release: %s: cannot parse the page as a browser does: %w", attest.ErrBadInput, page, err)
	}
	listed := map[string]int{}
	for _, l := range left {
		listed[l.Element+"\x00"+l.Ref]++
	}
	var more []Unrewritten
	for _, r := range refs {
		where := r.label(strconv.Quote(r.ref))
		f := r.file
		if r.copyOf {
			why := r.unpinnable()
			switch {
			case why != "":
			case !r.HasIntegrity:
				why = "it has no integrity attribute"
			case r.Integrity != f.Integrity:
				why = fmt.Sprintf("its integrity %q is not the manifest's %q", r.Integrity, f.Integrity)
			default:
				continue // pinned
			}
			return nil, fmt.Errorf("%w: %s: %s loads %s: %s", ErrUnpinned, page, where, f.ContentPath, why)
		}
		if k := r.Element + "\x00" + r.ref; listed[k] > 0 {
			listed[k]--
			continue
		}
		if f != nil && !f.EntryPoint {
			return nil, fmt.Errorf("%w: %s: %s names %s: the browser loads it, the rewriter cannot pin it: %s (the release has it only as %s)",
				ErrUnpinned, page, where, f.Path, r.Kind, f.ContentPath)
		}
		reason := r.reason
		if f != nil {
			reason = "HTML files keep their names"
		}
		more = append(more, Unrewritten{Page: page, Element: r.elem, Ref: r.ref,
			Reason: fmt.Sprintf("the browser loads it, the rewriter cannot pin it: %s (%s)", r.Kind, reason)})
	}
	return more, nil
}

// browserRef is a subresource a browser's parse of a page reports, with
// the file of the release it names.
type browserRef struct {
	verify.PageRef
	// ref is Ref, surrounding whitespace trimmed; elem is Element,
	// prefixed "svg:" or "math:" outside HTML.
	ref, elem string
	// file, copyOf and reason are what [builder.browserTarget] made of URL.
	file   *ManifestFile
	copyOf bool
	reason string
}

// scanAsBrowser parses page, whose bytes are data, as a browser does
// ([verify.ScanHTML], the HTML5 tree builder, scripting on) and returns
// every subresource it reports, inline code aside (the page's own bytes,
// which the manifest pins). URLs resolve as the browser resolves them (a
// <base href> the tree builder finds included), and then by
// [resolveRef]'s rules. It is the reading [builder.checkPinned] and
// [builder.checkAsBrowser] share; its error is [verify.ScanHTML]'s.
func (b *builder) scanAsBrowser(page string, data []byte) ([]browserRef, error) {
	pageURL := (&url.URL{Scheme: scanScheme, Host: scanHost, Path: "/" + page}).String()
	refs, err := verify.ScanHTML(bytes.NewReader(data), pageURL, "text/html", maxScanRefs)
	if err != nil {
		return nil, err
	}
	out := make([]browserRef, 0, len(refs))
	for _, r := range refs {
		if r.Kind.Inline() {
			continue
		}
		br := browserRef{PageRef: r, ref: strings.Trim(r.Ref, " \t\n\f\r"), elem: r.Element}
		if r.Namespace != "" {
			br.elem = r.Namespace + ":" + r.Element
		}
		br.file, br.copyOf, br.reason = b.browserTarget(page, r.URL)
		out = append(out, br)
	}
	return out, nil
}

// label names r in an error, as "<elem> ref", followed by " in " and the
// frame for a reference inside an <iframe srcdoc>.
func (r *browserRef) label(ref string) string {
	s := "<" + r.elem + "> " + ref
	if r.Document != "" {
		s += " in " + r.Document
	}
	return s
}

// unpinnable says why no integrity attribute can pin r, or "" when one
// can: only a pinnable kind of element in the HTML namespace has one that
// a browser applies.
func (r *browserRef) unpinnable() string {
	switch {
	case !r.Kind.Pinnable():
		return "no integrity attribute applies to a " + string(r.Kind)
	case r.Namespace != "":
		return "a browser ignores the integrity of an element outside HTML"
	}
	return ""
}

// browserTarget resolves u, a URL as a browser resolved it for the page at
// page, to a file of the release by [resolveRef]'s rules: f is the file,
// copyOf reports that u names its content-addressed copy rather than its
// dist path, and reason says why u names no file when f is nil.
func (b *builder) browserTarget(page, u string) (f *ManifestFile, copyOf bool, reason string) {
	p, err := url.Parse(u)
	switch {
	case u == "" || err != nil:
		return nil, false, "does not resolve to a URL"
	case p.Scheme != scanScheme || p.Host != scanHost || p.User != nil || p.Opaque != "":
		return nil, false, "absolute URL"
	}
	ref := p.EscapedPath()
	if p.RawQuery != "" || p.ForceQuery {
		ref += "?" + p.RawQuery
	}
	if p.Fragment != "" {
		ref += "#" + p.EscapedFragment()
	}
	f, reason = resolveRef(page, ref, func(t string) (*ManifestFile, bool) {
		if b.pages[t] {
			return &ManifestFile{Path: t, EntryPoint: true}, true
		}
		if f, ok := b.byContent[t]; ok && !f.EntryPoint {
			copyOf = true
			return f, true
		}
		f, ok := b.byPath[t]
		return f, ok
	})
	if f == nil {
		copyOf = false
	}
	return f, copyOf, reason
}

// releaseView is what [builder.browserTarget] needs of a release, made
// from its manifest, for [Check].
func releaseView(m *Manifest) *builder {
	b := &builder{byPath: map[string]*ManifestFile{}, byContent: map[string]*ManifestFile{}, pages: map[string]bool{}}
	for i := range m.Files {
		f := &m.Files[i]
		b.byPath[f.Path] = f
		if f.EntryPoint {
			b.pages[f.Path] = true
		} else {
			b.byContent[f.ContentPath] = f
		}
	}
	return b
}

// checkAsBrowser is [Check]'s reading of a page as a browser reads it
// ([verify.ScanHTML]): every subresource that resolves to the
// content-addressed copy of a released file must come from an element an
// integrity attribute applies to, in the HTML namespace, with an
// integrity that matches the file. The tokenizer's scan Check makes first
// misses what the tree builder makes of foreign content (a script inside
// <svg><title>, an SVG script) and of <iframe srcdoc>; a consistent forger
// could hide an unpinned script there. A rejection is a [*MismatchError].
func (b *builder) checkAsBrowser(page string, data []byte) error {
	refs, err := b.scanAsBrowser(page, data)
	if err != nil {
		return &MismatchError{Path: page, Problem: "page cannot be parsed as a browser does", Err: err}
	}
	for _, r := range refs {
		if !r.copyOf {
			continue
		}
		f := r.file
		what := r.label(r.ref)
		if why := r.unpinnable(); why != "" {
			return &MismatchError{Path: page, Problem: what + " loads " + f.ContentPath + ": " + why, Expected: f.Integrity}
		}
		if !r.HasIntegrity {
			return &MismatchError{Path: page, Problem: what + " has no integrity attribute", Expected: f.Integrity}
		}
		if err := attest.ParseIntegrity(r.Integrity).Match(f.Digests); err != nil {
			return &MismatchError{Path: page, Problem: what + ": integrity does not match the file", Expected: f.Integrity, Actual: r.Integrity, Err: err}
		}
	}
	return nil
}
