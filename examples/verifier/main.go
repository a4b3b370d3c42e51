// Command verifier checks that what is deployed is what was built: it
// measures artifacts, compares a local build with a live one, checks the
// Subresource Integrity of a live web page and verifies Sigstore bundles.
// Its verify command does all of it in one run, the way a scheduled CI job
// should: it copies the release's source to a temporary folder, runs the
// build command there (SOURCE_DATE_EPOCH from --source-date-epoch or the
// checkout's HEAD commit time; progress and elapsed time on stderr),
// fetches the live artifact (--url) or page (--page, every subresource
// against its integrity and the rebuild), compares the hash table
// (SHA-256, SRI, SHA-512, size), verifies the release's bundle (a file or
// a URL) against the rebuilt file with verify-bundle's identity policy,
// confirms the log entry online with the --confirm-* flags, and writes the
// JSON report, the Markdown summary and $GITHUB_STEP_SUMMARY, whatever the
// outcome, with the status the exit code has. A build that fails or makes
// no artifact exits 2 and shows the build's last 20 lines.
//
//	verifier measure [--json] [--version V] FILE|URL...
//	verifier compare [--json] [--report FILE] [--summary FILE] LOCAL LIVE
//	verifier web [--json] [--strict] [--local DIR] URL
//	verifier verify-bundle --bundle FILE (--certificate-identity SAN --certificate-oidc-issuer URL | --key PEM) [--trusted-root FILE]
//		[--confirm-tiles LOG[=URL]] [--confirm-rekor-v1 LOG[=URL]] [--timeout D] FILE_OR_DIGEST
//	verifier verify --source DIR --build CMD --artifact PATH (--url URL | --page URL --signed PATH)
//		--bundle FILE|URL (--certificate-identity SAN --certificate-oidc-issuer URL | --key PEM)
//		[--trusted-root FILE] [--confirm-tiles LOG[=URL]] [--confirm-rekor-v1 LOG[=URL]]
//		[--source-date-epoch N] [--report FILE] [--summary FILE] [--timeout D]
//		[--anchor TARGET[,...] [target flags] [--journal F] [--receipts DIR] [--archive [--store DIR]]]
//	verifier demo [--keep DIR]
//
// Exit codes, for every subcommand:
//
//	0  verified
//	1  rejected: a mismatch, a failed check
//	2  bad usage or unusable input: a local file that cannot be read, is
//	   not a regular file (a directory, a FIFO, a device), is empty or is
//	   over its limit; a URL the fetch policy refuses
//	3  could not check: network error, time-out (--timeout is one deadline
//	   for the whole command), HTTP error, body over a limit; and any error
//	   the verifier cannot classify (never 0 or 1)
//
// It is built only on selfattest's public API.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/ats-run/selfattest"
)

// Exit codes.
const (
	exitVerified   = 0
	exitRejected   = 1
	exitUsage      = 2
	exitCouldNotCk = 3
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
  demo [--keep DIR]
        the whole story, offline, in a folder it keeps (DIR, or a new
        temporary one): build an embedded web app, release it (signed with a
        key made for the demo, logged in a local log, timestamped by a local
        authority), serve it on 127.0.0.1, verify it, change one byte on the
        "CDN" and show verify reject it, then anchor the evidence at a local
        log, an in-process chain and an IPFS archive and verify every receipt

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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// env gives the process environment to the commands, so tests can set it
// without touching the real one.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
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
	case "demo":
		return e.demo(ctx, args[1:])
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

// errUsage marks an error in the command line.
var errUsage = selfattest.Beneath(selfattest.ErrBadInput, "usage")
