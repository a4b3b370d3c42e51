//go:build unix

package anchor_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
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

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
)

// The crash test: a child process (this test binary, re-executed) adds
// crashItems items to a journal and anchors them at a Memory target whose
// ledger is a file, and is killed with SIGKILL at random points: at a
// numbered step (between two journal calls, after the target accepted an
// anchor but before the journal recorded it, after a check answered but
// before its status was recorded) or after a random delay (anywhere,
// bbolt commits included). The parent re-runs it until it finishes, and
// in between re-orgs the target's last block twice. At the end every item
// has a receipt that verifies offline, every item the child was told was
// added is still there after each kill, and the target holds exactly one
// anchor per batch plus one per anchor the re-orgs dropped.
const (
	crashItems     = 150
	crashName      = "crash"
	crashChildEnv  = "SELFATTEST_ANCHOR_CRASH_CHILD"
	crashDirEnv    = "SELFATTEST_ANCHOR_CRASH_DIR"
	crashAtEnv     = "SELFATTEST_ANCHOR_CRASH_AT" // a step number, "anchor" or "check"
	crashDone      = "CRASH-CHILD-DONE"
	stepKills      = 24
	timerKills     = 6
	crashMaxRounds = 200
)

func crashKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)) }

func TestJournalCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary dozens of times")
	}
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the child")
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	evs := items(crashItems)

	run := func(at string, delay time.Duration) (killed, done bool) {
		t.Helper()
		killed = anchortest.RunCrashChild(t, "TestJournalCrashChild", []string{crashChildEnv + "=1", crashDirEnv + "=" + dir, crashAtEnv + "=" + at}, crashDone, delay)
		return killed, !killed
	}

	// checkAcked: every item the child was told is recorded is recorded.
	checkAcked := func() {
		t.Helper()
		acked := readAcked(t, dir)
		j, err := anchor.OpenJournal(filepath.Join(dir, "journal.db"), anchor.JournalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		for k, id := range acked {
			if got, err := j.Add(evs[k]); err != nil || got != id {
				// Add of recorded evidence returns its ID; a new ID means it was lost.
				t.Fatalf("item %d, acknowledged as %d, is %d in the journal (%v): evidence lost", k, id, got, err)
			}
		}
	}
	reorg := func() {
		t.Helper()
		m, err := anchortest.NewMemory(crashKey(), anchortest.MemoryOptions{Name: crashName, StateFile: filepath.Join(dir, "ledger.json"), FinalDepth: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Reorg(1); err != nil {
			t.Fatal(err)
		}
	}

	kills, timed, rounds := 0, 0, 0
	var points []string
	for ; kills < stepKills+timerKills && rounds < crashMaxRounds; rounds++ {
		if rounds == 6 || rounds == 14 {
			reorg()
		}
		var killed bool
		if rounds == 2 || rounds == 9 || rounds == 17 {
			// Right after the target accepted an anchor, or a check
			// answered: before the journal recorded either.
			at := "anchor"
			if rounds == 9 {
				at = "check"
			}
			if killed, _ = run(at, 0); killed {
				points = append(points, "after "+at)
			}
		} else if rounds%5 == 4 && timed < timerKills {
			d := time.Duration(rng.IntN(60)) * time.Millisecond
			killed, _ = run("0", 20*time.Millisecond+d)
			if killed {
				timed++
				points = append(points, "t+"+(20*time.Millisecond+d).String())
			}
		} else {
			at := strconv.Itoa(1 + rng.IntN(40))
			killed, _ = run(at, 0)
			if killed {
				points = append(points, "step "+at)
			}
		}
		if killed {
			kills++
			checkAcked()
		}
	}
	if kills < 20 {
		t.Fatalf("only %d kills in %d rounds", kills, rounds)
	}
	if _, done := run("0", 0); !done {
		t.Fatal("the last run did not finish")
	}
	t.Logf("%d runs, %d killed (%d by a timer): %s", rounds+1, kills, timed, strings.Join(points, ", "))

	// Every item has a receipt that verifies offline.
	v := anchortest.NewMemoryVerifier(crashKey().Public().(ed25519.PublicKey), crashName)
	for k, ev := range evs {
		data, err := os.ReadFile(filepath.Join(dir, "receipts", ev.Name))
		if err != nil {
			t.Fatalf("item %d has no receipt: %v", k, err)
		}
		r, err := anchor.ParseReceipt(data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := anchor.VerifyReceipt(r, ev, v); err != nil {
			t.Fatalf("receipt of item %d: %v", k, err)
		}
	}
	// One anchor per batch, plus one per anchor the re-orgs dropped.
	j, err := anchor.OpenJournal(filepath.Join(dir, "journal.db"), anchor.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	batches, err := j.Batches()
	if err != nil {
		t.Fatal(err)
	}
	size, attempts := 0, 0
	for _, b := range batches {
		if !b.Final() {
			t.Errorf("batch %d not final: %+v", b.ID, b.Anchors)
		}
		size += b.Size
		for _, a := range b.Anchors {
			attempts += a.Attempts
		}
	}
	if size != crashItems {
		t.Errorf("batches hold %d items, want %d", size, crashItems)
	}
	m, err := anchortest.NewMemory(crashKey(), anchortest.MemoryOptions{Name: crashName, StateFile: filepath.Join(dir, "ledger.json")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d batches, %d anchors at the target, %d dropped by re-orgs, %d attempts recorded", len(batches), m.Submissions(), m.Dropped(), attempts)
	if m.Submissions() != len(batches)+m.Dropped() {
		t.Errorf("%d anchors for %d batches with %d dropped: some batch was anchored twice while its anchor was valid", m.Submissions(), len(batches), m.Dropped())
	}
	// The journal knows of every anchor but those a re-org dropped before
	// it recorded them (a kill right after the target accepted).
	if attempts > m.Submissions() || m.Submissions()-attempts > m.Dropped() {
		t.Errorf("the journal recorded %d attempts for %d anchors, %d dropped", attempts, m.Submissions(), m.Dropped())
	}
}

func readAcked(t *testing.T, dir string) map[int]anchor.ItemID {
	t.Helper()
	acked := map[int]anchor.ItemID{}
	f, err := os.Open(filepath.Join(dir, "acked.log"))
	if errors.Is(err, os.ErrNotExist) {
		return acked
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var k int
		var id anchor.ItemID
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &k, &id); err != nil {
			continue // a line torn by the kill: not acknowledged
		}
		acked[k] = id
	}
	return acked
}

// killer kills the process at the step numbered at, or at the first
// anchor accepted or check answered.
type killer struct {
	at, n         int
	anchor, check bool
}

func (k *killer) step() {
	k.n++
	if k.n == k.at {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// crashTarget is the Memory target with kill points inside: after the
// target accepted an anchor (before the journal records it), after a check
// answered (before the journal records the status).
type crashTarget struct {
	*anchortest.Memory
	k *killer
}

func (c crashTarget) Anchor(ctx context.Context, root anchor.Hash) (anchor.Entry, error) {
	e, err := c.Memory.Anchor(ctx, root)
	if c.k.anchor && err == nil {
		c.k.at = c.k.n + 1
	}
	c.k.step()
	return e, err
}

func (c crashTarget) Check(ctx context.Context, root anchor.Hash, e anchor.Entry) (anchor.Status, error) {
	st, err := c.Memory.Check(ctx, root, e)
	if c.k.check && err == nil {
		c.k.at = c.k.n + 1
	}
	c.k.step()
	return st, err
}

// TestJournalCrashChild is the child of TestJournalCrash.
func TestJournalCrashChild(t *testing.T) {
	if os.Getenv(crashChildEnv) == "" {
		t.Skip("run by TestJournalCrash")
	}
	ctx := context.Background()
	dir := os.Getenv(crashDirEnv)
	at, _ := strconv.Atoi(os.Getenv(crashAtEnv))
	k := &killer{at: at, anchor: os.Getenv(crashAtEnv) == "anchor", check: os.Getenv(crashAtEnv) == "check"}
	m, err := anchortest.NewMemory(crashKey(), anchortest.MemoryOptions{Name: crashName, StateFile: filepath.Join(dir, "ledger.json"), FinalDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	target := crashTarget{m, k}
	j, err := anchor.OpenJournal(filepath.Join(dir, "journal.db"), anchor.JournalOptions{LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ack, err := os.OpenFile(filepath.Join(dir, "acked.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer ack.Close()
	acked := readAcked(t, dir)

	cycle := func() {
		if _, _, err := j.Seal(); err != nil {
			t.Fatal(err)
		}
		k.step()
		if err := j.AnchorPending(ctx, target); err != nil {
			t.Fatal(err)
		}
		k.step()
		if err := m.Mine(); err != nil {
			t.Fatal(err)
		}
		k.step()
		if err := j.Upgrade(ctx, target); err != nil {
			t.Fatal(err)
		}
		k.step()
	}
	evs := items(crashItems)
	for i, ev := range evs {
		if _, ok := acked[i]; ok {
			continue
		}
		k.step()
		id, err := j.Add(ev)
		if err != nil {
			t.Fatal(err)
		}
		k.step()
		if _, err := fmt.Fprintf(ack, "%d %d\n", i, id); err != nil {
			t.Fatal(err)
		}
		if err := ack.Sync(); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			cycle()
		}
	}
	for round := 0; ; round++ {
		if round > 50 {
			t.Fatal("batches not final after 50 rounds")
		}
		cycle()
		bs, err := j.Batches()
		if err != nil {
			t.Fatal(err)
		}
		final := true
		for _, b := range bs {
			final = final && b.Final()
		}
		if final {
			break
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "receipts"), 0o700); err != nil {
		t.Fatal(err)
	}
	bs, err := j.Batches()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		rs, err := j.Receipts(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			data, err := r.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "receipts", r.Evidence.Name)
			if err := os.WriteFile(path+".tmp", data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".tmp", path); err != nil {
				t.Fatal(err)
			}
			k.step()
		}
	}
	fmt.Println(crashDone)
}
