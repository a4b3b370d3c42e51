package verifiercli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/verify"
	"github.com/ats-run/selfattest/verify/report"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/confirm"
)

const verifyUsage = `--source DIR --build CMD --artifact PATH (--url URL | --page URL)
        --bundle FILE|URL (--certificate-identity SAN --certificate-oidc-issuer URL | --key PEM)
        [--signed PATH] [--source-date-epoch N] [--trusted-root FILE] [--confirm-tiles LOG[=URL]]
        [--confirm-rekor-v1 LOG[=URL]] [--report FILE] [--summary FILE] [--timeout D]
        [--anchor TARGET[,...] [target flags] [--journal F] [--receipts DIR]
         [--archive | --no-archive] [--store DIR]]

Rebuilds a release from its source and checks the live artifact against the
rebuild, and the rebuild against the release's Sigstore bundle:

 1. copies --source to a temporary folder and runs --build there with
    sh -c, SOURCE_DATE_EPOCH set from --source-date-epoch or, when the
    source is a git checkout, from its HEAD commit time;
 2. fetches --url and compares it with --artifact (a file inside the copy):
    SHA-256, SRI (sha384), SHA-512 and size; or fetches the page --page,
    checks every subresource against its integrity attribute and compares
    each with the file at its path in --artifact (a folder inside the copy);
 3. verifies --bundle (a file, or a URL) against the rebuilt file --signed
    (default: --artifact, when it is a file) with the identity policy, the
    log entry from the bundle offline, and online with --confirm-*;
 4. writes the report (--report, --summary, $GITHUB_STEP_SUMMARY) whatever
    the outcome, with the status that matches the exit code;
 5. with --anchor (which needs --report), keeps the evidence, whatever the
    verdict: the report, the bundle (one fetched from a URL is kept beside
    the report, as REPORT.bundle.sigstore.json) and the summary are
    recorded in the archivist's journal (--journal), sealed into a batch,
    anchored at the targets with the archivist's flags and defaults
    (tlog: --tlog-dir; eth: --eth-rpc, --chain-id, --sink, --eth-key-file or
    --eth-key-env; ipfs: --kubo-api; ...), and each gets a receipt in
    --receipts (default: receipts beside the journal) that archivist verify
    checks. --archive also records an IPFS archive of them (its CAR), as
    it does by default when ipfs is among the targets (--no-archive: not).

Exit 0 verified; 1 a row failed (a digest, a subresource, the bundle, a log);
2 bad usage, a build that fails or makes no --artifact (its last lines are
shown), an unusable input, target flags or a journal that --anchor cannot
use (checked before anything else); 3 the live artifact, the bundle URL or a
log could not be reached, or --timeout (one deadline for everything, the
build included) ran out. With --anchor the exit code is the verdict's, but
for a run that verified and whose evidence could not be anchored (a target
that did not answer): 3, said after the verdict. An anchor submitted and
not confirmed yet is fine: archivist upgrade completes it.`

// buildTailLines is how many of the build's last lines an error shows, and
// buildTailLineBytes how much of each: a build's output is the project's,
// but it may be huge, and only its end says why it failed.
const (
	buildTailLines     = 20
	buildTailLineBytes = 512
)

var (
	// errBuild marks a build command that failed or made no artifact.
	errBuild = selfattest.Beneath(selfattest.ErrBadInput, "build")
	// errBundleFetch marks a bundle URL that could not be fetched.
	errBundleFetch = selfattest.Beneath(selfattest.ErrCouldNotCheck, "bundle")
)

// verifyFlags are verify's own flags.
type verifyFlags struct {
	source, build, artifact, signed string
	url, page, bundle, epoch        string
	strict                          bool
	// fetched holds the bundle's bytes when --bundle is a URL and it was
	// fetched: the evidence --anchor keeps.
	fetched []byte
}

