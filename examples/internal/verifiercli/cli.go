// Package verifiercli is the verifier's implementation: its commands,
// flags, rebuild, bundle checks and anchoring, behind a small surface.
// examples/verifier is Main and nothing else; examples/demo runs the
// verify command (Verify) and a build as verify runs one (Build) in its
// own process, on the release it makes. The commands, flags, outputs and
// exit codes are documented on the verifier (examples/verifier).
//
// It is a package apart from the program so that the demo can run the
// verifier's code, not a copy of it, without the verifier linking the
// demo's in-process chain (go-ethereum's node).
//
// It is built only on selfattest's public API.
package verifiercli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/examples/internal/evidence"
)

// Exit codes: the module's (selfattest.ExitCode maps errors to them).
const (
	exitVerified   = selfattest.ExitVerified
	exitRejected   = selfattest.ExitRejected
	exitUsage      = selfattest.ExitBadInput
	exitCouldNotCk = selfattest.ExitCouldNotCheck
)

const usage = `usage: verifier <command> [flags] [args]

Commands:
  measure [--json] [--version V] FILE|URL...
        print size, SHA-256, SHA-384, SHA-512 and SRI strings of each input
  compare [--json] [--report FILE] [--summary FILE] LOCAL LIVE
        compare a local build with a live artifact (each a path or URL)
  web [--json] [--strict] [--local DIR] URL
        check the integrity attributes of a live HTML page's scripts and styles
  verify-bundle --bundle FILE (--certificate-identity SAN --certificate-oidc-issuer URL | --key PEM)
        [--trusted-root FILE] [--confirm-tiles LOG[=URL]] [--confirm-rekor-v1 LOG[=URL]] [--timeout D] FILE_OR_DIGEST
        verify a Sigstore bundle (the Sigstore conformance protocol; digests
        sha256:, sha384: or sha512:), with GitHub workflow claims; optionally
        confirm its log entries online (latest checkpoint, inclusion, consistency)
  verify --source DIR --build CMD --artifact PATH (--url URL | --page URL --signed PATH)
        --bundle FILE|URL (--certificate-identity SAN --certificate-oidc-issuer URL | --key PEM)
        [--trusted-root FILE] [--confirm-tiles LOG[=URL]] [--confirm-rekor-v1 LOG[=URL]]
        [--source-date-epoch N] [--report FILE] [--summary FILE]
        [--anchor TARGET[,...] [target flags] [--journal F] [--receipts DIR]]
        the whole check in one command: rebuild the source in a temporary
        copy (SOURCE_DATE_EPOCH from the flag or the git commit), fetch the
        live artifact or page, compare it with the rebuild, verify the bundle
        against the rebuild, write the report; 2 also when the build fails or
        makes no artifact; --anchor then anchors the evidence (the report,
        the bundle, the summary) as the archivist does, with its target
        flags, and writes a receipt per item

Run 'verifier <command> --help' for a command's flags.

URLs must be https, or http to a loopback host (127.0.0.0/8, ::1,
localhost), unless --insecure-http is given. Redirects follow the same rule.
--timeout (default 5m) is one deadline for the whole command, every fetch
included. --max-size (default 256 MiB) bounds every body and local file.
Local inputs must be regular files: a directory, a FIFO or a device is
refused (exit 2) without waiting on it.

When $GITHUB_STEP_SUMMARY names a file, compare, web, verify-bundle and
verify append their Markdown report to it.

Exit codes:
  0  verified
  1  rejected: a mismatch or a failed check
  2  bad usage or unusable input: a local file that cannot be read, is not
     a regular file, is empty (but for measure) or over its limit; a
     refused URL (plain http to a public host, another scheme)
  3  could not check: network error, --timeout ran out, HTTP error, body
     over a limit; also any error the verifier cannot classify
`

// Env is what a command gets from its process: where it writes, and the
// environment it reads ($GITHUB_STEP_SUMMARY, NO_COLOR, ...), so that a
// caller (a test, the demo) can set them without touching the real ones.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

func (x Env) env() env { return env{x.Stdout, x.Stderr, x.Getenv} }

// Main runs the verifier with args, the command line after the program's
// name, and returns its exit code: 0 verified, 1 rejected, 2 bad usage or
// unusable input, 3 could not check.
func Main(ctx context.Context, args []string, x Env) int {
	return run(ctx, args, x.Stdout, x.Stderr, x.Getenv)
}

// Verify runs the verify command with args, its flags and arguments (what
// follows "verifier verify"), and returns its exit code: it is Main with
// "verify" first, its output redacted as Main's is.
func Verify(ctx context.Context, args []string, x Env) int {
	return Main(ctx, append([]string{"verify"}, args...), x)
}

// Build runs a build command in dir as verify runs --build: with
// SOURCE_DATE_EPOCH set to epoch (unless epoch is ""), in a process group
// of its own, its progress on x.Stderr. It returns how long the build
// took; a build that fails is an error beneath selfattest.ErrBadInput
// with the build's last lines, one that ctx stops could not be checked.
func Build(ctx context.Context, x Env, dir, command, epoch string) (time.Duration, error) {
	return x.env().runBuild(ctx, dir, command, epoch)
}

// env gives the process environment to the commands, so tests can set it
// without touching the real one.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// run runs the command args names. Everything it writes on stdout and
// stderr passes through evidence.RedactOutput for the endpoint URLs of
// its command line that may hold a key (verify --anchor's --eth-rpc, and
// the like), as the archivist's does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	var flush func()
	stdout, stderr, flush = evidence.RedactOutput(stdout, stderr, evidence.SecretURLs(args))
	defer flush()
	e := env{stdout, stderr, getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "measure":
		return e.measure(ctx, args[1:])
	case "compare":
		return e.compare(ctx, args[1:])
	case "web":
		return e.web(ctx, args[1:])
	case "verify":
		return e.verifyCmd(ctx, args[1:])
	case "verify-bundle":
		return e.verifyBundle(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitVerified
	}
	fmt.Fprintf(stderr, "verifier: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// errUsage marks an error in the command line: the one sentinel for it,
// shared with package evidence (whose target flags verify --anchor takes),
// as the archivist shares it.
var errUsage = evidence.ErrUsage
