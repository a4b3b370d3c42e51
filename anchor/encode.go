package anchor

import (
	"strconv"
	"sync"
)

// hexPairs holds the two lowercase hex digits of every byte value.
const hexPairs = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

// appendHex appends b in lowercase hex, two digits per table lookup.
func appendHex(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexPairs[2*int(c)], hexPairs[2*int(c)+1])
	}
	return dst
}

// hexCacheLevel is the lowest level whose nodes' hex is cached for
// [Batch.AppendReceipt]: a node at level L is in the proofs of 2^L items,
// so levels from 3 up (an eighth of the nodes) carry most of the hex a
// batch's receipts hold.
const hexCacheLevel = 3

type hexCache struct {
	once   sync.Once
	levels [][]byte // levels[L-hexCacheLevel]: 64 hex digits per node
	root   []byte
}

func (b *Batch) hex() *hexCache {
	c := &b.hexes
	c.once.Do(func() {
		for _, lvl := range b.levels[min(hexCacheLevel, len(b.levels)):] {
			h := make([]byte, 64*len(lvl))
			parallel(len(lvl), func(lo, hi int) {
				for i := lo; i < hi; i++ {
					appendHex(h[64*i:64*i:64*i+64], lvl[i][:])
				}
			})
			c.levels = append(c.levels, h)
		}
		r := b.Root()
		c.root = appendHex(nil, r[:])
	})
	return c
}

// AppendReceipt appends the receipt of item i with the anchor entries
// given to dst: the bytes [Batch.Receipt] then [Receipt.Marshal] give,
// without building the Receipt. It is the fast way to write a whole
// batch's receipts, and is safe to call from several goroutines. The
// first call hexes the tree's upper nodes once (64 bytes for an eighth of
// the nodes).
func (b *Batch) AppendReceipt(dst []byte, i int, anchors ...Entry) ([]byte, error) {
	if i < 0 || i >= len(b.items) {
		return dst, badInput("index", "no item has index "+strconv.Itoa(i))
	}
	if len(anchors) > MaxAnchors {
		return dst, badInput("anchors", "more than 64 entries")
	}
	c := b.hex()
	e := &b.items[i]
	dst = append(dst, `{"schema":"`+ReceiptSchema+`","evidence":{"name":`...)
	dst = appendString(dst, e.Name)
	dst = append(dst, `,"mediaType":`...)
	dst = appendString(dst, e.MediaType)
	dst = append(dst, `,"digest":{"alg":"`...)
	dst = append(dst, e.Algorithm...)
	dst = append(dst, `","hex":"`...)
	dst = appendHex(dst, e.Digest)
	dst = append(dst, `"}},"leafIndex":`...)
	dst = strconv.AppendUint(dst, uint64(i), 10)
	dst = append(dst, `,"treeSize":`...)
	dst = strconv.AppendUint(dst, uint64(len(b.items)), 10)
	dst = append(dst, `,"proof":[`...)
	first := true
	for l, lvl := range b.levels[:len(b.levels)-1] {
		j := i >> l
		s := j ^ 1
		if s >= len(lvl) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		if l >= hexCacheLevel {
			dst = append(dst, c.levels[l-hexCacheLevel][64*s:64*s+64]...)
		} else {
			dst = appendHex(dst, lvl[s][:])
		}
		dst = append(dst, '"')
	}
	dst = append(dst, `],"root":"`...)
	dst = append(dst, c.root...)
	dst = append(dst, `","anchors":[`...)
	for k, a := range anchors {
		if a.raw == nil {
			return dst, badInput("anchors["+strconv.Itoa(k)+"]", "not an entry from ParseEntry")
		}
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, a.raw...)
	}
	return append(dst, "]}"...), nil
}