// verifyCmd is 'verifier verify': rebuild, fetch, compare, verify the
// bundle, report, composed of what compare, web and verify-bundle do.
func (e env) verifyCmd(ctx context.Context, args []string) int {
	fs := e.newFlagSet("verify", verifyUsage)
	rf := reportFlags{reasonInline: true}
	rf.register(fs, "Verification Report")
	var ff fetchFlags
	ff.register(fs)
	var bf bundleFlags
	bf.register(fs)
	var vf verifyFlags
	var af anchorFlags
	af.register(fs)
	fs.StringVar(&vf.source, "source", "", "the release's source `DIR` (a folder or a git checkout); it is copied, never changed")
	fs.StringVar(&vf.build, "build", "", "the build `COMMAND`, run with sh -c in the copy of --source")
	fs.StringVar(&vf.artifact, "artifact", "", "the built artifact's `PATH` inside the copy: a file with --url, a folder with --page")
	fs.StringVar(&vf.signed, "signed", "", "the built file the bundle signs, a `PATH` inside the copy (default: --artifact when it is a file)")
	fs.StringVar(&vf.url, "url", "", "the live artifact's `URL`")
	fs.StringVar(&vf.page, "page", "", "the live page's `URL`: every subresource is checked and compared with --artifact")
	fs.BoolVar(&vf.strict, "strict", false, "with --page: fail on a script or stylesheet with no integrity attribute")
	fs.StringVar(&vf.bundle, "bundle", "", "the release's Sigstore bundle, a `FILE` or a URL")
	fs.StringVar(&vf.epoch, "source-date-epoch", "", "SOURCE_DATE_EPOCH for the build, in `SECONDS` (default: the git HEAD commit time)")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	if af.targets.To != "" && rf.report == "" {
		fmt.Fprintf(e.stderr, "verifier: %v\n", fmt.Errorf("%w: --anchor needs --report FILE: the report is the evidence it anchors", errUsage))
		return exitUsage
	}
	rf.stamp()
	p := newProgress(e.stderr, rf.asJSON)
	return e.withDeadline(ctx, ff.timeout, func(ctx context.Context) int {
		var k *keeper
		if af.targets.To != "" {
			af.targets.Timeout = ff.timeout
			var err error
			if k, err = e.openKeeper(ctx, &af); err != nil {
				fmt.Fprintf(e.stderr, "verifier: --anchor: %v\n", err)
				return exitCode(err)
			}
			defer k.close()
		}
		r := report.New(rf.title)
		r.Details = rf.details
		errs := e.verifyFlow(ctx, &vf, rf.asJSON, ff.options(p), &bf, r)
		code := e.emit(r, rf, settle(r, errs))
		if k != nil {
			code = e.keep(ctx, k, rf, &vf, code)
		}
		return code
	})
}

