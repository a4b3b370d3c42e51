package report

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestAppendStepSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	getenv := env("GITHUB_STEP_SUMMARY", path)
	if err := AppendStepSummary(seedReport(), getenv); err != nil {
		t.Fatal(err)
	}
	if err := AppendStepSummary(failReport(), getenv); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(readFile(t, "pass.md"), '\n'), readFile(t, "fail.md")...)
	diff(t, got, want)
}

func TestAppendStepSummaryKeepsContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(path, []byte("earlier step output\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendStepSummary(errorReport(), env("GITHUB_STEP_SUMMARY", path)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte("earlier step output\n\n"), readFile(t, "error.md")...)
	diff(t, got, want)
}

func TestAppendStepSummaryUnset(t *testing.T) {
	dir := t.TempDir()
	for _, getenv := range []func(string) string{env(), env("GITHUB_STEP_SUMMARY", "")} {
		if err := AppendStepSummary(seedReport(), getenv); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("files created: %v", entries)
	}
}

func TestAppendStepSummaryInvalidReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	tampered := failReport()
	tampered.Status = StatusPass
	err := AppendStepSummary(tampered, env("GITHUB_STEP_SUMMARY", path))
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v, want one wrapping ErrInvalid", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("summary file exists after a refused report: %v", err)
	}
}

func TestAppendStepSummaryUnwritable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "summary.md")
	err := AppendStepSummary(seedReport(), env("GITHUB_STEP_SUMMARY", path))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v, want one wrapping os.ErrNotExist", err)
	}
	if errors.Is(err, ErrInvalid) {
		t.Fatalf("an I/O error wraps ErrInvalid: %v", err)
	}
}
