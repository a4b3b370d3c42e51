package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
	"github.com/ats-run/selfattest/examples/internal/evidence"
	"github.com/ats-run/selfattest/examples/internal/simchain"
)

// The demo's chain: package simchain's in-process simulated chain.
const (
	demoChainID = simchain.ChainID
	demoDepth   = simchain.Depth
)

var demoSink = simchain.Sink

// demoFiles are the evidence the demo archives: what a build leaves
// behind.
var demoFiles = []struct{ name, content string }{
	{"build.log", "go build ./...\nok  \tgithub.com/example/app\t0.412s\n"},
	{"sbom.spdx.json", `{"spdxVersion":"SPDX-2.3","name":"app","packages":[{"name":"app","versionInfo":"1.4.2"}]}` + "\n"},
	{"test-report.csv", "package,tests,failed\napp,128,0\napp/store,54,0\n"},
	{"release-notes.md", "# app 1.4.2\n\nFixes the export of empty reports.\n"},
	{"app.wasm", "\x00asm\x01\x00\x00\x00" + strings.Repeat("\x2a", 4096)},
}

// demoMarks are names the demo writes into its folder: a --keep folder
// holding one is a previous demo's, and is refused as such.
var demoMarks = []string{"archivist.journal", "evidence", "receipts"}

// A demoStep is one step of the demo's story.
type demoStep struct {
	Step    string `json:"step"`
	Outcome string `json:"outcome"`
	Exit    int    `json:"exit"`
	Detail  string `json:"detail,omitempty"`
}

