// Command monitor watches a transparency log for a release identity, the
// way a Certificate Transparency monitor watches for certificates: each
// run verifies the log's newest checkpoint, proves it consistent with the
// one the last run saw (a log that shows two views is caught, with the
// evidence), and reads every entry added since — verified against the
// tree — looking for entries signed by the identity.
//
//	monitor --log URL|DIR --origin ORIGIN (--log-key VKEY | --trusted-root FILE) --state FILE
//	        (--san SAN | --san-regexp RE) (--issuer URL | --issuer-regexp RE)
//	        [--github-repository R] [--github-ref REF] [--github-workflow-regexp RE]
//	        [--witness VKEY]... [--witness-threshold K]
//	        [--start N|latest] [--max-entries N] [--workers N] [--json] [--fail-on-match]
//	        [--timeout D]
//
// The log is a C2SP tlog-tiles log: a Rekor v2 server's read API, any
// tessera log, or such a log's folder. --log-key and --witness are
// signed-note verifier keys, parsed strictly by verify/tlog (ParseLogKey:
// Ed25519 or ECDSA P-256; ParseWitnessKey): canonical base64 only, the key
// hash checked. Exit codes:
//
//	0  the log verified and is consistent with what was seen before (matches, if any, are listed)
//	1  rejected: a split view, a rollback, a forged checkpoint, tiles or
//	   entries that do not match the tree — or a match, with --fail-on-match
//	2  bad usage, unreadable state file or key (a path that is not a
//	   regular file is refused without waiting on it), a log URL the fetch
//	   policy refuses (plain http to a public host, another scheme)
//	3  could not check: network error, HTTP error, time-out (--timeout,
//	   default 10m, is one deadline for the whole run); and any error the
//	   monitor cannot classify (never 0 or 1)
//
// It is built only on selfattest's public API.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/watch"
	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
	"github.com/ats-run/selfattest/verify/tlog/monitor"
	"github.com/ats-run/selfattest/verify/tlog/sigstoreroot"
	"github.com/ats-run/selfattest/verify/trust"
)

