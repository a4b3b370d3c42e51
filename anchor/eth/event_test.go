package eth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// committedRuntime is contract/Anchor.runtime.bin, read from the file, not
// from the package's embedded copy.
func committedRuntime(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("contract/Anchor.runtime.bin")
	if err != nil {
		t.Fatal(err)
	}
	return mustHex(strings.TrimSpace(string(b)))
}

// deployAnchor deploys the committed contract on b with DeployContract,
// committing a block every 10 ms until it returns, and checks the code at
// the address it returns.
func deployAnchor(t *testing.T, b *simBackend, key *ecdsa.PrivateKey) common.Address {
	t.Helper()
	addr, err := deployMining(t, b, b.Client(), key)
	if err != nil {
		t.Fatalf("DeployContract: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, err := b.Client().CodeAt(ctx, addr, nil)
	if err != nil || !bytes.Equal(code, committedRuntime(t)) {
		t.Fatalf("code at %s: %x, %v; want contract/Anchor.runtime.bin", addr.Hex(), code, err)
	}
	return addr
}

// newEventSim returns an event Anchorer on a fresh simulated chain, with
// the contract deployed by DeployContract in a block already final
// (depth > 3), so that DropRecent never re-orgs it away.
func newEventSim(t *testing.T) *sim {
	t.Helper()
	key := newKey(t)
	b := newBackend(t, nil, key)
	addr := deployAnchor(t, b, key)
	for range 3 {
		b.Commit()
	}
	a, err := NewEvent(context.Background(), b.Client(), key, simChainID, addr, Options{FinalDepth: 3})
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	return &sim{Anchorer: a, b: b, key: key}
}

func TestEventConformance(t *testing.T) {
	s := newEventSim(t)
	if !strings.HasPrefix(s.Name(), "eth-event:1337:") || s.Verifier().Kind() != EventKind {
		t.Fatalf("target %q, kind %q", s.Name(), s.Verifier().Kind())
	}
	anchortest.Run(t, s)
}

// sendTx signs d (nonce, chain id and fees filled in) with s's key, mines
// it and returns its complete entry as s would build it, without the
// offline check.
func sendTx(t *testing.T, s *sim, d *types.DynamicFeeTx) *Entry {
	t.Helper()
	ctx := context.Background()
	c := s.b.Client()
	nonce, err := c.PendingNonceAt(ctx, s.from)
	if err != nil {
		t.Fatal(err)
	}
	d.ChainID, d.Nonce, d.GasTipCap, d.GasFeeCap = s.chainID, nonce, big.NewInt(1e9), big.NewInt(50e9)
	if d.Value == nil {
		d.Value = new(big.Int)
	}
	tx, err := types.SignNewTx(s.key, s.signer, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	s.b.Commit()
	rcpt, err := c.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		t.Fatal(err)
	}
	blk, err := c.BlockByHash(ctx, rcpt.BlockHash)
	if err != nil {
		t.Fatal(err)
	}
	rs := make(types.Receipts, len(blk.Transactions()))
	for i, btx := range blk.Transactions() {
		if rs[i], err = c.TransactionReceipt(ctx, btx.Hash()); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.pendingEntry(tx, s.from)
	if err != nil {
		t.Fatal(err)
	}
	x, err := completeEntry(p, blk, rs, uint64(rcpt.TransactionIndex))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// Hand-assembled runtime code for the genesis of TestEventTamper: each
// answers a call to anchor(root) in a way the log check must refuse, with
// status 1 and real proofs.
var (
	addrAnchor  = common.HexToAddress("0x00000000000000000000000000000000000a0c00") // the committed runtime
	addrSilent  = common.HexToAddress("0x00000000000000000000000000000000000a0c01")
	addrForward = common.HexToAddress("0x00000000000000000000000000000000000a0c02")
	addrTopic0  = common.HexToAddress("0x00000000000000000000000000000000000a0c03")
	addrRoot    = common.HexToAddress("0x00000000000000000000000000000000000a0c04")
	addrSender  = common.HexToAddress("0x00000000000000000000000000000000000a0c05")
	addrData    = common.HexToAddress("0x00000000000000000000000000000000000a0c06")
	addrTwo     = common.HexToAddress("0x00000000000000000000000000000000000a0c07")
	addrRevert  = common.HexToAddress("0x00000000000000000000000000000000000a0c08")
)

const (
	opStop         = 0x00
	opCalldataload = 0x35
	opCalldatasize = 0x36
	opCalldatacopy = 0x37
	opCaller       = 0x33
	opPop          = 0x50
	opGas          = 0x5a
	opPush1        = 0x60
	opPush20       = 0x73
	opPush32       = 0x7f
	opLog3         = 0xa3
	opCall         = 0xf1
	opRevert       = 0xfd
)

func push32(h common.Hash) []byte { return append([]byte{opPush32}, h[:]...) }

// logCode returns code that emits LOG3(topic0, topic1, topic2) with size
// bytes of (zero) memory as data; nil topics are the real ones
// (Anchored, calldataload(4), caller).
func logCode(topic0, topic1, topic2 []byte, size byte) []byte {
	if topic2 == nil {
		topic2 = []byte{opCaller}
	}
	if topic1 == nil {
		topic1 = []byte{opPush1, 4, opCalldataload}
	}
	if topic0 == nil {
		topic0 = push32(AnchoredTopic())
	}
	var c []byte
	c = append(c, topic2...)
	c = append(c, topic1...)
	c = append(c, topic0...)
	c = append(c, opPush1, size, opPush1, 0, opLog3)
	return c
}

func eventGenesis(t *testing.T) types.GenesisAlloc {
	other := push32(common.HexToHash("0x0b"))
	forward := []byte{
		opCalldatasize, opPush1, 0, opPush1, 0, opCalldatacopy, // memory[0:] = calldata
		opPush1, 0, opPush1, 0, opCalldatasize, opPush1, 0, opPush1, 0, opPush20} // ret 0 0, args 0 size, value 0
	forward = append(forward, addrAnchor[:]...)
	forward = append(forward, opGas, opCall, opPop, opStop)
	code := map[common.Address][]byte{
		addrAnchor:  committedRuntime(t),
		addrSilent:  {opStop},
		addrForward: forward, // the real contract emits, from its own address
		addrTopic0:  append(logCode(push32(common.HexToHash("0x0a")), nil, nil, 0), opStop),
		addrRoot:    append(logCode(nil, other, nil, 0), opStop),
		addrSender:  append(logCode(nil, nil, other, 0), opStop),
		addrData:    append(logCode(nil, nil, nil, 1), opStop),
		addrTwo:     append(append(logCode(nil, nil, nil, 0), logCode(nil, nil, nil, 0)...), opStop),
		addrRevert:  {opPush1, 0, opPush1, 0, opRevert},
	}
	alloc := types.GenesisAlloc{}
	for a, c := range code {
		alloc[a] = types.Account{Code: c, Balance: new(big.Int)}
	}
	return alloc
}

// TestEventTamper: each case is an entry the event verifier must refuse,
// with the check that refuses it. The on-chain cases are real: a call of
// anchor(root) to code that answers it wrongly, in a block, status 1, with
// real proofs, so only the log check stands between them and a pass.
func TestEventTamper(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	b := newBackend(t, eventGenesis(t), key)
	a, err := NewEvent(ctx, b.Client(), key, simChainID, addrAnchor, Options{FinalDepth: 3})
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	s := &sim{Anchorer: a, b: b, key: key}
	v := s.Verifier()
	root := randomRoot(t)
	pending, err := s.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyOffline(root, pending); !errors.Is(err, anchor.ErrPending) {
		t.Fatalf("VerifyOffline(pending) = %v, want ErrPending", err)
	}
	b.Commit()
	st, err := s.Check(ctx, root, pending)
	if err != nil || st.State != anchor.StateConfirmed {
		t.Fatalf("Check = %v, %v", st.State, err)
	}
	good := st.Entry
	if err := v.VerifyOffline(root, good); err != nil {
		t.Fatalf("the untampered entry does not verify: %v", err)
	}

	// The same root by calldata, on the same chain.
	cs := newSimOn(t, b, key, common.HexToAddress("0x5e1f000000000000000000000000000000a77e57"))
	calldataEntry := cs.confirmed(t, root)
	if err := cs.Verifier().VerifyOffline(root, calldataEntry); err != nil {
		t.Fatal(err)
	}

	// onChain calls anchor(root) on to (value wei), and returns the entry
	// with the target naming to, and the event verifier of to.
	onChain := func(to common.Address, value int64) (anchor.Entry, anchor.AnchorVerifier) {
		x := sendTx(t, s, &types.DynamicFeeTx{To: &to, Data: EventCalldata(root), Gas: 200_000, Value: big.NewInt(value)})
		x.Target = EventTarget(simChainID, to)
		return encode(t, x), NewEventVerifier(simChainID, to)
	}
	relabel := func(e anchor.Entry, kind, target string) anchor.Entry {
		x := decode(t, e)
		x.Kind, x.Target = kind, target
		return encode(t, x)
	}
	type tcase struct {
		name  string
		entry anchor.Entry
		v     anchor.AnchorVerifier
		want  error
		check string // the RejectError's Check, for ErrAnchor
	}
	cases := []tcase{
		{"pending", pending, v, anchor.ErrPending, ""},
		{"calldata entry to the event verifier", calldataEntry, v, anchor.ErrAnchor, "kind"},
		{"event entry to the calldata verifier", good, NewVerifier(simChainID, addrAnchor), anchor.ErrAnchor, "kind"},
		{"calldata entry relabelled eth-event", relabel(calldataEntry, EventKind, EventTarget(simChainID, cs.sink)),
			NewEventVerifier(simChainID, cs.sink), anchor.ErrAnchor, "tx data"},
		{"event entry relabelled eth", relabel(good, Kind, Target(simChainID, addrAnchor)),
			NewVerifier(simChainID, addrAnchor), anchor.ErrAnchor, "tx data"},
		{"event entry of another contract", relabel(good, EventKind, EventTarget(simChainID, addrSilent)),
			NewEventVerifier(simChainID, addrSilent), anchor.ErrAnchor, "tx to"},
	}
	for _, c := range []struct {
		name  string
		to    common.Address
		value int64
		check string
	}{
		{"log removed (code that emits nothing)", addrSilent, 0, "event: receipt logs"},
		{"log from another address (a forwarder to the real contract)", addrForward, 0, "event: log address"},
		{"topic0 altered", addrTopic0, 0, "event: log topic0 (Anchored(bytes32,address))"},
		{"root topic altered", addrRoot, 0, "event: log topic1 (root)"},
		{"sender topic altered", addrSender, 0, "event: log topic2 (sender)"},
		{"log data added", addrData, 0, "event: log data"},
		{"two logs", addrTwo, 0, "event: receipt logs"},
		{"reverted (another contract that reverts)", addrRevert, 0, "receipt status"},
		{"reverted (the real contract, sent 1 wei: not payable)", addrAnchor, 1, "receipt status"},
	} {
		e, cv := onChain(c.to, c.value)
		cases = append(cases, tcase{"on chain: " + c.name, e, cv, anchor.ErrAnchor, c.check})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.v.VerifyOffline(root, c.entry)
			if !errors.Is(err, c.want) {
				t.Fatalf("VerifyOffline = %v, want %v", err, c.want)
			}
			t.Logf("%v", err)
			if c.want == anchor.ErrAnchor {
				var re *RejectError
				if !errors.As(err, &re) || re.Check != c.check {
					t.Errorf("rejected by %v, want the check %q", err, c.check)
				}
			}
		})
	}

	// Through a receipt: an event entry with only a calldata verifier
	// given is not checked (no verifier for its kind), never passed.
	items, batch, re := s.confirmedBatch(t)
	r, err := batch.Receipt(0, re)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anchor.VerifyReceipt(r, items[0], NewChainVerifier(simChainID)); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Errorf("VerifyReceipt(event entry, calldata verifier) = %v, want ErrCouldNotCheck", err)
	}
	if _, err := anchor.VerifyReceipt(r, items[0], NewChainVerifier(simChainID), v); err != nil {
		t.Errorf("VerifyReceipt(event entry, event verifier) = %v", err)
	}

	// NewEvent refuses an address whose code is not the contract's.
	for _, addr := range []common.Address{addrForward, common.HexToAddress("0x01")} {
		if _, err := NewEvent(ctx, b.Client(), key, simChainID, addr, Options{}); !errors.Is(err, anchor.ErrBadInput) {
			t.Errorf("NewEvent(%s) = %v, want ErrBadInput", addr.Hex(), err)
		}
	}
}

// TestEventLogCheck alters the log of a real receipt, one way per case:
// checkEventLog, given the altered receipt, refuses it; and the altered
// receipt put in the entry fails the receipts-trie proof first.
func TestEventLogCheck(t *testing.T) {
	s := newEventSim(t)
	root := randomRoot(t)
	x := decode(t, s.confirmed(t, root))
	realReceipt := func() *types.Receipt {
		r := new(types.Receipt)
		if err := r.UnmarshalBinary(mustHex(x.Receipt)); err != nil {
			t.Fatal(err)
		}
		return r
	}
	from := common.HexToAddress(x.From)
	if err := checkEventLog(realReceipt(), s.sink, root, from); err != nil {
		t.Fatalf("the real receipt: %v", err)
	}
	other := common.HexToHash("0x0b")
	for _, c := range []struct {
		name  string
		edit  func(r *types.Receipt)
		check string
	}{
		{"log removed", func(r *types.Receipt) { r.Logs = nil }, "event: receipt logs"},
		{"log from another address", func(r *types.Receipt) { r.Logs[0].Address = common.HexToAddress("0x0b") }, "event: log address"},
		{"topic0 altered", func(r *types.Receipt) { r.Logs[0].Topics[0][31] ^= 1 }, "event: log topic0 (Anchored(bytes32,address))"},
		{"root topic altered", func(r *types.Receipt) { r.Logs[0].Topics[1][0] ^= 1 }, "event: log topic1 (root)"},
		{"sender topic altered", func(r *types.Receipt) { r.Logs[0].Topics[2] = other }, "event: log topic2 (sender)"},
		{"sender topic not left-padded", func(r *types.Receipt) {
			r.Logs[0].Topics[2] = common.BytesToHash(append(from[:], make([]byte, 12)...))
		}, "event: log topic2 (sender)"},
		{"a topic removed", func(r *types.Receipt) { r.Logs[0].Topics = r.Logs[0].Topics[:2] }, "event: log topics"},
		{"data added", func(r *types.Receipt) { r.Logs[0].Data = []byte{0} }, "event: log data"},
		{"a second log", func(r *types.Receipt) { r.Logs = append(r.Logs, r.Logs[0]) }, "event: receipt logs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := realReceipt()
			c.edit(r)
			err := checkEventLog(r, s.sink, root, from)
			var re *RejectError
			if !errors.Is(err, anchor.ErrAnchor) || !errors.As(err, &re) || re.Check != c.check {
				t.Fatalf("checkEventLog = %v, want ErrAnchor from %q", err, c.check)
			}
			bin, err := r.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			y := *x
			y.Receipt = hex.EncodeToString(bin)
			err = s.Verifier().VerifyOffline(root, encode(t, &y))
			if !errors.Is(err, anchor.ErrAnchor) || !errors.As(err, &re) || re.Check != "receiptProof value is the receipt" {
				t.Fatalf("VerifyOffline(altered receipt) = %v, want ErrAnchor from the receipt proof", err)
			}
		})
	}
	// The root and sender are checked against the call's, not the log's own.
	if err := checkEventLog(realReceipt(), s.sink, randomRoot(t), from); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("checkEventLog(another root) = %v", err)
	}
	if err := checkEventLog(realReceipt(), s.sink, root, common.HexToAddress("0x0b")); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("checkEventLog(another sender) = %v", err)
	}
}

