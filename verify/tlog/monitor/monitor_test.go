package monitor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/monitor"
)

// monitorLog is a log as a monitor sees it: a tree, its tiles at the size
// currently published, and that size's signed checkpoint.
type monitorLog struct {
	t       *testing.T
	log     *testLog
	entries [][]byte
	tiles   *memTiles
	cp      []byte
	// failBundle, if ≥ 0, makes reading that entry bundle fail once.
	failBundle atomic.Int64
}

func newMonitorLog(t *testing.T, log *testLog, entries [][]byte) *monitorLog {
	m := &monitorLog{t: t, log: log, entries: entries}
	m.failBundle.Store(-1)
	return m
}

// publish makes the first n entries the published log.
func (m *monitorLog) publish(n int) {
	m.t.Helper()
	for i := int(m.log.tree.Size()); i < n; i++ {
		m.log.tree.AppendData(m.entries[i])
	}
	m.tiles = newMemTilesOf(m.entries[:n], n)
	m.cp = m.log.sign(m.t, m.log.body(m.t, uint64(n)))
}

// fetcher reads the published log.
func (m *monitorLog) fetcher() monitor.FetcherFuncs {
	return monitor.FetcherFuncs{
		CheckpointFunc: func(context.Context) ([]byte, error) { return bytes.Clone(m.cp), nil },
		TileFunc:       func(ctx context.Context, l, i uint64, p uint8) ([]byte, error) { return m.tiles.tile(ctx, l, i, p) },
		EntryBundleFunc: func(ctx context.Context, i uint64, p uint8) ([]byte, error) {
			if m.failBundle.CompareAndSwap(int64(i), -1) {
				return nil, errors.New("connection reset")
			}
			return m.tiles.bundle(ctx, i, p)
		},
	}
}

// monitor returns a monitor of the log keeping its state in the file
// state, saving every 256 entries unless opts say otherwise.
func (m *monitorLog) monitor(state string, match monitor.MatchFunc, opts ...monitor.Options) *monitor.Monitor {
	m.t.Helper()
	var o monitor.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.SaveEvery == 0 {
		o.SaveEvery = 256
	}
	mon, err := monitor.New(m.log.origin, []*tlog.LogKey{m.log.key}, m.fetcher(), monitor.NewFileStore(state), match, o)
	if err != nil {
		m.t.Fatal(err)
	}
	return mon
}

// monitorOf is monitor reading the log through f.
func (m *monitorLog) monitorOf(state string, match monitor.MatchFunc, f monitor.Fetcher) *monitor.Monitor {
	m.t.Helper()
	mon, err := monitor.New(m.log.origin, []*tlog.LogKey{m.log.key}, f, monitor.NewFileStore(state), match, monitor.Options{SaveEvery: 256})
	if err != nil {
		m.t.Fatal(err)
	}
	return mon
}

// readState loads the state file.
func readState(t *testing.T, path string) (*monitor.State, error) {
	t.Helper()
	return monitor.NewFileStore(path).Load(context.Background())
}

// everyNth matches entries "entry i" with i a multiple of n, and cannot
// read entry bad.
func everyNth(n, bad int) monitor.MatchFunc {
	return func(e []byte) ([]monitor.Match, error) {
		i, err := strconv.Atoi(strings.TrimPrefix(string(e), "entry "))
		if err != nil {
			return nil, err
		}
		if i == bad {
			return nil, errors.New("unreadable on purpose")
		}
		if i%n != 0 {
			return nil, nil
		}
		return []monitor.Match{{Rule: "every " + strconv.Itoa(n), Facts: map[string]string{"i": strconv.Itoa(i)}}}, nil
	}
}

func entries(n int) [][]byte {
	var es [][]byte
	for i := range n {
		es = append(es, entry(i))
	}
	return es
}

func indexes(ms []monitor.Match) []uint64 {
	var out []uint64
	for _, m := range ms {
		out = append(out, m.Index)
	}
	return out
}

func wantMultiples(n, from, to, bad int) []uint64 {
	var out []uint64
	for i := from; i < to; i++ {
		if i%n == 0 && i != bad {
			out = append(out, uint64(i))
		}
	}
	return out
}

