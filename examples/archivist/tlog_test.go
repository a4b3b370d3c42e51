//go:build unix

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/internal/clitest"
)

// tlogFlow is a journal whose two batches are anchored at the local log
// (and the memory target) and upgraded: the log then holds two
// statements, so each complete entry has a checkpoint of size 2 and a
// proof of one hash.
type tlogFlow struct {
	dir, a, b, pub, mpub, logDir string
}

func newTlogFlow(t *testing.T) tlogFlow {
	t.Helper()
	dir := t.TempDir()
	f := tlogFlow{
		dir:    dir,
		pub:    filepath.Join(dir, "archivist.journal.tlog.pub"),
		mpub:   filepath.Join(dir, "archivist.journal.memory.pub"),
		logDir: filepath.Join(dir, "archivist.journal.tlog"),
	}
	f.a = write(t, dir, "build.log", []byte("ok\tgithub.com/example/app\t0.4s\n"))
	f.b = write(t, dir, "sbom.json", []byte(`{"packages":[]}`))
	expectCode(t, archivist(t, dir, "add", "build.log"), 0)
	r := archivist(t, dir, "anchor", "--to", "tlog,memory")
	expectCode(t, r, 0)
	if !strings.Contains(r.stderr, "created the local log "+"archivist.journal.tlog (origin archivist.local) and its Ed25519 key archivist.journal.tlog.key (mode 600)") {
		t.Errorf("anchor did not say it made the log and its key:\n%s", r.stderr)
	}
	st, err := os.Stat(filepath.Join(dir, "archivist.journal.tlog.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the log's key: %v, %v; want mode 600", st, err)
	}
	if !strings.Contains(r.stdout, "archivist.local: pending") {
		t.Errorf("anchor:\n%s", r.stdout)
	}
	expectCode(t, archivist(t, dir, "add", "sbom.json"), 0)
	r = archivist(t, dir, "anchor", "--to", "tlog,memory")
	expectCode(t, r, 0)
	if strings.Contains(r.stderr, "created the local log") {
		t.Errorf("the second anchor made the log again:\n%s", r.stderr)
	}
	r = archivist(t, dir, "upgrade", "--to", "tlog,memory")
	expectCode(t, r, 0)
	if strings.Count(r.stdout, "archivist.local: final at depth") != 2 {
		t.Fatalf("upgrade:\n%s", r.stdout)
	}
	return f
}

// verifyReport is verify --json's output.
type verifyReport struct {
	Outcome string
	Exit    int
	Error   string
	Anchors []evidence.AnchorReport
}

func verifyJSONOf(t *testing.T, r result) verifyReport {
	t.Helper()
	var v verifyReport
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("verify --json: %v\n%s", err, r.stdout)
	}
	return v
}

