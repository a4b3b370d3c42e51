// Package browsertest holds the page check to a real browser's verdict: a
// differential test drives Debian's headless Chromium over a corpus of
// hostile pages served on 127.0.0.1 (testdata/pages in the repository's
// root) and asserts that every script, style sheet, module preload and
// frame document Chromium requests is one that verify.CheckPage checked.
//
// A second test holds the release tool to the browser's verdict: a tiny
// app released with attest/release (content-addressed copies, integrity
// attributes) is served on 127.0.0.1; Chromium runs its script and applies
// its style sheet, and after one byte of either changes on the server it
// refuses that file and logs "Failed to find a valid digest in the
// 'integrity' attribute". What release writes is what browsers enforce.
//
// It is its own module so that the root module does not require a
// browser driver. It has no API; its test is the point.
package browsertest
