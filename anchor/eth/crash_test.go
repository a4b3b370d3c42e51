package eth

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
	"github.com/ats-run/selfattest/anchor/eth/ethtest"
)

// TestJournalCrash anchors 10,000 items on a real geth --dev node from a
// child process (this test binary, re-executed) that is killed with
// SIGKILL at least 20 times and restarted: at a numbered call right after
// a transaction was prepared (before the journal recorded it), right
// after it was submitted (before the journal marked it sent), right after
// a check answered (before its status was recorded), or after a random
// delay. At the end every item has a receipt that verifies offline and
// online against the node, and the sender's nonce — the number of
// transactions the chain holds from it — equals the batches plus the
// failed attempts the journal recorded (the re-anchors it can justify).
const (
	gethCrashItems  = 10_000
	gethCrashChunk  = 200 // one batch per chunk: 50 batches
	gethCrashChild  = "SELFATTEST_ETH_CRASH_CHILD"
	gethCrashDir    = "SELFATTEST_ETH_CRASH_DIR"
	gethCrashURL    = "SELFATTEST_ETH_CRASH_URL"
	gethCrashAt     = "SELFATTEST_ETH_CRASH_AT" // "prepare:N", "submit:N", "check:N" or ""
	gethCrashDone   = "ETH-CRASH-CHILD-DONE"
	gethStepKills   = 14
	gethTimerKills  = 8
	gethCrashRounds = 120
)

func crashEvidence(i int) anchor.Evidence {
	d := crypto.Keccak256([]byte(fmt.Sprintf("selfattest eth crash item %d", i)))
	ev, err := anchor.EvidenceFromDigest(fmt.Sprintf("item-%05d", i), "application/octet-stream", "sha256", d)
	if err != nil {
		panic(err)
	}
	return ev
}

