//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/internal/clitest"
)

// The CLI is tested as a user meets it: the built binary, run as a
// process, judged by its exit code and output.
var archivistBin string

func TestMain(m *testing.M) { clitest.Main(m, "archivist", &archivistBin) }

type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// archivist runs the binary in dir; it is killed after 20 s.
func archivist(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, archivistBin, args...)
	cmd.Dir = dir
	start := time.Now()
	code, stdout, stderr := clitest.Run(t, cmd)
	return result{code, stdout, stderr, time.Since(start)}
}

func expectCode(t *testing.T, r result, want int) {
	t.Helper()
	clitest.ExpectCode(t, r.code, want, r.stdout, r.stderr)
}

// write makes the file dir/name (and its folders) with b.
var write = clitest.WriteFile

func TestDemo(t *testing.T) {
	r := archivist(t, t.TempDir(), "demo")
	expectCode(t, r, 0)
	for _, want := range []string{"pending (exit 3)", "final at depth 3", "verified: leaf 4 of 5, 3 anchors checked offline", "checked online: final at depth 3", "archivist.local: checked online: final at depth 1", "rejected (exit 1)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the story lacks %q:\n%s", want, r.stdout)
		}
	}
	r = archivist(t, t.TempDir(), "demo", "--json")
	expectCode(t, r, 0)
	var got struct {
		OK    bool
		Steps []demoStep
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("demo --json: %v\n%s", err, r.stdout)
	}
	if !got.OK || len(got.Steps) != 12 {
		t.Fatalf("demo --json: ok %v, %d steps, want true, 12:\n%s", got.OK, len(got.Steps), r.stdout)
	}
	if last := got.Steps[len(got.Steps)-1]; last.Outcome != "rejected" || last.Exit != 1 {
		t.Errorf("last step %+v, want the tampered file rejected", last)
	}
}

// TestDemoKeepAgain: demo --keep DIR run a second time into the same
// folder is refused as bad usage (2), DIR named, before anything is
// written: the first run's journal and receipts are left as they were.
func TestDemoKeepAgain(t *testing.T) {
	dir := t.TempDir()
	expectCode(t, archivist(t, dir, "demo", "--keep", "kept"), 0)
	journal := filepath.Join(dir, "kept", "archivist.journal")
	before, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	receipts, err := filepath.Glob(filepath.Join(dir, "kept", "receipts", "*.receipt.json"))
	if err != nil || len(receipts) != len(demoFiles) {
		t.Fatalf("the first run's receipts: %v, %v", receipts, err)
	}
	r := archivist(t, dir, "demo", "--keep", "kept")
	expectCode(t, r, 2)
	if want := "archivist: usage: --keep kept: it already holds a demo's evidence (archivist.journal): name a new or empty folder, or remove this one first (rm -r kept)"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("the refused run told a story:\n%s", r.stdout)
	}
	if after, err := os.ReadFile(journal); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the refused run changed the first run's journal (%v)", err)
	}
	if again, _ := filepath.Glob(filepath.Join(dir, "kept", "receipts", "*.receipt.json")); len(again) != len(receipts) {
		t.Errorf("receipts after the refused run: %v, want %v", again, receipts)
	}
}

// flow is a journal in a folder with two files added and anchored at the
// memory target.
type flow struct {
	dir, a, b, pub string
}

func newFlow(t *testing.T) flow {
	t.Helper()
	dir := t.TempDir()
	f := flow{dir: dir, pub: filepath.Join(dir, "archivist.journal.memory.pub")}
	f.a = write(t, dir, "build.log", []byte("ok\tgithub.com/example/app\t0.4s\n"))
	f.b = write(t, dir, "sbom.json", []byte(`{"packages":[]}`))
	expectCode(t, archivist(t, dir, "add", "build.log", "sbom.json"), 0)
	r := archivist(t, dir, "anchor", "--to", "memory")
	expectCode(t, r, 0)
	if !strings.Contains(r.stderr, "created the memory target's Ed25519 key") {
		t.Errorf("anchor did not say it made a key:\n%s", r.stderr)
	}
	return f
}

func (f flow) receipt(dir, item string) string {
	return filepath.Join(f.dir, dir, item)
}

const receiptA = "00000001-build.log.receipt.json"

