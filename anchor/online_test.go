package anchor_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// Online verification adds the target's word: depth, and the rejection of
// an anchor the target dropped after the receipt was written.
func TestVerifyReceiptOnline(t *testing.T) {
	r, ev, m := validReceipt(t) // confirmed, three blocks deep (final)
	res, err := anchor.VerifyReceiptOnline(t.Context(), r, ev, m.OnlineVerifier())
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Anchors[0]; a.Checked != "online" || a.State != "final" || a.Depth != 3 {
		t.Fatalf("anchor %+v; want online, final at depth 3", a)
	}
	// An offline-only verifier: checked offline, and said so.
	res, err = anchor.VerifyReceiptOnline(t.Context(), r, ev, m.Verifier())
	if err != nil || res.Anchors[0].Checked != "offline" {
		t.Fatalf("offline verifier: %+v, %v", res, err)
	}

	t.Run("target down", func(t *testing.T) {
		m.SetUnavailable(true)
		defer m.SetUnavailable(false)
		_, err := anchor.VerifyReceiptOnline(t.Context(), r, ev, m.OnlineVerifier())
		wantOnly(t, err, anchor.ErrCouldNotCheck)
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := anchor.VerifyReceiptOnline(ctx, r, ev, m.OnlineVerifier())
		wantOnly(t, err, anchor.ErrCouldNotCheck)
	})
	t.Run("tampered entry is rejected before the target is asked", func(t *testing.T) {
		r2 := *r
		r2.Anchors = []anchor.Entry{anchortest.Tamper(t, r.Anchors[0])["sig"]}
		m.SetUnavailable(true)
		defer m.SetUnavailable(false)
		_, err := anchor.VerifyReceiptOnline(t.Context(), &r2, ev, m.OnlineVerifier())
		wantOnly(t, err, anchor.ErrAnchor)
	})
	t.Run("re-orged out after the receipt was written", func(t *testing.T) {
		b := mustBatch(t, items(3))
		m2 := fake(t, anchortest.MemoryOptions{Name: "m2"})
		outs, _ := anchor.Run(t.Context(), b.Root(), m2)
		mine(t, m2)
		rr, _ := b.Receipt(1, outs[0].Entry)
		rr, _, err := anchor.UpgradeReceipt(t.Context(), rr, b.Item(1), m2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := anchor.VerifyReceiptOnline(t.Context(), rr, b.Item(1), m2.OnlineVerifier()); err != nil {
			t.Fatalf("before the re-org: %v", err)
		}
		if err := m2.Reorg(1); err != nil {
			t.Fatal(err)
		}
		if _, err := anchor.VerifyReceipt(rr, b.Item(1), m2.Verifier()); err != nil {
			t.Fatalf("offline, the signature still holds: %v", err)
		}
		_, err = anchor.VerifyReceiptOnline(t.Context(), rr, b.Item(1), m2.OnlineVerifier())
		wantOnly(t, err, anchor.ErrAnchor)
		var ee *anchor.EntriesError
		if !errors.As(err, &ee) || ee.Entries[0].Target != "m2" {
			t.Fatalf("error %v carries no entry", err)
		}
	})
	t.Run("nil context", func(t *testing.T) {
		//lint:ignore SA1012 the nil context is the point
		_, err := anchor.VerifyReceiptOnline(nil, r, ev, m.OnlineVerifier()) //nolint:staticcheck
		wantOnly(t, err, anchor.ErrBadInput)
	})
}
