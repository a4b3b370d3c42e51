package anchor

import (
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"strconv"
	"sync"
)

// MaxTreeSize is the largest batch, and the largest tree size a receipt
// may state: 2^40 items, whose proofs have at most 40 hashes.
const MaxTreeSize = 1 << 40

// A Batch is an RFC 6962 tree over items of evidence, in order. It is
// immutable once built and safe for concurrent use.
type Batch struct {
	items  []Evidence
	levels [][]Hash // levels[0] the leaves; the last level holds the tree hash
	hexes  hexCache // for AppendReceipt
}

// NewBatch builds the tree of items. It returns an error wrapping
// [ErrBadInput] if there is no item, more than [MaxTreeSize], or an item
// that cannot be used (a [*FormatError] naming it). The batch keeps items;
// the caller must not modify them afterwards. On a machine with several
// cores the hashing is spread over them; every goroutine ends before
// NewBatch returns.
func NewBatch(items []Evidence) (*Batch, error) {
	if len(items) == 0 {
		return nil, badInput("items", "a batch needs at least one item")
	}
	if uint64(len(items)) > MaxTreeSize {
		return nil, badInput("items", "more than MaxTreeSize items")
	}
	for i := range items {
		if err := items[i].check(); err != nil {
			fe := err.(*FormatError)
			fe.Field = "items[" + strconv.Itoa(i) + "]." + fe.Field
			return nil, fe
		}
	}
	leaves := make([]Hash, len(items))
	parallel(len(items), func(lo, hi int) {
		var buf [1 + len(leafDomain) + 16 + 6 + 64 + MaxMediaTypeLen + MaxNameLen]byte
		for i := lo; i < hi; i++ {
			leaves[i] = items[i].leafHash(buf[:0])
		}
	})
	b := &Batch{items: items, levels: [][]Hash{leaves}}
	for lvl := leaves; len(lvl) > 1; {
		next := make([]Hash, (len(lvl)+1)/2)
		parallel(len(next), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if 2*i+1 < len(lvl) {
					next[i] = hashChildren(&lvl[2*i], &lvl[2*i+1])
				} else {
					next[i] = lvl[2*i] // RFC 6962: the last odd node moves up unchanged
				}
			}
		})
		b.levels = append(b.levels, next)
		lvl = next
	}
	return b, nil
}

// hashChildren is RFC 6962's interior node: SHA-256(0x01 || l || r).
func hashChildren(l, r *Hash) Hash {
	var buf [65]byte
	buf[0] = 0x01
	copy(buf[1:33], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// parallel runs fn over [0, n) in contiguous parts, one per core, and
// returns when all are done.
func parallel(n int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if w < 2 || n < 8192 {
		fn(0, n)
		return
	}
	part := (n + w - 1) / w
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += part {
		hi := min(lo+part, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// Root returns the batch's root, the value anchored: the tree hash bound
// to the tree size (see "The root" in the package documentation).
func (b *Batch) Root() Hash { return BatchRoot(uint64(len(b.items)), b.TreeHash()) }

// TreeHash returns the RFC 6962 Merkle Tree Hash of the batch's leaves.
func (b *Batch) TreeHash() Hash { return b.levels[len(b.levels)-1][0] }

// rootDomain starts the data of every batch root.
const rootDomain = "selfattest/anchor/batch/v1\x00"

// BatchRoot returns the root of a batch of treeSize items whose RFC 6962
// tree hash is treeHash: SHA-256(0x02 || "selfattest/anchor/batch/v1" ||
// 0x00 || u64(treeSize) || treeHash).
func BatchRoot(treeSize uint64, treeHash Hash) Hash {
	var buf [1 + len(rootDomain) + 8 + 32]byte
	buf[0] = 0x02
	n := 1 + copy(buf[1:], rootDomain)
	binary.BigEndian.PutUint64(buf[n:], treeSize)
	copy(buf[n+8:], treeHash[:])
	return sha256.Sum256(buf[:])
}

// Len returns the number of items.
func (b *Batch) Len() int { return len(b.items) }

// Item returns item i.
func (b *Batch) Item(i int) Evidence { return b.items[i] }

// proof appends the RFC 6962 inclusion proof of leaf i to dst.
func (b *Batch) proof(dst []Hash, i int) []Hash {
	for _, lvl := range b.levels[:len(b.levels)-1] {
		if s := i ^ 1; s < len(lvl) {
			dst = append(dst, lvl[s])
		}
		i >>= 1
	}
	return dst
}

// Receipt returns the receipt of item i, with the anchor entries given (none
// for a root not anchored yet). The receipt shares no memory with the
// batch. It returns an error wrapping [ErrBadInput]
// if i is not an item's index.
func (b *Batch) Receipt(i int, anchors ...Entry) (*Receipt, error) {
	if i < 0 || i >= len(b.items) {
		return nil, badInput("index", "no item has index "+strconv.Itoa(i))
	}
	for k, e := range anchors {
		if e.raw == nil {
			return nil, badInput("anchors["+strconv.Itoa(k)+"]", "not an entry from ParseEntry")
		}
	}
	ev := b.items[i]
	ev.Digest = append([]byte(nil), ev.Digest...)
	return &Receipt{
		Evidence:  ev,
		LeafIndex: uint64(i),
		TreeSize:  uint64(len(b.items)),
		Proof:     b.proof(make([]Hash, 0, len(b.levels)-1), i),
		Root:      b.Root(),
		Anchors:   append([]Entry{}, anchors...),
	}, nil
}
