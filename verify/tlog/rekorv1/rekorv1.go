package rekorv1

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ats-run/selfattest/verify/tlog"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rekor v1 REST responses. Rekor v1 (github.com/sigstore/rekor, the
// public-good rekor.sigstore.dev until 2025) serves a JSON REST API described
// by its openapi.yaml. This file parses and verifies the five responses this
// package reads; rekorv1_fetch.go fetches them. The wire format, as served:
//
//	GET  /api/v1/log                  {"rootHash": hex, "treeSize": int, "signedTreeHead": note,
//	                                   "treeID": decimal string, "inactiveShards": [{same four}]}
//	GET  /api/v1/log/entries/{uuid}   {"<uuid>": LogEntryAnon}
//	GET  /api/v1/log/entries?logIndex=N
//	                                  {"<uuid>": LogEntryAnon}
//	POST /api/v1/index/retrieve       request {"hash": "sha256:<hex>"}, response ["<uuid>", ...]
//	GET  /api/v1/log/proof?firstSize=M&lastSize=N&treeID=T
//	                                  {"rootHash": hex, "hashes": [hex, ...]}
//
//	LogEntryAnon = {"body": base64 of the canonicalized entry, "integratedTime": unix seconds,
//	                "logID": hex SHA-256 of the log key's SPKI, "logIndex": global index,
//	                "verification": {"inclusionProof": {"checkpoint": note, "hashes": [hex],
//	                                 "logIndex": index in the shard, "rootHash": hex, "treeSize": int},
//	                                 "signedEntryTimestamp": base64 ASN.1 ECDSA signature}}
//
// An entry UUID is 80 hex digits: the shard's tree ID (16) and the entry's
// RFC 6962 leaf hash (64); a 64-digit UUID is the leaf hash alone. The
// signed entry timestamp (SET) is the log key's ECDSA signature over SHA-256
// of the RFC 8785 canonical JSON {"body","integratedTime","logID","logIndex"}.
// Hashes and IDs are lower-case hex, as Rekor writes them; this parser
// accepts only that form, so every accepted value has one encoding.

// Bounds on Rekor v1 responses, in bytes, and on their contents.
const (
	// MaxLogInfoSize bounds a GET /api/v1/log response.
	MaxLogInfoSize = 1 << 20
	// MaxEntrySize bounds an entry response (by UUID or index).
	MaxEntrySize = 4 << 20
	// MaxSearchSize bounds a POST /api/v1/index/retrieve response.
	MaxSearchSize = 256 << 10
	// MaxProofSize bounds a GET /api/v1/log/proof response.
	MaxProofSize = 64 << 10
	// MaxSearchResults bounds the UUIDs a search may return.
	MaxSearchResults = 1000
	// MaxShards bounds the inactive shards of a log info.
	MaxShards = 100
)

// A Error reports a Rekor v1 response that contradicts itself, the
// request it answers or the log's keys: an entry whose UUID is not its
// body's leaf hash, an entry for another UUID or index than the one asked
// for, an inclusion proof whose root or size is not its checkpoint's, a log
// info whose tree ID or root is not its signed tree head's, an invalid
// signed entry timestamp. What names the field; Want and Got are the
// values.
type Error struct {
	What      string
	Want, Got string
}

func (e *Error) Error() string {
	return fmt.Sprintf("tlog: Rekor v1 response: %s is %q, want %q", e.What, e.Got, e.Want)
}

// Unwrap returns [tlog.ErrVerification].
func (e *Error) Unwrap() error { return tlog.ErrVerification }

// Shard is one shard of a Rekor v1 log info, as the server sent it:
// nothing in it is verified.
type Shard struct {
	TreeID         int64  `json:"treeID"`
	TreeSize       uint64 `json:"treeSize"`
	RootHash       []byte `json:"rootHash"`
	SignedTreeHead []byte `json:"signedTreeHead"`
}