const (
	exitOK         = 0
	exitRejected   = 1
	exitUsage      = 2
	exitCouldNotCk = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

var errUsage = selfattest.Beneath(selfattest.ErrBadInput, "usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	fs := flag.NewFlagSet("monitor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		logLoc      = fs.String("log", "", "the log's tlog-tiles base URL (https, or http to loopback) or folder")
		origin      = fs.String("origin", "", "the log's checkpoint origin")
		logKey      = fs.String("log-key", "", "the log's note verifier key, Ed25519 or ECDSA P-256 (name+hash+base64)")
		rootFile    = fs.String("trusted-root", "", "a Sigstore trusted root whose transparency logs' keys verify checkpoints")
		state       = fs.String("state", "", "the state file (created on the first run)")
		san         = fs.String("san", "", "the certificate SAN to watch for, exactly")
		sanRe       = fs.String("san-regexp", "", "an anchored regular expression for the SAN")
		issuer      = fs.String("issuer", "", "the OIDC issuer, exactly")
		issuerRe    = fs.String("issuer-regexp", "", "an anchored regular expression for the issuer")
		ghRepo      = fs.String("github-repository", "", "GitHub claim: source repository (OWNER/REPO)")
		ghRef       = fs.String("github-ref", "", "GitHub claim: source ref")
		ghWorkflow  = fs.String("github-workflow-regexp", "", "GitHub claim: anchored regexp for the build signer URI")
		threshold   = fs.Int("witness-threshold", 0, "how many of the --witness keys must have cosigned (default: all)")
		start       = fs.String("start", "0", "on the first run, the first entry to scan: an index, or \"latest\" for new entries only")
		maxEntries  = fs.Uint64("max-entries", 0, "scan at most this many entries in this run (0: all)")
		workers     = fs.Int("workers", 0, "entry bundles read and matched at once (0: GOMAXPROCS)")
		jsonOut     = fs.Bool("json", false, "print the run as JSON")
		failOnMatch = fs.Bool("fail-on-match", false, "exit 1 when an entry matches")
		timeout     = fs.Duration("timeout", 10*time.Minute, "overall time limit for the whole run, every fetch included")
		witnesses   multi
	)
	fs.Var(&witnesses, "witness", "a witness's Ed25519 note verifier key; repeat for each")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "monitor: --timeout %s: must be positive\n", *timeout)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	defer func() {
		if code == exitCouldNotCk && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			fmt.Fprintf(stderr, "monitor: could not check: --timeout %s ran out before the run finished\n", *timeout)
		}
	}()
	cfg, err := configure(ctx, *logLoc, *origin, *logKey, *rootFile, *state, witnesses, *threshold)
	var match monitor.MatchFunc
	if err == nil {
		match, err = watch.NewMatcher(watch.Rule{Name: "identity", Policy: sigstore.Policy{
			SAN: *san, SANRegexp: *sanRe, Issuer: *issuer, IssuerRegexp: *issuerRe,
			GitHub: sigstore.GitHubClaims{Repository: *ghRepo, Ref: *ghRef, WorkflowRegexp: *ghWorkflow},
		}})
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if err != nil {
		fmt.Fprintf(stderr, "monitor: %v\n", err)
		return exitUsage
	}
	cfg.opts.MaxEntries, cfg.opts.Workers = *maxEntries, *workers
	if err := setStart(ctx, cfg, *start); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "monitor: %v\n", err)
			return exitUsage
		}
		return report(stdout, stderr, *jsonOut, err)
	}
	cfg.opts.OnMatch = func(m *monitor.Match, u *monitor.UnreadableEntry) error {
		if *jsonOut {
			return nil
		}
		if m != nil {
			fmt.Fprintf(stdout, "MATCH entry %d (leaf %s): %s signed by %s (issuer %s)\n", m.Index, m.LeafHash, m.Facts["digest"], m.Facts["san"], m.Facts["issuer"])
		} else {
			fmt.Fprintf(stdout, "UNREADABLE entry %d (leaf %s): %s\n", u.Index, u.LeafHash, u.Reason)
		}
		return nil
	}

	mon, err := monitor.New(cfg.origin, cfg.keys, cfg.log, cfg.store, match, cfg.opts)
	if err != nil {
		return report(stdout, stderr, *jsonOut, err)
	}
	res, err := mon.Run(ctx)
	if err != nil {
		return report(stdout, stderr, *jsonOut, err)
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		if res.Previous != nil {
			fmt.Fprintf(stdout, "consistent: %s size %d → %d (%d proof hashes)\n", res.Checkpoint.Origin, res.Previous.Size, res.Checkpoint.Size, len(res.ConsistencyProof))
		} else {
			fmt.Fprintf(stdout, "first checkpoint: %s size %d root %s\n", res.Checkpoint.Origin, res.Checkpoint.Size, res.Checkpoint.Root)
		}
		fmt.Fprintf(stdout, "scanned entries %d to %d: %d matches, %d unreadable, %d left for the next run\n",
			res.From, res.To, len(res.Matches), len(res.Unreadable), res.Remaining)
	}
	if *failOnMatch && len(res.Matches) > 0 {
		return exitRejected
	}
	return exitOK
}

// report prints a failed run and returns its exit code. A split view is
// printed with its evidence.
func report(stdout, stderr io.Writer, jsonOut bool, err error) int {
	var split *tlog.InconsistencyError
	if errors.As(err, &split) {
		ev := struct {
			Error string                     `json:"error"`
			Old   *monitor.CheckpointSummary `json:"old"`
			New   *monitor.CheckpointSummary `json:"new"`
			Proof []string                   `json:"proof"`
		}{Error: "split view: the log showed two inconsistent trees", Old: summary(split.Old), New: summary(split.New)}
		for _, h := range split.Proof {
			ev.Proof = append(ev.Proof, hex.EncodeToString(h))
		}
		if jsonOut {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(ev)
		}
		fmt.Fprintf(stderr, "monitor: SPLIT VIEW: size %d root %s and size %d root %s are not one log: %v\n",
			ev.Old.Size, ev.Old.Root, ev.New.Size, ev.New.Root, err)
		return exitRejected
	}
	fmt.Fprintf(stderr, "monitor: %v\n", err)
	// A state that cannot be read is the user's to fix (its cause may be a
	// read error that wraps no sentinel); everything else is the module's
	// one mapping of its three sentinels.
	var se *monitor.StateError
	if errors.As(err, &se) && !errors.Is(err, selfattest.ErrRejected) {
		return exitUsage
	}
	return selfattest.ExitCode(err)
}

