package rekorv1

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/internal/logio"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
)

// Fetching from a Rekor v1 REST API. As for tiles, the verifying functions
// ([FetchLogInfo], [FetchEntry], [FetchEntryByIndex],
// [Search], [FetchConsistencyProof]) read through func types
// with a written contract, and [HTTPFetcher] and [DirFetcher]
// are the two implementations this package provides; their methods are
// such funcs:
//
//	f, err := rekorv1.NewHTTPFetcher("https://rekor.sigstore.dev", logfetch.HTTPOptions{})
//	e, err := rekorv1.FetchEntryByIndex(ctx, f.EntryByIndex, 27246492, keys...)
//
// Every fetcher returns the response body exactly as served and checks
// nothing but its size: the verifying functions check the bytes.

// LogInfoFetcherFunc returns the response to GET /api/v1/log.
//
// Contract: it MUST honour ctx and MUST NOT return more than
// [MaxLogInfoSize] bytes (a larger response is an error). Any error
// means "could not read"; an error from it is reported wrapped in a
// [*tlog.FetchError].
type LogInfoFetcherFunc func(ctx context.Context) ([]byte, error)

// EntryFetcherFunc returns the response to GET
// /api/v1/log/entries/{uuid}; uuid is 64 or 80 lower-case hex digits.
//
// Contract: as [LogInfoFetcherFunc], with the limit
// [MaxEntrySize], and it MUST return an error wrapping
// [os.ErrNotExist] when the log has no such entry.
type EntryFetcherFunc func(ctx context.Context, uuid string) ([]byte, error)

// IndexFetcherFunc returns the response to GET
// /api/v1/log/entries?logIndex=N, N being the index in the whole log.
//
// Contract: as [EntryFetcherFunc].
type IndexFetcherFunc func(ctx context.Context, logIndex uint64) ([]byte, error)

// SearchFetcherFunc returns the response to POST
// /api/v1/index/retrieve with the body {"hash":"sha256:<hex of digest>"};
// digest is 32 bytes.
//
// Contract: as [LogInfoFetcherFunc], with the limit
// [MaxSearchSize]. A digest the index does not know is an empty
// array, not an error; a fetcher that cannot tell (a folder that holds no
// answer for that digest) returns an error wrapping [os.ErrNotExist].
type SearchFetcherFunc func(ctx context.Context, digest []byte) ([]byte, error)

// ProofFetcherFunc returns the response to GET
// /api/v1/log/proof?firstSize=M&lastSize=N&treeID=T: the consistency proof
// between two sizes (0 < firstSize < lastSize) of shard treeID.
//
// Contract: as [LogInfoFetcherFunc], with the limit
// [MaxProofSize].
type ProofFetcherFunc func(ctx context.Context, treeID int64, firstSize, lastSize uint64) ([]byte, error)

// Request paths, as named in a [tlog.FetchError].
const (
	rekorV1LogPath      = "api/v1/log"
	rekorV1EntriesPath  = "api/v1/log/entries"
	rekorV1RetrievePath = "api/v1/index/retrieve"
	rekorV1ProofPath    = "api/v1/log/proof"
)

func rekorV1IndexQuery(logIndex uint64) url.Values {
	return url.Values{"logIndex": {strconv.FormatUint(logIndex, 10)}}
}

