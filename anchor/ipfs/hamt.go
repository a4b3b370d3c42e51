package ipfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	bitfield "github.com/ipfs/go-bitfield"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/ats-run/selfattest"

	dag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/boxo/ipld/unixfs/hamt"
	pb "github.com/ipfs/boxo/ipld/unixfs/pb"
)

// The HAMT-sharded folders of the unixfs-v1-2025 profile (Kubo's
// Import.UnixFSHAMTDirectoryMaxFanout, UnixFSHAMTDirectorySizeThreshold
// and UnixFSHAMTDirectorySizeEstimation under the profile).
const (
	// HAMTFanout is the width of a shard: 256 buckets, each named by two
	// upper-case hex digits, 8 bits of the name's hash per level.
	HAMTFanout = 256
	// HAMTHash is the multicodec of the hash that places an entry in its
	// bucket: murmur3-x64-64 (the first 64 bits of murmur3's 128-bit
	// x64 variant), 8 levels of 8 bits at most.
	HAMTHash = hamt.HashMurmur3
	// hamtMaxLevels bounds a shard's nesting: a 64-bit hash has 8 bytes.
	hamtMaxLevels = 8
	// hamtPrefix is the length of a link name's bucket prefix.
	hamtPrefix = 2
)

// ErrShard: a HAMT-sharded folder is not as the profile writes it: a
// shard of another fanout or hash function, a bitfield that does not list
// the shard's links, a link name whose prefix is not its bucket, an entry
// in a bucket its name does not hash to, an empty or needless shard. It
// wraps [ErrMalformed].
var ErrShard = selfattest.Beneath(ErrMalformed, "ipfs: a HAMT shard is not as the profile writes it")

// hamtDir walks the HAMT-sharded folder whose root shard is c, writing it
// under out if out is not empty, and returns its Tsize. Every shard is
// checked ([checkShard]), every entry name as a plain folder's, no name
// twice across the shards, and then, with boxo's own lookup (which hashes
// the name as boxo writes it), that every entry is found where it is: in
// the bucket its name hashes to.
func (w *walker) hamtDir(c cid.Cid, data []byte, pn *dag.ProtoNode, fs *pb.Data, out string, depth int) (uint64, error) {
	if out != "" {
		if err := os.Mkdir(out, 0o755); err != nil {
			return 0, badInput("extract: %w", err)
		}
	}
	w.st.Dirs++
	entries := map[string]cid.Cid{}
	tsize, err := w.shard(c, data, pn, fs, 0, entries, out, depth)
	if err != nil {
		return 0, err
	}
	if err := w.placed(c, pn, entries); err != nil {
		return 0, err
	}
	return tsize, nil
}

// shard walks one shard at level (0 for the root) and returns its Tsize.
func (w *walker) shard(c cid.Cid, data []byte, pn *dag.ProtoNode, fs *pb.Data, level int, entries map[string]cid.Cid, out string, depth int) (uint64, error) {
	if err := checkShard(c, pn, fs, level); err != nil {
		return 0, err
	}
	tsize := uint64(len(data))
	for _, l := range pn.Links() {
		name := l.Name[hamtPrefix:]
		var ts uint64
		if name == "" { // a shard below
			if l.Cid.Type() != cid.DagProtobuf {
				return 0, rejected(ErrShard, "shard %s: link %q to a %s block, not a shard", c, l.Name, cidCodec(l.Cid))
			}
			sdata, _, spn, sfs, err := w.node(l.Cid)
			if err != nil {
				return 0, err
			}
			if ts, err = w.shard(l.Cid, sdata, spn, sfs, level+1, entries, out, depth); err != nil {
				return 0, err
			}
		} else {
			if err := usableName(c, name); err != nil {
				return 0, err
			}
			if _, dup := entries[name]; dup {
				return 0, rejected(ErrMalformed, "sharded folder names %q twice", name)
			}
			entries[name] = l.Cid
			if w.st.Files+w.st.Dirs >= w.lim.MaxEntries {
				return 0, fmt.Errorf("%w: more than %d files and folders", ErrTooLarge, w.lim.MaxEntries)
			}
			sub := ""
			if out != "" {
				sub = filepath.Join(out, name)
			}
			var err error
			if ts, err = w.entry(l.Cid, sub, depth+1); err != nil {
				return 0, err
			}
		}
		if ts != l.Size {
			return 0, rejected(ErrSize, "shard %s: link %q says %d bytes of DAG, the DAG has %d", c, l.Name, l.Size, ts)
		}
		tsize += ts
	}
	return tsize, nil
}

