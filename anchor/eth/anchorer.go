package eth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// A Client is the part of an Ethereum JSON-RPC client an [Anchorer] uses;
// go-ethereum's *ethclient.Client and the simulated backend's Client
// (ethclient/simulated) have these methods.
type Client interface {
	ethereum.ChainIDReader
	ethereum.ChainReader       // HeaderByNumber, BlockByHash
	ethereum.TransactionReader // TransactionByHash, TransactionReceipt
	ethereum.PendingStateReader
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
}

// Options tunes an [Anchorer]. The zero value: confirmed at depth 1, final
// at depth 64, fees at most 100 gwei per gas and 2 gwei of tip, at most
// 100,000 gas, silent.
type Options struct {
	// MaxFeePerGas and MaxTipPerGas, in wei, bound what a transaction
	// offers; Anchor refuses to send (a [*FeeError]) rather than go above.
	// nil: 100 gwei and 2 gwei.
	MaxFeePerGas, MaxTipPerGas *big.Int
	// MaxGas bounds the gas limit; 100,000 if 0. A calldata anchor to an
	// account without code uses about 22,500.
	MaxGas uint64
	// Confirmations is the depth (1 = in the head block) at which an
	// anchor is confirmed; 1 if 0.
	Confirmations uint64
	// FinalDepth is the depth at which it is final; 64 if 0 (on mainnet,
	// about two epochs, when a block is usually finalized).
	FinalDepth uint64
	// Logger, if set, receives one line per transaction sent. It never
	// sees the key.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxFeePerGas == nil {
		o.MaxFeePerGas = big.NewInt(100e9)
	}
	if o.MaxTipPerGas == nil {
		o.MaxTipPerGas = big.NewInt(2e9)
	}
	if o.MaxGas == 0 {
		o.MaxGas = 100_000
	}
	if o.Confirmations == 0 {
		o.Confirmations = 1
	}
	if o.FinalDepth == 0 {
		o.FinalDepth = 64
	}
	if o.FinalDepth < o.Confirmations {
		o.FinalDepth = o.Confirmations
	}
	return o
}

// An Anchorer anchors roots on an Ethereum chain: each root is the
// calldata ([Calldata]) of a 0-value EIP-1559 transaction to a sink
// address, signed by its key. It implements [anchor.Anchorer]; it is safe
// for concurrent use.
type Anchorer struct {
	client  Client
	key     *ecdsa.PrivateKey
	from    common.Address
	chainID *big.Int
	sink    common.Address
	name    string
	opts    Options
	signer  types.Signer
	event   bool // anchors by contract event: see NewEvent

	mu    sync.Mutex
	sent  map[anchor.Hash]*Entry // the live anchor of each root this Anchorer sent
	cache map[string]*Entry      // complete entries by txHash+blockHash

	nonceMu sync.Mutex
	next    uint64 // the nonce after the last transaction sent
}

