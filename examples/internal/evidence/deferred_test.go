//go:build unix

package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
)

// addNoted is archivist add: the files recorded in j, and noted for
// archiving at anchor time.
func addNoted(t *testing.T, j *anchor.Journal, journal string, paths ...string) []AddedItem {
	t.Helper()
	items, err := AddFiles(j, paths, DefaultMaxSize, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := NotePendingFiles(journal, items); err != nil {
		t.Fatal(err)
	}
	return items
}

func writeTestFile(t *testing.T, p string, data string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestArchivePending: the files add noted are archived into one folder at
// anchor time, the CAR is recorded as the next item, its digest is the
// SHA-256 of the CAR file written (computed here), and one seal puts the
// files and the CAR into one batch; afterwards nothing is left to archive.
func TestArchivePending(t *testing.T) {
	j, journal := newKeepJournal(t)
	dir := t.TempDir()
	a := writeTestFile(t, filepath.Join(dir, "build.log"), "ok\n")
	b := writeTestFile(t, filepath.Join(dir, "sbom", "sbom.json"), "{}")
	addNoted(t, j, journal, a, b)

	st, item, skipped, err := ArchivePending(context.Background(), j, journal, filepath.Join(dir, "store"), DefaultMaxSize)
	if err != nil || st == nil || item != 3 || len(skipped) != 0 || st.Files != 2 {
		t.Fatalf("ArchivePending = %+v, item %d, skipped %v, %v", st, item, skipped, err)
	}
	car, err := os.ReadFile(st.CAR)
	if err != nil {
		t.Fatal(err)
	}
	id, ok, err := j.Seal()
	if err != nil || !ok {
		t.Fatalf("Seal = %d, %v, %v", id, ok, err)
	}
	bs, err := j.Batches()
	if err != nil || len(bs) != 1 || bs[0].Size != 3 {
		t.Fatalf("batches %+v, %v", bs, err)
	}
	// The CAR item is the CAR file's SHA-256 under its CID's name.
	sum := sha256.Sum256(car)
	r, err := j.Receipt(3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Evidence.Name != st.CID+".car" || !bytes.Equal(r.Evidence.Digest, sum[:]) {
		t.Errorf("item 3: %s %x, want %s.car %x", r.Evidence.Name, r.Evidence.Digest, st.CID, sum)
	}
	if err := ForgetSealedFiles(j, journal); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(PendingFilesOf(journal)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("F.files kept after every item it names was sealed: %v", err)
	}
	st, _, _, err = ArchivePending(context.Background(), j, journal, filepath.Join(dir, "store"), DefaultMaxSize)
	if st != nil || err != nil {
		t.Errorf("second ArchivePending = %+v, %v; want nothing to do", st, err)
	}
}

// TestArchivePendingRefusesAChangedFile: a file whose bytes changed since
// add recorded them, or that is gone, is not archived as if it were the
// evidence: ArchivePending fails with ErrChangedSinceAdd (bad input) and
// records nothing, so nothing is sealed either.
func TestArchivePendingRefusesAChangedFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(p string)
	}{
		{"changed", func(p string) { writeTestFile(t, p, "ok!\n") }},
		{"same size, other bytes", func(p string) { writeTestFile(t, p, "no\n") }},
		{"gone", func(p string) { os.Remove(p) }},
		{"a folder now", func(p string) { os.Remove(p); os.Mkdir(p, 0o755) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, journal := newKeepJournal(t)
			dir := t.TempDir()
			a := writeTestFile(t, filepath.Join(dir, "build.log"), "ok\n")
			b := writeTestFile(t, filepath.Join(dir, "other.txt"), "kept\n")
			addNoted(t, j, journal, a, b)
			tc.change(a)
			st, _, _, err := ArchivePending(context.Background(), j, journal, filepath.Join(dir, "store"), DefaultMaxSize)
			if st != nil || !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("ArchivePending = %+v, %v; want bad input", st, err)
			}
			if tc.name != "a folder now" && !errors.Is(err, ErrChangedSinceAdd) {
				t.Errorf("%v does not wrap ErrChangedSinceAdd", err)
			}
			if !strings.Contains(err.Error(), a) {
				t.Errorf("%v does not name %s", err, a)
			}
			// Nothing was recorded: sealing gives the two files only.
			if _, ok, err := j.Seal(); err != nil || !ok {
				t.Fatal(ok, err)
			}
			if bs, _ := j.Batches(); len(bs) != 1 || bs[0].Size != 2 {
				t.Errorf("batches %+v: the refused archive was recorded", bs)
			}
		})
	}
}

// TestArchivePendingSkipsNamesThatClimbOut: an item added under a name
// that is no path inside a folder (../x) is anchored but not archived,
// and said so; the others are archived.
func TestArchivePendingSkipsNamesThatClimbOut(t *testing.T) {
	j, journal := newKeepJournal(t)
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "up.txt"), "up\n")
	in := writeTestFile(t, filepath.Join(dir, "w", "in.txt"), "in\n")
	wd, _ := os.Getwd()
	if err := os.Chdir(filepath.Join(dir, "w")); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	addNoted(t, j, journal, "../up.txt", in)
	st, item, skipped, err := ArchivePending(context.Background(), j, journal, filepath.Join(dir, "store"), DefaultMaxSize)
	if err != nil || st == nil || st.Files != 1 || item != 3 || len(skipped) != 1 || skipped[0] != "../up.txt" {
		t.Fatalf("ArchivePending = %+v, item %d, skipped %v, %v", st, item, skipped, err)
	}
}

