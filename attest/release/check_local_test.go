//go:build unix

package release

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestCheckReleaseFIFO: a FIFO where the manifest names a file is a
// rejection, returned at once (opening it used to block forever).
func TestCheckReleaseFIFO(t *testing.T) {
	for _, name := range []func(*Manifest) string{
		func(m *Manifest) string { return ManifestName },
		func(m *Manifest) string {
			for _, f := range m.Files {
				if f.Path == "assets/app.js" {
					return f.ContentPath
				}
			}
			t.Fatal("fixture lost assets/app.js")
			return ""
		},
	} {
		dst, res := release(t, distDir, Options{})
		p := filepath.Join(dst, name(res.Manifest))
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := Check(context.Background(), dst, CheckOptions{}); done <- err }()
		select {
		case err := <-done:
			var re *MismatchError
			if !errors.Is(err, ErrMismatch) || !errors.As(err, &re) {
				t.Fatalf("%s: err = %v, want a *MismatchError", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Check still running after 5 s", p)
		}
	}
}
