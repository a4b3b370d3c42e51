package evidence

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// downTarget is a target that cannot be reached.
type downTarget struct{}

func (downTarget) Name() string { return "down" }
func (downTarget) Anchor(context.Context, anchor.Hash) (anchor.Entry, error) {
	return anchor.Entry{}, fmt.Errorf("%w: connection refused", anchor.ErrCouldNotCheck)
}
func (downTarget) Check(context.Context, anchor.Hash, anchor.Entry) (anchor.Status, error) {
	return anchor.Status{}, fmt.Errorf("%w: connection refused", anchor.ErrCouldNotCheck)
}

func newKeepJournal(t *testing.T) (*anchor.Journal, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "archivist.journal")
	j, err := OpenJournal(p, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, p
}

func newMemoryTarget(t *testing.T) *anchortest.Memory {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := anchortest.NewMemory(key, anchortest.MemoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func writeFiles(t *testing.T, names ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte("the content of "+n+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// Keep records, seals, anchors, upgrades and writes a receipt per item,
// under the names given; an anchor not confirmed yet is pending, no
// error.
func TestKeep(t *testing.T) {
	j, journal := newKeepJournal(t)
	files := writeFiles(t, "report.json", "summary.md")
	m := newMemoryTarget(t)
	kept, err := Keep(context.Background(), j, journal, files, []anchor.Anchorer{m}, KeepOptions{Names: []string{"a/report.json", "summary.md"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept.Receipts) != 2 || kept.Receipts[0].Name != "a/report.json" || kept.Receipts[1].Name != "summary.md" {
		t.Fatalf("receipts: %+v", kept.Receipts)
	}
	if kept.ReceiptsDir != filepath.Join(filepath.Dir(journal), "receipts") {
		t.Errorf("receipts in %s", kept.ReceiptsDir)
	}
	if len(kept.Pending) != 1 || kept.Pending[0] != "memory" {
		t.Errorf("pending: %v, want [memory] (no block made)", kept.Pending)
	}
	// With a block made before the upgrade, the anchor is confirmed: its
	// receipts hold its complete entry.
	j2, journal2 := newKeepJournal(t)
	kept, err = Keep(context.Background(), j2, journal2, files, []anchor.Anchorer{m}, KeepOptions{BeforeUpgrade: m.Mine})
	if err != nil {
		t.Fatal(err)
	}
	if st := kept.Batches[0].Anchors[0].State; len(kept.Pending) != 0 || st != anchor.StateConfirmed && st != anchor.StateFinal {
		t.Errorf("after a block: pending %v, batches %+v", kept.Pending, kept.Batches)
	}
}

// A target that cannot be reached: the other's anchor and every receipt
// are kept, and the error says could not check, with the target's error.
func TestKeepTargetDown(t *testing.T) {
	j, journal := newKeepJournal(t)
	files := writeFiles(t, "report.json")
	kept, err := Keep(context.Background(), j, journal, files, []anchor.Anchorer{newMemoryTarget(t), downTarget{}}, KeepOptions{})
	if !errors.Is(err, selfattest.ErrCouldNotCheck) || errors.Is(err, selfattest.ErrRejected) {
		t.Fatalf("err = %v, want could not check", err)
	}
	var te *anchor.TargetError
	if !errors.As(err, &te) || te.Target != "down" {
		t.Errorf("err = %v, want the down target's *anchor.TargetError", err)
	}
	if kept == nil || len(kept.Receipts) != 1 {
		t.Fatalf("kept %+v: the receipt must be written all the same", kept)
	}
}

// What Keep refuses records nothing: a file it cannot use, names that do
// not match the files.
func TestKeepRefuses(t *testing.T) {
	files := writeFiles(t, "report.json")
	for name, tc := range map[string]struct {
		paths []string
		names []string
	}{
		"a missing file":         {append(files, filepath.Join(t.TempDir(), "missing")), nil},
		"a folder":               {append(files, t.TempDir()), nil},
		"fewer names than files": {files, []string{}},
		"more names than files":  {files, []string{"a", "b"}},
	} {
		t.Run(name, func(t *testing.T) {
			j, journal := newKeepJournal(t)
			kept, err := Keep(context.Background(), j, journal, tc.paths, []anchor.Anchorer{newMemoryTarget(t)}, KeepOptions{Names: tc.names})
			if !errors.Is(err, selfattest.ErrBadInput) || kept != nil {
				t.Fatalf("Keep = %+v, %v; want nothing and bad input", kept, err)
			}
			if bs, err := j.Batches(); err != nil || len(bs) != 0 {
				t.Errorf("batches %v, %v: something was recorded", bs, err)
			}
			// No batch is not enough: an item recorded and left unsealed
			// would be sealed by the next anchor.
			if ev, err := j.Item(1); !errors.Is(err, anchor.ErrBadInput) {
				t.Errorf("item 1 = %+v, %v: an item was recorded", ev, err)
			}
		})
	}
}
