package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/internal/fetch"
	"github.com/ats-run/selfattest/internal/localfile"
)

// DefaultMaxPageBytes is the largest HTML page [CheckPage] reads when the
// caller sets no limit.
const DefaultMaxPageBytes = 16 << 20

// PageOptions tune [CheckPage]. The zero value is safe.
type PageOptions struct {
	// Fetch bounds every fetch: the page and each subresource.
	Fetch FetchOptions
	// MaxPageBytes bounds the HTML page itself; 0 means
	// [DefaultMaxPageBytes] (or Fetch.MaxBytes if that is smaller).
	MaxPageBytes int64
	// MaxRefs bounds how many subresources are checked; 0 means
	// [DefaultMaxRefs]. A page naming more is not checked at all.
	MaxRefs int
	// Strict rejects everything on the page that runs code not pinned by
	// an integrity attribute: a subresource with none, a frame, object or
	// @import (which cannot carry one), and inline code (a script's text,
	// an event handler, a javascript: URL), whose run-time loads no static
	// check can follow. Without it these are reported (Outcome "warn") but
	// do not fail the page.
	Strict bool
	// LocalDir, if set, names a local build folder: each subresource from
	// the page's origin is also compared with the file at its path relative
	// to the page's folder (https://host/app/index.html loading
	// /app/js/kms.mjs → LocalDir/js/kms.mjs). A subresource from another
	// origin, outside the page's folder, or missing from LocalDir is
	// rejected: the page loads something the local build did not make.
	LocalDir string
	// Parallel is how many subresources are fetched at once; 0 means 4.
	Parallel int
}

// Verdict says what was found for one subresource.
type Verdict string

// The verdicts of a subresource, and the [Outcome] each leads to.
const (
	VerdictMatch             Verdict = "match"              // integrity matches (and the local file, if any): pass
	VerdictNoIntegrity       Verdict = "no-integrity"       // no integrity attribute: warn, or fail under Strict
	VerdictMismatch          Verdict = "mismatch"           // integrity does not match the bytes served: fail
	VerdictUnusableIntegrity Verdict = "unusable-integrity" // integrity attribute with no token a browser would use: fail
	VerdictLocalMismatch     Verdict = "local-mismatch"     // served bytes differ from the local build: fail
	VerdictLocalMissing      Verdict = "local-missing"      // no local file for the subresource: fail
	VerdictUnchecked         Verdict = "could-not-check"    // the subresource could not be fetched: error
	VerdictUnpinned          Verdict = "unpinned"           // fetched, but no integrity can apply (a frame, an @import): warn, or fail under Strict
	VerdictInlineCode        Verdict = "inline-code"        // code in the page itself, which may load more at run time: warn, or fail under Strict
)

// Outcome is a subresource's effect on the page's result.
type Outcome string

// Outcomes, from best to worst.
const (
	OutcomePass  Outcome = "pass"  // checked and good
	OutcomeWarn  Outcome = "warn"  // reported, does not fail the page
	OutcomeError Outcome = "error" // could not be checked
	OutcomeFail  Outcome = "fail"  // rejected
)

// LocalCheck is the comparison of a subresource with the local build.
type LocalCheck struct {
	// Path is the file's path relative to PageOptions.LocalDir ("" if none
	// could be derived).
	Path    string          `json:"path"`
	Digests *attest.Digests `json:"digests,omitempty"`
	Match   bool            `json:"match"`
	Detail  string          `json:"detail,omitempty"`
}

// Subresource is what [CheckPage] found for one [PageRef].
type Subresource struct {
	PageRef
	Verdict Verdict `json:"verdict"`
	Outcome Outcome `json:"outcome"`
	// Ignored lists integrity tokens a browser ignores (unknown algorithm,
	// malformed), reported so a typo is never silently passed.
	Ignored []attest.IgnoredToken `json:"ignored_tokens,omitempty"`
	// Expected is the strongest integrity metadata, as SRI strings.
	Expected []string `json:"expected,omitempty"`
	// Actual is the served bytes' SRI under the strongest algorithm named
	// (sha384 when there is no integrity).
	Actual  string          `json:"actual,omitempty"`
	Digests *attest.Digests `json:"digests,omitempty"`
	Fetch   *FetchInfo      `json:"fetch,omitempty"`
	Local   *LocalCheck     `json:"local,omitempty"`
	// Error says why the subresource could not be fetched.
	Error string `json:"error,omitempty"`
}

