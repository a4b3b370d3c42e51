package eth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ats-run/selfattest/anchor"
)

// DeployContract deploys the Anchor contract ([ContractCreation]) on chain
// chainID from key's address, waits until the deploying transaction is in
// a block (polling its receipt until ctx is done), checks that it
// succeeded and that the code at the new address is [ContractRuntime], and
// returns that address. Fees and gas obey opts as an anchor's do (a
// [*FeeError] and nothing sent above them); the deployment uses about
// 100,000 gas, above [Options] MaxGas's default, so MaxGas 0 means
// 500,000 here. A node that does not answer, or ctx done before the
// receipt, is [anchor.ErrCouldNotCheck]: the transaction may still be
// mined, at the address crypto.CreateAddress(from, nonce) (in the error).
// A deployment the chain has settled is not could-not-check: one mined
// and reverted (receipt status 0, e.g. out of gas), or one after which the
// new address holds code other than [ContractRuntime], is a [*RejectError]
// wrapping [anchor.ErrAnchor], as [Anchorer.Check] reports a reverted
// anchor failed: no Anchor contract is at the address, and deploying again
// uses the next nonce, so another address.
func DeployContract(ctx context.Context, client EventClient, key *ecdsa.PrivateKey, chainID uint64, opts Options) (common.Address, error) {
	if client == nil || key == nil {
		return common.Address{}, &anchor.FormatError{Field: "eth.DeployContract", Reason: "nil client or key"}
	}
	if opts.MaxGas == 0 {
		opts.MaxGas = 500_000
	}
	opts = opts.withDefaults()
	from := crypto.PubkeyToAddress(key.PublicKey)
	id, err := client.ChainID(ctx)
	if err != nil {
		return common.Address{}, couldNotCheck("chain id", err)
	}
	if !id.IsUint64() || id.Uint64() != chainID {
		return common.Address{}, &anchor.FormatError{Field: "eth chain id", Reason: fmt.Sprintf("the node is on chain %v, not %d", id, chainID)}
	}
	tip, maxFee, err := fees(ctx, client, opts)
	if err != nil {
		return common.Address{}, err
	}
	code := ContractCreation()
	gas, err := client.EstimateGas(ctx, ethereum.CallMsg{From: from, Data: code, Value: new(big.Int)})
	if err != nil {
		return common.Address{}, couldNotCheck("estimate gas", err)
	}
	if gas > opts.MaxGas {
		return common.Address{}, &FeeError{What: "gas", Limit: fmt.Sprint(opts.MaxGas), Asked: fmt.Sprint(gas)}
	}
	nonce, err := client.PendingNonceAt(ctx, from)
	if err != nil {
		return common.Address{}, couldNotCheck("pending nonce", err)
	}
	signer := types.LatestSignerForChainID(new(big.Int).SetUint64(chainID))
	tx, err := types.SignNewTx(key, signer, &types.DynamicFeeTx{
		ChainID:   new(big.Int).SetUint64(chainID),
		Nonce:     nonce,
		GasTipCap: tip,
		GasFeeCap: maxFee,
		Gas:       gas,
		Value:     new(big.Int),
		Data:      code,
	})
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: eth: sign: %w", anchor.ErrBadInput, err)
	}
	addr := crypto.CreateAddress(from, nonce)
	if err := client.SendTransaction(ctx, tx); err != nil {
		return common.Address{}, couldNotCheck(fmt.Sprintf("send the deployment (nonce %d)", nonce), err)
	}
	if opts.Logger != nil {
		opts.Logger.Info("eth: contract deployment sent", "tx", tx.Hash().Hex(), "nonce", nonce, "address", addr.Hex())
	}
	rcpt, err := waitReceipt(ctx, client, tx.Hash())
	if err != nil {
		return common.Address{}, couldNotCheck(fmt.Sprintf("deployment %s of %s", tx.Hash().Hex(), addr.Hex()), err)
	}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return common.Address{}, reject("deployment "+tx.Hash().Hex()+" of "+addr.Hex()+" reverted: receipt status", "1", "0", nil)
	}
	got, err := client.CodeAt(ctx, addr, rcpt.BlockNumber)
	if err != nil {
		return common.Address{}, couldNotCheck("contract code", err)
	}
	if !bytes.Equal(got, ContractRuntime()) {
		return common.Address{}, reject("deployment "+tx.Hash().Hex()+": the code at "+addr.Hex(), describeCode(ContractRuntime()), describeCode(got), nil)
	}
	return addr, nil
}

// describeCode names code in an error: its length and keccak256.
func describeCode(code []byte) string {
	return fmt.Sprintf("%d bytes, keccak256 %x", len(code), crypto.Keccak256(code))
}

// waitReceipt polls the receipt of txHash, every 50 ms at first and at
// most every 2 s, until it is there or ctx is done.
func waitReceipt(ctx context.Context, client Client, txHash common.Hash) (*types.Receipt, error) {
	wait := 50 * time.Millisecond
	for {
		rcpt, err := client.TransactionReceipt(ctx, txHash)
		switch {
		case err == nil:
			return rcpt, nil
		case !notFound(err):
			if cerr := ctx.Err(); cerr != nil {
				// The call failed because the deadline came during it: the
				// client's transport may say so its own way ("i/o timeout"
				// from the simulated backend's pipe), so say the deadline.
				return nil, fmt.Errorf("%w: %w", cerr, err)
			}
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// fees returns the tip and the max fee per gas of a transaction sent now,
// by the policy [Anchorer.Anchor] follows: the node's tip suggestion (at
// most MaxTipPerGas), 2 × base fee + tip capped at MaxFeePerGas, and a
// [*FeeError] if base fee + tip is above the cap.
func fees(ctx context.Context, client Client, opts Options) (tip, maxFee *big.Int, err error) {
	head, err := client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, nil, couldNotCheck("head", err)
	}
	tip, err = client.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, nil, couldNotCheck("tip", err)
	}
	if tip.Cmp(opts.MaxTipPerGas) > 0 {
		return nil, nil, &FeeError{What: "maxPriorityFeePerGas", Limit: opts.MaxTipPerGas.String(), Asked: tip.String()}
	}
	baseFee := head.BaseFee
	if baseFee == nil {
		baseFee = new(big.Int)
	}
	maxFee = new(big.Int).Add(new(big.Int).Mul(baseFee, big.NewInt(2)), tip)
	if maxFee.Cmp(opts.MaxFeePerGas) > 0 {
		if minFee := new(big.Int).Add(baseFee, tip); minFee.Cmp(opts.MaxFeePerGas) > 0 {
			return nil, nil, &FeeError{What: "maxFeePerGas", Limit: opts.MaxFeePerGas.String(), Asked: minFee.String()}
		}
		maxFee = new(big.Int).Set(opts.MaxFeePerGas)
	}
	return tip, maxFee, nil
}
