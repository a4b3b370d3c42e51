//go:build unix

package sigstore

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

// TestReadPublicKeyPEMRefused: a key path that is a FIFO, a device or a
// directory is bad input, at once (the key file used to be read whole
// before its size was checked).
func TestReadPublicKeyPEMRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := writeTemp(t, dir, "big.pem", make([]byte, MaxKeySize+1))
	paths := []string{fifo, dir, big, filepath.Join(dir, "missing")}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	for _, p := range paths {
		err := localfiletest.Within(t, 5*time.Second, func() error { _, err := ReadPublicKeyPEM(p); return err })
		if !errors.Is(err, ErrBadInput) {
			t.Errorf("ReadPublicKeyPEM(%s): err = %v; want ErrBadInput", p, err)
		}
	}
}

func writeTemp(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