// TestPendingFilesRead: F.files is read bounded and strictly: a FIFO in
// its place is refused without waiting, a line that is not what add
// writes is bad input, and a last line a crash cut short is ignored.
func TestPendingFilesRead(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "j")
	good := `{"item":1,"path":"/a/b","name":"b","sha256":"` + strings.Repeat("ab", 32) + `"}` + "\n"
	for _, tc := range []struct {
		name, data string
		want       int
		bad        bool
	}{
		{"one", good, 1, false},
		{"torn last line", good + `{"item":2,"pa`, 1, false},
		{"unknown field", `{"item":1,"path":"/a","name":"a","sha256":"` + strings.Repeat("ab", 32) + `","x":1}` + "\n", 0, true},
		{"relative path", `{"item":1,"path":"a","name":"a","sha256":"` + strings.Repeat("ab", 32) + `"}` + "\n", 0, true},
		{"item 0", `{"item":0,"path":"/a","name":"a","sha256":"` + strings.Repeat("ab", 32) + `"}` + "\n", 0, true},
		{"short digest", `{"item":1,"path":"/a","name":"a","sha256":"abab"}` + "\n", 0, true},
		{"not JSON", "hello\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeTestFile(t, PendingFilesOf(journal), tc.data)
			got, err := readPendingFiles(journal, 0)
			if tc.bad != errors.Is(err, anchor.ErrBadInput) || len(got) != tc.want {
				t.Errorf("read = %d entries, %v", len(got), err)
			}
		})
	}
	os.Remove(PendingFilesOf(journal))
	if err := syscall.Mkfifo(PendingFilesOf(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	within := func(what string, f func() error) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- f() }()
		select {
		case err := <-done:
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Errorf("%s: %v, want bad input", what, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s hangs", what)
		}
	}
	within("reading a FIFO in F.files' place", func() error { _, err := readPendingFiles(journal, 0); return err })
	within("noting into a FIFO in F.files' place", func() error {
		return NotePendingFiles(journal, []AddedItem{{Item: 1, Path: "/a", Name: "a"}})
	})
}

// FuzzPendingFiles: any F.files either reads as entries that each have an
// item, an absolute path, a name and a 32-byte digest, or is bad input;
// it never panics.
func FuzzPendingFiles(f *testing.F) {
	f.Add([]byte(`{"item":1,"path":"/a/b","name":"b","sha256":"` + strings.Repeat("ab", 32) + `"}` + "\n"))
	f.Add([]byte("{}\n{\n"))
	journal := filepath.Join(f.TempDir(), "j")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(PendingFilesOf(journal), data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readPendingFiles(journal, 0)
		if err != nil {
			if !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("%v is not bad input", err)
			}
			return
		}
		for _, pf := range got {
			if pf.Item == 0 || !filepath.IsAbs(pf.Path) || pf.Name == "" || len(pf.SHA256) != 64 {
				t.Fatalf("accepted %+v", pf)
			}
		}
		if n := bytes.Count(data, []byte("\n")); len(got) > n {
			t.Fatalf("%d entries from %d complete lines", len(got), n)
		}
	})
}

// TestArchivePendingTrustsTheJournal: F.files says only where a file is;
// what it must hold is the journal's record. A list rewritten to point an
// item at another file (which would archive, and publish, whatever that
// file holds) is refused with ErrChangedSinceAdd, and one that names an
// item the journal never gave is bad input; nothing is recorded.
func TestArchivePendingTrustsTheJournal(t *testing.T) {
	j, journal := newKeepJournal(t)
	dir := t.TempDir()
	a := writeTestFile(t, filepath.Join(dir, "build.log"), "ok\n")
	secret := writeTestFile(t, filepath.Join(dir, "secret.key"), "not evidence\n")
	items := addNoted(t, j, journal, a)
	sum := sha256.Sum256([]byte("not evidence\n"))
	for _, tc := range []struct {
		name string
		line pendingFile
	}{
		{"another file", pendingFile{Item: items[0].Item, Path: secret, Name: "build.log", SHA256: hex.EncodeToString(sum[:])}},
		{"no such item", pendingFile{Item: 99, Path: a, Name: "build.log", SHA256: items[0].SHA256}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, _ := json.Marshal(tc.line)
			writeTestFile(t, PendingFilesOf(journal), string(line)+"\n")
			st, _, _, err := ArchivePending(context.Background(), j, journal, filepath.Join(dir, "store"), DefaultMaxSize)
			if st != nil || !errors.Is(err, anchor.ErrBadInput) {
				t.Fatalf("ArchivePending = %+v, %v; want bad input", st, err)
			}
			if tc.name == "another file" && !errors.Is(err, ErrChangedSinceAdd) {
				t.Errorf("%v does not wrap ErrChangedSinceAdd", err)
			}
		})
	}
	if _, ok, err := j.Seal(); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if bs, _ := j.Batches(); len(bs) != 1 || bs[0].Size != 1 {
		t.Errorf("batches %+v: a refused archive was recorded", bs)
	}
}
