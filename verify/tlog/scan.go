package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	sumtlog "golang.org/x/mod/sumdb/tlog"
)

// Reading many entries. A monitor reads every entry of a log, not one: it
// reads them an entry bundle (256 entries) at a time, and checks each
// bundle against the level-0 hash tile beside it, whose hashes are checked
// against the verified checkpoint's root through the tiles above it, as in
// [FetchEntry]. An entry is handed on only once its leaf hash is the one
// the tree holds at its index.

// An EntryVisitor is handed each entry [ScanEntries] has verified, in
// index order. The entry's bytes are valid only during the call. An error
// stops the scan and is returned as it is.
type EntryVisitor func(index uint64, entry []byte) error

// ScanEntries reads entries start to end−1 of the tree cp commits to, an
// entry bundle at a time, and calls visit with each once its RFC 6962 leaf
// hash is proven to be the one at its index (see [FetchEntry]). Entries are
// visited in order; a bundle that does not match its tile is an
// [*InclusionError], tiles that do not match cp a [*TileError], a bundle
// that does not parse a [*MalformedError] (all wrap [ErrVerification]), and
// a fetch that fails a [*FetchError] ([ErrUnavailable]). Entries visited
// before a failure stay visited: the caller knows how far it got.
//
// A range that is not within [0, cp.Size] is a [*PolicyError].
func ScanEntries(ctx context.Context, cp *VerifiedCheckpoint, start, end uint64, tiles TileFetcherFunc, bundles EntryBundleFetcherFunc, visit EntryVisitor) error {
	s, err := NewEntryScanner(cp, tiles, bundles)
	if err != nil {
		return err
	}
	if start > end || end > cp.Size {
		return &PolicyError{Reason: fmt.Sprintf("entries %d to %d are not in a tree of size %d", start, end, cp.Size)}
	}
	if visit == nil {
		return &PolicyError{Reason: "nil EntryVisitor"}
	}
	for n := start / TileWidth; n*TileWidth < end; n++ {
		entries, err := s.Bundle(ctx, n)
		if err != nil {
			return err
		}
		first := n * TileWidth
		for i, e := range entries {
			idx := first + uint64(i)
			if idx < start || idx >= end {
				continue
			}
			if err := visit(idx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// An EntryScanner reads the entry bundles of one verified tree, each
// proven entry by entry as [ScanEntries] does, keeping the hash tiles above
// level 0 it has read so that reading bundle after bundle does not read
// them again. It is not safe for concurrent use: a monitor that reads
// bundles in parallel gives each worker its own.
type EntryScanner struct {
	cp      *VerifiedCheckpoint
	tree    sumtlog.Tree
	tiles   *tileReader
	bundles EntryBundleFetcherFunc
}

// NewEntryScanner returns an [EntryScanner] of the tree cp commits to. A
// checkpoint [VerifyCheckpoint] did not return, or a nil fetcher, is a
// [*PolicyError].
func NewEntryScanner(cp *VerifiedCheckpoint, tiles TileFetcherFunc, bundles EntryBundleFetcherFunc) (*EntryScanner, error) {
	tree, err := treeOf(cp)
	if err != nil {
		return nil, err
	}
	if tiles == nil || bundles == nil {
		return nil, &PolicyError{Reason: "nil TileFetcherFunc or EntryBundleFetcherFunc"}
	}
	return &EntryScanner{
		cp: cp, tree: tree, bundles: bundles,
		tiles: &tileReader{fetch: tiles, cache: make(map[sumtlog.Tile][]byte)},
	}, nil
}

// Bundle returns the entries of entry bundle n (entries n×[TileWidth] on)
// that the tree holds: 256, or fewer in its last bundle, each proven by its
// leaf hash to be the one the tree holds at its index. The errors are those
// of [ScanEntries]; a bundle beyond the tree is a [*PolicyError].
func (s *EntryScanner) Bundle(ctx context.Context, n uint64) ([][]byte, error) {
	first := n * TileWidth
	if first >= s.cp.Size {
		return nil, &PolicyError{Reason: fmt.Sprintf("entry bundle %d is not in a tree of size %d", n, s.cp.Size)}
	}
	count := min(uint64(TileWidth), s.cp.Size-first)
	var p uint8
	if count < TileWidth {
		p = uint8(count)
	}
	// The leaf hashes, from tiles checked against the root. Level-0 tiles
	// are dropped from the cache after each bundle, so a scan of any
	// length holds a bounded number of tiles.
	idx := make([]int64, count)
	for i := range idx {
		idx[i] = sumtlog.StoredHashIndex(0, int64(first)+int64(i))
	}
	s.tiles.ctx = ctx
	s.tiles.read = s.tiles.read[:0]
	s.tiles.err = nil
	leaves, err := sumtlog.TileHashReader(s.tree, s.tiles).ReadHashes(idx)
	for t := range s.tiles.cache {
		if t.L == 0 {
			delete(s.tiles.cache, t)
		}
	}
	if err != nil {
		return nil, s.tiles.failure(s.cp, err)
	}

	data, err := s.bundles(ctx, n, p)
	path, width := EntryBundlePath(n, p), p
	if err != nil && p != 0 && errors.Is(err, os.ErrNotExist) {
		data, err = s.bundles(ctx, n, 0)
		path, width = EntryBundlePath(n, 0), 0
	}
	if err != nil {
		return nil, fetchError(path, err)
	}
	entries, err := ParseEntryBundle(data, width)
	if err != nil {
		return nil, err
	}
	entries = entries[:count]
	for i, e := range entries {
		if got := LeafHash(e); !bytes.Equal(got, leaves[i][:]) {
			return nil, &InclusionError{
				Index: first + uint64(i), Size: s.cp.Size, LeafHash: got,
				Root: bytes.Clone(s.cp.Hash), Err: fmt.Errorf("entry bundle %s holds an entry whose leaf hash is not the tree's", path),
			}
		}
	}
	return entries, nil
}
