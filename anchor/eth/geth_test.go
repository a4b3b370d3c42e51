package eth

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
	"github.com/ats-run/selfattest/anchor/eth/ethtest"
)

// The tests in this file run against a real geth --dev node on 127.0.0.1
// (package ethtest builds geth on first use).

var gethSink = common.HexToAddress("0x5e1f000000000000000000000000000000a77e57")

func newGeth(t *testing.T, node *ethtest.Node, opts Options) *Anchorer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := New(ctx, node.Client, node.FundedKey(t), node.ChainID, gethSink, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// anchorConfirmed anchors root with a and polls Check until it reports
// confirmed (or fails the test after a minute), returning that status.
func anchorConfirmed(ctx context.Context, t *testing.T, a *Anchorer, root anchor.Hash) anchor.Status {
	t.Helper()
	e, err := a.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		st, err := a.Check(ctx, root, e)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		if st.State == anchor.StateConfirmed {
			return st
		}
		if st.State == anchor.StateFailed {
			t.Fatal("Check = failed, want confirmed")
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Check still %v after a minute, want confirmed", st.State)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestGethConformance(t *testing.T) {
	node := ethtest.Start(t, ethtest.Options{})
	anchortest.Run(t, newGeth(t, node, Options{FinalDepth: 3}))
}

// TestGethEventConformance deploys the committed Anchor contract on geth
// and holds the event anchorer to anchortest.Run there.
func TestGethEventConformance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	node := ethtest.Start(t, ethtest.Options{})
	key := node.FundedKey(t)
	addr, err := DeployContract(ctx, node.Client, key, node.ChainID, Options{})
	if err != nil {
		t.Fatalf("DeployContract: %v", err)
	}
	a, err := NewEvent(ctx, node.Client, key, node.ChainID, addr, Options{FinalDepth: 3})
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	anchortest.Run(t, a)
}

// TestGethUnknownTransaction settles what a real node answers for a
// transaction it does not know, which Check reads as "not found": geth
// answers null (ethclient's ethereum.NotFound) — and, while its
// transaction index is being built, the error "transaction indexing is in
// progress", which the simulated backend always gives. A mined
// transaction's receipt is found.
func TestGethUnknownTransaction(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	node := ethtest.Start(t, ethtest.Options{})
	a := newGeth(t, node, Options{})
	unknown := common.HexToHash("0x1111111111111111111111111111111111111111111111111111111111111111")
	// Right after start geth may still be building its index; both
	// answers must read as "not found", and once the index is built the
	// answer is null.
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err = node.Client.TransactionReceipt(ctx, unknown)
		if !notFound(err) {
			t.Fatalf("receipt of an unknown transaction: %v, which Check would not read as not found", err)
		}
		if errors.Is(err, ethereum.NotFound) || time.Now().After(deadline) {
			break
		}
	}
	if !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("receipt of an unknown transaction: %v 30 s after start, want ethereum.NotFound", err)
	}
	if _, _, err := node.Client.TransactionByHash(ctx, unknown); !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("unknown transaction: %v, want ethereum.NotFound", err)
	}
	root := randomRoot(t)
	st := anchorConfirmed(ctx, t, a, root)
	x := decode(t, st.Entry)
	r, err := node.Client.TransactionReceipt(ctx, common.HexToHash(x.TxHash))
	if err != nil || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("receipt of the mined anchor: %v, %v", r, err)
	}
	if err := a.Verifier().VerifyOffline(root, st.Entry); err != nil {
		t.Fatalf("complete entry from geth does not verify offline: %v", err)
	}
}

// TestGethOnline checks an entry anchored on geth with an OnlineVerifier
// asking geth itself: pending until the depth is reached, then confirmed;
// a second endpoint that is down makes 2-of-2 could-not-check.
func TestGethOnline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	node := ethtest.Start(t, ethtest.Options{})
	a := newGeth(t, node, Options{})
	root := randomRoot(t)
	st := anchorConfirmed(ctx, t, a, root)
	x := decode(t, st.Entry)
	deep, err := NewOnlineVerifier(node.ChainID, gethSink, []HeaderReader{node.Client}, OnlineOptions{MinDepth: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := deep.VerifyOnline(ctx, root, st.Entry); err != nil || res.State != anchor.StatePending {
		t.Fatalf("depth 1000 not reached: %v, %v; want pending", res.State, err)
	}
	ov, err := NewOnlineVerifier(node.ChainID, gethSink, []HeaderReader{node.Client}, OnlineOptions{MinDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	for {
		head, err := node.Client.HeaderByNumber(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if head.Number.Uint64() >= *x.BlockNumber+1 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	res, err := ov.VerifyOnline(ctx, root, st.Entry)
	if err != nil || res.State != anchor.StateFinal || res.Depth < 2 {
		t.Fatalf("VerifyOnline = %+v, %v; want final at depth >= 2", res, err)
	}
	down := HeaderReaderFunc(func(context.Context, *big.Int) (*types.Header, error) {
		return nil, errors.New("connection refused")
	})
	both, err := NewOnlineVerifier(node.ChainID, gethSink, []HeaderReader{node.Client, down}, OnlineOptions{MinDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := both.VerifyOnline(ctx, root, st.Entry); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Fatalf("2 of 2 with one down: %v, want ErrCouldNotCheck", err)
	}
}

// BenchmarkGethConfirm measures the time from submitting an anchor to
// its confirmation at depth 1 on geth --dev: with a block a second (as a
// chain with a block time does), and with a block per transaction.
func BenchmarkGethConfirm(b *testing.B) {
	for _, c := range []struct {
		name   string
		period time.Duration
	}{{"period=1s", time.Second}, {"period=on-tx", -1}} {
		b.Run(c.name, func(b *testing.B) {
			node := ethtest.Start(b, ethtest.Options{Period: c.period})
			ctx := context.Background()
			a, err := New(ctx, node.Client, node.FundedKey(b), node.ChainID, gethSink, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var root anchor.Hash
				root[0], root[1], root[2] = byte(i>>16), byte(i>>8), byte(i)
				root[31] = 1
				e, err := a.Anchor(ctx, root)
				if err != nil {
					b.Fatal(err)
				}
				for {
					st, err := a.Check(ctx, root, e)
					if err != nil {
						b.Fatal(err)
					}
					if st.State == anchor.StateConfirmed || st.State == anchor.StateFinal {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/confirm")
		})
	}
}
