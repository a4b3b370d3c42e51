package tlog_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/ats-run/selfattest/verify/tlog"
)

func TestTilePaths(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{tlog.TilePath(0, 0, 0), "tile/0/000"},
		{tlog.TilePath(0, 1234067, 0), "tile/0/x001/x234/067"},
		{tlog.TilePath(1, 3, 17), "tile/1/003.p/17"},
		{tlog.TilePath(2, 1000, 255), "tile/2/x001/000.p/255"},
		{tlog.EntryBundlePath(4, 0), "tile/entries/004"},
		{tlog.EntryBundlePath(0, 12), "tile/entries/000.p/12"},
		{tlog.EntryBundlePath(999999, 1), "tile/entries/x999/999.p/1"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func bundleOf(entries ...[]byte) []byte {
	var b []byte
	for _, e := range entries {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
		b = append(b, e...)
	}
	return b
}

func TestParseEntryBundle(t *testing.T) {
	three := bundleOf([]byte("a"), nil, []byte("ccc"))
	full := make([][]byte, tlog.TileWidth)
	for i := range full {
		full[i] = entry(i)
	}
	for _, tc := range []struct {
		name string
		data []byte
		p    uint8
		want int // entries, or -1 for a rejection
	}{
		{"partial", three, 3, 3},
		{"full", bundleOf(full...), 0, tlog.TileWidth},
		{"fewer than p", three, 4, -1},
		{"more than p", three, 2, -1},
		{"partial as full", three, 0, -1},
		{"truncated entry", three[:len(three)-1], 3, -1},
		{"half a length", append(bundleOf([]byte("a"), nil), 0), 3, -1},
		{"empty", nil, 1, -1},
		{"longest entry", bundleOf(make([]byte, tlog.MaxEntrySize)), 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tlog.ParseEntryBundle(tc.data, tc.p)
			if tc.want < 0 {
				if !errors.Is(err, tlog.ErrVerification) {
					t.Fatalf("got %d entries, %v: want a rejection", len(got), err)
				}
				var me *tlog.MalformedError
				if !errors.As(err, &me) {
					t.Fatalf("%v is not a *MalformedError", err)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Fatalf("got %d entries, %v: want %d", len(got), err, tc.want)
			}
			if !bytes.Equal(bundleOf(got...), tc.data) {
				t.Errorf("entries do not re-encode to the bundle")
			}
		})
	}
}

func TestParseHashTile(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		p    uint8
		ok   bool
	}{
		{"full", tlog.MaxTileSize, 0, true},
		{"partial", 3 * tlog.HashSize, 3, true},
		{"partial as full", 3 * tlog.HashSize, 0, false},
		{"short partial", 3*tlog.HashSize - 1, 3, false},
		{"long full", tlog.MaxTileSize + tlog.HashSize, 0, false},
		{"empty", 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := make([]byte, tc.n)
			for i := range data {
				data[i] = byte(i)
			}
			hs, err := tlog.ParseHashTile(data, tc.p)
			if !tc.ok {
				if !errors.Is(err, tlog.ErrVerification) {
					t.Fatalf("got %d hashes, %v: want a rejection", len(hs), err)
				}
				return
			}
			if err != nil || !bytes.Equal(bytes.Join(hs, nil), data) {
				t.Fatalf("got %d hashes, %v", len(hs), err)
			}
		})
	}
}

func FuzzParseEntryBundle(f *testing.F) {
	f.Add(bundleOf([]byte("a"), nil, []byte("ccc")), uint8(3))
	f.Add(bundleOf(entry(1)), uint8(0))
	f.Add([]byte{0xff, 0xff, 1}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, p uint8) {
		es, err := tlog.ParseEntryBundle(data, p)
		if err != nil {
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("rejection %v does not wrap ErrVerification", err)
			}
			return
		}
		want := int(p)
		if p == 0 {
			want = tlog.TileWidth
		}
		if len(es) != want || !bytes.Equal(bundleOf(es...), data) {
			t.Fatalf("%d entries that do not re-encode to the input", len(es))
		}
	})
}

func FuzzParseHashTile(f *testing.F) {
	f.Add(make([]byte, 64), uint8(2))
	f.Add(make([]byte, tlog.MaxTileSize), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, p uint8) {
		hs, err := tlog.ParseHashTile(data, p)
		if err != nil {
			if !errors.Is(err, tlog.ErrVerification) {
				t.Fatalf("rejection %v does not wrap ErrVerification", err)
			}
			return
		}
		if !bytes.Equal(bytes.Join(hs, nil), data) {
			t.Fatal("hashes do not join to the input")
		}
	})
}

