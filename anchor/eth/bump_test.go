package eth

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth/ethtest"
)

// stuckEntry sends, from a's key, an anchor of root whose fee cap (1e7
// wei) is below the base fee, so that it waits in the pool, and returns
// its pending entry.
func stuckEntry(t *testing.T, a *Anchorer, c Client, root anchor.Hash) anchor.Entry {
	t.Helper()
	ctx := context.Background()
	nonce, err := c.PendingNonceAt(ctx, a.from)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := types.SignNewTx(a.key, a.signer, &types.DynamicFeeTx{
		ChainID: a.chainID, Nonce: nonce, GasTipCap: big.NewInt(1e7), GasFeeCap: big.NewInt(1e7),
		Gas: 30_000, To: &a.sink, Value: new(big.Int), Data: a.payload(root),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendTransaction(ctx, tx); err != nil {
		t.Fatalf("send the underpriced anchor: %v", err)
	}
	p, err := a.pendingEntry(tx, a.from)
	if err != nil {
		t.Fatal(err)
	}
	return encode(t, p)
}

// testBump: a stuck anchor stays pending; Bump replaces it at the same
// nonce; Check of the old entry (what a journal that never recorded the
// replacement holds) and of the new one both complete to the
// replacement, mined once.
func testBump(t *testing.T, a *Anchorer, c Client, advance func()) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root := randomRoot(t)
	old := stuckEntry(t, a, c, root)
	for range 2 {
		advance()
	}
	if st, err := a.Check(ctx, root, old); err != nil || st.State != anchor.StatePending {
		t.Fatalf("Check(stuck) = %v, %v; want pending", st.State, err)
	}
	if _, err := a.Bump(ctx, randomRoot(t), old); !errors.Is(err, anchor.ErrAnchor) {
		t.Fatalf("Bump for another root = %v, want ErrAnchor", err)
	}
	limit := a.opts.MaxFeePerGas
	a.opts.MaxFeePerGas = big.NewInt(1e7)
	var fe *FeeError
	if _, err := a.Bump(ctx, root, old); !errors.As(err, &fe) {
		t.Fatalf("Bump above the fee cap = %v, want a *FeeError", err)
	}
	a.opts.MaxFeePerGas = limit
	nu, err := a.Bump(ctx, root, old)
	if err != nil {
		t.Fatalf("Bump: %v", err)
	}
	xo, xn := decode(t, old), decode(t, nu)
	if xn.Nonce != xo.Nonce || xn.TxHash == xo.TxHash {
		t.Fatalf("replacement at nonce %d (tx %s), old at %d (tx %s); want the same nonce, another transaction", xn.Nonce, xn.TxHash, xo.Nonce, xo.TxHash)
	}
	if again, err := a.Anchor(ctx, root); err != nil || !again.Equal(nu) {
		t.Fatalf("Anchor after Bump = %v; want the replacement", err)
	}
	var stOld, stNew anchor.Status
	for i := 0; ; i++ {
		advance()
		if stOld, err = a.Check(ctx, root, old); err != nil {
			t.Fatalf("Check(old entry): %v", err)
		}
		if stOld.State == anchor.StateConfirmed || stOld.State == anchor.StateFinal {
			break
		}
		if stOld.State != anchor.StatePending || i > 60 {
			t.Fatalf("Check(old entry) = %v after %d blocks; want confirmed from the replacement", stOld.State, i)
		}
	}
	if stNew, err = a.Check(ctx, root, nu); err != nil || (stNew.State != anchor.StateConfirmed && stNew.State != anchor.StateFinal) {
		t.Fatalf("Check(replacement) = %v, %v", stNew.State, err)
	}
	if got := decode(t, stOld.Entry); got.TxHash != xn.TxHash || !stOld.Entry.Equal(stNew.Entry) {
		t.Fatalf("the old entry completed to tx %s, want the replacement %s", got.TxHash, xn.TxHash)
	}
	if err := a.Verifier().VerifyOffline(root, stOld.Entry); err != nil {
		t.Fatalf("the replacement's complete entry does not verify: %v", err)
	}
	if _, err := a.Bump(ctx, root, nu); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("Bump of a mined anchor = %v, want ErrBadInput", err)
	}
	n, err := c.NonceAt(ctx, a.from, nil)
	if err != nil || n != xo.Nonce+1 {
		t.Fatalf("sender's nonce %d (%v), want %d: one transaction for the anchor", n, err, xo.Nonce+1)
	}
}

func TestBump(t *testing.T) {
	s := newSim(t)
	testBump(t, s.Anchorer, s.b.Client(), func() { s.b.Commit() })
}

func TestGethBump(t *testing.T) {
	node := ethtest.Start(t, ethtest.Options{})
	a := newGeth(t, node, Options{})
	testBump(t, a, node.Client, func() { time.Sleep(time.Second) })
}

