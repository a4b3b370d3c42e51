//go:build unix

package monitor_test

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/verify/tlog/monitor"
)

// TestFileStoreFIFO: a FIFO at the state path is a state error,
// returned at once (the open used to block until a writer appeared).
func TestFileStoreFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := monitor.NewFileStore(p).Load(context.Background()); done <- err }()
	select {
	case err := <-done:
		var se *monitor.StateError
		if !errors.As(err, &se) {
			t.Fatalf("err = %v; want a *StateError", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load still running after 5 s")
	}
}
