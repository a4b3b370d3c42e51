package tlog

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/ats-run/selfattest/internal/localfile"
)

// Monitoring a log. A [Monitor] watches one tlog-tiles log the way a
// Certificate Transparency monitor does: each [Monitor.Run] verifies the
// log's newest checkpoint (and its witnesses, if a policy is given),
// proves it consistent with the checkpoint the previous run verified,
// then reads every entry added since, verified, and hands each to a
// [MatchFunc] that says whether it is one the monitor watches for (in
// package verify, a release identity). What it has seen is kept in a
// [MonitorState] file, written atomically, so a run that stops midway
// resumes where it stopped and never skips an entry.

// MonitorStateSchema names version 1 of the state file's format.
const MonitorStateSchema = "https://github.com/ats-run/selfattest/tlog/monitor-state/v1"

// MaxStateSize bounds a state file.
const MaxStateSize = 1 << 20

// MonitorState is what a monitor keeps between runs, as JSON:
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
type MonitorState struct {
	Schema     string `json:"schema"`
	Origin     string `json:"origin"`
	Checkpoint string `json:"checkpoint,omitempty"`
	NextIndex  uint64 `json:"next_index"`
}

// A StateError reports a state file that cannot be read, parsed or
// written, or that does not belong to the log being monitored. It does not
// wrap [ErrVerification], even when the stored checkpoint's signature does
// not verify (that cause is kept as text): it says nothing about the log.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string { return fmt.Sprintf("tlog: monitor state %s: %v", e.Path, e.Err) }

func (e *StateError) Unwrap() error { return e.Err }

// ParseMonitorState parses a state file's bytes strictly: the schema must
// be version 1, unknown fields are refused, and the checkpoint, if any,
// must parse, with a tree size no larger than [MaxTreeSize] (its signature
// is checked by [Monitor.Run], which knows the log's keys).
func ParseMonitorState(data []byte) (*MonitorState, error) {
	if len(data) > MaxStateSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxStateSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s MonitorState
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the state object")
	}
	if s.Schema != MonitorStateSchema {
		return nil, fmt.Errorf("schema %q, want %q", s.Schema, MonitorStateSchema)
	}
	if s.Origin == "" || strings.ContainsAny(s.Origin, "\n\r") {
		return nil, fmt.Errorf("origin %q", s.Origin)
	}
	if s.Checkpoint != "" {
		body, _, ok := strings.Cut(s.Checkpoint, "\n\n")
		if !ok {
			return nil, errors.New("checkpoint is not a signed note")
		}
		c, err := ParseCheckpoint([]byte(body + "\n"))
		if err != nil {
			return nil, err
		}
		if c.Origin != s.Origin {
			return nil, fmt.Errorf("checkpoint of %q in the state of %q", c.Origin, s.Origin)
		}
		if c.Size > MaxTreeSize {
			return nil, fmt.Errorf("checkpoint of tree size %d, more than %d", c.Size, uint64(MaxTreeSize))
		}
		if s.NextIndex > c.Size {
			return nil, fmt.Errorf("next index %d beyond the checkpoint's size %d", s.NextIndex, c.Size)
		}
	}
	return &s, nil
}

// ReadMonitorState reads a state file. A file that does not exist is an
// error wrapping [os.ErrNotExist]; any other failure a [*StateError].
func ReadMonitorState(path string) (*MonitorState, error) {
	data, err := localfile.ReadFile(path, MaxStateSize)
	if err != nil {
		return nil, &StateError{Path: path, Err: err}
	}
	s, err := ParseMonitorState(data)
	if err != nil {
		return nil, &StateError{Path: path, Err: err}
	}
	return s, nil
}