func TestFlowMemory(t *testing.T) {
	f := newFlow(t)

	// Before any block: the receipt holds a pending entry only.
	expectCode(t, archivist(t, f.dir, "receipts", "--out", "pending"), 0)
	r := archivist(t, f.dir, "verify", "--memory-key", f.pub, f.receipt("pending", receiptA), f.a)
	expectCode(t, r, 3)
	if !strings.Contains(r.stderr, "pending") {
		t.Errorf("a pending receipt is not called pending:\n%s", r.stderr)
	}

	r = archivist(t, f.dir, "upgrade", "--to", "memory")
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "memory: confirmed at depth 1") || !strings.Contains(r.stdout, "2 receipt(s) written") {
		t.Errorf("upgrade:\n%s", r.stdout)
	}
	good := f.receipt("receipts", receiptA)
	r = archivist(t, f.dir, "verify", "--memory-key", f.pub, good, f.a)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "verified: build.log") {
		t.Errorf("verify:\n%s", r.stdout)
	}
	// A renamed copy of the file verifies: the receipt vouches for content.
	expectCode(t, archivist(t, f.dir, "verify", "--memory-key", f.pub, good, write(t, f.dir, "copy/renamed.bin", []byte("ok\tgithub.com/example/app\t0.4s\n"))), 0)

	// Two more blocks: final at depth 3.
	r = archivist(t, f.dir, "upgrade", "--to", "memory", "--memory-mine", "2", "--json")
	expectCode(t, r, 0)
	var up struct {
		Batches  []evidence.BatchJSON
		Receipts []evidence.WrittenReceipt
	}
	if err := json.Unmarshal([]byte(r.stdout), &up); err != nil {
		t.Fatalf("upgrade --json: %v\n%s", err, r.stdout)
	}
	if len(up.Batches) != 1 || !up.Batches[0].Final || up.Batches[0].Anchors[0].Depth != 3 || len(up.Receipts) != 2 {
		t.Fatalf("upgrade --json: %s", r.stdout)
	}

	// The other file, a changed byte, another key, no key: not a pass.
	expectCode(t, archivist(t, f.dir, "verify", "--memory-key", f.pub, good, f.b), 1)
	tampered := write(t, f.dir, "tampered/build.log", []byte("ok\tgithub.com/example/app\t0.5s\n"))
	r = archivist(t, f.dir, "verify", "--memory-key", f.pub, good, tampered)
	expectCode(t, r, 1)
	if !strings.Contains(r.stderr, "rejected") {
		t.Errorf("a tampered file is not called rejected:\n%s", r.stderr)
	}
	other := t.TempDir()
	write(t, other, "x", []byte("x"))
	expectCode(t, archivist(t, other, "add", "x"), 0)
	expectCode(t, archivist(t, other, "anchor", "--to", "memory"), 0)
	expectCode(t, archivist(t, f.dir, "verify", "--memory-key", filepath.Join(other, "archivist.journal.memory.pub"), good, f.a), 1)
	r = archivist(t, f.dir, "verify", good, f.a)
	expectCode(t, r, 3)
	if !strings.Contains(r.stderr, "no verifier was given") {
		t.Errorf("verify without a key does not say why:\n%s", r.stderr)
	}

	// --json on verify.
	r = archivist(t, f.dir, "verify", "--json", "--memory-key", f.pub, good, f.a)
	expectCode(t, r, 0)
	var v struct {
		Outcome string
		Exit    int
		Error   string
		Result  *struct {
			Evidence struct {
				Name   string
				Digest struct{ Alg, Hex string }
			}
			Anchors []struct{ Target, Checked string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Outcome != "verified" || v.Result == nil || v.Result.Evidence.Name != "build.log" ||
		v.Result.Evidence.Digest.Hex != "11b4551ff6ce708cd8b291c2ca401abee3672cdd5421a2486ac112137c57a4d6" || len(v.Result.Anchors) != 1 || v.Result.Anchors[0].Checked != "offline" {
		t.Fatalf("verify --json: %v\n%s", err, r.stdout)
	}
	r = archivist(t, f.dir, "verify", "--json", "--memory-key", f.pub, good, tampered)
	expectCode(t, r, 1)
	v.Result = nil
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Outcome != "rejected" || v.Exit != 1 || v.Error == "" {
		t.Fatalf("verify --json, tampered: %v\n%s", err, r.stdout)
	}

	// status, text and JSON.
	r = archivist(t, f.dir, "status")
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "batch 1: 2 item(s)") || !strings.Contains(r.stdout, "memory: final at depth 3") {
		t.Errorf("status:\n%s", r.stdout)
	}
	r = archivist(t, f.dir, "status", "--json")
	expectCode(t, r, 0)
	var st struct{ Batches []evidence.BatchJSON }
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || len(st.Batches) != 1 || st.Batches[0].Size != 2 || st.Batches[0].Anchors[0].State != "final" {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}

	// Adding a file again changes nothing; a new one makes a new batch.
	expectCode(t, archivist(t, f.dir, "add", "build.log"), 0)
	r = archivist(t, f.dir, "anchor", "--to", "memory")
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "no new items to seal") {
		t.Errorf("anchor after adding a known file:\n%s", r.stdout)
	}
	write(t, f.dir, "new.txt", []byte("new"))
	r = archivist(t, f.dir, "add", "--json", "new.txt")
	expectCode(t, r, 0)
	var added struct{ Items []evidence.AddedItem }
	if err := json.Unmarshal([]byte(r.stdout), &added); err != nil || len(added.Items) != 1 || added.Items[0].Item != 3 || added.Items[0].MediaType != "text/plain" {
		t.Fatalf("add --json: %v\n%s", err, r.stdout)
	}
	r = archivist(t, f.dir, "anchor", "--to", "memory", "--json")
	expectCode(t, r, 0)
	var an struct {
		Sealed  uint64
		Batches []evidence.BatchJSON
	}
	if err := json.Unmarshal([]byte(r.stdout), &an); err != nil || an.Sealed != 3 || len(an.Batches) != 2 {
		t.Fatalf("anchor --json: %v\n%s", err, r.stdout)
	}
	// upgrade with a pending anchor left (no block made) exits 3.
	r = archivist(t, f.dir, "upgrade", "--to", "memory", "--memory-mine", "0")
	expectCode(t, r, 3)
	if !strings.Contains(r.stderr, "still pending") {
		t.Errorf("upgrade with an anchor pending:\n%s", r.stderr)
	}
}

