package ipfs

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSweepTempsOnlyRegularFiles: of the entries named ".put-…" that are
// old enough, the sweep removes the regular files and nothing else: a
// symbolic link (to a regular file outside the blocks folder, or to a
// folder), a folder, and what a link points to are left as they are.
// The cutoff is in the future, so every entry is old enough by its
// modification time: a symbolic link's own time is the moment it was
// made, which TestOpenStoreSweepsStaleTemporaryFiles cannot set back, so
// there a sweep that removed links too kept its link for being fresh.
func TestSweepTempsOnlyRegularFiles(t *testing.T) {
	blocks := t.TempDir()
	outside := t.TempDir()
	target := filepath.Join(outside, "a-regular-file")
	if err := os.WriteFile(target, []byte("not the store's"), 0o644); err != nil {
		t.Fatal(err)
	}
	temp := filepath.Join(blocks, tempPrefix+"stale")
	if err := os.WriteFile(temp, []byte("half a block"), 0o600); err != nil {
		t.Fatal(err)
	}
	kept := map[string]string{
		tempPrefix + "link-file":   target,
		tempPrefix + "link-folder": outside,
	}
	for name, to := range kept {
		if err := os.Symlink(to, filepath.Join(blocks, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(blocks, tempPrefix+"folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	kept[tempPrefix+"folder"] = ""

	sweepTemps(blocks, time.Now().Add(time.Hour))

	if _, err := os.Lstat(temp); !os.IsNotExist(err) {
		t.Errorf("the stale temporary file: %v, want it removed", err)
	}
	for name, to := range kept {
		fi, err := os.Lstat(filepath.Join(blocks, name))
		if err != nil {
			t.Errorf("%s was removed: %v", name, err)
			continue
		}
		if to != "" && fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symbolic link: %v", name, fi.Mode())
		}
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "not the store's" {
		t.Errorf("the file a link points to, outside the store: %q, %v", b, err)
	}
}
