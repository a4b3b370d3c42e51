package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest/internal/clitest"
)

// TestExitMatrix is the README's exit-code table for the demo, every
// code, run against the built binary. It serves its own release on
// 127.0.0.1 and runs four checks against it; when one does not end as it
// should, the story does not hold (3).
func TestExitMatrix(t *testing.T) {
	good := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(good, []byte("not a folder\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := clitest.Args
	rows := []clitest.Row{
		{Code: 0, Name: "the release verifies, the tampered copy is rejected, the receipts verify", Args: func(t *testing.T, dir string) []string {
			return []string{"--keep", dir} // an existing empty folder: the test's, removed after
		}, Want: "DEMO PASSED"},
		{Code: 1, Name: "never", Impossible: "the demo shows a rejection as one of its steps; a story that does not hold is no rejection and exits 3"},
		{Code: 2, Name: "--keep names a file", Args: args("--keep", good), Want: "--keep"},
		{Code: 2, Name: "unknown flag", Args: args("--nope"), Want: "flag provided but not defined: -nope"},
		{Code: 2, Name: "--keep names a folder that is not empty", Args: func(t *testing.T, dir string) []string {
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"--keep", dir}
		}, Want: "is not empty"},
		{Code: 2, Name: "--keep names a previous demo's folder", Args: func(t *testing.T, dir string) []string {
			if err := os.WriteFile(filepath.Join(dir, "verification-report.json"), []byte("{}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"--keep", dir}
		}, Want: "already holds a demo's evidence"},
		{Code: 2, Name: "an argument", Args: args("extra"), Want: "usage: demo [--keep DIR]"},
		{Code: 3, Name: "a check ends otherwise: the step summary ($GITHUB_STEP_SUMMARY) is a FIFO", Args: func(t *testing.T, dir string) []string {
			clitest.Mkfifo(t, dir, "step-summary")
			return []string{"--keep", "demo"} // a new folder in the row's
		}, Env: []string{"GITHUB_STEP_SUMMARY=step-summary"}, Want: "DEMO FAILED"},
	}
	clitest.Check(t, clitest.Commands(clitest.Usage(t, demoBin)), rows)
	clitest.Matrix{
		Bin:  demoBin,
		Env:  func(string) []string { return demoEnv },
		Rows: rows,
	}.Run(t)
}
