package tlog

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/ats-run/selfattest/internal/fetch"
)

// Fetching from a Rekor v1 REST API. As for tiles, the verifying functions
// ([FetchRekorV1LogInfo], [FetchRekorV1Entry], [FetchRekorV1EntryByIndex],
// [SearchRekorV1], [FetchRekorV1ConsistencyProof]) read through func types
// with a written contract, and [RekorV1HTTPFetcher] and [RekorV1DirFetcher]
// are the two implementations this package provides; their methods are
// such funcs:
//
//	f, err := tlog.NewRekorV1HTTPFetcher("https://rekor.sigstore.dev", tlog.HTTPOptions{})
//	e, err := tlog.FetchRekorV1EntryByIndex(ctx, f.EntryByIndex, 27246492, keys...)
//
// Every fetcher returns the response body exactly as served and checks
// nothing but its size: the verifying functions check the bytes.

// RekorV1LogInfoFetcherFunc returns the response to GET /api/v1/log.
//
// Contract: it MUST honour ctx and MUST NOT return more than
// [MaxRekorV1LogInfoSize] bytes (a larger response is an error). Any error
// means "could not read"; an error from it is reported wrapped in a
// [*FetchError].
type RekorV1LogInfoFetcherFunc func(ctx context.Context) ([]byte, error)

// RekorV1EntryFetcherFunc returns the response to GET
// /api/v1/log/entries/{uuid}; uuid is 64 or 80 lower-case hex digits.
//
// Contract: as [RekorV1LogInfoFetcherFunc], with the limit
// [MaxRekorV1EntrySize], and it MUST return an error wrapping
// [os.ErrNotExist] when the log has no such entry.
type RekorV1EntryFetcherFunc func(ctx context.Context, uuid string) ([]byte, error)

// RekorV1IndexFetcherFunc returns the response to GET
// /api/v1/log/entries?logIndex=N, N being the index in the whole log.
//
// Contract: as [RekorV1EntryFetcherFunc].
type RekorV1IndexFetcherFunc func(ctx context.Context, logIndex uint64) ([]byte, error)

// RekorV1SearchFetcherFunc returns the response to POST
// /api/v1/index/retrieve with the body {"hash":"sha256:<hex of digest>"};
// digest is 32 bytes.
//
// Contract: as [RekorV1LogInfoFetcherFunc], with the limit
// [MaxRekorV1SearchSize]. A digest the index does not know is an empty
// array, not an error; a fetcher that cannot tell (a folder that holds no
// answer for that digest) returns an error wrapping [os.ErrNotExist].
type RekorV1SearchFetcherFunc func(ctx context.Context, digest []byte) ([]byte, error)

// RekorV1ProofFetcherFunc returns the response to GET
// /api/v1/log/proof?firstSize=M&lastSize=N&treeID=T: the consistency proof
// between two sizes (0 < firstSize < lastSize) of shard treeID.
//
// Contract: as [RekorV1LogInfoFetcherFunc], with the limit
// [MaxRekorV1ProofSize].
type RekorV1ProofFetcherFunc func(ctx context.Context, treeID int64, firstSize, lastSize uint64) ([]byte, error)

// Request paths, as named in a [FetchError].
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

// FetchRekorV1LogInfo reads a Rekor v1 log info with f and verifies it with
// [VerifyRekorV1LogInfo] for the shard with this origin. A failure to read
// is a [*FetchError] (could not check); a response that does not verify is
// a rejection wrapping [ErrVerification].
func FetchRekorV1LogInfo(ctx context.Context, f RekorV1LogInfoFetcherFunc, origin string, logKeys ...*LogKey) (*RekorV1LogInfo, error) {
	if f == nil {
		return nil, &PolicyError{Reason: "nil RekorV1LogInfoFetcherFunc"}
	}
	if _, _, err := rekorV1TreeID(origin); err != nil {
		return nil, err
	}
	b, err := f(ctx)
	if err != nil {
		return nil, fetchError(rekorV1LogPath, err)
	}
	return VerifyRekorV1LogInfo(b, origin, logKeys...)
}

