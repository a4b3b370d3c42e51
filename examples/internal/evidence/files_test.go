package evidence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
)

func TestMediaType(t *testing.T) {
	for p, want := range map[string]string{
		"build.log":          "text/plain",
		"dir/SBOM.JSON":      "application/json",
		"a.tar.gz":           "application/gzip",
		"x.intoto":           "application/vnd.in-toto+json",
		"noext":              "application/octet-stream",
		"weird.exe":          "application/octet-stream",
		"photo.JPEG":         "image/jpeg",
		".hidden":            "application/octet-stream",
		"report.pdf":         "application/pdf",
		"page.html":          "text/html",
		"archive.d/file.txt": "text/plain",
	} {
		if got := MediaType(p); got != want {
			t.Errorf("mediaType(%q) = %q, want %q", p, got, want)
		}
	}
	// Every media type in the table is one the receipt format accepts.
	for ext, mt := range mediaTypes {
		if _, err := anchor.NewEvidence("x"+ext, mt, nil).LeafHash(); err != nil {
			t.Errorf("%s: %s: %v", ext, mt, err)
		}
	}
}

func TestEvidenceName(t *testing.T) {
	for p, want := range map[string]string{
		"./a/../b.txt": "b.txt",
		"a//b.txt":     "a/b.txt",
		"/abs/c.txt":   "/abs/c.txt",
	} {
		if got := EvidenceName(p); got != want {
			t.Errorf("evidenceName(%q) = %q, want %q", p, got, want)
		}
	}
}

