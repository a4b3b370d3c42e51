//go:build unix

package localtsa_test

import (
	"path/filepath"
	"syscall"
	"testing"
)

// fileCase is a path a reader must refuse, and what it names.
type fileCase struct{ name, path string }

// fifoCases is a FIFO with no writer in dir: a reader that opened it as
// a file would wait forever.
func fifoCases(t *testing.T, dir string) []fileCase {
	t.Helper()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	return []fileCase{{"a FIFO", fifo}}
}