func TestJournalCrash(t *testing.T) {
	if os.Getenv(gethCrashChild) != "" {
		t.Skip("in the child: TestJournalCrashChild runs")
	}
	node := ethtest.Start(t, ethtest.Options{})
	key := node.FundedKey(t)
	from := crypto.PubkeyToAddress(key.PublicKey)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key"), []byte(hex.EncodeToString(crypto.FromECDSA(key))), 0o600); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))

	run := func(at string, delay time.Duration) (killed bool) {
		t.Helper()
		start := time.Now()
		defer func() {
			t.Logf("run %q (timer %v): killed %v after %v", at, delay, killed, time.Since(start).Round(time.Millisecond))
		}()
		return anchortest.RunCrashChild(t, "TestJournalCrashChild", []string{gethCrashChild + "=1", gethCrashDir + "=" + dir, gethCrashURL + "=" + node.URL, gethCrashAt + "=" + at}, gethCrashDone, delay)
	}
	// Every item the child was told is recorded is still recorded.
	checkAcked := func() {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, "acked"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		j, err := anchor.OpenJournal(filepath.Join(dir, "journal.db"), anchor.JournalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		for _, line := range strings.Split(string(data), "\n") {
			c, err := strconv.Atoi(line)
			if err != nil {
				continue // a line torn by the kill: not acknowledged
			}
			evs := make([]anchor.Evidence, gethCrashChunk)
			for i := range evs {
				evs[i] = crashEvidence(c*gethCrashChunk + i)
			}
			// Adding recorded evidence again returns its ID; a new ID
			// means it was lost.
			ids, err := j.AddAll(evs)
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				if want := uint64(c*gethCrashChunk+i) + 1; uint64(id) != want {
					t.Fatalf("item %d, in acknowledged chunk %d, is %d in the journal: evidence lost", want-1, c, id)
				}
			}
		}
	}

	kills, timed, rounds, done := 0, 0, 0, false
	var points []string
	steps := []string{"prepare", "submit", "check"}
	for ; !done && rounds < gethCrashRounds; rounds++ {
		var killed bool
		switch {
		case kills >= gethStepKills+gethTimerKills:
			killed = run("", 0)
			done = !killed
		case rounds%3 == 2 && timed < gethTimerKills:
			d := 100*time.Millisecond + time.Duration(rng.IntN(1500))*time.Millisecond
			if killed = run("", d); killed {
				timed++
				points = append(points, "t+"+d.String())
			} else {
				done = true
			}
		default:
			at := fmt.Sprintf("%s:%d", steps[rng.IntN(len(steps))], 1+rng.IntN(2))
			if killed = run(at, 0); killed {
				points = append(points, at)
			} else {
				done = true
			}
		}
		if killed {
			kills++
			checkAcked()
		}
	}
	if !done {
		t.Fatalf("the child did not finish in %d runs", rounds)
	}
	if kills < 20 {
		t.Fatalf("only %d kills in %d runs", kills, rounds)
	}
	t.Logf("%d runs, %d killed (%d by a timer): %s", rounds, kills, timed, strings.Join(points, ", "))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	j, err := anchor.OpenJournal(filepath.Join(dir, "journal.db"), anchor.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	batches, err := j.Batches()
	if err != nil {
		t.Fatal(err)
	}
	ov, err := NewOnlineVerifier(node.ChainID, gethSink, []HeaderReader{node.Client}, OnlineOptions{MinDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(node.ChainID, gethSink)
	items, attempts, failed := 0, 0, 0
	for _, b := range batches {
		if !b.Final() || len(b.Anchors) != 1 {
			t.Fatalf("batch %d: %+v, want one final anchor", b.ID, b.Anchors)
		}
		attempts += b.Anchors[0].Attempts
		failed += b.Anchors[0].Attempts - 1 // only the latest attempt is live
		rs, err := j.Receipts(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for k, r := range rs {
			ev := crashEvidence(int(b.ID) - 1 + k)
			if _, err := anchor.VerifyReceipt(r, ev, v); err != nil {
				t.Fatalf("receipt of item %d: %v", int(b.ID)-1+k, err)
			}
			if k == 0 || k == len(rs)-1 {
				if _, err := anchor.VerifyReceiptOnline(ctx, r, ev, ov); err != nil {
					t.Fatalf("receipt of item %d online: %v", int(b.ID)-1+k, err)
				}
			}
			items++
		}
	}
	if items != gethCrashItems {
		t.Fatalf("%d items have receipts, want %d", items, gethCrashItems)
	}
	nonce, err := node.Client.NonceAt(ctx, from, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d batches, %d attempts (%d failed), %d transactions on the chain", len(batches), attempts, failed, nonce)
	if want := uint64(len(batches) + failed); nonce != want {
		t.Fatalf("the chain holds %d transactions from the anchoring key, want %d (one per batch plus one per failed attempt)", nonce, want)
	}
}

// crashKiller is the child's target: the Anchorer, killing the process
// with SIGKILL at the N-th call of one step, after the call returned and
// before the journal recorded what it learned.
type crashKiller struct {
	*Anchorer
	step string
	n    int
}

func (k *crashKiller) maybeDie(step string) {
	if step == k.step {
		if k.n--; k.n == 0 {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
}

func (k *crashKiller) Prepare(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	e, err := k.Anchorer.Prepare(ctx, root)
	k.maybeDie("prepare")
	return e, err
}

func (k *crashKiller) Submit(ctx context.Context, root anchor.Hash, e anchor.Entry) error {
	err := k.Anchorer.Submit(ctx, root, e)
	k.maybeDie("submit")
	return err
}

func (k *crashKiller) Check(ctx context.Context, root anchor.Hash, e anchor.Entry) (anchor.Status, error) {
	st, err := k.Anchorer.Check(ctx, root, e)
	k.maybeDie("check")
	return st, err
}

// TestJournalCrashChild is the child of TestJournalCrash; it does nothing
// on its own.
func TestJournalCrashChild(t *testing.T) {
	if os.Getenv(gethCrashChild) == "" {
		t.Skip("the child of TestJournalCrash, run by it")
	}
	dir := os.Getenv(gethCrashDir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	key, err := LoadKeyFile(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := ethclient.DialContext(ctx, os.Getenv(gethCrashURL))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(ctx, client, key, ethtest.ChainID, gethSink, Options{FinalDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	target := &crashKiller{Anchorer: a}
	if at := os.Getenv(gethCrashAt); at != "" {
		step, n, _ := strings.Cut(at, ":")
		target.step = step
		target.n, _ = strconv.Atoi(n)
	}
	j, err := anchor.OpenJournal(filepath.Join(dir, "journal.db"), anchor.JournalOptions{LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	acked, err := os.OpenFile(filepath.Join(dir, "acked"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer acked.Close()
	// Transient target errors (a nonce race while a resubmitted transaction
	// is being mined) are retried by the next pass, as a real run would.
	pass := func() {
		if err := j.AnchorPending(ctx, target); err != nil && !errors.Is(err, anchor.ErrCouldNotCheck) {
			t.Fatalf("AnchorPending: %v", err)
		}
		if err := j.Upgrade(ctx, target); err != nil && !errors.Is(err, anchor.ErrCouldNotCheck) {
			t.Fatalf("Upgrade: %v", err)
		}
	}
	for c := 0; c < gethCrashItems/gethCrashChunk; c++ {
		evs := make([]anchor.Evidence, gethCrashChunk)
		for i := range evs {
			evs[i] = crashEvidence(c*gethCrashChunk + i)
		}
		if _, err := j.AddAll(evs); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(acked, "%d\n", c)
		if _, _, err := j.Seal(); err != nil {
			t.Fatal(err)
		}
		// A batch per block, as an archivist anchoring as it goes would:
		// the next chunk once this batch is confirmed.
		for {
			pass()
			bs, err := j.Batches()
			if err != nil {
				t.Fatal(err)
			}
			if a := bs[len(bs)-1].Anchors; len(a) == 1 && (a[0].State == anchor.StateConfirmed || a[0].State == anchor.StateFinal) {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("batch not confirmed in time: %+v", bs[len(bs)-1])
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	for {
		pass()
		bs, err := j.Batches()
		if err != nil {
			t.Fatal(err)
		}
		all := len(bs) > 0
		for _, b := range bs {
			all = all && b.Final()
		}
		if all {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("not final in time: %+v", bs)
		case <-time.After(200 * time.Millisecond):
		}
	}
	fmt.Println(gethCrashDone)
}
