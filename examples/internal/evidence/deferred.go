package evidence

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
)

// Archiving at anchor time. add (without --archive) records each file's
// digest in the journal and, in F.files beside it, where the file is;
// anchor --to ...,ipfs then archives the files of the items not in a batch
// yet as one IPFS folder, records the archive's CAR as one more item, and
// seals them together, so that the one root anchored at every target
// covers the files and their archive.

// PendingFilesOf is where add notes the files it recorded, for anchor to
// archive: F.files, one JSON object a line.
func PendingFilesOf(journal string) string { return journal + ".files" }

// maxPendingFiles bounds F.files (about 200 bytes a file).
const maxPendingFiles = 256 << 20

// A pendingFile is one line of F.files: where the file of an item is.
// What the file must hold is the journal's record of the item (the name
// and digest here are for a reader of the file, and checked for form
// only), so a list rewritten to point at another file archives nothing.
type pendingFile struct {
	Item   uint64 `json:"item"`
	Path   string `json:"path"`
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// NotePendingFiles appends the recorded items (numbered by RecordItems) to
// F.files with their absolute paths, and syncs it. A line cut short by a
// crash is ignored when read: its item is then anchored, not archived.
func NotePendingFiles(journal string, items []AddedItem) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, it := range items {
		abs, err := filepath.Abs(it.Path)
		if err != nil {
			return fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
		}
		if err := enc.Encode(pendingFile{Item: it.Item, Path: abs, Name: it.Name, SHA256: it.SHA256}); err != nil {
			return err
		}
	}
	p := PendingFilesOf(journal)
	f, err := os.OpenFile(p, appendFlags, 0o600)
	if err != nil {
		return fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", anchor.ErrBadInput, p)
	}
	if err := clearNonblock(f); err != nil {
		return fmt.Errorf("%w: %s: %w", anchor.ErrBadInput, p, err)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		return fmt.Errorf("%w: %s: %w", anchor.ErrBadInput, p, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%w: %s: %w", anchor.ErrBadInput, p, err)
	}
	return nil
}

// readPendingFiles reads F.files (none: nil) and returns its lines about
// items after sealed (the items not in a batch), one per item, in item
// order.
func readPendingFiles(journal string, sealed uint64) ([]pendingFile, error) {
	p := PendingFilesOf(journal)
	data, err := ReadRegular(p, maxPendingFiles)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	byItem := map[uint64]pendingFile{}
	complete := bytes.Count(data, []byte("\n"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if n > complete {
			break // the last line has no newline: cut short by a crash
		}
		var pf pendingFile
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&pf); err != nil || pf.Item == 0 || !filepath.IsAbs(pf.Path) || pf.Name == "" {
			return nil, fmt.Errorf("%w: %s line %d is not a file add noted (%v)", anchor.ErrBadInput, p, n, err)
		}
		if d, err := hex.DecodeString(pf.SHA256); err != nil || len(d) != 32 {
			return nil, fmt.Errorf("%w: %s line %d: bad sha256", anchor.ErrBadInput, p, n)
		}
		if pf.Item > sealed {
			byItem[pf.Item] = pf
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", anchor.ErrBadInput, p, err)
	}
	out := make([]pendingFile, 0, len(byItem))
	for _, pf := range byItem {
		out = append(out, pf)
	}
	slices.SortFunc(out, func(a, b pendingFile) int { return cmp.Compare(a.Item, b.Item) })
	return out, nil
}

// sealedCount is how many items are in batches: items are sealed in
// order, so these are items 1 to the count.
func sealedCount(j *anchor.Journal) (uint64, error) {
	bs, err := j.Batches()
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, b := range bs {
		n += uint64(b.Size)
	}
	return n, nil
}

// ErrChangedSinceAdd says that a file add recorded holds other bytes now,
// or is gone, so anchor cannot archive it as recorded.
var ErrChangedSinceAdd = selfattest.Beneath(anchor.ErrBadInput, "a file changed since add recorded it")

// ArchivePending archives, as one IPFS folder in the store storeDir, the
// files add noted for the items not in a batch yet (see NotePendingFiles),
// each copied into a private folder under its evidence name and measured
// there: a file that is not its item as the journal recorded it (other
// bytes, gone) fails it with ErrChangedSinceAdd and nothing is recorded.
// Then it records the archive's CAR (F.archives/<CID>.car) as one more
// item, so that the next seal puts the files and their archive in one
// batch. It returns nil when there is nothing to archive. skipped lists
// the items whose names cannot be a path in a folder (they climb out with
// ..): they are anchored, not archived; so is an item whose line in
// F.files a crash lost (add died between recording it and noting it).
//
// Run again after a crash, it makes the same archive and records the same
// CAR, which the journal gives its earlier item back for.
func ArchivePending(ctx context.Context, j *anchor.Journal, journal, storeDir string, limit int64) (st *ArchiveStat, item uint64, skipped []string, err error) {
	sealed, err := sealedCount(j)
	if err != nil {
		return nil, 0, nil, err
	}
	pending, err := readPendingFiles(journal, sealed)
	if err != nil {
		return nil, 0, nil, err
	}
	var (
		paths, names []string
		recorded     []anchor.Evidence
		ids          []uint64
	)
	for _, pf := range pending {
		// The journal says what the item is; F.files only where its file
		// is.
		ev, err := j.Item(anchor.ItemID(pf.Item))
		if err != nil {
			return nil, 0, skipped, fmt.Errorf("%s names item %d: %w", PendingFilesOf(journal), pf.Item, err)
		}
		if climbsOut(ev.Name) {
			skipped = append(skipped, ev.Name)
			continue
		}
		paths = append(paths, pf.Path)
		names = append(names, ev.Name)
		recorded = append(recorded, ev)
		ids = append(ids, pf.Item)
	}
	if len(paths) == 0 {
		return nil, 0, skipped, nil
	}
	evs, _, ast, err := addArchivedNamed(ctx, paths, names, limit, journal, storeDir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, skipped, fmt.Errorf("%w: %w", ErrChangedSinceAdd, err)
		}
		return nil, 0, skipped, err
	}
	for i, ev := range recorded {
		got := evs[i]
		if got.Name != ev.Name || got.MediaType != ev.MediaType || got.Algorithm != ev.Algorithm || !bytes.Equal(got.Digest, ev.Digest) {
			return nil, 0, skipped, fmt.Errorf("%w: %s is not item %d as recorded (%s %x, now %s %x): put it back, or anchor with --no-archive", ErrChangedSinceAdd, paths[i], ids[i], ev.Algorithm, ev.Digest, got.Algorithm, got.Digest)
		}
	}
	id, err := j.Add(evs[len(evs)-1])
	if err != nil {
		return nil, 0, skipped, err
	}
	return ast, uint64(id), skipped, nil
}

// ForgetSealedFiles removes F.files once every item it names is in a
// batch: the next anchor has nothing of it to archive.
func ForgetSealedFiles(j *anchor.Journal, journal string) error {
	sealed, err := sealedCount(j)
	if err != nil {
		return err
	}
	pending, err := readPendingFiles(journal, sealed)
	if err != nil || len(pending) > 0 {
		return err
	}
	err = os.Remove(PendingFilesOf(journal))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