// memTiles is a tlog-tiles log held in a map by path: the entries, and the
// hash tiles and entry bundles of every size it was published at, built
// here from RFC 6962 hashes (not with the tile code under test).
type memTiles struct {
	entries [][]byte
	files   map[string][]byte
}

func newMemTiles(n int, sizes ...int) *memTiles {
	var entries [][]byte
	for i := range n {
		entries = append(entries, entry(i))
	}
	return newMemTilesOf(entries, sizes...)
}

// newMemTilesOf is newMemTiles with the given entries.
func newMemTilesOf(entries [][]byte, sizes ...int) *memTiles {
	m := &memTiles{files: make(map[string][]byte), entries: entries}
	levels := [][][]byte{nil}
	for _, e := range m.entries {
		levels[0] = append(levels[0], rfc6962.DefaultHasher.HashLeaf(e))
	}
	for k := 0; len(levels[k]) > 1; k++ {
		var up [][]byte
		for i := 0; i+1 < len(levels[k]); i += 2 {
			up = append(up, rfc6962.DefaultHasher.HashChildren(levels[k][i], levels[k][i+1]))
		}
		levels = append(levels, up)
	}
	for _, size := range sizes {
		for lvl := 0; tlog.TileHeight*lvl < len(levels); lvl++ {
			hs := levels[tlog.TileHeight*lvl]
			count := size >> (tlog.TileHeight * lvl)
			for n := 0; n*tlog.TileWidth < count; n++ {
				w := min(tlog.TileWidth, count-n*tlog.TileWidth)
				p := uint8(w % tlog.TileWidth)
				m.files[tlog.TilePath(uint64(lvl), uint64(n), p)] = bytes.Join(hs[n*tlog.TileWidth:n*tlog.TileWidth+w], nil)
			}
		}
		for n := 0; n*tlog.TileWidth < size; n++ {
			w := min(tlog.TileWidth, size-n*tlog.TileWidth)
			m.files[tlog.EntryBundlePath(uint64(n), uint8(w%tlog.TileWidth))] = bundleOf(m.entries[n*tlog.TileWidth : n*tlog.TileWidth+w]...)
		}
	}
	return m
}

func (m *memTiles) get(path string) ([]byte, error) {
	b, ok := m.files[path]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, os.ErrNotExist)
	}
	return bytes.Clone(b), nil
}

func (m *memTiles) tile(_ context.Context, level, index uint64, p uint8) ([]byte, error) {
	return m.get(tlog.TilePath(level, index, p))
}

func (m *memTiles) bundle(_ context.Context, index uint64, p uint8) ([]byte, error) {
	return m.get(tlog.EntryBundlePath(index, p))
}

// dropPartials deletes every partial tile and bundle that has a full one,
// as a log that collects its garbage does.
func (m *memTiles) dropPartials() {
	for _, lvl := range []string{"0", "1", "2", "entries"} {
		for n := 0; ; n++ {
			full := "tile/" + lvl + "/" + fmt.Sprintf("%03d", n)
			if _, ok := m.files[full]; !ok {
				break
			}
			for w := 1; w < tlog.TileWidth; w++ {
				delete(m.files, fmt.Sprintf("%s.p/%d", full, w))
			}
		}
	}
}

