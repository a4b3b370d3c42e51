package anchortest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
)

// An Advancer is a target that tests can move forward: a simulated chain
// mines a block, a log integrates its pending entries. [Run] calls Advance
// between checks when the target has it; a target without it must make
// progress on its own.
type Advancer interface {
	Advance(ctx context.Context) error
}

// A Dropper is a target whose tests can drop the anchors that are not
// final yet: a chain re-orged past them, a log that lost its pending
// entries. [Run] then checks that a dropped anchor is reported failed and
// that anchoring the root again makes a new anchor.
type Dropper interface {
	DropRecent(ctx context.Context) error
}

// A VerifierProvider is a target that hands out the offline verifier of
// its entries. [Run] then also checks the entries offline.
type VerifierProvider interface {
	Verifier() anchor.AnchorVerifier
}

// Timeout bounds how long [Run] waits for an anchor to be confirmed.
const Timeout = 60 * time.Second

// Run holds a to the contract of [anchor.Anchorer] (and of
// [anchor.Preparer] when a is one), in subtests. Every
// implementation's tests call it, against the real service on loopback or
// its simulator. If a is an [Advancer], Run calls Advance to make progress;
// if a is a [VerifierProvider], Run also checks entries offline.
func Run(t *testing.T, a anchor.Anchorer) {
	t.Helper()
	if a.Name() == "" {
		t.Fatal("Name() is empty")
	}
	t.Run("AnchorThenConfirmed", func(t *testing.T) {
		root := randomRoot(t)
		e := mustAnchor(t, a, root)
		st := waitConfirmed(t, a, root, e)
		if st.Depth == 0 {
			t.Errorf("state %v at depth 0", st.State)
		}
		if st.Entry.Target != a.Name() || st.Entry.IsZero() {
			t.Errorf("complete entry %s is not of target %q", st.Entry.JSON(), a.Name())
		}
		if v, ok := a.(VerifierProvider); ok {
			if err := v.Verifier().VerifyOffline(root, st.Entry); err != nil {
				t.Errorf("complete entry does not verify offline: %v", err)
			}
			if err := v.Verifier().VerifyOffline(randomRoot(t), st.Entry); !errors.Is(err, anchor.ErrAnchor) {
				t.Errorf("complete entry verified offline for another root: %v, want ErrAnchor", err)
			}
		}
		// Checking the complete entry again gives the same answer.
		st2, err := a.Check(context.Background(), root, st.Entry)
		if err != nil || (st2.State != anchor.StateConfirmed && st2.State != anchor.StateFinal) {
			t.Errorf("Check(complete entry) = %v, %v; want confirmed or final", st2.State, err)
		}
	})
	t.Run("ReachesFinal", func(t *testing.T) {
		root := randomRoot(t)
		e := mustAnchor(t, a, root)
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		for {
			st, err := a.Check(ctx, root, e)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if st.State == anchor.StateFinal {
				return
			}
			if st.State == anchor.StateFailed {
				t.Fatal("anchor failed on its own")
			}
			advance(t, ctx, a)
		}
	})
	t.Run("AnchorTwiceIsOneAnchor", func(t *testing.T) {
		root := randomRoot(t)
		e1 := mustAnchor(t, a, root)
		e2 := mustAnchor(t, a, root)
		if !e1.Equal(e2) {
			t.Errorf("a second Anchor of a live root gave another entry:\n%s\n%s", e1.JSON(), e2.JSON())
		}
	})
	t.Run("PendingIsNotConfirmed", func(t *testing.T) {
		root := randomRoot(t)
		e := mustAnchor(t, a, root)
		st, err := a.Check(context.Background(), root, e)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		switch st.State {
		case anchor.StatePending:
			if st.Depth != 0 {
				t.Errorf("pending at depth %d", st.Depth)
			}
			if v, ok := a.(VerifierProvider); ok {
				if err := v.Verifier().VerifyOffline(root, st.Entry); err == nil || !errors.Is(err, anchor.ErrPending) {
					t.Errorf("a pending entry verified offline as %v, want ErrPending", err)
				}
			}
		case anchor.StateConfirmed, anchor.StateFinal:
			if st.Depth == 0 {
				t.Errorf("%v at depth 0", st.State)
			}
			if v, ok := a.(VerifierProvider); ok {
				if err := v.Verifier().VerifyOffline(root, st.Entry); err != nil {
					t.Errorf("reported %v, but its entry does not verify offline (%v): a pending anchor reported as confirmed", st.State, err)
				}
			}
		default:
			t.Errorf("state %v right after Anchor", st.State)
		}
	})
	t.Run("OtherRootRejected", func(t *testing.T) {
		root := randomRoot(t)
		e := mustAnchor(t, a, root)
		st := waitConfirmed(t, a, root, e)
		for name, entry := range map[string]anchor.Entry{"pending": e, "complete": st.Entry} {
			if _, err := a.Check(context.Background(), randomRoot(t), entry); !errors.Is(err, anchor.ErrAnchor) {
				t.Errorf("Check(%s entry, another root) = %v, want ErrAnchor", name, err)
			}
		}
	})
	t.Run("TamperedEntryRejected", func(t *testing.T) {
		root := randomRoot(t)
		e := mustAnchor(t, a, root)
		st := waitConfirmed(t, a, root, e)
		tampered := Tamper(t, st.Entry)
		if len(tampered) == 0 {
			t.Fatal("the entry has no member to tamper with")
		}
		for member, te := range tampered {
			_, err := a.Check(context.Background(), root, te)
			if !errors.Is(err, anchor.ErrAnchor) {
				t.Errorf("Check(entry with %q altered) = %v, want ErrAnchor", member, err)
			}
			if v, ok := a.(VerifierProvider); ok {
				if err := v.Verifier().VerifyOffline(root, te); !errors.Is(err, anchor.ErrAnchor) {
					t.Errorf("VerifyOffline(entry with %q altered) = %v, want ErrAnchor", member, err)
				}
			}
		}
	})
	t.Run("DroppedIsFailedThenAnchoredAgain", func(t *testing.T) {
		d, ok := a.(Dropper)
		if !ok {
			t.Skip("the target does not implement anchortest.Dropper")
		}
		root := randomRoot(t)
		e := mustAnchor(t, a, root)
		if err := d.DropRecent(context.Background()); err != nil {
			t.Fatalf("DropRecent: %v", err)
		}
		st, err := a.Check(context.Background(), root, e)
		if err != nil || st.State != anchor.StateFailed {
			t.Fatalf("Check(dropped) = %v, %v; want failed, no error", st.State, err)
		}
		e2 := mustAnchor(t, a, root)
		if e2.Equal(e) {
			t.Fatal("Anchor of a root whose anchor was dropped returned the dropped entry")
		}
		st = waitConfirmed(t, a, root, e2)
		if v, ok := a.(VerifierProvider); ok {
			if err := v.Verifier().VerifyOffline(root, st.Entry); err != nil {
				t.Errorf("the new anchor does not verify offline: %v", err)
			}
		}
		// The dropped anchor does not come back. A target that knows an
		// anchor by what it anchors (a chain: the sender's nonce, which the
		// new anchor reuses) may answer for the old entry with the new
		// anchor's complete entry; never with the old one's.
		if old, err := a.Check(context.Background(), root, e); err != nil || (old.State != anchor.StateFailed && !old.Entry.Equal(st.Entry)) {
			t.Errorf("the dropped anchor came back: %v, %v, entry %s", old.State, err, old.Entry.JSON())
		}
	})
	if p, ok := a.(anchor.Preparer); ok {
		t.Run("PrepareThenSubmitTwice", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), Timeout)
			defer cancel()
			root := randomRoot(t)
			e, err := p.Prepare(ctx, root)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if e.IsZero() || e.Target != a.Name() {
				t.Fatalf("Prepare returned entry %s, not one of target %q", e.JSON(), a.Name())
			}
			if err := p.Submit(ctx, randomRoot(t), e); !errors.Is(err, anchor.ErrAnchor) {
				t.Errorf("Submit of the entry for another root = %v, want ErrAnchor", err)
			}
			if err := p.Submit(ctx, root, e); err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if err := p.Submit(ctx, root, e); err != nil {
				t.Errorf("a second Submit of the same entry = %v, want nil (it is one anchor)", err)
			}
			st := waitConfirmed(t, a, root, e)
			if v, ok := a.(VerifierProvider); ok {
				if err := v.Verifier().VerifyOffline(root, st.Entry); err != nil {
					t.Errorf("complete entry does not verify offline: %v", err)
				}
			}
			if err := p.Submit(ctx, root, e); err != nil {
				t.Errorf("Submit of an entry already included = %v, want nil", err)
			}
		})
	}
	t.Run("CancelledContext", func(t *testing.T) {
		root := randomRoot(t)
		e := mustAnchor(t, a, root)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		if _, err := a.Anchor(ctx, randomRoot(t)); !errors.Is(err, anchor.ErrCouldNotCheck) {
			t.Errorf("Anchor(cancelled) = %v, want ErrCouldNotCheck", err)
		}
		if _, err := a.Check(ctx, root, e); !errors.Is(err, anchor.ErrCouldNotCheck) {
			t.Errorf("Check(cancelled) = %v, want ErrCouldNotCheck", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("cancelled calls took %v", d)
		}
	})
}

