package tlog_test

import (
	"math/bits"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/ats-run/selfattest/verify/tlog"
)

// A tree whose every leaf is the same entry has one hash per perfect
// subtree height, so real proofs at size 2^30 cost O(30) hashes to build.
// The proofs are valid: the benchmarks measure the success path.
type uniformTree struct{ level [][]byte } // level[h] = root of 2^h leaves

func newUniformTree(e []byte) *uniformTree {
	u := &uniformTree{level: [][]byte{rfc6962.DefaultHasher.HashLeaf(e)}}
	for h := 1; h <= 63; h++ {
		u.level = append(u.level, rfc6962.DefaultHasher.HashChildren(u.level[h-1], u.level[h-1]))
	}
	return u
}

// root returns the RFC 6962 root of the first n leaves.
func (u *uniformTree) root(n uint64) []byte {
	if n&(n-1) == 0 {
		return u.level[bits.TrailingZeros64(n)]
	}
	k := uint64(1) << (63 - bits.LeadingZeros64(n-1)) // largest power of 2 < n
	return rfc6962.DefaultHasher.HashChildren(u.level[bits.TrailingZeros64(k)], u.root(n-k))
}

func (u *uniformTree) hashes(b *testing.B, n proof.Nodes) [][]byte {
	out := make([][]byte, len(n.IDs))
	for i, id := range n.IDs {
		out[i] = u.level[id.Level] // every node of a perfect tree is a perfect subtree
	}
	out, err := n.Rehash(out, rfc6962.DefaultHasher.HashChildren)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

const benchSize = 1 << 30

func BenchmarkVerifyInclusion(b *testing.B) {
	l := newEd25519Log(b, "log.example.com")
	e := []byte("entry")
	u := newUniformTree(e)
	cp, err := tlog.VerifyCheckpoint(l.sign(b, mustFormat(b, &tlog.Checkpoint{Origin: l.origin, Size: benchSize, Hash: u.root(benchSize)})), l.origin, l.key)
	if err != nil {
		b.Fatal(err)
	}
	const index = benchSize - 12345
	nodes, err := proof.Inclusion(index, benchSize)
	if err != nil {
		b.Fatal(err)
	}
	p := u.hashes(b, nodes)
	if len(p) != 30 {
		b.Fatalf("proof of %d hashes", len(p))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := tlog.VerifyInclusion(cp, index, e, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyConsistency(b *testing.B) {
	l := newEd25519Log(b, "log.example.com")
	u := newUniformTree([]byte("entry"))
	const size1 = benchSize - 12345
	sign := func(n uint64) *tlog.VerifiedCheckpoint {
		cp, err := tlog.VerifyCheckpoint(l.sign(b, mustFormat(b, &tlog.Checkpoint{Origin: l.origin, Size: n, Hash: u.root(n)})), l.origin, l.key)
		if err != nil {
			b.Fatal(err)
		}
		return cp
	}
	older, newer := sign(size1), sign(benchSize)
	nodes, err := proof.Consistency(size1, benchSize)
	if err != nil {
		b.Fatal(err)
	}
	p := u.hashes(b, nodes)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := tlog.VerifyConsistency(older, newer, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCheckpoint(b *testing.B) {
	for _, tc := range []struct {
		name string
		l    *testLog
	}{{"ed25519", newEd25519Log(b, "log.example.com")}, {"ecdsa", newECDSALog(b, "log.example.com")}} {
		b.Run(tc.name, func(b *testing.B) {
			tc.l.grow(10)
			msg := tc.l.sign(b, tc.l.body(b, 10))
			b.ReportAllocs()
			for range b.N {
				if _, err := tlog.VerifyCheckpoint(msg, tc.l.origin, tc.l.key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The baselines: transparency-dev/merkle's own verification of the same
// proofs, which ours calls after its checks (leaf hash from the entry,
// proof shape, verified checkpoints).
func BenchmarkMerkleVerifyInclusion(b *testing.B) {
	e := []byte("entry")
	u := newUniformTree(e)
	const index = benchSize - 12345
	nodes, err := proof.Inclusion(index, benchSize)
	if err != nil {
		b.Fatal(err)
	}
	p, root := u.hashes(b, nodes), u.root(benchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, benchSize, rfc6962.DefaultHasher.HashLeaf(e), p, root); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMerkleVerifyConsistency(b *testing.B) {
	u := newUniformTree([]byte("entry"))
	const size1 = benchSize - 12345
	nodes, err := proof.Consistency(size1, benchSize)
	if err != nil {
		b.Fatal(err)
	}
	p, r1, r2 := u.hashes(b, nodes), u.root(size1), u.root(benchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, size1, benchSize, p, r1, r2); err != nil {
			b.Fatal(err)
		}
	}
}
