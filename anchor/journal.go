package anchor

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ats-run/selfattest"
)

// JournalSchema is stored in a journal file and checked when it is opened.
const JournalSchema = "https://github.com/ats-run/selfattest/anchor-journal/v1"

// ErrJournal is wrapped by a [*JournalError]: the journal file could not be
// opened (in use by another process, not a journal, of another version) or
// holds something it should not (a batch whose items no longer give its
// root). Nothing was changed.
var ErrJournal = selfattest.Beneath(selfattest.ErrBadInput, "anchor: journal unusable")

// A JournalError reports a journal that cannot be used.
type JournalError struct {
	Path   string
	Reason string
	Err    error // the cause, if any
}

func (e *JournalError) Error() string {
	s := "anchor: journal " + e.Path + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [ErrJournal] and the cause.
func (e *JournalError) Unwrap() []error { return withCause(ErrJournal, e.Err) }

// An ItemID names an item of evidence in a [Journal]: 1, 2, 3… in the
// order they were added.
type ItemID uint64

// A BatchID names a sealed batch in a [Journal]: the ItemID of its first
// item. A batch holds the items from its ID up to the next batch's.
type BatchID uint64

// JournalOptions tunes a [Journal]. The zero value is safe: wait at most
// one second for a journal another process holds, log nothing.
type JournalOptions struct {
	// LockTimeout bounds the wait for a journal file another process has
	// open; 1 s if 0.
	LockTimeout time.Duration
	// Logger, if not nil, receives one record per anchor submitted and
	// per state change.
	Logger *slog.Logger
}

// A Journal is the crash-safe local record of evidence on its way to
// being anchored (see "The journal" in the package documentation). Its
// methods are safe for concurrent use; a journal file is opened by one
// process at a time.
type Journal struct {
	db   *bolt.DB
	path string
	log  *slog.Logger
	// mu serialises AnchorPending and Upgrade, whose records are read,
	// sent about, and written back in separate transactions.
	mu sync.Mutex
}

var (
	bMeta    = []byte("meta")
	bItems   = []byte("items")   // ItemID → itemRecord
	bLeaves  = []byte("leaves")  // leaf hash → ItemID
	bBatches = []byte("batches") // BatchID → batchRecord
	bAnchors = []byte("anchors") // BatchID || target → anchorRecord
	kSchema  = []byte("schema")
	kSealed  = []byte("sealed") // the last ItemID sealed into a batch
)

type itemRecord struct {
	Name      string `json:"name"`
	MediaType string `json:"mediaType"`
	Alg       string `json:"alg"`
	Digest    string `json:"digest"`
}

type batchRecord struct {
	Size int    `json:"size"`
	Root string `json:"root"`
}

type anchorRecord struct {
	Attempts []attempt `json:"attempts"`
}

// An attempt is one anchor of a batch's root at a target: the entry the
// target returned, then what Check learned.
type attempt struct {
	Entry json.RawMessage `json:"entry"`
	// Unsent marks a [Preparer]'s entry recorded before it was submitted,
	// until a Submit returned: AnchorPending submits it (again).
	Unsent   bool            `json:"unsent,omitempty"`
	State    State           `json:"state"`
	Depth    uint64          `json:"depth,omitempty"`
	Complete json.RawMessage `json:"complete,omitempty"`
}

func (r *anchorRecord) live() *attempt {
	if n := len(r.Attempts); n > 0 && r.Attempts[n-1].State != StateFailed {
		return &r.Attempts[n-1]
	}
	return nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// OpenJournal opens the journal file at path, creating it if it does not
// exist. It returns a [*JournalError] if the file is in use or is not a
// journal of this version.
func OpenJournal(path string, opts JournalOptions) (*Journal, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout})
	if err != nil {
		return nil, &JournalError{Path: path, Reason: "cannot open", Err: err}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bItems, bLeaves, bBatches, bAnchors} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bMeta)
		switch s := m.Get(kSchema); {
		case s == nil:
			return m.Put(kSchema, []byte(JournalSchema))
		case string(s) != JournalSchema:
			return &JournalError{Path: path, Reason: "not a journal of schema " + JournalSchema}
		}
		return nil
	})
	if err != nil {
		db.Close()
		var je *JournalError
		if errors.As(err, &je) {
			return nil, je
		}
		return nil, &JournalError{Path: path, Reason: "cannot initialise", Err: err}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Journal{db: db, path: path, log: log}, nil
}

