package eth

import (
	"context"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rlp"
)

func TestConformance(t *testing.T) {
	anchortest.Run(t, newSim(t))
}

// TestTamper: each case alters a complete entry (or makes a false one on
// the chain) and proves the rejection with errors.Is.
func TestTamper(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	v := s.Verifier()

	// Two anchors in one block, so that one's proofs can stand for the other's.
	rootA, rootB := randomRoot(t), randomRoot(t)
	pa, err := s.Anchor(ctx, rootA)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := s.Anchor(ctx, rootB)
	if err != nil {
		t.Fatal(err)
	}
	s.b.Commit()
	stA, err := s.Check(ctx, rootA, pa)
	if err != nil || stA.State != anchor.StateConfirmed {
		t.Fatalf("Check A = %v, %v", stA.State, err)
	}
	stB, err := s.Check(ctx, rootB, pb)
	if err != nil || stB.State != anchor.StateConfirmed {
		t.Fatalf("Check B = %v, %v", stB.State, err)
	}
	a, b := decode(t, stA.Entry), decode(t, stB.Entry)
	if *a.BlockNumber != *b.BlockNumber || *a.Index == *b.Index {
		t.Fatalf("want two transactions of one block: %d/%d, %d/%d", *a.BlockNumber, *a.Index, *b.BlockNumber, *b.Index)
	}
	if err := v.VerifyOffline(rootA, stA.Entry); err != nil {
		t.Fatalf("the untampered entry does not verify: %v", err)
	}

	// A transaction to another address, and one with other calldata, on the same chain.
	other := newSimOn(t, s.b, s.key, common.HexToAddress("0x00000000000000000000000000000000000000ff"))
	otherTo := decode(t, other.confirmed(t, rootA))
	otherTo.Target = s.Name() // claim it is for our sink
	badData := sendRaw(t, s, s.Anchorer.sink, append([]byte("selfattest/anchor/v0"), rootA[:]...), 0)

	flip := func(h string) string { // alter the last byte of a hex string
		b := mustHex(h)
		b[len(b)-1] ^= 1
		return hex.EncodeToString(b)
	}
	cases := []struct {
		name string
		root anchor.Hash
		edit func(x *Entry) *Entry
		want error
	}{
		{"receipt proof altered", rootA, func(x *Entry) *Entry { x.ReceiptProof = alterProof(t, x.ReceiptProof); return x }, anchor.ErrAnchor},
		{"tx proof altered", rootA, func(x *Entry) *Entry { x.TxProof = alterProof(t, x.TxProof); return x }, anchor.ErrAnchor},
		{"receipt altered", rootA, func(x *Entry) *Entry { x.Receipt = flip(x.Receipt); return x }, anchor.ErrAnchor},
		{"root mismatch", rootB, func(x *Entry) *Entry { return x }, anchor.ErrAnchor},
		{"header altered", rootA, func(x *Entry) *Entry { x.Header = flip(x.Header); return x }, anchor.ErrAnchor},
		{"block hash of another block", rootA, func(x *Entry) *Entry { x.BlockHash = flip(x.BlockHash); return x }, anchor.ErrAnchor},
		{"tx proof of another transaction", rootA, func(x *Entry) *Entry { x.TxProof, x.Index = b.TxProof, b.Index; return x }, anchor.ErrAnchor},
		{"receipt proof of another transaction", rootA, func(x *Entry) *Entry { x.ReceiptProof, x.Receipt = b.ReceiptProof, b.Receipt; return x }, anchor.ErrAnchor},
		{"both proofs of another transaction", rootA, func(x *Entry) *Entry {
			x.TxProof, x.ReceiptProof, x.Receipt, x.Index = b.TxProof, b.ReceiptProof, b.Receipt, b.Index
			return x
		}, anchor.ErrAnchor},
		{"another transaction", rootA, func(x *Entry) *Entry {
			x.Tx, x.TxHash, x.Nonce = b.Tx, b.TxHash, b.Nonce
			return x
		}, anchor.ErrAnchor},
		{"tx to another address", rootA, func(*Entry) *Entry { return otherTo }, anchor.ErrAnchor},
		{"tx with other data", rootA, func(*Entry) *Entry { return badData }, anchor.ErrAnchor},
		{"wrong chain id", rootA, func(x *Entry) *Entry {
			x.ChainID = 1
			x.Target = Target(1, s.sink)
			return x
		}, anchor.ErrAnchor},
		{"chainId member altered", rootA, func(x *Entry) *Entry { x.ChainID = 1; return x }, anchor.ErrAnchor},
		// Another sender: the address's last bit flipped (writing "00" over
		// its last byte changed nothing when the random key's address
		// already ended in 00, 1 run in 256).
		{"from another sender", rootA, func(x *Entry) *Entry { x.From = flip(x.From); return x }, anchor.ErrAnchor},
		{"pending entry", rootA, func(x *Entry) *Entry { return decode(t, pa) }, anchor.ErrPending},
		{"pending entry of another root", rootB, func(x *Entry) *Entry { return decode(t, pa) }, anchor.ErrAnchor},
		{"index missing", rootA, func(x *Entry) *Entry { x.Index = nil; return x }, anchor.ErrBadInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := c.edit(decode(t, stA.Entry))
			e := encode(t, x)
			err := v.VerifyOffline(c.root, e)
			if !errors.Is(err, c.want) {
				t.Fatalf("VerifyOffline = %v, want %v", err, c.want)
			}
			t.Logf("%v", err)
			if c.want == anchor.ErrAnchor {
				var re *RejectError
				if !errors.As(err, &re) {
					t.Errorf("not a *RejectError: %T", err)
				}
			}
		})
	}
	t.Run("wrong chain id verifier", func(t *testing.T) {
		if err := NewVerifier(1, s.sink).VerifyOffline(rootA, stA.Entry); !errors.Is(err, anchor.ErrAnchor) {
			t.Fatalf("VerifyOffline(chain 1) = %v, want ErrAnchor", err)
		}
	})
	t.Run("node on another chain", func(t *testing.T) {
		_, err := New(ctx, s.b.Client(), s.key, 1, s.sink, Options{})
		if !errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("New(chain 1 against 1337) = %v, want ErrBadInput", err)
		}
	})
}

