//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/internal/clitest"
)

// TestDemoKeepUnwritable: demo --keep DIR, DIR an empty folder the demo
// cannot write into, is bad input (2), the folder named, before the
// story starts: the folder is the command line's. (With KeepDir alone
// the folder passed, and the story's first step failed: 3.)
//
// The folder is mode 555. Root writes into it all the same, so as root
// the demo runs as the user nobody (65534), from a copy of the binary in
// a folder it can read.
func TestDemoKeepUnwritable(t *testing.T) {
	dir := t.TempDir()
	bin := archivistBin
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		// t.TempDir's folders are root's alone (700): the test's own
		// folder is opened to others, and the binary copied into it.
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(archivistBin)
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(dir, "archivist")
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o555); err != nil { // past the umask
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "demo", "--keep", "ro")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir, "HOME="+dir)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	code, stdout, stderr := clitest.Run(t, cmd)
	clitest.ExpectCode(t, code, 2, stdout, stderr)
	if want := "--keep: mkdir ro/evidence: permission denied"; !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
	if stdout != "" {
		t.Errorf("the refused run told a story:\n%s", stdout)
	}
	if des, err := os.ReadDir(ro); err != nil || len(des) != 0 {
		t.Errorf("the folder holds %v (%v), want it left empty", des, err)
	}
}
