package eth

import (
	"encoding/hex"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/ethereum/go-ethereum/trie/trienode"
	"github.com/ethereum/go-ethereum/triedb"
)

// trieHasher lets types.DeriveSha fill a go-ethereum trie.Trie, which can
// then Prove, exactly as it fills the StackTrie that computes a header's
// TxHash and ReceiptHash: same keys (RLP of the index), same values (each
// element's EIP-2718 encoding), same insertion.
type trieHasher struct{ t *trie.Trie }

func newTrieHasher() *trieHasher {
	return &trieHasher{trie.NewEmpty(triedb.NewDatabase(rawdb.NewMemoryDatabase(), nil))}
}

func (h *trieHasher) Reset() {
	h.t = trie.NewEmpty(triedb.NewDatabase(rawdb.NewMemoryDatabase(), nil))
}

// Update copies k and v, as ListHasher requires: DeriveSha reuses its
// buffers, and trie.Trie keeps the slices it is given.
func (h *trieHasher) Update(k, v []byte) error {
	return h.t.Update(common.CopyBytes(k), common.CopyBytes(v))
}
func (h *trieHasher) Hash() common.Hash { return h.t.Hash() }

// proveIndex builds the trie of list as types.DeriveSha does, checks that
// its root is want (the header's), and returns the proof of element i as
// an RLP list of nodes.
func proveIndex(list types.DerivableList, i uint64, want common.Hash, what string) ([]byte, error) {
	h := newTrieHasher()
	if got := types.DeriveSha(list, h); got != want {
		return nil, fmt.Errorf("the node's %s hash to %s, not the header's %s", what, got.Hex(), want.Hex())
	}
	var proof trienode.ProofList
	if err := h.t.Prove(rlp.AppendUint64(nil, i), &proof); err != nil {
		return nil, err
	}
	return rlp.EncodeToBytes(proof)
}

// completeEntry makes the complete entry of p's transaction, at index i of
// block b whose receipts are rs.
func completeEntry(p *Entry, b *types.Block, rs types.Receipts, i uint64) (*Entry, error) {
	if int(i) >= len(b.Transactions()) || len(rs) != len(b.Transactions()) {
		return nil, fmt.Errorf("block %s: %d transactions, %d receipts, index %d", b.Hash().Hex(), len(b.Transactions()), len(rs), i)
	}
	header, err := rlp.EncodeToBytes(b.Header())
	if err != nil {
		return nil, err
	}
	txProof, err := proveIndex(b.Transactions(), i, b.Header().TxHash, "transactions")
	if err != nil {
		return nil, err
	}
	receiptProof, err := proveIndex(rs, i, b.Header().ReceiptHash, "receipts")
	if err != nil {
		return nil, err
	}
	receipt, err := rs[i].MarshalBinary()
	if err != nil {
		return nil, err
	}
	c := *p
	bh := b.Hash()
	n := b.NumberU64()
	c.BlockHash = hex.EncodeToString(bh[:])
	c.BlockNumber = &n
	c.Header = hex.EncodeToString(header)
	c.Index = &i
	c.TxProof = hex.EncodeToString(txProof)
	c.Receipt = hex.EncodeToString(receipt)
	c.ReceiptProof = hex.EncodeToString(receiptProof)
	return &c, nil
}
