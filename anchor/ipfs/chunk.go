package ipfs

import (
	"io"
	"sync"
	"unsafe"
)

// chunkPool holds ChunkSize buffers whose blocks are written (or, for
// [CID], hashed), for the next chunks to be read into: an archive then
// reuses a few megabytes instead of allocating, zeroing and collecting a
// fresh megabyte per chunk.
//
// Each buffer starts at a multiple of directAlign, so that a full leaf can
// be written with direct I/O (see Store.writeTemp).
var chunkPool = sync.Pool{New: func() any { b := alignedBuffer(ChunkSize); return &b }}

// alignedBuffer returns n bytes starting at a multiple of directAlign.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+directAlign)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) % directAlign); r != 0 {
		off = directAlign - r
	}
	return b[off : off+n : off+n]
}

// A splitter cuts r into the chunks of boxo's size splitter
// (chunker.NewSizeSplitter(r, ChunkSize)): ChunkSize bytes each, the last
// one shorter, none empty; so the DAG and its CID are the same. It reads
// them into buffers of chunkPool, which it lends to the importer:
// [splitter.release] takes one back once nothing uses it any more.
//
// When that is: boxo's balanced layout (boxo v0.43.0, balanced.Layout and
// helpers.DagBuilderHelper) makes a raw leaf of each chunk, hashing it
// (dag.NewRawNodeWPrefix), reads only the leaf's CID and length to link
// it from its parent, then hands the leaf to the DAGService's Add, once,
// and drops it. builderDAG.Add is therefore the last the importer sees
// of a chunk: with no store, Add releases it at once; with a store, the
// blockWriter releases it after writing it. TestArchivedBlocksAreOnDisk
// WhenItReturns reads every leaf back by a CID computed in the test,
// which fails if a buffer were reused before its block was written, and
// the Kubo tests fail if one were reused before it was hashed.
type splitter struct {
	r   io.Reader
	err error // io.EOF after the last chunk, or the read error

	mu  sync.Mutex
	out map[*byte]*[]byte // the buffers lent, by their first byte
}

func newSplitter(r io.Reader) *splitter {
	return &splitter{r: r, out: map[*byte]*[]byte{}}
}

// Reader returns the splitter's reader (chunker.Splitter).
func (s *splitter) Reader() io.Reader { return s.r }

// NextBytes returns the next chunk, or nil and io.EOF after the last one
// (chunker.Splitter).
func (s *splitter) NextBytes() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	bp := chunkPool.Get().(*[]byte)
	buf := *bp
	n, err := io.ReadFull(s.r, buf)
	switch err {
	case nil:
	case io.ErrUnexpectedEOF: // a last, shorter chunk
		s.err = io.EOF
	default: // io.EOF (no byte left) or a read error
		chunkPool.Put(bp)
		s.err = err
		return nil, err
	}
	s.mu.Lock()
	s.out[&buf[0]] = bp
	s.mu.Unlock()
	return buf[:n], nil
}

// release takes back the buffer of chunk, which nothing may read or
// write afterwards. A slice the splitter did not lend, or has had back,
// is left alone, so a block released twice is not pooled twice.
func (s *splitter) release(chunk []byte) {
	if len(chunk) == 0 {
		return
	}
	s.mu.Lock()
	bp, ok := s.out[&chunk[0]]
	delete(s.out, &chunk[0])
	s.mu.Unlock()
	if ok {
		chunkPool.Put(bp)
	}
}