// verifyFlow runs verify's steps, adding each one's checks to r, and
// returns the error of each step that ran (nil for one that passed). It
// goes on after a failed row, so the report shows everything that could
// be checked; it stops when the build fails, since nothing is left to
// compare.
func (e env) verifyFlow(ctx context.Context, vf *verifyFlags, quiet bool, fo verify.FetchOptions, bf *bundleFlags, r *report.Report) []error {
	if err := vf.check(); err != nil {
		return []error{e.stepError(r, 0, "Command line", err)}
	}
	live, liveLabel := vf.url, "Live:    "
	if live == "" {
		live, liveLabel = vf.page, "Page:    "
	}
	if !quiet {
		fmt.Fprintf(e.stdout, "🔐 selfattest verify\n   Source:   %s\n   Build:    %s\n   Artifact: %s\n   %s %s\n   Bundle:   %s\n\n",
			safe(vf.source), safe(vf.build), safe(vf.artifact), liveLabel, safe(live), safe(vf.bundle))
	}
	extra := map[string]string{"build_command": vf.build, "source": vf.source}
	r.Details.Extra = extra

	epoch, err := sourceDateEpoch(ctx, vf)
	if err != nil {
		return []error{e.stepError(r, 0, "Build", err)}
	}
	extra["source_date_epoch"] = epoch
	if epoch == "" {
		extra["source_date_epoch"] = "(as in the environment)"
	}
	work, err := os.MkdirTemp("", "verifier-verify-")
	if err != nil {
		return []error{e.stepError(r, 0, "Build", fmt.Errorf("%w: %w", selfattest.ErrCouldNotCheck, err))}
	}
	defer os.RemoveAll(work)
	dir := filepath.Join(work, "src")
	if err := os.CopyFS(dir, os.DirFS(vf.source)); err != nil {
		return []error{e.stepError(r, 0, "Build", fmt.Errorf("%w: copying --source: %w", verify.ErrBadInput, err))}
	}
	took, err := e.runBuild(ctx, dir, vf.build, epoch)
	if err != nil {
		extra["build_error"] = err.Error()
		return []error{e.stepError(r, 0, "Build", err)}
	}
	extra["build_seconds"] = strconv.FormatFloat(took.Seconds(), 'f', 1, 64)
	local, signed, err := builtPaths(dir, vf)
	if err != nil {
		return []error{e.stepError(r, 0, "Build", err)}
	}

	var errs []error
	from := len(r.Checks)
	if vf.url != "" {
		c, err := verify.Compare(ctx, local, vf.url, verify.CompareOptions{Fetch: fo})
		merge(r, verify.CompareReport("", r.Details, local, vf.url, c, err))
		errs = append(errs, e.stepError(r, from, "Live artifact", err))
	} else {
		res, err := verify.CheckPage(ctx, vf.page, verify.PageOptions{Fetch: fo, Strict: vf.strict, LocalDir: local})
		merge(r, verify.PageReport("", r.Details, vf.page, res, err))
		errs = append(errs, e.stepError(r, from, "Live page", err))
	}
	errs = append(errs, e.verifyBundleOf(ctx, vf.bundle, signed, fo, bf, r, &vf.fetched))
	return errs
}

// check refuses a command line verify cannot run.
func (vf *verifyFlags) check() error {
	switch {
	case vf.source == "" || vf.build == "" || vf.artifact == "" || vf.bundle == "":
		return fmt.Errorf("%w: --source, --build, --artifact and --bundle are required", errUsage)
	case (vf.url == "") == (vf.page == ""):
		return fmt.Errorf("%w: give one of --url and --page", errUsage)
	case vf.strict && vf.page == "":
		return fmt.Errorf("%w: --strict applies to --page", errUsage)
	case !filepath.IsLocal(vf.artifact):
		return fmt.Errorf("%w: --artifact %s: must be a path inside the source", errUsage, safe(vf.artifact))
	case vf.signed != "" && !filepath.IsLocal(vf.signed):
		return fmt.Errorf("%w: --signed %s: must be a path inside the source", errUsage, safe(vf.signed))
	case vf.page != "" && vf.signed == "":
		return fmt.Errorf("%w: --page needs --signed: the built file the bundle signs", errUsage)
	}
	if fi, err := os.Stat(vf.source); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: --source %s: not a folder", errUsage, safe(vf.source))
	}
	return nil
}

// sourceDateEpoch is --source-date-epoch, else the HEAD commit time of a
// git checkout, else "" (the variable is then left as the environment has
// it, and the build had better not depend on the clock).
func sourceDateEpoch(ctx context.Context, vf *verifyFlags) (string, error) {
	if vf.epoch != "" {
		if n, err := strconv.ParseInt(vf.epoch, 10, 64); err != nil || n < 0 {
			return "", fmt.Errorf("%w: --source-date-epoch %s: not a number of seconds", errUsage, safe(vf.epoch))
		}
		return vf.epoch, nil
	}
	if _, err := os.Stat(filepath.Join(vf.source, ".git")); err != nil {
		return "", nil
	}
	out, err := exec.CommandContext(ctx, "git", "-C", vf.source, "log", "-1", "--format=%ct").Output()
	if err != nil {
		return "", fmt.Errorf("%w: --source is a git checkout, but its commit time cannot be read (give --source-date-epoch): %w", verify.ErrBadInput, err)
	}
	s := strings.TrimSpace(string(out))
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return "", fmt.Errorf("%w: git log gave the commit time %q", verify.ErrBadInput, safe(s))
	}
	return s, nil
}

