package tlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"

	vtlog "github.com/ats-run/selfattest/verify/tlog"
	"github.com/ats-run/selfattest/verify/tlog/logfetch"
)

// MaxEntrySize is the largest entry a log takes, in bytes: what a C2SP
// tlog-tiles entry bundle can hold (a 16-bit length).
const MaxEntrySize = vtlog.MaxEntrySize

// Defaults of [Options].
const (
	DefaultBatchMaxSize       = 256
	DefaultBatchMaxAge        = 10 * time.Millisecond
	DefaultCheckpointInterval = 100 * time.Millisecond
	DefaultTimeout            = time.Minute
)

const (
	minCheckpointInterval = 100 * time.Millisecond // tessera's POSIX driver refuses less
	pollInterval          = 10 * time.Millisecond
	stateDir              = ".state"          // tessera's private state folder
	treeStateFile         = "treeState"       // in stateDir: tessera's integrated tree
	lockFile              = "selfattest.lock" // in stateDir: ours, see lockFolder
)

// Options tune a [Log]. The zero value is safe: batches of up to 256 entries
// written at most 10ms after their first entry arrived, a checkpoint at most
// every 100ms, and one minute for any call to finish. Negative values are a
// [*ConfigError].
type Options struct {
	// BatchMaxSize is the most entries written to the log in one step
	// (entry bundles, tiles, tree state). 0 means [DefaultBatchMaxSize].
	// Raise it (to a few thousand) to fill big logs fast.
	BatchMaxSize int
	// BatchMaxAge is how long the first entry of a batch waits for more
	// before the batch is written. 0 means [DefaultBatchMaxAge].
	BatchMaxAge time.Duration
	// CheckpointInterval is the least time between two published
	// checkpoints. 0 means [DefaultCheckpointInterval], also the least
	// tessera allows.
	CheckpointInterval time.Duration
	// Timeout bounds each call that waits ([Open], [Log.Append],
	// [Log.AppendBatch], [Log.Checkpoint], [Log.Await], [Log.Prove],
	// [Log.Close]) on top of its context. 0 means [DefaultTimeout].
	Timeout time.Duration
}

