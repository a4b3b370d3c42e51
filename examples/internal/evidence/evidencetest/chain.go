// Package evidencetest holds what the example programs' tests share to
// anchor evidence: an in-process chain that serves JSON-RPC on 127.0.0.1,
// as a node would, for the programs under test to anchor at.
package evidencetest

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/rpc"
)

// An HTTPChain is go-ethereum's simulated backend serving JSON-RPC on
// 127.0.0.1 (the node's own HTTP server) on chain 1337; the test makes
// its blocks (Chain.Commit).
type HTTPChain struct {
	Chain *simulated.Backend
	// KeyFile holds a key funded in the genesis block, 64 hex digits,
	// mode 600: what --eth-key-file reads.
	KeyFile string
	// URL is the JSON-RPC endpoint, --eth-rpc.
	URL string
}

// NewHTTPChain starts the chain, with its key file in dir; the test's
// cleanup stops it.
func NewHTTPChain(t testing.TB, dir string) HTTPChain {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	// The node listens on a port that was free a moment ago: another
	// process may have taken it since (the node then fails to start, and
	// the simulated backend panics). Another port is tried then.
	var chain *simulated.Backend
	var port int
	for attempt := 1; chain == nil; attempt++ {
		port = FreePort(t)
		var err error
		chain, err = newBackendOn(key, port)
		if err != nil && (attempt == 5 || !errors.Is(err, syscall.EADDRINUSE)) {
			t.Fatalf("simulated chain on port %d: %v", port, err)
		}
	}
	t.Cleanup(func() { chain.Close() })
	keyFile := filepath.Join(dir, "eth.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(crypto.FromECDSA(key))), 0o600); err != nil {
		t.Fatal(err)
	}
	return HTTPChain{Chain: chain, KeyFile: keyFile, URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
}

// newBackendOn starts the simulated chain with its node's HTTP server on
// 127.0.0.1:port, funding key; an error if it does not start.
func newBackendOn(key *ecdsa.PrivateKey, port int) (b *simulated.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				panic(r)
			}
			b, err = nil, e
		}
	}()
	return simulated.NewBackend(types.GenesisAlloc{crypto.PubkeyToAddress(key.PublicKey): {Balance: big.NewInt(1e18)}},
		func(nc *node.Config, _ *ethconfig.Config) {
			nc.HTTPHost, nc.HTTPPort = "127.0.0.1", port
			nc.HTTPModules = []string{"eth", "net", "web3", "txpool"} // txpool: for Commit
			nc.HTTPVirtualHosts = []string{"*"}
		}), nil
}

// Commit seals a block once the pool holds no queued transaction. Geth
// puts a transaction sent to it in its pool's queue and promotes it to
// pending in the background: a block sealed before that lacks it, and a
// test that had a command send one, then committed blocks and expected it
// in the first could fail on a busy machine (package anchor/eth's tests,
// which commit right after sending, did about 1 run in 100). A
// transaction left queued on purpose (a nonce gap) is waited for 5 s at
// most.
func (c HTTPChain) Commit(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rc, err := rpc.DialContext(ctx, c.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	for ctx.Err() == nil {
		var st struct{ Queued hexutil.Uint }
		if err := rc.CallContext(ctx, &st, "txpool_status"); err != nil {
			if ctx.Err() != nil {
				break
			}
			t.Fatalf("txpool_status: %v", err)
		}
		if st.Queued == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	c.Chain.Commit()
}

// Mining runs f while the chain makes a block every 100 ms: for a
// command that waits for its transaction's block.
func (c HTTPChain) Mining(f func()) {
	stop := c.mine()
	f()
	stop()
}

// StartMining makes a block every 100 ms until the test ends.
func (c HTTPChain) StartMining(t testing.TB) { t.Cleanup(c.mine()) }

// mine makes a block every 100 ms until stop is called.
func (c HTTPChain) mine() (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			case <-time.After(100 * time.Millisecond):
				c.Chain.Commit()
			}
		}
	}()
	return func() { close(quit); <-done }
}

// FreePort returns a port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
