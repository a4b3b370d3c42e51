package ipfs

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"

	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
)

// The unixfs-v1-2025 profile, as this package writes it.
const (
	// ChunkSize is the size of a file's leaves: 1 MiB.
	ChunkSize = 1 << 20
	// MaxLinks is the number of links of a file's inner nodes: 1024.
	MaxLinks = 1024
	// DirBlockLimit is the size above which the profile shards a folder
	// into a HAMT: 256 KiB of dag-pb block. A folder whose plain block
	// would be larger is written as a HAMT of [HAMTFanout] buckets.
	DirBlockLimit = 256 << 10
	sha256Code    = mh.SHA2_256
)

// cidBuilder makes the profile's CIDs: version 1, sha2-256, dag-pb for
// nodes (raw for leaves: boxo's importer swaps the codec).
var cidBuilder = cid.V1Builder{Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}

// Limits bound what is archived, imported or fetched. The zero value of a
// field means its default.
type Limits struct {
	// MaxFileSize bounds one file; 64 GiB.
	MaxFileSize int64
	// MaxTotalSize bounds the data of all files together; 64 GiB.
	MaxTotalSize int64
	// MaxEntries bounds the files and folders of an archive; 100,000.
	MaxEntries int
	// MaxDepth bounds folder nesting; 64.
	MaxDepth int
	// MaxBlocks bounds the blocks of a CAR; 1,000,000 (1 TB of leaves).
	MaxBlocks int
	// MaxCARSize bounds the bytes of a CAR read; MaxTotalSize plus 1/16.
	MaxCARSize int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = 64 << 30
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = 64 << 30
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = 100_000
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 64
	}
	if l.MaxBlocks <= 0 {
		l.MaxBlocks = 1_000_000
	}
	if l.MaxCARSize <= 0 {
		l.MaxCARSize = l.MaxTotalSize + l.MaxTotalSize/16 + 1<<20
	}
	return l
}

// An Archiver writes files and folders as UnixFS DAGs into a [Store].
type Archiver struct {
	Store  *Store
	Limits Limits

	entries int
	total   int64
}

// AddReader archives the bytes of r as a UnixFS file and returns its CID
// and size. The CID is the one `ipfs add --cid-version=1 --raw-leaves
// --chunker=size-1048576` gives under Kubo's unixfs-v1-2025 profile. At
// most Limits.MaxFileSize bytes are read: a longer r is refused with
// [ErrLimit]. Blocks are written to the store by two goroutines while the
// next chunk is read and hashed; AddReader returns once every block is in
// place, and a block it could not write fails it (no CID is returned).
func (a *Archiver) AddReader(ctx context.Context, r io.Reader) (cid.Cid, int64, error) {
	if a.Store == nil {
		return cid.Undef, 0, badInput("Archiver without a Store")
	}
	n, size, err := a.addReader(ctx, r, a.Store)
	if err != nil {
		return cid.Undef, 0, err
	}
	return n.Cid(), size, nil
}

// CID returns the CID [Archiver.AddReader] would give the bytes of r,
// and their number, storing nothing: the CID `ipfs add` gives a file
// under the profile, at the speed of hashing. At most lim.MaxFileSize
// bytes are read.
func CID(ctx context.Context, r io.Reader, lim Limits) (cid.Cid, int64, error) {
	a := &Archiver{Limits: lim}
	n, size, err := a.addReader(ctx, r, nil)
	if err != nil {
		return cid.Undef, 0, err
	}
	return n.Cid(), size, nil
}

// nullDAG holds nothing.
type nullDAG struct{ ipld.DAGService }

func (nullDAG) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	return nil, ipld.ErrNotFound{Cid: c}
}