func rekorV1ProofQuery(treeID int64, first, last uint64) url.Values {
	return url.Values{
		"firstSize": {strconv.FormatUint(first, 10)},
		"lastSize":  {strconv.FormatUint(last, 10)},
		"treeID":    {strconv.FormatInt(treeID, 10)},
	}
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// FetchLogInfo reads a Rekor v1 log info with f and verifies it with
// [VerifyLogInfo] for the shard with this origin. A failure to read
// is a [*tlog.FetchError] (could not check); a response that does not verify is
// a rejection wrapping [tlog.ErrVerification].
func FetchLogInfo(ctx context.Context, f LogInfoFetcherFunc, origin string, logKeys ...*tlog.LogKey) (*LogInfo, error) {
	if f == nil {
		return nil, &tlog.PolicyError{Reason: "nil LogInfoFetcherFunc"}
	}
	if _, _, err := rekorV1TreeID(origin); err != nil {
		return nil, err
	}
	b, err := f(ctx)
	if err != nil {
		return nil, fetchError(rekorV1LogPath, err)
	}
	return VerifyLogInfo(b, origin, logKeys...)
}

// FetchEntry reads the entry with this UUID (64 or 80 hex digits,
// any case) with f and verifies it with [VerifyEntry]. The entry
// returned must be the one asked for: its UUID equal to uuid, or for a
// 64-digit uuid its leaf-hash part; anything else is a [*Error].
// A malformed uuid is a [*tlog.PolicyError]; a failure to read a [*tlog.FetchError].
func FetchEntry(ctx context.Context, f EntryFetcherFunc, uuid string, logKeys ...*tlog.LogKey) (*Entry, error) {
	if f == nil {
		return nil, &tlog.PolicyError{Reason: "nil EntryFetcherFunc"}
	}
	if len(logKeys) == 0 {
		return nil, &tlog.PolicyError{Reason: "no log key given"}
	}
	uuid = strings.ToLower(uuid)
	if err := checkUUIDSyntax(uuid); err != nil {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("entry UUID: %v", err)}
	}
	b, err := f(ctx, uuid)
	if err != nil {
		return nil, fetchError(rekorV1EntriesPath+"/"+uuid, err)
	}
	e, err := VerifyEntry(b, logKeys...)
	if err != nil {
		return nil, err
	}
	if got := e.UUID[len(e.UUID)-len(uuid):]; got != uuid {
		return nil, &Error{What: "entry UUID", Want: uuid, Got: e.UUID}
	}
	return e, nil
}

// FetchEntryByIndex reads the entry at logIndex (its index in the
// whole log, across shards) with f and verifies it with
// [VerifyEntry]. The entry's logIndex, which its signed entry
// timestamp covers, must be logIndex; anything else is a [*Error].
func FetchEntryByIndex(ctx context.Context, f IndexFetcherFunc, logIndex uint64, logKeys ...*tlog.LogKey) (*Entry, error) {
	if f == nil {
		return nil, &tlog.PolicyError{Reason: "nil IndexFetcherFunc"}
	}
	if len(logKeys) == 0 {
		return nil, &tlog.PolicyError{Reason: "no log key given"}
	}
	if logIndex > math.MaxInt64 {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("log index %d is too large", logIndex)}
	}
	b, err := f(ctx, logIndex)
	if err != nil {
		return nil, fetchError(withQuery(rekorV1EntriesPath, rekorV1IndexQuery(logIndex)), err)
	}
	e, err := VerifyEntry(b, logKeys...)
	if err != nil {
		return nil, err
	}
	if e.LogIndex != logIndex {
		return nil, &Error{What: "entry logIndex", Want: strconv.FormatUint(logIndex, 10), Got: strconv.FormatUint(e.LogIndex, 10)}
	}
	return e, nil
}

// Search asks the log's search index which entries name the SHA-256
// digest (an artifact's, or a hashedrekord's data hash) and returns their
// UUIDs, as [ParseSearchResult] parses them. The index is not signed
// by the log: the UUIDs are hints, unverified. Fetch each with
// [FetchEntry] to verify it, and read its body to learn whether it
// names the digest; an entry missing from the answer proves nothing.
// A digest that is not 32 bytes is a [*tlog.PolicyError]; a failure to read a
// [*tlog.FetchError].
func Search(ctx context.Context, f SearchFetcherFunc, digest []byte) (unverifiedUUIDs []string, err error) {
	if f == nil {
		return nil, &tlog.PolicyError{Reason: "nil SearchFetcherFunc"}
	}
	if len(digest) != tlog.HashSize {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("SHA-256 digest of %d bytes", len(digest))}
	}
	b, err := f(ctx, bytes.Clone(digest))
	if err != nil {
		return nil, fetchError(rekorV1RetrievePath, err)
	}
	return ParseSearchResult(b)
}

