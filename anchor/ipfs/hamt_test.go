package ipfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bitfield "github.com/ipfs/go-bitfield"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"

	dag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/boxo/ipld/unixfs/hamt"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/anchor/ipfs/kubotest"
)

// manyFiles writes a folder f under dir of n files named
// "0000-xxx…" (100 bytes), file i holding the decimal i: a folder whose
// plain block passes 256 KiB from about 1,800 entries on.
func manyFiles(t testing.TB, dir string, n int) string {
	t.Helper()
	f := filepath.Join(dir, "f")
	if err := os.Mkdir(f, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("%04d-%s", i, strings.Repeat("x", 95))
		if err := os.WriteFile(filepath.Join(f, name), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// sameCARAsKubo: our CAR of root is Kubo's `dag export` of it, byte for
// byte: the same blocks in the same depth-first order.
func sameCARAsKubo(t *testing.T, node *kubotest.Node, s *ipfs.Store, root string) {
	t.Helper()
	c, err := cid.Decode(root)
	if err != nil {
		t.Fatal(err)
	}
	var ours bytes.Buffer
	if err := ipfs.ExportCAR(context.Background(), s, c, &ours, ipfs.Limits{}); err != nil {
		t.Fatal(err)
	}
	if theirs := node.Output(t, "dag", "export", "--progress=false", root); !bytes.Equal(ours.Bytes(), theirs) {
		t.Errorf("our CAR (%d bytes) differs from ipfs dag export (%d bytes)", ours.Len(), len(theirs))
	}
}

// archiveEqualsKubo archives src into a fresh store and checks the
// archive against Kubo's add of src: the same CID and the same CAR; and
// that it verifies, counting files files, and extracts to src's tree. It
// logs how long the archive took and returns its CID.
func archiveEqualsKubo(t *testing.T, node *kubotest.Node, src string, files int) cid.Cid {
	t.Helper()
	ctx := context.Background()
	want := node.Add(t, src)
	s := newStore(t)
	start := time.Now()
	got := archive(t, s, src)
	t.Logf("archived %d files in %v: %s", files, time.Since(start).Round(time.Millisecond), got)
	if got.String() != want {
		t.Fatalf("CID %s, Kubo says %s", got, want)
	}
	sameCARAsKubo(t, node, s, want)
	st, err := ipfs.Verify(ctx, s, got, ipfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != files {
		t.Errorf("Verify counts %d files, want %d", st.Files, files)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := ipfs.Extract(ctx, s, got, out, ipfs.Limits{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, src, out)
	return got
}

// TestHAMTEqualsKubo: sharded folders have Kubo's CIDs and CARs: one of
// 5,000 entries (two levels of shards), and a sharded folder inside a
// plain one beside a file. Each archive verifies and reassembles to the
// same tree.
func TestHAMTEqualsKubo(t *testing.T) {
	node := kubotest.Start(t, kubotest.Options{})
	ctx := context.Background()

	big := manyFiles(t, t.TempDir(), 5000)
	nested := filepath.Join(t.TempDir(), "release")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	manyFiles(t, nested, 1900) // release/f, sharded
	writeBytes(t, filepath.Join(nested, "notes.txt"), []byte("release notes\n"))

	for _, tc := range []struct {
		name  string
		path  string
		files int
	}{
		{"5000", big, 5000},
		{"nested", nested, 1901},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := archiveEqualsKubo(t, node, tc.path, tc.files)

			// Kubo's gateway serves it, verified, and a path through the
			// sharded folder.
			g := &ipfs.Gateway{URL: node.GatewayURL, Timeout: time.Minute}
			if st, err := g.Fetch(ctx, got, newStore(t)); err != nil || st.Files != tc.files {
				t.Fatalf("Fetch from Kubo's gateway = %+v, %v", st, err)
			}
			p := fmt.Sprintf("%04d-%s", 1234, strings.Repeat("x", 95))
			if tc.name == "nested" {
				p = "f/" + p
			}
			c, _, err := g.FetchPath(ctx, got, p, newStore(t))
			if err != nil {
				t.Fatalf("FetchPath(%s) from Kubo's gateway: %v", p[:min(len(p), 9)], err)
			}
			if want := archive(t, newStore(t), filepath.Join(tc.path, p)); !c.Equals(want) {
				t.Errorf("FetchPath from Kubo's gateway resolved to %s, the file is %s", c, want)
			}
		})
	}
}

// TestHAMTStoreDamage: a shard damaged on disk is caught by Verify,
// Extract and ExportCAR (the store checks every block it reads).
func TestHAMTStoreDamage(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	root := archive(t, s, manyFiles(t, t.TempDir(), 1830))
	n, err := s.Get(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	var shard cid.Cid
	for _, l := range n.Links() {
		if len(l.Name) == 2 {
			shard = l.Cid
			break
		}
	}
	if !shard.Defined() {
		t.Fatal("no shard below the root")
	}
	p := filepath.Join(s.Dir(), "blocks", shard.String())
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	writeBytes(t, p, b)
	wantBlockHash(t, ctx, s, root)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if _, err := ipfs.Verify(ctx, s, root, ipfs.Limits{}); !errors.Is(err, ipfs.ErrMissingBlock) {
		t.Errorf("Verify(a shard lost) = %v, want ErrMissingBlock", err)
	}
}

// hamtEntries is the number of entries of hamtCAR's folder.
const hamtEntries = 960

// hamtCAR archives a folder of 960 entries with 250-byte names (a plain
// block of about 280,000 bytes, so a HAMT: a root shard and shards below
// it in most buckets) and returns its root, its CAR and the CAR cut into
// header and blocks.
func hamtCAR(t testing.TB) (cid.Cid, []byte, []byte, []section) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "f")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range hamtEntries {
		name := fmt.Sprintf("%04d-%s", i, strings.Repeat("y", 245))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := newStore(t)
	root := archive(t, s, dir)
	if n, err := s.Get(context.Background(), root); err != nil || len(n.Links()) > 256 {
		t.Fatalf("the folder is not a HAMT: %v", err)
	}
	car := carOf(t, s, root)
	header, secs := splitCAR(t, car)
	return root, car, header, secs
}

// hamtEdit rewrites a HAMT CAR as a dishonest archiver would: edit
// changes the nodes it is given (returning true if it did), and every
// node above a changed one is rewritten to link to the new CID with the
// right Tsize, up to a new root, so that only the edit is wrong. The CAR
// holds the new DAG's blocks depth first, as an export would.
type hamtEdit struct {
	t      testing.TB
	blocks map[cid.Cid][]byte
}

func newHAMTEdit(t testing.TB, secs []section) *hamtEdit {
	e := &hamtEdit{t: t, blocks: map[cid.Cid][]byte{}}
	for _, sc := range secs {
		c, err := cid.Cast(sc.cid)
		if err != nil {
			t.Fatal(err)
		}
		e.blocks[c] = sc.data
	}
	return e
}

// shard decodes c as a shard node and returns it with its UnixFS data.
func (e *hamtEdit) shard(c cid.Cid) (*dag.ProtoNode, *ft.FSNode) {
	if c.Type() != cid.DagProtobuf {
		return nil, nil
	}
	pn, err := dag.DecodeProtobuf(e.blocks[c])
	if err != nil {
		e.t.Fatal(err)
	}
	fsn, err := ft.FSNodeFromBytes(pn.Data())
	if err != nil || fsn.Type() != ft.THAMTShard {
		return nil, nil
	}
	return pn, fsn
}

// rewrite applies edit below c and returns c's new CID and the change of
// its Tsize.
func (e *hamtEdit) rewrite(c cid.Cid, edit func(c cid.Cid, pn *dag.ProtoNode) bool) (cid.Cid, int64) {
	pn, _ := e.shard(c)
	if pn == nil {
		return c, 0
	}
	before := int64(len(e.blocks[c]))
	for _, l := range pn.Links() {
		before += int64(l.Size)
	}
	changed := edit(c, pn)
	var links []*ipld.Link
	for _, l := range pn.Links() {
		nc, d := e.rewrite(l.Cid, edit)
		if !nc.Equals(l.Cid) {
			changed = true
		}
		links = append(links, &ipld.Link{Name: l.Name, Cid: nc, Size: uint64(int64(l.Size) + d)})
	}
	if !changed {
		return c, 0
	}
	out := dag.NodeWithData(pn.Data())
	if err := out.SetLinks(links); err != nil {
		e.t.Fatal(err)
	}
	out.SetCidBuilder(cid.V1Builder{Codec: cid.DagProtobuf, MhType: 0x12})
	e.blocks[out.Cid()] = out.RawData()
	after := int64(len(out.RawData()))
	for _, l := range links {
		after += int64(l.Size)
	}
	return out.Cid(), after - before
}

// car returns the CAR of the DAG of root, blocks depth first.
func (e *hamtEdit) car(root cid.Cid, header []byte, oldRoot cid.Cid) []byte {
	seen := map[cid.Cid]bool{}
	var secs []section
	var walk func(c cid.Cid)
	walk = func(c cid.Cid) {
		if seen[c] {
			return
		}
		seen[c] = true
		data, ok := e.blocks[c]
		if !ok {
			return
		}
		secs = append(secs, section{cid: c.Bytes(), data: data})
		if c.Type() == cid.DagProtobuf {
			pn, err := dag.DecodeProtobuf(data)
			if err != nil {
				e.t.Fatal(err)
			}
			for _, l := range pn.Links() {
				walk(l.Cid)
			}
		}
	}
	walk(root)
	return joinCAR(bytes.Replace(header, oldRoot.Bytes(), root.Bytes(), 1), secs)
}

// shardData is the UnixFS data of a shard with links in buckets, fanout
// and hash function as given.
func shardData(t testing.TB, links []*ipld.Link, fanout, hash uint64) []byte {
	t.Helper()
	bf, err := bitfield.NewBitfield(256)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		var i int
		if _, err := fmt.Sscanf(l.Name[:2], "%02X", &i); err != nil {
			t.Fatal(err)
		}
		bf.SetBit(i)
	}
	d, err := ft.HAMTShardData(bf.Bytes(), fanout, hash)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// freeBucket returns a bucket of pn that holds nothing.
func freeBucket(pn *dag.ProtoNode) string {
	used := map[string]bool{}
	for _, l := range pn.Links() {
		used[l.Name[:2]] = true
	}
	for i := range 256 {
		if p := fmt.Sprintf("%02X", i); !used[p] {
			return p
		}
	}
	return ""
}

// TestHAMTTamper: a sharded folder is read strictly: every way a CAR can
// lie about one is refused with its sentinel, and the honest CAR, and an
// honest rewrite of it, pass.
func TestHAMTTamper(t *testing.T) {
	ctx := context.Background()
	root, good, header, secs := hamtCAR(t)

	// The shards below the root, and two of them holding three entries
	// or more.
	e0 := newHAMTEdit(t, secs)
	var subs []cid.Cid
	rootPN, _ := e0.shard(root)
	for _, l := range rootPN.Links() {
		if pn, _ := e0.shard(l.Cid); pn != nil && len(l.Name) == 2 && len(pn.Links()) >= 3 {
			values := 0
			for _, sl := range pn.Links() {
				if len(sl.Name) > 2 {
					values++
				}
			}
			if values >= 3 {
				subs = append(subs, l.Cid)
			}
		}
	}
	if len(subs) < 2 {
		t.Fatalf("the HAMT has %d shards of 3 entries or more below its root, want 2", len(subs))
	}
	a, b := subs[0], subs[1]
	index := func(c cid.Cid) int {
		for i, sc := range secs {
			if bytes.Equal(sc.cid, c.Bytes()) {
				return i
			}
		}
		t.Fatalf("%s is not in the CAR", c)
		return -1
	}
	// edited returns the CAR of the HAMT with edit applied to shard at.
	edited := func(at cid.Cid, edit func(pn *dag.ProtoNode)) (cid.Cid, []byte) {
		e := newHAMTEdit(t, secs)
		nr, _ := e.rewrite(root, func(c cid.Cid, pn *dag.ProtoNode) bool {
			if !c.Equals(at) {
				return false
			}
			edit(pn)
			return true
		})
		return nr, e.car(nr, header, root)
	}
	firstValue := func(pn *dag.ProtoNode) *ipld.Link {
		for _, l := range pn.Links() {
			if len(l.Name) > 2 {
				return l
			}
		}
		t.Fatal("no entry in the shard")
		return nil
	}
	setLinks := func(pn *dag.ProtoNode, links []*ipld.Link) {
		if err := pn.SetLinks(links); err != nil {
			t.Fatal(err)
		}
		pn.SetData(shardData(t, links, 256, 0x22))
	}
	otherS := newStore(t)
	other := carOf(t, otherS, archive(t, otherS, writeFile(t, t.TempDir(), "o", 4, 10)))
	_, otherSecs := splitCAR(t, other)

	type row struct {
		name string
		root cid.Cid
		car  []byte
		want error
		not  error // a sentinel the error must not wrap
		gw   bool  // also served by a gateway
	}
	var rows []row
	add := func(name string, want, not error, r cid.Cid, car []byte) {
		gw := len(rows) < 3 || want == ipfs.ErrShard && len(rows) < 6
		rows = append(rows, row{name, r, car, want, not, gw})
	}
	addEdit := func(name string, want, not error, at cid.Cid, edit func(pn *dag.ProtoNode)) {
		r, car := edited(at, edit)
		add(name, want, not, r, car)
	}
	add("honest", nil, nil, root, good)
	{
		// Rewritten with the same links and data: the same CAR, so the
		// rewriting itself changes nothing.
		r, car := edited(a, func(pn *dag.ProtoNode) {})
		if !r.Equals(root) || !bytes.Equal(car, good) {
			t.Fatalf("an empty edit changed the CAR")
		}
		add("honest rewrite", nil, nil, r, car)
	}
	{
		c := append([]section(nil), secs...)
		i := index(a)
		d := append([]byte(nil), c[i].data...)
		d[len(d)/2] ^= 1
		c[i].data = d
		add("shard block flipped", ipfs.ErrBlockHash, nil, root, joinCAR(header, c))
	}
	{
		c := append([]section(nil), secs...)
		i := index(a)
		add("shard block missing", ipfs.ErrMissingBlock, nil, root, joinCAR(header, append(c[:i:i], c[i+1:]...)))
	}
	add("extra block", ipfs.ErrExtraBlock, nil, root, joinCAR(header, append(append([]section(nil), secs...), otherSecs[0])))
	addEdit("entry moved to another bucket", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) {
		v := firstValue(pn)
		free := freeBucket(pn)
		var links []*ipld.Link
		for _, l := range pn.Links() {
			if l != v {
				links = append(links, l)
			}
		}
		links = append(links, &ipld.Link{Name: free + v.Name[2:], Cid: v.Cid, Size: v.Size})
		setLinks(pn, links)
	})
	{
		// An entry of shard a named again in a free bucket of shard b.
		pa, _ := e0.shard(a)
		v := firstValue(pa)
		r, car := edited(b, func(pn *dag.ProtoNode) {
			setLinks(pn, append(pn.Links(), &ipld.Link{Name: freeBucket(pn) + v.Name[2:], Cid: v.Cid, Size: v.Size}))
		})
		add("duplicate name in two shards", ipfs.ErrMalformed, ipfs.ErrShard, r, car)
	}
	addEdit("entry named ../x", ipfs.ErrMalformed, ipfs.ErrShard, a, func(pn *dag.ProtoNode) {
		v := firstValue(pn)
		var links []*ipld.Link
		for _, l := range pn.Links() {
			if l == v {
				l = &ipld.Link{Name: v.Name[:2] + "../x", Cid: v.Cid, Size: v.Size}
			}
			links = append(links, l)
		}
		if err := pn.SetLinks(links); err != nil {
			t.Fatal(err)
		}
	})
	addEdit("wrong fanout", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) { pn.SetData(shardData(t, pn.Links(), 512, 0x22)) })
	addEdit("root shard of another fanout", ipfs.ErrShard, nil, root, func(pn *dag.ProtoNode) { pn.SetData(shardData(t, pn.Links(), 128, 0x22)) })
	addEdit("bad hash type", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) { pn.SetData(shardData(t, pn.Links(), 256, 0x23)) })
	addEdit("bitfield lies", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) {
		extra := append(pn.Links(), &ipld.Link{Name: freeBucket(pn)})
		pn.SetData(shardData(t, extra, 256, 0x22))
	})
	addEdit("lower-case bucket", ipfs.ErrShard, nil, root, func(pn *dag.ProtoNode) {
		var links []*ipld.Link
		for _, l := range pn.Links() {
			if strings.ContainsAny(l.Name[:2], "ABCDEF") && len(links) < 256 {
				l = &ipld.Link{Name: strings.ToLower(l.Name[:2]) + l.Name[2:], Cid: l.Cid, Size: l.Size}
			}
			links = append(links, l)
		}
		if err := pn.SetLinks(links); err != nil {
			t.Fatal(err)
		}
	})
	addEdit("shard with a single entry", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) { setLinks(pn, []*ipld.Link{firstValue(pn)}) })
	addEdit("shard link size lies", ipfs.ErrSize, nil, a, func(pn *dag.ProtoNode) {
		v := firstValue(pn)
		var links []*ipld.Link
		for _, l := range pn.Links() {
			if l == v {
				l = &ipld.Link{Name: v.Name, Cid: v.Cid, Size: v.Size + 1}
			}
			links = append(links, l)
		}
		if err := pn.SetLinks(links); err != nil {
			t.Fatal(err)
		}
	})
	addEdit("a bucket named twice", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) {
		// A shard link in the bucket of one of the shard's entries.
		setLinks(pn, append(pn.Links(), &ipld.Link{Name: firstValue(pn).Name[:2], Cid: b, Size: 1}))
	})
	addEdit("link name without a bucket", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) {
		v := firstValue(pn)
		if err := pn.SetLinks(append(pn.Links(), &ipld.Link{Name: "A", Cid: v.Cid, Size: v.Size})); err != nil {
			t.Fatal(err)
		}
	})
	addEdit("shard link to a raw block", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) {
		v := firstValue(pn)
		if v.Cid.Type() != cid.Raw {
			t.Fatalf("entry %q is a %v block, want a raw leaf", v.Name, v.Cid.Type())
		}
		setLinks(pn, append(pn.Links(), &ipld.Link{Name: freeBucket(pn), Cid: v.Cid, Size: v.Size}))
	})
	addEdit("empty shard", ipfs.ErrShard, nil, a, func(pn *dag.ProtoNode) { setLinks(pn, nil) })

	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			_, err := ipfs.ImportCAR(ctx, bytes.NewReader(row.car), row.root, newStore(t), ipfs.Limits{})
			if row.want == nil {
				if err != nil {
					t.Fatalf("ImportCAR = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, row.want) || !errors.Is(err, ipfs.ErrRejected) {
				t.Fatalf("ImportCAR = %v, want %v (rejected)", err, row.want)
			}
			if errors.Is(err, ipfs.ErrBadInput) || errors.Is(err, ipfs.ErrCouldNotCheck) {
				t.Fatalf("ImportCAR = %v: a rejection that also says bad input or could not check", err)
			}
			if row.not != nil && errors.Is(err, row.not) {
				t.Fatalf("ImportCAR = %v, want %v but not %v", err, row.want, row.not)
			}
			if !row.gw {
				return
			}
			// The same CAR from a gateway is rejected the same way.
			g := &ipfs.Gateway{URL: carServer(t, row.car), Timeout: 30 * time.Second}
			if _, err := g.Fetch(ctx, row.root, newStore(t)); !errors.Is(err, row.want) {
				t.Errorf("Fetch = %v, want %v", err, row.want)
			}
		})
	}
}

