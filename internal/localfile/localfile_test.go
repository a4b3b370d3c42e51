//go:build unix

package localfile

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

// within fails the test if f has not returned within 5 s: the hang the
// package exists to prevent.
func within(t *testing.T, f func() error) error {
	t.Helper()
	return localfiletest.Within(t, 5*time.Second, f)
}

func wantKind(t *testing.T, err error, k Kind) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind != k {
		t.Fatalf("err = %v; want an *Error of kind %d", err, k)
	}
}

// mkfifo makes a FIFO dir/name (mode 0600) with no writer; a failure to
// make it fails the test (this file is unix-only: every unix has FIFOs).
func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	return localfiletest.Mkfifo(t, dir, name, 0o600)
}

func TestOpenRefusesFIFOWithoutWriter(t *testing.T) {
	p := mkfifo(t, t.TempDir(), "fifo")
	err := within(t, func() error { _, err := ReadFile(p, 1<<20); return err })
	wantKind(t, err, KindNotRegular)
}

func TestOpenInRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	mkfifo(t, dir, "fifo")
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	err = within(t, func() error { _, err := ReadFileIn(root, "fifo", 1<<20); return err })
	wantKind(t, err, KindNotRegular)
}

func TestOpenRefusesDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	err := within(t, func() error { _, err := ReadFile("/dev/zero", 1<<20); return err })
	wantKind(t, err, KindNotRegular)
}

func TestOpenRefusesDirectory(t *testing.T) {
	_, err := ReadFile(t.TempDir(), 1<<20)
	wantKind(t, err, KindNotRegular)
}

func TestOpenMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope"), 1<<20)
	wantKind(t, err, KindOpen)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v; want it to wrap os.ErrNotExist", err)
	}
}

func TestLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 5); err != nil || string(b) != "12345" {
		t.Fatalf("ReadFile(limit 5) = %q, %v; want the 5 bytes", b, err)
	}
	_, err := ReadFile(p, 4)
	wantKind(t, err, KindTooLarge)
	_, err = ReadFile(p, 0)
	wantKind(t, err, KindBadLimit)
}

// A file that grows past the limit after Open checked its size fails the
// read that crosses the limit.
func TestLimitOnGrowth(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("1234"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.WriteFile(p, []byte("123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = readAll(f)
	wantKind(t, err, KindTooLarge)
}

func TestEmptyFileIsRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := ReadFile(p, 5)
	if err != nil || len(b) != 0 {
		t.Fatalf("ReadFile(empty) = %q, %v; want no bytes, no error (refusing empty input is the caller's rule)", b, err)
	}
}

func TestOpenInStaysInside(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(out, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(out, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, name := range []string{"link", "../secret"} {
		_, err := ReadFileIn(root, name, 10)
		wantKind(t, err, KindOpen)
	}
}

// After Open the descriptor is back in blocking mode.
func TestNonblockCleared(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, err := f.f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fl uintptr
	var errno syscall.Errno
	// Not f.f.Fd(): it would itself put the descriptor in blocking mode.
	rc.Control(func(fd uintptr) { fl, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0) })
	if errno != 0 {
		t.Fatal(errno)
	}
	if fl&syscall.O_NONBLOCK != 0 {
		t.Error("O_NONBLOCK still set")
	}
}

// A limit of math.MaxInt64 (no practical limit) reads the file whole.
func TestNoPracticalLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, math.MaxInt64); err != nil || string(b) != "12345" {
		t.Fatalf("ReadFile(limit MaxInt64) = %q, %v", b, err)
	}
}

// TestCreateRefusesWithoutBlocking: an output path naming a FIFO (with or
// without a reader), a device or a directory is refused at once; a new or
// existing regular file is opened for writing.
func TestCreateRefusesWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir, "out.fifo")
	err := within(t, func() error { _, err := Create(fifo, os.O_TRUNC, 0o644); return err })
	wantKind(t, err, KindOpen) // no reader: ENXIO before anything is written

	withReader := mkfifo(t, dir, "read.fifo")
	r, rerr := os.OpenFile(withReader, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if rerr != nil {
		t.Fatal(rerr)
	}
	defer r.Close()
	err = within(t, func() error { _, err := Create(withReader, os.O_APPEND, 0o644); return err })
	wantKind(t, err, KindNotRegular)

	for _, p := range []string{"/dev/null", dir} {
		err := within(t, func() error { _, err := Create(p, os.O_APPEND, 0o644); return err })
		if p == dir {
			wantKind(t, err, KindOpen) // EISDIR
		} else {
			wantKind(t, err, KindNotRegular)
		}
	}

	out := filepath.Join(dir, "report.json")
	for range 2 {
		f, err := Create(out, os.O_TRUNC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("ok"); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if b, _ := os.ReadFile(out); string(b) != "ok" {
		t.Fatalf("report = %q, want the second write alone", b)
	}
}