// FetchConsistencyProof reads the consistency proof from older to
// newer (two verified checkpoints of one Rekor v1 shard) with f and
// verifies it with [VerifyConsistencyProof]. When no proof is needed
// (equal sizes, older empty) or none can be (another origin, a smaller
// newer), nothing is read and the verdict is [tlog.VerifyConsistency]'s. It
// returns the verified proof, to keep as evidence.
func FetchConsistencyProof(ctx context.Context, f ProofFetcherFunc, older, newer *tlog.VerifiedCheckpoint) ([][]byte, error) {
	if err := checkVerified(older); err != nil {
		return nil, err
	}
	if err := checkVerified(newer); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, &tlog.PolicyError{Reason: "nil ProofFetcherFunc"}
	}
	if older.Origin != newer.Origin || older.Size == 0 || older.Size >= newer.Size {
		if err := tlog.VerifyConsistency(older, newer, nil); err != nil {
			return nil, err
		}
		return [][]byte{}, nil
	}
	_, treeID, err := rekorV1TreeID(newer.Origin)
	if err != nil {
		return nil, err
	}
	b, err := f(ctx, treeID, older.Size, newer.Size)
	if err != nil {
		return nil, fetchError(withQuery(rekorV1ProofPath, rekorV1ProofQuery(treeID, older.Size, newer.Size)), err)
	}
	return VerifyConsistencyProof(b, older, newer)
}

// An HTTPFetcher reads a Rekor v1 REST API over HTTP(S) through
// internal/fetch, with the rules of [logfetch.HTTPFetcher]: bounded bodies (each
// response's own limit), a time-out per request, no redirect to plain
// http, retries with back-off on transient failures only ([logfetch.HTTPOptions]).
// The search is a POST, retried like a GET since it changes nothing, and
// follows only 307 and 308 redirects. A 404 is an error wrapping
// [os.ErrNotExist]. Its methods return a [*tlog.FetchError] on failure, and an
// [*tlog.AnswerError] (could not check) for an answer served as text/html,
// which no Rekor serves; they are safe for concurrent use.
type HTTPFetcher struct {
	h *logio.HTTP
}

// NewHTTPFetcher returns a fetcher for the Rekor v1 server at base
// (the URL under which "api/v1/" lives, such as https://rekor.sigstore.dev).
// base must be an absolute https URL, or http to a loopback host.
func NewHTTPFetcher(base string, opts logfetch.HTTPOptions) (*HTTPFetcher, error) {
	h, err := logio.NewHTTP(base, opts.Timeout, opts.Retries, opts.Backoff, opts.Transport, opts.UserAgent)
	if err != nil {
		return nil, &tlog.PolicyError{Reason: err.Error()}
	}
	return &HTTPFetcher{h: h}, nil
}

// LogInfo is a [LogInfoFetcherFunc].
func (f *HTTPFetcher) LogInfo(ctx context.Context) ([]byte, error) {
	return f.do(ctx, rekorV1LogPath, nil, nil, MaxLogInfoSize)
}

// Entry is a [EntryFetcherFunc].
func (f *HTTPFetcher) Entry(ctx context.Context, uuid string) ([]byte, error) {
	path := rekorV1EntriesPath + "/" + uuid
	if err := checkUUIDSyntax(uuid); err != nil {
		return nil, &tlog.FetchError{Path: path, Err: err}
	}
	return f.do(ctx, path, nil, nil, MaxEntrySize)
}

// EntryByIndex is a [IndexFetcherFunc].
func (f *HTTPFetcher) EntryByIndex(ctx context.Context, logIndex uint64) ([]byte, error) {
	return f.do(ctx, rekorV1EntriesPath, rekorV1IndexQuery(logIndex), nil, MaxEntrySize)
}

// Search is a [SearchFetcherFunc].
func (f *HTTPFetcher) Search(ctx context.Context, digest []byte) ([]byte, error) {
	if len(digest) != tlog.HashSize {
		return nil, &tlog.FetchError{Path: rekorV1RetrievePath, Err: fmt.Errorf("SHA-256 digest of %d bytes", len(digest))}
	}
	body, err := json.Marshal(struct {
		Hash string `json:"hash"`
	}{"sha256:" + hex.EncodeToString(digest)})
	if err != nil {
		panic(err) // a struct of one string always marshals
	}
	return f.do(ctx, rekorV1RetrievePath, nil, body, MaxSearchSize)
}

