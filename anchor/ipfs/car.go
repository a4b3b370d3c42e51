package ipfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	pb "github.com/ipfs/boxo/ipld/unixfs/pb"
)

// maxHeaderSize bounds a CAR header: one root needs about 50 bytes.
const maxHeaderSize = 64 << 10

// export writes the DAG of root in s as a CAR through cw: a walk that
// verifies the DAG as [Verify] does and puts every block the first time
// it reaches it, depth first, each node before its children: the order of
// Kubo's dag export and of a trustless gateway's order=dfs.
func export(ctx context.Context, s *Store, root cid.Cid, cw storage.WritableCar, lim Limits) error {
	w := newWalker(ctx, s, lim)
	w.onBlock = func(c cid.Cid, data []byte) error {
		if err := cw.Put(ctx, c.KeyString(), data); err != nil {
			return fmt.Errorf("%w: car: %w", ErrBadInput, err)
		}
		return nil
	}
	_, err := w.run(root, "")
	return err
}

// ExportCAR writes the DAG of root in s to w as a CAR version 1 with root
// as its only root, blocks depth first, each once. It verifies the DAG as
// it goes ([Verify]): if it fails (a store that lost or damaged a block),
// what it wrote is not a CAR of root and must be thrown away.
func ExportCAR(ctx context.Context, s *Store, root cid.Cid, w io.Writer, lim Limits) error {
	cw, err := storage.NewWritable(w, []cid.Cid{root}, carv2.WriteAsCarV1(true))
	if err != nil {
		return fmt.Errorf("%w: car: %w", ErrBadInput, err)
	}
	return export(ctx, s, root, cw, lim)
}

// ExportCARv2 writes the DAG of root in s to the file f as a CAR version 2:
// the CAR version 1 of [ExportCAR] with an index of every block after it,
// so a reader can find a block without reading the whole file.
func ExportCARv2(ctx context.Context, s *Store, root cid.Cid, f *os.File, lim Limits) error {
	cw, err := storage.NewWritable(f, []cid.Cid{root})
	if err != nil {
		return fmt.Errorf("%w: car: %w", ErrBadInput, err)
	}
	if err := export(ctx, s, root, cw, lim); err != nil {
		return err
	}
	if err := cw.Finalize(); err != nil {
		return fmt.Errorf("%w: car: %w", ErrBadInput, err)
	}
	return nil
}

// ImportCAR reads a CAR (version 1 or 2) from r into s and verifies it:
// the CAR names exactly one root, which is want when want is defined;
// every block hashes to its CID; the DAG walked from the root is a UnixFS
// file or folder whose sizes add up ([Verify]); every block it links to is
// in this CAR (a block s held before does not count); and the CAR holds
// no block the DAG does not reach. At most lim.MaxCARSize bytes and
// lim.MaxBlocks blocks are read.
//
// The errors: [ErrWrongRoot], [ErrBlockHash], [ErrMissingBlock],
// [ErrExtraBlock], [ErrSize], [ErrMalformed] (all beneath [ErrRejected]);
// [ErrTooLarge] for a CAR above the limits; and, when reading r fails
// (not a clean end), [ErrCouldNotCheck].
func ImportCAR(ctx context.Context, r io.Reader, want cid.Cid, s *Store, lim Limits) (*Stat, error) {
	_, st, err := importPath(ctx, r, want, nil, s, lim)
	return st, err
}

// ImportCARPath reads a CAR (version 1 or 2) of the file or folder at
// path (names separated by "/") under the folder root, as a trustless
// gateway answers /ipfs/<root>/<path>?format=car, and verifies it: the
// CAR's root is root or the entry at path; every folder on the way is in
// the CAR, hashes to the CID its parent names, and has the entry named
// (a sharded folder through the shards on the way of the name's hash,
// each checked as [Verify] checks a shard);
// the entry's DAG is verified as [ImportCAR] verifies one; and the CAR
// holds no other block. It returns the entry's CID. An entry the CAR does
// not hold, or a CAR rooted at another entry, is [ErrPath]; a name the
// folder does not have is [ErrNoEntry].
func ImportCARPath(ctx context.Context, r io.Reader, root cid.Cid, path string, s *Store, lim Limits) (cid.Cid, *Stat, error) {
	if !root.Defined() {
		return cid.Undef, nil, badInput("undefined root CID")
	}
	segs, err := splitPath(path, lim.withDefaults())
	if err != nil {
		return cid.Undef, nil, err
	}
	return importPath(ctx, r, root, segs, s, lim)
}

