package tlog_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
)

func TestDirFetcher(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "checkpoint"), make([]byte, tlog.MaxCheckpointSize+1), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "tile", "0", "000.p"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "tile", "0", "000.p", "2"), make([]byte, 3*tlog.HashSize), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "tile", "0", "001"), 0o755))
	must(os.WriteFile(filepath.Join(outside, "secret"), make([]byte, tlog.HashSize), 0o644))
	must(os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "tile", "0", "000.p", "1")))
	root, err := os.OpenRoot(dir)
	must(err)
	defer root.Close()
	f := logfetch.NewDirFetcher(root)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name     string
		read     func() ([]byte, error)
		notExist bool
	}{
		{"checkpoint over its limit", func() ([]byte, error) { return f.Checkpoint(ctx) }, false},
		{"tile over its limit", func() ([]byte, error) { return f.Tile(ctx, 0, 0, 2) }, false},
		{"directory", func() ([]byte, error) { return f.Tile(ctx, 0, 1, 0) }, false},
		{"symlink out of the root", func() ([]byte, error) { return f.Tile(ctx, 0, 0, 1) }, false},
		{"missing", func() ([]byte, error) { return f.EntryBundle(ctx, 7, 0) }, true},
		{"cancelled", func() ([]byte, error) { return f.EntryBundle(cancelled, 0, 0) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.read()
			var fe *tlog.FetchError
			if !errors.As(err, &fe) || !errors.Is(err, tlog.ErrUnavailable) || errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("%d bytes, %v: want a *FetchError", len(b), err)
			}
			if errors.Is(err, os.ErrNotExist) != tc.notExist {
				t.Fatalf("%v: os.ErrNotExist %v", err, !tc.notExist)
			}
			t.Logf("%v", err)
		})
	}
}
