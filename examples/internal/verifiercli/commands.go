package verifiercli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/attest"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/report"
)

// defaultTimeout is the default --timeout: one deadline for a whole
// command, every fetch, read and check included.
const defaultTimeout = 5 * time.Minute

// withDeadline runs a command under its --timeout: one deadline for all
// its work. A command that could not check because the deadline passed
// says so.
func (e env) withDeadline(ctx context.Context, d time.Duration, run func(context.Context) int) int {
	if d <= 0 {
		fmt.Fprintf(e.stderr, "verifier: --timeout %s: must be positive\n", d)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	code := run(ctx)
	if code == exitCouldNotCk && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		fmt.Fprintf(e.stderr, "verifier: could not check: --timeout %s ran out before the command finished\n", d)
	}
	return code
}

// fetchFlags are the limits every command that fetches accepts.
type fetchFlags struct {
	maxBytes int64
	timeout  time.Duration
	insecure bool
}

func (f *fetchFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&f.maxBytes, "max-size", 256<<20, "largest body or local file to accept, in bytes")
	fs.DurationVar(&f.timeout, "timeout", defaultTimeout, "overall time limit for the whole command, every fetch included")
	fs.BoolVar(&f.insecure, "insecure-http", false, "allow plain http to hosts other than loopback (anyone on the path can change the bytes)")
}

func (f *fetchFlags) options(p *progress) verify.FetchOptions {
	o := verify.FetchOptions{MaxBytes: f.maxBytes, Timeout: f.timeout, InsecureAllowHTTP: f.insecure}
	if p != nil {
		o.Progress = p.update
	}
	return o
}

// newFlagSet returns a flag set that reports errors to stderr and does
// not exit.
func (e env) newFlagSet(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: verifier %s %s\n\nflags:\n", name, args)
		fs.PrintDefaults()
		fmt.Fprint(e.stderr, "\nexit codes: 0 verified, 1 rejected, 2 bad usage or unusable input (unreadable, not a regular file, over --max-size; a refused URL), 3 could not check (also: --timeout ran out)\n")
	}
	return fs
}

// parse parses args and returns -1 to go on, or the exit code.
func parse(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitVerified
		}
		return exitUsage
	}
	return -1
}

// exitCode maps an error to the documented exit code: the module's one
// mapping of its three sentinels (errUsage is beneath ErrBadInput).
func exitCode(err error) int { return selfattest.ExitCode(err) }

// measureJSON is one line of 'measure --json'.
type measureJSON struct {
	Input  string            `json:"input"`
	Size   int64             `json:"size"`
	SHA256 string            `json:"sha256"`
	SHA384 string            `json:"sha384"`
	SHA512 string            `json:"sha512"`
	SRI    map[string]string `json:"sri"`
	Name   string            `json:"name,omitempty"`
	Fetch  *verify.FetchInfo `json:"fetch,omitempty"`
}

func (e env) measure(ctx context.Context, args []string) int {
	fs := e.newFlagSet("measure", "[--json] [--version V] FILE|URL...")
	asJSON := fs.Bool("json", false, "print one JSON object per input, one per line")
	version := fs.String("version", "", "also print the content-addressed name for this release version")
	var ff fetchFlags
	ff.register(fs)
	if c := parse(fs, args); c >= 0 {
		return c
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	p := newProgress(e.stderr, *asJSON)
	return e.withDeadline(ctx, ff.timeout, func(ctx context.Context) int {
		return e.measureAll(ctx, fs.Args(), ff.options(p), *asJSON, *version)
	})
}

func (e env) measureAll(ctx context.Context, inputs []string, o verify.FetchOptions, asJSON bool, version string) int {
	worst := exitVerified
	enc := json.NewEncoder(e.stdout)
	for _, in := range inputs {
		a, err := measureOne(ctx, in, o)
		if err == nil && version != "" {
			var name string
			name, err = attest.ContentName(baseName(in), version, a.Digests)
			if err != nil {
				err = fmt.Errorf("%w: %w", verify.ErrBadInput, err)
			}
			a.name = name
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "verifier: %s: %v\n", in, err)
			worst = max(worst, exitCode(err))
			continue
		}
		d := a.Digests
		if asJSON {
			enc.Encode(measureJSON{
				Input: in, Size: d.Size,
				SHA256: d.Hex(attest.SHA256), SHA384: d.Hex(attest.SHA384), SHA512: d.Hex(attest.SHA512),
				SRI:  map[string]string{"sha256": d.SRI(attest.SHA256), "sha384": d.SRI(attest.SHA384), "sha512": d.SRI(attest.SHA512)},
				Name: a.name, Fetch: a.Fetch,
			})
			continue
		}
		fmt.Fprintf(e.stdout, "%s\n  size:    %d bytes\n  sha256:  %s\n  sha384:  %s\n  sha512:  %s\n  sri:     %s\n",
			safe(in), d.Size, d.Hex(attest.SHA256), d.Hex(attest.SHA384), d.Hex(attest.SHA512), d.SRI(attest.SHA384))
		if a.name != "" {
			fmt.Fprintf(e.stdout, "  name:    %s\n", a.name)
		}
	}
	return worst
}

