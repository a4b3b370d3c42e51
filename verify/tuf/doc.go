// Package tuf refreshes a Sigstore trusted root over TUF, The Update
// Framework, as an opt-in: the only code in this SDK that fetches trust
// material from the network. Package
// [github.com/ats-run/selfattest/verify/trust] loads a root from an
// embedded snapshot or a file and never fetches; nothing outside this
// package calls a TUF client. (sigstore-go's pkg/root imports its pkg/tuf,
// so the client's code is linked into every verifier anyway; what matters
// is that an offline build never runs it.)
//
// Trust is never implicit. The caller names the TUF repository, the TUF
// root.json it trusts for that repository, and the directory where TUF
// state is kept; there is no default for any of them:
//
//	import sigtuf "github.com/sigstore/sigstore-go/pkg/tuf"
//
//	repo := tuf.Repository{
//		URL:  sigtuf.DefaultMirror, // https://tuf-repo-cdn.sigstore.dev
//		Root: sigtuf.DefaultRoot(), // the public-good root.json sigstore-go v1.3.0 embeds
//	}
//	res, err := tuf.Refresh(ctx, repo, filepath.Join(cacheHome, "selfattest", "tuf"), tuf.Options{})
//	switch {
//	case err == nil:
//		// res.TrustedRoot for package verify/sigstore; res.TrustedRootJSON to save
//		// and load later with trust.FromFile; res says which TUF
//		// versions vouched for it and until when (res.Expires).
//	case errors.Is(err, tuf.ErrVerification):
//		// The repository served metadata or a target TUF refuses: a
//		// security event. Do not fall back.
//	case errors.Is(err, tuf.ErrCouldNotCheck):
//		// Network, time-out, HTTP status, size limit, cache I/O. Try
//		// again — or, by an explicit decision, use tuf.Cached.
//	case errors.Is(err, tuf.ErrBadInput):
//		// The repository URL, the TUF root, the cache directory or an
//		// option is unusable, or the target is not in the repository.
//	}
//
// # Trust
//
// [Repository].Root is the trust anchor: a TUF root.json, such as the one
// sigstore-go embeds for the public-good instance or one of a private
// Sigstore deployment. [Refresh] follows the repository's root rotations
// from it — each newer root.json must be signed by a threshold of the
// keys of the one before and by its own — and then verifies the
// timestamp, snapshot and targets roles against the newest root: role
// keys and thresholds, versions (no rollback), the lengths and versions
// each role gives for the next, and expiry. The target, trusted_root.json
// unless [Options].Target names another, must have the length and hashes
// the signed targets metadata gives, and must parse as a trusted root
// ([trust.FromJSON]). Only then is a [Result] returned.
//
// The anchor need not be the newest root, and may have expired: only the
// final root must be current. Every call starts from the anchor the
// caller passes, never from a root found in the cache, so a cache
// directory cannot change what is trusted.
//
// # The TUF client
//
// The workflow is the updater of go-tuf v2
// (github.com/theupdateframework/go-tuf/v2/metadata/updater), the same
// code sigstore-go's pkg/tuf client drives, used directly rather than through that client because the
// client cannot meet this package's rules: its constructor does network
// I/O with no context (its Options.Context is not used); it decides
// silently between the cache and the network (a cache it cannot load
// makes it refresh, and ForceCache or CacheValidity make it skip the
// refresh), so a caller cannot tell a fresh root from a cached one; it
// writes a side file of its own, ignoring write errors; and it reads a
// cached target without a size bound. Here the updater runs with a
// fetcher made for the one call: over HTTP it binds the call's context
// and sends every request through the SDK's bounded fetcher
// (internal/fetch); for [Cached] it serves the cache directory instead.
//
// # Cache
//
// The cache directory is required. It holds one directory per repository,
// named from the URL's host, port and path (for the public-good instance,
// tuf-repo-cdn.sigstore.dev), with go-tuf's files — root.json,
// timestamp.json, snapshot.json, targets.json and targets/ — and a roots/
// directory where [Refresh] keeps each root version it accepted. The
// metadata there is what TUF calls trusted local metadata: the next
// Refresh refuses a repository that serves older versions than it holds.
// A cached target is used only if it matches the signed metadata of the
// moment; otherwise it is fetched again.
//
// [Refresh] always asks the repository, and a failed Refresh returns no
// result, never the cached or an embedded root. [Cached] is the explicit,
// separate fallback: it runs the same verification over the cache alone,
// from the same anchor, without any network access, refuses expired
// metadata, and marks its result [Result].Stale. A caller that falls
// back should do so only on [ErrCouldNotCheck], never on
// [ErrVerification]:
//
//	res, err := tuf.Refresh(ctx, repo, dir, opts)
//	if errors.Is(err, tuf.ErrCouldNotCheck) {
//		res, err = tuf.Cached(repo, dir, opts) // res.Stale: no revocation after the last refresh is seen
//	}
//
// # Limits
//
// [Options].Timeout (default one minute) bounds a whole Refresh, as does
// a deadline on its context; cancelling the context stops it at once.
// Every file is read up to a bound: the signed length for snapshot,
// targets and the target, go-tuf's defaults otherwise (512000 bytes for a
// root, 16384 for the timestamp, 2 MB for the snapshot, 5 MB for
// targets), and [Options].MaxTargetSize (default 4 MiB, the limit of
// [trust.FromFile]) for the target, which is refused before it is fetched
// if its signed length is larger. The repository URL must be https, or
// plain http to a loopback host; redirects are held to the same rule and
// followed at most ten times. With [Options].Transport nil, requests use
// a private Transport with no proxy from the environment.
//
// # Errors
//
// Every error wraps exactly one of [ErrVerification], [ErrCouldNotCheck]
// and [ErrBadInput]. Once the arguments are accepted it is a
// [*RefreshError], whose cause — one of go-tuf's typed errors such as
// *metadata.ErrUnsignedMetadata or *metadata.ErrExpiredMetadata, or a
// [*FetchError] — is reachable with [errors.As]. A body longer than its
// limit is [ErrCouldNotCheck], like any failure to fetch: it proves
// nothing a dropped connection would not. A target of the right length
// with the wrong bytes is [ErrVerification]. A cache file that is too
// large or does not parse is [ErrCouldNotCheck], naming the file: remove
// it (the cache is never repaired behind the caller's back).
//
// # What it does not do
//
// It does not run in the background, cache anything in memory, or keep a
// goroutine or connection after a call returns: a caller that wants a
// root kept fresh calls Refresh again before [Result].Expires. It has no
// default repository, anchor or cache directory, and never falls back to
// an embedded root. It does not write TUF repositories. It does not check
// the expiry of delegated targets roles in [Result].Expires (Sigstore
// publishes the trusted root in the top-level targets role). It does not
// protect the cache directory from other users of the machine beyond the
// 0700 mode go-tuf gives it. It does not change go-tuf's process-wide
// logger, which discards by default. It does not verify bundles: pass
// [Result].TrustedRoot to package verify/sigstore for that.
package tuf
