package confirm

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/rekorv1"
	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot"
)

// Online confirmation of a verified bundle. A bundle's inclusion proof
// shows that its entry was in the tree the log showed the signer; it does
// not show that the log still shows everyone that tree. [Confirm]
// asks the log, through sources the caller names, for its latest signed
// checkpoint and proves, per log entry, that the latest tree extends the
// bundle's tree (consistency) and holds the entry (inclusion). It is the
// check a Certificate Transparency auditor makes, and what turns a private
// fork shown to one signer into a rejection.

// Schema is the schema of [Confirmation] in JSON.
const Schema = "https://github.com/ats-run/selfattest/verify/confirmation/v1"

// Status is the outcome of confirming one log entry.
type Status string

// The four outcomes of an entry.
const (
	// StatusConfirmed: the log's latest checkpoint verified, is
	// consistent with the bundle's and includes the entry.
	StatusConfirmed Status = "confirmed"
	// StatusRejected: the log (or whoever served it) showed
	// something no honest append-only log can: a fork, a rollback, tiles
	// of another tree, a checkpoint not signed by the log's key.
	StatusRejected Status = "rejected"
	// StatusCouldNotCheck: the source could not be read (network,
	// time-out, missing object). Nothing is known.
	StatusCouldNotCheck Status = "could-not-check"
	// StatusNotConfirmed: nothing was asked: no source names the
	// entry's log, the log is not in the trusted root, or the bundle
	// carries no checkpoint for the entry. Reason says which. It is never
	// a pass.
	StatusNotConfirmed Status = "not-confirmed"
)

// How an entry's inclusion at the latest size was proven
// ([Entry].Method).
const (
	// MethodTiles: an inclusion proof of the entry's body at the
	// latest size and a consistency proof from the bundle's checkpoint,
	// both computed from the log's hash tiles, every tile checked against
	// the latest checkpoint's root.
	MethodTiles = "tiles"
	// MethodRekorV1: the bundle's own inclusion proof of the
	// entry's body at the bundle's checkpoint, and the log's consistency
	// proof from that checkpoint to the latest. Together they prove the
	// entry is in the latest tree: leaf i of a tree of size m is leaf i of
	// every tree that extends it.
	MethodRekorV1 = "rekor-v1-consistency"
	// MethodRekorV1Entry: for an entry the bundle carries only a
	// promise of (a signed entry timestamp, no inclusion proof), the
	// entry as the log serves it by its UUID — the same body, log index
	// and integrated time, its signed entry timestamp verified — with the
	// log's inclusion proof of it at a checkpoint the log signed, and the
	// consistency proof from that checkpoint to the latest.
	MethodRekorV1Entry = "rekor-v1-entry"
)

// Confirmation is what [Confirm] found: one
// [Entry] per transparency-log entry of the bundle, in the
// bundle's order. Returned with a nil error, every entry is confirmed or
// not confirmed (and at least one is confirmed); inside a
// [*Error] it is the evidence of a failure.
type Confirmation struct {
	// Schema is Schema.
	Schema  string  `json:"schema"`
	Entries []Entry `json:"entries"`
}

// Entry is the outcome for one log entry. The checkpoints and
// proofs are set only once verified.
type Entry struct {
	// LogID is the log's key ID in hex; LogURL its base URL from the
	// trusted root.
	LogID  string `json:"log_id"`
	LogURL string `json:"log_url,omitempty"`
	Index  int64  `json:"index"`
	Status Status `json:"status"`
	// Reason says why an entry is not confirmed.
	Reason string `json:"reason,omitempty"`
	// Method is MethodTiles or MethodRekorV1.
	Method string `json:"method,omitempty"`
	// Bundle is the bundle's checkpoint, verified again with the log key.
	Bundle *sigstore.Checkpoint `json:"bundle_checkpoint,omitempty"`
	// Entry, with MethodRekorV1Entry, is the checkpoint of the
	// inclusion proof the log served with the entry (the bundle has
	// none), verified with the log key.
	Entry *sigstore.Checkpoint `json:"entry_checkpoint,omitempty"`
	// Latest is the log's latest checkpoint, verified with the log key.
	Latest *sigstore.Checkpoint `json:"latest_checkpoint,omitempty"`
	// LatestNote is the latest checkpoint's signed note, as verified:
	// evidence to keep.
	LatestNote string `json:"latest_note,omitempty"`
	// ConsistencyProof proves Latest extends Bundle (hex hashes; empty
	// when the sizes are equal).
	ConsistencyProof []string `json:"consistency_proof,omitempty"`
	// InclusionProof proves the entry's body is leaf InclusionLeaf of the
	// tree of size InclusionSize: Latest's size with tiles, Bundle's (or
	// Entry's) with Rekor v1.
	InclusionProof []string `json:"inclusion_proof,omitempty"`
	InclusionLeaf  uint64   `json:"inclusion_leaf,omitempty"`
	InclusionSize  uint64   `json:"inclusion_size,omitempty"`
}