// TestReplacedByOther: the nonce of a pending anchor is used by another
// transaction of the same key that anchors nothing: failed, and the
// search for the replacement looks only at that nonce's transaction.
func TestReplacedByOther(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	root := randomRoot(t)
	e := stuckEntry(t, s.Anchorer, s.b.Client(), root)
	x := decode(t, e)
	s.sendTransfer(t, x.Nonce, big.NewInt(2e9))
	for range 3 {
		s.b.Commit()
	}
	if st, err := s.Check(ctx, root, e); err != nil || st.State != anchor.StateFailed {
		t.Fatalf("Check(nonce used by a transfer) = %v, %v; want failed", st.State, err)
	}
}

// TestCheckOnly: an Anchorer made without a key checks anchors others
// sent — following a replacement's nonce by the entry's sender, not its
// own — and refuses to send.
func TestCheckOnly(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	c, err := New(ctx, s.b.Client(), nil, simChainID, s.sink, Options{FinalDepth: 3})
	if err != nil {
		t.Fatalf("New without a key: %v", err)
	}
	root := randomRoot(t)
	old := stuckEntry(t, s.Anchorer, s.b.Client(), root)
	if _, err := c.Anchor(ctx, root); !errors.Is(err, anchor.ErrBadInput) {
		t.Errorf("Anchor without a key = %v, want ErrBadInput", err)
	}
	if _, err := c.Prepare(ctx, root); !errors.Is(err, anchor.ErrBadInput) {
		t.Errorf("Prepare without a key = %v, want ErrBadInput", err)
	}
	if err := c.Submit(ctx, root, old); !errors.Is(err, anchor.ErrBadInput) {
		t.Errorf("Submit without a key = %v, want ErrBadInput", err)
	}
	if _, err := c.Bump(ctx, root, old); !errors.Is(err, anchor.ErrBadInput) {
		t.Errorf("Bump without a key = %v, want ErrBadInput", err)
	}
	if st, err := c.Check(ctx, root, old); err != nil || st.State != anchor.StatePending {
		t.Fatalf("Check(stuck) without a key = %v, %v; want pending", st.State, err)
	}
	nu, err := s.Bump(ctx, root, old)
	if err != nil {
		t.Fatal(err)
	}
	s.b.Commit()
	st, err := c.Check(ctx, root, old)
	if err != nil || st.State != anchor.StateConfirmed || decode(t, st.Entry).TxHash != decode(t, nu).TxHash {
		t.Fatalf("Check(old entry) without a key = %v, %v; want confirmed from the replacement", st.State, err)
	}
}

// unindexed answers, for one transaction, what geth answers while its
// transaction index is being built: an error for its receipt and for the
// transaction itself, though it is mined.
type unindexed struct {
	Client
	hide common.Hash
}

func (u *unindexed) TransactionReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	if h == u.hide {
		return nil, errors.New("transaction indexing is in progress")
	}
	return u.Client.TransactionReceipt(ctx, h)
}

func (u *unindexed) TransactionByHash(ctx context.Context, h common.Hash) (*types.Transaction, bool, error) {
	if h == u.hide {
		return nil, false, errors.New("transaction indexing is in progress")
	}
	return u.Client.TransactionByHash(ctx, h)
}

// TestMinedNotIndexed: a mined anchor whose receipt the node cannot find
// yet is pending — the nonce search finds the anchor's own transaction —
// never failed; once indexed it is confirmed.
func TestMinedNotIndexed(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	root := randomRoot(t)
	e, err := s.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	s.b.Commit()
	u := &unindexed{Client: s.b.Client(), hide: common.HexToHash(decode(t, e).TxHash)}
	c, err := New(ctx, u, nil, simChainID, s.sink, Options{FinalDepth: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.Check(ctx, root, e); err != nil || st.State != anchor.StatePending {
		t.Fatalf("Check(mined, not indexed) = %v, %v; want pending", st.State, err)
	}
	u.hide = common.Hash{}
	if st, err := c.Check(ctx, root, e); err != nil || st.State != anchor.StateConfirmed {
		t.Fatalf("Check(indexed) = %v, %v; want confirmed", st.State, err)
	}
}

// TestSubmitBumpOtherSender: an Anchorer submits and bumps only its own
// transactions: another key's entry for its target is rejected.
func TestSubmitBumpOtherSender(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	otherKey := newKey(t)
	other := newSimOn(t, s.b, otherKey, s.sink)
	root := randomRoot(t)
	e, err := other.Prepare(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Submit(ctx, root, e); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("Submit of another sender's entry = %v, want ErrAnchor", err)
	}
	if _, err := s.Bump(ctx, root, e); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("Bump of another sender's entry = %v, want ErrAnchor", err)
	}
}
