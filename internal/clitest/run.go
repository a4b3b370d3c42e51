package clitest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/verify/report"
)

// Run runs cmd, which the caller has set up (its arguments, folder,
// environment, deadline), and returns its exit code and what it wrote on
// stdout and stderr. A program that exits is a result, whatever its code
// (-1 when a signal ended it); one that could not be run fails the test.
func Run(t testing.TB, cmd *exec.Cmd) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", cmd.Path, err)
	}
	return code, out.String(), errb.String()
}

// ExpectCode fails the test, showing the output, when a run's exit code
// is not want.
func ExpectCode(t testing.TB, code, want int, stdout, stderr string) {
	t.Helper()
	if code != want {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, want, stdout, stderr)
	}
}

// MustContain fails the test when s, named what in the message, lacks
// one of wants.
func MustContain(t testing.TB, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Fatalf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// ReadReport parses the report a program wrote at path and fails the
// test unless its status is want.
func ReadReport(t testing.TB, path string, want report.Status) *report.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report written: %v", err)
	}
	r, err := report.Parse(b)
	if err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if r.Status != want {
		t.Fatalf("report status %q, want %q (reason %q)", r.Status, want, r.Reason)
	}
	return r
}

// WriteFile makes the file dir/name, and the folders it is in, holding b,
// and returns its path.
func WriteFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