// Close closes the journal file.
func (j *Journal) Close() error { return j.db.Close() }

// Add records ev and returns its ItemID. When Add returns, ev is on disk
// (the transaction was fsync'd): record evidence before anything about it
// is sent anywhere. Adding evidence already in the journal (the same
// leaf) returns its ItemID and changes nothing, so a caller that crashed
// adds again what it is unsure of.
func (j *Journal) Add(ev Evidence) (ItemID, error) {
	ids, err := j.AddAll([]Evidence{ev})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// AddAll records evs in one transaction, one fsync, in order, and returns
// their ItemIDs; it is [Journal.Add] for many items. If one cannot be
// used, none is recorded and the error (a [*FormatError]) names it.
func (j *Journal) AddAll(evs []Evidence) ([]ItemID, error) {
	leaves := make([]Hash, len(evs))
	for i, ev := range evs {
		leaf, err := ev.LeafHash()
		if err != nil {
			fe := err.(*FormatError)
			fe.Field = "evs[" + strconv.Itoa(i) + "]." + fe.Field
			return nil, fe
		}
		leaves[i] = leaf
	}
	ids := make([]ItemID, len(evs))
	err := j.db.Update(func(tx *bolt.Tx) error {
		items, byLeaf := tx.Bucket(bItems), tx.Bucket(bLeaves)
		type added struct {
			leaf Hash
			id   uint64
		}
		var fresh []added
		seen := make(map[Hash]ItemID)
		for i, ev := range evs {
			if v := byLeaf.Get(leaves[i][:]); v != nil {
				ids[i] = ItemID(binary.BigEndian.Uint64(v))
				continue
			}
			if id, ok := seen[leaves[i]]; ok {
				ids[i] = id
				continue
			}
			n, err := items.NextSequence()
			if err != nil {
				return err
			}
			data, err := json.Marshal(itemRecord{Name: ev.Name, MediaType: ev.MediaType, Alg: ev.Algorithm, Digest: hex.EncodeToString(ev.Digest)})
			if err != nil {
				return err
			}
			if err := items.Put(u64(n), data); err != nil {
				return err
			}
			ids[i], seen[leaves[i]] = ItemID(n), ItemID(n)
			fresh = append(fresh, added{leaves[i], n})
		}
		// bbolt splits nodes only at commit: keys put in order append,
		// where keys put at random each shift a growing node.
		slices.SortFunc(fresh, func(a, b added) int { return bytes.Compare(a.leaf[:], b.leaf[:]) })
		for _, f := range fresh {
			if err := byLeaf.Put(f.leaf[:], u64(f.id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, j.ioError("add", err)
	}
	return ids, nil
}

func (j *Journal) ioError(op string, err error) error {
	var je *JournalError
	if errors.As(err, &je) {
		return je
	}
	return &JournalError{Path: j.path, Reason: op, Err: err}
}

// Seal makes a batch of every item not yet in one, records its members
// and root, and returns its BatchID; with no such item it returns false.
func (j *Journal) Seal() (BatchID, bool, error) {
	var id BatchID
	err := j.db.Update(func(tx *bolt.Tx) error {
		var sealed uint64
		if v := tx.Bucket(bMeta).Get(kSealed); v != nil {
			sealed = binary.BigEndian.Uint64(v)
		}
		c := tx.Bucket(bItems).Cursor()
		var evs []Evidence
		last := sealed
		for k, v := c.Seek(u64(sealed + 1)); k != nil; k, v = c.Next() {
			ev, err := decodeItem(v)
			if err != nil {
				return &JournalError{Path: j.path, Reason: fmt.Sprintf("item %d", binary.BigEndian.Uint64(k)), Err: err}
			}
			evs = append(evs, ev)
			last = binary.BigEndian.Uint64(k)
		}
		if len(evs) == 0 {
			return nil
		}
		if last-sealed != uint64(len(evs)) {
			return &JournalError{Path: j.path, Reason: "items are missing"}
		}
		b, err := NewBatch(evs)
		if err != nil {
			return &JournalError{Path: j.path, Reason: "cannot batch", Err: err}
		}
		data, err := json.Marshal(batchRecord{Size: len(evs), Root: b.Root().String()})
		if err != nil {
			return err
		}
		id = BatchID(sealed + 1)
		if err := tx.Bucket(bBatches).Put(u64(uint64(id)), data); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSealed, u64(last))
	})
	if err != nil {
		return 0, false, j.ioError("seal", err)
	}
	if id != 0 {
		j.log.Info("anchor: batch sealed", "batch", uint64(id))
	}
	return id, id != 0, nil
}

func decodeItem(v []byte) (Evidence, error) {
	var r itemRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return Evidence{}, err
	}
	d, err := hex.DecodeString(r.Digest)
	if err != nil {
		return Evidence{}, err
	}
	return EvidenceFromDigest(r.Name, r.MediaType, r.Alg, d)
}

// A BatchStatus is what the journal knows of a batch.
type BatchStatus struct {
	ID      BatchID
	Size    int
	Root    Hash
	Anchors []AnchorStatus // one per target, by target name
}

// An AnchorStatus is what the journal knows of a batch's anchor at one
// target: the state of its latest attempt, and how many attempts were
// made (more than one when an anchor was dropped and made again).
type AnchorStatus struct {
	Target   string
	State    State
	Depth    uint64
	Attempts int
	// Unsent: a [Preparer]'s anchor recorded but not submitted yet (a
	// crash or a failed Submit); the next AnchorPending submits it.
	Unsent bool
}

// Final reports whether the batch has at least one anchor and all its
// anchors are final.
func (s BatchStatus) Final() bool {
	for _, a := range s.Anchors {
		if a.State != StateFinal {
			return false
		}
	}
	return len(s.Anchors) > 0
}

// Batches returns the status of every sealed batch, in order.
func (j *Journal) Batches() ([]BatchStatus, error) {
	var out []BatchStatus
	err := j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bBatches).ForEach(func(k, v []byte) error {
			s, err := j.batchStatus(tx, k, v)
			if err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
	})
	if err != nil {
		return nil, j.ioError("read", err)
	}
	return out, nil
}

func (j *Journal) batchStatus(tx *bolt.Tx, k, v []byte) (BatchStatus, error) {
	var br batchRecord
	if err := json.Unmarshal(v, &br); err != nil {
		return BatchStatus{}, &JournalError{Path: j.path, Reason: "batch record", Err: err}
	}
	root, err := hex.DecodeString(br.Root)
	if err != nil || len(root) != 32 {
		return BatchStatus{}, &JournalError{Path: j.path, Reason: "batch root", Err: err}
	}
	s := BatchStatus{ID: BatchID(binary.BigEndian.Uint64(k)), Size: br.Size, Root: Hash(root)}
	c := tx.Bucket(bAnchors).Cursor()
	for ak, av := c.Seek(k); ak != nil && len(ak) > 8 && string(ak[:8]) == string(k); ak, av = c.Next() {
		var ar anchorRecord
		if err := json.Unmarshal(av, &ar); err != nil || len(ar.Attempts) == 0 {
			return BatchStatus{}, &JournalError{Path: j.path, Reason: "anchor record", Err: err}
		}
		last := ar.Attempts[len(ar.Attempts)-1]
		s.Anchors = append(s.Anchors, AnchorStatus{Target: string(ak[8:]), State: last.State, Depth: last.Depth, Attempts: len(ar.Attempts), Unsent: last.Unsent})
	}
	return s, nil
}

func (j *Journal) anchorRecord(target string, batch BatchID) (anchorRecord, error) {
	var ar anchorRecord
	err := j.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bAnchors).Get(append(u64(uint64(batch)), target...))
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &ar)
	})
	return ar, err
}

