//go:build unix

package localfiletest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Mkfifo makes a FIFO dir/name, with no writer, sets its mode to exactly
// mode with chmod, and returns its path.
func Mkfifo(t testing.TB, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// FIFOCases is a FIFO with no writer in dir, named "a FIFO": a reader
// that opened it as a file would wait forever.
func FIFOCases(t testing.TB, dir string) []Case {
	t.Helper()
	return []Case{{Name: "a FIFO", Path: Mkfifo(t, dir, "fifo", 0o600)}}
}

// Umask0 sets the process's umask to 0 until the test ends, when the old
// one is put back. The umask is the process's: a test that calls Umask0
// must not run in parallel with others.
func Umask0(t testing.TB) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
}

// WantPerm checks the file at path has exactly the permission bits want.
func WantPerm(t testing.TB, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != want {
		t.Fatalf("%s: mode %04o; want %04o", path, fi.Mode().Perm(), want)
	}
}
