package ipfs_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"

	"github.com/ats-run/selfattest/anchor/ipfs"
)

// blockPath is where a store in dir keeps c's block.
func blockPath(dir string, c cid.Cid) string {
	return filepath.Join(dir, "blocks", c.String())
}

// leafCID is the CID of a raw leaf of data, computed here from
// crypto/sha256 rather than by the package.
func leafCID(t *testing.T, data []byte) cid.Cid {
	t.Helper()
	sum := sha256.Sum256(data)
	h, err := mh.Encode(sum[:], mh.SHA2_256)
	if err != nil {
		t.Fatal(err)
	}
	return cid.NewCidV1(cid.Raw, h)
}

// blockInTheWay makes a non-empty folder where the store in dir would
// put c's block, so that renaming the block into place fails — a write
// error that a root user meets too (a read-only folder would not stop
// root).
func blockInTheWay(t *testing.T, dir string, c cid.Cid) {
	t.Helper()
	p := blockPath(dir, c)
	if err := os.MkdirAll(filepath.Join(p, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestArchiveWriteErrorFailsIt: a block that cannot be written fails the
// archive, whether it is a leaf in the middle of the file (written by a
// writer goroutine while the importer goes on) or the root, the last
// block written; no CID is returned and the root is not in the store.
func TestArchiveWriteErrorFailsIt(t *testing.T) {
	ctx := context.Background()
	const size = 5<<20 + 9 // 6 leaves under one root
	src := writeFile(t, t.TempDir(), "f", 21, size)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// The root as an archive elsewhere gives it: the test below checks it
	// is not in the broken store, and a clean store gets it.
	root := archive(t, newStore(t), src)
	third := leafCID(t, data[2*ipfs.ChunkSize:3*ipfs.ChunkSize])

	for _, tc := range []struct {
		name    string
		blocked cid.Cid
	}{
		{"third leaf", third},
		{"root", root},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, how := range []string{"AddReader", "AddPath"} {
				dir := t.TempDir()
				s, err := ipfs.OpenStore(dir)
				if err != nil {
					t.Fatal(err)
				}
				blockInTheWay(t, dir, tc.blocked)
				a := &ipfs.Archiver{Store: s}
				var c cid.Cid
				if how == "AddReader" {
					f, err := os.Open(src)
					if err != nil {
						t.Fatal(err)
					}
					c, _, err = a.AddReader(ctx, f)
					f.Close()
					if !errors.Is(err, ipfs.ErrBadInput) {
						t.Errorf("%s: %v, want ErrBadInput (a store write failed)", how, err)
					}
				} else {
					c, err = a.AddPath(ctx, src)
					if !errors.Is(err, ipfs.ErrBadInput) {
						t.Errorf("%s: %v, want ErrBadInput (a store write failed)", how, err)
					}
				}
				if c.Defined() {
					t.Errorf("%s returned a CID, %s, with a block unwritten", how, c)
				}
				if fi, err := os.Stat(blockPath(dir, root)); err == nil && fi.Mode().IsRegular() {
					t.Errorf("%s: the root block was written though the archive failed", how)
				}
				// No temporary file is left behind by the failed write.
				tmp, _ := filepath.Glob(filepath.Join(dir, "blocks", ".put-*"))
				if len(tmp) != 0 {
					t.Errorf("%s left temporary files: %v", how, tmp)
				}
			}
		})
	}
}

// TestArchivedBlocksAreOnDiskWhenItReturns: when AddReader returns, every
// block of the file is in the store, whole — read back here through
// Store.Block, which hashes it.
func TestArchivedBlocksAreOnDiskWhenItReturns(t *testing.T) {
	const size = 7<<20 + 1
	src := writeFile(t, t.TempDir(), "f", 22, size)
	blocksOnDisk(t, src, size)
}

// TestArchiveOfRepeatedLeaves: a file of zeros, whose leaves are one
// block under one CID written by both writers at once, archives whole.
func TestArchiveOfRepeatedLeaves(t *testing.T) {
	const size = 6 << 20
	src := filepath.Join(t.TempDir(), "zeros")
	writeBytes(t, src, make([]byte, size))
	blocksOnDisk(t, src, size)
}

// blocksOnDisk archives src (of size bytes) into fresh stores, three
// times, and checks that every block is in the store when AddReader
// returns.
func blocksOnDisk(t *testing.T, src string, size int64) {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		s := newStore(t)
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		a := &ipfs.Archiver{Store: s}
		root, n, err := a.AddReader(ctx, f)
		f.Close()
		if err != nil || n != size {
			t.Fatalf("AddReader = %d, %v", n, err)
		}
		for off := 0; off < len(data); off += ipfs.ChunkSize {
			leaf := data[off:min(off+ipfs.ChunkSize, len(data))]
			if _, err := s.Block(leafCID(t, leaf)); err != nil {
				t.Errorf("leaf at %d: %v", off, err)
			}
		}
		if _, err := s.Block(root); err != nil {
			t.Errorf("root: %v", err)
		}
	}
}