type measured struct {
	verify.Artifact
	name string
}

// measureOne measures a URL within the limits, or a local regular file
// within the same size limit — an empty file included, since its digests
// are well defined.
func measureOne(ctx context.Context, in string, o verify.FetchOptions) (measured, error) {
	if verify.IsURL(in) {
		a, err := verify.MeasureInput(ctx, in, o)
		return measured{Artifact: a}, err
	}
	if err := ctx.Err(); err != nil {
		return measured{}, fmt.Errorf("%w: %w", verify.ErrCouldNotCheck, err)
	}
	max := o.MaxBytes
	if max == 0 {
		max = 256 << 20 // as for a URL
	}
	d, err := attest.MeasureFileMax(in, max)
	if err != nil {
		return measured{}, fmt.Errorf("%w: %w", verify.ErrBadInput, err)
	}
	return measured{Artifact: verify.Artifact{Input: in, Digests: d}}, nil
}

// reportFlags are the outputs compare and web write.
type reportFlags struct {
	asJSON  bool
	report  string
	summary string
	title   string
	details report.Details
	// reasonInline puts the reason on the verdict line: verify ends
	// with one verdict line.
	reasonInline bool
}

func (r *reportFlags) register(fs *flag.FlagSet, title string) {
	fs.BoolVar(&r.asJSON, "json", false, "print the JSON report on stdout instead of text")
	fs.StringVar(&r.report, "report", "", "also write the JSON report to `FILE`")
	fs.StringVar(&r.summary, "summary", "", "also write the Markdown report to `FILE`")
	fs.StringVar(&r.title, "title", title, "report title")
	fs.StringVar(&r.details.Timestamp, "timestamp", "", "timestamp to record (default: now, UTC)")
	fs.StringVar(&r.details.ReleaseTag, "release-tag", "", "release tag to record")
	fs.StringVar(&r.details.VerifierCommit, "verifier-commit", "", "commit of the verifier code to record")
	fs.StringVar(&r.details.VerifierCommitURL, "verifier-commit-url", "", "link to that commit")
	fs.StringVar(&r.details.WorkflowRun, "workflow-run", "", "CI run to record, e.g. #1234")
	fs.StringVar(&r.details.WorkflowRunURL, "workflow-run-url", "", "link to that run")
}

// emit writes the report everywhere it was asked for. The exit code is
// never better than the report's status: a report that checked nothing
// (a page with no protected subresource) says "error", and so does the
// exit code. A failure to write a report is bad usage only if the
// verification itself passed.
func (e env) emit(r *report.Report, rf reportFlags, code int) int {
	if code == exitVerified {
		switch r.Status {
		case report.StatusFail:
			code = exitRejected
		case report.StatusError:
			code = exitCouldNotCk
			fmt.Fprintf(e.stderr, "verifier: %s\n", safe(r.Reason))
		}
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "verifier: %v\n", err)
		if code == exitVerified {
			return exitUsage
		}
		return code
	}
	if rf.asJSON {
		if err := r.WriteJSON(e.stdout); err != nil {
			return fail(err)
		}
	} else {
		color := false
		if f, ok := evidence.File(e.stdout); ok {
			color = report.ColorFor(f, e.getenv)
		}
		if err := r.WriteText(e.stdout, report.TextOptions{Color: color, ReasonInline: rf.reasonInline}); err != nil {
			return fail(err)
		}
	}
	if rf.report != "" {
		if err := writeFile(rf.report, r.WriteJSON); err != nil {
			return fail(err)
		}
	}
	if rf.summary != "" {
		if err := writeFile(rf.summary, r.WriteMarkdown); err != nil {
			return fail(err)
		}
	}
	if err := report.AppendStepSummary(r, e.getenv); err != nil {
		return fail(err)
	}
	return code
}

