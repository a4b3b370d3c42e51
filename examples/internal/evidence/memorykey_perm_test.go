//go:build unix

package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ats-run/selfattest/anchor"
)

// TestMemoryKeyPermissions: the memory target's key (and the rekor
// target's, read the same way) is refused at 0644 and 0640, also through a
// symbolic link, as bad input naming the file, its mode and chmod 600 but
// never the key; 0600 and 0400 are read; a FIFO is refused at once.
func TestMemoryKeyPermissions(t *testing.T) {
	dir := t.TempDir()
	m, mf, err := OpenMemory(filepath.Join(dir, "j"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(mf.Key)
	if err != nil {
		t.Fatal(err)
	}
	keyAt := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, keyPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(keyAt("target", 0o644), link); err != nil {
		t.Fatal(err)
	}
	body := string(bytes.Split(keyPEM, []byte("\n"))[1])
	for path, mode := range map[string]os.FileMode{keyAt("k644", 0o644): 0o644, keyAt("k640", 0o640): 0o640, link: 0o644} {
		k, err := loadMemoryKey(path)
		if k != nil || !errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("loadMemoryKey(%s, mode %04o) = %v; want ErrBadInput", path, mode, err)
		}
		msg := err.Error()
		for _, want := range []string{path, fmt.Sprintf("%04o", mode), "chmod 600"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		if strings.Contains(msg, body) {
			t.Errorf("error %q quotes the key", msg)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		k, err := loadMemoryKey(keyAt(fmt.Sprintf("ok%04o", mode), mode))
		if err != nil || !m.Key().Equal(k.Public()) {
			t.Errorf("mode %04o: %v; want the key read", mode, err)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadMemoryKey(fifo); !errors.Is(err, anchor.ErrBadInput) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a FIFO: %v; want ErrBadInput, not a regular file", err)
	}
}

// TestMemoryKeyUmask: the key file made is 0600 even under umask 0.
func TestMemoryKeyUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	_, mf, err := OpenMemory(filepath.Join(t.TempDir(), "j"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(mf.Key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file under umask 0: %v, %v; want 0600", st.Mode(), err)
	}
}