func TestFlowTlog(t *testing.T) {
	f := newTlogFlow(t)
	receipt := filepath.Join(f.dir, "receipts", receiptA)
	pubLine, err := os.ReadFile(f.pub)
	if err != nil || !strings.HasPrefix(string(pubLine), "archivist.local+") {
		t.Fatalf("the log's public key file: %q, %v", pubLine, err)
	}

	// Offline, with the log's public key: both anchors, each reported.
	r := archivist(t, f.dir, "verify", "--tlog-key", f.pub, "--memory-key", f.mpub, receipt, f.a)
	expectCode(t, r, 0)
	for _, want := range []string{"verified: build.log", "anchor 1 at archivist.local (tlog): verified, checked offline", "anchor 2 at memory (memory): verified, checked offline"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("verify lacks %q:\n%s", want, r.stdout)
		}
	}
	// Online: the log's folder must still hold the anchor (consistency).
	r = archivist(t, f.dir, "verify", "--json", "--tlog-key", f.pub, "--tlog-dir", f.logDir, "--memory-key", f.mpub, receipt, f.a)
	expectCode(t, r, 0)
	v := verifyJSONOf(t, r)
	if v.Outcome != "verified" || len(v.Anchors) != 2 || v.Anchors[0].Checked != "online" || v.Anchors[0].State != "final" || v.Anchors[0].Depth != 2 || v.Anchors[1].Checked != "offline" {
		t.Fatalf("verify --tlog-dir: %s", r.stdout)
	}
	// The other file is rejected; the log's key alone leaves memory unchecked.
	expectCode(t, archivist(t, f.dir, "verify", "--tlog-key", f.pub, "--memory-key", f.mpub, receipt, f.b), 1)
	r = archivist(t, f.dir, "verify", "--json", "--tlog-key", f.pub, receipt, f.a)
	expectCode(t, r, 3)
	v = verifyJSONOf(t, r)
	if v.Outcome != "could not check" || len(v.Anchors) != 2 || v.Anchors[0].Outcome != "verified" || v.Anchors[1].Outcome != "could not check" || v.Anchors[1].Exit != 3 || !strings.Contains(v.Anchors[1].Reason, `no verifier for kind "memory"`) {
		t.Fatalf("verify with the log's key only: %s", r.stdout)
	}

	// Another log's key under the same origin: rejected.
	other := t.TempDir()
	write(t, other, "x", []byte("x"))
	expectCode(t, archivist(t, other, "add", "x"), 0)
	expectCode(t, archivist(t, other, "anchor", "--to", "tlog"), 0)
	otherPub := filepath.Join(other, "archivist.journal.tlog.pub")
	expectCode(t, archivist(t, f.dir, "verify", "--tlog-key", otherPub, "--memory-key", f.mpub, receipt, f.a), 1)
	// The log's key file replaced by another log's: its checkpoint is not
	// signed by that key, so the log is refused as false (1).
	if err := os.WriteFile(filepath.Join(other, "archivist.journal.tlog.key"), mustRead(t, filepath.Join(f.dir, "archivist.journal.tlog.key")), 0o600); err != nil {
		t.Fatal(err)
	}
	expectCode(t, archivist(t, other, "anchor", "--to", "tlog"), 1)
	// Two keys for one origin is a usage error.
	expectCode(t, archivist(t, f.dir, "verify", "--tlog-key", otherPub, "--tlog-key", f.pub, receipt, f.a), 2)

	// A fork: a log in another folder with the same origin and key, holding
	// other statements. Its checkpoints verify, but they are not
	// consistent with the receipt's: rejected online, verified offline.
	fork := t.TempDir()
	forkLog := filepath.Join(fork, "log")
	key, err := os.ReadFile(filepath.Join(f.dir, "archivist.journal.tlog.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(forkLog+".key", key, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"f1", "f2", "f3"} {
		write(t, fork, n, []byte(n))
		expectCode(t, archivist(t, fork, "add", n), 0)
		expectCode(t, archivist(t, fork, "anchor", "--to", "tlog", "--tlog-dir", forkLog), 0)
	}
	r = archivist(t, f.dir, "verify", "--json", "--tlog-key", f.pub, "--tlog-dir", forkLog, "--memory-key", f.mpub, receipt, f.a)
	expectCode(t, r, 1)
	v = verifyJSONOf(t, r)
	if len(v.Anchors) != 2 || v.Anchors[0].Outcome != "rejected" || v.Anchors[1].Outcome != "verified" {
		t.Fatalf("verify against a fork: %s", r.stdout)
	}
	// The folder of another log (another origin) is a usage error; a
	// folder that is not a log is bad input.
	expectCode(t, archivist(t, f.dir, "verify", "--tlog-key", f.pub, "--tlog-dir", t.TempDir(), receipt, f.a), 2)

	// A log with another origin, named by --tlog-origin.
	named := t.TempDir()
	write(t, named, "y", []byte("y"))
	expectCode(t, archivist(t, named, "add", "y"), 0)
	expectCode(t, archivist(t, named, "anchor", "--to", "tlog", "--tlog-origin", "logs.example.com/archive"), 0)
	expectCode(t, archivist(t, named, "upgrade", "--to", "tlog", "--tlog-origin", "logs.example.com/archive"), 0)
	namedReceipt := filepath.Join(named, "receipts", "00000001-y.receipt.json")
	namedPub := filepath.Join(named, "archivist.journal.tlog.pub")
	r = archivist(t, named, "verify", "--tlog-key", namedPub, namedReceipt, filepath.Join(named, "y"))
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "anchor 1 at logs.example.com/archive (tlog): verified") {
		t.Errorf("verify of a named log:\n%s", r.stdout)
	}
	// The log's origin is fixed when it is made: another one is refused.
	expectCode(t, archivist(t, named, "upgrade", "--to", "tlog", "--tlog-origin", "other.example.com"), 2)
	// Our log's key does not name that log: could not check, not a pass.
	expectCode(t, archivist(t, named, "verify", "--tlog-key", f.pub, namedReceipt, filepath.Join(named, "y")), 3)
}