// UnverifiedLogInfo is a parsed GET /api/v1/log response: the active
// shard and the inactive ones. [ParseLogInfo] checks its syntax only.
type UnverifiedLogInfo struct {
	Shard
	InactiveShards []Shard `json:"inactiveShards,omitempty"`
}

// LogInfo is a log info whose active shard [VerifyLogInfo]
// verified: Checkpoint is its signed tree head, verified, and the tree ID,
// size and root the response states agree with it.
type LogInfo struct {
	TreeID     int64                    `json:"treeID"`
	Checkpoint *tlog.VerifiedCheckpoint `json:"checkpoint"`
	// UnverifiedInactiveShards are the earlier shards as the server listed
	// them, unchecked: verify one's SignedTreeHead with [tlog.VerifyCheckpoint]
	// and [tlog.RekorV1Origin] before using it.
	UnverifiedInactiveShards []Shard `json:"unverifiedInactiveShards,omitempty"`
}

type rekorV1ShardJSON struct {
	RootHash       *string `json:"rootHash"`
	SignedTreeHead *string `json:"signedTreeHead"`
	TreeID         *string `json:"treeID"`
	TreeSize       *int64  `json:"treeSize"`
}

type rekorV1LogInfoJSON struct {
	rekorV1ShardJSON
	InactiveShards []rekorV1ShardJSON `json:"inactiveShards"`
}

func answerV1(what string, format string, args ...any) error {
	return &tlog.AnswerError{What: "Rekor v1 " + what, Err: fmt.Errorf(format, args...)}
}

// decodeJSON decodes one JSON value, and nothing after it, into v.
func decodeJSON(what string, b []byte, limit int, v any) error {
	if len(b) > limit {
		return answerV1(what, "%d bytes, more than %d", len(b), limit)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return &tlog.AnswerError{What: "Rekor v1 " + what, Err: err}
	}
	if _, err := d.Token(); err != io.EOF {
		return answerV1(what, "data after the JSON value")
	}
	return nil
}

// parseHex32 accepts 64 lower-case hex digits.
func parseHex32(s string) ([]byte, error) {
	if len(s) != 2*tlog.HashSize || strings.ToLower(s) != s {
		return nil, fmt.Errorf("%q is not 64 lower-case hex digits", s)
	}
	return hex.DecodeString(s)
}

func (j *rekorV1ShardJSON) parse(what string) (Shard, error) {
	var s Shard
	if j.RootHash == nil || j.SignedTreeHead == nil || j.TreeID == nil || j.TreeSize == nil {
		return s, answerV1(what, "rootHash, signedTreeHead, treeID or treeSize missing")
	}
	var err error
	if s.RootHash, err = parseHex32(*j.RootHash); err != nil {
		return s, answerV1(what, "rootHash: %w", err)
	}
	if s.TreeID, err = parseTreeID(*j.TreeID); err != nil {
		return s, answerV1(what, "treeID: %w", err)
	}
	if *j.TreeSize < 0 {
		return s, answerV1(what, "negative treeSize %d", *j.TreeSize)
	}
	s.TreeSize = uint64(*j.TreeSize)
	if len(*j.SignedTreeHead) > tlog.MaxCheckpointSize {
		return s, answerV1(what, "signedTreeHead of %d bytes", len(*j.SignedTreeHead))
	}
	s.SignedTreeHead = []byte(*j.SignedTreeHead)
	return s, nil
}

// parseTreeID accepts a canonical decimal tree ID up to MaxInt64.
func parseTreeID(s string) (int64, error) {
	n, err := parseDecimal(s)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("%s is too large", s)
	}
	return int64(n), nil
}