func (o Options) withDefaults() (Options, error) {
	if o.BatchMaxSize < 0 || o.BatchMaxAge < 0 || o.CheckpointInterval < 0 || o.Timeout < 0 {
		return o, &ConfigError{Reason: "negative Options field"}
	}
	if o.BatchMaxSize == 0 {
		o.BatchMaxSize = DefaultBatchMaxSize
	}
	if o.BatchMaxAge == 0 {
		o.BatchMaxAge = DefaultBatchMaxAge
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = DefaultCheckpointInterval
	}
	if o.CheckpointInterval < minCheckpointInterval {
		return o, &ConfigError{Reason: fmt.Sprintf("Options.CheckpointInterval %v is less than tessera's minimum of %v", o.CheckpointInterval, minCheckpointInterval)}
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return o, nil
}

// A Log is an append-only transparency log in a local folder, open for
// appending. Its methods are safe for concurrent use. It must be closed with
// [Log.Close], which stops its background work.
type Log struct {
	dir    string
	origin string
	key    *vtlog.LogKey
	opts   Options

	lock  *os.File
	root  *os.Root
	fetch *logfetch.DirFetcher

	add      tessera.AddFn
	shutdown func(context.Context) error
	reader   tessera.LogReader
	stop     context.CancelFunc // stops tessera's background work

	mu       sync.Mutex // guards closed and inflight.Add
	closed   bool
	inflight sync.WaitGroup // calls in progress, and the goroutines resolving their entries

	cpMu sync.Mutex
	last *vtlog.VerifiedCheckpoint // latest checkpoint verified; a private copy
}

// Open opens the log in folder dir, creating it (and the folder) if there is
// none, for appending entries under checkpoints with origin line origin,
// signed by key under the signed-note name origin.
//
// A new log needs a folder that does not exist or is empty. An existing log
// is opened only if its published checkpoint verifies (with verify/tlog)
// under this origin and key, and tessera's tree state is not behind it;
// otherwise the error is a [*FolderError] and nothing in the folder changes.
// Another [Log] open on the folder is [ErrLocked]. A bad origin, key or
// option is a [*ConfigError]. ctx bounds the opening only; the log's
// background work lasts until [Log.Close].
func Open(ctx context.Context, dir, origin string, key ed25519.PrivateKey, opts Options) (_ *Log, err error) {
	logKey, err := checkKey(origin, key)
	if err != nil {
		return nil, err
	}
	signer, err := newSigner(origin, key)
	if err != nil {
		return nil, err
	}
	if opts, err = opts.withDefaults(); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, &ConfigError{Reason: "no log folder named"}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, &ConfigError{Reason: "log folder " + dir, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, &FolderError{Dir: abs, Reason: "cannot create the log folder", Err: err}
	}
	l := &Log{dir: abs, origin: origin, key: logKey, opts: opts}
	defer func() {
		if err != nil {
			l.release()
		}
	}()
	if l.root, err = os.OpenRoot(abs); err != nil {
		return nil, &FolderError{Dir: abs, Reason: "cannot open the log folder", Err: err}
	}
	// Refuse a folder that is not this log before writing anything to it,
	// and look again once it is locked.
	if _, err := inspect(l.root, abs); err != nil {
		return nil, err
	}
	if err := l.root.Mkdir(stateDir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, &FolderError{Dir: abs, Reason: "cannot create tessera's state folder", Err: err}
	}
	if l.lock, err = lockFolder(filepath.Join(abs, stateDir, lockFile)); err != nil {
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, abs)
		}
		return nil, &FolderError{Dir: abs, Reason: "cannot lock the log folder", Err: err}
	}
	l.fetch = logfetch.NewDirFetcher(l.root)

	existing, err := inspect(l.root, abs)
	if err != nil {
		return nil, err
	}
	if existing {
		cp, err := vtlog.FetchCheckpoint(ctx, l.fetch.Checkpoint, origin, logKey)
		if errors.Is(err, vtlog.ErrUnavailable) {
			return nil, fmt.Errorf("anchor/tlog: opening %s: %w", abs, err)
		}
		if err != nil {
			return nil, &FolderError{Dir: abs, Reason: fmt.Sprintf("its checkpoint is not one of origin %q signed by key %s", origin, logKey), Err: err}
		}
		if l.last, err = vtlog.VerifyCheckpoint(bytes.Clone(cp.Note), origin, logKey); err != nil {
			panic("anchor/tlog: a verified checkpoint no longer verifies") // broken invariant
		}
	}

	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	l.stop = stop
	driver, err := posix.New(bg, posix.Config{Path: abs, HTTPClient: &http.Client{Transport: refuseNetwork{}}})
	if err != nil {
		return nil, &FolderError{Dir: abs, Reason: "tessera cannot use the folder", Err: err}
	}
	aopts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(uint(opts.BatchMaxSize), opts.BatchMaxAge).
		WithCheckpointInterval(opts.CheckpointInterval).
		WithCheckpointRepublishInterval(0)
	a, shutdown, reader, err := tessera.NewAppender(bg, driver, aopts)
	if err != nil {
		return nil, &FolderError{Dir: abs, Reason: "tessera cannot open the log", Err: err}
	}
	l.add, l.shutdown, l.reader = a.Add, shutdown, reader
	if existing {
		size, err := reader.IntegratedSize(ctx)
		if err != nil {
			return nil, &FolderError{Dir: abs, Reason: "cannot read tessera's tree state", Err: err}
		}
		if size < l.last.Size {
			return nil, &FolderError{Dir: abs, Reason: fmt.Sprintf("tessera's tree state (size %d) is behind the published checkpoint (size %d)", size, l.last.Size)}
		}
	}
	// A new log has a checkpoint of size 0 once tessera has created it; an
	// existing one must still have the one verified above, or a later one
	// consistent with it.
	if _, err := l.checkpoint(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// inspect reports whether the folder holds a log (a checkpoint and tessera's
// tree state), or may become one (nothing but tessera's state folder). Any
// other content is a *FolderError.
func inspect(root *os.Root, abs string) (bool, error) {
	fi, err := root.Lstat(vtlog.CheckpointPath)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		return false, &FolderError{Dir: abs, Reason: "its checkpoint is not a regular file"}
	case err == nil:
		if _, err := root.Stat(filepath.Join(stateDir, treeStateFile)); err != nil {
			return false, &FolderError{Dir: abs, Reason: "it has a checkpoint but no tessera tree state (" + stateDir + "/" + treeStateFile + "); tessera would start the log again at size 0", Err: err}
		}
		return true, nil
	case !errors.Is(err, fs.ErrNotExist):
		return false, &FolderError{Dir: abs, Reason: "cannot read its checkpoint", Err: err}
	}
	f, err := root.Open(".")
	if err != nil {
		return false, &FolderError{Dir: abs, Reason: "cannot list the folder", Err: err}
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return false, &FolderError{Dir: abs, Reason: "cannot list the folder", Err: err}
	}
	for _, n := range names {
		if n != stateDir {
			return false, &FolderError{Dir: abs, Reason: fmt.Sprintf("it is not empty (%q) and holds no log checkpoint", n)}
		}
	}
	return false, nil
}

