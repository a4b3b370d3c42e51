//go:build unix

package tuf

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReadFileMaxFIFO: a FIFO in the cache is refused at once (the open
// used to block until a writer appeared).
func TestReadFileMaxFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "root.json")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := readFileMax(p, 1<<20); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a FIFO was read")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("readFileMax still running after 5 s")
	}
}
