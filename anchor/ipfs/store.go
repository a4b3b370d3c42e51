package ipfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	dag "github.com/ipfs/boxo/ipld/merkledag"
)

// MaxBlockSize is the largest block a [Store] keeps or a CAR may carry:
// 2 MiB, the limit IPFS peers and gateways use. The archive's own blocks
// are at most 1 MiB of data (a leaf) or about 45 KiB (a node of 1024
// links).
const MaxBlockSize = 2 << 20

// A Store is a persistent on-disk blockstore: one file per block, named by
// its CID (base32 CIDv1), under a folder. A block is written to a temporary
// file and renamed into place, so a process that dies never leaves half a
// block under a CID. Blocks are not fsync'd (that would halve the archive
// speed on a plain disk): after a power cut a block file may hold other
// bytes, which is caught, never served, since every block is checked
// against its CID when written and again when read; writing the block
// again repairs it. Full leaves are written with O_DIRECT where the file
// system takes it (see the package doc). It is an ipld.DAGService for
// boxo's importer. It is safe for concurrent use.
type Store struct {
	dir string
	// noDirect is set once the file system refused a direct write.
	noDirect atomic.Bool
}

// OpenStore opens (creating it if needed) the store in folder dir, and
// removes the temporary files that writers which died mid-write left
// there, once an hour old (see staleTemp).
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, badInput("store: empty folder name")
	}
	blocks := filepath.Join(dir, "blocks")
	if err := os.MkdirAll(blocks, 0o755); err != nil {
		return nil, badInput("store: %w", err)
	}
	sweepTemps(blocks, time.Now().Add(-staleTemp))
	return &Store{dir: dir}, nil
}

// staleTemp is the age from which [OpenStore] removes a temporary block
// file (".put-…" in the blocks folder): one hour since it was last
// written.
//
// A block is written to a temporary file and renamed into place, so a
// process killed between the two (SIGKILL, a crash, a power cut) leaves
// the temporary file; nothing else would ever remove it. Stores take no
// lock (several processes may write into one store at once), so a
// temporary file may also be a live writer's: it holds it from creating
// it to renaming it, one write of at most 2 MiB apart, well under a
// second. An hour-old one has no live writer short of a process stopped
// between its write and its rename. Even then the sweep is safe: that
// writer's rename finds no file and its Put fails with an error; a
// block is never lost or left wrong, since only files named ".put-…"
// (never a block: blocks are named by their CID) that are regular files
// are removed.
const staleTemp = time.Hour

// sweepTemps removes the regular files of folder blocks named ".put-…"
// last modified before cutoff. It is housekeeping: an error (a folder it
// cannot read, a file it cannot remove) is left for the store's own
// operations to meet, and does not fail OpenStore. The folder is read in
// batches, unsorted, and only the temporary files are looked at, so a
// store of a million blocks costs one pass over the folder's names.
func sweepTemps(blocks string, cutoff time.Time) {
	d, err := os.Open(blocks)
	if err != nil {
		return
	}
	defer d.Close()
	for {
		names, err := d.Readdirnames(1024)
		for _, name := range names {
			if !strings.HasPrefix(name, tempPrefix) {
				continue
			}
			p := filepath.Join(blocks, name)
			if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff) {
				os.Remove(p)
			}
		}
		if err != nil { // io.EOF at the end
			return
		}
	}
}

// tempPrefix starts the name of every temporary block file.
const tempPrefix = ".put-"

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(c cid.Cid) string {
	// CIDv0 and CIDv1 of one multihash are different blocks to a CAR,
	// the same bytes on disk: key by the CID's own string in base32.
	return filepath.Join(s.dir, "blocks", cid.NewCidV1(c.Type(), c.Hash()).String())
}

