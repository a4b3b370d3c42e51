package tlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/anchor"
	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
)

// testRoot returns a root named by s.
func testRoot(s string) anchor.Hash { return anchor.Hash(sha256.Sum256([]byte("test root " + s))) }

// anchorFinal anchors root at a and waits for the complete entry.
func anchorFinal(t *testing.T, a anchor.Anchorer, root anchor.Hash) anchor.Entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := a.Anchor(ctx, root)
	if err != nil {
		t.Fatalf("Anchor: %v", err)
	}
	for {
		st, err := a.Check(ctx, root, e)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		if st.State == anchor.StateFinal {
			return st.Entry
		}
		if st.State != anchor.StatePending {
			t.Fatalf("Check: state %v", st.State)
		}
	}
}

// edit returns e with its decoded form changed by f.
func edit(t *testing.T, e anchor.Entry, f func(x *AnchorEntry)) anchor.Entry {
	t.Helper()
	x, err := ParseEntry(e)
	if err != nil {
		t.Fatalf("ParseEntry(own entry): %v", err)
	}
	x.Proof = append([][]byte(nil), x.Proof...)
	for i := range x.Proof {
		x.Proof[i] = bytes.Clone(x.Proof[i])
	}
	f(x)
	out, err := x.Entry()
	if err != nil {
		t.Fatalf("Entry: %v", err)
	}
	return out
}

