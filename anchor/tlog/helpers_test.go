package tlog

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
)

const testOrigin = "log.selfattest.example"

// testKey returns a deterministic Ed25519 key for seed.
func testKey(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("anchor/tlog test key " + seed))
	return ed25519.NewKeyFromSeed(s[:])
}

// testEntry returns entry i of a test log: distinct, of varying sizes.
func testEntry(prefix string, i uint64) []byte {
	b := fmt.Appendf(nil, `{"kind":"test","log":%q,"i":%d}`, prefix, i)
	pad := int(i % 97)
	for j := 0; j < pad; j++ {
		b = append(b, byte('a'+j%26))
	}
	return binary.BigEndian.AppendUint64(b, i)
}

func testEntries(prefix string, from, to uint64) [][]byte {
	out := make([][]byte, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, testEntry(prefix, i))
	}
	return out
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// openLog opens (or creates) the log in dir and closes it when the test ends.
func openLog(t testing.TB, dir string, key ed25519.PrivateKey, opts Options) *Log {
	t.Helper()
	l, err := Open(testCtx(t), dir, testOrigin, key, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() {
		if err := l.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// appendAll appends entries, checks that they got the indexes first to
// first+len(entries)-1 (in some order: tessera may write two batches out of
// order), and records in model which entry has which index.
func appendAll(t testing.TB, l *Log, model map[uint64][]byte, first uint64, entries [][]byte) {
	t.Helper()
	idx, err := l.AppendBatch(testCtx(t), entries)
	if err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	if len(idx) != len(entries) {
		t.Fatalf("AppendBatch returned %d indexes for %d entries", len(idx), len(entries))
	}
	for i, n := range idx {
		if n < first || n >= first+uint64(len(entries)) {
			t.Fatalf("entry %d got index %d, not in [%d, %d)", i, n, first, first+uint64(len(entries)))
		}
		if _, dup := model[n]; dup {
			t.Fatalf("index %d given twice", n)
		}
		model[n] = entries[i]
	}
}

// reader is a verify/tlog reader of a log folder, independent of the Log.
type reader struct {
	root *os.Root
	dir  *logfetch.DirFetcher
	key  *vtlog.LogKey
}

func newReader(t testing.TB, dir string, pub ed25519.PublicKey) *reader {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	key, err := vtlog.NewLogKey(testOrigin, pub)
	if err != nil {
		t.Fatal(err)
	}
	return &reader{root: root, dir: logfetch.NewDirFetcher(root), key: key}
}

func (r *reader) checkpoint(t testing.TB) *vtlog.VerifiedCheckpoint {
	t.Helper()
	cp, err := vtlog.FetchCheckpoint(testCtx(t), r.dir.Checkpoint, testOrigin, r.key)
	if err != nil {
		t.Fatalf("FetchCheckpoint: %v", err)
	}
	return cp
}

func (r *reader) verify(t testing.TB, note []byte) *vtlog.VerifiedCheckpoint {
	t.Helper()
	cp, err := vtlog.VerifyCheckpoint(note, testOrigin, r.key)
	if err != nil {
		t.Fatalf("VerifyCheckpoint: %v", err)
	}
	return cp
}

// flipByte flips the low bit of the byte at off (from the end if negative) of the file at path.
func flipByte(t testing.TB, path string, off int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if off < 0 {
		off += len(b)
	}
	b[off] ^= 1
	// Write a new file: tessera may have linked other paths to this one.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func tilePath(dir string, level, index uint64, p uint8) string {
	return filepath.Join(dir, filepath.FromSlash(vtlog.TilePath(level, index, p)))
}
