//go:build unix

package eth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor"
)

// TestLoadKeyFilePermissions: a key file group or others may read (0644,
// 0640, also through a symbolic link) is refused as bad input naming the
// file, its mode and chmod 600, never the key; 0600 and 0400 are read.
func TestLoadKeyFilePermissions(t *testing.T) {
	const secret = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	dir := t.TempDir()
	keyAt := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := writeFile(p, secret+"\n", 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(keyAt("target", 0o644), link); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{keyAt("k644", 0o644): 0o644, keyAt("k640", 0o640): 0o640, link: 0o644} {
		k, err := LoadKeyFile(path)
		if k != nil || !errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("LoadKeyFile(%s, mode %04o) = %v; want ErrBadInput", path, mode, err)
		}
		msg := err.Error()
		for _, want := range []string{path, fmt.Sprintf("%04o", mode), "chmod 600"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		if strings.Contains(msg, secret[:16]) {
			t.Errorf("error %q quotes the key", msg)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if _, err := LoadKeyFile(keyAt(fmt.Sprintf("ok%04o", mode), mode)); err != nil {
			t.Errorf("mode %04o: %v; want the key read", mode, err)
		}
	}
}
