package ipfs

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	chunker "github.com/ipfs/boxo/chunker"
)

// TestSplitterCutsAsBoxo: the splitter gives the chunks boxo's size
// splitter gives, for the sizes around a chunk's edge and for a reader
// that returns short reads.
func TestSplitterCutsAsBoxo(t *testing.T) {
	src := make([]byte, 3*ChunkSize+5)
	var seed [32]byte
	seed[0] = 9
	rand.NewChaCha8(seed).Read(src)
	for _, size := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + 5} {
		for _, short := range []bool{false, true} {
			r := func() io.Reader {
				if short {
					return iotest.HalfReader(bytes.NewReader(src[:size]))
				}
				return bytes.NewReader(src[:size])
			}
			want := chunker.NewSizeSplitter(r(), ChunkSize)
			got := newSplitter(r())
			for i := 0; ; i++ {
				w, werr := want.NextBytes()
				g, gerr := got.NextBytes()
				if !bytes.Equal(g, w) || gerr != werr {
					t.Fatalf("%d bytes (short reads %v), chunk %d: %d bytes, %v; boxo: %d bytes, %v", size, short, i, len(g), gerr, len(w), werr)
				}
				got.release(g)
				if werr != nil {
					break
				}
			}
			if len(got.out) != 0 {
				t.Errorf("%d bytes: %d buffers not given back", size, len(got.out))
			}
		}
	}
}

// TestSplitterReadError: a read error ends the chunks with that error.
func TestSplitterReadError(t *testing.T) {
	boom := errors.New("boom")
	s := newSplitter(io.MultiReader(bytes.NewReader(make([]byte, ChunkSize+3)), iotest.ErrReader(boom)))
	if c, err := s.NextBytes(); err != nil || len(c) != ChunkSize {
		t.Fatalf("first chunk: %d bytes, %v", len(c), err)
	}
	for range 2 {
		if c, err := s.NextBytes(); !errors.Is(err, boom) || c != nil {
			t.Errorf("after the error: %d bytes, %v; want boom", len(c), err)
		}
	}
}

// TestSplitterReleasesOnlyItsOwn: release takes back a lent buffer once,
// and leaves a slice it did not lend alone.
func TestSplitterReleasesOnlyItsOwn(t *testing.T) {
	s := newSplitter(bytes.NewReader(make([]byte, 2*ChunkSize)))
	a, _ := s.NextBytes()
	b, _ := s.NextBytes()
	if len(s.out) != 2 {
		t.Fatalf("%d buffers lent, want 2", len(s.out))
	}
	s.release(make([]byte, ChunkSize))
	s.release(a[1:])
	if len(s.out) != 2 {
		t.Errorf("a foreign slice was taken back")
	}
	s.release(a)
	s.release(a)
	if len(s.out) != 1 {
		t.Errorf("%d buffers lent after releasing one (twice), want 1", len(s.out))
	}
	s.release(b)
	if len(s.out) != 0 {
		t.Errorf("%d buffers lent, want 0", len(s.out))
	}
}