// addReader archives r into s, or with s nil only computes its CID, and
// returns the root as a [storedFile].
func (a *Archiver) addReader(ctx context.Context, r io.Reader, s *Store) (ipld.Node, int64, error) {
	lim := a.Limits.withDefaults()
	remaining := min(lim.MaxFileSize, lim.MaxTotalSize-a.total)
	cr := &countingReader{r: r, ctx: ctx, max: remaining}
	spl := newSplitter(cr)
	dserv := builderDAG{DAGService: nullDAG{}, spl: spl}
	if s != nil {
		dserv = builderDAG{DAGService: s, w: newBlockWriter(s, spl.release), spl: spl}
		defer dserv.w.wait() // the writers stop even if the importer panics
	}
	n, size, err := layout(cr, spl, dserv)
	if dserv.w != nil {
		// Every block is on disk (renamed into place) before the CID
		// is returned, and a failed write fails the archive.
		if werr := dserv.w.wait(); err == nil && werr != nil {
			err = werr
		}
	}
	if err != nil {
		return nil, 0, err
	}
	a.total += size
	// The root's CID and size, not the node: a one-leaf file's root holds
	// a chunk buffer, given back to be refilled once the block is written.
	tsize, err := n.Size()
	if err != nil {
		return nil, 0, fmt.Errorf("%w: archive: %w", ErrBadInput, err)
	}
	return &storedFile{c: n.Cid(), size: tsize}, size, nil
}

// A storedFile is the root of a file the archiver has written: all a
// folder needs of it is its CID and its size (the bytes of the file's
// DAG: the Tsize of the folder's link to it), and every block of it is in
// the store once the file's add has returned. A folder takes it as it is
// (see folderDAG) rather than reading the root back from the store, which
// would hash a one-leaf file a second time (and, in a sharded folder, a
// third): the importer hashed each block as it cut it, and the store
// wrote the very bytes it hashed (see builderDAG).
//
// boxo's folder code asks a node to be added only Cid and Size (to make
// a link: ipld.MakeLink) and hands it to its DAGService's Add, which
// folderDAG answers for a storedFile; no other ipld.Node method is
// implemented (the embedded interface is nil), so any other use would be
// seen at once, never answered wrong.
type storedFile struct {
	ipld.Node
	c    cid.Cid
	size uint64
}

func (f *storedFile) Cid() cid.Cid { return f.c }

func (f *storedFile) Size() (uint64, error) { return f.size, nil }

// folderDAG is the DAGService of the archiver's folders: the store, which
// takes a storedFile as added already. (A sharded folder adds every entry
// it is given to its DAGService.)
type folderDAG struct{ *Store }

func (d folderDAG) Add(ctx context.Context, n ipld.Node) error {
	if _, ok := n.(*storedFile); ok {
		return nil
	}
	return d.Store.Add(ctx, n)
}

