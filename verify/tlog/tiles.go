package tlog

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// C2SP tlog-tiles (c2sp.org/tlog-tiles) layout, as written by Rekor v2 and
// every tessera log:
//
//	<prefix>/checkpoint                    signed checkpoint note
//	<prefix>/tile/<L>/<N>                  full hash tile: 256 hashes of 32 bytes
//	<prefix>/tile/<L>/<N>.p/<W>            partial hash tile: W hashes, 1 ≤ W ≤ 255
//	<prefix>/tile/entries/<N>              full entry bundle: 256 entries
//	<prefix>/tile/entries/<N>.p/<W>        partial entry bundle: W entries
//
// L is the level (0 holds leaf hashes), in decimal. N is the tile index,
// zero-padded to a multiple of three digits and split into groups of three,
// every group but the last prefixed with "x": 1234067 is x001/x234/067. A
// hash tile at level L, index N holds the hashes of the subtrees of height
// 8·L at positions 256·N to 256·N+W−1 of that level, concatenated. An entry
// bundle is a sequence of entries, each a big-endian uint16 length followed
// by that many bytes.
const (
	// TileHeight is the height of a tlog-tiles hash tile: 8 levels of the
	// tree, so a full tile holds [TileWidth] hashes.
	TileHeight = 8
	// TileWidth is the number of hashes in a full hash tile and of entries
	// in a full entry bundle.
	TileWidth = 1 << TileHeight
	// MaxTileSize is the size of a full hash tile, in bytes.
	MaxTileSize = TileWidth * HashSize
	// MaxEntrySize is the largest entry an entry bundle can hold.
	MaxEntrySize = 1<<16 - 1
	// MaxEntryBundleSize bounds an entry bundle: 256 entries of the largest
	// size, with their length prefixes.
	MaxEntryBundleSize = TileWidth * (2 + MaxEntrySize)
)

// CheckpointPath is the path of a log's checkpoint, relative to its
// tlog-tiles prefix.
const CheckpointPath = "checkpoint"

// TilePath returns the path of the hash tile at level and index, relative to
// a log's tlog-tiles prefix. p is the width of a partial tile (1–255) or 0
// for a full tile.
//
//	TilePath(0, 1234067, 0) == "tile/0/x001/x234/067"
//	TilePath(1, 3, 17)      == "tile/1/003.p/17"
func TilePath(level, index uint64, p uint8) string {
	return "tile/" + strconv.FormatUint(level, 10) + "/" + indexPath(index, p)
}

// EntryBundlePath returns the path of the entry bundle at index (holding
// entries 256·index to 256·index+255), relative to a log's tlog-tiles
// prefix. p is the width of a partial bundle (1–255) or 0 for a full one.
//
//	EntryBundlePath(4, 0)  == "tile/entries/004"
//	EntryBundlePath(0, 12) == "tile/entries/000.p/12"
func EntryBundlePath(index uint64, p uint8) string {
	return "tile/entries/" + indexPath(index, p)
}

func indexPath(n uint64, p uint8) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	if p > 0 {
		s += ".p/" + strconv.Itoa(int(p))
	}
	return s
}

// ParseHashTile splits a hash tile into its hashes. A full tile (p == 0)
// must hold exactly [TileWidth] hashes, a partial tile exactly p; anything
// else is a [*MalformedError]. The hashes alias data. It checks the shape
// only: a tile's hashes are proven only against a checkpoint's root.
func ParseHashTile(data []byte, p uint8) ([][]byte, error) {
	want := TileWidth
	if p > 0 {
		want = int(p)
	}
	if len(data) != want*HashSize {
		return nil, &MalformedError{What: "hash tile", Err: fmt.Errorf("%d bytes, want %d hashes of %d bytes", len(data), want, HashSize)}
	}
	hashes := make([][]byte, want)
	for i := range hashes {
		hashes[i] = data[i*HashSize : (i+1)*HashSize : (i+1)*HashSize]
	}
	return hashes, nil
}

// ParseEntryBundle splits a tlog-tiles entry bundle into its entries: each
// a big-endian uint16 length followed by that many bytes. A full bundle
// (p == 0) must hold exactly [TileWidth] entries, a partial one exactly p;
// a bundle that is larger than [MaxEntryBundleSize], ends inside an entry or
// holds another number of entries is a [*MalformedError]. The entries
// alias data. It checks the shape only: an entry is proven only by its leaf
// hash against a checkpoint (see [FetchEntry]).
func ParseEntryBundle(data []byte, p uint8) ([][]byte, error) {
	bad := func(format string, args ...any) error {
		return &MalformedError{What: "entry bundle", Err: fmt.Errorf(format, args...)}
	}
	want := TileWidth
	if p > 0 {
		want = int(p)
	}
	if len(data) > MaxEntryBundleSize {
		return nil, bad("%d bytes, more than %d", len(data), MaxEntryBundleSize)
	}
	entries := make([][]byte, 0, want)
	for rest := data; len(rest) > 0; {
		if len(entries) == want {
			return nil, bad("%d bytes after entry %d, want %d entries", len(rest), want-1, want)
		}
		if len(rest) < 2 {
			return nil, bad("entry %d: %d byte length prefix", len(entries), len(rest))
		}
		n := int(binary.BigEndian.Uint16(rest))
		if len(rest)-2 < n {
			return nil, bad("entry %d: %d bytes, %d left", len(entries), n, len(rest)-2)
		}
		entries = append(entries, rest[2:2+n:2+n])
		rest = rest[2+n:]
	}
	if len(entries) != want {
		return nil, bad("%d entries, want %d", len(entries), want)
	}
	return entries, nil
}
