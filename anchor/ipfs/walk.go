package ipfs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"

	dag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	pb "github.com/ipfs/boxo/ipld/unixfs/pb"
)

// A Stat says what a verified DAG holds.
type Stat struct {
	// Root is the DAG's root.
	Root cid.Cid
	// Dir reports whether the root is a folder (else a file).
	Dir bool
	// Files and Dirs count the files and folders, the root included.
	Files, Dirs int
	// Size is the sum of the files' sizes.
	Size int64
	// Blocks is the number of distinct blocks of the DAG.
	Blocks int
}

// A walker checks a UnixFS DAG from its root: every block against its CID
// (the store does), every file's sizes against its data, every folder's
// entries, the link sizes (Tsize) against the DAG below them. With out
// set it writes the files and folders there as it goes.
type walker struct {
	ctx     context.Context
	store   *Store
	lim     Limits
	allowed map[cid.Cid]bool // when set, the only blocks the DAG may use (a CAR's)
	reached map[cid.Cid]bool
	visits  int
	bytes   int64
	st      Stat

	// Blocks checked against their CIDs moments ago (a CAR's, as it was
	// read): dag-pb blocks kept in memory, and the sizes of raw leaves,
	// which a walk that writes nothing need not read again.
	known   map[cid.Cid][]byte
	rawSize map[cid.Cid]int
	extract bool
	// onBlock, if set, is called once per block, the first time the walk
	// reaches it: depth first, each node before its children.
	onBlock func(c cid.Cid, data []byte) error
}

func newWalker(ctx context.Context, s *Store, lim Limits) *walker {
	return &walker{ctx: ctx, store: s, lim: lim.withDefaults(), reached: map[cid.Cid]bool{}}
}

// block returns c's block, checked, and its size, counting the visit.
// For a raw leaf whose size is known and whose bytes the walk does not
// need, data is nil.
func (w *walker) block(c cid.Cid) (data []byte, size int, err error) {
	if err := w.ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
	}
	if w.visits++; w.visits > w.lim.MaxBlocks {
		return nil, 0, fmt.Errorf("%w: the DAG visits more than %d blocks", ErrTooLarge, w.lim.MaxBlocks)
	}
	if w.allowed != nil && !w.allowed[c] {
		return nil, 0, rejected(ErrMissingBlock, "block %s is not in the CAR", c)
	}
	first := !w.reached[c]
	if d, ok := w.known[c]; ok {
		data, size = d, len(d)
	} else if n, ok := w.rawSize[c]; ok && !w.extract && w.onBlock == nil {
		size = n
	} else {
		if data, err = w.store.Block(c); err != nil {
			return nil, 0, err
		}
		size = len(data)
	}
	if first {
		w.reached[c] = true
		w.st.Blocks++
		if w.onBlock != nil {
			if err := w.onBlock(c, data); err != nil {
				return nil, 0, err
			}
		}
	}
	return data, size, nil
}

// node reads c as a raw leaf (fs nil) or a dag-pb UnixFS node.
func (w *walker) node(c cid.Cid) (data []byte, size int, pn *dag.ProtoNode, fs *pb.Data, err error) {
	data, size, err = w.block(c)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	if c.Type() == cid.Raw {
		return data, size, nil, nil, nil
	}
	n, err := decode(c, data)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	pn, ok := n.(*dag.ProtoNode)
	if !ok {
		return nil, 0, nil, nil, rejected(ErrMalformed, "block %s is not dag-pb", c)
	}
	fs, err = ft.FromBytes(pn.Data())
	if err != nil {
		return nil, 0, nil, nil, rejected(ErrMalformed, "block %s is not UnixFS: %w", c, err)
	}
	return data, size, pn, fs, nil
}

// entry walks the file or folder c, at path under out if out is not
// empty, and returns its Tsize (its blocks' bytes, all the way down).
func (w *walker) entry(c cid.Cid, out string, depth int) (uint64, error) {
	if depth > w.lim.MaxDepth {
		return 0, fmt.Errorf("%w: the DAG is deeper than %d", ErrTooLarge, w.lim.MaxDepth)
	}
	data, size, pn, fs, err := w.node(c)
	if err != nil {
		return 0, err
	}
	if fs == nil || fs.GetType() == pb.Data_File || fs.GetType() == pb.Data_Raw {
		var f *os.File
		if out != "" {
			if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err != nil {
				return 0, badInput("extract: %w", err)
			}
		}
		var dst io.Writer = io.Discard
		if f != nil {
			dst = f
		}
		size, tsize, err := w.file(c, data, size, pn, fs, dst, depth)
		if f != nil {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = badInput("extract: %w", cerr)
			}
		}
		if err != nil {
			return 0, err
		}
		w.st.Files++
		w.st.Size += int64(size)
		return tsize, nil
	}
	if fs.GetType() == pb.Data_HAMTShard {
		return w.hamtDir(c, data, pn, fs, out, depth)
	}
	if fs.GetType() != pb.Data_Directory {
		return 0, rejected(ErrMalformed, "block %s is a UnixFS %v, neither a file nor a folder", c, fs.GetType())
	}
	if len(fs.GetData()) != 0 || len(fs.GetBlocksizes()) != 0 || fs.Filesize != nil {
		return 0, rejected(ErrMalformed, "folder %s carries file data or sizes", c)
	}
	if out != "" {
		if err := os.Mkdir(out, 0o755); err != nil {
			return 0, badInput("extract: %w", err)
		}
	}
	w.st.Dirs++
	tsize := uint64(len(data))
	seen := map[string]bool{}
	for _, l := range pn.Links() {
		if err := usableName(c, l.Name); err != nil {
			return 0, err
		}
		if seen[l.Name] {
			return 0, rejected(ErrMalformed, "folder %s names %q twice", c, l.Name)
		}
		seen[l.Name] = true
		if w.st.Files+w.st.Dirs >= w.lim.MaxEntries {
			return 0, fmt.Errorf("%w: more than %d files and folders", ErrTooLarge, w.lim.MaxEntries)
		}
		sub := ""
		if out != "" {
			sub = filepath.Join(out, l.Name)
		}
		ts, err := w.entry(l.Cid, sub, depth+1)
		if err != nil {
			return 0, err
		}
		if ts != l.Size {
			return 0, rejected(ErrSize, "folder %s: entry %q says %d bytes of DAG, the DAG has %d", c, l.Name, l.Size, ts)
		}
		tsize += ts
	}
	return tsize, nil
}

