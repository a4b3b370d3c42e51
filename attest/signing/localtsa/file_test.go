package localtsa_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest/signing/localtsa"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tsa.pem")
	a, created, err := localtsa.LoadOrCreate(path, "test timestamps", time.Now())
	if err != nil || !created {
		t.Fatalf("first use: created %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	b, created, err := localtsa.LoadOrCreate(path, "ignored", time.Now())
	if err != nil || created {
		t.Fatalf("second use: created %v, %v", created, err)
	}
	if !a.Chain[0].Equal(b.Chain[0]) || !a.Chain[1].Equal(b.Chain[1]) {
		t.Fatal("second use read another authority")
	}
}

func TestLoadOrCreateRefuses(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("A"), localtsa.MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	wrongKey := filepath.Join(dir, "ed25519.pem")
	// A PKCS#8 Ed25519 key (RFC 8410 §10.3), not the ECDSA key an authority holds.
	if err := os.WriteFile(wrongKey, []byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range append([]localfiletest.Case{
		{Name: "a directory", Path: dir},
		{Name: "over MaxFileSize", Path: big},
		{Name: "an Ed25519 key", Path: wrongKey},
		{Name: "not PEM", Path: garbage},
	}, localfiletest.FIFOCases(t, dir)...) {
		t.Run(tt.Name, func(t *testing.T) {
			err := localfiletest.Within(t, 10*time.Second, func() error { _, _, err := localtsa.LoadOrCreate(tt.Path, "x", time.Now()); return err })
			if !errors.Is(err, localtsa.ErrInvalid) {
				t.Fatalf("err = %v, want one wrapping ErrInvalid", err)
			}
		})
	}
	if _, _, err := localtsa.LoadOrCreate(filepath.Join(dir, "no", "such", "folder"), "x", time.Now()); err == nil || errors.Is(err, localtsa.ErrInvalid) {
		t.Errorf("a missing folder: %v, want an error that is not ErrInvalid", err)
	}
}

// Keeping an authority: made on first use, then the same one.
func ExampleLoadOrCreate() {
	path := filepath.Join(os.TempDir(), "selfattest-example-tsa.pem")
	os.Remove(path)
	defer os.Remove(path)
	a, created, err := localtsa.LoadOrCreate(path, "example timestamps", time.Now())
	if err != nil {
		panic(err)
	}
	_, again, _ := localtsa.LoadOrCreate(path, "example timestamps", time.Now())
	fmt.Println(created, again, a.Chain[0].Subject.CommonName)
	// Output: true false example timestamps
}