// TestTamperedReceipt alters one member of a complete receipt. A receipt
// that still follows the format but says something false is rejected (1):
// the check ran and said no. One that no longer follows the format is bad
// input (2): nothing could be checked. Two alterations make a receipt that
// claims less rather than something false, and are 3: its anchors removed
// (pending), an entry's kind changed (no verifier for that kind).
func TestTamperedReceipt(t *testing.T) {
	f := newFlow(t)
	expectCode(t, archivist(t, f.dir, "upgrade", "--to", "memory"), 0)
	data, err := os.ReadFile(f.receipt("receipts", receiptA))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	flipHex := func(s json.RawMessage) json.RawMessage {
		b := bytes.Clone(s)
		if b[1] == '0' {
			b[1] = '1'
		} else {
			b[1] = '0'
		}
		return b
	}
	set := func(key string, v json.RawMessage) []byte {
		c := map[string]json.RawMessage{}
		for k, x := range m {
			c[k] = x
		}
		if v == nil {
			delete(c, key)
		} else {
			c[key] = v
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var ev map[string]json.RawMessage
	json.Unmarshal(m["evidence"], &ev)
	withEvidence := func(key string, v json.RawMessage) []byte {
		c := map[string]json.RawMessage{}
		for k, x := range ev {
			c[k] = x
		}
		c[key] = v
		b, _ := json.Marshal(c)
		return set("evidence", b)
	}
	var proof []json.RawMessage
	json.Unmarshal(m["proof"], &proof)
	var anchors []map[string]json.RawMessage
	json.Unmarshal(m["anchors"], &anchors)
	withAnchor := func(key string, v json.RawMessage) []byte {
		c := map[string]json.RawMessage{}
		for k, x := range anchors[0] {
			c[k] = x
		}
		c[key] = v
		b, _ := json.Marshal([]any{c})
		return set("anchors", b)
	}
	sig := bytes.Clone(anchors[0]["sig"])
	sig[1] ^= 0x01 // another base64 character: another signature
	rows := []struct {
		name string
		data []byte
		want int
	}{
		{"untouched", data, 0},
		{"root", set("root", flipHex(m["root"])), 1},
		{"proof hash", set("proof", json.RawMessage("["+string(flipHex(proof[0]))+"]")), 1},
		{"leafIndex", set("leafIndex", json.RawMessage("1")), 1},
		{"treeSize", set("treeSize", json.RawMessage("3")), 1},
		{"evidence name", withEvidence("name", json.RawMessage(`"build.log2"`)), 1},
		{"evidence mediaType", withEvidence("mediaType", json.RawMessage(`"text/csv"`)), 1},
		{"memory signature", withAnchor("sig", sig), 1},
		{"memory block", withAnchor("block", json.RawMessage("2")), 1},
		{"memory entry root", withAnchor("root", json.RawMessage(`"`+strings.Repeat("00", 32)+`"`)), 1},
		{"memory entry target", withAnchor("target", json.RawMessage(`"other"`)), 1},
		// Not a rejection, never a pass: without its anchors the receipt
		// is pending; an entry of another kind has no verifier here.
		{"anchors removed", set("anchors", json.RawMessage("[]")), 3},
		{"entry kind", withAnchor("kind", json.RawMessage(`"eth"`)), 3},
		{"truncated", data[:len(data)/2], 2},
		{"not JSON", []byte("receipt"), 2},
		{"unknown member", set("extra", json.RawMessage("1")), 2},
		{"missing member", set("proof", nil), 2},
		{"root of 31 bytes", set("root", json.RawMessage(`"`+strings.Repeat("00", 31)+`"`)), 2},
		{"leafIndex past treeSize", set("leafIndex", json.RawMessage("2")), 2},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, t.TempDir(), "r.json", tt.data)
			expectCode(t, archivist(t, f.dir, "verify", "--memory-key", f.pub, p, f.a), tt.want)
		})
	}
}

