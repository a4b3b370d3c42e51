package evidence

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ats-run/selfattest/anchor"
)

// KeepOptions tune [Keep].
type KeepOptions struct {
	// Archive also archives the files as one IPFS folder into the block
	// store Store (default: [StoreDirOf] the journal) and records its CAR
	// as an item beside them, as archivist add --archive does: the batch's
	// root then covers the files and their archive.
	Archive bool
	Store   string
	// Names, if set, are the evidence names of the files, one per path
	// (default: each path as given, cleaned: [EvidenceName]).
	Names []string
	// MaxSize bounds each file, in bytes; 0 means [DefaultMaxSize].
	MaxSize int64
	// Out is the receipts folder ([ReceiptsDir]).
	Out string
	// Progress, if set, is told how far a long step is.
	Progress ProgressFunc
	// Check, if set, are the targets asked how the anchors stand (nil:
	// every target): a target that cannot check yet (an ipfs target with
	// no gateway) leaves its anchor pending, for archivist upgrade.
	Check []anchor.Anchorer
	// BeforeUpgrade, if set, runs between anchoring and asking the
	// targets how the anchors stand: an in-process chain makes its
	// blocks there.
	BeforeUpgrade func() error
}

// Kept is what [Keep] did.
type Kept struct {
	Items   []AddedItem
	Archive *ArchiveStat // with KeepOptions.Archive
	// Sealed is the batch the items were sealed into; 0 if they were all
	// in a batch already (kept before).
	Sealed  anchor.BatchID
	Batches []anchor.BatchStatus
	// Pending names the targets whose anchor of a batch is submitted but
	// not confirmed yet: archivist upgrade completes it later.
	Pending []string
	// ReceiptsDir is where the receipts were written, Receipts what.
	ReceiptsDir string
	Receipts    []WrittenReceipt
}

// Keep records the files at paths in the journal j (whose file is
// journal), seals what is new into a batch, anchors every batch not
// anchored yet at each target, asks the targets once how the anchors
// stand, and writes every item's receipt: archivist add, anchor, upgrade
// and receipts in one call.
//
// Nothing is recorded unless every file could be measured (the error then
// is the files', and Kept is nil). Otherwise the receipts are written
// whatever the targets did, and the error joins what could not be done: a
// target that refused or could not take its anchor (an
// *anchor.TargetError), a check that failed, a receipt not written. An
// anchor submitted but not confirmed yet is no error: Kept.Pending names
// its target.
func Keep(ctx context.Context, j *anchor.Journal, journal string, paths []string, targets []anchor.Anchorer, o KeepOptions) (*Kept, error) {
	if o.Names != nil && len(o.Names) != len(paths) {
		return nil, fmt.Errorf("%w: %d names for %d files", anchor.ErrBadInput, len(o.Names), len(paths))
	}
	limit := o.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	k := &Kept{}
	var (
		evs []anchor.Evidence
		err error
	)
	if o.Archive {
		store := o.Store
		if store == "" {
			store = StoreDirOf(journal)
		}
		evs, k.Items, k.Archive, err = addArchivedNamed(ctx, paths, o.Names, limit, journal, store)
	} else {
		evs, k.Items, err = measureNamed(paths, o.Names, limit, o.Progress)
	}
	if err != nil {
		return nil, err
	}
	if err := RecordItems(j, evs, k.Items, o.Progress); err != nil {
		return nil, err
	}
	var aerr error
	k.Sealed, k.Batches, aerr = AnchorAll(ctx, j, targets)
	if o.BeforeUpgrade != nil {
		if err := o.BeforeUpgrade(); err != nil {
			aerr = errors.Join(aerr, err)
		}
	}
	check := targets
	if o.Check != nil {
		check = o.Check
	}
	bs, uerr := UpgradeAll(ctx, j, check)
	if errors.Is(uerr, ErrStillPending) {
		uerr = nil
	}
	if bs != nil {
		k.Batches = bs
	}
	for _, b := range k.Batches {
		for _, a := range b.Anchors {
			if a.State == anchor.StatePending && !slices.Contains(k.Pending, a.Target) {
				k.Pending = append(k.Pending, a.Target)
			}
		}
	}
	k.ReceiptsDir = ReceiptsDir(o.Out, journal)
	var werr error
	k.Receipts, werr = WriteReceipts(j, k.ReceiptsDir, o.Progress)
	if werr != nil {
		werr = fmt.Errorf("receipts: %w", werr)
	}
	return k, errors.Join(aerr, uerr, werr)
}
