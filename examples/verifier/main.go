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
// verify --anchor takes the archivist's target flags, and as the
// archivist does, passes everything it writes on stdout and stderr
// through eth.Redact for each --eth-rpc URL (and each --kubo-api,
// --pinning-service, --ipfs-gateway, --rekor-url, --rekor-tiles-url or
// --tlog-url URL with user information, a query or a fragment): an
// endpoint that repeats its key in an error, over ws(s) as over http(s),
// shows its message with the key elided. The report and summary files
// hold the verification's checks, not the targets' messages.
//
// It is built only on selfattest's public API. Its code is package
// examples/internal/verifiercli, which examples/demo (the whole story,
// offline) runs too; the verifier itself links no Ethereum node: only an
// RPC client for verify --anchor eth.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/ats-run/selfattest/examples/internal/verifiercli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := verifiercli.Main(ctx, os.Args[1:], verifiercli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
