//go:build unix

package localtsa_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest/signing/localtsa"
)

// fileCopy writes data to dir/name and sets its mode exactly (chmod: the
// umask plays no part).
func fileCopy(t *testing.T, dir, name string, data []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantExposed checks err refuses the authority file path at mode with
// ErrInvalid, naming the file, its mode and chmod 600, and never quoting
// the private key in file.
func wantExposed(t *testing.T, err error, path string, mode os.FileMode, file []byte) {
	t.Helper()
	if !errors.Is(err, localtsa.ErrInvalid) {
		t.Fatalf("err = %v; want one wrapping ErrInvalid", err)
	}
	msg := err.Error()
	for _, want := range []string{path, fmt.Sprintf("%04o", mode), "chmod 600"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	for data := file; len(data) > 0; {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		if b.Type != "PRIVATE KEY" {
			continue
		}
		line := pem.EncodeToMemory(b)
		line = bytes.Split(line, []byte("\n"))[1]
		if strings.Contains(msg, string(line)) {
			t.Errorf("error %q quotes the private key", msg)
		}
	}
}

// authorityFile makes an authority file in dir and returns its bytes.
func authorityFile(t *testing.T, dir string) (*localtsa.Authority, []byte) {
	t.Helper()
	p := filepath.Join(dir, "made.pem")
	a, _, err := localtsa.LoadOrCreate(p, "perm timestamps", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestLoadOrCreatePermissions: an authority file group or others may read
// (0644, 0640) is refused, and left as it is; 0600 and 0400 are read.
func TestLoadOrCreatePermissions(t *testing.T) {
	dir := t.TempDir()
	want, file := authorityFile(t, dir)
	for _, mode := range []os.FileMode{0o644, 0o640} {
		p := fileCopy(t, dir, fmt.Sprintf("tsa%04o.pem", mode), file, mode)
		a, created, err := localtsa.LoadOrCreate(p, "x", time.Now())
		if a != nil || created {
			t.Errorf("mode %04o: got an authority (created %v)", mode, created)
		}
		wantExposed(t, err, p, mode, file)
		if b, _ := os.ReadFile(p); !bytes.Equal(b, file) {
			t.Errorf("mode %04o: the refused file was changed", mode)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		p := fileCopy(t, dir, fmt.Sprintf("tsa%04o.pem", mode), file, mode)
		a, created, err := localtsa.LoadOrCreate(p, "x", time.Now())
		if err != nil || created || !a.Chain[0].Equal(want.Chain[0]) {
			t.Errorf("mode %04o: created %v, %v; want the authority read", mode, created, err)
		}
	}
}

// TestLoadOrCreateOpenedFileMode: the mode judged is the file's the path
// leads to, as opened: a symbolic link (itself 0777) to a 0600 file is
// read, one to a 0644 file refused; a FIFO is refused, at 0644 as at 0600,
// without waiting on it.
func TestLoadOrCreateOpenedFileMode(t *testing.T) {
	dir := t.TempDir()
	want, file := authorityFile(t, dir)
	link := func(name, target string) string {
		l := filepath.Join(dir, name)
		if err := os.Symlink(target, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	ok := link("ok.link", fileCopy(t, dir, "private.pem", file, 0o600))
	if a, _, err := localtsa.LoadOrCreate(ok, "x", time.Now()); err != nil || !a.Chain[0].Equal(want.Chain[0]) {
		t.Errorf("link to a 0600 file: %v", err)
	}
	bad := link("bad.link", fileCopy(t, dir, "exposed.pem", file, 0o644))
	_, _, err := localtsa.LoadOrCreate(bad, "x", time.Now())
	wantExposed(t, err, bad, 0o644, file)

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, _, err := localtsa.LoadOrCreate(fifo, "x", time.Now()); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, localtsa.ErrInvalid) || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("FIFO: err = %v; want ErrInvalid, not a regular file", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LoadOrCreate blocked on a FIFO")
	}
}

// TestLoadOrCreateUmask: the file made is 0600 even under umask 0 (the
// mode asked for is 0600; a umask only takes bits away).
func TestLoadOrCreateUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "tsa.pem")
	if _, created, err := localtsa.LoadOrCreate(p, "umask timestamps", time.Now()); err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o under umask 0; want 0600", fi.Mode().Perm())
	}
	if _, created, err := localtsa.LoadOrCreate(p, "umask timestamps", time.Now()); err != nil || created {
		t.Fatalf("second use: created %v, %v", created, err)
	}
}