// checkBlock returns nil if data hashes to c, under a hash function this
// package accepts.
func checkBlock(c cid.Cid, data []byte) error {
	if !c.Defined() {
		return rejected(ErrMalformed, "undefined CID")
	}
	switch c.Type() {
	case cid.Raw, cid.DagProtobuf:
	default:
		return rejected(ErrMalformed, "block %s: codec 0x%x is neither raw nor dag-pb", c, c.Type())
	}
	if len(data) > MaxBlockSize {
		return rejected(ErrMalformed, "block %s: %d bytes, above %d", c, len(data), MaxBlockSize)
	}
	p := c.Prefix()
	if p.MhType != sha256Code || p.MhLength != 32 {
		return rejected(ErrMalformed, "block %s: hash function 0x%x (length %d), not sha2-256", c, p.MhType, p.MhLength)
	}
	got, err := p.Sum(data)
	if err != nil {
		return rejected(ErrMalformed, "block %s: %w", c, err)
	}
	if !got.Equals(c) {
		return rejected(ErrBlockHash, "block %s: its bytes hash to %s", c, got)
	}
	return nil
}

// Put checks data against c and stores it.
func (s *Store) Put(c cid.Cid, data []byte) error {
	if err := checkBlock(c, data); err != nil {
		return err
	}
	return s.put(c, data)
}

// put stores data under c, which the caller has checked.
func (s *Store) put(c cid.Cid, data []byte) error {
	p := s.path(c)
	if fi, err := os.Stat(p); err == nil && fi.Size() == int64(len(data)) {
		// Kept before: keep it only if it is these bytes. Blocks are not
		// fsync'd, so a power cut can leave a block file of the right
		// size and the wrong bytes; writing it again repairs it.
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
			return nil
		}
	}
	name, err := s.writeTemp(filepath.Dir(p), data)
	if err == nil {
		err = os.Rename(name, p)
	}
	if err != nil {
		if name != "" {
			os.Remove(name)
		}
		return fmt.Errorf("%w: store: %w", ErrBadInput, err)
	}
	return nil
}

// writeTemp writes data to a new temporary file in dir and returns its
// name; on an error the name of a file it made, if any, to remove.
//
// A block whose length is a multiple of 4 KiB (every full leaf) is
// written with O_DIRECT where the system has it (Linux): from the
// caller's buffer to the disk, past the page cache. An archive is
// written once and read rarely, and copying each megabyte into fresh
// page-cache memory costs the CPU about as much as hashing it; written
// directly, the writes leave the CPU to the hashing. The archiver's
// chunk buffers are aligned as O_DIRECT needs; a block from a CAR or a
// gateway, which sits wherever its reader put it, is first copied into
// one (a memory copy, much cheaper than the page cache's). The bytes and
// the crash story are the same either way (no fsync). Any other block,
// and every block once the store's file system has refused O_DIRECT, is
// written through the page cache.
func (s *Store) writeTemp(dir string, data []byte) (string, error) {
	if directLength(len(data)) && len(data) <= ChunkSize && !s.noDirect.Load() {
		buf := data
		if !directAligned(data) {
			bp := chunkPool.Get().(*[]byte)
			defer chunkPool.Put(bp)
			buf = (*bp)[:len(data)]
			copy(buf, data)
		}
		name, err := writeDirect(dir, buf)
		if !errors.Is(err, errNoDirect) {
			return name, err
		}
		s.noDirect.Store(true)
	}
	f, err := os.CreateTemp(dir, tempPrefix)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// errNoDirect is writeDirect's answer when the file system refuses
// O_DIRECT (or the alignment it needs is larger): write through the page
// cache instead.
var errNoDirect = errors.New("no direct I/O here")

// Has reports whether the store holds c's block.
func (s *Store) Has(c cid.Cid) bool {
	fi, err := os.Stat(s.path(c))
	return err == nil && fi.Mode().IsRegular()
}

// errNotFound is wrapped when the store lacks a block.
var errNotFound = errors.New("not in the store")

// Block returns c's block, checked against c. A block the store lacks is
// an error wrapping [ErrMissingBlock]; one whose bytes on disk no longer
// hash to c wraps [ErrBlockHash].
func (s *Store) Block(c cid.Cid) ([]byte, error) {
	f, err := os.Open(s.path(c))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s: %w", ErrMissingBlock, c, errNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: store: %w", ErrBadInput, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBlockSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: store: %w", ErrBadInput, err)
	}
	if err := checkBlock(c, data); err != nil {
		return nil, err
	}
	return data, nil
}

