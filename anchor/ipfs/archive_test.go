package ipfs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/internal/clitest"
)

// sameTree fails unless folders (or files) a and b hold the same names
// and bytes.
func sameTree(t *testing.T, a, b string) {
	t.Helper()
	var n int
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		q := filepath.Join(b, rel)
		fi, err := os.Stat(q)
		if err != nil {
			return err
		}
		if d.IsDir() != fi.IsDir() {
			t.Errorf("%s: folder in one, file in the other", rel)
			return nil
		}
		if !d.IsDir() {
			x, _ := os.ReadFile(p)
			y, _ := os.ReadFile(q)
			if !bytes.Equal(x, y) {
				t.Errorf("%s: the bytes differ (%d and %d bytes)", rel, len(x), len(y))
			}
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var m int
	filepath.WalkDir(b, func(string, fs.DirEntry, error) error { m++; return nil })
	if n != m {
		t.Errorf("%d entries in %s, %d in %s", n, a, m, b)
	}
}

// treeSize sums the sizes of the files under dir, as the file system
// reports them.
func treeSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		n += fi.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestArchiveCARRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := evidenceDir(t)
	s := newStore(t)
	root := archive(t, s, src)

	for _, v2 := range []bool{false, true} {
		carPath := filepath.Join(t.TempDir(), "a.car")
		f, err := os.Create(carPath)
		if err != nil {
			t.Fatal(err)
		}
		if v2 {
			err = ipfs.ExportCARv2(ctx, s, root, f, ipfs.Limits{})
		} else {
			err = ipfs.ExportCAR(ctx, s, root, f, ipfs.Limits{})
		}
		if err != nil {
			t.Fatalf("export (v2 %v): %v", v2, err)
		}
		f.Close()
		in, err := os.Open(carPath)
		if err != nil {
			t.Fatal(err)
		}
		s2 := newStore(t)
		st, err := ipfs.ImportCAR(ctx, in, root, s2, ipfs.Limits{})
		in.Close()
		if err != nil {
			t.Fatalf("import (v2 %v): %v", v2, err)
		}
		if st.Files != 6 || st.Dirs != 2 || st.Size != treeSize(t, src) {
			t.Errorf("stat %+v, want 6 files, 2 folders, %d bytes", st, treeSize(t, src))
		}
		out := filepath.Join(t.TempDir(), "out")
		if _, err := ipfs.Extract(ctx, s2, root, out, ipfs.Limits{}); err != nil {
			t.Fatalf("extract: %v", err)
		}
		sameTree(t, src, out)
	}
}

func TestArchiveRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	a := &ipfs.Archiver{Store: newStore(t)}
	// A FIFO with no writer: a blocking open would hang the test.
	if _, err := a.AddPath(context.Background(), fifo); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("AddPath(fifo) = %v, want ErrBadInput", err)
	}
	d := filepath.Join(t.TempDir(), "d")
	os.Mkdir(d, 0o755)
	os.WriteFile(filepath.Join(d, "f"), []byte("x"), 0o644)
	if err := os.Symlink("/etc/passwd", filepath.Join(d, "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPath(context.Background(), d); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("AddPath(folder with a symbolic link) = %v, want ErrBadInput", err)
	}
	big := writeFile(t, t.TempDir(), "big", 1, 3<<20)
	small := &ipfs.Archiver{Store: newStore(t), Limits: ipfs.Limits{MaxFileSize: 2 << 20}}
	if _, err := small.AddPath(context.Background(), big); !errors.Is(err, ipfs.ErrLimit) {
		t.Errorf("AddPath(3 MiB, limit 2 MiB) = %v, want ErrLimit", err)
	}
	if _, _, err := small.AddReader(context.Background(), deterministic(1, 3<<20)); !errors.Is(err, ipfs.ErrLimit) {
		t.Errorf("AddReader(3 MiB, limit 2 MiB) = %v, want ErrLimit", err)
	}
}