// alterProof changes the last byte of the last node of an RLP proof list,
// keeping it a list of byte strings.
func alterProof(t *testing.T, h string) string {
	t.Helper()
	var nodes []rlp.RawValue
	if err := rlp.DecodeBytes(mustHex(h), &nodes); err != nil {
		panic(err) // our own proof
	}
	n := nodes[len(nodes)-1]
	n[len(n)-1] ^= 1
	out, err := rlp.EncodeToBytes(nodes)
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(out)
}

// sendRaw sends a transaction to `to` with data from s's key through
// sendTx (mined, its complete entry returned unchecked). gas 0: 100,000.
func sendRaw(t *testing.T, s *sim, to common.Address, data []byte, gas uint64) *Entry {
	t.Helper()
	if gas == 0 {
		gas = 100_000
	}
	return sendTx(t, s, &types.DynamicFeeTx{Gas: gas, To: &to, Data: data})
}

// TestReverted: the anchor's calldata sent to a contract that reverts
// (runtime code PUSH1 0 PUSH1 0 REVERT, in the genesis). The block and
// proofs are real; the receipt's status is 0.
func TestReverted(t *testing.T) {
	key := newKey(t)
	reverter := common.HexToAddress("0x00000000000000000000000000000000000000ee")
	b := newBackend(t, types.GenesisAlloc{reverter: {Code: []byte{0x60, 0x00, 0x60, 0x00, 0xfd}, Balance: new(big.Int)}}, key)
	s := newSimOn(t, b, key, reverter)
	root := randomRoot(t)
	x := sendRaw(t, s, reverter, Calldata(root), 60_000)
	var r types.Receipt
	if err := r.UnmarshalBinary(mustHex(x.Receipt)); err != nil || r.Status != 0 {
		t.Fatalf("receipt status %d, %v; want a reverted transaction", r.Status, err)
	}
	err := s.Verifier().VerifyOffline(root, encode(t, x))
	if !errors.Is(err, anchor.ErrAnchor) {
		t.Fatalf("VerifyOffline(reverted) = %v, want ErrAnchor", err)
	}
	var re *RejectError
	if !errors.As(err, &re) || re.Check != "receipt status" {
		t.Errorf("rejected for %v, want the receipt status", err)
	}
	// Check of its pending entry: failed.
	x.BlockHash, x.BlockNumber, x.Header, x.Index, x.TxProof, x.Receipt, x.ReceiptProof = "", nil, "", nil, "", "", ""
	st, err := s.Check(context.Background(), root, encode(t, x))
	if err != nil || st.State != anchor.StateFailed {
		t.Errorf("Check(reverted) = %v, %v; want failed", st.State, err)
	}
	// Anchor refuses to send where the gas estimate reverts.
	if _, err := s.Anchor(context.Background(), randomRoot(t)); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Errorf("Anchor to a reverting sink = %v, want ErrCouldNotCheck", err)
	}
}

