package trust_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ats-run/selfattest/verify/trust"
)

// seedRoots adds the embedded snapshots and the conformance suite's
// trusted roots (testdata/sigstore, see its SOURCE.md).
func seedRoots(f *testing.F) {
	for _, name := range trust.Snapshots() {
		b, err := trust.EmbeddedJSON(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sigstore", "conformance", "bundle-verify", "*", "trusted_root.json"))
	for _, p := range paths[:min(len(paths), 8)] {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
}

// FuzzFromJSON: a trusted root never panics the parser, and one that
// parses marshals to JSON that parses to the same JSON again.
//
// Every input that does not parse is an error wrapping ErrInvalidRoot (bad
// input), never mistaken for an unknown snapshot name.
func FuzzFromJSON(f *testing.F) {
	seedRoots(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := trust.FromJSON(data)
		if err != nil {
			if !errors.Is(err, trust.ErrInvalidRoot) || errors.Is(err, trust.ErrUnknownSnapshot) {
				t.Fatalf("a parse error wraps ErrUnknownSnapshot or not ErrInvalidRoot: %v", err)
			}
			return
		}
		j1, err := tr.MarshalJSON()
		if err != nil {
			t.Fatalf("parsed, does not marshal: %v", err)
		}
		tr2, err := trust.FromJSON(j1)
		if err != nil {
			t.Fatalf("its own JSON does not parse: %v\n%s", err, j1)
		}
		// sigstore-go marshals its log maps in no fixed order: compare
		// what the root trusts, not bytes.
		if !slices.Equal(slices.Sorted(maps.Keys(tr.RekorLogs())), slices.Sorted(maps.Keys(tr2.RekorLogs()))) ||
			!slices.Equal(slices.Sorted(maps.Keys(tr.CTLogs())), slices.Sorted(maps.Keys(tr2.CTLogs()))) ||
			len(tr.TimestampingAuthorities()) != len(tr2.TimestampingAuthorities()) ||
			len(tr.FulcioCertificateAuthorities()) != len(tr2.FulcioCertificateAuthorities()) {
			t.Fatalf("round trip changed what the root trusts:\n%s", j1)
		}
		for id, l := range tr.RekorLogs() {
			if l2 := tr2.RekorLogs()[id]; l.BaseURL != l2.BaseURL || !l.ValidityPeriodStart.Equal(l2.ValidityPeriodStart) || !l.ValidityPeriodEnd.Equal(l2.ValidityPeriodEnd) {
				t.Fatalf("round trip changed log %s", id)
			}
		}
	})
}

// FuzzFromFile: the same through a file, which is also bounded by
// MaxRootSize.
func FuzzFromFile(f *testing.F) {
	seedRoots(f)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "trusted_root.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, ferr := trust.FromFile(p)
		_, jerr := trust.FromJSON(data)
		if len(data) > trust.MaxRootSize {
			if ferr == nil {
				t.Fatalf("a %d-byte file over MaxRootSize was read", len(data))
			}
			return
		}
		if (ferr == nil) != (jerr == nil) {
			t.Fatalf("FromFile: %v; FromJSON: %v", ferr, jerr)
		}
		if ferr != nil && !errors.Is(ferr, trust.ErrInvalidRoot) {
			t.Fatalf("FromFile of a readable file: %v; want ErrInvalidRoot", ferr)
		}
	})
}

// FuzzEmbedded: only the listed snapshot names resolve; every other name
// (a path, "..", an empty string) wraps ErrUnknownSnapshot.
func FuzzEmbedded(f *testing.F) {
	for _, n := range append(trust.Snapshots(), "", ".", "..", "../trust.go", "public-good", "snapshots/"+trust.Snapshots()[0]) {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		b, err := trust.EmbeddedJSON(name)
		known := slices.Contains(trust.Snapshots(), name)
		switch {
		case known && err != nil:
			t.Fatalf("%q is listed, but: %v", name, err)
		case !known && !errors.Is(err, trust.ErrUnknownSnapshot):
			t.Fatalf("EmbeddedJSON(%q) = %d bytes, %v; want ErrUnknownSnapshot", name, len(b), err)
		}
	})
}
