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
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

// wantExposed checks err refuses the key file path at mode as bad input,
// naming the file, its mode and chmod 600, and never quoting the key.
func wantExposed(t *testing.T, err error, path string, mode os.FileMode, keyPEM []byte) {
	t.Helper()
	if !errors.Is(err, attest.ErrBadInput) || !errors.Is(err, signing.ErrSign) {
		t.Fatalf("err = %v; want one wrapping attest.ErrBadInput and signing.ErrSign", err)
	}
	localfiletest.WantRefusal(t, err, path, mode, string(bytes.Split(keyPEM, []byte("\n"))[1]))
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
		p := localfiletest.ExactMode(t, dir, fmt.Sprintf("key%04o.pem", mode), keyPEM, mode)
		k, err := signing.ReadKey(p)
		if k != nil {
			t.Errorf("mode %04o: got a key", mode)
		}
		wantExposed(t, err, p, mode, keyPEM)
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		p := localfiletest.ExactMode(t, dir, fmt.Sprintf("key%04o.pem", mode), keyPEM, mode)
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
	ok := localfiletest.Symlink(t, dir, "ok.link", localfiletest.ExactMode(t, dir, "private.pem", keyPEM, 0o600))
	if k, err := signing.ReadKey(ok); err != nil || !ek.PublicKey.Equal(k.Public()) {
		t.Errorf("link to a 0600 key: %v", err)
	}
	bad := localfiletest.Symlink(t, dir, "bad.link", localfiletest.ExactMode(t, dir, "exposed.pem", keyPEM, 0o644))
	_, err := signing.ReadKey(bad)
	wantExposed(t, err, bad, 0o644, keyPEM)

	fifo := localfiletest.Mkfifo(t, dir, "fifo", 0o644)
	err = localfiletest.Within(t, 10*time.Second, func() error { _, err := signing.ReadKey(fifo); return err })
	if !errors.Is(err, attest.ErrBadInput) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("FIFO: err = %v; want ErrBadInput, not a regular file", err)
	}
}
