package ipfs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	mh "github.com/multiformats/go-multihash"

	"github.com/ats-run/selfattest/anchor"
)

// Kind is the kind of this package's anchor entries.
const Kind = "ipfs"

// recordPrefix starts every anchor record: the record of root is
// recordPrefix || root, 58 bytes.
const recordPrefix = "selfattest/anchor/ipfs/v1\x00"

// Record returns the anchor record of root, the bytes an IPFS anchor
// publishes: "selfattest/anchor/ipfs/v1", a zero byte, and the 32 bytes
// of root.
func Record(root anchor.Hash) []byte {
	return append([]byte(recordPrefix), root[:]...)
}

// RecordCID returns the CID of root's anchor record: CIDv1, raw,
// sha2-256. A file of fewer than 1 MiB is one raw block under the
// unixfs-v1-2025 profile, so this is also what `ipfs add` of the record
// gives.
func RecordCID(root anchor.Hash) cid.Cid {
	sum, _ := mh.Sum(Record(root), mh.SHA2_256, -1) // sha2-256 never fails
	return cid.NewCidV1(cid.Raw, sum)
}

// An Entry is the JSON of an ipfs anchor entry:
//
//	{"kind":"ipfs","target":"<name>","cid":"<RecordCID(root), base32>"}
type Entry struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	CID    string `json:"cid"`
}

// An Anchorer anchors roots on a Kubo node: it publishes root's anchor
// record ([Record]) with /api/v0/dag/import and pins it, and checks an
// anchor by asking the node whether it still pins the record and by
// retrieving the record from a trustless gateway and verifying it. It
// implements [anchor.Anchorer] and is safe for concurrent use.
//
// The entry is complete from the start (its CID follows from the root),
// so an anchor is final as soon as the node pins it and serves it, and
// failed if the node no longer pins it; anchoring the root again pins it
// again, with the same entry.
type Anchorer struct {
	name    string
	kubo    *Kubo
	gateway *Gateway
	pinning *PinningService // nil: the node's pin is the anchor's
	pinWait time.Duration
}

// NewAnchorer returns an Anchorer named name (the "target" of its entries,
// 1 to 128 bytes of printable ASCII: name the node, e.g.
// "ipfs:archive.example.org") publishing through kubo and checking
// through gateway (the node's own gateway, or any trustless gateway).
// [WithPinningService] keeps the records at a pinning service too.
func NewAnchorer(name string, kubo *Kubo, gateway *Gateway, opts ...AnchorerOption) (*Anchorer, error) {
	if kubo == nil || gateway == nil {
		return nil, badInput("NewAnchorer: nil Kubo or Gateway")
	}
	if len(name) == 0 || len(name) > 128 {
		return nil, badInput("NewAnchorer: a name of 1 to 128 bytes")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c > 0x7e {
			return nil, badInput("NewAnchorer: the name is not printable ASCII")
		}
	}
	a := &Anchorer{name: name, kubo: kubo, gateway: gateway}
	for _, o := range opts {
		o(a)
	}
	if a.pinning == nil && a.pinWait != 0 {
		return nil, badInput("NewAnchorer: a nil PinningService")
	}
	return a, nil
}

// Name returns the target's name.
func (a *Anchorer) Name() string { return a.name }

// Verifier returns the offline verifier of this target's entries.
func (a *Anchorer) Verifier() anchor.AnchorVerifier { return &Verifier{TargetName: a.name} }

// Anchor publishes and pins root's anchor record and returns its entry.
// Anchoring a root again publishes and pins the same record: one anchor.
// With a pinning service it then pins the record there too and returns
// once the service says pinned ([ErrPinFailed] if it fails the pin,
// [ErrPinPending] if the wait ends first).
func (a *Anchorer) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	if err := ctx.Err(); err != nil {
		return anchor.Entry{}, fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
	}
	c := RecordCID(root)
	var car bytes.Buffer
	cw, err := storage.NewWritable(&car, []cid.Cid{c}, carv2.WriteAsCarV1(true))
	if err == nil {
		err = cw.Put(ctx, c.KeyString(), Record(root))
	}
	if err != nil {
		return anchor.Entry{}, fmt.Errorf("%w: car: %w", ErrBadInput, err)
	}
	if err := a.kubo.DagImport(ctx, &car, c); err != nil {
		return anchor.Entry{}, err
	}
	if a.pinning != nil {
		if err := a.pinRemote(ctx, root, c); err != nil {
			return anchor.Entry{}, err
		}
	}
	return entryFor(a.name, root)
}