// ConsistencyProof is a [ProofFetcherFunc].
func (f *HTTPFetcher) ConsistencyProof(ctx context.Context, treeID int64, firstSize, lastSize uint64) ([]byte, error) {
	return f.do(ctx, rekorV1ProofPath, rekorV1ProofQuery(treeID, firstSize, lastSize), nil, MaxProofSize)
}

// do sends a GET (post nil) or a JSON POST and retries as [HTTPFetcher]
// does.
func (f *HTTPFetcher) do(ctx context.Context, path string, query url.Values, post []byte, limit int64) ([]byte, error) {
	name := withQuery(path, query)
	b, contentType, err := f.h.Do(ctx, path, query, post, limit)
	if err != nil {
		return nil, &tlog.FetchError{Path: name, Err: err}
	}
	if mt := logio.HTML(contentType); mt != "" {
		// No Rekor serves a web page.
		return nil, &tlog.AnswerError{What: "answer", Path: name, Err: fmt.Errorf("served as %s", mt)}
	}
	return b, nil
}

// A DirFetcher reads Rekor v1 responses stored as files in a folder
// (captured evidence, a test fixture) through an [os.Root], so no path can
// leave it, reading no more than each response's limit. Each file holds one
// response body exactly as the server sent it:
//
//	log.json                             GET /api/v1/log
//	entries/<uuid>.json                  GET /api/v1/log/entries/<uuid>, under the UUID as asked for
//	index/<logIndex>.json                GET /api/v1/log/entries?logIndex=<logIndex>
//	retrieve/sha256/<hex digest>.json    POST /api/v1/index/retrieve
//	proof/<treeID>/<first>-<last>.json   GET /api/v1/log/proof?firstSize=<first>&lastSize=<last>&treeID=<treeID>
//
// Numbers are decimal, hex is lower case. A missing file is an error
// wrapping [os.ErrNotExist]. Its methods return a [*tlog.FetchError] on failure.
type DirFetcher struct {
	root *os.Root
}

// NewDirFetcher returns a fetcher reading responses stored under
// root. The caller owns root and closes it after the last call.
func NewDirFetcher(root *os.Root) *DirFetcher {
	return &DirFetcher{root: root}
}

// LogInfo is a [LogInfoFetcherFunc].
func (f *DirFetcher) LogInfo(ctx context.Context) ([]byte, error) {
	return f.read(ctx, "log.json", MaxLogInfoSize)
}

// Entry is a [EntryFetcherFunc].
func (f *DirFetcher) Entry(ctx context.Context, uuid string) ([]byte, error) {
	path := "entries/" + uuid + ".json"
	if err := checkUUIDSyntax(uuid); err != nil {
		return nil, &tlog.FetchError{Path: path, Err: err}
	}
	return f.read(ctx, path, MaxEntrySize)
}

// EntryByIndex is a [IndexFetcherFunc].
func (f *DirFetcher) EntryByIndex(ctx context.Context, logIndex uint64) ([]byte, error) {
	return f.read(ctx, "index/"+strconv.FormatUint(logIndex, 10)+".json", MaxEntrySize)
}

// Search is a [SearchFetcherFunc].
func (f *DirFetcher) Search(ctx context.Context, digest []byte) ([]byte, error) {
	return f.read(ctx, "retrieve/sha256/"+hex.EncodeToString(digest)+".json", MaxSearchSize)
}

// ConsistencyProof is a [ProofFetcherFunc].
func (f *DirFetcher) ConsistencyProof(ctx context.Context, treeID int64, firstSize, lastSize uint64) ([]byte, error) {
	return f.read(ctx, fmt.Sprintf("proof/%d/%d-%d.json", treeID, firstSize, lastSize), MaxProofSize)
}

func (f *DirFetcher) read(ctx context.Context, path string, limit int64) ([]byte, error) {
	b, err := logio.ReadIn(ctx, f.root, path, limit)
	if err != nil {
		return nil, &tlog.FetchError{Path: path, Err: err}
	}
	return b, nil
}