// decode makes an ipld.Node of a raw or dag-pb block.
func decode(c cid.Cid, data []byte) (ipld.Node, error) {
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		return nil, rejected(ErrMalformed, "block %s: %w", c, err)
	}
	var n ipld.Node
	switch c.Type() {
	case cid.Raw:
		n, err = dag.DecodeRawBlock(b)
	case cid.DagProtobuf:
		n, err = dag.DecodeProtobufBlock(b)
	default:
		return nil, rejected(ErrMalformed, "block %s: codec 0x%x", c, c.Type())
	}
	if err != nil {
		return nil, rejected(ErrMalformed, "block %s: %w", c, err)
	}
	return n, nil
}

// The ipld.DAGService methods, for boxo's importer.

// Get returns c's node. A block the store lacks is an error wrapping
// both [ErrMissingBlock] and ipld.ErrNotFound, which boxo looks for.
func (s *Store) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	data, err := s.Block(c)
	if errors.Is(err, errNotFound) {
		return nil, fmt.Errorf("%w: %w", err, ipld.ErrNotFound{Cid: c})
	}
	if err != nil {
		return nil, err
	}
	return decode(c, data)
}

// GetMany returns the nodes of cs, in any order.
func (s *Store) GetMany(ctx context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	return getMany(ctx, cs, s.Get)
}

// getMany answers GetMany for a reader of one node at a time: the
// nodes of cs, in order, through get, each with its own error.
func getMany(ctx context.Context, cs []cid.Cid, get func(context.Context, cid.Cid) (ipld.Node, error)) <-chan *ipld.NodeOption {
	out := make(chan *ipld.NodeOption, len(cs))
	for _, c := range cs {
		n, err := get(ctx, c)
		out <- &ipld.NodeOption{Node: n, Err: err}
	}
	close(out)
	return out
}

// Add stores n.
func (s *Store) Add(_ context.Context, n ipld.Node) error { return s.Put(n.Cid(), n.RawData()) }