// TestPutChecksTheBlock: Store.Put, the way blocks from a CAR or a
// gateway come in, still hashes every block: bytes that are not the CID's
// are refused and not kept.
func TestPutChecksTheBlock(t *testing.T) {
	s := newStore(t)
	good := []byte("the bytes the CID names")
	c := leafCID(t, good)
	if err := s.Put(c, []byte("other bytes")); !errors.Is(err, ipfs.ErrBlockHash) {
		t.Errorf("Put(other bytes) = %v, want ErrBlockHash", err)
	}
	if s.Has(c) {
		t.Error("the refused block is in the store")
	}
	if err := s.Put(c, good); err != nil {
		t.Fatal(err)
	}
	got, err := s.Block(c)
	if err != nil || string(got) != string(good) {
		t.Errorf("Block = %q, %v", got, err)
	}
}

// TestBlockCorruptedOnDiskIsCaught: a block file whose bytes changed
// after it was written (a leaf the archiver wrote without hashing it a
// second time) is refused when read, with ErrBlockHash.
func TestBlockCorruptedOnDiskIsCaught(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := ipfs.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := writeFile(t, t.TempDir(), "f", 23, 2<<20+5)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	root := archive(t, s, src)
	leaf := leafCID(t, data[ipfs.ChunkSize:2*ipfs.ChunkSize])
	p := blockPath(dir, leaf)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[12345] ^= 1
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Block(leaf); !errors.Is(err, ipfs.ErrBlockHash) {
		t.Errorf("Block(corrupted leaf) = %v, want ErrBlockHash", err)
	}
	if _, err := ipfs.Verify(ctx, s, root, ipfs.Limits{}); !errors.Is(err, ipfs.ErrBlockHash) {
		t.Errorf("Verify = %v, want ErrBlockHash", err)
	}
	if err := ipfs.ExportCAR(ctx, s, root, io.Discard, ipfs.Limits{}); !errors.Is(err, ipfs.ErrBlockHash) {
		t.Errorf("ExportCAR = %v, want ErrBlockHash", err)
	}
}

// TestGetOfAMissingBlock: the store's Get, boxo's way in, says a block it
// lacks is missing both in the package's terms (ErrMissingBlock,
// rejected) and in boxo's (ipld.ErrNotFound).
func TestGetOfAMissingBlock(t *testing.T) {
	s := newStore(t)
	c := archive(t, newStore(t), writeFile(t, t.TempDir(), "f", 3, 100)) // in another store
	_, err := s.Get(context.Background(), c)
	if !errors.Is(err, ipfs.ErrMissingBlock) || !ipld.IsNotFound(err) {
		t.Fatalf("Get(missing) = %v, want ErrMissingBlock and ipld.ErrNotFound", err)
	}
}

// TestOpenStoreSweepsStaleTemporaryFiles: a temporary block file a writer
// that died mid-write left behind (".put-…", a day old) is removed when
// the store is opened; one a live writer may still own (written a moment
// ago) is not, nor is anything else: blocks, a file of another name, a
// folder or a symbolic link named like a temporary file. The blocks read
// back whole.
func TestOpenStoreSweepsStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := ipfs.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	root := archive(t, s, writeFile(t, t.TempDir(), "f", 24, 2<<20+3))
	leaf := []byte("a small leaf")
	c := leafCID(t, leaf)
	if err := s.Put(c, leaf); err != nil {
		t.Fatal(err)
	}
	blocks := filepath.Join(dir, "blocks")
	before, err := os.ReadDir(blocks)
	if err != nil {
		t.Fatal(err)
	}

	old := time.Now().Add(-24 * time.Hour)
	put := func(name string, mtime time.Time) string {
		p := filepath.Join(blocks, name)
		writeBytes(t, p, []byte("half a block"))
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := put(".put-stale", old)
	staleDirect := put(".put-1x2y3z", old) // a name writeDirect gives
	fresh := put(".put-fresh", time.Now())
	other := put("notes", old)
	folder := filepath.Join(blocks, ".put-folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(folder, old, old); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(blocks, ".put-link")
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}

	s, err = ipfs.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{stale, staleDirect} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stale temporary file %s: %v, want it removed", filepath.Base(p), err)
		}
	}
	for _, p := range []string{fresh, other, folder, link} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was touched: %v", filepath.Base(p), err)
		}
	}
	for _, e := range before {
		if _, err := os.Lstat(filepath.Join(blocks, e.Name())); err != nil {
			t.Errorf("block %s: %v", e.Name(), err)
		}
	}
	if got, err := s.Block(c); err != nil || string(got) != string(leaf) {
		t.Errorf("Block = %q, %v", got, err)
	}
	if _, err := ipfs.Verify(context.Background(), s, root, ipfs.Limits{}); err != nil {
		t.Errorf("Verify after the sweep: %v", err)
	}
}