// ParseLogInfo parses a GET /api/v1/log response. It checks syntax
// only (at most [MaxLogInfoSize] bytes and [MaxShards]
// inactive shards); a response that does not parse is an [*tlog.AnswerError]
// (could not check).
func ParseLogInfo(b []byte) (*UnverifiedLogInfo, error) {
	var j rekorV1LogInfoJSON
	if err := decodeJSON("log info", b, MaxLogInfoSize, &j); err != nil {
		return nil, err
	}
	if len(j.InactiveShards) > MaxShards {
		return nil, answerV1("log info", "%d inactive shards, more than %d", len(j.InactiveShards), MaxShards)
	}
	active, err := j.rekorV1ShardJSON.parse("log info")
	if err != nil {
		return nil, err
	}
	info := &UnverifiedLogInfo{Shard: active}
	for i := range j.InactiveShards {
		s, err := j.InactiveShards[i].parse(fmt.Sprintf("log info inactive shard %d", i))
		if err != nil {
			return nil, err
		}
		info.InactiveShards = append(info.InactiveShards, s)
	}
	return info, nil
}

// rekorV1TreeID returns the tree ID of a Rekor v1 origin "<host> - <tree id>".
func rekorV1TreeID(origin string) (host string, id int64, err error) {
	i := strings.LastIndex(origin, originSeparator)
	if i <= 0 {
		return "", 0, &tlog.PolicyError{Reason: fmt.Sprintf("origin %q is not a Rekor v1 origin \"<host> - <tree id>\"", origin)}
	}
	id, err = parseTreeID(origin[i+len(originSeparator):])
	if err != nil {
		return "", 0, &tlog.PolicyError{Reason: fmt.Sprintf("origin %q: tree ID: %v", origin, err)}
	}
	return origin[:i], id, nil
}

// VerifyLogInfo verifies a GET /api/v1/log response for the shard
// whose checkpoints have origin (see [tlog.RekorV1Origin]): its signed tree head
// must verify with [tlog.VerifyCheckpoint] against origin and logKeys, and the
// tree ID, size and root hash the response states must be the signed
// ones. A shard with another tree ID, such as a log that has moved to a new
// shard, is rejected: the caller names the shard it follows.
//
// Rejections wrap [tlog.ErrVerification]: the errors of VerifyCheckpoint, and
// [*Error] for a response that contradicts its signed tree head. A
// response that is not the API's JSON, or whose signedTreeHead is not a
// signed note, is an [*tlog.AnswerError] (could not check). An origin not of the
// Rekor v1 form is a [*tlog.PolicyError].
func VerifyLogInfo(b []byte, origin string, logKeys ...*tlog.LogKey) (*LogInfo, error) {
	_, treeID, err := rekorV1TreeID(origin)
	if err != nil {
		return nil, err
	}
	u, err := ParseLogInfo(b)
	if err != nil {
		return nil, err
	}
	if u.TreeID != treeID {
		return nil, &Error{What: "log info treeID", Want: strconv.FormatInt(treeID, 10), Got: strconv.FormatInt(u.TreeID, 10)}
	}
	cp, err := tlog.VerifyCheckpoint(u.SignedTreeHead, origin, logKeys...)
	if err != nil {
		return nil, answerError(err, "")
	}
	if cp.Size != u.TreeSize {
		return nil, &Error{What: "log info treeSize", Want: strconv.FormatUint(cp.Size, 10), Got: strconv.FormatUint(u.TreeSize, 10)}
	}
	if !bytes.Equal(cp.Hash, u.RootHash) {
		return nil, &Error{What: "log info rootHash", Want: hex.EncodeToString(cp.Hash), Got: hex.EncodeToString(u.RootHash)}
	}
	return &LogInfo{TreeID: treeID, Checkpoint: cp, UnverifiedInactiveShards: u.InactiveShards}, nil
}

// UnverifiedEntry is a parsed entry response (GET
// /api/v1/log/entries/{uuid} or ?logIndex=N). [ParseEntry] checks
// its syntax only.
type UnverifiedEntry struct {
	UUID                 string   `json:"uuid"` // 80 lower-case hex digits
	Body                 []byte   `json:"body"`
	IntegratedTime       int64    `json:"integratedTime"`
	LogID                []byte   `json:"logID"`
	LogIndex             uint64   `json:"logIndex"`  // in the whole log
	TreeIndex            uint64   `json:"treeIndex"` // inclusionProof.logIndex, in the shard
	TreeSize             uint64   `json:"treeSize"`
	RootHash             []byte   `json:"rootHash"`
	Hashes               [][]byte `json:"hashes"`
	Checkpoint           []byte   `json:"checkpoint"`
	SignedEntryTimestamp []byte   `json:"signedEntryTimestamp"`
}