func TestAddPathsWrapsInAFolder(t *testing.T) {
	dir := evidenceDir(t)
	s := newStore(t)
	a := &ipfs.Archiver{Store: s}
	c, err := a.AddPaths(context.Background(), filepath.Join(dir, "report.json"), filepath.Join(dir, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := ipfs.Verify(context.Background(), s, c, ipfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Dir || st.Files != 2 || st.Dirs != 2 {
		t.Errorf("stat %+v", st)
	}
	if _, err := a.AddPaths(context.Background(), filepath.Join(dir, "report.json"), filepath.Join(dir, "report.json")); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("two paths of one name: %v, want ErrBadInput", err)
	}
}

// TestStoreDamageIsCaught: a block damaged on disk is never served: Verify,
// Extract and ExportCAR reject it, and Publish sends nothing.
func TestStoreDamageIsCaught(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := ipfs.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	root := archive(t, s, evidenceDir(t))
	// Damage the largest block file.
	var big string
	var size int64
	filepath.WalkDir(filepath.Join(dir, "blocks"), func(p string, d fs.DirEntry, err error) error {
		if fi, err := d.Info(); err == nil && !d.IsDir() && fi.Size() > size {
			big, size = p, fi.Size()
		}
		return nil
	})
	data, err := os.ReadFile(big)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x40
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	wantBlockHash(t, ctx, s, root)
	// A node that is not there: its connection is refused, or the export
	// meets the damaged block first.
	k := &ipfs.Kubo{URL: clitest.DeadURL(t)}
	if err := k.Publish(ctx, s, root, ipfs.Limits{}); !errors.Is(err, ipfs.ErrBlockHash) && !errors.Is(err, ipfs.ErrCouldNotCheck) {
		t.Errorf("Publish = %v, want ErrBlockHash or ErrCouldNotCheck", err)
	}
	// A node that takes the whole upload: the export reaches the damaged
	// block, and Publish says so rather than that the node failed.
	drain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer drain.Close()
	k = &ipfs.Kubo{URL: drain.URL}
	if err := k.Publish(ctx, s, root, ipfs.Limits{}); !errors.Is(err, ipfs.ErrBlockHash) || errors.Is(err, ipfs.ErrCouldNotCheck) {
		t.Errorf("Publish to a node that reads the upload = %v, want ErrBlockHash (and not could not check)", err)
	}
	// Remove the block: missing.
	os.Remove(big)
	if _, err := ipfs.Verify(ctx, s, root, ipfs.Limits{}); !errors.Is(err, ipfs.ErrMissingBlock) {
		t.Errorf("Verify(block removed) = %v, want ErrMissingBlock", err)
	}
}

func TestExtractRefusesAnExistingDestination(t *testing.T) {
	s := newStore(t)
	root := archive(t, s, evidenceDir(t))
	if _, err := ipfs.Extract(context.Background(), s, root, t.TempDir(), ipfs.Limits{}); !errors.Is(err, ipfs.ErrBadInput) {
		t.Errorf("Extract(existing folder) = %v, want ErrBadInput", err)
	}
}

// TestPutRepairsADamagedBlock: a block file of the right size and the
// wrong bytes (what a power cut can leave) is rewritten by a new Put.
func TestPutRepairsADamagedBlock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := ipfs.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := writeFile(t, t.TempDir(), "f", 4, 100)
	root := archive(t, s, src)
	p := filepath.Join(dir, "blocks", root.String())
	if err := os.WriteFile(p, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ipfs.Verify(ctx, s, root, ipfs.Limits{}); !errors.Is(err, ipfs.ErrBlockHash) {
		t.Fatalf("Verify(zeroed block) = %v, want ErrBlockHash", err)
	}
	archive(t, s, src)
	if _, err := ipfs.Verify(ctx, s, root, ipfs.Limits{}); err != nil {
		t.Fatalf("Verify after archiving again = %v", err)
	}
}
