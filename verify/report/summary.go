package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ats-run/selfattest/internal/localfile"
)

// AppendStepSummary appends r, as Markdown, to the GitHub Actions job
// summary: the file named by the GITHUB_STEP_SUMMARY environment variable,
// created if need be (mode 0644 before the umask). A blank line separates
// it from what the file already holds. When the variable is unset or empty
// — outside GitHub Actions — it does nothing and returns nil. getenv reads
// the environment; nil means [os.Getenv].
//
// The report is rendered before the file is opened, so a report that
// [Report.WriteMarkdown] refuses leaves the file untouched. GitHub shows at
// most 1 MiB of summary per step.
func AppendStepSummary(r *Report, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	path := getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		return err
	}
	f, err := localfile.Create(path, os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("report: step summary: %w", err)
	}
	out := md.Bytes()
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		out = append([]byte("\n"), out...)
	}
	_, werr := f.Write(out)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("report: step summary: %w", err)
	}
	return nil
}

// Create opens the file at path to write a report or result to, creating
// or truncating it. It never blocks: a FIFO, device or directory at path
// is refused at once, so an output path cannot stall a verification.
func Create(path string) (io.WriteCloser, error) {
	f, err := localfile.Create(path, os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return f, nil
}
