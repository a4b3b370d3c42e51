// Package release builds and checks release folders: a dist folder turned
// into content-addressed files, HTML pages rewritten to name them with
// Subresource Integrity, a manifest of every file, and an unsigned in-toto
// statement about them all, deterministic byte for byte. It measures with
// package [github.com/ats-run/selfattest/attest] and states with package
// [github.com/ats-run/selfattest/attest/intoto]; signing the statement is
// package [github.com/ats-run/selfattest/attest/signing].
//
// A worked example — a whole dist folder, in a GitHub Actions job:
//
//	prov, err := intoto.GitHubProvenance(intoto.FromEnviron(os.Environ()))
//	if err != nil { … } // errors.Is(err, attest.ErrBadInput): a GITHUB_* variable is missing
//	mtime, err := release.SourceDateEpoch(os.Getenv("SOURCE_DATE_EPOCH"))
//	res, err := release.Build(ctx, "dist", "release", "1.0.1", prov,
//		release.Options{ModTime: mtime})
//	// release/ now holds the content-addressed files, the rewritten HTML,
//	// release-manifest.json and release.intoto.json (unsigned).
//	m, err := release.Check(ctx, "release", release.CheckOptions{}) // recomputes everything
//
// # Building a release
//
// [Build] turns a dist folder into a release folder. For every regular
// file it writes a content-addressed copy beside where the file sat
// ("assets/app.js" → "assets/app-v1.0.1-0123abcd.js", see [attest.ContentName]).
// HTML files (".html", ".htm") are first rewritten: every <script src> and
// <link href> that names another released file is changed to name its
// content-addressed copy and given an integrity attribute (SHA-384 unless
// [Options].Integrity says otherwise); the HTML file is then written
// both at its own path, as the entry point a browser asks for, and under
// its content-addressed name. Only the bytes of the src, href and integrity
// values change (an integrity attribute missing is inserted after src or
// href); every other byte of the page is kept. References left alone, and
// reported in [Result].Unrewritten: absolute URLs and
// protocol-relative ones (other origins), references with a query or a
// fragment, references to HTML files (they keep their names) and to files
// not in the release. A page with a <base href> is refused: its references
// cannot be resolved without knowing where it is served.
//
// The rewriter reads a page token by token and edits only <script src> and
// <link href>; a browser builds a tree, and loads more: an SVG <script
// href> or <script xlink:href>, an HTML <script> that the tree builder
// finds inside an SVG <title> (which a tokenizer reads as text), the
// scripts of an <iframe srcdoc>, an @import in an inline <style>, an
// <iframe src> or <object data>. So each rewritten page is then parsed as
// a browser parses it ([github.com/ats-run/selfattest/verify.ScanHTML],
// scripting on) before it is written, and every subresource found is
// checked. One that loads a file
// of the release must name its content-addressed copy from an HTML
// element that takes an integrity attribute, with exactly the manifest's
// integrity string; otherwise [Build] fails with an error wrapping
// [ErrUnpinned]. Such a page is refused rather than listed because a file
// of the release exists in the release only under its content-addressed
// name: the reference is broken as well as unpinned, and the release
// would fail verification (package verify's CheckPage) once served. One
// that loads anything else — another origin, a page (pages keep their
// names), a file not in the release — is released as it is and listed in
// [Result].Unrewritten (once, if the rewriter listed it already), with the
// reason "the browser loads it, the rewriter cannot pin it: <kind>
// (<why>)". Code inline in the page is not checked here: the manifest pins
// the page's own bytes. A page the browser's parse cannot be modelled for
// (an encoding other than UTF-8, srcdoc frames nested too deep) is
// refused with an error wrapping [attest.ErrBadInput].
//
// Two more files go at the root of the release folder: the manifest,
// release-manifest.json ([Manifest], [ParseManifest], [FormatManifest]):
//
//	{
//	  "schema": "https://github.com/ats-run/selfattest/release-manifest/v1",
//	  "version": "1.0.1",
//	  "files": [
//	    {
//	      "path": "assets/app.js",
//	      "content_path": "assets/app-v1.0.1-0123abcd.js",
//	      "size": 1234,
//	      "digests": {"sha256": "…", "sha384": "…", "sha512": "…"},
//	      "integrity": "sha384-…"
//	    },
//	    {
//	      "path": "index.html",
//	      "content_path": "index-v1.0.1-89abcdef.html",
//	      "entry_point": true,
//	      …
//	    }
//	  ]
//	}
//
// The fields:
//
//   - "schema" (required): [ManifestSchemaV1]; any other value is refused.
//   - "version" (required): the release version, without a leading "v".
//   - "files" (required): one entry per released file, sorted by "path"
//     (bytewise), no path twice, never null.
//   - "path" (required): the file's path in the dist folder, "/"-separated,
//     relative, clean.
//   - "content_path" (required): where its content-addressed copy is, always
//     [attest.ContentName] of the path's last element in the same folder.
//   - "entry_point" (optional, default false): the file is also at "path"
//     (true for HTML files and only for them).
//   - "size", "digests" (required): of the released bytes — for an HTML
//     file, the rewritten page. Digests are lower-case hex.
//   - "integrity" (required): the SRI string of those bytes, one token.
//
// The manifest is written with two-space indentation and a final newline,
// fields in the order above; [ParseManifest] refuses unknown fields, a key
// twice, and anything [FormatManifest] would not write back byte for byte.
//
// The statement, release.intoto.json, is unsigned here (package signing
// signs it; the examples/release program writes the bundle beside it): its
// subjects are every file of the release folder but itself — each
// content-addressed copy, each entry point, and release-manifest.json —
// named by their path in the folder and sorted; its predicate is the one
// the caller passes (SLSA provenance, typically).
//
// A release is deterministic: the same dist folder, version, predicate and
// options give a byte-identical folder. Nothing in it needs a time, so the
// clock is never read; [Options].ModTime, from SOURCE_DATE_EPOCH
// ([SourceDateEpoch]), sets the modification time of every file and folder
// written, so that an archive of the folder is reproducible too. Files are
// written with mode 0644 and folders 0755.
//
// The dist folder is read through an [os.Root]: a symbolic link, or any
// file that is not regular, is refused rather than followed. Inputs are
// bounded ([Options] MaxFiles, MaxFileSize, MaxHTMLSize). The release
// is built in a temporary folder beside the destination and renamed into
// place only when complete; the destination must not exist. On error the
// temporary folder is removed, and nothing is left at the destination.
//
// # Checking a release
//
// [Check] recomputes everything a release folder claims: it parses
// the manifest; measures every file; checks sizes, digests, integrity
// strings and content-addressed names against the manifest; checks that
// an entry point and its copy are identical; checks that the folder holds
// nothing the manifest does not list; checks every <script> and <link> in
// every page that names a released file carries a matching integrity
// attribute, reading each page twice — with the tokenizer the rewriter
// uses, and as a browser parses it (verify.ScanHTML: foreign content,
// <iframe srcdoc>, inline @import), where a subresource that loads a
// released file must come from an HTML element an integrity attribute
// applies to, with a matching one; and checks that the statement's
// subjects are exactly the files and digests of the folder. Every
// rejection is a [*MismatchError] wrapping [ErrMismatch], with the path,
// what was expected and what was found; an error that does not wrap it
// means the check could not run (an unreadable folder).
//
// # Errors
//
// [ErrMismatch] is wrapped by every rejection of [Check], always as a
// [*MismatchError] with the evidence. [attest.ErrBadInput] is wrapped by
// every error that comes from the caller's input: a dist folder with a
// symbolic link or a file over a limit, a version that could escape a
// folder, a manifest that does not parse, a page with a <base href>.
// [ErrUnpinned], beneath it, is a page that would make a browser load a
// file of the release unpinned.
//
// # What it does not do
//
// It does not sign (package signing does) and checks nothing about where
// the bytes came from (package verify compares a live artifact with a
// build and checks live pages). It reads no network, no clock and no
// environment variable. It does not rewrite references inside JavaScript
// or CSS (imports, url()), and does not minify or otherwise change any
// file but the src, href and integrity values of HTML pages.
package release