func entryFor(target string, root anchor.Hash) (anchor.Entry, error) {
	// A fixed member order: the same root always gives the same bytes.
	data := fmt.Appendf(nil, `{"kind":%q,"target":%q,"cid":%q}`, Kind, target, RecordCID(root).String())
	return anchor.ParseEntry(data)
}

// Check reports the state of entry's anchor of root: final (depth 1) if
// the entry names root's record, the node pins it, and the gateway serves
// it and it verifies; failed if the node no longer pins it. With a
// pinning service ([WithPinningService]) the service, not the node, says
// whether the record is pinned: pending while queued or pinning, failed
// when failed or gone. An entry for
// another root or target is rejected ([anchor.ErrAnchor]); a node or
// gateway that does not answer is [anchor.ErrCouldNotCheck].
func (a *Anchorer) Check(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Status, error) {
	st := anchor.Status{Entry: entry}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
	}
	v := &Verifier{TargetName: a.name}
	if err := v.VerifyOffline(root, entry); err != nil {
		return st, err
	}
	c := RecordCID(root)
	if a.pinning != nil {
		state, err := a.remoteState(ctx, c)
		if err != nil {
			return st, err
		}
		if state != anchor.StateFinal {
			st.State = state
			return st, nil
		}
	} else {
		pinned, err := a.kubo.Pinned(ctx, c)
		if err != nil {
			return st, err
		}
		if !pinned {
			st.State = anchor.StateFailed
			return st, nil
		}
	}
	if err := fetchRecord(ctx, a.gateway, c); err != nil {
		return st, err
	}
	st.State, st.Depth = anchor.StateFinal, 1
	return st, nil
}

// fetchRecord retrieves the record block c from g and verifies it, into a
// temporary store it removes after.
func fetchRecord(ctx context.Context, g *Gateway, c cid.Cid) error {
	tmp, err := os.MkdirTemp("", "selfattest-ipfs-")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
	}
	defer os.RemoveAll(tmp)
	s, err := OpenStore(tmp)
	if err != nil {
		return err
	}
	gg := *g
	gg.Limits = Limits{MaxCARSize: 4 << 10, MaxBlocks: 2, MaxTotalSize: 1 << 10}
	st, err := gg.Fetch(ctx, c, s)
	if err != nil {
		return err
	}
	if st.Files != 1 || st.Dir || st.Size != int64(len(recordPrefix)+32) {
		return rejected(ErrMalformed, "the record %s is not one file of %d bytes", c, len(recordPrefix)+32)
	}
	return nil
}

// A Verifier checks ipfs anchor entries offline: that an entry names the
// CID of root's anchor record, for its target. It proves only that the
// entry is the anchor of root (anyone can compute the CID from the root);
// what the anchor is worth, that the record is pinned and served, is
// [Anchorer.Check]'s to say.
type Verifier struct {
	// TargetName, if set, is the only target whose entries verify.
	TargetName string
}

// Kind returns [Kind].
func (v *Verifier) Kind() string { return Kind }

// Target returns the target the verifier is for ("" for any).
func (v *Verifier) Target() string { return v.TargetName }

// VerifyOffline returns nil if entry is an ipfs entry of v's target naming
// root's record CID, [anchor.ErrAnchor] if it names another CID or target,
// and [anchor.ErrBadInput] if it cannot be read.
func (v *Verifier) VerifyOffline(root anchor.Hash, entry anchor.Entry) error {
	var e Entry
	if err := entry.Decode(&e); err != nil {
		return err
	}
	if e.Kind != Kind {
		return &anchor.FormatError{Field: "anchor entry.kind", Reason: fmt.Sprintf("%q, not %q", e.Kind, Kind)}
	}
	if v.TargetName != "" && e.Target != v.TargetName {
		return rejected(ErrRejected, "the entry is of target %q, not %q", e.Target, v.TargetName)
	}
	if want := RecordCID(root).String(); e.CID != want {
		return rejected(ErrRejected, "the entry names %q, the record of root %s is %s", e.CID, root, want)
	}
	return nil
}