// file writes the data of file c to dst, checks its sizes, and returns
// its size and its Tsize.
func (w *walker) file(c cid.Cid, data []byte, blockSize int, pn *dag.ProtoNode, fs *pb.Data, dst io.Writer, depth int) (size, tsize uint64, err error) {
	if depth > w.lim.MaxDepth {
		return 0, 0, fmt.Errorf("%w: the DAG is deeper than %d", ErrTooLarge, w.lim.MaxDepth)
	}
	if fs == nil { // a raw leaf
		return w.data(data, blockSize, dst)
	}
	if t := fs.GetType(); t != pb.Data_File && t != pb.Data_Raw {
		return 0, 0, rejected(ErrMalformed, "block %s: a UnixFS %v inside a file", c, t)
	}
	links := pn.Links()
	if len(links) != len(fs.GetBlocksizes()) {
		return 0, 0, rejected(ErrSize, "file node %s: %d links but %d block sizes", c, len(links), len(fs.GetBlocksizes()))
	}
	if fs.Filesize == nil {
		return 0, 0, rejected(ErrSize, "file node %s has no size", c)
	}
	size, _, err = w.data(fs.GetData(), len(fs.GetData()), dst)
	if err != nil {
		return 0, 0, err
	}
	tsize = uint64(len(data))
	for i, l := range links {
		if l.Name != "" {
			return 0, 0, rejected(ErrMalformed, "file node %s: a link named %q", c, l.Name)
		}
		cdata, csize, cpn, cfs, err := w.node(l.Cid)
		if err != nil {
			return 0, 0, err
		}
		s, ts, err := w.file(l.Cid, cdata, csize, cpn, cfs, dst, depth+1)
		if err != nil {
			return 0, 0, err
		}
		if s != fs.GetBlocksizes()[i] {
			return 0, 0, rejected(ErrSize, "file node %s: block %d says %d bytes, holds %d", c, i, fs.GetBlocksizes()[i], s)
		}
		if ts != l.Size {
			return 0, 0, rejected(ErrSize, "file node %s: link %d says %d bytes of DAG, the DAG has %d", c, i, l.Size, ts)
		}
		size += s
		tsize += ts
	}
	if size != fs.GetFilesize() {
		return 0, 0, rejected(ErrSize, "file node %s says %d bytes, holds %d", c, fs.GetFilesize(), size)
	}
	return size, tsize, nil
}

// data counts n bytes of file data and writes p (which is those bytes,
// or nil when the walk writes nothing) to dst.
func (w *walker) data(p []byte, n int, dst io.Writer) (uint64, uint64, error) {
	if w.bytes += int64(n); w.bytes > w.lim.MaxTotalSize {
		return 0, 0, fmt.Errorf("%w: the DAG holds more than %d bytes", ErrTooLarge, w.lim.MaxTotalSize)
	}
	if p != nil {
		if _, err := dst.Write(p); err != nil {
			return 0, 0, badInput("extract: %w", err)
		}
	}
	return uint64(n), uint64(n), nil
}

// Verify walks the DAG of root in s and checks it: every block is there
// and hashes to its CID, every file's sizes add up, every folder entry is
// a usable name. It returns what the DAG holds.
func Verify(ctx context.Context, s *Store, root cid.Cid, lim Limits) (*Stat, error) {
	w := newWalker(ctx, s, lim)
	return w.run(root, "")
}

// Extract verifies the DAG of root in s, as [Verify], and writes it byte
// for byte to dst: a file if root is a file, a folder if it is a folder.
// dst must not exist. On an error, what was written so far is left for
// the caller to remove.
func Extract(ctx context.Context, s *Store, root cid.Cid, dst string, lim Limits) (*Stat, error) {
	if dst == "" {
		return nil, badInput("extract: empty destination")
	}
	w := newWalker(ctx, s, lim)
	return w.run(root, dst)
}

func (w *walker) run(root cid.Cid, out string) (*Stat, error) {
	if w.store == nil {
		return nil, badInput("nil store")
	}
	if !root.Defined() {
		return nil, badInput("undefined root CID")
	}
	w.st = Stat{Root: root}
	w.extract = out != ""
	if _, err := w.entry(root, out, 0); err != nil {
		return nil, err
	}
	w.st.Dir = w.st.Dirs > 0
	st := w.st
	return &st, nil
}
