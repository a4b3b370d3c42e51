package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
	"github.com/ats-run/selfattest/examples/internal/evidence"
)

// Flag parsing and printing; the work is in package
// examples/internal/evidence.

// jflags are the flags every journal command has.
type jflags struct {
	journal string
	asJSON  bool
}

func (c *jflags) register(fs *flag.FlagSet) {
	evidence.RegisterJournal(fs, &c.journal, "the journal `file` (a bbolt database; created by add)")
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON object on stdout")
}

// exists refuses a journal file that does not exist: only add makes one.
func (c *jflags) exists() error { return evidence.JournalExists(c.journal) }

// open opens the journal; only add creates one. With log, the journal
// tells it every batch sealed, anchor submitted and state change: the
// progress of anchor and upgrade.
func (c *jflags) open(create bool, log *slog.Logger) (*anchor.Journal, error) {
	return evidence.OpenJournal(c.journal, create, log)
}

// logger writes records as progress lines on stderr: "archivist:", the
// message and its attributes, no time or level.
func (e env) logger() *slog.Logger { return evidence.NewLogger(e.stderr, "archivist: ") }

// notices is where the targets say what they made (a key, a log): stderr,
// each line after "archivist: ".
func (e env) notices() io.Writer { return evidence.PrefixWriter{W: e.stderr, Prefix: "archivist: "} }

// registerTargetCommand registers the flags anchor, upgrade and bump
// share: the journal's, --to, every target's settings, and --timeout.
func registerTargetCommand(fs *flag.FlagSet, sign bool) (*jflags, *evidence.TargetFlags) {
	var c jflags
	var tf evidence.TargetFlags
	c.register(fs)
	fs.StringVar(&tf.To, "to", "", "the `targets`, comma-separated: "+strings.Join(evidence.TargetKinds, ", "))
	tf.Register(fs, sign)
	registerTimeout(fs, &tf.Timeout, "time limit for the whole command")
	return &c, &tf
}

func (e env) progress(step string, done, total int) {
	fmt.Fprintf(e.stderr, "archivist: %s %d of %d\n", step, done, total)
}