// refuseNetwork is the transport of the HTTP client handed to tessera, which
// would use it only to reach witnesses; this package configures none.
type refuseNetwork struct{}

func (refuseNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("anchor/tlog: a local log makes no network requests")
}

// Dir returns the log's folder, as an absolute path.
func (l *Log) Dir() string { return l.dir }

// Origin returns the origin line of the log's checkpoints, also the name of
// its signing key.
func (l *Log) Origin() string { return l.origin }

// LogKey returns the verify/tlog key that verifies the log's checkpoints, to
// hand to verifiers (its LogID is Rekor v2's log ID for the key).
func (l *Log) LogKey() *vtlog.LogKey { return l.key }

// begin registers a call in progress, unless the log is closed.
func (l *Log) begin() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	l.inflight.Add(1)
	return nil
}

// Append logs entry and returns its index once it is durably sequenced and
// integrated into the log's tree; a checkpoint that commits to it follows
// within about [Options.CheckpointInterval]: wait for it with [Log.Await],
// or get its proof with [Log.Prove]. See [Log.AppendBatch].
func (l *Log) Append(ctx context.Context, entry []byte) (uint64, error) {
	idx, err := l.AppendBatch(ctx, [][]byte{entry})
	if err != nil {
		return 0, err
	}
	return idx[0], nil
}

