package ipfs_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor/ipfs"
)

// deterministic returns a reader of n bytes from a ChaCha8 stream seeded
// with seed: the same bytes on every machine, never held in memory.
func deterministic(seed byte, n int64) io.Reader {
	var s [32]byte
	s[0] = seed
	return io.LimitReader(rand.NewChaCha8(s), n)
}

// writeFile writes n deterministic bytes to dir/name, streaming.
func writeFile(t testing.TB, dir, name string, seed byte, n int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := io.Copy(w, deterministic(seed, n)); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func newStore(t testing.TB) *ipfs.Store {
	t.Helper()
	s, err := ipfs.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func archive(t testing.TB, s *ipfs.Store, path string) cid.Cid {
	t.Helper()
	a := &ipfs.Archiver{Store: s}
	c, err := a.AddPath(context.Background(), path)
	if err != nil {
		t.Fatalf("AddPath(%s): %v", path, err)
	}
	return c
}

// evidenceDir writes a small evidence set: a report, a bundle, a
// receipt, an empty file, a hidden file, and a nested folder with a
// 2 MiB + 3 B artifact: 6 files in 2 folders.
func evidenceDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "evidence")
	if err := os.MkdirAll(filepath.Join(dir, "artifacts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"report.json":  `{"verdict":"verified"}` + "\n",
		"bundle.json":  `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}` + "\n",
		"receipt.json": `{"schema":"https://github.com/ats-run/selfattest/receipt/v1"}` + "\n",
		"empty":        "",
		".hidden":      "kept, as ipfs add --hidden keeps it\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "artifacts"), "app.tar", 7, 2<<20+3)
	return dir
}

func writeBytes(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantBlockHash checks that Verify, Extract and ExportCAR each refuse
// root's DAG, one of whose blocks in s no longer matches its CID, with
// ErrBlockHash.
func wantBlockHash(t *testing.T, ctx context.Context, s *ipfs.Store, root cid.Cid) {
	t.Helper()
	if _, err := ipfs.Verify(ctx, s, root, ipfs.Limits{}); !errors.Is(err, ipfs.ErrBlockHash) {
		t.Errorf("Verify = %v, want ErrBlockHash", err)
	}
	if _, err := ipfs.Extract(ctx, s, root, filepath.Join(t.TempDir(), "out"), ipfs.Limits{}); !errors.Is(err, ipfs.ErrBlockHash) {
		t.Errorf("Extract = %v, want ErrBlockHash", err)
	}
	if err := ipfs.ExportCAR(ctx, s, root, io.Discard, ipfs.Limits{}); !errors.Is(err, ipfs.ErrBlockHash) {
		t.Errorf("ExportCAR = %v, want ErrBlockHash", err)
	}
}