func TestMonitorRuns(t *testing.T) {
	ctx := context.Background()
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.json")
			ml := newMonitorLog(t, newEd25519Log(t, "monitor.test"), entries(1500))
			ml.publish(600)
			mon := ml.monitor(state, everyNth(97, 485), monitor.Options{Workers: workers})

			run, err := mon.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if run.Previous != nil || run.Checkpoint.Size != 600 || run.From != 0 || run.To != 600 || run.Remaining != 0 {
				t.Fatalf("first run: %+v", run)
			}
			if got, want := indexes(run.Matches), wantMultiples(97, 0, 600, 485); !slices.Equal(got, want) {
				t.Fatalf("matches %v, want %v", got, want)
			}
			for _, m := range run.Matches {
				if m.Facts["i"] != strconv.FormatUint(m.Index, 10) || m.LeafHash == "" {
					t.Fatalf("match %+v: index or leaf hash not the entry's", m)
				}
			}
			if len(run.Unreadable) != 1 || run.Unreadable[0].Index != 485 {
				t.Fatalf("unreadable %+v, want entry 485", run.Unreadable)
			}

			// Nothing new: the same checkpoint, nothing scanned.
			run, err = mon.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if run.From != 600 || run.To != 600 || len(run.Matches) != 0 {
				t.Fatalf("idle run: %+v", run)
			}

			ml.publish(1500)
			run, err = mon.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if run.Previous == nil || run.Previous.Size != 600 || run.Checkpoint.Size != 1500 || len(run.ConsistencyProof) == 0 {
				t.Fatalf("second run: %+v", run)
			}
			if got, want := indexes(run.Matches), wantMultiples(97, 600, 1500, -1); !slices.Equal(got, want) {
				t.Fatalf("matches %v, want %v", got, want)
			}
			st, err := readState(t, state)
			if err != nil {
				t.Fatal(err)
			}
			if st.NextIndex != 1500 || !strings.HasPrefix(st.Checkpoint, "monitor.test\n1500\n") {
				t.Fatalf("state %+v", st)
			}
		})
	}
}

// A run that fails midway keeps what it did; the next run resumes there
// and every entry is scanned exactly once, every match reported.
func TestMonitorResumes(t *testing.T) {
	ctx := context.Background()
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.json")
			ml := newMonitorLog(t, newEd25519Log(t, "monitor.test"), entries(2000))
			ml.publish(2000)
			var seen []uint64
			mon := ml.monitor(state, everyNth(50, -1), monitor.Options{Workers: workers,
				OnMatch: func(m *monitor.Match, u *monitor.UnreadableEntry) error {
					seen = append(seen, m.Index)
					return nil
				}})
			ml.failBundle.Store(5)
			_, err := mon.Run(ctx)
			if !errors.Is(err, tlog.ErrUnavailable) || errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("failed fetch: %v, want ErrUnavailable only", err)
			}
			st, err := readState(t, state)
			if err != nil {
				t.Fatal(err)
			}
			if st.NextIndex != 5*256 {
				t.Fatalf("after the failure, next index %d, want %d (all of bundles 0–4, nothing of 5)", st.NextIndex, 5*256)
			}
			run, err := mon.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if run.From != 5*256 || run.To != 2000 {
				t.Fatalf("resumed run scanned %d to %d", run.From, run.To)
			}
			if want := wantMultiples(50, 0, 2000, -1); !slices.Equal(seen, want) {
				t.Fatalf("reported %v, want each of %v once, in order", seen, want)
			}
		})
	}
}

