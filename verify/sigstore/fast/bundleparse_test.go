package fast

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/proto"

	"github.com/ats-run/selfattest/verify/sigstore"
	"github.com/ats-run/selfattest/verify/sigstore/internal/cases"
)

// allBundles returns every bundle file of the conformance and real-world
// data, good and bad.
func allBundles(t testing.TB) [][]byte {
	var out [][]byte
	for _, dir := range []string{"conformance", "realworld"} {
		err := filepath.WalkDir(cases.Corpus(3, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) != ".json" || filepath.Base(p) == "trusted_root.json" {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, []byte(`"mediaType"`)) {
				out = append(out, b)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 60 {
		t.Fatalf("only %d bundles found", len(out))
	}
	return out
}

// sameAsLibrary fails unless parseBundle decides as sigstore-go's
// UnmarshalJSON does and, when both accept, yields the same bundle and
// entries.
func sameAsLibrary(t *testing.T, data []byte) bool {
	t.Helper()
	var want bundle.Bundle
	wantErr := want.UnmarshalJSON(data)
	got, gotEntries, gotErr := parseBundle(data)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("parseBundle: %v; UnmarshalJSON: %v\n%.300s", gotErr, wantErr, data)
	}
	if wantErr != nil {
		if !errors.Is(gotErr, sigstore.ErrVerification) {
			t.Fatalf("rejection %v does not wrap sigstore.ErrVerification", gotErr)
		}
		return false
	}
	if !proto.Equal(got.Bundle, want.Bundle) {
		t.Fatal("the parsed protobufs differ")
	}
	if got.HasInclusionPromise() != want.HasInclusionPromise() || got.HasInclusionProof() != want.HasInclusionProof() {
		t.Fatal("inclusion promise or proof flags differ")
	}
	wantEntries, err := want.TlogEntries()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotEntries, wantEntries) {
		t.Fatal("entries differ")
	}
	return true
}

func TestParseBundleMatchesLibrary(t *testing.T) {
	accepted, rejected := 0, 0
	for _, b := range allBundles(t) {
		variants := [][]byte{b}
		// Media types of each version and none, and parts removed.
		for _, mt := range []string{
			"application/vnd.dev.sigstore.bundle+json;version=0.1",
			"application/vnd.dev.sigstore.bundle+json;version=0.2",
			"application/vnd.dev.sigstore.bundle.v0.3+json",
			"application/vnd.dev.sigstore.bundle.v0.4+json",
			"application/vnd.dev.sigstore.bundle.v0.0+json",
			"application/vnd.dev.sigstore.bundle.vX+json",
			"application/json",
		} {
			variants = append(variants, withField(t, b, "mediaType", mt))
		}
		for _, f := range []string{"verificationMaterial", "messageSignature", "dsseEnvelope"} {
			variants = append(variants, withoutField(t, b, f))
		}
		variants = append(variants, b[:len(b)/2], append(bytes.Clone(b), '}'))
		for _, v := range variants {
			if sameAsLibrary(t, v) {
				accepted++
			} else {
				rejected++
			}
		}
	}
	if accepted < 50 || rejected < 50 {
		t.Fatalf("%d accepted, %d rejected: too few of one", accepted, rejected)
	}
	t.Logf("%d accepted and %d rejected alike", accepted, rejected)
}

func FuzzParseBundle(f *testing.F) {
	for i, b := range allBundles(f) {
		if i%4 == 0 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsLibrary(t, data)
	})
}

// withField returns the JSON object b with its top-level field set to v.
func withField(t *testing.T, b []byte, field string, v any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return b // not an object: the bundle as it is
	}
	m[field] = v
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withoutField returns the JSON object b without its top-level field.
func withoutField(t *testing.T, b []byte, field string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return b
	}
	delete(m, field)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
