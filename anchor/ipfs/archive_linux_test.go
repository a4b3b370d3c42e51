//go:build linux

package ipfs_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor/ipfs"
)

// readBytes is the number of bytes this process has read through read
// system calls so far (rchar in /proc/self/io).
func readBytes(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "rchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("/proc/self/io has no rchar: %v", sc.Err())
	return 0
}

// TestAddPathReadsEachFileOnce: archiving a folder reads each file once
// and reads no block back from the store: the folder takes each file's
// CID and size from the file's add, whose importer hashed every block
// as it cut it. (It read each file's root block back through Store.Get,
// hashing a small file a second time.) The folder holds files of one
// leaf (1 MiB, written with O_DIRECT; 200 KiB) and of several (3 MiB +
// 5 B), and verifies.
func TestAddPathReadsEachFileOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var total int64
	for i, size := range []int64{1 << 20, 1 << 20, 1 << 20, 1 << 20, 200 << 10, 200 << 10, 200 << 10, 3<<20 + 5} {
		writeFile(t, dir, fmt.Sprintf("f%d", i), byte(40+i), size)
		total += size
	}
	s := newStore(t)
	a := &ipfs.Archiver{Store: s}
	before := readBytes(t)
	root, err := a.AddPath(ctx, dir)
	read := readBytes(t) - before
	if err != nil {
		t.Fatal(err)
	}
	// The files' bytes, and a little: the importer reads to EOF.
	if read > total+total/16 {
		t.Errorf("archiving %d bytes of files read %d bytes", total, read)
	}
	if _, err := ipfs.Verify(ctx, s, root, ipfs.Limits{}); err != nil {
		t.Errorf("Verify: %v", err)
	}
}
