// Package watch finds, in a transparency log, the entries signed in a
// release identity's name.
//
// A release identity's owner wants to know about every entry any log holds
// in its name — the release pipeline's own, and above all the ones it did
// not make. [NewMatcher] turns [Rule]s into a [monitor.MatchFunc] for a
// [monitor.Monitor]: it reads each Rekor v2 entry (hashedrekord or DSSE,
// v0.0.2, as the log stores it) and reports the rules its signer
// satisfies:
//
//	match, err := watch.NewMatcher(watch.Rule{Name: "release", Policy: sigstore.Policy{
//		Issuer: "https://token.actions.githubusercontent.com",
//		SANRegexp: `https://github\.com/OWNER/REPO/\.github/workflows/release\.yml@.*`,
//	}})
//	m, err := monitor.New(origin, keys, fetcher, store, match, monitor.Options{})
//
// A rule's [sigstore.Policy] is read as for a bundle
// ([sigstore.Policy.ForSigners]): an issuer and a SAN (each exact or an
// anchored regular expression) and any GitHub claims, or a key. What a
// match says is what the entry claims: the log checked the entry's
// signature when it took it, but nobody checked here that its certificate
// chains to a trusted Fulcio, and a monitor should report a look-alike
// certificate too. Verify a matching entry's bundle with a
// [sigstore.Verifier] to know more.
//
// It is a package of its own, beside the Sigstore verifier rather than in
// it, because it works on a monitor's types: a program that only verifies
// bundles does not compile the monitor, the signed-note and the tile code.
package watch
