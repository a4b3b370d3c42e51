package anchor

import (
	"context"
	"fmt"
	"strconv"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// An AnchorVerifier checks anchor entries of one kind offline: that entry
// anchors root, from what the entry carries and the trust material the
// verifier was made with (a key, a log's key, a block hash).
//
// VerifyOffline returns nil only if entry is complete and anchors root. It
// must return an error wrapping [ErrAnchor] for an entry that is false (for
// another root, a bad signature or proof), [ErrPending] for a pending
// entry, and [ErrBadInput] for one it cannot read. It does no I/O.
type AnchorVerifier interface {
	Kind() string
	VerifyOffline(root Hash, entry Entry) error
}

// A TargetVerifier is an [AnchorVerifier] for the entries of one target
// only: two targets of one kind (two chains, two logs) each have their own
// trust material. [VerifyReceipt] gives an entry to the verifier of its
// kind and target if there is one, else to the verifier of its kind whose
// Target is "" (or that does not implement TargetVerifier).
type TargetVerifier interface {
	AnchorVerifier
	Target() string
}

// ResultSchema is the schema of a [Result].
const ResultSchema = "https://github.com/ats-run/selfattest/receipt-result/v1"

// A Result holds what [VerifyReceipt] or [VerifyReceiptOnline] verified:
// the evidence is the item at LeafIndex of a batch of TreeSize items whose
// root is Root, and each of Anchors anchors Root.
type Result struct {
	Schema    string           `json:"schema"`
	Evidence  Evidence         `json:"evidence"`
	LeafIndex uint64           `json:"leafIndex"`
	TreeSize  uint64           `json:"treeSize"`
	Root      string           `json:"root"`
	Anchors   []VerifiedAnchor `json:"anchors"`
}

// A VerifiedAnchor is an anchor entry that verified. Checked is "offline"
// (from the entry alone) or "online" (its target was asked too, and State
// and Depth are its answer: "confirmed" at Depth, or "final").
type VerifiedAnchor struct {
	Kind    string `json:"kind"`
	Target  string `json:"target"`
	Checked string `json:"checked"`
	State   string `json:"state,omitempty"`
	Depth   uint64 `json:"depth,omitempty"`
}

// An OnlineVerifier is an [AnchorVerifier] that can also ask the target
// whether an entry still stands, adding freshness to the offline proof: a
// log's consistency with its latest checkpoint, a block's place in the
// canonical chain at a depth. VerifyOnline is called only for an entry
// that verified offline. It returns the anchor's [Status]; an error
// wrapping [ErrCouldNotCheck] when the target did not answer or ctx ended,
// [ErrAnchor] when the target denies the entry.
type OnlineVerifier interface {
	AnchorVerifier
	VerifyOnline(ctx context.Context, root Hash, entry Entry) (Status, error)
}

// VerifyInclusion checks the batch part of r offline: that evidence is the
// item r names and that r's proof leads from its leaf, at r's index in a
// tree of r's size, to a tree hash whose [BatchRoot] with r's size is r's
// root. It returns nil, a [*ProofError] (wrapping
// [ErrAnchor]), or an error wrapping [ErrBadInput] for unusable evidence.
// It says nothing about the anchors: see [VerifyReceipt].
func VerifyInclusion(r *Receipt, evidence Evidence) error {
	if r == nil {
		return badInput("receipt", "nil")
	}
	leaf, err := evidence.LeafHash()
	if err != nil {
		return err
	}
	pe := &ProofError{LeafIndex: r.LeafIndex, TreeSize: r.TreeSize, Expected: r.Root}
	if !evidence.Equal(r.Evidence) {
		pe.Reason = "the evidence is not the item the receipt names"
		return pe
	}
	if r.TreeSize == 0 || r.TreeSize > MaxTreeSize || r.LeafIndex >= r.TreeSize || len(r.Proof) > MaxProofLen {
		return badInput("receipt", "leaf index, tree size or proof out of range")
	}
	p := make([][]byte, len(r.Proof))
	for i := range r.Proof {
		p[i] = r.Proof[i][:]
	}
	got, err := proof.RootFromInclusionProof(rfc6962.DefaultHasher, r.LeafIndex, r.TreeSize, leaf[:], p)
	if err != nil {
		pe.Reason = "the proof does not fit the leaf index and tree size"
		pe.Err = err
		return pe
	}
	if root := BatchRoot(r.TreeSize, Hash(got)); root != r.Root {
		pe.Reason = "the proof and tree size do not lead to the root"
		pe.Got = root
		return pe
	}
	return nil
}

// VerifyReceipt checks r offline against the evidence the caller holds:
// the batch part ([VerifyInclusion]), then every anchor entry with the
// verifier of its kind (and target: see [TargetVerifier]) among
// verifiers. It returns a [*Result] only if all of them hold. Otherwise
// its error wraps exactly one sentinel:
// [ErrAnchor] (rejected), [ErrCouldNotCheck] (an entry of a kind no
// verifier was given for), [ErrPending] (no anchor yet, or only pending
// ones), or [ErrBadInput]. Entry failures come as an [*EntriesError].
func VerifyReceipt(r *Receipt, evidence Evidence, verifiers ...AnchorVerifier) (*Result, error) {
	return verifyReceipt(context.Background(), false, r, evidence, verifiers)
}

// VerifyReceiptOnline is [VerifyReceipt], then, for every entry whose
// verifier is an [OnlineVerifier], a question to its target: the entry
// passes only if the target reports it confirmed or final (the depth is in
// the [Result]). An anchor the target dropped is rejected ([ErrAnchor]),
// one it reports pending is [ErrPending], and a target that does not
// answer is [ErrCouldNotCheck]. Entries whose verifier works offline only
// are checked offline, and say so in the Result.
func VerifyReceiptOnline(ctx context.Context, r *Receipt, evidence Evidence, verifiers ...AnchorVerifier) (*Result, error) {
	if ctx == nil {
		return nil, badInput("ctx", "nil context")
	}
	return verifyReceipt(ctx, true, r, evidence, verifiers)
}

// verifyReceipt verifies r offline and, if online, online too.
func verifyReceipt(ctx context.Context, online bool, r *Receipt, evidence Evidence, verifiers []AnchorVerifier) (*Result, error) {
	byKind := make(map[[2]string]AnchorVerifier, len(verifiers))
	for _, v := range verifiers {
		if v == nil {
			return nil, badInput("verifiers", "nil verifier")
		}
		k := [2]string{v.Kind(), ""}
		if tv, ok := v.(TargetVerifier); ok {
			k[1] = tv.Target()
		}
		if _, dup := byKind[k]; dup {
			return nil, badInput("verifiers", "two verifiers for kind "+strconv.Quote(k[0])+" and target "+strconv.Quote(k[1]))
		}
		byKind[k] = v
	}
	err := VerifyInclusion(r, evidence)
	if err != nil {
		return nil, err
	}
	if len(r.Anchors) == 0 {
		return nil, fmt.Errorf("%w: the receipt has no anchor", ErrPending)
	}
	res := &Result{
		Schema:    ResultSchema,
		Evidence:  r.Evidence,
		LeafIndex: r.LeafIndex,
		TreeSize:  r.TreeSize,
		Root:      r.Root.String(),
	}
	res.Anchors, err = verifyEntries(r, func(i int, e Entry) (VerifiedAnchor, error) {
		va := VerifiedAnchor{Kind: e.Kind, Target: e.Target, Checked: "offline"}
		v, ok := byKind[[2]string{e.Kind, e.Target}]
		if !ok {
			v, ok = byKind[[2]string{e.Kind, ""}]
		}
		switch {
		case e.raw == nil:
			return va, badInput("anchors["+strconv.Itoa(i)+"]", "not an entry from ParseEntry")
		case !ok:
			return va, fmt.Errorf("%w: no verifier for kind %q", ErrCouldNotCheck, e.Kind)
		}
		if err := classify(v.VerifyOffline(r.Root, e)); err != nil {
			return va, err
		}
		ov, ok := v.(OnlineVerifier)
		if !online || !ok {
			return va, nil
		}
		st, err := ov.VerifyOnline(ctx, r.Root, e)
		if err != nil {
			return va, classify(err)
		}
		va.Checked, va.State, va.Depth = "online", st.State.String(), st.Depth
		switch st.State {
		case StateConfirmed, StateFinal:
			return va, nil
		case StatePending:
			return va, fmt.Errorf("%w: the target reports the anchor pending", ErrPending)
		case StateFailed:
			return va, fmt.Errorf("%w: the target dropped the anchor (a re-org, an expired submission)", ErrAnchor)
		}
		return va, fmt.Errorf("%w: the target reports state %v", ErrCouldNotCheck, st.State)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// verifyEntries runs check on every entry of r and collects the verified
// ones, or an [*EntriesError] listing the others.
func verifyEntries(r *Receipt, check func(int, Entry) (VerifiedAnchor, error)) ([]VerifiedAnchor, error) {
	var (
		out    []VerifiedAnchor
		failed []*EntryError
	)
	for i, e := range r.Anchors {
		va, err := check(i, e)
		if err != nil {
			failed = append(failed, &EntryError{Index: i, Kind: e.Kind, Target: e.Target, Err: err})
			continue
		}
		out = append(out, va)
	}
	if len(failed) > 0 {
		return nil, &EntriesError{Entries: failed}
	}
	return out, nil
}
