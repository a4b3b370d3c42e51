// Package simchain is the demos' chain: go-ethereum's simulated backend
// (ethclient/simulated) runs in the process, with no network and no node
// to install, and an eth target sends calldata anchors to it.
//
// It is a package of its own, apart from package evidence, because the
// simulated backend is a whole Ethereum node in the binary (package eth,
// its filter maps and fetchers, pebble, p2p): only the demos (examples/demo
// and the archivist's demo) link it, never a program that only verifies or
// anchors at a real chain over RPC.
package simchain

import (
	"context"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/ats-run/selfattest/anchor/eth"
)

// The chain runs as chain ChainID, and its anchors are final at depth
// Depth.
const (
	ChainID = 1337
	Depth   = 3
)

// Sink is the address the demos' anchor transactions go to.
var Sink = common.HexToAddress("0x5e1f000000000000000000000000000000a77e57")

// A Chain is an in-process chain with an eth target on it, sending from a
// fresh key funded in its genesis block.
type Chain struct {
	Backend *simulated.Backend
	// Anchorer is the eth target: calldata anchors to Sink, final at
	// Depth.
	Anchorer *eth.Anchorer
	// From is the sending key's address.
	From common.Address
}

// New starts the chain; Close stops it.
func New(ctx context.Context) (*Chain, error) {
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	b := simulated.NewBackend(types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18))}})
	a, err := eth.New(ctx, promotingClient{b.Client()}, key, ChainID, Sink, eth.Options{FinalDepth: Depth})
	if err != nil {
		b.Close()
		return nil, err
	}
	return &Chain{Backend: b, Anchorer: a, From: from}, nil
}

// Mine makes Depth blocks: the anchors sent before are final.
func (c *Chain) Mine() {
	for range Depth {
		c.Backend.Commit()
	}
}

// promotingClient's SendTransaction returns once the pool has promoted
// the transaction: the sender's pending nonce is past it. Geth puts a sent
// transaction in its pool's queue and promotes it to pending in the
// background, so a block committed right after the send (Mine) could lack
// it, and the demo's anchor would still be pending at the depth it
// expects. A transaction the pool keeps queued is waited for 5 s at most,
// and never past ctx.
type promotingClient struct{ simulated.Client }

func (c promotingClient) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if err := c.Client.SendTransaction(ctx, tx); err != nil {
		return err
	}
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	if err != nil {
		return nil // the pool took it: it decodes its sender too
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(time.Millisecond) {
		if n, err := c.PendingNonceAt(ctx, from); err != nil || n > tx.Nonce() {
			break
		}
	}
	return nil
}

// NewVerifier checks the chain's anchors offline, from the receipt alone.
func NewVerifier() *eth.Verifier {
	return eth.NewVerifier(ChainID, Sink)
}

// Close stops the chain.
func (c *Chain) Close() { c.Backend.Close() }