// Tamper returns, for each member of e other than "kind", a copy of e with
// that member's value altered while staying of the same type and
// alphabet: a string's last character moved to another of its class
// (hex, base64, letters), a number incremented, true/false flipped. Tests
// of verifiers use it for their tamper cases.
func Tamper(t *testing.T, e anchor.Entry) map[string]anchor.Entry {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.JSON(), &m); err != nil {
		t.Fatalf("entry is not an object: %v", err)
	}
	out := map[string]anchor.Entry{}
	for k, v := range m {
		if k == "kind" {
			continue
		}
		nv, ok := alter(v)
		if !ok {
			continue
		}
		c := make(map[string]json.RawMessage, len(m))
		for k2, v2 := range m {
			c[k2] = v2
		}
		c[k] = nv
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		te, err := anchor.ParseEntry(data)
		if err != nil {
			t.Fatalf("tampered entry refused by ParseEntry: %v", err)
		}
		out[k] = te
	}
	return out
}

func alter(v json.RawMessage) (json.RawMessage, bool) {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return nil, false
	}
	switch x := x.(type) {
	case string:
		if x == "" {
			return nil, false
		}
		b := []byte(x)
		i := len(b) - 1
		if len(b) > 2 && b[i] == '=' {
			i = len(b) / 2 // base64 padding: alter a middle character
		}
		switch c := b[i]; {
		case c == '0':
			b[i] = '1'
		case c >= '1' && c <= '9', c >= 'b' && c <= 'z', c >= 'B' && c <= 'Z':
			b[i] = c - 1
		case c == 'a', c == 'A':
			b[i] = c + 1
		default:
			b[i] = 'a'
		}
		out, _ := json.Marshal(string(b))
		return out, true
	case float64:
		out, _ := json.Marshal(x + 1)
		return out, true
	case bool:
		out, _ := json.Marshal(!x)
		return out, true
	}
	return nil, false
}

