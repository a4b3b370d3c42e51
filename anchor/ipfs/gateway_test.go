package ipfs_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	ipld "github.com/ipfs/go-ipld-format"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/gateway"
	dag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"

	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/internal/clitest"
)

// section is one block of a CAR: its CID's bytes and its data.
type section struct{ cid, data []byte }

// carOf exports the DAG of root in s as a CAR version 1.
func carOf(t testing.TB, s *ipfs.Store, root cid.Cid) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ipfs.ExportCAR(context.Background(), s, root, &b, ipfs.Limits{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// splitCAR cuts a CAR version 1 into its header section and its blocks,
// by the format (varint length, then CID and data), without go-car.
func splitCAR(t testing.TB, car []byte) ([]byte, []section) {
	t.Helper()
	n, k := binary.Uvarint(car)
	header := car[:k+int(n)]
	car = car[k+int(n):]
	var out []section
	for len(car) > 0 {
		n, k := binary.Uvarint(car)
		body := car[k : k+int(n)]
		cl, c, err := cid.CidFromBytes(body)
		if err != nil {
			t.Fatal(err)
		}
		_ = c
		out = append(out, section{cid: body[:cl], data: body[cl:]})
		car = car[k+int(n):]
	}
	return header, out
}

func joinCAR(header []byte, secs []section) []byte {
	out := append([]byte(nil), header...)
	for _, s := range secs {
		out = binary.AppendUvarint(out, uint64(len(s.cid)+len(s.data)))
		out = append(out, s.cid...)
		out = append(out, s.data...)
	}
	return out
}

// headerOf encodes a CAR version 1 header naming roots, by the format
// (a varint length, then the dag-cbor map {"roots": [...], "version":
// 1}), without go-car: a header go-car would not write.
func headerOf(roots ...cid.Cid) []byte {
	h := append([]byte{0xa2, 0x65}, "roots"...)
	h = append(h, 0x80|byte(len(roots)))
	for _, r := range roots {
		b := append([]byte{0}, r.Bytes()...) // the CID as a dag-cbor link: tag 42, a zero byte, the CID
		h = append(h, 0xd8, 0x2a, 0x58, byte(len(b)))
		h = append(h, b...)
	}
	h = append(h, 0x67)
	h = append(h, "version"...)
	h = append(h, 0x01)
	return append(binary.AppendUvarint(nil, uint64(len(h))), h...)
}

// carServer serves body for every request, as a trustless gateway would.
func carServer(t testing.TB, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.ipld.car; version=1; order=dfs; dups=n")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// boxoGateway serves the blocks of the DAG of root in s with boxo's
// gateway handler (the code Kubo and Rainbow serve), trustless only.
func boxoGateway(t testing.TB, s *ipfs.Store, roots ...cid.Cid) string {
	t.Helper()
	bs := blockstore.NewBlockstore(dssync.MutexWrap(ds.NewMapDatastore()))
	for _, root := range roots {
		br, err := carv2.NewBlockReader(bytes.NewReader(carOf(t, s, root)))
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, err := br.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := bs.Put(context.Background(), b); err != nil {
				t.Fatal(err)
			}
		}
	}
	backend, err := gateway.NewBlocksBackend(blockservice.New(bs, nil))
	if err != nil {
		t.Fatal(err)
	}
	h := gateway.NewHandler(gateway.Config{MetricsRegistry: prometheus.NewRegistry()}, backend)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestFetchFromBoxoGateway(t *testing.T) {
	ctx := context.Background()
	src := evidenceDir(t)
	s := newStore(t)
	root := archive(t, s, src)
	url := boxoGateway(t, s, root)
	g := &ipfs.Gateway{URL: url, Timeout: time.Minute}

	s2 := newStore(t)
	if _, err := g.Fetch(ctx, root, s2); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := ipfs.Extract(ctx, s2, root, out, ipfs.Limits{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, src, out)

	for _, p := range []string{"report.json", "artifacts/app.tar", "artifacts"} {
		s3 := newStore(t)
		c, _, err := g.FetchPath(ctx, root, p, s3)
		if err != nil {
			t.Fatalf("FetchPath(%s): %v", p, err)
		}
		out := filepath.Join(t.TempDir(), "out")
		if _, err := ipfs.Extract(ctx, s3, c, out, ipfs.Limits{}); err != nil {
			t.Fatal(err)
		}
		sameTree(t, filepath.Join(src, p), out)
	}
	// boxo's gateway proves the name absent with the folder's block.
	if _, _, err := g.FetchPath(ctx, root, "nothing-here", newStore(t)); !errors.Is(err, ipfs.ErrNoEntry) {
		t.Errorf("FetchPath(a name the folder lacks) = %v, want ErrNoEntry", err)
	}
}

// fileNode makes a dag-pb UnixFS file node over leaves, with the sizes
// given (true ones unless a test lies).
func fileNode(t testing.TB, filesize uint64, blocksizes []uint64, links []*ipld.Link) *dag.ProtoNode {
	t.Helper()
	fsn := ft.NewFSNode(ft.TFile)
	for _, b := range blocksizes {
		fsn.AddBlockSize(b)
	}
	fsn.UpdateFilesize(int64(filesize) - int64(fsn.FileSize()))
	data, err := fsn.GetBytes()
	if err != nil {
		t.Fatal(err)
	}
	n := dag.NodeWithData(data)
	for _, l := range links {
		if err := n.AddRawLink("", l); err != nil {
			t.Fatal(err)
		}
	}
	n.SetCidBuilder(cid.V1Builder{Codec: cid.DagProtobuf, MhType: 0x12})
	return n
}

func dirNode(t testing.TB, links map[string]*ipld.Link) *dag.ProtoNode {
	t.Helper()
	n := ft.EmptyDirNode()
	for name, l := range links {
		if err := n.AddRawLink(name, l); err != nil {
			t.Fatal(err)
		}
	}
	n.SetCidBuilder(cid.V1Builder{Codec: cid.DagProtobuf, MhType: 0x12})
	return n
}

// carWith writes a CAR of root holding nodes, as they are.
func carWith(t testing.TB, root cid.Cid, nodes ...ipld.Node) []byte {
	t.Helper()
	s := newStore(t)
	// The header of a real CAR of root: export a one-block DAG with root
	// as its CID is not possible for a forged root, so build it from the
	// header of any CAR and swap the root's bytes (same length).
	other := archive(t, s, writeFile(t, t.TempDir(), "x", 5, 2<<20)) // a dag-pb root
	header, _ := splitCAR(t, carOf(t, s, other))
	header = bytes.Replace(header, other.Bytes(), root.Bytes(), 1)
	var secs []section
	for _, n := range nodes {
		secs = append(secs, section{cid: n.Cid().Bytes(), data: n.RawData()})
	}
	return joinCAR(header, secs)
}

// TestFetchTamperTable: every way a gateway can lie about content is
// rejected with its sentinel, and every way it can fail to answer is
// "could not check", never a rejection and never a pass.
func TestFetchTamperTable(t *testing.T) {
	ctx := context.Background()
	src := evidenceDir(t)
	s := newStore(t)
	root := archive(t, s, src)
	good := carOf(t, s, root)
	header, secs := splitCAR(t, good)
	appTar, err := os.ReadFile(filepath.Join(src, "artifacts", "app.tar"))
	if err != nil {
		t.Fatal(err)
	}
	// The index of the first 1 MiB leaf of app.tar, and of a small file.
	leaf, small := -1, -1
	for i, sc := range secs {
		if len(sc.data) == 1<<20 && bytes.Equal(sc.data, appTar[:1<<20]) {
			leaf = i
		}
		if string(sc.data) == `{"verdict":"verified"}`+"\n" {
			small = i
		}
	}
	if leaf < 0 || small < 0 {
		t.Fatal("the CAR does not hold the blocks the test expects")
	}
	if !bytes.Equal(headerOf(root), header) {
		t.Fatal("headerOf(root) is not the header ExportCAR writes")
	}
	with := func(f func([]section) []section) []byte {
		c := append([]section(nil), secs...)
		return joinCAR(header, f(c))
	}

	// Another archive, for a CAR of another root and extra blocks.
	s2 := newStore(t)
	otherRoot := archive(t, s2, writeFile(t, t.TempDir(), "other", 8, 100))
	otherCAR := carOf(t, s2, otherRoot)
	_, otherSecs := splitCAR(t, otherCAR)

	// A file whose size lies, and one whose link size lies: well-formed
	// blocks under a root of their own, as a dishonest archiver makes.
	l1 := dag.NewRawNodeWPrefix
	leafA, _ := l1([]byte("hello, "), cid.V1Builder{Codec: cid.Raw, MhType: 0x12})
	leafB, _ := l1([]byte("world"), cid.V1Builder{Codec: cid.Raw, MhType: 0x12})
	link := func(n ipld.Node, size uint64) *ipld.Link { return &ipld.Link{Cid: n.Cid(), Size: size} }
	lyingFile := fileNode(t, 13, []uint64{7, 5}, []*ipld.Link{link(leafA, 7), link(leafB, 5)})
	lyingBlock := fileNode(t, 12, []uint64{7, 6}, []*ipld.Link{link(leafA, 7), link(leafB, 5)})
	lyingTsize := fileNode(t, 12, []uint64{7, 5}, []*ipld.Link{link(leafA, 7), link(leafB, 50)})
	honest := fileNode(t, 12, []uint64{7, 5}, []*ipld.Link{link(leafA, 7), link(leafB, 5)})
	escape := dirNode(t, map[string]*ipld.Link{"../escape": link(leafA, 7)})

	rows := []struct {
		name string
		root cid.Cid
		car  []byte
		want error
	}{
		{"honest", root, good, nil},
		{"honest hand-made file", honest.Cid(), carWith(t, honest.Cid(), honest, leafA, leafB), nil},
		{"flipped block", root, with(func(c []section) []section {
			d := append([]byte(nil), c[leaf].data...)
			d[12345] ^= 1
			c[leaf].data = d
			return c
		}), ipfs.ErrBlockHash},
		{"block for another CID", root, with(func(c []section) []section {
			c[leaf].data = otherSecs[0].data
			return c
		}), ipfs.ErrBlockHash},
		{"missing block", root, with(func(c []section) []section { return append(c[:small], c[small+1:]...) }), ipfs.ErrMissingBlock},
		{"extra block", root, with(func(c []section) []section { return append(c, otherSecs[0]) }), ipfs.ErrExtraBlock},
		{"another root in the header", root, otherCAR, ipfs.ErrWrongRoot},
		{"two roots in the header", root, joinCAR(headerOf(root, otherRoot), secs), ipfs.ErrWrongRoot},
		{"the right header, another DAG", root, joinCAR(header, otherSecs), ipfs.ErrMissingBlock},
		{"no blocks", root, header, ipfs.ErrMissingBlock},
		{"file size lies", lyingFile.Cid(), carWith(t, lyingFile.Cid(), lyingFile, leafA, leafB), ipfs.ErrSize},
		{"block size lies", lyingBlock.Cid(), carWith(t, lyingBlock.Cid(), lyingBlock, leafA, leafB), ipfs.ErrSize},
		{"link size lies", lyingTsize.Cid(), carWith(t, lyingTsize.Cid(), lyingTsize, leafA, leafB), ipfs.ErrSize},
		{"folder entry escapes", escape.Cid(), carWith(t, escape.Cid(), escape, leafA), ipfs.ErrMalformed},
		{"not a CAR", root, []byte("<html>hello</html>"), ipfs.ErrMalformed},
		{"truncated", root, good[:len(good)-100], ipfs.ErrMalformed},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			g := &ipfs.Gateway{URL: carServer(t, row.car), Timeout: 30 * time.Second}
			_, err := g.Fetch(ctx, row.root, newStore(t))
			if row.want == nil {
				if err != nil {
					t.Fatalf("Fetch = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, row.want) || !errors.Is(err, ipfs.ErrRejected) {
				t.Fatalf("Fetch = %v, want %v (rejected)", err, row.want)
			}
			// The same CAR read from a file is rejected the same way.
			if _, err := ipfs.ImportCAR(ctx, bytes.NewReader(row.car), row.root, newStore(t), ipfs.Limits{}); !errors.Is(err, row.want) {
				t.Errorf("ImportCAR = %v, want %v", err, row.want)
			}
		})
	}

	// A directory entry naming another file: asked for report.json, the
	// gateway answers with the folder and the blocks of bundle.json.
	t.Run("entry names another file", func(t *testing.T) {
		var bundle int = -1
		for i, sc := range secs {
			if strings.HasPrefix(string(sc.data), `{"mediaType"`) {
				bundle = i
			}
		}
		car := joinCAR(header, []section{secs[0], secs[bundle]})
		g := &ipfs.Gateway{URL: carServer(t, car)}
		if _, _, err := g.FetchPath(ctx, root, "report.json", newStore(t)); !errors.Is(err, ipfs.ErrPath) {
			t.Fatalf("FetchPath = %v, want ErrPath", err)
		}
		// The same, with the CAR's root the other file, as boxo names it.
		h2 := bytes.Replace(header, root.Bytes(), secs[bundle].cid, 1)
		g = &ipfs.Gateway{URL: carServer(t, joinCAR(h2, []section{secs[0], secs[bundle]}))}
		if _, _, err := g.FetchPath(ctx, root, "report.json", newStore(t)); !errors.Is(err, ipfs.ErrPath) {
			t.Fatalf("FetchPath(CAR rooted at the other file) = %v, want ErrPath", err)
		}
		// The honest answer passes.
		car = joinCAR(header, []section{secs[0], secs[small]})
		g = &ipfs.Gateway{URL: carServer(t, car)}
		if _, _, err := g.FetchPath(ctx, root, "report.json", newStore(t)); err != nil {
			t.Fatalf("FetchPath(honest) = %v", err)
		}
	})

	t.Run("gateway down", func(t *testing.T) {
		g := &ipfs.Gateway{URL: clitest.DeadURL(t)}
		if _, err := g.Fetch(ctx, root, newStore(t)); !errors.Is(err, ipfs.ErrCouldNotCheck) || errors.Is(err, ipfs.ErrRejected) {
			t.Fatalf("Fetch = %v, want ErrCouldNotCheck only", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		block := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.ipld.car; version=1")
			w.Write(good[:len(good)/2])
			w.(http.Flusher).Flush()
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(block)
		g := &ipfs.Gateway{URL: srv.URL, Timeout: 300 * time.Millisecond}
		start := time.Now()
		if _, err := g.Fetch(ctx, root, newStore(t)); !errors.Is(err, ipfs.ErrCouldNotCheck) || errors.Is(err, ipfs.ErrRejected) {
			t.Fatalf("Fetch = %v, want ErrCouldNotCheck only", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v with a 300 ms deadline", d)
		}
	})
	t.Run("HTTP error", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		defer srv.Close()
		g := &ipfs.Gateway{URL: srv.URL}
		if _, err := g.Fetch(ctx, root, newStore(t)); !errors.Is(err, ipfs.ErrCouldNotCheck) {
			t.Fatalf("Fetch = %v, want ErrCouldNotCheck", err)
		}
	})
	t.Run("not a trustless gateway", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html></html>"))
		}))
		defer srv.Close()
		g := &ipfs.Gateway{URL: srv.URL}
		if _, err := g.Fetch(ctx, root, newStore(t)); !errors.Is(err, ipfs.ErrCouldNotCheck) {
			t.Fatalf("Fetch = %v, want ErrCouldNotCheck", err)
		}
	})
	t.Run("above the size limit", func(t *testing.T) {
		g := &ipfs.Gateway{URL: carServer(t, good), Limits: ipfs.Limits{MaxCARSize: 1 << 20}}
		if _, err := g.Fetch(ctx, root, newStore(t)); !errors.Is(err, ipfs.ErrTooLarge) || !errors.Is(err, ipfs.ErrCouldNotCheck) {
			t.Fatalf("Fetch = %v, want ErrTooLarge", err)
		}
	})
	t.Run("gateway breaks off and says so", func(t *testing.T) {
		body := append(append([]byte(nil), header...), "\n\n[Gateway Error: CAR stream truncated, response is incomplete]"...)
		g := &ipfs.Gateway{URL: carServer(t, body)}
		if _, err := g.Fetch(ctx, root, newStore(t)); !errors.Is(err, ipfs.ErrCouldNotCheck) || errors.Is(err, ipfs.ErrRejected) {
			t.Fatalf("Fetch = %v, want ErrCouldNotCheck only", err)
		}
	})
}