// TestEventGasPerItem measures, on the simulated chain, the gas of the
// contract's deployment and of an event anchor for batches of 1, 1,000 and
// 1,000,000 items: one call per batch whatever its size, so gas per item
// is the call's gas / N.
func TestEventGasPerItem(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a batch of 1,000,000 items")
	}
	ctx := context.Background()
	s := newEventSim(t)
	deploy := sendTx(t, s, &types.DynamicFeeTx{Data: ContractCreation(), Gas: 500_000})
	dr, err := s.b.Client().TransactionReceipt(ctx, common.HexToHash(deploy.TxHash))
	if err != nil || dr.Status != 1 {
		t.Fatalf("deployment: %v, %v", dr, err)
	}
	if code, err := s.b.Client().CodeAt(ctx, dr.ContractAddress, nil); err != nil || !bytes.Equal(code, committedRuntime(t)) {
		t.Fatalf("code at %s: %x, %v", dr.ContractAddress.Hex(), code, err)
	}
	t.Logf("deployment: gas %d, creation code %d bytes, runtime %d bytes", dr.GasUsed, len(ContractCreation()), len(ContractRuntime()))
	for _, n := range []int{1, 1000, 1_000_000} {
		b := numberedBatch(t, n)
		root := b.Root()
		e := s.confirmed(t, root)
		rcpt, err := s.b.Client().TransactionReceipt(ctx, common.HexToHash(decode(t, e).TxHash))
		if err != nil {
			t.Fatal(err)
		}
		zeros := bytes.Count(root[:], []byte{0})
		t.Logf("N=%d: tx gas %d (root has %d zero bytes), gas per item %.4f, entry %d bytes", n, rcpt.GasUsed, zeros, float64(rcpt.GasUsed)/float64(n), len(e.JSON()))
		// At least the EIP-7623 floor of 36 bytes of calldata (21,000 +
		// 10 × 4 tokens × 36), and one call emitting one LOG3 stays well
		// under 25,000.
		if rcpt.GasUsed < 22_440 || rcpt.GasUsed > 25_000 {
			t.Errorf("gas %d for one event anchor", rcpt.GasUsed)
		}
	}
}

