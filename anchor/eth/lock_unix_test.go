//go:build unix

package eth

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// flock takes an exclusive lock on path, waiting until ctx is done.
func flock(ctx context.Context, t *testing.T, path string) func() {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			t.Fatalf("lock %s: %v", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			t.Fatalf("lock %s: %v", path, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
