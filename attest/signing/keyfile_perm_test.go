//go:build unix

package signing_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/signing"
)

// keyCopy writes data to dir/name and sets its mode exactly (chmod: the
// umask plays no part).
func keyCopy(t *testing.T, dir, name string, data []byte, mode os.FileMode) string {
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

// wantExposed checks err refuses the key file path at mode as bad input,
// naming the file, its mode and chmod 600, and never quoting the key.
func wantExposed(t *testing.T, err error, path string, mode os.FileMode, keyPEM []byte) {
	t.Helper()
	if !errors.Is(err, attest.ErrBadInput) || !errors.Is(err, signing.ErrSign) {
		t.Fatalf("err = %v; want one wrapping attest.ErrBadInput and signing.ErrSign", err)
	}
	msg := err.Error()
	for _, want := range []string{path, fmt.Sprintf("%04o", mode), "chmod 600"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if body := bytes.Split(keyPEM, []byte("\n"))[1]; strings.Contains(msg, string(body)) {
		t.Errorf("error %q quotes the key", msg)
	}
}

func testKeyPEM(t *testing.T) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ek)
	if err != nil {
		t.Fatal(err)
	}
	return ek, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// TestReadKeyPermissions: a key file group or others may read (0644,
// 0640) is refused; 0600 and 0400 are read.
func TestReadKeyPermissions(t *testing.T) {
	dir := t.TempDir()
	ek, keyPEM := testKeyPEM(t)
	for _, mode := range []os.FileMode{0o644, 0o640} {
		p := keyCopy(t, dir, fmt.Sprintf("key%04o.pem", mode), keyPEM, mode)
		k, err := signing.ReadKey(p)
		if k != nil {
			t.Errorf("mode %04o: got a key", mode)
		}
		wantExposed(t, err, p, mode, keyPEM)
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		p := keyCopy(t, dir, fmt.Sprintf("key%04o.pem", mode), keyPEM, mode)
		if k, err := signing.ReadKey(p); err != nil || !ek.PublicKey.Equal(k.Public()) {
			t.Errorf("mode %04o: %v; want the key read", mode, err)
		}
	}
}

// TestReadKeyOpenedFileMode: the mode judged is the file's the path leads
// to, as opened: a symbolic link (itself 0777) to a 0600 key is read, one
// to a 0644 key refused; a FIFO is refused, at 0644 as at 0600, without
// waiting on it.
func TestReadKeyOpenedFileMode(t *testing.T) {
	dir := t.TempDir()
	ek, keyPEM := testKeyPEM(t)
	link := func(name, target string) string {
		l := filepath.Join(dir, name)
		if err := os.Symlink(target, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	ok := link("ok.link", keyCopy(t, dir, "private.pem", keyPEM, 0o600))
	if k, err := signing.ReadKey(ok); err != nil || !ek.PublicKey.Equal(k.Public()) {
		t.Errorf("link to a 0600 key: %v", err)
	}
	bad := link("bad.link", keyCopy(t, dir, "exposed.pem", keyPEM, 0o644))
	_, err := signing.ReadKey(bad)
	wantExposed(t, err, bad, 0o644, keyPEM)

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := signing.ReadKey(fifo); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, attest.ErrBadInput) || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("FIFO: err = %v; want ErrBadInput, not a regular file", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadKey blocked on a FIFO")
	}
}
