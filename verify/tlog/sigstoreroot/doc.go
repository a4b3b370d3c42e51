// Package sigstoreroot builds transparency-log keys from a Sigstore trusted
// root: it turns sigstore-go's root.TransparencyLog entries into the
// [tlog.LogKey]s that package [github.com/ats-run/selfattest/verify/tlog]
// verifies checkpoints with.
//
// It is a package of its own so that a log reader that names its log keys
// itself ([tlog.NewLogKey]) compiles neither sigstore-go nor its
// dependencies: importing verify/tlog alone stays a small C2SP client.
//
// # Keys
//
// [LogKey] builds one key from one transparency log entry: the signature
// name is the host name of the entry's base URL, the validity window is the
// entry's ([tlog.LogKey.WithValidity]), and the key's ID as Rekor computes
// it ([tlog.LogKey.LogID]) must equal the entry's log ID when the root sets
// one. [LogKeys] builds the keys of every Rekor log of a
// root.TrustedMaterial, ordered by log ID, and fails if any of them cannot
// be used rather than dropping it.
//
// # Example
//
//	tr, err := root.NewTrustedRootFromPath("trusted_root.json")
//	if err != nil { ... }
//	keys, err := sigstoreroot.LogKeys(tr)
//	if err != nil { ... } // a *tlog.PolicyError: could not check
//	cp, err := tlog.VerifyCheckpoint(envelope, "log2025-1.rekor.sigstore.dev", keys...)
//
// # Errors
//
// Every refusal is a [*tlog.PolicyError]: a root whose keys cannot be used
// means "could not check", never a verdict on a log.
//
// # What it does not do
//
// It does not load, fetch or refresh trusted roots (package verify/trust
// does, and sigstore-go's TUF client), and it trusts what the root says:
// trust is never implied, the caller chooses the root.
package sigstoreroot
