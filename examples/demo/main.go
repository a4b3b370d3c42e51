// Command demo tells selfattest's whole story, offline, in a folder it
// keeps (--keep DIR, or a new temporary one): it builds an embedded web
// app, releases it (content-addressed names, SRI in the HTML, a statement
// signed with a key made for the demo, logged in a local transparency log,
// timestamped by a local authority), serves it on 127.0.0.1, verifies it
// with the verifier's verify command, changes one byte on the "CDN" and
// shows verify reject it, then anchors the evidence at the local log, an
// in-process chain (go-ethereum's simulated backend) and an IPFS archive,
// and verifies every receipt offline.
//
//	demo [--keep DIR]
//
// DIR is the demo's own: a new folder (made, with its parents) or an
// empty one. A folder that holds anything, a previous demo's evidence
// included, is refused (2) and left as it is: the demo writes under fixed
// names, and run again into the same folder it would mix two runs'
// evidence. Remove the folder (rm -r DIR) or name another to run again.
//
// Exit codes:
//
//	0  every step ended as the story says
//	2  bad usage, or a --keep folder that cannot be used: not a folder,
//	   or not empty
//	3  a step ended otherwise: the story does not hold, which is no
//	   rejection of anything (never 1)
//
// It runs the verifier's own code (package examples/internal/verifiercli),
// not a copy: what it shows is what `verifier verify` does. It is a
// program apart from the verifier because the in-process chain is a whole
// Ethereum node in the binary, which the verifier does not carry.
//
// It is built only on selfattest's public API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/examples/internal/verifiercli"
)

// Exit codes: the demo's, and the verify command's it expects.
const (
	exitPassed     = 0
	exitUsage      = 2
	exitCouldNotCk = 3

	verifyVerified = 0 // the release as released
	verifyRejected = 1 // the copy with one byte changed
)

const usage = `usage: demo [--keep DIR]

The whole story, offline, in a folder it keeps (DIR, or a new temporary
one): build an embedded web app, release it (signed with a key made for the
demo, logged in a local log, timestamped by a local authority), serve it on
127.0.0.1, verify it, change one byte on the "CDN" and show verify reject
it, then anchor the evidence at a local log, an in-process chain and an
IPFS archive and verify every receipt.

DIR must be new or empty: a folder holding anything (a previous demo's
evidence included) is refused and left as it is; rm -r DIR to run again.

Exit codes: 0 the story held, 2 bad usage or an unusable --keep folder
(not a folder, not empty), 3 a step ended otherwise (never 1).

flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// demoMarks are names the demo writes into its folder: a folder holding
// one is a previous demo's, and --keep refuses it as such.
var demoMarks = []string{"verification-report.json", "archivist.journal", "source", "release"}

// env gives the process's output and environment to the demo, and to the
// verifier's commands it runs.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// verifier is the environment the verifier's commands run in: the demo's.
func (e env) verifier() verifiercli.Env {
	return verifiercli.Env{Stdout: e.stdout, Stderr: e.stderr, Getenv: e.getenv}
}

// run tells the story and returns the exit code. It exits 0 only if
// every step ended as the story says; otherwise the story does not hold,
// which is no rejection of anything: it exits 3 (2 when its folder cannot
// be used), never 1.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := env{stdout, stderr, getenv}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	keep := fs.String("keep", "", "work in `DIR`, a new or empty folder (created if need be; default: a new temporary folder); it is kept, with the report and receipts")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPassed
		}
		return exitUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "selfattest-demo-")
		if err != nil {
			fmt.Fprintf(stderr, "demo: %v\n", err)
			return exitCouldNotCk
		}
		dir = tmp
	} else if err := evidence.KeepDir(dir, demoMarks...); err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return exitUsage
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	if err := e.story(ctx, dir); err != nil {
		fmt.Fprintf(stdout, "\n❌ DEMO FAILED: %v\n", err)
		// A story that does not hold is no rejection of anything: 3, never
		// 1; 2 when the folder or an input could not be used.
		if code := selfattest.ExitCode(err); code == exitUsage {
			return code
		}
		return exitCouldNotCk
	}
	fmt.Fprintf(stdout, "\n✅ DEMO PASSED in %s: the release verified, the changed byte was caught, every receipt verified offline\n", time.Since(start).Round(100*time.Millisecond))
	return exitPassed
}
