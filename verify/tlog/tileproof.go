package tlog

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	sumtlog "golang.org/x/mod/sumdb/tlog"
)

// Proofs from tiles. A tlog-tiles log serves no proofs: a client reads the
// hash tiles and computes them. The functions below do, with the tile
// arithmetic of golang.org/x/mod/sumdb/tlog (tile height 8, as C2SP
// tlog-tiles), and check every tile they read against the verified
// checkpoint's root before using a hash from it: the tiles that make up the
// root must hash to it, and every other tile must hash to its parent's
// entry. A tile that does not is a [*TileError]; a proof is never built from
// unchecked hashes. A tile or bundle that cannot be read is a [*FetchError]
// ("could not check", [ErrUnavailable]).
//
// A partial tile or entry bundle that is missing ([os.ErrNotExist]) is
// read from the full one instead, whose first hashes or entries are the
// same; a log that has deleted the partial tiles of an old tree size and
// not yet filled the full one cannot prove anything at that size.

// A TileError reports hash tiles that do not agree with a verified
// checkpoint: the tiles that should make up its root do not hash to it, or
// a tile does not hash to the entry its parent tile holds for it. Whoever
// served the tiles served hashes of another tree than the one the log
// signed. Tiles lists the tiles read, as [TilePath]s.
type TileError struct {
	Origin string
	Size   uint64
	Root   []byte
	Tiles  []string
	Err    error
}

func (e *TileError) Error() string {
	return fmt.Sprintf("tlog: hash tiles of %s do not match the checkpoint of size %d with root %s: %v",
		e.Origin, e.Size, hex.EncodeToString(e.Root), e.Err)
}

// Unwrap returns [ErrVerification] and the cause.
func (e *TileError) Unwrap() []error { return []error{ErrVerification, e.Err} }

// FetchCheckpoint reads a log's checkpoint with f and verifies it with
// [VerifyCheckpoint] against origin and logKeys. A failure to read is a
// [*FetchError] (could not check); a checkpoint that does not verify is a
// rejection wrapping [ErrVerification].
func FetchCheckpoint(ctx context.Context, f CheckpointFetcherFunc, origin string, logKeys ...*LogKey) (*VerifiedCheckpoint, error) {
	if f == nil {
		return nil, &PolicyError{Reason: "nil CheckpointFetcherFunc"}
	}
	msg, err := f(ctx)
	if err != nil {
		return nil, fetchError(CheckpointPath, err)
	}
	return VerifyCheckpoint(msg, origin, logKeys...)
}

// InclusionProof builds the inclusion proof of leaf index in the tree cp
// commits to, from hash tiles read with tiles and checked against cp's root.
// The proof's hashes are proven to be the tree's, but the leaf itself is
// not: check an entry with [VerifyInclusion] (or use
// [VerifyInclusionFromTiles] or [FetchEntry]). An index not below cp.Size is
// a [*PolicyError].
func InclusionProof(ctx context.Context, cp *VerifiedCheckpoint, index uint64, tiles TileFetcherFunc) ([][]byte, error) {
	tree, err := treeOf(cp)
	if err != nil {
		return nil, err
	}
	if tiles == nil {
		return nil, &PolicyError{Reason: "nil TileFetcherFunc"}
	}
	if index >= cp.Size {
		return nil, &PolicyError{Reason: fmt.Sprintf("entry %d is not in a tree of size %d", index, cp.Size)}
	}
	r := &tileReader{ctx: ctx, fetch: tiles, cache: make(map[sumtlog.Tile][]byte)}
	p, err := sumtlog.ProveRecord(tree.N, int64(index), sumtlog.TileHashReader(tree, r))
	if err != nil {
		return nil, r.failure(cp, err)
	}
	return hashes(p), nil
}

// VerifyInclusionFromTiles checks that entry (e.g. a Rekor entry's
// canonicalized body) is leaf index of the tree cp commits to, with a proof
// built from tiles by [InclusionProof] and checked by [VerifyInclusion].
func VerifyInclusionFromTiles(ctx context.Context, cp *VerifiedCheckpoint, index uint64, entry []byte, tiles TileFetcherFunc) error {
	p, err := InclusionProof(ctx, cp, index, tiles)
	if err != nil {
		return err
	}
	return VerifyInclusion(cp, index, entry, p)
}

// FetchEntry reads entry index from its entry bundle (with bundles) and
// returns its bytes only once they are proven to be leaf index of the tree
// cp commits to: their RFC 6962 leaf hash, with a proof built from tiles, must
// lead to cp's root. A bundle whose entry does not is an [*InclusionError];
// a bundle that does not parse (wrong number of entries, truncated) a
// [*MalformedError]; both wrap [ErrVerification].
func FetchEntry(ctx context.Context, cp *VerifiedCheckpoint, index uint64, tiles TileFetcherFunc, bundles EntryBundleFetcherFunc) ([]byte, error) {
	if _, err := treeOf(cp); err != nil {
		return nil, err
	}
	if tiles == nil || bundles == nil {
		return nil, &PolicyError{Reason: "nil TileFetcherFunc or EntryBundleFetcherFunc"}
	}
	if index >= cp.Size {
		return nil, &PolicyError{Reason: fmt.Sprintf("entry %d is not in a tree of size %d", index, cp.Size)}
	}
	n := index / TileWidth
	var p uint8
	if left := cp.Size - n*TileWidth; left < TileWidth {
		p = uint8(left)
	}
	data, err := bundles(ctx, n, p)
	path, width := EntryBundlePath(n, p), p
	if err != nil && p != 0 && errors.Is(err, os.ErrNotExist) {
		data, err = bundles(ctx, n, 0)
		path, width = EntryBundlePath(n, 0), 0
	}
	if err != nil {
		return nil, fetchError(path, err)
	}
	entries, err := ParseEntryBundle(data, width)
	if err != nil {
		return nil, err
	}
	entry := entries[index%TileWidth]
	if err := VerifyInclusionFromTiles(ctx, cp, index, entry, tiles); err != nil {
		return nil, err
	}
	return bytes.Clone(entry), nil
}

