package anchor_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// validReceipt returns a receipt of item 5 of a batch of 13, anchored at
// a Memory target, and the target's verifier.
func validReceipt(t testing.TB) (*anchor.Receipt, anchor.Evidence, *anchortest.Memory) {
	t.Helper()
	evs := items(13)
	b := mustBatch(t, evs)
	m := fake(t, anchortest.MemoryOptions{Name: "fake-1"})
	outs, err := anchor.Run(t.Context(), b.Root(), m)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Receipt(5, outs[0].Entry)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := m.Mine(); err != nil {
			t.Fatal(err)
		}
	}
	r, n, err := anchor.UpgradeReceipt(t.Context(), r, evs[5], m)
	if err != nil || n != 1 {
		t.Fatalf("UpgradeReceipt = %d, %v", n, err)
	}
	return r, evs[5], m
}

func TestReceiptRoundTrip(t *testing.T) {
	r, ev, m := validReceipt(t)
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := anchor.ParseReceipt(data)
	if err != nil {
		t.Fatalf("ParseReceipt(Marshal()): %v\n%s", err, data)
	}
	data2, err := r2.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, data2) {
		t.Fatalf("Marshal is not stable:\n%s\n%s", data, data2)
	}
	if !json.Valid(data) {
		t.Fatal("not JSON")
	}
	// Any JSON writer's spelling of the same receipt reads the same.
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	r3, err := anchor.ParseReceipt(buf.Bytes())
	if err != nil {
		t.Fatalf("ParseReceipt(indented): %v", err)
	}
	if res, err := anchor.VerifyReceipt(r3, ev, m.Verifier()); err != nil {
		t.Fatalf("VerifyReceipt(indented) = %v", err)
	} else if res.Schema != anchor.ResultSchema || res.LeafIndex != 5 || res.TreeSize != 13 || len(res.Anchors) != 1 {
		t.Fatalf("result %+v", res)
	} else {
		out, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"schema":"` + anchor.ResultSchema + `","evidence":{"name":"item-5.json","mediaType":"application/json","digest":{"alg":"sha256","hex":"` +
			hex.EncodeToString(ev.Digest) + `"}},"leafIndex":5,"treeSize":13,"root":"` + r.Root.String() + `","anchors":[{"kind":"memory","target":"fake-1","checked":"offline"}]}`
		if string(out) != want {
			t.Fatalf("result JSON\n%s\nwant\n%s", out, want)
		}
	}
}

// receiptJSON is a valid receipt as a generic JSON object for the
// refusal cases to change.
func receiptJSON(t *testing.T) map[string]any {
	t.Helper()
	r, _, _ := validReceipt(t)
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseReceiptRefuses(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		raw    func(s string) string // applied to the marshalled text
	}{
		{name: "unknown member", change: func(m map[string]any) { m["extra"] = 1 }},
		{name: "unknown evidence member", change: func(m map[string]any) { m["evidence"].(map[string]any)["size"] = 1 }},
		{name: "unknown digest member", change: func(m map[string]any) { m["evidence"].(map[string]any)["digest"].(map[string]any)["b64"] = "" }},
		{name: "missing root", change: func(m map[string]any) { delete(m, "root") }},
		{name: "missing anchors", change: func(m map[string]any) { delete(m, "anchors") }},
		{name: "null anchors", change: func(m map[string]any) { m["anchors"] = nil }},
		{name: "null proof", change: func(m map[string]any) { m["proof"] = nil }},
		{name: "null name", change: func(m map[string]any) { m["evidence"].(map[string]any)["name"] = nil }},
		{name: "other schema", change: func(m map[string]any) { m["schema"] = "https://github.com/ats-run/selfattest/receipt/v2" }},
		{name: "uppercase hex root", change: func(m map[string]any) { m["root"] = strings.ToUpper(hash) }},
		{name: "short root", change: func(m map[string]any) { m["root"] = hash[:62] }},
		{name: "long root", change: func(m map[string]any) { m["root"] = hash + "00" }},
		{name: "short digest", change: func(m map[string]any) { m["evidence"].(map[string]any)["digest"].(map[string]any)["hex"] = hash[:62] }},
		{name: "sha512 with 32 bytes", change: func(m map[string]any) { m["evidence"].(map[string]any)["digest"].(map[string]any)["alg"] = "sha512" }},
		{name: "unknown alg", change: func(m map[string]any) { m["evidence"].(map[string]any)["digest"].(map[string]any)["alg"] = "SHA256" }},
		{name: "proof hash short", change: func(m map[string]any) { m["proof"] = []any{hash[:60]} }},
		{name: "proof of 65 hashes", change: func(m map[string]any) {
			p := make([]any, 65)
			for i := range p {
				p[i] = hash
			}
			m["proof"] = p
		}},
		{name: "leaf index = tree size", change: func(m map[string]any) { m["leafIndex"] = m["treeSize"] }},
		{name: "tree size 0", change: func(m map[string]any) { m["treeSize"], m["leafIndex"] = 0, 0 }},
		{name: "tree size over 2^40", change: func(m map[string]any) { m["treeSize"] = float64(1<<40 + 1) }},
		{name: "negative index", change: func(m map[string]any) { m["leafIndex"] = -1 }},
		{name: "fractional index", change: func(m map[string]any) { m["leafIndex"] = 1.5 }},
		{name: "index as string", change: func(m map[string]any) { m["leafIndex"] = "5" }},
		{name: "entry without kind", change: func(m map[string]any) { m["anchors"] = []any{map[string]any{"target": "x"}} }},
		{name: "entry without target", change: func(m map[string]any) { m["anchors"] = []any{map[string]any{"kind": "x"}} }},
		{name: "entry kind uppercase", change: func(m map[string]any) { m["anchors"] = []any{map[string]any{"kind": "Memory", "target": "x"}} }},
		{name: "entry not an object", change: func(m map[string]any) { m["anchors"] = []any{"memory"} }},
		{name: "media type with space", change: func(m map[string]any) { m["evidence"].(map[string]any)["mediaType"] = "text/plain; x=y" }},
		{name: "duplicate key", raw: func(s string) string { return strings.Replace(s, `"treeSize":`, `"treeSize":13,"treeSize":`, 1) }},
		{name: "duplicate key in entry", raw: func(s string) string {
			return strings.Replace(s, `"kind":"memory"`, `"kind":"memory","kind":"memory"`, 1)
		}},
		{name: "case variant of a member", raw: func(s string) string { return strings.Replace(s, `],"root":`, `],"Root":`, 1) }},
		{name: "leading zero", raw: func(s string) string { return strings.Replace(s, `"leafIndex":5`, `"leafIndex":05`, 1) }},
		{name: "exponent", raw: func(s string) string { return strings.Replace(s, `"leafIndex":5`, `"leafIndex":5e0`, 1) }},
		{name: "trailing data", raw: func(s string) string { return s + "{}" }},
		{name: "not UTF-8", raw: func(s string) string { return strings.Replace(s, `"item-5.json"`, "\"item-5\xff.json\"", 1) }},
		{name: "not JSON", raw: func(s string) string { return s[:len(s)-1] }},
		{name: "array", raw: func(s string) string { return "[" + s + "]" }},
		{name: "nested too deep", raw: func(s string) string {
			return strings.Replace(s, `"kind":"memory"`, `"kind":"memory","x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100), 1)
		}},
		{name: "too large", raw: func(s string) string { return s + strings.Repeat(" ", anchor.MaxReceiptSize) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := receiptJSON(t)
			if tc.change != nil {
				tc.change(m)
			}
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if tc.raw != nil {
				data = []byte(tc.raw(string(data)))
			}
			_, err = anchor.ParseReceipt(data)
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("ParseReceipt = %v, want ErrBadInput\n%s", err, data)
			}
			for _, s := range []error{anchor.ErrAnchor, anchor.ErrCouldNotCheck, anchor.ErrPending} {
				if errors.Is(err, s) {
					t.Errorf("bad input also wraps %v", s)
				}
			}
		})
	}
}

func FuzzParseReceipt(f *testing.F) {
	r, _, _ := validReceipt(f)
	data, err := r.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	b := mustBatch(f, items(1))
	r1, _ := b.Receipt(0)
	d1, _ := r1.Marshal()
	f.Add(d1)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"schema":"x","schema":"y"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := anchor.ParseReceipt(data)
		if err != nil {
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("refusal does not wrap ErrBadInput: %v", err)
			}
			return
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatalf("a parsed receipt does not marshal: %v", err)
		}
		r2, err := anchor.ParseReceipt(out)
		if err != nil {
			t.Fatalf("Marshal wrote what ParseReceipt refuses: %v\n%s", err, out)
		}
		out2, err := r2.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("Marshal is not stable: %v\n%s\n%s", err, out, out2)
		}
		// Verification never panics and never passes without a verifier.
		if _, err := anchor.VerifyReceipt(r, r.Evidence); err == nil && len(r.Anchors) > 0 {
			t.Fatal("a receipt with anchors verified with no verifier")
		}
	})
}

func FuzzParseEntry(f *testing.F) {
	f.Add([]byte(`{"kind":"memory","target":"t","id":1}`))
	f.Add([]byte(`{"kind":"memory","target":"t","kind":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := anchor.ParseEntry(data)
		if err != nil {
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("refusal does not wrap ErrBadInput: %v", err)
			}
			return
		}
		e2, err := anchor.ParseEntry(e.JSON())
		if err != nil || !e2.Equal(e) || e2.Kind != e.Kind || e2.Target != e.Target {
			t.Fatalf("entry does not round-trip: %v", err)
		}
	})
}
