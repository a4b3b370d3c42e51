//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ats-run/selfattest/examples/internal/evidence/evidencetest"
	"github.com/ats-run/selfattest/internal/clitest"
)

// copyTree copies the folder src into dst, modes kept (a key of mode 600
// stays 600): a row's own copy of a journal and its targets' files, so
// rows run in parallel never share a journal (a journal one process holds
// is refused to another).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm())
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(to, b, info.Mode().Perm())
		}
		return nil // a FIFO or other special file of the source stays behind
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestExitMatrix is the archivist's exit-code table: for every command
// its usage lists, every code (0 done or verified, 1 rejected, 2 bad
// usage or input, 3 could not check or pending), run against the built
// binary, or a row saying why the command cannot end so. Services are
// on 127.0.0.1 and in this process (go-ethereum's simulated chain, a
// gateway serving a CAR); a node that is not there is a refused port.
func TestExitMatrix(t *testing.T) {
	dead := clitest.DeadURL(t)
	stall := clitest.StallServer(t)
	shared := t.TempDir()
	fifo := clitest.Mkfifo(t, shared, "fifo")
	// A well-known test key (go-ethereum's documentation uses it), never
	// funded, mode 600.
	unfunded := write(t, shared, "unfunded.key", []byte("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n"))
	if err := os.Chmod(unfunded, 0o600); err != nil {
		t.Fatal(err)
	}

	// anchored: two files added and anchored at the memory target, not
	// confirmed yet, with their pending receipts in pending/. upgraded:
	// the same, upgraded: confirmed, receipts in receipts/.
	anchored := newFlow(t)
	expectCode(t, archivist(t, anchored.dir, "receipts", "--out", "pending"), 0)
	upgraded := t.TempDir()
	copyTree(t, anchored.dir, upgraded)
	expectCode(t, archivist(t, upgraded, "upgrade", "--to", "memory"), 0)
	in := func(template string, a ...string) func(*testing.T, string) []string {
		return func(t *testing.T, dir string) []string {
			copyTree(t, template, dir)
			return a
		}
	}
	args := clitest.Args
	pub := "archivist.journal.memory.pub"
	good := filepath.Join("receipts", receiptA)

	// An archive and its CAR, for fetch; a gateway serving it as it is,
	// one serving it with a byte flipped.
	carDir := t.TempDir()
	write(t, carDir, "evidence/a.txt", []byte("evidence a\n"))
	write(t, carDir, "evidence/b.txt", []byte("evidence b\n"))
	r := archivist(t, carDir, "archive", "--car", "evidence.car", "evidence")
	expectCode(t, r, 0)
	root := lastLine(r.stdout)
	car, err := os.ReadFile(filepath.Join(carDir, "evidence.car"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte{}, car...)
	flipped[len(flipped)-1] ^= 1
	goodGW, badGW := tamperGateway(t, car), tamperGateway(t, flipped)

	// A chain with one anchor pending at the eth target (the chain makes
	// no block unless told), for bump; the journal is copied per row.
	ethDir := t.TempDir()
	chain := evidencetest.NewHTTPChain(t, ethDir)
	ethFlags := []string{"--eth-rpc", chain.URL, "--chain-id", "1337", "--sink", testSink}
	write(t, ethDir, "report.pdf", []byte("%PDF-1.7 a report"))
	expectCode(t, archivist(t, ethDir, "add", "report.pdf"), 0)
	expectCode(t, archivist(t, ethDir, append([]string{"anchor", "--to", "eth", "--eth-key-file", "eth.key"}, ethFlags...)...), 0)
	bump := func(extra ...string) func(*testing.T, string) []string {
		return in(ethDir, append(append([]string{"bump", "--to", "eth"}, ethFlags...), extra...)...)
	}

	rows := []clitest.Row{
		{Cmd: "add", Code: 0, Name: "a file", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "a.txt", []byte("a"))
			return []string{"add", "a.txt"}
		}, Want: "1 file(s) recorded in archivist.journal"},
		{Cmd: "add", Code: 1, Name: "never", Impossible: "add measures local files and records them: it is told nothing it could find false, so its errors are bad input (2) or, publishing an archive, could not check (3)"},
		{Cmd: "add", Code: 2, Name: "a FIFO", Args: args("add", fifo), Want: "is not a regular file (a FIFO)"},
		{Cmd: "add", Code: 3, Name: "--archive to a Kubo node that is not there", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "a.txt", []byte("a"))
			return []string{"add", "--archive", "--kubo-api", dead, "a.txt"}
		}, Want: "the files are recorded"},

		{Cmd: "anchor", Code: 0, Name: "at the memory target", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "a.txt", []byte("a"))
			expectCode(t, archivist(t, dir, "add", "a.txt"), 0)
			return []string{"anchor", "--to", "memory"}
		}, Want: "memory: pending"},
		{Cmd: "anchor", Code: 1, Name: "the local log's checkpoint is not signed by its key", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "a.txt", []byte("a"))
			write(t, dir, "b.txt", []byte("b"))
			expectCode(t, archivist(t, dir, "add", "a.txt"), 0)
			expectCode(t, archivist(t, dir, "anchor", "--to", "tlog"), 0)
			expectCode(t, archivist(t, dir, "add", "b.txt"), 0)
			// Another root in the checkpoint: its signature no longer
			// verifies.
			cp := filepath.Join(dir, "archivist.journal.tlog", "checkpoint")
			b, err := os.ReadFile(cp)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitN(string(b), "\n", 4)
			root := []byte(lines[2])
			root[0] ^= 1 // another base64 character
			lines[2] = string(root)
			write(t, dir, filepath.Join("archivist.journal.tlog", "checkpoint"), []byte(strings.Join(lines, "\n")))
			return []string{"anchor", "--to", "tlog"}
		}, Want: "invalid checkpoint signature"},
		{Cmd: "anchor", Code: 2, Name: "no --to", Args: in(anchored.dir, "anchor"), Want: "--to: name at least one target"},
		{Cmd: "anchor", Code: 3, Name: "eth node not there", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "a.txt", []byte("a"))
			expectCode(t, archivist(t, dir, "add", "a.txt"), 0)
			return []string{"anchor", "--to", "eth", "--eth-rpc", dead, "--chain-id", "1337", "--sink", testSink, "--eth-key-file", unfunded}
		}, Want: "connection refused"},

		{Cmd: "upgrade", Code: 0, Name: "memory: confirmed", Args: in(anchored.dir, "upgrade", "--to", "memory"), Want: "memory: confirmed at depth 1"},
		{Cmd: "upgrade", Code: 1, Name: "the memory target's ledger holds another root", Args: func(t *testing.T, dir string) []string {
			copyTree(t, anchored.dir, dir)
			p := filepath.Join(dir, "archivist.journal.memory.json")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			i := strings.Index(string(b), `"root":"`) + len(`"root":"`)
			if b[i] == '0' {
				b[i] = '1'
			} else {
				b[i] = '0'
			}
			write(t, dir, "archivist.journal.memory.json", b)
			return []string{"upgrade", "--to", "memory"}
		}, Want: "anchor: rejected"},
		{Cmd: "upgrade", Code: 2, Name: "no journal", Args: args("upgrade", "--to", "memory"), Want: "no journal at archivist.journal"},
		{Cmd: "upgrade", Code: 3, Name: "pending: no block made", Args: in(anchored.dir, "upgrade", "--to", "memory", "--memory-mine", "0"), Want: "still pending"},
		{Cmd: "upgrade", Code: 3, Name: "eth node not there", Args: in(anchored.dir, "upgrade", "--to", "eth", "--eth-rpc", dead, "--chain-id", "1337", "--sink", testSink), Want: "connection refused"},

		{Cmd: "status", Code: 0, Name: "a journal", Args: in(upgraded, "status"), Want: "memory: confirmed at depth 1"},
		{Cmd: "status", Code: 1, Name: "never", Impossible: "status prints the local journal and checks nothing: no answer of anyone's can be false"},
		{Cmd: "status", Code: 2, Name: "not a journal", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "j", []byte(strings.Repeat("not a bbolt file", 512)))
			return []string{"status", "--journal", "j"}
		}, Want: "journal j: cannot open"},
		{Cmd: "status", Code: 3, Name: "never", Impossible: "status asks no one: it reads the local journal, and a journal it cannot use (missing, not a journal, held by another process) is bad input (2)"},

		{Cmd: "receipts", Code: 0, Name: "one per item", Args: in(anchored.dir, "receipts"), Want: "2 receipt(s) written to receipts"},
		{Cmd: "receipts", Code: 1, Name: "never", Impossible: "receipts writes out what the local journal holds and checks nothing: no answer of anyone's can be false"},
		{Cmd: "receipts", Code: 2, Name: "--out names a file", Args: in(anchored.dir, "receipts", "--out", "build.log"), Want: "receipts folder: mkdir build.log: not a directory"},
		{Cmd: "receipts", Code: 3, Name: "never", Impossible: "receipts asks no one: it reads the local journal and writes files, and a journal or folder it cannot use is bad input (2)"},

		{Cmd: "verify", Code: 0, Name: "a confirmed receipt", Args: in(upgraded, "verify", "--memory-key", pub, good, "build.log"), Want: "verified: build.log"},
		{Cmd: "verify", Code: 1, Name: "another file", Args: in(upgraded, "verify", "--memory-key", pub, good, "sbom.json"), Want: "the evidence is not the item the receipt names"},
		{Cmd: "verify", Code: 2, Name: "the receipt is a FIFO", Args: in(upgraded, "verify", "--memory-key", pub, fifo, "build.log"), Want: "is not a regular file (a FIFO)"},
		{Cmd: "verify", Code: 3, Name: "a pending receipt", Args: in(anchored.dir, "verify", "--memory-key", pub, filepath.Join("pending", receiptA), "build.log"), Want: "pending"},
		{Cmd: "verify", Code: 3, Name: "no verifier for its anchor", Args: in(upgraded, "verify", good, "build.log"), Want: "no verifier was given"},

		{Cmd: "bump", Code: 0, Name: "an anchor priced by the archivist is not stuck", Args: bump("--eth-key-file", "eth.key"), Want: "not stuck"},
		{Cmd: "bump", Code: 1, Name: "another sender's anchor", Args: bump("--all", "--eth-key-file", unfunded), Want: "eth: rejected: from"},
		{Cmd: "bump", Code: 2, Name: "a target bump does not re-price", Args: in(ethDir, "bump", "--to", "memory"), Want: "bump re-prices eth and eth-event anchors only"},
		{Cmd: "bump", Code: 3, Name: "eth node not there", Args: in(ethDir, "bump", "--to", "eth", "--eth-rpc", dead, "--chain-id", "1337", "--sink", testSink, "--eth-key-file", "eth.key"), Want: "connection refused"},

		{Cmd: "deploy-contract", Code: 0, Name: "deployed on a chain making a block every 100 ms", Args: func(t *testing.T, dir string) []string {
			c := evidencetest.NewHTTPChain(t, dir)
			c.StartMining(t)
			return []string{"deploy-contract", "--eth-rpc", c.URL, "--chain-id", "1337", "--eth-key-file", c.KeyFile}
		}, Want: "the Anchor contract is at 0x"},
		{Cmd: "deploy-contract", Code: 1, Name: "the deployment reverts (a node under-estimating its gas)", Args: func(t *testing.T, dir string) []string {
			url, keyFile := gasShortNode(t, dir)
			return []string{"deploy-contract", "--eth-rpc", url, "--chain-id", "1337", "--eth-key-file", keyFile}
		}, Want: "reverted: receipt status (expected 1, got 0)"},
		{Cmd: "deploy-contract", Code: 2, Name: "no key", Args: args("deploy-contract", "--eth-rpc", dead, "--chain-id", "1337"), Want: "sending to an eth chain (anchor, bump, deploy-contract) needs a key"},
		{Cmd: "deploy-contract", Code: 3, Name: "node not there", Args: args("deploy-contract", "--eth-rpc", dead, "--chain-id", "1337", "--eth-key-file", unfunded), Want: "connection refused"},

		{Cmd: "archive", Code: 0, Name: "a folder", Args: func(t *testing.T, dir string) []string {
			copyTree(t, carDir, dir)
			return []string{"archive", "evidence"}
		}, Want: root},
		{Cmd: "archive", Code: 1, Name: "never", Impossible: "archive builds the DAG from local files into its own store and checks it there: nothing it reads comes from anyone who could make it false, so its errors are bad input (2) or, publishing, could not check (3)"},
		{Cmd: "archive", Code: 2, Name: "a FIFO", Args: args("archive", fifo), Want: "not a regular file or a folder"},
		{Cmd: "archive", Code: 3, Name: "a Kubo node that is not there", Args: func(t *testing.T, dir string) []string {
			copyTree(t, carDir, dir)
			return []string{"archive", "--kubo-api", dead, "evidence"}
		}, Want: "connection refused"},

		{Cmd: "fetch", Code: 0, Name: "the archive as it is", Args: args("fetch", root, "--gateway", goodGW, "out"), Want: "fetched " + root + ", verified"},
		{Cmd: "fetch", Code: 1, Name: "a byte flipped", Args: args("fetch", root, "--gateway", badGW, "out"), Want: "a block does not match its CID"},
		{Cmd: "fetch", Code: 2, Name: "not a CID", Args: args("fetch", "bafyNOT", "--gateway", goodGW, "out"), Want: `CID "bafyNOT"`},
		{Cmd: "fetch", Code: 3, Name: "a gateway that is not there", Args: args("fetch", root, "--gateway", dead, "out"), Want: "connection refused"},
		{Cmd: "fetch", Code: 3, Name: "a gateway that never answers, --timeout 2s", Args: args("fetch", root, "--gateway", stall, "--timeout", "2s", "out"), Want: "deadline"},

		{Cmd: "demo", Code: 0, Name: "the story holds", Args: args("demo"), Want: "the tampered file was rejected"},
		{Cmd: "demo", Code: 0, Name: "--keep an existing empty folder", Args: func(t *testing.T, dir string) []string {
			if err := os.Mkdir(filepath.Join(dir, "keep"), 0o755); err != nil {
				t.Fatal(err)
			}
			return []string{"demo", "--keep", "keep"}
		}, Want: "the tampered file was rejected"},
		{Cmd: "demo", Code: 1, Name: "never", Impossible: "the demo shows a rejection as one of its steps; a story that does not hold exits 3, never 1"},
		{Cmd: "demo", Code: 2, Name: "--keep names a file", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "afile", nil)
			return []string{"demo", "--keep", "afile"}
		}, Want: "--keep: mkdir afile: not a directory"},
		{Cmd: "demo", Code: 2, Name: "--keep DIR is not empty", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "keep2/notes.txt", []byte("mine"))
			return []string{"demo", "--keep", "keep2"}
		}, Want: "--keep keep2: the folder is not empty (it holds notes.txt)"},
		{Cmd: "demo", Code: 2, Name: "--keep DIR holds a journal (a previous demo's)", Args: func(t *testing.T, dir string) []string {
			write(t, dir, "x.txt", []byte("x"))
			if err := os.Mkdir(filepath.Join(dir, "keep"), 0o755); err != nil {
				t.Fatal(err)
			}
			expectCode(t, archivist(t, dir, "add", "--journal", filepath.Join("keep", "archivist.journal"), "x.txt"), 0)
			return []string{"demo", "--keep", "keep"}
		}, Want: "--keep keep: it already holds a demo's evidence (archivist.journal)"},
		{Cmd: "demo", Code: 3, Name: "no --keep, and $TMPDIR names no folder: no folder to work in", Args: args("demo"),
			Env: []string{"TMPDIR=no-such-folder"}, Want: "could not check: no temporary folder to work in"},
	}
	// --timeout 0 and a negative --timeout: one rule for every command
	// that takes it, bad usage (2) when the flags are parsed, before
	// anything is read, written or asked. Each command line would
	// otherwise run: it is the command's own row 0 (or 3, for a node that
	// is not there) with the --timeout added. A command without --timeout
	// (it asks no one) refuses the flag as unknown (2).
	for _, v := range []string{"0", "-1s"} {
		want := `invalid value "` + v + `" for flag -timeout: must be positive`
		rows = append(rows,
			clitest.Row{Cmd: "add", Code: 2, Name: "--timeout " + v, Args: func(t *testing.T, dir string) []string {
				write(t, dir, "a.txt", []byte("a"))
				return []string{"add", "--timeout", v, "a.txt"}
			}, Want: want},
			clitest.Row{Cmd: "anchor", Code: 2, Name: "--timeout " + v, Args: func(t *testing.T, dir string) []string {
				write(t, dir, "a.txt", []byte("a"))
				expectCode(t, archivist(t, dir, "add", "a.txt"), 0)
				return []string{"anchor", "--to", "memory", "--timeout", v}
			}, Want: want},
			clitest.Row{Cmd: "upgrade", Code: 2, Name: "--timeout " + v, Args: in(anchored.dir, "upgrade", "--to", "memory", "--timeout", v), Want: want},
			clitest.Row{Cmd: "bump", Code: 2, Name: "--timeout " + v, Args: bump("--eth-key-file", "eth.key", "--timeout", v), Want: want},
			clitest.Row{Cmd: "verify", Code: 2, Name: "--timeout " + v, Args: in(upgraded, "verify", "--memory-key", pub, "--timeout", v, good, "build.log"), Want: want},
			clitest.Row{Cmd: "archive", Code: 2, Name: "--timeout " + v, Args: func(t *testing.T, dir string) []string {
				copyTree(t, carDir, dir)
				return []string{"archive", "--timeout", v, "evidence"}
			}, Want: want},
			clitest.Row{Cmd: "fetch", Code: 2, Name: "--timeout " + v, Args: args("fetch", root, "--gateway", goodGW, "--timeout", v, "out"), Want: want},
			clitest.Row{Cmd: "deploy-contract", Code: 2, Name: "--timeout " + v, Args: args("deploy-contract", "--eth-rpc", dead, "--chain-id", "1337", "--eth-key-file", unfunded, "--timeout", v), Want: want},
		)
		for _, cmd := range [][]string{{"status"}, {"receipts"}, {"demo"}} {
			rows = append(rows, clitest.Row{Cmd: cmd[0], Code: 2, Name: "--timeout " + v + ": no such flag", Args: in(upgraded, cmd[0], "--timeout", v),
				Want: "flag provided but not defined: -timeout"})
		}
	}
	clitest.Check(t, clitest.Commands(clitest.Usage(t, archivistBin)), rows)
	clitest.Matrix{Bin: archivistBin, Rows: rows}.Run(t)
}
