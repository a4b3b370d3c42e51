// Package localfiletest holds what the tests of private key files share:
// every package that reads a key through [localfile.OpenPrivate] or
// [localfile.ReadPrivateFile] proves the same refusals — a file group or
// others may read, at its exact mode, also through a symbolic link; a
// FIFO, at once — and that the file it makes is 0600 whatever the umask.
//
// The helpers make those files and check the parts of a refusal every
// package shares: its message names the file, its mode in octal and the
// fix (chmod 600), and never quotes the key. Which sentinel the error
// wraps differs from package to package, so each caller checks that
// itself, with errors.Is or errors.As, before calling [WantRefusal].
//
// [localfile.OpenPrivate]: github.com/ats-run/selfattest/internal/localfile.OpenPrivate
// [localfile.ReadPrivateFile]: github.com/ats-run/selfattest/internal/localfile.ReadPrivateFile
package localfiletest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ExactMode writes data to dir/name and sets its mode to exactly mode
// with chmod, so the umask plays no part, and returns its path.
func ExactMode(t testing.TB, dir, name string, data []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// Symlink makes a symbolic link dir/name to target and returns its path.
func Symlink(t testing.TB, dir, name, target string) string {
	t.Helper()
	l := filepath.Join(dir, name)
	if err := os.Symlink(target, l); err != nil {
		t.Fatal(err)
	}
	return l
}

// WantRefusal checks the message of err, the refusal of the private key
// file path at mode: it must name path, the mode in octal (0644) and the
// fix, "chmod 600", and quote none of secrets — each a piece of the key
// the file holds, such as a line of its PEM body. At least one secret is
// needed: a check that quotes nothing cannot fail.
//
// The caller checks the sentinel err wraps first; WantRefusal checks only
// the message.
func WantRefusal(t testing.TB, err error, path string, mode os.FileMode, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want the refusal of %s at mode %04o", path, mode)
	}
	if len(secrets) == 0 {
		t.Fatal("WantRefusal: no secret to look for")
	}
	msg := err.Error()
	for _, want := range []string{path, fmt.Sprintf("%04o", mode), "chmod 600"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("WantRefusal: an empty secret")
		}
		if strings.Contains(msg, s) {
			t.Errorf("error %q quotes the key", msg)
		}
	}
}

// Within runs f and returns its error, failing the test if f has not
// returned after d: a reader that opened a FIFO as a file would wait on
// it forever.
func Within(t testing.TB, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("still blocked after %v", d)
		return nil
	}
}

// Case is a path a reader must refuse, and what it names.
type Case struct{ Name, Path string }
