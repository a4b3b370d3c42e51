package eth

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ats-run/selfattest/anchor"
)

// deployMining runs DeployContract on client, a view of b, committing a
// block of b every 10 ms until it returns.
func deployMining(t *testing.T, b *simBackend, client EventClient, key *ecdsa.PrivateKey) (common.Address, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
				b.Commit()
			}
		}
	})
	defer wg.Wait()
	defer close(done)
	return DeployContract(ctx, client, key, simChainID, Options{})
}

// gasShort is a node whose gas estimate is 3/4 of the true one: above
// the deployment's intrinsic gas, so the transaction is mined, and below
// what it runs on, so it runs out of gas and reverts.
type gasShort struct {
	EventClient
	estimated, given uint64
}

func (c *gasShort) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	gas, err := c.EventClient.EstimateGas(ctx, msg)
	c.estimated, c.given = gas, gas*3/4
	return c.given, err
}

// otherCode is a node that answers code for every account.
type otherCode struct {
	EventClient
	code []byte
}

func (c *otherCode) CodeAt(context.Context, common.Address, *big.Int) ([]byte, error) {
	return c.code, nil
}

// isRejectedOnly fails t unless err is a *RejectError whose Check holds
// check, wrapping anchor.ErrAnchor and neither could-not-check nor bad
// input.
func isRejectedOnly(t *testing.T, err error, check string) {
	t.Helper()
	var re *RejectError
	if !errors.As(err, &re) || !strings.Contains(re.Check, check) {
		t.Errorf("DeployContract = %v, want a *RejectError on %q", err, check)
	}
	if !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("DeployContract = %v, want anchor.ErrAnchor", err)
	}
	if errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrBadInput) || errors.Is(err, anchor.ErrPending) {
		t.Errorf("DeployContract = %v: a deployment the chain failed is could-not-check, bad input or pending as well", err)
	}
}

// TestDeployContractReverted: a deployment mined with receipt status 0
// (out of gas) is rejected, not could-not-check: the chain has said the
// deployment failed. The chain shows it: the transaction is mined (the
// nonce is used) and the address holds no code.
func TestDeployContractReverted(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	b := newBackend(t, nil, key)
	c := &gasShort{EventClient: b.Client()}
	addr, err := deployMining(t, b, c, key)
	t.Logf("estimated %d gas, sent with %d: %v", c.estimated, c.given, err)
	isRejectedOnly(t, err, "receipt status")
	if addr != (common.Address{}) {
		t.Errorf("DeployContract returned the address %s with its error", addr.Hex())
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	if n, err := b.Client().NonceAt(ctx, from, nil); err != nil || n != 1 {
		t.Fatalf("nonce of the deployer = %d, %v; want 1: the deployment mined", n, err)
	}
	if code, err := b.Client().CodeAt(ctx, crypto.CreateAddress(from, 0), nil); err != nil || len(code) != 0 {
		t.Fatalf("code at the deployment's address: %d bytes, %v; want none (reverted)", len(code), err)
	}
}

// TestDeployContractOtherCode: a deployment after which the node says
// the new address holds code other than contract/Anchor.runtime.bin (one
// byte changed, none, one byte more) is rejected, not could-not-check.
func TestDeployContractOtherCode(t *testing.T) {
	runtime := committedRuntime(t)
	changed := append([]byte(nil), runtime...)
	changed[len(changed)/2] ^= 0x01
	for _, tc := range []struct {
		name string
		code []byte
	}{
		{"one byte changed", changed},
		{"no code", nil},
		{"one byte more", append(append([]byte(nil), runtime...), 0x00)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := newKey(t)
			b := newBackend(t, nil, key)
			addr, err := deployMining(t, b, &otherCode{EventClient: b.Client(), code: tc.code}, key)
			isRejectedOnly(t, err, "the code at "+crypto.CreateAddress(crypto.PubkeyToAddress(key.PublicKey), 0).Hex())
			if addr != (common.Address{}) {
				t.Errorf("DeployContract returned the address %s with its error", addr.Hex())
			}
		})
	}
	// The same chain, the node telling the truth: deployed.
	key := newKey(t)
	b := newBackend(t, nil, key)
	if _, err := deployMining(t, b, &otherCode{EventClient: b.Client(), code: runtime}, key); err != nil {
		t.Fatalf("DeployContract (the node answers the Anchor runtime) = %v", err)
	}
}
