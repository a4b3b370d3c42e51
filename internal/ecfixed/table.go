package ecfixed

import "filippo.io/nistec"

// The table splits a scalar into 4-bit windows (nibbles): a 384-bit scalar
// has 96 of them, and the multiples 1 to 15 of a window's base point are
// stored. The multiple 0 is the point at infinity and is not stored.
const (
	scalarBytes    = 48 // the length of a P-384 scalar, big-endian
	tableWindows   = 2 * scalarBytes
	tableMultiples = 15
)

// fixedTable holds, at t[i][j-1], the point j·16^i·Q for a fixed point Q,
// window i in [0, 96) counted from the least significant nibble of the
// scalar, and multiple j in [1, 15].
//
// The points are immutable once the table is built: mult only reads them,
// so one table serves concurrent callers.
type fixedTable [tableWindows][tableMultiples]*nistec.P384Point

// newFixedTable precomputes the multiples of q. q must not be the point at
// infinity (it would only make a table of infinities, but callers reject it
// earlier). The cost is 96×7 additions and 96×8 doublings.
func newFixedTable(q *nistec.P384Point) *fixedTable {
	t := new(fixedTable)
	base := nistec.NewP384Point().Set(q) // 16^i·q
	for i := range t {
		row := &t[i]
		row[0] = nistec.NewP384Point().Set(base)
		for j := 2; j <= tableMultiples; j++ {
			p := nistec.NewP384Point()
			if j%2 == 0 {
				p.Double(row[j/2-1]) // j·B = 2·(j/2)·B
			} else {
				p.Add(row[j-2], base) // j·B = (j-1)·B + B
			}
			row[j-1] = p
		}
		base.Double(row[7]) // 16·B = 2·(8·B)
	}
	return t
}

// mult returns scalar·Q for the big-endian scalar, as the sum over the
// nonzero nibbles d of window i of the table entries d·16^i·Q: at most 96
// additions and no doubling.
//
// It is not constant time: which entries are read, and how many additions
// are made, depends on the scalar. Verification only ever passes it public
// values (derived from the signature and the hash).
//
// The additions use nistec's complete formulas, which are correct for every
// pair of points, including equal points, opposite points and the point at
// infinity, so no input can reach an exceptional case.
func (t *fixedTable) mult(scalar *[scalarBytes]byte) *nistec.P384Point {
	acc := nistec.NewP384Point() // the point at infinity
	for k, b := range scalar {
		// Byte k, counted from the most significant, holds the windows
		// 2·(47-k)+1 (high nibble) and 2·(47-k) (low nibble).
		w := 2 * (scalarBytes - 1 - k)
		if d := b >> 4; d != 0 {
			acc.Add(acc, t[w+1][d-1])
		}
		if d := b & 0x0f; d != 0 {
			acc.Add(acc, t[w][d-1])
		}
	}
	return acc
}