// OnMatch failing stops the run before the entry counts as scanned.
func TestMonitorOnMatchError(t *testing.T) {
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "state.json")
	ml := newMonitorLog(t, newEd25519Log(t, "monitor.test"), entries(1000))
	ml.publish(1000)
	boom := errors.New("alert sink down")
	mon := ml.monitor(state, everyNth(300, -1), monitor.Options{OnMatch: func(m *monitor.Match, _ *monitor.UnreadableEntry) error {
		if m.Index == 600 {
			return boom
		}
		return nil
	}})
	if _, err := mon.Run(ctx); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the sink's error", err)
	}
	st, err := readState(t, state)
	if err != nil {
		t.Fatal(err)
	}
	if st.NextIndex > 600 {
		t.Fatalf("next index %d: entry 600 counted as scanned though its match was not reported", st.NextIndex)
	}
	mon = ml.monitor(state, everyNth(300, -1))
	run, err := mon.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(indexes(run.Matches), 600) {
		t.Fatalf("entry 600 not reported by the next run: %v", indexes(run.Matches))
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The log shows the monitor one tree, then another that does not extend
// it: a split view, with both checkpoints and the proof as evidence; the
// state keeps the first view.
func TestMonitorDetectsFork(t *testing.T) {
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "state.json")
	honest := newEd25519Log(t, "monitor.test")
	ml := newMonitorLog(t, honest, entries(700))
	ml.publish(400)
	mon := ml.monitor(state, everyNth(1000, -1))
	if _, err := mon.Run(ctx); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, state)

	// Same key, same first 300 entries, then others.
	forked := &testLog{origin: honest.origin, tree: newTree(), signer: honest.signer, key: honest.key}
	es := entries(700)
	for i := 300; i < 700; i++ {
		es[i] = []byte(fmt.Sprintf("forged %d", i))
	}
	fl := newMonitorLog(t, forked, es)
	fl.publish(650)
	mon2 := fl.monitor(state, everyNth(1000, -1))
	_, err := mon2.Run(ctx)
	var split *tlog.InconsistencyError
	if !errors.As(err, &split) || !errors.Is(err, tlog.ErrVerification) {
		t.Fatalf("fork: %v, want *InconsistencyError", err)
	}
	if split.Old.Size != 400 || split.New.Size != 650 || len(split.Proof) == 0 {
		t.Fatalf("evidence: old %d, new %d, %d proof hashes", split.Old.Size, split.New.Size, len(split.Proof))
	}
	if !bytes.Equal(readFile(t, state), before) {
		t.Fatal("the state changed after a split view")
	}

	// Same size, another root.
	fl2 := newMonitorLog(t, &testLog{origin: honest.origin, tree: newTree(), signer: honest.signer, key: honest.key}, es)
	fl2.publish(400)
	if _, err := fl2.monitor(state, everyNth(1000, -1)).Run(ctx); !errors.As(err, &split) {
		t.Fatalf("same size, other root: %v, want *InconsistencyError", err)
	}

	// A smaller tree.
	ml.publish(400)
	small := newMonitorLog(t, &testLog{origin: honest.origin, tree: newTree(), signer: honest.signer, key: honest.key}, entries(700))
	small.publish(399)
	var rb *tlog.RollbackError
	if _, err := small.monitor(state, everyNth(1000, -1)).Run(ctx); !errors.As(err, &rb) {
		t.Fatalf("rollback: %v, want *RollbackError", err)
	}
	if !bytes.Equal(readFile(t, state), before) {
		t.Fatal("the state changed after a rollback")
	}
	// The honest log is still accepted.
	ml.publish(700)
	if _, err := mon.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestMonitorRejections(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*monitorLog, *monitor.Monitor, string) {
		state := filepath.Join(t.TempDir(), "state.json")
		ml := newMonitorLog(t, newEd25519Log(t, "monitor.test"), entries(1000))
		ml.publish(300)
		mon := ml.monitor(state, everyNth(10, -1))
		if _, err := mon.Run(ctx); err != nil {
			t.Fatal(err)
		}
		ml.publish(1000)
		return ml, mon, state
	}
	t.Run("flipped hash in a tile", func(t *testing.T) {
		ml, mon, state := setup(t)
		ml.tiles.files[tlog.TilePath(0, 2, 0)][40] ^= 1
		_, err := mon.Run(ctx)
		var te *tlog.TileError
		if !errors.As(err, &te) || !errors.Is(err, tlog.ErrVerification) {
			t.Fatalf("got %v, want *TileError", err)
		}
		st, _ := readState(t, state)
		if st.NextIndex > 512 {
			t.Fatalf("next index %d is past the bad tile", st.NextIndex)
		}
	})
	t.Run("entry bundle changed", func(t *testing.T) {
		ml, mon, _ := setup(t)
		b := ml.tiles.files[tlog.EntryBundlePath(2, 0)]
		b[len(b)-1] ^= 1
		var ie *tlog.InclusionError
		if _, err := mon.Run(ctx); !errors.As(err, &ie) || !errors.Is(err, tlog.ErrVerification) {
			t.Fatalf("got %v, want *InclusionError", err)
		}
	})
	t.Run("checkpoint by another key", func(t *testing.T) {
		ml, mon, _ := setup(t)
		other := newEd25519Log(t, "monitor.test")
		other.grow(1000)
		ml.cp = other.sign(t, other.body(t, 1000))
		if _, err := mon.Run(ctx); !errors.Is(err, tlog.ErrVerification) {
			t.Fatalf("got %v, want a rejection", err)
		}
	})
	t.Run("checkpoint unreadable", func(t *testing.T) {
		ml, _, state := setup(t)
		f := ml.fetcher()
		f.CheckpointFunc = func(context.Context) ([]byte, error) { return nil, errors.New("timeout") }
		mon, err := monitor.New(ml.log.origin, []*tlog.LogKey{ml.log.key}, f, monitor.NewFileStore(state), everyNth(10, -1), monitor.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mon.Run(ctx); !errors.Is(err, tlog.ErrUnavailable) || errors.Is(err, tlog.ErrVerification) {
			t.Fatalf("got %v, want ErrUnavailable only", err)
		}
	})
	t.Run("witnesses required", func(t *testing.T) {
		ml, _, state := setup(t)
		w := newWitness(t, "witness.test")
		mon := ml.monitor(state, everyNth(10, -1), monitor.Options{Witnesses: &tlog.WitnessPolicy{Keys: []*tlog.WitnessKey{w.key}, Threshold: 1}})
		var we *tlog.WitnessError
		if _, err := mon.Run(ctx); !errors.As(err, &we) {
			t.Fatalf("got %v, want *WitnessError", err)
		}
	})
	t.Run("state tampered", func(t *testing.T) {
		_, mon, state := setup(t)
		// A stored checkpoint signed by another key.
		other := newEd25519Log(t, "monitor.test")
		other.grow(300)
		st, err := readState(t, state)
		if err != nil {
			t.Fatal(err)
		}
		st.Checkpoint = string(other.sign(t, other.body(t, 300)))
		if err := monitor.NewFileStore(state).Save(ctx, st); err != nil {
			t.Fatal(err)
		}
		_, err = mon.Run(ctx)
		var se *monitor.StateError
		if !errors.As(err, &se) || errors.Is(err, tlog.ErrVerification) {
			t.Fatalf("got %v, want *StateError and no verdict on the log", err)
		}
		if err := os.WriteFile(state, []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := mon.Run(ctx); !errors.As(err, &se) {
			t.Fatalf("got %v, want *StateError", err)
		}
	})
	t.Run("state of another log", func(t *testing.T) {
		ml, _, state := setup(t)
		other := newEd25519Log(t, "other.test")
		mon, err := monitor.New("other.test", []*tlog.LogKey{other.key}, ml.fetcher(), monitor.NewFileStore(state), everyNth(10, -1), monitor.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var se *monitor.StateError
		if _, err := mon.Run(ctx); !errors.As(err, &se) {
			t.Fatalf("got %v, want *StateError", err)
		}
	})
}

func TestMonitorLimits(t *testing.T) {
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "state.json")
	ml := newMonitorLog(t, newEd25519Log(t, "monitor.test"), entries(1000))
	ml.publish(1000)
	mon := ml.monitor(state, everyNth(100, -1), monitor.Options{StartIndex: 250, MaxEntries: 300})
	run, err := mon.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.From != 250 || run.To != 550 || run.Remaining != 450 {
		t.Fatalf("run %d to %d, %d remaining", run.From, run.To, run.Remaining)
	}
	if got, want := indexes(run.Matches), wantMultiples(100, 250, 550, -1); !slices.Equal(got, want) {
		t.Fatalf("matches %v, want %v", got, want)
	}
	run, err = ml.monitor(state, everyNth(100, -1)).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.From != 550 || run.To != 1000 || run.Remaining != 0 {
		t.Fatalf("run %d to %d, %d remaining", run.From, run.To, run.Remaining)
	}

	state2 := filepath.Join(t.TempDir(), "state.json")
	mon2 := ml.monitor(state2, everyNth(100, -1), monitor.Options{StartIndex: 1001})
	var pe *tlog.PolicyError
	if _, err := mon2.Run(ctx); !errors.As(err, &pe) {
		t.Fatalf("start beyond the log: %v, want *PolicyError", err)
	}
	if _, err := os.Stat(state2); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a state was written for a run that could not start: %v", err)
	}
}

func TestMonitorStateFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	l := newEd25519Log(t, "monitor.test")
	l.grow(10)
	st := &monitor.State{Schema: monitor.StateSchema, Origin: "monitor.test", Checkpoint: string(l.sign(t, l.body(t, 10))), NextIndex: 7}
	if err := monitor.NewFileStore(path).Save(ctx, st); err != nil {
		t.Fatal(err)
	}
	got, err := monitor.NewFileStore(path).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *st {
		t.Fatalf("read %+v, wrote %+v", got, st)
	}
	// Refused: an index past the checkpoint, another origin.
	for _, bad := range []*monitor.State{
		{Schema: monitor.StateSchema, Origin: "monitor.test", Checkpoint: st.Checkpoint, NextIndex: 11},
		{Schema: monitor.StateSchema, Origin: "other.test", Checkpoint: st.Checkpoint},
		{Schema: "v0", Origin: "monitor.test"},
	} {
		if err := monitor.NewFileStore(path).Save(ctx, bad); err == nil {
			t.Fatalf("wrote %+v", bad)
		}
	}
	if got, err := monitor.NewFileStore(path).Load(ctx); err != nil || *got != *st {
		t.Fatalf("a refused write changed the state: %+v, %v", got, err)
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 {
		t.Fatalf("left behind: %v", names)
	}
	if _, err := monitor.NewFileStore(filepath.Join(dir, "none.json")).Load(ctx); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing state: %v", err)
	}
}

