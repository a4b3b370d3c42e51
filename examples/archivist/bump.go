package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
	"github.com/ats-run/selfattest/examples/internal/evidence"
)

// bumpTarget is an eth target bump re-prices anchors at: the anchorer
// (with the sending key) and the node it asks for the base fee.
type bumpTarget struct {
	a      *eth.Anchorer
	client eth.Client
}

// A bumped is what bump did with one pending anchor.
type bumped struct {
	Batch   uint64 `json:"batch"`
	Target  string `json:"target"`
	Outcome string `json:"outcome"` // "bumped", "not stuck", or an Outcome of an error
	Nonce   uint64 `json:"nonce"`
	FeeCap  string `json:"feeCap"`            // the waiting transaction's max fee per gas, wei
	BaseFee string `json:"baseFee,omitempty"` // the head's base fee, wei
	TxHash  string `json:"txHash,omitempty"`  // the replacement
	NewCap  string `json:"newFeeCap,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// bumpAll re-prices, at each target, the pending anchor of every batch
// whose transaction is stuck: its fee cap is below the base fee of the
// node's head block, so no block can include it until the base fee falls.
// With all, it re-prices every pending anchor still waiting. It finds
// each pending entry in the journal (the batch's receipt holds it) and
// calls eth.Anchorer.Bump, which sends a replacement at the same nonce
// with fees raised by an eighth, within --max-fee-gwei. The journal keeps
// the old entry: the next upgrade follows the nonce to the replacement.
//
// The error joins each anchor's failure (a *anchor.TargetError): a
// replacement over the fee cap, a transaction no longer in the node's
// pool (mined or dropped: run upgrade) is could not check. A pending
// anchor it cannot read (the journal's receipt for its batch unreadable,
// without an entry for the target, or with one that does not parse)
// stops it there; the error then joins that one to the failures before
// it, none of which is lost.
func bumpAll(ctx context.Context, j *anchor.Journal, targets []bumpTarget, all bool) ([]bumped, error) {
	bs, err := j.Batches()
	if err != nil {
		return nil, err
	}
	var out []bumped
	var errs []error
	for _, t := range targets {
		var baseFee *big.Int
		for _, b := range bs {
			st := statusAt(b, t.a.Name())
			if st == nil || st.State != anchor.StatePending || st.Unsent {
				continue // an unsent anchor is anchor's to send
			}
			r, err := j.Receipt(anchor.ItemID(b.ID)) // a batch's id is its first item's
			if err != nil {
				return out, errors.Join(append(errs, err)...)
			}
			entry := entryAt(r, t.a.Name())
			if entry.IsZero() {
				return out, errors.Join(append(errs, fmt.Errorf("%w: batch %d: the journal's receipt has no entry for %s", anchor.ErrBadInput, b.ID, t.a.Name()))...)
			}
			x, tx, err := parseEthTx(entry)
			if err != nil {
				return out, errors.Join(append(errs, err)...)
			}
			bp := bumped{Batch: uint64(b.ID), Target: t.a.Name(), Nonce: x.Nonce, FeeCap: tx.GasFeeCap().String()}
			if baseFee == nil {
				head, err := t.client.HeaderByNumber(ctx, nil)
				if err != nil {
					return out, errors.Join(append(errs, &anchor.TargetError{Target: t.a.Name(), Err: fmt.Errorf("%w: the head block: %w", anchor.ErrCouldNotCheck, err)})...)
				}
				if head.BaseFee == nil {
					return out, errors.Join(append(errs, &anchor.TargetError{Target: t.a.Name(), Err: fmt.Errorf("%w: the head block has no base fee (not an EIP-1559 chain)", anchor.ErrCouldNotCheck)})...)
				}
				baseFee = head.BaseFee
			}
			bp.BaseFee = baseFee.String()
			if !all && tx.GasFeeCap().Cmp(baseFee) >= 0 {
				bp.Outcome = "not stuck"
				out = append(out, bp)
				continue
			}
			nu, err := t.a.Bump(ctx, b.Root, entry)
			if err != nil {
				err = &anchor.TargetError{Target: t.a.Name(), Err: fmt.Errorf("batch %d: %w", b.ID, err)}
				bp.Outcome, bp.Reason = evidence.Outcome(err), err.Error()
				errs = append(errs, err)
				out = append(out, bp)
				continue
			}
			nx, ntx, err := parseEthTx(nu)
			if err != nil {
				return out, errors.Join(append(errs, err)...)
			}
			bp.Outcome, bp.TxHash, bp.NewCap = "bumped", "0x"+nx.TxHash, ntx.GasFeeCap().String()
			out = append(out, bp)
		}
	}
	return out, errors.Join(errs...)
}

// statusAt is batch b's anchor at target, nil if it has none there (the
// last, should it have several).
func statusAt(b anchor.BatchStatus, target string) *anchor.AnchorStatus {
	var st *anchor.AnchorStatus
	for i := range b.Anchors {
		if b.Anchors[i].Target == target {
			st = &b.Anchors[i]
		}
	}
	return st
}

// entryAt is receipt r's entry at target, the zero Entry if it has none
// there (the last, should it have several).
func entryAt(r *anchor.Receipt, target string) anchor.Entry {
	var entry anchor.Entry
	for _, e := range r.Anchors {
		if e.Target == target {
			entry = e
		}
	}
	return entry
}

// parseEthTx parses an eth or eth-event entry and decodes its
// transaction (hex of its EIP-2718 encoding; ParseEthEntry checked the
// hex).
func parseEthTx(e anchor.Entry) (*eth.Entry, *types.Transaction, error) {
	x, err := eth.ParseEthEntry(e)
	if err != nil {
		return nil, nil, err
	}
	b, err := hex.DecodeString(x.Tx)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: eth entry tx: %w", anchor.ErrBadInput, err)
	}
	var tx types.Transaction
	if err := tx.UnmarshalBinary(b); err != nil {
		return nil, nil, fmt.Errorf("%w: eth entry tx: %w", anchor.ErrBadInput, err)
	}
	return x, &tx, nil
}

const bumpArgs = "--to eth|eth-event[,...] [eth flags] [--all] [--journal F] [--json]"

func (e env) bump(ctx context.Context, args []string) int {
	fs := e.newFlagSet("bump", bumpArgs)
	c, tf := registerTargetCommand(fs, true)
	all := fs.Bool("all", false, "re-price every pending anchor still waiting in the pool, not only those whose fee cap is below the base fee")
	if code := parseFlagsOnly(fs, args); code >= 0 {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, tf.Timeout)
	defer cancel()
	if err := c.exists(); err != nil {
		return e.fail(err)
	}
	kinds, err := evidence.ParseTargets(tf.To)
	if err != nil {
		return e.fail(err)
	}
	var targets []bumpTarget
	for _, k := range kinds {
		if k != evidence.KindEth && k != evidence.KindEthEvent {
			return e.fail(fmt.Errorf("%w: bump re-prices eth and eth-event anchors only, not %s", errUsage, k))
		}
		if tf.Eth.RPC == "" {
			return e.fail(fmt.Errorf("%w: the %s target needs --eth-rpc", errUsage, k))
		}
		cl, err := evidence.DialEth(ctx, tf.Eth.RPC)
		if err != nil {
			return e.fail(err)
		}
		defer cl.Close()
		var a *eth.Anchorer
		if k == evidence.KindEth {
			a, err = evidence.EthTarget(ctx, cl, tf.Eth, true)
		} else {
			a, err = evidence.EthEventTarget(ctx, cl, tf.Eth, true)
		}
		if err != nil {
			return e.fail(err)
		}
		targets = append(targets, bumpTarget{a: a, client: cl})
	}
	j, err := c.open(false, e.logger())
	if err != nil {
		return e.fail(err)
	}
	defer j.Close()
	done, err := bumpAll(ctx, j, targets, *all)
	if err != nil {
		fmt.Fprintf(e.stderr, "archivist: %v\n", err)
	}
	if c.asJSON {
		e.printJSON(struct {
			Journal string   `json:"journal"`
			Anchors []bumped `json:"anchors"`
			Error   string   `json:"error,omitempty"`
		}{c.journal, done, evidence.ErrString(err)})
		return selfattest.ExitCode(err)
	}
	for _, b := range done {
		fmt.Fprintf(e.stdout, "batch %d at %s: %s (nonce %d, fee cap %s wei, base fee %s wei)", b.Batch, b.Target, b.Outcome, b.Nonce, b.FeeCap, b.BaseFee)
		if b.TxHash != "" {
			fmt.Fprintf(e.stdout, ": replaced by %s, fee cap %s wei", b.TxHash, b.NewCap)
		}
		if b.Reason != "" {
			fmt.Fprintf(e.stdout, ": %s", b.Reason)
		}
		fmt.Fprintln(e.stdout)
	}
	if len(done) == 0 {
		fmt.Fprintln(e.stdout, "no pending anchor at these targets")
	}
	return selfattest.ExitCode(err)
}