// writeFile writes an output the user named; report.Create refuses a
// FIFO or device there rather than block on it.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := report.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (rf *reportFlags) stamp() {
	if rf.details.Timestamp == "" {
		rf.details.Timestamp = time.Now().UTC().Format(time.RFC3339)
	}
}

// reportCommand runs a command that verifies something and reports on it:
// compare and web. flags adds the command's own flags; check runs the
// verification with the fetch options and the positional arguments
// (exactly nargs of them) and returns the report and the error.
func (e env) reportCommand(ctx context.Context, args []string, name, argsUsage, title string, nargs int,
	flags func(*flag.FlagSet), check func(ctx context.Context, fo verify.FetchOptions, d report.Details, args []string) (*report.Report, error)) int {
	fs := e.newFlagSet(name, argsUsage)
	var rf reportFlags
	rf.register(fs, title)
	var ff fetchFlags
	ff.register(fs)
	if flags != nil {
		flags(fs)
	}
	if c := parse(fs, args); c >= 0 {
		return c
	}
	if fs.NArg() != nargs {
		fs.Usage()
		return exitUsage
	}
	rf.stamp()
	p := newProgress(e.stderr, rf.asJSON)
	return e.withDeadline(ctx, ff.timeout, func(ctx context.Context) int {
		r, err := check(ctx, ff.options(p), rf.details, fs.Args())
		r.Title = rf.title
		if err != nil {
			fmt.Fprintf(e.stderr, "verifier: %v\n", err)
		}
		return e.emit(r, rf, exitCode(err))
	})
}

func (e env) compare(ctx context.Context, args []string) int {
	return e.reportCommand(ctx, args, "compare", "[--json] [--report FILE] [--summary FILE] LOCAL LIVE", "Verification Report", 2, nil,
		func(ctx context.Context, fo verify.FetchOptions, d report.Details, args []string) (*report.Report, error) {
			local, live := args[0], args[1]
			c, err := verify.Compare(ctx, local, live, verify.CompareOptions{Fetch: fo})
			return verify.CompareReport("", d, local, live, c, err), err
		})
}

func (e env) web(ctx context.Context, args []string) int {
	var strict bool
	var local string
	return e.reportCommand(ctx, args, "web", "[--json] [--strict] [--local DIR] URL", "Web Integrity Report", 1,
		func(fs *flag.FlagSet) {
			fs.BoolVar(&strict, "strict", false, "fail on a script or stylesheet with no integrity attribute")
			fs.StringVar(&local, "local", "", "also compare each subresource with the file at its path in `DIR`")
		},
		func(ctx context.Context, fo verify.FetchOptions, d report.Details, args []string) (*report.Report, error) {
			res, err := verify.CheckPage(ctx, args[0], verify.PageOptions{Fetch: fo, Strict: strict, LocalDir: local})
			return verify.PageReport("", d, args[0], res, err), err
		})
}

// baseName is the file name of a path or of a URL's path.
func baseName(in string) string {
	if verify.IsURL(in) {
		if u, err := url.Parse(in); err == nil {
			return path.Base(u.Path)
		}
	}
	return filepath.Base(in)
}

// safe replaces control characters in untrusted text (a URL from the
// command line or a page) before it reaches a terminal.
func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f {
			return '?'
		}
		return r
	}, s)
}

// progress prints a line on stderr for transfers that take longer than
// about a second: percent when the size is known, bytes otherwise.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	start map[string]time.Time
	last  time.Time
	shown bool
}

// newProgress prints on w, or is nil (no progress) when quiet: when the
// output is JSON.
func newProgress(w io.Writer, quiet bool) *progress {
	if quiet {
		return nil
	}
	return &progress{w: w, start: map[string]time.Time{}}
}

func (p *progress) update(url string, received, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	t0, ok := p.start[url]
	if !ok {
		p.start[url] = now
		return
	}
	if now.Sub(t0) < time.Second || now.Sub(p.last) < time.Second {
		return
	}
	p.last = now
	p.shown = true
	if total > 0 {
		fmt.Fprintf(p.w, "verifier: %s: %d%% (%d of %d bytes)\n", safe(url), received*100/total, received, total)
	} else {
		fmt.Fprintf(p.w, "verifier: %s: %d bytes\n", safe(url), received)
	}
}
