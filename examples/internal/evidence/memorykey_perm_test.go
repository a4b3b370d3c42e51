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
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
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
		return localfiletest.ExactMode(t, dir, name, keyPEM, mode)
	}
	link := localfiletest.Symlink(t, dir, "link", keyAt("target", 0o644))
	body := string(bytes.Split(keyPEM, []byte("\n"))[1])
	for path, mode := range map[string]os.FileMode{keyAt("k644", 0o644): 0o644, keyAt("k640", 0o640): 0o640, link: 0o644} {
		k, err := loadMemoryKey(path)
		if k != nil || !errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("loadMemoryKey(%s, mode %04o) = %v; want ErrBadInput", path, mode, err)
		}
		localfiletest.WantRefusal(t, err, path, mode, body)
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		k, err := loadMemoryKey(keyAt(fmt.Sprintf("ok%04o", mode), mode))
		if err != nil || !m.Key().Equal(k.Public()) {
			t.Errorf("mode %04o: %v; want the key read", mode, err)
		}
	}
	fifo := localfiletest.Mkfifo(t, dir, "fifo", 0o644)
	if _, err := loadMemoryKey(fifo); !errors.Is(err, anchor.ErrBadInput) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a FIFO: %v; want ErrBadInput, not a regular file", err)
	}
}

// TestMemoryKeyUmask: the key file made is 0600 even under umask 0.
func TestMemoryKeyUmask(t *testing.T) {
	localfiletest.Umask0(t)
	_, mf, err := OpenMemory(filepath.Join(t.TempDir(), "j"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	localfiletest.WantPerm(t, mf.Key, 0o600)
}

// TestMemoryKeyUnreadablePath: a key path that cannot be looked at (its
// folder is a file) is bad input, the memory target's too, and no key is
// made; a missing key is bad input that still reads as os.ErrNotExist,
// which is what makes OpenMemory create one.
func TestMemoryKeyUnreadablePath(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := loadMemoryKey(filepath.Join(notDir, "key")); k != nil || !errors.Is(err, anchor.ErrBadInput) || errors.Is(err, os.ErrNotExist) {
		t.Fatalf("loadMemoryKey(a path through a file) = %v; want ErrBadInput, not ErrNotExist", err)
	}
	if m, _, err := OpenMemory(filepath.Join(notDir, "j"), io.Discard); m != nil || !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("OpenMemory(a journal path through a file) = %v; want ErrBadInput", err)
	}
	k, err := loadMemoryKey(filepath.Join(dir, "missing.key"))
	if k != nil || !errors.Is(err, anchor.ErrBadInput) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("loadMemoryKey(a missing file) = %v; want ErrBadInput and os.ErrNotExist", err)
	}
}

// TestMemoryKeyPubFIFO: a FIFO where a new key's public key goes (the
// memory target's F.memory.pub, the rekor key's .pub) is replaced, never
// opened: making the key does not wait on it, and the file written there
// is the key's public key.
func TestMemoryKeyPubFIFO(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(dir, "j")
	fifo := localfiletest.Mkfifo(t, dir, "j.memory.pub", 0o644)
	var m *anchortest.Memory
	err := localfiletest.Within(t, 5*time.Second, func() error {
		var err error
		m, _, err = OpenMemory(journal, io.Discard)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := ReadRegular(fifo, maxKeyFile)
	if err != nil {
		t.Fatalf("the public key in the FIFO's place: %v", err)
	}
	if pub, err := parseMemoryPublicKey(data); err != nil || !pub.Equal(m.Key()) {
		t.Fatalf("the public key written is not the key's: %v", err)
	}
}
