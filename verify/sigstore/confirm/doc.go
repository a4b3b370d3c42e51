// Package confirm checks online that the transparency logs still show what
// a verified Sigstore bundle's log entries say they showed.
//
// A bundle's inclusion proof shows that its entry was in the tree the log
// showed its signer; it does not show that the log still shows everyone
// that tree. [Confirm] takes a bundle, the [sigstore.Result] that
// [sigstore.Verifier.Verify] returned for it and the sources to read each
// log from ([LogSource]: tiles for Rekor v2 and any tessera log, the REST
// API for Rekor v1), and, per entry, fetches the log's latest checkpoint,
// verifies it with the log's key from the verifier's trusted root, and
// proves that the latest tree extends the bundle's (consistency) and holds
// the entry (inclusion):
//
//	res, err := v.Verify(ctx, b, artifact, policy)
//	if err != nil { … }
//	tiles, _ := logfetch.NewHTTPFetcher("https://log2025-1.rekor.sigstore.dev", logfetch.HTTPOptions{})
//	c, err := confirm.Confirm(ctx, v, b, res, confirm.TilesLog(res.LogEntries[0].LogID, tiles))
//	switch {
//	case err == nil:
//		// every entry confirmed or not confirmed, at least one confirmed
//	case errors.Is(err, sigstore.ErrVerification):
//		// a fork, a rollback, a checkpoint the log's key did not sign
//	case errors.Is(err, sigstore.ErrCouldNotCheck):
//		// a log could not be read, or no entry was confirmed
//	}
//
// It is the check a Certificate Transparency auditor makes, and what turns
// a private fork shown to one signer into a rejection. An entry whose log
// no source names is reported as not confirmed, never as a pass.
// [AddToReport] adds the outcome to a report made by [sigstore.NewReport].
//
// Errors wrap the sentinels of package
// [github.com/ats-run/selfattest/verify/sigstore] — a rejection
// sigstore.ErrVerification, a log that could not be read
// sigstore.ErrCouldNotCheck, unusable arguments sigstore.ErrBadInput — so
// a caller classifies Verify's errors and Confirm's alike.
//
// It is a package of its own because it reads logs: it compiles the
// signed-note, tile and proof code of package
// [github.com/ats-run/selfattest/verify/tlog] and the Rekor v1 client,
// which a program that only verifies bundles offline does not need.
package confirm
