//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyFilesReadableByOthers: anchor refuses (exit 2, saying which file,
// its mode and chmod 600) a private key file group or others may read —
// the memory target's F.memory.key and the local log's F.tlog.key, both
// made 0600 — and anchors again once it is 0600.
func TestKeyFilesReadableByOthers(t *testing.T) {
	f := newFlow(t)
	expectCode(t, archivist(t, f.dir, "anchor", "--to", "tlog"), 0)
	for i, k := range []struct{ target, key string }{
		{"memory", "archivist.journal.memory.key"},
		{"tlog", "archivist.journal.tlog.key"},
	} {
		key := filepath.Join(f.dir, k.key)
		if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, %v; want a key made 0600", k.key, fi, err)
		}
		for _, mode := range []os.FileMode{0o644, 0o640} {
			if err := os.Chmod(key, mode); err != nil {
				t.Fatal(err)
			}
			write(t, f.dir, "more.txt", []byte{byte(i), byte(mode)})
			expectCode(t, archivist(t, f.dir, "add", "more.txt"), 0)
			r := archivist(t, f.dir, "anchor", "--to", k.target)
			expectCode(t, r, 2)
			for _, want := range []string{k.key, fmt.Sprintf("has mode %04o", mode), "chmod 600"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("%s at %04o: stderr does not say %q:\n%s", k.key, mode, want, r.stderr)
				}
			}
		}
		if err := os.Chmod(key, 0o600); err != nil {
			t.Fatal(err)
		}
		expectCode(t, archivist(t, f.dir, "anchor", "--to", k.target), 0)
	}
}
