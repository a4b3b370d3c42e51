package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
)

// TestParseEthTxRejectsANonTransaction: bump re-prices the transaction a
// journal's eth entry holds. An entry whose tx is well-formed hex but no
// transaction is bad input (2), found with errors.Is; the same entry
// holding a transaction parses, with the transaction's fee cap.
func TestParseEthTxRejectsANonTransaction(t *testing.T) {
	entry := func(tx string) anchor.Entry {
		t.Helper()
		b, err := json.Marshal(eth.Entry{
			Kind: eth.Kind, Target: "eth:1337:" + strings.Repeat("5e", 20), ChainID: 1337, Nonce: 7,
			From: strings.Repeat("ab", 20), TxHash: strings.Repeat("cd", 32), Tx: tx,
		})
		if err != nil {
			t.Fatal(err)
		}
		e, err := anchor.ParseEntry(b)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	bin, err := types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1337), Nonce: 7, GasFeeCap: big.NewInt(12345), Gas: 30_000}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	x, tx, err := parseEthTx(entry(hex.EncodeToString(bin)))
	if err != nil || x.Nonce != 7 || tx.GasFeeCap().Int64() != 12345 {
		t.Fatalf("a transaction: %v, %+v", err, x)
	}
	for name, h := range map[string]string{
		"one byte":           "00",
		"a transaction, cut": hex.EncodeToString(bin[:len(bin)-1]),
	} {
		_, _, err := parseEthTx(entry(h))
		if !errors.Is(err, anchor.ErrBadInput) {
			t.Errorf("%s: %v, want anchor.ErrBadInput", name, err)
		}
	}
}