func (e env) demo(ctx context.Context, args []string) int {
	fs := e.newFlagSet("demo", "[--keep DIR] [--json]")
	keep := fs.String("keep", "", "work in `DIR`, a new or empty folder (made if need be), and keep it (default: a temporary folder, removed)")
	asJSON := fs.Bool("json", false, "print the steps as one JSON object on stdout")
	if code := parseFlagsOnly(fs, args); code >= 0 {
		return code
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "archivist-demo-")
		if err != nil {
			return e.fail(fmt.Errorf("%w: no temporary folder to work in: %w", anchor.ErrCouldNotCheck, err))
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := evidence.KeepDir(dir, demoMarks...); err != nil {
		// A folder that is not a new or empty one is the command line's
		// fault (2), not the story's: run again into a previous run's
		// folder, the demo would add its files to that run's journal.
		return e.fail(err)
	} else if err := os.MkdirAll(filepath.Join(dir, "evidence"), 0o755); err != nil {
		// An empty folder the demo cannot write into (its mode, a
		// read-only file system) is the command line's too: the first
		// folder the demo makes in it says so before the story starts.
		return e.fail(fmt.Errorf("%w: --keep: %w", anchor.ErrBadInput, err))
	}
	say := func(format string, args ...any) {
		if !*asJSON {
			fmt.Fprintf(e.stdout, format+"\n", args...)
		}
	}
	steps, err := runDemo(ctx, dir, say)
	if *asJSON {
		e.printJSON(struct {
			Dir   string     `json:"dir"`
			Steps []demoStep `json:"steps"`
			OK    bool       `json:"ok"`
			Error string     `json:"error,omitempty"`
		}{dir, steps, err == nil, evidence.ErrString(err)})
	}
	if err != nil {
		return e.fail(err)
	}
	say("\nEvery receipt verified offline and online, the pending one was pending, the tampered file was rejected.")
	return selfattest.ExitVerified
}

// errDemo marks a demo step whose Outcome was not the one expected. It is
// beneath anchor.ErrCouldNotCheck, so the demo exits 3 (never 0 or 1) when
// its story does not hold, by the error's class. The step's own error is
// quoted (%v), not wrapped: a step expected to be rejected that is not, or
// one expected to verify that is rejected, is no rejection by the demo.
var errDemo = selfattest.Beneath(anchor.ErrCouldNotCheck, "the demo's expectation failed")

// runDemo runs the whole flow in dir and tells it through say: add
// generated files, anchor them at an in-process chain and the memory
// target, show a receipt pending, make blocks, upgrade, verify every
// receipt offline and one online, and show a tampered file rejected. It
// returns the steps and an error if any Outcome was not the expected one.
func runDemo(ctx context.Context, dir string, say func(string, ...any)) ([]demoStep, error) {
	var steps []demoStep
	expect := func(step string, err error, want int, detail string) error {
		code := selfattest.ExitCode(err)
		steps = append(steps, demoStep{Step: step, Outcome: evidence.Outcome(err), Exit: code, Detail: detail})
		if code != want {
			return fmt.Errorf("%w: %s: exit %d, want %d: %v", errDemo, step, code, want, err)
		}
		return nil
	}

	evDir := filepath.Join(dir, "evidence")
	if err := os.MkdirAll(evDir, 0o755); err != nil {
		return steps, fmt.Errorf("%w: %w", anchor.ErrCouldNotCheck, err)
	}
	paths := make([]string, len(demoFiles))
	for i, f := range demoFiles {
		paths[i] = filepath.Join(evDir, f.name)
		if err := os.WriteFile(paths[i], []byte(f.content), 0o644); err != nil {
			return steps, fmt.Errorf("%w: %w", anchor.ErrCouldNotCheck, err)
		}
	}
	journal := filepath.Join(dir, "archivist.journal")
	j, err := anchor.OpenJournal(journal, anchor.JournalOptions{})
	if err != nil {
		return steps, err
	}
	defer j.Close()

	say("1. Record %d build outputs in the journal %s", len(paths), journal)
	items, err := evidence.AddFiles(j, paths, evidence.DefaultMaxSize, nil)
	if err := expect("add", err, 0, ""); err != nil {
		return steps, err
	}
	for _, it := range items {
		say("   item %d  sha256 %s…  %-28s %s", it.Item, it.SHA256[:16], it.MediaType, filepath.Base(it.Name))
	}

	say("\n2. Start three targets, in this process")
	sim, err := simchain.New(ctx)
	if err != nil {
		return steps, err
	}
	defer sim.Close()
	chain, ethT, from := sim.Backend, sim.Anchorer, sim.From
	mem, mf, err := evidence.OpenMemory(journal, nopWriter{})
	if err != nil {
		return steps, err
	}
	say("   eth:    go-ethereum's simulated chain %d; a fresh key %s funded with 10 ETH sends to sink %s", demoChainID, from.Hex(), demoSink.Hex())
	say("   memory: a signed ledger; its Ed25519 key was made for this demo (%s)", filepath.Base(mf.Pub))
	logT, tf, closeLog, err := evidence.OpenTlog(ctx, journal, evidence.TlogFlags{Origin: evidence.DefaultTlogOrigin}, nopWriter{})
	if err != nil {
		return steps, err
	}
	defer closeLog()
	say("   tlog:   a transparency log in the folder %s, origin %s, its checkpoints signed by a key made for this demo (%s)", filepath.Base(tf.Dir), evidence.DefaultTlogOrigin, filepath.Base(tf.Pub))
	targets := []anchor.Anchorer{mem, ethT, logT}

	say("\n3. Seal the items into a batch and anchor its root at all three")
	_, bs, err := evidence.AnchorAll(ctx, j, targets)
	if err := expect("anchor", err, 0, ""); err != nil {
		return steps, err
	}
	for _, b := range bs {
		say("   batch %d: %d items, root %s", b.ID, b.Size, b.Root)
		for _, a := range b.Anchors {
			say("   %s: %s", a.Target, a.State)
		}
	}

	memV, err := memoryVerifierFile(mf.Pub)
	if err != nil {
		return steps, err
	}
	logV, _, closeV, err := evidence.TlogVerifiers(ctx, []string{tf.Pub}, "", "", 0)
	closeV()
	if err != nil {
		return steps, err
	}
	offline := []anchor.AnchorVerifier{memV, eth.NewVerifier(demoChainID, demoSink), logV[0]}

	pendingDir := filepath.Join(dir, "receipts-pending")
	written, err := evidence.WriteReceipts(j, pendingDir, nil)
	if err != nil {
		return steps, err
	}
	_, _, _, err = evidence.VerifyFiles(ctx, written[0].File, paths[0], evidence.DefaultMaxSize, false, offline)
	say("   a receipt written now has only pending anchors: verify says %s (exit %d)", evidence.Outcome(err), selfattest.ExitCode(err))
	if err := expect("verify a pending receipt", err, selfattest.ExitCouldNotCheck, ""); err != nil {
		return steps, err
	}
	if !errors.Is(err, anchor.ErrPending) {
		return steps, fmt.Errorf("%w: the pending receipt: %v, want pending", errDemo, err)
	}

	say("\n4. Make %d blocks on each chain, then upgrade: the journal asks each target and records the complete entries (the log is final once a checkpoint commits to the anchor)", demoDepth)
	for range demoDepth {
		chain.Commit()
		if err := mem.Mine(); err != nil {
			return steps, err
		}
	}
	bs, err = evidence.UpgradeAll(ctx, j, targets)
	if err := expect("upgrade", err, 0, ""); err != nil {
		return steps, err
	}
	for _, b := range bs {
		for _, a := range b.Anchors {
			say("   %s: %s at depth %d", a.Target, a.State, a.Depth)
		}
	}
	recDir := filepath.Join(dir, "receipts")
	written, err = evidence.WriteReceipts(j, recDir, nil)
	if err := expect("receipts", err, 0, recDir); err != nil {
		return steps, err
	}
	say("   %d receipts written to %s", len(written), recDir)

	say("\n5. Verify every receipt offline, from the receipt, the file and the three verifiers' trust material alone")
	byName := map[string]string{}
	for _, p := range paths {
		byName[evidence.EvidenceName(p)] = p
	}
	for _, w := range written {
		_, res, _, err := evidence.VerifyFiles(ctx, w.File, byName[w.Name], evidence.DefaultMaxSize, false, offline)
		if err := expect("verify "+filepath.Base(w.Name), err, 0, filepath.Base(w.File)); err != nil {
			return steps, err
		}
		say("   %-18s verified: leaf %d of %d, %d anchors checked offline", filepath.Base(w.Name), res.LeafIndex, res.TreeSize, len(res.Anchors))
	}

	say("\n6. Verify one receipt online: the eth anchor's block must be canonical at depth >= %d (the simulated chain answers), the log's latest checkpoint consistent with the anchor's (its folder answers)", demoDepth)
	ov, err := eth.NewOnlineVerifier(demoChainID, demoSink, []eth.HeaderReader{chain.Client()}, eth.OnlineOptions{Agree: 1, MinDepth: demoDepth})
	if err != nil {
		return steps, err
	}
	logOV, _, closeOV, err := evidence.TlogVerifiers(ctx, []string{tf.Pub}, tf.Dir, "", 0)
	defer closeOV()
	if err != nil {
		return steps, err
	}
	_, res, _, err := evidence.VerifyFiles(ctx, written[0].File, paths[0], evidence.DefaultMaxSize, true, []anchor.AnchorVerifier{memV, ov, logOV[0]})
	if err := expect("verify online", err, 0, ""); err != nil {
		return steps, err
	}
	for _, a := range res.Anchors {
		detail := "checked " + a.Checked
		if a.State != "" {
			detail += fmt.Sprintf(": %s at depth %d", a.State, a.Depth)
		}
		say("   %s: %s", a.Target, detail)
	}

	say("\n7. Change one byte of %s and verify it again", demoFiles[0].name)
	tampered := filepath.Join(dir, "tampered", demoFiles[0].name)
	if err := os.MkdirAll(filepath.Dir(tampered), 0o755); err != nil {
		return steps, err
	}
	b := []byte(demoFiles[0].content)
	b[0] ^= 0x01
	if err := os.WriteFile(tampered, b, 0o644); err != nil {
		return steps, err
	}
	_, _, _, err = evidence.VerifyFiles(ctx, written[0].File, tampered, evidence.DefaultMaxSize, false, offline)
	if err := expect("verify a tampered file", err, selfattest.ExitRejected, ""); err != nil {
		return steps, err
	}
	if !errors.Is(err, anchor.ErrAnchor) {
		return steps, fmt.Errorf("%w: the tampered file: %v, want rejected", errDemo, err)
	}
	say("   rejected (exit 1): %v", err)
	return steps, nil
}

// memoryVerifierFile is the memory target's verifier from its public key
// file, as verify --memory-key reads it.
func memoryVerifierFile(p string) (anchor.AnchorVerifier, error) {
	vs, _, closeAll, err := evidence.Verifiers(context.Background(), evidence.VerifyFlags{MemoryKey: p})
	closeAll()
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
