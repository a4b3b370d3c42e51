package ipfs_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/ipfs"
)

// fuzzLimits bound what a fuzzed CAR may make the importer do.
var fuzzLimits = ipfs.Limits{MaxBlocks: 64, MaxTotalSize: 1 << 20, MaxEntries: 64, MaxDepth: 8}

// fuzzSeed archives the seed corpus's tree: a file "a" and a folder "d"
// holding "d/b", a file of a few chunks' worth of bytes.
func fuzzSeed(f *testing.F) (dir string, s *ipfs.Store, root cid.Cid) {
	f.Helper()
	dir = f.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		f.Fatal(err)
	}
	writeBytes(f, filepath.Join(dir, "a"), []byte("hello"))
	writeBytes(f, filepath.Join(dir, "d", "b"), bytes.Repeat([]byte("x"), 3000))
	s = newStore(f)
	return dir, s, archive(f, s, dir)
}

// requireSentinel stops the test unless err wraps one of the package's
// sentinels.
func requireSentinel(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ipfs.ErrRejected) && !errors.Is(err, ipfs.ErrCouldNotCheck) && !errors.Is(err, ipfs.ErrBadInput) {
		t.Fatalf("error wraps no sentinel: %v", err)
	}
}

// FuzzImportCAR: run it with -fuzzminimizetime 2s: minimising a CAR of
// a few kilobytes otherwise takes the fuzzer's whole minute per new input.
//
// A CAR of arbitrary bytes never panics, never runs past
// the limits, and is either refused with one of the sentinels or, if
// accepted, a DAG that verifies again from the store.
func FuzzImportCAR(f *testing.F) {
	_, s, root := fuzzSeed(f)
	car := carOf(f, s, root)
	f.Add(car, true)
	f.Add(car, false)
	var v2 bytes.Buffer
	fv2, _ := os.Create(filepath.Join(f.TempDir(), "v2.car"))
	ipfs.ExportCARv2(context.Background(), s, root, fv2, ipfs.Limits{})
	fv2.Seek(0, 0)
	v2.ReadFrom(fv2)
	fv2.Close()
	f.Add(v2.Bytes(), false)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, wantRoot bool) {
		s := newStore(t)
		want := cid.Undef
		if wantRoot {
			want = root
		}
		st, err := ipfs.ImportCAR(context.Background(), bytes.NewReader(data), want, s, fuzzLimits)
		if err != nil {
			requireSentinel(t, err)
			return
		}
		if _, err := ipfs.Verify(context.Background(), s, st.Root, fuzzLimits); err != nil {
			t.Fatalf("accepted a CAR whose DAG does not verify: %v", err)
		}
		if wantRoot && !st.Root.Equals(root) {
			t.Fatalf("accepted root %s, asked for %s", st.Root, root)
		}
	})
}

// FuzzImportCARPath: the same for a CAR answering a path, resolved
// through folders.
func FuzzImportCARPath(f *testing.F) {
	dir, s, root := fuzzSeed(f)
	// The CID of each entry, archived on its own.
	entries := map[string]cid.Cid{}
	car := carOf(f, s, root)
	for _, p := range []string{"a", "d", "d/b"} {
		entries[p] = archive(f, newStore(f), filepath.Join(dir, p))
		f.Add(car, p)
	}
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		s := newStore(t)
		c, _, err := ipfs.ImportCARPath(context.Background(), bytes.NewReader(data), root, path, s, fuzzLimits)
		if err != nil {
			requireSentinel(t, err)
			return
		}
		if _, err := ipfs.Verify(context.Background(), s, c, fuzzLimits); err != nil {
			t.Fatalf("accepted a CAR whose entry does not verify: %v", err)
		}
		want, ok := entries[strings.Trim(path, "/")]
		if !ok {
			t.Fatalf("path %q resolved to %s, the archive has nothing there", path, c)
		}
		if !c.Equals(want) {
			t.Fatalf("path %q resolved to %s, the archive has %s there", path, c, want)
		}
	})
}

// FuzzVerifyOffline: an entry of arbitrary JSON never panics and never
// verifies unless it names the record of the root.
func FuzzVerifyOffline(f *testing.F) {
	root := anchor.Hash{7}
	f.Add([]byte(`{"kind":"ipfs","target":"t","cid":"` + ipfs.RecordCID(root).String() + `"}`))
	f.Add([]byte(`{"kind":"ipfs","target":"t","cid":"x","extra":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := anchor.ParseEntry(data)
		if err != nil {
			return
		}
		v := &ipfs.Verifier{TargetName: "t"}
		err = v.VerifyOffline(root, e)
		if err == nil {
			var got ipfs.Entry
			if e.Decode(&got) != nil || got.CID != ipfs.RecordCID(root).String() || got.Target != "t" {
				t.Fatalf("verified %s", data)
			}
			return
		}
		if !errors.Is(err, anchor.ErrAnchor) && !errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("error wraps neither ErrAnchor nor ErrBadInput: %v", err)
		}
	})
}