func (j *Journal) putAnchorRecord(target string, batch BatchID, ar anchorRecord) error {
	data, err := json.Marshal(ar)
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bAnchors).Put(append(u64(uint64(batch)), target...), data)
	})
}

// AnchorPending anchors, at every target, the root of every batch that
// has no live anchor there (none yet, or its latest failed), and records
// each entry as the target accepts it. At a [Preparer] (a chain), it
// records the prepared entry before submitting it, and submits again an
// entry recorded but not known to be submitted (a crash, a failed Submit). A failure at one target does not
// stop the others: the error joins a [*TargetError] per failure. Calling
// it again after a crash anchors nothing twice: see the [Anchorer]
// contract.
func (j *Journal) AnchorPending(ctx context.Context, targets ...Anchorer) error {
	return j.eachAnchor(ctx, targets, func(b BatchStatus, a Anchorer, ar anchorRecord) (error, error) {
		p, prepares := a.(Preparer)
		at := ar.live()
		switch {
		case at != nil && !at.Unsent:
			return nil, nil
		case at != nil && !prepares:
			return &TargetError{Target: a.Name(), Err: fmt.Errorf("%w: an anchor recorded unsent, and the target cannot submit it", ErrBadInput)}, nil
		case at == nil && prepares:
			e, err := p.Prepare(ctx, b.Root)
			if err = ownEntry(a, e, err); err != nil {
				return &TargetError{Target: a.Name(), Err: classify(err)}, nil
			}
			// Recorded before it is sent: after a crash, the same entry
			// is submitted again, not a second anchor.
			ar.Attempts = append(ar.Attempts, attempt{Entry: e.raw, State: StatePending, Unsent: true})
			if err := j.putAnchorRecord(a.Name(), b.ID, ar); err != nil {
				return nil, j.ioError("record prepared anchor", err)
			}
			at = &ar.Attempts[len(ar.Attempts)-1]
		case at == nil:
			e, err := a.Anchor(ctx, b.Root)
			if err = ownEntry(a, e, err); err != nil {
				return &TargetError{Target: a.Name(), Err: classify(err)}, nil
			}
			ar.Attempts = append(ar.Attempts, attempt{Entry: e.raw, State: StatePending})
			if err := j.putAnchorRecord(a.Name(), b.ID, ar); err != nil {
				return nil, j.ioError("record anchor", err)
			}
			j.log.Info("anchor: submitted", "batch", uint64(b.ID), "target", a.Name(), "attempt", len(ar.Attempts))
			return nil, nil
		}
		e, err := ParseEntry(at.Entry)
		if err != nil {
			return nil, &JournalError{Path: j.path, Reason: "recorded entry", Err: err}
		}
		if err := p.Submit(ctx, b.Root, e); err != nil {
			return &TargetError{Target: a.Name(), Err: classify(err)}, nil
		}
		at.Unsent = false
		if err := j.putAnchorRecord(a.Name(), b.ID, ar); err != nil {
			return nil, j.ioError("record anchor", err)
		}
		j.log.Info("anchor: submitted", "batch", uint64(b.ID), "target", a.Name(), "attempt", len(ar.Attempts))
		return nil, nil
	})
}