// checkShard checks one shard node as the profile writes it: boxo reads
// it as a shard; its UnixFS data is exactly what boxo writes for its
// links (type HAMTShard, the bitfield of its buckets, fanout 256, hash
// murmur3, no size, mode or time); its links are in bucket order, each
// named by its bucket in two upper-case hex digits, followed by the
// entry's name or, for a shard below, by nothing; a shard below the root
// holds at least two entries or a shard (boxo collapses any other), and
// shards nest at most 8 deep (64 bits of hash).
func checkShard(c cid.Cid, pn *dag.ProtoNode, fs *pb.Data, level int) error {
	if level >= hamtMaxLevels {
		return rejected(ErrShard, "shard %s is nested %d deep, beyond the hash's %d levels", c, level+1, hamtMaxLevels)
	}
	if fs.GetType() != pb.Data_HAMTShard {
		return rejected(ErrShard, "block %s in a sharded folder is a UnixFS %v, not a shard", c, fs.GetType())
	}
	if fs.GetFanout() != HAMTFanout || fs.GetHashType() != HAMTHash {
		return rejected(ErrShard, "shard %s: fanout %d, hash 0x%x; the profile writes fanout %d, hash 0x%x (murmur3)", c, fs.GetFanout(), fs.GetHashType(), HAMTFanout, HAMTHash)
	}
	if _, err := hamt.NewHamtFromDag(nil, pn); err != nil {
		return rejected(ErrShard, "shard %s: %w", c, err)
	}
	links := pn.Links()
	bf, err := bitfield.NewBitfield(HAMTFanout)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	last, values := -1, 0
	for _, l := range links {
		if len(l.Name) < hamtPrefix {
			return rejected(ErrShard, "shard %s: link name %q has no bucket", c, l.Name)
		}
		p := l.Name[:hamtPrefix]
		idx, err := strconv.ParseUint(p, 16, 8)
		if err != nil || fmt.Sprintf("%02X", idx) != p {
			return rejected(ErrShard, "shard %s: link name %q does not start with a bucket in upper-case hex", c, l.Name)
		}
		if int(idx) <= last {
			return rejected(ErrShard, "shard %s: link %q out of bucket order (or a bucket twice)", c, l.Name)
		}
		last = int(idx)
		bf.SetBit(int(idx))
		if len(l.Name) > hamtPrefix {
			values++
		}
	}
	want, err := ft.HAMTShardData(bf.Bytes(), HAMTFanout, HAMTHash)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if !bytes.Equal(pn.Data(), want) {
		return rejected(ErrShard, "shard %s: its UnixFS data is not the profile's for its %d buckets (bitfield, fanout, hash, or extra fields)", c, len(links))
	}
	if level > 0 && (len(links) == 0 || (len(links) == 1 && values == 1)) {
		return rejected(ErrShard, "shard %s holds %d entries: boxo never writes such a shard", c, len(links))
	}
	return nil
}

// placed checks the entries the walk found against boxo's reading of the
// sharded folder rooted at c: its enumeration must list the same entries,
// and its lookup must find each where it is. The lookup hashes the name
// and follows the buckets of its hash, so it finds the entry only in the
// bucket the name hashes to: an entry found elsewhere, or not found, was
// moved, and the folder is refused. Both read the shards the walk has
// just checked.
func (w *walker) placed(c cid.Cid, pn *dag.ProtoNode, entries map[string]cid.Cid) error {
	sh, err := hamt.NewHamtFromDag(shardReader{w: w}, pn)
	if err != nil {
		return rejected(ErrShard, "shard %s: %w", c, err)
	}
	// boxo's enumeration lists the entries the walk found, no other.
	n := 0
	err = sh.ForEachLink(w.ctx, func(l *ipld.Link) error {
		if want, ok := entries[l.Name]; !ok || !want.Equals(l.Cid) {
			return rejected(ErrShard, "sharded folder %s: boxo reads an entry %q the walk did not find", c, l.Name)
		}
		n++
		return nil
	})
	if err != nil {
		if classified(err) {
			return err
		}
		return rejected(ErrShard, "sharded folder %s: %w", c, err)
	}
	if n != len(entries) {
		return rejected(ErrShard, "sharded folder %s: boxo reads %d entries, the walk found %d", c, n, len(entries))
	}
	for name, want := range entries {
		if err := w.ctx.Err(); err != nil {
			return fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
		}
		l, err := sh.Find(w.ctx, name)
		if errors.Is(err, os.ErrNotExist) {
			return rejected(ErrShard, "sharded folder %s: entry %q is not in the bucket its name hashes to", c, name)
		}
		if err != nil {
			if classified(err) {
				return err
			}
			return rejected(ErrShard, "sharded folder %s: entry %q: %w", c, name, err)
		}
		if !l.Cid.Equals(want) {
			return rejected(ErrShard, "sharded folder %s: entry %q is not in the bucket its name hashes to", c, name)
		}
	}
	return nil
}

