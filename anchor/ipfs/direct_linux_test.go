//go:build linux

package ipfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// withOpenDirect replaces openDirect for the test.
func withOpenDirect(t *testing.T, open func(string) (*os.File, error)) {
	t.Helper()
	old := openDirect
	openDirect = open
	t.Cleanup(func() { openDirect = old })
}

// archiveBytes archives data into a fresh store in the test's temporary
// folder (see archiveBytesIn).
func archiveBytes(t *testing.T, data []byte) *Store {
	t.Helper()
	return archiveBytesIn(t, t.TempDir(), data)
}

// archiveBytesIn archives data into a fresh store in dir and checks that
// every leaf is there under the CID crypto/sha256 gives it, and no
// temporary file is left.
func archiveBytesIn(t *testing.T, dir string, data []byte) *Store {
	t.Helper()
	s, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := &Archiver{Store: s}
	if _, _, err := a.AddReader(context.Background(), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(data); off += ChunkSize {
		leaf := data[off:min(off+ChunkSize, len(data))]
		sum := sha256.Sum256(leaf)
		h, err := mh.Encode(sum[:], mh.SHA2_256)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Block(cid.NewCidV1(cid.Raw, h))
		if err != nil || !bytes.Equal(got, leaf) {
			t.Errorf("leaf at %d: %v", off, err)
		}
	}
	names, err := os.ReadDir(filepath.Join(s.Dir(), "blocks"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range names {
		if strings.HasPrefix(e.Name(), ".put-") {
			t.Errorf("temporary file %s left", e.Name())
		}
	}
	return s
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{7}).Read(b)
	return b
}

// directDir returns a folder on a file system that takes O_DIRECT
// writes: the test's temporary folder, or, where that refuses them (tmpfs
// did before Linux 6.6, and is a common temporary folder), a new folder
// under the user's cache folder or else under the working directory,
// removed after the test. If none takes them the test fails, naming each
// folder tried, its file system and the refusal.
func directDir(t *testing.T) string {
	t.Helper()
	var refused []string
	takes := func(dir string) bool {
		err := probeDirect(dir)
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s (%s): %v", dir, fsName(dir), err))
		}
		return err == nil
	}
	if dir := t.TempDir(); takes(dir) {
		return dir
	}
	var parents []string
	if cache, err := os.UserCacheDir(); err == nil {
		parents = append(parents, filepath.Join(cache, "selfattest", "ipfs-direct"))
	}
	if wd, err := os.Getwd(); err == nil {
		parents = append(parents, wd)
	}
	for _, parent := range parents {
		if err := os.MkdirAll(parent, 0o755); err != nil {
			refused = append(refused, err.Error())
			continue
		}
		dir, err := os.MkdirTemp(parent, "direct-test-")
		if err != nil {
			refused = append(refused, err.Error())
			continue
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if takes(dir) {
			t.Logf("the temporary folder refuses O_DIRECT (%s); testing in %s (%s)", refused[0], dir, fsName(dir))
			return dir
		}
	}
	t.Fatalf("no folder tried takes O_DIRECT writes: %s", strings.Join(refused, "; "))
	return ""
}

// probeDirect writes one aligned block to a new file in dir with
// O_DIRECT, as the store writes a leaf, and removes the file.
func probeDirect(dir string) error {
	name := filepath.Join(dir, "probe-direct")
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_DIRECT|syscall.O_CLOEXEC, 0o600)
	defer os.Remove(name) // a refused open may have created it
	if err != nil {
		return err
	}
	_, err = f.Write(alignedBuffer(directAlign)[:directAlign])
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// fsName names the file system dir is on, for the failure message.
func fsName(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return err.Error()
	}
	names := map[int64]string{
		0x01021994: "tmpfs", 0x858458f6: "ramfs", 0xef53: "ext2/3/4", 0x58465342: "xfs",
		0x9123683e: "btrfs", 0x794c7630: "overlayfs", 0x65735546: "fuse", 0x6969: "nfs",
		0x2fc12fc1: "zfs", 0x01021997: "9p", 0xf2f52010: "f2fs",
	}
	if n, ok := names[int64(st.Type)]; ok {
		return n
	}
	return fmt.Sprintf("file system 0x%x", st.Type)
}

// TestDirectWritesFullLeaves: an archive writes each full leaf with
// O_DIRECT in effect on the file the store's openDirect opened (its
// flags ask for it and the kernel kept it), and the short last leaf and
// the inner nodes through the page cache; every block reads back as the bytes its CID names. The store is on a file
// system that takes O_DIRECT (directDir): one that refuses it is
// TestDirectRefusedFallsBack's case.
func TestDirectWritesFullLeaves(t *testing.T) {
	dir := directDir(t)
	var direct atomic.Int32
	real := openDirect // the store's own open, whose flags are checked
	withOpenDirect(t, func(name string) (*os.File, error) {
		f, err := real(name)
		if err != nil {
			return nil, err
		}
		fl, _, errno := syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), syscall.F_GETFL, 0)
		if errno != 0 || fl&syscall.O_DIRECT == 0 {
			t.Errorf("%s: flags %#x (%v): O_DIRECT not in effect", name, fl, errno)
		}
		direct.Add(1)
		return f, nil
	})
	s := archiveBytesIn(t, dir, randomBytes(3*ChunkSize+5))
	if got := direct.Load(); got != 3 {
		t.Errorf("%d direct writes, want 3 (the full leaves)", got)
	}
	if s.noDirect.Load() {
		t.Error("the store gave up direct writes on a file system that takes them")
	}
}

