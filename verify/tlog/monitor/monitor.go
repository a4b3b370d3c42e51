package monitor

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/ats-run/selfattest/verify/tlog"
)

// StateSchema names version 1 of the state's format.
const StateSchema = "https://github.com/ats-run/selfattest/tlog/monitor-state/v1"

// MaxStateSize bounds a stored state.
const MaxStateSize = 1 << 20

// State is what a monitor keeps between runs, in its [Store], as JSON:
//
//	{
//	  "schema": "https://github.com/ats-run/selfattest/tlog/monitor-state/v1",
//	  "origin": "log.example",
//	  "checkpoint": "log.example\n1234\n<base64 root>\n\n— log.example …\n",
//	  "next_index": 1200
//	}
//
// Checkpoint is the signed checkpoint note the last run verified (empty
// before the first); every later checkpoint must be consistent with it.
// NextIndex is the first entry not yet scanned: every entry below it was
// handed to the [MatchFunc] and its matches reported.
type State struct {
	Schema     string `json:"schema"`
	Origin     string `json:"origin"`
	Checkpoint string `json:"checkpoint,omitempty"`
	NextIndex  uint64 `json:"next_index"`
}

// A StateError reports a state that cannot be loaded, parsed or saved, or
// that does not belong to the log being monitored. Path names the store (a
// [FileStore]'s path). It does not wrap [tlog.ErrVerification], even when
// the stored checkpoint's signature does not verify (that cause is kept as
// text): it says nothing about the log.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string { return fmt.Sprintf("monitor: state %s: %v", e.Path, e.Err) }

func (e *StateError) Unwrap() error { return e.Err }

// ParseState parses a stored state's bytes strictly: the schema must
// be version 1, unknown fields are refused, and the checkpoint, if any,
// must parse, with a tree size no larger than [tlog.MaxTreeSize] (its
// signature is checked by [Monitor.Run], which knows the log's keys).
func ParseState(data []byte) (*State, error) {
	if len(data) > MaxStateSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxStateSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s State
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the state object")
	}
	if s.Schema != StateSchema {
		return nil, fmt.Errorf("schema %q, want %q", s.Schema, StateSchema)
	}
	if s.Origin == "" || strings.ContainsAny(s.Origin, "\n\r") {
		return nil, fmt.Errorf("origin %q", s.Origin)
	}
	if s.Checkpoint != "" {
		body, _, ok := strings.Cut(s.Checkpoint, "\n\n")
		if !ok {
			return nil, errors.New("checkpoint is not a signed note")
		}
		c, err := tlog.ParseCheckpoint([]byte(body + "\n"))
		if err != nil {
			return nil, err
		}
		if c.Origin != s.Origin {
			return nil, fmt.Errorf("checkpoint of %q in the state of %q", c.Origin, s.Origin)
		}
		if c.Size > tlog.MaxTreeSize {
			return nil, fmt.Errorf("checkpoint of tree size %d, more than %d", c.Size, uint64(tlog.MaxTreeSize))
		}
		if s.NextIndex > c.Size {
			return nil, fmt.Errorf("next index %d beyond the checkpoint's size %d", s.NextIndex, c.Size)
		}
	}
	return &s, nil
}

// A Match is an entry a [MatchFunc] reports: which rule it matched, and
// the facts it read from the entry to decide. The monitor fills in Index
// and LeafHash.
type Match struct {
	Index    uint64            `json:"index"`
	LeafHash string            `json:"leaf_hash"` // hex, RFC 6962
	Rule     string            `json:"rule"`
	Facts    map[string]string `json:"facts,omitempty"`
}

// An UnreadableEntry is an entry the [MatchFunc] could not read. It is in
// the log (its leaf hash was verified), so it is reported, never skipped
// in silence.
type UnreadableEntry struct {
	Index    uint64 `json:"index"`
	LeafHash string `json:"leaf_hash"`
	Reason   string `json:"reason"`
}

// A MatchFunc decides whether a verified log entry is one the monitor
// watches for, returning one [Match] per rule it satisfies (the monitor
// fills in Index and LeafHash), or none. An error means the entry could not
// be read (it is reported as an [UnreadableEntry]); it does not stop the
// run. It MUST be safe for concurrent use and MUST NOT keep entry.
type MatchFunc func(entry []byte) ([]Match, error)

// A Fetcher reads a tlog-tiles log: its latest checkpoint, its hash
// tiles and its entry bundles, with the contracts of
// [tlog.CheckpointFetcherFunc], [tlog.TileFetcherFunc] and
// [tlog.EntryBundleFetcherFunc]. The HTTPFetcher and DirFetcher of package
// [github.com/ats-run/selfattest/verify/tlog/logfetch] are Fetchers;
// [FetcherFuncs] adapts three functions.
type Fetcher interface {
	Checkpoint(ctx context.Context) ([]byte, error)
	Tile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	EntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}

