package tlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/ats-run/selfattest/anchor"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// DefaultOnlineTimeout bounds each online call of an [OnlineVerifier]
// when its options name none.
const DefaultOnlineTimeout = 30 * time.Second

// VerifierOptions tune a [Verifier]. The zero value requires no witness
// and takes both leaves, from any signer.
type VerifierOptions struct {
	// Witnesses, if set, must have cosigned the entry's checkpoint: at
	// least Threshold of its Keys (verify/tlog's VerifyWitnesses).
	Witnesses *vtlog.WitnessPolicy
	// Signers, if set, are the archivist keys whose hashedrekord entries
	// count; statement entries are then rejected.
	Signers []ed25519.PublicKey
}

// A Verifier checks entries of kind "tlog" of one log offline (see "The
// entry, kind tlog" in the package documentation). It does no I/O.
type Verifier struct {
	origin    string
	keys      []*vtlog.LogKey
	witnesses *vtlog.WitnessPolicy
	signers   [][]byte // PKIX DER
}

// NewVerifier returns the offline verifier of the entries of the log
// whose checkpoints have origin line origin and are signed by one of
// keys. A missing origin or key, or a witness policy that cannot be met,
// is an error wrapping [anchor.ErrBadInput].
func NewVerifier(origin string, keys []*vtlog.LogKey, opts VerifierOptions) (*Verifier, error) {
	if origin == "" || len(origin) > 128 {
		return nil, badEntry("origin", "empty or longer than 128 bytes")
	}
	if len(keys) == 0 {
		return nil, badEntry("keys", "no log key")
	}
	for _, k := range keys {
		if k == nil || k.Name() != origin {
			return nil, badEntry("keys", "a log key that is nil or not named "+origin)
		}
	}
	v := &Verifier{origin: origin, keys: append([]*vtlog.LogKey(nil), keys...)}
	if w := opts.Witnesses; w != nil {
		distinct := map[string]bool{}
		for _, k := range w.Keys {
			if k == nil {
				return nil, badEntry("Witnesses", "nil witness key")
			}
			distinct[k.String()] = true
		}
		if w.Threshold < 1 || w.Threshold > len(distinct) {
			return nil, badEntry("Witnesses", fmt.Sprintf("threshold %d of %d distinct witnesses", w.Threshold, len(distinct)))
		}
		v.witnesses = &vtlog.WitnessPolicy{Keys: append([]*vtlog.WitnessKey(nil), w.Keys...), Threshold: w.Threshold}
	}
	for _, s := range opts.Signers {
		if len(s) != ed25519.PublicKeySize {
			return nil, badEntry("Signers", "not an Ed25519 public key")
		}
		der, err := x509.MarshalPKIXPublicKey(s)
		if err != nil {
			return nil, badEntry("Signers", err.Error())
		}
		v.signers = append(v.signers, der)
	}
	return v, nil
}

// Kind returns "tlog".
func (v *Verifier) Kind() string { return Kind }

// Target returns the log's origin: the verifier takes that log's entries.
func (v *Verifier) Target() string { return v.origin }

// VerifyOffline checks that entry anchors root in the verifier's log. It
// returns nil, an error wrapping [anchor.ErrPending] for a pending entry
// (of this log), [anchor.ErrAnchor] for one that does not anchor root, or
// [anchor.ErrBadInput] for one [ParseEntry] refuses.
func (v *Verifier) VerifyOffline(root anchor.Hash, entry anchor.Entry) error {
	x, err := ParseEntry(entry)
	if err != nil {
		return err
	}
	_, err = v.verify(root, x)
	return err
}

// verify checks x and returns its verified checkpoint.
func (v *Verifier) verify(root anchor.Hash, x *AnchorEntry) (*vtlog.VerifiedCheckpoint, error) {
	if x.Target != v.origin {
		return nil, reject(fmt.Sprintf("the entry is of log %q, not %q", x.Target, v.origin), nil)
	}
	if len(v.signers) > 0 {
		if !x.Signed() {
			return nil, reject("the entry is not signed by the archivist (a statement leaf)", nil)
		}
		known := false
		for _, s := range v.signers {
			known = known || bytes.Equal(s, x.PublicKey)
		}
		if !known {
			return nil, reject("the entry is signed by a key that is not one of the verifier's signers", nil)
		}
	}
	body, err := leaf(root, x)
	if err != nil {
		return nil, err
	}
	if !x.Complete() {
		return nil, fmt.Errorf("%w: anchor/tlog: entry %d of %q has no checkpoint yet", anchor.ErrPending, x.Index, x.Target)
	}
	cp, err := vtlog.VerifyCheckpoint([]byte(x.Checkpoint), v.origin, v.keys...)
	if err != nil {
		return nil, fromLog("the entry's checkpoint", err)
	}
	if v.witnesses != nil {
		if _, err := vtlog.VerifyWitnesses(cp, *v.witnesses); err != nil {
			return nil, fromLog("the checkpoint's witnesses", err)
		}
	}
	if x.Index >= cp.Size {
		return nil, reject(fmt.Sprintf("index %d is not in the checkpoint's tree of %d", x.Index, cp.Size), nil)
	}
	if err := vtlog.VerifyInclusion(cp, x.Index, body, x.Proof); err != nil {
		return nil, fromLog(fmt.Sprintf("the leaf of root %s at index %d", root, x.Index), err)
	}
	return cp, nil
}

