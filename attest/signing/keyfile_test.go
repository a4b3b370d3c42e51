package signing_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/attest/signing"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

func TestReadKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pkcs8 := func(k any) []byte {
		t.Helper()
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := write("good.pem", pkcs8(ek))
	if k, err := signing.ReadKey(good); err != nil || !ek.PublicKey.Equal(k.Public()) {
		t.Fatalf("ReadKey: %v", err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range append([]localfiletest.Case{
		{Name: "a directory", Path: dir},
		{Name: "missing", Path: filepath.Join(dir, "missing")},
		{Name: "over MaxKeyFileSize", Path: write("big", bytes.Repeat([]byte("A"), signing.MaxKeyFileSize+1))},
		{Name: "an RSA key", Path: write("rsa.pem", pkcs8(rk))},
	}, localfiletest.FIFOCases(t, dir)...) {
		t.Run(tt.Name, func(t *testing.T) {
			err := localfiletest.Within(t, 10*time.Second, func() error { _, err := signing.ReadKey(tt.Path); return err })
			if !errors.Is(err, attest.ErrBadInput) {
				t.Fatalf("err = %v, want attest.ErrBadInput", err)
			}
		})
	}
}

func TestCheckServiceURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://timestamp.example/api/v1/timestamp": true,
		"http://127.0.0.1:8080/api/v1/timestamp":     true,
		"http://timestamp.example/":                  false,
		"ftp://timestamp.example/":                   false,
		"https://user:pw@timestamp.example/":         false,
		"":                                           false,
	} {
		err := signing.CheckServiceURL(url)
		if (err == nil) != ok || (err != nil && !errors.Is(err, attest.ErrBadInput)) {
			t.Errorf("CheckServiceURL(%q) = %v, want ok %v", url, err, ok)
		}
	}
}
