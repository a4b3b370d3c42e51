package anchor_test

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

var sentinels = []error{anchor.ErrAnchor, anchor.ErrCouldNotCheck, anchor.ErrPending, anchor.ErrBadInput}

// wantOnly fails unless err wraps want and none of the other sentinels.
func wantOnly(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want one wrapping %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("error %v wraps %v as well as %v", err, s, want)
		}
	}
}

type plainVerifier struct{}

func (plainVerifier) Kind() string                                  { return anchortest.MemoryKind }
func (plainVerifier) VerifyOffline(anchor.Hash, anchor.Entry) error { return errors.New("no sentinel") }

type otherKind struct{ anchor.AnchorVerifier }

func (otherKind) Kind() string { return "other" }

// Every way a receipt, its evidence or its anchors can be wrong, and the
// sentinel each must give. A receipt altered on disk goes through the
// parser first: the text cases.
func TestTamper(t *testing.T) {
	base, ev, m := validReceipt(t)
	v := m.Verifier()
	_, otherKey, _ := ed25519.GenerateKey(nil)
	anyTarget := anchortest.NewMemoryVerifier(m.Key(), "")
	wrongKey := anchortest.NewMemoryVerifier(otherKey.Public().(ed25519.PublicKey), "")

	// An entry anchoring another root, from the same target.
	other := mustBatch(t, items(4))
	oe, err := m.Anchor(t.Context(), other.Root())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Mine(); err != nil {
		t.Fatal(err)
	}
	ost, err := m.Check(t.Context(), other.Root(), oe)
	if err != nil {
		t.Fatal(err)
	}
	tampered := anchortest.Tamper(t, base.Anchors[0])
	pending := mustEntry(t, `{"kind":"memory","target":"fake-1","id":1}`)
	unknown := mustEntry(t, `{"kind":"ots","target":"calendar","proof":"00"}`)
	caseVariant := mustEntry(t, strings.Replace(string(base.Anchors[0].JSON()), `"root":`, `"Root":`, 1))

	copyReceipt := func() *anchor.Receipt {
		r := *base
		r.Proof = append([]anchor.Hash(nil), base.Proof...)
		r.Anchors = append([]anchor.Entry(nil), base.Anchors...)
		r.Evidence.Digest = append([]byte(nil), base.Evidence.Digest...)
		return &r
	}
	altered := func(e anchor.Evidence, f func(*anchor.Evidence)) anchor.Evidence {
		e.Digest = append([]byte(nil), e.Digest...)
		f(&e)
		return e
	}
	for _, tc := range []struct {
		name      string
		receipt   func(r *anchor.Receipt)
		text      func(s string) string
		evidence  func(e *anchor.Evidence)
		verifiers []anchor.AnchorVerifier
		want      error // nil: verifies
	}{
		{name: "untouched", want: nil},
		{name: "untouched, as text", text: func(s string) string { return s }, want: nil},
		{name: "proof hash altered", receipt: func(r *anchor.Receipt) { r.Proof[1][0] ^= 1 }, want: anchor.ErrAnchor},
		{name: "proof hash altered in the text", text: func(s string) string {
			i := strings.Index(s, `"proof":["`) + len(`"proof":["`)
			return s[:i] + flipHex(s[i]) + s[i+1:]
		}, want: anchor.ErrAnchor},
		{name: "proof hash dropped", receipt: func(r *anchor.Receipt) { r.Proof = r.Proof[:len(r.Proof)-1] }, want: anchor.ErrAnchor},
		{name: "proof hash added", receipt: func(r *anchor.Receipt) { r.Proof = append(r.Proof, r.Proof[0]) }, want: anchor.ErrAnchor},
		{name: "proof hashes swapped", receipt: func(r *anchor.Receipt) { r.Proof[0], r.Proof[1] = r.Proof[1], r.Proof[0] }, want: anchor.ErrAnchor},
		{name: "root altered", receipt: func(r *anchor.Receipt) { r.Root[31] ^= 0x80 }, want: anchor.ErrAnchor},
		{name: "root replaced by the other batch's", receipt: func(r *anchor.Receipt) { r.Root = other.Root() }, want: anchor.ErrAnchor},
		{name: "evidence altered (digest)", evidence: func(e *anchor.Evidence) { e.Digest[0] ^= 1 }, want: anchor.ErrAnchor},
		{name: "evidence altered (name)", evidence: func(e *anchor.Evidence) { e.Name = "item-6.json" }, want: anchor.ErrAnchor},
		{name: "evidence altered (media type)", evidence: func(e *anchor.Evidence) { e.MediaType = "text/plain" }, want: anchor.ErrAnchor},
		{name: "evidence altered in receipt and evidence alike", receipt: func(r *anchor.Receipt) { r.Evidence.Digest[0] ^= 1 },
			evidence: func(e *anchor.Evidence) { e.Digest[0] ^= 1 }, want: anchor.ErrAnchor},
		{name: "name altered in receipt and evidence alike", receipt: func(r *anchor.Receipt) { r.Evidence.Name = "forged" },
			evidence: func(e *anchor.Evidence) { e.Name = "forged" }, want: anchor.ErrAnchor},
		{name: "another item's evidence", evidence: func(e *anchor.Evidence) { *e = items(13)[6] }, want: anchor.ErrAnchor},
		{name: "leaf index altered down", receipt: func(r *anchor.Receipt) { r.LeafIndex = 4 }, want: anchor.ErrAnchor},
		{name: "leaf index altered up", receipt: func(r *anchor.Receipt) { r.LeafIndex = 7 }, want: anchor.ErrAnchor},
		{name: "tree size altered down", receipt: func(r *anchor.Receipt) { r.TreeSize = 12 }, want: anchor.ErrAnchor},
		{name: "tree size altered up", receipt: func(r *anchor.Receipt) { r.TreeSize = 16 }, want: anchor.ErrAnchor},
		{name: "tree size altered in the text", text: func(s string) string { return strings.Replace(s, `"treeSize":13`, `"treeSize":14`, 1) }, want: anchor.ErrAnchor},
		{name: "leaf index out of range", receipt: func(r *anchor.Receipt) { r.LeafIndex = 13 }, want: anchor.ErrBadInput},
		{name: "anchor entry signature altered", receipt: func(r *anchor.Receipt) { r.Anchors[0] = tampered["sig"] }, want: anchor.ErrAnchor},
		{name: "anchor entry root altered", receipt: func(r *anchor.Receipt) { r.Anchors[0] = tampered["root"] }, want: anchor.ErrAnchor},
		{name: "anchor entry block altered", receipt: func(r *anchor.Receipt) { r.Anchors[0] = tampered["block"] }, want: anchor.ErrAnchor},
		{name: "anchor entry id altered", receipt: func(r *anchor.Receipt) { r.Anchors[0] = tampered["id"] }, want: anchor.ErrAnchor},
		{name: "anchor entry target altered, verifier of that target only", receipt: func(r *anchor.Receipt) { r.Anchors[0] = tampered["target"] }, want: anchor.ErrCouldNotCheck},
		{name: "anchor entry target altered, verifier of every target", receipt: func(r *anchor.Receipt) { r.Anchors[0] = tampered["target"] },
			verifiers: []anchor.AnchorVerifier{anyTarget}, want: anchor.ErrAnchor},
		{name: "verifier of every target", verifiers: []anchor.AnchorVerifier{anyTarget}, want: nil},
		{name: "verifier of another target only", verifiers: []anchor.AnchorVerifier{anchortest.NewMemoryVerifier(m.Key(), "fake-2")}, want: anchor.ErrCouldNotCheck},
		{name: "anchor entry of another root", receipt: func(r *anchor.Receipt) { r.Anchors[0] = ost.Entry }, want: anchor.ErrAnchor},
		{name: "anchor entry signed by another key", verifiers: []anchor.AnchorVerifier{wrongKey}, want: anchor.ErrAnchor},
		{name: "anchor entry of a kind no verifier is registered for", receipt: func(r *anchor.Receipt) { r.Anchors = append(r.Anchors, unknown) }, want: anchor.ErrCouldNotCheck},
		{name: "no verifier at all", verifiers: []anchor.AnchorVerifier{}, want: anchor.ErrCouldNotCheck},
		{name: "a verifier of another kind only", verifiers: []anchor.AnchorVerifier{otherKind{v}}, want: anchor.ErrCouldNotCheck},
		{name: "unknown kind and a false entry: rejected wins", receipt: func(r *anchor.Receipt) { r.Anchors = []anchor.Entry{unknown, tampered["sig"]} }, want: anchor.ErrAnchor},
		{name: "verifier error wrapping no sentinel", verifiers: []anchor.AnchorVerifier{plainVerifier{}}, want: anchor.ErrCouldNotCheck},
		{name: "pending entry", receipt: func(r *anchor.Receipt) { r.Anchors[0] = pending }, want: anchor.ErrPending},
		{name: "pending and unknown: could not check wins", receipt: func(r *anchor.Receipt) { r.Anchors = []anchor.Entry{pending, unknown} }, want: anchor.ErrCouldNotCheck},
		{name: "no anchor yet", receipt: func(r *anchor.Receipt) { r.Anchors = nil }, want: anchor.ErrPending},
		{name: "entry member in another case", receipt: func(r *anchor.Receipt) { r.Anchors[0] = caseVariant }, want: anchor.ErrBadInput},
		{name: "zero entry", receipt: func(r *anchor.Receipt) { r.Anchors[0] = anchor.Entry{} }, want: anchor.ErrBadInput},
		{name: "two verifiers of one kind and target", verifiers: []anchor.AnchorVerifier{v, v}, want: anchor.ErrBadInput},
		{name: "unusable evidence", evidence: func(e *anchor.Evidence) { e.Algorithm = "md5" }, want: anchor.ErrBadInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := copyReceipt()
			if tc.receipt != nil {
				tc.receipt(r)
			}
			if tc.text != nil {
				data, err := r.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				if r, err = anchor.ParseReceipt([]byte(tc.text(string(data)))); err != nil {
					t.Fatalf("ParseReceipt: %v", err)
				}
			}
			e := ev
			if tc.evidence != nil {
				e = altered(ev, tc.evidence)
			}
			vs := tc.verifiers
			if vs == nil {
				vs = []anchor.AnchorVerifier{v}
			}
			res, err := anchor.VerifyReceipt(r, e, vs...)
			if tc.want == nil {
				if err != nil || res == nil {
					t.Fatalf("VerifyReceipt = %v, %v; want a result", res, err)
				}
				return
			}
			if res != nil {
				t.Fatalf("a result %+v with error %v", res, err)
			}
			wantOnly(t, err, tc.want)
			if tc.want == anchor.ErrAnchor {
				var pe *anchor.ProofError
				var ee *anchor.EntriesError
				if !errors.As(err, &pe) && !errors.As(err, &ee) {
					t.Fatalf("a rejection of type %T carries no evidence", err)
				}
			}
		})
	}
}

func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

// FuzzTamperReceipt alters a valid receipt's text at fuzzed places: no
// alteration verifies unless it is only a respelling (the receipt it
// parses to marshals as the original does).
func FuzzTamperReceipt(f *testing.F) {
	base, ev, m := validReceipt(f)
	orig, err := base.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	v := m.Verifier()
	f.Add(uint(10), byte('x'), uint(0), byte(0))
	f.Add(uint(300), byte('0'), uint(301), byte('1'))
	f.Fuzz(func(t *testing.T, p1 uint, b1 byte, p2 uint, b2 byte) {
		data := append([]byte(nil), orig...)
		data[p1%uint(len(data))] = b1
		data[p2%uint(len(data))] = b2
		r, err := anchor.ParseReceipt(data)
		if err != nil {
			return
		}
		_, err = anchor.VerifyReceipt(r, ev, v)
		if err != nil {
			return
		}
		again, err := r.Marshal()
		if err != nil || string(again) != string(orig) {
			t.Fatalf("an altered receipt verified:\n%s", data)
		}
	})
}
