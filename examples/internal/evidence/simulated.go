package evidence

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/ats-run/selfattest/anchor/eth"
)

// The demos' chain: go-ethereum's simulated backend runs in the process
// (no network, no node to install) on chain SimulatedChainID, and its
// anchors are final at depth SimulatedDepth.
const (
	SimulatedChainID = 1337
	SimulatedDepth   = 3
)

// SimulatedSink is the address the demos' anchor transactions go to.
var SimulatedSink = common.HexToAddress("0x5e1f000000000000000000000000000000a77e57")

// A SimulatedChain is an in-process chain with an eth target on it,
// sending from a fresh key funded in its genesis block.
type SimulatedChain struct {
	Backend *simulated.Backend
	// Anchorer is the eth target: calldata anchors to SimulatedSink,
	// final at SimulatedDepth.
	Anchorer *eth.Anchorer
	// From is the sending key's address.
	From common.Address
}

// NewSimulatedChain starts the chain; Close stops it.
func NewSimulatedChain(ctx context.Context) (*SimulatedChain, error) {
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	b := simulated.NewBackend(types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18))}})
	a, err := eth.New(ctx, b.Client(), key, SimulatedChainID, SimulatedSink, eth.Options{FinalDepth: SimulatedDepth})
	if err != nil {
		b.Close()
		return nil, err
	}
	return &SimulatedChain{Backend: b, Anchorer: a, From: from}, nil
}

// Mine makes SimulatedDepth blocks: the anchors sent before are final.
func (c *SimulatedChain) Mine() {
	for range SimulatedDepth {
		c.Backend.Commit()
	}
}

// NewSimulatedVerifier checks a simulated chain's anchors offline, from
// the receipt alone.
func NewSimulatedVerifier() *eth.Verifier {
	return eth.NewVerifier(SimulatedChainID, SimulatedSink)
}

// Close stops the chain.
func (c *SimulatedChain) Close() { c.Backend.Close() }
