//go:build unix

package logfetch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/verify/tlog"
)

// TestDirFetcherFIFO: a FIFO at a tile's path in a log folder is a fetch
// error, returned at once (the open used to block until a writer
// appeared).
func TestDirFetcherFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "checkpoint"), 0o600); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f := NewDirFetcher(root)
	done := make(chan error, 1)
	go func() { _, err := f.Checkpoint(context.Background()); done <- err }()
	select {
	case err := <-done:
		var fe *tlog.FetchError
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v; want a *FetchError", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Checkpoint still running after 5 s")
	}
}

// TestHTTPFetcherRefusedURL: a base URL the fetch policy refuses is the
// caller's mistake, a *PolicyError at once — not a log that could not be
// read at the first fetch.
func TestHTTPFetcherRefusedURL(t *testing.T) {
	for _, base := range []string{"http://example.com/log", "ftp://example.com/log", "https://user:pw@example.com/log"} {
		var pe *tlog.PolicyError
		if _, err := NewHTTPFetcher(base, HTTPOptions{}); !errors.As(err, &pe) {
			t.Errorf("NewHTTPFetcher(%s): err = %v; want a *PolicyError", base, err)
		}
	}
	for _, base := range []string{"https://example.com/log", "http://127.0.0.1:1/log", "http://[::1]:1/"} {
		if _, err := NewHTTPFetcher(base, HTTPOptions{}); err != nil {
			t.Errorf("NewHTTPFetcher(%s): %v", base, err)
		}
	}
}
