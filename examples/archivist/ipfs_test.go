//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/internal/clitest"
)

// The IPFS commands against a real Kubo (built on first use, run offline
// on 127.0.0.1 by kubotest): the CIDs archive prints are the ones Kubo's
// `ipfs add` gives under the unixfs-v1-2025 profile, fetch retrieves from
// Kubo's own gateway, and the ipfs target publishes and pins on it.

// lastLine is the last line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// patterned is n bytes of a pattern seeded by seed, not all zero (a
// chunker that cut at the wrong place would change the CID).
func patterned(seed byte, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

// evidenceFolder writes a folder of evidence: files of the chunker's edge
// sizes, a hidden file and a subfolder.
func evidenceFolder(t *testing.T, dir string) string {
	t.Helper()
	root := filepath.Join(dir, "evidence")
	write(t, root, "report.json", []byte(`{"verdict":"pass"}`))
	write(t, root, "empty", nil)
	write(t, root, ".hidden", []byte("h"))
	write(t, root, "big.bin", patterned(1, 1<<20+1))
	write(t, root, "sub/bundle.sigstore.json", patterned(2, 3000))
	return root
}

func TestArchiveCIDEqualsKubo(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	dir := t.TempDir()
	folder := evidenceFolder(t, dir)
	for _, tc := range []struct{ name, path string }{
		{"empty file", write(t, dir, "zero", nil)},
		{"1 B", write(t, dir, "one", []byte{7})},
		{"1 MiB", write(t, dir, "mib", patterned(3, 1<<20))},
		{"1 MiB + 1 B", write(t, dir, "mib1", patterned(4, 1<<20+1))},
		{"folder", folder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := node.Add(t, tc.path)
			r := archivist(t, dir, "archive", tc.path)
			expectCode(t, r, 0)
			if got := lastLine(r.stdout); got != want {
				t.Fatalf("archive printed %q last, Kubo's ipfs add says %s\n%s", got, want, r.stdout)
			}
		})
	}

	// Several paths: wrapped in a folder, as ipfs add -w.
	a, b := write(t, dir, "w/a.txt", []byte("a")), write(t, dir, "w/b.txt", []byte("bb"))
	want := strings.TrimSpace(node.Run(t, "add", "-Q", "--cid-version=1", "--raw-leaves", "--chunker=size-1048576", "-r", "--hidden", "-w", a, b))
	r := archivist(t, dir, "archive", a, b)
	expectCode(t, r, 0)
	if got := lastLine(r.stdout); got != want {
		t.Errorf("archive of two files: %q, ipfs add -w says %s", got, want)
	}

	// --car and --json: the CAR is Kubo's dag export, byte for byte.
	car := filepath.Join(dir, "evidence.car")
	r = archivist(t, dir, "archive", "--json", "--car", car, "--store", filepath.Join(dir, "store"), folder)
	expectCode(t, r, 0)
	var st evidence.ArchiveStat
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("archive --json: %v\n%s", err, r.stdout)
	}
	want = node.Add(t, folder)
	if st.CID != want || st.Files != 5 || st.CAR != car {
		t.Fatalf("archive --json: %+v; Kubo says %s", st, want)
	}
	ours, err := os.ReadFile(car)
	if err != nil {
		t.Fatal(err)
	}
	if theirs := node.Output(t, "dag", "export", "--progress=false", want); !bytes.Equal(ours, theirs) {
		t.Errorf("the CAR (%d bytes) differs from ipfs dag export (%d bytes)", len(ours), len(theirs))
	}

	// Unusable input: nothing, a FIFO.
	expectCode(t, archivist(t, dir, "archive"), 2)
	expectCode(t, archivist(t, dir, "archive", clitest.Mkfifo(t, dir, "fifo")), 2)
	expectCode(t, archivist(t, dir, "archive", filepath.Join(dir, "absent")), 2)
}