// FetcherFuncs is a [Fetcher] made of three functions, all required.
type FetcherFuncs struct {
	CheckpointFunc  tlog.CheckpointFetcherFunc
	TileFunc        tlog.TileFetcherFunc
	EntryBundleFunc tlog.EntryBundleFetcherFunc
}

// Checkpoint calls f.CheckpointFunc.
func (f FetcherFuncs) Checkpoint(ctx context.Context) ([]byte, error) { return f.CheckpointFunc(ctx) }

// Tile calls f.TileFunc.
func (f FetcherFuncs) Tile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return f.TileFunc(ctx, level, index, p)
}

// EntryBundle calls f.EntryBundleFunc.
func (f FetcherFuncs) EntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return f.EntryBundleFunc(ctx, index, p)
}

// Options are a [Monitor]'s tunables. The zero value is safe: no witness
// policy, a new state starts at entry 0, every new entry is scanned by
// GOMAXPROCS workers, the state is saved every 4096 entries, and matches
// are only returned in the [Run].
type Options struct {
	// Witnesses, if set, must have cosigned every checkpoint the monitor
	// accepts (see [tlog.VerifyWitnesses]).
	Witnesses *tlog.WitnessPolicy
	// OnMatch, if set, is called with every match and unreadable entry,
	// in index order, before the state records the entry as scanned; an
	// error stops the run there, so nothing is lost (a match may be
	// reported again by the next run). Without it, matches are only in
	// the [Run].
	OnMatch func(*Match, *UnreadableEntry) error
	// StartIndex is where a new state starts (when the [Store] holds
	// none); it must not exceed the log's size.
	StartIndex uint64
	// MaxEntries bounds the entries one run scans; 0 means all.
	MaxEntries uint64
	// Workers is how many bundles are read and matched at once; 0 means
	// GOMAXPROCS.
	Workers int
	// SaveEvery is how many entries are scanned between two saves of the
	// state; 0 means 4096. The state is also saved at the end of a run and
	// when a run fails.
	SaveEvery uint64
}

// A Monitor watches one tlog-tiles log. Build it with [New]; it is not
// safe for concurrent use, and two monitors must not share a [Store].
type Monitor struct {
	origin string
	keys   []*tlog.LogKey
	log    Fetcher
	store  Store
	match  MatchFunc
	opts   Options
}

// New returns a monitor of the log whose checkpoints have the given origin
// and are signed by one of logKeys (see [tlog.VerifyCheckpoint]), read
// through log, that keeps its state in store and hands every new entry to
// match. All are required: a missing one is a [*tlog.PolicyError].
func New(origin string, logKeys []*tlog.LogKey, log Fetcher, store Store, match MatchFunc, opts Options) (*Monitor, error) {
	if origin == "" || len(logKeys) == 0 || log == nil || store == nil || match == nil {
		return nil, &tlog.PolicyError{Reason: "a monitor needs an origin, log keys, a Fetcher, a Store and a MatchFunc"}
	}
	for _, k := range logKeys {
		if k == nil {
			return nil, &tlog.PolicyError{Reason: "nil log key"}
		}
	}
	if f, ok := log.(FetcherFuncs); ok && (f.CheckpointFunc == nil || f.TileFunc == nil || f.EntryBundleFunc == nil) {
		return nil, &tlog.PolicyError{Reason: "FetcherFuncs with a nil function"}
	}
	return &Monitor{origin: origin, keys: append([]*tlog.LogKey(nil), logKeys...), log: log, store: store, match: match, opts: opts}, nil
}

// RunSchema names version 1 of [Run]'s JSON form.
const RunSchema = "https://github.com/ats-run/selfattest/tlog/monitor-run/v1"

// CheckpointSummary is the verified content of a checkpoint.
type CheckpointSummary struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   string `json:"root_hash"` // hex
}

func summarize(cp *tlog.VerifiedCheckpoint) *CheckpointSummary {
	if cp == nil {
		return nil
	}
	return &CheckpointSummary{Origin: cp.Origin, Size: cp.Size, Root: hex.EncodeToString(cp.Hash)}
}