func mustParse(t *testing.T, e anchor.Entry) *AnchorEntry {
	t.Helper()
	x, err := ParseEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func newVerifier(t *testing.T, origin string, opts VerifierOptions, keys ...*vtlog.LogKey) *Verifier {
	t.Helper()
	v, err := NewVerifier(origin, keys, opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// testWitness cosigns checkpoints with transparency-dev/formats' own
// cosignature/v1 signer, so that the format is theirs, not ours.
type testWitness struct {
	signer note.Signer
	key    *vtlog.WitnessKey
}

func newTestWitness(t *testing.T, name string) *testWitness {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := vtlog.ParseWitnessKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return &testWitness{signer: s, key: k}
}

// cosign returns the signed note cp with a cosignature line by each of ws
// added after its signatures.
func cosign(t *testing.T, cp string, ws ...*testWitness) string {
	t.Helper()
	text, _, ok := strings.Cut(cp, "\n\n")
	if !ok {
		t.Fatalf("not a signed note: %q", cp)
	}
	out := cp
	for _, w := range ws {
		signed, err := note.Sign(&note.Note{Text: text + "\n"}, w.signer)
		if err != nil {
			t.Fatal(err)
		}
		_, line, _ := strings.Cut(string(signed), "\n\n")
		out += line
	}
	return out
}

// TestTamperLocal: every way an entry of a local log can be false is
// rejected offline with anchor.ErrAnchor, and nothing else.
func TestTamperLocal(t *testing.T) {
	ctx := testCtx(t)
	key := testKey("anchor")
	l := openLog(t, t.TempDir(), key, Options{})
	if _, err := l.AppendBatch(ctx, testEntries("filler", 0, 5)); err != nil {
		t.Fatal(err)
	}
	before, err := l.Await(ctx, 4) // a checkpoint before the anchor: size 5
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewLogAnchorer(l, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	root, root2 := testRoot("one"), testRoot("two")
	good := anchorFinal(t, a, root)
	other := anchorFinal(t, a, root2)
	if _, err := l.AppendBatch(ctx, testEntries("after", 0, 3)); err != nil {
		t.Fatal(err)
	}
	gx := mustParse(t, good)
	if len(gx.Proof) == 0 {
		t.Fatal("the anchor's proof is empty: the tamper cases need a tree of more than one leaf")
	}
	v := newVerifier(t, testOrigin, VerifierOptions{}, l.LogKey())
	if err := v.VerifyOffline(root, good); err != nil {
		t.Fatalf("the good entry does not verify: %v", err)
	}

	// The same root anchored to a log of another origin (same key), and
	// to a log of this origin under another key.
	otherOrigin := "other.selfattest.example"
	lo, err := Open(ctx, t.TempDir(), otherOrigin, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lo.Close(context.Background()) })
	ao, err := NewLogAnchorer(lo, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fromOtherOrigin := mustParse(t, anchorFinal(t, ao, root))
	lk := openLog(t, t.TempDir(), testKey("not the log's key"), Options{})
	ak, err := NewLogAnchorer(lk, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fromOtherKey := mustParse(t, anchorFinal(t, ak, root))

	ox := mustParse(t, other)
	cases := []struct {
		name  string
		root  anchor.Hash
		entry anchor.Entry
	}{
		{"root mismatch", root2, good},
		{"checkpoint from another log (origin)", root, edit(t, good, func(x *AnchorEntry) {
			x.Index, x.Proof, x.Checkpoint = fromOtherOrigin.Index, fromOtherOrigin.Proof, fromOtherOrigin.Checkpoint
		})},
		{"entry of another log (target)", root, edit(t, good, func(x *AnchorEntry) { x.Target = otherOrigin })},
		{"checkpoint signed by another key", root, edit(t, good, func(x *AnchorEntry) {
			x.Index, x.Proof, x.Checkpoint = fromOtherKey.Index, fromOtherKey.Proof, fromOtherKey.Checkpoint
		})},
		{"inclusion proof for another leaf", root, edit(t, good, func(x *AnchorEntry) { x.Proof = ox.Proof })},
		{"index and proof of another leaf", root, edit(t, good, func(x *AnchorEntry) { x.Index, x.Proof = ox.Index, ox.Proof })},
		{"altered proof hash", root, edit(t, good, func(x *AnchorEntry) { x.Proof[0][7] ^= 1 })},
		{"proof hash dropped", root, edit(t, good, func(x *AnchorEntry) { x.Proof = x.Proof[1:] })},
		{"proof hash added", root, edit(t, good, func(x *AnchorEntry) { x.Proof = append(x.Proof, x.Proof[0]) })},
		{"index + 1", root, edit(t, good, func(x *AnchorEntry) { x.Index++ })},
		{"index - 1", root, edit(t, good, func(x *AnchorEntry) { x.Index-- })},
		{"index beyond the tree", root, edit(t, good, func(x *AnchorEntry) { x.Index = 1 << 40 })},
		{"size altered in the checkpoint", root, edit(t, good, func(x *AnchorEntry) {
			lines := strings.SplitN(x.Checkpoint, "\n", 3)
			lines[1] += "0"
			x.Checkpoint = strings.Join(lines, "\n")
		})},
		{"a signed checkpoint of a tree without the leaf", root, edit(t, good, func(x *AnchorEntry) { x.Checkpoint = string(before.Note) })},
		{"root hash altered in the checkpoint", root, edit(t, good, func(x *AnchorEntry) {
			lines := strings.SplitN(x.Checkpoint, "\n", 4)
			first := "A" // another first character, whatever the hash's was
			if lines[2][0] == 'A' {
				first = "B"
			}
			lines[2] = first + lines[2][1:]
			x.Checkpoint = strings.Join(lines, "\n")
		})},
		{"checkpoint signature altered", root, edit(t, good, func(x *AnchorEntry) {
			// One bit of the signature itself (past the 4-byte key hash),
			// re-encoded: flipping a base64 character could make one that
			// does not decode, a malformed note rather than a forgery.
			sp := strings.LastIndex(x.Checkpoint, " ") + 1
			sig, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(x.Checkpoint[sp:], "\n"))
			if err != nil || len(sig) < 10 {
				t.Fatalf("not a signature line: %q", x.Checkpoint[sp:])
			}
			sig[9] ^= 1
			x.Checkpoint = x.Checkpoint[:sp] + base64.StdEncoding.EncodeToString(sig) + "\n"
		})},
		{"checkpoint without its signature", root, edit(t, good, func(x *AnchorEntry) {
			text, _, _ := strings.Cut(x.Checkpoint, "\n\n")
			x.Checkpoint = text + "\n"
		})},
		{"a signed entry's members on a statement", root, edit(t, good, func(x *AnchorEntry) {
			pub, sig, err := signRoot(testKey("archivist"), root)
			if err != nil {
				t.Fatal(err)
			}
			x.PublicKey, x.Signature = pub, sig
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := v.VerifyOffline(c.root, c.entry)
			if !errors.Is(err, anchor.ErrAnchor) {
				t.Fatalf("VerifyOffline = %v, want ErrAnchor", err)
			}
			for _, s := range []error{anchor.ErrCouldNotCheck, anchor.ErrPending, anchor.ErrBadInput} {
				if errors.Is(err, s) {
					t.Errorf("the rejection also wraps %v: %v", s, err)
				}
			}
			if _, err := a.Check(ctx, c.root, c.entry); !errors.Is(err, anchor.ErrAnchor) {
				t.Errorf("Check = %v, want ErrAnchor", err)
			}
		})
	}
	t.Run("the typed causes are kept", func(t *testing.T) {
		var se *vtlog.SignatureError
		if err := v.VerifyOffline(root, cases[3].entry); !errors.As(err, &se) {
			t.Errorf("another key: %v, want a *vtlog.SignatureError", err)
		}
		var ie *vtlog.InclusionError
		if err := v.VerifyOffline(root, cases[6].entry); !errors.As(err, &ie) {
			t.Errorf("altered proof hash: %v, want a *vtlog.InclusionError", err)
		}
	})
	t.Run("a verifier of another origin", func(t *testing.T) {
		vo := newVerifier(t, otherOrigin, VerifierOptions{}, lo.LogKey())
		if err := vo.VerifyOffline(root, good); !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("VerifyOffline = %v, want ErrAnchor", err)
		}
	})
	t.Run("a verifier that requires the archivist's signature", func(t *testing.T) {
		vs := newVerifier(t, testOrigin, VerifierOptions{Signers: []ed25519.PublicKey{testKey("archivist").Public().(ed25519.PublicKey)}}, l.LogKey())
		if err := vs.VerifyOffline(root, good); !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("VerifyOffline(statement) = %v, want ErrAnchor", err)
		}
	})
	t.Run("pending", func(t *testing.T) {
		p := edit(t, good, func(x *AnchorEntry) { *x = *x.pending() })
		if err := v.VerifyOffline(root, p); !errors.Is(err, anchor.ErrPending) {
			t.Errorf("VerifyOffline(pending) = %v, want ErrPending", err)
		}
		if err := v.VerifyOffline(root, edit(t, p, func(x *AnchorEntry) { x.Target = otherOrigin })); !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("VerifyOffline(pending of another log) = %v, want ErrAnchor", err)
		}
		if _, err := a.Check(ctx, root2, p); !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("Check(pending entry of root, root2) = %v, want ErrAnchor", err)
		}
		if _, err := a.Check(ctx, root, edit(t, p, func(x *AnchorEntry) { x.Index = 1 << 40 })); !errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("Check(pending entry beyond the log) = %v, want ErrAnchor", err)
		}
	})
}