// TestTamperedTlogReceipt alters the tlog entry of a complete receipt
// that also holds a memory anchor. Every false value is rejected (1); the
// report still says the memory anchor verified.
func TestTamperedTlogReceipt(t *testing.T) {
	f := newTlogFlow(t)
	data, err := os.ReadFile(filepath.Join(f.dir, "receipts", receiptA))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var anchors []map[string]json.RawMessage
	if err := json.Unmarshal(m["anchors"], &anchors); err != nil || len(anchors) != 2 {
		t.Fatalf("anchors: %v, %s", err, m["anchors"])
	}
	if string(anchors[0]["kind"]) != `"tlog"` {
		t.Fatalf("the first anchor is %s, want tlog", anchors[0]["kind"])
	}
	withTlog := func(key string, v json.RawMessage) []byte {
		c := map[string]json.RawMessage{}
		for k, x := range anchors[0] {
			c[k] = x
		}
		if v == nil {
			delete(c, key)
		} else {
			c[key] = v
		}
		b, _ := json.Marshal([]any{c, anchors[1]})
		r := map[string]json.RawMessage{}
		for k, x := range m {
			r[k] = x
		}
		r["anchors"] = b
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var proof []string
	if err := json.Unmarshal(anchors[0]["proof"], &proof); err != nil || len(proof) != 1 {
		t.Fatalf("proof: %v, %s; want one hash", err, anchors[0]["proof"])
	}
	h, _ := base64.StdEncoding.DecodeString(proof[0])
	h[0] ^= 1
	otherProof, _ := json.Marshal([]string{base64.StdEncoding.EncodeToString(h)})
	var cp string
	if err := json.Unmarshal(anchors[0]["checkpoint"], &cp); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(cp, "\n") // origin, size, hash, "", signature
	mutate := func(i int, f func(string) string) json.RawMessage {
		l := append([]string(nil), lines...)
		l[i] = f(l[i])
		b, _ := json.Marshal(strings.Join(l, "\n"))
		return b
	}
	flipB64 := func(s string) string {
		b := []byte(s)
		k := len(b) / 2
		if b[k] == 'A' {
			b[k] = 'B'
		} else {
			b[k] = 'A'
		}
		return string(b)
	}
	rows := []struct {
		name string
		data []byte
		want int
	}{
		{"untouched", data, 0},
		{"index", withTlog("index", json.RawMessage("1")), 1},
		{"proof hash", withTlog("proof", otherProof), 1},
		{"checkpoint tree hash", withTlog("checkpoint", mutate(2, flipB64)), 1},
		{"checkpoint size", withTlog("checkpoint", mutate(1, func(string) string { return "3" })), 1},
		{"checkpoint signature", withTlog("checkpoint", mutate(4, flipB64)), 1},
		{"target", withTlog("target", json.RawMessage(`"other.example.com"`)), 3},
		{"index beyond the checkpoint", withTlog("index", json.RawMessage("2")), 1},
		{"checkpoint removed", withTlog("checkpoint", nil), 2},
		{"index a string", withTlog("index", json.RawMessage(`"0"`)), 2},
		{"unknown member", withTlog("extra", json.RawMessage("1")), 2},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, t.TempDir(), "r.json", tt.data)
			r := archivist(t, f.dir, "verify", "--json", "--tlog-key", f.pub, "--memory-key", f.mpub, p, f.a)
			expectCode(t, r, tt.want)
			v := verifyJSONOf(t, r)
			if v.Exit != tt.want {
				t.Fatalf("exit %d in the JSON, want %d", v.Exit, tt.want)
			}
			if tt.want == 1 || tt.want == 3 {
				// The entries parsed: each is reported, memory verified.
				if len(v.Anchors) != 2 || v.Anchors[0].Exit != tt.want || v.Anchors[0].Reason == "" || v.Anchors[1].Outcome != "verified" {
					t.Fatalf("report: %s", r.stdout)
				}
			}
		})
	}
	// A pending tlog entry (no proof, no checkpoint) beside a verified
	// memory anchor: pending, 3.
	pending := withTlog("checkpoint", nil)
	var pm map[string]json.RawMessage
	json.Unmarshal(pending, &pm)
	var pa []map[string]json.RawMessage
	json.Unmarshal(pm["anchors"], &pa)
	delete(pa[0], "proof")
	pm["anchors"], _ = json.Marshal(pa)
	pending, _ = json.Marshal(pm)
	p := write(t, t.TempDir(), "pending.json", pending)
	r := archivist(t, f.dir, "verify", "--json", "--tlog-key", f.pub, "--memory-key", f.mpub, p, f.a)
	expectCode(t, r, 3)
	if v := verifyJSONOf(t, r); v.Outcome != "pending" || v.Anchors[0].Outcome != "pending" || v.Anchors[1].Outcome != "verified" {
		t.Fatalf("a pending tlog entry: %s", r.stdout)
	}
}

