//go:build unix

package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	bolt "go.etcd.io/bbolt"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
)

// stuckAnchorer anchors at the eth target as eth.Anchorer would, but with
// a fee cap of 1e7 wei, below the chain's base fee: its transaction waits
// in the pool, stuck. Its entries are the documented pending entry.
type stuckAnchorer struct {
	client eth.Client
	key    *ecdsa.PrivateKey
	sink   common.Address
}

func (s stuckAnchorer) Name() string {
	return "eth:1337:" + strings.ToLower(strings.TrimPrefix(s.sink.Hex(), "0x"))
}

func (s stuckAnchorer) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	from := crypto.PubkeyToAddress(s.key.PublicKey)
	nonce, err := s.client.PendingNonceAt(ctx, from)
	if err != nil {
		return anchor.Entry{}, err
	}
	tx, err := types.SignNewTx(s.key, types.LatestSignerForChainID(big.NewInt(1337)), &types.DynamicFeeTx{
		ChainID: big.NewInt(1337), Nonce: nonce, GasTipCap: big.NewInt(1e7), GasFeeCap: big.NewInt(1e7),
		Gas: 30_000, To: &s.sink, Value: new(big.Int), Data: eth.Calldata(root),
	})
	if err != nil {
		return anchor.Entry{}, err
	}
	if err := s.client.SendTransaction(ctx, tx); err != nil {
		return anchor.Entry{}, err
	}
	bin, err := tx.MarshalBinary()
	if err != nil {
		return anchor.Entry{}, err
	}
	b, err := json.Marshal(eth.Entry{
		Kind: eth.Kind, Target: s.Name(), ChainID: 1337, Nonce: nonce,
		From:   strings.ToLower(strings.TrimPrefix(from.Hex(), "0x")),
		TxHash: strings.TrimPrefix(tx.Hash().Hex(), "0x"), Tx: hex.EncodeToString(bin),
	})
	if err != nil {
		return anchor.Entry{}, err
	}
	return anchor.ParseEntry(b)
}

func (s stuckAnchorer) Check(context.Context, anchor.Hash, anchor.Entry) (anchor.Status, error) {
	panic("not used: upgrade runs in the binary")
}

