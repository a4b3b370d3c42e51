package eth

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/ats-run/selfattest/anchor"
)

const simChainID = 1337 // the simulated backend's

// sim is an Anchorer on a simulated backend (embedded, no network), with
// the capabilities anchortest.Run uses: Advance commits a block,
// DropRecent re-orgs every block that is not final away and drops the
// pool (Fork + Rollback + Commit).
type sim struct {
	*Anchorer
	b   *simBackend
	key *ecdsa.PrivateKey
}

// simBackend is the simulated chain, whose clients send a transaction
// and return once the pool has taken it in. Geth puts a sent transaction
// in its pool's queue and promotes it to pending in the background; a
// block sealed before that lacks it, and a test that sent a transaction,
// committed a block and expected the transaction in it failed about 1 run
// in 100 on a busy 2-core machine (TestTamper: "Check B = pending").
type simBackend struct{ *simulated.Backend }

func (b *simBackend) Client() simulated.Client { return promotingClient{b.Backend.Client()} }

// promotingClient's SendTransaction returns once the sender's pending
// nonce is past the transaction's: the pool has promoted it, and the next
// block holds it. A transaction the pool keeps queued (a nonce gap) is
// waited for 5 s at most.
type promotingClient struct{ simulated.Client }

func (c promotingClient) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if err := c.Client.SendTransaction(ctx, tx); err != nil {
		return err
	}
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	if err != nil {
		return nil
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if n, err := c.PendingNonceAt(ctx, from); err != nil || n > tx.Nonce() {
			break
		}
	}
	return nil
}

func (s *sim) Advance(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.b.Commit()
	return nil
}

func (s *sim) DropRecent(ctx context.Context) error {
	c := s.b.Client()
	head, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		return err
	}
	f := s.opts.FinalDepth
	// Keep the blocks at depth >= FinalDepth; fork from the deepest kept.
	var base uint64
	if h := head.Number.Uint64(); h+1 > f {
		base = h + 1 - f
	}
	parent, err := c.HeaderByNumber(ctx, new(big.Int).SetUint64(base))
	if err != nil {
		return err
	}
	s.b.Rollback()
	if err := s.b.Fork(parent.Hash()); err != nil {
		return err
	}
	for range head.Number.Uint64() - base + 1 {
		s.b.Commit()
	}
	return nil
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newBackend starts a simulated chain funding keys.
func newBackend(t *testing.T, alloc types.GenesisAlloc, keys ...*ecdsa.PrivateKey) *simBackend {
	t.Helper()
	if alloc == nil {
		alloc = types.GenesisAlloc{}
	}
	for _, k := range keys {
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))}
	}
	b := simulated.NewBackend(alloc)
	t.Cleanup(func() { b.Close() })
	return &simBackend{b}
}

// newSim returns an Anchorer on a fresh simulated chain, final at depth 3.
func newSim(t *testing.T) *sim {
	t.Helper()
	key := newKey(t)
	b := newBackend(t, nil, key)
	return newSimOn(t, b, key, common.HexToAddress("0x5e1f000000000000000000000000000000a77e57"))
}

func newSimOn(t *testing.T, b *simBackend, key *ecdsa.PrivateKey, sink common.Address) *sim {
	t.Helper()
	a, err := New(context.Background(), b.Client(), key, simChainID, sink, Options{FinalDepth: 3})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &sim{Anchorer: a, b: b, key: key}
}

func randomRoot(t *testing.T) anchor.Hash {
	t.Helper()
	var h anchor.Hash
	if _, err := rand.Read(h[:]); err != nil {
		t.Fatal(err)
	}
	return h
}

// confirmed anchors root, commits a block and returns the complete entry.
func (s *sim) confirmed(t *testing.T, root anchor.Hash) anchor.Entry {
	t.Helper()
	e, err := s.Anchor(context.Background(), root)
	if err != nil {
		t.Fatalf("Anchor: %v", err)
	}
	s.b.Commit()
	st, err := s.Check(context.Background(), root, e)
	if err != nil || st.State != anchor.StateConfirmed {
		t.Fatalf("Check = %v, %v; want confirmed", st.State, err)
	}
	return st.Entry
}

// confirmedBatch anchors with s a batch of one item ("a.txt"), commits a
// block and returns the items, the batch and the confirmed entry.
func (s *sim) confirmedBatch(t *testing.T) ([]anchor.Evidence, *anchor.Batch, anchor.Entry) {
	t.Helper()
	items := []anchor.Evidence{anchor.NewEvidence("a.txt", "text/plain", []byte("a"))}
	batch, err := anchor.NewBatch(items)
	if err != nil {
		t.Fatal(err)
	}
	return items, batch, s.confirmed(t, batch.Root())
}

// sendTransfer sends, with s's key at nonce, a transfer of 1 wei that
// anchors nothing, tipping tip (fee cap 90 gwei): another sender of the
// same key taking an anchor's nonce.
func (s *sim) sendTransfer(t *testing.T, nonce uint64, tip *big.Int) {
	t.Helper()
	to := common.HexToAddress("0x0000000000000000000000000000000000000001")
	tx, err := types.SignNewTx(s.key, s.signer, &types.DynamicFeeTx{
		ChainID: s.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: big.NewInt(90e9),
		Gas: 21000, To: &to, Value: big.NewInt(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.b.Client().SendTransaction(context.Background(), tx); err != nil {
		t.Fatalf("the other sender's transfer at nonce %d: %v", nonce, err)
	}
}

// numberedBatch is a batch of n items whose digests are their index
// (big-endian in the first 4 bytes), for the gas measurements.
func numberedBatch(t *testing.T, n int) *anchor.Batch {
	t.Helper()
	items := make([]anchor.Evidence, n)
	for i := range items {
		d := make([]byte, 32)
		d[0], d[1], d[2], d[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		ev, err := anchor.EvidenceFromDigest("", "application/octet-stream", "sha256", d)
		if err != nil {
			t.Fatal(err)
		}
		items[i] = ev
	}
	b, err := anchor.NewBatch(items)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode parses an entry of this package or stops the test.
func decode(t *testing.T, e anchor.Entry) *Entry {
	t.Helper()
	x, err := ParseEthEntry(e)
	if err != nil {
		t.Fatalf("ParseEthEntry: %v", err)
	}
	return x
}

func encode(t *testing.T, x *Entry) anchor.Entry {
	t.Helper()
	e, err := x.entry()
	if err != nil {
		t.Fatalf("entry: %v", err)
	}
	return e
}

func writeFile(path, s string, mode os.FileMode) error { return os.WriteFile(path, []byte(s), mode) }
