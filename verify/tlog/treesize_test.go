package tlog_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/ats-run/selfattest/verify/tlog"
)

// Sizes just above tlog.MaxTreeSize, up to the largest uint64. From 2^62
// on, x/mod's tree arithmetic never ends; from 2^63 on, a size does not
// fit in x/mod's int64.
var hugeSizes = []uint64{
	tlog.MaxTreeSize + 1, // 2^62
	1<<62 + 1,
	1<<63 - 1,
	1 << 63,
	1<<64 - 2,
	1<<64 - 1,
}

// prompt runs f and fails the test if it has not returned within d: a
// hang is a failure, not a stuck suite. The goroutine of a call that hangs
// is left behind.
func prompt[T any](t testing.TB, d time.Duration, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("did not return within %v", d)
		panic("unreachable")
	}
}

const promptly = 10 * time.Second

// hugeNote is a checkpoint at size signed by the log's own key.
func hugeNote(t testing.TB, l *testLog, size uint64) []byte {
	t.Helper()
	h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, size))
	b, err := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: l.origin, Size: size, Hash: h[:]})
	if err != nil {
		t.Fatal(err)
	}
	return l.sign(t, b)
}

// wantTreeSizeError checks that err is the log's rejection of a checkpoint
// at size: a *TreeSizeError wrapping ErrVerification, with the size as
// evidence.
func wantTreeSizeError(t testing.TB, err error, size uint64) {
	t.Helper()
	var tse *tlog.TreeSizeError
	if !errors.As(err, &tse) || !errors.Is(err, tlog.ErrVerification) {
		t.Fatalf("got %v, want a *TreeSizeError wrapping ErrVerification", err)
	}
	if tse.Size != size || len(tse.Note) == 0 || tse.Origin == "" {
		t.Fatalf("TreeSizeError carries size %d, origin %q and a note of %d bytes; want size %d", tse.Size, tse.Origin, len(tse.Note), size)
	}
}

// junkTiles serves hash tiles of the right width whose hashes are made up,
// and entry bundles of empty entries: whatever tree a proof is built for,
// the tiles do not match its root.
func junkTiles(_ context.Context, level, index uint64, p uint8) ([]byte, error) {
	w := tlog.TileWidth
	if p > 0 {
		w = int(p)
	}
	out := make([]byte, 0, w*tlog.HashSize)
	for i := range w {
		h := sha256.Sum256(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, level), index<<8|uint64(i)))
		out = append(out, h[:]...)
	}
	return out, nil
}

func emptyBundles(_ context.Context, _ uint64, p uint8) ([]byte, error) {
	w := tlog.TileWidth
	if p > 0 {
		w = int(p)
	}
	return make([]byte, 2*w), nil
}

// TestTreeSizeSigned feeds checkpoints above MaxTreeSize, each signed by
// the log's key, to every function that takes a signed checkpoint: each is
// a rejection, promptly, and the bound itself is accepted.
func TestTreeSizeSigned(t *testing.T) {
	ctx := context.Background()
	for _, mk := range []func(testing.TB, string) *testLog{newEd25519Log, newECDSALog} {
		l := mk(t, "huge.test")
		msg := hugeNote(t, l, tlog.MaxTreeSize)
		if err := prompt(t, promptly, func() error { _, err := tlog.VerifyCheckpoint(msg, l.origin, l.key); return err }); err != nil {
			t.Fatalf("checkpoint at MaxTreeSize: %v", err)
		}
		for _, size := range hugeSizes {
			msg := hugeNote(t, l, size)
			err := prompt(t, promptly, func() error { _, err := tlog.VerifyCheckpoint(msg, l.origin, l.key); return err })
			wantTreeSizeError(t, err, size)
			err = prompt(t, promptly, func() error {
				_, err := tlog.FetchCheckpoint(ctx, func(context.Context) ([]byte, error) { return msg, nil }, l.origin, l.key)
				return err
			})
			wantTreeSizeError(t, err, size)

			// The size is evidence against the log only when the log
			// signed it: another key's note is a signature error.
			other := mk(t, l.origin)
			_, err = tlog.VerifyCheckpoint(hugeNote(t, other, size), l.origin, l.key)
			var se *tlog.SignatureError
			if !errors.As(err, &se) {
				t.Fatalf("size %d signed by another key: got %v, want *SignatureError", size, err)
			}
		}
	}
}

