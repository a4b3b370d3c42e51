package verifiercli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/verify"
)

// verify --anchor: once the report is written, the evidence of the run
// (the JSON report, the bundle, the Markdown summary) is recorded in the
// archivist's journal, sealed into a batch, anchored at the targets, and
// every item gets a receipt, with the archivist's target flags and
// defaults (package evidence): archivist status, upgrade and verify carry
// on from there.

// anchorFlags are verify's --anchor flags.
type anchorFlags struct {
	targets   evidence.TargetFlags
	journal   string
	receipts  string
	archive   bool
	noArchive bool
	store     string
}

// archiving says whether the evidence is archived: with --archive, or by
// default when ipfs is among the targets (as archivist anchor does), unless
// --no-archive.
func (a *anchorFlags) archiving() bool {
	if a.noArchive {
		return false
	}
	kinds, _ := evidence.ParseTargets(a.targets.To) // checked by OpenTargets
	return a.archive || slices.Contains(kinds, evidence.KindIpfs)
}

func (a *anchorFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.targets.To, "anchor", "", "once the report is written, anchor the evidence (--report, the bundle, --summary) at these `targets`, comma-separated: "+strings.Join(evidence.TargetKinds, ", ")+"; each takes the archivist's flags for it")
	a.targets.Register(fs, true)
	evidence.RegisterJournal(fs, &a.journal, "--anchor: the archivist's journal `file` the evidence is recorded in (a bbolt database, created on first use)")
	fs.StringVar(&a.receipts, "receipts", "", "--anchor: write the receipts into `DIR` (default: receipts, beside the journal)")
	fs.BoolVar(&a.archive, "archive", false, "--anchor: also archive the evidence as one IPFS folder and record its CAR (F.archives/<CID>.car) beside it, as archivist add --archive; with --kubo-api, publish it there and pin it (the default when ipfs is among the targets)")
	fs.BoolVar(&a.noArchive, "no-archive", false, "--anchor: do not archive the evidence, even with ipfs among the targets")
	fs.StringVar(&a.store, "store", "", "--archive: the block store `folder` (default: F.ipfs beside the journal)")
}

// A keeper is what --anchor opened before the verification: the targets
// and the journal, or why they could not be opened.
type keeper struct {
	flags   *anchorFlags
	targets *evidence.TargetSet
	journal *anchor.Journal
	openErr error
}

// openKeeper opens the targets and the journal before anything is
// verified, so that a command line they refuse stops verify at once (bad
// usage, exit 2). A target that cannot be reached (could not check) does
// not stop the verification: the keeper then anchors nothing and says so
// after the verdict.
func (e env) openKeeper(ctx context.Context, af *anchorFlags) (*keeper, error) {
	k := &keeper{flags: af}
	notices := evidence.PrefixWriter{W: e.stderr, Prefix: "verifier: "}
	ts, err := evidence.OpenTargets(ctx, af.targets, af.journal, true, notices)
	if err == nil {
		k.targets = ts
		k.journal, err = evidence.OpenJournal(af.journal, true, nil)
		if err != nil {
			ts.Close()
			k.targets = nil
		}
	}
	if err != nil {
		if exitCode(err) == exitUsage {
			return nil, err
		}
		k.openErr = err
	}
	return k, nil
}

func (k *keeper) close() {
	if k.journal != nil {
		k.journal.Close()
	}
	if k.targets != nil {
		k.targets.Close()
	}
}

// bundleCopyName is where a bundle fetched from a URL is kept, as
// evidence, beside the report.
func bundleCopyName(reportPath string) string {
	return strings.TrimSuffix(reportPath, ".json") + ".bundle.sigstore.json"
}

// keep anchors the evidence of the run and returns the exit code: code,
// the verdict's, unless it is 0 and the evidence could not be anchored
// (3). A pending anchor is no failure: archivist upgrade completes it.
func (e env) keep(ctx context.Context, k *keeper, rf reportFlags, vf *verifyFlags, code int) int {
	out := e.stdout
	if rf.asJSON {
		out = e.stderr // stdout holds the JSON report alone
	}
	fmt.Fprintf(out, "\n⚓ Anchoring the evidence (--anchor %s)\n", k.flags.targets.To)
	err := e.keepEvidence(ctx, k, rf, vf, out)
	if err == nil {
		return code
	}
	fmt.Fprintf(out, "❌ the evidence could not be anchored: %v\n", err)
	if code == exitVerified {
		fmt.Fprintln(out, "   the verification passed; verify exits 3 because its evidence is not kept")
		return exitCouldNotCk
	}
	return code
}

