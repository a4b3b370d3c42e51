//go:build !unix

package localfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPrivateOutsideUnix: without group or other permission bits to
// judge, ReadPrivateFile reads what ReadFile reads.
func TestPrivateOutsideUnix(t *testing.T) {
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadPrivateFile(p, 10); err != nil || string(b) != "k" {
		t.Fatalf("ReadPrivateFile = %q, %v", b, err)
	}
}
