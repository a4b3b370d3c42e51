// Package fast holds opt-in re-implementations of checks sigstore-go
// makes, which verify Sigstore bundles about twice as fast in batches.
//
// By default a [sigstore.Verifier] leaves every decision to sigstore-go.
// A verifier made with [NewVerifier], or with [Paths] as
// [sigstore.Options].FastPaths, replaces four of them with this package's
// own, each written to decide as sigstore-go v1.3.0 decides:
//
//   - x509 path validation of a certificate bundle with no intermediates
//     of its own is replaced by trusted material whose Fulcio CA chains
//     were verified once, with only the leaf's link checked per bundle
//     (fastca.go; P-384 signatures by a CA key checked against a table of
//     multiples of that key, internal/ecfixed);
//   - the CMS signature check of an RFC 3161 timestamp by a timestamp
//     authority of the root is replaced by a parser and a check of this
//     package's own, with the authority's chain verified once (fasttsa.go);
//   - sigstore-go's signed certificate timestamp check is switched off for
//     those bundles and replaced by one of this package's own, on the
//     certificates parsed once (fastsct.go);
//   - a bundle given to VerifyBatch as JSON is parsed and validated by
//     this package's own parse, which keeps the parsed log entries,
//     instead of sigstore-go's Bundle.UnmarshalJSON (bundleparse.go).
//
// Every other check — signatures over the artifact, log entries and their
// proofs, the policy, this module's additive checks — is the default
// path's.
//
// Tests hold the fast paths to the default path's verdict and result:
// every bundle of the repository's corpus (conformance and real-world
// cases, tampered and bit-flipped variants) and fuzzed mutations of real
// bundles must get the same verdict class and the same result either way
// (TestFastPathsMatchDefault, TestFastPathsMatchDefaultBitFlips,
// FuzzFastPathDifferential, and package sigstore's tamper table run
// through both), and each piece is held to the library call it replaces
// (TestAnchoredCAMatchesX509, TestAnchoredTSAMatchesLibrary,
// TestSCTMatchesSigstoreGo, TestParseBundleMatchesLibrary and their
// fuzz targets). A bug here is still a bug in a security decision the
// default path does not have, and every upgrade of sigstore-go means
// reading this package again: use it only when verification time
// matters, and a program that does not import it does not compile it.
package fast
