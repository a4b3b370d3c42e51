package tlog

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReadMonitorStateFIFO: a FIFO at the state path is a state error,
// returned at once (the open used to block until a writer appeared).
func TestReadMonitorStateFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadMonitorState(p); done <- err }()
	select {
	case err := <-done:
		var se *StateError
		if !errors.As(err, &se) {
			t.Fatalf("err = %v; want a *StateError", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadMonitorState still running after 5 s")
	}
}