// Error is returned by [Confirm] when an entry was
// rejected or could not be checked, or when no entry was confirmed. It
// carries the whole [Confirmation] as evidence. It wraps [sigstore.ErrVerification]
// and the rejections (each also wrapping the typed error of package
// [github.com/ats-run/selfattest/verify/tlog], such as a
// [*tlog.InconsistencyError]) if any entry was rejected; otherwise
// [sigstore.ErrCouldNotCheck] and the errors of the entries that could not be
// checked.
type Error struct {
	Result *Confirmation

	rejected, unchecked []error
}

func (e *Error) Error() string {
	var n [4]int
	for _, en := range e.Result.Entries {
		switch en.Status {
		case StatusConfirmed:
			n[0]++
		case StatusRejected:
			n[1]++
		case StatusCouldNotCheck:
			n[2]++
		default:
			n[3]++
		}
	}
	msg := fmt.Sprintf("verify: online confirmation: %d of %d log entries confirmed, %d rejected, %d could not be checked, %d not confirmed",
		n[0], len(e.Result.Entries), n[1], n[2], n[3])
	switch errs := e.Unwrap(); {
	case len(e.rejected) > 0 || len(e.unchecked) > 0:
		msg += ": " + errs[0].Error()
	default:
		for _, en := range e.Result.Entries {
			if en.Reason != "" {
				return msg + ": " + en.Reason
			}
		}
	}
	return msg
}

// Unwrap returns the rejections, or else the errors of the entries that
// could not be checked, or else [sigstore.ErrCouldNotCheck].
func (e *Error) Unwrap() []error {
	switch {
	case len(e.rejected) > 0:
		return e.rejected
	case len(e.unchecked) > 0:
		return e.unchecked
	}
	return []error{sigstore.ErrCouldNotCheck}
}

// TilesSource reads a C2SP tlog-tiles log (Rekor v2, any tessera log).
// Both funcs are required; the HTTPFetcher and DirFetcher of package
// [github.com/ats-run/selfattest/verify/tlog/logfetch] have them as
// methods.
type TilesSource struct {
	Checkpoint tlog.CheckpointFetcherFunc
	Tile       tlog.TileFetcherFunc
}

// RekorV1Source reads a Rekor v1 REST API. LogInfo and ConsistencyProof
// are required; Entry, optional, reads an entry by UUID, to confirm an
// entry the bundle carries only an inclusion promise of (without it such
// an entry is not confirmed). [rekorv1.HTTPFetcher] and
// [rekorv1.DirFetcher] have all three as methods.
type RekorV1Source struct {
	LogInfo          rekorv1.LogInfoFetcherFunc
	ConsistencyProof rekorv1.ProofFetcherFunc
	Entry            rekorv1.EntryFetcherFunc
}

// LogSource says where to read one log of the trusted root: exactly one
// of Tiles and RekorV1. A source is not trust: everything read from it is
// verified with the log's key from the verifier's trusted root.
type LogSource struct {
	// LogID is the log's key ID in hex, as the trusted root and
	// [LogEntry].LogID name it.
	LogID   string
	Tiles   *TilesSource
	RekorV1 *RekorV1Source
}

// TilesFetcher reads a tlog-tiles log; *logfetch.HTTPFetcher and
// *logfetch.DirFetcher are ones.
type TilesFetcher interface {
	Checkpoint(ctx context.Context) ([]byte, error)
	Tile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
}