func TestProofsFromTiles(t *testing.T) {
	ctx := context.Background()
	sizes := []int{1, 2, 7, 255, 256, 257, 600, 65536, 65536 + 300}
	l := newEd25519Log(t, "tiles.example")
	last := sizes[len(sizes)-1]
	l.grow(last)
	m := newMemTiles(last, sizes...)
	cps := make(map[int]*tlog.VerifiedCheckpoint)
	for _, s := range sizes {
		cps[s] = l.checkpoint(t, uint64(s))
	}
	for _, s := range sizes {
		t.Run(fmt.Sprintf("inclusion at %d", s), func(t *testing.T) {
			for _, i := range []int{0, 1, s / 2, s - 2, s - 1, 255, 256, 65535, 65536} {
				if i < 0 || i >= s {
					continue
				}
				got, err := tlog.FetchEntry(ctx, cps[s], uint64(i), m.tile, m.bundle)
				if err != nil {
					t.Fatalf("entry %d: %v", i, err)
				}
				if !bytes.Equal(got, entry(i)) {
					t.Fatalf("entry %d: %q", i, got)
				}
				if err := tlog.VerifyInclusionFromTiles(ctx, cps[s], uint64(i), entry(i+1), m.tile); !errors.Is(err, tlog.ErrVerification) {
					t.Fatalf("entry %d accepted with the wrong body: %v", i, err)
				}
			}
		})
	}
	t.Run("consistency", func(t *testing.T) {
		for _, a := range sizes {
			for _, b := range sizes {
				p, err := tlog.ConsistencyProof(ctx, cps[a], cps[b], m.tile)
				switch {
				case a <= b && err != nil:
					t.Fatalf("%d to %d: %v", a, b, err)
				case a > b:
					var rb *tlog.RollbackError
					if !errors.As(err, &rb) {
						t.Fatalf("%d to %d: %v, want a *RollbackError", a, b, err)
					}
				case a < b && len(p) == 0:
					t.Fatalf("%d to %d: empty proof", a, b)
				}
			}
		}
	})
	t.Run("partial tiles deleted", func(t *testing.T) {
		g := newMemTiles(last, sizes...)
		g.dropPartials()
		cp := cps[600]
		// Size 600 ends in partial tiles of which no full one exists: kept.
		if _, err := tlog.FetchEntry(ctx, cp, 300, g.tile, g.bundle); err != nil {
			t.Fatal(err)
		}
		// Size 257's partial tiles are gone; full ones stand in for them.
		if _, err := tlog.FetchEntry(ctx, cps[257], 256, g.tile, g.bundle); err != nil {
			t.Fatal(err)
		}
		if _, err := tlog.ConsistencyProof(ctx, cps[7], cps[257], g.tile); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTileTamper flips, one at a time, every hash of every tile a proof
// reads: each flip is rejected or leaves the proof unchanged (a hash the
// proof does not use); none yields another proof.
func TestTileTamper(t *testing.T) {
	ctx := context.Background()
	const size, old, index = 600, 300, 299
	l := newEd25519Log(t, "tiles.example")
	l.grow(size)
	m := newMemTiles(size, old, size)
	cp, cpOld := l.checkpoint(t, size), l.checkpoint(t, old)
	want, err := tlog.InclusionProof(ctx, cp, index, m.tile)
	if err != nil {
		t.Fatal(err)
	}
	wantC, err := tlog.ConsistencyProof(ctx, cpOld, cp, m.tile)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for path, data := range m.files {
		if len(path) > 12 && path[:12] == "tile/entries" {
			continue
		}
		for i := range len(data) / tlog.HashSize {
			bad := bytes.Clone(data)
			bad[i*tlog.HashSize+7] ^= 0x10
			tampered := func(_ context.Context, level, n uint64, p uint8) ([]byte, error) {
				if tlog.TilePath(level, n, p) == path {
					return bytes.Clone(bad), nil
				}
				return m.tile(ctx, level, n, p)
			}
			for _, tc := range []struct {
				name  string
				want  [][]byte
				prove func() ([][]byte, error)
			}{
				{"inclusion", want, func() ([][]byte, error) { return tlog.InclusionProof(ctx, cp, index, tampered) }},
				{"consistency", wantC, func() ([][]byte, error) { return tlog.ConsistencyProof(ctx, cpOld, cp, tampered) }},
			} {
				got, err := tc.prove()
				if err != nil {
					var te *tlog.TileError
					if !errors.As(err, &te) || !errors.Is(err, tlog.ErrVerification) || errors.Is(err, tlog.ErrUnavailable) {
						t.Fatalf("%s with %s hash %d flipped: %v, want a *TileError", tc.name, path, i, err)
					}
					rejected++
					continue
				}
				if !equalHashes(got, tc.want) {
					t.Fatalf("%s with %s hash %d flipped: another proof accepted", tc.name, path, i)
				}
			}
		}
	}
	if rejected == 0 {
		t.Fatal("no flip was rejected")
	}
	t.Logf("%d flips rejected", rejected)

	t.Run("sibling hash", func(t *testing.T) {
		bad := func(_ context.Context, level, n uint64, p uint8) ([]byte, error) {
			b, err := m.tile(ctx, level, n, p)
			if err == nil && level == 0 && n == index/256 {
				b[(index^1)%256*tlog.HashSize] ^= 1
			}
			return b, err
		}
		_, err := tlog.FetchEntry(ctx, cp, index, bad, m.bundle)
		var te *tlog.TileError
		if !errors.As(err, &te) || !errors.Is(err, tlog.ErrVerification) {
			t.Fatalf("%v, want a *TileError", err)
		}
	})
}

func equalHashes(a, b [][]byte) bool {
	return bytes.Equal(bytes.Join(a, []byte{'|'}), bytes.Join(b, []byte{'|'})) && len(a) == len(b)
}

func TestTileFetchFailures(t *testing.T) {
	ctx := context.Background()
	l := newEd25519Log(t, "tiles.example")
	l.grow(300)
	m := newMemTiles(300, 300)
	cp := l.checkpoint(t, 300)
	missing := func(_ context.Context, level, n uint64, p uint8) ([]byte, error) {
		if level == 0 && n == 1 {
			return nil, fmt.Errorf("gone: %w", os.ErrNotExist)
		}
		return m.tile(ctx, level, n, p)
	}
	badBundle := func(_ context.Context, n uint64, p uint8) ([]byte, error) {
		b, err := m.bundle(ctx, n, p)
		if err == nil {
			b[len(b)-1] ^= 1
		}
		return b, err
	}
	shortBundle := func(_ context.Context, n uint64, p uint8) ([]byte, error) {
		b, err := m.bundle(ctx, n, p)
		return b[:len(b)-1], err
	}
	other := newEd25519Log(t, "tiles.example")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name   string
		run    func() error
		reject bool // else could not check
		is     error
	}{
		{"missing tile", func() error { _, err := tlog.FetchEntry(ctx, cp, 10, missing, m.bundle); return err }, false, os.ErrNotExist},
		{"missing bundle", func() error {
			_, err := tlog.FetchEntry(ctx, cp, 10, m.tile, func(context.Context, uint64, uint8) ([]byte, error) { return nil, os.ErrNotExist })
			return err
		}, false, os.ErrNotExist},
		{"changed entry", func() error { _, err := tlog.FetchEntry(ctx, cp, 299, m.tile, badBundle); return err }, true, nil},
		{"truncated bundle", func() error { _, err := tlog.FetchEntry(ctx, cp, 3, m.tile, shortBundle); return err }, true, nil},
		{"tiles of another tree", func() error {
			body, err := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: l.origin, Size: 300, Hash: l.tree.HashAt(299)})
			if err != nil {
				t.Fatal(err)
			}
			forked, err := tlog.VerifyCheckpoint(l.sign(t, body), l.origin, l.key)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tlog.InclusionProof(ctx, forked, 3, m.tile)
			return err
		}, true, nil},
		{"checkpoint by another key", func() error {
			_, err := tlog.FetchCheckpoint(ctx, func(context.Context) ([]byte, error) { return other.sign(t, l.body(t, 300)), nil }, l.origin, l.key)
			return err
		}, true, nil},
		{"checkpoint unavailable", func() error {
			_, err := tlog.FetchCheckpoint(cancelled, func(ctx context.Context) ([]byte, error) { return nil, ctx.Err() }, l.origin, l.key)
			return err
		}, false, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil {
				t.Fatal("accepted")
			}
			if errors.Is(err, tlog.ErrVerification) != tc.reject || errors.Is(err, tlog.ErrUnavailable) == tc.reject {
				t.Fatalf("%v: rejected=%v unavailable=%v, want rejected=%v", err,
					errors.Is(err, tlog.ErrVerification), errors.Is(err, tlog.ErrUnavailable), tc.reject)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("%v does not wrap %v", err, tc.is)
			}
			t.Logf("%v", err)
		})
	}
	t.Run("policy", func(t *testing.T) {
		var pe *tlog.PolicyError
		if _, err := tlog.InclusionProof(ctx, cp, 300, m.tile); !errors.As(err, &pe) {
			t.Errorf("index past the tree: %v", err)
		}
		if _, err := tlog.InclusionProof(ctx, &tlog.VerifiedCheckpoint{Checkpoint: cp.Checkpoint}, 3, m.tile); !errors.As(err, &pe) {
			t.Errorf("unverified checkpoint: %v", err)
		}
	})
}
