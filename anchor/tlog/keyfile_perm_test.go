//go:build unix

package tlog_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor/tlog"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

// wantExposed checks err refuses the key file path at mode as a
// *ConfigError that names the file, its mode and chmod 600, and never
// quotes the key.
func wantExposed(t *testing.T, err error, path string, mode os.FileMode, key []byte) {
	t.Helper()
	var ce *tlog.ConfigError
	if !errors.Is(err, tlog.ErrConfig) || !errors.As(err, &ce) {
		t.Fatalf("err = %v; want a *ConfigError wrapping ErrConfig", err)
	}
	// PRIVATE+KEY+<origin>+<hash>+<base64 key>: the key's base64 may
	// itself hold a "+", so the secret is everything after the fourth.
	f := strings.SplitN(strings.TrimSpace(string(key)), "+", 5)
	if len(f) != 5 {
		t.Fatalf("key file %q is not PRIVATE+KEY+origin+hash+key", key)
	}
	localfiletest.WantRefusal(t, err, path, mode, f[4])
}

// keyOrigin is the log origin the key files of these tests are made for.
const keyOrigin = "keyfile.selfattest.test"

// madeKey makes a key file in dir and returns the key and the file's bytes.
func madeKey(t *testing.T, dir string) (ed25519.PrivateKey, []byte) {
	t.Helper()
	p := filepath.Join(dir, "log.key")
	k, _, err := tlog.LoadOrCreateKey(p, keyOrigin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return k, b
}

// TestLoadOrCreateKeyPermissions: a key file group or others may read
// (0644, 0640) is refused, and left as it is; 0600 and 0400 are read.
func TestLoadOrCreateKeyPermissions(t *testing.T) {
	dir := t.TempDir()
	want, key := madeKey(t, dir)
	for _, mode := range []os.FileMode{0o644, 0o640} {
		p := localfiletest.ExactMode(t, dir, fmt.Sprintf("key%04o", mode), key, mode)
		k, created, err := tlog.LoadOrCreateKey(p, keyOrigin)
		if k != nil || created {
			t.Errorf("mode %04o: got a key (created %v)", mode, created)
		}
		wantExposed(t, err, p, mode, key)
		if b, _ := os.ReadFile(p); string(b) != string(key) {
			t.Errorf("mode %04o: the refused file was changed", mode)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		p := localfiletest.ExactMode(t, dir, fmt.Sprintf("key%04o", mode), key, mode)
		k, created, err := tlog.LoadOrCreateKey(p, keyOrigin)
		if err != nil || created || !want.Equal(k) {
			t.Errorf("mode %04o: created %v, same key %v, %v; want the key read", mode, created, want.Equal(k), err)
		}
	}
}

// TestLoadOrCreateKeyOpenedFileMode: the mode judged is the file's the
// path leads to, as opened: a symbolic link (itself 0777) to a 0600 key is
// read, one to a 0644 key refused; a FIFO is refused, at 0644 as at 0600,
// without waiting on it.
func TestLoadOrCreateKeyOpenedFileMode(t *testing.T) {
	dir := t.TempDir()
	want, key := madeKey(t, dir)
	ok := localfiletest.Symlink(t, dir, "ok.link", localfiletest.ExactMode(t, dir, "private", key, 0o600))
	if k, _, err := tlog.LoadOrCreateKey(ok, keyOrigin); err != nil || !want.Equal(k) {
		t.Errorf("link to a 0600 key: %v", err)
	}
	bad := localfiletest.Symlink(t, dir, "bad.link", localfiletest.ExactMode(t, dir, "exposed", key, 0o644))
	_, _, err := tlog.LoadOrCreateKey(bad, keyOrigin)
	wantExposed(t, err, bad, 0o644, key)

	fifo := localfiletest.Mkfifo(t, dir, "fifo", 0o644)
	err = localfiletest.Within(t, 10*time.Second, func() error { _, _, err := tlog.LoadOrCreateKey(fifo, keyOrigin); return err })
	if !errors.Is(err, tlog.ErrConfig) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("FIFO: err = %v; want ErrConfig, not a regular file", err)
	}
}

// TestLoadOrCreateKeyUmask: the key file made is 0600 even under umask 0
// (the mode asked for is 0600; a umask only takes bits away).
func TestLoadOrCreateKeyUmask(t *testing.T) {
	localfiletest.Umask0(t)
	p := filepath.Join(t.TempDir(), "log.key")
	if _, created, err := tlog.LoadOrCreateKey(p, "umask.selfattest.test"); err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	localfiletest.WantPerm(t, p, 0o600)
	if _, created, err := tlog.LoadOrCreateKey(p, "umask.selfattest.test"); err != nil || created {
		t.Fatalf("second use: created %v, %v", created, err)
	}
}