// TestReorgedOut: a confirmed anchor whose block a re-org replaces
// (Fork + Rollback + longer chain) is failed at the Anchorer, failed at
// the online verifier (every endpoint names another block), and the
// receipt holding it is rejected by VerifyReceiptOnline.
func TestReorgedOut(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	items, batch, e := s.confirmedBatch(t)
	root := batch.Root()
	ov, err := NewOnlineVerifier(simChainID, s.sink, []HeaderReader{s.b.Client()}, OnlineOptions{MinDepth: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := ov.VerifyOnline(ctx, root, e); err != nil || st.State != anchor.StateFinal {
		t.Fatalf("VerifyOnline before the re-org = %v, %v", st.State, err)
	}
	if err := s.DropRecent(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := s.Check(ctx, root, e)
	if err != nil || st.State != anchor.StateFailed {
		t.Errorf("Check(re-orged) = %v, %v; want failed", st.State, err)
	}
	if st, err := ov.VerifyOnline(ctx, root, e); err != nil || st.State != anchor.StateFailed {
		t.Errorf("VerifyOnline(re-orged) = %v, %v; want failed", st.State, err)
	}
	r, err := batch.Receipt(0, e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anchor.VerifyReceiptOnline(ctx, r, items[0], ov); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("VerifyReceiptOnline(re-orged) = %v, want ErrAnchor", err)
	}
	// Offline, the entry still verifies: it trusts its block hash.
	if _, err := anchor.VerifyReceipt(r, items[0], s.Verifier()); err != nil {
		t.Errorf("VerifyReceipt offline = %v", err)
	}
}

func TestOnline(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	items, batch, e := s.confirmedBatch(t)
	root := batch.Root()
	r, err := batch.Receipt(0, e)
	if err != nil {
		t.Fatal(err)
	}
	real := s.b.Client()
	liar := HeaderReaderFunc(func(ctx context.Context, n *big.Int) (*types.Header, error) {
		h, err := real.HeaderByNumber(ctx, n)
		if err != nil {
			return nil, err
		}
		h = types.CopyHeader(h)
		h.Extra = []byte("another block")
		return h, nil
	})
	down := HeaderReaderFunc(func(context.Context, *big.Int) (*types.Header, error) {
		return nil, errors.New("connection refused")
	})
	hang := HeaderReaderFunc(func(ctx context.Context, _ *big.Int) (*types.Header, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	cases := []struct {
		name      string
		endpoints []HeaderReader
		opts      OnlineOptions
		want      error // of VerifyReceiptOnline
		answers   int   // endpoints whose answer the EndpointsError must hold
	}{
		{"one endpoint agrees", []HeaderReader{real}, OnlineOptions{MinDepth: 1}, nil, 0},
		{"depth not reached", []HeaderReader{real}, OnlineOptions{MinDepth: 5}, anchor.ErrPending, 0},
		{"endpoints disagree", []HeaderReader{real, liar}, OnlineOptions{MinDepth: 1}, anchor.ErrCouldNotCheck, 2},
		{"2 of 3 agree", []HeaderReader{real, real, liar}, OnlineOptions{MinDepth: 1, Agree: 2}, nil, 0},
		{"endpoint down", []HeaderReader{real, down}, OnlineOptions{MinDepth: 1}, anchor.ErrCouldNotCheck, 1},
		{"endpoint times out", []HeaderReader{hang}, OnlineOptions{MinDepth: 1, Timeout: 100 * time.Millisecond}, anchor.ErrCouldNotCheck, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ov, err := NewOnlineVerifier(simChainID, s.sink, c.endpoints, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := anchor.VerifyReceiptOnline(ctx, r, items[0], ov)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if c.want == nil {
				if err != nil {
					t.Fatalf("VerifyReceiptOnline = %v", err)
				}
				if res.Anchors[0].Checked != "online" {
					t.Errorf("checked %q", res.Anchors[0].Checked)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("VerifyReceiptOnline = %v, want %v", err, c.want)
			}
			t.Logf("%v", err)
			if c.want == anchor.ErrCouldNotCheck {
				// VerifyReceiptOnline keeps the sentinel only; the
				// evidence is in VerifyOnline's error.
				_, err := ov.VerifyOnline(ctx, root, e)
				var ee *EndpointsError
				if !errors.As(err, &ee) {
					t.Fatalf("not an *EndpointsError: %v", err)
				}
				n := 0
				for _, a := range ee.Answers {
					if a != "" {
						n++
					}
				}
				if n != c.answers {
					t.Errorf("%d answers in the error, want %d: %v", n, c.answers, ee.Answers)
				}
				if c.answers == 2 && ee.Answers[0] == ee.Answers[1] {
					t.Errorf("the two answers are the same: %v", ee.Answers)
				}
			}
		})
	}
}

// TestNonceTaken: another sender with the same key replaces the anchor's
// transaction in the pool (same nonce, higher fees); once that one is
// mined, the anchor is failed and Anchor sends a new one.
func TestNonceTaken(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	root := randomRoot(t)
	e, err := s.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	x := decode(t, e)
	s.sendTransfer(t, x.Nonce, big.NewInt(1.9e9))
	s.b.Commit()
	st, err := s.Check(ctx, root, e)
	if err != nil || st.State != anchor.StateFailed {
		t.Fatalf("Check(nonce taken) = %v, %v; want failed", st.State, err)
	}
	e2, err := s.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if x2 := decode(t, e2); x2.Nonce != x.Nonce+1 {
		t.Errorf("new anchor at nonce %d, want %d", x2.Nonce, x.Nonce+1)
	}
}

func TestFeeCaps(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	for _, c := range []struct {
		name string
		opts Options
		what string
	}{
		{"tip", Options{MaxTipPerGas: big.NewInt(1)}, "maxPriorityFeePerGas"},
		{"fee", Options{MaxFeePerGas: big.NewInt(1)}, "maxFeePerGas"},
		{"gas", Options{MaxGas: 21000}, "gas"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := New(ctx, s.b.Client(), s.key, simChainID, s.sink, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Anchor(ctx, randomRoot(t))
			var fe *FeeError
			if !errors.As(err, &fe) || fe.What != c.what || !errors.Is(err, anchor.ErrCouldNotCheck) {
				t.Fatalf("Anchor = %v, want a FeeError on %s", err, c.what)
			}
		})
	}
	if n, _ := s.b.Client().PendingNonceAt(ctx, s.from); n != 0 {
		t.Errorf("%d transactions sent above the caps", n)
	}
}

// TestGasPerItem measures the anchor transaction's gas on the simulated
// chain for batches of 1, 1,000 and 1,000,000 items: the calldata is one
// root whatever the batch, so gas per item is the transaction's gas / N.
func TestGasPerItem(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a batch of 1,000,000 items")
	}
	ctx := context.Background()
	s := newSim(t)
	for _, n := range []int{1, 1000, 1_000_000} {
		b := numberedBatch(t, n)
		e := s.confirmed(t, b.Root())
		rcpt, err := s.b.Client().TransactionReceipt(ctx, common.HexToHash(decode(t, e).TxHash))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("N=%d: tx gas %d, gas per item %.4f, entry %d bytes", n, rcpt.GasUsed, float64(rcpt.GasUsed)/float64(n), len(e.JSON()))
		if rcpt.GasUsed > 30_000 {
			t.Errorf("gas %d for one calldata anchor", rcpt.GasUsed)
		}
	}
}

func TestKeyLoaders(t *testing.T) {
	const secret = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	dir := t.TempDir()
	good := dir + "/key"
	if err := writeFile(good, secret+"\n", 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(good); err != nil {
		t.Errorf("LoadKeyFile: %v", err)
	}
	open := dir + "/open"
	if err := writeFile(open, secret, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(open); !errors.Is(err, anchor.ErrBadInput) {
		t.Errorf("LoadKeyFile(mode 644) = %v, want ErrBadInput", err)
	}
	bad := dir + "/bad"
	if err := writeFile(bad, secret[:63]+"g", 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadKeyFile(bad)
	if !errors.Is(err, anchor.ErrBadInput) || strings.Contains(err.Error(), secret[:16]) || strings.Contains(err.Error(), "'g'") {
		t.Errorf("LoadKeyFile(bad) = %v: want ErrBadInput, no key material", err)
	}
	// Not a regular file, or too large: refused at once, never read.
	fifo := dir + "/fifo"
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := dir + "/big"
	if err := writeFile(big, strings.Repeat(" ", 2000)+secret, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero", dir, big} {
		done := make(chan error, 1)
		go func() { _, err := LoadKeyFile(p); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Errorf("LoadKeyFile(%s) = %v, want ErrBadInput", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("LoadKeyFile(%s) blocked", p)
		}
	}
	t.Setenv("SELFATTEST_TEST_ETH_KEY", "0x"+secret)
	if _, err := KeyFromEnv("SELFATTEST_TEST_ETH_KEY"); err != nil {
		t.Errorf("KeyFromEnv: %v", err)
	}
	if _, err := KeyFromEnv("SELFATTEST_TEST_ETH_KEY_UNSET"); !errors.Is(err, anchor.ErrBadInput) {
		t.Errorf("KeyFromEnv(unset) = %v", err)
	}
}

// TestConfirmations: with Options.Confirmations 3 an anchor one and two
// blocks deep is pending, three deep confirmed, and its entry verifies.
func TestConfirmations(t *testing.T) {
	ctx := context.Background()
	s := newSim(t)
	a, err := New(ctx, s.b.Client(), s.key, simChainID, s.sink, Options{Confirmations: 3, FinalDepth: 5})
	if err != nil {
		t.Fatal(err)
	}
	root := randomRoot(t)
	e, err := a.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	for depth := uint64(1); depth <= 5; depth++ {
		s.b.Commit()
		st, err := a.Check(ctx, root, e)
		if err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
		want := anchor.StatePending
		switch {
		case depth >= 5:
			want = anchor.StateFinal
		case depth >= 3:
			want = anchor.StateConfirmed
		}
		if st.State != want {
			t.Fatalf("depth %d: %v, want %v", depth, st.State, want)
		}
		if want != anchor.StatePending {
			if st.Depth != depth {
				t.Errorf("depth %d reported as %d", depth, st.Depth)
			}
			if err := a.Verifier().VerifyOffline(root, st.Entry); err != nil {
				t.Errorf("depth %d: %v", depth, err)
			}
		}
	}
}
