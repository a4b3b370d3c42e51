// Package verify compares deployed artifacts with what they should be: a
// live artifact byte for byte with a local (reproducible) build, and a
// live web page's scripts and stylesheets with their Subresource Integrity
// attributes — and, optionally, with the local build too.
//
// It needs no Sigstore: a program that calls [Compare] and [CheckPage]
// compiles golang.org/x/net/html and the standard library. Sigstore
// bundles are verified by package
// [github.com/ats-run/selfattest/verify/sigstore], whose errors wrap this
// package's three sentinels.
//
// A worked example, the heart of a CI verification job:
//
//	c, err := verify.Compare(ctx, "dist/kms.mjs", "https://kms.example/kms.mjs", verify.CompareOptions{})
//	switch {
//	case err == nil:
//		// c.Rows: SHA-256, SRI, SHA-512, Size — all match
//	case errors.Is(err, verify.ErrVerification):
//		var m *verify.MismatchError
//		errors.As(err, &m) // m.Comparison holds the evidence
//	case errors.Is(err, verify.ErrCouldNotCheck):
//		// network, time-out, HTTP status, limits: try again later
//	case errors.Is(err, verify.ErrBadInput):
//		// unreadable or empty local file, refused URL
//	}
//
// Package [github.com/ats-run/selfattest/verify/report] turns results into
// a JSON report, a CI job summary in Markdown, and text.
//
// # Outcomes
//
// Every error wraps exactly one of three sentinels. [ErrVerification]: the
// check ran and the evidence is wrong (a rejection). [ErrCouldNotCheck]:
// the check did not run to its end (a network failure, a time-out, an HTTP
// error status, a body over the size limit or shorter than announced, a
// refused redirect). [ErrBadInput]: the caller's input is unusable. A
// result is returned only on success; a rejection's evidence travels in a
// typed error ([MismatchError], [PageError]).
//
// Zero bytes prove nothing: an empty local file is [ErrBadInput] and an
// empty response [ErrCouldNotCheck], so two empty inputs never "match".
//
// # Fetching
//
// Every URL goes through one bounded fetcher, configured by
// [FetchOptions] whose zero value is safe: https only, except plain http to
// a loopback host (127.0.0.0/8, ::1, localhost); the same rule for every
// redirect, at most 10 of them; a 256 MiB body limit; a time limit that
// covers the body; no Content-Encoding (the bytes measured are the bytes
// served); no proxy taken from the environment. Bodies stream through
// [attest.Measure], so memory stays constant. [FetchInfo] records what a
// person debugging a CDN wants: the final URL, the redirect chain, the
// status, Content-Length, ETag, Last-Modified, Age and Cache-Control.
// [InsecureAllowHTTP] in [FetchOptions] is the only way to plain http on
// other hosts.
//
// # Comparing artifacts
//
// [Compare] measures a local path or URL and a live path or URL and
// compares size and SHA-256, SHA-384 (shown as an SRI string) and SHA-512;
// [CompareDigests] compares artifacts measured already ([MeasureInput]).
//
// # Web pages
//
// [CheckPage] fetches an HTML page, builds its document as a browser does
// ([ScanHTML]: the HTML5 tree builder, every namespace, <iframe srcdoc>
// documents, <base href>, URLs resolved by the URL standard's rules), and
// finds everything on it that runs or applies code: scripts (HTML src, SVG
// href and xlink:href), style sheets, module preloads and preloads, frames,
// objects and embeds, @import in inline styles, meta refreshes, and inline
// code (script text, event handlers, javascript: URLs). It fetches each
// subresource within the same limits and checks it as a browser would
// check its integrity attribute: the strongest algorithm named decides.
// Each [Subresource] gets a [Verdict] and an [Outcome]:
//
//   - match: the integrity metadata matches the bytes served (pass);
//   - no-integrity: no integrity attribute at all: a browser loads it
//     unchecked (warn; fail with [PageOptions].Strict);
//   - unpinned: a frame, object, @import or refresh target, which no
//     integrity attribute can pin (warn; fail with Strict);
//   - inline-code: code in the page itself, which can load anything at run
//     time; [PageRef].Code is its CSP hash (warn; fail with Strict);
//   - unusable-integrity: an integrity attribute with no token a browser
//     would use (only unknown algorithms, malformed, empty): the page's
//     author asked for a check the browser will not make (fail);
//   - mismatch: the bytes served differ from the integrity metadata (fail);
//   - local-mismatch, local-missing: with [PageOptions].LocalDir, the bytes
//     served differ from the local build, or the local build has no such
//     file (fail);
//   - could-not-check: the subresource could not be fetched, or its
//     reference does not resolve as a browser would resolve it (error).
//
// A page whose bytes a browser could decode otherwise than as UTF-8 (a
// UTF-16 byte-order mark, an ISO-2022 escape, a charset label other than
// UTF-8's, or windows-1252's for a pure-ASCII page) is not checked at all
// ([ErrUnsupportedPage], under [ErrCouldNotCheck]).
//
// What a static check cannot follow: what checked code loads at run time
// (a module script's imports, a style sheet's @import, a frame's own
// subresources, whatever inline code injects). Under Strict, inline code
// and frames fail the page; a module graph is pinned only as far as its
// entry point.
//
// A differential test holds this to headless Chromium: over a corpus of
// hostile pages, every script, style sheet, module preload and frame
// document Chromium requests is one that CheckPage checked.
//
// Tokens a browser ignores are listed in [Subresource].Ignored, never
// silently dropped.
//
// # What it does not do
//
// It does not run scripts, follow imports inside JavaScript modules or
// CSS @import rules, or evaluate <meta http-equiv> policies: it checks
// what the HTML names. It does not verify signatures: see package
// [github.com/ats-run/selfattest/verify/sigstore] for Sigstore bundles and
// package [github.com/ats-run/selfattest/verify/quorum] for independent
// verifiers' signed reports.
package verify
