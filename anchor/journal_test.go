package anchor_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
	bolt "go.etcd.io/bbolt"
)

func openJournal(t *testing.T, path string) *anchor.Journal {
	t.Helper()
	j, err := anchor.OpenJournal(path, anchor.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func mine(t *testing.T, ms ...*anchortest.Memory) {
	t.Helper()
	for _, m := range ms {
		if err := m.Mine(); err != nil {
			t.Fatal(err)
		}
	}
}

// verifyAll checks every item's receipt offline with the verifiers.
func verifyAll(t *testing.T, j *anchor.Journal, evs []anchor.Evidence, ids []anchor.ItemID, vs ...anchor.AnchorVerifier) {
	t.Helper()
	for k, id := range ids {
		r, err := j.Receipt(id)
		if err != nil {
			t.Fatalf("Receipt(%d): %v", id, err)
		}
		if _, err := anchor.VerifyReceipt(r, evs[k], vs...); err != nil {
			t.Fatalf("receipt of item %d: %v", id, err)
		}
	}
}

func TestJournalLifecycle(t *testing.T) {
	ctx := t.Context()
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	a, b := fake(t, anchortest.MemoryOptions{Name: "a"}), fake(t, anchortest.MemoryOptions{Name: "b", FinalDepth: 1})
	evs := items(10)
	var ids []anchor.ItemID
	for _, e := range evs {
		id, err := j.Add(e)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if id, err := j.Add(evs[3]); err != nil || id != ids[3] {
		t.Fatalf("Add of recorded evidence = %d, %v; want %d", id, err, ids[3])
	}
	if _, err := j.Receipt(ids[0]); !errors.Is(err, anchor.ErrPending) {
		t.Fatalf("Receipt before Seal = %v, want ErrPending", err)
	}
	if _, err := j.Add(anchor.Evidence{Algorithm: "md5"}); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("Add(bad) = %v, want ErrBadInput", err)
	}
	batch, ok, err := j.Seal()
	if err != nil || !ok || batch != anchor.BatchID(ids[0]) {
		t.Fatalf("Seal = %d, %v, %v", batch, ok, err)
	}
	if _, ok, err := j.Seal(); ok || err != nil {
		t.Fatalf("second Seal = %v, %v; want nothing to seal", ok, err)
	}
	for range 3 {
		if err := j.AnchorPending(ctx, a, b); err != nil {
			t.Fatal(err)
		}
	}
	if a.Submissions() != 1 || b.Submissions() != 1 {
		t.Fatalf("submissions %d, %d; want 1 each", a.Submissions(), b.Submissions())
	}
	// Pending receipts exist, and verify as pending.
	r, err := j.Receipt(ids[4])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anchor.VerifyReceipt(r, evs[4], a.Verifier(), b.Verifier()); !errors.Is(err, anchor.ErrPending) {
		t.Fatalf("pending receipt: %v, want ErrPending", err)
	}
	mine(t, a, b)
	if err := j.Upgrade(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	st, err := j.Batches()
	if err != nil || len(st) != 1 {
		t.Fatalf("Batches = %v, %v", st, err)
	}
	if got := st[0].Anchors; len(got) != 2 || got[0].State != anchor.StateConfirmed || got[0].Depth != 1 || got[1].State != anchor.StateFinal {
		t.Fatalf("anchors %+v; want a confirmed at 1, b final", got)
	}
	verifyAll(t, j, evs, ids, a.Verifier(), b.Verifier())
	mine(t, a, a)
	if err := j.Upgrade(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	if st, _ := j.Batches(); !st[0].Final() {
		t.Fatalf("not final: %+v", st)
	}
	// A new item goes into a second batch.
	more := items(12)[10:]
	id, err := j.Add(more[0])
	if err != nil {
		t.Fatal(err)
	}
	if batch2, ok, err := j.Seal(); err != nil || !ok || batch2 != anchor.BatchID(id) {
		t.Fatalf("Seal = %d, %v, %v", batch2, ok, err)
	}
	if _, err := j.Receipt(id); err != nil {
		t.Fatalf("Receipt of the second batch's item: %v", err)
	}
	if _, err := j.Receipt(999); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("Receipt(no item) = %v, want ErrBadInput", err)
	}
}

func TestJournalReanchorsADroppedAnchor(t *testing.T) {
	ctx := t.Context()
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	m := fake(t, anchortest.MemoryOptions{})
	evs := items(5)
	var ids []anchor.ItemID
	for _, e := range evs {
		id, _ := j.Add(e)
		ids = append(ids, id)
	}
	j.Seal()
	if err := j.AnchorPending(ctx, m); err != nil {
		t.Fatal(err)
	}
	mine(t, m)
	if err := j.Upgrade(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := m.Reorg(1); err != nil {
		t.Fatal(err)
	}
	if err := j.Upgrade(ctx, m); err != nil {
		t.Fatal(err)
	}
	st, _ := j.Batches()
	if st[0].Anchors[0].State != anchor.StateFailed {
		t.Fatalf("after the re-org: %+v, want failed", st[0].Anchors)
	}
	// A receipt written now has no live anchor.
	r, _ := j.Receipt(ids[0])
	if len(r.Anchors) != 0 {
		t.Fatalf("receipt keeps a dropped anchor: %s", r.Anchors[0].JSON())
	}
	if err := j.AnchorPending(ctx, m); err != nil {
		t.Fatal(err)
	}
	mine(t, m, m, m)
	if err := j.Upgrade(ctx, m); err != nil {
		t.Fatal(err)
	}
	st, _ = j.Batches()
	if !st[0].Final() || st[0].Anchors[0].Attempts != 2 || m.Submissions() != 2 {
		t.Fatalf("status %+v, %d submissions; want final after 2 attempts", st[0], m.Submissions())
	}
	verifyAll(t, j, evs, ids, m.Verifier())
}

// lossy is a target that forgets to answer: the target accepted the
// anchor, but the journal never heard (the process died in between).
type lossy struct{ *anchortest.Memory }

func (l lossy) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	l.Memory.Anchor(ctx, root)
	return anchor.Entry{}, errors.New("connection reset")
}

func TestJournalNoSecondAnchorAfterALostAnswer(t *testing.T) {
	ctx := t.Context()
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	m := fake(t, anchortest.MemoryOptions{})
	j.Add(items(1)[0])
	j.Seal()
	err := j.AnchorPending(ctx, lossy{m})
	if !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Fatalf("AnchorPending(lost answer) = %v, want ErrCouldNotCheck", err)
	}
	var te *anchor.TargetError
	if !errors.As(err, &te) || te.Target != m.Name() {
		t.Fatalf("error %v names no target", err)
	}
	if err := j.AnchorPending(ctx, m); err != nil {
		t.Fatal(err)
	}
	if m.Submissions() != 1 {
		t.Fatalf("%d anchors of one batch", m.Submissions())
	}
}

func TestJournalTargetUnavailable(t *testing.T) {
	ctx := t.Context()
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	up, down := fake(t, anchortest.MemoryOptions{Name: "up"}), fake(t, anchortest.MemoryOptions{Name: "down"})
	down.SetUnavailable(true)
	j.Add(items(1)[0])
	j.Seal()
	err := j.AnchorPending(ctx, up, down)
	if !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
		t.Fatalf("AnchorPending = %v, want could not check only", err)
	}
	st, _ := j.Batches()
	if len(st[0].Anchors) != 1 || st[0].Anchors[0].Target != "up" {
		t.Fatalf("anchors %+v; want the one target that answered", st[0].Anchors)
	}
	mine(t, up)
	if err := j.Upgrade(ctx, up, down); err != nil {
		t.Fatalf("Upgrade = %v", err)
	}
	down.SetUnavailable(false)
	if err := j.AnchorPending(ctx, up, down); err != nil {
		t.Fatal(err)
	}
	if up.Submissions() != 1 || down.Submissions() != 1 {
		t.Fatalf("submissions %d, %d", up.Submissions(), down.Submissions())
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := j.Upgrade(cctx, up, down); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Fatalf("Upgrade(cancelled) = %v, want ErrCouldNotCheck", err)
	}
	if err := j.AnchorPending(ctx); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("AnchorPending(no target) = %v, want ErrBadInput", err)
	}
	if err := j.AnchorPending(ctx, up, up); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("AnchorPending(a target twice) = %v, want ErrBadInput", err)
	}
}

func TestJournalInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	openJournal(t, path)
	start := time.Now()
	_, err := anchor.OpenJournal(path, anchor.JournalOptions{LockTimeout: 100 * time.Millisecond})
	var je *anchor.JournalError
	if !errors.Is(err, anchor.ErrJournal) || !errors.As(err, &je) {
		t.Fatalf("second OpenJournal = %v, want a *JournalError", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("waited too long")
	}
}

func TestJournalAddAll(t *testing.T) {
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	evs := items(5)
	first, err := j.Add(evs[2])
	if err != nil {
		t.Fatal(err)
	}
	ids, err := j.AddAll(evs)
	if err != nil {
		t.Fatal(err)
	}
	if ids[2] != first || ids[0] != first+1 || ids[4] != first+4 {
		t.Fatalf("ids %v (item 2 already %d)", ids, first)
	}
	bad := append(items(2), anchor.Evidence{Algorithm: "sha256"})
	if _, err := j.AddAll(bad); !errors.Is(err, anchor.ErrBadInput) {
		t.Fatalf("AddAll(bad) = %v, want ErrBadInput", err)
	}
	more := items(7)[5:]
	ids, err = j.AddAll(more)
	if err != nil || ids[0] != first+5 {
		t.Fatalf("after a refused AddAll: %v, %v; nothing of it should have been recorded", ids, err)
	}
}

