package tlog_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/ats-run/selfattest/verify/tlog"
)

func flipHash(p [][]byte, i int) [][]byte {
	out := make([][]byte, len(p))
	for j := range p {
		out[j] = bytes.Clone(p[j])
	}
	out[i][7] ^= 0x10
	return out
}

func TestVerifyInclusion(t *testing.T) {
	l := newEd25519Log(t, "log.example.com")
	l.grow(100)
	cp := l.checkpoint(t, 100)
	for _, idx := range []uint64{0, 1, 31, 63, 64, 98, 99} {
		p, err := l.tree.InclusionProof(idx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.VerifyInclusion(cp, idx, entry(int(idx)), p); err != nil {
			t.Fatalf("index %d: %v", idx, err)
		}
	}
	p7, _ := l.tree.InclusionProof(7, 100)
	for _, tc := range []struct {
		name      string
		cp        *tlog.VerifiedCheckpoint
		index     uint64
		entry     []byte
		proof     [][]byte
		malformed bool
	}{
		{name: "other entry", cp: cp, index: 7, entry: entry(8), proof: p7},
		{name: "leaf hash handed over as the entry", cp: cp, index: 7, entry: l.tree.LeafHash(7), proof: p7},
		{name: "other index", cp: cp, index: 6, entry: entry(7), proof: p7},
		{name: "index beyond tree", cp: cp, index: 100, entry: entry(7), proof: p7},
		{name: "first proof hash changed", cp: cp, index: 7, entry: entry(7), proof: flipHash(p7, 0)},
		{name: "last proof hash changed", cp: cp, index: 7, entry: entry(7), proof: flipHash(p7, len(p7)-1)},
		{name: "proof truncated", cp: cp, index: 7, entry: entry(7), proof: p7[:len(p7)-1]},
		{name: "proof extended", cp: cp, index: 7, entry: entry(7), proof: append(p7[:len(p7):len(p7)], p7[0])},
		{name: "checkpoint of a smaller tree", cp: l.checkpoint(t, 99), index: 7, entry: entry(7), proof: p7},
		{name: "short hash", cp: cp, index: 7, entry: entry(7), proof: append([][]byte{p7[0][:31]}, p7[1:]...), malformed: true},
		{name: "too many hashes", cp: cp, index: 7, entry: entry(7), proof: make([][]byte, tlog.MaxProofHashes+1), malformed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tlog.VerifyInclusion(tc.cp, tc.index, tc.entry, tc.proof)
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("got %v, want ErrVerification", err)
			}
			var ie *tlog.InclusionError
			var me *tlog.MalformedError
			if tc.malformed && !errors.As(err, &me) || !tc.malformed && !errors.As(err, &ie) {
				t.Fatalf("got %T %v", err, err)
			}
			if ie != nil && !bytes.Equal(ie.LeafHash, tlog.LeafHash(tc.entry)) {
				t.Fatalf("evidence leaf hash %x", ie.LeafHash)
			}
		})
	}
	if err := tlog.VerifyInclusion(&tlog.VerifiedCheckpoint{Checkpoint: cp.Checkpoint}, 7, entry(7), p7); errors.Is(err, tlog.ErrVerification) || err == nil {
		t.Fatalf("unverified checkpoint: %v", err)
	}
}