func FuzzParseState(f *testing.F) {
	l := newEd25519Log(f, "monitor.test")
	l.grow(3)
	cp := string(l.sign(f, l.body(f, 3)))
	f.Add([]byte(`{"schema":"` + monitor.StateSchema + `","origin":"monitor.test","next_index":0}`))
	f.Add([]byte(fmt.Sprintf(`{"schema":%q,"origin":"monitor.test","checkpoint":%q,"next_index":2}`, monitor.StateSchema, cp)))
	f.Add([]byte(`{"schema":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := monitor.ParseState(data)
		if err != nil {
			return
		}
		if st.Schema != monitor.StateSchema || st.Origin == "" {
			t.Fatalf("accepted %+v", st)
		}
	})
}

// New refuses a monitor without one of its required inputs: "could not
// check", never a verdict.
func TestNewRequires(t *testing.T) {
	ml := newMonitorLog(t, newEd25519Log(t, "monitor.test"), entries(10))
	keys := []*tlog.LogKey{ml.log.key}
	store := &monitor.MemoryStore{}
	match := everyNth(2, -1)
	for name, build := range map[string]func() (*monitor.Monitor, error){
		"no origin": func() (*monitor.Monitor, error) {
			return monitor.New("", keys, ml.fetcher(), store, match, monitor.Options{})
		},
		"no keys": func() (*monitor.Monitor, error) {
			return monitor.New("monitor.test", nil, ml.fetcher(), store, match, monitor.Options{})
		},
		"nil key": func() (*monitor.Monitor, error) {
			return monitor.New("monitor.test", []*tlog.LogKey{nil}, ml.fetcher(), store, match, monitor.Options{})
		},
		"no fetcher": func() (*monitor.Monitor, error) {
			return monitor.New("monitor.test", keys, nil, store, match, monitor.Options{})
		},
		"nil func": func() (*monitor.Monitor, error) {
			return monitor.New("monitor.test", keys, monitor.FetcherFuncs{}, store, match, monitor.Options{})
		},
		"no store": func() (*monitor.Monitor, error) {
			return monitor.New("monitor.test", keys, ml.fetcher(), nil, match, monitor.Options{})
		},
		"no MatchFunc": func() (*monitor.Monitor, error) {
			return monitor.New("monitor.test", keys, ml.fetcher(), store, nil, monitor.Options{})
		},
	} {
		t.Run(name, func(t *testing.T) {
			var pe *tlog.PolicyError
			if _, err := build(); !errors.As(err, &pe) || errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("got %v, want a *tlog.PolicyError", err)
			}
		})
	}
}

// A MemoryStore keeps what a FileStore would, and the monitor resumes from
// it; a state another log wrote is a StateError.
func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	ml := newMonitorLog(t, newEd25519Log(t, "monitor.test"), entries(600))
	ml.publish(300)
	store := &monitor.MemoryStore{}
	if _, err := store.Load(ctx); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("empty store: %v, want os.ErrNotExist", err)
	}
	mon, err := monitor.New(ml.log.origin, []*tlog.LogKey{ml.log.key}, ml.fetcher(), store, everyNth(100, -1), monitor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mon.Run(ctx); err != nil {
		t.Fatal(err)
	}
	ml.publish(600)
	run, err := mon.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.From != 300 || run.To != 600 || !slices.Equal(indexes(run.Matches), wantMultiples(100, 300, 600, -1)) {
		t.Fatalf("second run %d to %d, matches %v", run.From, run.To, indexes(run.Matches))
	}
	st, err := store.Load(ctx)
	if err != nil || st.NextIndex != 600 {
		t.Fatalf("stored %+v, %v", st, err)
	}
	if err := store.Save(ctx, &monitor.State{Schema: "other", Origin: "monitor.test"}); err == nil {
		t.Fatal("an invalid state was saved")
	}
	st.Origin, st.Checkpoint = "other.test", ""
	if err := store.Save(ctx, st); err != nil {
		t.Fatal(err)
	}
	var se *monitor.StateError
	if _, err := mon.Run(ctx); !errors.As(err, &se) || se.Path != "memory" {
		t.Fatalf("state of another log: %v, want *StateError", err)
	}
}
