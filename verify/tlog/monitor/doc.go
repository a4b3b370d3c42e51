// Package monitor watches one transparency log the way a Certificate
// Transparency monitor does: each [Monitor.Run] verifies the log's newest
// checkpoint, proves it consistent with the one the previous run verified,
// then reads every entry added since, verified, and hands each to a
// [MatchFunc] that says whether it is one the caller watches for (package
// [github.com/ats-run/selfattest/verify/sigstore/watch].NewMatcher looks
// for release identities).
//
// The log is read through a [Fetcher] (an HTTPFetcher or a DirFetcher of
// package [github.com/ats-run/selfattest/verify/tlog/logfetch], or
// [FetcherFuncs]), and what the monitor has seen is kept by a [Store]
// ([FileStore], [MemoryStore]): the monitor itself reads no file and no
// network but through them. The checks are package
// [github.com/ats-run/selfattest/verify/tlog]'s.
//
// # Example
//
//	f, err := logfetch.NewHTTPFetcher("https://log2025-1.rekor.sigstore.dev", logfetch.HTTPOptions{})
//	if err != nil { ... }
//	match, err := watch.NewMatcher(rules...)
//	if err != nil { ... }
//	mon, err := monitor.New("log2025-1.rekor.sigstore.dev", logKeys, f,
//		monitor.NewFileStore("state.json"), match, monitor.Options{})
//	if err != nil { ... } // a *tlog.PolicyError: a required input is missing
//	run, err := mon.Run(ctx)
//	var split *tlog.InconsistencyError
//	switch {
//	case errors.As(err, &split): // the log showed two views: keep split.Old, split.New, split.Proof
//	case errors.Is(err, tlog.ErrVerification): // the log lied
//	case errors.Is(err, tlog.ErrUnavailable): // could not check: try again later
//	case err != nil: // a *StateError (the store), a *tlog.PolicyError (the caller)
//	}
//	for _, m := range run.Matches { ... }
//
// # Inputs and options
//
// What a monitor cannot do without is positional in [New]: the log's
// origin and keys (trust is never implied), the [Fetcher], the [Store] and
// the [MatchFunc]. Everything else is in [Options], whose zero value is
// safe: no witness policy, a new state starting at entry 0, every new
// entry scanned by GOMAXPROCS workers, the state saved every 4096 entries.
// [Options.Witnesses] requires a quorum of witness cosignatures on every
// checkpoint accepted; [Options.OnMatch] reports each match as it is found.
//
// # State
//
// A [State] is the last verified checkpoint (a signed note) and the index
// of the first entry not yet scanned, stored as JSON ([StateSchema],
// [ParseState]). The new checkpoint is saved before any entry is scanned,
// and the index advances only over entries whose matches were reported, in
// index order: a run that fails midway (a fetch that fails, an OnMatch that
// refuses a match) leaves the state at the last fully reported entry, and
// the next run resumes there. No entry is skipped; a match may be reported
// twice, never not at all. A [FileStore] replaces its file atomically
// (temporary file, sync, rename, sync of the folder) and reads it with a
// size limit ([MaxStateSize]).
//
// # Errors
//
// A split view is a [*tlog.InconsistencyError] with both checkpoints and
// the proof, a shrunk tree a [*tlog.RollbackError]: rejections wrapping
// [tlog.ErrVerification], after which the state is left untouched. A fetch
// that fails is a [*tlog.FetchError] wrapping [tlog.ErrUnavailable]. A
// [*StateError] (a state that does not parse, belongs to another log, or
// holds a checkpoint the log's keys do not verify) is neither a verdict on
// the log nor "could not check" the log: it is the monitor's own storage
// that is wrong.
//
// # What it does not do
//
// It does not read Rekor v1 (package verify/tlog/rekorv1 does), decide what
// an entry means (the [MatchFunc] does), alert anyone (OnMatch may), or run
// in the background: each Run is one pass, called when the caller chooses.
package monitor
