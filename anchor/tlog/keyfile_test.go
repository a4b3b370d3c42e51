package tlog_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/anchor/tlog"
	"github.com/ats-run/selfattest/attest/signing/localtsa"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

func TestLoadOrCreateKey(t *testing.T) {
	const origin = "keyfile.selfattest.test"
	path := filepath.Join(t.TempDir(), "log.key")
	k, created, err := tlog.LoadOrCreateKey(path, origin)
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
	k2, created, err := tlog.LoadOrCreateKey(path, origin)
	if err != nil || created || !k.Equal(k2) {
		t.Fatalf("second use: created %v, same key %v, %v", created, k.Equal(k2), err)
	}
}

func TestLoadOrCreateKeyRefuses(t *testing.T) {
	const origin = "keyfile.selfattest.test"
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "another.origin")
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ek)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range append([]localfiletest.Case{
		{Name: "a directory", Path: dir},
		{Name: "over MaxKeyFileSize", Path: write("big", bytes.Repeat([]byte("A"), tlog.MaxKeyFileSize+1))},
		{Name: "another origin's key", Path: write("other", []byte(skey+"\n"))},
		{Name: "a verifier key, not a signer key", Path: write("vkey", []byte(vkey+"\n"))},
		{Name: "an ECDSA PKCS#8 key", Path: write("ecdsa", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))},
		{Name: "empty", Path: write("empty", nil)},
	}, localfiletest.FIFOCases(t, dir)...) {
		t.Run(tt.Name, func(t *testing.T) {
			err := localfiletest.Within(t, 10*time.Second, func() error { _, _, err := tlog.LoadOrCreateKey(tt.Path, origin); return err })
			if !errors.Is(err, tlog.ErrConfig) {
				t.Fatalf("err = %v, want one wrapping ErrConfig", err)
			}
		})
	}
	t.Run("no folder", func(t *testing.T) {
		_, _, err := tlog.LoadOrCreateKey(filepath.Join(dir, "no", "such", "log.key"), origin)
		if err == nil || errors.Is(err, tlog.ErrConfig) {
			t.Fatalf("err = %v, want a write error", err)
		}
	})
}

func testAuthority(t testing.TB, name string) (*localtsa.Authority, []byte) {
	t.Helper()
	a, err := localtsa.Generate(name, time.Now().Add(-time.Hour), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var chain []byte
	for _, c := range a.Chain {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return a, chain
}

func TestParseTimestampingAuthority(t *testing.T) {
	a, chain := testAuthority(t, "tsa one")
	got, err := tlog.ParseTimestampingAuthority(chain)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Leaf.Equal(a.Chain[0]) || !got.Root.Equal(a.Chain[1]) || len(got.Intermediates) != 0 || !got.ValidityPeriodStart.Equal(a.Chain[0].NotBefore) {
		t.Fatalf("got %+v", got)
	}
	b, _ := testAuthority(t, "tsa two")
	// A leaf with no time-stamping EKU: the root itself, twice.
	rootOnly := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Chain[1].Raw})
	for _, tt := range []struct {
		name  string
		chain []byte
	}{
		{"empty", nil},
		{"one certificate", rootOnly},
		{"leaf of one, root of another", append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Chain[0].Raw}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.Chain[1].Raw})...)},
		{"reversed", append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Chain[1].Raw}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Chain[0].Raw})...)},
		{"leaf cannot time-stamp", append(bytes.Clone(rootOnly), rootOnly...)},
		{"a certificate that does not parse", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := tlog.ParseTimestampingAuthority(tt.chain); !errors.Is(err, tlog.ErrConfig) {
				t.Fatalf("got %v, %v; want an error wrapping ErrConfig", got, err)
			}
		})
	}
	t.Run("file over the limit", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "chain.pem")
		if err := os.WriteFile(p, bytes.Repeat(chain, tlog.MaxChainFileSize/len(chain)+1), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := tlog.ReadTimestampingAuthority(p); !errors.Is(err, tlog.ErrConfig) {
			t.Fatalf("err = %v, want ErrConfig", err)
		}
	})
}

func FuzzParseTimestampingAuthority(f *testing.F) {
	_, chain := testAuthority(f, "fuzz tsa")
	f.Add(chain)
	f.Add(append([]byte("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n"), chain...))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := tlog.ParseTimestampingAuthority(data)
		if err != nil {
			if !errors.Is(err, tlog.ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
			return
		}
		if a.Leaf == nil || a.Root == nil || a.Leaf.CheckSignatureFrom(a.Root) != nil && len(a.Intermediates) == 0 {
			t.Fatal("accepted a chain whose leaf the root did not sign")
		}
		if _, err := tlog.TrustedRoot([]*root.TransparencyLog{testLog(t)}, a); err != nil {
			t.Fatalf("an accepted authority makes no trusted root: %v", err)
		}
	})
}

func testLog(t testing.TB) *root.TransparencyLog {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.TrustedRootLog("keyfile.selfattest.test", pub, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestWriteTrustedRoot(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trusted_root.json")
	a, _ := testAuthority(t, "tsa")
	l := testLog(t)
	if err := tlog.WriteTrustedRoot(path, []*root.TransparencyLog{l}, a.TrustedAuthority("http://127.0.0.1"+localtsa.Path)); err != nil {
		t.Fatal(err)
	}
	tr, err := root.NewTrustedRootFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.RekorLogs()) != 1 || len(tr.TimestampingAuthorities()) != 1 {
		t.Fatalf("read back %d logs, %d authorities", len(tr.RekorLogs()), len(tr.TimestampingAuthorities()))
	}
	before, _ := os.ReadFile(path)
	if err := tlog.WriteTrustedRoot(path, nil); !errors.Is(err, tlog.ErrConfig) {
		t.Fatalf("no log: %v, want ErrConfig", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a refused trusted root changed the file")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the folder, want 1 (no temporary files left)", len(ents))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
}