// fromLog wraps an error of verify/tlog in anchor's sentinels: a
// rejection (ErrVerification) is [anchor.ErrAnchor]; a log that could not
// be read (ErrUnavailable), a context that ended or anything else is
// [anchor.ErrCouldNotCheck], never a pass.
func fromLog(what string, err error) error {
	if errors.Is(err, vtlog.ErrVerification) {
		return fmt.Errorf("%w: anchor/tlog: %s: %w", anchor.ErrAnchor, what, err)
	}
	return fmt.Errorf("%w: anchor/tlog: %s: %w", anchor.ErrCouldNotCheck, what, err)
}

// OnlineOptions tune an [OnlineVerifier].
type OnlineOptions struct {
	// Timeout bounds each VerifyOnline, on top of its context. 0 means
	// [DefaultOnlineTimeout].
	Timeout time.Duration
}

// An OnlineVerifier is a [Verifier] that also asks the log whether an
// entry still stands: the log's latest checkpoint, verified with the same
// keys, must be consistent with the entry's, by a consistency proof built
// from the log's tiles.
type OnlineVerifier struct {
	*Verifier
	checkpoint vtlog.CheckpointFetcherFunc
	tiles      vtlog.TileFetcherFunc
	timeout    time.Duration
}

// NewOnlineVerifier returns v with the log read through checkpoint and
// tiles: logfetch.NewHTTPFetcher over the log's URL (a Rekor v2 shard, a
// published tessera log), or logfetch.NewDirFetcher over its folder.
func NewOnlineVerifier(v *Verifier, checkpoint vtlog.CheckpointFetcherFunc, tiles vtlog.TileFetcherFunc, opts OnlineOptions) (*OnlineVerifier, error) {
	if v == nil || checkpoint == nil || tiles == nil {
		return nil, badEntry("NewOnlineVerifier", "nil verifier or fetcher")
	}
	if opts.Timeout < 0 {
		return nil, badEntry("Timeout", "negative")
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultOnlineTimeout
	}
	return &OnlineVerifier{Verifier: v, checkpoint: checkpoint, tiles: tiles, timeout: opts.Timeout}, nil
}

// VerifyOnline checks entry offline, then reads the log's latest
// checkpoint and proves it consistent with the entry's. It returns
// [anchor.StateFinal] at a depth of the number of entries from the
// anchor's to the latest checkpoint's last, or an error: [anchor.ErrAnchor]
// when the log forked after the anchor (or serves a checkpoint its key did
// not sign), [anchor.ErrCouldNotCheck] when the log did not answer in
// time, answered with something that is not a log object, or serves a
// checkpoint older than the entry's that the entry's tree extends (a
// stale copy: a cache or mirror behind the log).
func (o *OnlineVerifier) VerifyOnline(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Status, error) {
	x, err := ParseEntry(entry)
	if err != nil {
		return anchor.Status{}, err
	}
	cp, err := o.verify(root, x)
	if err != nil {
		return anchor.Status{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	latest, err := consistent(ctx, cp, o.origin, o.keys, o.checkpoint, o.tiles)
	if err != nil {
		return anchor.Status{}, err
	}
	return anchor.Status{State: anchor.StateFinal, Depth: latest.Size - x.Index, Entry: entry}, nil
}

// consistent reads the log's latest checkpoint and proves it consistent
// with cp.
func consistent(ctx context.Context, cp *vtlog.VerifiedCheckpoint, origin string, keys []*vtlog.LogKey, checkpoint vtlog.CheckpointFetcherFunc, tiles vtlog.TileFetcherFunc) (*vtlog.VerifiedCheckpoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: anchor/tlog: %w", anchor.ErrCouldNotCheck, err)
	}
	latest, err := vtlog.FetchCheckpoint(ctx, checkpoint, origin, keys...)
	if err != nil {
		return nil, fromLog("the log's latest checkpoint", err)
	}
	if latest.Size < cp.Size {
		// An older checkpoint than the entry's: a stale copy of the log
		// (a mirror, a cache) if the entry's tree extends it, a fork if
		// not. A stale copy proves nothing either way.
		if _, err := vtlog.ConsistencyProof(ctx, latest, cp, tiles); err != nil {
			return nil, fromLog(fmt.Sprintf("the log's latest checkpoint (size %d) is older than the entry's (size %d); proving the entry's tree extends it", latest.Size, cp.Size), err)
		}
		return nil, fmt.Errorf("%w: anchor/tlog: the log serves a checkpoint of size %d, older than the entry's (%d): a stale copy of the log; ask again later", anchor.ErrCouldNotCheck, latest.Size, cp.Size)
	}
	if _, err := vtlog.ConsistencyProof(ctx, cp, latest, tiles); err != nil {
		return nil, fromLog(fmt.Sprintf("the log's latest checkpoint (size %d) against the entry's (size %d)", latest.Size, cp.Size), err)
	}
	return latest, nil
}

var (
	_ anchor.TargetVerifier = (*Verifier)(nil)
	_ anchor.OnlineVerifier = (*OnlineVerifier)(nil)
)