// RekorV1Fetcher reads a Rekor v1 REST API; *rekorv1.HTTPFetcher and
// *rekorv1.DirFetcher are ones.
type RekorV1Fetcher interface {
	LogInfo(ctx context.Context) ([]byte, error)
	ConsistencyProof(ctx context.Context, treeID int64, firstSize, lastSize uint64) ([]byte, error)
}

// TilesLog returns the source reading the log logID (hex) from f.
func TilesLog(logID string, f TilesFetcher) LogSource {
	return LogSource{LogID: logID, Tiles: &TilesSource{Checkpoint: f.Checkpoint, Tile: f.Tile}}
}

// RekorV1Log returns the source reading the Rekor v1 log logID (hex) from
// f, entries by UUID included when f has an Entry method as
// *rekorv1.HTTPFetcher and *rekorv1.DirFetcher do.
func RekorV1Log(logID string, f RekorV1Fetcher) LogSource {
	src := &RekorV1Source{LogInfo: f.LogInfo, ConsistencyProof: f.ConsistencyProof}
	if e, ok := f.(interface {
		Entry(ctx context.Context, uuid string) ([]byte, error)
	}); ok {
		src.Entry = e.Entry
	}
	return LogSource{LogID: logID, RekorV1: src}
}

// Confirm checks online that the logs still show what bundle b's entries
// say they showed: b and res must be a bundle and what [sigstore.Verifier.Verify]
// returned for it, with this verifier. For each of res's verified log
// entries whose log one of sources names, Confirm
//
//  1. verifies the bundle's checkpoint again with the log's key from the
//     trusted root (not the bundle's say);
//  2. fetches the log's latest checkpoint and verifies it with the same
//     key and origin;
//  3. proves the latest tree extends the bundle's: a smaller latest
//     checkpoint is a rollback ([*tlog.RollbackError]), a failed proof or
//     two roots at one size a split view ([*tlog.InconsistencyError]);
//  4. proves the entry's canonicalized body is in the latest tree: with
//     tiles ([MethodTiles]) by an inclusion proof at the latest
//     size computed from the log's tiles; with Rekor v1
//     ([MethodRekorV1]), which serves no inclusion proof at a size
//     the client picks, by the bundle's own inclusion proof, checked
//     again, plus the consistency proof of step 3.
//
// An entry with no checkpoint (a Rekor v1 inclusion promise only) is read
// from the log by its UUID when the source reads entries
// ([MethodRekorV1Entry]): the log's own inclusion proof of it, at a
// checkpoint the log signed, takes the bundle's place in steps 1–4.
//
// An entry whose log no source names, an entry from a log the trusted
// root does not know (res.UnverifiedLogEntries) and a promise-only entry
// whose source reads no entries are reported with
// [StatusNotConfirmed] and a reason, never skipped and never a
// pass. Confirm succeeds when no entry is rejected or could not be
// checked and at least one is confirmed; nothing confirmed at all is a
// [*Error] wrapping [sigstore.ErrCouldNotCheck].
//
// Errors: a [*Error] (wrapping [sigstore.ErrVerification] for a rejection,
// else [sigstore.ErrCouldNotCheck]), or [sigstore.ErrBadInput] for a nil bundle or result,
// a result that is not the bundle's, or unusable sources (a log the
// trusted root does not name, two sources for one log, neither or both of
// Tiles and RekorV1).
func Confirm(ctx context.Context, v *sigstore.Verifier, b *bundle.Bundle, res *sigstore.Result, sources ...LogSource) (*Confirmation, error) {
	if v == nil {
		return nil, fmt.Errorf("%w: Confirm needs the verifier that verified the bundle", sigstore.ErrBadInput)
	}
	if b == nil || b.Bundle == nil || res == nil {
		return nil, fmt.Errorf("%w: Confirm needs the bundle and its verification result", sigstore.ErrBadInput)
	}
	if res.Schema != sigstore.ResultSchema {
		return nil, fmt.Errorf("%w: result schema %q, want %q", sigstore.ErrBadInput, res.Schema, sigstore.ResultSchema)
	}
	logs := v.TrustedMaterial().RekorLogs()
	bySource := make(map[string]LogSource, len(sources))
	for _, s := range sources {
		id := strings.ToLower(s.LogID)
		if _, ok := logs[id]; !ok {
			return nil, fmt.Errorf("%w: source for log %q: the trusted root names no such log", sigstore.ErrBadInput, s.LogID)
		}
		if _, dup := bySource[id]; dup {
			return nil, fmt.Errorf("%w: two sources for log %s", sigstore.ErrBadInput, id)
		}
		switch {
		case (s.Tiles == nil) == (s.RekorV1 == nil):
			return nil, fmt.Errorf("%w: source for log %s: give exactly one of Tiles and RekorV1", sigstore.ErrBadInput, id)
		case s.Tiles != nil && (s.Tiles.Checkpoint == nil || s.Tiles.Tile == nil),
			s.RekorV1 != nil && (s.RekorV1.LogInfo == nil || s.RekorV1.ConsistencyProof == nil):
			return nil, fmt.Errorf("%w: source for log %s: a nil fetcher", sigstore.ErrBadInput, id)
		}
		bySource[id] = s
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", sigstore.ErrCouldNotCheck, err)
	}

	type key struct {
		id    string
		index int64
	}
	verified := map[key]sigstore.LogEntry{}
	for _, le := range res.LogEntries {
		verified[key{le.LogID, le.Index}] = le
	}
	unverified := map[key]sigstore.LogEntry{}
	for _, le := range res.UnverifiedLogEntries {
		unverified[key{le.LogID, le.Index}] = le
	}

	out := &Confirmation{Schema: Schema, Entries: []Entry{}}
	cerr := &Error{Result: out}
	confirmed := 0
	seen := map[key]bool{}
	for _, p := range b.GetVerificationMaterial().GetTlogEntries() {
		k := key{hex.EncodeToString(p.GetLogId().GetKeyId()), p.GetLogIndex()}
		ec := Entry{LogID: k.id, Index: k.index}
		le, ok := verified[k]
		if !ok {
			u, ok := unverified[k]
			if !ok {
				return nil, fmt.Errorf("%w: the result does not describe this bundle: it has no log %s entry %d", sigstore.ErrBadInput, k.id, k.index)
			}
			ec.Status, ec.Reason = StatusNotConfirmed, "not verified: "+u.Reason
			out.Entries = append(out.Entries, ec)
			continue
		}
		seen[k] = true
		tl := logs[k.id]
		if tl == nil {
			return nil, fmt.Errorf("%w: the result names log %s, which this verifier's trusted root does not", sigstore.ErrBadInput, k.id)
		}
		ec.LogURL = tl.BaseURL
		src, ok := bySource[k.id]
		env := p.GetInclusionProof().GetCheckpoint().GetEnvelope()
		switch {
		case !ok:
			ec.Status, ec.Reason = StatusNotConfirmed, fmt.Sprintf("not confirmed: no source for log %s (%s)", k.id, tl.BaseURL)
		case (env == "" || le.Checkpoint == nil) && (src.RekorV1 == nil || src.RekorV1.Entry == nil):
			ec.Status, ec.Reason = StatusNotConfirmed, "not confirmed: the bundle carries no checkpoint for this entry (an inclusion promise only), and the source reads no entries"
		default:
			var err error
			if env == "" || le.Checkpoint == nil {
				err = confirmPromise(ctx, &ec, tl, src, p)
			} else {
				cp, perr := checkpointBody(env)
				if perr != nil || *cp != *le.Checkpoint {
					return nil, fmt.Errorf("%w: the result does not describe this bundle: log %s entry %d has another checkpoint", sigstore.ErrBadInput, k.id, k.index)
				}
				err = confirmEntry(ctx, &ec, tl, src, []byte(env), cp.Origin, p.GetInclusionProof().GetLogIndex(), p.GetInclusionProof().GetHashes(), p.GetCanonicalizedBody())
			}
			switch {
			case err == nil:
				ec.Status = StatusConfirmed
				confirmed++
			case errors.Is(err, tlog.ErrVerification):
				err = fmt.Errorf("%w: log %s entry %d: %w", sigstore.ErrVerification, k.id, k.index, err)
				ec.Status, ec.Reason = StatusRejected, err.Error()
				cerr.rejected = append(cerr.rejected, err)
			default:
				err = fmt.Errorf("%w: log %s entry %d: %w", sigstore.ErrCouldNotCheck, k.id, k.index, err)
				ec.Status, ec.Reason = StatusCouldNotCheck, err.Error()
				cerr.unchecked = append(cerr.unchecked, err)
			}
		}
		out.Entries = append(out.Entries, ec)
	}
	if len(seen) != len(verified) {
		return nil, fmt.Errorf("%w: the result does not describe this bundle: it names log entries the bundle does not carry", sigstore.ErrBadInput)
	}
	if len(cerr.rejected) > 0 || len(cerr.unchecked) > 0 || confirmed == 0 {
		return nil, cerr
	}
	return out, nil
}

