package tlog_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ats-run/selfattest/verify/tlog"
)

func TestScanEntries(t *testing.T) {
	ctx := context.Background()
	l := newEd25519Log(t, "scan.test")
	l.grow(1000)
	cp := l.checkpoint(t, 1000)
	m := newMemTiles(1000, 1000)
	for _, r := range [][2]uint64{{0, 1000}, {100, 900}, {255, 257}, {999, 1000}, {5, 5}} {
		var got []string
		err := tlog.ScanEntries(ctx, cp, r[0], r[1], m.tile, m.bundle, func(i uint64, e []byte) error {
			if want := entry(int(i)); !bytes.Equal(e, want) {
				t.Fatalf("entry %d is %q, want %q", i, e, want)
			}
			got = append(got, string(e))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if uint64(len(got)) != r[1]-r[0] {
			t.Fatalf("%v: %d entries visited", r, len(got))
		}
	}
	var pe *tlog.PolicyError
	if err := tlog.ScanEntries(ctx, cp, 0, 1001, m.tile, m.bundle, func(uint64, []byte) error { return nil }); !errors.As(err, &pe) {
		t.Fatalf("range beyond the tree: %v", err)
	}
	// A swapped pair of entries: each is in the log, not at its index.
	b := m.files[tlog.EntryBundlePath(1, 0)]
	es, err := tlog.ParseEntryBundle(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	es[3], es[4] = es[4], es[3]
	m.files[tlog.EntryBundlePath(1, 0)] = bundleOf(es...)
	visited := 0
	var ie *tlog.InclusionError
	err = tlog.ScanEntries(ctx, cp, 0, 1000, m.tile, m.bundle, func(uint64, []byte) error { visited++; return nil })
	if !errors.As(err, &ie) || ie.Index != 256+3 {
		t.Fatalf("swapped entries: %v", err)
	}
	if visited != 256 {
		t.Fatalf("%d entries visited before the bad bundle, want 256", visited)
	}
}