func (e env) printJSON(v any) {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (e env) add(ctx context.Context, args []string) int {
	fs := e.newFlagSet("add", "[--journal F] [--max-size N] [--archive [--store DIR] [--kubo-api URL]] [--json] FILE...")
	var c jflags
	c.register(fs)
	maxSize := fs.Int64("max-size", evidence.DefaultMaxSize, "the largest file to accept, in bytes")
	archive := fs.Bool("archive", false, "also archive the files as one IPFS folder (under their names) and record its CAR, F.archives/<CID>.car, as an item beside them: the next anchor seals both into one batch")
	store := fs.String("store", "", "--archive: the block store `folder` (default F.ipfs beside the journal)")
	kuboAPI := fs.String("kubo-api", "", "--archive: publish the archive to the Kubo node whose RPC API is at `URL` (dag/import, which pins it), once recorded")
	timeout := timeoutVar(fs, "--archive --kubo-api: time limit for publishing")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() == 0 || *maxSize < 1 {
		fs.Usage()
		return selfattest.ExitBadInput
	}
	var (
		evs   []anchor.Evidence
		items []evidence.AddedItem
		ast   *evidence.ArchiveStat
		err   error
	)
	if *archive {
		if *store == "" {
			*store = evidence.StoreDirOf(c.journal)
		}
		evs, items, ast, err = evidence.AddArchived(ctx, fs.Args(), *maxSize, c.journal, *store)
	} else {
		evs, items, err = evidence.MeasureFiles(fs.Args(), *maxSize, e.progress)
	}
	if err != nil {
		return e.fail(err)
	}
	j, err := c.open(true, nil)
	if err != nil {
		return e.fail(err)
	}
	defer j.Close()
	if err := evidence.RecordItems(j, evs, items, e.progress); err != nil {
		return e.fail(err)
	}
	if ast == nil {
		// For anchor --to ...,ipfs, which archives the files of the items
		// it seals.
		if err := evidence.NotePendingFiles(c.journal, items); err != nil {
			fmt.Fprintf(e.stderr, "archivist: the files are recorded, but anchor --to ipfs will not archive them: %v\n", err)
		}
	}
	var perr error
	if ast != nil && *kuboAPI != "" {
		pctx, cancel := context.WithTimeout(ctx, *timeout)
		perr = evidence.PublishArchive(pctx, ast, *kuboAPI, *timeout)
		cancel()
	}
	if perr != nil {
		fmt.Fprintf(e.stderr, "archivist: the files are recorded; %v\n", perr)
	}
	if c.asJSON {
		e.printJSON(struct {
			Journal string                `json:"journal"`
			Items   []evidence.AddedItem  `json:"items"`
			Archive *evidence.ArchiveStat `json:"archive,omitempty"`
		}{c.journal, items, ast})
		return selfattest.ExitCode(perr)
	}
	for _, it := range items {
		fmt.Fprintf(e.stdout, "item %d  %s  %s  %s\n", it.Item, it.SHA256, it.MediaType, it.Name)
	}
	if ast != nil {
		fmt.Fprintf(e.stdout, "archive %s: %d file(s), %d bytes, in %s; its CAR %s is the last item\n", ast.CID, ast.Files, ast.Size, ast.Store, ast.CAR)
		if ast.Published != "" {
			fmt.Fprintf(e.stdout, "archive %s published to %s and pinned\n", ast.CID, ast.Published)
		}
	}
	fmt.Fprintf(e.stdout, "%d file(s) recorded in %s; 'archivist anchor' seals and anchors them\n", len(items), c.journal)
	return selfattest.ExitCode(perr)
}

// openTargetsAndJournal opens the targets, then the journal (which must
// exist): a command line the targets refuse leaves the journal unopened
// and unlocked. It returns an exit code >= 0 when it failed (and said
// why), -1 otherwise; the caller closes both.
func (e env) openTargetsAndJournal(ctx context.Context, c jflags, tf evidence.TargetFlags, sign bool) (*evidence.TargetSet, *anchor.Journal, int) {
	if err := c.exists(); err != nil {
		return nil, nil, e.fail(err)
	}
	ts, err := evidence.OpenTargets(ctx, tf, c.journal, sign, e.notices())
	if err != nil {
		return nil, nil, e.fail(err)
	}
	j, err := c.open(false, e.logger())
	if err != nil {
		ts.Close()
		return nil, nil, e.fail(err)
	}
	return ts, j, -1
}

func (e env) anchor(ctx context.Context, args []string) int {
	fs := e.newFlagSet("anchor", "--to TARGET[,...] [target flags] [--no-archive] [--store DIR] [--max-size N] [--journal F] [--json]")
	c, tf := registerTargetCommand(fs, true)
	noArchive := fs.Bool("no-archive", false, "with --to ipfs: do not archive the files of the items sealed (see the command's description)")
	store := fs.String("store", "", "with --to ipfs: the block store `folder` the archive is written to (default F.ipfs beside the journal)")
	maxSize := fs.Int64("max-size", evidence.DefaultMaxSize, "with --to ipfs: the largest file to archive, in bytes")
	if code := parseFlagsOnly(fs, args); code >= 0 {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, tf.Timeout)
	defer cancel()
	ts, j, code := e.openTargetsAndJournal(ctx, *c, *tf, true)
	if code >= 0 {
		return code
	}
	defer ts.Close()
	defer j.Close()
	kinds, err := evidence.ParseTargets(tf.To) // parsed by openTargetsAndJournal
	if err != nil {
		return e.fail(err)
	}
	// At an ipfs target the evidence itself goes into IPFS: the files of
	// the items about to be sealed are archived first, and the archive's
	// CAR sealed with them, so that one root covers both.
	var (
		ast  *evidence.ArchiveStat
		item uint64
		perr error
	)
	if slices.Contains(kinds, "ipfs") && !*noArchive {
		if *store == "" {
			*store = evidence.StoreDirOf(c.journal)
		}
		var skipped []string
		ast, item, skipped, err = evidence.ArchivePending(ctx, j, c.journal, *store, *maxSize)
		if err != nil {
			return e.fail(err)
		}
		for _, n := range skipped {
			fmt.Fprintf(e.stderr, "archivist: %s is anchored but not archived: its name climbs out of a folder (..)\n", n)
		}
		if ast != nil && tf.Ipfs.KuboAPI != "" {
			if perr = evidence.PublishArchive(ctx, ast, tf.Ipfs.KuboAPI, tf.Timeout); perr != nil {
				fmt.Fprintf(e.stderr, "archivist: the archive is recorded and will be anchored; %v\n", perr)
			}
		}
	}
	sealed, bs, err := evidence.AnchorAll(ctx, j, ts.List)
	if err != nil {
		fmt.Fprintf(e.stderr, "archivist: %v\n", err)
	}
	if sealed != 0 {
		if ferr := evidence.ForgetSealedFiles(j, c.journal); ferr != nil {
			fmt.Fprintf(e.stderr, "archivist: %v\n", ferr)
		}
	}
	err = errors.Join(err, perr)
	if c.asJSON {
		e.printJSON(struct {
			Journal string                `json:"journal"`
			Archive *evidence.ArchiveStat `json:"archive,omitempty"`
			Sealed  uint64                `json:"sealed,omitempty"`
			Batches []evidence.BatchJSON  `json:"batches"`
			Error   string                `json:"error,omitempty"`
		}{c.journal, ast, uint64(sealed), evidence.BatchesJSON(bs), evidence.ErrString(err)})
	} else {
		if ast != nil {
			fmt.Fprintf(e.stdout, "archive %s: %d file(s), %d bytes, in %s; its CAR %s is item %d\n", ast.CID, ast.Files, ast.Size, ast.Store, ast.CAR, item)
			if ast.Published != "" {
				fmt.Fprintf(e.stdout, "archive %s published to %s and pinned\n", ast.CID, ast.Published)
			}
		}
		if sealed != 0 {
			fmt.Fprintf(e.stdout, "sealed batch %d\n", sealed)
		} else {
			fmt.Fprintln(e.stdout, "no new items to seal")
		}
		e.printBatches(bs)
	}
	return selfattest.ExitCode(err)
}

func (e env) upgrade(ctx context.Context, args []string) int {
	fs := e.newFlagSet("upgrade", "--to TARGET[,...] [target flags] [--out DIR] [--journal F] [--json]")
	c, tf := registerTargetCommand(fs, false)
	out := fs.String("out", "", "write the receipts into `DIR` (default: receipts, beside the journal)")
	mine := fs.Uint64("memory-mine", 1, "memory: blocks the fake target makes before it is asked (a real target makes its own)")
	if code := parseFlagsOnly(fs, args); code >= 0 {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, tf.Timeout)
	defer cancel()
	ts, j, code := e.openTargetsAndJournal(ctx, *c, *tf, false)
	if code >= 0 {
		return code
	}
	defer ts.Close()
	defer j.Close()
	if ts.Memory != nil {
		for range *mine {
			if err := ts.Memory.Mine(); err != nil {
				return e.fail(fmt.Errorf("%w: memory target: %w", anchor.ErrCouldNotCheck, err))
			}
		}
	}
	bs, uerr := evidence.UpgradeAll(ctx, j, ts.List)
	if uerr != nil {
		fmt.Fprintf(e.stderr, "archivist: %v\n", uerr)
	}
	dir := evidence.ReceiptsDir(*out, c.journal)
	written, werr := evidence.WriteReceipts(j, dir, e.progress)
	if werr != nil {
		fmt.Fprintf(e.stderr, "archivist: receipts: %v\n", werr)
	}
	err := errors.Join(uerr, werr)
	if c.asJSON {
		e.printJSON(struct {
			Journal  string                    `json:"journal"`
			Batches  []evidence.BatchJSON      `json:"batches"`
			Receipts []evidence.WrittenReceipt `json:"receipts"`
			Error    string                    `json:"error,omitempty"`
		}{c.journal, evidence.BatchesJSON(bs), written, evidence.ErrString(err)})
	} else {
		e.printBatches(bs)
		fmt.Fprintf(e.stdout, "%d receipt(s) written to %s\n", len(written), dir)
	}
	return selfattest.ExitCode(err)
}

func (e env) status(ctx context.Context, args []string) int {
	fs := e.newFlagSet("status", "[--journal F] [--json]")
	var c jflags
	c.register(fs)
	if code := parseFlagsOnly(fs, args); code >= 0 {
		return code
	}
	j, err := c.open(false, nil)
	if err != nil {
		return e.fail(err)
	}
	defer j.Close()
	bs, err := j.Batches()
	if err != nil {
		return e.fail(err)
	}
	if c.asJSON {
		e.printJSON(struct {
			Journal string               `json:"journal"`
			Batches []evidence.BatchJSON `json:"batches"`
		}{c.journal, evidence.BatchesJSON(bs)})
		return selfattest.ExitVerified
	}
	fmt.Fprintf(e.stdout, "journal %s: %d batch(es)\n", c.journal, len(bs))
	e.printBatches(bs)
	return selfattest.ExitVerified
}

func (e env) receipts(ctx context.Context, args []string) int {
	fs := e.newFlagSet("receipts", "[--out DIR] [--journal F] [--json]")
	var c jflags
	c.register(fs)
	out := fs.String("out", "", "write the receipts into `DIR` (default: receipts, beside the journal)")
	if code := parseFlagsOnly(fs, args); code >= 0 {
		return code
	}
	j, err := c.open(false, nil)
	if err != nil {
		return e.fail(err)
	}
	defer j.Close()
	dir := evidence.ReceiptsDir(*out, c.journal)
	written, err := evidence.WriteReceipts(j, dir, e.progress)
	if err != nil {
		fmt.Fprintf(e.stderr, "archivist: %v\n", err)
	}
	if c.asJSON {
		e.printJSON(struct {
			Receipts []evidence.WrittenReceipt `json:"receipts"`
			Error    string                    `json:"error,omitempty"`
		}{written, evidence.ErrString(err)})
	} else {
		for _, w := range written {
			fmt.Fprintf(e.stdout, "%s  (%s)\n", w.File, w.Name)
		}
		// A failed run says what it wrote, if anything; it does not claim
		// "0 receipts written" to a folder it could not use.
		if err == nil || len(written) > 0 {
			fmt.Fprintf(e.stdout, "%d receipt(s) written to %s\n", len(written), dir)
		}
	}
	return selfattest.ExitCode(err)
}

const verifyArgs = "[--memory-key PEM] [--tlog-key FILE]... [--tlog-dir DIR] [--tlog-url URL] [--chain-id N --sink 0x... --contract 0x...] [--eth-rpc URL]... [--agree K] [--min-depth N] [--ipfs] [--ipfs-gateway URL [--kubo-api URL]] [--json] RECEIPT EVIDENCE"

func (e env) verify(ctx context.Context, args []string) int {
	fs := e.newFlagSet("verify", verifyArgs)
	var vf evidence.VerifyFlags
	fs.StringVar(&vf.MemoryKey, "memory-key", "", "memory: the target's public key, a PEM `file` (F.memory.pub beside the journal)")
	fs.Var((*stringList)(&vf.TlogKeys), "tlog-key", "tlog: a log's verifier key `file`, one line origin+hash+base64 (the local log's F.tlog.pub; repeatable, one per log)")
	fs.StringVar(&vf.TlogURL, "tlog-url", "", "tlog: a log's tlog-tiles `URL` (a Rekor v2 log's), to check online that the log still holds the anchors")
	fs.StringVar(&vf.TlogDir, "tlog-dir", "", "tlog: the local log's `folder`, to check online that the log still holds the anchors (it is read, never written)")
	fs.Uint64Var(&vf.ChainID, "chain-id", 0, "eth: the chain id")
	fs.StringVar(&vf.Sink, "sink", "", "eth: the sink `address` the anchors were sent to")
	fs.StringVar(&vf.Contract, "contract", "", "eth-event: the Anchor contract's `address` the anchors called")
	fs.Var((*stringList)(&vf.RPCs), "eth-rpc", "eth: an RPC endpoint `URL` to ask whether the anchor's block is canonical (repeatable)")
	fs.IntVar(&vf.Agree, "agree", 0, "eth: how many --eth-rpc endpoints must agree (default: all)")
	fs.BoolVar(&vf.Ipfs, "ipfs", false, "ipfs: check ipfs entries offline: that each names its root's anchor record (anyone can compute it: no time, no signature; pair it with another anchor)")
	fs.StringVar(&vf.IpfsGateway, "ipfs-gateway", "", "ipfs: a trustless gateway `URL` to retrieve each ipfs entry's record from, verified (online)")
	fs.StringVar(&vf.KuboAPI, "kubo-api", "", "ipfs: with --ipfs-gateway, a Kubo RPC API `URL` to ask whether it still pins the record")
	fs.Uint64Var(&vf.MinDepth, "min-depth", 0, "eth: the depth below which an anchor counts as pending (default 64)")
	maxSize := fs.Int64("max-size", evidence.DefaultMaxSize, "the largest evidence file to accept, in bytes")
	timeout := timeoutVar(fs, "time limit for the whole command")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 2 || *maxSize < 1 {
		fs.Usage()
		return selfattest.ExitBadInput
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	vf.Timeout = *timeout
	receipt, evidencePath := fs.Arg(0), fs.Arg(1)
	vs, online, closeAll, err := evidence.Verifiers(ctx, vf)
	defer closeAll()
	var r *anchor.Receipt
	var res *anchor.Result
	var reports []evidence.AnchorReport
	if err == nil {
		r, res, reports, err = evidence.VerifyFiles(ctx, receipt, evidencePath, *maxSize, online, vs)
	}
	code := selfattest.ExitCode(err)
	if *asJSON {
		if reports == nil {
			reports = []evidence.AnchorReport{} // the batch part failed: no anchor was checked
		}
		e.printJSON(verifyJSON{Receipt: receipt, Evidence: evidencePath, Outcome: evidence.Outcome(err), Exit: code, Anchors: reports, Result: res, Error: evidence.ErrString(err)})
		return code
	}
	if err == nil {
		fmt.Fprintf(e.stdout, "verified: %s (%s, %s %x) is leaf %d of a batch of %d, root %s\n",
			res.Evidence.Name, res.Evidence.MediaType, res.Evidence.Algorithm, res.Evidence.Digest, res.LeafIndex, res.TreeSize, res.Root)
	} else if len(reports) > 0 {
		fmt.Fprintf(e.stdout, "%s: %s is leaf %d of a batch of %d, root %s; its anchors:\n", evidence.Outcome(err), r.Evidence.Name, r.LeafIndex, r.TreeSize, r.Root)
	}
	for _, a := range reports {
		fmt.Fprintf(e.stdout, "  anchor %d at %s (%s): %s", a.Index+1, a.Target, a.Kind, a.Outcome)
		if a.Checked != "" {
			fmt.Fprintf(e.stdout, ", checked %s", a.Checked)
		}
		if a.State != "" {
			fmt.Fprintf(e.stdout, ", %s at depth %d", a.State, a.Depth)
		}
		if a.Reason != "" {
			fmt.Fprintf(e.stdout, ": %s", a.Reason)
		}
		fmt.Fprintln(e.stdout)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "archivist: %s: %v\n", evidence.Outcome(err), err)
		if r != nil && code == selfattest.ExitCouldNotCheck && len(vs) == 0 {
			fmt.Fprintln(e.stderr, "archivist: no verifier was given: --memory-key for memory anchors, --tlog-key for tlog anchors, --chain-id with --sink for eth anchors, --contract for eth-event anchors, --ipfs or --ipfs-gateway for ipfs anchors")
		}
	}
	return code
}

type verifyJSON struct {
	Receipt  string                  `json:"receipt"`
	Evidence string                  `json:"evidence"`
	Outcome  string                  `json:"outcome"`
	Exit     int                     `json:"exit"`
	Anchors  []evidence.AnchorReport `json:"anchors"`
	Result   *anchor.Result          `json:"result,omitempty"`
	Error    string                  `json:"error,omitempty"`
}

func (e env) printBatches(bs []anchor.BatchStatus) {
	for _, b := range bs {
		fmt.Fprintf(e.stdout, "batch %d: %d item(s), root %s\n", b.ID, b.Size, b.Root)
		if len(b.Anchors) == 0 {
			fmt.Fprintln(e.stdout, "  not anchored yet")
		}
		for _, a := range b.Anchors {
			fmt.Fprintf(e.stdout, "  %s: %s", a.Target, a.State)
			if a.Depth > 0 {
				fmt.Fprintf(e.stdout, " at depth %d", a.Depth)
			}
			if a.Attempts > 1 {
				fmt.Fprintf(e.stdout, " (attempt %d)", a.Attempts)
			}
			fmt.Fprintln(e.stdout)
		}
	}
}

const deployArgs = "--eth-rpc URL --chain-id N (--eth-key-file FILE | --eth-key-env NAME) [--max-fee-gwei N] [--json]"

// deployContract deploys package anchor/eth's Anchor contract, once per
// chain, and prints its address: the --contract of the eth-event target
// and of verify.
func (e env) deployContract(ctx context.Context, args []string) int {
	fs := e.newFlagSet("deploy-contract", deployArgs)
	var ef evidence.EthFlags
	fs.StringVar(&ef.RPC, "eth-rpc", "", "the JSON-RPC endpoint `URL`")
	fs.Uint64Var(&ef.ChainID, "chain-id", 0, "the chain id the endpoint must be on")
	fs.StringVar(&ef.KeyFile, "eth-key-file", "", "the `file` holding the sending key, 64 hex digits, mode 600")
	fs.StringVar(&ef.KeyEnv, "eth-key-env", "", "the environment `variable` holding the sending key")
	fs.Uint64Var(&ef.MaxFeeGwei, "max-fee-gwei", 0, "the highest fee per gas to offer, in gwei (default 100)")
	timeout := timeoutVar(fs, "time limit for the whole command, waiting for the deployment's block included")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	if code := parseFlagsOnly(fs, args); code >= 0 {
		return code
	}
	if ef.RPC == "" || ef.ChainID == 0 {
		return e.fail(fmt.Errorf("%w: deploy-contract needs --eth-rpc and --chain-id", errUsage))
	}
	key, err := evidence.EthKey(ef, true)
	if err != nil {
		return e.fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := evidence.DialEth(ctx, ef.RPC)
	if err != nil {
		return e.fail(err)
	}
	defer c.Close()
	opts := ef.Options()
	opts.Logger = e.logger()
	addr, err := eth.DeployContract(ctx, c, key, ef.ChainID, opts)
	if err != nil {
		return e.fail(err)
	}
	if *asJSON {
		e.printJSON(struct {
			Contract string `json:"contract"`
			ChainID  uint64 `json:"chainId"`
			Target   string `json:"target"`
		}{addr.Hex(), ef.ChainID, eth.EventTarget(ef.ChainID, addr)})
		return selfattest.ExitVerified
	}
	fmt.Fprintln(e.stdout, addr.Hex())
	fmt.Fprintf(e.stderr, "archivist: the Anchor contract is at %s on chain %d: give it as --contract to anchor --to eth-event, upgrade and verify\n", addr.Hex(), ef.ChainID)
	return selfattest.ExitVerified
}