// WriteMonitorState replaces the state file at path atomically: it writes
// a temporary file in the same folder, syncs it, renames it over path and
// syncs the folder, so a crash leaves either the old state or the new one,
// never a mix.
func WriteMonitorState(path string, s *MonitorState) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return &StateError{Path: path, Err: err}
	}
	data = append(data, '\n')
	if _, err := ParseMonitorState(data); err != nil {
		return &StateError{Path: path, Err: fmt.Errorf("refusing to write an invalid state: %w", err)}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return &StateError{Path: path, Err: err}
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return &StateError{Path: path, Err: err}
	}
	if err := tmp.Sync(); err != nil {
		return &StateError{Path: path, Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &StateError{Path: path, Err: err}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return &StateError{Path: path, Err: err}
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every file system syncs folders
		d.Close()
	}
	return nil
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

// A Monitor watches one tlog-tiles log. Origin, LogKeys, Checkpoint, Tiles,
// Bundles, Match and StatePath are required; the rest are optional.
type Monitor struct {
	// Origin is the log's checkpoint origin; LogKeys verify its
	// checkpoints (see [FetchCheckpoint]).
	Origin  string
	LogKeys []*LogKey
	// Witnesses, if set, must have cosigned every checkpoint the monitor
	// accepts (see [VerifyWitnesses]).
	Witnesses *WitnessPolicy

	Checkpoint CheckpointFetcherFunc
	Tiles      TileFetcherFunc
	Bundles    EntryBundleFetcherFunc

	Match MatchFunc
	// OnMatch, if set, is called with every match and unreadable entry,
	// in index order, before the state records the entry as scanned; an
	// error stops the run there, so nothing is lost (a match may be
	// reported again by the next run). Without it, matches are only in
	// the [MonitorRun].
	OnMatch func(*Match, *UnreadableEntry) error

	// StatePath is the state file. A missing file starts a new state at
	// StartIndex (which must not exceed the log's size).
	StatePath  string
	StartIndex uint64

	// MaxEntries bounds the entries one run scans; 0 means all.
	MaxEntries uint64
	// Workers is how many bundles are read and matched at once; 0 means
	// GOMAXPROCS.
	Workers int
	// SaveEvery is how many entries are scanned between two writes of the
	// state file; 0 means 4096. The state is also written at the end of a
	// run and when a run fails.
	SaveEvery uint64
}

// MonitorRunSchema names version 1 of [MonitorRun]'s JSON form.
const MonitorRunSchema = "https://github.com/ats-run/selfattest/tlog/monitor-run/v1"

// CheckpointSummary is the verified content of a checkpoint.
type CheckpointSummary struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   string `json:"root_hash"` // hex
}

func summarize(cp *VerifiedCheckpoint) *CheckpointSummary {
	if cp == nil {
		return nil
	}
	return &CheckpointSummary{Origin: cp.Origin, Size: cp.Size, Root: hex.EncodeToString(cp.Hash)}
}

// MonitorRun is what one successful run verified and found.
type MonitorRun struct {
	Schema string `json:"schema"`
	// Previous is the checkpoint the last run verified (nil on the first),
	// Checkpoint the one this run verified; ConsistencyProof proves the
	// second extends the first.
	Previous         *CheckpointSummary `json:"previous,omitempty"`
	Checkpoint       CheckpointSummary  `json:"checkpoint"`
	ConsistencyProof []string           `json:"consistency_proof,omitempty"` // hex
	Witnessed        *Witnessed         `json:"witnessed,omitempty"`
	// Entries From to To−1 were scanned; To is the state's next index.
	From       uint64            `json:"from"`
	To         uint64            `json:"to"`
	Matches    []Match           `json:"matches"`
	Unreadable []UnreadableEntry `json:"unreadable,omitempty"`
	Remaining  uint64            `json:"remaining"` // entries left for the next run (MaxEntries)
}

// Run verifies the log's newest checkpoint, proves it consistent with the
// stored one, and scans the entries not yet scanned.
//
// A checkpoint that does not verify, a tree that shrank
// ([*RollbackError]), a checkpoint inconsistent with the stored one
// ([*InconsistencyError], carrying both and the proof: the log showed two
// views) and tiles or bundles that do not match the checkpoint are
// rejections wrapping [ErrVerification]; the stored state is then left as it
// was. A fetch that fails is a [*FetchError] ([ErrUnavailable]): the state
// records how far the run got, and the next run resumes there.
func (m *Monitor) Run(ctx context.Context) (*MonitorRun, error) {
	if m.Checkpoint == nil || m.Tiles == nil || m.Bundles == nil || m.Match == nil || m.StatePath == "" || m.Origin == "" {
		return nil, &PolicyError{Reason: "monitor needs Origin, Checkpoint, Tiles, Bundles, Match and StatePath"}
	}
	st, err := ReadMonitorState(m.StatePath)
	fresh := false
	switch {
	case errors.Is(err, os.ErrNotExist):
		st, fresh = &MonitorState{Schema: MonitorStateSchema, Origin: m.Origin, NextIndex: m.StartIndex}, true
	case err != nil:
		return nil, err
	case st.Origin != m.Origin:
		return nil, &StateError{Path: m.StatePath, Err: fmt.Errorf("state of %q, monitor of %q", st.Origin, m.Origin)}
	}
	var prev *VerifiedCheckpoint
	if st.Checkpoint != "" {
		prev, err = VerifyCheckpoint([]byte(st.Checkpoint), m.Origin, m.LogKeys...)
		if err != nil {
			return nil, &StateError{Path: m.StatePath, Err: fmt.Errorf("stored checkpoint does not verify with the log's keys: %s", err)}
		}
	}

	msg, err := m.Checkpoint(ctx)
	if err != nil {
		return nil, fetchError(CheckpointPath, err)
	}
	cp, err := VerifyCheckpoint(msg, m.Origin, m.LogKeys...)
	if err != nil {
		return nil, err
	}
	run := &MonitorRun{Schema: MonitorRunSchema, Previous: summarize(prev), Checkpoint: *summarize(cp), Matches: []Match{}}
	if m.Witnesses != nil {
		if run.Witnessed, err = VerifyWitnesses(cp, *m.Witnesses); err != nil {
			return nil, err
		}
	}
	if prev != nil {
		proof, err := ConsistencyProof(ctx, prev, cp, m.Tiles)
		if err != nil {
			return nil, err
		}
		for _, h := range proof {
			run.ConsistencyProof = append(run.ConsistencyProof, hex.EncodeToString(h))
		}
	}
	if fresh && st.NextIndex > cp.Size {
		return nil, &PolicyError{Reason: fmt.Sprintf("start index %d is beyond the log's size %d", st.NextIndex, cp.Size)}
	}
	// The new checkpoint is kept before any entry is scanned: whatever
	// happens next, the next run checks consistency against it.
	if prev == nil || cp.Size > prev.Size {
		st.Checkpoint = string(msg)
	}
	if err := WriteMonitorState(m.StatePath, st); err != nil {
		return nil, err
	}

	end := cp.Size
	if m.MaxEntries > 0 && end-st.NextIndex > m.MaxEntries {
		end = st.NextIndex + m.MaxEntries
	}
	run.From, run.To, run.Remaining = st.NextIndex, st.NextIndex, cp.Size-st.NextIndex
	err = m.scan(ctx, cp, st, end, run)
	run.To, run.Remaining = st.NextIndex, cp.Size-st.NextIndex
	if werr := WriteMonitorState(m.StatePath, st); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	return run, nil
}