// shardReader is the ipld.DAGService through which boxo's HAMT reads
// shards the walker has checked: from the walk's memory or the store,
// which checks each block against its CID, and only blocks the walk
// allows. It writes nothing.
type shardReader struct {
	readOnly
	w *walker
}

func (r shardReader) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	if r.w.allowed != nil && !r.w.allowed[c] {
		return nil, rejected(ErrMissingBlock, "block %s is not in the CAR", c)
	}
	data, ok := r.w.known[c]
	if !ok {
		var err error
		if data, err = r.w.store.Block(c); err != nil {
			return nil, err
		}
	}
	return decode(c, data)
}

func (r shardReader) GetMany(ctx context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	return getMany(ctx, cs, r.Get)
}

// readOnly gives the walk's ipld.DAGService readers the writing half of
// the interface, which boxo's readers never call: each refuses.
type readOnly struct{}

var errReadOnly = fmt.Errorf("%w: the walk's DAG is read-only", ErrBadInput)

func (readOnly) Add(context.Context, ipld.Node) error        { return errReadOnly }
func (readOnly) AddMany(context.Context, []ipld.Node) error  { return errReadOnly }
func (readOnly) Remove(context.Context, cid.Cid) error       { return errReadOnly }
func (readOnly) RemoveMany(context.Context, []cid.Cid) error { return errReadOnly }

var _ ipld.DAGService = shardReader{}

func cidCodec(c cid.Cid) string { return fmt.Sprintf("codec 0x%x", c.Type()) }

// usableName rejects an entry name of a folder read from an archive that
// [checkName] refuses: a rejection of the archive, not a bad argument, so
// the error wraps ErrMalformed and not checkName's ErrBadInput.
func usableName(folder cid.Cid, name string) error {
	if checkName(name) != nil {
		return rejected(ErrMalformed, "folder %s: entry name %q is not usable (empty, . or .., a slash or NUL, not UTF-8, or above 255 bytes)", folder, name)
	}
	return nil
}

// hamtFind looks name up in the sharded folder whose root shard is c, as
// a path through it is resolved ([ImportCARPath]): with boxo's lookup,
// which follows the buckets of the name's hash, reading each shard on the
// way through the walk (so it must be in the CAR, is counted and is
// reached) and checking it as [checkShard] does. A name the folder does
// not hold is [ErrNoEntry]. Only the shards on the way are read, so a
// duplicate of the name elsewhere in the folder is not seen: the entry
// found is the one every reader of the folder resolves.
func (w *walker) hamtFind(c cid.Cid, pn *dag.ProtoNode, fs *pb.Data, name string) (*ipld.Link, error) {
	if err := checkShard(c, pn, fs, 0); err != nil {
		return nil, err
	}
	sh, err := hamt.NewHamtFromDag(pathReader{w: w}, pn)
	if err != nil {
		return nil, rejected(ErrShard, "shard %s: %w", c, err)
	}
	l, err := sh.Find(w.ctx, name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, rejected(ErrNoEntry, "sharded folder %s has no entry %q", c, name)
	}
	if err != nil {
		if classified(err) {
			return nil, err
		}
		return nil, rejected(ErrShard, "sharded folder %s: entry %q: %w", c, name, err)
	}
	return l, nil
}

// pathReader is the ipld.DAGService through which boxo's lookup reads the
// shards on a path: each through the walk, checked as a shard below the
// root.
type pathReader struct {
	readOnly
	w *walker
}

func (r pathReader) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	if c.Type() != cid.DagProtobuf {
		return nil, rejected(ErrShard, "a shard link to a %s block, not a shard", cidCodec(c))
	}
	_, _, pn, fs, err := r.w.node(c)
	if err != nil {
		return nil, err
	}
	if err := checkShard(c, pn, fs, 1); err != nil {
		return nil, err
	}
	return pn, nil
}

func (r pathReader) GetMany(ctx context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	return getMany(ctx, cs, r.Get)
}

var _ ipld.DAGService = pathReader{}