// TestExitCodes: inputs a command must refuse at once (2), and a chain
// endpoint that is not there (3). Every row must end within 10 s: a FIFO
// or a device is refused without being waited on. These are the cases
// beyond TestExitMatrix's rows, which this test does not repeat.
func TestExitCodes(t *testing.T) {
	f := newFlow(t)
	expectCode(t, archivist(t, f.dir, "upgrade", "--to", "memory"), 0)
	good := f.receipt("receipts", receiptA)
	fifo := clitest.Mkfifo(t, f.dir, "fifo")
	big := write(t, f.dir, "big.bin", make([]byte, 101))
	priv := filepath.Join(f.dir, "archivist.journal.memory.key")
	dead := clitest.DeadURL(t)
	sink := "0x5e1f000000000000000000000000000000a77e57"
	empty := t.TempDir()
	notJournal := write(t, empty, "not-a-journal", []byte("not a bbolt file"))
	// A well-known test key (go-ethereum's documentation uses it), never funded.
	const testKey = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n"
	key := write(t, empty, "eth.key", []byte(testKey))
	openKey := write(t, empty, "eth-open.key", []byte(testKey))
	if err := os.Chmod(key, 0o600); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name string
		args []string
		want int
	}{
		{"add: a FIFO among good files", []string{"add", f.a, fifo}, 2},
		{"add: a directory", []string{"add", f.dir}, 2},
		{"add: /dev/zero", []string{"add", "/dev/zero"}, 2},
		{"add: missing", []string{"add", filepath.Join(f.dir, "missing")}, 2},
		{"add: over --max-size", []string{"add", "--max-size", "100", big}, 2},
		{"add: no file", []string{"add"}, 2},
		{"add: unknown flag", []string{"add", "--bogus", f.a}, 2},
		{"anchor: unknown flag", []string{"anchor", "--to", "memory", "--bogus"}, 2},
		{"anchor: unknown target", []string{"anchor", "--to", "ipfs"}, 2},
		{"anchor: eth without a key", []string{"anchor", "--to", "eth", "--eth-rpc", dead, "--chain-id", "1337", "--sink", sink}, 2},
		{"anchor: eth key variable not set", []string{"anchor", "--to", "eth", "--eth-rpc", dead, "--chain-id", "1337", "--sink", sink, "--eth-key-env", "ARCHIVIST_TEST_NO_SUCH_VAR"}, 2},
		{"anchor: eth key file readable by others", []string{"anchor", "--to", "eth", "--eth-rpc", dead, "--chain-id", "1337", "--sink", sink, "--eth-key-file", openKey}, 2},
		{"anchor: eth, node not there", []string{"anchor", "--to", "eth", "--eth-rpc", dead, "--chain-id", "1337", "--sink", sink, "--eth-key-file", key}, 3},
		{"status: no journal", []string{"status", "--journal", filepath.Join(empty, "j")}, 2},
		{"status: not a journal", []string{"status", "--journal", notJournal}, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"no command", nil, 2},
		{"verify: unknown flag", []string{"verify", "--bogus", good, f.a}, 2},
		{"verify: one argument", []string{"verify", good}, 2},
		{"verify: evidence is a FIFO", []string{"verify", "--memory-key", f.pub, good, fifo}, 2},
		{"verify: evidence is /dev/zero", []string{"verify", "--memory-key", f.pub, good, "/dev/zero"}, 2},
		{"verify: evidence over --max-size", []string{"verify", "--max-size", "10", "--memory-key", f.pub, good, f.a}, 2},
		{"verify: --memory-key is a FIFO", []string{"verify", "--memory-key", fifo, good, f.a}, 2},
		{"verify: --memory-key is the private key", []string{"verify", "--memory-key", priv, good, f.a}, 2},
		{"verify: --sink without --chain-id", []string{"verify", "--sink", sink, good, f.a}, 2},
		{"verify: --eth-rpc without --chain-id", []string{"verify", "--eth-rpc", dead, good, f.a}, 2},
		{"verify: bad --sink", []string{"verify", "--chain-id", "1", "--sink", "0x12", good, f.a}, 2},
		{"help", []string{"--help"}, 0},
		{"verify --help", []string{"verify", "--help"}, 0},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := archivist(t, f.dir, tt.args...)
			if r.took > 10*time.Second {
				t.Fatalf("took %s", r.took)
			}
			expectCode(t, r, tt.want)
		})
	}
}