// New returns an Anchorer sending from key's address to sink on chain
// chainID through client. It asks the node for its chain id and refuses
// (an error wrapping [anchor.ErrBadInput]) one that is not chainID; a node
// that does not answer is [anchor.ErrCouldNotCheck]. With a nil key the
// Anchorer only checks: Check and Verifier work, and Anchor, Prepare,
// Submit and Bump are [anchor.ErrBadInput] (a program upgrading receipts
// needs no key).
func New(ctx context.Context, client Client, key *ecdsa.PrivateKey, chainID uint64, sink common.Address, opts Options) (*Anchorer, error) {
	if client == nil {
		return nil, &anchor.FormatError{Field: "eth.New", Reason: "nil client"}
	}
	a := &Anchorer{
		client:  client,
		key:     key,
		chainID: new(big.Int).SetUint64(chainID),
		sink:    sink,
		name:    Target(chainID, sink),
		opts:    opts.withDefaults(),
		sent:    map[anchor.Hash]*Entry{},
		cache:   map[string]*Entry{},
	}
	if key != nil {
		a.from = crypto.PubkeyToAddress(key.PublicKey)
	}
	a.signer = types.LatestSignerForChainID(a.chainID)
	if err := a.checkChain(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Anchorer) checkChain(ctx context.Context) error {
	id, err := a.client.ChainID(ctx)
	if err != nil {
		return couldNotCheck("chain id", err)
	}
	if id.Cmp(a.chainID) != 0 {
		return &anchor.FormatError{Field: "eth chain id", Reason: fmt.Sprintf("the node is on chain %v, not %v", id, a.chainID)}
	}
	return nil
}

// canSign refuses to send from an Anchorer made without a key.
func (a *Anchorer) canSign() error {
	if a.key == nil {
		return &anchor.FormatError{Field: "eth anchorer", Reason: "made without a key: it only checks"}
	}
	return nil
}

// Name returns the target: see [Target].
func (a *Anchorer) Name() string { return a.name }

// From returns the address the Anchorer sends from.
func (a *Anchorer) From() common.Address { return a.from }

// Verifier returns the offline verifier of this target's entries.
func (a *Anchorer) Verifier() anchor.AnchorVerifier {
	return &Verifier{chainID: a.chainID.Uint64(), sink: a.sink, event: a.event}
}

// Anchor sends a transaction anchoring root and returns its pending entry:
// [Anchorer.Prepare] then [Anchorer.Submit]. If this Anchorer anchored
// root before and that anchor has not failed (as far as it knows: it does
// not ask the node), it returns that entry and sends nothing. That record
// is in memory; across processes, the anchor journal keeps it (see
// [anchor.Preparer]).
func (a *Anchorer) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	if err := ctx.Err(); err != nil {
		return anchor.Entry{}, couldNotCheck("anchor", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.sent[root]; ok {
		return p.entry()
	}
	p, tx, err := a.prepare(ctx, root)
	if err != nil {
		return anchor.Entry{}, err
	}
	return a.sendAnchor(ctx, root, p, tx)
}

// sendAnchor broadcasts tx, whose pending entry is p, and records it as
// root's live anchor (the record Anchor answers from). The caller holds
// a.mu.
func (a *Anchorer) sendAnchor(ctx context.Context, root anchor.Hash, p *Entry, tx *types.Transaction) (anchor.Entry, error) {
	if err := a.send(ctx, tx); err != nil {
		return anchor.Entry{}, err
	}
	a.sent[root] = p
	return p.entry()
}

// Prepare signs a transaction anchoring root and returns its pending
// entry, sending nothing: it reads the chain id, the head's base fee, the
// tip suggestion, the gas estimate and the pending nonce, and refuses fees
// above the caps (a [*FeeError]). The anchor journal records the entry
// before it calls [Anchorer.Submit].
func (a *Anchorer) Prepare(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	if err := ctx.Err(); err != nil {
		return anchor.Entry{}, couldNotCheck("prepare", err)
	}
	p, _, err := a.prepare(ctx, root)
	if err != nil {
		return anchor.Entry{}, err
	}
	return p.entry()
}

// Submit sends the transaction of a pending entry of root made by this
// Anchorer (checked offline first: its chain, sink, sender and calldata).
// A node that already has the transaction ("already known"), or whose
// sender's nonce is past it ("nonce too low": it was mined, or another
// transaction took the nonce, which Check then reports failed), is not an
// error: sending a signed transaction again is at most one anchor.
func (a *Anchorer) Submit(ctx context.Context, root anchor.Hash, entry anchor.Entry) error {
	if err := a.canSign(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return couldNotCheck("submit", err)
	}
	_, v, err := a.own(root, entry)
	if err != nil {
		return err
	}
	if v.from != a.from {
		return reject("from", a.from.Hex(), v.from.Hex(), nil)
	}
	err = a.send(ctx, v.tx)
	if err != nil && (strings.Contains(err.Error(), "already known") || strings.Contains(err.Error(), "nonce too low")) {
		return nil
	}
	return err
}

// prepare builds and signs the transaction anchoring root.
func (a *Anchorer) prepare(ctx context.Context, root anchor.Hash) (*Entry, *types.Transaction, error) {
	if err := a.canSign(); err != nil {
		return nil, nil, err
	}
	if err := a.checkChain(ctx); err != nil {
		return nil, nil, err
	}
	tip, maxFee, err := fees(ctx, a.client, a.opts)
	if err != nil {
		return nil, nil, err
	}
	data := a.payload(root)
	gas, err := a.client.EstimateGas(ctx, ethereum.CallMsg{From: a.from, To: &a.sink, Data: data, Value: new(big.Int)})
	if err != nil {
		return nil, nil, couldNotCheck("estimate gas", err)
	}
	if gas > a.opts.MaxGas {
		return nil, nil, &FeeError{What: "gas", Limit: fmt.Sprint(a.opts.MaxGas), Asked: fmt.Sprint(gas)}
	}
	nonce, err := a.pendingNonce(ctx)
	if err != nil {
		return nil, nil, err
	}
	return a.sign(nonce, tip, maxFee, gas, data)
}

// sign signs the anchor transaction to the sink (value 0, payload data)
// with the given nonce, fees and gas, and returns it with its pending
// entry.
func (a *Anchorer) sign(nonce uint64, tip, maxFee *big.Int, gas uint64, data []byte) (*Entry, *types.Transaction, error) {
	tx, err := types.SignNewTx(a.key, a.signer, &types.DynamicFeeTx{
		ChainID:   a.chainID,
		Nonce:     nonce,
		GasTipCap: tip,
		GasFeeCap: maxFee,
		Gas:       gas,
		To:        &a.sink,
		Value:     new(big.Int),
		Data:      data,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: eth: sign: %w", anchor.ErrBadInput, err)
	}
	p, err := a.pendingEntry(tx, a.from)
	if err != nil {
		return nil, nil, err
	}
	return p, tx, nil
}

// pendingNonce is the node's pending nonce of the sender. A node adds a
// transaction to its pool's pending nonce asynchronously (geth promotes
// it in the background), so right after a send it may still answer the
// nonce just used, and a second anchor would replace the first: when the
// node's answer is below the nonce after this Anchorer's last send, it
// asks again for up to a second, then takes the node's answer (the
// transaction was dropped; its Check will say so).
func (a *Anchorer) pendingNonce(ctx context.Context) (uint64, error) {
	a.nonceMu.Lock()
	next := a.next
	a.nonceMu.Unlock()
	for i := 0; ; i++ {
		nonce, err := a.client.PendingNonceAt(ctx, a.from)
		if err != nil {
			return 0, couldNotCheck("pending nonce", err)
		}
		if nonce >= next || i == 20 {
			return nonce, nil
		}
		select {
		case <-ctx.Done():
			return 0, couldNotCheck("pending nonce", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// send broadcasts tx.
func (a *Anchorer) send(ctx context.Context, tx *types.Transaction) error {
	if err := a.client.SendTransaction(ctx, tx); err != nil {
		// "nonce too low", "replacement transaction underpriced": another
		// sender with this key took the nonce between our read and send.
		return couldNotCheck(fmt.Sprintf("send (nonce %d)", tx.Nonce()), err)
	}
	a.nonceMu.Lock()
	a.next = max(a.next, tx.Nonce()+1)
	a.nonceMu.Unlock()
	if a.opts.Logger != nil {
		a.opts.Logger.Info("eth: anchor sent", "target", a.name, "tx", tx.Hash().Hex(), "nonce", tx.Nonce())
	}
	return nil
}

func (a *Anchorer) pendingEntry(tx *types.Transaction, from common.Address) (*Entry, error) {
	bin, err := tx.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("%w: eth: %w", anchor.ErrBadInput, err)
	}
	h := tx.Hash()
	return &Entry{
		Kind:    a.Verifier().Kind(),
		Target:  a.name,
		ChainID: a.chainID.Uint64(),
		From:    hex.EncodeToString(from[:]),
		Nonce:   tx.Nonce(),
		TxHash:  hex.EncodeToString(h[:]),
		Tx:      hex.EncodeToString(bin),
	}, nil
}

// own parses entry, refuses one of another target, and checks it
// offline: a pending entry (anchor.ErrPending) passes with what could be
// checked, a complete one with everything; anything false is rejected.
// Check, Submit and Bump start with it.
func (a *Anchorer) own(root anchor.Hash, entry anchor.Entry) (*Entry, *verified, error) {
	x, err := ParseEthEntry(entry)
	if err != nil {
		return nil, nil, err
	}
	if x.Target != a.name {
		return nil, nil, reject("target", a.name, x.Target, nil)
	}
	v, err := a.Verifier().(*Verifier).verify(root, x)
	if err != nil && !errors.Is(err, anchor.ErrPending) {
		return nil, nil, err
	}
	return x, v, nil
}

// Check reports the state of entry's anchor of root: pending while its
// transaction is not in a block at depth Options.Confirmations; confirmed
// with the complete entry (built from the node's block and receipts,
// checked offline before it is returned); final at Options.FinalDepth;
// failed when the transaction reverted (status 0), when its nonce was
// used by another transaction, when it left the node's pool without being
// mined, or when a complete entry's block is no longer canonical (a
// re-org).
func (a *Anchorer) Check(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Status, error) {
	if err := ctx.Err(); err != nil {
		return anchor.Status{}, couldNotCheck("check", err)
	}
	x, v, err := a.own(root, entry)
	if err != nil {
		return anchor.Status{}, err
	}
	st, err := a.check(ctx, root, x, v)
	if err == nil && st.State == anchor.StateFailed {
		a.mu.Lock()
		if p := a.sent[root]; p != nil && p.TxHash == x.TxHash {
			delete(a.sent, root)
		}
		a.mu.Unlock()
	}
	return st, err
}

func (a *Anchorer) check(ctx context.Context, root anchor.Hash, x *Entry, v *verified) (anchor.Status, error) {
	entry, _ := x.entry()
	failed := anchor.Status{State: anchor.StateFailed, Entry: entry}
	pending := anchor.Status{State: anchor.StatePending, Entry: entry}
	txHash := v.tx.Hash()
	rcpt, err := a.client.TransactionReceipt(ctx, txHash)
	switch {
	case notFound(err):
		if v.complete {
			return failed, nil // its block was re-orged out and the tx is not mined again
		}
		used, err := a.client.NonceAt(ctx, v.from, nil)
		if err != nil {
			return anchor.Status{}, couldNotCheck("nonce", err)
		}
		if used > v.tx.Nonce() {
			// The nonce went to another transaction: a replacement of
			// this one ([Anchorer.Bump], perhaps by a process that
			// crashed before recording it), or not ours.
			tx, err := a.minedAtNonce(ctx, v.from, v.tx.Nonce())
			if err != nil {
				return anchor.Status{}, err
			}
			if tx != nil && tx.Hash() == txHash {
				return pending, nil // mined, its receipt not indexed yet
			}
			if tx == nil || !a.anchors(tx, root) {
				return failed, nil
			}
			rx, err := a.pendingEntry(tx, v.from) // the entry's sender: an Anchorer that only checks has no address
			if err != nil {
				return anchor.Status{}, err
			}
			rv, err := a.Verifier().(*Verifier).verify(root, rx)
			if !errors.Is(err, anchor.ErrPending) {
				return anchor.Status{}, couldNotCheck("the replacement transaction", err)
			}
			return a.check(ctx, root, rx, rv)
		}
		_, isPending, err := a.client.TransactionByHash(ctx, txHash)
		switch {
		case notFound(err):
			// Not in the pool: dropped, unless the pool holds another
			// transaction at its nonce (a replacement): wait for it.
			next, err := a.client.PendingNonceAt(ctx, v.from)
			if err != nil {
				return anchor.Status{}, couldNotCheck("pending nonce", err)
			}
			if next > v.tx.Nonce() {
				return pending, nil
			}
			return failed, nil
		case err != nil:
			return anchor.Status{}, couldNotCheck("transaction", err)
		case isPending:
			return pending, nil
		}
		return pending, nil // mined but its receipt not indexed yet
	case err != nil:
		return anchor.Status{}, couldNotCheck("receipt", err)
	}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return failed, nil
	}
	if v.complete && rcpt.BlockHash != v.header.Hash() {
		return failed, nil // re-org: the entry's block is not canonical; the tx is in another
	}
	head, err := a.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return anchor.Status{}, couldNotCheck("head", err)
	}
	canon, err := a.client.HeaderByNumber(ctx, rcpt.BlockNumber)
	if err != nil {
		return anchor.Status{}, couldNotCheck("block", err)
	}
	if canon.Hash() != rcpt.BlockHash {
		// The node's receipt names a block that is not canonical: a
		// re-org is under way; ask again later.
		return pending, nil
	}
	n := rcpt.BlockNumber.Uint64()
	if head.Number.Uint64() < n {
		return pending, nil
	}
	depth := head.Number.Uint64() - n + 1
	if depth < a.opts.Confirmations {
		return pending, nil
	}
	full, err := a.complete(ctx, root, x, rcpt)
	if err != nil {
		return anchor.Status{}, err
	}
	e, err := full.entry()
	if err != nil {
		return anchor.Status{}, err
	}
	st := anchor.Status{State: anchor.StateConfirmed, Depth: depth, Entry: e}
	if depth >= a.opts.FinalDepth {
		st.State = anchor.StateFinal
	}
	return st, nil
}

// complete builds the complete entry from the node's block and receipts,
// and checks it offline.
func (a *Anchorer) complete(ctx context.Context, root anchor.Hash, x *Entry, rcpt *types.Receipt) (*Entry, error) {
	key := x.TxHash + rcpt.BlockHash.Hex()
	a.mu.Lock()
	c := a.cache[key]
	a.mu.Unlock()
	if c != nil {
		return c, nil
	}
	b, err := a.client.BlockByHash(ctx, rcpt.BlockHash)
	if err != nil {
		return nil, couldNotCheck("block", err)
	}
	rs := make(types.Receipts, len(b.Transactions()))
	for i, tx := range b.Transactions() {
		if rs[i], err = a.client.TransactionReceipt(ctx, tx.Hash()); err != nil {
			return nil, couldNotCheck("receipts", err)
		}
	}
	p := *x
	p.BlockHash, p.BlockNumber, p.Header, p.Index, p.TxProof, p.Receipt, p.ReceiptProof = "", nil, "", nil, "", "", ""
	c, err = completeEntry(&p, b, rs, uint64(rcpt.TransactionIndex))
	if err != nil {
		return nil, couldNotCheck("proofs", err)
	}
	if _, err := a.Verifier().(*Verifier).verify(root, c); err != nil {
		return nil, couldNotCheck("the entry built from the node's answers does not verify", err)
	}
	a.mu.Lock()
	a.cache[key] = c
	a.mu.Unlock()
	return c, nil
}

// replacementWindow bounds how far back Check looks for the transaction
// that used an anchor's nonce: the blocks whose state a full node keeps.
const replacementWindow = 128

// minedAtNonce returns the transaction from from with the given nonce
// in the canonical chain, found by a binary search of the sender's nonce
// over the last [replacementWindow] blocks; nil if it was mined earlier
// (then an anchor of this process's is not it: Check runs while the
// anchor is recent).
func (a *Anchorer) minedAtNonce(ctx context.Context, from common.Address, nonce uint64) (*types.Transaction, error) {
	head, err := a.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, couldNotCheck("head", err)
	}
	hi := head.Number.Uint64() // NonceAt(hi) > nonce
	lo := uint64(0)            // NonceAt(lo) <= nonce, once checked
	if hi > replacementWindow {
		lo = hi - replacementWindow
	}
	n, err := a.client.NonceAt(ctx, from, new(big.Int).SetUint64(lo))
	if err != nil {
		return nil, couldNotCheck("nonce at block", err)
	}
	if n > nonce {
		return nil, nil
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		n, err := a.client.NonceAt(ctx, from, new(big.Int).SetUint64(mid))
		if err != nil {
			return nil, couldNotCheck("nonce at block", err)
		}
		if n > nonce {
			hi = mid
		} else {
			lo = mid
		}
	}
	b, err := a.client.BlockByNumber(ctx, new(big.Int).SetUint64(hi))
	if err != nil {
		return nil, couldNotCheck("block", err)
	}
	for _, tx := range b.Transactions() {
		if tx.Nonce() != nonce {
			continue
		}
		if sender, err := types.Sender(a.signer, tx); err == nil && sender == from {
			return tx, nil
		}
	}
	return nil, couldNotCheck("block", fmt.Errorf("block %d holds no transaction from %s at nonce %d", hi, from, nonce))
}

// anchors reports whether tx is an anchor of root by this Anchorer: to its
// sink, its payload, no value.
func (a *Anchorer) anchors(tx *types.Transaction, root anchor.Hash) bool {
	return tx.To() != nil && *tx.To() == a.sink && bytes.Equal(tx.Data(), a.payload(root)) && tx.Value().Sign() == 0
}

// Bump replaces entry's transaction, still waiting in the node's pool, by
// one with the same nonce, gas, sink and payload and fees raised by an
// eighth (nodes refuse a replacement raising less than a tenth) or to the
// current policy's, whichever is higher, within [Options]' caps (a
// [*FeeError] and nothing sent above them). It returns the replacement's
// pending entry; Anchor of root returns it from then on.
//
// The anchor journal need not record the replacement: Check of the entry
// it holds follows the nonce to whichever transaction used it, and
// completes the entry from the replacement when that one is mined.
func (a *Anchorer) Bump(ctx context.Context, root anchor.Hash, entry anchor.Entry) (anchor.Entry, error) {
	if err := a.canSign(); err != nil {
		return anchor.Entry{}, err
	}
	if err := ctx.Err(); err != nil {
		return anchor.Entry{}, couldNotCheck("bump", err)
	}
	_, v, err := a.own(root, entry)
	if err != nil {
		return anchor.Entry{}, err
	}
	if v.complete {
		return anchor.Entry{}, &anchor.FormatError{Field: "eth entry", Reason: "complete: its transaction is mined"}
	}
	if v.from != a.from {
		return anchor.Entry{}, reject("from", a.from.Hex(), v.from.Hex(), nil)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	_, isPending, err := a.client.TransactionByHash(ctx, v.tx.Hash())
	switch {
	case notFound(err):
		return anchor.Entry{}, couldNotCheck("bump", fmt.Errorf("transaction %s is not in the node's pool", v.tx.Hash().Hex()))
	case err != nil:
		return anchor.Entry{}, couldNotCheck("transaction", err)
	case !isPending:
		return anchor.Entry{}, &anchor.FormatError{Field: "eth entry", Reason: "its transaction is mined: nothing to bump"}
	}
	tip, maxFee, err := fees(ctx, a.client, a.opts)
	if err != nil {
		return anchor.Entry{}, err
	}
	bump := func(old, now *big.Int) *big.Int {
		b := new(big.Int).Add(old, new(big.Int).Add(new(big.Int).Rsh(old, 3), big.NewInt(1)))
		if now.Cmp(b) > 0 {
			return now
		}
		return b
	}
	tip, maxFee = bump(v.tx.GasTipCap(), tip), bump(v.tx.GasFeeCap(), maxFee)
	if tip.Cmp(a.opts.MaxTipPerGas) > 0 {
		return anchor.Entry{}, &FeeError{What: "maxPriorityFeePerGas", Limit: a.opts.MaxTipPerGas.String(), Asked: tip.String()}
	}
	if maxFee.Cmp(a.opts.MaxFeePerGas) > 0 {
		return anchor.Entry{}, &FeeError{What: "maxFeePerGas", Limit: a.opts.MaxFeePerGas.String(), Asked: maxFee.String()}
	}
	if maxFee.Cmp(tip) < 0 {
		maxFee = new(big.Int).Set(tip)
	}
	// The entry verified against this Anchorer's target: its transaction
	// is to a.sink, so sign sends the replacement there too.
	p, tx, err := a.sign(v.tx.Nonce(), tip, maxFee, v.tx.Gas(), v.tx.Data())
	if err != nil {
		return anchor.Entry{}, err
	}
	return a.sendAnchor(ctx, root, p, tx)
}

// notFound reports whether err says the node does not have the
// transaction. geth answers "transaction indexing is in progress" instead
// of null while its transaction index is being built, which on the
// simulated backend is always.
func notFound(err error) bool {
	return errors.Is(err, ethereum.NotFound) || err != nil && strings.Contains(err.Error(), "transaction indexing is in progress")
}

var _ anchor.Preparer = (*Anchorer)(nil)