// TestBump: an anchor stuck below the base fee stays pending; bump
// replaces it at the same nonce, and the next upgrade completes the
// journal's (old) entry from the replacement, whose receipt verifies. An
// anchor priced by the archivist is not stuck and is left alone.
func TestBump(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := evidencetest.NewHTTPChain(t, dir)
	key, err := eth.LoadKeyFile(c.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, dir)
	ev := write(t, dir, "a.txt", []byte("stuck"))
	if _, err := evidence.AddFiles(j, []string{ev}, 1<<20, nil); err != nil {
		t.Fatal(err)
	}
	stuck := stuckAnchorer{client: c.Chain.Client(), key: key, sink: common.HexToAddress(testSink)}
	if _, _, err := evidence.AnchorAll(ctx, j, []anchor.Anchorer{stuck}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	ethArgs := []string{"--eth-rpc", c.URL, "--chain-id", "1337", "--sink", testSink}
	c.Commit(t)
	c.Commit(t)
	expectCode(t, archivist(t, dir, append([]string{"upgrade", "--to", "eth", "--final-depth", "1"}, ethArgs...)...), 3) // still pending

	// Refused: a target bump does not re-price, no key.
	expectCode(t, archivist(t, dir, append([]string{"bump", "--to", "memory"}, ethArgs...)...), 2)
	expectCode(t, archivist(t, dir, append([]string{"bump", "--to", "eth"}, ethArgs...)...), 2)

	r := archivist(t, dir, append([]string{"bump", "--to", "eth", "--json", "--eth-key-file", c.KeyFile}, ethArgs...)...)
	expectCode(t, r, 0)
	var out struct{ Anchors []bumped }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Anchors) != 1 {
		t.Fatalf("bump --json: %v\n%s", err, r.stdout)
	}
	b := out.Anchors[0]
	if b.Outcome != "bumped" || b.Batch != 1 || b.FeeCap != "10000000" || b.TxHash == "" {
		t.Fatalf("bump: %+v", b)
	}
	newCap, _ := new(big.Int).SetString(b.NewCap, 10)
	baseFee, _ := new(big.Int).SetString(b.BaseFee, 10)
	if newCap == nil || baseFee == nil || newCap.Cmp(baseFee) < 0 {
		t.Fatalf("the replacement's fee cap %s is below the base fee %s", b.NewCap, b.BaseFee)
	}

	c.Commit(t)
	r = archivist(t, dir, append([]string{"upgrade", "--to", "eth", "--final-depth", "1"}, ethArgs...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "final at depth 1") {
		t.Fatalf("upgrade after the bump:\n%s", r.stdout)
	}
	receipt := filepath.Join(dir, "receipts", "00000001-a.txt.receipt.json")
	expectCode(t, archivist(t, dir, "verify", "--chain-id", "1337", "--sink", testSink, receipt, ev), 0)
	if !strings.Contains(string(mustRead(t, receipt)), strings.TrimPrefix(b.TxHash, "0x")) {
		t.Errorf("the receipt does not name the replacement %s", b.TxHash)
	}

	// An anchor the archivist priced: not stuck, left alone.
	write(t, dir, "b.txt", []byte("fine"))
	expectCode(t, archivist(t, dir, "add", "b.txt"), 0)
	expectCode(t, archivist(t, dir, append([]string{"anchor", "--to", "eth", "--eth-key-file", c.KeyFile}, ethArgs...)...), 0)
	r = archivist(t, dir, append([]string{"bump", "--to", "eth", "--eth-key-file", c.KeyFile}, ethArgs...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "batch 2 at eth:1337:5e1f000000000000000000000000000000a77e57: not stuck") {
		t.Fatalf("bump of a fairly priced anchor:\n%s", r.stdout)
	}
}

// TestBumpNoEntryForAPendingAnchor: bump takes a pending anchor's entry
// from the journal's receipt for its batch. A journal whose record of a
// pending, sent eth anchor holds an entry naming another target (the
// journal edited or damaged on disk: through package anchor every entry
// recorded is the target's own) leaves the receipt with no entry for
// that target. bump refuses it as bad input (2), naming the batch and
// the target, and sends nothing: the pool still holds the one anchor
// transaction.
func TestBumpNoEntryForAPendingAnchor(t *testing.T) {
	dir := t.TempDir()
	c := evidencetest.NewHTTPChain(t, dir)
	ethArgs := []string{"--eth-rpc", c.URL, "--chain-id", "1337", "--sink", testSink}
	write(t, dir, "report.pdf", []byte("%PDF-1.7 a report"))
	expectCode(t, archivist(t, dir, "add", "report.pdf"), 0)
	expectCode(t, archivist(t, dir, append([]string{"anchor", "--to", "eth", "--eth-key-file", c.KeyFile}, ethArgs...)...), 0)
	target := "eth:1337:" + strings.ToLower(strings.TrimPrefix(testSink, "0x"))
	other := "eth:1337:" + strings.Repeat("ab", 20)

	// The record of batch 1 at the target: its entry now names another.
	renameEntryTarget(t, dir, 1, target, other)
	pending := func() uint {
		t.Helper()
		n, err := c.Chain.Client().PendingTransactionCount(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := pending()
	if before != 1 {
		t.Fatalf("%d transactions in the pool, want the anchor's", before)
	}

	for _, extra := range [][]string{nil, {"--all"}} {
		r := archivist(t, dir, append(append([]string{"bump", "--to", "eth", "--eth-key-file", c.KeyFile}, ethArgs...), extra...)...)
		expectCode(t, r, 2)
		if want := "archivist: anchor: bad input: batch 1: the journal's receipt has no entry for " + target; !strings.Contains(r.stderr, want) {
			t.Errorf("bump %v: stderr does not say %q:\n%s", extra, want, r.stderr)
		}
		r = archivist(t, dir, append(append([]string{"bump", "--to", "eth", "--json", "--eth-key-file", c.KeyFile}, ethArgs...), extra...)...)
		expectCode(t, r, 2)
		var out struct {
			Anchors []bumped
			Error   string
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Anchors) != 0 || !strings.Contains(out.Error, "has no entry for "+target) {
			t.Errorf("bump --json %v: %+v, %v\n%s", extra, out, err, r.stdout)
		}
	}
	if n := pending(); n != before {
		t.Errorf("%d transactions in the pool after the refused bumps, want %d: a replacement was sent", n, before)
	}

	// The error's class, in this process: bad input by its sentinel, not
	// could not check or rejected, nor ExitCode's fallback.
	j := openJournal(t, dir)
	defer j.Close()
	done, err := bumpAll(context.Background(), j, []bumpTarget{ethBumpTarget(t, c, c.Chain.Client())}, true)
	if !errors.Is(err, anchor.ErrBadInput) || !errors.Is(err, selfattest.ErrBadInput) || len(done) != 0 {
		t.Fatalf("bumpAll: %v, %+v; want anchor.ErrBadInput and nothing bumped", err, done)
	}
	for _, s := range []error{selfattest.ErrCouldNotCheck, selfattest.ErrRejected, anchor.ErrPending} {
		if errors.Is(err, s) {
			t.Errorf("bumpAll: %v is also %v", err, s)
		}
	}
	if code, ok := clitest.ClassOf(err); !ok || code != selfattest.ExitBadInput {
		t.Errorf("class of %v: %d, %t; want %d", err, code, ok, selfattest.ExitBadInput)
	}
	if n := pending(); n != before {
		t.Errorf("%d transactions in the pool after bumpAll, want %d", n, before)
	}
}

// openJournal opens the archivist's journal in dir, as the binary does;
// the caller closes it.
func openJournal(t testing.TB, dir string) *anchor.Journal {
	t.Helper()
	j, err := anchor.OpenJournal(filepath.Join(dir, "archivist.journal"), anchor.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// ethBumpTarget is the eth target at testSink on c's chain (id 1337),
// signing with c's key and sending through client, for bumpAll; it reads
// receipts from c's chain itself.
func ethBumpTarget(t testing.TB, c evidencetest.HTTPChain, client eth.Client) bumpTarget {
	t.Helper()
	key, err := eth.LoadKeyFile(c.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := eth.New(context.Background(), client, key, 1337, common.HexToAddress(testSink), eth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return bumpTarget{a: a, client: c.Chain.Client()}
}

// renameEntryTarget edits the journal in dir on disk (the archivist not
// running): the record of batch's one sent, pending anchor at target gets
// an entry naming other instead, so the batch's receipt has no entry for
// target. Package anchor never records such an entry; this is the
// journal damaged or edited.
func renameEntryTarget(t *testing.T, dir string, batch uint64, target, other string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "archivist.journal"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("anchors"))
		key := append(binary.BigEndian.AppendUint64(nil, batch), target...)
		v := b.Get(key)
		// One attempt, sent, its state 0: anchor.StatePending.
		from := `"target":"` + target + `"`
		if strings.Count(string(v), from) != 1 || !strings.Contains(string(v), `"state":0}`) || strings.Contains(string(v), `"unsent":true`) {
			return fmt.Errorf("batch %d's record at %s is not one sent, pending entry naming it:\n%s", batch, target, v)
		}
		return b.Put(key, []byte(strings.Replace(string(v), from, `"target":"`+other+`"`, 1)))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// refusingClient is a node that refuses every transaction sent to it
// (as one refuses a replacement it finds underpriced); it answers
// everything else as client does.
type refusingClient struct{ eth.Client }

func (refusingClient) SendTransaction(context.Context, *types.Transaction) error {
	return errors.New("replacement transaction underpriced")
}

// TestBumpKeepsEarlierErrors: bump stops at a pending anchor it cannot
// even read (here batch 2, whose receipt has no entry for the target: bad
// input), but the errors of the anchors before it are kept: batch 1,
// whose replacement the node refused (could not check), is still in the
// error, which is then both. Its exit code is the worst class's, bad
// input (2): selfattest.ExitCode ranks rejected, then bad input, then
// could not check. Batch 1's line is in the output, could not check.
func TestBumpKeepsEarlierErrors(t *testing.T) {
	dir := t.TempDir()
	c := evidencetest.NewHTTPChain(t, dir)
	ethArgs := []string{"--eth-rpc", c.URL, "--chain-id", "1337", "--sink", testSink, "--eth-key-file", c.KeyFile}
	for _, f := range []string{"a.txt", "b.txt"} {
		write(t, dir, f, []byte("evidence "+f))
		expectCode(t, archivist(t, dir, "add", f), 0)
		expectCode(t, archivist(t, dir, append([]string{"anchor", "--to", "eth"}, ethArgs...)...), 0)
	}
	target := "eth:1337:" + strings.ToLower(strings.TrimPrefix(testSink, "0x"))
	renameEntryTarget(t, dir, 2, target, "eth:1337:"+strings.Repeat("ab", 20))

	j := openJournal(t, dir)
	defer j.Close()
	done, err := bumpAll(context.Background(), j, []bumpTarget{ethBumpTarget(t, c, refusingClient{c.Chain.Client()})}, true)
	if !errors.Is(err, anchor.ErrCouldNotCheck) || !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("bumpAll: %v; want both anchor.ErrCouldNotCheck (batch 1) and anchor.ErrBadInput (batch 2)", err)
	}
	var te *anchor.TargetError
	if !errors.As(err, &te) || te.Target != target {
		t.Errorf("bumpAll: %v; want batch 1's *anchor.TargetError at %s", err, target)
	}
	for _, want := range []string{
		"batch 1: anchor: could not check: eth: send (nonce 0)",
		"batch 2: the journal's receipt has no entry for " + target,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("bumpAll: %q does not say %q", err, want)
		}
	}
	if errors.Is(err, selfattest.ErrRejected) {
		t.Errorf("bumpAll: %v is also rejected", err)
	}
	if code := selfattest.ExitCode(err); code != selfattest.ExitBadInput {
		t.Errorf("exit code of %v: %d, want %d (bad input)", err, code, selfattest.ExitBadInput)
	}
	if len(done) != 1 || done[0].Batch != 1 || done[0].Outcome != "could not check" || !strings.Contains(done[0].Reason, "underpriced") {
		t.Errorf("bumpAll's anchors: %+v; want batch 1, could not check", done)
	}
}
