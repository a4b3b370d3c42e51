// Package browsertest holds the page check to a real browser's verdict: a
// differential test drives Debian's headless Chromium over a corpus of
// hostile pages served on 127.0.0.1 (testdata/pages in the repository's
// root) and asserts that every script, style sheet, module preload and
// frame document Chromium requests is one that verify.CheckPage checked.
//
// It is its own module so that the root module does not require a
// browser driver. It has no API; its test is the point.
package browsertest
