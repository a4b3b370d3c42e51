package tlog

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

// TestBigLog fills a log with 100,000 entries, saving its checkpoint at
// sizes around tile and bundle edges, and reads everything back with
// verify/tlog from the folder alone.
func TestBigLog(t *testing.T) {
	const total = 100_000
	sizes := []uint64{1, 2, 255, 256, 257, 1000, 65536, 99999, total}
	dir := t.TempDir()
	key := testKey("big")
	l := openLog(t, dir, key, Options{BatchMaxSize: 4096})

	saved := make(map[uint64][]byte)
	model := make(map[uint64][]byte, total)
	start := time.Now()
	var next uint64
	for _, size := range sizes {
		appendAll(t, l, model, next, testEntries("big", next, size))
		next = size
		cp, err := l.Await(testCtx(t), size-1)
		if err != nil {
			t.Fatalf("Await(%d): %v", size-1, err)
		}
		if cp.Size != size {
			t.Fatalf("checkpoint after %d entries has size %d", size, cp.Size)
		}
		saved[size] = cp.Note
	}
	t.Logf("%d entries appended, %d checkpoints awaited, in %v", total, len(sizes), time.Since(start))

	r := newReader(t, dir, key.Public().(ed25519.PublicKey))
	final := r.checkpoint(t)
	if final.Size != total || !bytes.Equal(final.Note, saved[total]) {
		t.Fatalf("folder's checkpoint has size %d, want %d (the one Await returned)", final.Size, total)
	}
	ctx := testCtx(t)

	t.Run("inclusion", func(t *testing.T) {
		indexes := []uint64{0, 1, 255, 256, 257, 999, 1000, 65535, 65536, 99998, total - 1}
		for i := uint64(7); i < total; i += 7919 {
			indexes = append(indexes, i)
		}
		for _, i := range indexes {
			proof, err := vtlog.InclusionProof(ctx, final, i, r.dir.Tile)
			if err != nil {
				t.Fatalf("InclusionProof(%d): %v", i, err)
			}
			if err := vtlog.VerifyInclusion(final, i, model[i], proof); err != nil {
				t.Fatalf("VerifyInclusion(%d): %v", i, err)
			}
			if err := vtlog.VerifyInclusion(final, i, model[(i+1)%total], proof); !errors.Is(err, vtlog.ErrVerification) {
				t.Fatalf("VerifyInclusion(%d) of another entry: %v, want a rejection", i, err)
			}
			got, err := vtlog.FetchEntry(ctx, final, i, r.dir.Tile, r.dir.EntryBundle)
			if err != nil {
				t.Fatalf("FetchEntry(%d): %v", i, err)
			}
			if want := model[i]; !bytes.Equal(got, want) {
				t.Fatalf("FetchEntry(%d) = %q, want %q", i, got, want)
			}
		}
	})

	t.Run("inclusion at old checkpoints", func(t *testing.T) {
		for _, size := range sizes {
			cp := r.verify(t, saved[size])
			for _, i := range []uint64{0, size / 2, size - 1} {
				got, err := vtlog.FetchEntry(ctx, cp, i, r.dir.Tile, r.dir.EntryBundle)
				if err != nil {
					t.Fatalf("FetchEntry(%d) at size %d: %v", i, size, err)
				}
				if !bytes.Equal(got, model[i]) {
					t.Fatalf("FetchEntry(%d) at size %d: wrong bytes", i, size)
				}
			}
		}
	})

	t.Run("consistency", func(t *testing.T) {
		for _, older := range sizes {
			old := r.verify(t, saved[older])
			proof, err := vtlog.ConsistencyProof(ctx, old, final, r.dir.Tile)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", older, total, err)
			}
			if err := vtlog.VerifyConsistency(old, final, proof); err != nil {
				t.Fatalf("VerifyConsistency(%d, %d): %v", older, total, err)
			}
			for _, newer := range sizes {
				if newer <= older {
					continue
				}
				if _, err := vtlog.ConsistencyProof(ctx, old, r.verify(t, saved[newer]), r.dir.Tile); err != nil {
					t.Fatalf("ConsistencyProof(%d, %d): %v", older, newer, err)
				}
			}
		}
	})

	t.Run("Prove", func(t *testing.T) {
		for _, i := range []uint64{0, 65535, total - 1} {
			inc, err := l.Prove(ctx, i)
			if err != nil {
				t.Fatalf("Prove(%d): %v", i, err)
			}
			if inc.Index != i || !bytes.Equal(inc.Entry, model[i]) || inc.Checkpoint.Size != total {
				t.Fatalf("Prove(%d) = index %d, size %d, entry %q", i, inc.Index, inc.Checkpoint.Size, inc.Entry)
			}
			if err := vtlog.VerifyInclusion(r.verify(t, inc.Checkpoint.Note), i, model[i], inc.Proof); err != nil {
				t.Fatalf("Prove(%d): proof does not verify: %v", i, err)
			}
		}
	})
}