// TestWitnessPolicy: with a witness policy of k of n, a checkpoint
// cosigned by fewer than k of the n is rejected, by k it verifies.
func TestWitnessPolicy(t *testing.T) {
	l, a := testAnchorer(t, t.TempDir())
	root := testRoot("witnessed")
	good := anchorFinal(t, a, root)
	w1, w2, w3, stranger := newTestWitness(t, "w1.example"), newTestWitness(t, "w2.example"), newTestWitness(t, "w3.example"), newTestWitness(t, "w4.example")
	policy := &vtlog.WitnessPolicy{Keys: []*vtlog.WitnessKey{w1.key, w2.key, w3.key}, Threshold: 2}
	v := newVerifier(t, testOrigin, VerifierOptions{Witnesses: policy}, l.LogKey())
	with := func(ws ...*testWitness) anchor.Entry {
		return edit(t, good, func(x *AnchorEntry) { x.Checkpoint = cosign(t, x.Checkpoint, ws...) })
	}
	for _, c := range []struct {
		name  string
		entry anchor.Entry
		ok    bool
	}{
		{"no cosignature", good, false},
		{"one of two", with(w1), false},
		{"one witness twice", with(w1, w1), false},
		{"one known and a stranger", with(w1, stranger), false},
		{"two of three", with(w1, w3), true},
		{"three of three", with(w3, w2, w1), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := v.VerifyOffline(root, c.entry)
			if c.ok {
				if err != nil {
					t.Fatalf("VerifyOffline = %v, want nil", err)
				}
				return
			}
			var we *vtlog.WitnessError
			if !errors.Is(err, anchor.ErrAnchor) || !errors.As(err, &we) {
				t.Fatalf("VerifyOffline = %v, want ErrAnchor with a *vtlog.WitnessError", err)
			}
		})
	}
	t.Run("a cosigned checkpoint still needs the log's signature", func(t *testing.T) {
		e := edit(t, with(w1, w2), func(x *AnchorEntry) {
			text, sigs, _ := strings.Cut(x.Checkpoint, "\n\n")
			first, rest, _ := strings.Cut(sigs, "\n")
			_ = first // the log's own line
			x.Checkpoint = text + "\n\n" + rest
		})
		if err := v.VerifyOffline(root, e); !errors.Is(err, anchor.ErrAnchor) {
			t.Fatalf("VerifyOffline = %v, want ErrAnchor", err)
		}
	})
	t.Run("a policy that cannot be met is refused", func(t *testing.T) {
		_, err := NewVerifier(testOrigin, []*vtlog.LogKey{l.LogKey()}, VerifierOptions{Witnesses: &vtlog.WitnessPolicy{Keys: []*vtlog.WitnessKey{w1.key, w1.key}, Threshold: 2}})
		if !errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("NewVerifier = %v, want ErrBadInput", err)
		}
	})
}