// ConsistencyProof builds the consistency proof from older to newer (two
// verified checkpoints of one log) from newer's hash tiles, read with tiles
// and checked against newer's root, and verifies it with
// [VerifyConsistency]: a failure is that function's [*InconsistencyError],
// [*RollbackError] or [*OriginError]. It returns the verified proof (empty
// when the sizes are equal or older is empty), to keep as evidence.
func ConsistencyProof(ctx context.Context, older, newer *VerifiedCheckpoint, tiles TileFetcherFunc) ([][]byte, error) {
	if _, err := treeOf(older); err != nil {
		return nil, err
	}
	tree, err := treeOf(newer)
	if err != nil {
		return nil, err
	}
	if tiles == nil {
		return nil, &PolicyError{Reason: "nil TileFetcherFunc"}
	}
	if older.Origin != newer.Origin || older.Size == 0 || older.Size >= newer.Size {
		if err := VerifyConsistency(older, newer, nil); err != nil {
			return nil, err
		}
		return [][]byte{}, nil
	}
	r := &tileReader{ctx: ctx, fetch: tiles, cache: make(map[sumtlog.Tile][]byte)}
	p, err := sumtlog.ProveTree(tree.N, int64(older.Size), sumtlog.TileHashReader(tree, r))
	if err != nil {
		return nil, r.failure(newer, err)
	}
	proof := hashes(p)
	if err := VerifyConsistency(older, newer, proof); err != nil {
		return nil, err
	}
	return proof, nil
}

func treeOf(cp *VerifiedCheckpoint) (sumtlog.Tree, error) {
	if cp == nil || !cp.verified {
		return sumtlog.Tree{}, &PolicyError{Reason: "checkpoint was not verified by VerifyCheckpoint"}
	}
	if err := checkSize(cp); err != nil {
		// x/mod's tree arithmetic does not end above MaxTreeSize.
		return sumtlog.Tree{}, err
	}
	if len(cp.Hash) != HashSize {
		// VerifyCheckpoint never lets this through.
		return sumtlog.Tree{}, &MalformedError{What: "checkpoint", Err: fmt.Errorf("root hash of %d bytes", len(cp.Hash))}
	}
	return sumtlog.Tree{N: int64(cp.Size), Hash: sumtlog.Hash(cp.Hash)}, nil
}

func hashes[T ~[]sumtlog.Hash](p T) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = bytes.Clone(p[i][:])
	}
	return out
}

// fetchError wraps a fetcher's error in a [*FetchError] unless it is one.
func fetchError(path string, err error) error {
	if fe := (*FetchError)(nil); errors.As(err, &fe) {
		return fe
	}
	return &FetchError{Path: path, Err: err}
}

// tileReader adapts a TileFetcherFunc to x/mod's TileReader, for one call.
// It remembers its first error, so that a failure to read (could not
// check) is told apart from x/mod's verdict on what was read (rejected).
type tileReader struct {
	ctx   context.Context
	fetch TileFetcherFunc
	cache map[sumtlog.Tile][]byte
	read  []string
	err   error
}

func (r *tileReader) Height() int { return TileHeight }

func (r *tileReader) SaveTiles([]sumtlog.Tile, [][]byte) {}

func (r *tileReader) ReadTiles(tiles []sumtlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if d, ok := r.cache[t]; ok {
			out[i] = d
			continue
		}
		d, err := r.readTile(t)
		if err != nil {
			if r.err == nil {
				r.err = err
			}
			return nil, err
		}
		r.cache[t] = d
		out[i] = d
	}
	return out, nil
}

func (r *tileReader) readTile(t sumtlog.Tile) ([]byte, error) {
	if t.H != TileHeight || t.L < 0 || t.N < 0 || t.W < 1 || t.W > TileWidth {
		panic(fmt.Sprintf("tlog: x/mod asked for tile %+v", t)) // broken invariant, not input
	}
	level, index := uint64(t.L), uint64(t.N)
	var p uint8
	if t.W < TileWidth {
		p = uint8(t.W)
	}
	path, width := TilePath(level, index, p), p
	data, err := r.fetch(r.ctx, level, index, p)
	if err != nil && p != 0 && errors.Is(err, os.ErrNotExist) {
		path, width = TilePath(level, index, 0), 0
		data, err = r.fetch(r.ctx, level, index, 0)
	}
	if err != nil {
		return nil, fetchError(path, err)
	}
	r.read = append(r.read, path)
	hs, err := ParseHashTile(data, width)
	if err != nil {
		return nil, err
	}
	return bytes.Join(hs[:t.W], nil), nil
}

// failure turns an error from x/mod's proof functions into ours: the
// tileReader's own error if it failed, else a rejection of the tiles.
func (r *tileReader) failure(cp *VerifiedCheckpoint, err error) error {
	if r.err != nil {
		return r.err
	}
	return &TileError{Origin: cp.Origin, Size: cp.Size, Root: bytes.Clone(cp.Hash), Tiles: r.read, Err: err}
}