// keepEvidence records, anchors and writes the receipts, telling it on
// out. It returns what could not be done.
func (e env) keepEvidence(ctx context.Context, k *keeper, rf reportFlags, vf *verifyFlags, out io.Writer) error {
	if k.openErr != nil {
		return fmt.Errorf("nothing was anchored: %w", k.openErr)
	}
	files := []string{rf.report}
	var missing error
	switch {
	case !verify.IsURL(vf.bundle):
		files = append(files, vf.bundle)
	case vf.fetched != nil:
		p := bundleCopyName(rf.report)
		if err := writeFile(p, func(w io.Writer) error { _, err := w.Write(vf.fetched); return err }); err != nil {
			return fmt.Errorf("%w: keeping the bundle fetched from %s: %w", selfattest.ErrCouldNotCheck, safe(vf.bundle), err)
		}
		fmt.Fprintf(out, "   the bundle fetched from %s is kept as %s\n", safe(vf.bundle), p)
		files = append(files, p)
	default:
		missing = fmt.Errorf("%w: the bundle %s was never fetched, so it is not anchored", selfattest.ErrCouldNotCheck, safe(vf.bundle))
	}
	if rf.summary != "" {
		files = append(files, rf.summary)
	}
	var check []anchor.Anchorer
	for _, t := range k.targets.List {
		if _, ok := t.(*ipfs.Anchorer); ok && k.flags.targets.Ipfs.Gateway == "" {
			continue // archivist upgrade --ipfs-gateway URL checks it
		}
		check = append(check, t)
	}
	kept, err := evidence.Keep(ctx, k.journal, k.flags.journal, files, k.targets.List, evidence.KeepOptions{
		Archive: k.flags.archiving(),
		Store:   k.flags.store,
		Out:     k.flags.receipts,
		Check:   check,
	})
	if kept == nil {
		return errors.Join(err, missing)
	}
	for _, it := range kept.Items {
		fmt.Fprintf(out, "   item %d  sha256 %s…  %s\n", it.Item, it.SHA256[:16], it.Name)
	}
	if kept.Archive != nil {
		fmt.Fprintf(out, "   archive %s: its CAR %s is an item too\n", kept.Archive.CID, kept.Archive.CAR)
		if api := k.flags.targets.Ipfs.KuboAPI; api != "" {
			if perr := evidence.PublishArchive(ctx, kept.Archive, api, k.flags.targets.Timeout); perr != nil {
				err = errors.Join(err, perr)
			} else {
				fmt.Fprintf(out, "   archive %s published to %s and pinned\n", kept.Archive.CID, api)
			}
		}
	}
	for _, b := range kept.Batches {
		if b.ID != kept.Sealed {
			continue
		}
		fmt.Fprintf(out, "   batch %d, root %s, in the journal %s\n", b.ID, b.Root, k.flags.journal)
		for _, a := range b.Anchors {
			fmt.Fprintf(out, "     %s: %s", a.Target, a.State)
			if a.Depth > 0 {
				fmt.Fprintf(out, " at depth %d", a.Depth)
			}
			fmt.Fprintln(out)
		}
	}
	fmt.Fprintf(out, "   %d receipt(s) written to %s\n", len(kept.Receipts), kept.ReceiptsDir)
	if len(kept.Pending) > 0 {
		fmt.Fprintf(out, "   pending at %s: 'archivist upgrade --journal %s --to %s' (with the same target flags) completes the anchors and rewrites the receipts\n",
			strings.Join(kept.Pending, ", "), k.flags.journal, k.flags.targets.To)
	}
	if err == nil && missing == nil {
		fmt.Fprintln(out, "✅ evidence anchored")
	}
	return errors.Join(err, missing)
}