// confirmEntry runs the online checks of one entry and fills in ec with
// what verified. An error wraps tlog.ErrVerification for a rejection;
// any other error means the check did not run to its end.
func confirmEntry(ctx context.Context, ec *Entry, tl *root.TransparencyLog, src LogSource, env []byte, origin string, treeIndex int64, proof [][]byte, body []byte) error {
	key, err := sigstoreroot.LogKey(tl)
	if err != nil {
		return err
	}
	bundleCP, err := tlog.VerifyCheckpoint(env, origin, key)
	if err != nil {
		return err
	}
	ec.Bundle = checkpointOf(bundleCP)
	if treeIndex < 0 {
		return &tlog.MalformedError{What: "bundle inclusion proof", Err: fmt.Errorf("negative index %d", treeIndex)}
	}
	index := uint64(treeIndex)

	var latest *tlog.VerifiedCheckpoint
	var consistency, inclusion [][]byte
	if t := src.Tiles; t != nil {
		ec.Method = MethodTiles
		if latest, err = tlog.FetchCheckpoint(ctx, t.Checkpoint, origin, key); err != nil {
			return err
		}
		ec.Latest, ec.LatestNote = checkpointOf(latest), string(latest.Note)
		// Consistency first: a rollback must be reported as one, not as
		// an entry beyond the latest tree.
		if consistency, err = tlog.ConsistencyProof(ctx, bundleCP, latest, t.Tile); err != nil {
			return err
		}
		ec.ConsistencyProof = hexHashes(consistency)
		if inclusion, err = tlog.InclusionProof(ctx, latest, index, t.Tile); err != nil {
			return err
		}
		if err := tlog.VerifyInclusion(latest, index, body, inclusion); err != nil {
			return err
		}
		ec.InclusionProof, ec.InclusionLeaf, ec.InclusionSize = hexHashes(inclusion), index, latest.Size
		return nil
	}

	r := src.RekorV1
	ec.Method = MethodRekorV1
	if err := tlog.VerifyInclusion(bundleCP, index, body, proof); err != nil {
		return err
	}
	if latest, err = fetchRekorV1Latest(ctx, r.LogInfo, origin, key); err != nil {
		return err
	}
	ec.Latest, ec.LatestNote = checkpointOf(latest), string(latest.Note)
	if consistency, err = rekorv1.FetchConsistencyProof(ctx, r.ConsistencyProof, bundleCP, latest); err != nil {
		return err
	}
	ec.ConsistencyProof = hexHashes(consistency)
	ec.InclusionProof, ec.InclusionLeaf, ec.InclusionSize = hexHashes(proof), index, bundleCP.Size
	return nil
}

