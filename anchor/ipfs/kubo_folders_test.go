package ipfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
)

// TestFolderShapesEqualKubo: a folder takes each file as the file's add
// left it, its CID and size only (no block read back), through boxo's
// plain-folder and HAMT code; the folders of the shapes that code meets
// have Kubo's CIDs and CARs, verify, and reassemble: one file, one empty
// file, one file of exactly one full leaf (1 MiB, whose chunk buffer the
// store takes back once written), folders nested three deep, and a folder
// that passes the sharding limit (its plain links moved into a HAMT) with
// a 1 MiB file, an empty one and a nested folder among its entries.
func TestFolderShapesEqualKubo(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	mkdir := func(t *testing.T, p string) string {
		t.Helper()
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name  string
		make  func(t *testing.T, dir string)
		files int
	}{
		{"one file", func(t *testing.T, dir string) {
			writeFile(t, dir, "only", 11, 100)
		}, 1},
		{"one empty file", func(t *testing.T, dir string) {
			writeBytes(t, filepath.Join(dir, "empty"), nil)
		}, 1},
		{"one 1MiB file", func(t *testing.T, dir string) {
			writeFile(t, dir, "leaf", 12, 1<<20)
		}, 1},
		{"nested", func(t *testing.T, dir string) {
			c := mkdir(t, filepath.Join(dir, "a", "b", "c"))
			writeFile(t, c, "leaf", 13, 1<<20)
			writeBytes(t, filepath.Join(c, "empty"), nil)
			writeFile(t, filepath.Join(dir, "a"), "two-leaves", 14, 1<<20+1)
			mkdir(t, filepath.Join(dir, "a", "empty-folder"))
		}, 3},
		{"sharded", func(t *testing.T, dir string) {
			f := manyFiles(t, dir, 1830) // dir/f, above 256 KiB: a HAMT
			writeFile(t, f, "leaf", 15, 1<<20)
			writeBytes(t, filepath.Join(f, "empty"), nil)
			writeFile(t, mkdir(t, filepath.Join(f, "sub")), "inner", 16, 1<<20)
		}, 1833},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := mkdir(t, filepath.Join(t.TempDir(), "src"))
			tc.make(t, src)
			archiveEqualsKubo(t, node, src, tc.files)
		})
	}
}
