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
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest/signing/localtsa"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

// wantExposed checks err refuses the authority file path at mode with
// ErrInvalid, naming the file, its mode and chmod 600, and never quoting
// the private key in file.
func wantExposed(t *testing.T, err error, path string, mode os.FileMode, file []byte) {
	t.Helper()
	if !errors.Is(err, localtsa.ErrInvalid) {
		t.Fatalf("err = %v; want one wrapping ErrInvalid", err)
	}
	var secrets []string
	for data := file; len(data) > 0; {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		if b.Type != "PRIVATE KEY" {
			continue
		}
		line := pem.EncodeToMemory(b)
		secrets = append(secrets, string(bytes.Split(line, []byte("\n"))[1]))
	}
	localfiletest.WantRefusal(t, err, path, mode, secrets...)
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
		p := localfiletest.ExactMode(t, dir, fmt.Sprintf("tsa%04o.pem", mode), file, mode)
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
		p := localfiletest.ExactMode(t, dir, fmt.Sprintf("tsa%04o.pem", mode), file, mode)
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
	ok := localfiletest.Symlink(t, dir, "ok.link", localfiletest.ExactMode(t, dir, "private.pem", file, 0o600))
	if a, _, err := localtsa.LoadOrCreate(ok, "x", time.Now()); err != nil || !a.Chain[0].Equal(want.Chain[0]) {
		t.Errorf("link to a 0600 file: %v", err)
	}
	bad := localfiletest.Symlink(t, dir, "bad.link", localfiletest.ExactMode(t, dir, "exposed.pem", file, 0o644))
	_, _, err := localtsa.LoadOrCreate(bad, "x", time.Now())
	wantExposed(t, err, bad, 0o644, file)

	fifo := localfiletest.Mkfifo(t, dir, "fifo", 0o644)
	err = localfiletest.Within(t, 10*time.Second, func() error { _, _, err := localtsa.LoadOrCreate(fifo, "x", time.Now()); return err })
	if !errors.Is(err, localtsa.ErrInvalid) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("FIFO: err = %v; want ErrInvalid, not a regular file", err)
	}
}

// TestLoadOrCreateUmask: the file made is 0600 even under umask 0 (the
// mode asked for is 0600; a umask only takes bits away).
func TestLoadOrCreateUmask(t *testing.T) {
	localfiletest.Umask0(t)
	p := filepath.Join(t.TempDir(), "tsa.pem")
	if _, created, err := localtsa.LoadOrCreate(p, "umask timestamps", time.Now()); err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	localfiletest.WantPerm(t, p, 0o600)
	if _, created, err := localtsa.LoadOrCreate(p, "umask timestamps", time.Now()); err != nil || created {
		t.Fatalf("second use: created %v, %v", created, err)
	}
}
