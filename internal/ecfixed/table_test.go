package ecfixed

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"
	"math/big"
	"testing"

	"filippo.io/nistec"
)

// TestTableMult checks the table's scalar multiplication against nistec's
// own ScalarMult, for scalars that use every window and multiple.
func TestTableMult(t *testing.T) {
	q, err := nistec.NewP384Point().ScalarBaseMult(randomBytes(t, 48))
	if err != nil {
		t.Fatal(err)
	}
	table := newFixedTable(q)

	n := orderN()
	one := big.NewInt(1)
	scalars := map[string]*big.Int{
		"0":         new(big.Int),
		"1":         one,
		"15":        big.NewInt(15),
		"16":        big.NewInt(16),
		"n-1":       new(big.Int).Sub(n, one),
		"n":         n,
		"2^384-1":   new(big.Int).Sub(new(big.Int).Lsh(one, 384), one),
		"2^383":     new(big.Int).Lsh(one, 383),
		"0x1111...": new(big.Int).SetBytes(bytes.Repeat([]byte{0x11}, 48)),
	}
	for i := range 16 {
		scalars[fmt.Sprintf("random %d", i)] = new(big.Int).SetBytes(randomBytes(t, 48))
	}
	// Every multiple in every window, one at a time.
	for w := range tableWindows {
		for j := 1; j <= tableMultiples; j += 7 {
			scalars[fmt.Sprintf("%d·16^%d", j, w)] = new(big.Int).Lsh(big.NewInt(int64(j)), uint(4*w))
		}
	}
	for name, k := range scalars {
		var kb [scalarBytes]byte
		k.FillBytes(kb[:])
		want, err := nistec.NewP384Point().ScalarMult(q, kb[:])
		if err != nil {
			t.Fatal(err)
		}
		if got := table.mult(&kb); !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("scalar %s (%x): table gives %x, ScalarMult %x", name, kb, got.Bytes(), want.Bytes())
		}
	}
}

// TestTableEntries checks every entry of a table against its definition,
// t[i][j-1] = j·16^i·Q.
func TestTableEntries(t *testing.T) {
	q := nistec.NewP384Point().SetGenerator()
	table := newFixedTable(q)
	for i := range tableWindows {
		for j := 1; j <= tableMultiples; j++ {
			var kb [scalarBytes]byte
			new(big.Int).Lsh(big.NewInt(int64(j)), uint(4*i)).FillBytes(kb[:])
			want, err := nistec.NewP384Point().ScalarBaseMult(kb[:])
			if err != nil {
				t.Fatal(err)
			}
			if got := table[i][j-1]; !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("entry [%d][%d] is %x, want %x", i, j-1, got.Bytes(), want.Bytes())
			}
		}
	}
}

// nistecPointFromX returns a point with x-coordinate x, if there is one.
func nistecPointFromX(x *big.Int) (*nistec.P384Point, error) {
	return nistec.NewP384Point().SetBytes(concat([]byte{2}, x.FillBytes(make([]byte, 48))))
}

// scalarMultToKey returns c·R as an ecdsa.PublicKey.
func scalarMultToKey(t *testing.T, r *nistec.P384Point, c *big.Int) *ecdsa.PublicKey {
	t.Helper()
	q, err := nistec.NewP384Point().ScalarMult(r, c.FillBytes(make([]byte, 48)))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), q.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return pub
}