// TestClimbsOut: the names add --archive and anchor's archive refuse to
// lay out in a folder are exactly those with a ".." element, leading
// slashes dropped.
func TestClimbsOut(t *testing.T) {
	for name, want := range map[string]bool{
		"..": true, "../x": true, "/../x": true, "//../x": true, "a/../b": true, "a/..": true,
		"x": false, "a/b.txt": false, "/abs/c.txt": false, "..a": false, "a/..b": false, "a/b..": false, ".": false, "": false,
	} {
		if got := climbsOut(name); got != want {
			t.Errorf("climbsOut(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestReceiptFileName(t *testing.T) {
	for _, tt := range []struct {
		item anchor.ItemID
		name string
		want string
	}{
		{1, "build.log", "00000001-build.log.receipt.json"},
		{42, "dist/app v1.js", "00000042-app_v1.js.receipt.json"},
		{7, "../../etc/passwd", "00000007-passwd.receipt.json"},
		{8, "..", "00000008-item.receipt.json"},
		{9, "", "00000009-item.receipt.json"},
		{10, "é.txt", "00000010-__.txt.receipt.json"},
		{123456789, ".env", "123456789-env.receipt.json"},
	} {
		if got := receiptFileName(tt.item, tt.name); got != tt.want {
			t.Errorf("receiptFileName(%d, %q) = %q, want %q", tt.item, tt.name, got, tt.want)
		}
	}
}

var receiptFileRE = regexp.MustCompile(`^[0-9]{8,20}-[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}\.receipt\.json$`)

// FuzzReceiptFileName: whatever the item's name, its receipt file is one
// plain name inside the receipts folder.
func FuzzReceiptFileName(f *testing.F) {
	for _, s := range []string{"build.log", "../x", "a/b/c", "", "..", "/", "\x00", "dist/app v1.js"} {
		f.Add(uint64(1), s)
	}
	f.Fuzz(func(t *testing.T, item uint64, name string) {
		got := receiptFileName(anchor.ItemID(item), name)
		if !receiptFileRE.MatchString(got) || filepath.Base(got) != got {
			t.Fatalf("receiptFileName(%d, %q) = %q", item, name, got)
		}
	})
}

func TestParseTargets(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"memory", []string{"memory"}},
		{"eth,memory", []string{"eth", "memory"}},
		{" eth , memory ", []string{"eth", "memory"}},
		{"", nil},
		{"memory,memory", nil},
		{"tlog,eth,ipfs", []string{"tlog", "eth", "ipfs"}},
		{"ipns", nil},
		{"eth,", nil},
	} {
		got, err := ParseTargets(tt.in)
		if tt.want == nil {
			if !errors.Is(err, ErrUsage) || selfattest.ExitCode(err) != 2 {
				t.Errorf("parseTargets(%q) = %v, %v; want a usage error", tt.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseTargets(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseTargets: a list of known kinds, each once, or a usage error.
func FuzzParseTargets(f *testing.F) {
	for _, s := range []string{"memory", "eth,memory", "", ",", "eth,eth", "memory, eth"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTargets(s)
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("parseTargets(%q): %v does not wrap ErrUsage", s, err)
			}
			return
		}
		if len(got) == 0 || len(got) > 2 {
			t.Fatalf("parseTargets(%q) = %v", s, got)
		}
		for i, k := range got {
			if k != KindMemory && k != KindEth || slices.Contains(got[:i], k) {
				t.Fatalf("parseTargets(%q) = %v", s, got)
			}
		}
	})
}

func pemOf(t testing.TB, typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParseMemoryPublicKey(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
	got, err := parseMemoryPublicKey(pemOf(t, "PUBLIC KEY", pubDER))
	if err != nil || !got.Equal(pub) {
		t.Fatalf("parseMemoryPublicKey = %v, %v", got, err)
	}
	for name, data := range map[string][]byte{
		"private key":   pemOf(t, "PRIVATE KEY", privDER),
		"not PEM":       []byte("hello"),
		"other PEM":     pemOf(t, "CERTIFICATE", pubDER),
		"garbage inner": pemOf(t, "PUBLIC KEY", []byte{1, 2, 3}),
	} {
		if _, err := parseMemoryPublicKey(data); !errors.Is(err, anchor.ErrBadInput) {
			t.Errorf("%s: %v, want bad input", name, err)
		}
	}
}

// FuzzParseMemoryPublicKey: an Ed25519 public key, or bad input.
func FuzzParseMemoryPublicKey(f *testing.F) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
	f.Add(pemOf(f, "PUBLIC KEY", pubDER))
	f.Add(pemOf(f, "PRIVATE KEY", privDER))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := parseMemoryPublicKey(data)
		if err != nil {
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("%v does not wrap ErrBadInput", err)
			}
			return
		}
		if len(k) != ed25519.PublicKeySize {
			t.Fatalf("a key of %d bytes", len(k))
		}
	})
}

func TestParseSink(t *testing.T) {
	if _, err := parseSink("0x5e1f000000000000000000000000000000a77e57"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", "0x12", "5e1f000000000000000000000000000000a77e57", "0x5e1f000000000000000000000000000000a77e5g", "0x5e1f000000000000000000000000000000a77e5700"} {
		if _, err := parseSink(s); !errors.Is(err, ErrUsage) {
			t.Errorf("parseSink(%q) = %v, want a usage error", s, err)
		}
	}
}

// TestMemoryKey: the key is made once, mode 600, and a key file others
// can read is refused.
func TestMemoryKey(t *testing.T) {
	j := filepath.Join(t.TempDir(), "j")
	m1, mf, err := OpenMemory(j, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(mf.Key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 600", st.Mode(), err)
	}
	m2, _, err := OpenMemory(j, io.Discard)
	if err != nil || !m1.Key().Equal(m2.Key()) {
		t.Fatalf("a second open made another key (%v)", err)
	}
	pubPEM, err := os.ReadFile(mf.Pub)
	if err != nil {
		t.Fatal(err)
	}
	if pub, err := parseMemoryPublicKey(pubPEM); err != nil || !pub.Equal(m1.Key()) {
		t.Fatalf("the .pub file is not the key's: %v", err)
	}
	// A lost public key file is written again from the private key.
	if err := os.Remove(mf.Pub); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenMemory(j, io.Discard); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(mf.Pub); err != nil || !bytes.Equal(data, pubPEM) {
		t.Fatalf("the .pub file written again differs (%v)", err)
	}
	if err := os.Chmod(mf.Key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenMemory(j, io.Discard); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("a key readable by others: %v, want bad input", err)
	}
}

// TestReadersAtTheLargestLimit: a limit of math.MaxInt64 (--max-size
// 9223372036854775807) reads the whole file. It read nothing: limit+1
// wrapped around, and every file was measured as the empty one
// (e3b0c442…), so a receipt for an empty file verified any file.
func TestReadersAtTheLargestLimit(t *testing.T) {
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" // SHA-256 of "abc"
	dir := t.TempDir()
	p := filepath.Join(dir, "abc.txt")
	if err := os.WriteFile(p, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d, n, err := DigestFile(p, anchor.SHA256, math.MaxInt64); err != nil || hex.EncodeToString(d) != abc || n != 3 {
		t.Errorf("DigestFile = %x, %d, %v; want %s, 3", d, n, err, abc)
	}
	if b, err := ReadRegular(p, math.MaxInt64); err != nil || string(b) != "abc" {
		t.Errorf("ReadRegular = %q, %v; want abc", b, err)
	}
	if _, items, err := MeasureFiles([]string{p}, math.MaxInt64, nil); err != nil || items[0].SHA256 != abc || items[0].Size != 3 {
		t.Errorf("MeasureFiles = %+v, %v; want %s, 3 bytes", items, err, abc)
	}
	dst := filepath.Join(dir, "copy", "abc.txt")
	d, n, err := copyMeasured(p, dst, math.MaxInt64)
	if err != nil || hex.EncodeToString(d) != abc || n != 3 {
		t.Errorf("copyMeasured = %x, %d, %v; want %s, 3", d, n, err, abc)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "abc" {
		t.Errorf("the copy holds %q, %v; want abc", b, err)
	}
}
