//go:build unix

package localfile

import (
	"fmt"
	"os"
	"testing"

	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

const secret = "not-a-real-key-but-secret"

// writeMode writes secret to dir/name and sets its mode exactly (chmod,
// so the umask plays no part).
func writeMode(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	return localfiletest.ExactMode(t, dir, name, []byte(secret), mode)
}

// wantNotPrivate checks err is a KindNotPrivate refusal of path at mode
// that names the file, its mode and the fix, and never the contents.
func wantNotPrivate(t *testing.T, err error, path string, mode os.FileMode) {
	t.Helper()
	wantKind(t, err, KindNotPrivate)
	e := err.(*Error)
	if e.Mode.Perm() != mode || e.Path != path {
		t.Errorf("Error{Path: %q, Mode: %v}; want %q, %v", e.Path, e.Mode.Perm(), path, mode)
	}
	localfiletest.WantRefusal(t, err, path, mode, secret)
}

// modeOctal is m's permission bits as chmod takes them, e.g. "0644".
func modeOctal(m os.FileMode) string { return fmt.Sprintf("%04o", m.Perm()) }

// TestOpenPrivateModes: a file any group or other permission bit is set on
// is refused; 0600, 0400 and 0700 are read. Open itself takes them all.
func TestOpenPrivateModes(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []os.FileMode{0o600, 0o400, 0o700} {
		p := writeMode(t, dir, "ok"+modeOctal(mode), mode)
		if b, err := ReadPrivateFile(p, 1<<10); err != nil || string(b) != secret {
			t.Errorf("mode %s: ReadPrivateFile = %q, %v; want the contents", modeOctal(mode), b, err)
		}
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o666, 0o440} {
		p := writeMode(t, dir, "bad"+modeOctal(mode), mode)
		b, err := ReadPrivateFile(p, 1<<10)
		if b != nil {
			t.Errorf("mode %s: read %q", modeOctal(mode), b)
		}
		wantNotPrivate(t, err, p, mode)
		if f, err := OpenPrivate(p, 1<<10); f != nil {
			f.Close()
			t.Errorf("mode %s: OpenPrivate returned a file (%v)", modeOctal(mode), err)
		}
		if mode&0o400 != 0 {
			if b, err := ReadFile(p, 1<<10); err != nil || string(b) != secret {
				t.Errorf("mode %s: ReadFile (not private) = %q, %v; want the contents", modeOctal(mode), b, err)
			}
		}
	}
}

// TestPrivateChecksOpenedFile: the mode judged is the opened file's, read
// from its descriptor: a file swapped in at the path after the open
// changes nothing, either way.
func TestPrivateChecksOpenedFile(t *testing.T) {
	dir := t.TempDir()
	p := writeMode(t, dir, "key", 0o644)
	f, err := os.OpenFile(p, openFlags, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(writeMode(t, dir, "private", 0o600), p); err != nil {
		t.Fatal(err)
	}
	_, err = check(f, p, 1<<10, true)
	wantNotPrivate(t, err, p, 0o644)

	f, err = os.OpenFile(p, openFlags, 0) // the 0600 file now
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(writeMode(t, dir, "exposed", 0o644), p); err != nil {
		t.Fatal(err)
	}
	lf, err := check(f, p, 1<<10, true)
	if err != nil {
		t.Fatalf("the opened 0600 file was refused after a 0644 one replaced its path: %v", err)
	}
	lf.Close()
}

// TestPrivateSymlinkAndFIFO: a symbolic link (itself 0777) is judged by
// the file it leads to; a FIFO is refused as not a regular file, at once,
// whatever its mode.
func TestPrivateSymlinkAndFIFO(t *testing.T) {
	dir := t.TempDir()
	ok := localfiletest.Symlink(t, dir, "to-private", writeMode(t, dir, "private", 0o600))
	if b, err := ReadPrivateFile(ok, 1<<10); err != nil || string(b) != secret {
		t.Errorf("link to a 0600 file: %q, %v; want the contents", b, err)
	}
	bad := localfiletest.Symlink(t, dir, "to-exposed", writeMode(t, dir, "exposed", 0o644))
	_, err := ReadPrivateFile(bad, 1<<10)
	wantNotPrivate(t, err, bad, 0o644)

	for _, mode := range []os.FileMode{0o600, 0o644} {
		fifo := localfiletest.Mkfifo(t, dir, "fifo"+modeOctal(mode), mode)
		err := within(t, func() error { _, err := ReadPrivateFile(fifo, 1<<10); return err })
		wantKind(t, err, KindNotRegular)
	}
}
