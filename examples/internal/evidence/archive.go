package evidence

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
)

// The logic of the commands: functions of a journal, targets and paths,
// built on the anchor package's public API only, so that the demo and the
// tests run them against targets the command line cannot name (an
// in-process simulated chain, package simchain).

// progressEvery is how many items pass between two progress lines.
const progressEvery = 1000

// addChunk is how many items one journal transaction (one fsync) records.
const addChunk = 10_000

// A ProgressFunc is told how far a long step is: done of total items.
type ProgressFunc func(step string, done, total int)

// An AddedItem is one file recorded by AddFiles.
type AddedItem struct {
	Path      string `json:"path"`
	Item      uint64 `json:"item"`
	Name      string `json:"name"`
	MediaType string `json:"mediaType"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
}

// MeasureFiles measures every file (SHA-256, at most limit bytes, regular
// files only) and returns its evidence. A file that cannot be used fails
// the whole command: the error names every such file.
func MeasureFiles(paths []string, limit int64, progress ProgressFunc) ([]anchor.Evidence, []AddedItem, error) {
	return measureNamed(paths, nil, limit, progress)
}

// nameOf is the evidence name of the i-th of paths: names[i], or without
// names the path as given ([EvidenceName]).
func nameOf(names []string, i int, p string) string {
	if names != nil {
		return names[i]
	}
	return EvidenceName(p)
}

// measureNamed is MeasureFiles with the evidence names given (nil: each
// path's own).
func measureNamed(paths, names []string, limit int64, progress ProgressFunc) ([]anchor.Evidence, []AddedItem, error) {
	out := make([]AddedItem, len(paths))
	evs := make([]anchor.Evidence, len(paths))
	var errs []error
	for i, p := range paths {
		d, size, err := DigestFile(p, anchor.SHA256, limit)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs[i], out[i], err = evidenceOf(p, nameOf(names, i, p), d, size)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n := i + 1; progress != nil && n%progressEvery == 0 && n < len(paths) {
			progress("measured", n, len(paths))
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return evs, out, nil
}

// evidenceOf is the evidence of the file p, added under name, whose
// SHA-256 is d and size is size, and its item; the name and media type
// are checked.
func evidenceOf(p, name string, d []byte, size int64) (anchor.Evidence, AddedItem, error) {
	ev, err := anchor.EvidenceFromDigest(name, MediaType(p), anchor.SHA256, d)
	if err == nil {
		_, err = ev.LeafHash() // checks the name and media type
	}
	if err != nil {
		return anchor.Evidence{}, AddedItem{}, fmt.Errorf("%s: %w", p, err)
	}
	return ev, AddedItem{Path: p, Name: ev.Name, MediaType: ev.MediaType, SHA256: hex.EncodeToString(d), Size: size}, nil
}

// RecordItems records what MeasureFiles returned in the journal, addChunk
// items at a time, each chunk on disk before the next, and fills in each
// item's number. Adding a file again (after a crash) gives its earlier
// item back.
func RecordItems(j *anchor.Journal, evs []anchor.Evidence, items []AddedItem, progress ProgressFunc) error {
	for start := 0; start < len(evs); start += addChunk {
		end := min(start+addChunk, len(evs))
		ids, err := j.AddAll(evs[start:end])
		if err != nil {
			return err
		}
		for k, id := range ids {
			items[start+k].Item = uint64(id)
		}
		if progress != nil && end < len(evs) {
			progress("recorded", end, len(evs))
		}
	}
	return nil
}

// AddFiles is MeasureFiles then RecordItems: nothing is recorded unless
// every file could be measured.
func AddFiles(j *anchor.Journal, paths []string, limit int64, progress ProgressFunc) ([]AddedItem, error) {
	evs, items, err := MeasureFiles(paths, limit, progress)
	if err != nil {
		return nil, err
	}
	if err := RecordItems(j, evs, items, progress); err != nil {
		return nil, err
	}
	return items, nil
}

// AnchorAll seals the items not in a batch yet into one, then anchors
// every batch that has no live anchor at a target. It returns the batch
// sealed (0 if none) and every batch's status; the error joins each
// target's failure (a *anchor.TargetError).
func AnchorAll(ctx context.Context, j *anchor.Journal, targets []anchor.Anchorer) (anchor.BatchID, []anchor.BatchStatus, error) {
	id, _, err := j.Seal()
	if err != nil {
		return 0, nil, err
	}
	aerr := j.AnchorPending(ctx, targets...)
	bs, err := j.Batches()
	if err != nil {
		return id, nil, errors.Join(aerr, err)
	}
	return id, bs, aerr
}

// ErrStillPending says that upgrade found an anchor not confirmed yet.
var ErrStillPending = selfattest.Beneath(anchor.ErrPending, "anchor: pending: some anchors are still pending: run upgrade again later")

// UpgradeAll checks every live anchor at the targets and records what the
// journal learns. It returns every batch's status; the error joins each
// target's failure, or, if none failed, is ErrStillPending when some
// anchor at one of the targets is still pending.
func UpgradeAll(ctx context.Context, j *anchor.Journal, targets []anchor.Anchorer) ([]anchor.BatchStatus, error) {
	uerr := j.Upgrade(ctx, targets...)
	bs, err := j.Batches()
	if err != nil {
		return nil, errors.Join(uerr, err)
	}
	if uerr != nil {
		return bs, uerr
	}
	names := map[string]bool{}
	for _, t := range targets {
		names[t.Name()] = true
	}
	for _, b := range bs {
		for _, a := range b.Anchors {
			if names[a.Target] && a.State == anchor.StatePending {
				return bs, ErrStillPending
			}
		}
	}
	return bs, nil
}

// A WrittenReceipt is one receipt file WriteReceipts wrote.
type WrittenReceipt struct {
	Item    uint64   `json:"item"`
	Batch   uint64   `json:"batch"`
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Anchors []string `json:"anchors"` // "target: state", as the receipt holds them
}

// WriteReceipts writes the receipt of every item of every sealed batch
// into dir, one file each (see receiptFileName), replacing what an earlier
// run wrote there: each file is written beside its place and renamed into
// it, so a reader never sees half a receipt. A receipt holds, per target,
// the complete entry once its anchor is confirmed and the pending entry
// before. Receipts are not fsync'd: the journal can write them again.
func WriteReceipts(j *anchor.Journal, dir string, progress ProgressFunc) ([]WrittenReceipt, error) {
	bs, err := j.Batches()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: receipts folder: %w", anchor.ErrBadInput, err)
	}
	total := 0
	for _, b := range bs {
		total += b.Size
	}
	var out []WrittenReceipt
	for _, b := range bs {
		states := make([]string, len(b.Anchors))
		for i, a := range b.Anchors {
			states[i] = a.Target + ": " + a.State.String()
		}
		err := j.EachReceipt(b.ID, func(item anchor.ItemID, data []byte) error {
			r, err := anchor.ParseReceipt(data)
			if err != nil {
				return err
			}
			name := receiptFileName(item, r.Evidence.Name)
			if err := writeAtomic(dir, name, data); err != nil {
				return err
			}
			out = append(out, WrittenReceipt{Item: uint64(item), Batch: uint64(b.ID), Name: r.Evidence.Name, File: filepath.Join(dir, name), Anchors: states})
			if n := len(out); progress != nil && n%progressEvery == 0 && n < total {
				progress("receipts written", n, total)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// writeAtomic writes data to dir/name through a temporary file renamed
// into place: whatever was at dir/name (an older receipt, even a FIFO) is
// replaced, never opened.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, ".receipt-*")
	if err != nil {
		return fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	_, werr := f.Write(data)
	merr := f.Chmod(0o644) // a receipt is for anyone to read; CreateTemp makes 600
	cerr := f.Close()
	if err := errors.Join(werr, merr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%w: writing %s: %w", anchor.ErrBadInput, name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	return nil
}

// An AnchorReport is what verify found of one anchor entry of a receipt:
// its place, kind and target, and its own Outcome (verified, rejected,
// bad input, pending or could not check) with the reason, so that one
// anchor that fails does not hide how the others stand.
type AnchorReport struct {
	Index   int    `json:"index"`
	Kind    string `json:"kind"`
	Target  string `json:"target"`
	Outcome string `json:"outcome"`
	Exit    int    `json:"exit"`
	Checked string `json:"checked,omitempty"` // verified: "offline" or "online"
	State   string `json:"state,omitempty"`   // checked online: the target's answer
	Depth   uint64 `json:"depth,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// VerifyFiles checks the receipt at receiptPath against the evidence file
// at evidencePath (at most limit bytes). The evidence is the file's
// digest, by the receipt's algorithm, under the name and media type the
// receipt states: a receipt vouches for content, so a renamed copy of the
// file verifies, and any other content does not. With online, entries
// whose verifier is an anchor.OnlineVerifier also ask their target.
//
// It checks the batch part once, then each anchor entry on its own (the
// receipt with that entry alone, through anchor.VerifyReceipt or
// VerifyReceiptOnline), and reports each. It returns the receipt as read
// (nil if it could not be), the result (only if every anchor verified, as
// anchor.VerifyReceipt returns it), the reports (none if the batch part
// failed) and the error: the batch part's, or an *anchor.EntriesError of
// the anchors that failed, which wraps the most serious of their
// sentinels (anchor.ErrAnchor, then ErrBadInput, ErrCouldNotCheck,
// ErrPending), as anchor.VerifyReceipt's does.
func VerifyFiles(ctx context.Context, receiptPath, evidencePath string, limit int64, online bool, verifiers []anchor.AnchorVerifier) (*anchor.Receipt, *anchor.Result, []AnchorReport, error) {
	data, err := ReadRegular(receiptPath, anchor.MaxReceiptSize)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("receipt: %w", err)
	}
	r, err := anchor.ParseReceipt(data)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("receipt %s: %w", receiptPath, err)
	}
	d, _, err := DigestFile(evidencePath, r.Evidence.Algorithm, limit)
	if err != nil {
		return r, nil, nil, fmt.Errorf("evidence: %w", err)
	}
	ev, err := anchor.EvidenceFromDigest(r.Evidence.Name, r.Evidence.MediaType, r.Evidence.Algorithm, d)
	if err != nil {
		return r, nil, nil, err
	}
	verify := func(r *anchor.Receipt) (*anchor.Result, error) {
		if online {
			return anchor.VerifyReceiptOnline(ctx, r, ev, verifiers...)
		}
		return anchor.VerifyReceipt(r, ev, verifiers...)
	}
	if err := anchor.VerifyInclusion(r, ev); err != nil || len(r.Anchors) == 0 {
		res, err := verify(r) // the batch part's error, or pending: no anchor
		return r, res, nil, err
	}
	var (
		res     *anchor.Result
		reports []AnchorReport
		failed  []*anchor.EntryError
	)
	for i, e := range r.Anchors {
		one := *r
		one.Anchors = []anchor.Entry{e}
		got, err := verify(&one)
		var ee *anchor.EntriesError
		if errors.As(err, &ee) && len(ee.Entries) == 1 {
			err = ee.Entries[0].Err // the entry's own error, without "anchor 0"
		}
		rep := AnchorReport{Index: i, Kind: e.Kind, Target: e.Target, Outcome: Outcome(err), Exit: selfattest.ExitCode(err)}
		if err != nil {
			rep.Reason = err.Error()
			failed = append(failed, &anchor.EntryError{Index: i, Kind: e.Kind, Target: e.Target, Err: err})
		} else {
			va := got.Anchors[0]
			rep.Checked, rep.State, rep.Depth = va.Checked, va.State, va.Depth
			if res == nil {
				res = got
			} else {
				res.Anchors = append(res.Anchors, va)
			}
		}
		reports = append(reports, rep)
	}
	if len(failed) > 0 {
		return r, nil, reports, &anchor.EntriesError{Entries: failed}
	}
	return r, res, reports, nil
}