func (d folderDAG) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		if err := d.Add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// layout builds the DAG of the chunks spl cuts from cr, handing every
// block to dserv.
func layout(cr *countingReader, spl *splitter, dserv builderDAG) (ipld.Node, int64, error) {
	params := helpers.DagBuilderParams{
		Maxlinks:   MaxLinks,
		RawLeaves:  true,
		CidBuilder: cidBuilder,
		Dagserv:    dserv,
	}
	db, err := params.New(spl)
	if err != nil {
		return nil, 0, badInput("%w", err)
	}
	n, err := balanced.Layout(db)
	if cr.err != nil {
		return nil, 0, cr.err
	}
	if err != nil {
		if classified(err) {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("%w: archive: %w", ErrBadInput, err)
	}
	return n, cr.n, nil
}

// countingReader counts, bounds and watches ctx.
type countingReader struct {
	r   io.Reader
	ctx context.Context
	n   int64
	max int64
	err error // the error that stopped it, kept for the caller
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if err := c.ctx.Err(); err != nil {
		c.err = fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.err = fmt.Errorf("%w: a file or the archive is above %d bytes", ErrLimit, c.max)
		return 0, c.err
	}
	if err != nil && err != io.EOF {
		c.err = fmt.Errorf("%w: read: %w", ErrBadInput, err)
		return n, c.err
	}
	return n, err
}

// AddPath archives a regular file or a folder (recursively) and returns
// its CID. A folder's entries are its files and folders under their names,
// hidden ones included (as `ipfs add -r --hidden`); a symbolic link, a
// FIFO, a device or a socket anywhere is refused with [ErrBadInput], and
// a FIFO is never opened for a blocking read. path itself may be a
// symbolic link to a file or folder; links inside a folder are refused.
func (a *Archiver) AddPath(ctx context.Context, path string) (cid.Cid, error) {
	n, err := a.addPath(ctx, path, false, 0)
	if err != nil {
		return cid.Undef, err
	}
	return n.Cid(), nil
}

// AddPaths archives several files or folders as one folder holding each
// under its base name (as `ipfs add -r --hidden -w`) and returns the
// folder's CID. Two paths of the same base name are refused.
func (a *Archiver) AddPaths(ctx context.Context, paths ...string) (cid.Cid, error) {
	if len(paths) == 0 {
		return cid.Undef, badInput("no path to archive")
	}
	children := map[string]ipld.Node{}
	for _, p := range paths {
		name := filepath.Base(filepath.Clean(p))
		if err := checkName(name); err != nil {
			return cid.Undef, err
		}
		if _, dup := children[name]; dup {
			return cid.Undef, badInput("two paths named %q", name)
		}
		n, err := a.addPath(ctx, p, false, 1)
		if err != nil {
			return cid.Undef, err
		}
		children[name] = n
	}
	n, err := a.folder(ctx, children)
	if err != nil {
		return cid.Undef, err
	}
	return n.Cid(), nil
}

func (a *Archiver) addPath(ctx context.Context, path string, noFollow bool, depth int) (ipld.Node, error) {
	if a.Store == nil {
		return nil, badInput("Archiver without a Store")
	}
	lim := a.Limits.withDefaults()
	if depth > lim.MaxDepth {
		return nil, fmt.Errorf("%w: %s: folders nested deeper than %d", ErrLimit, path, lim.MaxDepth)
	}
	if a.entries++; a.entries > lim.MaxEntries {
		return nil, fmt.Errorf("%w: more than %d files and folders", ErrLimit, lim.MaxEntries)
	}
	f, err := openNoBlock(path, noFollow)
	if err != nil {
		return nil, badInput("%s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, badInput("%s: %w", path, err)
	}
	switch {
	case fi.Mode().IsRegular():
		if fi.Size() > lim.MaxFileSize {
			return nil, fmt.Errorf("%w: %s: %d bytes, above %d", ErrLimit, path, fi.Size(), lim.MaxFileSize)
		}
		n, _, err := a.addReader(ctx, f, a.Store)
		return n, err
	case fi.IsDir():
	default:
		return nil, badInput("%s: not a regular file or a folder (%v)", path, fi.Mode().Type())
	}
	children := map[string]ipld.Node{}
	for {
		des, err := f.ReadDir(256)
		for _, de := range des {
			name := de.Name()
			if err := checkName(name); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if len(children) >= lim.MaxEntries {
				return nil, fmt.Errorf("%w: %s: more than %d entries", ErrLimit, path, lim.MaxEntries)
			}
			n, err := a.addPath(ctx, filepath.Join(path, name), true, depth+1)
			if err != nil {
				return nil, err
			}
			children[name] = n
		}
		if err == io.EOF || (err == nil && len(des) == 0) {
			break
		}
		if err != nil {
			return nil, badInput("%s: %w", path, err)
		}
	}
	return a.folder(ctx, children)
}

// folder writes a UnixFS folder of children as the profile does: a plain
// folder, entries sorted by name, while its block stays within
// [DirBlockLimit]; above it, a HAMT-sharded folder (fanout 256, murmur3),
// built by boxo's directory code with the settings of Kubo's
// unixfs-v1-2025 profile: the block's size computed exactly
// (SizeEstimationBlock), sharded once it passes DirBlockLimit, no limit
// on plain links, no mode or mtime. They are this folder's options:
// boxo's process-wide defaults (which Kubo sets from its configuration)
// are left alone.
func (a *Archiver) folder(ctx context.Context, children map[string]ipld.Node) (ipld.Node, error) {
	d, err := uio.NewDirectory(folderDAG{a.Store},
		uio.WithCidBuilder(cidBuilder),
		uio.WithMaxHAMTFanout(HAMTFanout),
		uio.WithSizeEstimationMode(uio.SizeEstimationBlock),
	)
	if err != nil {
		return nil, badInput("%w", err)
	}
	d.SetHAMTShardingSize(DirBlockLimit)
	names := make([]string, 0, len(children))
	for n := range children {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := d.AddChild(ctx, name, children[name]); err != nil {
			return nil, badInput("folder entry %q: %w", name, err)
		}
	}
	n, err := d.GetNode()
	if err != nil {
		return nil, badInput("%w", err)
	}
	if err := a.Store.Add(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// checkName refuses a folder entry name no file system keeps safely.
func checkName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return badInput("entry name %q", name)
	case len(name) > 255:
		return badInput("entry name longer than 255 bytes")
	case strings.ContainsAny(name, "/\x00"), !utf8.ValidString(name):
		return badInput("entry name %q: a slash, NUL or not UTF-8", name)
	}
	return nil
}
