//go:build unix

package verify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

// TestMeasureInputLocalRefused: a local input that is not a non-empty
// regular file within the limit is bad input, and a FIFO or a device is
// refused at once (opening a FIFO with no writer used to block forever,
// /dev/zero to be read forever).
func TestMeasureInputLocalRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	writeTemp(t, dir, "empty", nil)
	big := filepath.Join(dir, "big")
	writeTemp(t, dir, "big", make([]byte, 101))
	inputs := []string{fifo, dir, empty, big}
	if _, err := os.Stat("/dev/zero"); err == nil {
		inputs = append(inputs, "/dev/zero")
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			err := localfiletest.Within(t, 5*time.Second, func() error {
				_, err := MeasureInput(context.Background(), in, FetchOptions{MaxBytes: 100})
				return err
			})
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("err = %v; want ErrBadInput", err)
			}
		})
	}
	// Within the limit, the same file is measured.
	if a, err := MeasureInput(context.Background(), big, FetchOptions{MaxBytes: 101}); err != nil || a.Digests.Size != 101 {
		t.Fatalf("MeasureInput(101 bytes, limit 101) = %+v, %v", a, err)
	}
}

// TestCheckPageLocalFIFO: a FIFO at a subresource's path in the local
// build is not a file of the build, and does not make the check hang.
func TestCheckPageLocalFIFO(t *testing.T) {
	s := newSite()
	srv, fo := tlsServer(t, s.files(s.page(integrity(sri384(s.kms)), integrity(sri384(s.css)))))
	dir := s.localDir(t)
	font := filepath.Join(dir, "font.woff2")
	if err := os.Remove(font); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(font, 0o600); err != nil {
		t.Fatal(err)
	}
	err := localfiletest.Within(t, 5*time.Second, func() error {
		_, err := CheckPage(context.Background(), srv.URL+"/app/index.html", PageOptions{Fetch: fo, LocalDir: dir})
		return err
	})
	var pe *PageError
	if !errors.As(err, &pe) || !errors.Is(err, ErrVerification) {
		t.Fatalf("err = %v; want a *PageError wrapping ErrVerification", err)
	}
	if got := pe.Result.Subresources[1]; got.Verdict != VerdictLocalMissing || got.Local == nil || got.Local.Detail != "not a regular file in the local build" {
		t.Fatalf("font: %+v (local %+v)", got, got.Local)
	}
}
