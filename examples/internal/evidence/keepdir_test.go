package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/internal/clitest"
)

// TestKeepDir: a new folder is made, an empty one accepted; a folder
// holding a demo's file, anything else, or a path that is a file is bad
// usage (2, by its class), named in the error, and nothing in it is
// removed or changed.
func TestKeepDir(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "new", "demo")
	if err := KeepDir(fresh, "archivist.journal"); err != nil {
		t.Fatalf("a new folder: %v", err)
	}
	if fi, err := os.Stat(fresh); err != nil || !fi.IsDir() {
		t.Fatalf("the new folder was not made: %v", err)
	}
	if err := KeepDir(fresh, "archivist.journal"); err != nil {
		t.Fatalf("an existing empty folder: %v", err)
	}

	previous := filepath.Join(base, "previous")
	clitest.WriteFile(t, previous, "archivist.journal", []byte("a journal"))
	other := filepath.Join(base, "other")
	clitest.WriteFile(t, other, "notes.txt", []byte("mine"))
	hidden := filepath.Join(base, "hidden")
	clitest.WriteFile(t, hidden, ".git/HEAD", []byte("ref: refs/heads/main\n"))
	file := clitest.WriteFile(t, base, "a-file", []byte("not a folder"))
	for _, tc := range []struct{ dir, want string }{
		{previous, "--keep " + previous + ": it already holds a demo's evidence (archivist.journal)"},
		{other, "--keep " + other + ": the folder is not empty (it holds notes.txt)"},
		{hidden, "--keep " + hidden + ": the folder is not empty (it holds .git)"},
		{file, "--keep: mkdir " + file + ": not a directory"},
	} {
		err := KeepDir(tc.dir, "archivist.journal")
		if !errors.Is(err, ErrUsage) || !errors.Is(err, selfattest.ErrBadInput) {
			t.Errorf("%s: %v, want ErrUsage (bad input)", tc.dir, err)
		}
		if code, ok := clitest.ClassOf(err); !ok || code != selfattest.ExitBadInput {
			t.Errorf("%s: class %d, %t; want %d", tc.dir, code, ok, selfattest.ExitBadInput)
		}
		if err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %q does not say %q", tc.dir, err, tc.want)
		}
	}
	for p, want := range map[string]string{
		filepath.Join(previous, "archivist.journal"): "a journal",
		filepath.Join(other, "notes.txt"):            "mine",
		filepath.Join(hidden, ".git", "HEAD"):        "ref: refs/heads/main\n",
		file:                                         "not a folder",
	} {
		if b, err := os.ReadFile(p); err != nil || string(b) != want {
			t.Errorf("%s was changed: %q, %v", p, b, err)
		}
	}
}