func TestVerifyConsistency(t *testing.T) {
	l := newEd25519Log(t, "log.example.com")
	l.grow(100)
	// fork is the same log key signing another history: entry 5 differs.
	fork := &testLog{origin: l.origin, signer: l.signer, key: l.key, tree: newTree()}
	for i := 0; i < 100; i++ {
		e := entry(i)
		if i == 5 {
			e = []byte("planted")
		}
		fork.tree.AppendData(e)
	}
	other := newEd25519Log(t, "other.example.com")
	other.grow(100)

	cp10, cp57, cp100 := l.checkpoint(t, 10), l.checkpoint(t, 57), l.checkpoint(t, 100)
	fork57 := fork.checkpoint(t, 57)
	p10to57, _ := l.tree.ConsistencyProof(10, 57)
	p57to100, _ := l.tree.ConsistencyProof(57, 100)
	fork10to57, _ := fork.tree.ConsistencyProof(10, 57)

	for _, tc := range []struct {
		name     string
		old, new *tlog.VerifiedCheckpoint
		proof    [][]byte
	}{
		{"10 to 57", cp10, cp57, p10to57},
		{"57 to 100", cp57, cp100, p57to100},
		{"same checkpoint", cp57, cp57, nil},
		{"from empty", l.checkpoint(t, 0), cp57, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tlog.VerifyConsistency(tc.old, tc.new, tc.proof); err != nil {
				t.Fatal(err)
			}
		})
	}

	type want int
	const (
		inconsistent want = iota
		rollback
		origin
		malformed
	)
	for _, tc := range []struct {
		name     string
		old, new *tlog.VerifiedCheckpoint
		proof    [][]byte
		want     want
	}{
		{"fork: honest proof", cp10, fork57, p10to57, inconsistent},
		{"fork: the fork's own proof", cp10, fork57, fork10to57, inconsistent},
		{"fork: same size, two roots", cp57, fork57, nil, inconsistent},
		{"proof hash changed", cp10, cp57, flipHash(p10to57, 0), inconsistent},
		{"last proof hash changed", cp10, cp57, flipHash(p10to57, len(p10to57)-1), inconsistent},
		{"proof truncated", cp10, cp57, p10to57[:len(p10to57)-1], inconsistent},
		{"proof for other sizes", cp10, cp57, p57to100, inconsistent},
		{"empty proof", cp10, cp57, nil, inconsistent},
		{"size goes backwards", cp57, cp10, p10to57, rollback},
		{"size goes backwards, no proof", cp100, cp57, nil, rollback},
		{"other log", cp10, other.checkpoint(t, 57), p10to57, origin},
		{"proof for equal sizes", cp57, cp57, p10to57, malformed},
		{"short hash", cp10, cp57, append([][]byte{p10to57[0][:16]}, p10to57[1:]...), malformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tlog.VerifyConsistency(tc.old, tc.new, tc.proof)
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("got %v, want ErrVerification", err)
			}
			var (
				ie *tlog.InconsistencyError
				re *tlog.RollbackError
				oe *tlog.OriginError
				me *tlog.MalformedError
			)
			switch tc.want {
			case inconsistent:
				if !errors.As(err, &ie) {
					t.Fatalf("got %T %v", err, err)
				}
				// The evidence: both signed checkpoints and the proof.
				if ie.Old != tc.old || ie.New != tc.new || len(ie.Proof) != len(tc.proof) || len(ie.Old.Note) == 0 || len(ie.New.Note) == 0 {
					t.Fatalf("evidence %+v", ie)
				}
			case rollback:
				if !errors.As(err, &re) || re.Old != tc.old || re.New != tc.new {
					t.Fatalf("got %T %v", err, err)
				}
			case origin:
				if !errors.As(err, &oe) {
					t.Fatalf("got %T %v", err, err)
				}
			case malformed:
				if !errors.As(err, &me) {
					t.Fatalf("got %T %v", err, err)
				}
			}
		})
	}

	// A signed checkpoint of size 0 must carry the empty tree's root.
	bogus0, err := tlog.VerifyCheckpoint(l.sign(t, mustFormat(t, &tlog.Checkpoint{Origin: l.origin, Size: 0, Hash: cp10.Hash})), l.origin, l.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.VerifyConsistency(bogus0, cp10, nil); !errors.As(err, new(*tlog.InconsistencyError)) {
		t.Fatalf("size 0 with a non-empty root: %v", err)
	}
	if err := tlog.VerifyConsistency(&tlog.VerifiedCheckpoint{Checkpoint: cp10.Checkpoint}, cp57, p10to57); err == nil || errors.Is(err, tlog.ErrVerification) {
		t.Fatalf("unverified checkpoint: %v", err)
	}
	if !bytes.Equal(tlog.LeafHash([]byte("x")), rfc6962.DefaultHasher.HashLeaf([]byte("x"))) {
		t.Fatal("LeafHash is not RFC 6962")
	}
}

func mustFormat(t testing.TB, c *tlog.Checkpoint) []byte {
	t.Helper()
	b, err := tlog.FormatCheckpoint(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