// TestForkAfterAnchoring: a log that forks after the anchor (its latest
// checkpoint is not consistent with the entry's) is rejected online,
// both by the OnlineVerifier and by the anchorer's Check, and through
// anchor.VerifyReceiptOnline; the log it was anchored to verifies.
func TestForkAfterAnchoring(t *testing.T) {
	ctx := testCtx(t)
	key := testKey("anchor")
	dirA, dirB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")

	la, err := Open(ctx, dirA, testOrigin, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := la.AppendBatch(ctx, testEntries("shared", 0, 3)); err != nil {
		t.Fatal(err)
	}
	if err := la.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// B starts as a copy of A: the same log until here.
	if err := os.CopyFS(dirB, os.DirFS(dirA)); err != nil {
		t.Fatal(err)
	}

	items := []anchor.Evidence{anchor.NewEvidence("a.txt", "text/plain", []byte("a")), anchor.NewEvidence("b.txt", "text/plain", []byte("b"))}
	batch, err := anchor.NewBatch(items)
	if err != nil {
		t.Fatal(err)
	}
	root := batch.Root()
	la = openLog(t, dirA, key, Options{})
	a, err := NewLogAnchorer(la, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entry := anchorFinal(t, a, root)
	if _, err := la.AppendBatch(ctx, testEntries("a-after", 0, 4)); err != nil {
		t.Fatal(err)
	}
	if _, err := la.Await(ctx, 7); err != nil {
		t.Fatal(err)
	}
	receipt, err := batch.Receipt(0, entry)
	if err != nil {
		t.Fatal(err)
	}

	// C is a stale copy of A from before the anchor: it proves nothing
	// either way.
	dirC := filepath.Join(t.TempDir(), "c")
	if err := os.CopyFS(dirC, os.DirFS(dirB)); err != nil {
		t.Fatal(err)
	}
	rc, err := os.OpenRoot(dirC)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	fc := logfetch.NewDirFetcher(rc)
	onC, err := NewOnlineVerifier(v0(t, la), fc.Checkpoint, fc.Tile, OnlineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := onC.VerifyOnline(ctx, root, entry); !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("VerifyOnline(a stale copy of the log) = %v, want ErrCouldNotCheck only", err)
	}

	// B goes on without the anchor: a fork of A under the same key.
	lb := openLog(t, dirB, key, Options{})
	if _, err := lb.AppendBatch(ctx, testEntries("b-after", 0, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := lb.Await(ctx, 7); err != nil {
		t.Fatal(err)
	}
	ab, err := NewLogAnchorer(lb, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}

	v := newVerifier(t, testOrigin, VerifierOptions{}, la.LogKey())
	onA, onB := a.OnlineVerifier(), ab.OnlineVerifier()

	if st, err := onA.VerifyOnline(ctx, root, entry); err != nil || st.State != anchor.StateFinal || st.Depth != 8-mustParse(t, entry).Index {
		t.Fatalf("VerifyOnline(the log anchored to) = %+v, %v; want final at depth %d", st, err, 8-mustParse(t, entry).Index)
	}
	if res, err := anchor.VerifyReceiptOnline(ctx, receipt, items[0], onA); err != nil || res.Anchors[0].Checked != "online" {
		t.Fatalf("VerifyReceiptOnline(the log anchored to) = %+v, %v", res, err)
	}
	if err := v.VerifyOffline(root, entry); err != nil {
		t.Fatalf("offline, the entry verifies whatever the log did since: %v", err)
	}

	var split *vtlog.InconsistencyError
	if _, err := onB.VerifyOnline(ctx, root, entry); !errors.Is(err, anchor.ErrAnchor) || !errors.As(err, &split) {
		t.Errorf("VerifyOnline(forked log) = %v, want ErrAnchor with a *vtlog.InconsistencyError", err)
	}
	if _, err := ab.Check(ctx, root, entry); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("Check(forked log) = %v, want ErrAnchor", err)
	}
	if _, err := anchor.VerifyReceiptOnline(ctx, receipt, items[0], onB); !errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("VerifyReceiptOnline(forked log) = %v, want ErrAnchor", err)
	}
	if _, err := anchor.VerifyReceipt(receipt, items[0], v); err != nil {
		t.Errorf("VerifyReceipt offline = %v, want nil", err)
	}
}

func v0(t *testing.T, l *Log) *Verifier {
	return newVerifier(t, l.Origin(), VerifierOptions{}, l.LogKey())
}

// TestLocalLogDown: a log that cannot be read is could-not-check, never a
// rejection and never a pass.
func TestLocalLogDown(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	l, a := testAnchorer(t, dir)
	root := testRoot("down")
	entry := anchorFinal(t, a, root)
	pending := edit(t, entry, func(x *AnchorEntry) { *x = *x.pending() })

	// A folder that is gone.
	gone := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenRoot(gone)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	f := logfetch.NewDirFetcher(r)
	ov, err := NewOnlineVerifier(a.v, f.Checkpoint, f.Tile, OnlineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ov.VerifyOnline(ctx, root, entry); !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("VerifyOnline(no log) = %v, want ErrCouldNotCheck only", err)
	}

	// The log closed under the anchorer.
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]anchor.Entry{"complete": entry, "pending": pending} {
		if _, err := a.Check(ctx, root, e); !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
			t.Errorf("Check(%s, closed log) = %v, want ErrCouldNotCheck only", name, err)
		}
	}
	if _, err := a.Anchor(ctx, testRoot("after close")); !errors.Is(err, anchor.ErrCouldNotCheck) {
		t.Errorf("Anchor(closed log) = %v, want ErrCouldNotCheck", err)
	}
	if _, err := a.OnlineVerifier().VerifyOnline(ctx, root, entry); !errors.Is(err, anchor.ErrCouldNotCheck) || errors.Is(err, anchor.ErrAnchor) {
		t.Errorf("VerifyOnline(closed log) = %v, want ErrCouldNotCheck only", err)
	}
}

// TestAnchorAcrossProcesses: a new anchorer of a reopened log finds the
// root a previous one anchored, and returns that anchor.
func TestAnchorAcrossProcesses(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	key := testKey("anchor")
	l, err := Open(ctx, dir, testOrigin, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewLogAnchorer(l, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AppendBatch(ctx, testEntries("before", 0, 300)); err != nil {
		t.Fatal(err)
	}
	root := testRoot("across")
	first, err := a.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	l2 := openLog(t, dir, key, Options{})
	a2, err := NewLogAnchorer(l2, AnchorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := a2.Anchor(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Equal(first) {
		t.Fatalf("a second anchorer anchored again:\n%s\n%s", first.JSON(), again.JSON())
	}
	if x := mustParse(t, again); x.Index != 300 {
		t.Fatalf("index %d, want 300", x.Index)
	}
}