// A journal file that is not one, or whose records were altered, is
// refused with a *JournalError, never read as if it were sound.
func TestJournalDamaged(t *testing.T) {
	dir := t.TempDir()
	t.Run("not a journal", func(t *testing.T) {
		path := filepath.Join(dir, "garbage.db")
		if err := os.WriteFile(path, bytes.Repeat([]byte("not bbolt "), 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := anchor.OpenJournal(path, anchor.JournalOptions{}); !errors.Is(err, anchor.ErrJournal) {
			t.Fatalf("OpenJournal(garbage) = %v, want ErrJournal", err)
		}
	})
	t.Run("another schema", func(t *testing.T) {
		path := filepath.Join(dir, "other.db")
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bolt.Tx) error {
			b, _ := tx.CreateBucketIfNotExists([]byte("meta"))
			return b.Put([]byte("schema"), []byte("https://example.com/journal/v9"))
		})
		db.Close()
		if _, err := anchor.OpenJournal(path, anchor.JournalOptions{}); !errors.Is(err, anchor.ErrJournal) {
			t.Fatalf("OpenJournal(other schema) = %v, want ErrJournal", err)
		}
	})
	t.Run("item altered after sealing", func(t *testing.T) {
		path := filepath.Join(dir, "altered.db")
		j, err := anchor.OpenJournal(path, anchor.JournalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		evs := items(4)
		if _, err := j.AddAll(evs); err != nil {
			t.Fatal(err)
		}
		batch, _, err := j.Seal()
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		editItem(t, path, 2, []byte(`"name":"item-1.json"`), []byte(`"name":"forged.json"`))
		j = openJournal(t, path)
		_, err = j.Receipts(batch)
		var je *anchor.JournalError
		if !errors.Is(err, anchor.ErrJournal) || !errors.As(err, &je) {
			t.Fatalf("Receipts(altered item) = %v, want a *JournalError", err)
		}
	})
	t.Run("item record that does not decode", func(t *testing.T) {
		path := filepath.Join(dir, "undecodable.db")
		j, err := anchor.OpenJournal(path, anchor.JournalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := j.AddAll(items(2))
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		editItem(t, path, ids[1], []byte(`"digest":"`), []byte(`"digest":"zz`))
		j = openJournal(t, path)
		if _, err := j.Item(ids[0]); err != nil {
			t.Fatalf("Item(intact item) = %v", err)
		}
		_, err = j.Item(ids[1])
		var je *anchor.JournalError
		if !errors.Is(err, anchor.ErrJournal) || !errors.As(err, &je) || errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("Item(undecodable record) = %v, want a *JournalError, not bad input", err)
		}
	})
}

// editItem replaces old with repl in the record of item id of the closed
// journal at path, as an attacker with the file would; a record without
// old stops the test (the fixture changed).
func editItem(t *testing.T, path string, id anchor.ItemID, old, repl []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("items"))
		k := binary.BigEndian.AppendUint64(nil, uint64(id))
		v := b.Get(k)
		if !bytes.Contains(v, old) {
			return fmt.Errorf("fixture changed: item %d's record has no %s", id, old)
		}
		return b.Put(k, bytes.Replace(v, old, repl, 1))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
}