// FetchRekorV1Entry reads the entry with this UUID (64 or 80 hex digits,
// any case) with f and verifies it with [VerifyRekorV1Entry]. The entry
// returned must be the one asked for: its UUID equal to uuid, or for a
// 64-digit uuid its leaf-hash part; anything else is a [*RekorV1Error].
// A malformed uuid is a [*PolicyError]; a failure to read a [*FetchError].
func FetchRekorV1Entry(ctx context.Context, f RekorV1EntryFetcherFunc, uuid string, logKeys ...*LogKey) (*RekorV1Entry, error) {
	if f == nil {
		return nil, &PolicyError{Reason: "nil RekorV1EntryFetcherFunc"}
	}
	if len(logKeys) == 0 {
		return nil, &PolicyError{Reason: "no log key given"}
	}
	uuid = strings.ToLower(uuid)
	if err := checkUUIDSyntax(uuid); err != nil {
		return nil, &PolicyError{Reason: fmt.Sprintf("entry UUID: %v", err)}
	}
	b, err := f(ctx, uuid)
	if err != nil {
		return nil, fetchError(rekorV1EntriesPath+"/"+uuid, err)
	}
	e, err := VerifyRekorV1Entry(b, logKeys...)
	if err != nil {
		return nil, err
	}
	if got := e.UUID[len(e.UUID)-len(uuid):]; got != uuid {
		return nil, &RekorV1Error{What: "entry UUID", Want: uuid, Got: e.UUID}
	}
	return e, nil
}

// FetchRekorV1EntryByIndex reads the entry at logIndex (its index in the
// whole log, across shards) with f and verifies it with
// [VerifyRekorV1Entry]. The entry's logIndex, which its signed entry
// timestamp covers, must be logIndex; anything else is a [*RekorV1Error].
func FetchRekorV1EntryByIndex(ctx context.Context, f RekorV1IndexFetcherFunc, logIndex uint64, logKeys ...*LogKey) (*RekorV1Entry, error) {
	if f == nil {
		return nil, &PolicyError{Reason: "nil RekorV1IndexFetcherFunc"}
	}
	if len(logKeys) == 0 {
		return nil, &PolicyError{Reason: "no log key given"}
	}
	if logIndex > math.MaxInt64 {
		return nil, &PolicyError{Reason: fmt.Sprintf("log index %d is too large", logIndex)}
	}
	b, err := f(ctx, logIndex)
	if err != nil {
		return nil, fetchError(withQuery(rekorV1EntriesPath, rekorV1IndexQuery(logIndex)), err)
	}
	e, err := VerifyRekorV1Entry(b, logKeys...)
	if err != nil {
		return nil, err
	}
	if e.LogIndex != logIndex {
		return nil, &RekorV1Error{What: "entry logIndex", Want: strconv.FormatUint(logIndex, 10), Got: strconv.FormatUint(e.LogIndex, 10)}
	}
	return e, nil
}

// SearchRekorV1 asks the log's search index which entries name the SHA-256
// digest (an artifact's, or a hashedrekord's data hash) and returns their
// UUIDs, as [ParseRekorV1SearchResult] parses them. The index is not signed
// by the log: the UUIDs are hints, unverified. Fetch each with
// [FetchRekorV1Entry] to verify it, and read its body to learn whether it
// names the digest; an entry missing from the answer proves nothing.
// A digest that is not 32 bytes is a [*PolicyError]; a failure to read a
// [*FetchError].
func SearchRekorV1(ctx context.Context, f RekorV1SearchFetcherFunc, digest []byte) (unverifiedUUIDs []string, err error) {
	if f == nil {
		return nil, &PolicyError{Reason: "nil RekorV1SearchFetcherFunc"}
	}
	if len(digest) != HashSize {
		return nil, &PolicyError{Reason: fmt.Sprintf("SHA-256 digest of %d bytes", len(digest))}
	}
	b, err := f(ctx, bytes.Clone(digest))
	if err != nil {
		return nil, fetchError(rekorV1RetrievePath, err)
	}
	return ParseRekorV1SearchResult(b)
}