// sameFiles fails unless every file under want is under got with the
// same bytes, and got holds nothing else.
func sameFiles(t *testing.T, want, got string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(want, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rel, _ := filepath.Rel(want, p)
		w, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		g, err := os.ReadFile(filepath.Join(got, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if !bytes.Equal(w, g) {
			t.Errorf("%s: %d bytes fetched differ from the %d archived", rel, len(g), len(w))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m := 0
	filepath.WalkDir(got, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			m++
		}
		return nil
	})
	if m != n {
		t.Errorf("fetched %d files, archived %d", m, n)
	}
}

func TestFetch(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	dir := t.TempDir()
	folder := evidenceFolder(t, dir)
	car := filepath.Join(dir, "evidence.car")
	// Publishing to a node that is not there: could not check, though
	// the archive is made and its CID printed last.
	r := archivist(t, dir, "archive", "--kubo-api", clitest.DeadURL(t), folder)
	expectCode(t, r, 3)
	root := lastLine(r.stdout)
	if root != node.Add(t, folder) {
		t.Fatalf("archive with a dead --kubo-api printed %q last\n%s", root, r.stdout)
	}
	// Published with --kubo-api: imported and pinned on the node.
	r = archivist(t, dir, "archive", "--kubo-api", node.APIURL, folder)
	expectCode(t, r, 0)
	if lastLine(r.stdout) != root || !strings.Contains(r.stdout, "published to "+node.APIURL+" and pinned") {
		t.Fatalf("archive --kubo-api:\n%s", r.stdout)
	}
	if out := node.Run(t, "pin", "ls", "--type=recursive", root); !strings.Contains(out, root) {
		t.Fatalf("ipfs pin ls: %q", out)
	}

	// From Kubo's gateway: the files, byte for byte (flags after the CID
	// too).
	out := filepath.Join(dir, "out")
	r = archivist(t, dir, "fetch", root, "--gateway", node.GatewayURL, out)
	expectCode(t, r, 0)
	sameFiles(t, folder, out)
	// Again into the same folder: it does not overwrite.
	r = archivist(t, dir, "fetch", "--gateway", node.GatewayURL, root, out)
	expectCode(t, r, 2)
	if !strings.Contains(r.stderr, "does not overwrite") {
		t.Errorf("fetch over existing files:\n%s", r.stderr)
	}
	sameFiles(t, folder, out)

	// A file: written under its CID.
	one := write(t, dir, "one.txt", []byte("one file\n"))
	r = archivist(t, dir, "archive", "--car", car, one)
	expectCode(t, r, 0)
	fileCID := lastLine(r.stdout)
	node.Run(t, "dag", "import", "--pin-roots", car)
	expectCode(t, archivist(t, dir, "fetch", fileCID, "--gateway", node.GatewayURL, filepath.Join(dir, "out2")), 0)
	if got, err := os.ReadFile(filepath.Join(dir, "out2", fileCID)); err != nil || string(got) != "one file\n" {
		t.Errorf("fetched file: %q, %v", got, err)
	}

	// Bounded: a --max-size below the archive's bytes is refused unjudged.
	expectCode(t, archivist(t, dir, "fetch", root, "--gateway", node.GatewayURL, "--max-size", "1000", filepath.Join(dir, "out3")), 3)
	// A gateway nobody answers at: could not check.
	r = archivist(t, dir, "fetch", root, "--gateway", clitest.DeadURL(t), filepath.Join(dir, "out4"))
	expectCode(t, r, 3)
	// Not a CID.
	expectCode(t, archivist(t, dir, "fetch", "bafyNOT", "--gateway", node.GatewayURL, filepath.Join(dir, "out5")), 2)
}

// tamperGateway serves car for every request, as a trustless gateway
// would, whatever it holds.
func tamperGateway(t *testing.T, car []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ipfs.CARMediaType)
		w.Write(car)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestFetchTampered(t *testing.T) {
	dir := t.TempDir()
	folder := evidenceFolder(t, dir)
	car := filepath.Join(dir, "evidence.car")
	r := archivist(t, dir, "archive", "--car", car, folder)
	expectCode(t, r, 0)
	root := lastLine(r.stdout)
	good, err := os.ReadFile(car)
	if err != nil {
		t.Fatal(err)
	}
	// The untampered answer from the same server fetches: the tamper
	// cases below fail for their tampering alone.
	expectCode(t, archivist(t, dir, "fetch", root, "--gateway", tamperGateway(t, good), filepath.Join(dir, "good")), 0)
	sameFiles(t, folder, filepath.Join(dir, "good"))

	flipped := bytes.Clone(good)
	flipped[len(flipped)-1] ^= 1 // a byte of the last block
	other := filepath.Join(dir, "other.car")
	expectCode(t, archivist(t, dir, "archive", "--car", other, write(t, dir, "x", []byte("another file"))), 0)
	otherCAR, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	truncated := good[:len(good)-100]
	for _, tc := range []struct {
		name string
		car  []byte
		want int
	}{
		{"a flipped byte", flipped, 1},
		{"another archive", otherCAR, 1},
		{"cut short", truncated, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			r := archivist(t, dir, "fetch", root, "--gateway", tamperGateway(t, tc.car), out)
			expectCode(t, r, tc.want)
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Errorf("a rejected answer left %d entries in %s", len(ents), out)
			}
		})
	}

	// Not a CAR, or an HTTP error: the gateway did not answer the
	// question, which is could not check, never a rejection.
	for name, h := range map[string]http.HandlerFunc{
		"an HTML page": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>not a car</html>"))
		},
		"an HTTP error": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", http.StatusBadGateway)
		},
	} {
		srv := httptest.NewServer(h)
		r := archivist(t, dir, "fetch", root, "--gateway", srv.URL, filepath.Join(dir, "out-http"))
		srv.Close()
		if r.code != 3 {
			t.Errorf("%s: exit %d, want 3\n%s", name, r.code, r.stderr)
		}
	}
}

