package tlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
)

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	key := testKey("reopen")
	ctx := testCtx(t)

	model := make(map[uint64][]byte)
	l, err := Open(ctx, dir, testOrigin, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, l, model, 0, testEntries("r", 0, 300))
	first, err := l.Await(ctx, 299)
	if err != nil {
		t.Fatal(err)
	}
	// No wait for a checkpoint: Close waits for one.
	appendAll(t, l, model, 300, testEntries("r", 300, 301))
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	t.Run("closed", func(t *testing.T) {
		if _, err := l.Append(ctx, []byte("x")); !errors.Is(err, ErrClosed) {
			t.Errorf("Append after Close: %v", err)
		}
		if _, err := l.Prove(ctx, 0); !errors.Is(err, ErrClosed) {
			t.Errorf("Prove after Close: %v", err)
		}
		if _, err := l.Checkpoint(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("Checkpoint after Close: %v", err)
		}
	})

	t.Run("wrong key or origin refused", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			origin string
			key    ed25519.PrivateKey
		}{
			{"other key", testOrigin, testKey("other")},
			{"other origin", "other.example", key},
		} {
			_, err := Open(ctx, dir, tc.origin, tc.key, Options{})
			var fe *FolderError
			if !errors.As(err, &fe) || !errors.Is(err, ErrLogMismatch) || !errors.Is(err, vtlog.ErrVerification) {
				t.Fatalf("%s: Open: %v, want a FolderError wrapping ErrLogMismatch and ErrVerification", tc.name, err)
			}
			if se := (*vtlog.SignatureError)(nil); !errors.As(err, &se) {
				t.Fatalf("%s: Open: %v, want the SignatureError as evidence", tc.name, err)
			}
		}
	})

	l = openLog(t, dir, key, Options{})
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 301 {
		t.Fatalf("reopened log has size %d, want 301", cp.Size)
	}
	appendAll(t, l, model, 301, testEntries("r", 301, 600))
	for _, i := range []uint64{0, 255, 299, 300, 301, 599} {
		inc, err := l.Prove(ctx, i)
		if err != nil {
			t.Fatalf("Prove(%d): %v", i, err)
		}
		if !bytes.Equal(inc.Entry, model[i]) {
			t.Fatalf("Prove(%d): wrong entry", i)
		}
	}
	r := newReader(t, dir, key.Public().(ed25519.PublicKey))
	final := r.checkpoint(t)
	if _, err := vtlog.ConsistencyProof(ctx, r.verify(t, first.Note), final, r.dir.Tile); err != nil {
		t.Fatalf("checkpoint before reopening is not consistent with the one after: %v", err)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	key := testKey("lock")
	ctx := testCtx(t)
	l, err := Open(ctx, dir, testOrigin, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dir, testOrigin, key, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	openLog(t, dir, key, Options{})
}

func TestEntries(t *testing.T) {
	key := testKey("entries")
	l := openLog(t, t.TempDir(), key, Options{})
	ctx := testCtx(t)
	largest := bytes.Repeat([]byte{0xa5}, MaxEntrySize)

	for _, tc := range []struct {
		name    string
		entries [][]byte
		pos     int
	}{
		{"empty", [][]byte{{}}, 0},
		{"nil", [][]byte{nil}, 0},
		{"64 KiB", [][]byte{make([]byte, 1<<16)}, 0},
		{"one bad in a batch", [][]byte{[]byte("a"), []byte("b"), make([]byte, MaxEntrySize+1), []byte("d")}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.AppendBatch(ctx, tc.entries)
			var ee *EntryError
			if !errors.As(err, &ee) || !errors.Is(err, ErrInvalidEntry) || ee.Position != tc.pos {
				t.Fatalf("AppendBatch: %v, want an EntryError at %d", err, tc.pos)
			}
		})
	}
	if _, err := l.Append(ctx, nil); !errors.Is(err, ErrInvalidEntry) {
		t.Fatalf("Append(nil): %v", err)
	}
	if idx, err := l.AppendBatch(ctx, nil); err != nil || len(idx) != 0 {
		t.Fatalf("AppendBatch(nil) = %v, %v", idx, err)
	}

	t.Run("largest entry", func(t *testing.T) {
		buf := bytes.Clone(largest)
		i, err := l.Append(ctx, buf)
		if err != nil {
			t.Fatal(err)
		}
		if i != 0 {
			t.Fatalf("first entry logged has index %d: a refused batch logged something", i)
		}
		buf[0] = 0 // the log copied it
		inc, err := l.Prove(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(inc.Entry, largest) {
			t.Fatal("the largest entry did not come back whole")
		}
	})
	t.Run("duplicates are kept", func(t *testing.T) {
		idx, err := l.AppendBatch(ctx, [][]byte{[]byte("same"), []byte("same")})
		if err != nil || idx[0] == idx[1] {
			t.Fatalf("AppendBatch of two equal entries = %v, %v", idx, err)
		}
	})
	t.Run("unassigned index", func(t *testing.T) {
		if _, err := l.Await(ctx, 1000); !errors.Is(err, ErrConfig) {
			t.Fatalf("Await(1000): %v, want ErrConfig", err)
		}
		if _, err := l.Prove(ctx, 1000); !errors.Is(err, ErrConfig) {
			t.Fatalf("Prove(1000): %v, want ErrConfig", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := l.Append(cctx, []byte("late")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Append: %v, want context.Canceled", err)
		}
		if _, err := l.Await(cctx, 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("Await: %v, want context.Canceled", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		// A checkpoint interval longer than the time allowed: the entry
		// cannot be committed to in time, and Close gives up waiting.
		dir := t.TempDir()
		l, err := Open(ctx, dir, testOrigin, key, Options{CheckpointInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		i, err := l.Append(ctx, []byte("one"))
		if err != nil {
			t.Fatal(err)
		}
		tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if _, err := l.Await(tctx, i); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Await: %v, want context.DeadlineExceeded", err)
		}
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := l.Close(cctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close: %v, want context.DeadlineExceeded", err)
		}
		// The entry was sequenced: the next Open publishes it.
		l = openLog(t, dir, key, Options{})
		inc, err := l.Prove(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		if string(inc.Entry) != "one" {
			t.Fatalf("entry %d is %q", i, inc.Entry)
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	ctx := testCtx(t)
	key := testKey("open")
	mismatched := bytes.Clone(key)
	copy(mismatched[32:], testKey("other")[32:])

	for _, tc := range []struct {
		name   string
		origin string
		key    ed25519.PrivateKey
		opts   Options
	}{
		{"empty origin", "", key, Options{}},
		{"origin with space", "a b", key, Options{}},
		{"origin with plus", "a+b", key, Options{}},
		{"nil key", testOrigin, nil, Options{}},
		{"short key", testOrigin, key[:32], Options{}},
		{"public half not the seed's", testOrigin, mismatched, Options{}},
		{"negative batch", testOrigin, key, Options{BatchMaxSize: -1}},
		{"negative timeout", testOrigin, key, Options{Timeout: -time.Second}},
		{"checkpoint interval below tessera's minimum", testOrigin, key, Options{CheckpointInterval: 50 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "log")
			_, err := Open(ctx, dir, tc.origin, tc.key, tc.opts)
			if ce := (*ConfigError)(nil); !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Fatalf("Open: %v, want a ConfigError", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused Open created the folder (%v)", err)
			}
		})
	}
	t.Run("no folder", func(t *testing.T) {
		if _, err := Open(ctx, "", testOrigin, key, Options{}); !errors.Is(err, ErrConfig) {
			t.Fatalf("Open: %v, want ErrConfig", err)
		}
	})

	folders := []struct {
		name  string
		setup func(t *testing.T) string
	}{
		{"folder with other files", func(t *testing.T) string {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
			return dir
		}},
		{"a file", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(p, []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"checkpoint without tessera state", func(t *testing.T) string {
			_, notes := buildLog(t, key, "copy", 10)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "checkpoint"), notes[0], 0o644); err != nil {
				t.Fatal(err)
			}
			return dir
		}},
		{"checkpoint is a folder", func(t *testing.T) string {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "checkpoint"), 0o755); err != nil {
				t.Fatal(err)
			}
			return dir
		}},
	}
	for _, tc := range folders {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.setup(t)
			before := listFolder(t, dir)
			_, err := Open(ctx, dir, testOrigin, key, Options{})
			if fe := (*FolderError)(nil); !errors.As(err, &fe) || !errors.Is(err, ErrLogMismatch) {
				t.Fatalf("Open: %v, want a FolderError", err)
			}
			if after := listFolder(t, dir); after != before {
				t.Fatalf("a refused Open changed the folder:\n%s\nbecame\n%s", before, after)
			}
		})
	}
}

func TestInclusionJSON(t *testing.T) {
	key := testKey("json")
	l := openLog(t, t.TempDir(), key, Options{})
	ctx := testCtx(t)
	model := make(map[uint64][]byte)
	appendAll(t, l, model, 0, testEntries("j", 0, 3))
	inc, err := l.Prove(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Schema     string `json:"schema"`
		Index      uint64 `json:"index"`
		Entry      []byte `json:"entry"`
		Checkpoint struct {
			Origin string `json:"origin"`
			Size   uint64 `json:"size"`
			Hash   []byte `json:"hash"`
			Note   []byte `json:"note"`
		} `json:"checkpoint"`
		Proof [][]byte `json:"proof"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema != InclusionSchema || got.Index != 1 || !bytes.Equal(got.Entry, model[1]) ||
		got.Checkpoint.Origin != testOrigin || got.Checkpoint.Size != 3 || len(got.Proof) != 2 {
		t.Fatalf("JSON %s", b)
	}
	// A reader of the JSON verifies it again from the note.
	cp, err := vtlog.VerifyCheckpoint(got.Checkpoint.Note, testOrigin, l.LogKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := vtlog.VerifyInclusion(cp, got.Index, got.Entry, got.Proof); err != nil {
		t.Fatal(err)
	}
}

// listFolder lists the files under dir (or describes the file dir).
func listFolder(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintln(&b, p, d.Type())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