// Entry is an entry [VerifyEntry] verified: Body is proven to
// be leaf TreeIndex of the shard TreeID by an inclusion proof to a
// checkpoint signed by the log, its UUID is that shard's ID and the body's
// leaf hash, and LogIndex and IntegratedTime are signed by the log key in
// the signed entry timestamp (SET), the key being valid at that time.
type Entry struct {
	UUID                 string                   `json:"uuid"`
	TreeID               int64                    `json:"treeID"`
	Body                 []byte                   `json:"body"`
	LogIndex             uint64                   `json:"logIndex"`
	TreeIndex            uint64                   `json:"treeIndex"`
	IntegratedTime       time.Time                `json:"integratedTime"`
	LogID                []byte                   `json:"logID"`
	SignedEntryTimestamp []byte                   `json:"signedEntryTimestamp"`
	Checkpoint           *tlog.VerifiedCheckpoint `json:"checkpoint"`
	InclusionProof       [][]byte                 `json:"inclusionProof"`
}

type rekorV1EntryJSON struct {
	Body           *string `json:"body"`
	IntegratedTime *int64  `json:"integratedTime"`
	LogID          *string `json:"logID"`
	LogIndex       *int64  `json:"logIndex"`
	Verification   *struct {
		InclusionProof *struct {
			Checkpoint *string   `json:"checkpoint"`
			Hashes     []*string `json:"hashes"`
			LogIndex   *int64    `json:"logIndex"`
			RootHash   *string   `json:"rootHash"`
			TreeSize   *int64    `json:"treeSize"`
		} `json:"inclusionProof"`
		SignedEntryTimestamp *string `json:"signedEntryTimestamp"`
	} `json:"verification"`
}

// parseUUID splits an 80-hex entry UUID into tree ID and leaf hash.
func parseUUID(s string) (treeID int64, leaf []byte, err error) {
	if len(s) != 16+2*tlog.HashSize || strings.ToLower(s) != s {
		return 0, nil, fmt.Errorf("%q is not 80 lower-case hex digits", s)
	}
	id, err := strconv.ParseUint(s[:16], 16, 64)
	if err != nil || id > math.MaxInt64 {
		return 0, nil, fmt.Errorf("tree ID %q is not a positive int64", s[:16])
	}
	leaf, err = hex.DecodeString(s[16:])
	if err != nil {
		return 0, nil, err
	}
	return int64(id), leaf, nil
}

// parseStdBase64 accepts canonical standard base64 only (no line breaks).
func parseStdBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, errors.New("not canonical base64")
	}
	return b, nil
}

