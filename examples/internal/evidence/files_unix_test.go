//go:build unix

package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/internal/clitest"
)

// TestReadRegularRefuses: every refusal of the bounded file readers is
// bad input, and none waits: a FIFO with no writer, a directory, a
// device, a file over the limit, a missing file, and (DigestFile) an
// unknown algorithm.
func TestReadRegularRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := clitest.Mkfifo(t, dir, "fifo")
	big := clitest.WriteFile(t, dir, "big", make([]byte, 11))
	ok := clitest.WriteFile(t, dir, "ok", make([]byte, 10))
	for _, tc := range []struct {
		name string
		read func() error
	}{
		{"a FIFO", func() error { _, err := ReadRegular(fifo, 10); return err }},
		{"a FIFO, digested", func() error { _, _, err := DigestFile(fifo, anchor.SHA256, 10); return err }},
		{"a directory", func() error { _, err := ReadRegular(dir, 10); return err }},
		{"a device", func() error { _, err := ReadRegular(os.DevNull, 10); return err }},
		{"over the limit", func() error { _, err := ReadRegular(big, 10); return err }},
		{"over the limit, digested", func() error { _, _, err := DigestFile(big, anchor.SHA256, 10); return err }},
		{"missing", func() error { _, err := ReadRegular(filepath.Join(dir, "none"), 10); return err }},
		{"an unknown algorithm", func() error { _, _, err := DigestFile(ok, "md5", 10); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- tc.read() }()
			select {
			case err := <-done:
				if !errors.Is(err, anchor.ErrBadInput) {
					t.Fatalf("err = %v, want one wrapping anchor.ErrBadInput", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("still waiting after 5 s")
			}
		})
	}
	// The limit is inclusive: a file of exactly limit bytes is read.
	if b, err := ReadRegular(ok, 10); err != nil || len(b) != 10 {
		t.Fatalf("a file at the limit: %d bytes, %v", len(b), err)
	}
}
