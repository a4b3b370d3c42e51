package monitor_test

// Test logs, copied from package tlog's tests: an in-memory tree signed by
// the logs' own signers, and its tiles built from RFC 6962 hashes.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	rekornote "github.com/sigstore/rekor-tiles/v2/pkg/note"
	"github.com/sigstore/sigstore/pkg/signature"
	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/ats-run/selfattest/verify/tlog"
)

// testLog is an in-memory RFC 6962 tree with a checkpoint signer made by the
// logs' own code: x/mod's note signer for Ed25519 (as tessera and Rekor v2
// sign), rekor-tiles' pkg/note signer for ECDSA.
type testLog struct {
	origin string
	tree   *testonly.Tree
	signer note.Signer
	key    *tlog.LogKey
}

func newEd25519Log(t testing.TB, origin string) *testLog {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadED25519SignerVerifier(priv)
	if err != nil {
		t.Fatal(err)
	}
	return newLog(t, origin, sv, pub)
}

func newLog(t testing.TB, origin string, sv signature.Signer, pub crypto.PublicKey) *testLog {
	t.Helper()
	s, err := rekornote.NewNoteSigner(context.Background(), origin, sv)
	if err != nil {
		t.Fatal(err)
	}
	k, err := tlog.NewLogKey(origin, pub)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyHash() != s.KeyHash() {
		t.Fatalf("our key hash %08x, rekor-tiles' %08x", k.KeyHash(), s.KeyHash())
	}
	return &testLog{origin: origin, tree: testonly.New(rfc6962.DefaultHasher), signer: s, key: k}
}

func entry(i int) []byte { return []byte(fmt.Sprintf("entry %d", i)) }

func (l *testLog) grow(n int) {
	for i := int(l.tree.Size()); i < n; i++ {
		l.tree.AppendData(entry(i))
	}
}

// body returns the checkpoint body at size n.
func (l *testLog) body(t testing.TB, n uint64) []byte {
	t.Helper()
	b, err := tlog.FormatCheckpoint(&tlog.Checkpoint{Origin: l.origin, Size: n, Hash: l.tree.HashAt(n)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign signs text with the log's key and any further signers (witnesses).
func (l *testLog) sign(t testing.TB, text []byte, others ...note.Signer) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: string(text)}, append([]note.Signer{l.signer}, others...)...)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func (l *testLog) checkpoint(t testing.TB, n uint64, witnesses ...note.Signer) *tlog.VerifiedCheckpoint {
	t.Helper()
	cp, err := tlog.VerifyCheckpoint(l.sign(t, l.body(t, n), witnesses...), l.origin, l.key)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// testWitness signs cosignature/v1 lines with transparency-dev/formats'
// own cosigner, so the format is theirs, not ours.
type testWitness struct {
	signer note.Signer
	key    *tlog.WitnessKey
}

func newWitness(t testing.TB, name string) *testWitness {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := tlog.ParseWitnessKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return &testWitness{signer: s, key: k}
}

func newTree() *testonly.Tree { return testonly.New(rfc6962.DefaultHasher) }

func bundleOf(entries ...[]byte) []byte {
	var b []byte
	for _, e := range entries {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
		b = append(b, e...)
	}
	return b
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