func randomRoot(t *testing.T) anchor.Hash {
	t.Helper()
	var h anchor.Hash
	if _, err := rand.Read(h[:]); err != nil {
		t.Fatal(err)
	}
	return h
}

func mustAnchor(t *testing.T, a anchor.Anchorer, root anchor.Hash) anchor.Entry {
	t.Helper()
	e, err := a.Anchor(context.Background(), root)
	if err != nil {
		t.Fatalf("Anchor: %v", err)
	}
	if e.IsZero() || e.Target != a.Name() {
		t.Fatalf("Anchor returned entry %s, not one of target %q", e.JSON(), a.Name())
	}
	return e
}

func advance(t *testing.T, ctx context.Context, a anchor.Anchorer) {
	t.Helper()
	if adv, ok := a.(Advancer); ok {
		if err := adv.Advance(ctx); err != nil {
			t.Fatalf("Advance: %v", err)
		}
		return
	}
	select {
	case <-ctx.Done():
		t.Fatalf("not confirmed within %v", Timeout)
	case <-time.After(200 * time.Millisecond):
	}
}

func waitConfirmed(t *testing.T, a anchor.Anchorer, root anchor.Hash, e anchor.Entry) anchor.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	for {
		st, err := a.Check(ctx, root, e)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		switch st.State {
		case anchor.StateConfirmed, anchor.StateFinal:
			return st
		case anchor.StateFailed:
			t.Fatal("anchor failed on its own")
		}
		advance(t, ctx, a)
	}
}