// confirmPromise confirms an entry the bundle carries only a promise of:
// it reads the entry by its UUID (the leaf hash of the bundle's
// canonicalized body), which rekorv1.FetchEntry verifies — its signed
// entry timestamp, its inclusion proof at a checkpoint the log key signed
// — and which must be the bundle's (log index, integrated time); then
// confirms that checkpoint as it would a bundle's.
func confirmPromise(ctx context.Context, ec *Entry, tl *root.TransparencyLog, src LogSource, p *protorekor.TransparencyLogEntry) error {
	ec.Method = MethodRekorV1Entry
	key, err := sigstoreroot.LogKey(tl)
	if err != nil {
		return err
	}
	body := p.GetCanonicalizedBody()
	uuid := hex.EncodeToString(rfc6962.DefaultHasher.HashLeaf(body))
	e, err := rekorv1.FetchEntry(ctx, src.RekorV1.Entry, uuid, key)
	if err != nil {
		return err
	}
	if !bytes.Equal(e.Body, body) || e.LogIndex != uint64(p.GetLogIndex()) || e.IntegratedTime.Unix() != p.GetIntegratedTime() {
		return &rekorv1.Error{What: "entry " + uuid,
			Want: fmt.Sprintf("the bundle's: log index %d, integrated time %d", p.GetLogIndex(), p.GetIntegratedTime()),
			Got:  fmt.Sprintf("log index %d, integrated time %d", e.LogIndex, e.IntegratedTime.Unix())}
	}
	err = confirmEntry(ctx, ec, tl, src, e.Checkpoint.Note, e.Checkpoint.Origin, int64(e.TreeIndex), e.InclusionProof, body)
	// The checkpoint confirmEntry started from is the entry's, not the
	// bundle's (which has none).
	ec.Method, ec.Entry, ec.Bundle = MethodRekorV1Entry, ec.Bundle, nil
	return err
}