// splitPath cuts path into names, each a usable entry name.
func splitPath(path string, lim Limits) ([]string, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, seg := range segs {
		if err := checkName(seg); err != nil {
			return nil, err
		}
	}
	if len(segs) > lim.MaxDepth {
		return nil, fmt.Errorf("%w: path deeper than %d", ErrLimit, lim.MaxDepth)
	}
	return segs, nil
}

// importPath reads a CAR whose root must be want, resolves segs from it
// through folders, and verifies the DAG of the entry it reaches; the CAR
// must hold the blocks of the folders on the way and of that DAG, and no
// other.
func importPath(ctx context.Context, r io.Reader, want cid.Cid, segs []string, s *Store, lim Limits) (cid.Cid, *Stat, error) {
	if s == nil || r == nil {
		return cid.Undef, nil, badInput("nil store or reader")
	}
	lim = lim.withDefaults()
	lr := &boundedReader{r: r, left: lim.MaxCARSize}
	root, inCAR, w, err := readCAR(ctx, lr, s, lim)
	if lr.err != nil {
		return cid.Undef, nil, lr.err
	}
	if errors.Is(err, ErrMalformed) {
		io.CopyN(io.Discard, lr, 256) // the rest of a note, if it is one
		if i := bytes.Index(lr.tail, gatewayError); i >= 0 {
			// The gateway broke off and said so in the stream, as boxo's
			// handler does when it cannot find a block: it did not give
			// the content, which says nothing of the content.
			msg := lr.tail[i:]
			if j := bytes.IndexByte(msg, ']'); j >= 0 {
				msg = msg[:j+1]
			}
			return cid.Undef, nil, fmt.Errorf("%w: the gateway broke off: %q", ErrCouldNotCheck, msg)
		}
	}
	if err != nil {
		return cid.Undef, nil, err
	}
	if len(segs) == 0 && want.Defined() && !root.Equals(want) {
		return cid.Undef, nil, rejected(ErrWrongRoot, "the CAR's root is %s, not %s", root, want)
	}
	target := root
	if want.Defined() {
		target = want
	}
	for i, seg := range segs {
		_, _, pn, fs, err := w.node(target)
		if err != nil {
			return cid.Undef, nil, err
		}
		if fs != nil && fs.GetType() == pb.Data_HAMTShard {
			next, err := w.hamtFind(target, pn, fs, seg)
			if err != nil {
				return cid.Undef, nil, err
			}
			if !inCAR[next.Cid] {
				return cid.Undef, nil, rejected(ErrPath, "sharded folder %s names %s as %q; the CAR does not hold it", target, next.Cid, seg)
			}
			target = next.Cid
			continue
		}
		if fs == nil || fs.GetType() != pb.Data_Directory {
			return cid.Undef, nil, rejected(ErrNoEntry, "%s/%s is not a folder: no entry %q", want, strings.Join(segs[:i], "/"), seg)
		}
		var next *ipld.Link
		for _, l := range pn.Links() {
			if l.Name == seg {
				if next != nil {
					return cid.Undef, nil, rejected(ErrMalformed, "folder %s names %q twice", target, seg)
				}
				next = l
			}
		}
		if next == nil {
			return cid.Undef, nil, rejected(ErrNoEntry, "folder %s has no entry %q", target, seg)
		}
		if !inCAR[next.Cid] {
			return cid.Undef, nil, rejected(ErrPath, "folder %s names %s as %q; the CAR does not hold it", target, next.Cid, seg)
		}
		target = next.Cid
	}
	// A gateway names either the root asked for or the entry at the end
	// of the path (boxo's handler does the latter) as the CAR's root.
	if len(segs) > 0 && !root.Equals(want) && !root.Equals(target) {
		return cid.Undef, nil, rejected(ErrPath, "asked for %s/%s, which the folder names %s, the CAR's root is %s", want, strings.Join(segs, "/"), target, root)
	}
	st, err := w.run(target, "")
	if err != nil {
		return cid.Undef, nil, err
	}
	for c := range inCAR {
		if !w.reached[c] {
			return cid.Undef, nil, rejected(ErrExtraBlock, "the CAR holds block %s, which the DAG of %s does not reach", c, root)
		}
	}
	return target, st, nil
}

