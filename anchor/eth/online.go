package eth

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// A HeaderReader is one RPC endpoint as an [OnlineVerifier] uses it:
// HeaderByNumber(ctx, nil) is the head, HeaderByNumber(ctx, n) the
// canonical header at n (eth_getBlockByNumber). go-ethereum's
// *ethclient.Client has it.
type HeaderReader interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
}

// HeaderReaderFunc adapts a function to a [HeaderReader].
type HeaderReaderFunc func(ctx context.Context, number *big.Int) (*types.Header, error)

// HeaderByNumber calls f.
func (f HeaderReaderFunc) HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error) {
	return f(ctx, number)
}

// OnlineOptions tunes an [OnlineVerifier]. The zero value: every endpoint
// must agree, depth 64 before an anchor counts, 10 seconds per endpoint.
type OnlineOptions struct {
	// Agree is how many endpoints must name the entry's block as canonical
	// (k of n); 0 means all of them.
	Agree int
	// MinDepth is the depth (1 = the head block) below which an anchor is
	// pending; 64 if 0.
	MinDepth uint64
	// FinalDepth is the depth from which it is reported final; MinDepth if
	// 0.
	FinalDepth uint64
	// Timeout bounds each endpoint's answers; 10 s if 0.
	Timeout time.Duration
	// Names, if set, are how an [EndpointsError] names each endpoint, in
	// the order of the endpoints ("endpoint i" for one without a name).
	// They are printed: never put a URL holding a key there, but its
	// [EndpointName].
	Names []string
}

// An OnlineVerifier is a [Verifier] that also asks RPC endpoints whether
// the entry's block is canonical at depth ≥ MinDepth: at least k of them
// must return the entry's block hash for its number, and the smallest head
// among those k gives the depth. It implements [anchor.OnlineVerifier]:
//
//   - k agree, depth reached: confirmed (final from FinalDepth);
//   - k agree, depth not reached: pending;
//   - k agree on another hash at that number and none on the entry's:
//     failed (re-orged out), so VerifyReceiptOnline rejects it;
//   - anything else (endpoints that disagree, fail, time out): an
//     [*EndpointsError] with every answer, wrapping
//     [anchor.ErrCouldNotCheck].
type OnlineVerifier struct {
	*Verifier
	endpoints []HeaderReader
	opts      OnlineOptions
}

// NewOnlineVerifier returns an online verifier for chain chainID and sink
// asking endpoints (at least one).
func NewOnlineVerifier(chainID uint64, sink common.Address, endpoints []HeaderReader, opts OnlineOptions) (*OnlineVerifier, error) {
	if len(endpoints) == 0 {
		return nil, &anchor.FormatError{Field: "eth.NewOnlineVerifier", Reason: "no endpoint"}
	}
	if opts.Agree == 0 {
		opts.Agree = len(endpoints)
	}
	if opts.Agree < 0 || opts.Agree > len(endpoints) {
		return nil, &anchor.FormatError{Field: "eth.OnlineOptions.Agree", Reason: fmt.Sprintf("%d of %d endpoints", opts.Agree, len(endpoints))}
	}
	if opts.MinDepth == 0 {
		opts.MinDepth = 64
	}
	if opts.FinalDepth == 0 || opts.FinalDepth < opts.MinDepth {
		opts.FinalDepth = opts.MinDepth
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if len(opts.Names) > len(endpoints) {
		return nil, &anchor.FormatError{Field: "eth.OnlineOptions.Names", Reason: fmt.Sprintf("%d names for %d endpoints", len(opts.Names), len(endpoints))}
	}
	return &OnlineVerifier{Verifier: NewVerifier(chainID, sink), endpoints: endpoints, opts: opts}, nil
}

// VerifyOnline checks entry offline, then asks the endpoints: see
// [OnlineVerifier].
func (o *OnlineVerifier) VerifyOnline(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Status, error) {
	x, err := ParseEthEntry(entry)
	if err != nil {
		return anchor.Status{}, err
	}
	if _, err := o.verify(root, x); err != nil {
		return anchor.Status{}, err
	}
	n := *x.BlockNumber
	e := &EndpointsError{
		Number:  n,
		Want:    x.BlockHash,
		Answers: make([]string, len(o.endpoints)),
		Errs:    make([]error, len(o.endpoints)),
		Names:   o.opts.Names,
	}
	heads := make([]uint64, len(o.endpoints))
	type answer struct {
		i    int
		hash string
		head uint64
		err  error
	}
	ch := make(chan answer, len(o.endpoints))
	for i, ep := range o.endpoints {
		go func() {
			ctx, cancel := context.WithTimeout(ctx, o.opts.Timeout)
			defer cancel()
			h, err := ep.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
			if err != nil {
				ch <- answer{i: i, err: err}
				return
			}
			head, err := ep.HeaderByNumber(ctx, nil)
			if err != nil {
				ch <- answer{i: i, err: err}
				return
			}
			hh := h.Hash()
			ch <- answer{i: i, hash: hex.EncodeToString(hh[:]), head: head.Number.Uint64()}
		}()
	}
	for range o.endpoints {
		a := <-ch
		e.Answers[a.i], e.Errs[a.i], heads[a.i] = a.hash, a.err, a.head
	}
	agree, other := 0, map[string]int{}
	var depth uint64
	for i, a := range e.Answers {
		switch {
		case e.Errs[i] != nil:
		case a == x.BlockHash:
			agree++
			d := uint64(0)
			if heads[i] >= n {
				d = heads[i] - n + 1
			}
			if agree == 1 || d < depth {
				depth = d
			}
		default:
			other[a]++
		}
	}
	switch {
	case agree >= o.opts.Agree && depth < o.opts.MinDepth:
		return anchor.Status{State: anchor.StatePending, Entry: entry}, nil
	case agree >= o.opts.Agree:
		st := anchor.Status{State: anchor.StateConfirmed, Depth: depth, Entry: entry}
		if depth >= o.opts.FinalDepth {
			st.State = anchor.StateFinal
		}
		return st, nil
	case agree == 0:
		for _, c := range other {
			if c >= o.opts.Agree {
				return anchor.Status{State: anchor.StateFailed, Entry: entry}, nil
			}
		}
	}
	if err := ctx.Err(); err != nil {
		e.Reason = "cancelled: " + err.Error()
	} else {
		e.Reason = fmt.Sprintf("%d of %d endpoints name the entry's block, %d needed", agree, len(o.endpoints), o.opts.Agree)
	}
	return anchor.Status{}, e
}

var _ anchor.OnlineVerifier = (*OnlineVerifier)(nil)
