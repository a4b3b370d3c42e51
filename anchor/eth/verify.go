package eth

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/ethereum/go-ethereum/trie/trienode"
)

// A Verifier checks entries of kind "eth" offline, for one chain and sink
// (or, with a zero sink, any sink of that chain). It trusts nothing but
// the block hash the entry names, and proves everything else from it: the
// header hashes to it, the transaction is in the header's transactions
// trie at its index, its receipt is in the header's receipts trie at the
// same index with status 1, the transaction is to the sink with calldata
// [Prefix] ‖ root on the chain. Whether that block is canonical is the
// caller's to learn elsewhere: [OnlineVerifier] asks RPC endpoints. An
// event verifier ([NewEventVerifier]) checks entries of kind "eth-event"
// the same way, with the contract's calldata, and the contract's log in
// the proven receipt.
type Verifier struct {
	chainID uint64
	sink    common.Address
	any     bool
	event   bool // kind "eth-event": see NewEventVerifier
}

// NewVerifier returns the offline verifier of entries of chain chainID
// anchored by calldata to sink.
func NewVerifier(chainID uint64, sink common.Address) *Verifier {
	return &Verifier{chainID: chainID, sink: sink}
}

// NewChainVerifier returns the offline verifier of entries of chain
// chainID to any sink (its Target is "").
func NewChainVerifier(chainID uint64) *Verifier {
	return &Verifier{chainID: chainID, any: true}
}

// Kind returns "eth", or "eth-event" for an event verifier.
func (v *Verifier) Kind() string {
	if v.event {
		return EventKind
	}
	return Kind
}

// Target returns the target it verifies the entries of, "" for every sink.
func (v *Verifier) Target() string {
	if v.any {
		return ""
	}
	return targetOf(v.Kind(), v.chainID, v.sink)
}

// VerifyOffline checks that entry anchors root. It returns nil, an error
// wrapping [anchor.ErrPending] for a pending entry (which it checks as far
// as it goes: the transaction's calldata must be root's), [anchor.ErrAnchor]
// (a [*RejectError]) for an entry that does not anchor root, or
// [anchor.ErrBadInput] for one [ParseEthEntry] refuses.
func (v *Verifier) VerifyOffline(root anchor.Hash, entry anchor.Entry) error {
	x, err := ParseEthEntry(entry)
	if err != nil {
		return err
	}
	_, err = v.verify(root, x)
	return err
}

// verified is what verify learned.
type verified struct {
	tx       *types.Transaction
	from     common.Address
	header   *types.Header // nil for a pending entry
	complete bool
}