// FetchRekorV1ConsistencyProof reads the consistency proof from older to
// newer (two verified checkpoints of one Rekor v1 shard) with f and
// verifies it with [VerifyRekorV1ConsistencyProof]. When no proof is needed
// (equal sizes, older empty) or none can be (another origin, a smaller
// newer), nothing is read and the verdict is [VerifyConsistency]'s. It
// returns the verified proof, to keep as evidence.
func FetchRekorV1ConsistencyProof(ctx context.Context, f RekorV1ProofFetcherFunc, older, newer *VerifiedCheckpoint) ([][]byte, error) {
	if _, err := treeOf(older); err != nil {
		return nil, err
	}
	if _, err := treeOf(newer); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, &PolicyError{Reason: "nil RekorV1ProofFetcherFunc"}
	}
	if older.Origin != newer.Origin || older.Size == 0 || older.Size >= newer.Size {
		if err := VerifyConsistency(older, newer, nil); err != nil {
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
	return VerifyRekorV1ConsistencyProof(b, older, newer)
}

// A RekorV1HTTPFetcher reads a Rekor v1 REST API over HTTP(S) through
// internal/fetch, with the rules of [HTTPFetcher]: bounded bodies (each
// response's own limit), a time-out per request, no redirect to plain
// http, retries with back-off on transient failures only ([HTTPOptions]).
// The search is a POST, retried like a GET since it changes nothing, and
// follows only 307 and 308 redirects. A 404 is an error wrapping
// [os.ErrNotExist]. Its methods return a [*FetchError] on failure, and an
// [*AnswerError] (could not check) for an answer served as text/html,
// which no Rekor serves; they are safe for concurrent use.
type RekorV1HTTPFetcher struct {
	base *url.URL
	opts HTTPOptions
}

// NewRekorV1HTTPFetcher returns a fetcher for the Rekor v1 server at base
// (the URL under which "api/v1/" lives, such as https://rekor.sigstore.dev).
// base must be an absolute https URL, or http to a loopback host.
func NewRekorV1HTTPFetcher(base string, opts HTTPOptions) (*RekorV1HTTPFetcher, error) {
	f, err := NewHTTPFetcher(base, opts)
	if err != nil {
		return nil, err
	}
	return &RekorV1HTTPFetcher{base: f.base, opts: f.opts}, nil
}

// LogInfo is a [RekorV1LogInfoFetcherFunc].
func (f *RekorV1HTTPFetcher) LogInfo(ctx context.Context) ([]byte, error) {
	return f.do(ctx, rekorV1LogPath, nil, nil, MaxRekorV1LogInfoSize)
}

// Entry is a [RekorV1EntryFetcherFunc].
func (f *RekorV1HTTPFetcher) Entry(ctx context.Context, uuid string) ([]byte, error) {
	path := rekorV1EntriesPath + "/" + uuid
	if err := checkUUIDSyntax(uuid); err != nil {
		return nil, &FetchError{Path: path, Err: err}
	}
	return f.do(ctx, path, nil, nil, MaxRekorV1EntrySize)
}

// EntryByIndex is a [RekorV1IndexFetcherFunc].
func (f *RekorV1HTTPFetcher) EntryByIndex(ctx context.Context, logIndex uint64) ([]byte, error) {
	return f.do(ctx, rekorV1EntriesPath, rekorV1IndexQuery(logIndex), nil, MaxRekorV1EntrySize)
}

// Search is a [RekorV1SearchFetcherFunc].
func (f *RekorV1HTTPFetcher) Search(ctx context.Context, digest []byte) ([]byte, error) {
	if len(digest) != HashSize {
		return nil, &FetchError{Path: rekorV1RetrievePath, Err: fmt.Errorf("SHA-256 digest of %d bytes", len(digest))}
	}
	body, err := json.Marshal(struct {
		Hash string `json:"hash"`
	}{"sha256:" + hex.EncodeToString(digest)})
	if err != nil {
		panic(err) // a struct of one string always marshals
	}
	return f.do(ctx, rekorV1RetrievePath, nil, body, MaxRekorV1SearchSize)
}

// ConsistencyProof is a [RekorV1ProofFetcherFunc].
func (f *RekorV1HTTPFetcher) ConsistencyProof(ctx context.Context, treeID int64, firstSize, lastSize uint64) ([]byte, error) {
	return f.do(ctx, rekorV1ProofPath, rekorV1ProofQuery(treeID, firstSize, lastSize), nil, MaxRekorV1ProofSize)
}

// do sends a GET (post nil) or a JSON POST and retries as [HTTPFetcher]
// does.
func (f *RekorV1HTTPFetcher) do(ctx context.Context, path string, query url.Values, post []byte, limit int64) ([]byte, error) {
	u := *f.base
	u.Path += "/" + path
	u.RawQuery = query.Encode()
	name := withQuery(path, query)
	opts := fetch.Options{
		MaxBytes:  limit,
		Timeout:   f.opts.Timeout,
		Transport: f.opts.Transport,
		UserAgent: f.opts.UserAgent,
	}
	var contentType string
	b, err := retrying(ctx, name, f.opts, func(w io.Writer) error {
		var info fetch.Info
		var err error
		if post == nil {
			info, err = fetch.Get(ctx, u.String(), w, opts)
		} else {
			info, err = fetch.Post(ctx, u.String(), "application/json", post, w, opts)
		}
		contentType = info.ContentType
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := notHTML(name, contentType); err != nil {
		return nil, err
	}
	return b, nil
}

// A RekorV1DirFetcher reads Rekor v1 responses stored as files in a folder
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
// wrapping [os.ErrNotExist]. Its methods return a [*FetchError] on failure.
type RekorV1DirFetcher struct {
	dir DirFetcher
}

// NewRekorV1DirFetcher returns a fetcher reading responses stored under
// root. The caller owns root and closes it after the last call.
func NewRekorV1DirFetcher(root *os.Root) *RekorV1DirFetcher {
	return &RekorV1DirFetcher{dir: DirFetcher{root: root}}
}

// LogInfo is a [RekorV1LogInfoFetcherFunc].
func (f *RekorV1DirFetcher) LogInfo(ctx context.Context) ([]byte, error) {
	return f.dir.read(ctx, "log.json", MaxRekorV1LogInfoSize)
}

// Entry is a [RekorV1EntryFetcherFunc].
func (f *RekorV1DirFetcher) Entry(ctx context.Context, uuid string) ([]byte, error) {
	path := "entries/" + uuid + ".json"
	if err := checkUUIDSyntax(uuid); err != nil {
		return nil, &FetchError{Path: path, Err: err}
	}
	return f.dir.read(ctx, path, MaxRekorV1EntrySize)
}

// EntryByIndex is a [RekorV1IndexFetcherFunc].
func (f *RekorV1DirFetcher) EntryByIndex(ctx context.Context, logIndex uint64) ([]byte, error) {
	return f.dir.read(ctx, "index/"+strconv.FormatUint(logIndex, 10)+".json", MaxRekorV1EntrySize)
}

// Search is a [RekorV1SearchFetcherFunc].
func (f *RekorV1DirFetcher) Search(ctx context.Context, digest []byte) ([]byte, error) {
	return f.dir.read(ctx, "retrieve/sha256/"+hex.EncodeToString(digest)+".json", MaxRekorV1SearchSize)
}

// ConsistencyProof is a [RekorV1ProofFetcherFunc].
func (f *RekorV1DirFetcher) ConsistencyProof(ctx context.Context, treeID int64, firstSize, lastSize uint64) ([]byte, error) {
	return f.dir.read(ctx, fmt.Sprintf("proof/%d/%d-%d.json", treeID, firstSize, lastSize), MaxRekorV1ProofSize)
}
