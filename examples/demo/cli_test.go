package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/internal/clitest"
	"github.com/ats-run/selfattest/verify/report"
)

// The demo is tested as a user meets it: the built binary, run as a
// process, judged by its exit code and output.
var demoBin string

func TestMain(m *testing.M) { clitest.Main(m, "demo", &demoBin) }

type result struct {
	code           int
	stdout, stderr string
}

// demoEnv is the environment the demo runs in: no step summary to
// append to, no colour.
var demoEnv = []string{"GITHUB_STEP_SUMMARY=", "NO_COLOR=1"}

// demo runs the built demo with args.
func demo(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(demoBin, args...)
	cmd.Env = append(os.Environ(), demoEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func expectCode(t *testing.T, r result, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
	}
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Fatalf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// readReport parses a report verify wrote and checks its status.
func readReport(t *testing.T, path string, want report.Status) *report.Report {
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