// Run is what one successful [Monitor.Run] verified and found.
type Run struct {
	Schema string `json:"schema"`
	// Previous is the checkpoint the last run verified (nil on the first),
	// Checkpoint the one this run verified; ConsistencyProof proves the
	// second extends the first.
	Previous         *CheckpointSummary `json:"previous,omitempty"`
	Checkpoint       CheckpointSummary  `json:"checkpoint"`
	ConsistencyProof []string           `json:"consistency_proof,omitempty"` // hex
	Witnessed        *tlog.Witnessed    `json:"witnessed,omitempty"`
	// Entries From to To−1 were scanned; To is the state's next index.
	From       uint64            `json:"from"`
	To         uint64            `json:"to"`
	Matches    []Match           `json:"matches"`
	Unreadable []UnreadableEntry `json:"unreadable,omitempty"`
	Remaining  uint64            `json:"remaining"` // entries left for the next run (Options.MaxEntries)
}

// Run verifies the log's newest checkpoint, proves it consistent with the
// stored one, and scans the entries not yet scanned.
//
// A checkpoint that does not verify, a tree that shrank
// ([*tlog.RollbackError]), a checkpoint inconsistent with the stored one
// ([*tlog.InconsistencyError], carrying both and the proof: the log showed
// two views) and tiles or bundles that do not match the checkpoint are
// rejections wrapping [tlog.ErrVerification]; the stored state is then left
// as it was. A fetch that fails is a [*tlog.FetchError]
// ([tlog.ErrUnavailable]): the state records how far the run got, and the
// next run resumes there. A state that cannot be loaded or saved, or that
// is not this log's, is a [*StateError].
func (m *Monitor) Run(ctx context.Context) (*Run, error) {
	if m == nil || m.store == nil {
		return nil, &tlog.PolicyError{Reason: "monitor not made by New"}
	}
	st, err := m.store.Load(ctx)
	fresh := false
	switch {
	case errors.Is(err, os.ErrNotExist):
		st, fresh = &State{Schema: StateSchema, Origin: m.origin, NextIndex: m.opts.StartIndex}, true
	case err != nil:
		return nil, m.stateError(err)
	case st == nil:
		return nil, m.stateError(errors.New("the store loaded no state and no error"))
	case st.Origin != m.origin:
		return nil, m.stateError(fmt.Errorf("state of %q, monitor of %q", st.Origin, m.origin))
	}
	var prev *tlog.VerifiedCheckpoint
	if st.Checkpoint != "" {
		prev, err = tlog.VerifyCheckpoint([]byte(st.Checkpoint), m.origin, m.keys...)
		if err != nil {
			return nil, m.stateError(fmt.Errorf("stored checkpoint does not verify with the log's keys: %s", err))
		}
	}

	msg, err := m.log.Checkpoint(ctx)
	if err != nil {
		return nil, fetchError(tlog.CheckpointPath, err)
	}
	cp, err := tlog.VerifyCheckpoint(msg, m.origin, m.keys...)
	if err != nil {
		return nil, err
	}
	run := &Run{Schema: RunSchema, Previous: summarize(prev), Checkpoint: *summarize(cp), Matches: []Match{}}
	if m.opts.Witnesses != nil {
		if run.Witnessed, err = tlog.VerifyWitnesses(cp, *m.opts.Witnesses); err != nil {
			return nil, err
		}
	}
	if prev != nil {
		proof, err := tlog.ConsistencyProof(ctx, prev, cp, m.log.Tile)
		if err != nil {
			return nil, err
		}
		for _, h := range proof {
			run.ConsistencyProof = append(run.ConsistencyProof, hex.EncodeToString(h))
		}
	}
	if fresh && st.NextIndex > cp.Size {
		return nil, &tlog.PolicyError{Reason: fmt.Sprintf("start index %d is beyond the log's size %d", st.NextIndex, cp.Size)}
	}
	// The new checkpoint is kept before any entry is scanned: whatever
	// happens next, the next run checks consistency against it.
	if prev == nil || cp.Size > prev.Size {
		st.Checkpoint = string(msg)
	}
	if err := m.save(ctx, st); err != nil {
		return nil, err
	}

	end := cp.Size
	if m.opts.MaxEntries > 0 && end-st.NextIndex > m.opts.MaxEntries {
		end = st.NextIndex + m.opts.MaxEntries
	}
	run.From, run.To, run.Remaining = st.NextIndex, st.NextIndex, cp.Size-st.NextIndex
	err = m.scan(ctx, cp, st, end, run)
	run.To, run.Remaining = st.NextIndex, cp.Size-st.NextIndex
	if werr := m.save(ctx, st); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	return run, nil
}

// save saves a copy of st, checked: the store never sees an invalid state.
func (m *Monitor) save(ctx context.Context, st *State) error {
	if _, err := encodeState(st); err != nil {
		return m.stateError(err)
	}
	c := *st
	if err := m.store.Save(ctx, &c); err != nil {
		return m.stateError(err)
	}
	return nil
}

