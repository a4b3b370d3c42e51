// Package examples holds complete programs built only on selfattest's
// public API. Each program lives in its own directory: verifier/ (measure,
// compare, check a live page, verify Sigstore bundles) and monitor/ (watch
// a transparency log for a release identity).
package examples