// TestDirectRefusedFallsBack: on a file system that refuses O_DIRECT (as
// tmpfs did before Linux 6.6, and ramfs does) the store asks once, then
// writes every block through the page cache, and the archive is whole.
// Linux refuses O_DIRECT only once it has created the file (the check is
// made on the opened file: ramfs shows it), so the stand-in creates it
// too, and the refused open must leave no file (archiveBytes looks).
func TestDirectRefusedFallsBack(t *testing.T) {
	var asked atomic.Int32
	withOpenDirect(t, func(name string) (*os.File, error) {
		asked.Add(1)
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EINVAL}
	})
	s := archiveBytes(t, randomBytes(4*ChunkSize))
	if got := asked.Load(); got != 1 {
		t.Errorf("O_DIRECT tried %d times, want once", got)
	}
	if !s.noDirect.Load() {
		t.Error("the store did not remember the refusal")
	}
}

// TestDirectWriteRefusedLeavesNoFile: a direct write the kernel refuses
// (EINVAL) answers errNoDirect and leaves no file behind; any other open
// error is returned as it is. The refusal is made certain here by
// handing writeDirect an epoll descriptor for the file it created, which
// refuses every write with EINVAL: whether a file system refuses a
// misaligned direct write depends on the file system (ext4 does; tmpfs,
// which takes O_DIRECT since Linux 6.6, writes it), so a real misaligned
// write is then checked to be either refused so or written whole.
func TestDirectWriteRefusedLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	buf := alignedBuffer(2 * directAlign)
	real := openDirect
	withOpenDirect(t, func(name string) (*os.File, error) {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		f.Close()
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			t.Fatal(err)
		}
		return os.NewFile(uintptr(fd), name), nil
	})
	if _, err := writeDirect(dir, buf[:directAlign]); !errors.Is(err, errNoDirect) {
		t.Errorf("a write refused with EINVAL: %v, want errNoDirect", err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("left %d files", len(names))
	}

	openDirect = real
	misaligned := buf[1 : 1+directAlign]
	rand.NewChaCha8([32]byte{8}).Read(misaligned)
	name, err := writeDirect(dir, misaligned)
	switch {
	case errors.Is(err, errNoDirect):
		if names, _ := os.ReadDir(dir); len(names) != 0 {
			t.Errorf("a misaligned write refused, and %d files left", len(names))
		}
	case err != nil:
		t.Errorf("misaligned buffer: %v, want errNoDirect or the file written", err)
	default:
		if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, misaligned) {
			t.Errorf("a misaligned write taken: %v, the file holds the bytes: %v", err, bytes.Equal(got, misaligned))
		}
	}
	if _, err := writeDirect(filepath.Join(dir, "missing"), buf[:directAlign]); err == nil || errors.Is(err, errNoDirect) {
		t.Errorf("missing folder: %v, want its own error", err)
	}
}

// TestDirectPutOfAnUnalignedBlock: a block that comes in wherever its
// reader put it (a CAR, a gateway) is copied into an aligned buffer and
// written directly; it reads back as its bytes, and the caller's slice is
// left as it was.
func TestDirectPutOfAnUnalignedBlock(t *testing.T) {
	var direct atomic.Int32
	old := openDirect
	withOpenDirect(t, func(name string) (*os.File, error) {
		direct.Add(1)
		return old(name)
	})
	s, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src := randomBytes(ChunkSize + 1)
	data := src[1:] // one byte off any alignment
	keep := bytes.Clone(data)
	sum := sha256.Sum256(data)
	h, err := mh.Encode(sum[:], mh.SHA2_256)
	if err != nil {
		t.Fatal(err)
	}
	c := cid.NewCidV1(cid.Raw, h)
	if err := s.Put(c, data); err != nil {
		t.Fatal(err)
	}
	if direct.Load() != 1 {
		t.Errorf("%d direct writes, want 1", direct.Load())
	}
	got, err := s.Block(c)
	if err != nil || !bytes.Equal(got, keep) || !bytes.Equal(data, keep) {
		t.Errorf("block read back: %v, equal %v; caller's bytes kept %v", err, bytes.Equal(got, keep), bytes.Equal(data, keep))
	}
}