func (v *Verifier) verify(root anchor.Hash, x *Entry) (*verified, error) {
	if x.Kind != v.Kind() {
		return nil, reject("kind", v.Kind(), x.Kind, nil)
	}
	chainID, sink, _ := parseTarget(x.Kind, x.Target)
	if chainID != v.chainID {
		return nil, reject("target chain id", strconv.FormatUint(v.chainID, 10), strconv.FormatUint(chainID, 10), nil)
	}
	if x.ChainID != v.chainID {
		return nil, reject("chainId", strconv.FormatUint(v.chainID, 10), strconv.FormatUint(x.ChainID, 10), nil)
	}
	if !v.any && sink != v.sink {
		return nil, reject("target sink", hex.EncodeToString(v.sink[:]), hex.EncodeToString(sink[:]), nil)
	}
	txBytes := mustHex(x.Tx)
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(txBytes); err != nil {
		return nil, reject("tx decodes", "", "", err)
	}
	if h := tx.Hash(); hex.EncodeToString(h[:]) != x.TxHash {
		return nil, reject("txHash", x.TxHash, hex.EncodeToString(h[:]), nil)
	}
	if tx.ChainId() == nil || !tx.ChainId().IsUint64() || tx.ChainId().Uint64() != v.chainID {
		return nil, reject("tx chain id", strconv.FormatUint(v.chainID, 10), fmt.Sprint(tx.ChainId()), nil)
	}
	if tx.To() == nil || *tx.To() != sink {
		return nil, reject("tx to", hex.EncodeToString(sink[:]), fmt.Sprint(tx.To()), nil)
	}
	if want := payload(v.event, root); !bytes.Equal(tx.Data(), want) {
		return nil, reject("tx data", hex.EncodeToString(want), hex.EncodeToString(tx.Data()), nil)
	}
	if tx.Nonce() != x.Nonce {
		return nil, reject("nonce", strconv.FormatUint(x.Nonce, 10), strconv.FormatUint(tx.Nonce(), 10), nil)
	}
	from, err := types.Sender(types.LatestSignerForChainID(new(big.Int).SetUint64(v.chainID)), tx)
	if err != nil {
		return nil, reject("tx signature", "", "", err)
	}
	if hex.EncodeToString(from[:]) != x.From {
		return nil, reject("from", x.From, hex.EncodeToString(from[:]), nil)
	}
	out := &verified{tx: tx, from: from}
	if !x.Complete() {
		return out, fmt.Errorf("%w: eth: transaction %s is not in a block yet", anchor.ErrPending, x.TxHash)
	}

	// The block: its header hashes to the block hash the entry names.
	header := new(types.Header)
	if err := rlp.DecodeBytes(mustHex(x.Header), header); err != nil {
		return nil, reject("header decodes", "", "", err)
	}
	if h := header.Hash(); hex.EncodeToString(h[:]) != x.BlockHash {
		return nil, reject("header hash", x.BlockHash, hex.EncodeToString(h[:]), nil)
	}
	if !header.Number.IsUint64() || header.Number.Uint64() != *x.BlockNumber {
		return nil, reject("blockNumber", strconv.FormatUint(*x.BlockNumber, 10), header.Number.String(), nil)
	}
	key := rlp.AppendUint64(nil, *x.Index)

	// The transaction is in the transactions trie at its index.
	val, err := proveValue(header.TxHash, key, mustHex(x.TxProof))
	if err != nil {
		return nil, reject("txProof against header.TxHash "+header.TxHash.Hex(), "", "", err)
	}
	if !bytes.Equal(val, txBytes) {
		return nil, reject("txProof value is the transaction", x.TxHash, crypto.Keccak256Hash(val).Hex()[2:], nil)
	}

	// Its receipt is in the receipts trie at the same index, status 1.
	val, err = proveValue(header.ReceiptHash, key, mustHex(x.ReceiptProof))
	if err != nil {
		return nil, reject("receiptProof against header.ReceiptHash "+header.ReceiptHash.Hex(), "", "", err)
	}
	if !bytes.Equal(val, mustHex(x.Receipt)) {
		return nil, reject("receiptProof value is the receipt", x.Receipt, hex.EncodeToString(val), nil)
	}
	r := new(types.Receipt)
	if err := r.UnmarshalBinary(val); err != nil {
		return nil, reject("receipt decodes", "", "", err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return nil, reject("receipt status", "1", strconv.FormatUint(r.Status, 10), nil)
	}
	if r.Type != tx.Type() {
		return nil, reject("receipt type", strconv.Itoa(int(tx.Type())), strconv.Itoa(int(r.Type)), nil)
	}
	if v.event {
		if err := checkEventLog(r, sink, root, from); err != nil {
			return nil, err
		}
	}
	out.header, out.complete = header, true
	return out, nil
}

// proveValue checks a Merkle-Patricia proof, an RLP list of trie nodes, with
// go-ethereum's trie.VerifyProof, and returns the value at key. An absent
// key is an error.
func proveValue(root common.Hash, key, proof []byte) ([]byte, error) {
	var nodes trienode.ProofList
	if err := rlp.DecodeBytes(proof, &nodes); err != nil {
		return nil, err
	}
	val, err := trie.VerifyProof(root, key, nodes.Set())
	if err != nil {
		return nil, err
	}
	if val == nil {
		return nil, fmt.Errorf("the proof shows index %x absent", key)
	}
	return val, nil
}

var _ anchor.TargetVerifier = (*Verifier)(nil)
