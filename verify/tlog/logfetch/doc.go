// Package logfetch reads transparency-log data: a tlog-tiles log (Rekor
// v2, any tessera log) over HTTP(S) ([HTTPFetcher]) or from a folder
// ([DirFetcher]), with the HTTP options every log client of this module
// takes ([HTTPOptions], also those of package
// [github.com/ats-run/selfattest/verify/tlog/rekorv1]).
//
// The verifying functions of package
// [github.com/ats-run/selfattest/verify/tlog] read a log through func
// types (tlog.CheckpointFetcherFunc, tlog.TileFetcherFunc,
// tlog.EntryBundleFetcherFunc), and a fetcher's methods have their
// signatures, so a method value is one:
//
//	f, err := logfetch.NewHTTPFetcher("https://log2025-1.rekor.sigstore.dev", logfetch.HTTPOptions{})
//	cp, err := tlog.FetchCheckpoint(ctx, f.Checkpoint, origin, keys...)
//	entry, err := tlog.FetchEntry(ctx, cp, index, f.Tile, f.EntryBundle)
//
// A fetcher returns an object's bytes as stored, bounded by the object's
// size limit, and proves nothing: the verifying functions check the bytes.
// A failure to read is a [*tlog.FetchError] and an answer that is not the
// object asked for (a web page, a tile of the wrong length) a
// [*tlog.AnswerError], both "could not check" (tlog.ErrUnavailable).
//
// It is a package of its own so that the verifying core does not compile
// an HTTP client: a caller with its own store (a database, a cache, an
// object store) plugs in its own funcs.
package logfetch