// Concurrent callers of the state machine anchor each batch once.
func TestJournalConcurrent(t *testing.T) {
	ctx := t.Context()
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	m := fake(t, anchortest.MemoryOptions{FinalDepth: 2})
	evs := items(40)
	done := make(chan error, 4)
	for w := range 4 {
		go func() {
			for i := w; i < len(evs); i += 4 {
				if _, err := j.Add(evs[i]); err != nil {
					done <- err
					return
				}
				if i%5 == 0 {
					if _, _, err := j.Seal(); err != nil {
						done <- err
						return
					}
				}
				if err := j.AnchorPending(ctx, m); err != nil {
					done <- err
					return
				}
				m.Mine()
				if err := j.Upgrade(ctx, m); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	j.Seal()
	for range 3 {
		if err := j.AnchorPending(ctx, m); err != nil {
			t.Fatal(err)
		}
		mine(t, m)
		if err := j.Upgrade(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	bs, _ := j.Batches()
	for _, b := range bs {
		if !b.Final() {
			t.Fatalf("batch %d: %+v", b.ID, b.Anchors)
		}
	}
	if m.Submissions() != len(bs) {
		t.Fatalf("%d anchors for %d batches", m.Submissions(), len(bs))
	}
	var ids []anchor.ItemID
	for _, e := range evs {
		id, _ := j.Add(e)
		ids = append(ids, id)
	}
	verifyAll(t, j, evs, ids, m.Verifier())
}

// A large batch through the journal: one AddAll, one Seal, receipts
// written one by one, each the same as Receipts gives.
func TestJournalLargeBatch(t *testing.T) {
	n := 50_000
	if testing.Short() {
		n = 5_000
	}
	ctx := t.Context()
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	m := fake(t, anchortest.MemoryOptions{FinalDepth: 1})
	evs := items(n)
	start := time.Now()
	if _, err := j.AddAll(evs); err != nil {
		t.Fatal(err)
	}
	added := time.Since(start)
	batch, _, err := j.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AnchorPending(ctx, m); err != nil {
		t.Fatal(err)
	}
	mine(t, m)
	if err := j.Upgrade(ctx, m); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	count, size := 0, 0
	err = j.EachReceipt(batch, func(item anchor.ItemID, data []byte) error {
		if item != anchor.ItemID(uint64(batch)+uint64(count)) {
			t.Fatalf("item %d in place %d", item, count)
		}
		if count%997 == 0 {
			r, err := anchor.ParseReceipt(data)
			if err != nil {
				return err
			}
			if _, err := anchor.VerifyReceipt(r, evs[count], m.Verifier()); err != nil {
				return err
			}
		}
		count++
		size += len(data)
		return nil
	})
	if err != nil || count != n {
		t.Fatalf("EachReceipt: %d receipts, %v", count, err)
	}
	t.Logf("%d items: AddAll %v, receipts written in %v (%d bytes each on average)", n, added, time.Since(start), size/n)
	stop := errors.New("stop")
	if err := j.EachReceipt(batch, func(anchor.ItemID, []byte) error { return stop }); err != stop {
		t.Fatalf("EachReceipt did not return fn's error: %v", err)
	}
	rs, err := j.Receipts(batch)
	if err != nil {
		t.Fatal(err)
	}
	var i int
	j.EachReceipt(batch, func(_ anchor.ItemID, data []byte) error {
		if i%4999 == 0 {
			want, _ := rs[i].Marshal()
			if !bytes.Equal(data, want) {
				t.Fatalf("receipt %d differs from Receipts'", i)
			}
		}
		i++
		return nil
	})
}

func TestJournalAddAllTwiceInOneCall(t *testing.T) {
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	evs := items(3)
	ids, err := j.AddAll([]anchor.Evidence{evs[0], evs[1], evs[0], evs[2]})
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != ids[2] || ids[1] == ids[0] || ids[3] != ids[1]+1 {
		t.Fatalf("ids %v", ids)
	}
	b, ok, err := j.Seal()
	if err != nil || !ok {
		t.Fatal(err)
	}
	if rs, err := j.Receipts(b); err != nil || len(rs) != 3 {
		t.Fatalf("Receipts = %d, %v; want one per distinct item", len(rs), err)
	}
}

// unconfirming reports pending again once told to: a transaction back in
// the mempool after a re-org.
type unconfirming struct {
	*anchortest.Memory
	back bool
}

func (u *unconfirming) Check(ctx context.Context, root anchor.Hash, e anchor.Entry) (anchor.Status, error) {
	if u.back {
		return anchor.Status{State: anchor.StatePending, Entry: e}, nil
	}
	return u.Memory.Check(ctx, root, e)
}

// An anchor that goes back to pending loses its complete entry: receipts
// never carry a proof the target no longer stands by.
func TestJournalConfirmedThenPendingAgain(t *testing.T) {
	ctx := t.Context()
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	m := fake(t, anchortest.MemoryOptions{})
	u := &unconfirming{Memory: m}
	ev := items(1)[0]
	id, _ := j.Add(ev)
	j.Seal()
	j.AnchorPending(ctx, u)
	mine(t, m)
	if err := j.Upgrade(ctx, u); err != nil {
		t.Fatal(err)
	}
	r, _ := j.Receipt(id)
	if _, err := anchor.VerifyReceipt(r, ev, m.Verifier()); err != nil {
		t.Fatalf("confirmed: %v", err)
	}
	u.back = true
	if err := j.Upgrade(ctx, u); err != nil {
		t.Fatal(err)
	}
	r, _ = j.Receipt(id)
	if _, err := anchor.VerifyReceipt(r, ev, m.Verifier()); !errors.Is(err, anchor.ErrPending) {
		t.Fatalf("back to pending, the receipt verifies as %v; want ErrPending", err)
	}
	if st, _ := j.Batches(); st[0].Anchors[0].State != anchor.StatePending {
		t.Fatalf("state %v", st[0].Anchors[0].State)
	}
}

// TestJournalItem: Item gives back each item's evidence as added, sealed
// or not; an id the journal never gave is bad input.
func TestJournalItem(t *testing.T) {
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	evs := items(3)
	ids, err := j.AddAll(evs[:2])
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	id3, err := j.Add(evs[2])
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range append(ids, id3) {
		got, err := j.Item(id)
		if err != nil || got.Name != evs[i].Name || got.MediaType != evs[i].MediaType || got.Algorithm != evs[i].Algorithm || !bytes.Equal(got.Digest, evs[i].Digest) {
			t.Errorf("Item(%d) = %+v, %v; added %+v", id, got, err, evs[i])
		}
	}
	for _, id := range []anchor.ItemID{0, id3 + 1} {
		if _, err := j.Item(id); !errors.Is(err, anchor.ErrBadInput) {
			t.Errorf("Item(%d) = %v, want ErrBadInput", id, err)
		}
	}
}