// TestTreeSizeTiles builds proofs from tiles at MaxTreeSize, which must
// end (the made-up tiles are a *TileError), and at sizes above it, which
// must be refused before x/mod is asked.
func TestTreeSizeTiles(t *testing.T) {
	ctx := context.Background()
	l := newEd25519Log(t, "huge.test")
	// verifiedAt returns a checkpoint at size that VerifyCheckpoint
	// verified. Above the bound VerifyCheckpoint refuses it, so the size
	// of a verified checkpoint is changed afterwards: the proof functions
	// must check it again.
	verifiedAt := func(t *testing.T, size uint64) *tlog.VerifiedCheckpoint {
		cp, err := tlog.VerifyCheckpoint(hugeNote(t, l, size), l.origin, l.key)
		if errors.As(err, new(*tlog.TreeSizeError)) {
			cp, err = tlog.VerifyCheckpoint(hugeNote(t, l, 1), l.origin, l.key)
			if err == nil {
				cp.Size = size
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	type check func(t *testing.T, cp *tlog.VerifiedCheckpoint) error
	checks := map[string]check{
		"InclusionProof first": func(t *testing.T, cp *tlog.VerifiedCheckpoint) error {
			_, err := tlog.InclusionProof(ctx, cp, 0, junkTiles)
			return err
		},
		"InclusionProof last": func(t *testing.T, cp *tlog.VerifiedCheckpoint) error {
			_, err := tlog.InclusionProof(ctx, cp, cp.Size-1, junkTiles)
			return err
		},
		"FetchEntry last": func(t *testing.T, cp *tlog.VerifiedCheckpoint) error {
			_, err := tlog.FetchEntry(ctx, cp, cp.Size-1, junkTiles, emptyBundles)
			return err
		},
		"ScanEntries last": func(t *testing.T, cp *tlog.VerifiedCheckpoint) error {
			return tlog.ScanEntries(ctx, cp, cp.Size-1, cp.Size, junkTiles, emptyBundles, func(uint64, []byte) error { return nil })
		},
		"ConsistencyProof from 1": func(t *testing.T, cp *tlog.VerifiedCheckpoint) error {
			_, err := tlog.ConsistencyProof(ctx, verifiedAt(t, 1), cp, junkTiles)
			return err
		},
		"ConsistencyProof from 2^61+3": func(t *testing.T, cp *tlog.VerifiedCheckpoint) error {
			_, err := tlog.ConsistencyProof(ctx, verifiedAt(t, 1<<61+3), cp, junkTiles)
			return err
		},
	}
	for name, c := range checks {
		t.Run(name, func(t *testing.T) {
			cp := verifiedAt(t, tlog.MaxTreeSize)
			err := prompt(t, promptly, func() error { return c(t, cp) })
			var te *tlog.TileError
			if !errors.As(err, &te) || !errors.Is(err, tlog.ErrVerification) || te.Size != tlog.MaxTreeSize {
				t.Fatalf("at MaxTreeSize: got %v, want a *TileError", err)
			}
			for _, size := range hugeSizes {
				cp := verifiedAt(t, size)
				wantTreeSizeError(t, prompt(t, promptly, func() error { return c(t, cp) }), size)
			}
		})
	}
}

// TestTreeSizeProofs checks proofs handed over (a bundle's) against a
// checkpoint at MaxTreeSize, and refuses a checkpoint above it.
func TestTreeSizeProofs(t *testing.T) {
	l := newEd25519Log(t, "huge.test")
	at := func(size uint64) *tlog.VerifiedCheckpoint {
		cp, err := tlog.VerifyCheckpoint(hugeNote(t, l, min(size, tlog.MaxTreeSize)), l.origin, l.key)
		if err != nil {
			t.Fatal(err)
		}
		cp.Size = size
		return cp
	}
	junk := func(n int) [][]byte {
		p := make([][]byte, n)
		for i := range p {
			p[i] = bytes.Repeat([]byte{byte(i)}, tlog.HashSize)
		}
		return p
	}
	big := at(tlog.MaxTreeSize)
	var ie *tlog.InclusionError
	if err := tlog.VerifyInclusion(big, tlog.MaxTreeSize-1, []byte("e"), junk(62)); !errors.As(err, &ie) {
		t.Fatalf("at MaxTreeSize: got %v, want *InclusionError", err)
	}
	var ce *tlog.InconsistencyError
	if err := tlog.VerifyConsistency(at(1<<61+3), big, junk(62)); !errors.As(err, &ce) {
		t.Fatalf("at MaxTreeSize: got %v, want *InconsistencyError", err)
	}
	for _, size := range hugeSizes {
		wantTreeSizeError(t, tlog.VerifyInclusion(at(size), size-1, []byte("e"), junk(63)), size)
		wantTreeSizeError(t, tlog.VerifyConsistency(at(1<<61+3), at(size), junk(63)), size)
		wantTreeSizeError(t, tlog.VerifyConsistency(at(size), at(size), nil), size)
	}
}

type verified struct {
	cp  *tlog.VerifiedCheckpoint
	err error
}

// FuzzTreeSize drives tree sizes and indexes, from 0 to 2^64 − 1, through
// checkpoint verification and every proof path, with made-up tiles and
// proofs: each call must return within a deadline (a hang fails the
// input), a size above MaxTreeSize must be a *TreeSizeError, and every
// other failure a rejection or a caller error, never a panic.
func FuzzTreeSize(f *testing.F) {
	for _, s := range []uint64{0, 1, 2, 255, 256, 257, 1 << 40, tlog.MaxTreeSize - 1, tlog.MaxTreeSize, 1 << 62, 1<<62 + 1, 1 << 63, 1<<64 - 2, 1<<64 - 1} {
		f.Add(s, s/2, s-1)
		f.Add(s, s-1, uint64(0))
	}
	l := newEd25519Log(f, "fuzz.test")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, size, old, index uint64) {
		verify := func(size uint64) (*tlog.VerifiedCheckpoint, error) {
			msg := hugeNote(t, l, size)
			r := prompt(t, 5*time.Second, func() verified {
				cp, err := tlog.VerifyCheckpoint(msg, l.origin, l.key)
				return verified{cp, err}
			})
			return r.cp, r.err
		}
		cp, err := verify(size)
		if size > tlog.MaxTreeSize {
			wantTreeSizeError(t, err, size)
			return
		}
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		older, err := verify(old)
		if old > tlog.MaxTreeSize {
			wantTreeSizeError(t, err, old)
			older, _ = verify(size)
		} else if err != nil {
			t.Fatalf("size %d: %v", old, err)
		}
		end := index
		if index < size {
			end = index + 1
		}
		junk := make([][]byte, 64)
		for i := range junk {
			junk[i] = bytes.Repeat([]byte{byte(i)}, tlog.HashSize)
		}
		calls := map[string]func() error{
			"InclusionProof": func() error { _, err := tlog.InclusionProof(ctx, cp, index, junkTiles); return err },
			"FetchEntry":     func() error { _, err := tlog.FetchEntry(ctx, cp, index, junkTiles, emptyBundles); return err },
			"ScanEntries": func() error {
				return tlog.ScanEntries(ctx, cp, index, end, junkTiles, emptyBundles, func(uint64, []byte) error { return nil })
			},
			"ConsistencyProof":  func() error { _, err := tlog.ConsistencyProof(ctx, older, cp, junkTiles); return err },
			"VerifyInclusion":   func() error { return tlog.VerifyInclusion(cp, index, []byte("e"), junk[:index%65]) },
			"VerifyConsistency": func() error { return tlog.VerifyConsistency(older, cp, junk[:old%65]) },
		}
		// What may succeed with made-up tiles and proofs: a proof that
		// needs no hash, an empty scan, a checkpoint consistent with itself.
		mayPass := map[string]bool{
			"InclusionProof":    size == 1 && index == 0,
			"ScanEntries":       index == size,
			"ConsistencyProof":  older.Size == size,
			"VerifyConsistency": older.Size == size && old%65 == 0,
		}
		for name, call := range calls {
			err := prompt(t, 5*time.Second, call)
			var pe *tlog.PolicyError
			switch {
			case err == nil:
				if !mayPass[name] {
					t.Fatalf("%s at size %d, index %d, old %d: made-up tiles or proof accepted", name, size, index, old)
				}
			case errors.As(err, &pe):
				if errors.Is(err, tlog.ErrVerification) {
					t.Fatalf("%s: caller error %v wraps ErrVerification", name, err)
				}
			case !errors.Is(err, tlog.ErrVerification):
				t.Fatalf("%s at size %d, index %d, old %d: %v is neither a rejection nor a caller error", name, size, index, old, err)
			case errors.As(err, new(*tlog.TreeSizeError)):
				t.Fatalf("%s at size %d: %v", name, size, err)
			}
		}
	})
}