// PageResult is the outcome of [CheckPage]: the page and every subresource
// it loads, in document order.
type PageResult struct {
	URL          string         `json:"url"`
	Fetch        FetchInfo      `json:"fetch"`
	Digests      attest.Digests `json:"digests"`
	Strict       bool           `json:"strict"`
	LocalDir     string         `json:"local_dir,omitempty"`
	Subresources []Subresource  `json:"subresources"`
}

// CheckPage fetches the HTML page at pageURL, finds every subresource it
// loads (see [ScanHTML]), fetches each within the same limits, and checks
// it against its integrity attribute as a browser would — and, with
// LocalDir, against the local build.
//
// The result is returned only when no subresource failed or went
// unchecked. Otherwise the error is a [*PageError] holding the result: it
// wraps [ErrVerification] if any subresource was rejected, else
// [ErrCouldNotCheck]. A page that cannot be fetched or scanned returns an
// error wrapping [ErrCouldNotCheck] or [ErrBadInput].
func CheckPage(ctx context.Context, pageURL string, opts PageOptions) (*PageResult, error) {
	pageLimit := opts.MaxPageBytes
	if pageLimit <= 0 {
		pageLimit = DefaultMaxPageBytes
	}
	if opts.Fetch.MaxBytes > 0 && opts.Fetch.MaxBytes < pageLimit {
		pageLimit = opts.Fetch.MaxBytes
	}
	fo := opts.Fetch.forURL(pageURL)
	fo.MaxBytes = pageLimit
	var body bytes.Buffer
	info, err := fetch.Get(ctx, pageURL, &body, fo)
	if err != nil {
		return nil, classifyFetch(err)
	}
	if body.Len() == 0 {
		return nil, fmt.Errorf("%w: %s: empty page (status %d)", ErrCouldNotCheck, pageURL, info.Status)
	}
	final := info.FinalURL
	if final == "" {
		final = pageURL
	}
	finalURL, err := url.Parse(final)
	if err != nil || !finalURL.IsAbs() {
		return nil, fmt.Errorf("%w: page URL %q is not absolute", ErrBadInput, final)
	}
	refs, err := scanPage(body.Bytes(), finalURL, info.ContentType, opts.MaxRefs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
	}
	res := &PageResult{
		URL:          pageURL,
		Fetch:        info,
		Digests:      attest.MeasureBytes(body.Bytes()),
		Strict:       opts.Strict,
		LocalDir:     opts.LocalDir,
		Subresources: make([]Subresource, len(refs)),
	}

	var root *os.Root
	if opts.LocalDir != "" {
		root, err = os.OpenRoot(opts.LocalDir)
		if err != nil {
			return nil, fmt.Errorf("%w: local build folder: %w", ErrBadInput, err)
		}
		defer root.Close()
	}

	fetched := fetchAll(ctx, refs, opts)
	pageDir := finalURL
	for i, ref := range refs {
		res.Subresources[i] = judge(ref, fetched[ref.URL], opts.Strict, root, pageDir)
	}
	for _, s := range res.Subresources {
		if s.Outcome == OutcomeFail || s.Outcome == OutcomeError {
			return nil, &PageError{Result: res}
		}
	}
	return res, nil
}

type fetched struct {
	digests attest.Digests
	info    FetchInfo
	err     error
}

// fetchAll fetches each distinct subresource URL once, a few at a time.
func fetchAll(ctx context.Context, refs []PageRef, opts PageOptions) map[string]*fetched {
	var urls []string
	seen := map[string]bool{}
	for _, r := range refs {
		if r.URL != "" && !seen[r.URL] {
			seen[r.URL] = true
			urls = append(urls, r.URL)
		}
	}
	par := opts.Parallel
	if par <= 0 {
		par = 4
	}
	results := make([]fetched, len(urls)) // each goroutine writes only its own element
	var wg sync.WaitGroup
	sem := make(chan struct{}, par)
	for i, u := range urls {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d, info, err := fetchMeasure(ctx, u, opts.Fetch.forURL(u))
			if err == nil && d.Size == 0 {
				err = errors.New("empty response")
			}
			results[i] = fetched{digests: d, info: info, err: err}
		}()
	}
	wg.Wait()
	out := make(map[string]*fetched, len(urls))
	for i, u := range urls {
		out[u] = &results[i]
	}
	return out
}