// ownEntry is err, or an [ErrAnchor] error when e is not an entry of a's.
func ownEntry(a Anchorer, e Entry, err error) error {
	if err == nil && (e.raw == nil || e.Target != a.Name()) {
		err = fmt.Errorf("%w: the target returned an entry that is not its own", ErrAnchor)
	}
	return err
}

// eachAnchor is the walk AnchorPending and Upgrade share: under j.mu, for
// every batch at every target (checked first), it reads that pair's record
// and calls f. f returns a target's error, joined into the result, or a
// fatal one (the journal's own I/O), which stops the walk. An ended ctx
// stops it as could-not-check, keeping the target errors found so far.
func (j *Journal) eachAnchor(ctx context.Context, targets []Anchorer, f func(BatchStatus, Anchorer, anchorRecord) (targetErr, fatal error)) error {
	if err := checkTargets(targets); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	batches, err := j.Batches()
	if err != nil {
		return err
	}
	var errs []error
	for _, b := range batches {
		for _, a := range targets {
			if err := ctx.Err(); err != nil {
				return errors.Join(append(errs, fmt.Errorf("%w: %w", ErrCouldNotCheck, err))...)
			}
			ar, err := j.anchorRecord(a.Name(), b.ID)
			if err != nil {
				return j.ioError("read", err)
			}
			terr, fatal := f(b, a, ar)
			if fatal != nil {
				return fatal
			}
			if terr != nil {
				errs = append(errs, terr)
			}
		}
	}
	return errors.Join(errs...)
}

