package ipfs_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/ipfs"
)

// TestArchiverWithoutAStore: an Archiver with no Store refuses to
// archive, as bad input (never rejected, never could-not-check), and
// does not hand back a CID of blocks it kept nowhere: not for bytes, a
// file, an empty folder, a folder of files, or several paths. (A file's
// add inside AddPath goes through the same code as [ipfs.CID], which
// stores nothing: only the Archiver's own check stands between a missing
// Store and a CID that nothing holds.)
func TestArchiverWithoutAStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := writeFile(t, dir, "f", 31, 3<<20+7)
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	a := &ipfs.Archiver{}
	check := func(what string, got string, err error) {
		t.Helper()
		if !errors.Is(err, ipfs.ErrBadInput) || !errors.Is(err, anchor.ErrBadInput) || errors.Is(err, anchor.ErrAnchor) || errors.Is(err, anchor.ErrCouldNotCheck) {
			t.Errorf("%s without a Store = %s, %v; want bad input", what, got, err)
		}
	}
	c, _, err := a.AddReader(ctx, bytes.NewReader([]byte("some bytes")))
	check("AddReader", c.String(), err)
	for _, p := range []string{file, empty, dir} {
		c, err := a.AddPath(ctx, p)
		check("AddPath("+filepath.Base(p)+")", c.String(), err)
	}
	c, err = a.AddPaths(ctx, file, empty)
	check("AddPaths", c.String(), err)
}
