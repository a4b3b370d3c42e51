package tlog

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"golang.org/x/mod/sumdb/note"
)

// buildLog writes a closed log to a new folder, appending entries up to each
// of sizes in turn, and returns the folder and the checkpoint notes at each
// size.
func buildLog(t *testing.T, key ed25519.PrivateKey, prefix string, sizes ...uint64) (string, [][]byte) {
	t.Helper()
	dir := t.TempDir()
	l, err := Open(testCtx(t), dir, testOrigin, key, Options{BatchMaxSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	var notes [][]byte
	var next uint64
	model := make(map[uint64][]byte)
	for _, n := range sizes {
		appendAll(t, l, model, next, testEntries(prefix, next, n))
		next = n
		cp, err := l.Await(testCtx(t), n-1)
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, cp.Note)
	}
	if err := l.Close(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	return dir, notes
}

// resign returns the checkpoint body of msg signed by key under name.
func resign(t *testing.T, msg []byte, name string, key ed25519.PrivateKey) []byte {
	t.Helper()
	n, err := note.Open(msg, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		t.Fatalf("note.Open: %v", err)
	}
	n = unverified.Note
	skey, err := FormatSignerKey(name, key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	out, err := note.Sign(&note.Note{Text: n.Text}, s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTamper changes the folder of a closed log and checks that verify/tlog,
// reading it, rejects what was changed.
func TestTamper(t *testing.T) {
	const n = 1000 // tiles 0/000–002 full, 0/003.p/232, 1/000.p/3; bundles 000–002, 003.p/232
	key := testKey("tamper")
	ctx := context.Background()
	wantReject := func(t *testing.T, err error, target any) {
		t.Helper()
		if !errors.Is(err, vtlog.ErrVerification) {
			t.Fatalf("got %v, want a rejection wrapping verify/tlog.ErrVerification", err)
		}
		if errors.Is(err, vtlog.ErrUnavailable) {
			t.Fatalf("got %v, which also says could not check", err)
		}
		if target != nil && !errors.As(err, target) {
			t.Fatalf("got %v (%T), want a %T", err, err, target)
		}
	}

	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		// check gets the checkpoints at sizes 770 and 1000.
		check func(t *testing.T, r *reader, old, cp *vtlog.VerifiedCheckpoint)
	}{
		{
			name:   "full hash tile",
			tamper: func(t *testing.T, dir string) { flipByte(t, tilePath(dir, 0, 1, 0), 100) },
			check: func(t *testing.T, r *reader, _, cp *vtlog.VerifiedCheckpoint) {
				_, err := vtlog.InclusionProof(ctx, cp, 300, r.dir.Tile)
				wantReject(t, err, new(*vtlog.TileError))
			},
		},
		{
			name:   "partial hash tile",
			tamper: func(t *testing.T, dir string) { flipByte(t, tilePath(dir, 0, 3, 232), -1) },
			check: func(t *testing.T, r *reader, _, cp *vtlog.VerifiedCheckpoint) {
				_, err := vtlog.InclusionProof(ctx, cp, 800, r.dir.Tile)
				wantReject(t, err, new(*vtlog.TileError))
			},
		},
		{
			name:   "level 1 hash tile",
			tamper: func(t *testing.T, dir string) { flipByte(t, tilePath(dir, 1, 0, 3), 0) },
			check: func(t *testing.T, r *reader, _, cp *vtlog.VerifiedCheckpoint) {
				_, err := vtlog.InclusionProof(ctx, cp, 5, r.dir.Tile)
				wantReject(t, err, new(*vtlog.TileError))
			},
		},
		{
			name: "hash tile, consistency",
			tamper: func(t *testing.T, dir string) {
				flipByte(t, tilePath(dir, 0, 3, 232), 64)
			},
			check: func(t *testing.T, r *reader, old, cp *vtlog.VerifiedCheckpoint) {
				_, err := vtlog.ConsistencyProof(ctx, old, cp, r.dir.Tile)
				wantReject(t, err, new(*vtlog.TileError))
			},
		},
		{
			name: "entry bundle, entry bytes",
			tamper: func(t *testing.T, dir string) {
				flipByte(t, filepath.Join(dir, "tile", "entries", "001"), -1) // last byte of entry 511
			},
			check: func(t *testing.T, r *reader, _, cp *vtlog.VerifiedCheckpoint) {
				_, err := vtlog.FetchEntry(ctx, cp, 511, r.dir.Tile, r.dir.EntryBundle)
				wantReject(t, err, new(*vtlog.InclusionError))
				if _, err := vtlog.FetchEntry(ctx, cp, 510, r.dir.Tile, r.dir.EntryBundle); err != nil {
					t.Fatalf("entry 510, untouched: %v", err)
				}
			},
		},
		{
			name: "entry bundle, length prefix",
			tamper: func(t *testing.T, dir string) {
				flipByte(t, filepath.Join(dir, "tile", "entries", "003.p", "232"), 0)
			},
			check: func(t *testing.T, r *reader, _, cp *vtlog.VerifiedCheckpoint) {
				_, err := vtlog.FetchEntry(ctx, cp, 999, r.dir.Tile, r.dir.EntryBundle)
				wantReject(t, err, nil)
			},
		},
		{
			name: "checkpoint signed by another key",
			tamper: func(t *testing.T, dir string) {
				p := filepath.Join(dir, "checkpoint")
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, resign(t, b, testOrigin, testKey("intruder")), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, r *reader, _, _ *vtlog.VerifiedCheckpoint) {
				_, err := vtlog.FetchCheckpoint(ctx, r.dir.Checkpoint, testOrigin, r.key)
				wantReject(t, err, new(*vtlog.SignatureError))
			},
		},
		{
			name: "checkpoint body",
			tamper: func(t *testing.T, dir string) {
				flipByte(t, filepath.Join(dir, "checkpoint"), len(testOrigin)+1) // the size line
			},
			check: func(t *testing.T, r *reader, _, _ *vtlog.VerifiedCheckpoint) {
				_, err := vtlog.FetchCheckpoint(ctx, r.dir.Checkpoint, testOrigin, r.key)
				var se *vtlog.SignatureError
				wantReject(t, err, &se)
				if !se.Forged {
					t.Fatalf("got %v, want a forged signature", se)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, notes := buildLog(t, key, "tamper", 770, n)
			r := newReader(t, dir, key.Public().(ed25519.PublicKey))
			old, cp := r.verify(t, notes[0]), r.verify(t, notes[1])
			tt.tamper(t, dir)
			tt.check(t, r, old, cp)
			// Opening the log again reads the same files: it must refuse,
			// or refuse to prove what was changed.
			l, err := Open(testCtx(t), dir, testOrigin, key, Options{})
			if err != nil {
				wantReject(t, err, nil)
				if !errors.Is(err, ErrLogMismatch) {
					t.Fatalf("Open: %v, want ErrLogMismatch", err)
				}
				return
			}
			defer l.Close(ctx)
			for _, i := range []uint64{5, 300, 511, 800, 999} {
				if _, err := l.Prove(ctx, i); err != nil {
					wantReject(t, err, nil)
					return
				}
			}
			t.Fatal("the Log proved every entry of a tampered folder")
		})
	}
}

// TestFork builds two logs with one key and origin that agree on their
// first entries and then differ, and checks that verify/tlog proves the fork.
func TestFork(t *testing.T) {
	const common = 40
	key := testKey("fork")
	ctx := testCtx(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	// One entry at a time, so that both logs hold the common entries in
	// the same order.
	opts := Options{BatchMaxAge: time.Millisecond}
	a := openLog(t, dirA, key, opts)
	b := openLog(t, dirB, key, opts)
	appendInOrder(t, a, 0, testEntries("common", 0, common))
	appendInOrder(t, b, 0, testEntries("common", 0, common))
	cpACommon, err := a.Await(ctx, common-1)
	if err != nil {
		t.Fatal(err)
	}
	appendInOrder(t, a, common, testEntries("A", common, common+10))
	appendInOrder(t, b, common, testEntries("B", common, common+10))
	cpA, err := a.Await(ctx, common+9)
	if err != nil {
		t.Fatal(err)
	}
	cpBSame, err := b.Await(ctx, common+9)
	if err != nil {
		t.Fatal(err)
	}
	appendInOrder(t, b, common+10, testEntries("B", common+10, common+20))
	cpB, err := b.Await(ctx, common+19)
	if err != nil {
		t.Fatal(err)
	}
	rb := newReader(t, dirB, key.Public().(ed25519.PublicKey))

	t.Run("common prefix is consistent", func(t *testing.T) {
		if _, err := vtlog.ConsistencyProof(ctx, cpACommon, cpB, rb.dir.Tile); err != nil {
			t.Fatalf("ConsistencyProof(A at %d, B at %d): %v", common, cpB.Size, err)
		}
	})
	t.Run("same size, two roots", func(t *testing.T) {
		err := vtlog.VerifyConsistency(cpA, cpBSame, nil)
		var ie *vtlog.InconsistencyError
		if !errors.As(err, &ie) || ie.Old != cpA || ie.New != cpBSame {
			t.Fatalf("VerifyConsistency: %v, want an InconsistencyError with both checkpoints", err)
		}
	})
	t.Run("B's own proof", func(t *testing.T) {
		proof, err := vtlog.ConsistencyProof(ctx, cpBSame, cpB, rb.dir.Tile)
		if err != nil {
			t.Fatal(err)
		}
		err = vtlog.VerifyConsistency(cpA, cpB, proof)
		var ie *vtlog.InconsistencyError
		if !errors.As(err, &ie) || len(ie.Proof) != len(proof) {
			t.Fatalf("VerifyConsistency(A, B, B's proof): %v, want an InconsistencyError with the proof", err)
		}
		if !errors.Is(err, vtlog.ErrVerification) {
			t.Fatalf("%v does not wrap ErrVerification", err)
		}
	})
	t.Run("proof from B's tiles", func(t *testing.T) {
		_, err := vtlog.ConsistencyProof(ctx, cpA, cpB, rb.dir.Tile)
		if ie := (*vtlog.InconsistencyError)(nil); !errors.As(err, &ie) {
			t.Fatalf("ConsistencyProof(A, B): %v, want an InconsistencyError", err)
		}
	})
	t.Run("the Log notices a swapped checkpoint", func(t *testing.T) {
		// A's folder now shows B's checkpoint (same key, same origin):
		// A's Log has seen its own at that size and must refuse.
		if err := os.WriteFile(filepath.Join(dirA, "checkpoint"), cpBSame.Note, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := a.Checkpoint(ctx)
		if ie := (*vtlog.InconsistencyError)(nil); !errors.As(err, &ie) {
			t.Fatalf("Checkpoint: %v, want an InconsistencyError", err)
		}
		if _, err := a.Prove(ctx, 0); !errors.Is(err, vtlog.ErrVerification) {
			t.Fatalf("Prove: %v, want a rejection", err)
		}
		// Put A's back, so that Close finds its checkpoint.
		if err := os.WriteFile(filepath.Join(dirA, "checkpoint"), cpA.Note, 0o644); err != nil {
			t.Fatal(err)
		}
	})
}

// appendInOrder appends entries one at a time, each at the next index.
func appendInOrder(t *testing.T, l *Log, first uint64, entries [][]byte) {
	t.Helper()
	for i, e := range entries {
		n, err := l.Append(testCtx(t), e)
		if err != nil {
			t.Fatal(err)
		}
		if n != first+uint64(i) {
			t.Fatalf("entry got index %d, want %d", n, first+uint64(i))
		}
	}
}
