//go:build unix

package attest

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestMeasureFileRefusesNonRegular: a FIFO with no writer (the open used
// to block forever), /dev/zero (read forever) and a directory are bad
// input, refused within 5 s; MeasureFileMax refuses a file over its limit.
func TestMeasureFileRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	paths := []string{fifo, dir}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	for _, p := range paths {
		done := make(chan error, 1)
		go func() { _, err := MeasureFile(p); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrBadInput) {
				t.Errorf("MeasureFile(%s): err = %v; want ErrBadInput", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("MeasureFile(%s) still running after 5 s", p)
		}
	}
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := MeasureFileMax(f, 4); !errors.Is(err, ErrBadInput) {
		t.Errorf("MeasureFileMax(5 bytes, 4): err = %v; want ErrBadInput", err)
	}
	if d, err := MeasureFileMax(f, 5); err != nil || d.Size != 5 {
		t.Errorf("MeasureFileMax(5 bytes, 5) = %+v, %v", d, err)
	}
}

// TestMeasureFileRegular: a regular file is measured whole, larger than
// one Measure block included.
func TestMeasureFileRegular(t *testing.T) {
	b := make([]byte, 3*blockSize+7)
	for i := range b {
		b[i] = byte(i)
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := MeasureFile(p)
	if err != nil || !d.Equal(MeasureBytes(b)) {
		t.Fatalf("MeasureFile = %+v, %v; want %+v", d, err, MeasureBytes(b))
	}
}
