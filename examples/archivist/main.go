package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/examples/internal/evidence"
)

const usage = `usage: archivist <command> [flags] [args]

Commands:
  add [--journal F] [--max-size N] [--archive [--store DIR] [--kubo-api URL]]
      [--json] FILE...
        record each file's name, media type and SHA-256 in the journal;
        with --archive, also archive them as one IPFS folder and record
        its CAR (F.archives/<CID>.car) as an item beside them, so the
        next anchor seals the files and their archive into one batch;
        --kubo-api publishes the archive to a Kubo node and pins it
  anchor --to TARGET[,...] [target flags] [--no-archive] [--store DIR]
      [--max-size N] [--journal F] [--json]
        seal the items not in a batch yet into one, and anchor every batch
        not anchored yet at each target; with ipfs among them, first
        archive the files add recorded as one IPFS folder and seal its
        CAR with them (a file changed since add stops it: --no-archive)
  upgrade --to TARGET[,...] [target flags] [--out DIR] [--journal F] [--json]
        ask the targets how the anchors stand, record it, write the receipts
  bump --to eth|eth-event[,...] [eth flags] [--all] [--journal F] [--json]
        re-price pending eth anchors stuck below the base fee
  status [--journal F] [--json]
        the batches, their roots, and their anchors' states
  receipts [--out DIR] [--journal F] [--json]
        write one receipt per item into DIR
  verify [--memory-key PEM] [--tlog-key FILE]... [--tlog-dir DIR] [--tlog-url URL]
        [--chain-id N --sink 0x... --contract 0x...] [--eth-rpc URL]... [--agree K]
        [--min-depth N] [--ipfs] [--ipfs-gateway URL [--kubo-api URL]]
        [--max-size N] [--json] RECEIPT EVIDENCE
        check a receipt against an evidence file, each anchor reported on
        its own; offline unless --tlog-dir, --tlog-url, --eth-rpc or
        --ipfs-gateway
  archive [--car OUT.car] [--store DIR] [--kubo-api URL] [--max-size N] [--json]
      PATH...
        write files or a folder as an IPFS archive (UnixFS, Kubo's
        unixfs-v1-2025 profile) into a block store (default F.ipfs) and
        print its root CID last: the CID 'ipfs add' gives under the
        profile (several paths are wrapped in a folder, as 'ipfs add -w');
        --kubo-api publishes it to a Kubo node and pins it
  fetch CID --gateway URL [--max-size N] [--timeout D] [--json] DIR
        retrieve an archive from a trustless gateway, verify every block
        and the DAG, and write its files into DIR (never overwriting)
  deploy-contract --eth-rpc URL --chain-id N --eth-key-file FILE [--max-fee-gwei N]
        deploy the Anchor contract eth-event anchors call; print its address
  demo [--keep DIR] [--json]
        the whole flow on an in-process simulated chain, the memory target
        and a local transparency log: no network, no keys to make; --keep
        DIR must be a new or empty folder (2 otherwise: a previous demo's
        is refused, not added to)

The journal is ./archivist.journal unless --journal names another file.
Targets (--to) and their flags (anchor, upgrade):
  memory:    a fake target for trying things out, signing with an Ed25519
             key; its ledger and keys live beside the journal
             (F.memory.json, F.memory.key, F.memory.pub), created on first use
  tlog:      a transparency log in a local folder, --tlog-dir (default
             F.tlog), origin --tlog-origin (default archivist.local); its
             key F.tlog.key (mode 600) and public key F.tlog.pub, created
             on first use
  rekor:     a Rekor v2 log: --rekor-url, --rekor-tiles-url, --rekor-log-key
             FILE (the log's key, origin+hash+base64), --rekor-key (the
             archivist's Ed25519 key, default F.rekor.key, made on first use)
  eth:       --eth-rpc URL --chain-id N --sink 0x... and, for anchor,
             --eth-key-file FILE (mode 600) or --eth-key-env NAME
  eth-event: as eth, with --contract 0x... (see deploy-contract) for --sink
  ipfs:      a Kubo node: --kubo-api URL (its RPC API, which publishes and
             pins each root's anchor record) and, for upgrade,
             --ipfs-gateway URL (a trustless gateway the record is
             retrieved from, verified); --ipfs-target NAME (default ipfs)

Run 'archivist <command> --help' for a command's flags.

--timeout D (default 2m) bounds what a command asks over the network: the
whole of anchor, upgrade, bump, verify and deploy-contract, fetch's
retrieval, and publishing for add --archive --kubo-api and archive
--kubo-api. It must be positive: 0 or a negative value is bad usage (2),
for every command that takes it. status, receipts and demo ask no one
and take no --timeout.

Exit codes (verify: the worst over the anchors, in this order 1, 2, 3):
  0  done; for verify: verified
  1  rejected: the evidence is not the item, the receipt or an anchor is false;
     fetch: the gateway's answer does not verify against the CID
  2  bad usage or unusable input: a file that is not a regular file, is
     unreadable or over --max-size; a malformed receipt or key; a private
     key file group or others may read (unix: chmod 600 it); a journal in
     use by another process
  3  could not check: a target or endpoint did not answer, --timeout ran
     out; pending: an anchor is not confirmed yet (verify; upgrade)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is where the commands write: stdout for results, stderr for
// progress, notices and errors.
type env struct {
	stdout, stderr io.Writer
}

// run runs the command args names. Everything it writes passes through
// evidence.RedactOutput for the endpoint URLs of its command line that
// may hold a key (every --eth-rpc; --kubo-api and the like with user
// information or a query): whatever a client or an endpoint puts in an
// error, no message names the key.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var flush func()
	stdout, stderr, flush = evidence.RedactOutput(stdout, stderr, evidence.SecretURLs(args))
	defer flush()
	e := env{stdout, stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return selfattest.ExitBadInput
	}
	cmds := map[string]func(context.Context, []string) int{
		"add":             e.add,
		"anchor":          e.anchor,
		"upgrade":         e.upgrade,
		"status":          e.status,
		"receipts":        e.receipts,
		"verify":          e.verify,
		"demo":            e.demo,
		"deploy-contract": e.deployContract,
		"bump":            e.bump,
		"archive":         e.archiveCmd,
		"fetch":           e.fetchCmd,
	}
	if c, ok := cmds[args[0]]; ok {
		return c(ctx, args[1:])
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return selfattest.ExitVerified
	}
	fmt.Fprintf(stderr, "archivist: unknown command %q\n\n%s", args[0], usage)
	return selfattest.ExitBadInput
}

// errUsage marks an error in the command line: the one sentinel for it,
// shared with package evidence.
var errUsage = evidence.ErrUsage

// newFlagSet returns a flag set that reports errors to stderr and does
// not exit.
func (e env) newFlagSet(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: archivist %s %s\n\nflags:\n", name, args)
		fs.PrintDefaults()
		fmt.Fprint(e.stderr, "\nexit codes: 0 done (verify: verified), 1 rejected, 2 bad usage or unusable input, 3 could not check or pending\n")
	}
	return fs
}

// parse parses args and returns -1 to go on, or the exit code: 0 for
// --help, 2 for a bad flag.
func parse(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return selfattest.ExitVerified
		}
		return selfattest.ExitBadInput
	}
	return -1
}

// parseFlagsOnly parses the command line of a command that takes flags
// only: an argument left over is bad usage. It returns an exit code >= 0
// when the command should stop there, -1 otherwise.
func parseFlagsOnly(fs *flag.FlagSet, args []string) int {
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return selfattest.ExitBadInput
	}
	return -1
}

// fail prints err and returns its exit code.
func (e env) fail(err error) int {
	fmt.Fprintf(e.stderr, "archivist: %v\n", err)
	return selfattest.ExitCode(err)
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// timeoutFlag is --timeout, the one rule for every command that takes
// it: a duration, and a positive one. 0 would be a deadline passed before
// the command starts (to context.WithTimeout) or no deadline at all (to
// a client that reads 0 as its default), and a negative value the same:
// both are refused as bad usage (2) when the flags are parsed, before the
// command reads, writes or asks anything.
type timeoutFlag time.Duration

func (d *timeoutFlag) String() string { return time.Duration(*d).String() }

func (d *timeoutFlag) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return errors.New("must be positive (a duration such as 30s or 5m)")
	}
	*d = timeoutFlag(v)
	return nil
}

// registerTimeout registers --timeout on fs, default
// evidence.DefaultTimeout, into p.
func registerTimeout(fs *flag.FlagSet, p *time.Duration, usage string) {
	*p = evidence.DefaultTimeout
	fs.Var((*timeoutFlag)(p), "timeout", usage+": a positive `duration`")
}

// timeoutVar registers --timeout on fs and returns where it is parsed to.
func timeoutVar(fs *flag.FlagSet, usage string) *time.Duration {
	p := new(time.Duration)
	registerTimeout(fs, p, usage)
	return p
}