// TestEventOnline: an event entry verifies online with
// NewEventOnlineVerifier, and a calldata online verifier refuses it.
func TestEventOnline(t *testing.T) {
	ctx := context.Background()
	s := newEventSim(t)
	root := randomRoot(t)
	e := s.confirmed(t, root)
	ov, err := NewEventOnlineVerifier(simChainID, s.sink, []HeaderReader{s.b.Client()}, OnlineOptions{MinDepth: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ov.Kind() != EventKind || ov.Target() != s.Name() {
		t.Errorf("online verifier of kind %q, target %q", ov.Kind(), ov.Target())
	}
	if st, err := ov.VerifyOnline(ctx, root, e); err != nil || st.State != anchor.StateFinal {
		t.Errorf("VerifyOnline = %v, %v; want final", st.State, err)
	}
	cv, err := NewOnlineVerifier(simChainID, s.sink, []HeaderReader{s.b.Client()}, OnlineOptions{MinDepth: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cv.VerifyOnline(ctx, root, e); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("calldata VerifyOnline(event entry) = %v, want ErrAnchor", err)
	}
}

// TestDeployContractRefuses: DeployContract sends nothing above the fee
// and gas caps or to a node on another chain, and a deployment never
// mined is could-not-check once ctx is done.
func TestDeployContractRefuses(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	b := newBackend(t, nil, key)
	for _, c := range []struct {
		name    string
		chainID uint64
		opts    Options
		want    error
	}{
		{"fee cap", simChainID, Options{MaxFeePerGas: big.NewInt(1)}, anchor.ErrCouldNotCheck},
		{"tip cap", simChainID, Options{MaxTipPerGas: big.NewInt(1)}, anchor.ErrCouldNotCheck},
		{"gas cap", simChainID, Options{MaxGas: 50_000}, anchor.ErrCouldNotCheck},
		{"another chain", 1, Options{}, anchor.ErrBadInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DeployContract(ctx, b.Client(), key, c.chainID, c.opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("DeployContract = %v, want %v", err, c.want)
			}
			var fe *FeeError
			if c.want == anchor.ErrCouldNotCheck && !errors.As(err, &fe) {
				t.Errorf("not a *FeeError: %v", err)
			}
		})
	}
	if n, _ := b.Client().PendingNonceAt(ctx, crypto.PubkeyToAddress(key.PublicKey)); n != 0 {
		t.Fatalf("%d transactions sent", n)
	}
	// No block is committed: the deployment waits until ctx is done.
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := DeployContract(tctx, b.Client(), key, simChainID, Options{}); !errors.Is(err, anchor.ErrCouldNotCheck) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("DeployContract(never mined) = %v, want ErrCouldNotCheck after the deadline", err)
	}
}