// ParseEntry parses an entry response: a JSON object with exactly
// one member, keyed by the entry's 80-digit UUID. It checks syntax only (at
// most [MaxEntrySize] bytes, every field present, hashes of 32
// bytes, at most [tlog.MaxProofHashes] proof hashes); a response that does not
// parse is an [*tlog.AnswerError] (could not check).
func ParseEntry(b []byte) (*UnverifiedEntry, error) {
	var m map[string]json.RawMessage
	if err := decodeJSON("entry", b, MaxEntrySize, &m); err != nil {
		return nil, err
	}
	if len(m) != 1 {
		return nil, answerV1("entry", "%d entries, want 1", len(m))
	}
	var e UnverifiedEntry
	var raw json.RawMessage
	for k, v := range m {
		e.UUID, raw = k, v
	}
	if _, _, err := parseUUID(e.UUID); err != nil {
		return nil, answerV1("entry", "UUID: %w", err)
	}
	var j rekorV1EntryJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, &tlog.AnswerError{What: "Rekor v1 entry", Err: err}
	}
	if j.Body == nil || j.IntegratedTime == nil || j.LogID == nil || j.LogIndex == nil || j.Verification == nil ||
		j.Verification.InclusionProof == nil || j.Verification.SignedEntryTimestamp == nil {
		return nil, answerV1("entry", "body, integratedTime, logID, logIndex, inclusionProof or signedEntryTimestamp missing")
	}
	p := j.Verification.InclusionProof
	if p.Checkpoint == nil || p.LogIndex == nil || p.RootHash == nil || p.TreeSize == nil {
		return nil, answerV1("entry", "inclusionProof checkpoint, logIndex, rootHash or treeSize missing")
	}
	var err error
	if e.Body, err = parseStdBase64(*j.Body); err != nil {
		return nil, answerV1("entry", "body: %w", err)
	}
	if e.LogID, err = parseHex32(*j.LogID); err != nil {
		return nil, answerV1("entry", "logID: %w", err)
	}
	if e.SignedEntryTimestamp, err = parseStdBase64(*j.Verification.SignedEntryTimestamp); err != nil || len(e.SignedEntryTimestamp) == 0 {
		return nil, answerV1("entry", "signedEntryTimestamp: empty or %w", err)
	}
	if *j.IntegratedTime < 0 || *j.LogIndex < 0 || *p.LogIndex < 0 || *p.TreeSize < 0 {
		return nil, answerV1("entry", "negative integratedTime, logIndex or treeSize")
	}
	e.IntegratedTime, e.LogIndex = *j.IntegratedTime, uint64(*j.LogIndex)
	e.TreeIndex, e.TreeSize = uint64(*p.LogIndex), uint64(*p.TreeSize)
	if e.RootHash, err = parseHex32(*p.RootHash); err != nil {
		return nil, answerV1("entry", "inclusionProof rootHash: %w", err)
	}
	if len(p.Hashes) > tlog.MaxProofHashes {
		return nil, answerV1("entry", "%d inclusion proof hashes, more than %d", len(p.Hashes), tlog.MaxProofHashes)
	}
	e.Hashes = make([][]byte, len(p.Hashes))
	for i, h := range p.Hashes {
		if h == nil {
			return nil, answerV1("entry", "inclusion proof hash %d is null", i)
		}
		if e.Hashes[i], err = parseHex32(*h); err != nil {
			return nil, answerV1("entry", "inclusion proof hash %d: %w", i, err)
		}
	}
	if len(*p.Checkpoint) > tlog.MaxCheckpointSize {
		return nil, answerV1("entry", "checkpoint of %d bytes", len(*p.Checkpoint))
	}
	e.Checkpoint = []byte(*p.Checkpoint)
	return &e, nil
}

// rekorV1SETPayload is the RFC 8785 canonical JSON a signed entry timestamp
// signs. Its members are already in canonical order, and base64, hex and
// decimal integers need no escaping, so it is written out directly.
func rekorV1SETPayload(body []byte, integratedTime int64, logID []byte, logIndex uint64) []byte {
	var b bytes.Buffer
	b.WriteString(`{"body":"`)
	b.WriteString(base64.StdEncoding.EncodeToString(body))
	b.WriteString(`","integratedTime":`)
	b.WriteString(strconv.FormatInt(integratedTime, 10))
	b.WriteString(`,"logID":"`)
	b.WriteString(hex.EncodeToString(logID))
	b.WriteString(`","logIndex":`)
	b.WriteString(strconv.FormatUint(logIndex, 10))
	b.WriteString(`}`)
	return b.Bytes()
}