// bundleResult is what a worker made of one entry bundle.
type bundleResult struct {
	matches    []Match
	unreadable []UnreadableEntry
	end        uint64 // first index after the entries of the bundle scanned
	err        error
}

// scan reads entries st.NextIndex to end−1 with m.Workers workers, one
// entry bundle each at a time, and takes their results in index order:
// matches are reported, and st.NextIndex advances, only over bundles all of
// whose predecessors are done. It saves the state every m.SaveEvery
// entries; the caller saves it at the end.
func (m *Monitor) scan(ctx context.Context, cp *VerifiedCheckpoint, st *MonitorState, end uint64, run *MonitorRun) error {
	start := st.NextIndex
	if start >= end {
		return nil
	}
	workers := m.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	saveEvery := m.SaveEvery
	if saveEvery == 0 {
		saveEvery = 4096
	}
	scanners := make([]*scanner, workers)
	for i := range scanners {
		sc, err := newScanner(ctx, cp, m.Tiles, m.Bundles)
		if err != nil {
			return err
		}
		scanners[i] = sc
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, sc := range scanners {
		sc.ctx, sc.tiles.ctx = ctx, ctx
	}

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
		for n := start / TileWidth; n*TileWidth < end; n++ {
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
				j.out <- m.matchBundle(sc, j.n, start, end)
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
			if err := WriteMonitorState(m.StatePath, st); err != nil {
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
func (m *Monitor) matchBundle(sc *scanner, n, start, end uint64) bundleResult {
	entries, err := sc.bundle(n)
	if err != nil {
		return bundleResult{err: err}
	}
	var r bundleResult
	first := n * TileWidth
	for i, e := range entries {
		idx := first + uint64(i)
		if idx < start || idx >= end {
			continue
		}
		r.end = idx + 1
		found, err := m.Match(e)
		if err != nil {
			r.unreadable = append(r.unreadable, UnreadableEntry{Index: idx, LeafHash: hex.EncodeToString(LeafHash(e)), Reason: err.Error()})
			continue
		}
		for _, f := range found {
			f.Index, f.LeafHash = idx, hex.EncodeToString(LeafHash(e))
			r.matches = append(r.matches, f)
		}
	}
	return r
}

// report hands a bundle's findings to OnMatch, in index order, and adds
// them to the run.
func (m *Monitor) report(r bundleResult, run *MonitorRun) error {
	mi, ui := 0, 0
	for mi < len(r.matches) || ui < len(r.unreadable) {
		if ui == len(r.unreadable) || mi < len(r.matches) && r.matches[mi].Index <= r.unreadable[ui].Index {
			if m.OnMatch != nil {
				if err := m.OnMatch(&r.matches[mi], nil); err != nil {
					return err
				}
			}
			run.Matches = append(run.Matches, r.matches[mi])
			mi++
			continue
		}
		if m.OnMatch != nil {
			if err := m.OnMatch(nil, &r.unreadable[ui]); err != nil {
				return err
			}
		}
		run.Unreadable = append(run.Unreadable, r.unreadable[ui])
		ui++
	}
	return nil
}
