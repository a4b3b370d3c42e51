// Package ethtest runs a real geth node for tests: `geth --dev` on
// 127.0.0.1, a fresh chain per test, mining a block a second, with no
// discovery, no peers and no listener but its HTTP JSON-RPC on loopback.
//
// geth is built on first use from the Go module proxy
// (github.com/ethereum/go-ethereum/cmd/geth at [GethVersion]) into
// ${XDG_CACHE_HOME:-~/.cache}/selfattest/geth/<GethVersion>/geth, once per
// machine, under a lock so parallel test processes build it once; the test
// log says so. A test never skips for want of it.
//
//	node := ethtest.Start(t, ethtest.Options{})
//	key := node.FundedKey(t)          // a new key holding 1,000 ether
//	a, err := eth.New(ctx, node.Client, key, node.ChainID, sink, eth.Options{})
package ethtest

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/ats-run/selfattest/internal/toolcache"
)

// GethVersion is the go-ethereum release whose geth the tests run; the
// same as the library version of this module.
const GethVersion = "v1.17.10"

// ChainID is geth --dev's chain id.
const ChainID = 1337

// Geth is the geth binary as it is built on first use.
var Geth = toolcache.Tool{Name: "geth", Package: "github.com/ethereum/go-ethereum/cmd/geth", Version: GethVersion, Binary: "geth"}

// Options tune [Start].
type Options struct {
	// Period is the time between blocks; 1 s if 0 (geth's --dev.period
	// counts whole seconds). A negative Period mines a block only when a
	// transaction arrives.
	Period time.Duration
	// DataDir is the node's data folder; the test's temporary folder if
	// empty. A test restarting a node on the same chain passes the same
	// folder.
	DataDir string
	// StartTimeout bounds the whole start, from launching geth until its
	// RPC answers (building geth on first use is not counted); 60 s if 0.
	StartTimeout time.Duration
}

// A Node is a running geth --dev.
type Node struct {
	// URL is the node's JSON-RPC endpoint, http://127.0.0.1:<port>.
	URL string
	// ChainID is the node's chain id ([ChainID]).
	ChainID uint64
	// Client talks to URL.
	Client *ethclient.Client
	// RPC is the raw JSON-RPC client under Client.
	RPC *rpc.Client
	// DataDir is the node's data folder.
	DataDir string

	proc *toolcache.Process
	dev  common.Address // the dev account: unlocked, holding the chain's ether
}

// Binary returns geth's path, building it first if the cache does not
// hold it; logf (t.Logf) is told when a build starts and ends.
func Binary(ctx context.Context, logf func(string, ...any)) (string, error) {
	return Geth.Build(ctx, logf)
}

var endpointRE = regexp.MustCompile(`HTTP server started\s+endpoint=127\.0\.0\.1:(\d+)`)

// Start runs geth --dev for the test and returns once its RPC answers;
// t.Cleanup stops it (logging its output if the test failed). It stops
// the test on any failure.
func Start(t testing.TB, opts Options) *Node {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	n, err := start(context.Background(), opts, t.Logf)
	if err != nil {
		t.Fatalf("ethtest: %v", err)
	}
	t.Cleanup(func() {
		n.Stop()
		if t.Failed() {
			t.Logf("geth output:\n%s", n.Log())
		}
	})
	return n
}

func start(ctx context.Context, opts Options, logf func(string, ...any)) (*Node, error) {
	bin, err := Binary(ctx, logf)
	if err != nil {
		return nil, err
	}
	return startBinary(ctx, bin, opts)
}

// startBinary runs bin (geth) as start does, once it has the binary. One
// deadline, opts.StartTimeout from now, covers both waits: for geth to
// print its HTTP endpoint, then for its RPC to answer. Each gets what the
// one before left, so a slow start fails after StartTimeout, not after
// twice it.
func startBinary(ctx context.Context, bin string, opts Options) (*Node, error) {
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	period := "1"
	switch {
	case opts.Period < 0:
		period = "0"
	case opts.Period > 0:
		period = strconv.Itoa(max(1, int(opts.Period/time.Second)))
	}
	args := []string{
		"--dev", "--dev.period", period,
		"--datadir", opts.DataDir,
		"--http", "--http.addr", "127.0.0.1", "--http.port", "0", "--http.api", "eth,net,web3",
		"--authrpc.addr", "127.0.0.1", "--authrpc.port", "0",
		"--ipcdisable", "--nodiscover", "--maxpeers", "0", "--nat", "none", "--port", "0",
		"--verbosity", "3",
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	n := &Node{ChainID: ChainID, DataDir: opts.DataDir}
	var port []string
	var err error
	// ctx's deadline, set a moment earlier, is the one that stops this
	// wait; StartTimeout is passed for the error message.
	n.proc, port, err = toolcache.StartProcess(ctx, exec.Command(bin, args...), opts.StartTimeout, endpointRE)
	if err != nil {
		return nil, fmt.Errorf("geth: %w", err)
	}
	n.URL = "http://127.0.0.1:" + port[0]
	if n.RPC, err = rpc.DialContext(ctx, n.URL); err != nil {
		n.Stop()
		return nil, fmt.Errorf("geth: dial %s: %w", n.URL, err)
	}
	n.Client = ethclient.NewClient(n.RPC)
	for {
		id, err := n.Client.ChainID(ctx)
		if err == nil {
			if id.Uint64() != ChainID {
				n.Stop()
				return nil, fmt.Errorf("geth --dev answers chain id %v, not %d", id, ChainID)
			}
			break
		}
		select {
		case <-ctx.Done():
			n.Stop()
			return nil, fmt.Errorf("geth's RPC did not answer: %w\n%s", err, n.Log())
		case <-time.After(100 * time.Millisecond):
		}
	}
	var accounts []common.Address
	if err := n.RPC.CallContext(ctx, &accounts, "eth_accounts"); err != nil {
		n.Stop()
		return nil, fmt.Errorf("geth --dev: eth_accounts: %w", err)
	}
	if len(accounts) == 0 {
		n.Stop()
		return nil, fmt.Errorf("geth --dev has no dev account")
	}
	n.dev = accounts[0]
	return n, nil
}

// Stop stops the node (SIGTERM, then SIGKILL after 10 s) and waits for it.
// It is safe to call twice.
func (n *Node) Stop() {
	if n.RPC != nil {
		n.RPC.Close()
	}
	n.proc.Stop()
}

// Log returns what geth printed so far.
func (n *Node) Log() string { return n.proc.Log() }

// Fund sends wei from the dev account to addr and waits until the
// transfer is mined.
func (n *Node) Fund(ctx context.Context, addr common.Address, wei *big.Int) error {
	var hash common.Hash
	tx := map[string]any{"from": n.dev, "to": addr, "value": (*hexutil.Big)(wei)}
	if err := n.RPC.CallContext(ctx, &hash, "eth_sendTransaction", tx); err != nil {
		return fmt.Errorf("fund %s: %w", addr, err)
	}
	for {
		r, err := n.Client.TransactionReceipt(ctx, hash)
		if err == nil {
			if r.Status != 1 {
				return fmt.Errorf("fund %s: transfer %s failed", addr, hash)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fund %s: transfer %s not mined: %w (last: %w)", addr, hash, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// FundedKey returns a new secp256k1 key whose address holds 1,000 ether
// on the node.
func (n *Node) FundedKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := n.Fund(ctx, crypto.PubkeyToAddress(k.PublicKey), new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))); err != nil {
		t.Fatalf("ethtest: %v", err)
	}
	return k
}