// TestAddArchiveRefuses: add --archive records nothing when a file cannot
// be archived under its name or cannot be read as a regular file.
func TestAddArchiveRefuses(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	write(t, dir, "ok.txt", []byte("ok"))
	write(t, sub, "ok.txt", []byte("ok"))
	for name, args := range map[string][]string{
		"a name that climbs out (..)": {"ok.txt", "../ok.txt"},
		"a FIFO":                      {"ok.txt", filepath.Base(clitest.Mkfifo(t, sub, "fifo"))},
		"a folder":                    {"ok.txt", "."},
	} {
		r := archivist(t, sub, append([]string{"add", "--archive", "--journal", filepath.Join(dir, "j")}, args...)...)
		if r.code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", name, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "j")); !os.IsNotExist(err) {
		t.Errorf("a refused add --archive made the journal: %v", err)
	}
	// The control: the good file alone is archived and recorded.
	expectCode(t, archivist(t, sub, "add", "--archive", "--journal", filepath.Join(dir, "j"), "ok.txt"), 0)
	// Publishing to a node that is not there: could not check, the files
	// and the archive recorded all the same (adding them again is a no-op).
	write(t, sub, "two.txt", []byte("two"))
	r := archivist(t, sub, "add", "--archive", "--journal", filepath.Join(dir, "j"), "--kubo-api", clitest.DeadURL(t), "two.txt")
	expectCode(t, r, 3)
	if !strings.Contains(r.stderr, "the files are recorded") || !strings.Contains(r.stdout, "item 3") || !strings.Contains(r.stdout, "item 4") {
		t.Errorf("add --archive with a dead --kubo-api:\n%s\n%s", r.stdout, r.stderr)
	}
}

// FuzzParseInterspersed: flags may follow positional arguments; the
// positional ones come back in order, each an argument given; a bad flag
// returns an exit code and no positional argument.
func FuzzParseInterspersed(f *testing.F) {
	f.Add("bafy\x00--gateway\x00http://127.0.0.1:1\x00out")
	f.Add("--json\x00a\x00--\x00--json")
	f.Add("-gateway=x\x00--max-size\x00-1\x00a")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.String("gateway", "", "")
		fs.Bool("json", false, "")
		pos, code := parseInterspersed(fs, args)
		if code >= 0 {
			if pos != nil {
				t.Fatalf("exit %d with positional %q", code, pos)
			}
			return
		}
		i := 0
		for _, p := range pos {
			for i < len(args) && args[i] != p {
				i++
			}
			if i == len(args) {
				t.Fatalf("positional %q out of order or not given: %q from %q", p, pos, args)
			}
			i++
		}
	})
}
