package anchor_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/bits"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// mth is RFC 6962's Merkle Tree Hash, written from section 2.1.
func mth(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1 << (bits.Len(uint(len(leaves)-1)) - 1)
	return rfc6962.DefaultHasher.HashChildren(mth(leaves[:k]), mth(leaves[k:]))
}

func TestBatchIsRFC6962(t *testing.T) {
	sizes := []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 127, 128, 129, 1000, 8191, 8193, 20000}
	for _, n := range sizes {
		evs := items(n)
		b := mustBatch(t, evs)
		leaves := make([][]byte, n)
		for i, e := range evs {
			h, err := e.LeafHash()
			if err != nil {
				t.Fatal(err)
			}
			leaves[i] = h[:]
		}
		root := b.TreeHash()
		if want := mth(leaves); !bytes.Equal(root[:], want) {
			t.Fatalf("size %d: tree hash %x, RFC 6962 says %x", n, root, want)
		}
		if b.Root() != anchor.BatchRoot(uint64(n), root) || b.Root() == root {
			t.Fatalf("size %d: root %s is not BatchRoot(size, tree hash)", n, b.Root())
		}
		for _, i := range []int{0, n / 3, n / 2, n - 1} {
			r, err := b.Receipt(i)
			if err != nil {
				t.Fatal(err)
			}
			p := make([][]byte, len(r.Proof))
			for k := range r.Proof {
				p[k] = r.Proof[k][:]
			}
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(n), leaves[i], p, root[:]); err != nil {
				t.Errorf("size %d leaf %d: transparency-dev/merkle refuses our proof: %v", n, i, err)
			}
			if len(r.Proof) > bits.Len(uint(n-1)) {
				t.Errorf("size %d: proof of %d hashes", n, len(r.Proof))
			}
		}
	}
}

// The leaf is the one the package documentation writes down.
func TestLeafHashIsTheSpec(t *testing.T) {
	e := anchor.NewEvidence("a.txt", "text/plain", []byte("hello\n"))
	var data []byte
	data = append(data, 0x00)
	data = append(data, "selfattest/anchor/evidence/v1\x00"...)
	for _, f := range [][]byte{[]byte("sha256"), e.Digest, []byte("text/plain"), []byte("a.txt")} {
		data = append(data, byte(len(f)>>24), byte(len(f)>>16), byte(len(f)>>8), byte(len(f)))
		data = append(data, f...)
	}
	got, err := e.LeafHash()
	if err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(data); got != anchor.Hash(want) {
		t.Fatalf("leaf %s, spec says %x", got, want)
	}
	// Not the RFC 6962 leaf of the raw digest: another tree's leaf never
	// verifies as an item.
	if raw := rfc6962.DefaultHasher.HashLeaf(e.Digest); bytes.Equal(raw, got[:]) {
		t.Fatal("the leaf is the raw digest's leaf")
	}
}

func TestEvidenceRefused(t *testing.T) {
	d32 := make([]byte, 32)
	for _, tc := range []struct {
		name       string
		n, mt, alg string
		digest     []byte
	}{
		{"unknown algorithm", "x", "text/plain", "md5", d32},
		{"short digest", "x", "text/plain", "sha256", d32[:31]},
		{"sha384 with 32 bytes", "x", "text/plain", "sha384", d32},
		{"empty media type", "x", "", "sha256", d32},
		{"media type with a space", "x", "text/plain; charset=utf-8", "sha256", d32},
		{"media type too long", "x", strings.Repeat("a", 256), "sha256", d32},
		{"name too long", strings.Repeat("n", 1025), "text/plain", "sha256", d32},
		{"name not UTF-8", "\xff", "text/plain", "sha256", d32},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := anchor.EvidenceFromDigest(tc.n, tc.mt, tc.alg, tc.digest)
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("EvidenceFromDigest = %v, want ErrBadInput", err)
			}
			var fe *anchor.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%T is not a *FormatError", err)
			}
			if _, err := anchor.NewBatch([]anchor.Evidence{e}); !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("NewBatch = %v, want ErrBadInput", err)
			}
		})
	}
	if _, err := anchor.NewBatch(nil); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("NewBatch(nil) = %v, want ErrBadInput", err)
	}
	b := mustBatch(t, items(3))
	for _, i := range []int{-1, 3} {
		if _, err := b.Receipt(i); !errors.Is(err, anchor.ErrBadInput) {
			t.Errorf("Receipt(%d) = %v, want ErrBadInput", i, err)
		}
	}
	if _, err := b.Receipt(0, anchor.Entry{}); !errors.Is(err, anchor.ErrBadInput) {
		t.Errorf("Receipt(0, zero entry) = %v, want ErrBadInput", err)
	}
}

// The root is the one the package documentation writes down.
func TestRootIsTheSpec(t *testing.T) {
	var th anchor.Hash
	th[0] = 7
	data := append([]byte{0x02}, "selfattest/anchor/batch/v1\x00"...)
	data = append(data, 0, 0, 0, 0, 0, 0, 0x01, 0x02)
	data = append(data, th[:]...)
	if got, want := anchor.BatchRoot(258, th), sha256.Sum256(data); got != anchor.Hash(want) {
		t.Fatalf("BatchRoot = %s, spec says %x", got, want)
	}
}

// AppendReceipt writes what Receipt then Marshal write.
func TestAppendReceiptIsMarshal(t *testing.T) {
	entry := mustEntry(t, `{"kind":"memory","target":"t","id":1}`)
	for _, n := range []int{1, 2, 3, 9, 16, 17, 100, 1025, 9000} {
		b := mustBatch(t, items(n))
		for i := range n {
			r, err := b.Receipt(i, entry)
			if err != nil {
				t.Fatal(err)
			}
			want, err := r.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.AppendReceipt(nil, i, entry)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("size %d item %d:\n%s\n%s", n, i, got, want)
			}
		}
	}
	// Large enough that the hex of the upper levels is made in parallel.
	b := mustBatch(t, items(70001))
	for _, i := range []int{0, 1, 8, 4095, 35000, 65536, 70000} {
		r, _ := b.Receipt(i, entry)
		want, _ := r.Marshal()
		got, err := b.AppendReceipt(nil, i, entry)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size 70001 item %d: %v\n%s\n%s", i, err, got, want)
		}
	}
}
