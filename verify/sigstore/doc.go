// Package sigstore verifies Sigstore bundles: that the expected release
// pipeline signed an artifact and a transparency log recorded it.
//
// A [Verifier] verifies bundles (v0.1 to v0.3) against a trusted root the
// caller names (package [github.com/ats-run/selfattest/verify/trust]), on
// sigstore-go v1.3.0:
//
//	tr, _ := trust.Embedded(trust.PublicGood)
//	v, _ := sigstore.NewVerifier(tr, sigstore.Options{})
//	b, _ := sigstore.LoadBundle("kms.mjs.sigstore.json")
//	res, err := v.Verify(ctx, b, sigstore.ArtifactFile("kms.mjs"), sigstore.Policy{
//		Issuer: "https://token.actions.githubusercontent.com",
//		SAN:    "https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.0.1",
//		GitHub: sigstore.GitHubClaims{Repository: "OWNER/REPO", DenySelfHosted: true},
//	})
//	switch {
//	case err == nil:
//		// res holds verified facts only
//	case errors.Is(err, sigstore.ErrVerification):
//		// rejected: the bundle does not prove what the policy asks
//	case errors.Is(err, sigstore.ErrCouldNotCheck), errors.Is(err, sigstore.ErrBadInput):
//		// the check did not run, or the input is unusable
//	}
//
// # Outcomes
//
// Every error wraps exactly one of this package's three sentinels:
// [ErrVerification] (a rejection), [ErrCouldNotCheck] (the check did not
// run to its end) or [ErrBadInput] (the caller's input is unusable), each
// beneath the module's root sentinel of its class
// ([github.com/ats-run/selfattest.ErrRejected] and its siblings), so
// [github.com/ats-run/selfattest.ExitCode] maps them as it maps every
// other error of the module. This package does not import package
// [github.com/ats-run/selfattest/verify] (comparisons and pages), and that
// package never imports this one: neither compiles the other's
// dependencies.
//
// # Verifying
//
// The defaults are strict: a verified transparency-log entry, a trusted
// time for the signature, SCTs for a certificate. A [Policy] names a key or
// a certificate identity, never neither; its regular expressions are
// anchored. Artifacts are named by [ArtifactFile], [ArtifactReader],
// [ArtifactDigest] or [ParseArtifactDigest]. Beyond sigstore-go's checks,
// Verify rejects an inclusion proof whose root or size differs from its
// signed checkpoint ([CheckpointMismatchError]), a trusted time in the
// future ([FutureTimestampError]), and an entry made after its log key's
// validity ended ([LogKeyValidityError]). The [Result] holds verified facts
// only. [Verifier.VerifyBatch] verifies many bundles over every core, each
// with every check Verify makes.
//
// Every decision sigstore-go makes is sigstore-go's own — certificate
// chains, SCTs, RFC 3161 timestamps and bundle parsing included — and this
// package's checks only ever reject more. Package
// [github.com/ats-run/selfattest/verify/sigstore/fast] holds opt-in
// re-implementations of those four for speed in batches
// ([Options].FastPaths); a program that does not import it does not
// compile them.
//
// # Online confirmation and monitoring, elsewhere
//
// Two checks that read transparency logs live in packages of their own,
// so that a program that only verifies bundles compiles no signed-note,
// tile or proof code: package
// [github.com/ats-run/selfattest/verify/sigstore/confirm] asks the logs
// whether they still show what a verified bundle's entries say they
// showed (its Confirm takes this package's [Verifier] and [Result]), and
// package [github.com/ats-run/selfattest/verify/sigstore/watch] turns
// identity rules (this package's [Policy]) into the matcher of a
// [github.com/ats-run/selfattest/verify/tlog/monitor.Monitor], which
// watches a log for entries signed in a release identity's name.
//
// # Reports
//
// [NewReport] turns what Verify returned into a report of package
// [github.com/ats-run/selfattest/verify/report] (its Sigstore section and
// one check per verified fact); confirm.AddToReport adds what Confirm
// returned. The dependency points this way so that package report, and a
// comparison or page report, compiles no Sigstore.
//
// # What it does not do
//
// [Verifier.Verify] fetches nothing: a bundle is verified offline against
// the trusted root. It does not compare artifacts or check pages (package
// [github.com/ats-run/selfattest/verify]) and does not count independent
// verifiers (package [github.com/ats-run/selfattest/verify/quorum]).
package sigstore