// TestHAMTLimits: the limits count across shards: entries of every shard
// count against MaxEntries, and their blocks against MaxBlocks.
func TestHAMTLimits(t *testing.T) {
	ctx := context.Background()
	root, car, _, _ := hamtCAR(t)
	if _, err := ipfs.ImportCAR(ctx, bytes.NewReader(car), root, newStore(t), ipfs.Limits{MaxEntries: hamtEntries}); !errors.Is(err, ipfs.ErrTooLarge) {
		t.Errorf("ImportCAR(%d entries and the folder, MaxEntries %d) = %v, want ErrTooLarge", hamtEntries, hamtEntries, err)
	}
	if _, err := ipfs.ImportCAR(ctx, bytes.NewReader(car), root, newStore(t), ipfs.Limits{MaxBlocks: hamtEntries}); !errors.Is(err, ipfs.ErrTooLarge) {
		t.Errorf("ImportCAR(MaxBlocks %d) = %v, want ErrTooLarge", hamtEntries, err)
	}
	st, err := ipfs.ImportCAR(ctx, bytes.NewReader(car), root, newStore(t), ipfs.Limits{MaxEntries: hamtEntries + 1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != hamtEntries || st.Dirs != 1 || st.Blocks <= hamtEntries+1 {
		t.Errorf("stat %+v, want %d files in 1 folder, and shards", st, hamtEntries)
	}
}

// TestHAMTFromBoxoGateway: a sharded folder inside a plain one, served by
// boxo's gateway handler, is fetched whole and verified, and a path
// through it is resolved through its shards (only those on the way are
// sent) to the file named; a name the sharded folder lacks is proved
// absent by the shards on its hash's way.
func TestHAMTFromBoxoGateway(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "release")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	manyFiles(t, src, 1830)
	writeBytes(t, filepath.Join(src, "notes.txt"), []byte("release notes\n"))
	s := newStore(t)
	root := archive(t, s, src)
	g := &ipfs.Gateway{URL: boxoGateway(t, s, root), Timeout: time.Minute}

	s2 := newStore(t)
	st, err := g.Fetch(ctx, root, s2)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if st.Files != 1831 || st.Dirs != 2 {
		t.Errorf("stat %+v, want 1,831 files in 2 folders", st)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := ipfs.Extract(ctx, s2, root, out, ipfs.Limits{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, src, out)

	name := fmt.Sprintf("%04d-%s", 1234, strings.Repeat("x", 95))
	s3 := newStore(t)
	c, st, err := g.FetchPath(ctx, root, "f/"+name, s3)
	if err != nil {
		t.Fatalf("FetchPath(f/%s): %v", name[:8], err)
	}
	if st.Files != 1 || st.Size != 4 {
		t.Errorf("stat %+v, want one file of 4 bytes", st)
	}
	out = filepath.Join(t.TempDir(), "one")
	if _, err := ipfs.Extract(ctx, s3, c, out, ipfs.Limits{}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "1234" {
		t.Errorf("the file fetched by path holds %q, %v", b, err)
	}
	if _, _, err := g.FetchPath(ctx, root, "f/nothing-here", newStore(t)); !errors.Is(err, ipfs.ErrNoEntry) {
		t.Errorf("FetchPath(a name the sharded folder lacks) = %v, want ErrNoEntry", err)
	}

	// A gateway that answers the path with the shards on the way and
	// another file's block than the one the shards name.
	resp, err := http.Get(g.URL + "/ipfs/" + root.String() + "/f/" + name + "?format=car&dag-scope=all&dups=n")
	if err != nil {
		t.Fatal(err)
	}
	honest, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("boxo's gateway: %v, %v", resp.Status, err)
	}
	header, secs := splitCAR(t, honest)
	if last := secs[len(secs)-1]; string(last.data) != "1234" {
		t.Fatalf("boxo's CAR ends with %q, not the file", last.data)
	}
	secs[len(secs)-1] = section{cid: cid.NewCidV1(cid.Raw, mustSum(t, []byte("1235"))).Bytes(), data: []byte("1235")}
	lying := &ipfs.Gateway{URL: carServer(t, joinCAR(header, secs)), Timeout: time.Minute}
	if _, _, err := lying.FetchPath(ctx, root, "f/"+name, newStore(t)); !errors.Is(err, ipfs.ErrPath) {
		t.Errorf("FetchPath answered with another file = %v, want ErrPath", err)
	}
}

func mustSum(t testing.TB, b []byte) mh.Multihash {
	t.Helper()
	h, err := mh.Sum(b, mh.SHA2_256, -1)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// smallHAMT writes, with boxo's HAMT code as the archiver uses it, a
// sharded folder of 40 small files (a few buckets collide, so there are
// shards below the root) and returns its root and the name → CID of
// each entry. A folder this small is plain under the profile; it is a
// real HAMT small enough to fuzz.
func smallHAMT(t testing.TB, s *ipfs.Store) (cid.Cid, map[string]cid.Cid) {
	t.Helper()
	ctx := context.Background()
	sh, err := hamt.NewShard(s, 256)
	if err != nil {
		t.Fatal(err)
	}
	sh.SetCidBuilder(cid.V1Builder{Codec: cid.DagProtobuf, MhType: mh.SHA2_256})
	entries := map[string]cid.Cid{}
	for i := range 40 {
		leaf, err := dag.NewRawNodeWPrefix([]byte(fmt.Sprint("entry ", i)), cid.V1Builder{Codec: cid.Raw, MhType: mh.SHA2_256})
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprint("e", i)
		if err := sh.Set(ctx, name, leaf); err != nil {
			t.Fatal(err)
		}
		entries[name] = leaf.Cid()
	}
	n, err := sh.Node()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(ctx, n); err != nil {
		t.Fatal(err)
	}
	return n.Cid(), entries
}

// TestSmallHAMT: the fuzzer's seed is a HAMT with shards below its root,
// and it verifies.
func TestSmallHAMT(t *testing.T) {
	s := newStore(t)
	root, entries := smallHAMT(t, s)
	st, err := ipfs.ImportCAR(context.Background(), bytes.NewReader(carOf(t, s, root)), root, newStore(t), ipfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != len(entries) || st.Blocks <= len(entries)+1 {
		t.Errorf("stat %+v: want %d files and shards below the root", st, len(entries))
	}
	g := &ipfs.Gateway{URL: boxoGateway(t, s, root), Timeout: time.Minute}
	for name, want := range entries {
		if c, _, err := g.FetchPath(context.Background(), root, name, newStore(t)); err != nil || !c.Equals(want) {
			t.Fatalf("FetchPath(%s) = %s, %v; want %s", name, c, err, want)
		}
	}
}

// FuzzImportHAMTCAR: run it with -fuzzminimizetime 2s. A CAR of
// arbitrary bytes, read as a sharded folder or as the answer for a path
// through one, never panics and never runs past the limits; it is either
// refused with one of the sentinels or, if accepted, a DAG that verifies
// again from the store, and a path resolves only to the entry the folder
// has under that name.
func FuzzImportHAMTCAR(f *testing.F) {
	s := newStore(f)
	root, entries := smallHAMT(f, s)
	car := carOf(f, s, root)
	f.Add(car, "")
	f.Add(car, "e7")
	// Answers for a path, as boxo's gateway gives them: the shards on
	// the way and the entry.
	url := boxoGateway(f, s, root)
	for _, p := range []string{"e7", "e39", "nothing"} {
		resp, err := http.Get(url + "/ipfs/" + root.String() + "/" + p + "?format=car&dag-scope=all&dups=n")
		if err != nil {
			f.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, p)
	}
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		s := newStore(t)
		lim := ipfs.Limits{MaxBlocks: 128, MaxTotalSize: 1 << 20, MaxEntries: 64, MaxDepth: 8}
		var (
			c   cid.Cid
			err error
		)
		if path == "" {
			var st *ipfs.Stat
			if st, err = ipfs.ImportCAR(context.Background(), bytes.NewReader(data), root, s, lim); err == nil {
				c = st.Root
			}
		} else {
			c, _, err = ipfs.ImportCARPath(context.Background(), bytes.NewReader(data), root, path, s, lim)
		}
		if err != nil {
			requireSentinel(t, err)
			return
		}
		if _, err := ipfs.Verify(context.Background(), s, c, lim); err != nil {
			t.Fatalf("accepted a CAR whose DAG does not verify: %v", err)
		}
		if path == "" {
			if !c.Equals(root) {
				t.Fatalf("accepted root %s, asked for %s", c, root)
			}
			return
		}
		if want, ok := entries[strings.Trim(path, "/")]; !ok || !c.Equals(want) {
			t.Fatalf("path %q resolved to %s, the folder has %s (%v) there", path, c, want, ok)
		}
	})
}