// runBuild runs the build command in dir and reports its progress on
// stderr. A build that fails is errBuild with its last lines; one that the
// deadline stops could not be checked.
func (e env) runBuild(ctx context.Context, dir, command, epoch string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	if epoch != "" {
		cmd.Env = append(cmd.Env, "SOURCE_DATE_EPOCH="+epoch)
	}
	tail := &tailWriter{}
	cmd.Stdout, cmd.Stderr = tail, tail
	// A command that started a child keeping the output open must not
	// hold verify past the deadline.
	ownProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	if epoch != "" {
		fmt.Fprintf(e.stderr, "verifier: build: $ %s (SOURCE_DATE_EPOCH=%s)\n", safe(command), epoch)
	} else {
		fmt.Fprintf(e.stderr, "verifier: build: $ %s (SOURCE_DATE_EPOCH as in the environment)\n", safe(command))
	}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(e.stderr, "verifier: build: still running, %s\n", time.Since(start).Round(time.Second))
			}
		}
	}()
	err := cmd.Run()
	close(done)
	took := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return took, fmt.Errorf("%w: build stopped after %s: %w", selfattest.ErrCouldNotCheck, took.Round(time.Millisecond), ctx.Err())
		}
		return took, fmt.Errorf("%w: $ %s: %w after %s; the last lines of its output follow\n%s", errBuild, safe(command), err, took.Round(time.Millisecond), tail.last())
	}
	fmt.Fprintf(e.stderr, "verifier: build: done in %s\n", took.Round(time.Millisecond))
	return took, nil
}

// builtPaths finds the build's outputs in dir: the artifact to compare (a
// regular file with --url, a folder with --page) and the file the bundle
// signs. Each must be inside dir: a symbolic link out of it is refused.
func builtPaths(dir string, vf *verifyFlags) (local, signed string, err error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", selfattest.ErrCouldNotCheck, err)
	}
	defer root.Close()
	fi, err := root.Stat(vf.artifact)
	if err != nil {
		return "", "", fmt.Errorf("%w: the build made no --artifact %s: %w", errBuild, safe(vf.artifact), err)
	}
	switch {
	case vf.url != "" && !fi.Mode().IsRegular():
		return "", "", fmt.Errorf("%w: --artifact %s is not a regular file (--url compares one file)", errBuild, safe(vf.artifact))
	case vf.page != "" && !fi.IsDir():
		return "", "", fmt.Errorf("%w: --artifact %s is not a folder (--page compares every subresource with the build's folder)", errBuild, safe(vf.artifact))
	}
	s := vf.signed
	if s == "" {
		s = vf.artifact
	}
	sfi, err := root.Stat(s)
	if err != nil {
		return "", "", fmt.Errorf("%w: the build made no --signed %s: %w", errBuild, safe(s), err)
	}
	if !sfi.Mode().IsRegular() {
		return "", "", fmt.Errorf("%w: --signed %s is not a regular file", errBuild, safe(s))
	}
	return filepath.Join(dir, vf.artifact), filepath.Join(dir, s), nil
}

// verifyBundleOf verifies the bundle (a file or a URL) against the local
// build's file signed, confirms its log entries online when --confirm-*
// name their logs, and adds the Sigstore section and checks to r. A bundle
// fetched from a URL leaves its bytes in *fetched.
func (e env) verifyBundleOf(ctx context.Context, bundleAt, signed string, fo verify.FetchOptions, bf *bundleFlags, r *report.Report, fetched *[]byte) error {
	from := len(r.Checks)
	v, p, sources, err := bf.verifier()
	if err != nil {
		return e.stepError(r, from, "Sigstore bundle", err)
	}
	b, raw, err := loadBundle(ctx, bundleAt, fo)
	if raw != nil {
		*fetched = raw
	}
	var res *sigstore.Result
	if err == nil {
		res, err = v.Verify(ctx, b, sigstore.ArtifactFile(signed), p)
	}
	sr := sigstore.NewReport("", r.Details, signed, p, res, err)
	if res != nil && len(sources) > 0 {
		c, cerr := confirm.Confirm(ctx, v, b, res, sources...)
		confirm.AddToReport(sr, c, cerr)
		err = cerr
	}
	merge(r, sr)
	r.Sigstore = sr.Sigstore
	r.Artifacts = append(r.Artifacts, report.NewArtifact("bundle", bundleAt))
	return e.stepError(r, from, "Sigstore bundle", err)
}

