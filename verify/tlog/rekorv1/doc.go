// Package rekorv1 is a client of the Rekor v1 REST API that believes nothing
// a server says until it is checked: entries against their leaf hash,
// inclusion proof, signed checkpoint and signed entry timestamp, tree heads
// against the log key, consistency proofs against two verified checkpoints.
// Log keys, checkpoints, proofs and the error vocabulary are package
// [github.com/ats-run/selfattest/verify/tlog]'s.
//
// It is a package of its own so that a reader of tlog-tiles logs (Rekor v2,
// any C2SP log) does not compile a Rekor v1 client.
//
// # The API
//
// Rekor v1 serves a JSON REST API instead of tiles. Five func types with the
// same kind of contract read it — [LogInfoFetcherFunc] (GET /api/v1/log),
// [EntryFetcherFunc] (GET /api/v1/log/entries/{uuid}), [IndexFetcherFunc]
// (?logIndex=N), [SearchFetcherFunc] (POST /api/v1/index/retrieve) and
// [ProofFetcherFunc] (GET /api/v1/log/proof) — implemented by [HTTPFetcher]
// (internal/fetch, with the limits and retries of the tiles HTTPFetcher
// of package [github.com/ats-run/selfattest/verify/tlog/logfetch]) and
// [DirFetcher] (responses stored as files). Everything a server says is
// checked before it is returned: [FetchEntry] and [FetchEntryByIndex] return
// an [Entry] only if its UUID is its body's leaf hash, its inclusion proof
// leads to a checkpoint the log signed (origin [tlog.RekorV1Origin](key
// name, the UUID's tree ID)), its signed entry timestamp verifies with the
// log key (so its global index and integrated time are the log's word), and
// it is the entry asked for. [FetchLogInfo] verifies the signed tree head of
// the shard the caller names; [FetchConsistencyProof] verifies a proof
// between two verified checkpoints. [Search] returns unverified UUIDs only:
// the search index is not signed. Lies are rejections ([*Error] and the
// errors above, all wrapping [tlog.ErrVerification]); a response that cannot
// be read, or is larger than its limit ([MaxEntrySize] and others), is a
// [*tlog.FetchError] wrapping [tlog.ErrUnavailable], and one that is not the
// JSON the API defines an [*tlog.AnswerError] wrapping
// [tlog.ErrUnavailable]. [ParseLogInfo], [ParseEntry], [ParseSearchResult]
// and [ParseConsistencyProof] are the strict parsers; the wire format is
// written down in rekorv1.go.
//
// This is a small client of its own, not Rekor's generated one
// (github.com/sigstore/rekor/pkg/generated/client, go-openapi). Measured
// with go list -deps: this package compiles the 16 non-standard packages of
// verify/tlog; Rekor's client with its entries, index and tlog packages and
// models compiles 96 more at rekor v1.5.3 (go-openapi runtime, strfmt and
// validate, OpenTelemetry, YAML, mapstructure). The root module as a whole
// links them already through sigstore-go, but this package is imported on
// its own (verifiers that confirm online, monitors). Weight aside, the
// generated client reads whole bodies without a limit, uses its own HTTP
// client rather than internal/fetch's redirect, proxy and time rules, and
// does not retry; and its models would still need every check above.
//
// # Example
//
//	f, err := rekorv1.NewHTTPFetcher("https://rekor.sigstore.dev", logfetch.HTTPOptions{})
//	if err != nil { ... } // a *tlog.PolicyError
//	e, err := rekorv1.FetchEntryByIndex(ctx, f.EntryByIndex, 27246492, keys...)
//	switch {
//	case errors.Is(err, tlog.ErrVerification): // the log lied
//	case errors.Is(err, tlog.ErrUnavailable): // could not check
//	}
//	fmt.Println(e.LogIndex, e.IntegratedTime)
//
// # What it does not do
//
// It does not write to Rekor, follow its shards on its own (the caller names
// the shard, by the origin of its checkpoints), or trust the search index:
// [Search] returns UUIDs to fetch and verify, never facts.
package rekorv1