// readCAR reads the CAR's blocks into s, checking each, and returns its
// root and the set of its blocks.
func readCAR(ctx context.Context, r io.Reader, s *Store, lim Limits) (cid.Cid, map[cid.Cid]bool, *walker, error) {
	br, err := carv2.NewBlockReader(r,
		carv2.MaxAllowedHeaderSize(maxHeaderSize),
		carv2.MaxAllowedSectionSize(MaxBlockSize+128),
		carv2.WithTrustedCAR(true), // Store.Put checks every block itself
		carv2.ZeroLengthSectionAsEOF(false),
	)
	if err != nil {
		return cid.Undef, nil, nil, rejected(ErrMalformed, "not a CAR: %w", err)
	}
	if len(br.Roots) != 1 {
		return cid.Undef, nil, nil, rejected(ErrWrongRoot, "the CAR names %d roots, not one", len(br.Roots))
	}
	root := br.Roots[0]
	inCAR := map[cid.Cid]bool{}
	w := newWalker(ctx, s, lim)
	w.allowed = inCAR
	w.known = map[cid.Cid][]byte{}
	w.rawSize = map[cid.Cid]int{}
	kept := 0
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return cid.Undef, nil, nil, fmt.Errorf("%w: %w", ErrCouldNotCheck, err)
		}
		if n >= lim.MaxBlocks {
			return cid.Undef, nil, nil, fmt.Errorf("%w: more than %d blocks", ErrTooLarge, lim.MaxBlocks)
		}
		b, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return cid.Undef, nil, nil, rejected(ErrMalformed, "CAR block %d: %w", n, err)
		}
		c, data := b.Cid(), b.RawData()
		if err := s.Put(c, data); err != nil {
			return cid.Undef, nil, nil, err
		}
		inCAR[c] = true
		// Checked just now: the walk that follows need not read and hash
		// them again. Nodes are kept (at most maxKept bytes of them),
		// leaves only by size.
		switch {
		case c.Type() == cid.Raw:
			w.rawSize[c] = len(data)
		case kept+len(data) <= maxKept:
			w.known[c] = data
			kept += len(data)
		}
	}
	return root, inCAR, w, nil
}

// maxKept bounds the dag-pb blocks an import keeps in memory for its walk:
// a 64 GiB file has about 3 MiB of them.
const maxKept = 64 << 20

// gatewayError starts the note boxo's gateway handler (Kubo's, Rainbow's)
// appends to a CAR it cannot finish: "\n\n[Gateway Error: ...]".
var gatewayError = []byte("[Gateway Error")

// boundedReader reads at most left bytes and keeps the error that stopped
// it: a read error (the network) or the limit, both "could not check". It
// keeps the last bytes read, to tell a gateway's note from a broken CAR.
type boundedReader struct {
	r    io.Reader
	left int64
	err  error
	tail []byte
}

func (b *boundedReader) keep(p []byte) {
	const n = 512
	if len(p) >= n {
		b.tail = append(b.tail[:0], p[len(p)-n:]...)
		return
	}
	if over := len(b.tail) + len(p) - n; over > 0 {
		b.tail = append(b.tail[:0], b.tail[over:]...)
	}
	b.tail = append(b.tail, p...)
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left <= 0 {
		// One byte more tells a CAR that ends at the limit from a longer one.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			b.err = fmt.Errorf("%w: the CAR is larger than the limit", ErrTooLarge)
			return 0, b.err
		}
		if err == nil {
			return 0, nil
		}
		if err != io.EOF {
			b.err = couldNotCheck("read", err)
			return 0, b.err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	b.keep(p[:n])
	if err != nil && err != io.EOF {
		b.err = couldNotCheck("read", err)
		return n, b.err
	}
	return n, err
}
