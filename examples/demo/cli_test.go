package main

import (
	"os"
	"os/exec"
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
	code, stdout, stderr := clitest.Run(t, cmd)
	return result{code, stdout, stderr}
}

func expectCode(t *testing.T, r result, want int) {
	t.Helper()
	clitest.ExpectCode(t, r.code, want, r.stdout, r.stderr)
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	clitest.MustContain(t, what, s, wants...)
}

// readReport parses a report verify wrote and checks its status.
func readReport(t *testing.T, path string, want report.Status) *report.Report {
	t.Helper()
	return clitest.ReadReport(t, path, want)
}
