//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
)

const testSink = "0x5e1f000000000000000000000000000000a77e57"

// TestEthInProcess runs the command functions with the eth target on
// go-ethereum's simulated backend (in this process: the binary cannot
// reach it), then verifies the receipts it wrote with the binary, offline
// and against an endpoint that is not there.
func TestEthInProcess(t *testing.T) {
	ctx := context.Background()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	chain := simulated.NewBackend(types.GenesisAlloc{crypto.PubkeyToAddress(key.PublicKey): {Balance: big.NewInt(1e18)}})
	t.Cleanup(func() { chain.Close() })
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "eth.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(crypto.FromECDSA(key))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ef := evidence.EthFlags{KeyFile: keyFile, ChainID: 1337, Sink: testSink, FinalDepth: 3}

	if _, err := evidence.EthTarget(ctx, chain.Client(), evidence.EthFlags{KeyFile: keyFile, ChainID: 1, Sink: testSink}, true); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("eth target on the wrong chain: %v, want bad input", err)
	}
	if _, err := evidence.EthTarget(ctx, chain.Client(), evidence.EthFlags{ChainID: 1337, Sink: testSink}, true); !errors.Is(err, errUsage) {
		t.Fatalf("eth target to sign with no key: %v, want a usage error", err)
	}

	a, err := evidence.EthTarget(ctx, chain.Client(), ef, true)
	if err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, dir)
	defer j.Close()
	var paths []string
	for _, n := range []string{"a.txt", "b.json", "c.bin"} {
		paths = append(paths, write(t, dir, n, []byte("content of "+n)))
	}
	if _, err := evidence.AddFiles(j, paths, 1<<20, nil); err != nil {
		t.Fatal(err)
	}
	sealed, bs, err := evidence.AnchorAll(ctx, j, []anchor.Anchorer{a})
	if err != nil || sealed != 1 || len(bs) != 1 || len(bs[0].Anchors) != 1 || bs[0].Anchors[0].State != anchor.StatePending {
		t.Fatalf("anchorAll = %d, %+v, %v; want batch 1 pending", sealed, bs, err)
	}
	target := "eth:1337:" + strings.TrimPrefix(testSink, "0x")
	if bs[0].Anchors[0].Target != target {
		t.Fatalf("target %q, want %q", bs[0].Anchors[0].Target, target)
	}

	// upgrade builds its own target, with no key: as a later process would.
	u, err := evidence.EthTarget(ctx, chain.Client(), evidence.EthFlags{ChainID: 1337, Sink: testSink, FinalDepth: 3}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.UpgradeAll(ctx, j, []anchor.Anchorer{u}); !errors.Is(err, anchor.ErrPending) {
		t.Fatalf("upgrade before a block: %v, want pending", err)
	}
	// Geth promotes a sent transaction to pending in the background: the
	// block is sealed once it has (else it may lack the anchor).
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if n, err := chain.Client().PendingNonceAt(ctx, crypto.PubkeyToAddress(key.PublicKey)); err != nil || n > 0 {
			break
		}
	}
	chain.Commit()
	bs, err = evidence.UpgradeAll(ctx, j, []anchor.Anchorer{u})
	if err != nil || bs[0].Anchors[0].State != anchor.StateConfirmed || bs[0].Anchors[0].Depth != 1 {
		t.Fatalf("upgrade after a block = %+v, %v; want confirmed at depth 1", bs, err)
	}
	chain.Commit()
	chain.Commit()
	bs, err = evidence.UpgradeAll(ctx, j, []anchor.Anchorer{u})
	if err != nil || bs[0].Anchors[0].State != anchor.StateFinal || bs[0].Anchors[0].Depth != 3 {
		t.Fatalf("upgrade after three blocks = %+v, %v; want final at depth 3", bs, err)
	}
	written, err := evidence.WriteReceipts(j, filepath.Join(dir, "receipts"), nil)
	if err != nil || len(written) != 3 {
		t.Fatalf("writeReceipts = %d, %v", len(written), err)
	}
	receipt := written[0].File

	sink := common.HexToAddress(testSink)
	offline := []anchor.AnchorVerifier{eth.NewVerifier(1337, sink)}
	if _, _, _, err := evidence.VerifyFiles(ctx, receipt, paths[0], 1<<20, false, offline); err != nil {
		t.Fatalf("verify offline: %v", err)
	}
	ov, err := eth.NewOnlineVerifier(1337, sink, []eth.HeaderReader{chain.Client()}, eth.OnlineOptions{Agree: 1, MinDepth: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, res, _, err := evidence.VerifyFiles(ctx, receipt, paths[0], 1<<20, true, []anchor.AnchorVerifier{ov})
	if err != nil || len(res.Anchors) != 1 || res.Anchors[0].Checked != "online" || res.Anchors[0].State != "final" || res.Anchors[0].Depth != 3 {
		t.Fatalf("verify online = %+v, %v; want final at depth 3, checked online", res, err)
	}
	deep, err := eth.NewOnlineVerifier(1337, sink, []eth.HeaderReader{chain.Client()}, eth.OnlineOptions{Agree: 1, MinDepth: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := evidence.VerifyFiles(ctx, receipt, paths[0], 1<<20, true, []anchor.AnchorVerifier{deep}); !errors.Is(err, anchor.ErrPending) {
		t.Fatalf("verify online, depth 3 of 10: %v, want pending", err)
	}
	if _, _, _, err := evidence.VerifyFiles(ctx, receipt, paths[1], 1<<20, false, offline); !errors.Is(err, anchor.ErrAnchor) {
		t.Fatalf("verify another file: %v, want rejected", err)
	}
	if _, _, _, err := evidence.VerifyFiles(ctx, receipt, paths[0], 1<<20, false, []anchor.AnchorVerifier{eth.NewChainVerifier(1)}); !errors.Is(err, anchor.ErrAnchor) {
		t.Fatalf("verify for chain 1: %v, want rejected", err)
	}

	// The binary, on the receipt the chain anchored.
	expectCode(t, archivist(t, dir, "verify", "--chain-id", "1337", "--sink", testSink, receipt, paths[0]), 0)
	expectCode(t, archivist(t, dir, "verify", "--chain-id", "1337", "--sink", testSink, receipt, paths[2]), 1)
	// Another sink: no verifier for this entry's target, so not a pass.
	r := archivist(t, dir, "verify", "--chain-id", "1337", "--sink", "0x"+strings.Repeat("11", 20), receipt, paths[0])
	expectCode(t, r, 3)
	dead := clitest.DeadURL(t)
	r = archivist(t, dir, "verify", "--chain-id", "1337", "--sink", testSink, "--eth-rpc", dead, receipt, paths[0])
	expectCode(t, r, 3)
	if !strings.Contains(r.stderr, "could not check") {
		t.Errorf("verify against a dead endpoint:\n%s", r.stderr)
	}
	expectCode(t, archivist(t, dir, "verify", "--chain-id", "1337", "--sink", testSink, "--eth-rpc", dead, "--eth-rpc", clitest.DeadURL(t), "--agree", "1", receipt, paths[0]), 3)
	expectCode(t, archivist(t, dir, "verify", "--chain-id", "1337", "--sink", testSink, "--eth-rpc", dead, "--agree", "2", receipt, paths[0]), 2)
	// A tampered evidence file is rejected offline before any endpoint is asked.
	expectCode(t, archivist(t, dir, "verify", "--chain-id", "1337", "--sink", testSink, "--eth-rpc", dead, receipt, paths[1]), 1)
}

// TestEthCLI runs the whole flow through the binary with the eth target:
// the simulated backend serves JSON-RPC on 127.0.0.1 (go-ethereum's own
// HTTP server of its node), and the test makes the blocks.
func TestEthCLI(t *testing.T) {
	dir := t.TempDir()
	hc := evidencetest.NewHTTPChain(t, dir)
	keyFile, rpcURL := hc.KeyFile, hc.URL
	ev := write(t, dir, "report.pdf", []byte("%PDF-1.7 a report"))
	expectCode(t, archivist(t, dir, "add", "report.pdf"), 0)
	ethArgs := []string{"--eth-rpc", rpcURL, "--chain-id", "1337", "--sink", testSink}
	r := archivist(t, dir, append([]string{"anchor", "--to", "eth,memory", "--eth-key-file", keyFile}, ethArgs...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "eth:1337:5e1f000000000000000000000000000000a77e57: pending") {
		t.Fatalf("anchor:\n%s", r.stdout)
	}
	r = archivist(t, dir, append([]string{"upgrade", "--to", "eth", "--final-depth", "3"}, ethArgs...)...)
	expectCode(t, r, 3) // no block yet
	for range 3 {
		hc.Commit(t)
	}
	r = archivist(t, dir, append([]string{"upgrade", "--to", "eth,memory", "--final-depth", "3", "--memory-mine", "3"}, ethArgs...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "eth:1337:5e1f000000000000000000000000000000a77e57: final at depth 3") {
		t.Fatalf("upgrade:\n%s", r.stdout)
	}
	receipt := filepath.Join(dir, "receipts", "00000001-report.pdf.receipt.json")
	pub := filepath.Join(dir, "archivist.journal.memory.pub")
	trust := []string{"verify", "--memory-key", pub, "--chain-id", "1337", "--sink", testSink}
	r = archivist(t, dir, append(trust, receipt, ev)...)
	expectCode(t, r, 0)
	r = archivist(t, dir, append(trust, "--eth-rpc", rpcURL, "--min-depth", "3", receipt, ev)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "checked online, final at depth 3") || !strings.Contains(r.stdout, "anchor 2 at memory (memory): verified, checked offline") {
		t.Errorf("verify online:\n%s", r.stdout)
	}
	expectCode(t, archivist(t, dir, append(trust, "--eth-rpc", rpcURL, "--min-depth", "4", receipt, ev)...), 3)
	dead := clitest.DeadURL(t)
	expectCode(t, archivist(t, dir, append(trust, "--eth-rpc", rpcURL, "--eth-rpc", dead, "--agree", "1", "--min-depth", "3", receipt, ev)...), 0)
	expectCode(t, archivist(t, dir, append(trust, "--eth-rpc", rpcURL, "--eth-rpc", dead, "--min-depth", "3", receipt, ev)...), 3)

	// With the network cut off (a network namespace of its own, whose
	// only interface, loopback, is down): the receipt still verifies
	// offline; asking the endpoint is could-not-check; other evidence is
	// rejected.
	expectCode(t, archivistOffline(t, dir, append(trust, receipt, ev)...), 0)
	expectCode(t, archivistOffline(t, dir, append(trust, "--eth-rpc", rpcURL, "--min-depth", "3", receipt, ev)...), 3)
	other := write(t, dir, "other.pdf", []byte("%PDF-1.7 a report!"))
	expectCode(t, archivistOffline(t, dir, append(trust, receipt, other)...), 1)
}

// TestEthEventCLI deploys the Anchor contract with deploy-contract, then
// anchors at it (eth-event) beside the calldata target (eth) through the
// binary, and verifies each kind with its own trust material.
func TestEthEventCLI(t *testing.T) {
	dir := t.TempDir()
	c := evidencetest.NewHTTPChain(t, dir)
	ethArgs := []string{"--eth-rpc", c.URL, "--chain-id", "1337"}

	var r result
	c.Mining(func() {
		r = archivist(t, dir, append([]string{"deploy-contract", "--eth-key-file", c.KeyFile}, ethArgs...)...)
	})
	expectCode(t, r, 0)
	contract := strings.TrimSpace(r.stdout)
	if !common.IsHexAddress(contract) || !strings.HasPrefix(contract, "0x") {
		t.Fatalf("deploy-contract printed %q", r.stdout)
	}
	code, err := c.Chain.Client().CodeAt(context.Background(), common.HexToAddress(contract), nil)
	if err != nil || !bytes.Equal(code, eth.ContractRuntime()) {
		t.Fatalf("the code at %s: %d bytes, %v; want the Anchor runtime", contract, len(code), err)
	}

	ev := write(t, dir, "report.pdf", []byte("%PDF-1.7 a report"))
	expectCode(t, archivist(t, dir, "add", "report.pdf"), 0)
	anchorArgs := append([]string{"--contract", contract, "--sink", testSink}, ethArgs...)
	// A contract address that holds no Anchor code is refused.
	expectCode(t, archivist(t, dir, append([]string{"anchor", "--to", "eth-event", "--eth-key-file", c.KeyFile, "--contract", testSink}, ethArgs...)...), 2)
	expectCode(t, archivist(t, dir, append([]string{"anchor", "--to", "eth-event", "--eth-key-file", c.KeyFile}, ethArgs...)...), 2) // no --contract
	r = archivist(t, dir, append([]string{"anchor", "--to", "eth-event,eth", "--eth-key-file", c.KeyFile}, anchorArgs...)...)
	expectCode(t, r, 0)
	eventTarget := "eth-event:1337:" + strings.ToLower(strings.TrimPrefix(contract, "0x"))
	if !strings.Contains(r.stdout, eventTarget+": pending") || !strings.Contains(r.stdout, "eth:1337:5e1f000000000000000000000000000000a77e57: pending") {
		t.Fatalf("anchor:\n%s", r.stdout)
	}
	for range 3 {
		c.Commit(t)
	}
	r = archivist(t, dir, append([]string{"upgrade", "--to", "eth-event,eth", "--final-depth", "3"}, anchorArgs...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, eventTarget+": final at depth 3") {
		t.Fatalf("upgrade:\n%s", r.stdout)
	}
	receipt := filepath.Join(dir, "receipts", "00000001-report.pdf.receipt.json")

	// Both kinds verified, offline then online.
	trust := []string{"verify", "--chain-id", "1337", "--sink", testSink, "--contract", contract}
	r = archivist(t, dir, append(trust, receipt, ev)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "at "+eventTarget+" (eth-event): verified, checked offline") {
		t.Errorf("verify:\n%s", r.stdout)
	}
	r = archivist(t, dir, append(trust, "--eth-rpc", c.URL, "--min-depth", "3", "--json", receipt, ev)...)
	expectCode(t, r, 0)
	v := verifyJSONOf(t, r)
	if len(v.Anchors) != 2 || v.Anchors[0].Checked != "online" || v.Anchors[1].Checked != "online" || v.Anchors[0].Kind != "eth-event" || v.Anchors[1].Kind != "eth" {
		t.Fatalf("verify online: %s", r.stdout)
	}
	// The sink alone: the event anchor has no verifier (3), the calldata
	// one verified, each said.
	r = archivist(t, dir, "verify", "--json", "--chain-id", "1337", "--sink", testSink, receipt, ev)
	expectCode(t, r, 3)
	v = verifyJSONOf(t, r)
	if v.Anchors[0].Outcome != "could not check" || v.Anchors[1].Outcome != "verified" {
		t.Fatalf("verify with the sink only: %s", r.stdout)
	}
	// Another contract address: the event entry's target is not that
	// verifier's, so could not check; the contract named as the sink of
	// the calldata verifier does not take event entries either.
	other := "0x" + strings.Repeat("22", 20)
	expectCode(t, archivist(t, dir, "verify", "--chain-id", "1337", "--contract", other, "--sink", testSink, receipt, ev), 3)
	// Other evidence: rejected; a bad --contract: bad usage.
	expectCode(t, archivist(t, dir, append(trust, receipt, write(t, dir, "other.pdf", []byte("%PDF-1.7 another")))...), 1)
	expectCode(t, archivist(t, dir, "verify", "--chain-id", "1337", "--contract", "0x12", receipt, ev), 2)
	expectCode(t, archivist(t, dir, "verify", "--contract", contract, receipt, ev), 2)
	// The event entry's proven receipt altered (its log, say): rejected,
	// and the calldata anchor still reported verified.
	data, err := os.ReadFile(receipt)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	var anchors []map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(m["anchors"], &anchors); err != nil || string(anchors[0]["kind"]) != `"eth-event"` {
		t.Fatalf("anchors: %v %s", err, m["anchors"])
	}
	rc := []byte(anchors[0]["receipt"])
	k := len(rc) - 10 // inside the hex string, in the log's data
	if rc[k] == '0' {
		rc[k] = '1'
	} else {
		rc[k] = '0'
	}
	anchors[0]["receipt"] = rc
	m["anchors"], _ = json.Marshal(anchors)
	tampered, _ := json.Marshal(m)
	r = archivist(t, dir, append(trust, "--json", write(t, dir, "tampered.json", tampered), ev)...)
	expectCode(t, r, 1)
	if v := verifyJSONOf(t, r); v.Anchors[0].Outcome != "rejected" || v.Anchors[1].Outcome != "verified" {
		t.Fatalf("a tampered event entry: %s", r.stdout)
	}
	// deploy-contract with no key, or on the wrong chain.
	expectCode(t, archivist(t, dir, append([]string{"deploy-contract"}, ethArgs...)...), 2)
	expectCode(t, archivist(t, dir, "deploy-contract", "--eth-rpc", c.URL, "--chain-id", "1", "--eth-key-file", c.KeyFile), 2)
}
