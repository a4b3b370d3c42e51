//go:build unix

package eth

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/internal/localfile/localfiletest"
)

// TestLoadKeyFilePermissions: a key file group or others may read (0644,
// 0640, also through a symbolic link) is refused as bad input naming the
// file, its mode and chmod 600, never the key; 0600 and 0400 are read.
func TestLoadKeyFilePermissions(t *testing.T) {
	const secret = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	dir := t.TempDir()
	keyAt := func(name string, mode os.FileMode) string {
		return localfiletest.ExactMode(t, dir, name, []byte(secret+"\n"), mode)
	}
	link := localfiletest.Symlink(t, dir, "link", keyAt("target", 0o644))
	for path, mode := range map[string]os.FileMode{keyAt("k644", 0o644): 0o644, keyAt("k640", 0o640): 0o640, link: 0o644} {
		k, err := LoadKeyFile(path)
		if k != nil || !errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("LoadKeyFile(%s, mode %04o) = %v; want ErrBadInput", path, mode, err)
		}
		localfiletest.WantRefusal(t, err, path, mode, secret[:16])
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if _, err := LoadKeyFile(keyAt(fmt.Sprintf("ok%04o", mode), mode)); err != nil {
			t.Errorf("mode %04o: %v; want the key read", mode, err)
		}
	}
}