// TestTlogExitCodes: the tlog flags refuse what they cannot use (2).
func TestTlogExitCodes(t *testing.T) {
	f := newTlogFlow(t)
	receipt := filepath.Join(f.dir, "receipts", receiptA)
	priv := filepath.Join(f.dir, "archivist.journal.tlog.key")
	fifo := clitest.Mkfifo(t, f.dir, "fifo")
	twoLines := write(t, f.dir, "two.pub", bytes.Repeat(mustRead(t, f.pub), 2))
	rows := []struct {
		name string
		args []string
		want int
	}{
		{"anchor: bad origin", []string{"anchor", "--to", "tlog", "--tlog-dir", filepath.Join(t.TempDir(), "l"), "--tlog-origin", "has space"}, 2},
		{"anchor: log folder is a file", []string{"anchor", "--to", "tlog", "--tlog-dir", f.a}, 2},
		{"verify: --tlog-dir without --tlog-key", []string{"verify", "--tlog-dir", f.logDir, receipt, f.a}, 2},
		{"verify: --tlog-key is the private key", []string{"verify", "--tlog-key", priv, receipt, f.a}, 2},
		{"verify: --tlog-key is a FIFO", []string{"verify", "--tlog-key", fifo, receipt, f.a}, 2},
		{"verify: --tlog-key of two lines", []string{"verify", "--tlog-key", twoLines, receipt, f.a}, 2},
		{"verify: --tlog-key is not a key", []string{"verify", "--tlog-key", f.a, receipt, f.a}, 2},
		{"verify: --tlog-dir missing", []string{"verify", "--tlog-key", f.pub, "--tlog-dir", filepath.Join(f.dir, "missing"), receipt, f.a}, 2},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			r := archivist(t, f.dir, tt.args...)
			expectCode(t, r, tt.want)
		})
	}
	// A FIFO where the public key goes is replaced, not waited on.
	if err := os.Remove(f.pub); err != nil {
		t.Fatal(err)
	}
	clitest.Mkfifo(t, f.dir, filepath.Base(f.pub))
	r := archivist(t, f.dir, "upgrade", "--to", "tlog")
	expectCode(t, r, 0)
	if r.took > 10*time.Second || !bytes.Equal(mustRead(t, f.pub)[:len("archivist.local+")], []byte("archivist.local+")) {
		t.Fatalf("took %s; the public key file holds %q", r.took, mustRead(t, f.pub))
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