// Upgrade checks every live anchor that is not final at the targets given
// and records what it learns: confirmed at a depth (with the complete
// entry), final, or failed (dropped; the next [Journal.AnchorPending]
// anchors the batch again). A check that could not be made changes
// nothing and is reported in the error (a [*TargetError] each, joined).
func (j *Journal) Upgrade(ctx context.Context, targets ...Anchorer) error {
	return j.eachAnchor(ctx, targets, func(b BatchStatus, a Anchorer, ar anchorRecord) (error, error) {
		at := ar.live()
		if at == nil || at.State == StateFinal || at.Unsent {
			return nil, nil // an unsent anchor is AnchorPending's to submit
		}
		e, err := ParseEntry(at.Entry)
		if err != nil {
			return nil, &JournalError{Path: j.path, Reason: "recorded entry", Err: err}
		}
		st, err := a.Check(ctx, b.Root, e)
		if err != nil {
			return &TargetError{Target: a.Name(), Err: classify(err)}, nil
		}
		complete := at.Complete
		switch st.State {
		case StateConfirmed, StateFinal:
			if st.Entry.raw == nil {
				return &TargetError{Target: a.Name(), Err: fmt.Errorf("%w: %v without a complete entry", ErrAnchor, st.State)}, nil
			}
			complete = st.Entry.raw
		case StatePending:
			complete = nil // back in the mempool: the old proof no longer holds
		case StateFailed:
		default:
			return &TargetError{Target: a.Name(), Err: fmt.Errorf("%w: unknown state %v", ErrCouldNotCheck, st.State)}, nil
		}
		if st.State == at.State && st.Depth == at.Depth && bytes.Equal(complete, at.Complete) {
			return nil, nil
		}
		at.State, at.Depth, at.Complete = st.State, st.Depth, complete
		if err := j.putAnchorRecord(a.Name(), b.ID, ar); err != nil {
			return nil, j.ioError("record status", err)
		}
		j.log.Info("anchor: status", "batch", uint64(b.ID), "target", a.Name(), "state", st.State.String(), "depth", st.Depth)
		return nil, nil
	})
}

func checkTargets(targets []Anchorer) error {
	if len(targets) == 0 {
		return badInput("targets", "no target")
	}
	var names []string
	for _, a := range targets {
		if a == nil || a.Name() == "" {
			return badInput("targets", "a target without a name")
		}
		if slices.Contains(names, a.Name()) {
			return badInput("targets", "two targets named "+a.Name())
		}
		names = append(names, a.Name())
	}
	return nil
}

// Receipts returns the receipts of a batch's items, in order, each with
// one entry per target whose latest anchor has not failed: the complete
// entry once confirmed or final, the pending entry before. Each receipt's
// batch part is checked before it is returned. For a large batch,
// [Journal.EachReceipt] writes the same receipts without holding them all.
func (j *Journal) Receipts(batch BatchID) ([]*Receipt, error) {
	b, entries, err := j.loadBatch(batch)
	if err != nil {
		return nil, err
	}
	out := make([]*Receipt, b.Len())
	for i := range out {
		r, err := b.Receipt(i, entries...)
		if err != nil {
			return nil, err
		}
		if err := VerifyInclusion(r, b.Item(i)); err != nil {
			return nil, &JournalError{Path: j.path, Reason: "a receipt does not hold", Err: err}
		}
		out[i] = r
	}
	return out, nil
}

// EachReceipt calls fn with each item of a batch and its receipt, encoded
// as [Receipt.Marshal] writes it, in order; the same receipts as
// [Journal.Receipts], written with [Batch.AppendReceipt] into one reused
// buffer (fn must copy what it keeps). The batch's tree is rebuilt from
// the recorded items and must give the recorded root. It stops at the
// first error fn returns, and returns it.
func (j *Journal) EachReceipt(batch BatchID, fn func(item ItemID, receipt []byte) error) error {
	b, entries, err := j.loadBatch(batch)
	if err != nil {
		return err
	}
	var buf []byte
	for i := range b.Len() {
		if buf, err = b.AppendReceipt(buf[:0], i, entries...); err != nil {
			return err
		}
		if err := fn(ItemID(uint64(batch)+uint64(i)), buf); err != nil {
			return err
		}
	}
	return nil
}

