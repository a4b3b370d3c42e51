package attest

import (
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"sync"
	"sync/atomic"

	"github.com/ats-run/selfattest/internal/localfile"
)

const (
	// blockSize is the unit of work handed to each hasher. Large enough that
	// channel and scheduling costs vanish next to hashing, small enough that
	// a slow hasher can fall several blocks behind the fast ones.
	blockSize = 512 << 10
	// blocks is how many blocks may be in flight at once. Memory used by a
	// parallel Measure is bounded by blocks*blockSize (4 MiB), whatever the
	// input's size. (Measured here on 2 cores: 512 KiB × 8 keeps both cores
	// busier than 128 KiB × 16 or 64 KiB × 32.)
	blocks = 8
)

// bufPool recycles blocks between calls, so measuring many small files
// does not allocate a block each time.
var bufPool = sync.Pool{New: func() any { b := make([]byte, blockSize); return &b }}

// Measure reads r to its end and returns its size and its SHA-256, SHA-384
// and SHA-512 digests, reading the bytes once.
//
// Inputs longer than one block are hashed by three goroutines at once, one
// per algorithm, fed from a fixed pool of buffers: the three hashers run
// independently, so on two or more cores the cost approaches that of the
// slowest one (SHA-512) rather than the sum of all three, and memory stays
// at a fixed 4 MiB for any input size. The goroutines have all ended when
// Measure returns.
//
// A read error other than io.EOF is returned wrapped, with zero Digests:
// digests of a partial read are never returned.
func Measure(r io.Reader) (Digests, error) {
	firstp := bufPool.Get().(*[]byte)
	defer bufPool.Put(firstp)
	first := *firstp
	n, err := readBlock(r, first)
	if err != nil {
		return Digests{}, fmt.Errorf("attest: measure: %w", err)
	}
	if n < blockSize {
		return MeasureBytes(first[:n]), nil
	}
	return measureParallel(r, first)
}

// MeasureBytes returns the size and digests of b.
func MeasureBytes(b []byte) Digests {
	return Digests{
		Size:   int64(len(b)),
		SHA256: sha256.Sum256(b),
		SHA384: sha512.Sum384(b),
		SHA512: sha512.Sum512(b),
	}
}

// MeasureFile opens the file at path and measures it with [Measure]. The
// path must name a regular file: a directory, a FIFO or a device is
// refused (without blocking on it) with an error wrapping [ErrBadInput].
// Its size is not bounded (memory stays constant); see [MeasureFileMax].
func MeasureFile(path string) (Digests, error) {
	return MeasureFileMax(path, math.MaxInt64)
}

// MeasureFileMax is [MeasureFile] for a file of at most max bytes; a
// larger one is refused with an error wrapping [ErrBadInput].
func MeasureFileMax(path string, max int64) (Digests, error) {
	f, err := localfile.Open(path, max)
	if err != nil {
		return Digests{}, fmt.Errorf("%w: measure: %w", ErrBadInput, err)
	}
	defer f.Close()
	d, err := Measure(f)
	var le *localfile.Error
	if errors.As(err, &le) {
		return Digests{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return d, err
}

// readBlock fills buf from r, returning fewer than len(buf) bytes only at
// the end of the stream. io.EOF is not an error.
func readBlock(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return n, nil
	}
	return n, err
}

type block struct {
	buf  []byte
	n    int
	refs atomic.Int32
}

func measureParallel(r io.Reader, first []byte) (Digests, error) {
	hashes := [...]hash.Hash{sha256.New(), sha512.New384(), sha512.New()}
	free := make(chan *block, blocks)
	for i := 1; i < blocks; i++ {
		p := bufPool.Get().(*[]byte)
		defer bufPool.Put(p)
		free <- &block{buf: *p}
	}
	var feeds [len(hashes)]chan *block
	var wg sync.WaitGroup
	for i, h := range hashes {
		feeds[i] = make(chan *block, blocks)
		wg.Add(1)
		go func(h hash.Hash, in <-chan *block) {
			defer wg.Done()
			for b := range in {
				h.Write(b.buf[:b.n]) // hash.Hash.Write never fails
				if b.refs.Add(-1) == 0 {
					free <- b
				}
			}
		}(h, feeds[i])
	}
	send := func(b *block) {
		b.refs.Store(int32(len(feeds)))
		for _, f := range feeds {
			f <- b
		}
	}

	size := int64(len(first))
	send(&block{buf: first, n: len(first)})
	var rerr error
	for {
		b := <-free
		n, err := readBlock(r, b.buf)
		if err != nil {
			rerr = err
			break
		}
		if n == 0 {
			break
		}
		size += int64(n)
		b.n = n
		send(b)
		if n < blockSize {
			break
		}
	}
	for _, f := range feeds {
		close(f)
	}
	wg.Wait()
	if rerr != nil {
		return Digests{}, fmt.Errorf("attest: measure: %w", rerr)
	}
	d := Digests{Size: size}
	hashes[0].Sum(d.SHA256[:0])
	hashes[1].Sum(d.SHA384[:0])
	hashes[2].Sum(d.SHA512[:0])
	return d, nil
}
