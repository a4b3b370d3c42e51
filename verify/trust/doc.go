// Package trust loads the Sigstore trusted roots a verifier checks bundles
// against: a snapshot embedded in this package, or a file the caller names.
//
// Trust is never implicit. Nothing here picks a root for the caller: a
// program either names an embedded snapshot,
//
//	tr, err := trust.Embedded(trust.PublicGood)
//
// or reads a root of its own (a private Sigstore instance, a test
// instance, a root refreshed by TUF elsewhere):
//
//	tr, err := trust.FromFile("trusted_root.json")
//
// Both return sigstore-go's *root.TrustedRoot, which every verifier in
// package verify/sigstore takes.
//
// # Embedded snapshots
//
// [PublicGood] is the Sigstore public-good instance's trusted root (Fulcio
// CAs, Rekor v1 and v2 log keys, CT log keys, the timestamp authority) as
// the npm package @sigstore/tuf 5.0.1 ships it. A snapshot is a fixed
// file: it does not follow key rotations. Its bytes are checked against
// the SHA-256 recorded in this package before they are parsed, and
// snapshots/SOURCE.md says where it came from; `go generate` re-extracts it
// from the pinned package with gen.sh.
//
// # Limits
//
// [FromFile] reads at most [MaxRootSize] bytes.
//
// # What it does not do
//
// It does not fetch anything. Refreshing a root over TUF is a separate
// opt-in, package [github.com/ats-run/selfattest/verify/tuf] (sigstore-go's
// pkg/root links the TUF client's code in any case, but nothing in this
// SDK's offline path calls it).
package trust