func judge(ref PageRef, f *fetched, strict bool, root *os.Root, page *url.URL) Subresource {
	s := Subresource{PageRef: ref}
	if ref.Kind.Inline() {
		s.Verdict, s.Outcome = VerdictInlineCode, OutcomeWarn
		if strict {
			s.Outcome = OutcomeFail
		}
		return s
	}
	if ref.URL == "" {
		s.Verdict, s.Outcome = VerdictUnchecked, OutcomeError
		s.Error = fmt.Sprintf("reference %q does not resolve to a URL", ref.Ref)
		return s
	}
	if f.err != nil {
		s.Verdict, s.Outcome = VerdictUnchecked, OutcomeError
		s.Error = f.err.Error()
		if f.info.Status != 0 {
			info := f.info
			s.Fetch = &info
		}
		return s
	}
	d, info := f.digests, f.info
	s.Digests, s.Fetch = &d, &info

	s.Verdict, s.Outcome = VerdictMatch, OutcomePass
	s.Actual = d.SRI(attest.SHA384)
	if !ref.Kind.Pinnable() {
		s.Verdict, s.Outcome = VerdictUnpinned, OutcomeWarn
		if strict {
			s.Outcome = OutcomeFail
		}
	} else if !ref.HasIntegrity {
		s.Verdict, s.Outcome = VerdictNoIntegrity, OutcomeWarn
		if strict {
			s.Outcome = OutcomeFail
		}
	} else {
		m := attest.ParseIntegrity(ref.Integrity)
		s.Ignored = m.Ignored
		for _, t := range m.Strongest() {
			s.Expected = append(s.Expected, t.String())
			s.Actual = d.SRI(t.Algorithm)
		}
		var mismatch *attest.IntegrityMismatchError
		switch err := m.Match(d); {
		case err == nil:
		case errors.As(err, &mismatch):
			// The error's evidence is the authority: it names the
			// strongest algorithm even when its tokens were malformed.
			s.Verdict, s.Outcome = VerdictMismatch, OutcomeFail
			s.Expected, s.Actual = mismatch.Expected, mismatch.Actual
		case errors.Is(err, attest.ErrNoIntegrity):
			s.Verdict, s.Outcome = VerdictUnusableIntegrity, OutcomeFail
		default:
			s.Verdict, s.Outcome = VerdictMismatch, OutcomeFail
			s.Error = err.Error()
		}
	}
	if root != nil {
		s.Local = compareLocal(root, page, ref.URL, d)
		if !s.Local.Match && s.Outcome != OutcomeFail {
			s.Verdict, s.Outcome = VerdictLocalMismatch, OutcomeFail
			if s.Local.Digests == nil {
				s.Verdict = VerdictLocalMissing
			}
		}
	}
	return s
}

// compareLocal finds the local file for a subresource URL: same origin as
// the page, inside the page's folder, opened through root so that no ".."
// or symbolic link can reach outside the build folder.
func compareLocal(root *os.Root, page *url.URL, ref string, live attest.Digests) *LocalCheck {
	u, err := url.Parse(ref)
	if err != nil {
		return &LocalCheck{Detail: "unparsable URL"}
	}
	if !strings.EqualFold(u.Scheme, page.Scheme) || !strings.EqualFold(u.Host, page.Host) {
		return &LocalCheck{Detail: "served from another origin than the page"}
	}
	dir := page.Path[:strings.LastIndex(page.Path, "/")+1]
	if dir == "" {
		dir = "/"
	}
	if !strings.HasPrefix(u.Path, dir) {
		return &LocalCheck{Detail: "outside the page's folder " + dir}
	}
	rel := strings.TrimPrefix(u.Path, dir)
	if rel == "" || !fs.ValidPath(rel) || path.Clean(rel) != rel {
		return &LocalCheck{Path: rel, Detail: "not a clean path inside the build folder"}
	}
	f, err := localfile.OpenIn(root, rel, fetch.DefaultMaxBytes)
	var le *localfile.Error
	if errors.As(err, &le) && le.Kind == localfile.KindOpen {
		return &LocalCheck{Path: rel, Detail: "no such file in the local build"}
	}
	if errors.As(err, &le) && le.Kind == localfile.KindNotRegular {
		return &LocalCheck{Path: rel, Detail: "not a regular file in the local build"}
	}
	if err != nil {
		return &LocalCheck{Path: rel, Detail: "unreadable: " + err.Error()}
	}
	defer f.Close()
	d, err := attest.Measure(f)
	if err != nil {
		return &LocalCheck{Path: rel, Detail: "unreadable: " + err.Error()}
	}
	return &LocalCheck{Path: rel, Digests: &d, Match: d.Equal(live)}
}