// loadBundle reads a bundle from a file, or fetches it from a URL within
// the fetch policy and sigstore.MaxBundleSize, and then returns the bytes
// fetched too.
func loadBundle(ctx context.Context, from string, fo verify.FetchOptions) (*bundle.Bundle, []byte, error) {
	if !verify.IsURL(from) {
		b, err := sigstore.LoadBundle(from)
		return b, nil, err
	}
	var buf bytes.Buffer
	fo.MaxBytes = sigstore.MaxBundleSize
	if _, err := verify.Fetch(ctx, from, &buf, fo); err != nil {
		if errors.Is(err, verify.ErrBadInput) {
			return nil, nil, fmt.Errorf("%w: --bundle: %w", errUsage, err)
		}
		return nil, nil, fmt.Errorf("%w: %w", errBundleFetch, err)
	}
	b, err := sigstore.ParseBundle(buf.Bytes())
	return b, buf.Bytes(), err
}

// merge adds a step's report (its checks and artifacts) to r.
func merge(r, step *report.Report) {
	r.Checks = append(r.Checks, step.Checks...)
	r.Artifacts = append(r.Artifacts, step.Artifacts...)
	if r.Subject == nil {
		r.Subject = step.Subject
	}
}

// stepError prints a step's error and, unless the step's checks (r's
// from the index from on) already show it, records it in r as a check of its own, failed for a rejection
// and an error otherwise: a step that went wrong can never leave r a
// pass. It returns err.
func (e env) stepError(r *report.Report, from int, step string, err error) error {
	if err == nil {
		return nil
	}
	fmt.Fprintf(e.stderr, "verifier: %v\n", err)
	want := report.VerdictError
	if exitCode(err) == exitRejected {
		want = report.VerdictFail
	}
	for _, c := range r.Checks[from:] {
		if c.Verdict == want {
			return err
		}
	}
	r.Add(report.Check{Group: "Verification steps", Name: step, Expected: "done", Actual: firstLine(err.Error()), Verdict: want})
	return err
}

// settle finishes r and returns the exit code of the steps' errors (the
// most serious, as selfattest.ExitCode ranks them), making the report's
// status agree with it: fail for 1, error for 2 and 3, with the first
// error of that code as the reason.
func settle(r *report.Report, errs []error) int {
	code := exitCode(errors.Join(errs...))
	if code != exitVerified {
		for _, err := range errs {
			if err != nil && exitCode(err) == code {
				r.Reason = firstLine(err.Error())
				break
			}
		}
		r.Status = report.StatusError
		if code == exitRejected {
			r.Status = report.StatusFail
		}
	}
	r.Finish()
	return code
}

// firstLine is the first line of an error, for the report's one-line
// reason; a build's error goes on with the last lines of its output, kept
// whole in the report's details (build_error) and shown on stderr.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// tailWriter keeps the last buildTailLines lines written to it, each cut
// to buildTailLineBytes: bounded, however much a build prints.
type tailWriter struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.add(p)
			break
		}
		t.add(p[:i])
		t.flush()
		p = p[i+1:]
	}
	return n, nil
}

func (t *tailWriter) add(p []byte) {
	if room := buildTailLineBytes - len(t.partial); room > 0 {
		t.partial = append(t.partial, p[:min(room, len(p))]...)
	}
}

func (t *tailWriter) flush() {
	t.lines = append(t.lines, string(t.partial))
	if len(t.lines) > buildTailLines {
		t.lines = t.lines[len(t.lines)-buildTailLines:]
	}
	t.partial = t.partial[:0]
}

// last returns the kept lines, indented, control characters replaced.
func (t *tailWriter) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if len(t.partial) > 0 {
		lines = append(append([]string{}, lines...), string(t.partial))
		if len(lines) > buildTailLines {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return "  (no output)"
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("  " + safe(l))
	}
	return b.String()
}