// fetchRekorV1Latest returns the latest verified checkpoint of the Rekor
// v1 shard with this origin: the active shard's signed tree head, or, for
// a shard the log has frozen, its entry among the log info's inactive
// shards (verified the same way).
func fetchRekorV1Latest(ctx context.Context, f rekorv1.LogInfoFetcherFunc, origin string, key *tlog.LogKey) (*tlog.VerifiedCheckpoint, error) {
	const path = "api/v1/log"
	i := strings.LastIndex(origin, " - ")
	if i < 0 {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("checkpoint origin %q is not a Rekor v1 origin", origin)}
	}
	treeID, err := strconv.ParseInt(origin[i+3:], 10, 64)
	if err != nil {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("checkpoint origin %q: %v", origin, err)}
	}
	raw, err := f(ctx)
	if err != nil {
		if fe := (*tlog.FetchError)(nil); errors.As(err, &fe) {
			return nil, fe
		}
		return nil, &tlog.FetchError{Path: path, Err: err}
	}
	u, err := rekorv1.ParseLogInfo(raw)
	if err != nil {
		return nil, err
	}
	if u.TreeID == treeID {
		info, err := rekorv1.VerifyLogInfo(raw, origin, key)
		if err != nil {
			return nil, err
		}
		return info.Checkpoint, nil
	}
	for _, s := range u.InactiveShards {
		if s.TreeID != treeID {
			continue
		}
		cp, err := tlog.VerifyCheckpoint(s.SignedTreeHead, origin, key)
		if err != nil {
			return nil, err
		}
		if cp.Size != s.TreeSize || !bytes.Equal(cp.Hash, s.RootHash) {
			return nil, &rekorv1.Error{What: "log info inactive shard",
				Want: fmt.Sprintf("size %d root %x", cp.Size, cp.Hash), Got: fmt.Sprintf("size %d root %x", s.TreeSize, s.RootHash)}
		}
		return cp, nil
	}
	return nil, &tlog.FetchError{Path: path, Err: fmt.Errorf("the log info lists no shard with tree ID %d (active: %d)", treeID, u.TreeID)}
}

func checkpointOf(cp *tlog.VerifiedCheckpoint) *sigstore.Checkpoint {
	return &sigstore.Checkpoint{Origin: cp.Origin, Size: cp.Size, RootHash: hex.EncodeToString(cp.Hash)}
}

func hexHashes(hs [][]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h)
	}
	return out
}

// checkpointBody reads origin, size and root hash from a signed note's
// body (the text before the blank line that starts the signatures), as
// package sigstore reads it into [sigstore.LogEntry].Checkpoint.
func checkpointBody(envelope string) (*sigstore.Checkpoint, error) {
	i := strings.Index(envelope, "\n\n")
	if i < 0 {
		return nil, fmt.Errorf("checkpoint has no signature block")
	}
	var c log.Checkpoint
	if _, err := c.Unmarshal([]byte(envelope[:i+1])); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if strings.ContainsRune(c.Origin, 0) {
		return nil, fmt.Errorf("checkpoint origin has a NUL byte")
	}
	return &sigstore.Checkpoint{Origin: c.Origin, Size: c.Size, RootHash: hex.EncodeToString(c.Hash)}, nil
}
