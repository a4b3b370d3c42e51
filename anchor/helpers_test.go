package anchor_test

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// items returns n items of evidence with distinct contents and names.
func items(n int) []anchor.Evidence {
	out := make([]anchor.Evidence, n)
	for i := range out {
		out[i] = anchor.NewEvidence(fmt.Sprintf("item-%d.json", i), "application/json", fmt.Appendf(nil, `{"n":%d}`, i))
	}
	return out
}

func mustBatch(t testing.TB, evs []anchor.Evidence) *anchor.Batch {
	t.Helper()
	b, err := anchor.NewBatch(evs)
	if err != nil {
		t.Fatalf("NewBatch: %v", err)
	}
	return b
}

func mustEntry(t testing.TB, s string) anchor.Entry {
	t.Helper()
	e, err := anchor.ParseEntry([]byte(s))
	if err != nil {
		t.Fatalf("ParseEntry(%s): %v", s, err)
	}
	return e
}

// fake returns a Memory target with a fresh key.
func fake(t testing.TB, opts anchortest.MemoryOptions) *anchortest.Memory {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := anchortest.NewMemory(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