func summary(cp *tlog.VerifiedCheckpoint) *monitor.CheckpointSummary {
	if cp == nil {
		return nil
	}
	return &monitor.CheckpointSummary{Origin: cp.Origin, Size: cp.Size, Root: hex.EncodeToString(cp.Hash)}
}

// config is what monitor.New takes, but the MatchFunc.
type config struct {
	origin string
	keys   []*tlog.LogKey
	log    monitor.Fetcher
	store  monitor.Store
	opts   monitor.Options
}

// configure builds the monitor's log access and keys from the flags.
func configure(ctx context.Context, logLoc, origin, logKey, rootFile, state string, witnesses []string, threshold int) (*config, error) {
	if logLoc == "" || origin == "" || state == "" {
		return nil, fmt.Errorf("%w: --log, --origin and --state are required", errUsage)
	}
	mon := &config{origin: origin, store: monitor.NewFileStore(state)}
	switch {
	case logKey != "" && rootFile != "":
		return nil, fmt.Errorf("%w: give --log-key or --trusted-root, not both", errUsage)
	case logKey != "":
		k, err := tlog.ParseLogKey(logKey)
		if err != nil {
			return nil, fmt.Errorf("%w: --log-key: %w", errUsage, err)
		}
		mon.keys = []*tlog.LogKey{k}
	case rootFile != "":
		tr, err := trust.FromFile(rootFile)
		if err != nil {
			return nil, err
		}
		if mon.keys, err = sigstoreroot.LogKeys(tr); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: the log's key is never implied: give --log-key or --trusted-root", errUsage)
	}
	if len(witnesses) > 0 {
		p := &tlog.WitnessPolicy{Threshold: threshold}
		if threshold == 0 {
			p.Threshold = len(witnesses)
		}
		for _, w := range witnesses {
			k, err := tlog.ParseWitnessKey(w)
			if err != nil {
				return nil, fmt.Errorf("%w: --witness: %w", errUsage, err)
			}
			p.Keys = append(p.Keys, k)
		}
		mon.opts.Witnesses = p
	}
	// Anything that reads as a URL goes to the fetcher, whose policy
	// refuses what is not https (or http to loopback); the rest is a
	// folder.
	if strings.Contains(logLoc, "://") {
		f, err := logfetch.NewHTTPFetcher(logLoc, logfetch.HTTPOptions{})
		if err != nil {
			return nil, fmt.Errorf("%w: --log: %w", errUsage, err)
		}
		mon.log = f
		return mon, nil
	}
	root, err := os.OpenRoot(logLoc)
	if err != nil {
		return nil, fmt.Errorf("%w: --log: %w", errUsage, err)
	}
	mon.log = logfetch.NewDirFetcher(root)
	return mon, nil
}

// setStart applies --start to a monitor without a state file.
func setStart(ctx context.Context, mon *config, start string) error {
	if _, err := mon.store.Load(ctx); !errors.Is(err, os.ErrNotExist) {
		return nil // the state says where to go on (or Run reports why it cannot be read)
	}
	if start != "latest" {
		n, err := strconv.ParseUint(start, 10, 64)
		if err != nil {
			return fmt.Errorf("%w: --start %q: an index or \"latest\"", errUsage, start)
		}
		mon.opts.StartIndex = n
		return nil
	}
	cp, err := tlog.FetchCheckpoint(ctx, mon.log.Checkpoint, mon.origin, mon.keys...)
	if err != nil {
		return err
	}
	mon.opts.StartIndex = cp.Size
	return nil
}