// VerifyEntry verifies an entry response with the log keys the
// caller trusts (those of package verify/tlog/sigstoreroot will do):
//
//   - the UUID's leaf-hash part is [tlog.LeafHash] of the body;
//   - logID is the ID of one of logKeys (an ECDSA key named for the log's
//     host), and the signed entry timestamp is that key's signature of the
//     body, integratedTime, logID and logIndex, made while the key was
//     valid ([tlog.LogKey.CheckValidAt] at integratedTime);
//   - the inclusion proof's checkpoint verifies with [tlog.VerifyCheckpoint]
//     for origin [tlog.RekorV1Origin](key name, the UUID's tree ID), its rootHash
//     and treeSize are the checkpoint's, and the body is leaf logIndex (the
//     shard's own) of that tree ([tlog.VerifyInclusion]).
//
// It does not check that the entry is the one asked for: the fetching
// functions ([FetchEntry], [FetchEntryByIndex]) do.
// Rejections wrap [tlog.ErrVerification]: [*Error], [*tlog.KeyValidityError]
// and the errors of VerifyCheckpoint and VerifyInclusion. A response that
// is not the API's JSON, or whose inclusion proof checkpoint is not a
// signed note, is an [*tlog.AnswerError] (could not check). No log key at all
// is a [*tlog.PolicyError].
func VerifyEntry(b []byte, logKeys ...*tlog.LogKey) (*Entry, error) {
	if len(logKeys) == 0 {
		return nil, &tlog.PolicyError{Reason: "no log key given"}
	}
	for _, k := range logKeys {
		if k == nil || k.PublicKey() == nil {
			return nil, &tlog.PolicyError{Reason: "nil or zero LogKey"}
		}
	}
	u, err := ParseEntry(b)
	if err != nil {
		return nil, err
	}
	treeID, leaf, err := parseUUID(u.UUID)
	if err != nil {
		return nil, answerV1("entry", "UUID: %w", err) // ParseEntry checked it
	}
	if got := tlog.LeafHash(u.Body); !bytes.Equal(got, leaf) {
		return nil, &Error{What: "entry UUID leaf hash", Want: hex.EncodeToString(got), Got: hex.EncodeToString(leaf)}
	}

	var key *tlog.LogKey
	var ids []string
	for _, k := range logKeys {
		if _, ok := k.PublicKey().(*ecdsa.PublicKey); ok && bytes.Equal(k.LogID(), u.LogID) {
			key = k
			break
		}
		ids = append(ids, hex.EncodeToString(k.LogID()))
	}
	if key == nil {
		return nil, &Error{What: "entry logID", Want: "one of " + strings.Join(ids, ", "), Got: hex.EncodeToString(u.LogID)}
	}
	sum := sha256.Sum256(rekorV1SETPayload(u.Body, u.IntegratedTime, u.LogID, u.LogIndex))
	if !ecdsa.VerifyASN1(key.PublicKey().(*ecdsa.PublicKey), sum[:], u.SignedEntryTimestamp) {
		return nil, &Error{What: "entry signedEntryTimestamp", Want: "a signature by " + key.String(), Got: base64.StdEncoding.EncodeToString(u.SignedEntryTimestamp)}
	}
	integrated := time.Unix(u.IntegratedTime, 0).UTC()
	if err := key.CheckValidAt(integrated); err != nil {
		return nil, err
	}

	cp, err := tlog.VerifyCheckpoint(u.Checkpoint, tlog.RekorV1Origin(key.Name(), treeID), logKeys...)
	if err != nil {
		return nil, answerError(err, "")
	}
	if cp.Size != u.TreeSize {
		return nil, &Error{What: "entry inclusionProof treeSize", Want: strconv.FormatUint(cp.Size, 10), Got: strconv.FormatUint(u.TreeSize, 10)}
	}
	if !bytes.Equal(cp.Hash, u.RootHash) {
		return nil, &Error{What: "entry inclusionProof rootHash", Want: hex.EncodeToString(cp.Hash), Got: hex.EncodeToString(u.RootHash)}
	}
	if err := tlog.VerifyInclusion(cp, u.TreeIndex, u.Body, u.Hashes); err != nil {
		return nil, err
	}
	return &Entry{
		UUID:                 u.UUID,
		TreeID:               treeID,
		Body:                 u.Body,
		LogIndex:             u.LogIndex,
		TreeIndex:            u.TreeIndex,
		IntegratedTime:       integrated,
		LogID:                u.LogID,
		SignedEntryTimestamp: u.SignedEntryTimestamp,
		Checkpoint:           cp,
		InclusionProof:       u.Hashes,
	}, nil
}