// AppendBatch logs entries and returns their indexes (the index of
// entries[i] at position i) once every one is durably sequenced and
// integrated. Entries are copied, and the log does not deduplicate: the same
// bytes twice are two entries. The order of the indexes is not the order of
// the entries: tessera may write two of its batches out of order, and other
// appends may run at the same time. When AppendBatch returns, the log holds
// every entry of the call; with no other append running, the log's size
// grew by exactly len(entries).
//
// An empty entry, or one longer than [MaxEntrySize], is an [*EntryError]
// and nothing is logged. If ctx ends (or [Options.Timeout] passes) first,
// AppendBatch returns the context's error; the entries queued by then may
// still be logged. A failure to write is returned as tessera reports it.
func (l *Log) AppendBatch(ctx context.Context, entries [][]byte) ([]uint64, error) {
	for i, e := range entries {
		if len(e) == 0 || len(e) > MaxEntrySize {
			return nil, &EntryError{Position: i, Size: len(e)}
		}
	}
	if err := l.begin(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	type result struct {
		idx []uint64
		err error
	}
	done := make(chan result, 1)
	// The futures tessera returns cannot be abandoned: they resolve once
	// the batch is written, so a goroutine waits for them even if ctx ends
	// first, and Close waits for that goroutine.
	go func() {
		defer l.inflight.Done()
		futures := make([]tessera.IndexFuture, 0, len(entries))
		var err error
		for _, e := range entries {
			if err = ctx.Err(); err != nil {
				err = context.Cause(ctx)
				break
			}
			futures = append(futures, l.add(ctx, tessera.NewEntry(bytes.Clone(e))))
		}
		idx := make([]uint64, len(futures))
		for i, f := range futures {
			n, ferr := f()
			if ferr != nil && err == nil {
				err = fmt.Errorf("anchor/tlog: appending entry %d: %w", i, ferr)
			}
			idx[i] = n.Index
		}
		done <- result{idx, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		return r.idx, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("anchor/tlog: appending %d entries: %w", len(entries), context.Cause(ctx))
	}
}

// Checkpoint returns the log's latest published checkpoint, read from its
// folder and verified with verify/tlog: signed by the log's key under its
// origin, and consistent with every checkpoint this Log verified before (a
// consistency proof built from the tiles on disk). A checkpoint that fails
// either check wraps verify/tlog's ErrVerification (a
// [*vtlog.InconsistencyError] holds the evidence of a fork); one that cannot
// be read wraps its ErrUnavailable.
func (l *Log) Checkpoint(ctx context.Context) (*vtlog.VerifiedCheckpoint, error) {
	if err := l.begin(); err != nil {
		return nil, err
	}
	defer l.inflight.Done()
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	return l.checkpoint(ctx)
}

func (l *Log) checkpoint(ctx context.Context) (*vtlog.VerifiedCheckpoint, error) {
	l.cpMu.Lock()
	defer l.cpMu.Unlock()
	cp, err := vtlog.FetchCheckpoint(ctx, l.fetch.Checkpoint, l.origin, l.key)
	if err != nil {
		return nil, fmt.Errorf("anchor/tlog: the log's checkpoint: %w", err)
	}
	if l.last != nil {
		if bytes.Equal(cp.Note, l.last.Note) {
			return cp, nil
		}
		if _, err := vtlog.ConsistencyProof(ctx, l.last, cp, l.fetch.Tile); err != nil {
			return nil, fmt.Errorf("anchor/tlog: the log's checkpoint of size %d against the one of size %d seen before: %w", cp.Size, l.last.Size, err)
		}
	}
	// Keep a copy the caller cannot change.
	mine, err := vtlog.VerifyCheckpoint(bytes.Clone(cp.Note), l.origin, l.key)
	if err != nil {
		panic("anchor/tlog: a verified checkpoint no longer verifies") // broken invariant
	}
	l.last = mine
	return cp, nil
}

// Await waits until the log publishes a checkpoint that commits to entry
// index (a tree larger than index) and returns it, verified as
// [Log.Checkpoint] does. An index the log has not assigned is a
// [*ConfigError]; ctx (and [Options.Timeout]) bound the wait.
func (l *Log) Await(ctx context.Context, index uint64) (*vtlog.VerifiedCheckpoint, error) {
	if err := l.begin(); err != nil {
		return nil, err
	}
	defer l.inflight.Done()
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	return l.await(ctx, index)
}

func (l *Log) await(ctx context.Context, index uint64) (*vtlog.VerifiedCheckpoint, error) {
	next, err := l.reader.NextIndex(ctx)
	if err != nil {
		return nil, fmt.Errorf("anchor/tlog: reading the log's size: %w", err)
	}
	if index >= next {
		return nil, &ConfigError{Reason: fmt.Sprintf("no entry %d: the log has %d", index, next)}
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		cp, err := l.checkpoint(ctx)
		if err != nil {
			return nil, err
		}
		if cp.Size > index {
			return cp, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("anchor/tlog: waiting for a checkpoint that commits to entry %d (the latest has size %d): %w",
				index, cp.Size, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// Close waits for the calls in progress to finish, then for a checkpoint
// that commits to every entry appended (verified as [Log.Checkpoint] does),
// stops the log's background work and releases the folder. It is bounded by
// ctx and [Options.Timeout]; when they end first, Close still stops and
// releases everything and returns the context's error: the entries already
// sequenced are on disk, and the next [Open] publishes a checkpoint for
// them. Closing a closed log returns nil.
func (l *Log) Close(ctx context.Context) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()

	var errs []error
	idle := make(chan struct{})
	go func() { l.inflight.Wait(); close(idle) }()
	select {
	case <-idle:
		if next, err := l.reader.NextIndex(ctx); err != nil {
			errs = append(errs, fmt.Errorf("anchor/tlog: closing: reading the log's size: %w", err))
		} else if next > 0 {
			if _, err := l.await(ctx, next-1); err != nil {
				errs = append(errs, fmt.Errorf("anchor/tlog: closing: %w", err))
			}
		}
		if err := l.shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("anchor/tlog: closing: tessera: %w", err))
		}
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("anchor/tlog: closing: waiting for calls in progress: %w", context.Cause(ctx)))
	}
	if err := l.release(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// release stops tessera and lets go of the folder.
func (l *Log) release() error {
	if l.stop != nil { // tessera first: it writes to the folder

		l.stop()
	}
	var errs []error
	if l.root != nil {
		errs = append(errs, l.root.Close())
	}
	if l.lock != nil {
		errs = append(errs, unlockFolder(l.lock))
	}
	return errors.Join(errs...)
}