// AddMany stores ns.
func (s *Store) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		if err := s.Add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Remove deletes c's block.
func (s *Store) Remove(_ context.Context, c cid.Cid) error {
	err := os.Remove(s.path(c))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// RemoveMany deletes the blocks of cs.
func (s *Store) RemoveMany(ctx context.Context, cs []cid.Cid) error {
	for _, c := range cs {
		if err := s.Remove(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

var _ ipld.DAGService = (*Store)(nil)

// builderDAG is the DAGService the Archiver gives boxo's importer. The
// importer hands it boxo's own node types, which compute their CID from
// their bytes themselves, so it stores them without hashing them a second
// time; any other node is checked as Store.Add checks it. With w nil it
// keeps nothing ([CID]).
//
// Skipping the second hash is sound because of where the two come from.
// A *dag.RawNode the importer makes (NewRawNodeWPrefix) holds the chunk
// it was given and the CID hashed from that chunk; the chunk is a buffer
// the splitter filled before handing it over and refills only once it is
// given back, after its block is written (see splitter). A
// *dag.ProtoNode's CID is the hash of its cached encoding and RawData
// returns that same encoding; a change to the node makes a new encoding
// (a new slice) and a new CID, never rewrites the old slice. Both are
// read here on the importer's goroutine, which is the only one touching
// the node, so the bytes queued for writing are the bytes the CID names.
// Blocks from anywhere else (a CAR, a gateway) go through Store.Put,
// which hashes them.
//
// Add is the last the importer sees of a chunk (see splitter): with no
// store, Add gives the chunk's buffer back to spl at once; with one, the
// blockWriter gives it back once the block is written.
type builderDAG struct {
	ipld.DAGService // Get, GetMany, Remove, RemoveMany: not used by the importer
	w               *blockWriter
	spl             *splitter
}

func (b builderDAG) Add(ctx context.Context, n ipld.Node) error {
	switch n.(type) {
	case *dag.RawNode, *dag.ProtoNode:
		data := n.RawData()
		c := n.Cid()
		if c.Prefix().MhType != sha256Code || len(data) > MaxBlockSize {
			return rejected(ErrMalformed, "block %s: not sha2-256 or too large", c)
		}
		if b.w == nil {
			b.spl.release(data)
			return nil
		}
		if _, inner := n.(*dag.ProtoNode); inner {
			return b.w.putAfter(c, data)
		}
		return b.w.put(c, data)
	}
	if err := checkBlock(n.Cid(), n.RawData()); err != nil || b.w == nil {
		return err
	}
	return b.w.put(n.Cid(), n.RawData())
}

func (b builderDAG) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		if err := b.Add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Block writing runs beside the importer: while one chunk is written the
// importer reads and hashes the next. writers goroutines write the blocks
// of a queue of queued; the importer waits when the queue is full, so at
// most 8 chunks (8 MiB) are held at once: 2 being written, 4 queued, and
// the importer's current and next.
const (
	writers = 2
	queued  = 4
)

// A blockWriter writes the blocks an importer hands it to a Store on its
// own goroutines, each block by Store.put (a temporary file renamed into
// place). The first write error stops it: put returns that error from
// then on, so the importer stops, and wait returns it. Nothing written is
// reported done before wait has returned nil.
type blockWriter struct {
	store  *Store
	done   func(data []byte) // called with each block's bytes once written, or skipped
	queue  chan queuedBlock
	closed bool // by wait, on the importer's goroutine
	wg     sync.WaitGroup
	// pending counts the blocks queued and not yet written (or skipped).
	pending sync.WaitGroup

	mu  sync.Mutex
	err error // the first write error
}

type queuedBlock struct {
	c    cid.Cid
	data []byte
}

func newBlockWriter(s *Store, done func([]byte)) *blockWriter {
	w := &blockWriter{store: s, done: done, queue: make(chan queuedBlock, queued)}
	w.wg.Add(writers)
	for range writers {
		go w.run()
	}
	return w
}

func (w *blockWriter) run() {
	defer w.wg.Done()
	for b := range w.queue {
		if w.failed() == nil { // else drain: the importer is stopping
			w.record(w.store.put(b.c, b.data))
		}
		w.done(b.data)
		w.pending.Done()
	}
}

func (w *blockWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// record keeps err if it is the first write error.
func (w *blockWriter) record(err error) {
	if err == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// put queues data, whose CID is c, for writing. The caller must not
// change data afterwards.
func (w *blockWriter) put(c cid.Cid, data []byte) error {
	if err := w.failed(); err != nil {
		return err
	}
	w.pending.Add(1)
	w.queue <- queuedBlock{c, data}
	return nil
}

// putAfter writes data, whose CID is c, once every block queued before it
// is written, and only if all of them were: a node (a file's inner node,
// its root) is in the store only if every block the importer made before
// it — its children among them — is too. Inner nodes are one in 1,024
// blocks, so the wait costs nothing measurable.
func (w *blockWriter) putAfter(c cid.Cid, data []byte) error {
	w.pending.Wait()
	if err := w.failed(); err != nil {
		return err
	}
	err := w.store.put(c, data)
	w.done(data)
	w.record(err)
	return err
}

// wait waits for every queued block to be written and returns the first
// write error. The blockWriter takes no blocks afterwards; calling wait
// again (as a deferred call does) only returns the error again.
func (w *blockWriter) wait() error {
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.wg.Wait()
	return w.failed()
}
