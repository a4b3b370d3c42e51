package eth

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ethereum/go-ethereum/common"
)

// Kind is the kind of the entries this package makes and verifies.
const Kind = "eth"

// Prefix is what the calldata of an anchoring transaction starts with; the
// 32-byte root follows it, so the calldata is 52 bytes.
const Prefix = "selfattest/anchor/v1"

// Calldata returns the calldata that anchors root: [Prefix] ‖ root.
func Calldata(root anchor.Hash) []byte {
	return append([]byte(Prefix), root[:]...)
}

// Target returns the name of the target that anchors by calldata sent to
// sink on chain chainID: "eth:<chainID>:<sink, 40 lowercase hex digits>".
func Target(chainID uint64, sink common.Address) string {
	return targetOf(Kind, chainID, sink)
}

// targetOf returns "<kind>:<chainID>:<address, 40 lowercase hex digits>".
func targetOf(kind string, chainID uint64, addr common.Address) string {
	return kind + ":" + strconv.FormatUint(chainID, 10) + ":" + hex.EncodeToString(addr[:])
}

// parseTarget reads a name made by [Target] (kind [Kind]) or
// [EventTarget] (kind [EventKind]).
func parseTarget(kind, s string) (uint64, common.Address, bool) {
	rest, ok := strings.CutPrefix(s, kind+":")
	if !ok {
		return 0, common.Address{}, false
	}
	id, sink, ok := strings.Cut(rest, ":")
	if !ok || len(sink) != 40 || strings.ToLower(sink) != sink || id == "" || (id[0] == '0' && len(id) > 1) {
		return 0, common.Address{}, false
	}
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return 0, common.Address{}, false
	}
	b, err := hex.DecodeString(sink)
	if err != nil {
		return 0, common.Address{}, false
	}
	return n, common.BytesToAddress(b), true
}

// An Entry is an anchor entry of kind "eth" or "eth-event", decoded but
// not verified. The
// pending entry has the members up to Tx; the complete one has them all.
// Binary values are lowercase hex without "0x", as in the receipt format.
type Entry struct {
	Kind    string `json:"kind"`
	Target  string `json:"target"`
	ChainID uint64 `json:"chainId"`
	From    string `json:"from"`   // 40 hex: the sender
	Nonce   uint64 `json:"nonce"`  // the transaction's nonce
	TxHash  string `json:"txHash"` // 64 hex
	Tx      string `json:"tx"`     // the signed transaction, its binary (EIP-2718) encoding

	BlockHash    string  `json:"blockHash,omitempty"`    // 64 hex: the only value trusted from outside
	BlockNumber  *uint64 `json:"blockNumber,omitempty"`  // the header's number
	Header       string  `json:"header,omitempty"`       // the block header, RLP
	Index        *uint64 `json:"index,omitempty"`        // the transaction's index in the block
	TxProof      string  `json:"txProof,omitempty"`      // RLP list of the trie nodes from header.TxHash to the transaction
	Receipt      string  `json:"receipt,omitempty"`      // the receipt, its consensus (EIP-2718) encoding
	ReceiptProof string  `json:"receiptProof,omitempty"` // RLP list of the trie nodes from header.ReceiptHash to the receipt
}

// Complete reports whether e carries the block and the proofs, rather than
// only the transaction (pending).
func (e *Entry) Complete() bool {
	return e.BlockHash != "" || e.Header != "" || e.TxProof != "" || e.Receipt != "" || e.ReceiptProof != "" || e.BlockNumber != nil || e.Index != nil
}

// ParseEthEntry decodes an anchor entry of kind "eth" or "eth-event" (the
// same members). It checks the JSON shape only: the members and their
// types, hex of the right alphabet and length, a target named as [Target]
// (or, for "eth-event", [EventTarget]) names it, the block members all
// present or all absent. A shape it refuses is an error wrapping
// [anchor.ErrBadInput]; what the hex values say is checked by
// [Verifier.VerifyOffline].
func ParseEthEntry(e anchor.Entry) (*Entry, error) {
	var x Entry
	if err := e.Decode(&x); err != nil {
		return nil, err
	}
	// Decode accepts an absent member; the pending members are required.
	var present map[string]json.RawMessage
	if err := json.Unmarshal(e.JSON(), &present); err != nil {
		return nil, badInput("entry", err.Error())
	}
	for _, m := range []string{"kind", "target", "chainId", "from", "nonce", "txHash", "tx"} {
		if _, ok := present[m]; !ok {
			return nil, badInput(m, "missing")
		}
	}
	if x.Kind != Kind && x.Kind != EventKind {
		return nil, badInput("kind", "not "+strconv.Quote(Kind)+" or "+strconv.Quote(EventKind))
	}
	if _, _, ok := parseTarget(x.Kind, x.Target); !ok {
		return nil, badInput("target", `not "`+x.Kind+`:<chain id>:<40 lowercase hex digits>"`)
	}
	if err := hexLen(x.From, 20, "from"); err != nil {
		return nil, err
	}
	if err := hexLen(x.TxHash, 32, "txHash"); err != nil {
		return nil, err
	}
	if err := hexAny(x.Tx, "tx"); err != nil {
		return nil, err
	}
	if !x.Complete() {
		return &x, nil
	}
	for _, m := range []string{"blockHash", "blockNumber", "header", "index", "txProof", "receipt", "receiptProof"} {
		if _, ok := present[m]; !ok {
			return nil, badInput(m, "missing from a complete entry")
		}
	}
	if err := hexLen(x.BlockHash, 32, "blockHash"); err != nil {
		return nil, err
	}
	for _, f := range []struct{ v, name string }{{x.Header, "header"}, {x.TxProof, "txProof"}, {x.Receipt, "receipt"}, {x.ReceiptProof, "receiptProof"}} {
		if err := hexAny(f.v, f.name); err != nil {
			return nil, err
		}
	}
	return &x, nil
}

// entry returns e as an [anchor.Entry].
func (e *Entry) entry() (anchor.Entry, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return anchor.Entry{}, err
	}
	return anchor.ParseEntry(data)
}

func hexLen(s string, n int, field string) error {
	if len(s) != 2*n {
		return badInput(field, "not "+strconv.Itoa(2*n)+" lowercase hex digits")
	}
	return hexAny(s, field)
}

func hexAny(s, field string) error {
	if s == "" || len(s)%2 != 0 || len(s) > 2*anchor.MaxReceiptSize {
		return badInput(field, "not lowercase hex of whole bytes")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return badInput(field, "not lowercase hex")
		}
	}
	return nil
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("eth: hex checked by ParseEthEntry does not decode: %v", err))
	}
	return b
}