// TestProgress: add and receipts say how far they are on stderr, every
// 1,000 items.
func TestProgress(t *testing.T) {
	dir := t.TempDir()
	var names []string
	for i := range 1200 {
		names = append(names, write(t, dir, fmt.Sprintf("f/%04d.txt", i), fmt.Appendf(nil, "file %d\n", i)))
	}
	r := archivist(t, dir, append([]string{"add"}, names...)...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stderr, "archivist: measured 1000 of 1200") {
		t.Errorf("add: no progress line:\n%s", r.stderr)
	}
	expectCode(t, archivist(t, dir, "anchor", "--to", "memory"), 0)
	r = archivist(t, dir, "receipts")
	expectCode(t, r, 0)
	if !strings.Contains(r.stderr, "archivist: receipts written 1000 of 1200") {
		t.Errorf("receipts: no progress line:\n%s", r.stderr)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "receipts"))
	if err != nil || len(entries) != 1200 {
		t.Fatalf("%d receipts, %v; want 1200", len(entries), err)
	}
	if got := entries[1199].Name(); got != "00001200-1199.txt.receipt.json" {
		t.Errorf("last receipt %q", got)
	}
}

// TestAddNothingOnError: a bad file among good ones records nothing, and
// makes no journal.
func TestAddNothingOnError(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.txt", []byte("a"))
	clitest.Mkfifo(t, dir, "fifo")
	r := archivist(t, dir, "add", "a.txt", "fifo", "missing")
	expectCode(t, r, 2)
	if !strings.Contains(r.stderr, "fifo is not a regular file (a FIFO)") || !strings.Contains(r.stderr, "missing") {
		t.Errorf("add does not name every bad file:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "archivist.journal")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed add left a journal: %v", err)
	}
}

// TestJournalInUse: a journal another process holds is refused (2) after
// the one-second lock wait, not waited on for ever.
func TestJournalInUse(t *testing.T) {
	f := newFlow(t)
	j := openJournal(t, f.dir)
	defer j.Close()
	r := archivist(t, f.dir, "status")
	expectCode(t, r, 2)
	if r.took > 10*time.Second || !strings.Contains(r.stderr, "journal") {
		t.Fatalf("took %s:\n%s", r.took, r.stderr)
	}
}

// TestReceiptsIntoAFileClaimsNothing: receipts --out naming a file fails
// (2) and does not print "0 receipt(s) written to" a folder it could not
// use.
func TestReceiptsIntoAFileClaimsNothing(t *testing.T) {
	f := newFlow(t)
	r := archivist(t, f.dir, "receipts", "--out", "build.log")
	expectCode(t, r, 2)
	if strings.Contains(r.stdout, "written to") {
		t.Fatalf("a failed receipts run claims receipts written:\n%s", r.stdout)
	}
}
