// Package attest measures artifacts: their size and SHA-256, SHA-384 and
// SHA-512 digests, the Subresource Integrity strings that pin them, and the
// content-addressed file names derived from them. It compiles only the
// standard library, so a program that measures or compares files — a
// verifier checking a live artifact against a build, a page checking its
// scripts — pays for nothing else.
//
// Stating facts about measured artifacts is package
// [github.com/ats-run/selfattest/attest/intoto] (in-toto statements, SLSA
// provenance, verification reports); building and checking a release
// folder is package [github.com/ats-run/selfattest/attest/release];
// signing a statement into a Sigstore bundle is package
// [github.com/ats-run/selfattest/attest/signing]. Each is kept apart so
// that a program compiles only the one it uses.
//
// A worked example — what a release job does with a built file:
//
//	d, err := attest.MeasureFile("dist/kms.mjs")
//	if err != nil { … }
//	name, _ := attest.ContentName("kms.mjs", "1.0.1", d) // kms-v1.0.1-7f8a9b0c.mjs
//	sri := attest.FormatIntegrity(d, attest.SHA384)       // sha384-…
//	fmt.Printf(`<script type="module" integrity="%s" src="/%s"></script>`, sri, name)
//
// # Measuring
//
// [Measure] reads a stream once and returns its size and SHA-256, SHA-384
// and SHA-512 digests ([Digests]). The three hashes run on their own
// goroutines over a fixed pool of buffers, so on two cores measuring all
// three costs little more than SHA-512 alone, and memory stays at 4 MiB
// for any input. [MeasureBytes] and [MeasureFile] are shorthands. Digests
// print as sha256sum does ([Digests.Hex]), as SRI strings ([Digests.SRI]),
// and marshal to JSON as {"size","sha256","sha384","sha512"} in hex.
//
// # Subresource Integrity
//
// [ParseIntegrity] reads an integrity attribute by the W3C Subresource
// Integrity rules: whitespace-separated tokens "alg-base64?options", the
// strongest algorithm named decides, options are ignored, and tokens with
// an unknown algorithm or a malformed value are skipped — but, unlike a
// browser, reported in [Integrity].Ignored with an [IgnoreReason]. Where the
// spec's editions and browsers differ, the stricter reading is taken: this
// package may refuse what a browser loads, never pass what a browser
// refuses. [Integrity.Match] returns nil only when a strongest token
// matches; an attribute with no usable token is [ErrNoIntegrity] (a
// browser would load the resource unchecked), a mismatch an
// [*IntegrityMismatchError] carrying what was expected and what was found.
// [FormatIntegrity] writes an attribute from measured digests.
//
// # Content-addressed names
//
// [ContentName] gives a released file its immutable name,
// "<stem>-v<version>-<first 8 hex of SHA-256><ext>", and refuses names and
// versions that could escape a folder.
//
// # Errors
//
// [ErrBadInput] is wrapped by every error that comes from the caller's
// input: here, a file [MeasureFile] or [MeasureFileMax] refuses (not
// regular, or over the limit); in attest/intoto and attest/release, which
// wrap it too, a missing environment variable, a dist folder with a
// symbolic link, a statement or manifest that does not parse. [ErrNoIntegrity] and [ErrIntegrityMismatch] come from
// [Integrity.Match].
//
// # What it does not do
//
// It checks nothing about where bytes came from: comparing a live artifact
// with a build, and checking live pages, is package verify's work. It
// reads no network, no clock and no environment variable, and writes no
// file. It neither states (package intoto) nor signs (package signing).
package attest