// loadBatch rebuilds a batch from its recorded items, checks it gives the
// recorded root, and returns it with the entry of every target whose
// latest anchor has not failed.
func (j *Journal) loadBatch(batch BatchID) (*Batch, []Entry, error) {
	var (
		evs     []Evidence
		root    Hash
		entries []Entry
	)
	err := j.db.View(func(tx *bolt.Tx) error {
		k := u64(uint64(batch))
		v := tx.Bucket(bBatches).Get(k)
		if v == nil {
			return badInput("batch", fmt.Sprintf("no batch %d", batch))
		}
		s, err := j.batchStatus(tx, k, v)
		if err != nil {
			return err
		}
		root = s.Root
		items := tx.Bucket(bItems)
		evs = make([]Evidence, 0, s.Size)
		for i := uint64(batch); i < uint64(batch)+uint64(s.Size); i++ {
			ev, err := decodeItem(items.Get(u64(i)))
			if err != nil {
				return &JournalError{Path: j.path, Reason: fmt.Sprintf("item %d", i), Err: err}
			}
			evs = append(evs, ev)
		}
		c := tx.Bucket(bAnchors).Cursor()
		for ak, av := c.Seek(k); ak != nil && len(ak) > 8 && string(ak[:8]) == string(k); ak, av = c.Next() {
			var ar anchorRecord
			if err := json.Unmarshal(av, &ar); err != nil {
				return &JournalError{Path: j.path, Reason: "anchor record", Err: err}
			}
			at := ar.live()
			if at == nil || at.Unsent {
				continue // an unsent anchor may never be: no receipt names it
			}
			raw := at.Entry
			if at.Complete != nil {
				raw = at.Complete
			}
			e, err := ParseEntry(raw)
			if err != nil {
				return &JournalError{Path: j.path, Reason: "recorded entry", Err: err}
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrBadInput) {
			return nil, nil, err
		}
		return nil, nil, j.ioError("read", err)
	}
	b, err := NewBatch(evs)
	if err != nil {
		return nil, nil, &JournalError{Path: j.path, Reason: "cannot batch", Err: err}
	}
	if b.Root() != root {
		return nil, nil, &JournalError{Path: j.path, Reason: fmt.Sprintf("batch %d: its items give root %s, not the recorded %s", batch, b.Root(), root)}
	}
	return b, entries, nil
}

// Item returns the evidence recorded as item id, sealed or not. An id the
// journal has not given is an error wrapping [ErrBadInput]; a record that
// does not decode, a [*JournalError].
func (j *Journal) Item(id ItemID) (Evidence, error) {
	var ev Evidence
	err := j.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bItems).Get(u64(uint64(id)))
		if v == nil {
			return badInput("item", fmt.Sprintf("no item %d", id))
		}
		var err error
		if ev, err = decodeItem(v); err != nil {
			return &JournalError{Path: j.path, Reason: fmt.Sprintf("item %d", id), Err: err}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrBadInput) {
			return Evidence{}, err
		}
		return Evidence{}, j.ioError("item", err)
	}
	return ev, nil
}

// Receipt returns the receipt of one item, as [Journal.Receipts] makes
// it (rebuilding its batch's tree: for many items of one batch, call
// Receipts once). It returns an error wrapping [ErrPending] if the item is not sealed
// into a batch yet.
func (j *Journal) Receipt(item ItemID) (*Receipt, error) {
	var batch BatchID
	err := j.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bItems).Get(u64(uint64(item))) == nil {
			return badInput("item", fmt.Sprintf("no item %d", item))
		}
		k, _ := tx.Bucket(bBatches).Cursor().Seek(u64(uint64(item)))
		if k == nil || binary.BigEndian.Uint64(k) != uint64(item) {
			c := tx.Bucket(bBatches).Cursor()
			if k == nil {
				k, _ = c.Last()
			} else {
				c.Seek(k)
				k, _ = c.Prev()
			}
		}
		if k == nil {
			return fmt.Errorf("%w: item %d is not in a batch yet", ErrPending, item)
		}
		batch = BatchID(binary.BigEndian.Uint64(k))
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrBadInput) || errors.Is(err, ErrPending) {
			return nil, err
		}
		return nil, j.ioError("read", err)
	}
	rs, err := j.Receipts(batch)
	if err != nil {
		return nil, err
	}
	i := int(uint64(item) - uint64(batch))
	if i >= len(rs) {
		return nil, fmt.Errorf("%w: item %d is not in a batch yet", ErrPending, item)
	}
	return rs[i], nil
}