// stateError returns err as a [*StateError] naming the store, unless it is
// one.
func (m *Monitor) stateError(err error) error {
	if se := (*StateError)(nil); errors.As(err, &se) {
		return err
	}
	return &StateError{Path: storeName(m.store), Err: err}
}

// fetchError wraps a fetcher's error in a [*tlog.FetchError] unless it is
// one.
func fetchError(path string, err error) error {
	if fe := (*tlog.FetchError)(nil); errors.As(err, &fe) {
		return fe
	}
	return &tlog.FetchError{Path: path, Err: err}
}

// bundleResult is what a worker made of one entry bundle.
type bundleResult struct {
	matches    []Match
	unreadable []UnreadableEntry
	end        uint64 // first index after the entries of the bundle scanned
	err        error
}

// scan reads entries st.NextIndex to end−1 with opts.Workers workers, one
// entry bundle each at a time, and takes their results in index order:
// matches are reported, and st.NextIndex advances, only over bundles all of
// whose predecessors are done. It saves the state every opts.SaveEvery
// entries; the caller saves it at the end.
func (m *Monitor) scan(ctx context.Context, cp *tlog.VerifiedCheckpoint, st *State, end uint64, run *Run) error {
	start := st.NextIndex
	if start >= end {
		return nil
	}
	workers := m.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	saveEvery := m.opts.SaveEvery
	if saveEvery == 0 {
		saveEvery = 4096
	}
	scanners := make([]*tlog.EntryScanner, workers)
	for i := range scanners {
		sc, err := tlog.NewEntryScanner(cp, m.log.Tile, m.log.EntryBundle)
		if err != nil {
			return err
		}
		scanners[i] = sc
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		n   uint64
		out chan bundleResult
	}
	jobs := make(chan job)
	order := make(chan chan bundleResult, workers)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // dispatcher: bundles in order
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for n := start / tlog.TileWidth; n*tlog.TileWidth < end; n++ {
			j := job{n: n, out: make(chan bundleResult, 1)}
			select {
			case order <- j.out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				j.out <- bundleResult{err: ctx.Err()}
				return
			}
		}
	}()
	for _, sc := range scanners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- m.matchBundle(ctx, sc, j.n, start, end)
			}
		}()
	}
	defer wg.Wait()

	saved := st.NextIndex
	for out := range order {
		r := <-out
		if r.err != nil {
			cancel()
			return r.err
		}
		if err := m.report(r, run); err != nil {
			cancel()
			return err
		}
		st.NextIndex = r.end
		if st.NextIndex-saved >= saveEvery {
			if err := m.save(ctx, st); err != nil {
				cancel()
				return err
			}
			saved = st.NextIndex
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return nil
}

// matchBundle reads entry bundle n, verified, and matches its entries in
// [start, end).
func (m *Monitor) matchBundle(ctx context.Context, sc *tlog.EntryScanner, n, start, end uint64) bundleResult {
	entries, err := sc.Bundle(ctx, n)
	if err != nil {
		return bundleResult{err: err}
	}
	var r bundleResult
	first := n * tlog.TileWidth
	for i, e := range entries {
		idx := first + uint64(i)
		if idx < start || idx >= end {
			continue
		}
		r.end = idx + 1
		found, err := m.match(e)
		if err != nil {
			r.unreadable = append(r.unreadable, UnreadableEntry{Index: idx, LeafHash: hex.EncodeToString(tlog.LeafHash(e)), Reason: err.Error()})
			continue
		}
		for _, f := range found {
			f.Index, f.LeafHash = idx, hex.EncodeToString(tlog.LeafHash(e))
			r.matches = append(r.matches, f)
		}
	}
	return r
}

// report hands a bundle's findings to Options.OnMatch, in index order, and adds
// them to the run.
func (m *Monitor) report(r bundleResult, run *Run) error {
	mi, ui := 0, 0
	for mi < len(r.matches) || ui < len(r.unreadable) {
		if ui == len(r.unreadable) || mi < len(r.matches) && r.matches[mi].Index <= r.unreadable[ui].Index {
			if m.opts.OnMatch != nil {
				if err := m.opts.OnMatch(&r.matches[mi], nil); err != nil {
					return err
				}
			}
			run.Matches = append(run.Matches, r.matches[mi])
			mi++
			continue
		}
		if m.opts.OnMatch != nil {
			if err := m.opts.OnMatch(nil, &r.unreadable[ui]); err != nil {
				return err
			}
		}
		run.Unreadable = append(run.Unreadable, r.unreadable[ui])
		ui++
	}
	return nil
}
