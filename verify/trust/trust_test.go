package trust

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest"
)

func TestEmbeddedPublicGood(t *testing.T) {
	tr, err := Embedded(PublicGood)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.FulcioCertificateAuthorities()) == 0 || len(tr.RekorLogs()) == 0 || len(tr.CTLogs()) == 0 || len(tr.TimestampingAuthorities()) == 0 {
		t.Fatalf("public-good root is missing material: %d CAs, %d Rekor logs, %d CT logs, %d TSAs",
			len(tr.FulcioCertificateAuthorities()), len(tr.RekorLogs()), len(tr.CTLogs()), len(tr.TimestampingAuthorities()))
	}
}

// The embedded snapshot is the same file the shared data carries, whose
// origin ../shared/realworld/README.md records independently.
func TestEmbeddedMatchesSharedCopy(t *testing.T) {
	shared, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "realworld", "trusted_root.json"))
	if err != nil {
		t.Skipf("../shared is not beside this checkout (%v): runs in CI and in a developer's tree", err)
	}
	b, err := EmbeddedJSON(PublicGood)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, shared) {
		t.Fatal("embedded public-good root differs from ../shared/realworld/trusted_root.json")
	}
	sum := sha256.Sum256(shared)
	if hex.EncodeToString(sum[:]) != snapshotSHA256[PublicGood] {
		t.Fatal("recorded SHA-256 differs from the shared copy's")
	}
}

func TestEmbeddedUnknown(t *testing.T) {
	if _, err := Embedded("public-good"); !errors.Is(err, ErrUnknownSnapshot) {
		t.Fatalf("err = %v, want ErrUnknownSnapshot", err)
	}
}

func TestFromFile(t *testing.T) {
	dir := t.TempDir()
	b, _ := EmbeddedJSON(PublicGood)
	good := filepath.Join(dir, "root.json")
	os.WriteFile(good, b, 0o644)
	if _, err := FromFile(good); err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"not json":      []byte("{"),
		"empty":         nil,
		"flipped key":   bytes.Replace(b, []byte(`"rawBytes": "MI`), []byte(`"rawBytes": "XI`), 1),
		"too large":     bytes.Repeat([]byte(" "), MaxRootSize+1),
		"unknown field": bytes.Replace(b, []byte(`{`), []byte(`{"evil": 1,`), 1),
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".json")
			if err := os.WriteFile(p, content, 0o644); err != nil {
				t.Fatal(err)
			}
			want, other := ErrInvalidRoot, ErrUnreadable
			if name == "too large" {
				want, other = ErrUnreadable, ErrInvalidRoot
			}
			tr, err := FromFile(p)
			if tr != nil || !errors.Is(err, want) || errors.Is(err, other) {
				t.Fatalf("FromFile(%s) = %v; want an error wrapping %v only", name, err, want)
			}
			if !errors.Is(err, selfattest.ErrBadInput) || errors.Is(err, selfattest.ErrRejected) || errors.Is(err, selfattest.ErrCouldNotCheck) {
				t.Fatalf("FromFile(%s) = %v; want bad input only", name, err)
			}
			if name != "too large" {
				if _, err := FromJSON(content); !errors.Is(err, ErrInvalidRoot) {
					t.Fatalf("FromJSON(%s) = %v; want ErrInvalidRoot", name, err)
				}
			}
		})
	}
	_, err := FromFile(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, os.ErrNotExist) || !errors.Is(err, ErrUnreadable) || errors.Is(err, ErrInvalidRoot) {
		t.Fatalf("missing file: err = %v; want ErrUnreadable wrapping fs.ErrNotExist", err)
	}
	if _, err := FromFile(dir); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("a directory: err = %v; want ErrUnreadable", err)
	}
}