// ParseSearchResult parses a POST /api/v1/index/retrieve response: a
// JSON array (or null) of entry UUIDs, each 64 or 80 lower-case hex digits,
// at most [MaxSearchResults] of them. A response that does not parse
// is an [*tlog.AnswerError] (could not check). The UUIDs are the server's say only: the search
// index is not part of what the log signs.
func ParseSearchResult(b []byte) ([]string, error) {
	var uuids []*string
	if err := decodeJSON("search result", b, MaxSearchSize, &uuids); err != nil {
		return nil, err
	}
	if len(uuids) > MaxSearchResults {
		return nil, answerV1("search result", "%d UUIDs, more than %d", len(uuids), MaxSearchResults)
	}
	out := make([]string, len(uuids))
	for i, s := range uuids {
		if s == nil {
			return nil, answerV1("search result", "UUID %d is null", i)
		}
		if err := checkUUIDSyntax(*s); err != nil {
			return nil, answerV1("search result", "UUID %d: %w", i, err)
		}
		out[i] = *s
	}
	return out, nil
}

// checkUUIDSyntax accepts a 64- or 80-digit lower-case hex UUID.
func checkUUIDSyntax(s string) error {
	if len(s) == 2*tlog.HashSize {
		_, err := parseHex32(s)
		return err
	}
	_, _, err := parseUUID(s)
	return err
}

// ParseConsistencyProof parses a GET /api/v1/log/proof response:
// the root hash at the larger size and the proof's hashes. It checks
// syntax only (at most [MaxProofSize] bytes and [tlog.MaxProofHashes]
// hashes of 32 bytes); a response that does not parse is an
// [*tlog.AnswerError] (could not check).
func ParseConsistencyProof(b []byte) (rootHash []byte, hashes [][]byte, err error) {
	var j struct {
		RootHash *string   `json:"rootHash"`
		Hashes   []*string `json:"hashes"`
	}
	if err := decodeJSON("consistency proof", b, MaxProofSize, &j); err != nil {
		return nil, nil, err
	}
	if j.RootHash == nil {
		return nil, nil, answerV1("consistency proof", "rootHash missing")
	}
	if rootHash, err = parseHex32(*j.RootHash); err != nil {
		return nil, nil, answerV1("consistency proof", "rootHash: %w", err)
	}
	if len(j.Hashes) > tlog.MaxProofHashes {
		return nil, nil, answerV1("consistency proof", "%d hashes, more than %d", len(j.Hashes), tlog.MaxProofHashes)
	}
	hashes = make([][]byte, len(j.Hashes))
	for i, h := range j.Hashes {
		if h == nil {
			return nil, nil, answerV1("consistency proof", "hash %d is null", i)
		}
		if hashes[i], err = parseHex32(*h); err != nil {
			return nil, nil, answerV1("consistency proof", "hash %d: %w", i, err)
		}
	}
	return rootHash, hashes, nil
}

// VerifyConsistencyProof verifies a GET /api/v1/log/proof response
// for the sizes of older and newer (two checkpoints of one shard, from
// [tlog.VerifyCheckpoint]): its rootHash must be newer's root (else a
// [*Error]) and its hashes a consistency proof from older to newer
// ([tlog.VerifyConsistency]: an [*tlog.InconsistencyError] keeps the evidence). It
// returns the verified proof.
func VerifyConsistencyProof(b []byte, older, newer *tlog.VerifiedCheckpoint) ([][]byte, error) {
	if err := checkVerified(older); err != nil {
		return nil, err
	}
	if err := checkVerified(newer); err != nil {
		return nil, err
	}
	root, hashes, err := ParseConsistencyProof(b)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(root, newer.Hash) {
		return nil, &Error{What: "consistency proof rootHash", Want: hex.EncodeToString(newer.Hash), Got: hex.EncodeToString(root)}
	}
	if err := tlog.VerifyConsistency(older, newer, hashes); err != nil {
		return nil, err
	}
	return hashes, nil
}
